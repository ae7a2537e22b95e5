/**
 * OptimaCspConnection under Pulumi mocks, in the awsx manner: every registration is recorded
 * with its inputs and options, invokes without a handler fail, and the assertions are on what
 * the component sends to each child.
 */

import * as pulumi from "@pulumi/pulumi";
import { OptimaCspConnection, OptimaCspConnectionArgs } from "../components/azure/cspConnection";
import { planRotation } from "../components/azure/rotation";
import {
  FIXTURE,
  FakeEngine,
  InvokeHandlers,
  TOKENS,
  TYPES,
  azureAdInvokes,
  importableApp,
  isSecretWrapper,
  unwrapSecrets,
  invokeError,
  valueOf,
  without,
} from "./support/mocks";
import { refusedConstruction } from "./support/refusal";
import { AZURE_CLI_CLIENT_ID, firstLine } from "../components/azure/webApp";

const NOW = new Date("2026-03-01T00:00:00Z");
const PLAN = planRotation({ now: NOW });
/** Each slot's password resource: named by the window it holds (2026-03-01 is in window 13). */
const SLOT_NAMES = { a: `conn-key-w${PLAN.slots.a.window}`, b: `conn-key-w${PLAN.slots.b.window}` } as const;
const ACTIVE = SLOT_NAMES[PLAN.activeSlot];
const PREVIOUS = SLOT_NAMES[PLAN.previousSlot];

const baseArgs: OptimaCspConnectionArgs = {
  webApp: { clientId: FIXTURE.clientId },
  mpnId: FIXTURE.mpnId,
  optima: { orgId: FIXTURE.orgId },
  now: NOW,
};

async function deploy(
  args: Partial<OptimaCspConnectionArgs> = {},
  invokes: InvokeHandlers = azureAdInvokes(),
  name = "conn",
) {
  const engine = new FakeEngine({ invokes, importable: importableApp() });
  const run = await engine.run(() => new OptimaCspConnection(name, { ...baseArgs, ...args }));
  return { engine, run, connection: run.value };
}

