/**
 * Engine scenarios: rotations that fail, under the real Pulumi engine. Keys live 3 days and rotate
 * daily (anchor 2026-01-01), so a few simulated days cover more than a whole window.
 *
 * What the engine guarantees, and these scenarios show: a run that fails deletes nothing
 * (`pkg/resource/deploy/deployment_executor.go`: deletes are generated after every step
 * succeeded), and the deletes it left pending run at the END of the next successful run, after
 * the hand-off, not before it (Pulumi 3.46.0 CHANGELOG: "Pending deletes are no longer executed
 * before everything else"). So the key Optima holds is never deleted before Optima has a new one.
 *
 * Every run here skips its preview (`SKIP_PREVIEW`): each claim is about what an update does, and
 * the preview of a rotation is proven in lifecycle.test.ts.
 */
import { CLIENT_ID, ORG, TENANT } from "../support/engine/world";
import { SKIP_PREVIEW, Scenario, engineSuite, closeScenarioAfterEach } from "../support/engine/scenario";

const { cli, describeEngine } = engineSuite();

const PATCH_PARTNER = { method: "PATCH", path: `/analytics/orgs/${ORG}/azure_csp_partners/` } as const;

/** This deployment's keys, by window. */
function deploymentWindows(s: Scenario): number[] {
  return s.world
    .keys()
    .filter((k) => k.displayName?.startsWith("optima-csp "))
    .map((k) => Number(/window (\d+)/.exec(k.displayName ?? "")?.[1]))
    .sort((a, b) => a - b);
}

function heldWindow(s: Scenario): number {
  return Number(/window (\d+)/.exec(s.world.heldKey()?.displayName ?? "")?.[1]);
}

/** Optima requests since `mark`, as `METHOD path`, token requests left out. */
function optimaCallsSince(s: Scenario, mark: number): string[] {
  return s.world.emulator.requests
    .slice(mark)
    .filter((r) => r.path.startsWith("/analytics/"))
    .map((r) => `${r.method} ${r.path}`);
}

describeEngine("rotations that fail, under the real engine (keys live 3 days, rotate daily)", () => {
  let s: Scenario;
  closeScenarioAfterEach(() => s);

  test("daily runs while Optima refuses every hand-off (403) for more than a whole window: Optima's key is never deleted, and the first good run cleans up", async () => {
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" }); // window 59
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    expect(heldWindow(s)).toBe(59);

    s.world.emulator.inject({ ...PATCH_PARTNER, status: 403, times: 100 });
    for (const [day, window] of [
      [1, 60],
      [2, 61],
    ] as const) {
      s.advance(1); // 03-02, then 03-03
      const run = await s.scheduledRun(SKIP_PREVIEW);
      expect(run.code).not.toBe(0);
      expect(run.failed).toContain("update optima-csp-registration");
      expect(run.output).toContain("HTTP 403");
      // A failed run deletes nothing: Optima's key (window 59, expires 03-04) exists and works.
      expect(heldWindow(s)).toBe(59);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(deploymentWindows(s)).toContain(window);
      expect(run.steps.filter((step) => step.startsWith("delete"))).toEqual([]);
      void day;
    }
    // Every key this deployment made in the outage is still on the Web App and in the state (windows
    // 58 and 59 no longer in the program: deleted by the first run that succeeds).
    expect(deploymentWindows(s)).toEqual([58, 59, 60, 61]);

    s.world.emulator.clearFaults();
    s.advance(0, 12); // 03-03T15:00Z, still window 61
    const recovered = s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    const order = (step: string) => recovered.steps.indexOf(step);
    expect(order("update optima-csp-registration")).toBeGreaterThanOrEqual(0);
    // The deletes the failed runs left undone ran at the end, after the hand-off.
    for (const step of recovered.steps.filter((x) => x.startsWith("delete"))) {
      expect(order(step)).toBeGreaterThan(order("update optima-csp-registration"));
    }
    expect(heldWindow(s)).toBe(61);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentWindows(s)).toEqual([60, 61]); // no key of this deployment left behind
  });

  test("Entra ID never accepts a new key: the run fails before Optima is called; Optima keeps a working key; a later run hands over", async () => {
    s = await Scenario.start(cli!, {
      at: "2026-03-01T03:00:00Z",
      config: { "optima-csp:verifyTimeoutSeconds": "4" },
    });
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    const before = s.world.heldKey()!;

    s.world.emulator.entra.directory.tenant(TENANT).propagationDelayMs = 86_400_000;
    s.advance(1); // window 60
    const mark = s.world.emulator.requests.length;
    const run = await s.scheduledRun(SKIP_PREVIEW);
    expect(run.code).not.toBe(0);
    expect(run.failed).toContain("create-replacement optima-csp-key-verification");
    expect(run.output).toMatch(/Entra ID did not accept the new key .* within 4 s/);
    expect(optimaCallsSince(s, mark).filter((c) => !c.startsWith("GET"))).toEqual([]); // nothing written to Optima
    expect(s.world.heldKey()?.keyId).toBe(before.keyId);
    expect(s.world.heldKeyWorks()).toBe(true);

    // Entra ID catches up; the next scheduled run retries the proof and hands the key over.
    s.world.emulator.entra.directory.tenant(TENANT).propagationDelayMs = 0;
    s.world.emulator.entra.directory.settle(TENANT);
    s.advance(0, 6);
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    expect(heldWindow(s)).toBe(60);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentWindows(s)).toEqual([59, 60]);
  });

  test("an emergency --replace whose hand-off fails once: Optima keeps the old key until the next run hands over the new one", async () => {
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" });
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    const old = s.world.heldKey()!;
    const urn = String((await s.outputs()).activeKeyUrn);

    s.world.emulator.inject({ ...PATCH_PARTNER, status: 403, times: 1 });
    s.advance(0, 1);
    const emergency = await s.scheduledRun(["--replace", urn, ...SKIP_PREVIEW]);
    expect(emergency.code).not.toBe(0);
    expect(emergency.steps).toContain("create-replacement optima-csp-key-w59");
    expect(emergency.failed).toContain("update optima-csp-registration");
    expect(s.world.heldKey()?.keyId).toBe(old.keyId);
    expect(s.world.heldKeyWorks()).toBe(true); // the old key is pending delete, not deleted

    s.advance(0, 1);
    const next = s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    expect(next.steps).toEqual(
      expect.arrayContaining(["update optima-csp-registration", "delete-replaced optima-csp-key-w59"]),
    );
    expect(next.steps.indexOf("delete-replaced optima-csp-key-w59")).toBeGreaterThan(
      next.steps.indexOf("update optima-csp-registration"),
    );
    expect(s.world.heldKey()?.keyId).not.toBe(old.keyId);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(s.world.emulator.entra.isValid(TENANT, CLIENT_ID, old.secret)).toBe(false); // retired, after the hand-off
    expect(deploymentWindows(s)).toEqual([58, 59]);
  });
});
