/**
 * The package platform teams install: `npm pack` builds a tarball with the compiled components
 * and their declarations and nothing else, and that tarball works when installed, under Node.js
 * 20, 22 and 24; and a git dependency on the commit under test builds itself on install and works
 * the same, with the newest `@pulumi/pulumi` the peer range admits.
 *
 * One pack per run, shared with tests/package/status-package.test.ts (tests/support/package-pack.ts). The
 * tarball is installed into two fresh consumer projects (dependencies symlinked from this
 * repository's node_modules, never the registry; see ./support/package-consumer), which then:
 * (a) type-check a small program that uses `OptimaCspConnection` (with `moduleResolution` node
 *     and node16) and run it under `pulumi.runtime.setMocks`;
 * (b) serialize the providers with the installed `@pulumi/pulumi`, exactly as the engine stores
 *     them, and drive those texts through the real dynamic-provider host against the emulator.
 *
 * (c) under each other Node.js version of ./support/node-runtime (20, 22 and 24: the one running
 *     jest is (a) and (b)), run the program again and drive its provider through the host,
 *     started by that `node`, which is also first on PATH;
 * (d) install the package from a local bare repository as a git dependency (`npm install` from
 *     the npm registry for everything else, `prepare` building the package), under Node.js 24
 *     and with the newest `@pulumi/pulumi` in the peer range, then type-check, run the program
 *     and drive the provider through that `@pulumi/pulumi`'s host.
 *
 * A Node.js version that cannot be installed is skipped with a notice, or fails the run where
 * OPTIMA_CSP_REQUIRE_ENGINE=1 (CI).
 *
 * Why two consumer projects: `@pulumi/pulumi` (3.248) finds an installed package's package.json
 * with `path.indexOf(packageName)`, so when the project's own path contains "optima-csp" (say
 * `~/src/optima-csp-prod/`) it misses it and writes the module's file path
 * (`optima-csp/dist/components/optima/runtime.js`) instead of the exports subpath. The package
 * exports those two file paths too, so such a provider loads as well; the second project's
 * path contains the package name on purpose to prove it.
 */
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
} from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../tools/emulator";
import { startHost, urnFor, type DynamicHost } from "../support/provider-host";
import {
  isAvailable,
  NODE_MAJORS,
  nodeRuntime,
  pathWith,
  runtimesRequired,
  type MissingRuntime,
  type NodeRuntime,
} from "../support/node-runtime";
import { consumerEnv, createConsumerProject, type ConsumerProject } from "../support/package-consumer";
import { CONSUMER_FIXTURE, consumerFiles, type ConsumerReport } from "../support/package-consumer-program";
import {
  bareRepositoryOfHead,
  expectedPackageFiles,
  writeProject,
  type BareRepository,
} from "../support/package-git";
import { sharedPack, type PackedTarball } from "../support/package-pack";
import { describeRun, run, type RunResult } from "../support/package-process";

const REPO = path.join(__dirname, "..", "..");
const manifest = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  name: string;
  exports: Record<string, unknown>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};

/** What serialized providers of an installed package `require`: the stable subpaths. */
const SUBPATH = {
  registration: "optima-csp/runtime/registration",
  keyVerification: "optima-csp/runtime/key-verification",
  childOrg: "optima-csp/runtime/child-org",
} as const;
/** What they `require` when `@pulumi/pulumi` cannot find the package.json (see above). */
const FILE_PATH = {
  registration: "optima-csp/dist/components/optima/runtime.js",
  keyVerification: "optima-csp/dist/components/azure/keyVerificationRuntime.js",
  childOrg: "optima-csp/dist/components/optima/childOrgRuntime.js",
} as const;

const PULUMI_PACKAGES = ["@pulumi/pulumi", "@pulumi/azuread", "@pulumi/azure-native", "@pulumi/random"];
const REGISTRATION_TYPE = "pulumi-nodejs:dynamic/optima-csp:Registration";
const KEY_VERIFICATION_TYPE = "pulumi-nodejs:dynamic/optima-csp:KeyVerification";

const PACK_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 60_000;
/** Values a provider must never capture: set in the consumer's environment while it serializes. */
const CANARIES = {
  OPTIMA_REFRESH_TOKEN: "canary-refresh-7f3e",
  OPTIMA_SERVICE_ACCOUNT_SECRET: "canary-sa-secret-91c2",
};

/** Deadline of the git-dependency install: a clone, npm installing the package's devDependencies
 * and building it twice (see README, "Use from another stack"), and the consumer's own packages. */