describe("a first deployment with the defaults", () => {
  let ctx: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    ctx = await deploy();
  });

  test("the run reports no error", () => {
    expect(ctx.run.errors).toEqual([]);
  });

  test("the component has its type token and every child is named after it and parented to it", () => {
    const { run } = ctx;
    const component = run.byName("conn");
    expect(component.type).toBe("optima-csp:azure:CspConnection");
    const children = run.registrations.filter((r) => r !== component);
    expect(children.map((r) => r.name).sort()).toEqual([
      "conn-deployment-id",
      "conn-key-verification",
      "conn-key-w12",
      "conn-key-w13",
      "conn-registration",
    ]);
    for (const child of children) {
      expect(child.parent).toBe(component.urn);
    }
  });

  test("looks the Web App up by client ID, reads the tenant and its default domain, and nothing else", () => {
    expect(ctx.run.invokes).toEqual(
      expect.arrayContaining([
        { token: TOKENS.getApplication, inputs: { clientId: FIXTURE.clientId } },
        { token: TOKENS.getClientConfig, inputs: {} },
        { token: TOKENS.getDomains, inputs: { onlyInitial: true } },
      ]),
    );
    expect(ctx.run.invokes).toHaveLength(3);
    expect(ctx.run.ofType(TYPES.appRegistration)).toEqual([]);
  });

  test("each slot gets the app's /applications ID, an explicit endDate and window-derived name and keys", () => {
    const deploymentId = String(ctx.run.byName("conn-deployment-id").outputs.hex);
    expect(deploymentId).toMatch(/^[0-9a-f]{8}$/);
    for (const slot of ["a", "b"] as const) {
      const plan = PLAN.slots[slot];
      expect(ctx.run.byName(SLOT_NAMES[slot]).inputs).toEqual({
        applicationId: `/applications/${FIXTURE.objectId}`,
        displayName: `optima-csp ${deploymentId} slot ${slot} window ${plan.window} (expires ${plan.endDate.slice(0, 10)})`,
        endDate: plan.endDate,
        rotateWhenChanged: { window: String(plan.window), windowStartsAt: plan.windowStartsAt },
      });
    }
    // 2026-03-01 is in window 13 (from 2026-02-19): slot b is active and expires 180 days later.
    expect(PLAN.activeSlot).toBe("b");
    expect(ctx.run.byName("conn-key-w13").inputs.endDate).toBe("2026-08-18T00:00:00Z");
    expect(ctx.run.byName("conn-key-w12").inputs.endDate).toBe("2026-06-19T00:00:00Z");
  });

  test("each window's password aliases the name its slot's password had (conn-key-a or -b), so a stack made before keeps its keys", async () => {
    expect(ctx.run.byName("conn-key-w12").aliasNames).toEqual(["conn-key-a"]);
    expect(ctx.run.byName("conn-key-w13").aliasNames).toEqual(["conn-key-b"]);
    expect(await valueOf(ctx.connection.passwords.a.urn)).toBe(ctx.run.byName("conn-key-w12").urn);
    expect(await valueOf(ctx.connection.passwords.b.urn)).toBe(ctx.run.byName("conn-key-w13").urn);
  });

  test("the active key is verified at Entra ID, as a secret, for the Partner Center scope", () => {
    const verification = ctx.run.byName("conn-key-verification");
    const active = ctx.run.byName(ACTIVE);
    expect(unwrapSecrets(verification.inputs)).toMatchObject({
      tenantId: FIXTURE.tenantId,
      clientId: FIXTURE.clientId,
      keyId: active.outputs.keyId,
      secret: active.outputs.value,
      authorityHost: "https://login.microsoftonline.com",
      timeoutSeconds: 900,
      scope: "https://api.partnercenter.microsoft.com/.default",
    });
    expect(isSecretWrapper(verification.inputs.secret)).toBe(true);
    expect(verification.additionalSecretOutputs).toContain("secret");
    expect(verification.dependencies).toContain(active.urn);
    expect(verification.dependencies).not.toContain(ctx.run.byName(PREVIOUS).urn);
  });

  test("Optima is given the active key, after its verification, never the previous key", () => {
    const registration = ctx.run.byName("conn-registration");
    const active = ctx.run.byName(ACTIVE);
    const inputs = unwrapSecrets(registration.inputs) as Record<string, unknown>;
    expect(inputs).toMatchObject({
      target: "csp-partner",
      orgId: FIXTURE.orgId,
      mpnId: FIXTURE.mpnId,
      domain: FIXTURE.domain,
      applicationId: FIXTURE.clientId,
      applicationSecret: active.outputs.value,
    });
    expect(inputs).not.toHaveProperty("tenantId");
    expect(inputs).not.toHaveProperty("billingAccountId");
    expect(isSecretWrapper(registration.inputs.applicationSecret)).toBe(true);
    expect(registration.dependencies).toEqual(
      expect.arrayContaining([ctx.run.byName("conn-key-verification").urn, active.urn]),
    );
    expect(registration.dependencies).not.toContain(ctx.run.byName(PREVIOUS).urn);
    expect(registration.retainOnDelete).toBeUndefined();
  });

  test("outputs: object ID, both key IDs, the schedule and the registration; the key itself only as a secret", async () => {
    const { connection, run } = ctx;
    expect(await valueOf(connection.applicationObjectId)).toBe(FIXTURE.objectId);
    expect(await valueOf(connection.activeKeyId)).toBe(run.byName(ACTIVE).outputs.keyId);
    expect(await valueOf(connection.previousKeyId)).toBe(run.byName(PREVIOUS).outputs.keyId);
    expect(await valueOf(connection.activeKeyExpiresAt)).toBe("2026-08-18T00:00:00Z");
    expect(await valueOf(connection.nextRotationAt)).toBe("2026-04-20T00:00:00Z");
    expect(await valueOf(connection.registrationId)).toBe(run.byName("conn-registration").id);
    expect(await valueOf(connection.activeKeyUrn)).toBe(run.byName(ACTIVE).urn);
    expect(await valueOf(connection.activeKeySecret)).toBe(run.byName(ACTIVE).outputs.value);
    expect(await pulumi.isSecret(connection.activeKeySecret)).toBe(true);
    expect(await pulumi.isSecret(connection.activeKeyId)).toBe(false);
    expect(connection.rotation).toEqual(PLAN);
  });

  test("password values come back secret, as the engine marks them", async () => {
    expect(ctx.run.byName(ACTIVE).additionalSecretOutputs).toContain("value");
    expect(await pulumi.isSecret(ctx.connection.passwords[PLAN.activeSlot].value)).toBe(true);
  });

  test("nothing is retained or protected by default", () => {
    for (const r of ctx.run.registrations) {
      expect(r.retainOnDelete).toBeUndefined();
      expect(r.importId).toBeUndefined();
    }
  });
});

