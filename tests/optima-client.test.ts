/**
 * OptimaClient against the local Optima emulator: the three token flavors, token caching and
 * single-flight, the 401 refresh, retries (429 with Retry-After, 5xx), POST safety, timeouts,
 * the user-facing error messages, and a scan of every error and log line for secrets.
 */
import { randomUUID } from "node:crypto";
import { Module } from "node:module";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";
import { HttpOptions, sendHttp } from "../components/http";
import { OptimaApiError, OptimaClient, OptimaClientOptions } from "../components/optima/client";
import { parseTokenResponse, tokenRequestSpec } from "../components/optima/auth";
import { configFromRecord, resolveConnection } from "../components/optima/connection";
import { Emulator, startEmulator } from "../tools/emulator";
import { expectNoSecrets, rejection } from "./support/http-secrets";
import { startScriptedServer } from "./support/http-server";

const REFRESH_TOKEN = `rt-${randomUUID()}`;
const ACCOUNT = { clientId: `sa-${randomUUID()}`, clientSecret: `sas-${randomUUID()}` };
const APP_SECRET = `app-secret-${randomUUID()}`;
const FORBIDDEN_ORG = "666";
const ORG = "1001";
const CSP = `/analytics/orgs/${ORG}/azure_csp_partners`;
const BILLS = `/finops-onboarding/v1/orgs/${ORG}/bill-connects`;
const TENANT = "6a1c2f4e-2b1d-4c0e-9a53-0d6f2e7b8c91";
const APP_ID = "0f3b9e2a-7d41-4c5b-8e6f-1a2b3c4d5e6f";

let emulator: Emulator;
/** Everything produced during one test that a user could see: log lines and errors. */
let visible: unknown[];
let delays: number[];
const scanned = { logs: 0, errors: 0 };

beforeAll(async () => {
  emulator = await startEmulator({
    refreshTokens: [REFRESH_TOKEN],
    serviceAccounts: [ACCOUNT],
    forbiddenOrgs: [FORBIDDEN_ORG],
  });
});
afterAll(() => emulator.close());

beforeEach(() => {
  emulator.reset();
  visible = [];
  delays = [];
});

afterEach(() => {
  // Every access token the emulator saw, plus the credentials and the registration secret.
  const tokens = emulator.requests
    .map((r) => /^Bearer (.+)$/.exec(r.headers.authorization ?? "")?.[1])
    .filter((t): t is string => t !== undefined);
  expectNoSecrets(visible, [REFRESH_TOKEN, ACCOUNT.clientSecret, APP_SECRET, ...tokens]);
  scanned.logs += visible.filter((v) => typeof v === "string").length;
  scanned.errors += visible.filter((v) => v instanceof Error).length;
});

type Credential = "refresh-token" | "service-account" | "both" | "legacy";

/** A client for the emulator, logging into `visible` and sleeping into `delays`. */
function client(
  credential: Credential = "refresh-token",
  options: { config?: Record<string, string>; http?: HttpOptions; now?: () => number } = {},
): OptimaClient {
  const config: Record<string, string> = {
    "optima:apiUrl": emulator.apiUrl,
    "optima:flexeraApiUrl": emulator.flexeraApiUrl,
    "optima:authUrl": credential === "legacy" ? emulator.legacyAuthUrl : emulator.authUrl,
    ...(credential !== "service-account" ? { "optima:refreshToken": REFRESH_TOKEN } : {}),
    ...(credential === "service-account" || credential === "both"
      ? { "optima:serviceAccountId": ACCOUNT.clientId, "optima:serviceAccountSecret": ACCOUNT.clientSecret }
      : {}),
    ...options.config,
  };
  const clientOptions: OptimaClientOptions = {
    log: (line) => visible.push(line),
    http: {
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.5,
      ...options.http,
    },
    ...(options.now ? { now: options.now } : {}),
  };
  return new OptimaClient(resolveConnection(configFromRecord(config), {}), clientOptions);
}

/** The error a request rejects with, recorded for the secret scan. */
async function failure(promise: Promise<unknown>): Promise<OptimaApiError> {
  const error = await rejection(promise);
  visible.push(error);
  expect(error).toBeInstanceOf(OptimaApiError);
  return error as OptimaApiError;
}