const GIT_INSTALL_TIMEOUT_MS = 480_000;

// ---------------------------------------------------------------------------------------------
// Node.js versions, decided when the file is collected (./support/node-runtime): a missing one
// is reported here, loudly, and its tests are skipped, or fail where it is required (CI).

const RUNTIMES: ReadonlyArray<NodeRuntime | MissingRuntime> = NODE_MAJORS.map((major) => nodeRuntime(major));
for (const entry of RUNTIMES) {
  if (!isAvailable(entry)) {
    const consequence = runtimesRequired()
      ? "its tests FAIL (OPTIMA_CSP_REQUIRE_ENGINE=1)"
      : "its tests are SKIPPED (set OPTIMA_CSP_REQUIRE_ENGINE=1 to make this a failure)";
    console.warn(`\n*** Node.js ${entry.major} is not available, so ${consequence}:\n${entry.reason}\n`);
  }
}
/** The versions besides the one running jest (which (a) and (b) use). */
const OTHER_RUNTIMES = RUNTIMES.filter((entry) => !isAvailable(entry) || entry.source !== "this process");
const NODE_24 = RUNTIMES.find((entry) => entry.major === 24) as NodeRuntime | MissingRuntime;

/** A describe block that needs a Node.js version: skipped, or failing where required, without it. */
function describeUnder(
  title: string,
  entry: NodeRuntime | MissingRuntime,
  body: (runtime: NodeRuntime) => void,
): void {
  if (isAvailable(entry)) {
    describe(title, () => body(entry));
  } else if (runtimesRequired()) {
    describe(title, () => {
      it(`has Node.js ${entry.major} (required here: OPTIMA_CSP_REQUIRE_ENGINE=1)`, () => {
        throw new Error(entry.reason);
      });
    });
  } else {
    describe.skip(title, () => {
      it(`needs Node.js ${entry.major}, which could not be installed (see the notice above)`, () =>
        undefined);
    });
  }
}

/** A consumer process's environment, with `runtime`'s `node` first on PATH. */
function envUnder(runtime: NodeRuntime, extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...consumerEnv(extra), PATH: pathWith(runtime) };
}

/**
 * The host as installed in the project directory `dir`, with nothing of the developer's OPTIMA_*
 * settings, started by `runtime`'s `node` (default the one running jest).
 */
function hostFor(dir: string, providerText: string, runtime?: NodeRuntime): Promise<DynamicHost> {
  return startHost({
    providerText,
    cwd: dir,
    pulumiPackageDir: path.join(dir, "node_modules", "@pulumi", "pulumi"),
    ...(runtime ? { nodePath: runtime.nodePath } : {}),
    env: {
      NODE_PRESERVE_SYMLINKS: "1",
      NODE_OPTIONS: undefined,
      NODE_PATH: undefined,
      ...(runtime ? { PATH: pathWith(runtime) } : {}),
      ...Object.fromEntries(
        [
          "REFRESH_TOKEN",
          "SERVICE_ACCOUNT_ID",
          "SERVICE_ACCOUNT_SECRET",
          "REGION",
          "API_URL",
          "FLEXERA_API_URL",
          "AUTH_URL",
        ].map((key) => [`OPTIMA_${key}`, undefined]),
      ),
    },
  });
}

/**
 * Registers a CSP partner through the host, rotates its key and removes it, checking the
 * emulator's Optima after each step and that no secret reached the host's stderr.
 */
async function registrationLifecycle(
  host: DynamicHost,
  emulator: Emulator,
  run: { name: string; orgId: string; mpnId: string },
): Promise<void> {
  const urn = urnFor(REGISTRATION_TYPE, run.name);
  const inputs = {
    target: "csp-partner",
    orgId: run.orgId,
    mpnId: run.mpnId,
    domain: CONSUMER_FIXTURE.domain,
    applicationId: CONSUMER_FIXTURE.webAppClientId,
    applicationSecret: "first-key-value",
  };
  await host.configure({
    "optima:refreshToken": "emulator-refresh-token",
    "optima:apiUrl": emulator.apiUrl,
    "optima:flexeraApiUrl": emulator.flexeraApiUrl,
    "optima:authUrl": emulator.authUrl,
  });
  const checked = await host.check(urn, {}, inputs);
  expect(checked.failures).toEqual([]);

  const created = await host.create(urn, checked.inputs);
  expect(emulator.cspPartners(run.orgId)).toEqual([
    expect.objectContaining({ id: created.id, mpn_id: run.mpnId, application_secret: "first-key-value" }),
  ]);

  const rotated = (
    await host.check(urn, created.properties, { ...inputs, applicationSecret: "second-key-value" })
  ).inputs;
  const diff = await host.diff(created.id, urn, created.properties, rotated);
  expect(diff).toMatchObject({ changes: true, replaces: [] });
  const updated = await host.update(created.id, urn, created.properties, rotated);
  expect(emulator.cspPartners(run.orgId)).toEqual([
    expect.objectContaining({ id: created.id, application_secret: "second-key-value" }),
  ]);

  await host.delete(created.id, urn, updated.properties);
  expect(emulator.cspPartners(run.orgId)).toEqual([]);
  for (const secret of ["first-key-value", "second-key-value", "emulator-refresh-token"]) {
    expect(host.stderr).not.toContain(secret);
  }
}

