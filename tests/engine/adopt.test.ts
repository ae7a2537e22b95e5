/**
 * Engine scenarios: adopting the Partner Center Web App when its Graph
 * `api.requestedAccessTokenVersion` is null (Graph's default, common on single-tenant apps).
 *
 * optima-csp 0.1.0 adopted with `import`; the engine runs the provider's Check on what it read,
 * and the azuread provider reads null as 0 and refuses it (terraform-provider-azuread v3.8.0
 * `application_registration_resource.go`: GetOrZero on read, IntBetween(1, 2)), so the run fails.
 * This version reads the app instead (`ApplicationRegistration.get`): no Check, nothing sent.
 * Both are run here against the real engine, so the reason for the change is shown, not assumed.
 */
import { rmSync } from "node:fs";
import { OBJECT_ID, TENANT } from "../support/engine/world";
import { Scenario, V0_1_0, checkout, engineSuite } from "../support/engine/scenario";

const { cli, describeEngine } = engineSuite();

describeEngine("adopting a Web App whose requestedAccessTokenVersion is null, under the real engine", () => {
  let s: Scenario | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  const adopt = { "optima-csp:adoptWebApp": "true", "optima-csp:webAppObjectId": OBJECT_ID };

  test("this version adopts it with a read: keys are made, the app is never written, destroy leaves it", async () => {
    s = await Scenario.start(cli!, { world: { requestedAccessTokenVersion: null }, config: adopt });
    const run = s.expectOk(await s.scheduledRun());
    expect(run.steps).toEqual(
      expect.arrayContaining(["read optima-csp-web-app", "create optima-csp-key-w58"]),
    );
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(s.ws.doublesLogTail(500)).not.toContain("REFUSED");
    s.expectOk(await s.quietPreview());
    s.expectOk(await s.pulumi(["destroy", "--yes", "--stack", s.ws.stack]));
    const app = s.world.emulator.entra.directory.application(TENANT, OBJECT_ID);
    expect(app?.displayName).toBe("Contoso Partner Center Web App");
    expect(app?.requestedAccessTokenVersion).toBeNull();
    await s.assertNoPlainSecret();
  });

  test("0.1.0's import of the same app fails the run, which is why adoption no longer imports", async () => {
    const old = checkout(V0_1_0);
    try {
      s = await Scenario.start(cli!, {
        projectSource: old,
        world: { requestedAccessTokenVersion: null },
        config: adopt,
      });
      s.world.emulator.clock.reset(); // 0.1.0 has no optima-csp:clock
      const run = await s.ws.run(["up", "--yes", "--refresh", "--stack", s.ws.stack]);
      expect(run.code).not.toBe(0);
      expect(run.output).toContain(
        "expected requested_access_token_version to be in the range (1 - 2), got 0",
      );
      expect(s.world.keys()).toEqual([]); // no key was made
    } finally {
      rmSync(old, { recursive: true, force: true });
    }
  });
});
