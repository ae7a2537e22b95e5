/**
 * Engine scenarios: the CSP customers of a partnership change (one added whose bill connect was
 * made by hand, two removed) in a rotating run, and a run is killed during the hand-off to them,
 * under the real Pulumi engine. Keys live 3 days and rotate daily (anchor 2026-01-01). The world,
 * the holders and how they are read: customers.test.ts, which rotates 20 customers through hand-offs
 * that fail.
 *
 * The first deployment of the first test and the run that is killed skip their preview
 * (`SKIP_PREVIEW`); the first deployment of 20 customers (the second test's), the rotating run
 * that changes the customers and the CI sequence's run after the kill keep it.
 */
import {
  Scenario,
  SKIP_PREVIEW,
  waitUntil,
  engineSuite,
  closeScenarioAfterEach,
} from "../support/engine/scenario";
import {
  brokenHolders,
  customer,
  customerConnects,
  customers,
  customersConfig,
  heldWindows,
  keyWindows,
  othersNotAt,
  patchOf,
  windowHeldBy,
} from "../support/engine/customers";
import { CLIENT_ID, TENANT } from "../support/engine/world";

const { cli, describeEngine } = engineSuite();

const TWENTY = customers(1, 20);

describeEngine("CSP customers changed, and a run killed during their hand-off (real engine)", () => {
  let s: Scenario;
  closeScenarioAfterEach(() => s);

  test("a customer added with a bill connect made by hand, one removed (retained by default), one removed with retainOnDelete false, in a rotating run: the hand-made one is adopted, not duplicated; every holder works", async () => {
    const REMOVED_RETAINED = customer(1);
    const REMOVED_DELETED = { ...customer(2), retainOnDelete: false };
    const ADDED = customer(21);
    const before = [REMOVED_RETAINED, REMOVED_DELETED, ...customers(3, 20)];
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z", config: customersConfig(before) }); // window 59
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    expect(brokenHolders(s.world, before)).toEqual([]);

    // The partner made customer 21's bill connect by hand, on the same Web App, with a key of its own.
    s.world.emulator.entra.addSecret(TENANT, CLIENT_ID, "hand-made-customer-key-0001");
    const handMade = s.world.emulator.seedBillConnect(ADDED.orgId, {
      clientId: CLIENT_ID,
      tenantId: TENANT,
      clientSecret: "hand-made-customer-key-0001",
      scopeDetails: { scopeType: "Customer Tenant", customerDetails: { customerTenantId: ADDED.tenantId } },
    });

    const after = [...customers(3, 20), ADDED];
    await s.ws.setConfig({ plain: customersConfig(after) });
    s.advance(1); // window 60: the same run rotates
    const run = s.expectOk(await s.scheduledRun());
    expect(run.steps).toContain(`create optima-csp-customer-${ADDED.tenantId}`);

    // Adopted: one bill connect for customer 21, the hand-made one, now holding window 60.
    expect(customerConnects(s.world, ADDED).map((b) => b.id)).toEqual([handMade.id]);
    expect(windowHeldBy(s, ADDED)).toBe(60);
    expect(othersNotAt(s, after, 60)).toEqual([]);
    expect(brokenHolders(s.world, after)).toEqual([]);
    // Removed: customer 1's bill connect stays in its org (retained), with window 59, still valid;
    // customer 2's (retainOnDelete false) is deleted.
    expect(windowHeldBy(s, REMOVED_RETAINED)).toBe(59);
    expect(brokenHolders(s.world, [REMOVED_RETAINED])).toEqual([]);
    expect(customerConnects(s.world, REMOVED_DELETED)).toEqual([]);
    expect(keyWindows(s.world)).toEqual([59, 60]);

    s.advance(0, 1);
    s.expectOk(await s.quietPreview());
  });

  test("a run killed during the hand-off to the customers: every holder keeps a working key; the CI sequence finishes the hand-off and the cleanup", async () => {
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z", config: customersConfig(TWENTY) });
    const first = s.expectOk(await s.scheduledRun());
    expect(first.steps.filter((step) => step.startsWith("create optima-csp-customer-"))).toHaveLength(20);
    s.advance(1); // window 60

    // Hold one customer's PATCH so that the kill lands in the middle of the fan-out.
    const held = customer(12);
    const emulator = s.world.emulator;
    emulator.inject({ ...patchOf(held), delayMs: 4_000, times: 1 });
    const mark = emulator.requests.length;
    const running = s.startScheduledRun(SKIP_PREVIEW);
    const heldSeen = (): boolean =>
      emulator.requests
        .slice(mark)
        .some((r) => r.method === "PATCH" && r.path.includes(`/orgs/${held.orgId}/`));
    await waitUntil("the held customer PATCH arrives", heldSeen, 4 * 60_000).catch(async (error: Error) => {
      await running.kill();
      throw new Error(`${error.message}; the run printed:\n${running.output().slice(-3000)}`);
    });
    const killed = await running.kill();
    expect(killed.killed).toBe(true);

    // Nothing was deleted: each holder holds window 59 or 60, and both keys work.
    const windows = Object.values(heldWindows(s.world, TWENTY));
    expect(windows.every((w) => w === 59 || w === 60)).toBe(true);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    // The CI sequence (examples/ci): cancel the dead run's lock, drop pending creates, rotate.
    await s.ws.run(["cancel", "--yes", "--stack", s.ws.stack]);
    s.expectOk(await s.pulumi(["refresh", "--clear-pending-creates", "--yes", "--stack", s.ws.stack]));
    s.advance(0, 1);
    s.expectOk(await s.scheduledRun());
    expect(othersNotAt(s, TWENTY, 60)).toEqual([]);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);
    expect(keyWindows(s.world)).toEqual([59, 60]);
    expect(TWENTY.map((c) => customerConnects(s.world, c).length)).toEqual(TWENTY.map(() => 1));
  });
});
