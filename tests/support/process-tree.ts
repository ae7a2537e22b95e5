/**
 * Killing a test's child process with everything it started: the engine tier's kills (a CI
 * runner's job timeout, tests/support/engine/workspace.ts) and the package tier's deadlines and
 * aborts (./package-process.ts). Reads parent links from /proc (Linux, where the tiers run);
 * elsewhere only the process itself and its process group are signalled.
 */
import { readFileSync, readdirSync } from "node:fs";

/** Parent PID of each process, from /proc (Linux); empty elsewhere. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc").filter((e) => /^\d+$/.test(e));
  } catch {
    return map;
  }
  for (const entry of entries) {
    try {
      // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      map.set(Number(entry), ppid);
    } catch {
      // The process ended while we read.
    }
  }
  return map;
}

/**
 * SIGKILL to a process and every descendant, each in whatever process group it is. The tree is
 * frozen first (SIGSTOP, repeated while new descendants appear, at most 5 passes) so that nothing
 * it spawns escapes, then killed: like a CI runner's job timeout, nobody gets to clean up.
 */
export function killTree(root: number): void {
  const signal = (pid: number, sig: NodeJS.Signals): void => {
    try {
      process.kill(pid, sig);
    } catch {
      // Gone already.
    }
  };
  const tree = new Set<number>([root]);
  for (let pass = 0; pass < 5; pass++) {
    for (const pid of tree) {
      signal(pid, "SIGSTOP");
    }
    const before = tree.size;
    const ppids = parents();
    let grew = true;
    for (let depth = 0; grew && depth < 32; depth++) {
      grew = false;
      for (const [pid, ppid] of ppids) {
        if (tree.has(ppid) && !tree.has(pid)) {
          tree.add(pid);
          grew = true;
        }
      }
    }
    if (tree.size === before) {
      break;
    }
  }
  signal(-root, "SIGKILL");
  for (const pid of tree) {
    signal(pid, "SIGKILL");
  }
}
