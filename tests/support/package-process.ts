/**
 * Child processes for the package test: run a command to completion with a hard deadline and
 * collect its output, and describe a failed run in a way that says what to look at.
 *
 * Every run is bounded: at the deadline, or when the caller's `signal` aborts it, the process and
 * every process it started (npm's scripts, git, tsc) are killed (SIGKILL), and the result says so.
 * The child stays in jest's process group, so that Ctrl-C still reaches all of them. Output is
 * capped so that a runaway process cannot exhaust the test's memory.
 */
import { spawn } from "node:child_process";
import { killTree } from "./process-tree";

/** At most this much of each stream is kept (the tail). */
const MAX_OUTPUT_CHARS = 1024 * 1024;

export interface RunOptions {
  readonly cwd: string;
  /** The complete environment of the child (not merged with this process's). */
  readonly env: NodeJS.ProcessEnv;
  /** Hard deadline in ms; the child is killed when it passes. */
  readonly timeoutMs: number;
  /** Kills the child when aborted: a run the test no longer waits for (a file's `afterAll`). */
  readonly signal?: AbortSignal;
}

export interface RunResult {
  readonly command: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time in ms. */
  readonly ms: number;
}

function keepTail(buffer: string, chunk: string): string {
  const joined = buffer + chunk;
  return joined.length > MAX_OUTPUT_CHARS ? joined.slice(-MAX_OUTPUT_CHARS) : joined;
}

/** Runs `command args…` to completion (or to its deadline) and never rejects for its exit status. */
export function run(command: string, args: readonly string[], options: RunOptions): Promise<RunResult> {
  const started = Date.now();
  const display = [command, ...args].join(" ");
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout = keepTail(stdout, chunk)));
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr = keepTail(stderr, chunk)));
    const kill = (): void => {
      if (child.pid !== undefined) {
        killTree(child.pid);
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, options.timeoutMs);
    options.signal?.addEventListener("abort", kill, { once: true });
    const settle = (): void => {
      clearTimeout(timer);
      options.signal?.removeEventListener("abort", kill);
    };
    child.on("error", (err) => {
      settle();
      reject(new Error(`cannot start "${display}": ${err.message}`));
    });
    child.on("close", (code, signal) => {
      settle();
      resolve({ command: display, code, signal, timedOut, stdout, stderr, ms: Date.now() - started });
    });
    if (options.signal?.aborted) {
      kill();
    }
  });
}

/** A message for a run that did not exit 0: the command, how it ended, and its output's tail. */
export function describeRun(result: RunResult): string {
  const ending = result.timedOut
    ? `was killed after ${result.ms} ms (deadline)`
    : result.signal
      ? `ended by ${result.signal}`
      : `exited with ${result.code}`;
  const tail = (text: string): string => text.trim().split("\n").slice(-40).join("\n");
  return [
    `"${result.command}" ${ending}`,
    `--- stderr ---\n${tail(result.stderr)}`,
    `--- stdout ---\n${tail(result.stdout)}`,
  ].join("\n");
}

/** Runs and throws with {@link describeRun} unless the command exits 0. */
export async function runOrThrow(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(describeRun(result));
  }
  return result;
}
