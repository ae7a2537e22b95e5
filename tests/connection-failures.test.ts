/**
 * Failure paths of a rotation, end to end: the component evaluated under mocks run after run,
 * each run applied in the engine's order (./support/mocksDeployment) against the emulator: the
 * passwords at its Entra ID, the key verification and the Optima registration through the real
 * dynamic-provider host, from the provider text the SDK serialized.
 *
 * What must hold: if the new key is never accepted, the run fails before Optima is called; if
 * Optima fails, the run fails after verification; either way Optima keeps the previous key, which
 * is still valid at Entra ID, and the next run retries just the failed step.
 */

import { OptimaCspConnection, OptimaCspConnectionArgs } from "../components/azure/cspConnection";
import { DEFAULT_REFRESH_TOKEN, startEmulator, type Emulator } from "../tools/emulator";
import { FIXTURE, FakeEngine, azureAdInvokes } from "./support/mocks";
import { Deployment } from "./support/mocksDeployment";

const ORG = FIXTURE.orgId;
let emulator: Emulator;

beforeAll(async () => {
  emulator = await startEmulator();
});
afterAll(async () => {
  await emulator?.close();
});

/** A stack deployed against the emulator, with Entra ID's activation delay under the test's control. */
function stack() {
  let activationDelayMs = 0;
  const engine = new FakeEngine({ invokes: azureAdInvokes() });
  const deployment = new Deployment(engine, {
    emulator,
    tenantId: FIXTURE.tenantId,
    clientId: FIXTURE.clientId,
    hostConfig: {
      "optima:refreshToken": DEFAULT_REFRESH_TOKEN,
      "optima:apiUrl": emulator.apiUrl,
      "optima:flexeraApiUrl": emulator.flexeraApiUrl,
      "optima:authUrl": emulator.authUrl,
    },
    activationDelayMs: () => activationDelayMs,
  });
  const args: OptimaCspConnectionArgs = {
    webApp: { clientId: FIXTURE.clientId },
    mpnId: FIXTURE.mpnId,
    domain: FIXTURE.domain,
    optima: { orgId: ORG },
    verify: { authorityHost: emulator.entra.authorityHost, timeoutSeconds: 3 },
  };
  return {
    engine,
    deployment,
    setActivationDelay: (ms: number) => {
      activationDelayMs = ms;
    },
    /** One scheduled `pulumi up` at `iso`: evaluate, then apply. */
    async up(iso: string) {
      const run = await engine.run(() => new OptimaCspConnection("conn", { ...args, now: new Date(iso) }), {
        commit: false,
      });
      expect(run.errors).toEqual([]);
      const result = await deployment.apply(run);
      return { run, ...result, steps: result.steps.map((s) => `${s.action} ${s.name}`) };
    },
  };
}

const held = () => emulator.cspPartners(ORG).map((p) => p.application_secret);
const valid = (secret: unknown) => emulator.entra.isValid(FIXTURE.tenantId, FIXTURE.clientId, String(secret));
const keyOf = (engine: FakeEngine, name: string) => engine.outputsOf(name)?.value;
const optimaCallsSince = (mark: number) =>
  emulator.requests
    .slice(mark)
    .filter((r) => !r.path.startsWith("/entra/"))
    .map((r) => `${r.method} ${r.path}`);

beforeEach(() => emulator.reset());

test("a new key Entra ID never accepts: the run fails before Optima is called; Optima keeps a valid key; the next run retries", async () => {
  const s = stack();
  try {
    // First deployment, window 13: Optima gets slot b.
    const first = await s.up("2026-03-01T03:00:00Z");
    expect(first.error).toBeUndefined();
    const keyB = keyOf(s.engine, "conn-key-b");
    const oldKeyA = keyOf(s.engine, "conn-key-a");
    expect(held()).toEqual([keyB]);

    // Window 14 begins; the new key for slot a is never accepted within the timeout.
    s.setActivationDelay(3_600_000);
    const mark = emulator.requests.length;
    const rotation = await s.up("2026-04-20T03:00:00Z");
    expect(rotation.error?.message).toMatch(
      /^Entra ID did not accept the new key .* within 3 s \(\d+ token requests; last answer: HTTP 401 invalid_client AADSTS7000215\)/,
    );
    expect(rotation.steps).toEqual(["create conn-key-a"]);
    expect(optimaCallsSince(mark)).toEqual([]); // not even a token request to Flexera
    const newKeyA = keyOf(s.engine, "conn-key-a");
    expect(newKeyA).not.toBe(oldKeyA);
    expect(held()).toEqual([keyB]);
    expect(valid(keyB)).toBe(true);
    expect(valid(oldKeyA)).toBe(true); // the replaced key is only deleted by a run that completes

    // Entra ID catches up; the next scheduled run retries just the hand-off.
    emulator.entra.removeSecret(FIXTURE.tenantId, FIXTURE.clientId, String(newKeyA));
    emulator.entra.addSecret(FIXTURE.tenantId, FIXTURE.clientId, String(newKeyA));
    const retry = await s.up("2026-04-21T03:00:00Z");
    expect(retry.error).toBeUndefined();
    expect(retry.steps).toEqual([
      "delete conn-key-a", // left by the failed run: retired first, and it is not the key Optima holds
      "create conn-key-verification",
      "update conn-registration",
      "delete conn-key-verification", // the old proof, replaced
    ]);
    expect(held()).toEqual([newKeyA]);
    expect(valid(newKeyA)).toBe(true);
    expect(valid(keyB)).toBe(true); // the previous key stays until the next rotation
    expect(valid(oldKeyA)).toBe(false);
  } finally {
    await s.deployment.close();
  }
});