const tokenRequests = () =>
  emulator.requests.filter((r) => r.path === "/oidc/token" || r.path === "/api/oauth2");
const apiRequests = () => emulator.requests.filter((r) => !tokenRequests().includes(r));
const listCsp = (c: OptimaClient) => c.request<unknown[]>({ method: "GET", host: "optima", path: CSP });
const cspBody = {
  mpn_id: "1234567",
  domain: "contoso.onmicrosoft.com",
  application_id: APP_ID,
  application_secret: APP_SECRET,
};

describe("authentication", () => {
  it("uses a Flexera One refresh token and sends Api-Version 1.0 to the Optima host", async () => {
    const c = client("refresh-token");
    expect((await listCsp(c)).data).toEqual([]);

    const [token, api] = emulator.requests;
    expect(token).toMatchObject({ method: "POST", path: "/oidc/token", status: 200 });
    expect(token.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(token.body).toEqual({ grant_type: "refresh_token", refresh_token: REFRESH_TOKEN });
    expect(token.headers["x-api-version"]).toBeUndefined();
    expect(api.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(api.headers["api-version"]).toBe("1.0");
    expect(c.stats).toEqual({ tokenRequests: 1, requests: 1, retries: 0 });
  });

  it("uses a service account with the client-credentials grant", async () => {
    await listCsp(client("service-account"));
    expect(tokenRequests().map((r) => r.body)).toEqual([
      { grant_type: "client_credentials", client_id: ACCOUNT.clientId, client_secret: ACCOUNT.clientSecret },
    ]);
  });

  it("prefers the service account when a refresh token is set too", async () => {
    await listCsp(client("both"));
    expect(tokenRequests()).toHaveLength(1);
    expect(tokenRequests()[0].body).toMatchObject({ grant_type: "client_credentials" });
    expect(JSON.stringify(tokenRequests()[0].body)).not.toContain(REFRESH_TOKEN);
  });

  it("uses the legacy RightScale endpoint with X-API-Version 1.5", async () => {
    await listCsp(client("legacy"));
    const [token] = tokenRequests();
    expect(token).toMatchObject({ path: "/api/oauth2", status: 200 });
    expect(token.headers["x-api-version"]).toBe("1.5");
    expect(token.body).toEqual({ grant_type: "refresh_token", refresh_token: REFRESH_TOKEN });
    expect(apiRequests()[0].status).toBe(200);
  });

  it("sends no Api-Version header to the Flexera API host", async () => {
    const response = await client().request<{ kind: string }>({
      method: "GET",
      host: "flexera",
      path: BILLS,
    });
    expect(response.data.kind).toBe("finops:generic-bill-list");
    expect(apiRequests()[0].headers["api-version"]).toBeUndefined();
  });

  it("says which keys to check when the token endpoint rejects a refresh token", async () => {
    const error = await failure(
      listCsp(client("refresh-token", { config: { "optima:refreshToken": "rt-wrong-value" } })),
    );
    expect(error.message).toBe(
      "POST /oidc/token failed: HTTP 400 invalid_grant: the token endpoint rejected the refresh token (refresh_token grant). " +
        `Check optima:refreshToken (OPTIMA_REFRESH_TOKEN); the credential must belong to region us (optima:region) and token endpoint ${emulator.authUrl} (optima:authUrl). ` +
        'The token endpoint said: "The refresh token is invalid, expired or revoked."',
    );
    expect(error).toMatchObject({
      method: "POST",
      path: "/oidc/token",
      status: 400,
      code: "invalid_grant",
      tokenRequest: true,
    });
    expect(tokenRequests()).toHaveLength(1); // a rejected credential is not retried
    expect(apiRequests()).toHaveLength(0);
    expect(error.message).not.toContain("rt-wrong-value");
  });

  it("says which keys to check when the token endpoint rejects a service account", async () => {
    const error = await failure(
      listCsp(client("service-account", { config: { "optima:serviceAccountSecret": "sas-wrong-value" } })),
    );
    expect(error.message).toContain(
      "POST /oidc/token failed: HTTP 401 invalid_client: the token endpoint rejected the service account's client ID or secret " +
        "(client_credentials grant). Check optima:serviceAccountId and optima:serviceAccountSecret " +
        "(OPTIMA_SERVICE_ACCOUNT_ID, OPTIMA_SERVICE_ACCOUNT_SECRET);",
    );
    expect(error.message).not.toContain("sas-wrong-value");
  });
});

describe("token requests (pure)", () => {
  const base = resolveConnection(configFromRecord({ "optima:refreshToken": "rt" }), {});

  it("builds the form of each grant, with X-API-Version only for the legacy endpoint", () => {
    expect(tokenRequestSpec(base)).toEqual({
      method: "POST",
      url: "https://login.flexera.com/oidc/token",
      form: { grant_type: "refresh_token", refresh_token: "rt" },
      retryable: true,
    });
    const account = { kind: "service-account", clientId: "id", clientSecret: "s" } as const;
    expect(tokenRequestSpec({ ...base, credential: account }).form).toEqual({
      grant_type: "client_credentials",
      client_id: "id",
      client_secret: "s",
    });
    const legacy = {
      ...base,
      authUrl: "https://us-3.rightscale.com/api/oauth2",
      authFlavor: "rightscale-legacy",
    } as const;
    expect(tokenRequestSpec(legacy).headers).toEqual({ "X-API-Version": "1.5" });
  });

  it("keeps a token until a tenth of its lifetime (at most a minute) before it expires", () => {
    expect(parseTokenResponse({ access_token: "a", expires_in: 3600 }, 1_000)).toEqual({
      value: "a",
      refreshAt: 1_000 + 3_600_000 - 60_000,
    });
    expect(parseTokenResponse({ access_token: "a", expires_in: "100" }, 0)).toEqual({
      value: "a",
      refreshAt: 90_000,
    });
    expect(parseTokenResponse({ access_token: "a" }, 0)).toEqual({ value: "a", refreshAt: 270_000 });
    expect(parseTokenResponse({ access_token: "a", expires_in: -5 }, 0)?.refreshAt).toBe(270_000);
  });

  it("finds no token in a response without access_token", () => {
    for (const data of [undefined, "text", {}, { access_token: "" }, { access_token: 7 }]) {
      expect(parseTokenResponse(data, 0)).toBeUndefined();
    }
  });

  it("reports a token endpoint that answers 2xx without a token", async () => {
    const fake = await startScriptedServer(() => ({ status: 200, body: { token_type: "Bearer" } }));
    try {
      const c = client("refresh-token", { config: { "optima:authUrl": `${fake.url}/oidc/token` } });
      const error = await failure(listCsp(c));
      expect(error.message).toBe(
        "POST /oidc/token failed: HTTP 200 invalid_token_response: the token endpoint answered without an access token. " +
          `Check optima:authUrl (${fake.url}/oidc/token). The token endpoint said: "the response carries no access_token"`,
      );
      expect(apiRequests()).toHaveLength(0);
    } finally {
      await fake.close();
    }
  });
});

describe("token cache", () => {
  it("requests one token for many sequential calls", async () => {
    const c = client();
    for (let i = 0; i < 10; i++) {
      await listCsp(c);
    }
    expect(tokenRequests()).toHaveLength(1);
    expect(c.stats).toEqual({ tokenRequests: 1, requests: 10, retries: 0 });
    expect(new Set(apiRequests().map((r) => r.headers.authorization)).size).toBe(1);
  });

  it("shares one token request between concurrent first calls", async () => {
    const c = client("service-account");
    await Promise.all(Array.from({ length: 25 }, () => listCsp(c)));
    expect(tokenRequests()).toHaveLength(1);
    expect(apiRequests()).toHaveLength(25);
    expect(c.stats.tokenRequests).toBe(1);
  });

  it("replaces the token shortly before expires_in, not after", async () => {
    let clock = Date.parse("2026-11-01T00:00:00Z");
    const c = client("refresh-token", { now: () => clock });
    await listCsp(c);
    clock += 3_600_000 - 60_000 - 1; // expires_in 3600 s, renewed 60 s early
    await listCsp(c);
    expect(tokenRequests()).toHaveLength(1);
    clock += 1;
    await listCsp(c);
    expect(tokenRequests()).toHaveLength(2);
  });

  it("keeps the legacy token for its own lifetime (expires_in 7200)", async () => {
    let clock = Date.parse("2026-11-01T00:00:00Z");
    const c = client("legacy", { now: () => clock });
    await listCsp(c);
    clock += 3_600_000;
    await listCsp(c);
    expect(tokenRequests()).toHaveLength(1);
  });
});

describe("401: refresh once and retry", () => {
  it("refreshes an expired token and sends the request again", async () => {
    const c = client();
    await listCsp(c);
    emulator.expireTokens();
    await c.request({ method: "POST", host: "optima", path: CSP, body: cspBody });

    expect(tokenRequests()).toHaveLength(2);
    expect(apiRequests().map((r) => `${r.method} ${r.status}`)).toEqual(["GET 200", "POST 401", "POST 201"]);
    expect(emulator.cspPartners(ORG)).toHaveLength(1);
    expect(visible).toContain(
      `optima: POST ${CSP} answered 401; refreshing the access token and retrying once`,
    );
  });

  it("shares one refresh between concurrent requests rejected with the same token", async () => {
    const c = client();
    await listCsp(c);
    emulator.expireTokens();
    await Promise.all(Array.from({ length: 20 }, () => listCsp(c)));

    expect(tokenRequests()).toHaveLength(2);
    expect(apiRequests().filter((r) => r.status === 401)).toHaveLength(20);
    expect(apiRequests().filter((r) => r.status === 200)).toHaveLength(21);
  });

  it("gives up when the refreshed token is rejected too", async () => {
    emulator.inject({ path: CSP, status: 401, times: 5 });
    const error = await failure(listCsp(client()));
    expect(error.message).toBe(
      `GET ${CSP} failed: HTTP 401 unauthorized: Optima rejected the access token even after a refresh, so the credentials ` +
        'are not accepted for this API. Check optima:refreshToken (OPTIMA_REFRESH_TOKEN), and optima:region. Optima said: "injected fault: 401"',
    );
    expect(error).toMatchObject({ status: 401, code: "unauthorized" });
    expect(apiRequests()).toHaveLength(2);
    expect(tokenRequests()).toHaveLength(2);
  });
});

describe("retries", () => {
  it("waits as long as a 429's Retry-After says (seconds)", async () => {
    emulator.inject({ path: CSP, status: 429, retryAfter: "3" });
    const c = client();
    await listCsp(c);
    expect(delays).toEqual([3_000]);
    expect(apiRequests().map((r) => r.status)).toEqual([429, 200]);
    expect(c.stats).toEqual({ tokenRequests: 1, requests: 2, retries: 1 });
    expect(visible).toContain(
      `optima: GET ${CSP} failed (HTTP 429 (Retry-After 3 s)); retrying in 3 s (attempt 2 of 5)`,
    );
  });

  it("waits as long as a 429's Retry-After says (HTTP date)", async () => {
    const now = Date.parse("2026-11-01T12:00:00Z");
    emulator.inject({ path: CSP, status: 429, retryAfter: new Date(now + 8_000).toUTCString() });
    await listCsp(client("refresh-token", { now: () => now }));
    expect(delays).toEqual([8_000]);
  });

  it("caps a long Retry-After", async () => {
    emulator.inject({ path: CSP, status: 429, retryAfter: "3600" });
    await listCsp(client("refresh-token", { http: { policy: { maxRetryAfterMs: 20_000 } } }));
    expect(delays).toEqual([20_000]);
  });

  it("retries a POST after a 429 (nothing was created) and creates exactly one registration", async () => {
    emulator.inject({ path: CSP, method: "POST", status: 429, retryAfter: "1" });
    const response = await client().request({ method: "POST", host: "optima", path: CSP, body: cspBody });
    expect(response.status).toBe(201);
    expect(emulator.cspPartners(ORG)).toHaveLength(1);
  });

  it("reports a 429 that outlasts the retries", async () => {
    emulator.inject({ path: CSP, status: 429, retryAfter: "2", times: 10 });
    const error = await failure(listCsp(client("refresh-token", { http: { policy: { maxAttempts: 3 } } })));
    expect(error.message).toBe(
      `GET ${CSP} failed: HTTP 429 too_many_requests: rate limited by Optima after 3 attempts (Flexera allows about 500 ` +
        'requests a minute per user or service account). Wait a minute and run again. Optima said: "injected fault: 429"',
    );
    expect(delays).toEqual([2_000, 2_000]);
  });

  it("retries 5xx with backoff, then succeeds", async () => {
    emulator.inject({ path: CSP, status: 503, times: 2 });
    emulator.inject({ path: CSP, status: 502 });
    await listCsp(client());
    expect(apiRequests().map((r) => r.status)).toEqual([503, 503, 502, 200]);
    expect(delays).toEqual([1_000, 2_000, 4_000]);
  });

  it("retries a token request that met a 5xx", async () => {
    emulator.inject({ path: "/oidc/token", status: 503 });
    const c = client();
    await listCsp(c);
    expect(tokenRequests().map((r) => r.status)).toEqual([503, 200]);
    expect(c.stats.tokenRequests).toBe(2);
  });

  it("does not retry a POST on 5xx, so it cannot create a duplicate", async () => {
    emulator.inject({ path: CSP, method: "POST", status: 503, times: 5 });
    const error = await failure(
      client().request({ method: "POST", host: "optima", path: CSP, body: cspBody }),
    );
    expect(error.message).toBe(
      `POST ${CSP} failed: HTTP 503 service_unavailable: Optima had a server error after 1 attempt. Try again later. ` +
        'Optima said: "injected fault: 503"',
    );
    expect(apiRequests()).toHaveLength(1);
  });

  it("retries a POST on 5xx when the caller marks it retryable", async () => {
    emulator.inject({ path: CSP, method: "POST", status: 503 });
    await client().request({ method: "POST", host: "optima", path: CSP, body: cspBody, retryable: true });
    expect(apiRequests().map((r) => r.status)).toEqual([503, 201]);
    expect(emulator.cspPartners(ORG)).toHaveLength(1);
  });
});

describe("timeouts and unreachable hosts", () => {
  it("gives up on a request that keeps timing out, saying after how long", async () => {
    emulator.inject({ path: CSP, delayMs: 3_000, times: 2 });
    const started = Date.now();
    const c = client("refresh-token", { http: { policy: { maxAttempts: 2 } } });
    const error = await failure(c.request({ method: "GET", host: "optima", path: CSP, timeoutMs: 200 }));
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error.message).toBe(
      `GET ${CSP} timed out after 0.2 s (2 attempts): ${new URL(emulator.url).host} did not answer in time. Try again later.`,
    );
    expect(error).toMatchObject({ kind: "timeout", attempts: 2 });
    expect(error.status).toBeUndefined();
  });

  it("recovers when only the first attempt is slow", async () => {
    emulator.inject({ path: CSP, delayMs: 3_000 });
    const response = await client().request({ method: "GET", host: "optima", path: CSP, timeoutMs: 200 });
    expect(response.status).toBe(200);
  });

  it("names the host and the setting when nothing answers", async () => {
    const gone = await startEmulator();
    const { authUrl, url } = gone;
    await gone.close();
    const c = client("refresh-token", {
      config: { "optima:authUrl": authUrl },
      http: { policy: { maxAttempts: 2 } },
    });
    const error = await failure(listCsp(c));
    expect(error.message).toBe(
      `POST /oidc/token failed: could not reach ${url} (ECONNREFUSED) after 2 attempts. ` +
        "Check the network and optima:authUrl (OPTIMA_AUTH_URL), or optima:region.",
    );
  });
});

describe("error messages", () => {
  it("403: names the role and the org", async () => {
    const error = await failure(
      client().request({
        method: "GET",
        host: "optima",
        path: `/analytics/orgs/${FORBIDDEN_ORG}/azure_csp_partners`,
      }),
    );
    expect(error.message).toBe(
      `GET /analytics/orgs/${FORBIDDEN_ORG}/azure_csp_partners failed: HTTP 403 forbidden: permission denied. The Optima user or ` +
        'service account needs the role that manages billing configuration ("Manage organization" in Flexera One, ' +
        `enterprise_manager in RightScale) in org ${FORBIDDEN_ORG}. Optima said: "the caller does not have the role that ` +
        `manages billing configuration in org ${FORBIDDEN_ORG}"`,
    );
    expect(error).toMatchObject({ method: "GET", status: 403, code: "forbidden" });
    expect(apiRequests()).toHaveLength(1);
  });

  it("403 on a platform-onboarded bill connect: says it is read-only", async () => {
    const seeded = emulator.seedBillConnect(ORG, {
      clientId: APP_ID,
      tenantId: TENANT,
      onboardingOrigin: "platform",
    });
    const error = await failure(
      client().request({ method: "DELETE", host: "flexera", path: `${BILLS}/azure-csp/${seeded.id}` }),
    );
    expect(error.message).toContain(
      'A bill connect that Flexera onboarded itself (onboardingOrigin "platform") is read-only.',
    );
  });

  it("404: names the host, region and settings to check", async () => {
    const error = await failure(client().request({ method: "GET", host: "optima", path: `${CSP}/404404` }));
    expect(error.message).toBe(
      `GET ${CSP}/404404 failed: HTTP 404 not_found: not found on ${emulator.apiUrl} (region us). Check the org ID, ` +
        `optima:apiUrl and optima:region; a registration deleted in Optima also reads as not found. ` +
        `Optima said: "Azure CSP partner 404404 not found in org ${ORG}"`,
    );
    expect(error).toMatchObject({ status: 404, code: "not_found", path: `${CSP}/404404` });
  });

  it("409: says the partnership is already registered", async () => {
    const body = { clientId: APP_ID, clientSecret: APP_SECRET, tenantId: TENANT };
    const c = client();
    await c.request({ method: "POST", host: "flexera", path: `${BILLS}/azure-csp`, body });
    const error = await failure(
      c.request({ method: "POST", host: "flexera", path: `${BILLS}/azure-csp`, body }),
    );
    expect(error.message).toMatch(
      new RegExp(
        `^POST ${BILLS}/azure-csp failed: HTTP 409 conflict: Optima already holds a registration for the same partnership\\. ` +
          `Optima said: "an azure-csp bill connect for this tenant already exists in org ${ORG} \\(id cbi-oi-azure-csp-\\S+\\)"$`,
      ),
    );
    expect(error.code).toBe("conflict");
  });

  it("422: passes on the server's reason, without the request body", async () => {
    const error = await failure(
      client().request({ method: "POST", host: "optima", path: CSP, body: { ...cspBody, mpn_id: "12-34" } }),
    );
    expect(error.message).toBe(
      `POST ${CSP} failed: HTTP 422 unprocessable_entity: Optima rejected the request's values. ` +
        'Optima said: "attribute \\"mpn_id\\" must contain only digits"',
    );
    expect(error.serverMessage).toBe('attribute "mpn_id" must contain only digits');
  });

  it("refuses a path that would send the token to another host", async () => {
    const c = client();
    for (const path of ["https://evil.example.test/x", "//evil.example.test/x", "@evil.example.test/x"]) {
      const error = await failure(c.request({ method: "GET", host: "optima", path }));
      expect(error.message).toBe(
        `GET: the request path must start with "/" and stay on the optima host (${emulator.apiUrl}); refusing to send credentials elsewhere.`,
      );
    }
    expect(emulator.requests).toHaveLength(0);
  });

  it("accepts an absolute href on the request's own host", async () => {
    const seeded = emulator.seedCspPartner(ORG, {
      mpn_id: "7654321",
      domain: "x.onmicrosoft.com",
      application_id: APP_ID,
    });
    const response = await client().request<{ id: string }>({
      method: "GET",
      host: "optima",
      path: `${emulator.apiUrl}${CSP}/${seeded.id}`,
    });
    expect(response.data.id).toBe(seeded.id);
  });
});

describe("secrets", () => {
  it("keeps every credential, token and body out of errors and logs, however they are printed", async () => {
    const c = client("service-account", { http: { policy: { maxAttempts: 2 } } });
    await listCsp(c);
    emulator.expireTokens();
    emulator.inject({ path: CSP, method: "POST", status: 500 });
    visible.push(await rejection(c.request({ method: "POST", host: "optima", path: CSP, body: cspBody })));
    visible.push(
      await rejection(
        c.request({
          method: "PATCH",
          host: "optima",
          path: `${CSP}/999`,
          body: { application_secret: APP_SECRET },
        }),
      ),
    );
    emulator.inject({ path: CSP, delayMs: 1_000, times: 2 });
    visible.push(await rejection(c.request({ method: "GET", host: "optima", path: CSP, timeoutMs: 50 })));
    for (const error of visible.filter((v) => v instanceof Error)) {
      for (const property of ["config", "request", "response", "cause", "headers", "body"]) {
        expect(error).not.toHaveProperty(property);
      }
    }
    expect(visible.filter((v) => v instanceof OptimaApiError)).toHaveLength(3);
    // The afterEach hook scans `visible` for the credentials, APP_SECRET and every token issued.
  });

  it("scanned log lines and errors in this file", () => {
    expect(scanned.logs).toBeGreaterThan(20);
    expect(scanned.errors).toBeGreaterThan(10);
  });
});

describe("closure serialization", () => {
  /** Serializes `make` as Pulumi stores a dynamic provider, and loads it as the host does. */
  async function serializedCopy<T>(make: () => T): Promise<{ value: T; text: string }> {
    const { text } = await serializeFunction(make, { allowSecrets: true });
    const loaded = new Module("serialized-provider");
    loaded.paths = module.paths;
    (loaded as unknown as { _compile(code: string, file: string): void })._compile(
      text,
      "serialized-provider.js",
    );
    return { value: (loaded.exports as { handler: () => T }).handler(), text };
  }

  /** What the host reports of a thrown error is `e.message`; it must be a complete Error. */
  function expectCompleteError(error: unknown, name: string, message: RegExp) {
    visible.push(error);
    // The loaded copy lives in Node's own realm, not jest's sandbox: look for Error by name.
    const chain: string[] = [];
    for (let p = Object.getPrototypeOf(error); p; p = Object.getPrototypeOf(p)) {
      chain.push((p as { constructor?: { name?: string } }).constructor?.name ?? "?");
    }
    expect(chain).toContain("Error");
    expect((error as Error).name).toBe(name);
    expect((error as Error).message).toMatch(message);
    expect(String(error)).toMatch(new RegExp(`^${name}: `));
    expect((error as Error).stack).toContain((error as Error).message);
  }

  it("still works after being serialized the way Pulumi stores a dynamic provider", async () => {
    const connection = resolveConnection(
      configFromRecord({ "optima:apiUrl": emulator.apiUrl, "optima:authUrl": emulator.authUrl }),
      { OPTIMA_REFRESH_TOKEN: REFRESH_TOKEN },
    );
    // The connection is handed over at run time, as configure() does, never captured.
    const { value: open, text } = await serializedCopy(() => (conn: typeof connection) => {
      const optima = new OptimaClient(conn);
      return (path: string) => optima.request({ method: "GET", host: "optima", path });
    });
    expect(text).not.toContain(REFRESH_TOKEN);
    expect(text).toContain('require("axios")');
    const get = open(connection);

    expect((await get(CSP)).status).toBe(200);
    emulator.expireTokens(); // the 401 refresh must work across the serialized copies of the modules
    expect((await get(CSP)).status).toBe(200);
    expect(tokenRequests()).toHaveLength(2);

    const error = await rejection(get(`${CSP}/404404`));
    expectCompleteError(
      error,
      "OptimaApiError",
      new RegExp(`^GET ${CSP}/404404 failed: HTTP 404 not_found: not found on `),
    );
    expect((error as OptimaApiError).status).toBe(404);
  });

  it("keeps HttpError and OptimaConfigError complete Errors in a serialized copy", async () => {
    const { value } = await serializedCopy(() => ({ sendHttp, resolveConnection, configFromRecord }));
    expectCompleteError(
      await rejection(value.sendHttp({ method: "GET", url: `${emulator.apiUrl}${CSP}` })),
      "HttpError",
      new RegExp(`^GET ${CSP} failed: HTTP 401 unauthorized: "missing Authorization header`),
    );
    let configError: unknown;
    try {
      value.resolveConnection(value.configFromRecord({}), {});
    } catch (error) {
      configError = error;
    }
    expectCompleteError(configError, "OptimaConfigError", /^No Optima credential is configured\. /);
  });
});

describe("token lifetimes", () => {
  it("clamps an absurd expires_in to a day instead of computing a date out of range", () => {
    for (const expiresIn of [1e13, 1e308, "9".repeat(400)]) {
      const token = parseTokenResponse({ access_token: "at", expires_in: expiresIn }, 0);
      expect(token?.refreshAt).toBe(86_400_000 - 60_000);
      expect(() => new Date(token?.refreshAt ?? NaN).toISOString()).not.toThrow();
    }
  });
});
