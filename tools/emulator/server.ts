/**
 * The emulator's HTTP layer: reads and records each request, applies queued faults, and routes
 * it to the emulated service.
 *
 * Routes (all on one host, `http://127.0.0.1:PORT`):
 *   POST /oidc/token                                              Flexera One token endpoint
 *   POST /api/oauth2                                              legacy RightScale token endpoint
 *   POST /entra/{tenant}/oauth2/v2.0/token                        Entra ID client-credentials
 *   POST /entra/{tenant}/oauth2/token                             the same, v1 (`resource`, not `scope`)
 *   /graph/v1.0/…                                                 Microsoft Graph (./graph)
 *   GET  /partnercenter/v1/customers                              Partner Center (./partnerCenter)
 *   GET|POST /analytics/orgs/{org}/azure_csp_partners             Cost Management CSP partners
 *   GET|PATCH|DELETE /analytics/orgs/{org}/azure_csp_partners/{id}
 *   GET  /analytics/orgs/{org}/azure_csp_partners/{id}/customers  legacy AzureCSPCustomers (as seeded)
 *   GET  /finops-onboarding/v1/orgs/{org}/bill-connects           FinOps Onboarding
 *   POST /finops-onboarding/v1/orgs/{org}/bill-connects/azure-csp
 *   GET|PATCH|DELETE …/bill-connects/azure-csp/{id}
 *   GET  …/bill-connects/azure-csp/{id}/validation
 *   GET|POST /msp/v2/orgs/{org}/customers                         MSP Customer API v2 (./mspCustomers)
 *   GET|DELETE /msp/v2/orgs/{org}/customers/{id}
 *
 * Error bodies never contain a request value that may be secret: validation messages name
 * fields, token errors never repeat the credential.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { GRAPH_PREFIX, handleGraph } from "./graph";
import { MSP_CUSTOMERS_ROUTE } from "./mspCustomers";
import { PARTNER_CENTER_PREFIX } from "./partnerCenter";
import { EmulatorState } from "./state";
import type { EmulatorFault, EmulatorRequest } from "./types";
import {
  billConnectResource,
  BILL_LIST_KIND,
  cspPartnerHref,
  cspPartnerListItem,
  cspPartnerResource,
  entraError,
  faultMatches,
  goaError,
  GOA_ERROR_CONTENT_TYPE,
  oauthFaultError,
  validateBillConnectCreate,
  validateBillConnectPatch,
  validateCspPartnerCreate,
  validateCspPartnerPatch,
  VALIDATION_KIND,
  type Rejection,
  type Validated,
} from "./wire";

/** Request bodies larger than this are refused with 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** Injected delays are capped at this, so a mistaken fault cannot hang a test run. */
export const MAX_FAULT_DELAY_MS = 10 * 60 * 1000;
/** `expires_in` of Entra ID access tokens. */
const ENTRA_TOKEN_TTL_SECONDS = 3599;

export interface ServerConfig {
  readonly refreshTokens: ReadonlySet<string>;
  /** client ID → client secret */
  readonly serviceAccounts: ReadonlyMap<string, string>;
  readonly tokenTtlSeconds: number;
  readonly legacyTokenTtlSeconds: number;
  readonly forbiddenOrgs: ReadonlySet<string>;
  readonly cspListCarriesFields: boolean;
}

/** Which family of error body a path answers with. */
type Family = "oauth" | "goa";

interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  /** The parsed body: an object for JSON/form bodies, a string when it did not parse, or undefined. */
  readonly body: unknown;
  readonly contentType: string;
  readonly res: ServerResponse;
  readonly record: EmulatorRequest;
}

// ---------------------------------------------------------------------------------------------
// Replies

function send(
  ex: Exchange,
  status: number,
  body: string | undefined,
  headers: Record<string, string> = {},
): void {
  ex.record.status = status;
  if (ex.res.destroyed || ex.res.headersSent) {
    return;
  }
  ex.res.writeHead(status, {
    ...headers,
    ...(body === undefined ? {} : { "Content-Length": String(Buffer.byteLength(body)) }),
  });
  ex.res.end(body);
}

