/**
 * The rotation lifecycle: the stack evaluated as consecutive scheduled `pulumi up` runs with the
 * clock moved forward. A fake engine keeps state between runs and decides, like the real
 * providers, what each run does: a password whose inputs changed is replaced (new key ID and
 * value; the old key is deleted at the end of the run), a verification is replaced on a new
 * key, the registration is updated in place with a new secret.
 *
 * After each run: which slot was replaced, which key Optima receives, and that nothing else
 * changed. Defaults: anchor 2024-01-01, 60-day windows, 180-day keys; window 13 starts
 * 2026-02-19, 14 on 2026-04-20, 15 on 2026-06-19, 16 on 2026-08-18, 17 on 2026-10-17.
 */

import { OptimaCspConnection, OptimaCspConnectionArgs } from "../components/azure/cspConnection";
import { FIXTURE, FakeEngine, Run, azureAdInvokes, unwrapSecrets, valueOf } from "./support/mocks";

const args: OptimaCspConnectionArgs = {
  webApp: { clientId: FIXTURE.clientId },
  mpnId: FIXTURE.mpnId,
  optima: { orgId: FIXTURE.orgId },
};

/** A scheduled run at `iso`. */
async function scheduledRun(engine: FakeEngine, iso: string, extra: Partial<OptimaCspConnectionArgs> = {}) {
  const run = await engine.run(
    () => new OptimaCspConnection("conn", { ...args, ...extra, now: new Date(iso) }),
  );
  expect(run.errors).toEqual([]);
  return run;
}

type ConnRun = Run<OptimaCspConnection>;

/** The key Optima is given in a run. */
const keySentToOptima = (run: ConnRun): unknown =>
  (unwrapSecrets(run.byName("conn-registration").inputs) as Record<string, unknown>).applicationSecret;
const slotKey = (run: ConnRun, slot: "a" | "b") => run.byName(`conn-key-${slot}`).outputs.value;
const slotWindow = (run: ConnRun, slot: "a" | "b") =>
  (run.byName(`conn-key-${slot}`).inputs.rotateWhenChanged as Record<string, string>).window;
const changed = (run: ConnRun) => run.namesWith("create", "update", "replace", "import").sort();

