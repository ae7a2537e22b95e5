/**
 * OptimaCspConnection under Pulumi mocks, in the awsx manner: every registration is recorded
 * with its inputs and options, invokes without a handler fail, and the assertions are on what
 * the component sends to each child.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
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

const NOW = new Date("2026-03-01T00:00:00Z");
const PLAN = planRotation({ now: NOW });
const SLOT_NAMES = { a: "conn-key-a", b: "conn-key-b" } as const;
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
      "conn-key-a",
      "conn-key-b",
      "conn-key-verification",
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
        { token: TOKENS.getDomains, inputs: { onlyDefault: true } },
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
      expect(ctx.run.byName(`conn-key-${slot}`).inputs).toEqual({
        applicationId: `/applications/${FIXTURE.objectId}`,
        displayName: `optima-csp ${deploymentId} slot ${slot} window ${plan.window} (expires ${plan.endDate.slice(0, 10)})`,
        endDate: plan.endDate,
        rotateWhenChanged: { window: String(plan.window), windowStartsAt: plan.windowStartsAt },
      });
    }
    // 2026-03-01 is in window 13 (from 2026-02-19): slot b is active and expires 180 days later.
    expect(PLAN.activeSlot).toBe("b");
    expect(ctx.run.byName("conn-key-b").inputs.endDate).toBe("2026-08-18T00:00:00Z");
    expect(ctx.run.byName("conn-key-a").inputs.endDate).toBe("2026-06-19T00:00:00Z");
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
    expect(String(run.byName("east-key-a").inputs.displayName)).toContain(eastId);
    expect(String(run.byName("west-key-a").inputs.displayName)).toContain(westId);
  });
});

describe("adopting the Web App", () => {
  /** The inputs `azuread.ApplicationRegistration` manages, read from the installed provider's declarations. */
  function registrationInputNames(): string[] {
    const dts = readFileSync(
      path.join(
        path.dirname(require.resolve("@pulumi/azuread/package.json")),
        "applicationRegistration.d.ts",
      ),
      "utf8",
    );
    const body = /export interface ApplicationRegistrationArgs \{([\s\S]*?)\n\}/.exec(dts)?.[1] ?? "";
    return [...body.matchAll(/^ {4}(\w+)\??:/gm)].map((m) => m[1]);
  }

  test("imports the registration by object ID, ignores every managed input, retains it on delete: nothing to change", async () => {
    const invokes = without(azureAdInvokes(), TOKENS.getApplication);
    const { run, connection } = await deploy(
      { webApp: { clientId: FIXTURE.clientId, objectId: FIXTURE.objectId, adopt: true } },
      invokes,
    );

    const app = run.byName("conn-web-app");
    expect(app.type).toBe(TYPES.appRegistration);
    expect(app.op).toBe("import");
    expect(app.importId).toBe(`/applications/${FIXTURE.objectId}`);
    expect(app.retainOnDelete).toBe(true);
    const managed = registrationInputNames();
    expect(managed.length).toBeGreaterThan(10);
    expect([...app.ignoreChanges].sort()).toEqual([...managed].sort());
    // Every input sent is ignored, so the import can never be followed by an update.
    for (const input of Object.keys(app.inputs)) {
      expect(app.ignoreChanges).toContain(input);
    }
    expect(app.parent).toBe(run.byName("conn").urn);

    expect(run.invokes.map((i) => i.token)).not.toContain(TOKENS.getApplication);
    for (const slot of ["conn-key-a", "conn-key-b"]) {
      expect(run.byName(slot).inputs.applicationId).toBe(`/applications/${FIXTURE.objectId}`);
      expect(run.byName(slot).dependencies).toContain(app.urn);
    }
    expect(await valueOf(connection.applicationObjectId)).toBe(FIXTURE.objectId);
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

/** The run failed, and every error it reported ends with `message` (Pulumi prefixes the property path). */
function expectFailure(run: { errors: string[] }, message: string): void {
  expect(run.errors.length).toBeGreaterThan(0);
  for (const error of run.errors) {
    expect(error.endsWith(message) ? message : error).toBe(message);
  }
}

describe("failures", () => {
  test("a Web App that cannot be found names the client ID, the permission and where to register one; no key is made", async () => {
    const unknownClient = "deadbeef-0000-4000-8000-000000000000";
    const { run } = await deploy({ webApp: { clientId: unknownClient } });
    expectFailure(
      run,
      `Could not find the Partner Center Web App with Application (client) ID ${unknownClient} in the tenant Pulumi ` +
        "is signed in to. Check that the ID is the Web App's Application (client) ID, that the deploying identity can " +
        "read it (Microsoft Graph permission Application.Read.All, or ownership of the app), and that a Web App is " +
        "registered in Partner Center → Account settings → App management. (Azure AD said: Could not find " +
        `application with client ID "${unknownClient}")`,
    );
    expect(run.ofType(TYPES.password)).toEqual([]);
    expect(run.ofType(TYPES.verification)).toEqual([]);
    expect(run.ofType(TYPES.registration)).toEqual([]);
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

  test("a default domain that cannot be read says which permission discovers it; Optima is not called", async () => {
    const invokes = {
      ...azureAdInvokes(),
      [TOKENS.getDomains]: () => {
        throw invokeError("Authorization_RequestDenied: Insufficient privileges to complete the operation.");
      },
    };
    const { run } = await deploy({}, invokes);
    expectFailure(
      run,
      "Could not read the tenant's default domain to register with Optima: the deploying identity needs the Microsoft " +
        "Graph permission Domain.Read.All to discover it. Grant it, or set domain explicitly (e.g. contoso.onmicrosoft.com). " +
        "(Azure AD said: Authorization_RequestDenied: Insufficient privileges to complete the operation.)",
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
      'webApp.clientId must be the Partner Center Web App\'s Application (client) ID, a GUID such as 00000000-0000-0000-0000-000000000000; got "my-web-app".',
    ],
    [
      "adopt without an object ID",
      { webApp: { clientId: FIXTURE.clientId, adopt: true } },
      "webApp.adopt requires webApp.objectId: an import ID must be known when the program starts. Find it in Entra ID → " +
        "App registrations → the Web App → Overview → Object ID (not the Application (client) ID).",
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
      "an MPN ID with a letter",
      { mpnId: "12a4" },
      'mpnId must be the partner\'s MPN ID, digits only; got "12a4".',
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
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    let thrown: unknown;
    const run = await engine.run(() => {
      try {
        return new OptimaCspConnection("conn", { ...baseArgs, ...args });
      } catch (error) {
        thrown = error;
        return undefined;
      }
    });
    expect((thrown as Error | undefined)?.message).toBe(message);
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
    expect(run.errors).toEqual([]);
    const inputs = unwrapSecrets(run.byName("conn-registration").inputs) as Record<string, unknown>;
    expect(inputs).toMatchObject({ mpnId: "12a4", domain: "bücher.example", orgId: "org-42" });
  });
});