// ---------------------------------------------------------------------------------------------
// Pure helpers.

/** `require("…")` specifiers in a serialized function. */
function requiresOf(text: string): string[] {
  return [...text.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]);
}

/** All target paths of an exports map entry (conditions flattened). */
function exportTargets(entry: unknown): string[] {
  if (typeof entry === "string") {
    return [entry];
  }
  return entry && typeof entry === "object" ? Object.values(entry).flatMap(exportTargets) : [];
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  for (let i = 0; i < 3; i++) {
    if (x[i] !== y[i]) {
      return x[i] - y[i];
    }
  }
  return 0;
}

/** Whether `version` satisfies a range of comparators (`>=3.0.0 <4.0.0`, `||` alternatives). */
function satisfies(version: string, range: string): boolean {
  return range.split("||").some((set) =>
    set
      .trim()
      .split(/\s+/)
      .every((comparator) => {
        const m = /^(>=|<=|>|<|=)?(\d+\.\d+\.\d+)$/.exec(comparator);
        if (!m) {
          throw new Error(`unsupported range comparator "${comparator}" in "${range}"`);
        }
        const c = compareVersions(version, m[2]);
        return { ">=": c >= 0, "<=": c <= 0, ">": c > 0, "<": c < 0, "=": c === 0 }[m[1] ?? "="] as boolean;
      }),
  );
}

/** Every file under `dir`, relative to it, sorted (bounded: a package has a few hundred). */
function filesUnder(dir: string): string[] {
  const found: string[] = [];
  const pending = [""];
  for (let steps = 0; pending.length > 0; steps++) {
    if (steps > 10_000) {
      throw new Error(`more than 10000 directories under ${dir}`);
    }
    const relative = pending.pop() as string;
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        pending.push(child);
      } else {
        found.push(child);
      }
    }
  }
  return found.sort();
}

/** Asserts that process `pid` runs `nodePath` (where Linux's `/proc` shows it). */
function expectRunning(pid: number, nodePath: string): void {
  if (existsSync("/proc/self/exe")) {
    expect(realpathSync(`/proc/${pid}/exe`)).toBe(realpathSync(nodePath));
  }
}

/** `.ts` sources under a directory, relative to the repository. */
function sourcesUnder(dir: string): string[] {
  return readdirSync(path.join(REPO, dir)).flatMap((entry) => {
    const relative = path.posix.join(dir, entry);
    if (statSync(path.join(REPO, relative)).isDirectory()) {
      return sourcesUnder(relative);
    }
    return entry.endsWith(".ts") && !entry.endsWith(".d.ts") && !entry.endsWith(".test.ts") ? [relative] : [];
  });
}

// ---------------------------------------------------------------------------------------------
// Shared fixtures: one pack, two consumer projects, one compile, one program run each.

let work: string;
let packed: PackedTarball;
const timings: Record<string, number> = {};

/**
 * (d)'s install: a bare repository of HEAD, the consumer project, and `npm install` under
 * Node.js 24. It takes minutes and hardly touches what (a) to (c) do, so it starts with them.
 */
interface GitInstall {
  readonly bare: BareRepository;
  readonly project: string;
  readonly install: RunResult;
}
let gitInstall: Promise<GitInstall> | undefined;
/** Stops (d)'s install when the file ends without awaiting it (a run of some of its tests, `-t`). */
const gitInstallAbort = new AbortController();
const PULUMI_RANGE = manifest.peerDependencies?.["@pulumi/pulumi"] ?? "";