describe("consecutive scheduled runs", () => {
  const engine = new FakeEngine({ invokes: azureAdInvokes() });
  const runs: Record<string, ConnRun> = {};

  test("first deployment (window 13): both slots are made; Optima gets slot b, the current window's key", async () => {
    const run = (runs.first = await scheduledRun(engine, "2026-03-01T03:00:00Z"));
    expect(run.namesWith("create").sort()).toEqual([
      "conn",
      "conn-deployment-id",
      "conn-key-a",
      "conn-key-b",
      "conn-key-verification",
      "conn-registration",
    ]);
    expect([slotWindow(run, "a"), slotWindow(run, "b")]).toEqual(["12", "13"]);
    expect(keySentToOptima(run)).toBe(slotKey(run, "b"));
    expect(run.byName("conn-key-verification").outputs.keyId).toBe(run.byName("conn-key-b").outputs.keyId);
  });

  test("the next day, and the last second of the window: nothing changes", async () => {
    for (const iso of ["2026-03-02T03:00:00Z", "2026-04-19T23:59:59Z"]) {
      const run = await scheduledRun(engine, iso);
      expect(changed(run)).toEqual([]);
      expect(run.deletes).toEqual([]);
      expect(keySentToOptima(run)).toBe(slotKey(runs.first, "b"));
    }
  });

  test("first run of window 14: only slot a (the key Optima did not hold) is replaced; Optima gets it", async () => {
    const run = (runs.w14 = await scheduledRun(engine, "2026-04-20T03:00:00Z"));
    expect(run.namesWith("replace").sort()).toEqual(["conn-key-a", "conn-key-verification"]);
    expect(run.namesWith("update")).toEqual(["conn-registration"]);
    expect(changed(run)).toEqual(["conn-key-a", "conn-key-verification", "conn-registration"]);
    expect(run.deletes).toEqual([]);

    expect(slotWindow(run, "a")).toBe("14");
    expect(run.byName("conn-key-a").inputs.endDate).toBe("2026-10-17T00:00:00Z");
    expect(keySentToOptima(run)).toBe(slotKey(run, "a"));
    // The key deleted at the end of this run is window 12's, which Optima no longer held...
    expect(run.replaced["conn-key-a"].outputs.value).toBe(slotKey(runs.first, "a"));
    expect(run.replaced["conn-key-a"].outputs.value).not.toBe(keySentToOptima(runs.first));
    // ...and the key Optima held until now stays valid as the previous key until 2026-08-18.
    expect(slotKey(run, "b")).toBe(keySentToOptima(runs.first));
    expect(await valueOf(run.value.previousKeyId)).toBe(run.byName("conn-key-b").outputs.keyId);
  });

  test("a run four days late (window 15 began 2026-06-19): one rotation, end dates as if on time", async () => {
    const run = (runs.late = await scheduledRun(engine, "2026-06-23T03:00:00Z"));
    expect(changed(run)).toEqual(["conn-key-b", "conn-key-verification", "conn-registration"]);
    expect(slotWindow(run, "b")).toBe("15");
    expect(run.byName("conn-key-b").inputs.endDate).toBe("2026-12-16T00:00:00Z");
    expect(keySentToOptima(run)).toBe(slotKey(run, "b"));
    expect(run.replaced["conn-key-b"].outputs.value).toBe(slotKey(runs.first, "b"));
    expect(slotKey(run, "a")).toBe(keySentToOptima(runs.w14)); // previous key: valid until 2026-10-17
  });

  test("a run that missed window 16 entirely: both slots are new, Optima gets the current one", async () => {
    const held = keySentToOptima(runs.late);
    const run = (runs.missed = await scheduledRun(engine, "2026-10-20T03:00:00Z"));
    expect(changed(run)).toEqual(["conn-key-a", "conn-key-b", "conn-key-verification", "conn-registration"]);
    expect(run.namesWith("replace").sort()).toEqual(["conn-key-a", "conn-key-b", "conn-key-verification"]);
    expect([slotWindow(run, "a"), slotWindow(run, "b")]).toEqual(["16", "17"]);
    expect(keySentToOptima(run)).toBe(slotKey(run, "b"));
    // The key Optima held (window 15, valid until 2026-12-16) is one of the replaced keys: it is
    // deleted at the end of this run, after the registration update it depends on.
    expect(run.replaced["conn-key-b"].outputs.value).toBe(held);
    expect(run.byName("conn-registration").dependencies).toContain(run.byName("conn-key-b").urn);
  });

  test("the registration is the same Optima registration throughout: updated in place, never replaced", () => {
    const ids = Object.values(runs).map((run) => run.byName("conn-registration").id);
    expect(new Set(ids).size).toBe(1);
  });
});

describe("re-planning and options", () => {
  test("changing the expiry re-plans both slots at once", async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    await scheduledRun(engine, "2026-03-01T03:00:00Z");
    const run = await scheduledRun(engine, "2026-03-02T03:00:00Z", { keyExpiresAfterDays: 181 });
    expect(run.namesWith("replace").sort()).toEqual(["conn-key-a", "conn-key-b", "conn-key-verification"]);
  });

  test("with optima.retainOnDelete, retention follows the active slot from window to window", async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    const retain = { optima: { orgId: FIXTURE.orgId, retainOnDelete: true } };
    const first = await scheduledRun(engine, "2026-03-01T03:00:00Z", retain);
    expect([first.byName("conn-key-a").retainOnDelete, first.byName("conn-key-b").retainOnDelete]).toEqual([
      false,
      true,
    ]);
    const next = await scheduledRun(engine, "2026-04-20T03:00:00Z", retain);
    expect([next.byName("conn-key-a").retainOnDelete, next.byName("conn-key-b").retainOnDelete]).toEqual([
      true,
      false,
    ]);
    // Pulumi reads retention from the state of what it deletes: the slot replaced here was not
    // retained in that state, so the rotation does delete the old key.
    expect(next.replaced["conn-key-a"].retainOnDelete).toBe(false);
  });

  test("evaluating the same instant twice plans identical inputs (nothing depends on the run's clock)", async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    await scheduledRun(engine, "2026-05-05T05:05:05Z");
    const again = await scheduledRun(engine, "2026-05-05T05:05:05Z");
    expect(changed(again)).toEqual([]);
  });
});
