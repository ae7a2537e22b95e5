/**
 * A throwaway place to run the real Pulumi CLI on the stack program: the engine scenarios
 * (tests/engine) and the rehearsal use it.
 *
 * What it owns:
 * - Finding the CLI (`findPulumi`): `OPTIMA_CSP_PULUMI`, else the pinned build in the cache that
 *   tools/engine/build-pulumi.sh fills, else a `pulumi` on PATH of a supported version.
 * - Isolation: `PULUMI_HOME`, a `file://` backend and the project copy live in one temporary folder;
 *   secrets use the passphrase provider; every inherited `PULUMI_*` and `OPTIMA_*` variable is
 *   dropped; automatic plugin downloads are off (the Node.js host reports every installed
 *   `@pulumi/*` package, `@pulumi/azure-native` included, and the engine would try to fetch its
 *   plugin). Nothing is written into the working tree, and no stack is called `dev`.
 * - The program's TypeScript: transpiled once per file content for all runs (./program-transpile,
 *   through the language host) unless `programTranspile: "ts-node"` or `OPTIMA_CSP_ENGINE_TS_NODE=1`.
 * - Plugins, on PATH (ambient plugins win while `PULUMI_IGNORE_AMBIENT_PLUGINS` is unset):
 *   `pulumi-language-nodejs` (./language-host), `pulumi-resource-azuread` and
 *   `pulumi-resource-random` (./doubles), transpiled once to JavaScript, and
 *   `pulumi-resource-pulumi-nodejs`, the dynamic-provider
 *   launcher `@pulumi/pulumi` ships. `node` on PATH is ./node's (Node.js 22 with its compile cache,
 *   by default), not necessarily the Node.js running this process.
 * - Running commands with a bound on time, and reading results back (`stack export`, outputs).
 *
 * Test infrastructure only: not part of the package.
 */
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import * as path from "node:path";
import { killTree } from "../process-tree";
import { engineNode, prepareEngineNode } from "./node";

/** The repository root (this file is tests/support/engine/workspace.ts). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..", "..");
/** The version CI builds and pins (tools/engine/build-pulumi.sh). */
export const PINNED_PULUMI_VERSION = "v3.274.1";
/** The oldest CLI the scenarios accept from PATH: pending deletes run last since 3.46.0. */
export const MIN_PULUMI_VERSION = [3, 142, 0] as const;
/** Each `pulumi` command is killed after this long. */
export const COMMAND_TIMEOUT_MS = 5 * 60_000;

export interface PulumiCli {
  readonly path: string;
  readonly version: string;
  /** Where it was found: the environment, the pinned build's cache, or PATH. */
  readonly source: "OPTIMA_CSP_PULUMI" | "cache" | "PATH";
}

/**
 * Where tools/engine/build-pulumi.sh keeps the pinned build, as the script computes it
 * (`${OPTIMA_CSP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp}`: an empty value counts as unset).
 */
export function pulumiCacheDir(): string {
  return (
    process.env.OPTIMA_CSP_CACHE_DIR ||
    path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), ".cache"), "optima-csp")
  );
}

function versionOf(cli: string): string | undefined {
  const result = spawnSync(cli, ["version"], {
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: process.env.PATH ?? "", HOME: homedir(), PULUMI_SKIP_UPDATE_CHECK: "true" },
  });
  const version = result.status === 0 ? result.stdout.trim() : "";
  return /^v?\d+\.\d+\.\d+/.test(version) ? version : undefined;
}

function supported(version: string): boolean {
  const [major, minor, patch] = version.replace(/^v/, "").split(/[.-]/).map(Number);
  const [M, m, p] = MIN_PULUMI_VERSION;
  return major > M || (major === M && (minor > m || (minor === m && patch >= p)));
}

