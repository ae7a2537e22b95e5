/**
 * The emulator's MSP Customer API v2 (docs/optima-api.md §2b), with plain `fetch` only, as in
 * tests/emulator.test.ts: nothing from `components/`, so that the emulator is checked against the
 * contract and not against the client. Each expectation names the rule of §2b it checks.
 */
import { callEmulator, emulatorAccessToken, type EmulatorAnswer } from "./support/emulator-fetch";
import { emulatorPerFile } from "./support/emulator-per-file";

const PARENT = "4242";
const FORBIDDEN = "13";
const TENANT = "c0570000-0000-4000-8000-000000000001";

const bed = emulatorPerFile({ emulator: { forbiddenOrgs: [FORBIDDEN] } });
let token: string;

const call = (method: string, path: string, json?: unknown): Promise<EmulatorAnswer> =>
  callEmulator(bed.emulator, token, method, path, json);

const customers = (parent = PARENT) => `/msp/v2/orgs/${parent}/customers`;
const owner = { email: "finops@partner.example", firstName: "Fin", lastName: "Ops" };
const body = (extra: Record<string, unknown> = {}) => ({
  name: "Contoso Ltd",
  owners: [owner],
  capabilities: [{ name: "optima" }, { name: "policy" }],
  externalId: TENANT,
  ...extra,
});

beforeAll(async () => {
  token = await emulatorAccessToken(bed.emulator);
});

describe("the emulator's MSP Customer API v2", () => {
  it("POST answers 201 with Location /msp/v2/orgs/{parent}/customers/{id} and no body; the index lists it (§2b)", async () => {
    const created = await call("POST", customers(), body());
    expect(created.status).toBe(201);
    expect(created.json).toBeUndefined();
    const location = created.headers.get("location") ?? "";
    expect(location).toMatch(new RegExp(`^/msp/v2/orgs/${PARENT}/customers/\\d+$`));
    const id = Number(location.split("/").pop());

    const index = await call("GET", customers());
    expect(index.status).toBe(200);
    expect(Array.isArray(index.json)).toBe(true);
    expect(index.json).toContainEqual({
      id,
      kind: "msp#customer",
      name: "Contoso Ltd",
      externalId: TENANT,
      numberOfCustomers: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });

    const shown = await call("GET", `${customers()}/${id}`);
    expect(shown.json).toMatchObject({ id, owners: [owner], externalId: TENANT });
    // §2b: iam is always assigned to a child org.
    expect(shown.json.capabilities).toEqual([{ name: "optima" }, { name: "policy" }, { name: "iam" }]);
  });

  it.each([
    ["no name", { name: undefined }],
    ["a name over 512 characters", { name: "x".repeat(513) }],
    ["no owner", { owners: [] }],
    ["no capability", { capabilities: [] }],
    ["a capability off the pattern", { capabilities: [{ name: "op tima" }] }],
    ["an externalId over 256 characters", { externalId: "x".repeat(257) }],
  ])("POST refuses %s with a Goa 400 (§2b required fields and limits)", async (_label, extra) => {
    const answer = await call("POST", customers(), body(extra));
    expect(answer.status).toBe(400);
    expect(answer.contentType).toContain("application/vnd.goa.error");
  });

  it("a parent at its limit answers 409 customer_limit_reached as application/json {name, message} (§2b v2)", async () => {
    bed.emulator.msp.setCustomerLimitReached(PARENT, true);
    try {
      const answer = await call("POST", customers(), body());
      expect(answer.status).toBe(409);
      expect(answer.contentType).toContain("application/json");
      expect(answer.json).toEqual({ name: "customer_limit_reached", message: expect.any(String) });
    } finally {
      bed.emulator.msp.setCustomerLimitReached(PARENT, false);
    }
  });

  it("DELETE answers 204, then 404; an org with children answers 409 organization_has_children (§2b v2)", async () => {
    const parent = await call("POST", customers(), body({ externalId: "parent-of-one" }));
    const parentId = (parent.headers.get("location") ?? "").split("/").pop() ?? "";
    await call("POST", customers(parentId), body({ externalId: "grandchild" }));
    const refused = await call("DELETE", `${customers()}/${parentId}`);
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ name: "organization_has_children" });

    const leaf = bed.emulator.msp.childOrgs(parentId)[0];
    expect((await call("DELETE", `${customers(parentId)}/${leaf.id}`)).status).toBe(204);
    expect((await call("DELETE", `${customers(parentId)}/${leaf.id}`)).status).toBe(404);
    expect((await call("GET", `${customers(parentId)}/${leaf.id}`)).status).toBe(404);
  });

  it("needs a token, and refuses an org where the caller has no role (403, the emulator's stand-in)", async () => {
    const anonymous = await fetch(`${bed.emulator.url}${customers()}`);
    expect(anonymous.status).toBe(401);
    expect((await call("GET", customers(FORBIDDEN))).status).toBe(403);
  });

  it("does not refuse a second org with the same externalId: §2b says nothing of uniqueness, so clients list first", async () => {
    const externalId = "same-external-id";
    expect((await call("POST", customers(), body({ externalId }))).status).toBe(201);
    expect((await call("POST", customers(), body({ externalId }))).status).toBe(201);
    expect(bed.emulator.msp.childOrgs(PARENT).filter((o) => o.externalId === externalId)).toHaveLength(2);
  });
});
