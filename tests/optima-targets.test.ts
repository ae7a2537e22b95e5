/**
 * The wire mapping of both registration targets (components/optima/targets.ts): paths, bodies,
 * response parsing and partnership identity. Pure; no server.
 */
import {
  BILL_CONNECT_KIND,
  CSP_PARTNER_WIRE,
  createdId,
  nextPageOf,
  describePartnership,
  isSamePartnership,
  normalizeMpnId,
  parseValidation,
  partnershipKey,
  targetMapping,
  type RegistrationInputs,
} from "../components/optima/targets";
import { APP_ID, ORG, TENANT, billInputs, cspInputs } from "./support/registration-inputs";

const BILLING = `${TENANT}:${APP_ID}_2024-01-31`;

const csp: RegistrationInputs = cspInputs("not-a-real-secret");
const bill: RegistrationInputs = { ...billInputs("not-a-real-secret"), billingAccountId: BILLING };

describe("csp-partner mapping", () => {
  const m = targetMapping("csp-partner");

  it("talks to the Cost Management API on the Optima host", () => {
    expect(m.host).toBe("optima");
    expect(m.collectionPath("42")).toBe("/analytics/orgs/42/azure_csp_partners");
    expect(m.listPath("42")).toBe("/analytics/orgs/42/azure_csp_partners");
    expect(m.itemPath("42", "7")).toBe("/analytics/orgs/42/azure_csp_partners/7");
    expect(m.validationPath).toBeUndefined();
  });

  it("escapes path segments", () => {
    expect(m.itemPath("4/2", "a b")).toBe("/analytics/orgs/4%2F2/azure_csp_partners/a%20b");
  });

  it("sends the inferred snake_case fields on create, and never the MPN ID on update", () => {
    expect(m.createBody(csp)).toEqual({
      mpn_id: "1234567",
      domain: "contoso.onmicrosoft.com",
      application_id: APP_ID,
      application_secret: "not-a-real-secret",
    });
    expect(m.updateBody({ ...csp, domain: "new.example.com" })).toEqual({
      domain: "new.example.com",
      application_id: APP_ID,
      application_secret: "not-a-real-secret",
    });
    expect(Object.values(CSP_PARTNER_WIRE)).toEqual([
      "mpn_id",
      "domain",
      "application_id",
      "application_secret",
    ]);
  });

  it("parses a show answer, numbers included, and never reads a secret from it", () => {
    const parsed = m.parseRegistration(
      {
        id: 7,
        href: "/analytics/orgs/42/azure_csp_partners/7",
        mpn_id: 1234567,
        domain: "contoso.onmicrosoft.com",
        application_id: APP_ID,
        application_secret: "should-be-ignored",
        created_at: "2026-01-01T00:00:00Z",
        updated_at: "2026-01-02T00:00:00Z",
      },
      "GET x",
    );
    expect(parsed).toEqual({
      id: "7",
      href: "/analytics/orgs/42/azure_csp_partners/7",
      mpnId: "1234567",
      domain: "contoso.onmicrosoft.com",
      applicationId: APP_ID,
      createdAt: "2026-01-01T00:00:00Z",
      updatedAt: "2026-01-02T00:00:00Z",
      readOnly: false,
    });
    expect(JSON.stringify(parsed)).not.toContain("should-be-ignored");
  });

  it("lists ids only when the list does not carry the MPN ID, full registrations when it does", () => {
    const listed = m.parseList(
      [
        { id: "1", href: "/x/1", created_at: "t", updated_at: "t" },
        { id: "2", href: "/x/2", mpn_id: "999", domain: "a.example.com", application_id: APP_ID },
      ],
      "GET x",
    );
    expect(listed[0]).toEqual({ id: "1" });
    expect(listed[1].id).toBe("2");
    expect(listed[1].registration?.mpnId).toBe("999");
  });

  it("rejects answers of the wrong shape without quoting them", () => {
    expect(() => m.parseList({ values: [] }, "GET /analytics/orgs/42/azure_csp_partners")).toThrow(
      "Optima's answer to GET /analytics/orgs/42/azure_csp_partners is not in the expected shape: expected a JSON array",
    );
    expect(() => m.parseRegistration({ domain: "secret-ish" }, "GET y")).toThrow(/expected an "id"/);
    try {
      m.parseRegistration({ domain: "secret-ish" }, "GET y");
    } catch (error) {
      expect((error as Error).message).not.toContain("secret-ish");
    }
  });

  it("identifies a partnership by MPN ID, ignoring leading zeros", () => {
    expect(normalizeMpnId(" 0001234567 ")).toBe("1234567");
    expect(normalizeMpnId("0")).toBe("0");
    expect(partnershipKey(m, { mpnId: "01234567" })).toBe("1234567");
    expect(isSamePartnership(m, csp, { id: "1", mpnId: "01234567", readOnly: false })).toBe(true);
    expect(isSamePartnership(m, csp, { id: "1", mpnId: "7654321", readOnly: false })).toBe(false);
    expect(isSamePartnership(m, csp, { id: "1", readOnly: false })).toBe(false);
    expect(describePartnership(m, csp)).toBe(
      `Azure CSP partnership for MPN ID 1234567 in Flexera org ${ORG}`,
    );
  });
});

