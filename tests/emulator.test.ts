/**
 * The emulator honours the Optima API contract (docs/optima-api.md): token endpoints,
 * both registration APIs, the bill-connect validation, the simulated Entra ID token endpoint,
 * auth, faults, and that no secret is ever echoed. Plain `fetch` calls only: nothing from
 * `components/`, so a client mistake cannot hide an emulator mistake or the other way round.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { banner, parseCli } from "../tools/emulator/cli";
import { startEmulator, type Emulator } from "../tools/emulator/index";
import { EmulatorState, MAX_RECORDED_REQUESTS } from "../tools/emulator/state";
import { encodeBody, type TestRequestBody } from "./support/emulator-fetch";

const ORG = "31337";
const OTHER_ORG = "4242";
const FORBIDDEN_ORG = "666";
const TENANT = "11111111-2222-3333-4444-555555555555";
const APP = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
const BILLING_ACCOUNT = `${TENANT}:${APP}_2024-01-31`;
/** Sentinels: none of these may ever appear in a response. */
const SECRET_A = "sentinel-secret-AAAA~1";
const SECRET_B = "sentinel-secret-BBBB~2";
const SA_SECRET = "sentinel-sa-secret-CCCC";
const SECRETS = [SECRET_A, SECRET_B, SA_SECRET];

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

let emu: Emulator;
/** Every response this file received, for the no-secret-echoed scan. */
const seen: { what: string; text: string }[] = [];

async function call(
  method: string,
  path: string,
  opts: TestRequestBody & {
    headers?: Record<string, string>;
    signal?: AbortSignal;
  } = {},
): Promise<Reply> {
  const encoded = encodeBody(opts);
  const res = await fetch(`${emu.url}${path}`, {
    method,
    headers: { ...opts.headers, ...encoded.headers },
    body: encoded.body,
    signal: opts.signal,
  });
  const text = await res.text();
  const headerText = [...res.headers.entries()].map(([k, v]) => `${k}: ${v}`).join("\n");
  seen.push({ what: `${method} ${path} -> ${res.status}`, text: `${headerText}\n\n${text}` });
  let parsed: unknown;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: parsed };
}

async function accessToken(): Promise<string> {
  const r = await call("POST", "/oidc/token", {
    form: { grant_type: "refresh_token", refresh_token: "emulator-refresh-token" },
  });
  expect(r.status).toBe(200);
  return r.json.access_token as string;
}

