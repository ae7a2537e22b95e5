/**
 * Engine scenarios: a scheduled run killed part-way, under the real Pulumi engine, and the next
 * scheduled run. Keys live 3 days and rotate daily (anchor 2026-01-01).
 *
 * Each kill is SIGKILL to the CLI and every plugin (EngineWorkspace.start), as a CI runner's job
 * timeout, a cancelled workflow or a lost agent leaves it: nothing cleans up. The point is held by
 * an injected delay on the request in flight, and the kill comes once the emulator has received
 * it. A delayed request still takes effect after its delay (tools/emulator/server.ts: the fault's
 * delay, then the normal route, whether or not the client is still there), which is the worst
 * case: the remote side did what the dead run asked.
 *
 * What a killed run leaves (seen here, Pulumi v3.274.1):
 * - the stack's lock (diy backend; Pulumi Cloud: an update still "in progress"): the next
 *   `pulumi up` fails with "the stack is currently locked … `pulumi cancel`";
 * - a pending operation in the state for the step in flight; a pending CREATE survives
 *   `pulumi up --refresh --yes` and only `pulumi refresh --clear-pending-creates` (or interactive
 *   refresh) drops it (pulumi/pulumi pkg/cmd/pulumi/operations/refresh.go, v3.259);
 * - when the kill hit Graph's addPassword: a key Entra ID made that no state holds.
 *
 * The CI examples' sequence ({@link CI_SEQUENCE}: cancel, refresh --clear-pending-creates, up,
 * untracked-keys --remove) recovers from each, unattended. A key a killed run left untracked is
 * removed once it is superseded: it is of the current window at first, so the run that follows the
 * kill keeps it, and a run two windows later removes it.
 *
 * The deployment a test starts from and the run that is killed skip their preview (`SKIP_PREVIEW`:
 * the kill comes in the update; lifecycle.test.ts previews the same first deployment); every
 * command of the CI sequence runs exactly as the examples run it, the preview included.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT, type CommandResult } from "../support/engine/workspace";
import { ORG, TENANT } from "../support/engine/world";
import {
  Scenario,
  SKIP_PREVIEW,
  waitUntil,
  type RunResult,
  engineSuite,
  closeScenarioAfterEach,
} from "../support/engine/scenario";

const { cli, describeEngine } = engineSuite();

/** How long the request at the kill point is held: long enough to kill inside it. */
const HOLD_MS = 4_000;

const ADD_PASSWORD = { method: "POST", path: /\/graph\/v1\.0\/applications\/[^/]+\/addPassword$/ } as const;
const REMOVE_PASSWORD = {
  method: "POST",
  path: /\/graph\/v1\.0\/applications\/[^/]+\/removePassword$/,
} as const;
const PATCH_PARTNER = { method: "PATCH", path: `/analytics/orgs/${ORG}/azure_csp_partners/` } as const;
const POST_PARTNER = {
  method: "POST",
  path: new RegExp(`/analytics/orgs/${ORG}/azure_csp_partners$`),
} as const;
const TOKEN = { method: "POST", path: /\/oauth2\/v2\.0\/token$/ } as const;

type Matcher = { readonly method: string; readonly path: string | RegExp };

function matches(m: Matcher, r: { method: string; path: string }): boolean {
  return (
    r.method === m.method && (typeof m.path === "string" ? r.path.includes(m.path) : m.path.test(r.path))
  );
}

/** This deployment's keys on the Web App (display names `optima-csp <id> slot <s> window <k> …`). */
function deploymentKeys(s: Scenario) {
  return s.world
    .keys()
    .filter((k) => /^optima-csp [0-9a-f]{8} slot [ab] window \d+ /.test(k.displayName ?? ""));
}

function windows(s: Scenario): number[] {
  return deploymentKeys(s)
    .map((k) => Number(/window (\d+)/.exec(k.displayName ?? "")?.[1]))
    .sort((a, b) => a - b);
}

function heldWindow(s: Scenario): number {
  return Number(/window (\d+)/.exec(s.world.heldKey()?.displayName ?? "")?.[1]);
}

/** Key IDs of this deployment's keys that the state does not mention: made by a run the state never recorded. */
async function untracked(s: Scenario): Promise<string[]> {
  const state = await s.ws.exportState();
  return deploymentKeys(s)
    .filter((k) => !state.includes(k.keyId))
    .map((k) => k.keyId);
}

async function pendingOperations(s: Scenario): Promise<string[]> {
  const state = JSON.parse(await s.ws.exportState()) as {
    deployment: { pending_operations?: { type: string; resource: { urn: string } }[] };
  };
  return (state.deployment.pending_operations ?? []).map(
    (op) => `${op.type} ${op.resource.urn.split("::").pop() ?? ""}`,
  );
}

/**
 * Starts the scheduled run, waits until the emulator has received a request `at` matches (held by
 * an injected delay), kills the run, and waits until the held request has taken effect.
 */
