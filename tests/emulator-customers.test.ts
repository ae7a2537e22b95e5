/**
 * The emulator's CSP customers (docs/optima-api.md §2): a customer's bill connect carries its
 * "Customer Tenant" scope, read back on show and list; the scope is fixed (PATCH refuses it);
 * the 409 rule counts the customer tenant (the emulator's choice, §6). Plain `fetch` only, as in
 * tests/emulator.test.ts: nothing from `components/`. Then the registration client against it:
 * a customer's bill connect is made beside the partner's own, and one made by hand is adopted.
 * The partner, its org and its Web App are the tests' (./support/registration-inputs).
 */
import type { OptimaClient } from "../components/optima/client";
import { createOrAdoptRegistration } from "../components/optima/registrations";
import { targetMapping } from "../components/optima/targets";
import { callEmulator, emulatorAccessToken, type EmulatorAnswer } from "./support/emulator-fetch";
import { emulatorPerFile } from "./support/emulator-per-file";
import { unretriedEmulatorClient } from "./support/emulator-client";
import { APP_ID, ORG, TENANT, billInputs } from "./support/registration-inputs";

const CUSTOMER = "c0570000-0000-4000-8000-000000000001";
const SECRET = "sentinel-customer-secret-DDDD";

const bed = emulatorPerFile();
let token: string;

/** A call with the token; no answer may echo the secret. */
async function call(method: string, path: string, json?: unknown): Promise<EmulatorAnswer> {
  const answer = await callEmulator(bed.emulator, token, method, path, json);
  expect(answer.text).not.toContain(SECRET);
  return answer;
}

const bills = `/finops-onboarding/v1/orgs/${ORG}/bill-connects`;
const scope = (customerTenantId: string, billingProfileId?: string) => ({
  scopeType: "Customer Tenant",
  customerDetails: { customerTenantId, ...(billingProfileId ? { billingProfileId } : {}) },
});
const body = (extra: Record<string, unknown> = {}) => ({
  clientId: APP_ID,
  clientSecret: SECRET,
  tenantId: TENANT,
  ...extra,
});

beforeEach(async () => {
  bed.emulator.reset();
  // reset() forgets tokens: take a new one.
  token = await emulatorAccessToken(bed.emulator);
});

test("a customer's bill connect keeps its scope, on show and in the list, and holds its secret", async () => {
  const created = await call("POST", `${bills}/azure-csp`, body({ scopeDetails: scope(CUSTOMER, "P-1") }));
  expect(created.status).toBe(201);
  expect(created.json.azureCsp.scopeDetails).toEqual(scope(CUSTOMER, "P-1"));
  const shown = await call("GET", `${bills}/azure-csp/${created.json.id}`);
  expect(shown.json.azureCsp.scopeDetails).toEqual(scope(CUSTOMER, "P-1"));
  const listed = await call("GET", bills);
  expect(
    listed.json.values.map((v: { azureCsp: { scopeDetails: unknown } }) => v.azureCsp.scopeDetails),
  ).toEqual([scope(CUSTOMER, "P-1")]);
  expect(bed.emulator.billConnects(ORG)[0].clientSecret).toBe(SECRET);
});

test("the partner's own bill connect and a customer's coexist in one org; a second one for the customer is a 409", async () => {
  expect((await call("POST", `${bills}/azure-csp`, body())).status).toBe(201);
  expect((await call("POST", `${bills}/azure-csp`, body({ scopeDetails: scope(CUSTOMER) }))).status).toBe(
    201,
  );
  const again = await call(
    "POST",
    `${bills}/azure-csp`,
    body({ scopeDetails: scope(CUSTOMER.toUpperCase()) }),
  );
  expect(again.status).toBe(409);
  expect(again.json.name).toBe("conflict");
  expect((await call("POST", `${bills}/azure-csp`, body())).status).toBe(409);
});

test("the scope is fixed: a PATCH that sends scopeDetails is refused; one with a new secret is not", async () => {
  const created = await call("POST", `${bills}/azure-csp`, body({ scopeDetails: scope(CUSTOMER) }));
  const item = `${bills}/azure-csp/${created.json.id}`;
  const moved = await call("PATCH", item, { scopeDetails: scope("c0570000-0000-4000-8000-000000000002") });
  expect(moved.status).toBe(422);
  expect((await call("PATCH", item, { clientSecret: "next-secret" })).status).toBe(204);
  expect(bed.emulator.billConnects(ORG)[0].scopeDetails).toEqual(scope(CUSTOMER));
  expect(bed.emulator.billConnects(ORG)[0].clientSecret).toBe("next-secret");
});

test.each([
  ["Customer Tenant without customerDetails", { scopeType: "Customer Tenant" }],
  [
    "a customer tenant off the spec's pattern",
    { scopeType: "Customer Tenant", customerDetails: { customerTenantId: "a b" } },
  ],
  ["a scope that is not an object", "Customer Tenant"],
])("a create with %s is refused with 422", async (_label, scopeDetails) => {
  const refused = await call("POST", `${bills}/azure-csp`, body({ scopeDetails }));
  expect(refused.status).toBe(422);
  expect(bed.emulator.billConnects(ORG)).toEqual([]);
});

describe("a customer's bill connect through the registration client (create-or-adopt)", () => {
  const customerSpec = { ...billInputs(SECRET), customerTenantId: CUSTOMER };

  const client = (): OptimaClient => unretriedEmulatorClient(bed.emulator);

  test("is made beside the partner's own bill connect in the same org, never adopting it", async () => {
    const own = bed.emulator.seedBillConnect(ORG, { clientId: APP_ID, tenantId: TENANT });
    const made = await createOrAdoptRegistration(client(), targetMapping("bill-connect"), customerSpec);
    expect(made.adopted).toBe(false);
    expect(made.registration.id).not.toBe(own.id);
    expect(made.registration.customerTenantId).toBe(CUSTOMER);
    expect(
      bed.emulator.billConnects(ORG).map((b) => b.scopeDetails?.customerDetails?.customerTenantId),
    ).toEqual([undefined, CUSTOMER]);
  });

  test("one made by hand for the customer is adopted and given the key; none is duplicated", async () => {
    const handMade = bed.emulator.seedBillConnect(ORG, {
      clientId: APP_ID,
      tenantId: TENANT,
      clientSecret: "hand-made-old-key",
      scopeDetails: scope(CUSTOMER.toUpperCase()),
    });
    const adopted = await createOrAdoptRegistration(client(), targetMapping("bill-connect"), customerSpec);
    expect(adopted).toMatchObject({ adopted: true, registration: { id: handMade.id } });
    expect(bed.emulator.billConnects(ORG).map((b) => [b.id, b.clientSecret])).toEqual([
      [handMade.id, SECRET],
    ]);
  });

  test("one made by hand with another billing profile is refused with what to change, not duplicated", async () => {
    bed.emulator.seedBillConnect(ORG, {
      clientId: APP_ID,
      tenantId: TENANT,
      scopeDetails: scope(CUSTOMER, "P-OLD"),
    });
    await expect(
      createOrAdoptRegistration(client(), targetMapping("bill-connect"), {
        ...customerSpec,
        billingProfileId: "P-NEW",
      }),
    ).rejects.toThrow(
      /with billing profile P-OLD, and a billing profile cannot be changed after creation\. Set billingProfileId to "P-OLD"/,
    );
    expect(bed.emulator.billConnects(ORG)).toHaveLength(1);
  });
});
