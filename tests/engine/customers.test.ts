/**
 * Engine scenarios: a partnership and 20 CSP customers, every one a holder of the Web App's key,
 * rotated together under the real Pulumi engine. Keys live 3 days and rotate daily (anchor
 * 2026-01-01), so a few simulated days cover more than a whole window.
 *
 * After every command, every holder (the partnership and each customer's bill connect, read from
 * the emulator) holds a key Entra ID accepts: the current one or the previous, still valid one.
 */
import { ORG } from "../support/engine/world";
import { SCENARIO_TIMEOUT_MS, Scenario, cliOrNotice } from "../support/engine/scenario";
import {
  brokenHolders,
  customer,
  customerConnects,
  customers,
  customersConfig,
  heldWindows,
  keyWindows,
} from "../support/engine/customers";

const cli = cliOrNotice();
const describeEngine = cli ? describe : describe.skip;
jest.setTimeout(SCENARIO_TIMEOUT_MS);

const TWENTY = customers(1, 20);
/** The customer whose bill connect refuses the hand-off. */
const FAILING = customer(7);
const PATCH_FAILING = {
  method: "PATCH",
  path: `/finops-onboarding/v1/orgs/${FAILING.orgId}/bill-connects/azure-csp/`,
} as const;

/** Every holder's window, except the failing customer's. */
function othersAt(s: Scenario, window: number): void {
  const windows = heldWindows(s.world, TWENTY);
  const others = Object.entries(windows).filter(([who]) => !who.includes(FAILING.tenantId));
  expect(others.filter(([, w]) => w !== window)).toEqual([]);
}

function failingAt(s: Scenario): number {
  return heldWindows(s.world, [FAILING])[`customer ${FAILING.tenantId} (org ${FAILING.orgId})`];
}

describeEngine("a partnership and 20 CSP customers rotated together (real engine)", () => {
  let s: Scenario;
  afterEach(async () => {
    if (s) {
      await s.assertNoPlainSecret();
      await s.close();
    }
  });

  test("one customer's hand-off refused (403, 5xx, then an HTML page) for more than a window, with and without --continue-on-error: the key it holds is never deleted; the first good run hands over and cleans up", async () => {
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z", config: customersConfig(TWENTY) }); // window 59
    s.expectOk(await s.scheduledRun());
    othersAt(s, 59);
    expect(failingAt(s)).toBe(59);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);
    expect(TWENTY.map((c) => customerConnects(s.world, c).length)).toEqual(TWENTY.map(() => 1));

    // Window 60, a plain scheduled run: the failing customer's PATCH is refused (403).
    s.world.emulator.inject({ ...PATCH_FAILING, status: 403, times: 1000 });
    s.advance(1);
    const refused = await s.scheduledRun();
    expect(refused.code).not.toBe(0);
    expect(refused.failed).toContain(`update optima-csp-customer-${FAILING.tenantId}`);
    expect(refused.steps.filter((step) => step.startsWith("delete"))).toEqual([]);
    expect(failingAt(s)).toBe(59);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);
    console.log(
      "after 403 run",
      JSON.stringify(heldWindows(s.world, TWENTY)),
      keyWindows(s.world),
      refused.steps,
    );

    // Window 61, --continue-on-error: 5xx. Slot b (window 59, the failing customer's) is replaced.
    s.world.emulator.clearFaults();
    s.world.emulator.inject({ ...PATCH_FAILING, status: 502, times: 1000 });
    s.advance(1);
    const serverError = await s.scheduledRun(["--continue-on-error"]);
    console.log(
      "after 502 run",
      JSON.stringify(heldWindows(s.world, TWENTY)),
      keyWindows(s.world),
      serverError.steps,
      serverError.failed,
    );
    expect(serverError.code).not.toBe(0);
    othersAt(s, 61);
    expect(failingAt(s)).toBe(59);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    // Still window 61, --continue-on-error again: an HTML page answers instead of Optima.
    s.world.emulator.clearFaults();
    s.world.emulator.inject({
      ...PATCH_FAILING,
      status: 503,
      body: "<html><body>Service Unavailable</body></html>",
      times: 1000,
    });
    s.advance(0, 6);
    const html = await s.scheduledRun(["--continue-on-error"]);
    console.log(
      "after html run",
      JSON.stringify(heldWindows(s.world, TWENTY)),
      keyWindows(s.world),
      html.steps,
      html.failed,
    );
    expect(html.code).not.toBe(0);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);

    s.world.emulator.clearFaults();
    s.advance(0, 1);
    const recovered = s.expectOk(await s.scheduledRun());
    console.log(
      "recovered",
      JSON.stringify(heldWindows(s.world, TWENTY)),
      keyWindows(s.world),
      recovered.steps,
    );
    othersAt(s, 61);
    expect(failingAt(s)).toBe(61);
    expect(brokenHolders(s.world, TWENTY)).toEqual([]);
    void ORG;
  });
});
