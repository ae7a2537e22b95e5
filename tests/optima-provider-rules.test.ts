/**
 * The registration provider's check() and diff() rules (components/optima/validation.ts,
 * components/optima/diff.ts), through the provider object itself where it matters: no API call,
 * no credential, failures that name the field.
 */
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";
import { diffRegistration, sameValue, wireValuesChanged } from "../components/optima/diff";
import { optimaRegistrationProvider } from "../components/optima/provider";
import type { RegistrationInputs, RegistrationOutputs } from "../components/optima/targets";
import { checkRegistration, isDomainName } from "../components/optima/validation";
import { UNKNOWN_VALUE } from "../components/unknown";

const APP_ID = "11111111-2222-3333-4444-555555555555";
const TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const BILLING = `${TENANT}:${APP_ID}_2024-01-31`;
const SECRET = "check-rules-secret-value";

const csp = {
  orgId: "42",
  mpnId: "1234567",
  domain: "contoso.onmicrosoft.com",
  applicationId: APP_ID,
  applicationSecret: SECRET,
};
const bill = {
  target: "bill-connect",
  orgId: "42",
  applicationId: APP_ID,
  applicationSecret: SECRET,
  tenantId: TENANT,
};

function failures(news: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(checkRegistration(news).failures.map((f) => [f.property, f.reason]));
}