function json(ex: Exchange, status: number, value: unknown, headers: Record<string, string> = {}): void {
  send(ex, status, JSON.stringify(value), { "Content-Type": "application/json", ...headers });
}

function goa(ex: Exchange, status: number, message: string, headers: Record<string, string> = {}): void {
  send(ex, status, JSON.stringify(goaError(status, message, EmulatorState.opaqueId())), {
    "Content-Type": GOA_ERROR_CONTENT_TYPE,
    ...headers,
  });
}

function rejected(ex: Exchange, r: Rejection): void {
  goa(ex, r.status, r.message);
}

/** Token endpoints' answers, tokens (RFC 6749 §5.1: Cache-Control: no-store) and errors alike, are never cached. */
const NO_STORE = { "Cache-Control": "no-store" };

function oauth(ex: Exchange, status: number, error: string, description: string): void {
  json(ex, status, { error, error_description: description }, NO_STORE);
}

/** A token endpoint's 200: the token and what goes with it. */
function issued(ex: Exchange, token: Record<string, unknown>): void {
  json(ex, 200, token, NO_STORE);
}

function methodNotAllowed(ex: Exchange, family: Family, allow: string[]): void {
  const message = `${ex.method} is not allowed on ${ex.path}; allowed: ${allow.join(", ")}`;
  if (family === "goa") {
    goa(ex, 405, message, { Allow: allow.join(", ") });
  } else {
    send(ex, 405, JSON.stringify({ error: "invalid_request", error_description: message }), {
      "Content-Type": "application/json",
      Allow: allow.join(", "),
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Request reading

async function readBody(req: IncomingMessage): Promise<{ text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) {
      tooLarge = true; // keep draining so the client sees the 413, but store nothing more
    } else {
      chunks.push(chunk);
    }
  }
  return { text: tooLarge ? "" : Buffer.concat(chunks).toString("utf8"), tooLarge };
}

function parseBody(contentType: string, text: string): unknown {
  if (text === "") {
    return undefined;
  }
  if (contentType.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) {
      out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
    }
  }
  return out;
}

/** Token endpoints take form bodies (and JSON, per the Flexera spec). */
function params(body: unknown): Record<string, string> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return {};
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body)) {
    if (typeof v === "string") {
      out[k] = v;
    }
  }
  return out;
}

/** The JSON body of an API write, or a 400 rejection when it is not JSON. */
function jsonBody(ex: Exchange): { ok: true; body: unknown } | { ok: false; rejection: Rejection } {
  if (!ex.contentType.includes("json")) {
    return { ok: false, rejection: { status: 400, message: "Content-Type must be application/json" } };
  }
  if (typeof ex.body === "string" || ex.body === undefined) {
    return { ok: false, rejection: { status: 400, message: "request body is not valid JSON" } };
  }
  return { ok: true, body: ex.body };
}

/**
 * The one way an API write reads its request: the JSON body through `validate`, or, when either
 * rejects it, the rejection answered and undefined returned (the handler then returns).
 */
function validBody<T extends object>(ex: Exchange, validate: (body: unknown) => Validated<T>): T | undefined {
  const parsed = jsonBody(ex);
  const result = parsed.ok ? validate(parsed.body) : parsed;
  if (!result.ok) {
    rejected(ex, result.rejection);
    return undefined;
  }
  return result.value;
}

// ---------------------------------------------------------------------------------------------
// Token endpoints

