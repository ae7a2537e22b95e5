/**
 * The generated SDKs as a user of another language installs them (issue 19, item 3): sdk/python
 * into a virtual environment with `pulumi==3.272.0` from PyPI, sdk/go into a Go module through a
 * `replace`. For each: a program using it type-checks (mypy --strict; go vet), the same program
 * with an argument of the wrong type does not, and the program run under that language's Pulumi
 * mocks registers `optima-csp:azure:CspConnection` with the inputs the component reads (camelCase
 * names, the schema's wire form), which is what the provider plugin's construct receives. (Go:
 * `go test` compiles the program and runs go vet's standard checks on it before the mock run.)
 *
 * That sdk/ is what provider/schema.json generates is `npm run check:sdks` (.ci/run); this file
 * proves that what is checked in works. Nothing here deploys: the program never reaches an engine
 * (the Python and Go language hosts are not built here).
 *
 * Caches (OPTIMA_CSP_CACHE_DIR, default ~/.cache/optima-csp): the venv with pulumi and mypy, made
 * once per pin and Python version; Go's own module and build caches. A missing `python3` or `go`
 * skips its part with a notice, or fails the run where OPTIMA_CSP_REQUIRE_ENGINE=1 (CI).
 * The programs are tests/package/sdk-consumers/{python,go}; they are copied into a scratch
 * directory, so nothing is written into the repository (pip's build/ and *.egg-info included).
 */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { cacheDir, runtimesRequired } from "../support/node-runtime";
import { describeRun, run, type RunResult } from "../support/package-process";

const REPO = path.join(__dirname, "..", "..");
const CONSUMERS = path.join(__dirname, "sdk-consumers");
/** The Pulumi Python SDK the issue names, and the type checker, both from PyPI. */
const PULUMI_PY = "3.272.0";
const MYPY = "2.4.1";
/** Bounds: a cold venv is about 30 s of downloads; a cold Go build of the Pulumi SDK a few minutes on 2 cores. */
const VENV_TIMEOUT_MS = 300_000;
const STEP_TIMEOUT_MS = 120_000;
const GO_TIMEOUT_MS = 480_000;

/** What the consumer programs give the component, as the component's args name it. */
const EXPECTED_INPUTS = {
  webApp: { clientId: "0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f" },
  mpnId: "1234567",
  optima: { orgId: "12345", target: "csp-partner" },
  keyExpiresAfterDays: 180,
  customers: [{ tenantId: "9d2f7c1e-5a4b-4c3d-8e9f-0a1b2c3d4e5f", orgId: "23456", retainOnDelete: true }],
};

let work: string;
const timings: Record<string, number> = {};

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "sdks-"));
});

afterAll(() => {
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`SDK package test timings (ms): ${JSON.stringify(timings)}`);
});

/** Whether a command answers; when it does not, a skip with a notice, or a failure in CI. */
function available(command: string, args: readonly string[]): boolean {
  const answered = spawnSync(command, args, { encoding: "utf8", timeout: 10_000 }).status === 0;
  if (!answered) {
    const message = `${command} is not on PATH: the ${command} part of tests/package/sdks.test.ts does not run.`;
    if (runtimesRequired()) {
      throw new Error(`${message} OPTIMA_CSP_REQUIRE_ENGINE=1 requires it.`);
    }
    console.warn(message);
  }
  return answered;
}

/** A child's environment: this one's PATH and HOME, and nothing of the developer's Python or Go settings. */
function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME ?? os.homedir(), LANG: "C.UTF-8", ...extra };
}

async function mustRun(
  command: string,
  args: readonly string[],
  cwd: string,
  timeoutMs: number,
  env = childEnv(),
): Promise<RunResult> {
  const result = await run(command, args, { cwd, env, timeoutMs });
  if (result.code !== 0) {
    throw new Error(describeRun(result));
  }
  return result;
}

/** The registrations a mock run printed as JSON (the line after `prefix`). */
function registered(stdout: string, prefix = ""): { type: string; name: string; inputs: unknown }[] {
  const line = stdout
    .split("\n")
    .find((l) => l.startsWith(prefix) && l.slice(prefix.length).trim().startsWith("["));
  if (!line) {
    throw new Error(`the mock run printed no registrations:\n${stdout}`);
  }
  return JSON.parse(line.slice(prefix.length)) as { type: string; name: string; inputs: unknown }[];
}

const hasPython = available("python3", ["--version"]);
const hasGo = available("go", ["version"]);

