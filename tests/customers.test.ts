/**
 * CSP customers of OptimaCspConnection: the `customers` argument's checks (exact messages, before
 * anything is registered or looked up), the wiring of each customer's bill connect under Pulumi
 * mocks, and the registration provider's rules for a customer's scope (check, diff, wire body).
 */
import { OptimaCspConnection, OptimaCspConnectionArgs } from "../components/azure/cspConnection";
import { checkCustomers } from "../components/azure/customers";
import { CHILD_ORG_TOKEN, useChildProviders } from "../components/plugin/children";
import { planRotation } from "../components/azure/rotation";
import { diffRegistration } from "../components/optima/diff";
import {
  targetMapping,
  type RegistrationInputs,
  type RemoteRegistration,
} from "../components/optima/targets";
import { isSamePartnership } from "../components/optima/targets";
import { checkRegistration } from "../components/optima/validation";
import { FIXTURE, FakeEngine, azureAdInvokes, importableApp, unwrapSecrets } from "./support/mocks";
import { refusedConstruction } from "./support/refusal";

const NOW = new Date("2026-03-01T00:00:00Z");
const PLAN = planRotation({ now: NOW });
const ACTIVE = `conn-key-w${PLAN.window}`;
const PREVIOUS = `conn-key-w${PLAN.window - 1}`;
const T1 = "11111111-1111-4111-8111-111111111111";
const T2 = "22222222-2222-4222-8222-222222222222";

const baseArgs: OptimaCspConnectionArgs = {
  webApp: { clientId: FIXTURE.clientId },
  mpnId: FIXTURE.mpnId,
  optima: { orgId: FIXTURE.orgId },
  now: NOW,
};

async function deploy(args: Partial<OptimaCspConnectionArgs>) {
  const engine = new FakeEngine({ invokes: azureAdInvokes(), importable: importableApp() });
  const run = await engine.run(() => new OptimaCspConnection("conn", { ...baseArgs, ...args }));
  return run;
}

describe("each customer's bill connect", () => {
  let run: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    run = await deploy({
      customers: [
        { tenantId: T1, orgId: "20001" },
        {
          tenantId: T2.toUpperCase(),
          orgId: "20002",
          billingProfileId: "ABCD-EFGH-IJK-LMN",
          retainOnDelete: false,
        },
      ],
    });
  });

  test("is a bill-connect registration in the customer's org with its scope, holding the active key", () => {
    expect(run.errors).toEqual([]);
    const first = run.byName(`conn-customer-${T1}`);
    expect(first.parent).toBe(run.byName("conn").urn);
    expect(unwrapSecrets(first.inputs)).toMatchObject({
      target: "bill-connect",
      orgId: "20001",
      applicationId: FIXTURE.clientId,
      applicationSecret: run.byName(ACTIVE).outputs.value,
      keyId: run.byName(ACTIVE).outputs.keyId,
      tenantId: FIXTURE.tenantId,
      customerTenantId: T1,
    });
    expect(first.inputs).not.toHaveProperty("billingProfileId");
    // Named by the tenant in lower case, whatever case the entry used.
    expect(unwrapSecrets(run.byName(`conn-customer-${T2}`).inputs)).toMatchObject({
      orgId: "20002",
      customerTenantId: T2,
      billingProfileId: "ABCD-EFGH-IJK-LMN",
    });
  });

  test("depends on the active key's verification, like the partnership's, and never on the previous key", () => {
    for (const name of [`conn-customer-${T1}`, `conn-customer-${T2}`]) {
      const r = run.byName(name);
      expect(r.dependencies).toEqual(
        expect.arrayContaining([run.byName("conn-key-verification").urn, run.byName(ACTIVE).urn]),
      );
      expect(r.dependencies).not.toContain(run.byName(PREVIOUS).urn);
    }
  });

  test("is retained on delete by default, not when the entry says so; a retained one keeps the active key", () => {
    expect(run.byName(`conn-customer-${T1}`).retainOnDelete).toBe(true);
    expect(run.byName(`conn-customer-${T2}`).retainOnDelete).toBe(false);
    expect(run.byName(ACTIVE).retainOnDelete).toBe(true);
    expect(run.byName(PREVIOUS).retainOnDelete).toBe(false);
    expect(run.byName("conn-registration").retainOnDelete).toBeUndefined();
  });

  test("with no customer retained, no key is retained", async () => {
    const none = await deploy({ customers: [{ tenantId: T1, orgId: "20001", retainOnDelete: false }] });
    expect(none.byName(ACTIVE).retainOnDelete).toBeUndefined();
  });

  test("without customers there is no customer registration", async () => {
    const none = await deploy({});
    expect(none.registrations.filter((r) => r.name.includes("-customer-"))).toEqual([]);
  });
});