function flexeraToken(ex: Exchange, state: EmulatorState, config: ServerConfig): void {
  if (ex.method !== "POST") {
    return methodNotAllowed(ex, "oauth", ["POST"]);
  }
  const p = params(ex.body);
  const flexeraAccess = (): Record<string, unknown> => ({
    access_token: state.issueToken(config.tokenTtlSeconds),
    expires_in: config.tokenTtlSeconds,
  });
  switch (p.grant_type) {
    case "refresh_token": {
      if (!p.refresh_token) {
        return oauth(ex, 400, "invalid_request", "The request is missing the refresh_token parameter.");
      }
      if (!config.refreshTokens.has(p.refresh_token)) {
        return oauth(ex, 400, "invalid_grant", "The refresh token is invalid, expired or revoked.");
      }
      return issued(ex, { ...flexeraAccess(), refresh_token: p.refresh_token, token_type: "Bearer" });
    }
    case "client_credentials": {
      let clientId = p.client_id;
      let clientSecret = p.client_secret;
      const basic = /^Basic\s+(.+)$/i.exec(ex.headers.authorization ?? "");
      if (basic !== null && clientId === undefined) {
        const decoded = Buffer.from(basic[1], "base64").toString("utf8");
        const colon = decoded.indexOf(":");
        clientId = decodeURIComponent(decoded.slice(0, colon));
        clientSecret = decodeURIComponent(decoded.slice(colon + 1));
      }
      if (!clientId || !clientSecret) {
        return oauth(
          ex,
          400,
          "invalid_request",
          "The request is missing the client_id or client_secret parameter.",
        );
      }
      if (config.serviceAccounts.get(clientId) !== clientSecret) {
        return oauth(ex, 401, "invalid_client", "Client authentication failed.");
      }
      return issued(ex, { ...flexeraAccess(), token_type: "Bearer" });
    }
    case undefined:
      return oauth(ex, 400, "invalid_request", "The request is missing the grant_type parameter.");
    default:
      return oauth(
        ex,
        400,
        "unsupported_grant_type",
        "grant_type must be refresh_token or client_credentials.",
      );
  }
}

function legacyToken(ex: Exchange, state: EmulatorState, config: ServerConfig): void {
  if (ex.method !== "POST") {
    return methodNotAllowed(ex, "oauth", ["POST"]);
  }
  if (ex.headers["x-api-version"] !== "1.5") {
    return send(ex, 400, "The X-API-Version header is required and must be 1.5.", {
      "Content-Type": "text/plain; charset=utf-8",
    });
  }
  const p = params(ex.body);
  if (p.grant_type !== "refresh_token") {
    return oauth(ex, 400, "unsupported_grant_type", "grant_type must be refresh_token.");
  }
  if (!p.refresh_token || !config.refreshTokens.has(p.refresh_token)) {
    return oauth(ex, 400, "invalid_grant", "The refresh token is invalid, expired or revoked.");
  }
  return issued(ex, {
    access_token: state.issueToken(config.legacyTokenTtlSeconds),
    expires_in: config.legacyTokenTtlSeconds,
    token_type: "bearer",
  });
}

/**
 * `version` v2 takes `scope` (the audience + `/.default`), v1 takes `resource` (the audience):
 * Partner Center's own pages show the v1 form [C docs/partner-center.md N11]. Each token is
 * remembered with its tenant, app and audience, which Partner Center checks.
 */