describe("options", () => {
  test("an explicit domain is sent as given, and the tenant's domains are not read", async () => {
    const { run } = await deploy({ domain: "partner.example" }, without(azureAdInvokes(), TOKENS.getDomains));
    expect(unwrapSecrets(run.byName("conn-registration").inputs)).toMatchObject({
      domain: "partner.example",
    });
    expect(run.invokes.map((i) => i.token)).not.toContain(TOKENS.getDomains);
  });

  test("bill-connect: the tenant comes from the client config; no MPN ID or domain is sent or looked up", async () => {
    const invokes = without(azureAdInvokes(), TOKENS.getDomains);
    const billingAccountId =
      "11111111-2222-3333-4444-555555555555:66666666-7777-8888-9999-000000000000_2019-05-31";
    const { run } = await deploy(
      { mpnId: undefined, optima: { orgId: FIXTURE.orgId, target: "bill-connect", billingAccountId } },
      invokes,
    );
    const inputs = unwrapSecrets(run.byName("conn-registration").inputs) as Record<string, unknown>;
    expect(inputs).toMatchObject({
      target: "bill-connect",
      tenantId: FIXTURE.tenantId,
      billingAccountId,
      applicationId: FIXTURE.clientId,
    });
    expect(inputs).not.toHaveProperty("mpnId");
    expect(inputs).not.toHaveProperty("domain");
  });

  test("with verification disabled there is no KeyVerification and no tenant lookup for csp-partner", async () => {
    const invokes = without(azureAdInvokes(), TOKENS.getClientConfig, TOKENS.getDomains);
    const { run } = await deploy({ domain: FIXTURE.domain, verify: { enabled: false } }, invokes);
    expect(run.ofType(TYPES.verification)).toEqual([]);
    expect(run.invokes.map((i) => i.token)).toEqual([TOKENS.getApplication]);
    expect(run.byName("conn-registration").dependencies).toEqual([run.byName(ACTIVE).urn]);
  });

  test("a sovereign-cloud authority host and a shorter timeout reach the verification", async () => {
    const { run } = await deploy({
      verify: { authorityHost: "https://login.microsoftonline.us/", timeoutSeconds: 120 },
    });
    expect(run.byName("conn-key-verification").inputs).toMatchObject({
      authorityHost: "https://login.microsoftonline.us",
      timeoutSeconds: 120,
      // Partner Center for Microsoft Cloud for US Government is published at the public host.
      scope: "https://api.partnercenter.microsoft.com/.default",
    });
  });

  test.each([
    ["https://login.chinacloudapi.cn", "https://partner.partnercenterapi.microsoftonline.cn/.default"],
    [
      "https://login.partner.microsoftonline.cn",
      "https://partner.partnercenterapi.microsoftonline.cn/.default",
    ],
    ["http://127.0.0.1:8787/entra", "https://api.partnercenter.microsoft.com/.default"],
  ])("the authority host %s picks the scope %s", async (authorityHost, scope) => {
    const { run } = await deploy({ verify: { authorityHost } });
    expect(run.byName("conn-key-verification").inputs.scope).toBe(scope);
  });

  test("an explicit scope wins over the one the authority host maps to", async () => {
    const scope = "https://partner.example.test/.default";
    const { run } = await deploy({ verify: { authorityHost: "https://login.sovereign.example", scope } });
    expect(run.byName("conn-key-verification").inputs).toMatchObject({
      authorityHost: "https://login.sovereign.example",
      scope,
    });
  });

  test('domainSource "default" registers Entra ID\'s default domain, which may be a custom one', async () => {
    const invokes = {
      ...azureAdInvokes(),
      [TOKENS.getDomains]: (inputs: Record<string, unknown>) => ({
        id: "domains",
        domains: [
          inputs.onlyDefault === true
            ? { domainName: "contoso.com", default: true, initial: false }
            : { domainName: FIXTURE.domain, default: false, initial: true },
        ],
      }),
    };
    const custom = await deploy({ domainSource: "default" }, invokes);
    expect(custom.run.invokes).toContainEqual({ token: TOKENS.getDomains, inputs: { onlyDefault: true } });
    expect(unwrapSecrets(custom.run.byName("conn-registration").inputs)).toMatchObject({
      domain: "contoso.com",
    });
    const initial = await deploy({}, invokes);
    expect(unwrapSecrets(initial.run.byName("conn-registration").inputs)).toMatchObject({
      domain: FIXTURE.domain,
    });
  });

  test("Key Vault: the active key, secret, with its expiry, after verification", async () => {
    const { run } = await deploy({ keyVault: { resourceGroupName: "rg-finops", vaultName: "kv-finops" } });
    const secret = run.byName("conn-key-vault-secret");
    const active = run.byName(ACTIVE);
    expect(secret.type).toBe(TYPES.keyVaultSecret);
    expect(unwrapSecrets(secret.inputs)).toEqual({
      resourceGroupName: "rg-finops",
      vaultName: "kv-finops",
      secretName: "conn-web-app-key",
      properties: {
        value: active.outputs.value,
        contentType: `client secret of Azure AD app ${FIXTURE.clientId}`,
        attributes: { enabled: true, expires: Date.parse("2026-08-18T00:00:00Z") / 1000 },
      },
      tags: { "optima-csp-client-id": FIXTURE.clientId, "optima-csp-key-id": active.outputs.keyId },
    });
    // The SDK marks the whole `properties` object secret, since it holds the key.
    expect(isSecretWrapper(secret.inputs.properties)).toBe(true);
    expect(secret.dependencies).toContain(run.byName("conn-key-verification").urn);
  });

  test("optima.retainOnDelete keeps the registration and the active key, not the previous key", async () => {
    const { run } = await deploy({ optima: { orgId: FIXTURE.orgId, retainOnDelete: true } });
    expect(run.byName("conn-registration").retainOnDelete).toBe(true);
    expect(run.byName(ACTIVE).retainOnDelete).toBe(true);
    expect(run.byName(PREVIOUS).retainOnDelete).toBe(false);
    expect(run.byName("conn-key-verification").retainOnDelete).toBeUndefined();
  });

  test("two components in one stack do not collide", async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes(), importable: importableApp() });
    const run = await engine.run(() => [
      new OptimaCspConnection("east", baseArgs),
      new OptimaCspConnection("west", {
        ...baseArgs,
        keyVault: { resourceGroupName: "rg", vaultName: "kv" },
      }),
    ]);
    const urns = run.registrations.map((r) => r.urn);
    expect(new Set(urns).size).toBe(urns.length);
    expect(run.registrations.filter((r) => r.name.startsWith("east")).length).toBe(6);
    expect(run.byName("west-key-vault-secret").inputs.secretName).toBe("west-web-app-key");
    const names = run.ofType(TYPES.password).map((r) => String(r.inputs.displayName));
    expect(new Set(names).size).toBe(4);
    const eastId = String(run.byName("east-deployment-id").outputs.hex);
    const westId = String(run.byName("west-deployment-id").outputs.hex);
    expect(eastId).not.toBe(westId);
    expect(String(run.byName("east-key-w12").inputs.displayName)).toContain(eastId);
    expect(String(run.byName("west-key-w12").inputs.displayName)).toContain(westId);
  });
});

