/**
 * `npm run rehearsal`'s command line (tools/rehearsal.ts `main`): what it says and returns
 * without a Pulumi CLI, with and without Go to build the pinned one, with the `--model` flag it used
 * to take, and with `--help`. The rehearsal run itself is an engine scenario
 * (tests/engine/rehearsal.test.ts), since it runs the real engine; here it is a stand-in that
 * records the CLI it was given.
 *
 * Every test runs with a PATH of its own (a folder of links to the few tools the build script
 * uses, and a fake `go` where a test wants Go) and its own OPTIMA_CSP_CACHE_DIR, so no test finds
 * this machine's Pulumi CLI or Go, and none ever builds Pulumi. The fake `go` stands in for Go
 * alone: the build is the real tools/engine/build-pulumi.sh, and the CLI is found by the real
 * `findPulumi`.
 */
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { MODEL_GONE, buildingCli, main, needsCli, verificationLine, type MainDeps } from "../tools/rehearsal";
import { onPath } from "../tools/engine/build-pulumi";
import type { PulumiCli } from "./support/engine/workspace";

const CLI: PulumiCli = { path: "/opt/pulumi/bin/pulumi", version: "v3.274.1", source: "PATH" };

/** What tools/engine/build-pulumi.sh, the fake `go` and `findPulumi` run. */
const TOOLS = ["bash", "sh", "mktemp", "rm", "cat", "date", "mkdir", "dirname", "mv", "chmod", "sleep"];
const BASH = onPath("bash")!;

/**
 * A stand-in for Go: logs each call; `go get` succeeds; `go build -o OUT` writes a script that
 * answers `version` like the pinned CLI. FAKE_GO_GATE: `build` first waits (at most 10 s) for that
 * file. FAKE_GO_FAIL: `build` fails with a compiler's message. FAKE_GO_SLEEP: `get` sleeps that
 * long, recording the sleeper's PID in FAKE_GO_PID.
 */
const FAKE_GO = `#!${BASH}
set -eu
echo "$*" >> "$FAKE_GO_LOG"
case "$1" in
  get)
    echo "go: downloading github.com/pulumi/pulumi/pkg/v3 (fake)" >&2
    if [ -n "\${FAKE_GO_SLEEP:-}" ]; then sleep "$FAKE_GO_SLEEP" & echo $! > "$FAKE_GO_PID"; wait; fi
    ;;
  build)
    if [ -n "\${FAKE_GO_FAIL:-}" ]; then echo "fake go: cmd/pulumi: undefined: somethingMissing" >&2; exit 1; fi
    if [ -n "\${FAKE_GO_GATE:-}" ]; then
      for ((i = 0; i < 100; i++)); do [ -e "$FAKE_GO_GATE" ] && break; sleep 0.1; done
      [ -e "$FAKE_GO_GATE" ] || { echo "fake go: the gate never opened" >&2; exit 1; }
    fi
    out=""
    while [ $# -gt 0 ]; do [ "$1" = "-o" ] && out="$2"; shift; done
    printf '#!/bin/sh\\necho v3.274.1\\n' > "$out"
    chmod +x "$out"
    ;;
esac
`;

const saved = { ...process.env };
let dir: string;
let bin: string;
let cache: string;
let goLog: string;

beforeAll(() => {
  for (const tool of TOOLS) {
    expect({ tool, found: onPath(tool) !== undefined }).toEqual({ tool, found: true });
  }
});

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "optima-csp-rehearsal-cli-"));
  bin = path.join(dir, "bin");
  cache = path.join(dir, "cache");
  goLog = path.join(dir, "go.log");
  mkdirSync(bin);
  for (const tool of TOOLS) {
    symlinkSync(onPath(tool, saved.PATH)!, path.join(bin, tool));
  }
  delete process.env.OPTIMA_CSP_PULUMI;
  delete process.env.XDG_CACHE_HOME;
  process.env.PATH = bin;
  process.env.OPTIMA_CSP_CACHE_DIR = cache;
  process.env.FAKE_GO_LOG = goLog;
});

afterEach(() => {
  for (const key of Object.keys(process.env)) {
    if (!(key in saved)) {
      delete process.env[key];
    }
  }
  Object.assign(process.env, saved);
  rmSync(dir, { recursive: true, force: true });
});

function withGo(): void {
  writeFileSync(path.join(bin, "go"), FAKE_GO);
  chmodSync(path.join(bin, "go"), 0o755);
}