function entraToken(ex: Exchange, state: EmulatorState, tenant: string, version: "v1" | "v2"): void {
  if (ex.method !== "POST") {
    return methodNotAllowed(ex, "oauth", ["POST"]);
  }
  const ids = { traceId: EmulatorState.opaqueId(), correlationId: EmulatorState.opaqueId() };
  const fail = (status: number, error: string, code: number, description: string): void =>
    json(ex, status, entraError(error, code, description, ids, new Date(state.now())), NO_STORE);
  const p = params(ex.body);
  if (!state.entraKnowsTenant(tenant)) {
    return fail(
      400,
      "invalid_request",
      90002,
      `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
    );
  }
  if (p.grant_type !== "client_credentials") {
    return fail(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
  }
  for (const name of ["client_id", version === "v1" ? "resource" : "scope"]) {
    if (!p[name]) {
      return fail(
        400,
        "invalid_request",
        900144,
        `The request body must contain the following parameter: '${name}'.`,
      );
    }
  }
  if (!state.entraKnowsApp(tenant, p.client_id)) {
    return fail(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${p.client_id}' was not found in the directory '${tenant}'.`,
    );
  }
  if (!p.client_secret) {
    return fail(
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const secretState = state.entraSecretState(tenant, p.client_id, p.client_secret);
  if (secretState === "expired") {
    // AADSTS7000222 (Microsoft identity platform error codes, learn.microsoft.com, read 2026-11).
    return fail(
      401,
      "invalid_client",
      7000222,
      `The provided client secret keys for app '${p.client_id}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`,
    );
  }
  if (secretState !== "active") {
    return fail(
      401,
      "invalid_client",
      7000215,
      `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${p.client_id}'.`,
    );
  }
  return issued(ex, {
    token_type: "Bearer",
    expires_in: ENTRA_TOKEN_TTL_SECONDS,
    ext_expires_in: ENTRA_TOKEN_TTL_SECONDS,
    access_token: state.issueEntraToken({
      tenantId: tenant,
      clientId: p.client_id,
      audience: version === "v1" ? p.resource : p.scope.replace(/\/\.default$/, ""),
      appOnly: true,
    }),
  });
}

// ---------------------------------------------------------------------------------------------
// API guards: token, org permission

/** Answers 401/403 and returns false when the caller may not proceed. */
function authorized(ex: Exchange, state: EmulatorState): boolean {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ex.headers.authorization ?? "");
  if (bearer === null) {
    goa(ex, 401, "missing Authorization header; send a Bearer access token", {
      "WWW-Authenticate": 'Bearer realm="flexera"',
    });
    return false;
  }
  if (!state.tokenIsValid(bearer[1])) {
    goa(ex, 401, "the access token is invalid or has expired", {
      "WWW-Authenticate": 'Bearer realm="flexera", error="invalid_token"',
    });
    return false;
  }
  return true;
}

function permitted(ex: Exchange, config: ServerConfig, orgId: string): boolean {
  if (config.forbiddenOrgs.has(orgId)) {
    goa(ex, 403, `the caller does not have the role that manages billing configuration in org ${orgId}`);
    return false;
  }
  return true;
}

/** A POST that creates: the validated body to `store`, then 201 with the resource and its Location. */
function create<T extends object, S>(
  ex: Exchange,
  validate: (body: unknown) => Validated<T>,
  store: (fields: T) => Validated<S>,
  resource: (stored: S) => unknown,
  location: (stored: S) => string,
): void {
  const fields = validBody(ex, validate);
  if (fields === undefined) {
    return;
  }
  const created = store(fields);
  if (!created.ok) {
    return rejected(ex, created.rejection);
  }
  return json(ex, 201, resource(created.value), { Location: location(created.value) });
}

/** One stored item of an org's collection, as a GET, PATCH or DELETE of it reaches it. */
interface StoredItem<S, P> {
  /** The item; undefined when the org has none with the ID asked for. */
  readonly stored: S | undefined;
  /** The 404 for an item the org does not have. */
  readonly notFound: () => void;
  readonly resource: (stored: S) => unknown;
  readonly validatePatch: (body: unknown, stored: S) => Validated<P>;
  /** Stores a valid patch; a rejection it returns (a conflict) is answered instead of the 204. */
  readonly update: (patch: P) => Rejection | undefined;
  readonly remove: () => void;
  /** Why a PATCH or DELETE of the item is refused with 403; undefined (or absent) when it may change. */
  readonly changeRefusal?: (stored: S) => string | undefined;
}

/**
 * GET, PATCH or DELETE of one stored item: 405, 404, 403, then the body's own answers. The 403 for a
 * bill connect Flexera onboarded is docs/optima-api.md §1's (its quote of the FinOps Onboarding
 * reference); the order of the checks is this emulator's own, as it was before this helper: no
 * source says which one Optima makes first.
 */
function storedItem<S, P extends object>(ex: Exchange, item: StoredItem<S, P>): void {
  if (!["GET", "PATCH", "DELETE"].includes(ex.method)) {
    return methodNotAllowed(ex, "goa", ["GET", "PATCH", "DELETE"]);
  }
  const { stored } = item;
  if (stored === undefined) {
    return item.notFound();
  }
  if (ex.method === "GET") {
    return json(ex, 200, item.resource(stored));
  }
  const refusal = item.changeRefusal?.(stored);
  if (refusal !== undefined) {
    return goa(ex, 403, refusal);
  }
  if (ex.method === "DELETE") {
    item.remove();
    return send(ex, 204, undefined);
  }
  const patch = validBody(ex, (body) => item.validatePatch(body, stored));
  if (patch === undefined) {
    return;
  }
  const rejection = item.update(patch);
  return rejection === undefined ? send(ex, 204, undefined) : rejected(ex, rejection);
}

/** The guards of every Cost Management call, in the API's order: token, Api-Version, org permission. */
function costManagementCaller(
  ex: Exchange,
  state: EmulatorState,
  config: ServerConfig,
  orgId: string,
): boolean {
  if (!authorized(ex, state)) {
    return false;
  }
  if (ex.headers["api-version"] !== "1.0") {
    goa(ex, 400, "missing or unsupported Api-Version header; this API requires Api-Version: 1.0");
    return false;
  }
  return permitted(ex, config, orgId);
}

// ---------------------------------------------------------------------------------------------
// Cost Management: azure_csp_partners

function cspPartners(
  ex: Exchange,
  state: EmulatorState,
  config: ServerConfig,
  orgId: string,
  id: string | undefined,
): void {
  if (!costManagementCaller(ex, state, config, orgId)) {
    return;
  }
  if (id === undefined) {
    if (ex.method === "GET") {
      return json(
        ex,
        200,
        state.cspPartners(orgId).map((p) => cspPartnerListItem(p, config.cspListCarriesFields)),
      );
    }
    if (ex.method === "POST") {
      return create(
        ex,
        validateCspPartnerCreate,
        (fields) => state.createCspPartner(orgId, fields),
        cspPartnerResource,
        (partner) => cspPartnerHref(orgId, partner.id),
      );
    }
    return methodNotAllowed(ex, "goa", ["GET", "POST"]);
  }
  return storedItem(ex, {
    stored: state.cspPartner(orgId, id),
    notFound: () => goa(ex, 404, `Azure CSP partner ${id} not found in org ${orgId}`),
    resource: cspPartnerResource,
    validatePatch: validateCspPartnerPatch,
    update: (patch) => {
      state.updateCspPartner(orgId, id, patch);
      return undefined;
    },
    remove: () => state.deleteCspPartner(orgId, id),
  });
}

/**
 * `GET …/azure_csp_partners/{id}/customers`: the legacy `AzureCSPCustomers` index (Index is
 * confirmed, the path is C-weak and the item fields are unknown: docs/optima-api.md §2). The
 * emulator answers the items a test seeded, as they were seeded; it has no write.
 */
function legacyCspCustomers(
  ex: Exchange,
  state: EmulatorState,
  config: ServerConfig,
  orgId: string,
  partnerId: string,
): void {
  if (!costManagementCaller(ex, state, config, orgId)) {
    return;
  }
  if (ex.method !== "GET") {
    return methodNotAllowed(ex, "goa", ["GET"]);
  }
  if (state.cspPartner(orgId, partnerId) === undefined) {
    return goa(ex, 404, `Azure CSP partner ${partnerId} not found in org ${orgId}`);
  }
  return json(ex, 200, state.legacyCustomers(partnerId));
}

// ---------------------------------------------------------------------------------------------
// FinOps Onboarding: bill-connects / azure-csp

function billConnects(
  ex: Exchange,
  state: EmulatorState,
  config: ServerConfig,
  orgId: string,
  rest: string,
): void {
  if (!authorized(ex, state) || !permitted(ex, config, orgId)) {
    return;
  }
  if (rest === "") {
    return ex.method === "GET"
      ? json(ex, 200, { kind: BILL_LIST_KIND, values: state.billConnects(orgId).map(billConnectResource) })
      : methodNotAllowed(ex, "goa", ["GET"]);
  }
  if (rest === "/azure-csp") {
    if (ex.method !== "POST") {
      return methodNotAllowed(ex, "goa", ["POST"]);
    }
    return create(
      ex,
      validateBillConnectCreate,
      (fields) => state.createBillConnect(orgId, fields),
      billConnectResource,
      (bill) => `/finops-onboarding/v1/orgs/${encodeURIComponent(orgId)}/bill-connects/azure-csp/${bill.id}`,
    );
  }
  const item = /^\/azure-csp\/([^/]+)(\/validation)?\/?$/.exec(rest);
  if (item === null) {
    return goa(ex, 404, `no route for ${ex.method} ${ex.path}`);
  }
  const id = decodeURIComponent(item[1]);
  const stored = state.billConnect(orgId, id);
  const notFound = (): void => goa(ex, 404, `bill connect ${id} not found in org ${orgId}`);
  if (item[2] !== undefined) {
    if (ex.method !== "GET") {
      return methodNotAllowed(ex, "goa", ["GET"]);
    }
    return stored === undefined
      ? notFound()
      : json(ex, 200, { billId: stored.id, kind: VALIDATION_KIND, ...state.validate(stored) });
  }
  return storedItem(ex, {
    stored,
    notFound,
    resource: billConnectResource,
    validatePatch: validateBillConnectPatch,
    update: (patch) => {
      const updated = state.updateBillConnect(orgId, id, patch);
      return updated?.ok === false ? updated.rejection : undefined;
    },
    remove: () => state.deleteBillConnect(orgId, id),
    changeRefusal: (bill) =>
      bill.onboardingOrigin === "platform"
        ? `bill connect ${id} was onboarded through the Flexera platform and is read-only here`
        : undefined,
  });
}

// ---------------------------------------------------------------------------------------------
// MSP Customer API v2: child orgs (./mspCustomers)

function mspCustomers(
  ex: Exchange,
  state: EmulatorState,
  config: ServerConfig,
  parentOrgId: string,
  id: string | undefined,
): void {
  if (!authorized(ex, state) || !permitted(ex, config, parentOrgId)) {
    return;
  }
  let body: unknown;
  if (ex.method === "POST") {
    const parsed = jsonBody(ex);
    if (!parsed.ok) {
      return rejected(ex, parsed.rejection);
    }
    body = parsed.body;
  }
  const reply = state.msp.handle({ method: ex.method, parentOrgId, id, body, now: state.nowIso() });
  if (reply.goa === true) {
    return goa(ex, reply.status, String(reply.body), reply.headers);
  }
  return reply.body === undefined
    ? send(ex, reply.status, undefined, reply.headers)
    : json(ex, reply.status, reply.body, reply.headers);
}

// ---------------------------------------------------------------------------------------------
// Dispatch

const CSP_ROUTE = /^\/analytics\/orgs\/([^/]+)\/azure_csp_partners(?:\/([^/]+))?\/?$/;
const FINOPS_ROUTE = /^\/finops-onboarding\/v1\/orgs\/([^/]+)\/bill-connects(\/.*)?$/;
const ENTRA_ROUTE = /^\/entra\/([^/]+)\/oauth2(\/v2\.0)?\/token\/?$/;
const LEGACY_CUSTOMERS_ROUTE = /^\/analytics\/orgs\/([^/]+)\/azure_csp_partners\/([^/]+)\/customers\/?$/;

/** A route under an org: its pattern, whose first capture is the org ID, and what answers it. */
interface OrgRoute {
  readonly pattern: RegExp;
  /** Answers a request the pattern matched, given the org ID percent-decoded and the whole match. */
  readonly handle: (
    ex: Exchange,
    state: EmulatorState,
    config: ServerConfig,
    orgId: string,
    match: RegExpExecArray,
  ) => void;
}

/** A path segment a route captured, percent-decoded; undefined where the route's optional part is absent. */
function segment(captured: string | undefined): string | undefined {
  return captured === undefined ? undefined : decodeURIComponent(captured);
}

/** Every route under an org (their patterns do not overlap). */
const ORG_ROUTES: readonly OrgRoute[] = [
  {
    pattern: LEGACY_CUSTOMERS_ROUTE,
    handle: (ex, state, config, orgId, [, , partnerId]) =>
      legacyCspCustomers(ex, state, config, orgId, decodeURIComponent(partnerId)),
  },
  {
    pattern: CSP_ROUTE,
    handle: (ex, state, config, orgId, [, , id]) => cspPartners(ex, state, config, orgId, segment(id)),
  },
  {
    pattern: MSP_CUSTOMERS_ROUTE,
    handle: (ex, state, config, orgId, [, , id]) => mspCustomers(ex, state, config, orgId, segment(id)),
  },
  {
    // The rest of the path as sent: billConnects routes it, and decodes the ID it finds there.
    pattern: FINOPS_ROUTE,
    handle: (ex, state, config, orgId, [, , rest]) =>
      billConnects(ex, state, config, orgId, (rest ?? "").replace(/\/$/, "")),
  },
];

function familyOf(path: string): Family {
  return path === "/oidc/token" || path === "/api/oauth2" || ENTRA_ROUTE.test(path) ? "oauth" : "goa";
}

function route(ex: Exchange, state: EmulatorState, config: ServerConfig): void {
  const { path } = ex;
  if (path === "/oidc/token") {
    return flexeraToken(ex, state, config);
  }
  if (path === "/api/oauth2") {
    return legacyToken(ex, state, config);
  }
  const entra = ENTRA_ROUTE.exec(path);
  if (entra !== null) {
    return entraToken(ex, state, decodeURIComponent(entra[1]), entra[2] === undefined ? "v1" : "v2");
  }
  if (path.startsWith(`${PARTNER_CENTER_PREFIX}/`)) {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ex.headers.authorization ?? "");
    const reply = state.partnerCenter.handle({
      method: ex.method,
      path: path.slice(PARTNER_CENTER_PREFIX.length),
      query: ex.record.query,
      headers: ex.headers,
      claims: bearer === null ? undefined : state.entraTokenClaims(bearer[1]),
    });
    return json(ex, reply.status, reply.body);
  }
  if (path.startsWith(`${GRAPH_PREFIX}/`)) {
    const reply = handleGraph(state, {
      method: ex.method,
      path: path.slice(GRAPH_PREFIX.length),
      query: ex.record.query,
      authorization: ex.headers.authorization,
      body: ex.body,
    });
    return reply.body === undefined ? send(ex, reply.status, undefined) : json(ex, reply.status, reply.body);
  }
  for (const { pattern, handle } of ORG_ROUTES) {
    const match = pattern.exec(path);
    if (match !== null) {
      return handle(ex, state, config, decodeURIComponent(match[1]), match);
    }
  }
  return goa(ex, 404, `no route for ${ex.method} ${path}`);
}