describe("a customer with childOrg", () => {
  const T3 = "33333333-3333-4333-8333-333333333333";
  const owners = [{ email: "finops@partner.example", firstName: "Fin", lastName: "Ops" }];
  let run: Awaited<ReturnType<typeof deploy>>;
  beforeAll(async () => {
    run = await deploy({
      customers: [
        { tenantId: T1, name: "Contoso", childOrg: { owners } },
        { tenantId: T2, childOrg: { owners, parentOrgId: "777", name: "Fabrikam", retainOnDelete: false } },
        { tenantId: T3, orgId: "20003" },
      ],
    });
  });

  test("gets a child org under the partnership's org (or its parentOrgId), with the tenant as externalId and defaults", () => {
    expect(run.errors).toEqual([]);
    const first = run.byName(`conn-child-org-${T1}`);
    expect(first.parent).toBe(run.byName("conn").urn);
    expect(first.inputs).toMatchObject({
      parentOrgId: FIXTURE.orgId,
      customerTenantId: T1,
      name: "Contoso",
      owners,
      capabilities: ["optima", "policy"],
    });
    expect(run.byName(`conn-child-org-${T2}`).inputs).toMatchObject({ parentOrgId: "777", name: "Fabrikam" });
    expect(run.registrations.filter((r) => r.name === `conn-child-org-${T3}`)).toEqual([]);
  });

  test("is retained on delete unless its childOrg says false", () => {
    expect(run.byName(`conn-child-org-${T1}`).retainOnDelete).toBe(true);
    expect(run.byName(`conn-child-org-${T2}`).retainOnDelete).toBe(false);
  });

  test("holds the customer's bill connect: its org is the child org's ID, and it depends on the child org", () => {
    for (const tenant of [T1, T2]) {
      const child = run.byName(`conn-child-org-${tenant}`);
      const bill = run.byName(`conn-customer-${tenant}`);
      expect(bill.inputs.orgId).toBe(child.outputs.orgId);
      expect(bill.dependencies).toContain(child.urn);
    }
    expect(run.byName(`conn-customer-${T3}`).inputs.orgId).toBe("20003");
  });

  test("in the provider plugin it is the plugin's ChildOrg, with the same inputs and the same wiring", async () => {
    useChildProviders("plugin");
    let plugin: Awaited<ReturnType<typeof deploy>>;
    try {
      plugin = await deploy({ customers: [{ tenantId: T1, name: "Contoso", childOrg: { owners } }] });
    } finally {
      useChildProviders("dynamic");
    }
    expect(plugin.errors).toEqual([]);
    const child = plugin.byName(`conn-child-org-${T1}`);
    expect(child.type).toBe(CHILD_ORG_TOKEN);
    expect(child.retainOnDelete).toBe(true);
    // The same properties, less the serialized provider only a dynamic resource carries.
    const { __provider: _provider, ...dynamicInputs } = run.byName(`conn-child-org-${T1}`).inputs;
    expect(child.inputs).toEqual(dynamicInputs);
    const bill = plugin.byName(`conn-customer-${T1}`);
    expect(bill.inputs.orgId).toBe(child.outputs.orgId);
    expect(bill.dependencies).toContain(child.urn);
  });
});

