/**
 * The pinned Pulumi CLI, built on demand: `npm run rehearsal` runs this when it finds no CLI and Go
 * is on PATH. It starts the script CI runs (tools/engine/build-pulumi.sh, called by .ci/run), so
 * both build the same binary into the same cache.
 *
 * What it owns:
 * - `onPath(name)`: where an executable is on PATH (Go, here), found without a shell.
 * - `buildPinnedPulumi(options)`: runs the script; hands each line the script writes to stderr (its
 *   phases as they pass, and Go's log when a step fails) to the caller as it comes; takes the
 *   binary's path from the last line of its stdout. The build is bounded in time, and it is killed,
 *   with every process it started, when the bound passes or this process is interrupted.
 *
 * The binary serves the rehearsal and the tests only: it has no Node.js language host
 * (`pulumi-language-nodejs`, which the engine scenarios supply themselves from
 * tests/support/engine/language-host.ts), so `pulumi preview` of a real project fails with it. Real
 * deployments use the official Pulumi CLI.
 */
import { spawn } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import * as path from "node:path";

/** The script CI runs to build the pinned CLI. */
export const BUILD_SCRIPT = path.join(__dirname, "build-pulumi.sh");
/** A cold build takes about 9 minutes on 2 cores; one still running after this is stopped. */
export const BUILD_TIMEOUT_MS = 60 * 60_000;

/** The executable `name` on `PATH` (default: this process's), or undefined when there is none. */
export function onPath(name: string, PATH: string = process.env.PATH ?? ""): string | undefined {
  for (const dir of PATH.split(path.delimiter)) {
    if (dir === "") {
      continue;
    }
    const candidate = path.join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) {
        return candidate;
      }
    } catch {
      // Not there, or not executable: the next directory.
    }
  }
  return undefined;
}

export interface BuildOptions {
  /** Receives each line the build writes to stderr, as it comes. */
  readonly onLine: (line: string) => void;
  /** Default {@link BUILD_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

export type BuildResult =
  | { readonly ok: true; /** The built (or already cached) binary. */ readonly path: string }
  | {
      readonly ok: false;
      /** Why not, in a few words (the build's own output went to `onLine`). */ readonly reason: string;
    };

/** Runs tools/engine/build-pulumi.sh (see the module comment). Never rejects. */
export function buildPinnedPulumi(options: BuildOptions): Promise<BuildResult> {
  const timeoutMs = options.timeoutMs ?? BUILD_TIMEOUT_MS;
  return new Promise((resolve) => {
    // Its own process group, so that the bound and an interruption stop Go's compilers too.
    const child = spawn("bash", [BUILD_SCRIPT], {
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
      env: process.env,
    });
    const stopAll = (): void => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // The group is gone already.
      }
    };
    let stdout = "";
    let partial = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      const lines = (partial + chunk).split("\n");
      partial = lines.pop()!;
      for (const line of lines) {
        options.onLine(line);
      }
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      stopAll();
    }, timeoutMs);
    const settle = (): void => {
      clearTimeout(timer);
      process.removeListener("SIGINT", interrupted);
      process.removeListener("SIGTERM", interrupted);
    };
    // An interrupted rehearsal stops the build, then ends as the signal would have ended it.
    const interrupted = (signal: NodeJS.Signals): void => {
      stopAll();
      settle();
      process.kill(process.pid, signal);
    };
    process.once("SIGINT", interrupted);
    process.once("SIGTERM", interrupted);

    child.on("error", (e) => {
      settle();
      resolve({ ok: false, reason: `could not start bash ${BUILD_SCRIPT}: ${e.message}` });
    });
    child.on("close", (code, signal) => {
      settle();
      if (partial !== "") {
        options.onLine(partial);
      }
      const built = stdout.trim().split("\n").at(-1) ?? "";
      if (timedOut) {
        resolve({
          ok: false,
          reason: `it did not finish within ${Math.round(timeoutMs / 1000)} s, and was stopped`,
        });
      } else if (code !== 0) {
        resolve({
          ok: false,
          reason: signal ? `it was stopped by ${signal}` : `it exited with code ${code}`,
        });
      } else if (built === "" || !existsSync(built)) {
        resolve({ ok: false, reason: `it named no binary that exists (${JSON.stringify(built)})` });
      } else {
        resolve({ ok: true, path: built });
      }
    });
  });
}