function answerFault(ex: Exchange, fault: EmulatorFault & { status: number }): void {
  const headers: Record<string, string> = {
    ...fault.headers,
    ...(fault.retryAfter === undefined ? {} : { "Retry-After": fault.retryAfter }),
  };
  if (fault.body !== undefined) {
    const contentType =
      fault.contentType ?? (/^\s*</.test(fault.body) ? "text/html; charset=utf-8" : "application/json");
    return send(ex, fault.status, fault.body, { "Content-Type": contentType, ...headers });
  }
  if (familyOf(ex.path) === "oauth") {
    return json(ex, fault.status, oauthFaultError(fault.status), headers);
  }
  return goa(ex, fault.status, `injected fault: ${fault.status}`, headers);
}

/**
 * The request listener. `signal` aborts pending injected delays when the emulator closes.
 */
export function createListener(
  state: EmulatorState,
  config: ServerConfig,
  signal: AbortSignal,
): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = (req.method ?? "GET").toUpperCase();
    const headers = flatHeaders(req);
    const contentType = (headers["content-type"] ?? "").toLowerCase();
    const { text, tooLarge } = await readBody(req);
    const record: EmulatorRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: parseBody(contentType, text),
      status: 0,
    };
    state.record(record);
    const ex: Exchange = {
      method,
      path: url.pathname,
      headers,
      body: record.body,
      contentType,
      res,
      record,
    };
    if (tooLarge) {
      return goa(ex, 413, `request body exceeds ${MAX_BODY_BYTES} bytes`);
    }
    const fault = state.takeFault((f) => faultMatches(f, method, url.pathname));
    if (fault?.delayMs !== undefined && fault.delayMs > 0) {
      try {
        await delay(Math.min(fault.delayMs, MAX_FAULT_DELAY_MS), undefined, { signal });
      } catch {
        res.destroy(); // the emulator is closing
        return;
      }
    }
    if (fault?.status !== undefined) {
      return answerFault(ex, { ...fault, status: fault.status });
    }
    return route(ex, state, config);
  };
  return (req, res) => {
    handle(req, res).catch(() => {
      // Never reached in normal operation: every branch answers. Answer 500 without details.
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { "Content-Type": GOA_ERROR_CONTENT_TYPE });
        res.end(JSON.stringify(goaError(500, "internal emulator error", EmulatorState.opaqueId())));
      }
    });
  };
}