test("Optima failing during a rotation: the previous key is still registered and still valid; the next run completes it", async () => {
  const s = stack();
  try {
    const first = await s.up("2026-03-01T03:00:00Z");
    expect(first.error).toBeUndefined();
    const keyB = keyOf(s.engine, "conn-key-b");
    const oldKeyA = keyOf(s.engine, "conn-key-a");

    // Optima refuses the update once (the user lost the billing role for a moment).
    emulator.inject({ method: "PATCH", path: "/azure_csp_partners/", status: 403, times: 1 });
    const rotation = await s.up("2026-04-20T03:00:00Z");
    expect(rotation.error?.message).toContain("403");
    expect(rotation.steps).toEqual(["create conn-key-a", "create conn-key-verification"]);
    const newKeyA = keyOf(s.engine, "conn-key-a");
    expect(held()).toEqual([keyB]);
    expect(valid(keyB)).toBe(true);
    expect(valid(newKeyA)).toBe(true);
    expect(valid(oldKeyA)).toBe(true);

    const retry = await s.up("2026-04-20T04:00:00Z");
    expect(retry.error).toBeUndefined();
    expect(retry.steps).toEqual([
      "delete conn-key-a", // both left by the failed run, retired first
      "delete conn-key-verification",
      "update conn-registration",
    ]);
    expect(held()).toEqual([newKeyA]);
    expect(valid(oldKeyA)).toBe(false);
    expect(valid(keyB)).toBe(true);
  } finally {
    await s.deployment.close();
  }
});

test("a normal rotation, applied: new key verified, Optima updated, the replaced key deleted last", async () => {
  const s = stack();
  try {
    await s.up("2026-03-01T03:00:00Z");
    const oldKeyA = keyOf(s.engine, "conn-key-a");
    const quiet = await s.up("2026-03-02T03:00:00Z");
    expect(quiet.steps).toEqual([]);
    const rotation = await s.up("2026-04-20T03:00:00Z");
    expect(rotation.error).toBeUndefined();
    expect(rotation.steps).toEqual([
      "create conn-key-a",
      "create conn-key-verification",
      "update conn-registration",
      "delete conn-key-a",
      "delete conn-key-verification",
    ]);
    expect(held()).toEqual([keyOf(s.engine, "conn-key-a")]);
    expect(valid(oldKeyA)).toBe(false);
    expect(emulator.cspPartners(ORG)).toHaveLength(1);
  } finally {
    await s.deployment.close();
  }
});

test("the one gap: a run that missed a whole window and then failed leaves Optima's key to be deleted first by the next run", async () => {
  // Documented limit (README, "Rotation"): Pulumi retires a failed run's pending deletions before
  // anything else in the next run. After a run that missed a whole window, both slots were
  // replaced, so Optima's key is among them; the next run deletes it and then, in the same run,
  // hands Optima the new (by then propagated) key.
  const s = stack();
  try {
    await s.up("2026-03-01T03:00:00Z"); // window 13: Optima holds slot b
    const keyB = keyOf(s.engine, "conn-key-b");
    s.setActivationDelay(3_600_000);
    const missed = await s.up("2026-06-20T03:00:00Z"); // window 15: 14 was missed
    expect(missed.error?.message).toMatch(/^Entra ID did not accept the new key/);
    expect(missed.steps).toContain("create conn-key-b"); // the new active key (slot a may or may not be made first)
    expect(held()).toEqual([keyB]);
    expect(valid(keyB)).toBe(true); // still fine after the failed run

    const newKeyB = keyOf(s.engine, "conn-key-b");
    emulator.entra.removeSecret(FIXTURE.tenantId, FIXTURE.clientId, String(newKeyB));
    emulator.entra.addSecret(FIXTURE.tenantId, FIXTURE.clientId, String(newKeyB));
    const retry = await s.up("2026-06-21T03:00:00Z");
    expect(retry.error).toBeUndefined();
    expect(retry.steps[0]).toBe("delete conn-key-b"); // Optima's key goes first...
    const handOff = retry.steps.indexOf("update conn-registration");
    expect(handOff).toBeGreaterThan(retry.steps.indexOf("create conn-key-verification")); // ...Optima gets the new one later in the same run
    expect(valid(keyB)).toBe(false);
    expect(held()).toEqual([newKeyB]);
    expect(valid(newKeyB)).toBe(true);
  } finally {
    await s.deployment.close();
  }
});