describe("adopting the Web App", () => {
  test("reads the registration by object ID (no import, no inputs, nothing to change or delete), parented, under the old name", async () => {
    const invokes = without(azureAdInvokes(), TOKENS.getApplication);
    const { run, connection } = await deploy(
      { webApp: { clientId: FIXTURE.clientId, objectId: FIXTURE.objectId, adopt: true } },
      invokes,
    );

    const app = run.byName("conn-web-app");
    expect(app.type).toBe(TYPES.appRegistration);
    expect(app.op).toBe("read");
    expect(app.readId).toBe(`/applications/${FIXTURE.objectId}`);
    expect(app.importId).toBeUndefined();
    // A read sends no inputs to the provider, so there is nothing its Check could reject.
    expect(app.inputs).toEqual({});
    expect(app.ignoreChanges).toEqual([]);
    expect(app.retainOnDelete).toBeUndefined();
    // Same name, type and parent as the imported resource of earlier versions: the same URN.
    expect(app.parent).toBe(run.byName("conn").urn);
    expect(app.urn).toBe(
      "urn:pulumi:test::optima-csp::optima-csp:azure:CspConnection$azuread:index/applicationRegistration:ApplicationRegistration::conn-web-app",
    );

    expect(run.invokes.map((i) => i.token)).not.toContain(TOKENS.getApplication);
    for (const slot of ["conn-key-w12", "conn-key-w13"]) {
      expect(run.byName(slot).inputs.applicationId).toBe(`/applications/${FIXTURE.objectId}`);
      expect(run.byName(slot).dependencies).toContain(app.urn);
    }
    expect(await valueOf(connection.applicationObjectId)).toBe(FIXTURE.objectId);
  });

  test("a second run reads it again and changes nothing; the read is never in the run's deletes", async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes(), importable: importableApp() });
    const args = {
      ...baseArgs,
      webApp: { clientId: FIXTURE.clientId, objectId: FIXTURE.objectId, adopt: true },
    };
    await engine.run(() => new OptimaCspConnection("conn", args));
    const second = await engine.run(() => new OptimaCspConnection("conn", args));
    expect(second.errors).toEqual([]);
    expect(second.byName("conn-web-app").op).toBe("read");
    expect(second.namesWith("create", "update", "replace")).toEqual([]);
    expect(second.deletes).toEqual([]);
  });

  test("an adopted app whose client ID differs from webApp.clientId gets no keys", async () => {
    const otherClient = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    const engine = new FakeEngine({
      invokes: azureAdInvokes(),
      importable: importableApp({ clientId: otherClient }),
    });
    const run = await engine.run(
      () =>
        new OptimaCspConnection("conn", {
          ...baseArgs,
          webApp: { clientId: FIXTURE.clientId, objectId: FIXTURE.objectId, adopt: true },
        }),
    );
    expectFailure(
      run,
      `The app registration with Object ID ${FIXTURE.objectId} has Application (client) ID ${otherClient}, not ` +
        `webApp.clientId ${FIXTURE.clientId}. Correct webApp.objectId or webApp.clientId.`,
    );
    expect(run.ofType(TYPES.password)).toEqual([]);
    expect(run.ofType(TYPES.registration)).toEqual([]);
  });
});