describe("the customers argument is checked before anything is registered or looked up", () => {
  const cases: [string, unknown, string][] = [
    [
      "not a list",
      { tenantId: T1 },
      "customers must be a list of customers, each {tenantId, orgId, billingProfileId?, billingAccountId?}; got an object.",
    ],
    [
      "an entry that is not an object",
      ["x"],
      'customers[0] must be an object {tenantId, orgId, …}; got "x".',
    ],
    [
      "a tenant that is not a GUID",
      [{ tenantId: "contoso", orgId: "1" }],
      `customers[0].tenantId must be the CSP customer's Entra ID tenant ID (Partner Center's Microsoft ID), a GUID like aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got "contoso".`,
    ],
    [
      "no tenant",
      [{ orgId: "1" }],
      "customers[0].tenantId is required: the customer's Entra ID tenant ID (Partner Center's Microsoft ID).",
    ],
    [
      "no org",
      [{ tenantId: T1 }],
      "customers[0].orgId is required: the Flexera organization ID that shows this customer's costs (or childOrg, to make its org).",
    ],
    [
      "an org that is not digits",
      [{ tenantId: T1, orgId: "acme" }],
      'customers[0].orgId must be the Flexera organization ID, digits only; got "acme".',
    ],
    [
      "the same tenant twice, in any case",
      [
        { tenantId: T1, orgId: "1" },
        { tenantId: T1.toUpperCase(), orgId: "2" },
      ],
      `customers[1].tenantId ${T1} is also customers[0]: each customer tenant has one bill connect in this stack. Remove one entry (several tenants may share an org; one tenant cannot have two).`,
    ],
    [
      "a misspelt key",
      [{ tenantID: T1, orgId: "1" }],
      'customers[0] has an unknown key "tenantID"; the keys are tenantId, orgId, billingProfileId, billingAccountId, name, retainOnDelete, childOrg.',
    ],
    [
      "a billing profile with a space",
      [{ tenantId: T1, orgId: "1", billingProfileId: "AB CD" }],
      'customers[0].billingProfileId must be a billing profile ID: 1 to 128 letters, digits, "-" and "_"; got "AB CD".',
    ],
    [
      "a billing account of the wrong form",
      [{ tenantId: T1, orgId: "1", billingAccountId: "x" }],
      'customers[0].billingAccountId must be an MCA billing account ID of the form GUID:GUID_YYYY-MM-DD; got "x".',
    ],
    [
      "both orgId and childOrg",
      [
        {
          tenantId: T1,
          orgId: "1",
          childOrg: { owners: [{ email: "a@b.c", firstName: "A", lastName: "B" }] },
        },
      ],
      "customers[0] has both orgId and childOrg: with childOrg the customer's bill connect goes into its child org. Leave out orgId (the parent is childOrg.parentOrgId), or leave out childOrg to use an org that exists.",
    ],
    [
      "a child org without owners",
      [{ tenantId: T1, childOrg: {} }],
      "customers[0].childOrg.owners is required: at least one {email, firstName, lastName}, the users given the org owner role (the API requires one).",
    ],
    [
      "a child org owner without a last name",
      [{ tenantId: T1, childOrg: { owners: [{ email: "a@b.c", firstName: "A" }] } }],
      "customers[0].childOrg.owners[0].lastName is required, a non-empty string.",
    ],
    [
      "a child org owner whose email is not one",
      [{ tenantId: T1, childOrg: { owners: [{ email: "ab.c", firstName: "A", lastName: "B" }] } }],
      'customers[0].childOrg.owners[0].email must be an email address; got "ab.c".',
    ],
    [
      "a child org with a misspelt key",
      [
        {
          tenantId: T1,
          childOrg: { owner: [], owners: [{ email: "a@b.c", firstName: "A", lastName: "B" }] },
        },
      ],
      'customers[0].childOrg has an unknown key "owner"; the keys are parentOrgId, name, description, owners, capabilities, retainOnDelete.',
    ],
    [
      "a child org parent that is not digits",
      [
        {
          tenantId: T1,
          childOrg: { parentOrgId: "acme", owners: [{ email: "a@b.c", firstName: "A", lastName: "B" }] },
        },
      ],
      'customers[0].childOrg.parentOrgId must be the MSP parent org ID, digits only; got "acme".',
    ],
    [
      "a child org capability that is not a name",
      [
        {
          tenantId: T1,
          childOrg: {
            capabilities: ["op tima"],
            owners: [{ email: "a@b.c", firstName: "A", lastName: "B" }],
          },
        },
      ],
      'customers[0].childOrg.capabilities[0] must be a capability name (letters, digits, "-" and "_"), e.g. "optima"; got "op tima".',
    ],
    [
      "a customer name too long to be its child org's name",
      [
        {
          tenantId: T1,
          name: "x".repeat(513),
          childOrg: { owners: [{ email: "a@b.c", firstName: "A", lastName: "B" }] },
        },
      ],
      "customers[0].name is the child org's name (no childOrg.name is given), and an org's name is at most 512 characters: give childOrg.name.",
    ],
    [
      "a child org retainOnDelete not a boolean",
      [
        {
          tenantId: T1,
          childOrg: { retainOnDelete: "no", owners: [{ email: "a@b.c", firstName: "A", lastName: "B" }] },
        },
      ],
      'customers[0].childOrg.retainOnDelete must be true or false; got "no".',
    ],
    [
      "retainOnDelete not a boolean",
      [{ tenantId: T1, orgId: "1", retainOnDelete: "no" }],
      'customers[0].retainOnDelete must be true or false; got "no".',
    ],
  ];

  test.each(cases)("%s", async (_label, customers, message) => {
    const { message: refusal, run } = await refusedConstruction({
      ...baseArgs,
      customers: customers as never,
    });
    expect(refusal).toBe(message);
    expect(run.registrations.map((r) => r.type)).toEqual(["optima-csp:azure:CspConnection"]);
    expect(run.invokes).toEqual([]);
  });

  test("stack config: an org ID written as a YAML number is taken as its digits; messages name the config key", () => {
    expect(checkCustomers([{ tenantId: T1, orgId: 20001 }], "optima-csp:optimaCustomers")).toEqual([
      { tenantId: T1, orgId: "20001", retainOnDelete: true },
    ]);
    expect(() => checkCustomers([{ tenantId: T1, orgId: 1.5 }], "optima-csp:optimaCustomers")).toThrow(
      "optima-csp:optimaCustomers[0].orgId must be a string; got a number.",
    );
    expect(checkCustomers(undefined, "x")).toEqual([]);
  });
});