/** The Pulumi CLI to run, or undefined when there is none (see the module comment for the order). */
export function findPulumi(): PulumiCli | undefined {
  const fromEnv = process.env.OPTIMA_CSP_PULUMI;
  if (fromEnv) {
    const version = versionOf(fromEnv);
    if (version === undefined) {
      throw new Error(`OPTIMA_CSP_PULUMI=${fromEnv} does not run \`pulumi version\``);
    }
    return { path: fromEnv, version, source: "OPTIMA_CSP_PULUMI" };
  }
  const cached = path.join(pulumiCacheDir(), `pulumi-${PINNED_PULUMI_VERSION}`, "bin", "pulumi");
  if (existsSync(cached)) {
    const version = versionOf(cached);
    if (version !== undefined) {
      return { path: cached, version, source: "cache" };
    }
  }
  const which = spawnSync("sh", ["-c", "command -v pulumi"], { encoding: "utf8", env: process.env });
  const onPath = which.status === 0 ? which.stdout.trim() : "";
  if (onPath) {
    const version = versionOf(onPath);
    if (version !== undefined && supported(version)) {
      return { path: onPath, version, source: "PATH" };
    }
  }
  return undefined;
}

export interface CommandResult {
  readonly args: readonly string[];
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** stdout and stderr together, for messages. */
  readonly output: string;
  readonly ms: number;
}

/** A command started with {@link EngineWorkspace.start}. */
export interface RunningCommand {
  /** The CLI's process ID, which is also its process group's. */
  readonly pid: number;
  /** What it printed so far. */
  output(): string;
  /** SIGKILL to the whole process group; resolves once the CLI has exited. */
  kill(): Promise<CommandResult & { readonly killed: boolean }>;
  /** Resolves when the CLI has exited (by itself or killed). */
  readonly done: Promise<CommandResult & { readonly killed: boolean }>;
}

export interface WorkspaceOptions {
  readonly cli: PulumiCli;
  /** The emulator's Graph base URL and a Graph token for the signed-in identity (the doubles use them). */
  readonly graphUrl: string;
  readonly graphToken: string;
  /** The project to copy: a folder with index.ts, Pulumi.yaml, package.json, components/. Default: this repository. */
  readonly projectSource?: string;
  /** The stack name. Default `scenario` (never `dev`). */
  readonly stack?: string;
  /**
   * How the program process loads the program's TypeScript: `cached` (the default) through
   * ./program-transpile, each file transpiled once per content for every run; `ts-node` in each
   * program process, as the Go language host makes the SDK do. `OPTIMA_CSP_ENGINE_TS_NODE=1` makes
   * `ts-node` the default.
   */
  readonly programTranspile?: "cached" | "ts-node";
  /**
   * A project written from these files (name → text) instead of a copy of `projectSource`: a
   * program in another language, such as the YAML program of tests/engine/yaml.test.ts.
   */
  readonly projectFiles?: Readonly<Record<string, string>>;
  /** More plugins on the engine's PATH: name → the executable it starts (the YAML language host). */
  readonly plugins?: Readonly<Record<string, string>>;
}

/** Where ./program-transpile keeps the program's JavaScript, by content (shared by every run). */
export const PROGRAM_TRANSPILE_CACHE = path.join(tmpdir(), "optima-csp-engine-program");

const PASSPHRASE = "optima-csp engine scenarios (not a secret)";
const PROJECT_FILES = ["index.ts", "Pulumi.yaml", "package.json", "tsconfig.json", "components"];

export class EngineWorkspace {
  readonly root: string;
  readonly projectDir: string;
  readonly stack: string;
  readonly doublesLog: string;
  private readonly env: NodeJS.ProcessEnv;
  /** Every command run, for a failing test's message. */
  readonly history: CommandResult[] = [];