(hasPython ? describe : describe.skip)(`the Python SDK (sdk/python) with pulumi==${PULUMI_PY}`, () => {
  let python: string;
  let program: string;
  /** mypy's cache of the Pulumi SDK's types, kept beside the venv: about 4 s less per run. */
  let mypyCache: string;

  beforeAll(async () => {
    const version = spawnSync("python3", ["-c", "import sys; print('%d.%d' % sys.version_info[:2])"], {
      encoding: "utf8",
    }).stdout.trim();
    const venv = path.join(cacheDir(), `python-sdk-venv-py${version}-pulumi-${PULUMI_PY}-mypy-${MYPY}`);
    python = path.join(venv, "bin", "python");
    mypyCache = path.join(venv, "mypy-cache");
    const ready = path.join(venv, "optima-csp-ready");
    let started = Date.now();
    if (!existsSync(ready)) {
      rmSync(venv, { recursive: true, force: true });
      await mustRun("python3", ["-m", "venv", venv], REPO, STEP_TIMEOUT_MS);
      await mustRun(
        python,
        ["-m", "pip", "install", "--quiet", `pulumi==${PULUMI_PY}`, `mypy==${MYPY}`],
        REPO,
        VENV_TIMEOUT_MS,
      );
      writeFileSync(ready, `pulumi==${PULUMI_PY} mypy==${MYPY}\n`);
    }
    timings.venvMs = Date.now() - started;
    // A copy of the SDK, so that pip's build/ and *.egg-info are not written into the repository.
    started = Date.now();
    const sdk = path.join(work, "sdk-python");
    cpSync(path.join(REPO, "sdk", "python"), sdk, { recursive: true });
    await mustRun(python, ["-m", "pip", "install", "--quiet", sdk], work, VENV_TIMEOUT_MS);
    timings.pipInstallSdkMs = Date.now() - started;
    program = path.join(work, "python-program");
    cpSync(path.join(CONSUMERS, "python"), program, { recursive: true });
  }, VENV_TIMEOUT_MS * 2);

  test("installs with the Pulumi SDK it names, and imports outside the repository", async () => {
    const result = await mustRun(
      python,
      [
        "-c",
        "import importlib.metadata as m, pulumi_optima_csp.azure as a, pulumi_optima_csp.optima as o; " +
          "print(m.version('pulumi'), m.version('pulumi_optima_csp'), a.CspConnection.__name__, o.Registration.__name__)",
      ],
      work,
      STEP_TIMEOUT_MS,
    );
    const pkg = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { version: string };
    expect(result.stdout.trim()).toBe(`${PULUMI_PY} ${pkg.version} CspConnection Registration`);
  });

  test("a program using it type-checks (mypy --strict)", async () => {
    const started = Date.now();
    await mustRun(
      python,
      ["-m", "mypy", "--strict", "--cache-dir", mypyCache, "program.py"],
      program,
      STEP_TIMEOUT_MS,
    );
    timings.mypyMs = Date.now() - started;
  });

  test("the same program with a number given as a string does not", async () => {
    const source = readFileSync(path.join(program, "program.py"), "utf8");
    const wrong = source.replace("key_expires_after_days=180", 'key_expires_after_days="180"');
    expect(wrong).not.toBe(source);
    writeFileSync(path.join(program, "wrong.py"), wrong);
    const result = await run(python, ["-m", "mypy", "--strict", "--cache-dir", mypyCache, "wrong.py"], {
      cwd: program,
      env: childEnv(),
      timeoutMs: STEP_TIMEOUT_MS,
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('No overload variant of "CspConnection" matches argument types');
    expect(result.stdout).toContain("key_expires_after_days: int | None");
  });

  test("under Pulumi's mocks it registers optima-csp:azure:CspConnection with the component's argument names", async () => {
    const result = await mustRun(python, ["wire.py"], program, STEP_TIMEOUT_MS);
    expect(registered(result.stdout)).toEqual([
      {
        type: "optima-csp:azure:CspConnection",
        name: "csp",
        inputs: { ...EXPECTED_INPUTS, domainSource: "initial", verify: { timeoutSeconds: 900 } },
      },
    ]);
  });
});

(hasGo ? describe : describe.skip)("the Go SDK (sdk/go)", () => {
  let module: string;
  const goEnv = (): NodeJS.ProcessEnv =>
    childEnv({
      GOFLAGS: "-p=1",
      ...(process.env.GOPATH ? { GOPATH: process.env.GOPATH } : {}),
      ...(process.env.GOCACHE ? { GOCACHE: process.env.GOCACHE } : {}),
      ...(process.env.GOPROXY ? { GOPROXY: process.env.GOPROXY } : {}),
    });

  beforeAll(async () => {
    module = path.join(work, "go-program");
    cpSync(path.join(CONSUMERS, "go"), module, { recursive: true });
    // The fixture's replace is relative to its place in the repository; the copy's points there.
    await mustRun(
      "go",
      ["mod", "edit", `-replace=optima-csp.local/sdk/go=${path.join(REPO, "sdk", "go")}`],
      module,
      STEP_TIMEOUT_MS,
      goEnv(),
    );
  });

  test(
    "a program using it compiles, passes the vet checks go test runs, and under Pulumi's mocks registers optima-csp:azure:CspConnection with the component's argument names",
    async () => {
      const started = Date.now();
      const result = await mustRun(
        "go",
        ["test", "-count=1", "-run", "TestWire", "-v", "."],
        module,
        GO_TIMEOUT_MS,
        goEnv(),
      );
      timings.goTestMs = Date.now() - started;
      expect(registered(result.stdout, "REGISTERED ")).toEqual([
        { type: "optima-csp:azure:CspConnection", name: "csp", inputs: EXPECTED_INPUTS },
      ]);
    },
    GO_TIMEOUT_MS,
  );

  test(
    "the same program with a number given as a string does not compile",
    async () => {
      const source = readFileSync(path.join(module, "main.go"), "utf8");
      const wrong = source.replace("KeyExpiresAfterDays: &keyExpiresAfterDays", 'KeyExpiresAfterDays: "180"');
      expect(wrong).not.toBe(source);
      writeFileSync(path.join(module, "main.go"), wrong);
      const result = await run("go", ["vet", "."], { cwd: module, env: goEnv(), timeoutMs: GO_TIMEOUT_MS });
      writeFileSync(path.join(module, "main.go"), source);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(/cannot use "180" \(untyped string constant\) as \*int value/);
    },
    GO_TIMEOUT_MS,
  );
});
