/**
 * The package tier's child processes (tests/support/package-process.ts): a deadline or an abort
 * kills the command and everything it started, so that no install outlives the test file that
 * started it (a run of some of its tests, `-t`, ends before the install it no longer awaits).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { run } from "./support/package-process";

/** A shell that starts a grandchild (`sleep`), writes its PID to a file, and waits for it. */
function shellWithGrandchild(pidFile: string): [string, string[]] {
  return ["sh", ["-c", `sleep 30 & echo $! > '${pidFile}'; wait`]];
}

/**
 * Whether a process is running: it exists and is not a zombie (a killed process whose parent has
 * not reaped it yet; `kill(pid, 0)` still finds those). Reads /proc: Linux, as the tiers run.
 */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** The grandchild's PID, once the shell has written all of it (the file exists before it is written). */
async function grandchildPid(pidFile: string): Promise<number> {
  for (let i = 0; i < 250; i++) {
    const text = existsSync(pidFile) ? readFileSync(pidFile, "utf8") : "";
    if (text.endsWith("\n")) {
      return Number(text.trim());
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no PID in ${pidFile} after 5 s`);
}

describe("package-process run", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "package-process-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("an abort kills the command and the processes it started, and the run settles at once", async () => {
    const pidFile = path.join(dir, "pid");
    const abort = new AbortController();
    const [command, args] = shellWithGrandchild(pidFile);
    const running = run(command, args, {
      cwd: dir,
      env: process.env,
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    const grandchild = await grandchildPid(pidFile);
    expect(isRunning(grandchild)).toBe(true);
    abort.abort();
    const result = await running;
    expect(result.signal).toBe("SIGKILL");
    expect(result.timedOut).toBe(false);
    expect(result.ms).toBeLessThan(30_000);
    expect(isRunning(grandchild)).toBe(false);
  });

  test("the deadline kills the processes the command started too: the run settles then and says it timed out", async () => {
    const pidFile = path.join(dir, "pid");
    const [command, args] = shellWithGrandchild(pidFile);
    const result = await run(command, args, { cwd: dir, env: process.env, timeoutMs: 300 });
    expect(result.timedOut).toBe(true);
    // Settled at the deadline, not when the orphaned grandchild let go of the output pipes.
    expect(result.ms).toBeLessThan(10_000);
    expect(isRunning(await grandchildPid(pidFile))).toBe(false);
  });

  test("a signal aborted before the start kills the command at once", async () => {
    const abort = new AbortController();
    abort.abort();
    const result = await run("sleep", ["30"], {
      cwd: dir,
      env: process.env,
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    expect(result.signal).toBe("SIGKILL");
    expect(result.ms).toBeLessThan(30_000);
  });

  test("a command that ends on its own is not killed", async () => {
    const abort = new AbortController();
    const result = await run("sh", ["-c", "echo done"], {
      cwd: dir,
      env: process.env,
      timeoutMs: 60_000,
      signal: abort.signal,
    });
    abort.abort(); // after the end: nothing to kill, nothing thrown
    expect(result).toMatchObject({ code: 0, signal: null, timedOut: false, stdout: "done\n" });
  });
});
