/**
 * The emulator's wire format: pure functions, no I/O.
 *
 * Owns what the emulated services put on the wire and what they accept: the Goa error envelope
 * of the Optima / Flexera APIs, the OAuth error bodies of the token endpoints (Flexera One and
 * Entra ID), the JSON representations of stored registrations (never with a secret), request
 * body validation, and fault matching. Everything here follows the Optima API contract
 * (docs/optima-api.md), never the client's own mapping module.
 */
import { createHash } from "node:crypto";
import { parseScopeDetails, scopeDetailsResource } from "./customers";
import type { EmulatorFault, StoredBillConnect, StoredCspPartner, StoredScopeDetails } from "./types";

/** Content type of Goa error bodies. */
export const GOA_ERROR_CONTENT_TYPE = "application/vnd.goa.error";

/** The Goa error envelope (docs/optima-api.md §4). */
export interface GoaError {
  readonly name: string;
  readonly id: string;
  readonly message: string;
  readonly temporary: boolean;
  readonly timeout: boolean;
  readonly fault: boolean;
}

const GOA_NAMES: Readonly<Record<number, string>> = {
  400: "bad_request",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  409: "conflict",
  413: "request_entity_too_large",
  415: "unsupported_media_type",
  422: "unprocessable_entity",
  429: "too_many_requests",
  500: "internal_error",
  502: "bad_gateway",
  503: "service_unavailable",
  504: "gateway_timeout",
};

/** The Goa error body for a status. `id` is the per-error identifier Goa generates. */
export function goaError(status: number, message: string, id: string): GoaError {
  return {
    name: GOA_NAMES[status] ?? (status >= 500 ? "internal_error" : "bad_request"),
    id,
    message,
    temporary: status === 429 || status === 502 || status === 503,
    timeout: status === 504,
    fault: status >= 500,
  };
}

/** An OAuth 2.0 error body (RFC 6749 §5.2), as the Flexera One token endpoint answers. */
export interface OAuthError {
  readonly error: string;
  readonly error_description: string;
}

/** An Entra ID token endpoint error body (`AADSTS…` codes). */
export interface EntraError extends OAuthError {
  readonly error_codes: number[];
  readonly timestamp: string;
  readonly trace_id: string;
  readonly correlation_id: string;
}

