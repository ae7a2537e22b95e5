/**
 * flexeraChildOrgProvider as the engine runs it: serialized the way @pulumi/pulumi does, loaded by
 * the real dynamic-provider host process, driven over gRPC against the emulator's MSP Customer API
 * (docs/optima-api.md §2b). A customer's child org is adopted by its externalId (the customer
 * tenant ID) when one exists, created otherwise, never created twice, read on refresh, and deleted
 * only when the engine asks (the component asks only when the user set retainOnDelete: false).
 */
import { flexeraChildOrgProvider } from "../components/optima/childOrgProvider";
import { startEmulator, type Emulator } from "../tools/emulator";
import { childOrgInputs } from "./support/child-org-inputs";
import { IsolatedHosts, serializeProvider, urnFor, type DynamicHost } from "./support/provider-host";
import { emulatorStackConfig, failureMessage } from "./support/host-env";

const REFRESH_TOKEN = "child-org-host-refresh-token-3b7c";
const PARENT = "4242";
const FORBIDDEN_PARENT = "13";
const TENANT_NEW = "0a1b2c3d-0000-4000-8000-000000000001";
const TENANT_HAND_MADE = "0a1b2c3d-0000-4000-8000-000000000002";
const TENANT_LIMIT = "0a1b2c3d-0000-4000-8000-000000000003";
const TYPE = "pulumi-nodejs:dynamic/optima-csp:ChildOrg";

let emulator: Emulator;
let host: DynamicHost;
const hosts = new IsolatedHosts();
const messages: string[] = [];

const inputs = (customerTenantId: string, parentOrgId = PARENT) =>
  childOrgInputs(parentOrgId, customerTenantId);

const mspRequests = (method: string): number =>
  emulator.requests.filter((r) => r.method === method && r.path.startsWith("/msp/")).length;

beforeAll(async () => {
  emulator = await startEmulator({ refreshTokens: [REFRESH_TOKEN], forbiddenOrgs: [FORBIDDEN_PARENT] });
  hosts.providerText = await serializeProvider(flexeraChildOrgProvider);
  host = await hosts.start();
  await host.configure(emulatorStackConfig(emulator, REFRESH_TOKEN));
});

afterAll(async () => {
  await hosts.closeAll();
  await emulator?.close();
});

describe("the serialized provider", () => {
  it("carries no credential and no Flexera setting, and requires nothing but axios", () => {
    for (const value of [REFRESH_TOKEN, emulator.url]) {
      expect(hosts.providerText).not.toContain(value);
    }
    const required = new Set([...hosts.providerText.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    expect([...required]).toEqual(["axios"]);
  });
});

describe("a customer's child org through the host", () => {
  it("is created with the customer tenant as its externalId, read back, and never changed", async () => {
    const urn = urnFor(TYPE, "new");
    const checked = await host.check(urn, {}, inputs(TENANT_NEW));
    expect(checked.failures).toEqual([]);
    const created = await host.create(urn, checked.inputs);
    const [org] = emulator.msp.childOrgs(PARENT);
    expect(org).toMatchObject({ name: "Contoso Ltd", externalId: TENANT_NEW });
    expect(org.owners).toEqual([{ email: "finops@partner.example", firstName: "Fin", lastName: "Ops" }]);
    expect(created.id).toBe(String(org.id));
    expect(created.properties).toMatchObject({
      orgId: String(org.id),
      orgName: "Contoso Ltd",
      adopted: false,
    });

    const read = await host.read(created.id, urn, created.properties, checked.inputs);
    expect(read.properties).toEqual(created.properties);

    // Another name (or owners) is used only at creation: no change, nothing sent.
    const before = emulator.requests.length;
    expect(
      await host.diff(created.id, urn, read.properties, { ...checked.inputs, name: "Contoso Renamed" }),
    ).toMatchObject({ kind: "none", replaces: [] });
    // Another parent names another org: a replacement.
    expect(
      await host.diff(created.id, urn, read.properties, { ...checked.inputs, parentOrgId: "4343" }),
    ).toMatchObject({ kind: "some", replaces: ["parentOrgId"] });
    expect(emulator.requests.length).toBe(before);
  });

  it("adopts an org made by hand with the customer tenant as externalId (any letter case) instead of making a second", async () => {
    const handMade = emulator.msp.seed(PARENT, {
      name: "By hand",
      externalId: TENANT_HAND_MADE.toUpperCase(),
    });
    const posts = mspRequests("POST");
    const urn = urnFor(TYPE, "hand-made");
    const created = await host.create(urn, (await host.check(urn, {}, inputs(TENANT_HAND_MADE))).inputs);
    expect(created.id).toBe(String(handMade.id));
    expect(created.properties).toMatchObject({ adopted: true, orgName: "By hand" });
    expect(mspRequests("POST")).toBe(posts);
    expect(
      emulator.msp.childOrgs(PARENT).filter((o) => o.externalId?.toLowerCase() === TENANT_HAND_MADE),
    ).toHaveLength(1);
  });

  it("refuses to pick between two orgs with the customer's externalId", async () => {
    const tenant = "0a1b2c3d-0000-4000-8000-000000000009";
    emulator.msp.seed(PARENT, { name: "One", externalId: tenant });
    emulator.msp.seed(PARENT, { name: "Two", externalId: tenant });
    const urn = urnFor(TYPE, "twice");
    const message = await failureMessage(() => host.create(urn, inputs(tenant)), messages);
    expect(message).toContain(`2 child orgs with externalId ${tenant}`);
  });

  it("reads as gone when the org was deleted in Flexera, and deletes (404 counts as done) when asked", async () => {
    const urn = urnFor(TYPE, "gone");
    const tenant = "0a1b2c3d-0000-4000-8000-000000000004";
    const created = await host.create(urn, inputs(tenant));
    await host.delete(created.id, urn, created.properties);
    expect(emulator.msp.childOrgs(PARENT).some((o) => String(o.id) === created.id)).toBe(false);
    expect((await host.read(created.id, urn, created.properties, inputs(tenant))).id).toBe("");
    await host.delete(created.id, urn, created.properties); // already gone: success
  });

  it("says what is wrong: the customer limit, a parent where the role is missing, a bad input", async () => {
    emulator.msp.setCustomerLimitReached(PARENT, true);
    const limit = await failureMessage(
      () => host.create(urnFor(TYPE, "limit"), inputs(TENANT_LIMIT)),
      messages,
    );
    emulator.msp.setCustomerLimitReached(PARENT, false);
    expect(limit).toContain(
      `Could not create the child org of customer ${TENANT_LIMIT} under Flexera org ${PARENT}`,
    );
    expect(limit).toContain("409");

    const forbidden = await failureMessage(
      () => host.create(urnFor(TYPE, "forbidden"), inputs(TENANT_LIMIT, FORBIDDEN_PARENT)),
      messages,
    );
    expect(forbidden).toContain(`Could not list the child orgs under Flexera org ${FORBIDDEN_PARENT}`);

    const checked = await host.check(urnFor(TYPE, "bad"), {}, { ...inputs("not-a-guid"), owners: [] });
    expect(checked.failures.map((f) => f.property).sort()).toEqual(["customerTenantId", "owners"]);
  });

  it("never puts the Optima credential in a message", () => {
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) {
      expect(message).not.toContain(REFRESH_TOKEN);
    }
  });
});