async function startGitInstall(node24: NodeRuntime): Promise<GitInstall> {
  const bare = await bareRepositoryOfHead(REPO, path.join(work, "git", "optima-csp.git"));
  if (bare.dirty) {
    console.warn(
      `*** The git-dependency test installs commit ${bare.commit}: this checkout's uncommitted changes are not in it.`,
    );
  }
  const project = path.join(work, "git-consumer");
  const pinned = (name: string): string => manifest.devDependencies?.[name] ?? "*";
  writeProject(
    project,
    consumerFiles({
      [manifest.name]: `${bare.url}#${bare.commit}`,
      "@pulumi/pulumi": PULUMI_RANGE,
      "@pulumi/azuread": pinned("@pulumi/azuread"),
      "@pulumi/random": pinned("@pulumi/random"),
      typescript: pinned("typescript"),
      "@types/node": pinned("@types/node"),
    }),
  );
  // npm itself runs under Node.js 24 (its `node` comes from PATH), as on a Node 24 runner: it
  // picks the newest @pulumi/pulumi whose engines that Node.js satisfies.
  const install = await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: project,
    env: { ...process.env, PATH: pathWith(node24) },
    timeoutMs: GIT_INSTALL_TIMEOUT_MS,
    signal: gitInstallAbort.signal,
  });
  return { bare, project, install };
}

beforeAll(async () => {
  // The temporary path must not contain "optima-csp" (the first consumer is the ordinary case).
  work = mkdtempSync(path.join(os.tmpdir(), "pkgtest-"));
  if (isAvailable(NODE_24)) {
    gitInstall = startGitInstall(NODE_24);
    gitInstall.catch(() => undefined); // awaited, and reported, by (d)
  }
  packed = await sharedPack(REPO, path.join(work, "pack"), PACK_TIMEOUT_MS);
  timings.packMs = packed.packMs;
}, PACK_TIMEOUT_MS + 10_000);

afterAll(async () => {
  // An install still running would write into the folder while it is removed.
  gitInstallAbort.abort();
  await gitInstall?.catch(() => undefined);
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
  // Where the time goes, one line per run (figures for the README).
  console.log(`package test timings (ms): ${JSON.stringify(timings)}`);
});