describe("bill-connect mapping", () => {
  const m = targetMapping("bill-connect");

  it("talks to FinOps Onboarding on the Flexera host, and lists through the generic list", () => {
    expect(m.host).toBe("flexera");
    expect(m.collectionPath("42")).toBe("/finops-onboarding/v1/orgs/42/bill-connects/azure-csp");
    expect(m.listPath("42")).toBe("/finops-onboarding/v1/orgs/42/bill-connects");
    expect(m.itemPath("42", "cbi-oi-azure-csp-ab")).toBe(
      "/finops-onboarding/v1/orgs/42/bill-connects/azure-csp/cbi-oi-azure-csp-ab",
    );
    expect(m.validationPath?.("42", "cbi-oi-azure-csp-ab")).toBe(
      "/finops-onboarding/v1/orgs/42/bill-connects/azure-csp/cbi-oi-azure-csp-ab/validation",
    );
  });

  it("sends camelCase fields; billingAccountId only on create and only when given", () => {
    expect(m.createBody(bill)).toEqual({
      clientId: APP_ID,
      clientSecret: "not-a-real-secret",
      tenantId: TENANT,
      billingAccountId: BILLING,
    });
    expect(m.createBody({ ...bill, billingAccountId: undefined })).not.toHaveProperty("billingAccountId");
    expect(m.updateBody(bill)).toEqual({
      clientId: APP_ID,
      clientSecret: "not-a-real-secret",
      tenantId: TENANT,
    });
  });

  it("keeps only azure-csp bill connects from the generic list", () => {
    const listed = m.parseList(
      {
        kind: "finops:generic-bill-list",
        values: [
          { id: "aws-1", kind: "finops:bill-connect-aws" },
          {
            id: "cbi-oi-azure-csp-1",
            kind: BILL_CONNECT_KIND,
            azureCsp: { clientId: APP_ID, tenantId: TENANT, onboardingOrigin: "platform" },
          },
          { id: "cbi-oi-azure-csp-2" },
        ],
      },
      "GET x",
    );
    expect(listed.map((l) => l.id)).toEqual(["cbi-oi-azure-csp-1", "cbi-oi-azure-csp-2"]);
    expect(listed[0].registration).toMatchObject({ tenantId: TENANT, applicationId: APP_ID, readOnly: true });
    expect(listed[1].registration).toBeUndefined();
  });

  it("identifies a bill connect by tenant, in any letter case", () => {
    expect(isSamePartnership(m, bill, { id: "x", tenantId: TENANT.toUpperCase(), readOnly: false })).toBe(
      true,
    );
    expect(isSamePartnership(m, bill, { id: "x", tenantId: APP_ID, readOnly: false })).toBe(false);
    expect(describePartnership(m, bill)).toBe(
      `azure-csp bill connect for tenant ${TENANT} in Flexera org ${ORG}`,
    );
  });

  it("parses a validation answer", () => {
    expect(parseValidation({ billId: "b", kind: "k", valid: true }, "GET v")).toEqual({ valid: true });
    expect(parseValidation({ valid: false, error: "AADSTS7000215" }, "GET v")).toEqual({
      valid: false,
      error: "AADSTS7000215",
    });
    expect(() => parseValidation({ valid: "yes" }, "GET v")).toThrow(/boolean "valid"/);
  });
});