describe("check", () => {
  it("accepts complete inputs for each target and defaults the target to csp-partner", async () => {
    const result = await optimaRegistrationProvider.check!(
      {} as RegistrationInputs,
      csp as RegistrationInputs,
    );
    expect(result.failures).toBeUndefined();
    expect(result.inputs).toEqual({ ...csp, target: "csp-partner" });
    expect(failures(bill)).toEqual({});
    expect(failures({ ...bill, billingAccountId: BILLING })).toEqual({});
  });

  it("requires mpnId and domain for csp-partner, tenantId for bill-connect", () => {
    expect(failures({ ...csp, mpnId: undefined, domain: undefined })).toEqual({
      mpnId: 'is required for target "csp-partner"',
      domain: 'is required for target "csp-partner"',
    });
    expect(failures({ ...bill, tenantId: undefined })).toEqual({
      tenantId: 'is required for target "bill-connect"',
    });
    // bill-connect does not need an MPN ID or domain.
    expect(failures({ ...bill, mpnId: undefined, domain: undefined })).toEqual({});
  });

  it("names each malformed field and quotes what was typed", () => {
    const reasons = failures({
      ...csp,
      orgId: "org-42",
      mpnId: "12a45",
      domain: "not a domain",
      applicationId: "my-app",
      tenantId: "tenant",
      billingAccountId: "2024-01",
    });
    expect(Object.keys(reasons).sort()).toEqual(
      ["applicationId", "billingAccountId", "domain", "mpnId", "orgId", "tenantId"].sort(),
    );
    expect(reasons.orgId).toBe('must be the Flexera organization ID, digits only; got "org-42"');
    expect(reasons.mpnId).toBe('must be the partner\'s MPN ID, digits only; got "12a45"');
    expect(reasons.domain).toMatch(/^must be the partner tenant's default domain, a DNS name/);
    expect(reasons.applicationId).toMatch(/Application \(client\) ID, a GUID like aaaaaaaa-bbbb-/);
    expect(reasons.tenantId).toMatch(/tenant ID, a GUID/);
    expect(reasons.billingAccountId).toBe(
      'must be an MCA billing account ID of the form GUID:GUID_YYYY-MM-DD; got "2024-01"',
    );
  });

  it("refuses placeholders: the nil GUID as an Entra ID identifier, zero as an org or MPN ID", () => {
    const nil = "00000000-0000-0000-0000-000000000000";
    const placeholder = `the nil GUID ${nil}, a placeholder Entra ID never assigns`;
    expect(failures({ ...csp, applicationId: nil, orgId: "0", mpnId: "0000" })).toEqual({
      applicationId: `must be the Web App's Application (client) ID, a GUID like aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got ${placeholder}`,
      orgId: 'must be the Flexera organization ID, a number from 1 up; got "0", a placeholder',
      mpnId: 'must be the partner\'s MPN ID, a number from 1 up; got "0000", a placeholder',
    });
    expect(failures({ ...bill, tenantId: nil, keyId: nil })).toEqual({
      tenantId: `must be the partner's Entra ID tenant ID, a GUID like aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got ${placeholder}`,
      keyId: `must be the Entra ID key ID of the secret, a GUID like aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got ${placeholder}`,
    });
    // A leading zero is not a placeholder.
    expect(failures({ ...csp, mpnId: "0123456" })).toEqual({});
  });

  it("rejects an empty or padded secret without ever quoting it", () => {
    expect(failures({ ...csp, applicationSecret: "" })).toEqual({ applicationSecret: "must not be empty" });
    expect(failures({ ...csp, applicationSecret: "   " })).toEqual({
      applicationSecret: "must not be empty",
    });
    const padded = checkRegistration({ ...csp, applicationSecret: ` ${SECRET} ` });
    expect(padded.failures).toEqual([
      { property: "applicationSecret", reason: "must not begin or end with white space" },
    ]);
    expect(JSON.stringify(padded.failures)).not.toContain(SECRET);
    expect(failures({ ...csp, applicationSecret: undefined })).toEqual({
      applicationSecret: 'is required for target "csp-partner"',
    });
  });

  it("rejects values that are not strings", () => {
    expect(failures({ ...csp, orgId: 42 })).toEqual({ orgId: "must be a string; got a number" });
  });

  it("names an unknown target and the valid ones", () => {
    expect(failures({ ...csp, target: "azure-ea" })).toEqual({
      target: 'unknown registration target "azure-ea"; expected "csp-partner" or "bill-connect"',
    });
  });

  it("skips values not known yet during a preview", () => {
    expect(UNKNOWN_VALUE).toBe(unknownValue);
    expect(
      failures({ ...csp, applicationSecret: unknownValue, mpnId: unknownValue, domain: unknownValue }),
    ).toEqual({});
    expect(failures({ ...bill, target: unknownValue, tenantId: unknownValue })).toEqual({});
  });

  it("knows a DNS name", () => {
    expect(isDomainName("contoso.onmicrosoft.com")).toBe(true);
    expect(isDomainName("a-b.example.co.uk")).toBe(true);
    expect(isDomainName("localhost")).toBe(false);
    expect(isDomainName("-bad.example.com")).toBe(false);
    expect(isDomainName("example.123")).toBe(false);
    expect(isDomainName(`${"a".repeat(64)}.com`)).toBe(false);
  });
});

describe("diff", () => {
  const state: Partial<RegistrationOutputs> = { ...csp, target: "csp-partner", adopted: false, href: "/x/1" };
  const news: RegistrationInputs = { ...csp, target: "csp-partner" };

  it("reports no change when nothing changed, however GUIDs and domains are cased", async () => {
    expect(await optimaRegistrationProvider.diff!("1", state as RegistrationOutputs, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(
      diffRegistration(state, {
        ...news,
        applicationId: APP_ID.toUpperCase(),
        domain: "Contoso.OnMicrosoft.com",
      }).changes,
    ).toBe(false);
  });

  it.each([
    ["applicationSecret", "rotated-secret"],
    ["applicationId", "99999999-2222-3333-4444-555555555555"],
    ["domain", "fabrikam.onmicrosoft.com"],
  ])("updates %s in place", (field, value) => {
    expect(diffRegistration(state, { ...news, [field]: value })).toEqual({
      changes: true,
      replaces: [],
      updates: [field],
      deleteBeforeReplace: false,
    });
  });

  it.each([
    ["orgId", "43"],
    ["mpnId", "7654321"],
  ])("replaces csp-partner on a new %s, deleting first", (field, value) => {
    expect(diffRegistration(state, { ...news, [field]: value })).toEqual({
      changes: true,
      replaces: [field],
      updates: [],
      deleteBeforeReplace: true,
    });
  });

  it("replaces on a new target", () => {
    const result = diffRegistration(state, { ...bill, target: "bill-connect" } as RegistrationInputs);
    expect(result.replaces).toEqual(expect.arrayContaining(["target", "tenantId"]));
    expect(result.deleteBeforeReplace).toBe(true);
  });

  it("replaces bill-connect on a new tenant or billing account; updates the key in place", () => {
    const billState = { ...bill, billingAccountId: BILLING, adopted: false } as Partial<RegistrationOutputs>;
    const billNews = { ...bill, billingAccountId: BILLING } as RegistrationInputs;
    expect(diffRegistration(billState, { ...billNews, tenantId: APP_ID }).replaces).toEqual(["tenantId"]);
    expect(diffRegistration(billState, { ...billNews, billingAccountId: undefined }).replaces).toEqual([
      "billingAccountId",
    ]);
    expect(diffRegistration(billState, { ...billNews, applicationSecret: "new" })).toMatchObject({
      replaces: [],
      updates: ["applicationSecret"],
    });
    // bill-connect does not send the domain: a change is recorded, never a replacement.
    expect(diffRegistration(billState, { ...billNews, domain: "x.example.com" })).toMatchObject({
      changes: true,
      replaces: [],
      updates: ["domain"],
    });
  });

  it("treats a value not known yet as changed", () => {
    expect(diffRegistration(state, { ...news, applicationSecret: UNKNOWN_VALUE }).updates).toEqual([
      "applicationSecret",
    ]);
    expect(diffRegistration(state, { ...news, mpnId: UNKNOWN_VALUE }).replaces).toEqual(["mpnId"]);
  });

  it("reads state written without a target as csp-partner", () => {
    const { target: _target, ...old } = state;
    expect(diffRegistration(old, news).changes).toBe(false);
  });

  it("compares values as Optima does", () => {
    expect(sameValue("mpnId", "01234567", "1234567")).toBe(true);
    expect(sameValue("applicationSecret", "Abc", "abc")).toBe(false);
    expect(sameValue("billingAccountId", undefined, "")).toBe(true);
    expect(sameValue("domain", "contoso.onmicrosoft.com.", "CONTOSO.onmicrosoft.com")).toBe(true);
  });

  it("knows when only fields the target does not send changed", () => {
    expect(wireValuesChanged(state, { ...news, tenantId: TENANT })).toBe(false);
    expect(wireValuesChanged(state, { ...news, applicationSecret: "new" })).toBe(true);
    expect(wireValuesChanged({ ...state, domain: "drifted.example.com" }, news)).toBe(true);
  });
});