async function killAt(s: Scenario, at: Matcher, opts: { hold?: boolean } = {}): Promise<void> {
  const emulator = s.world.emulator;
  if (opts.hold !== false) {
    emulator.inject({ method: at.method, path: at.path, delayMs: HOLD_MS, times: 1 });
  }
  const mark = emulator.requests.length;
  const run = s.startScheduledRun(SKIP_PREVIEW);
  const exited = run.done.then(() => true);
  const seen = (): boolean => emulator.requests.slice(mark).some((r) => matches(at, r));
  await waitUntil(`the emulator receives ${at.method} ${String(at.path)}`, seen, 4 * 60_000).catch(
    async (error: Error) => {
      await run.kill();
      throw new Error(`${error.message}; the run printed:\n${run.output().slice(-3000)}`);
    },
  );
  expect(await Promise.race([exited, Promise.resolve(false)])).toBe(false); // still running at the kill
  const killed = await run.kill();
  expect(killed.killed).toBe(true);
  if (opts.hold !== false) {
    await waitUntil("the held request takes effect", () =>
      emulator.requests.slice(mark).some((r) => matches(at, r) && r.status !== 0),
    );
  }
}

/**
 * What the CI examples run on their schedule (examples/ci/…; tests/ci-examples.test.ts checks that
 * they do): clear a dead run's lock, drop pending creates, the rotation, then remove untracked keys.
 */
const CI_SEQUENCE = [
  "pulumi cancel --yes --stack S",
  "pulumi refresh --clear-pending-creates --yes --stack S",
  "pulumi up --refresh --yes --stack S",
  "npx --no optima-csp untracked-keys --stack S --remove",
] as const;

interface Recovery {
  readonly cancel: CommandResult;
  readonly refresh: RunResult;
  readonly up: RunResult;
  readonly keys: { code: number; output: string };
}

/** Runs {@link CI_SEQUENCE} as the CI examples do: every step after a failed one is skipped. */
async function ciRun(s: Scenario): Promise<Recovery> {
  const stack = s.ws.stack;
  // `pulumi cancel` takes no --event-log (an operation flag), so it runs without it.
  const cancel = await s.ws.run(["cancel", "--yes", "--stack", stack]);
  const refresh = await s.pulumi(["refresh", "--clear-pending-creates", "--yes", "--stack", stack]);
  const up = await s.scheduledRun();
  const keys =
    up.code === 0
      ? await s.untrackedKeys(["--stack", stack, "--remove"])
      : { code: -1, output: "skipped: pulumi up failed" };
  return { cancel, refresh, up, keys };
}

/** After the next CI run: the rotation is done, Optima holds a working key of window 60, and nothing is left behind. */
async function expectRecovered(s: Scenario, r: Recovery): Promise<void> {
  s.expectOk(r.refresh);
  s.expectOk(r.up);
  expect(r.keys.code).toBe(0);
  expect(heldWindow(s)).toBe(60);
  expect(s.world.heldKeyWorks()).toBe(true);
  expect(windows(s)).toEqual([59, 60]); // exactly the two slots: no duplicate, no orphan
  expect(await untracked(s)).toEqual([]);
  expect(await pendingOperations(s)).toEqual([]);
  // And nothing is left to do in this window (the same check as tests/engine/lifecycle.test.ts).
  s.expectOk(await s.quietPreview());
}

