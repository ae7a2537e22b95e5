/**
 * `npx --no optima-csp untracked-keys` from the packed tarball, installed in a scratch consumer
 * project (a stack that imports the package), against the emulator's Graph: the command the CI
 * examples run is there, prints its usage, removes a superseded untracked key and nothing else,
 * and refuses an export taken before the last rotation. The consumer is laid out as
 * tests/status-package.test.ts lays it out (../support/package-consumer, no registry), with the
 * `node_modules/.bin` link `npm install` would add.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../tools/emulator";
import { createCommandConsumer, npxEnv, type ConsumerProject } from "../support/package-consumer";
import { sharedPack } from "../support/package-pack";
import { describeRun, run, type RunResult } from "../support/package-process";
import {
  ID,
  nameOf,
  seedWebApp,
  stateExport,
  statePassword,
  type StatePassword,
} from "../support/untracked-state";

const REPO = path.join(__dirname, "..", "..");
const PACK_TIMEOUT_MS = 120_000;
const CLI_TIMEOUT_MS = 30_000;

let work: string;
let consumer: ConsumerProject;
let emulator: Emulator;

beforeAll(async () => {
  // Not under a path containing "optima-csp" (see tests/package.test.ts).
  work = mkdtempSync(path.join(os.tmpdir(), "untrackedpkg-"));
  const packed = await sharedPack(REPO, path.join(work, "pack"), PACK_TIMEOUT_MS);
  consumer = createCommandConsumer(path.join(work, "consumer"), packed.path, {
    name: "untracked-consumer",
    sourceProjectDir: REPO,
  });
  mkdirSync(path.join(work, "home"));
  emulator = await startEmulator();
}, PACK_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await emulator?.close();
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
});

async function npx(args: string[], token = ""): Promise<RunResult> {
  const result = await run("npx", ["--no", "optima-csp", "untracked-keys", ...args], {
    cwd: consumer.dir,
    env: npxEnv(work, { OPTIMA_CSP_GRAPH_TOKEN: token, OPTIMA_CSP_GRAPH_URL: emulator.entra.graphUrl }),
    timeoutMs: CLI_TIMEOUT_MS,
  });
  if (result.timedOut || result.signal !== null) {
    throw new Error(describeRun(result));
  }
  if (token !== "") {
    expect(result.stdout + result.stderr).not.toContain(token);
  }
  return result;
}

test("npx --no optima-csp untracked-keys in a consumer project: usage, removal of a superseded key only, refusal of a stale export", async () => {
  const help = await npx(["--help"]);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^Usage: optima-csp untracked-keys/);

  const seeded = seedWebApp(emulator, [
    { name: nameOf(59), window: 59 },
    { name: nameOf(60), window: 60 },
    { name: nameOf(58), window: 58 },
    { name: `optima-csp ${ID} slot a window 58 (manual break-glass copy)`, window: 58 },
  ]);
  const [k59, k60, orphan58, lookAlike] = seeded.keys.map((k) => k.keyId);
  const { token, keyIds: keys } = seeded;
  const write = (name: string, passwords: StatePassword[]): string => {
    const file = path.join(work, name);
    writeFileSync(file, JSON.stringify(stateExport({ passwords })));
    return file;
  };

  // An export from before the rotation to window 60: keys 58 (removed by that rotation) and 59.
  const gone58 = "11111111-2222-4333-8444-000000000058";
  const staleFile = write("stale.json", [statePassword(gone58, 58), statePassword(k59, 59)]);
  const stale = await npx(["--state-file", staleFile, "--remove"], token);
  expect(stale.code).toBe(2);
  expect(stale.stdout).toContain(
    `key ${k60} (window 60) is newer than every window in the state (newest 59)`,
  );
  expect(keys()).toEqual([k59, k60, orphan58, lookAlike]);

  const removed = await npx(
    ["--state-file", write("current.json", [statePassword(k59, 59), statePassword(k60, 60)]), "--remove"],
    token,
  );
  expect(removed.code).toBe(0);
  expect(removed.stdout).toMatch(new RegExp(`^removed ${orphan58} `, "m"));
  expect(removed.stdout).toMatch(new RegExp(`^kept ${lookAlike} .*a person's key`, "m"));
  expect(keys()).toEqual([k59, k60, lookAlike]);
}, 120_000);

/**
 * The CI examples' untracked-keys step, as written in each example file (README "Scheduled
 * rotation in CI"), run by bash in the consumer project: the command must work there unchanged.
 * `pulumi` is a shim that answers `stack export --stack <PULUMI_STACK>` with the stack's export
 * (the real CLI's part of the step); Graph is the emulator's, with its loopback test token
 * (in CI the fresh Azure sign-in gives DefaultAzureCredential its token).
 */
const EXAMPLE_STEPS = [
  ["GitHub Actions", "examples/ci/github-actions/rotate-optima-key.yml"],
  ["Azure DevOps", "examples/ci/azure-devops/azure-pipelines.yml"],
] as const;

test.each(EXAMPLE_STEPS)(
  "the %s example's untracked-keys step, unchanged, removes a killed run's superseded key in a consumer project",
  async (_name, file) => {
    const lines = readFileSync(path.join(REPO, file), "utf8")
      .split("\n")
      .map((l) => l.trim().replace(/^run:\s*/, ""))
      .filter((l) => /\boptima-csp untracked-keys\b/.test(l) && !l.startsWith("#"));
    expect(lines).toHaveLength(1);
    const step = lines[0];

    // A tenant of its own per example (one simulated directory serves the file).
    const tenant = `5a8b7c6d-1111-4222-8333-${String(EXAMPLE_STEPS.findIndex(([, f]) => f === file) + 1).padStart(12, "0")}`;
    const objectId = "7c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8";
    const clientId = "1f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f";
    const app = seedWebApp(
      emulator,
      [58, 59, 60].map((k) => ({ name: nameOf(k), window: k })),
      { tenant, clientId, objectId },
    );
    const [orphan, k59, k60] = app.keys.map((k) => k.keyId);
    const token = app.token;
    const passwords = [statePassword(k59, 59), statePassword(k60, 60)];
    const exportFile = path.join(work, `${path.basename(file)}.export.json`);
    writeFileSync(
      exportFile,
      JSON.stringify(stateExport({ deploymentId: ID, objectId, clientId, passwords })),
    );
    const shimDir = mkdtempSync(path.join(work, "shim-"));
    writeFileSync(
      path.join(shimDir, "pulumi"),
      `#!/bin/sh\ncase " $* " in *" stack export "*"--stack prod "*) ;; *) echo "unexpected: pulumi $*" >&2; exit 9 ;; esac\n` +
        `cat ${JSON.stringify(exportFile)}\n`,
    );
    chmodSync(path.join(shimDir, "pulumi"), 0o755);

    const env = npxEnv(work, {
      PULUMI_STACK: "prod",
      OPTIMA_CSP_GRAPH_TOKEN: token,
      OPTIMA_CSP_GRAPH_URL: emulator.entra.graphUrl,
    });
    const result = await run("bash", ["-euo", "pipefail", "-c", step], {
      cwd: consumer.dir,
      env: { ...env, PATH: [shimDir, env.PATH].join(path.delimiter) },
      timeoutMs: CLI_TIMEOUT_MS,
    });
    if (result.code !== 0) {
      throw new Error(describeRun(result));
    }
    expect(result.stdout).toMatch(new RegExp(`^removed ${orphan} `, "m"));
    expect(app.keyIds()).toEqual([k59, k60]);
    expect(result.stdout + result.stderr).not.toContain(token);
  },
  120_000,
);
