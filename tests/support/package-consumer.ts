/**
 * A throwaway consumer project for the packed tarball, laid out as `npm install` would leave it,
 * without the registry:
 *
 * - the tarball is extracted to `<dir>/node_modules/optima-csp` (real files, as npm installs them);
 * - every other package it needs is a symlink into this repository's `node_modules`: the
 *   dependency closure of the package's `dependencies` and `peerDependencies` (plus the tools the
 *   test uses, e.g. `typescript`), walked the way Node resolves them. A dependency that the
 *   package forgot to declare is therefore missing in the consumer, as it would be for a user.
 *
 * Consumer processes run with `NODE_PRESERVE_SYMLINKS=1`, so each linked package stays at its
 * place in the consumer's `node_modules` instead of resolving to this repository. That matters
 * for more than tidiness: `@pulumi/pulumi`'s closure serializer finds the installed optima-csp's
 * `package.json` by resolving it from its own location; from this repository's `node_modules` it
 * would not find it and would write a raw `dist/` path into the provider, which no real install
 * does.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** A bound on the packages visited when walking the dependency closure. */
const MAX_PACKAGES = 5_000;

export interface ConsumerProject {
  readonly dir: string;
  /** `<dir>/node_modules/optima-csp`. */
  readonly packageDir: string;
  /** Top-level package names linked from the source project's `node_modules`, sorted. */
  readonly linked: readonly string[];
}

export interface ConsumerOptions {
  /** The project whose `node_modules` provides the dependencies (this repository). */
  readonly sourceProjectDir: string;
  /** Packages the test itself needs in the consumer besides the package's own (e.g. `typescript`). */
  readonly toolPackages: readonly string[];
  /** Files of the consumer project, by path relative to its directory. */
  readonly files: Readonly<Record<string, string>>;
}

interface Manifest {
  readonly name?: string;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

function readManifest(packageDir: string): Manifest {
  return JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8")) as Manifest;
}

/** Where Node finds package `name` required from `fromDir`, searching no higher than `rootDir`. */
function resolvePackageDir(fromDir: string, name: string, rootDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    if (path.basename(dir) !== "node_modules") {
      const candidate = path.join(dir, "node_modules", name);
      if (existsSync(path.join(candidate, "package.json"))) {
        return candidate;
      }
    }
    if (dir === rootDir || dir === path.dirname(dir)) {
      return undefined;
    }
  }
}

/**
 * The top-level packages of `projectDir/node_modules` that `roots` need at run time: their
 * dependencies, optional dependencies and peers, transitively, resolved as Node resolves them.
 * Packages nested inside another package's `node_modules` come along with it. Throws when a
 * required (non-optional) dependency is not installed.
 */
export function dependencyClosure(projectDir: string, roots: readonly string[]): string[] {
  const topLevel = path.join(projectDir, "node_modules");
  const linked = new Set<string>();
  const visited = new Set<string>();
  const queue = roots.map((name) => ({ fromDir: projectDir, name, optional: false }));
  for (let steps = 0; queue.length > 0; steps++) {
    if (steps > MAX_PACKAGES * 20) {
      throw new Error(`dependency walk from ${roots.join(", ")} did not finish; is node_modules corrupt?`);
    }
    const { fromDir, name, optional } = queue.shift() as (typeof queue)[number];
    const dir = resolvePackageDir(fromDir, name, projectDir);
    if (dir === undefined) {
      if (optional) {
        continue;
      }
      throw new Error(`${name}, required from ${fromDir}, is not installed under ${topLevel}: run npm ci`);
    }
    if (dir === path.join(topLevel, name)) {
      linked.add(name);
    }
    if (visited.has(dir)) {
      continue;
    }
    visited.add(dir);
    if (visited.size > MAX_PACKAGES) {
      throw new Error(`more than ${MAX_PACKAGES} packages needed by ${roots.join(", ")}`);
    }
    const manifest = readManifest(dir);
    for (const dep of Object.keys(manifest.dependencies ?? {})) {
      queue.push({ fromDir: dir, name: dep, optional: false });
    }
    for (const dep of [
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
    ]) {
      queue.push({ fromDir: dir, name: dep, optional: true });
    }
  }
  return [...linked].sort();
}

/**
 * Creates the consumer project in the empty directory `dir`: its files, the extracted tarball,
 * and links to the dependency closure of the installed package's manifest plus `toolPackages`.
 */
export function createConsumerProject(
  dir: string,
  tarball: string,
  options: ConsumerOptions,
): ConsumerProject {
  const nodeModules = path.join(dir, "node_modules");
  const packageDir = path.join(nodeModules, "optima-csp");
  mkdirSync(packageDir, { recursive: true });
  execFileSync("tar", ["-xzf", tarball, "-C", packageDir, "--strip-components=1"], { timeout: 30_000 });

  const manifest = readManifest(packageDir);
  const roots = [
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
    ...options.toolPackages,
  ];
  const linked = dependencyClosure(options.sourceProjectDir, roots).filter((name) => name !== manifest.name);
  for (const name of linked) {
    const link = path.join(nodeModules, name);
    mkdirSync(path.dirname(link), { recursive: true });
    symlinkSync(path.join(options.sourceProjectDir, "node_modules", name), link, "dir");
  }

  for (const [file, text] of Object.entries(options.files)) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return { dir, packageDir, linked };
}

/**
 * The environment of a consumer process: a minimal one (nothing of this repository leaks in, no
 * `OPTIMA_*` from the developer's shell), with symlinks preserved (see the module comment).
 */
export function consumerEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME ?? os.tmpdir(),
    TMPDIR: os.tmpdir(),
    NODE_PRESERVE_SYMLINKS: "1",
    ...extra,
  };
}

/**
 * A consumer project that depends on the tarball (`file:`) and can run its command: what
 * `npm install` adds for the package's `bin`, a relative link in `node_modules/.bin` and the
 * executable bit, is added from the installed package.json. For `npx --no optima-csp …`.
 */
export function createCommandConsumer(
  dir: string,
  tarball: string,
  options: { readonly name: string; readonly sourceProjectDir: string },
): ConsumerProject {
  const manifest = {
    name: options.name,
    version: "1.0.0",
    private: true,
    dependencies: { "optima-csp": `file:${tarball}` },
  };
  const project = createConsumerProject(dir, tarball, {
    sourceProjectDir: options.sourceProjectDir,
    toolPackages: [],
    files: { "package.json": `${JSON.stringify(manifest, null, 2)}\n` },
  });
  const { bin } = readManifest(project.packageDir) as { bin?: Record<string, string> };
  const binDir = path.join(dir, "node_modules", ".bin");
  mkdirSync(binDir, { recursive: true });
  for (const [name, file] of Object.entries(bin ?? {})) {
    const target = path.join(project.packageDir, file);
    chmodSync(target, 0o755);
    symlinkSync(path.relative(binDir, target), path.join(binDir, name));
  }
  return project;
}

/**
 * The environment of an `npx` child in a command consumer: Node's own directory and the system's
 * on PATH, HOME at `<work>/home` (the caller makes it), npm offline with its own cache under
 * `work` and nothing to announce, symlinks preserved (see the module comment), then `extra`.
 */
export function npxEnv(work: string, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return {
    PATH: [path.dirname(process.execPath), "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter),
    HOME: path.join(work, "home"),
    TMPDIR: os.tmpdir(),
    NODE_PRESERVE_SYMLINKS: "1",
    npm_config_cache: path.join(work, "npm-cache"),
    npm_config_offline: "true",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    ...extra,
  };
}