describe("targetMapping", () => {
  it("defaults to csp-partner and names the valid targets for an unknown one", () => {
    expect(targetMapping(undefined).target).toBe("csp-partner");
    expect(() => targetMapping("azure-ea")).toThrow(
      'unknown registration target "azure-ea"; expected one of "csp-partner" or "bill-connect"',
    );
  });

  it("declares which inputs identify, change in place and are required", () => {
    expect(targetMapping("csp-partner").identityFields).toEqual(["orgId", "mpnId"]);
    expect(targetMapping("bill-connect").identityFields).toEqual([
      "orgId",
      "tenantId",
      "billingAccountId",
      "customerTenantId",
      "billingProfileId",
    ]);
    expect(targetMapping("csp-partner").requiredFields).toEqual(
      expect.arrayContaining(["mpnId", "domain", "applicationId", "applicationSecret", "orgId"]),
    );
    expect(targetMapping("bill-connect").requiredFields).toEqual(
      expect.arrayContaining(["tenantId", "applicationId", "applicationSecret", "orgId"]),
    );
  });
});

describe("createdId", () => {
  it("takes the body's id, else the Location header's last segment", () => {
    expect(createdId({ id: 12 }, "/x/99", "POST x")).toBe("12");
    expect(createdId(undefined, "https://h/analytics/orgs/1/azure_csp_partners/99?x=1", "POST x")).toBe("99");
    expect(createdId("", "/a/cbi-oi-azure-csp-%61", "POST x")).toBe("cbi-oi-azure-csp-a");
    expect(() => createdId({}, undefined, "POST /p")).toThrow(
      `Optima's answer to POST /p does not say which registration it made: no "id" in the body, and no Location header`,
    );
  });
});

describe("createdId with the collection it created in", () => {
  const collection = "/finops-onboarding/v1/orgs/42/bill-connects/azure-csp";
  const start = `Optima's answer to POST ${collection} does not say which registration it made: no "id" in the body, and `;

  it("refuses a Location that points at the collection", () => {
    for (const location of [collection, `${collection}/`, `https://api.flexera.com${collection}?x=1`]) {
      expect(() => createdId(undefined, location, `POST ${collection}`, collection)).toThrow(
        `${start}its Location header points at the collection, not at one registration`,
      );
    }
  });

  it("refuses a malformed Location with its own error, never a bare URIError", () => {
    let thrown: unknown;
    try {
      createdId(undefined, `${collection}/cbi-%E0%A4%A`, `POST ${collection}`, collection);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).not.toBeInstanceOf(URIError);
    expect((thrown as Error).message).toBe(`${start}its Location header is not a valid URL path (not shown)`);
  });

  it("still takes an ID from a Location that names one registration", () => {
    expect(createdId(undefined, `${collection}/cbi-oi-azure-csp-7`, `POST ${collection}`, collection)).toBe(
      "cbi-oi-azure-csp-7",
    );
  });
});

describe("nextPageOf", () => {
  it("reads a nextPage in the body, then a Link header with rel=next", () => {
    expect(nextPageOf({ values: [], nextPage: "/x?skipToken=a" })).toBe("/x?skipToken=a");
    expect(nextPageOf([], { link: '</x?page=1>; rel="prev", </x?page=3>; rel="next"' })).toBe("/x?page=3");
    expect(nextPageOf([], { link: "<https://h/x?page=2>; rel=next" })).toBe("https://h/x?page=2");
    expect(nextPageOf({ values: [] }, { link: '</x?page=1>; rel="prev"' })).toBeUndefined();
    expect(nextPageOf({ values: [], nextPage: "" })).toBeUndefined();
  });
});