export function entraError(
  error: string,
  code: number,
  description: string,
  ids: { traceId: string; correlationId: string },
  now: Date,
): EntraError {
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${ids.traceId} Correlation ID: ${ids.correlationId} Timestamp: ${now.toISOString()}`,
    error_codes: [code],
    timestamp: now.toISOString(),
    trace_id: ids.traceId,
    correlation_id: ids.correlationId,
  };
}

/** The OAuth error a fault answers with on a token endpoint. */
export function oauthFaultError(status: number): OAuthError {
  return status === 429
    ? { error: "too_many_requests", error_description: "Rate limit exceeded; retry later." }
    : {
        error: "temporarily_unavailable",
        error_description: `The server answered ${status} (injected fault).`,
      };
}

// ---------------------------------------------------------------------------------------------
// Representations. Secrets are held by the store and never appear in any of these.

export const CSP_PARTNER_KIND = "cm#azure_csp_partner";
export const BILL_CONNECT_KIND = "finops:bill-connect-cbi-oi-azure-csp";
export const BILL_LIST_KIND = "finops:generic-bill-list";
export const VALIDATION_KIND = "finops:bill-connect-validation";
export const BILL_CONNECT_ID_PREFIX = "cbi-oi-azure-csp-";

export function cspPartnerHref(orgId: string, id: string): string {
  return `/analytics/orgs/${encodeURIComponent(orgId)}/azure_csp_partners/${encodeURIComponent(id)}`;
}

/** The show / create representation of a CSP partnership. */
export function cspPartnerResource(p: StoredCspPartner): Record<string, unknown> {
  return {
    id: p.id,
    href: cspPartnerHref(p.org_id, p.id),
    kind: CSP_PARTNER_KIND,
    mpn_id: p.mpn_id,
    domain: p.domain,
    application_id: p.application_id,
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}

/**
 * The index representation: by default only what public sources confirm the list carries
 * (`id`, `href`, `created_at`, `updated_at`).
 */
export function cspPartnerListItem(p: StoredCspPartner, carriesFields: boolean): Record<string, unknown> {
  if (carriesFields) {
    return cspPartnerResource(p);
  }
  return {
    id: p.id,
    href: cspPartnerHref(p.org_id, p.id),
    created_at: p.created_at,
    updated_at: p.updated_at,
  };
}

/** The representation of an azure-csp bill connect; `clientSecret` is redacted (omitted). */
export function billConnectResource(b: StoredBillConnect): Record<string, unknown> {
  return {
    id: b.id,
    kind: BILL_CONNECT_KIND,
    createdAt: b.createdAt,
    updatedAt: b.updatedAt,
    azureCsp: {
      clientId: b.clientId,
      tenantId: b.tenantId,
      ...(b.billingAccountId === undefined ? {} : { billingAccountId: b.billingAccountId }),
      ...scopeDetailsResource(b.scopeDetails),
      onboardingOrigin: b.onboardingOrigin,
      ...(b.scopeDetails === undefined ? {} : { scopeDetails: b.scopeDetails }),
    },
  };
}

/** `cbi-oi-azure-csp-<sha256 hex>`: a stable hash of the org, the cloud account (./customers) and a salt. */
export function billConnectId(orgId: string, account: string, salt: number): string {
  const hash = createHash("sha256").update(`${orgId}/${account}/${salt}`).digest("hex");
  return `${BILL_CONNECT_ID_PREFIX}${hash}`;
}

// ---------------------------------------------------------------------------------------------
// Validation. Messages name fields, never their values: a value may be a secret.

/** A rejected request: the HTTP status and a message that names the offending field. */
export interface Rejection {
  readonly status: 400 | 403 | 409 | 422;
  readonly message: string;
}

export type Validated<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly rejection: Rejection };

const reject = (status: Rejection["status"], message: string): { ok: false; rejection: Rejection } => ({
  ok: false,
  rejection: { status, message },
});

const DIGITS = /^[0-9]+$/;
const GUID = "[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}";
/** `GUID:GUID_YYYY-MM-DD` (docs/optima-api.md §1C). */
export const BILLING_ACCOUNT_ID = new RegExp(
  `^${GUID}:${GUID}_2[0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$`,
);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A required or optional string field: present values must be non-empty strings. */
function stringField(
  body: Record<string, unknown>,
  field: string,
  required: boolean,
): { ok: true; value: string | undefined } | { ok: false; rejection: Rejection } {
  const v = body[field];
  if (v === undefined || v === null) {
    return required ? reject(422, `missing required attribute "${field}"`) : { ok: true, value: undefined };
  }
  if (typeof v !== "string") {
    return reject(422, `attribute "${field}" must be a string`);
  }
  if (v.trim() === "") {
    return reject(422, `attribute "${field}" must not be empty`);
  }
  return { ok: true, value: v };
}

export interface CspPartnerFields {
  mpn_id: string;
  domain: string;
  application_id: string;
  application_secret: string;
}

export function validateCspPartnerCreate(body: unknown): Validated<CspPartnerFields> {
  if (!isObject(body)) {
    return reject(400, "request body must be a JSON object");
  }
  const out: Partial<CspPartnerFields> = {};
  for (const field of ["mpn_id", "domain", "application_id", "application_secret"] as const) {
    const r = stringField(body, field, true);
    if (!r.ok) {
      return r;
    }
    out[field] = r.value;
  }
  if (!DIGITS.test(out.mpn_id!)) {
    return reject(422, `attribute "mpn_id" must contain only digits`);
  }
  return { ok: true, value: out as CspPartnerFields };
}

export type CspPartnerPatch = Partial<
  Pick<CspPartnerFields, "domain" | "application_id" | "application_secret">
>;

export function validateCspPartnerPatch(body: unknown, stored: StoredCspPartner): Validated<CspPartnerPatch> {
  if (!isObject(body)) {
    return reject(400, "request body must be a JSON object");
  }
  if (body.mpn_id !== undefined && body.mpn_id !== stored.mpn_id) {
    return reject(422, `attribute "mpn_id" cannot be updated; delete the partnership and create a new one`);
  }
  return optionalStringFields(body, ["domain", "application_id", "application_secret"] as const);
}

export interface BillConnectFields {
  clientId: string;
  clientSecret: string;
  tenantId: string;
  billingAccountId?: string;
  scopeDetails?: StoredScopeDetails;
}

export function validateBillConnectCreate(body: unknown): Validated<BillConnectFields> {
  if (!isObject(body)) {
    return reject(400, "request body must be a JSON object");
  }
  const out: Partial<BillConnectFields> = {};
  for (const [field, required] of [
    ["clientId", true],
    ["clientSecret", true],
    ["tenantId", true],
    ["billingAccountId", false],
  ] as const) {
    const r = stringField(body, field, required);
    if (!r.ok) {
      return r;
    }
    if (r.value !== undefined) {
      out[field] = r.value;
    }
  }
  if (out.billingAccountId !== undefined && !BILLING_ACCOUNT_ID.test(out.billingAccountId)) {
    return reject(422, `attribute "billingAccountId" must match GUID:GUID_YYYY-MM-DD`);
  }
  const scope = parseScopeDetails(body.scopeDetails);
  if (!scope.ok) {
    return reject(scope.status, scope.message);
  }
  if (scope.value !== undefined) {
    out.scopeDetails = scope.value;
  }
  return { ok: true, value: out as BillConnectFields };
}

export type BillConnectPatch = Partial<Pick<BillConnectFields, "clientId" | "clientSecret" | "tenantId">>;

export function validateBillConnectPatch(
  body: unknown,
  stored: StoredBillConnect,
): Validated<BillConnectPatch> {
  if (!isObject(body)) {
    return reject(400, "request body must be a JSON object");
  }
  if (body.billingAccountId !== undefined && body.billingAccountId !== stored.billingAccountId) {
    return reject(
      422,
      `attribute "billingAccountId" cannot be updated; delete the bill connect and create a new one`,
    );
  }
  if (body.scopeDetails !== undefined) {
    return reject(422, `attribute "scopeDetails" cannot be updated`);
  }
  return optionalStringFields(body, ["clientId", "clientSecret", "tenantId"] as const);
}

/** The fields of a PATCH body that are present, each checked to be a non-empty string. */
function optionalStringFields<K extends string>(
  body: Record<string, unknown>,
  fields: readonly K[],
): Validated<Partial<Record<K, string>>> {
  const out: Partial<Record<K, string>> = {};
  for (const field of fields) {
    const r = stringField(body, field, false);
    if (!r.ok) {
      return r;
    }
    if (r.value !== undefined) {
      out[field] = r.value;
    }
  }
  return { ok: true, value: out };
}

// ---------------------------------------------------------------------------------------------
// Faults

/** Whether a fault applies to a request (method and path only; `times` is the caller's). */
export function faultMatches(fault: EmulatorFault, method: string, path: string): boolean {
  if (fault.method !== undefined && fault.method.toUpperCase() !== method.toUpperCase()) {
    return false;
  }
  if (fault.path === undefined) {
    return true;
  }
  if (typeof fault.path === "string") {
    return path.includes(fault.path);
  }
  fault.path.lastIndex = 0; // a /g or /y RegExp keeps state between calls
  return fault.path.test(path);
}
