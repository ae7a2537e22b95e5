/**
 * Child processes for the package test: run a command to completion with a hard deadline and
 * collect its output, and describe a failed run in a way that says what to look at.
 *
 * Every run is bounded: at the deadline the process is killed (SIGKILL) and the result says so.
 * Output is capped so that a runaway process cannot exhaust the test's memory.
 */
import { spawn } from "node:child_process";

/** At most this much of each stream is kept (the tail). */
const MAX_OUTPUT_CHARS = 1024 * 1024;

export interface RunOptions {
  readonly cwd: string;
  /** The complete environment of the child (not merged with this process's). */
  readonly env: NodeJS.ProcessEnv;
  /** Hard deadline in ms; the child is killed when it passes. */
  readonly timeoutMs: number;
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
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot start "${display}": ${err.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ command: display, code, signal, timedOut, stdout, stderr, ms: Date.now() - started });
    });
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