/** Whether a process runs (a zombie, dead but not yet reaped by its parent, does not). */
function alive(pid: number): boolean {
  if (existsSync("/proc/self/stat")) {
    const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
    return stat !== "" && !/^\d+ \(.*\) [ZX]/s.test(stat);
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const goCalls = (): string[] =>
  existsSync(goLog) ? readFileSync(goLog, "utf8").trim().split("\n").filter(Boolean) : [];

function harness(findCli?: () => PulumiCli | undefined, run: MainDeps["run"] = async () => undefined) {
  const out: string[] = [];
  const err: string[] = [];
  const ran: PulumiCli[] = [];
  const deps: MainDeps = {
    findCli,
    run: async (cli) => {
      ran.push(cli);
      return run!(cli);
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { deps, out, err, ran };
}

describe("without a Pulumi CLI", () => {
  it("and without Go: says that the rehearsal needs a CLI and how to get one, runs nothing and exits 1", async () => {
    const h = harness();
    expect(await main([], h.deps)).toBe(1);
    expect(h.ran).toEqual([]);
    expect(h.out).toEqual([]);
    expect(h.err).toEqual([needsCli(cache)]);
    const text = h.err.join("\n");
    expect(text).toMatch(/runs the stack program under the real Pulumi engine, and no Pulumi CLI was found/);
    expect(text).toContain("https://www.pulumi.com/docs/iac/download-install/");
    expect(text).toContain("bash tools/engine/build-pulumi.sh");
    expect(text).toContain("install Go");
  });

  it("names the cache the pinned build really goes to: OPTIMA_CSP_CACHE_DIR, else XDG_CACHE_HOME", async () => {
    const h = harness();
    await main([], h.deps);
    expect(h.err.join("\n")).toContain(`the pinned build in ${cache},`);
    expect(h.err.join("\n")).not.toContain("~/.cache");

    delete process.env.OPTIMA_CSP_CACHE_DIR;
    process.env.XDG_CACHE_HOME = path.join(dir, "xdg");
    const xdg = harness();
    await main([], xdg.deps);
    expect(xdg.err.join("\n")).toContain(`the pinned build in ${path.join(dir, "xdg", "optima-csp")},`);
  });

  it("and with Go: builds the pinned CLI with tools/engine/build-pulumi.sh, saying so and each phase as it passes, then rehearses under it", async () => {
    withGo();
    const gate = path.join(dir, "gate");
    process.env.FAKE_GO_GATE = gate;
    const out: string[] = [];
    const h = harness();
    const deps: MainDeps = {
      ...h.deps,
      out: (line) => {
        out.push(line);
        // The fake compiler starts only once the first phase has reached the user: phases are
        // passed on as they come, not at the end of the build.
        if (/^build-pulumi: modules of pulumi v3\.274\.1 fetched in \d+ s$/.test(line)) {
          writeFileSync(gate, "");
        }
      },
    };
    expect(await main([], deps)).toBe(0);

    const target = path.join(cache, "pulumi-v3.274.1", "bin", "pulumi");
    expect(h.ran).toEqual([{ path: target, version: "v3.274.1", source: "cache" }]);
    expect(goCalls()).toEqual([
      expect.stringMatching(/^get github\.com\/pulumi\/pulumi\/pkg\/v3\/cmd\/pulumi@v3\.274\.1 /),
      expect.stringMatching(/^build -o .*pulumi\.partial /),
    ]);
    expect(out[0]).toBe(buildingCli(cache));
    expect(out[0]).toContain(`into ${cache}`);
    expect(out[0]).toMatch(
      /serves the rehearsal and\s+the tests only .* deploy with the official Pulumi CLI/s,
    );
    const phases = out.filter((l) => l.startsWith("build-pulumi: "));
    expect(phases).toEqual([
      "build-pulumi: fetching the modules of pulumi v3.274.1 from the Go module proxy",
      expect.stringMatching(/^build-pulumi: modules of pulumi v3\.274\.1 fetched in \d+ s$/),
      "build-pulumi: compiling pulumi v3.274.1",
      expect.stringMatching(/^build-pulumi: pulumi v3\.274\.1 built in \d+ s$/),
    ]);
    expect(out).toContain(`Built: Pulumi CLI v3.274.1 at ${target}.`);
    expect(h.err).toEqual([]);
  });

  it("builds once: the next rehearsal finds the cached build and builds nothing", async () => {
    withGo();
    const first = harness();
    expect(await main([], first.deps)).toBe(0);
    const calls = goCalls().length;
    expect(calls).toBe(2);

    const second = harness();
    expect(await main([], second.deps)).toBe(0);
    expect(goCalls()).toHaveLength(calls);
    expect(second.out).toEqual([]);
    expect(second.ran).toEqual([first.ran[0]]);
  });

  it("a failing build: its output reaches the user, the rehearsal says it failed and how else to get a CLI, and exits 1", async () => {
    withGo();
    process.env.FAKE_GO_FAIL = "1";
    const h = harness();
    expect(await main([], h.deps)).toBe(1);
    expect(h.ran).toEqual([]);
    expect(h.out).toContain("fake go: cmd/pulumi: undefined: somethingMissing");
    expect(h.err).toEqual([
      expect.stringMatching(
        /^Building the pinned Pulumi CLI failed: it exited with code 1 .*download-install/,
      ),
    ]);
    expect(existsSync(path.join(cache, "pulumi-v3.274.1", "bin", "pulumi"))).toBe(false);
  });

  it("a build past its bound is stopped, with every process it started", async () => {
    withGo();
    const pidFile = path.join(dir, "go.pid");
    process.env.FAKE_GO_SLEEP = "30";
    process.env.FAKE_GO_PID = pidFile;
    const h = harness();
    const started = Date.now();
    expect(await main([], { ...h.deps, buildTimeoutMs: 3000 })).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(h.err).toEqual([
      expect.stringMatching(
        /^Building the pinned Pulumi CLI failed: it did not finish within 3 s, and was stopped/,
      ),
    ]);
    const sleeper = Number(readFileSync(pidFile, "utf8"));
    expect(sleeper).toBeGreaterThan(0);
    // SIGKILL is delivered at once, but a busy machine may take a moment to end the process.
    const deadline = Date.now() + 5000;
    while (alive(sleeper) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(alive(sleeper)).toBe(false);
    expect(h.ran).toEqual([]);
  });
});

it("with a CLI: runs the rehearsal under it and exits 0, building nothing", async () => {
  withGo();
  const h = harness(() => CLI);
  expect(await main([], h.deps)).toBe(0);
  expect(h.ran).toEqual([CLI]);
  expect(h.err).toEqual([]);
  expect(h.out).toEqual([]);
  expect(goCalls()).toEqual([]);
});

it("--model is still accepted: it says that the hand-wired model is gone and rehearses under the real engine", async () => {
  const h = harness(() => CLI);
  expect(await main(["--model"], h.deps)).toBe(0);
  expect(h.err).toEqual([MODEL_GONE]);
  expect(MODEL_GONE).toMatch(/^--model: the hand-wired model of the engine .* is gone/);
  expect(MODEL_GONE).toMatch(/always runs the stack program under the real Pulumi engine/);
  expect(h.ran).toEqual([CLI]);
});

it("--model without a CLI says both", async () => {
  const h = harness(() => undefined);
  expect(await main(["--model"], h.deps)).toBe(1);
  expect(h.err).toEqual([MODEL_GONE, needsCli(cache)]);
});

it("a broken expectation fails the rehearsal with exit 1 and says why", async () => {
  const h = harness(
    () => CLI,
    async () => {
      throw new Error('step "quiet-run": a run inside the same window changed something');
    },
  );
  expect(await main([], h.deps)).toBe(1);
  expect(h.err.join("\n")).toMatch(/REHEARSAL FAILED: step "quiet-run": a run inside the same window/);
});

it("--help prints the usage and exits 0; an unknown flag prints it and exits 2", async () => {
  const help = harness(() => CLI);
  expect(await main(["--help"], help.deps)).toBe(0);
  expect(help.out.join("\n")).toMatch(/^Usage: npm run rehearsal -- \[--model\]/);
  expect(help.ran).toEqual([]);
  const wrong = harness(() => CLI);
  expect(await main(["--fast"], wrong.deps)).toBe(2);
  expect(wrong.err.join("\n")).toMatch(/Unknown option '--fast'[\s\S]*Usage: npm run rehearsal/);
  expect(wrong.ran).toEqual([]);
});

describe("the key verification's line in each step", () => {
  it("explains a 401 (AADSTS7000215) only when one came back", () => {
    expect(verificationLine([401, 401, 200])).toBe(
      "  key verification: Entra ID's token endpoint answered 401, 401, 200 " +
        "(401 = AADSTS7000215: the new key has not propagated yet; the verification waits and retries)",
    );
    expect(verificationLine([200])).toBe("  key verification: Entra ID's token endpoint answered 200");
    expect(verificationLine([])).toBeUndefined();
  });
});
