/**
 * CSP customers in the emulator: the `scopeDetails` of a customer's azure-csp bill connect, and
 * what makes two bill connects "the same cloud account" in an org (the 409 rule). Pure: no I/O.
 *
 * Each rule cites docs/optima-api.md §2 (and §1C), which cites the published FinOps Onboarding
 * spec (S9, N3 there). Where no source says, the rule is marked as the emulator's choice.
 */
import type { StoredBillConnect, StoredScopeDetails } from "./types";

type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly status: 400 | 422; readonly message: string };

/** The one scope type the emulator gives a meaning to (§2: "Customer Tenant"). */
export const CUSTOMER_TENANT_SCOPE = "Customer Tenant";

/** §2: `customerDetails.customerTenantId` has the pattern `^[a-zA-Z\d-_]{1,128}$` [C]. */
const CUSTOMER_TENANT_ID = /^[a-zA-Z\d_-]{1,128}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The `scopeDetails` of a create body (absent: billing-account scope, §2 [C]). `scopeType` is a
 * free string (§2 [C]: no enum); `customerDetails` requires `customerTenantId` and may carry
 * `billingProfileId` (§2 [C]). Refusing "Customer Tenant" without `customerDetails` (422) is the
 * emulator's choice: §2 says the customer tenant is required to gather its data, not how a
 * request without one is answered [U].
 */
export function parseScopeDetails(value: unknown): Parsed<StoredScopeDetails | undefined> {
  if (value === undefined || value === null) {
    return { ok: true, value: undefined };
  }
  if (!isObject(value)) {
    return { ok: false, status: 422, message: `attribute "scopeDetails" must be an object` };
  }
  const scopeType = value.scopeType;
  if (typeof scopeType !== "string" || scopeType.trim() === "") {
    return {
      ok: false,
      status: 422,
      message: `attribute "scopeDetails.scopeType" must be a non-empty string`,
    };
  }
  const details = value.customerDetails;
  if (details === undefined || details === null) {
    return scopeType === CUSTOMER_TENANT_SCOPE
      ? {
          ok: false,
          status: 422,
          message: `scope "${CUSTOMER_TENANT_SCOPE}" needs "scopeDetails.customerDetails"`,
        }
      : { ok: true, value: { scopeType } };
  }
  if (!isObject(details)) {
    return { ok: false, status: 422, message: `attribute "scopeDetails.customerDetails" must be an object` };
  }
  const tenant = details.customerTenantId;
  if (typeof tenant !== "string" || !CUSTOMER_TENANT_ID.test(tenant)) {
    return {
      ok: false,
      status: 422,
      message: `attribute "scopeDetails.customerDetails.customerTenantId" must match ^[a-zA-Z\\d-_]{1,128}$`,
    };
  }
  const profile = details.billingProfileId;
  if (profile !== undefined && (typeof profile !== "string" || profile.trim() === "")) {
    return {
      ok: false,
      status: 422,
      message: `attribute "scopeDetails.customerDetails.billingProfileId" must be a non-empty string`,
    };
  }
  return {
    ok: true,
    value: {
      scopeType,
      customerDetails: {
        customerTenantId: tenant,
        ...(profile === undefined ? {} : { billingProfileId: profile }),
      },
    },
  };
}

/**
 * What makes two bill connects "the same cloud account" in an org, which a create refuses with
 * 409 (§1C, §2 [C]: "The API returns conflict upon registering the same cloud account in an
 * organization if it is already registered"). Whether the scope counts is not published (§2
 * [U]); the emulator's choice: the tenant AND the customer tenant of a "Customer Tenant" scope,
 * in any letter case, so a partner's own bill connect and each customer's coexist in one org,
 * and two connects of one customer in one org conflict.
 */
export function cloudAccountKey(b: Pick<StoredBillConnect, "tenantId" | "scopeDetails">): string {
  const customer = b.scopeDetails?.customerDetails?.customerTenantId ?? "";
  return `${b.tenantId.toLowerCase()}/${customer.toLowerCase()}`;
}

/** The `scopeDetails` of a representation: as created (§2: read back on show and list [C]). */
export function scopeDetailsResource(scope: StoredScopeDetails | undefined): Record<string, unknown> {
  if (scope === undefined) {
    return {};
  }
  return {
    scopeDetails: {
      scopeType: scope.scopeType,
      ...(scope.customerDetails === undefined ? {} : { customerDetails: { ...scope.customerDetails } }),
    },
  };
}