describe("webApp.clientId as an Output", () => {
  test("a known Output is used like a plain string, everywhere the client ID goes", async () => {
    const { run } = await deploy({
      webApp: { clientId: pulumi.output(FIXTURE.clientId) },
      keyVault: { resourceGroupName: "rg", vaultName: "kv" },
    });
    expect(run.errors).toEqual([]);
    expect(run.invokes).toEqual(
      expect.arrayContaining([{ token: TOKENS.getApplication, inputs: { clientId: FIXTURE.clientId } }]),
    );
    expect(unwrapSecrets(run.byName("conn-registration").inputs)).toMatchObject({
      applicationId: FIXTURE.clientId,
    });
    expect(run.byName("conn-key-verification").inputs.clientId).toBe(FIXTURE.clientId);
    expect(unwrapSecrets(run.byName("conn-key-vault-secret").inputs)).toMatchObject({
      properties: { contentType: `client secret of Azure AD app ${FIXTURE.clientId}` },
      tags: { "optima-csp-client-id": FIXTURE.clientId },
    });
  });

  test("an Output that is not a GUID fails, once known, with the construction-time message; no key is made", async () => {
    const { run } = await deploy({ webApp: { clientId: pulumi.output("my-web-app") } });
    expectFailure(
      run,
      'webApp.clientId must be the Partner Center Web App\'s Application (client) ID, a GUID such as aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got "my-web-app".',
    );
    expect(run.invokes.map((i) => i.token)).not.toContain(TOKENS.getApplication);
    expect(run.ofType(TYPES.password)).toEqual([]);
  });

  test("with adopt, an Output client ID is cross-checked against the registration read", async () => {
    const otherClient = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    const { run } = await deploy({
      webApp: { clientId: pulumi.output(otherClient), objectId: FIXTURE.objectId, adopt: true },
    });
    expectFailure(
      run,
      `The app registration with Object ID ${FIXTURE.objectId} has Application (client) ID ${FIXTURE.clientId}, not ` +
        `webApp.clientId ${otherClient}. Correct webApp.objectId or webApp.clientId.`,
    );
    expect(run.ofType(TYPES.password)).toEqual([]);
  });
});

/** The run failed, and every error it reported ends with `message` (Pulumi prefixes the property path). */
function expectFailure(run: { errors: string[] }, message: string): void {
  expect(run.errors.length).toBeGreaterThan(0);
  for (const error of run.errors) {
    expect(error.endsWith(message) ? message : error).toBe(message);
  }
}