describe("npm pack", () => {
  it("ships the compiled components/ with declarations, and nothing of the tests, tools or program", () => {
    const allowed = /^(dist\/components\/.+\.(js|d\.ts)|package\.json|README\.md|LICENSE|CHANGELOG\.md)$/;
    expect(packed.files.filter((file) => !allowed.test(file))).toEqual([]);
    expect(packed.files).toEqual(
      expect.arrayContaining([
        "package.json",
        "CHANGELOG.md",
        "dist/components/index.js",
        "dist/components/index.d.ts",
        "dist/components/optima/runtime.js",
        "dist/components/azure/keyVerificationRuntime.js",
      ]),
    );
    for (const forbidden of [
      /^tests\//,
      /^tools\//,
      /^examples\//,
      /^scripts\//,
      /^index\.ts$/,
      /(?<!\.d)\.ts$/,
    ]) {
      expect(packed.files.filter((file) => forbidden.test(file))).toEqual([]);
    }
  });

  it("compiles every module of components/ to JavaScript and a declaration", () => {
    const expected = sourcesUnder("components").flatMap((source) => {
      const base = `dist/${source.replace(/\.ts$/, "")}`;
      return [`${base}.js`, `${base}.d.ts`];
    });
    expect(expected.length).toBeGreaterThan(10);
    expect(expected.filter((file) => !packed.files.includes(file))).toEqual([]);
  });

  it("has every exports target in the tarball, with the runtime modules under stable subpaths", () => {
    const targets = Object.values(manifest.exports).flatMap(exportTargets);
    expect(targets.map((t) => t.replace(/^\.\//, "")).filter((t) => !packed.files.includes(t))).toEqual([]);
    expect(exportTargets(manifest.exports["./runtime/registration"])).toContain(
      `./${FILE_PATH.registration.slice("optima-csp/".length)}`,
    );
    expect(exportTargets(manifest.exports["./runtime/key-verification"])).toContain(
      `./${FILE_PATH.keyVerification.slice("optima-csp/".length)}`,
    );
    expect(exportTargets(manifest.exports[`./${SUBPATH.childOrg.slice("optima-csp/".length)}`])).toContain(
      `./${FILE_PATH.childOrg.slice("optima-csp/".length)}`,
    );
    // The file-path aliases come BEFORE the named subpaths: @pulumi/pulumi maps a file to the
    // last subpath that targets it, so the named one wins whenever it can be found.
    const keys = Object.keys(manifest.exports);
    for (const [name, file] of [
      ["./runtime/registration", FILE_PATH.registration],
      ["./runtime/key-verification", FILE_PATH.keyVerification],
      ["./runtime/child-org", FILE_PATH.childOrg],
    ]) {
      const alias = `./${file.slice("optima-csp/".length)}`;
      expect(keys).toContain(alias);
      expect(keys.indexOf(alias)).toBeLessThan(keys.indexOf(name));
    }
  });

  it("takes the Pulumi packages as peers whose ranges include the versions tested here", () => {
    for (const name of PULUMI_PACKAGES) {
      const installed = (
        JSON.parse(readFileSync(path.join(REPO, "node_modules", name, "package.json"), "utf8")) as {
          version: string;
        }
      ).version;
      expect(manifest.dependencies?.[name]).toBeUndefined();
      expect(manifest.peerDependencies?.[name]).toBeDefined();
      expect({
        name,
        installed,
        inRange: satisfies(installed, manifest.peerDependencies?.[name] ?? ""),
      }).toEqual({
        name,
        installed,
        inRange: true,
      });
      expect(manifest.devDependencies?.[name]).toBe(installed);
    }
    expect(satisfies("3.248.0", ">=3.142.0 <4.0.0")).toBe(true);
    expect(satisfies("4.0.0", ">=3.142.0 <4.0.0")).toBe(false);
  });
});

describe("installed in a consumer project", () => {
  /** The ordinary case, and a project whose path contains the package name (see the top). */
  let consumer: ConsumerProject;
  let teamStack: ConsumerProject;
  let typechecks: RunResult[];
  let runs: RunResult[];
  const reports: ConsumerReport[] = [];

  beforeAll(async () => {
    const started = Date.now();
    const options = {
      sourceProjectDir: REPO,
      toolPackages: ["typescript", "@types/node"],
      files: consumerFiles(Object.fromEntries([manifest.name, ...PULUMI_PACKAGES].map((n) => [n, "*"]))),
    };
    consumer = createConsumerProject(path.join(work, "consumer"), packed.path, options);
    teamStack = createConsumerProject(path.join(work, "optima-csp-team-stack"), packed.path, options);
    timings.installMs = Date.now() - started;

    const tsc = path.join(consumer.dir, "node_modules", "typescript", "bin", "tsc");
    const compileStarted = Date.now();
    typechecks = await Promise.all(
      ["tsconfig.json", "tsconfig.node16.json"].map((config) =>
        run(process.execPath, [tsc, "-p", config], {
          cwd: consumer.dir,
          env: consumerEnv(),
          timeoutMs: STEP_TIMEOUT_MS,
        }),
      ),
    );
    timings.typecheckMs = Date.now() - compileStarted;
    if (typechecks[0].code !== 0) {
      return; // the type-check test reports it
    }
    cpSync(path.join(consumer.dir, "out"), path.join(teamStack.dir, "out"), { recursive: true });

    const runStarted = Date.now();
    runs = await Promise.all(
      [consumer, teamStack].map((project) =>
        run(process.execPath, ["out/program.js"], {
          cwd: project.dir,
          env: consumerEnv(CANARIES),
          timeoutMs: STEP_TIMEOUT_MS,
        }),
      ),
    );
    timings.mockRunMs = Date.now() - runStarted;
    for (const result of runs) {
      if (result.code === 0) {
        reports.push(JSON.parse(result.stdout) as ConsumerReport);
      }
    }
  }, 3 * STEP_TIMEOUT_MS);

  const report = (i: 0 | 1): ConsumerReport => {
    if (!runs?.[i] || runs[i].code !== 0) {
      throw new Error(
        runs?.[i] ? describeRun(runs[i]) : "the consumer program was not run: it did not compile",
      );
    }
    return reports[i];
  };
  const providerOf = (r: ConsumerReport, type: string): string => {
    const texts = r.registrations.filter((reg) => reg.type === type).map((reg) => reg.provider);
    expect(texts).toHaveLength(1);
    return texts[0] ?? "";
  };

  it("links only what the package declares (and the test's own tools), not this repository's dev tools", () => {
    expect(consumer.linked).toEqual(
      expect.arrayContaining([...PULUMI_PACKAGES, "axios", "typescript", "@types/node"]),
    );
    for (const devTool of ["jest", "ts-jest", "eslint", "prettier", "@pulumi/eslint-plugin", "@types/jest"]) {
      expect(consumer.linked).not.toContain(devTool);
    }
  });

  it("type-checks a program using OptimaCspConnection (moduleResolution node and node16)", () => {
    for (const result of typechecks) {
      expect({
        command: result.command,
        code: result.code,
        output: result.stdout + result.stderr,
      }).toMatchObject({ code: 0 });
    }
  });

  it("builds OptimaCspConnection under mocks from the installed package", () => {
    const r = report(0);
    expect(r.registrations.map((reg) => reg.type).sort()).toEqual(
      [
        "optima-csp:azure:CspConnection",
        "random:index/randomId:RandomId",
        "azuread:index/applicationPassword:ApplicationPassword",
        "azuread:index/applicationPassword:ApplicationPassword",
        KEY_VERIFICATION_TYPE,
        REGISTRATION_TYPE,
      ].sort(),
    );
    expect(new Set(r.calls)).toEqual(
      new Set([
        "azuread:index/getApplication:getApplication",
        "azuread:index/getClientConfig:getClientConfig",
      ]),
    );
    expect(r.outputs).toMatchObject({
      registrationId: "csp-registration-id",
      applicationObjectId: CONSUMER_FIXTURE.webAppObjectId,
      verificationId: "csp-key-verification-id",
    });
  });

  it("serializes each provider as a require of its stable exports subpath, with no path or credential", () => {
    const r = report(0);
    const texts = {
      registration: providerOf(r, REGISTRATION_TYPE),
      keyVerification: providerOf(r, KEY_VERIFICATION_TYPE),
      explicitRegistration: r.registrationProviderText,
    };
    expect(requiresOf(texts.registration)).toEqual([SUBPATH.registration]);
    expect(requiresOf(texts.explicitRegistration)).toEqual([SUBPATH.registration]);
    expect(requiresOf(texts.keyVerification)).toEqual([SUBPATH.keyVerification]);
    expect(r.registrationProviderContainsSecrets).toBe(false);
    for (const text of Object.values(texts)) {
      // What state stores twice per resource: about 2 KB from an installed package, against 148 KB
      // by value from a checkout (README.md, "How large the state grows with N customers").
      expect(text.length).toBeLessThan(4096);
      for (const leak of ["/dist/", "node_modules", work, os.tmpdir(), REPO, ...Object.values(CANARIES)]) {
        expect(text).not.toContain(leak);
      }
    }
  });

  it("falls back to the exported file paths when the project's path contains the package name", () => {
    const r = report(1);
    expect(requiresOf(providerOf(r, REGISTRATION_TYPE))).toEqual([FILE_PATH.registration]);
    expect(requiresOf(providerOf(r, KEY_VERIFICATION_TYPE))).toEqual([FILE_PATH.keyVerification]);
    for (const file of Object.values(FILE_PATH)) {
      expect(Object.keys(manifest.exports)).toContain(`./${file.slice("optima-csp/".length)}`);
    }
  });

  describe("through the real dynamic-provider host, against the emulator", () => {
    let emulator: Emulator;
    beforeAll(async () => {
      emulator = await startEmulator();
    });
    afterAll(async () => {
      await emulator?.close();
    });

    it.each([
      ["the stable subpath", 0, "1111111"],
      ["the file-path fallback", 1, "2222222"],
    ] as const)(
      "registers, rotates and removes with the provider loaded through %s",
      async (_, which, mpnId) => {
        const started = Date.now();
        const project = which === 0 ? consumer : teamStack;
        const host = await hostFor(project.dir, report(which).registrationProviderText);
        try {
          await registrationLifecycle(host, emulator, {
            name: `registration-${which}`,
            orgId: `${CONSUMER_FIXTURE.orgId}${which}`,
            mpnId,
          });
        } finally {
          await host.close();
        }
        timings[`hostLifecycle${which}Ms`] = Date.now() - started;
      },
    );

    it("proves a key with the key-verification provider the engine would store", async () => {
      const providerText = providerOf(report(0), KEY_VERIFICATION_TYPE);
      const secret = "verified-key-value";
      const keyId = "3f9d2c1b-7a6e-4d5c-8b4a-1e2f3a4b5c6d";
      emulator.entra.addSecret(CONSUMER_FIXTURE.tenantId, CONSUMER_FIXTURE.webAppClientId, secret);
      const urn = urnFor(KEY_VERIFICATION_TYPE, "key-verification");
      const host = await hostFor(consumer.dir, providerText);
      try {
        const checked = await host.check(
          urn,
          {},
          {
            tenantId: CONSUMER_FIXTURE.tenantId,
            clientId: CONSUMER_FIXTURE.webAppClientId,
            keyId,
            secret,
            authorityHost: emulator.entra.authorityHost,
            timeoutSeconds: 10,
            scope: "https://api.partnercenter.microsoft.com/.default",
          },
        );
        expect(checked.failures).toEqual([]);
        const created = await host.create(urn, checked.inputs);
        expect(created.id).toBe(keyId);
        expect(created.properties).toMatchObject({ attempts: 1, verifiedAt: expect.any(String) });
        expect(emulator.requests.some((req) => req.path.startsWith("/entra/") && req.status === 200)).toBe(
          true,
        );
      } finally {
        await host.close();
      }
    });

    // (c) The other Node.js versions: the same program and host, started by that `node`.
    for (const entry of OTHER_RUNTIMES) {
      describeUnder(`under Node.js ${entry.major}`, entry, (runtime) => {
        let result: RunResult | undefined;
        let underReport: ConsumerReport | undefined;
        beforeAll(async () => {
          if (typechecks?.[0]?.code !== 0) {
            return;
          }
          const started = Date.now();
          result = await run(runtime.nodePath, ["out/program.js"], {
            cwd: consumer.dir,
            env: envUnder(runtime, CANARIES),
            timeoutMs: STEP_TIMEOUT_MS,
          });
          if (result.code === 0) {
            underReport = JSON.parse(result.stdout) as ConsumerReport;
          }
          timings[`node${runtime.major}MockRunMs`] = Date.now() - started;
        }, STEP_TIMEOUT_MS + 10_000);

        const reportUnder = (): ConsumerReport => {
          if (!underReport) {
            throw new Error(
              result ? describeRun(result) : "the consumer program was not run: it did not compile",
            );
          }
          return underReport;
        };

        it(`builds the same resources under mocks, with the same serialized providers (${runtime.source})`, () => {
          const r = reportUnder();
          expect(r.registrations.map((reg) => reg.type).sort()).toEqual(
            report(0)
              .registrations.map((reg) => reg.type)
              .sort(),
          );
          expect(r.outputs).toEqual(report(0).outputs);
          expect(requiresOf(providerOf(r, REGISTRATION_TYPE))).toEqual([SUBPATH.registration]);
          expect(requiresOf(providerOf(r, KEY_VERIFICATION_TYPE))).toEqual([SUBPATH.keyVerification]);
          expect(requiresOf(r.registrationProviderText)).toEqual([SUBPATH.registration]);
          for (const leak of ["/dist/", "node_modules", work, ...Object.values(CANARIES)]) {
            expect(r.registrationProviderText).not.toContain(leak);
          }
        });

        it("registers, rotates and removes through the host that node starts", async () => {
          const started = Date.now();
          const host = await hostFor(consumer.dir, reportUnder().registrationProviderText, runtime);
          try {
            expectRunning(host.pid, runtime.nodePath);
            await registrationLifecycle(host, emulator, {
              name: `registration-node${runtime.major}`,
              orgId: `${CONSUMER_FIXTURE.orgId}${runtime.major}`,
              mpnId: `33333${runtime.major}`,
            });
          } finally {
            await host.close();
          }
          timings[`node${runtime.major}HostLifecycleMs`] = Date.now() - started;
        });
      });
    }
  });
});

// (d) A git dependency on the commit under test, under Node.js 24, with the newest @pulumi/pulumi.
describeUnder(
  "installed as a git dependency of a consumer project (Node.js 24, the newest @pulumi/pulumi in the peer range)",
  NODE_24,
  (node24) => {
    let project: string;
    let bare: BareRepository;
    let install: RunResult | undefined;
    let typechecks: RunResult[] = [];
    let programRun: RunResult | undefined;
    let gitReport: ConsumerReport | undefined;
    const npmEnv = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: pathWith(node24) });

    beforeAll(
      async () => {
        ({ bare, project, install } = await (gitInstall ?? startGitInstall(node24)));
        timings.gitInstallMs = install.ms;
        if (install.code !== 0) {
          return;
        }
        const tsc = path.join(project, "node_modules", "typescript", "bin", "tsc");
        typechecks = await Promise.all(
          ["tsconfig.json", "tsconfig.node16.json"].map((config) =>
            run(node24.nodePath, [tsc, "-p", config], {
              cwd: project,
              env: envUnder(node24),
              timeoutMs: STEP_TIMEOUT_MS,
            }),
          ),
        );
        if (typechecks[0].code !== 0) {
          return;
        }
        programRun = await run(node24.nodePath, ["out/program.js"], {
          cwd: project,
          env: envUnder(node24, CANARIES),
          timeoutMs: STEP_TIMEOUT_MS,
        });
        if (programRun.code === 0) {
          gitReport = JSON.parse(programRun.stdout) as ConsumerReport;
        }
      },
      GIT_INSTALL_TIMEOUT_MS + 3 * STEP_TIMEOUT_MS,
    );

    const installed = (): void => {
      if (install?.code !== 0) {
        throw new Error(install ? describeRun(install) : "npm install was not run");
      }
    };
    const pulumiVersion = (): string =>
      (
        JSON.parse(
          readFileSync(path.join(project, "node_modules", "@pulumi", "pulumi", "package.json"), "utf8"),
        ) as { version: string }
      ).version;

    it("installs it with npm, which records the repository and commit (not a path) in package-lock.json", () => {
      installed();
      const lock = JSON.parse(readFileSync(path.join(project, "package-lock.json"), "utf8")) as {
        packages: Record<string, { resolved?: string; version?: string }>;
      };
      expect(lock.packages["node_modules/optima-csp"]).toMatchObject({
        resolved: `${bare.url}#${bare.commit}`,
        version: "0.1.0",
      });
    });

    it("builds it on install (prepare): the installed files are those a pack of that commit holds", async () => {
      installed();
      const packageDir = path.join(project, "node_modules", "optima-csp");
      expect(filesUnder(packageDir)).toEqual(await expectedPackageFiles(REPO, bare.commit));
    });

    it("resolves @pulumi/pulumi to the newest version the peer range admits", async () => {
      installed();
      const view = await run("npm", ["view", `@pulumi/pulumi@${PULUMI_RANGE}`, "version", "--json"], {
        cwd: project,
        env: npmEnv(),
        timeoutMs: STEP_TIMEOUT_MS,
      });
      expect({ code: view.code, stderr: view.stderr }).toMatchObject({ code: 0 });
      const parsed = JSON.parse(view.stdout) as string | string[];
      const newest = (Array.isArray(parsed) ? parsed : [parsed])
        .filter((v) => /^\d+\.\d+\.\d+$/.test(v))
        .sort(compareVersions)
        .pop();
      console.log(
        `git-dependency consumer: @pulumi/pulumi ${pulumiVersion()} under Node.js ${node24.version}`,
      );
      expect(pulumiVersion()).toBe(newest);
      expect(satisfies(pulumiVersion(), PULUMI_RANGE)).toBe(true);
    });

    it("type-checks the program (moduleResolution node and node16)", () => {
      installed();
      expect(typechecks).toHaveLength(2);
      for (const result of typechecks) {
        expect({
          command: result.command,
          code: result.code,
          output: result.stdout + result.stderr,
        }).toMatchObject({
          code: 0,
        });
      }
    });

    it("builds OptimaCspConnection under mocks, each provider serialized as a require of its stable subpath", () => {
      installed();
      if (!gitReport) {
        throw new Error(programRun ? describeRun(programRun) : "the program was not run: it did not compile");
      }
      expect(gitReport.registrations.map((reg) => reg.type)).toEqual(
        expect.arrayContaining([REGISTRATION_TYPE, KEY_VERIFICATION_TYPE, "optima-csp:azure:CspConnection"]),
      );
      expect(gitReport.outputs).toMatchObject({ registrationId: "csp-registration-id" });
      expect(requiresOf(gitReport.registrationProviderText)).toEqual([SUBPATH.registration]);
      for (const leak of ["/dist/", "node_modules", work, ...Object.values(CANARIES)]) {
        expect(gitReport.registrationProviderText).not.toContain(leak);
      }
    });

    it("registers, rotates and removes through that @pulumi/pulumi's host, started by Node.js 24", async () => {
      installed();
      if (!gitReport) {
        throw new Error("the program did not run (see the test above)");
      }
      const started = Date.now();
      const emulator = await startEmulator();
      try {
        const host = await hostFor(project, gitReport.registrationProviderText, node24);
        try {
          expectRunning(host.pid, node24.nodePath);
          await registrationLifecycle(host, emulator, {
            name: "registration-git",
            orgId: `${CONSUMER_FIXTURE.orgId}9`,
            mpnId: "4444444",
          });
        } finally {
          await host.close();
        }
      } finally {
        await emulator.close();
      }
      timings.gitHostLifecycleMs = Date.now() - started;
    });
  },
);