describe("the registration provider's rules for a customer's scope", () => {
  const customer: RegistrationInputs = {
    target: "bill-connect",
    orgId: "20001",
    applicationId: FIXTURE.clientId,
    applicationSecret: "s3cret-value",
    tenantId: FIXTURE.tenantId,
    customerTenantId: T1,
  };

  test("the create body carries scopeDetails Customer Tenant; the PATCH body never does", () => {
    const m = targetMapping("bill-connect");
    expect(m.createBody({ ...customer, billingProfileId: "P1" })).toEqual({
      clientId: FIXTURE.clientId,
      clientSecret: "s3cret-value",
      tenantId: FIXTURE.tenantId,
      scopeDetails: {
        scopeType: "Customer Tenant",
        customerDetails: { customerTenantId: T1, billingProfileId: "P1" },
      },
    });
    expect(m.updateBody(customer)).not.toHaveProperty("scopeDetails");
    expect(m.createBody({ ...customer, customerTenantId: undefined })).not.toHaveProperty("scopeDetails");
  });

  test("a different customer tenant or billing profile replaces the bill connect; a new key updates it", () => {
    expect(diffRegistration(customer, { ...customer, customerTenantId: T2 }).replaces).toEqual([
      "customerTenantId",
    ]);
    expect(diffRegistration(customer, { ...customer, billingProfileId: "P2" }).replaces).toEqual([
      "billingProfileId",
    ]);
    expect(diffRegistration(customer, { ...customer, customerTenantId: T1.toUpperCase() }).changes).toBe(
      false,
    );
    const rotated = diffRegistration(customer, { ...customer, applicationSecret: "next" });
    expect(rotated.replaces).toEqual([]);
    expect(rotated.updates).toEqual(["applicationSecret"]);
  });

  test("a customer's bill connect and the partnership's own, on one tenant, are never taken for each other", () => {
    const m = targetMapping("bill-connect");
    const parsed = (scope?: Record<string, unknown>): RemoteRegistration =>
      m.parseRegistration(
        {
          id: "cbi-oi-azure-csp-1",
          kind: "finops:bill-connect-cbi-oi-azure-csp",
          azureCsp: {
            clientId: FIXTURE.clientId,
            tenantId: FIXTURE.tenantId,
            ...(scope ? { scopeDetails: scope } : {}),
          },
        },
        "GET x",
      );
    const own = parsed();
    const ofT1 = parsed({
      scopeType: "Customer Tenant",
      customerDetails: { customerTenantId: T1.toUpperCase() },
    });
    expect(ofT1.customerTenantId).toBe(T1.toUpperCase());
    expect(isSamePartnership(m, customer, ofT1)).toBe(true);
    expect(isSamePartnership(m, customer, own)).toBe(false);
    expect(isSamePartnership(m, { ...customer, customerTenantId: undefined }, ofT1)).toBe(false);
    expect(isSamePartnership(m, { ...customer, customerTenantId: T2 }, ofT1)).toBe(false);
  });

  test("check: customer fields belong to bill-connect, a billing profile to a customer", () => {
    const failures = (news: Record<string, unknown>) => checkRegistration(news).failures;
    expect(failures({ ...customer })).toEqual([]);
    expect(failures({ ...customer, customerTenantId: "nope" }).map((f) => f.property)).toEqual([
      "customerTenantId",
    ]);
    expect(failures({ ...customer, customerTenantId: undefined, billingProfileId: "P1" })).toEqual([
      {
        property: "billingProfileId",
        reason: "needs customerTenantId: a billing profile scopes a CSP customer's bill connect",
      },
    ]);
    expect(
      failures({
        target: "csp-partner",
        orgId: "1",
        mpnId: "1",
        domain: "a.b",
        applicationId: FIXTURE.clientId,
        applicationSecret: "x",
        customerTenantId: T1,
      }),
    ).toEqual([
      {
        property: "customerTenantId",
        reason: 'applies only to target "bill-connect" (a CSP customer\'s bill connect)',
      },
    ]);
  });
});