describe("failures", () => {
  const unknownClient = "deadbeef-0000-4000-8000-000000000000";
  const notFound =
    `Could not find the Partner Center Web App with Application (client) ID ${unknownClient} in the tenant Pulumi ` +
    "is signed in to. Check that the ID is the Web App's Application (client) ID and that a Web App is registered " +
    "in Partner Center → Account settings → App management. ";
  const saidNotFound = ` (Azure AD said: Could not find application with client ID "${unknownClient}")`;
  const appNeeds =
    "a service principal or managed identity needs the Microsoft Graph application permission " +
    "Application.ReadWrite.OwnedBy, granted with admin consent, and to be an owner of the Web App (or " +
    "Application.Read.All to find an app it does not own): being an owner alone grants it nothing";
  const personNeeds =
    "a person signed in with `az login` must be a member (not a guest) of the Web App's tenant, signed in to that " +
    "tenant (`az login --tenant <partner-tenant-id>`), and, to add keys, an owner of the Web App or an Application " +
    "Administrator or Cloud Application Administrator";

  test("a Web App a service principal cannot find: names the client IDs, says ownership alone grants nothing; no key is made", async () => {
    // azureAdInvokes' client config reports an application client ID ("deployer"), as under OIDC in CI.
    const { run } = await deploy({ webApp: { clientId: unknownClient } });
    expectFailure(
      run,
      `${notFound}Pulumi is signed in as the application deployer: ${appNeeds}.${saidNotFound}`,
    );
    expect(run.ofType(TYPES.password)).toEqual([]);
    expect(run.ofType(TYPES.verification)).toEqual([]);
    expect(run.ofType(TYPES.registration)).toEqual([]);
  });

  test("a Web App not found while signed in through the Azure CLI: says what a person needs, and a CLI service principal", async () => {
    const invokes = {
      ...azureAdInvokes(),
      [TOKENS.getClientConfig]: () => ({
        id: "client-config",
        tenantId: FIXTURE.tenantId,
        clientId: AZURE_CLI_CLIENT_ID,
        objectId: "user-object",
      }),
    };
    const { run } = await deploy({ webApp: { clientId: unknownClient } }, invokes);
    expectFailure(
      run,
      `${notFound}Pulumi is signed in through the Azure CLI: ${personNeeds}; if the CLI is signed in as a service ` +
        `principal (az login --service-principal), ${appNeeds}.${saidNotFound}`,
    );
  });

  test("a Web App not found when the client config cannot be read either: both cases are named", async () => {
    const { run } = await deploy(
      { webApp: { clientId: unknownClient }, verify: { enabled: false }, domain: FIXTURE.domain },
      without(azureAdInvokes(), TOKENS.getClientConfig),
    );
    expectFailure(
      run,
      `${notFound}If Pulumi is signed in as a service principal or managed identity, ${appNeeds}; ${personNeeds}.${saidNotFound}`,
    );
  });

  test("a looked-up app whose object ID differs from webApp.objectId is refused before any key is made", async () => {
    const wrong = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    const { run } = await deploy({ webApp: { clientId: FIXTURE.clientId, objectId: wrong } });
    expectFailure(
      run,
      `webApp.objectId (${wrong}) is not the Object ID of the app with Application (client) ID ${FIXTURE.clientId}, ` +
        `which is ${FIXTURE.objectId}. Correct or remove webApp.objectId.`,
    );
    expect(run.ofType(TYPES.password)).toEqual([]);
  });

  test("a domain that cannot be read says what the signed-in service principal needs; Optima is not called", async () => {
    const invokes = {
      ...azureAdInvokes(),
      [TOKENS.getDomains]: () => {
        throw invokeError("Authorization_RequestDenied: Insufficient privileges to complete the operation.");
      },
    };
    const { run } = await deploy({}, invokes);
    expectFailure(
      run,
      "Could not read the tenant's initial domain to register with Optima. Pulumi is signed in as the application " +
        "deployer: a service principal or managed identity needs the Microsoft Graph application permission " +
        "Domain.Read.All, granted with admin consent (owning the Web App grants it nothing). Or set domain explicitly " +
        "(e.g. contoso.onmicrosoft.com). (Azure AD said: Authorization_RequestDenied: Insufficient privileges to " +
        "complete the operation.)",
    );
    expect(run.ofType(TYPES.registration)).toEqual([]);
  });

  test("an unexpected invoke fails by name", async () => {
    const { run } = await deploy({}, without(azureAdInvokes(), TOKENS.getClientConfig));
    expect(run.errors.length).toBeGreaterThan(0);
    expect(run.errors.every((e) => e.endsWith(`Mock call not implemented: ${TOKENS.getClientConfig}`))).toBe(
      true,
    );
    expect(run.ofType(TYPES.verification)).toEqual([]);
  });
});

