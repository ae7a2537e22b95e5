/**
 * What the scenarios of a scheduled run killed part-way share (tests/engine/interrupted.test.ts,
 * whose head says what a kill leaves and how the CI sequence recovers, and
 * tests/engine/interrupted-handoff.test.ts): the kill points, killing a run at one, the CI
 * examples' sequence, and what a recovery must leave.
 */
import { ORG } from "./world";
import { Scenario, SKIP_PREVIEW, waitUntil, type RunResult } from "./scenario";
import type { CommandResult } from "./workspace";

/** How long the request at the kill point is held: long enough to kill inside it. */
export const HOLD_MS = 4_000;

export const ADD_PASSWORD = {
  method: "POST",
  path: /\/graph\/v1\.0\/applications\/[^/]+\/addPassword$/,
} as const;
export const REMOVE_PASSWORD = {
  method: "POST",
  path: /\/graph\/v1\.0\/applications\/[^/]+\/removePassword$/,
} as const;
export const PATCH_PARTNER = { method: "PATCH", path: `/analytics/orgs/${ORG}/azure_csp_partners/` } as const;
export const POST_PARTNER = {
  method: "POST",
  path: new RegExp(`/analytics/orgs/${ORG}/azure_csp_partners$`),
} as const;
export const TOKEN = { method: "POST", path: /\/oauth2\/v2\.0\/token$/ } as const;

export type Matcher = { readonly method: string; readonly path: string | RegExp };

export function matches(m: Matcher, r: { method: string; path: string }): boolean {
  return (
    r.method === m.method && (typeof m.path === "string" ? r.path.includes(m.path) : m.path.test(r.path))
  );
}

/** This deployment's keys on the Web App (display names `optima-csp <id> slot <s> window <k> …`). */
export function deploymentKeys(s: Scenario) {
  return s.world
    .keys()
    .filter((k) => /^optima-csp [0-9a-f]{8} slot [ab] window \d+ /.test(k.displayName ?? ""));
}

export function windows(s: Scenario): number[] {
  return deploymentKeys(s)
    .map((k) => Number(/window (\d+)/.exec(k.displayName ?? "")?.[1]))
    .sort((a, b) => a - b);
}

export function heldWindow(s: Scenario): number {
  return Number(/window (\d+)/.exec(s.world.heldKey()?.displayName ?? "")?.[1]);
}

/** Key IDs of this deployment's keys that the state does not mention: made by a run the state never recorded. */
export async function untracked(s: Scenario): Promise<string[]> {
  const state = await s.ws.exportState();
  return deploymentKeys(s)
    .filter((k) => !state.includes(k.keyId))
    .map((k) => k.keyId);
}

export async function pendingOperations(s: Scenario): Promise<string[]> {
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
export async function killAt(s: Scenario, at: Matcher, opts: { hold?: boolean } = {}): Promise<void> {
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
export const CI_SEQUENCE = [
  "pulumi cancel --yes --stack S",
  "pulumi refresh --clear-pending-creates --yes --stack S",
  "pulumi up --refresh --yes --stack S",
  "npx --no optima-csp untracked-keys --stack S --remove",
] as const;

export interface Recovery {
  readonly cancel: CommandResult;
  readonly refresh: RunResult;
  readonly up: RunResult;
  readonly keys: { code: number; output: string };
}

/** Runs {@link CI_SEQUENCE} as the CI examples do: every step after a failed one is skipped. */
export async function ciRun(s: Scenario): Promise<Recovery> {
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
export async function expectRecovered(s: Scenario, r: Recovery): Promise<void> {
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

/**
 * Deploys `s` (started on 2026-03-01T03:00Z, window 59) without the preview, then moves a day: the
 * next run makes window 60's key. Returns the key Optima holds.
 */
export async function deployThenDue(s: Scenario): Promise<{ held: string }> {
  s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
  expect(windows(s)).toEqual([58, 59]);
  s.advance(1);
  return { held: s.world.heldKey()!.keyId };
}
