/**
 * Engine scenarios: the world changed behind the stack's back (a key deleted in the portal, the
 * registration deleted in Optima), `destroy` that keeps the registration, and configuration
 * mistakes (no Optima credential, a required key missing). Real Pulumi engine, simulated world.
 *
 * The runs that only deploy the world a test starts from, `destroy`, and the runs after an explicit
 * `pulumi preview` skip their preview (`SKIP_PREVIEW`; lifecycle.test.ts previews a first deployment
 * and a destroy); the runs that meet the drift, and the one refused for a missing key, keep it.
 */
import { DEFAULT_REFRESH_TOKEN } from "../../tools/emulator";
import { OBJECT_ID, ORG, TENANT } from "../support/engine/world";
import { Scenario, SKIP_PREVIEW, engineSuite } from "../support/engine/scenario";

const { cli, describeEngine } = engineSuite();

function deploymentKeyIds(s: Scenario): string[] {
  return s.world
    .keys()
    .filter((k) => k.displayName?.startsWith("optima-csp "))
    .map((k) => k.keyId)
    .sort();
}

/** Deletes the registration as a person would in Flexera One: through Optima's API. */
async function deleteRegistrationInOptima(s: Scenario): Promise<void> {
  const e = s.world.emulator;
  const token = await fetch(e.authUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: DEFAULT_REFRESH_TOKEN }),
  }).then((r) => r.json() as Promise<{ access_token: string }>);
  const [partner] = e.cspPartners(ORG);
  const deleted = await fetch(`${e.apiUrl}/analytics/orgs/${ORG}/azure_csp_partners/${partner.id}`, {
    method: "DELETE",
    headers: { Authorization: `Bearer ${token.access_token}`, "Api-Version": "1.0" },
  });
  expect(deleted.status).toBe(204);
}

describeEngine("drift, destroy and configuration under the real engine", () => {
  let s: Scenario;
  afterEach(async () => {
    if (s) {
      await s.close();
    }
  });

  test("the key Optima holds is deleted in the portal: the scheduled run (up --refresh) makes a new one and hands it over", async () => {
    s = await Scenario.start(cli!);
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    const held = s.world.heldKey()!;
    expect(s.world.emulator.entra.directory.removePassword(TENANT, OBJECT_ID, held.keyId)).toBe(true);
    expect(s.world.heldKeyWorks()).toBe(false);

    s.advance(0, 1);
    const run = s.expectOk(await s.scheduledRun());
    expect(run.steps).toEqual(
      expect.arrayContaining(["create optima-csp-key-w59", "update optima-csp-registration"]),
    );
    expect(s.world.heldKey()?.keyId).not.toBe(held.keyId);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentKeyIds(s)).toHaveLength(2);
    await s.assertNoPlainSecret();
  });

  test("the registration is deleted in Optima: the scheduled run (up --refresh) registers the partnership again", async () => {
    s = await Scenario.start(cli!);
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    await deleteRegistrationInOptima(s);
    expect(s.world.heldSecret()).toBeUndefined();

    s.advance(0, 1);
    const run = s.expectOk(await s.scheduledRun());
    expect(run.steps).toContain("create optima-csp-registration");
    expect(s.world.emulator.cspPartners(ORG)).toHaveLength(1);
    expect(s.world.heldKeyWorks()).toBe(true);
    await s.assertNoPlainSecret();
  });

  test("destroy with optimaRetainOnDelete keeps the registration and the key it holds, and deletes the previous key", async () => {
    s = await Scenario.start(cli!, { config: { "optima-csp:optimaRetainOnDelete": "true" } });
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    const held = s.world.heldKey()!;
    const run = s.expectOk(await s.pulumi(["destroy", "--yes", "--stack", s.ws.stack, ...SKIP_PREVIEW]));
    expect(run.steps).toContain("delete optima-csp-key-w58"); // the previous key
    expect(s.world.emulator.cspPartners(ORG)).toHaveLength(1);
    expect(s.world.heldKey()?.keyId).toBe(held.keyId);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentKeyIds(s)).toEqual([held.keyId]);
  });

  test("no Optima credential: preview still works; up stops at the registration with the fix named, and the next run completes", async () => {
    s = await Scenario.start(cli!, { withoutOptimaCredential: true });
    const preview = await s.pulumi([
      "preview",
      "--stack",
      s.ws.stack,
      "--config",
      `optima-csp:clock=${s.world.emulator.clock.iso()}`,
    ]);
    s.expectOk(preview);
    expect(s.world.keys()).toEqual([]); // a preview creates nothing

    const up = await s.scheduledRun(SKIP_PREVIEW); // its preview is the one just run
    expect(up.code).not.toBe(0);
    expect(up.failed).toContain("create optima-csp-registration");
    expect(up.output).toContain("No Optima credential is configured");
    expect(s.world.emulator.cspPartners(ORG)).toEqual([]);

    await s.ws.setConfig({ secret: { "optima:refreshToken": DEFAULT_REFRESH_TOKEN } });
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(deploymentKeyIds(s)).toHaveLength(2); // the keys of the failed run were kept and used, not duplicated
    await s.assertNoPlainSecret();
  });

  test("a required config key is missing: the CLI refuses before anything is created", async () => {
    s = await Scenario.start(cli!);
    await s.ws.removeConfig("optima-csp:webAppClientId");
    const run = await s.scheduledRun();
    expect(run.code).not.toBe(0);
    expect(run.output).toMatch(/webAppClientId/);
    expect(s.world.keys()).toEqual([]);
    expect(s.world.emulator.cspPartners(ORG)).toEqual([]);
  });
});