describe("validation at construction, with exact messages", () => {
  const cases: [string, Partial<OptimaCspConnectionArgs>, string][] = [
    [
      "a client ID that is not a GUID",
      { webApp: { clientId: "my-web-app" } },
      'webApp.clientId must be the Partner Center Web App\'s Application (client) ID, a GUID such as aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got "my-web-app".',
    ],
    [
      "adopt without an object ID",
      { webApp: { clientId: FIXTURE.clientId, adopt: true } },
      "webApp.adopt requires webApp.objectId: the app registration is read by its object ID, which must be known when " +
        "the program starts. Find it in Entra ID → App registrations → the Web App → Overview → Object ID (not the " +
        "Application (client) ID).",
    ],
    [
      "an object ID that is not a GUID",
      { webApp: { clientId: FIXTURE.clientId, objectId: "/applications/x", adopt: true } },
      'webApp.objectId must be the app registration\'s Object ID, a GUID (Entra ID → App registrations → the Web App → Overview → Object ID); got "/applications/x".',
    ],
    [
      "csp-partner without an MPN ID",
      { mpnId: undefined },
      'mpnId is required for the "csp-partner" Optima target: give the partner\'s MPN ID (Partner ID, digits only; ' +
        'Partner Center → Account settings → Identifiers), or set optima.target to "bill-connect".',
    ],
    [
      "a billing account for csp-partner",
      { optima: { orgId: "1", billingAccountId: "x" } },
      'optima.billingAccountId applies only to the "bill-connect" Optima target; remove it, or set optima.target to "bill-connect".',
    ],
    [
      "an unknown target",
      { optima: { orgId: "1", target: "ea" as never } },
      'optima.target must be "csp-partner" or "bill-connect"; got "ea".',
    ],
    [
      "no org ID",
      { optima: {} as never },
      "optima.orgId is required: the Flexera organization ID the partnership is registered in.",
    ],
    [
      "a period of half the expiry",
      { keyExpiresAfterDays: 120, rotateAfterDays: 60 },
      "rotateAfterDays (60) must be less than half of keyExpiresAfterDays (120), so that the previous key is still valid " +
        "when the next rotation replaces it: use at most 59 days, or raise keyExpiresAfterDays to at least 121.",
    ],
    [
      "an expiry beyond 730 days",
      { keyExpiresAfterDays: 800 },
      "keyExpiresAfterDays must be a whole number of days from 3 to 730 (the Azure portal caps client secrets at 24 " +
        "months, and a tenant's app management policy may cap them lower); got 800.",
    ],
    [
      "an anchor in the future",
      { rotationAnchor: "2027-01-01T00:00:00Z" },
      "rotationAnchor (2027-01-01T00:00:00Z) is after the current time (2026-03-01T00:00:00Z): rotation windows count " +
        "forward from the anchor, so it must be an instant in the past; use the default 2024-01-01T00:00:00Z or the " +
        "time of your first deployment.",
    ],
    [
      "a plain-http authority host",
      { verify: { authorityHost: "http://login.microsoftonline.com" } },
      'verify.authorityHost must be an https:// URL with no path, such as https://login.microsoftonline.com (http:// only for 127.0.0.1 or localhost); got "http://login.microsoftonline.com".',
    ],
    [
      "a verification timeout of an hour and more",
      { verify: { timeoutSeconds: 3601 } },
      "verify.timeoutSeconds must be a whole number of seconds from 1 to 3600; got 3601.",
    ],
    [
      "an authority host with no published Partner Center and no scope",
      { verify: { authorityHost: "https://login.microsoftonline.de" } },
      "verify.scope is required with verify.authorityHost https://login.microsoftonline.de: Microsoft publishes no " +
        "Partner Center for that authority host that optima-csp knows of. Set verify.scope (stack config verifyScope) " +
        "to the Partner Center resource of the tenant's cloud followed by /.default.",
    ],
    [
      "a scope that is not a /.default scope",
      { verify: { scope: "https://api.partnercenter.microsoft.com/user_impersonation" } },
      "verify.scope must be the Partner Center resource followed by /.default, such as " +
        "https://api.partnercenter.microsoft.com/.default (a client-credentials token can only be requested for " +
        '/.default); got "https://api.partnercenter.microsoft.com/user_impersonation".',
    ],
    [
      "a scope that is not a URL is not echoed",
      { verify: { scope: "s3cr3t-pasted-here" } },
      "verify.scope must be the Partner Center resource followed by /.default, such as " +
        "https://api.partnercenter.microsoft.com/.default (a client-credentials token can only be requested for " +
        "/.default); its value is not a URL (not shown).",
    ],
    [
      "an unknown domain source",
      { domainSource: "custom" as never },
      'domainSource must be "initial" or "default"; got "custom".',
    ],
    [
      "an MPN ID with a letter",
      { mpnId: "12a4" },
      'mpnId must be the partner\'s MPN ID, digits only; got "12a4".',
    ],
    [
      "the nil GUID as the client ID (a placeholder)",
      { webApp: { clientId: "00000000-0000-0000-0000-000000000000" } },
      "webApp.clientId must be the Partner Center Web App's Application (client) ID, a GUID such as aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got the nil GUID 00000000-0000-0000-0000-000000000000, a placeholder Entra ID never assigns.",
    ],
    [
      "an MPN ID of 0 (a placeholder)",
      { mpnId: "0" },
      'mpnId must be the partner\'s MPN ID, a number from 1 up; got "0", a placeholder.',
    ],
    [
      "an org ID of 0 (a placeholder)",
      { optima: { orgId: "0" } },
      'optima.orgId must be the Flexera organization ID, a number from 1 up; got "0", a placeholder.',
    ],
    [
      "an MPN ID with white space around it",
      { mpnId: " 1234567 " },
      'mpnId must not begin or end with white space; got " 1234567 ".',
    ],
    [
      "an MPN ID of 40 digits",
      { mpnId: "1".repeat(40) },
      "mpnId must be the partner's MPN ID, at most 20 digits; got 40 digits.",
    ],
    [
      "an org ID that is not digits",
      { optima: { orgId: "org-42" } },
      'optima.orgId must be the Flexera organization ID, digits only; got "org-42".',
    ],
    [
      "a domain that is not ASCII",
      { domain: "bücher.example" },
      'domain must be the partner tenant\'s default domain, a DNS name such as contoso.onmicrosoft.com; got "bücher.example".',
    ],
    [
      "a domain with a trailing dot",
      { domain: "contoso.onmicrosoft.com." },
      'domain must be the partner tenant\'s default domain, a DNS name such as contoso.onmicrosoft.com; got "contoso.onmicrosoft.com.".',
    ],
    [
      "a domain with a space",
      { domain: "contoso .onmicrosoft.com" },
      'domain must be the partner tenant\'s default domain, a DNS name such as contoso.onmicrosoft.com; got "contoso .onmicrosoft.com".',
    ],
    [
      "a billing account that is not GUID:GUID_YYYY-MM-DD",
      { optima: { orgId: "1", target: "bill-connect", billingAccountId: "nope" } },
      'optima.billingAccountId must be an MCA billing account ID of the form GUID:GUID_YYYY-MM-DD; got "nope".',
    ],
    [
      "an anchor offset past 23:59",
      { rotationAnchor: "2024-01-01T00:00:00+24:00" },
      "rotationAnchor must be an ISO 8601 instant in UTC or with an offset, in whole seconds, such as 2024-01-01T00:00:00Z or " +
        '2024-01-01 (UTC midnight); got "2024-01-01T00:00:00+24:00" (no such UTC offset +24:00; offsets run from -23:59 to +23:59).',
    ],
    [
      "a Key Vault secret name with invalid characters",
      { keyVault: { resourceGroupName: "rg", vaultName: "kv", secretName: "optima_key" } },
      'keyVault.secretName must be 1 to 127 letters, digits and dashes; got "optima_key".',
    ],
  ];

  test.each(cases)("%s", async (_label, args, message) => {
    const { message: refusal, run } = await refusedConstruction({ ...baseArgs, ...args });
    expect(refusal).toBe(message);
    // Nothing but the component itself was registered, and nothing was looked up.
    expect(run.registrations.map((r) => r.type)).toEqual(["optima-csp:azure:CspConnection"]);
    expect(run.invokes).toEqual([]);
  });
});

