/**
 * The Node.js that the engine scenarios' processes run on: the language host, the program, the
 * dynamic-provider host and the doubles (the engine starts each as `node` from the workspace's
 * PATH). jest itself keeps the Node.js it was started with.
 *
 * By default Node.js 22, the oldest line users run (README, Prerequisites; 20 is past its end of
 * life and stays covered by the fast and package tiers), with Node's compile cache. Its rules, read
 * in the Node.js 22.1.0 changelog ("module: implement NODE_COMPILE_CACHE", nodejs/node#52535) and
 * `doc/api/module.md` "Module compile cache" (v22.22): with `NODE_COMPILE_CACHE=dir`, Node.js ≥
 * 22.1 keeps the V8 code of each CommonJS or ES module it compiles in `dir` and reuses it while the
 * module's content is unchanged; caches of different Node.js versions are kept apart in one `dir`;
 * an older Node.js ignores the variable. tests/engine-node.test.ts checks the first and the last
 * against the Node.js builds here. Every process of a `pulumi up` loads `@pulumi/pulumi` anew, and measured on
 * one quiet stack (2 cores, 2026-12-06, three quiet runs each, `--skip-preview`) the Node.js
 * processes of a run used 4.9 to 5.1 s of CPU on Node.js 20 and 3.9 to 4.2 s on Node.js 22 with
 * the cache. `OPTIMA_CSP_ENGINE_NODE` chooses another major, or `this` for jest's own Node.js.
 *
 * The build comes from the cache the package tier fills (../node-runtime: the npm registry's
 * `node` package, once); `npm run test:engine` installs it there before jest starts
 * (./workspace, run as a script), so that the workers only look it up, and so does
 * `npm run bench:engine`. `npm run rehearsal` only looks it up. When it cannot be had, the
 * scenarios run on jest's Node.js, and the script says so.
 *
 * Test infrastructure only: not part of the package.
 */
import * as path from "node:path";
import { cacheDir, foundNodeRuntime, nodeRuntime, type NodeRuntime } from "../node-runtime";

/** The Node.js major the scenarios run on unless `OPTIMA_CSP_ENGINE_NODE` says otherwise. */
export const ENGINE_NODE_MAJOR = 22;
/** Whether a Node.js version (`v22.23.3`) has `NODE_COMPILE_CACHE`: 22.1 and later. */
export function hasCompileCache(version: string): boolean {
  const [major, minor] = version.replace(/^v/, "").split(".").map(Number);
  return major > 22 || (major === 22 && minor >= 1);
}

export interface EngineNode {
  /** The directory of its `node`: first on the workspace's PATH. */
  readonly binDir: string;
  readonly version: string;
  /** What the workspace adds to the environment of every command (the compile cache). */
  readonly env: Readonly<Record<string, string>>;
  /** Where it came from, for the line `npm run test:engine` prints. */
  readonly source: string;
}

/** The major asked for: a number, or undefined for jest's own Node.js. */
function wantedMajor(): number | undefined {
  const asked = process.env.OPTIMA_CSP_ENGINE_NODE?.trim();
  if (asked === undefined || asked === "") {
    return ENGINE_NODE_MAJOR;
  }
  if (asked === "this") {
    return undefined;
  }
  const major = Number(asked);
  if (!Number.isInteger(major) || major < 20) {
    throw new Error(`OPTIMA_CSP_ENGINE_NODE must be a Node.js major (20, 22, 24) or "this"; got "${asked}".`);
  }
  return major;
}

function described(runtime: NodeRuntime, note = ""): EngineNode {
  const cache = hasCompileCache(runtime.version);
  return {
    binDir: runtime.binDir,
    version: runtime.version,
    env: cache ? { NODE_COMPILE_CACHE: path.join(cacheDir(), "node-compile-cache") } : {},
    source: `${runtime.source}${cache ? ", compile cache" : ""}${note}`,
  };
}

function thisProcess(note = ""): EngineNode {
  // foundNodeRuntime answers "this process" first for the major this process runs.
  return described(foundNodeRuntime(Number(process.versions.node.split(".")[0]))!, note);
}

let looked: EngineNode | undefined;

/**
 * The scenarios' Node.js, looked up only (what every workspace calls): once per process, since
 * the lookup runs `node --version` and the answer does not change within a run.
 */
export function engineNode(): EngineNode {
  if (looked === undefined) {
    const major = wantedMajor();
    const found = major === undefined ? undefined : foundNodeRuntime(major);
    looked = found === undefined ? thisProcess() : described(found);
  }
  return looked;
}

/** The same, installing the wanted major into the cache first if it is missing (run once, before jest). */
export function prepareEngineNode(): EngineNode {
  const major = wantedMajor();
  if (major === undefined) {
    return thisProcess();
  }
  const entry = nodeRuntime(major);
  return "nodePath" in entry
    ? described(entry)
    : thisProcess(`; Node.js ${major} could not be installed, so jest's own is used: ${entry.reason}`);
}
