/**
 * Engine scenario: a stack's life under the real Pulumi engine, run after run, at simulated
 * dates: first deployment (adopting a registration made by hand in Optima), a quiet run, an
 * on-time rotation, a run days late, a run after whole windows were missed, and `destroy`.
 *
 * Keys live 7 days and rotate every 3 (anchor 2026-01-01), so the previous key stays valid for a
 * day after the next boundary. Every assertion reads the simulated world: the Web App's keys in
 * Entra ID, the key Optima holds, whether Entra ID accepts it.
 */
import { CLIENT_ID, DOMAIN, MPN, OBJECT_ID, ORG, TENANT } from "../support/engine/world";
import { Scenario, engineSuite } from "../support/engine/scenario";

const { cli, describeEngine } = engineSuite();

describeEngine("a stack's life under the real engine (keys live 7 days, rotate every 3)", () => {
  let s: Scenario;
  let handMadeRegistrationId: string;
  const HAND_MADE_SECRET = "hand-made-portal-secret-0123456789";

  /** This deployment's keys (display name `optima-csp <id> slot <s> window <k> …`), by window. */
  const deploymentKeys = () =>
    s.world
      .keys()
      .filter((k) => k.displayName?.startsWith("optima-csp "))
      .map((k) => ({ ...k, window: Number(/window (\d+)/.exec(k.displayName ?? "")?.[1]) }))
      .sort((a, b) => a.window - b.window);
  const heldWindow = () => Number(/window (\d+)/.exec(s.world.heldKey()?.displayName ?? "")?.[1]);
  /** A rotation: window `made`'s key created, held and working, `deleted`'s gone, `made - 1`'s kept. */
  const expectRotated = (run: { steps: readonly string[] }, made: number, deleted: number): void => {
    expect(run.steps.filter((step) => step.includes("optima-csp-key-w"))).toEqual([
      `create optima-csp-key-w${made}`,
      `delete optima-csp-key-w${deleted}`,
    ]);
    expect(heldWindow()).toBe(made);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentKeys().map((k) => k.window)).toEqual([made - 1, made]);
  };

  beforeAll(async () => {
    s = await Scenario.start(cli!, {
      at: "2026-03-01T03:00:00Z", // window 19 (days 57–60 after the anchor): slot b
      config: { "optima-csp:keyExpiresAfterDays": "7", "optima-csp:rotateAfterDays": "3" },
    });
    // What the manual process left behind: a key made in the portal, handed to Optima by hand.
    s.world.emulator.entra.directory.addPassword(
      TENANT,
      OBJECT_ID,
      { displayName: "Optima (made by hand)" },
      { secret: HAND_MADE_SECRET },
    );
    handMadeRegistrationId = s.world.emulator.seedCspPartner(ORG, {
      mpn_id: MPN,
      domain: DOMAIN,
      application_id: CLIENT_ID,
      application_secret: HAND_MADE_SECRET,
    }).id;
  });
  afterAll(async () => {
    await s?.close();
  });
  afterEach(async () => {
    await s.assertNoPlainSecret();
  });

  test("first deployment adopts the hand-made registration and hands it a new, proven key", async () => {
    const run = s.expectOk(await s.scheduledRun());
    expect(run.steps).toEqual(
      expect.arrayContaining([
        "create optima-csp-key-w18",
        "create optima-csp-key-w19",
        "create optima-csp-registration",
      ]),
    );
    const partners = s.world.emulator.cspPartners(ORG);
    expect(partners.map((p) => p.id)).toEqual([handMadeRegistrationId]); // adopted, not duplicated
    expect(heldWindow()).toBe(19);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentKeys().map((k) => k.window)).toEqual([18, 19]);
    // The key made by hand is never touched: removing it is the partner's decision.
    expect(s.world.keys().some((k) => k.secret === HAND_MADE_SECRET)).toBe(true);
    const outputs = await s.outputs();
    expect(outputs.activeKeyId).toBe(s.world.heldKey()?.keyId);
    expect(outputs.nextRotationAt).toBe("2026-03-02T00:00:00Z");
  });

  test("a quiet run in the same window changes nothing (pulumi preview --expect-no-changes)", async () => {
    s.advance(0, 12);
    s.expectOk(await s.quietPreview());
  });

  test("the first run after the boundary rotates: new key proven and handed over, then the oldest deleted", async () => {
    s.advance(0, 12); // 2026-03-02T03:00Z: window 20, slot a
    const previous = s.world.heldKey()!;
    const run = s.expectOk(await s.scheduledRun());
    const order = (step: string) => run.steps.indexOf(step);
    expect(order("create optima-csp-key-w20")).toBeGreaterThanOrEqual(0);
    expect(order("update optima-csp-registration")).toBeGreaterThan(order("create optima-csp-key-w20"));
    // Window 18's key leaves the program: it is deleted last, after Optima has the new one.
    expect(order("delete optima-csp-key-w18")).toBeGreaterThan(order("update optima-csp-registration"));
    expectRotated(run, 20, 18);
    // The key Optima held until now is the previous key: it stays valid for the overlap.
    expect(s.world.emulator.entra.isValid(TENANT, CLIENT_ID, previous.secret)).toBe(true);
  });

  test("a run two days late still rotates once, and the previous key is still valid", async () => {
    s.advance(5); // 2026-03-07T03:00Z: window 21 began on 03-05
    const run = s.expectOk(await s.scheduledRun());
    expectRotated(run, 21, 19);
    expect(deploymentKeys()[0].endDateTime).toBe("2026-03-09T00:00:00Z");
  });

  test("after whole windows were missed, one run makes both keys, deletes both old ones, and Optima works again", async () => {
    s.advance(8); // 2026-03-15T03:00Z: window 24; windows 22 and 23 were missed
    // The key Optima holds (window 21) expired on 03-12: this is what a stopped schedule costs.
    expect(s.world.heldKeyWorks()).toBe(false);
    const run = s.expectOk(await s.scheduledRun());
    expect(run.steps.filter((step) => step.includes("optima-csp-key-w")).sort()).toEqual([
      "create optima-csp-key-w23",
      "create optima-csp-key-w24",
      "delete optima-csp-key-w20",
      "delete optima-csp-key-w21",
    ]);
    expect(run.steps.indexOf("delete optima-csp-key-w21")).toBeGreaterThan(
      run.steps.indexOf("update optima-csp-registration"),
    );
    expect(heldWindow()).toBe(24);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentKeys().map((k) => k.window)).toEqual([23, 24]);
  });

  test("destroy removes the registration and both keys, and leaves the Web App and the hand-made key", async () => {
    const run = s.expectOk(await s.pulumi(["destroy", "--yes", "--stack", s.ws.stack]));
    expect(run.steps).toEqual(
      expect.arrayContaining([
        "delete optima-csp-registration",
        "delete optima-csp-key-w23",
        "delete optima-csp-key-w24",
      ]),
    );
    expect(s.world.emulator.cspPartners(ORG)).toEqual([]);
    expect(deploymentKeys()).toEqual([]);
    expect(s.world.emulator.entra.directory.application(TENANT, OBJECT_ID)).toBeDefined();
    expect(s.world.keys().map((k) => k.secret)).toEqual([HAND_MADE_SECRET]);
  });
});