describe("inputs given as Outputs at construction", () => {
  test("are left to the registration provider's check, which sees them once known", async () => {
    const { run } = await deploy({
      mpnId: pulumi.output("12a4"),
      domain: pulumi.output("bücher.example"),
      optima: { orgId: pulumi.output("org-42") },
    });
    const registration = run.byName("conn-registration");
    const inputs = unwrapSecrets(registration.inputs) as Record<string, unknown>;
    expect(inputs).toMatchObject({ mpnId: "12a4", domain: "bücher.example", orgId: "org-42" });
    // The component let them through; the provider's own check refused them once they were known,
    // and that is the run's only error (reported once per output that waited on the registration).
    expect(registration.op).toBe("failed");
    expect(run.errors).not.toEqual([]);
    expect(new Set(run.errors.map((e) => /Check of \S+ failed: .*/.exec(e)?.[0]))).toEqual(
      new Set([
        `Check of ${registration.urn} failed: ` +
          'orgId: must be the Flexera organization ID, digits only; got "org-42"; ' +
          `mpnId: must be the partner's MPN ID, digits only; got "12a4"; ` +
          "domain: must be the partner tenant's default domain, a DNS name such as contoso.onmicrosoft.com; " +
          'got "bücher.example"',
      ]),
    );
  });
});

test("a provider's error is quoted by its first cause, past go-multierror's count line", () => {
  const cause = `Application not found: no applications found matching filter: "appId eq '00000000-0000-0000-0000-000000000000'"`;
  expect(firstLine(new Error(`1 error occurred:\n\t* ${cause}\n\n`))).toBe(cause);
  expect(
    firstLine(
      new Error(`invoking azuread:index/getApplication:getApplication: 1 error occurred:\n\t* ${cause}`),
    ),
  ).toBe(cause);
  expect(firstLine(new Error(`${cause}\nmore`))).toBe(cause);
});