  constructor(private readonly options: WorkspaceOptions) {
    this.root = mkdtempSync(path.join(tmpdir(), "optima-csp-engine-"));
    this.stack = options.stack ?? "scenario";
    if (this.stack === "dev") {
      throw new Error("EngineWorkspace: the stack must not be `dev` (the project's example stack)");
    }
    const home = path.join(this.root, "pulumi-home");
    const backend = path.join(this.root, "backend");
    const bin = path.join(this.root, "bin");
    this.projectDir = path.join(this.root, "project");
    this.doublesLog = path.join(this.root, "doubles.log");
    for (const dir of [home, backend, bin, this.projectDir]) {
      mkdirSync(dir, { recursive: true });
    }
    if (options.projectFiles) {
      for (const [file, text] of Object.entries(options.projectFiles)) {
        writeFileSync(path.join(this.projectDir, file), text);
      }
    } else {
      this.copyProject(options.projectSource ?? REPO_ROOT);
    }
    writeLaunchers(bin);
    for (const [name, executable] of Object.entries(options.plugins ?? {})) {
      symlinkSync(executable, path.join(bin, name));
    }

    const node = engineNode();
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(PULUMI_|OPTIMA_|ARM_|AZURE_)/.test(k)),
    );
    this.env = {
      ...inherited,
      ...node.env,
      PATH: [bin, node.binDir, "/usr/local/bin", "/usr/bin", "/bin"].join(path.delimiter),
      PULUMI_HOME: home,
      PULUMI_BACKEND_URL: `file://${backend}`,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      PULUMI_SKIP_UPDATE_CHECK: "true",
      PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
      PULUMI_NODEJS_TRANSPILE_ONLY: "true",
      PULUMI_SKIP_CONFIRMATIONS: "true",
      // Unhides `--event-log` (pkg/cmd/pulumi/operations/up.go: registered only when
      // env.DebugCommands is set): the scenarios read the engine's own steps from it.
      PULUMI_DEBUG_COMMANDS: "true",
      NO_COLOR: "1",
      OPTIMA_CSP_GRAPH_URL: options.graphUrl,
      OPTIMA_CSP_GRAPH_TOKEN: options.graphToken,
      OPTIMA_CSP_DOUBLES_LOG: this.doublesLog,
    };
    const transpile =
      options.programTranspile ?? (process.env.OPTIMA_CSP_ENGINE_TS_NODE === "1" ? "ts-node" : "cached");
    if (transpile === "cached") {
      this.env.OPTIMA_CSP_PROGRAM_TRANSPILE_CACHE = PROGRAM_TRANSPILE_CACHE;
    }
  }

  /** Replaces the project copy's code with another checkout's (an upgrade), keeping stack files. */
  copyProject(source: string): void {
    for (const file of PROJECT_FILES) {
      rmSync(path.join(this.projectDir, file), { recursive: true, force: true });
      cpSync(path.join(source, file), path.join(this.projectDir, file), { recursive: true });
    }
    if (!existsSync(path.join(this.projectDir, "node_modules"))) {
      symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(this.projectDir, "node_modules"), "dir");
    }
  }

  /**
   * Spawns a command in the project copy and collects its output into a {@link CommandResult},
   * recorded in {@link history}. After `timeoutMs` (default {@link COMMAND_TIMEOUT_MS}) it calls
   * `onTimeout`, or SIGKILLs the process.
   */
  private spawnCollected(
    command: string,
    args: readonly string[],
    shown: readonly string[],
    opts: {
      env: NodeJS.ProcessEnv;
      timeoutMs?: number;
      detached?: boolean;
      onTimeout?: (pid: number) => void;
    },
  ): { pid: number; output: () => string; done: Promise<CommandResult> } {
    const started = Date.now();
    const child = spawn(command, [...args], {
      cwd: this.projectDir,
      env: opts.env,
      stdio: ["ignore", "pipe", "pipe"],
      detached: opts.detached ?? false,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    const timer = setTimeout(
      () => (opts.onTimeout && child.pid !== undefined ? opts.onTimeout(child.pid) : child.kill("SIGKILL")),
      opts.timeoutMs ?? COMMAND_TIMEOUT_MS,
    );
    const done = new Promise<CommandResult>((resolve, reject) => {
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("close", (code, signal) => {
        clearTimeout(timer);
        const result: CommandResult = {
          args: shown,
          code: code ?? (signal ? 128 : 1),
          stdout,
          stderr,
          output: `${stdout}${stderr}`,
          ms: Date.now() - started,
        };
        this.history.push(result);
        resolve(result);
      });
    });
    return { pid: child.pid ?? -1, output: () => `${stdout}${stderr}`, done };
  }

  /** Runs `pulumi <args>` in the project copy; never throws for a non-zero exit. */
  run(
    args: readonly string[],
    opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    return this.spawnCollected(this.options.cli.path, [...args, "--color", "never"], args, {
      env: { ...this.env, ...opts.env },
      timeoutMs: opts.timeoutMs,
    }).done;
  }

  /**
   * Starts `pulumi <args>` in its own process group and returns at once: `kill()` sends SIGKILL to
   * the whole tree (the CLI, the language host, the program and every provider plugin), as a CI
   * runner does when a job times out or is cancelled, and `done` resolves when the CLI has exited.
   * The engine starts each plugin in a process group of its own (`cmdutil.RegisterProcessGroup`,
   * `Setpgid: true`: pulumi/pulumi sdk/go/common/util/cmdutil/child_unix.go, called from
   * sdk/go/common/resource/plugin/plugin.go, v3.259), so the CLI's group alone is not enough:
   * see {@link killTree}.
   * The command is killed the same way after `timeoutMs`. Unlike {@link run}, nothing gets the
   * chance to clean up: no lock released, no pending operation cleared.
   */
  start(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunningCommand {
    let killed = false;
    const killGroup = (pid: number): void => {
      killed = true;
      killTree(pid);
    };
    const spawned = this.spawnCollected(this.options.cli.path, [...args, "--color", "never"], args, {
      env: { ...this.env, ...opts.env },
      timeoutMs: opts.timeoutMs,
      detached: true, // its own process group, so -pid reaches the plugins too
      onTimeout: killGroup,
    });
    const done = spawned.done.then((result) => ({ ...result, killed }));
    return {
      pid: spawned.pid,
      output: spawned.output,
      kill: async () => {
        if (spawned.pid > 0) {
          killGroup(spawned.pid);
        }
        return done;
      },
      done,
    };
  }

  /**
   * Runs another program (not `pulumi`) in the project copy with the same environment, the CLI's
   * folder first on PATH so that the program finds `pulumi` as a CI job does: for the repository's
   * scripts that a CI example runs between `pulumi` commands. Never throws for a non-zero exit.
   */
  runProgram(
    command: string,
    args: readonly string[],
    opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
  ): Promise<CommandResult> {
    const env = { ...this.env, ...opts.env };
    env.PATH = [path.dirname(this.options.cli.path), env.PATH].join(path.delimiter);
    return this.spawnCollected(command, args, [command, ...args], { env, timeoutMs: opts.timeoutMs }).done;
  }

  /** Like {@link run}, but throws with the command's output when it exits non-zero. */
  async ok(
    args: readonly string[],
    opts?: { env?: NodeJS.ProcessEnv; timeoutMs?: number },
  ): Promise<CommandResult> {
    const result = await this.run(args, opts);
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${args.join(" ")} exited ${result.code}:\n${tail(result.output)}\n${this.doublesLogTail()}`,
      );
    }
    return result;
  }

  /** Creates the stack with the passphrase secrets provider and sets its config in one call. */
  async init(config: { plain?: Record<string, string>; secret?: Record<string, string> }): Promise<void> {
    await this.ok(["stack", "init", this.stack, "--secrets-provider", "passphrase"]);
    await this.setConfig(config);
  }

  async setConfig(config: {
    plain?: Record<string, string>;
    secret?: Record<string, string>;
  }): Promise<void> {
    const args = ["config", "set-all", "--stack", this.stack];
    for (const [k, v] of Object.entries(config.plain ?? {})) {
      args.push("--plaintext", `${k}=${v}`);
    }
    for (const [k, v] of Object.entries(config.secret ?? {})) {
      args.push("--secret", `${k}=${v}`);
    }
    if (args.length > 4) {
      await this.ok(args);
    }
  }

  async removeConfig(key: string): Promise<void> {
    await this.ok(["config", "rm", key, "--stack", this.stack]);
  }

  /** `pulumi stack export`: the deployment as JSON text (secrets stay encrypted). */
  async exportState(): Promise<string> {
    return (await this.ok(["stack", "export", "--stack", this.stack])).stdout;
  }

  /** The stack's outputs (secrets shown as `[secret]`). */
  async outputs(): Promise<Record<string, unknown>> {
    const result = await this.ok(["stack", "output", "--json", "--stack", this.stack]);
    return JSON.parse(result.stdout) as Record<string, unknown>;
  }

  /** The last lines of the doubles' log, for a failing test's message. */
  doublesLogTail(lines = 30): string {
    return existsSync(this.doublesLog)
      ? `doubles log:\n${readFileSync(this.doublesLog, "utf8").trim().split("\n").slice(-lines).join("\n")}`
      : "";
  }

  dispose(): void {
    if (!process.env.OPTIMA_CSP_KEEP_ENGINE_WORKSPACE) {
      rmSync(this.root, { recursive: true, force: true });
    }
  }
}

function tail(text: string, lines = 60): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}

/** The TypeScript hosts the launchers start, relative to tests/support/engine. */
const HOST_SOURCES = [
  "language-host.ts",
  "program-transpile.ts",
  "doubles/azuread.ts",
  "doubles/random.ts",
  "doubles/common.ts",
  "doubles/rules.ts",
];

/**
 * The hosts transpiled to JavaScript once per content (TypeScript's `transpileModule`, no type
 * check: `npm run typecheck` does that), in a cache under the system's temporary folder: a plugin
 * then starts with plain `node` instead of ts-node, which saves about a second per plugin process
 * (six or more per `pulumi up`).
 */
function transpiledHosts(): string {
  const sources = HOST_SOURCES.map(
    (file) => [file, readFileSync(path.join(REPO_ROOT, "tests", "support", "engine", file), "utf8")] as const,
  );
  const hash = createHash("sha256").update(JSON.stringify(sources)).digest("hex").slice(0, 16);
  const out = path.join(tmpdir(), "optima-csp-engine-hosts", hash);
  if (!existsSync(path.join(out, "done"))) {
    transpileTo(out, sources);
    writeFileSync(path.join(out, "done"), "");
  }
  return out;
}

/**
 * Writes each TypeScript source (`[path relative to out, text]`) as CommonJS beside it under `out`
 * (`x.ts` → `x.js`): TypeScript's `transpileModule`, each file on its own, no type check.
 */
export function transpileTo(out: string, sources: readonly (readonly [string, string])[]): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require("typescript") as typeof import("typescript");
  const compilerOptions = {
    module: ts.ModuleKind.CommonJS,
    target: ts.ScriptTarget.ES2022,
    esModuleInterop: true,
  };
  for (const [file, text] of sources) {
    const js = ts.transpileModule(text, { compilerOptions, fileName: file }).outputText;
    const target = path.join(out, file.replace(/\.ts$/, ".js"));
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, js);
  }
}

/** The plugin launchers: shell scripts that start the transpiled hosts with the repository's node_modules. */
function writeLaunchers(bin: string): void {
  const hosts = transpiledHosts();
  const script = (entry: string): string =>
    `#!/bin/sh\nNODE_PATH='${path.join(REPO_ROOT, "node_modules")}' exec node '${path.join(hosts, entry)}' "$@"\n`;
  const launchers: Record<string, string> = {
    "pulumi-language-nodejs": script("language-host.js"),
    "pulumi-resource-azuread": script("doubles/azuread.js"),
    "pulumi-resource-random": script("doubles/random.js"),
  };
  for (const [name, text] of Object.entries(launchers)) {
    writeFileSync(path.join(bin, name), text);
    chmodSync(path.join(bin, name), 0o755);
  }
  symlinkSync(
    path.join(REPO_ROOT, "node_modules", "@pulumi", "pulumi", "pulumi-resource-pulumi-nodejs"),
    path.join(bin, "pulumi-resource-pulumi-nodejs"),
  );
}

/**
 * `ts-node tests/support/engine/workspace.ts` (npm run test:engine): says which Pulumi CLI the
 * scenarios use; exits 1 when there is none and `OPTIMA_CSP_REQUIRE_ENGINE=1` (CI).
 */
if (require.main === module) {
  const cli = findPulumi();
  if (cli) {
    console.log(`Engine scenarios: Pulumi CLI ${cli.version} (${cli.source}: ${cli.path})`);
    const node = prepareEngineNode();
    console.log(`Engine scenarios: Node.js ${node.version} (${node.source}) for the CLI's processes`);
  } else if (process.env.OPTIMA_CSP_REQUIRE_ENGINE === "1") {
    console.error(
      "Engine scenarios: no Pulumi CLI found and OPTIMA_CSP_REQUIRE_ENGINE=1: run " +
        "`bash tools/engine/build-pulumi.sh` (needs Go), set OPTIMA_CSP_PULUMI, or put a pulumi ≥ 3.142 on PATH.",
    );
    process.exitCode = 1;
  } else {
    console.log(
      "Engine scenarios: no Pulumi CLI found; they will be skipped (see tests/support/engine/scenario.ts).",
    );
  }
}
