/**
 * The rotation lifecycle: the stack evaluated as consecutive scheduled `pulumi up` runs with the
 * clock moved forward. A fake engine keeps state between runs and decides, like the real
 * providers, what each run does: each window's key is its own password resource (`conn-key-w<k>`),
 * made when its window begins and deleted at the end of the run in which it leaves the program
 * (two windows later); a verification is replaced on a new key, the registration is updated in
 * place with a new secret.
 *
 * After each run: which keys were made and deleted, which key Optima receives, and that nothing
 * else changed. Defaults: anchor 2024-01-01, 60-day windows, 180-day keys; window 13 starts
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
/** Window `k`'s key, as a run declared it. */
const windowKey = (run: ConnRun, k: number) => run.byName(`conn-key-w${k}`).outputs.value;
/** The keys a run deletes at its end, by resource name, with the value each held. */
const deletedKeys = (run: ConnRun) =>
  Object.fromEntries(
    run.deletes.filter((d) => d.name.startsWith("conn-key-w")).map((d) => [d.name, d.outputs.value]),
  );
const changed = (run: ConnRun) => run.namesWith("create", "update", "replace", "import").sort();

describe("consecutive scheduled runs", () => {
  const engine = new FakeEngine({ invokes: azureAdInvokes() });
  const runs: Record<string, ConnRun> = {};

  test("first deployment (window 13): windows 12 and 13 get a key each; Optima gets window 13's", async () => {
    const run = (runs.first = await scheduledRun(engine, "2026-03-01T03:00:00Z"));
    expect(run.namesWith("create").sort()).toEqual([
      "conn",
      "conn-deployment-id",
      "conn-key-verification",
      "conn-key-w12",
      "conn-key-w13",
      "conn-registration",
    ]);
    expect(run.value.passwords.a).toBeDefined();
    expect(await valueOf(run.value.passwords.b.keyId)).toBe(run.byName("conn-key-w13").outputs.keyId);
    expect(keySentToOptima(run)).toBe(windowKey(run, 13));
    expect(run.byName("conn-key-verification").outputs.keyId).toBe(run.byName("conn-key-w13").outputs.keyId);
  });

  test("the next day, and the last second of the window: nothing changes", async () => {
    for (const iso of ["2026-03-02T03:00:00Z", "2026-04-19T23:59:59Z"]) {
      const run = await scheduledRun(engine, iso);
      expect(changed(run)).toEqual([]);
      expect(run.deletes).toEqual([]);
      expect(keySentToOptima(run)).toBe(windowKey(runs.first, 13));
    }
  });

  test("first run of window 14: window 14's key is made and Optima gets it; window 12's (which Optima did not hold) is deleted", async () => {
    const run = (runs.w14 = await scheduledRun(engine, "2026-04-20T03:00:00Z"));
    expect(run.namesWith("create")).toEqual(["conn-key-w14"]);
    expect(run.namesWith("replace")).toEqual(["conn-key-verification"]);
    expect(run.namesWith("update")).toEqual(["conn-registration"]);
    expect(changed(run)).toEqual(["conn-key-verification", "conn-key-w14", "conn-registration"]);

    expect(run.byName("conn-key-w14").inputs.endDate).toBe("2026-10-17T00:00:00Z");
    expect(keySentToOptima(run)).toBe(windowKey(run, 14));
    // The key deleted at the end of this run is window 12's, which Optima no longer held...
    expect(deletedKeys(run)).toEqual({ "conn-key-w12": windowKey(runs.first, 12) });
    expect(windowKey(runs.first, 12)).not.toBe(keySentToOptima(runs.first));
    // ...and the key Optima held until now stays valid as the previous key until 2026-08-18.
    expect(windowKey(run, 13)).toBe(keySentToOptima(runs.first));
    expect(await valueOf(run.value.previousKeyId)).toBe(run.byName("conn-key-w13").outputs.keyId);
  });

  test("a run four days late (window 15 began 2026-06-19): one rotation, end dates as if on time", async () => {
    const run = (runs.late = await scheduledRun(engine, "2026-06-23T03:00:00Z"));
    expect(changed(run)).toEqual(["conn-key-verification", "conn-key-w15", "conn-registration"]);
    expect(run.byName("conn-key-w15").inputs.endDate).toBe("2026-12-16T00:00:00Z");
    expect(keySentToOptima(run)).toBe(windowKey(run, 15));
    expect(deletedKeys(run)).toEqual({ "conn-key-w13": windowKey(runs.first, 13) });
    expect(windowKey(run, 14)).toBe(keySentToOptima(runs.w14)); // previous key: valid until 2026-10-17
  });

  test("a run that missed window 16 entirely: two keys made, two deleted, Optima gets the current one", async () => {
    const held = keySentToOptima(runs.late);
    const run = (runs.missed = await scheduledRun(engine, "2026-10-20T03:00:00Z"));
    expect(changed(run)).toEqual([
      "conn-key-verification",
      "conn-key-w16",
      "conn-key-w17",
      "conn-registration",
    ]);
    expect(run.namesWith("replace")).toEqual(["conn-key-verification"]);
    expect(keySentToOptima(run)).toBe(windowKey(run, 17));
    // The key Optima held (window 15, valid until 2026-12-16) is one of the keys deleted at the
    // end of this run, after the registration update (which no longer depends on it).
    expect(deletedKeys(run)).toEqual({
      "conn-key-w14": windowKey(runs.w14, 14),
      "conn-key-w15": held,
    });
    expect(run.byName("conn-registration").dependencies).toContain(run.byName("conn-key-w17").urn);
    expect(run.byName("conn-registration").dependencies).not.toContain(
      run.deletes.find((d) => d.name === "conn-key-w15")?.urn,
    );
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
    expect(run.namesWith("replace").sort()).toEqual([
      "conn-key-verification",
      "conn-key-w12",
      "conn-key-w13",
    ]);
  });

  test("with optima.retainOnDelete, retention follows the active slot from window to window", async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    const retain = { optima: { orgId: FIXTURE.orgId, retainOnDelete: true } };
    const first = await scheduledRun(engine, "2026-03-01T03:00:00Z", retain);
    expect([
      first.byName("conn-key-w12").retainOnDelete,
      first.byName("conn-key-w13").retainOnDelete,
    ]).toEqual([false, true]);
    const next = await scheduledRun(engine, "2026-04-20T03:00:00Z", retain);
    expect([next.byName("conn-key-w13").retainOnDelete, next.byName("conn-key-w14").retainOnDelete]).toEqual([
      false,
      true,
    ]);
    // Pulumi reads retention from the state of what it deletes: window 12's key was not retained
    // in that state, so the rotation does delete it; window 13's, no longer active, is recorded
    // unretained by this run, so the next rotation deletes it too.
    expect(next.deletes.map((d) => [d.name, d.retainOnDelete])).toEqual([["conn-key-w12", false]]);
    const after = await scheduledRun(engine, "2026-06-19T03:00:00Z", retain);
    expect(after.deletes.map((d) => [d.name, d.retainOnDelete])).toEqual([["conn-key-w13", false]]);
    // A run that missed a whole window deletes the key that was active, retained (kept in Entra ID
    // until it expires, like a retained registration would hold it).
    const missed = await scheduledRun(engine, "2026-10-20T03:00:00Z", retain);
    expect(missed.deletes.map((d) => [d.name, d.retainOnDelete])).toEqual([
      ["conn-key-w14", false],
      ["conn-key-w15", true],
    ]);
  });

  test("evaluating the same instant twice plans identical inputs (nothing depends on the run's clock)", async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    await scheduledRun(engine, "2026-05-05T05:05:05Z");
    const again = await scheduledRun(engine, "2026-05-05T05:05:05Z");
    expect(changed(again)).toEqual([]);
  });
});
