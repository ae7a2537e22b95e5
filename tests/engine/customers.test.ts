/**
 * Engine scenarios: a partnership and 20 CSP customers, each customer's bill connect a holder of
 * the Web App's key like the partnership's registration, rotated together under the real Pulumi
 * engine. Keys live 3 days and rotate daily (anchor 2026-01-01), so a few simulated days cover
 * more than a whole window.
 *
 * After every command the scenarios read every holder from the emulator (which bill connect
 * holds which secret) and ask Entra ID whether it accepts that key.
 *
 * What the engine does with a holder whose hand-off fails (seen here, Pulumi v3.274.1):
 * - a plain run fails and deletes nothing (deployment_executor.go: deletes are generated only
 *   after the program's steps; failures.test.ts shows it for the partnership);
 * - with `--continue-on-error`, deletes run except for resources that an errored step's old or
 *   new state depends on (deployment_executor.go `performPostSteps`, `erroredDeps`). The failed
 *   holder's old state depends on the password of the window it holds, a URN no other key shares,
 *   so every such run keeps that key, however many there are. (When the two slots were replaced
 *   in turn, the held key shared its slot's URN with the slot's new key, and the second such run
 *   deleted it: pkg/resource/graph/dependency_graph.go `TransitiveDependenciesOf`.)
 *
 * Customers added and removed in a rotating run, and a run killed during the hand-off to them:
 * customers-changes.test.ts (a file of its own, so that the engine tier's workers share the work).
 *
 * The first deployment and the runs whose hand-off fails skip their preview (`SKIP_PREVIEW`: what
 * they claim is what the update does, as in failures.test.ts; customers-changes.test.ts previews
 * the same first deployment); the run that recovers keeps it, so the CI command is run whole here
 * too.
 */
import { Scenario, SKIP_PREVIEW, engineSuite, closeScenarioAfterEach } from "../support/engine/scenario";
import {
  brokenHolders,
  customer,
  customerConnects,
  customers,
  customersConfig,
  keyWindows,
  othersNotAt,
  patchOf,
  windowHeldBy,
} from "../support/engine/customers";

const { cli, describeEngine } = engineSuite();

const TWENTY = customers(1, 20);
/** The customer whose bill connect refuses the hand-off. */
const FAILING = customer(7);
function deletes(run: { steps: readonly string[] }): string[] {
  return run.steps.filter((step) => step.startsWith("delete"));
}

/** The deletes of a key (a verification's delete only drops a record of a proof from the state). */
function keyDeletes(run: { steps: readonly string[] }): string[] {
  return deletes(run).filter((step) => / optima-csp-key-w-?\d+$/.test(step));
}

describeEngine("a partnership and 20 CSP customers rotated together (real engine)", () => {
  let s: Scenario;
  closeScenarioAfterEach(() => s);

  test("one customer's hand-off refused (403, 5xx, an HTML page) for more than a window: plain runs and two --continue-on-error runs all keep the key it holds; the next good run hands over to all, then deletes it", async () => {
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z", config: customersConfig(TWENTY) }); // window 59
    const first = s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    expect(first.steps.filter((step) => step.startsWith("create optima-csp-customer-"))).toHaveLength(20);
    expect(othersNotAt(s, TWENTY, 59)).toEqual([]);
    expect(TWENTY.map((c) => customerConnects(s.world, c).length)).toEqual(TWENTY.map(() => 1));
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    // Window 60, the scheduled run: the failing customer's PATCH is refused with 403. The run
    // fails; the holders updated before the failure hold window 60, the others still 59; nothing
    // is deleted, so every one of them works.
    s.world.emulator.inject({ ...patchOf(FAILING), status: 403, times: 1000 });
    s.advance(1);
    const refused = await s.scheduledRun(SKIP_PREVIEW);
    expect(refused.code).not.toBe(0);
    expect(refused.failed).toContain(`update optima-csp-customer-${FAILING.tenantId}`);
    expect(refused.output).toContain("HTTP 403");
    expect(deletes(refused)).toEqual([]);
    expect(windowHeldBy(s, FAILING)).toBe(59);
    expect(keyWindows(s.world)).toEqual([58, 59, 60]);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    // Window 61, --continue-on-error, the PATCH now fails with 502: windows 58 and 59 (the key the
    // failing customer holds) leave the program. Every other holder gets window 61; the engine
    // deletes window 58 (held by nobody) but keeps 59, which the failed step's old state depends on.
    s.world.emulator.clearFaults();
    s.world.emulator.inject({ ...patchOf(FAILING), status: 502, times: 1000 });
    s.advance(1);
    const serverError = await s.scheduledRun(["--continue-on-error", ...SKIP_PREVIEW]);
    expect(serverError.code).not.toBe(0);
    expect(serverError.failed).toEqual([`update optima-csp-customer-${FAILING.tenantId}`]);
    expect(othersNotAt(s, TWENTY, 61, FAILING)).toEqual([]);
    expect(windowHeldBy(s, FAILING)).toBe(59);
    expect(keyWindows(s.world)).toEqual([59, 60, 61]);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    // Still window 61, the scheduled run (no --continue-on-error), an HTML page answers instead of
    // Optima: the run fails and deletes nothing; key 59 still works for the failing customer.
    s.world.emulator.clearFaults();
    s.world.emulator.inject({
      ...patchOf(FAILING),
      status: 503,
      body: "<html><body><h1>503 Service Unavailable</h1></body></html>",
      times: 1000,
    });
    s.advance(0, 3);
    const html = await s.scheduledRun(SKIP_PREVIEW);
    expect(html.code).not.toBe(0);
    expect(html.failed).toEqual([`update optima-csp-customer-${FAILING.tenantId}`]);
    expect(deletes(html)).toEqual([]);
    expect(keyWindows(s.world)).toEqual([59, 60, 61]);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    // A second --continue-on-error run keeps key 59 too: the failed step's old state depends on
    // the URN of window 59's own password, which nothing else shares.
    s.advance(0, 3);
    const again = await s.scheduledRun(["--continue-on-error", ...SKIP_PREVIEW]);
    expect(again.code).not.toBe(0);
    expect(again.failed).toEqual([`update optima-csp-customer-${FAILING.tenantId}`]);
    expect(windowHeldBy(s, FAILING)).toBe(59);
    expect(keyWindows(s.world)).toEqual([59, 60, 61]);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    // Optima answers again: the next scheduled run hands window 61 to the failing customer too.
    s.world.emulator.clearFaults();
    s.advance(0, 3);
    const recovered = s.expectOk(await s.scheduledRun());
    expect(recovered.steps).toContain(`update optima-csp-customer-${FAILING.tenantId}`);
    expect(keyDeletes(recovered)).toEqual(["delete optima-csp-key-w59"]);
    expect(recovered.steps.indexOf("delete optima-csp-key-w59")).toBeGreaterThan(
      recovered.steps.indexOf(`update optima-csp-customer-${FAILING.tenantId}`),
    );
    expect(othersNotAt(s, TWENTY, 61)).toEqual([]);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);
    expect(keyWindows(s.world)).toEqual([60, 61]);
  });
});