describeEngine("a scheduled run killed part-way, then the next scheduled run (real engine)", () => {
  let s: Scenario;
  closeScenarioAfterEach(() => s);

  /** A deployment at window 59 (2026-03-01), then a day later: the run that rotates slot a to window 60. */
  async function deployedThenDue(): Promise<{ held: string }> {
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" });
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    expect(windows(s)).toEqual([58, 59]);
    s.advance(1);
    return { held: s.world.heldKey()!.keyId };
  }

  test("killed while Entra ID creates the new key: the key exists untracked; the lock makes a bare `pulumi up` fail saying `pulumi cancel`; the CI sequence recovers, keeps the untracked key while its window is current or previous, and removes it after", async () => {
    const { held } = await deployedThenDue();
    await killAt(s, ADD_PASSWORD);

    // What the kill left: Optima's key untouched; a window 60 key no state holds; a pending create.
    expect(s.world.heldKey()?.keyId).toBe(held);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(windows(s)).toEqual([58, 59, 60]);
    const orphans = await untracked(s);
    expect(orphans).toHaveLength(1);
    expect(await pendingOperations(s)).toEqual(["creating optima-csp-key-a"]);

    // The bare command the examples used to run fails, and says what to do.
    const bare = await s.scheduledRun();
    expect(bare.code).not.toBe(0);
    expect(bare.output).toMatch(/the stack is currently locked .*`pulumi cancel`/);
    expect(s.world.heldKey()?.keyId).toBe(held);

    // The next CI run recovers. The orphan is of window 60, the state's current window: kept (a
    // run under way could be handing such a key to Optima).
    const r = await ciRun(s);
    s.expectOk(r.refresh);
    s.expectOk(r.up);
    expect(r.keys.code).toBe(0);
    expect(r.keys.output).toMatch(
      new RegExp(`^kept ${orphans[0]} .*current window.*removable from window 62 on`, "m"),
    );
    expect(heldWindow(s)).toBe(60);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(windows(s)).toEqual([59, 60, 60]);
    expect(await pendingOperations(s)).toEqual([]);

    // Two windows later (the daily runs of window 61 missed): the rotation, then the orphan goes.
    s.advance(2);
    const later = await ciRun(s);
    expect(later.keys.output).toContain(`removed ${orphans[0]}`);
    s.expectOk(later.up);
    expect(later.keys.code).toBe(0);
    expect(heldWindow(s)).toBe(62);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(windows(s)).toEqual([61, 62]);
    expect(await untracked(s)).toEqual([]);
  });

  test("killed while the key verification waits for Entra ID: nothing untracked; Optima keeps its key; the CI sequence verifies and hands over", async () => {
    const { held } = await deployedThenDue();
    const tenant = s.world.emulator.entra.directory.tenant(TENANT);
    tenant.propagationDelayMs = 86_400_000; // the new key is refused until the clock moves a day
    await killAt(s, TOKEN, { hold: false });
    // Let the verification's first refusal be seen, then it is in its wait.
    expect(s.world.heldKey()?.keyId).toBe(held);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(windows(s)).toEqual([58, 59, 60]);
    expect(await untracked(s)).toEqual([]); // the key's create had finished: the state holds it
    expect(await pendingOperations(s)).toEqual(["creating optima-csp-key-verification"]);

    tenant.propagationDelayMs = 0;
    s.world.emulator.entra.directory.settle(TENANT);
    await expectRecovered(s, await ciRun(s));
  });

  test("killed while Optima's registration update is in flight (and Optima applies it): Optima holds the new key, which works; the CI sequence settles the state", async () => {
    const { held } = await deployedThenDue();
    await killAt(s, PATCH_PARTNER);
    // Optima applied the PATCH the dead run sent: it holds window 60's key, which exists and works.
    expect(s.world.heldKey()?.keyId).not.toBe(held);
    expect(heldWindow(s)).toBe(60);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(await untracked(s)).toEqual([]);
    expect(await pendingOperations(s)).toEqual(["updating optima-csp-registration"]);

    await expectRecovered(s, await ciRun(s));
  });

  test("killed between the registration update and the deletes (removePassword in flight): the old key goes, Optima's stays; the CI sequence finishes the cleanup", async () => {
    await deployedThenDue();
    await killAt(s, REMOVE_PASSWORD);
    expect(heldWindow(s)).toBe(60);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(windows(s)).toEqual([59, 60]); // the held removePassword took effect: window 58 is gone
    expect(await untracked(s)).toEqual([]);
    // The engine ran the deletes in parallel: the key's (held) and the old verification's.
    expect(await pendingOperations(s)).toContain("deleting optima-csp-key-a");
    expect((await pendingOperations(s)).every((op) => op.startsWith("deleting "))).toBe(true);

    await expectRecovered(s, await ciRun(s));
  });

  test("killed while Optima's registration create (POST) is in flight, which Optima completes: the next run adopts it, no duplicate", async () => {
    s = await Scenario.start(cli!, { at: "2026-03-02T03:00:00Z" }); // window 60, first deployment
    await killAt(s, POST_PARTNER);
    expect(s.world.emulator.cspPartners(ORG)).toHaveLength(1); // Optima made it; the state does not know
    expect(await pendingOperations(s)).toEqual(["creating optima-csp-registration"]);

    const r = await ciRun(s);
    s.expectOk(r.refresh);
    s.expectOk(r.up);
    expect(r.up.steps).toContain("create optima-csp-registration");
    expect(s.world.emulator.cspPartners(ORG)).toHaveLength(1); // adopted, not duplicated
    expect(s.world.heldSecret()).toBeDefined(); // throws on two registrations
    expect(heldWindow(s)).toBe(60);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(windows(s)).toEqual([59, 60]);
    expect(await untracked(s)).toEqual([]);
    expect(await pendingOperations(s)).toEqual([]);
    expect(r.keys.code).toBe(0);
  });
});

test("the CI examples run the sequence these scenarios recover with, in this order", () => {
  for (const file of [
    "examples/ci/github-actions/rotate-optima-key.yml",
    "examples/ci/azure-devops/azure-pipelines.yml",
  ]) {
    const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
    const at = CI_SEQUENCE.map((c) => text.indexOf(c.replace(/--stack S\b/, '--stack "$PULUMI_STACK"')));
    expect({ file, at: at.map((i) => i >= 0) }).toEqual({ file, at: CI_SEQUENCE.map(() => true) });
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  }
});