async function cm(token: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${token}`, "api-version": "1.0" };
}

const cspPath = (org = ORG, id?: string): string =>
  `/analytics/orgs/${org}/azure_csp_partners${id === undefined ? "" : `/${id}`}`;
const billPath = (org = ORG, rest = ""): string => `/finops-onboarding/v1/orgs/${org}/bill-connects${rest}`;

function expectGoa(r: Reply, status: number, name: string): void {
  expect(r.status).toBe(status);
  expect(r.headers.get("content-type")).toBe("application/vnd.goa.error");
  expect(r.json).toEqual({
    name,
    id: expect.any(String),
    message: expect.any(String),
    temporary: expect.any(Boolean),
    timeout: expect.any(Boolean),
    fault: status >= 500,
  });
}

beforeAll(async () => {
  emu = await startEmulator({
    serviceAccounts: [{ clientId: "sa-client", clientSecret: SA_SECRET }],
    forbiddenOrgs: [FORBIDDEN_ORG],
  });
});

afterAll(async () => {
  await emu?.close();
});

beforeEach(() => emu.reset());

describe("startEmulator", () => {
  it("binds 127.0.0.1 and derives every URL from its base", () => {
    expect(emu.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.authUrl).toBe(`${emu.url}/oidc/token`);
    expect(emu.legacyAuthUrl).toBe(`${emu.url}/api/oauth2`);
    expect(emu.apiUrl).toBe(emu.url);
    expect(emu.flexeraApiUrl).toBe(emu.url);
    expect(emu.entra.authorityHost).toBe(`${emu.url}/entra`);
  });

  it("rejects bad options with an exact message", async () => {
    await expect(startEmulator({ tokenTtlSeconds: 0 })).rejects.toThrow(
      "startEmulator: tokenTtlSeconds must be a positive number of seconds (got 0)",
    );
    await expect(startEmulator({ port: 70000 })).rejects.toThrow(
      "startEmulator: port must be an integer 0-65535",
    );
  });

  it("answers unknown routes with a Goa not_found", async () => {
    expectGoa(await call("GET", "/nope"), 404, "not_found");
  });
});

describe("Flexera One token endpoint", () => {
  it("exchanges the refresh token for a Bearer access token that lasts tokenTtlSeconds", async () => {
    const r = await call("POST", "/oidc/token", {
      form: { grant_type: "refresh_token", refresh_token: "emulator-refresh-token" },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      access_token: expect.stringMatching(/.{16,}/),
      expires_in: 3600,
      refresh_token: "emulator-refresh-token",
      token_type: "Bearer",
    });
    expect(r.headers.get("cache-control")).toBe("no-store");
  });

  it("accepts the JSON body variant", async () => {
    const r = await call("POST", "/oidc/token", {
      json: { grant_type: "refresh_token", refresh_token: "emulator-refresh-token" },
    });
    expect(r.status).toBe(200);
  });

  it("refuses an unknown refresh token with invalid_grant and does not repeat it", async () => {
    const r = await call("POST", "/oidc/token", {
      form: { grant_type: "refresh_token", refresh_token: SECRET_A },
    });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: "invalid_grant", error_description: expect.any(String) });
  });

  it("issues a token for a service account, with no refresh token", async () => {
    const r = await call("POST", "/oidc/token", {
      form: { grant_type: "client_credentials", client_id: "sa-client", client_secret: SA_SECRET },
    });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ access_token: expect.any(String), expires_in: 3600, token_type: "Bearer" });
  });

  it("refuses a wrong service-account secret with 401 invalid_client", async () => {
    const r = await call("POST", "/oidc/token", {
      form: { grant_type: "client_credentials", client_id: "sa-client", client_secret: SECRET_B },
    });
    expect(r.status).toBe(401);
    expect(r.json.error).toBe("invalid_client");
  });

  it("refuses an unsupported grant and a missing one", async () => {
    expect((await call("POST", "/oidc/token", { form: { grant_type: "password" } })).json.error).toBe(
      "unsupported_grant_type",
    );
    expect((await call("POST", "/oidc/token", { form: {} })).json.error).toBe("invalid_request");
  });

  it("honours tokenTtlSeconds", async () => {
    const short = await startEmulator({ tokenTtlSeconds: 1 });
    try {
      const res = await fetch(short.authUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=refresh_token&refresh_token=emulator-refresh-token",
      });
      const { access_token, expires_in } = (await res.json()) as { access_token: string; expires_in: number };
      expect(expires_in).toBe(1);
      const list = (): Promise<Response> =>
        fetch(`${short.apiUrl}${cspPath()}`, {
          headers: { authorization: `Bearer ${access_token}`, "api-version": "1.0" },
        });
      expect((await list()).status).toBe(200);
      short.clock.advance(1100); // the emulator's clock: 1.1 s pass without waiting for them
      expect((await list()).status).toBe(401);
    } finally {
      await short.close();
    }
  });
});

describe("legacy RightScale token endpoint", () => {
  const form = { grant_type: "refresh_token", refresh_token: "emulator-refresh-token" };

  it("requires X-API-Version: 1.5", async () => {
    const r = await call("POST", "/api/oauth2", { form });
    expect(r.status).toBe(400);
    expect(r.text).toContain("X-API-Version");
  });

  it("answers a lower-case bearer token valid for 7200 s that the APIs accept", async () => {
    const r = await call("POST", "/api/oauth2", { form, headers: { "x-api-version": "1.5" } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ access_token: expect.any(String), expires_in: 7200, token_type: "bearer" });
    expect((await call("GET", cspPath(), { headers: await cm(r.json.access_token) })).status).toBe(200);
  });

  it("refuses an unknown refresh token", async () => {
    const r = await call("POST", "/api/oauth2", {
      form: { ...form, refresh_token: SECRET_A },
      headers: { "x-api-version": "1.5" },
    });
    expect(r.status).toBe(400);
    expect(r.json.error).toBe("invalid_grant");
  });
});

describe("API authentication and authorization", () => {
  it("answers 401 without a token, with an unknown token, and after expireTokens()", async () => {
    expectGoa(await call("GET", cspPath(), { headers: { "api-version": "1.0" } }), 401, "unauthorized");
    expectGoa(
      await call("GET", billPath(), { headers: { authorization: "Bearer not-a-token" } }),
      401,
      "unauthorized",
    );
    const token = await accessToken();
    expect((await call("GET", cspPath(), { headers: await cm(token) })).status).toBe(200);
    emu.expireTokens();
    const r = await call("GET", cspPath(), { headers: await cm(token) });
    expectGoa(r, 401, "unauthorized");
    expect(r.headers.get("www-authenticate")).toContain('error="invalid_token"');
    // A new token works again.
    expect((await call("GET", cspPath(), { headers: await cm(await accessToken()) })).status).toBe(200);
  });

  it("answers 403 in a forbidden org on both APIs", async () => {
    const token = await accessToken();
    const r = await call("GET", cspPath(FORBIDDEN_ORG), { headers: await cm(token) });
    expectGoa(r, 403, "forbidden");
    expect(r.json.message).toContain("billing configuration");
    expectGoa(
      await call("POST", billPath(FORBIDDEN_ORG, "/azure-csp"), {
        headers: { authorization: `Bearer ${token}` },
        json: { clientId: APP, clientSecret: SECRET_A, tenantId: TENANT },
      }),
      403,
      "forbidden",
    );
    expect(emu.billConnects(FORBIDDEN_ORG)).toEqual([]);
  });

  it("requires Api-Version: 1.0 on the Cost Management API only", async () => {
    const token = await accessToken();
    expectGoa(
      await call("GET", cspPath(), { headers: { authorization: `Bearer ${token}` } }),
      400,
      "bad_request",
    );
    expectGoa(
      await call("GET", cspPath(), { headers: { authorization: `Bearer ${token}`, "api-version": "0.1" } }),
      400,
      "bad_request",
    );
    expect((await call("GET", billPath(), { headers: { authorization: `Bearer ${token}` } })).status).toBe(
      200,
    );
  });
});

describe("Cost Management azure_csp_partners", () => {
  const partner = {
    mpn_id: "1234567",
    domain: "contoso.onmicrosoft.com",
    application_id: APP,
    application_secret: SECRET_A,
  };
  let h: Record<string, string>;
  beforeEach(async () => {
    h = await cm(await accessToken());
  });

  it("creates: 201, Location, the resource without the secret", async () => {
    const r = await call("POST", cspPath(), { headers: h, json: partner });
    expect(r.status).toBe(201);
    const { id } = r.json;
    expect(r.headers.get("location")).toBe(`/analytics/orgs/${ORG}/azure_csp_partners/${id}`);
    expect(r.json).toEqual({
      id: expect.any(String),
      href: `/analytics/orgs/${ORG}/azure_csp_partners/${id}`,
      kind: "cm#azure_csp_partner",
      mpn_id: "1234567",
      domain: "contoso.onmicrosoft.com",
      application_id: APP,
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(emu.cspPartners(ORG)).toEqual([
      expect.objectContaining({ id, application_secret: SECRET_A, org_id: ORG }),
    ]);
  });

  it("lists only id, href, created_at, updated_at by default", async () => {
    const { json: created } = await call("POST", cspPath(), { headers: h, json: partner });
    const r = await call("GET", cspPath(), { headers: h });
    expect(r.status).toBe(200);
    expect(r.json).toEqual([
      { id: created.id, href: created.href, created_at: created.created_at, updated_at: created.updated_at },
    ]);
  });

  it("lists the fields too with cspListCarriesFields", async () => {
    const rich = await startEmulator({ cspListCarriesFields: true });
    try {
      rich.seedCspPartner(ORG, { mpn_id: "42", domain: "d.example", application_id: APP });
      const tokenRes = await fetch(rich.authUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=refresh_token&refresh_token=emulator-refresh-token",
      });
      const { access_token } = (await tokenRes.json()) as { access_token: string };
      const res = await fetch(`${rich.apiUrl}${cspPath()}`, {
        headers: { authorization: `Bearer ${access_token}`, "api-version": "1.0" },
      });
      const items = (await res.json()) as Record<string, unknown>[];
      expect(items).toEqual([
        expect.objectContaining({ mpn_id: "42", domain: "d.example", application_id: APP }),
      ]);
      expect(items[0]).not.toHaveProperty("application_secret");
    } finally {
      await rich.close();
    }
  });

  it("shows one partnership; another org's or an unknown id is 404", async () => {
    const { json: created } = await call("POST", cspPath(), { headers: h, json: partner });
    const r = await call("GET", cspPath(ORG, created.id), { headers: h });
    expect(r.status).toBe(200);
    expect(r.json).toEqual(created);
    expectGoa(await call("GET", cspPath(OTHER_ORG, created.id), { headers: h }), 404, "not_found");
    expectGoa(await call("GET", cspPath(ORG, "999"), { headers: h }), 404, "not_found");
  });

  it("answers 409 conflict for a second partnership with the same MPN ID in the org", async () => {
    emu.seedCspPartner(ORG, { mpn_id: "1234567", domain: "by-hand.example", application_id: APP });
    const r = await call("POST", cspPath(), { headers: h, json: partner });
    expectGoa(r, 409, "conflict");
    // The same MPN ID in another org is a different partnership.
    expect((await call("POST", cspPath(OTHER_ORG), { headers: h, json: partner })).status).toBe(201);
  });

  it.each([
    ["a non-digit MPN ID", { mpn_id: "12a4" }, "mpn_id"],
    ["an empty domain", { domain: "" }, "domain"],
    ["a missing application ID", { application_id: undefined }, "application_id"],
    ["a missing secret", { application_secret: undefined }, "application_secret"],
    ["a number where a string belongs", { domain: 7 }, "domain"],
  ])("answers 422 for %s, naming the field", async (_what, change, field) => {
    const r = await call("POST", cspPath(), { headers: h, json: { ...partner, ...change } });
    expectGoa(r, 422, "unprocessable_entity");
    expect(r.json.message).toContain(`"${field}"`);
    expect(emu.cspPartners(ORG)).toEqual([]);
  });

  it("answers 400 for a body that is not a JSON object", async () => {
    expectGoa(await call("POST", cspPath(), { headers: h, json: [partner] }), 400, "bad_request");
    const res = await fetch(`${emu.url}${cspPath()}`, {
      method: "POST",
      headers: { ...h, "content-type": "application/json" },
      body: "{not json",
    });
    expect(res.status).toBe(400);
  });

  it("updates domain, application ID and secret with PATCH (204)", async () => {
    const { json: created } = await call("POST", cspPath(), { headers: h, json: partner });
    const r = await call("PATCH", cspPath(ORG, created.id), {
      headers: h,
      json: { application_secret: SECRET_B, domain: "new.example" },
    });
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    const [stored] = emu.cspPartners(ORG);
    expect(stored).toMatchObject({
      application_secret: SECRET_B,
      domain: "new.example",
      application_id: APP,
    });
    const shown = await call("GET", cspPath(ORG, created.id), { headers: h });
    expect(shown.json.domain).toBe("new.example");
    expect(shown.json.updated_at >= created.updated_at).toBe(true);
  });

  it("refuses to change the MPN ID (422) but accepts it unchanged", async () => {
    const { json: created } = await call("POST", cspPath(), { headers: h, json: partner });
    expectGoa(
      await call("PATCH", cspPath(ORG, created.id), { headers: h, json: { mpn_id: "7654321" } }),
      422,
      "unprocessable_entity",
    );
    expect(
      (
        await call("PATCH", cspPath(ORG, created.id), {
          headers: h,
          json: { mpn_id: "1234567", domain: "x.example" },
        })
      ).status,
    ).toBe(204);
    expect(emu.cspPartners(ORG)[0].mpn_id).toBe("1234567");
  });

  it("deletes (204); a second delete and a patch of the deleted one are 404", async () => {
    const { json: created } = await call("POST", cspPath(), { headers: h, json: partner });
    expect((await call("DELETE", cspPath(ORG, created.id), { headers: h })).status).toBe(204);
    expect(emu.cspPartners(ORG)).toEqual([]);
    expectGoa(await call("DELETE", cspPath(ORG, created.id), { headers: h }), 404, "not_found");
    expectGoa(
      await call("PATCH", cspPath(ORG, created.id), { headers: h, json: { domain: "x.example" } }),
      404,
      "not_found",
    );
  });

  it("answers 405 with Allow for a method the route does not have", async () => {
    const r = await call("PUT", cspPath(), { headers: h, json: partner });
    expectGoa(r, 405, "method_not_allowed");
    expect(r.headers.get("allow")).toBe("GET, POST");
  });
});

describe("FinOps Onboarding azure-csp bill connects", () => {
  const bill = { clientId: APP, clientSecret: SECRET_A, tenantId: TENANT };
  let h: Record<string, string>;
  beforeEach(async () => {
    h = { authorization: `Bearer ${await accessToken()}` };
  });

  it("creates: 201 with the resource, the secret redacted", async () => {
    const r = await call("POST", billPath(ORG, "/azure-csp"), {
      headers: h,
      json: { ...bill, billingAccountId: BILLING_ACCOUNT },
    });
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      id: expect.stringMatching(/^cbi-oi-azure-csp-[0-9a-f]{64}$/),
      kind: "finops:bill-connect-cbi-oi-azure-csp",
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      azureCsp: {
        clientId: APP,
        tenantId: TENANT,
        billingAccountId: BILLING_ACCOUNT,
        onboardingOrigin: "finops",
      },
    });
    expect(r.headers.get("location")).toBe(
      `/finops-onboarding/v1/orgs/${ORG}/bill-connects/azure-csp/${r.json.id}`,
    );
    expect(emu.billConnects(ORG)).toEqual([
      expect.objectContaining({ id: r.json.id, clientSecret: SECRET_A }),
    ]);
  });

  it("lists as a generic bill list and shows one", async () => {
    const { json: created } = await call("POST", billPath(ORG, "/azure-csp"), { headers: h, json: bill });
    const list = await call("GET", billPath(), { headers: h });
    expect(list.status).toBe(200);
    expect(list.json).toEqual({ kind: "finops:generic-bill-list", values: [created] });
    const shown = await call("GET", billPath(ORG, `/azure-csp/${created.id}`), { headers: h });
    expect(shown.json).toEqual(created);
    expect(created.azureCsp).not.toHaveProperty("billingAccountId");
  });

  it("answers 409 when the tenant is already registered in the org", async () => {
    emu.seedBillConnect(ORG, { clientId: "other-app", tenantId: TENANT });
    expectGoa(await call("POST", billPath(ORG, "/azure-csp"), { headers: h, json: bill }), 409, "conflict");
  });

  it.each([
    ["a missing clientId", { clientId: undefined }, "clientId"],
    ["a missing clientSecret", { clientSecret: undefined }, "clientSecret"],
    ["an empty tenantId", { tenantId: "" }, "tenantId"],
    [
      "a billingAccountId that is not GUID:GUID_YYYY-MM-DD",
      { billingAccountId: `${TENANT}_2024-01-31` },
      "billingAccountId",
    ],
  ])("answers 422 for %s", async (_what, change, field) => {
    const r = await call("POST", billPath(ORG, "/azure-csp"), { headers: h, json: { ...bill, ...change } });
    expectGoa(r, 422, "unprocessable_entity");
    expect(r.json.message).toContain(`"${field}"`);
  });

  it("updates with PATCH (204); billingAccountId cannot change (422)", async () => {
    const { json: created } = await call("POST", billPath(ORG, "/azure-csp"), {
      headers: h,
      json: { ...bill, billingAccountId: BILLING_ACCOUNT },
    });
    const item = billPath(ORG, `/azure-csp/${created.id}`);
    const r = await call("PATCH", item, { headers: h, json: { clientSecret: SECRET_B } });
    expect(r.status).toBe(204);
    expect(emu.billConnects(ORG)[0].clientSecret).toBe(SECRET_B);
    expectGoa(
      await call("PATCH", item, { headers: h, json: { billingAccountId: `${APP}:${TENANT}_2025-02-28` } }),
      422,
      "unprocessable_entity",
    );
    expect(
      (await call("PATCH", item, { headers: h, json: { billingAccountId: BILLING_ACCOUNT } })).status,
    ).toBe(204);
  });

  it("deletes (204), then 404", async () => {
    const { json: created } = await call("POST", billPath(ORG, "/azure-csp"), { headers: h, json: bill });
    const item = billPath(ORG, `/azure-csp/${created.id}`);
    expect((await call("DELETE", item, { headers: h })).status).toBe(204);
    expectGoa(await call("GET", item, { headers: h }), 404, "not_found");
    expectGoa(await call("GET", `${item}/validation`, { headers: h }), 404, "not_found");
  });

  it("refuses PATCH and DELETE of a platform-onboarded bill connect with 403", async () => {
    const seeded = emu.seedBillConnect(ORG, {
      clientId: APP,
      tenantId: TENANT,
      onboardingOrigin: "platform",
    });
    const item = billPath(ORG, `/azure-csp/${seeded.id}`);
    expectGoa(await call("PATCH", item, { headers: h, json: { clientSecret: SECRET_B } }), 403, "forbidden");
    expectGoa(await call("DELETE", item, { headers: h }), 403, "forbidden");
    expect((await call("GET", item, { headers: h })).json.azureCsp.onboardingOrigin).toBe("platform");
    expect(emu.billConnects(ORG)[0].clientSecret).not.toBe(SECRET_B);
  });

  describe("validation", () => {
    const validation = async (id: string): Promise<Reply> =>
      call("GET", billPath(ORG, `/azure-csp/${id}/validation`), { headers: h });

    it("is valid when the simulated Entra ID does not know the app", async () => {
      const { json: created } = await call("POST", billPath(ORG, "/azure-csp"), { headers: h, json: bill });
      const r = await validation(created.id);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ billId: created.id, kind: "finops:bill-connect-validation", valid: true });
    });

    it("follows the stored secret's state at Entra ID when it knows the app", async () => {
      emu.entra.addSecret(TENANT, APP, SECRET_A);
      const { json: created } = await call("POST", billPath(ORG, "/azure-csp"), { headers: h, json: bill });
      expect((await validation(created.id)).json.valid).toBe(true);
      emu.entra.removeSecret(TENANT, APP, SECRET_A);
      const r = await validation(created.id);
      expect(r.json).toEqual({
        billId: created.id,
        kind: "finops:bill-connect-validation",
        valid: false,
        error: expect.stringContaining("AADSTS7000215"),
      });
    });

    it("reports what setValidation forces, until cleared", async () => {
      const { json: created } = await call("POST", billPath(ORG, "/azure-csp"), { headers: h, json: bill });
      emu.setValidation(created.id, { valid: false, error: "forced" });
      expect((await validation(created.id)).json).toMatchObject({ valid: false, error: "forced" });
      emu.setValidation(created.id, undefined);
      expect((await validation(created.id)).json).toMatchObject({ valid: true });
    });
  });
});

describe("Entra ID token endpoint", () => {
  const tokenPath = `/entra/${TENANT}/oauth2/v2.0/token`;
  const form = (secret: string, clientId = APP): Record<string, string> => ({
    grant_type: "client_credentials",
    client_id: clientId,
    client_secret: secret,
    scope: "https://api.partnercenter.microsoft.com/.default",
  });

  it("issues a token for an active secret", async () => {
    emu.entra.addSecret(TENANT, APP, SECRET_A);
    expect(emu.entra.isValid(TENANT, APP, SECRET_A)).toBe(true);
    const r = await call("POST", tokenPath, { form: form(SECRET_A) });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      token_type: "Bearer",
      expires_in: expect.any(Number),
      ext_expires_in: expect.any(Number),
      access_token: expect.any(String),
    });
  });

  it("refuses a secret with AADSTS7000215 until it has propagated", async () => {
    emu.entra.addSecret(TENANT, APP, SECRET_B, { activeAfterMs: 400 });
    expect(emu.entra.isValid(TENANT, APP, SECRET_B)).toBe(false);
    const early = await call("POST", tokenPath, { form: form(SECRET_B) });
    expect(early.status).toBe(401);
    expect(early.json.error).toBe("invalid_client");
    expect(early.json.error_description).toMatch(/^AADSTS7000215: Invalid client secret provided\./);
    expect(early.json.error_codes).toEqual([7000215]);
    emu.clock.advance(450);
    expect((await call("POST", tokenPath, { form: form(SECRET_B) })).status).toBe(200);
  });

  it("refuses a removed or unknown secret with 401", async () => {
    emu.entra.addSecret(TENANT, APP, SECRET_A);
    emu.entra.removeSecret(TENANT, APP, SECRET_A);
    expect((await call("POST", tokenPath, { form: form(SECRET_A) })).status).toBe(401);
    emu.entra.addSecret(TENANT, APP, SECRET_B);
    expect((await call("POST", tokenPath, { form: form(SECRET_A) })).status).toBe(401);
  });

  it("answers AADSTS700016 for an app unknown in the tenant and AADSTS90002 for an unknown tenant", async () => {
    emu.entra.addSecret(TENANT, APP, SECRET_A);
    const app = await call("POST", tokenPath, {
      form: form(SECRET_A, "99999999-9999-9999-9999-999999999999"),
    });
    expect(app.status).toBe(400);
    expect(app.json.error_description).toMatch(/^AADSTS700016: /);
    const tenant = await call("POST", `/entra/00000000-0000-0000-0000-000000000000/oauth2/v2.0/token`, {
      form: form(SECRET_A),
    });
    expect(tenant.status).toBe(400);
    expect(tenant.json.error_description).toMatch(/^AADSTS90002: /);
  });
});

describe("faults", () => {
  let h: Record<string, string>;
  beforeEach(async () => {
    h = await cm(await accessToken());
  });

  it("answers the injected status with Retry-After once, then the real response", async () => {
    emu.inject({ status: 429, retryAfter: "3", path: "/azure_csp_partners" });
    const first = await call("GET", cspPath(), { headers: h });
    expectGoa(first, 429, "too_many_requests");
    expect(first.json.temporary).toBe(true);
    expect(first.headers.get("retry-after")).toBe("3");
    expect((await call("GET", cspPath(), { headers: h })).status).toBe(200);
  });

  it("applies `times` and matches method and path (string or RegExp)", async () => {
    emu.inject({ status: 503, method: "POST", path: /azure_csp_partners$/, times: 2 });
    expect((await call("GET", cspPath(), { headers: h })).status).toBe(200);
    const body = { mpn_id: "1", domain: "d.example", application_id: APP, application_secret: SECRET_A };
    expectGoa(await call("POST", cspPath(), { headers: h, json: body }), 503, "service_unavailable");
    expectGoa(await call("POST", cspPath(), { headers: h, json: body }), 503, "service_unavailable");
    expect((await call("POST", cspPath(), { headers: h, json: body })).status).toBe(201);
    expect(emu.cspPartners(ORG)).toHaveLength(1);
  });

  it("answers token-endpoint faults with an OAuth error body", async () => {
    emu.inject({ status: 500, path: "/oidc/token" });
    const r = await call("POST", "/oidc/token", {
      form: { grant_type: "refresh_token", refresh_token: "emulator-refresh-token" },
    });
    expect(r.status).toBe(500);
    expect(r.json).toEqual({ error: "temporarily_unavailable", error_description: expect.any(String) });
  });

  it("delays the real response by delayMs", async () => {
    emu.inject({ delayMs: 300 });
    const started = Date.now();
    expect((await call("GET", cspPath(), { headers: h })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("survives a client that gives up during a delay, and records the request", async () => {
    emu.inject({ delayMs: 2_000, path: "/azure_csp_partners" });
    await expect(call("GET", cspPath(), { headers: h, signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect((await call("GET", billPath(), { headers: { authorization: h.authorization } })).status).toBe(200);
    expect(emu.requests.some((r) => r.path === cspPath() && r.method === "GET")).toBe(true);
  });

  it("rejects an invalid fault with an exact message", () => {
    expect(() => emu.inject({ times: 1 })).toThrow('inject: a fault needs a "status", a "delayMs", or both');
    expect(() => emu.inject({ status: 200 })).toThrow(
      'inject: "status" must be an HTTP error status 400-599 (got 200)',
    );
    expect(() => emu.inject({ status: 500, times: 0 })).toThrow(
      'inject: "times" must be a positive integer (got 0)',
    );
  });

  it("close() does not wait for a pending injected delay", async () => {
    const own = await startEmulator();
    own.inject({ delayMs: 60_000 });
    const pending = fetch(`${own.url}/nope`);
    pending.catch(() => undefined); // asserted below; avoid an unhandled rejection meanwhile
    await new Promise((r) => setTimeout(r, 100));
    const started = Date.now();
    await own.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(pending).rejects.toThrow(); // the connection was cut, not answered
  });
});

describe("request log and reset", () => {
  it("records method, path, query, lower-cased headers, parsed body and status", async () => {
    const token = await accessToken();
    await call("GET", `${cspPath()}?view=extended`, {
      headers: { Authorization: `Bearer ${token}`, "Api-Version": "1.0" },
    });
    const last = emu.requests[emu.requests.length - 1];
    expect(last).toMatchObject({
      method: "GET",
      path: cspPath(),
      query: { view: "extended" },
      status: 200,
      body: undefined,
    });
    expect(last.headers["api-version"]).toBe("1.0");
    expect(emu.requests[0]).toMatchObject({
      method: "POST",
      path: "/oidc/token",
      body: { grant_type: "refresh_token", refresh_token: "emulator-refresh-token" },
      status: 200,
    });
  });

  it(`keeps at most ${MAX_RECORDED_REQUESTS} requests, dropping the oldest`, () => {
    const state = new EmulatorState();
    for (let i = 0; i < MAX_RECORDED_REQUESTS + 5; i++) {
      state.record({ method: "GET", path: `/${i}`, query: {}, headers: {}, body: undefined, status: 200 });
    }
    expect(state.requests).toHaveLength(MAX_RECORDED_REQUESTS);
    expect(state.requests[0].path).toBe("/5");
  });

  it("reset() clears registrations, requests, faults, tokens and Entra secrets, keeping options", async () => {
    const token = await accessToken();
    emu.seedCspPartner(ORG, { mpn_id: "1", domain: "d.example", application_id: APP });
    emu.seedBillConnect(ORG, { clientId: APP, tenantId: TENANT });
    emu.entra.addSecret(TENANT, APP, SECRET_A);
    emu.inject({ status: 500 });
    emu.reset();
    expect(emu.requests).toHaveLength(0);
    expect(emu.cspPartners(ORG)).toEqual([]);
    expect(emu.billConnects(ORG)).toEqual([]);
    expect(emu.entra.isValid(TENANT, APP, SECRET_A)).toBe(false);
    expect((await call("GET", cspPath(), { headers: await cm(token) })).status).toBe(401); // no fault, old token gone
    expect(
      (await call("GET", cspPath(FORBIDDEN_ORG), { headers: await cm(await accessToken()) })).status,
    ).toBe(403);
  });

  it("seeding refuses what the API would refuse", () => {
    emu.seedCspPartner(ORG, { mpn_id: "1", domain: "d.example", application_id: APP });
    expect(() => emu.seedCspPartner(ORG, { mpn_id: "1", domain: "e.example", application_id: APP })).toThrow(
      /^seedCspPartner: an Azure CSP partner with this mpn_id already exists/,
    );
    expect(() => emu.seedBillConnect(ORG, { clientId: APP, tenantId: "" })).toThrow(
      'seedBillConnect: attribute "tenantId" must not be empty',
    );
  });
});

describe("npm run emulator (tools/emulator/cli.ts)", () => {
  it("parses the port from --port, then PORT, then 8787, with exact errors", () => {
    expect(parseCli([], {})).toEqual({ port: 8787, cspListCarriesFields: false, forbiddenOrgs: [] });
    expect(parseCli([], { PORT: "9000" }).port).toBe(9000);
    expect(parseCli(["--port", "0"], { PORT: "9000" }).port).toBe(0);
    expect(
      parseCli(
        ["--token-ttl", "5", "--csp-list-carries-fields", "--forbidden-org", "1", "--forbidden-org", "2"],
        {},
      ),
    ).toEqual({ port: 8787, tokenTtlSeconds: 5, cspListCarriesFields: true, forbiddenOrgs: ["1", "2"] });
    expect(() => parseCli(["--port", "x"], {})).toThrow('--port/PORT must be an integer 0-65535 (got "x")');
    expect(() => parseCli(["--token-ttl=1.5"], {})).toThrow(
      "--token-ttl must be a positive whole number of seconds",
    );
    expect(() => parseCli(["--nope"], {})).toThrow();
  });

  it("prints the URLs and the exact lines that point a stack at the emulator", () => {
    const text = banner(emu, {});
    for (const line of [
      `pulumi config set optima:authUrl ${emu.url}/oidc/token`,
      `pulumi config set optima:apiUrl ${emu.url}`,
      `pulumi config set optima:flexeraApiUrl ${emu.url}`,
      "pulumi config set --secret optima:refreshToken emulator-refresh-token",
      `export OPTIMA_AUTH_URL=${emu.url}/oidc/token`,
      "export OPTIMA_REFRESH_TOKEN=emulator-refresh-token",
      `${emu.url}/entra`,
    ]) {
      expect(text).toContain(line);
    }
  });

  it("serves on the given port and stops cleanly on SIGTERM", async () => {
    const child = spawn(
      process.execPath,
      ["-r", "ts-node/register", "tools/emulator/cli.ts", "--port", "0"],
      {
        cwd: path.join(__dirname, ".."),
        env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        const timer = setTimeout(() => reject(new Error(`no banner within 30 s: ${out}`)), 30_000);
        child.stdout.on("data", (chunk: Buffer) => {
          out += chunk.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
          if (m !== null) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.once("exit", (code) => reject(new Error(`exited early (${code}): ${out}`)));
      });
      const res = await fetch(`${url}/api/oauth2`, {
        method: "POST",
        headers: { "x-api-version": "1.5", "content-type": "application/x-www-form-urlencoded" },
        body: "grant_type=refresh_token&refresh_token=emulator-refresh-token",
      });
      expect(res.status).toBe(200);
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
    } finally {
      child.kill("SIGKILL"); // no-op when it has exited
    }
  }, 45_000);
});

describe("secrets", () => {
  // Declared last: jest runs a file's tests in order, so this scans every response above.
  it("never echoes a secret in any response body or header", () => {
    expect(seen.length).toBeGreaterThan(100);
    for (const { what, text } of seen) {
      for (const secret of SECRETS) {
        if (text.includes(secret)) {
          throw new Error(`a secret was echoed in the response to ${what}`);
        }
      }
    }
  });
});
