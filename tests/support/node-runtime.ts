/**
 * The Node.js versions the package test runs the installed package under: 20, 22 and 24.
 *
 * The version running jest is used as it is. Any other comes from the npm registry, which carries
 * real Node.js builds (the `node` package: `npm install node@24` leaves the executable at
 * `node_modules/node/bin/node`, about 190 MB). Each is installed once into
 * `${OPTIMA_CSP_CACHE_DIR:-~/.cache/optima-csp}/node-<major>`, outside the repository, and reused
 * while its `--version` still answers that major. An install goes to a temporary sibling first and
 * is renamed into place, so two test runs at once never see a half-written one.
 *
 * Everything here is synchronous: the package test decides at collection time which versions it
 * can run, so that a missing one shows as skipped (or, where it is required, as a failure) rather
 * than as a test that passed without doing anything.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The Node.js majors the package is tested on (README, Prerequisites). */
export const NODE_MAJORS = [20, 22, 24] as const;
/** The deadline of one `npm install node@<major>`. */
const INSTALL_TIMEOUT_MS = 300_000;
/** The deadline of one `node --version`. */
const VERSION_TIMEOUT_MS = 15_000;

export interface NodeRuntime {
  readonly major: number;
  /** `v24.21.0`. */
  readonly version: string;
  /** The `node` executable. */
  readonly nodePath: string;
  /** Its directory: put first on PATH, since the engine and the host start `node` from PATH. */
  readonly binDir: string;
  /** Where it came from: the process running the tests, the cache, or an install just now. */
  readonly source: "this process" | "cache" | "installed";
}

export interface MissingRuntime {
  readonly major: number;
  /** Why it is not available: the install's error, with its output's tail. */
  readonly reason: string;
}

/** Where the Node.js builds (and other downloads of the tests) are cached. */
export function cacheDir(): string {
  return process.env.OPTIMA_CSP_CACHE_DIR || path.join(os.homedir(), ".cache", "optima-csp");
}

/** Whether a missing Node.js version must fail the run (CI sets OPTIMA_CSP_REQUIRE_ENGINE=1). */
export function runtimesRequired(): boolean {
  return process.env.OPTIMA_CSP_REQUIRE_ENGINE === "1";
}

/** `node --version` of an executable, or undefined if it does not answer. */
function versionOf(nodePath: string): string | undefined {
  if (!existsSync(nodePath)) {
    return undefined;
  }
  const result = spawnSync(nodePath, ["--version"], { encoding: "utf8", timeout: VERSION_TIMEOUT_MS });
  return result.status === 0 ? result.stdout.trim() : undefined;
}

const isMajor = (version: string | undefined, major: number): version is string =>
  version !== undefined && version.startsWith(`v${major}.`);

const executableIn = (dir: string): string => path.join(dir, "node_modules", "node", "bin", "node");

function runtime(
  major: number,
  nodePath: string,
  version: string,
  source: NodeRuntime["source"],
): NodeRuntime {
  return { major, version, nodePath, binDir: path.dirname(nodePath), source };
}

/** Node.js `major` if this process runs it or the cache holds it; nothing is installed. */
export function foundNodeRuntime(major: number): NodeRuntime | undefined {
  if (isMajor(process.version, major)) {
    return runtime(major, process.execPath, process.version, "this process");
  }
  const dir = path.join(cacheDir(), `node-${major}`);
  const cached = versionOf(executableIn(dir));
  return isMajor(cached, major) ? runtime(major, executableIn(dir), cached, "cache") : undefined;
}

/** Node.js `major`: this process's, the cached one, or one installed now from the npm registry. */
export function nodeRuntime(major: number): NodeRuntime | MissingRuntime {
  const found = foundNodeRuntime(major);
  if (found !== undefined) {
    return found;
  }
  const root = cacheDir();
  const dir = path.join(root, `node-${major}`);
  mkdirSync(root, { recursive: true });
  const staging = mkdtempSync(path.join(root, `node-${major}.tmp-`));
  try {
    writeFileSync(path.join(staging, "package.json"), `${JSON.stringify({ private: true })}\n`);
    const started = Date.now();
    const install = spawnSync(
      "npm",
      ["install", "--no-audit", "--no-fund", "--loglevel=error", `node@${major}`],
      { cwd: staging, encoding: "utf8", timeout: INSTALL_TIMEOUT_MS, env: { ...process.env } },
    );
    const installed = versionOf(executableIn(staging));
    if (install.status !== 0 || !isMajor(installed, major)) {
      const ending = install.error
        ? install.error.message
        : install.signal
          ? `ended by ${install.signal} after ${Date.now() - started} ms`
          : `exited with ${install.status}`;
      const tail = `${install.stderr ?? ""}${install.stdout ?? ""}`.trim().split("\n").slice(-15).join("\n");
      return {
        major,
        reason:
          `"npm install node@${major}" in ${staging} ${ending}` +
          (installed === undefined ? "" : ` and left node ${installed}`) +
          (tail === "" ? "" : `:\n${tail}`),
      };
    }
    rmSync(dir, { recursive: true, force: true }); // a broken earlier install, if any
    try {
      renameSync(staging, dir);
    } catch {
      // Another run put one in place meanwhile: use it if it works.
      const theirs = versionOf(executableIn(dir));
      if (isMajor(theirs, major)) {
        return runtime(major, executableIn(dir), theirs, "cache");
      }
      throw new Error(`could not move the Node.js ${major} install from ${staging} to ${dir}`);
    }
    return runtime(major, executableIn(dir), installed, "installed");
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** Whether a lookup found the runtime. */
export function isAvailable(entry: NodeRuntime | MissingRuntime): entry is NodeRuntime {
  return "nodePath" in entry;
}

/** PATH with the runtime's directory first. */
export function pathWith(runtimeEntry: NodeRuntime, basePath = process.env.PATH ?? ""): string {
  return [runtimeEntry.binDir, basePath].filter((part) => part !== "").join(path.delimiter);
}
