/**
 * Partner Center's customer list, on the wire: the app-only token request for the Partner Center
 * resource, the list request and its seek paging, and the parsing of a page. Pure: requests are
 * built and answers read here; ./listing sends them through the package's one HTTP layer.
 *
 * Rules, each with its source (docs/partner-center.md, which gives the tags):
 * - Token: `POST {authority}/{partnerTenantId}/oauth2/token`, form
 *   `grant_type=client_credentials&client_id&client_secret&resource=https://api.partnercenter.microsoft.com`,
 *   the Partner Center Web App's own ID and key (app-only) [C N11]. Not the deploying identity:
 *   Partner Center accepts the app registered in it [C N11]. Tokens of the `graph.windows.net`
 *   audience are no longer accepted [C N11].
 * - List: `GET {base}/v1/customers?size={n}`, headers `Authorization: Bearer`, `Accept:
 *   application/json`, `MS-RequestId`, `MS-CorrelationId`; app-only credentials are supported
 *   [C N9]. Answer `{totalCount, items: [{id, companyProfile: {tenantId, domain, companyName},
 *   relationshipToPartner}], links}` [C N9].
 * - Paging: the next page is `…/customers?seekOperation=Next&size={n}` with the continuation token
 *   [C N10], which comes in `links.next.headers` as `MS-ContinuationToken` and goes back in the
 *   request header of that name [C for other Partner Center collections, I for customers]. The
 *   next request is built here from the base URL, never from `links.next.uri`, so the token is
 *   never sent to a host the answer names. No `links.next`: the last page [I].
 * - A customer's tenant ID is `companyProfile.tenantId`, the same as its `id` [C N12]; `id` is the
 *   fallback when the profile lacks it [I].
 */
import { randomUUID } from "node:crypto";
import type { HttpRequestSpec } from "../http";

/** Partner Center's API root [C N9]. */
export const DEFAULT_PARTNER_CENTER_URL = "https://api.partnercenter.microsoft.com";

/** The resource (audience) of a Partner Center token [C N11]. */
export const PARTNER_CENTER_RESOURCE = "https://api.partnercenter.microsoft.com";

/** The Entra ID authority of the public cloud. */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";

/** The header of the seek continuation token. */
export const CONTINUATION_HEADER = "MS-ContinuationToken";

/** Customers asked for per page (`size`). Partner Center's largest accepted size is not published; its SDK samples use 40. */
export const DEFAULT_PAGE_SIZE = 100;

/** Most pages read: 500 pages of 100 is 50,000 customers, far beyond any partner seen; a longer list is refused, not cut. */
export const MAX_PAGES = 500;

/** The Web App's client credentials, for the app-only token. `clientSecret` never leaves the token request. */
export interface WebAppCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Where the Partner Center and Entra ID endpoints are. */
export interface PartnerCenterEndpoints {
  /** Partner Center's API root, no trailing slash. */
  readonly partnerCenterUrl: string;
  /** The Entra ID authority host, no trailing slash. */
  readonly authorityHost: string;
  /** The token's resource; {@link PARTNER_CENTER_RESOURCE} unless a sovereign cloud needs another. */
  readonly resource: string;
}

/** A customer as optima-csp uses it. */
export interface PartnerCenterCustomer {
  readonly tenantId: string;
  readonly domain: string;
  readonly companyName: string;
  readonly relationshipToPartner?: string;
}

/** One page of the list. */
export interface CustomerPage {
  readonly customers: readonly PartnerCenterCustomer[];
  /** The continuation token of the next page; undefined on the last page. */
  readonly continuation?: string;
  readonly totalCount?: number;
}

/** The app-only token request [C N11]. */
export function tokenRequest(
  endpoints: PartnerCenterEndpoints,
  credentials: WebAppCredentials,
): HttpRequestSpec {
  return {
    method: "POST",
    url: `${endpoints.authorityHost}/${encodeURIComponent(credentials.tenantId)}/oauth2/token`,
    form: {
      grant_type: "client_credentials",
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
      resource: endpoints.resource,
    },
    retryable: true, // asking for a token twice is harmless
  };
}

/** The access token in a token answer; undefined when there is none. */
export function accessTokenOf(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    return undefined;
  }
  const token = (data as Record<string, unknown>).access_token;
  return typeof token === "string" && token !== "" ? token : undefined;
}

/** The request for one page: the first (no continuation) or the next one (seek with its token). */
export function customersPageRequest(
  endpoints: PartnerCenterEndpoints,
  token: string,
  pageSize: number,
  continuation?: string,
  correlationId: string = randomUUID(),
): HttpRequestSpec {
  const query = continuation === undefined ? `size=${pageSize}` : `seekOperation=Next&size=${pageSize}`;
  return {
    method: "GET",
    url: `${endpoints.partnerCenterUrl}/v1/customers?${query}`,
    headers: {
      Authorization: `Bearer ${token}`,
      Accept: "application/json",
      "MS-RequestId": randomUUID(),
      "MS-CorrelationId": correlationId,
      ...(continuation === undefined ? {} : { [CONTINUATION_HEADER]: continuation }),
    },
  };
}

/** Reads one page; throws an error naming what is missing (never quoting the answer) when it is not a customer list. */
export function parseCustomerPage(data: unknown): CustomerPage {
  const body = record(data);
  if (body === undefined || !Array.isArray(body.items)) {
    throw new Error(
      'Partner Center\'s answer to GET /v1/customers is not a customer list: expected a JSON object with "items"',
    );
  }
  const customers: PartnerCenterCustomer[] = [];
  for (const item of body.items as unknown[]) {
    const fields = record(item) ?? {};
    const profile = record(fields.companyProfile) ?? {};
    const tenantId = text(profile.tenantId) ?? text(fields.id);
    if (tenantId === undefined) {
      throw new Error(
        "Partner Center's answer to GET /v1/customers lists a customer without companyProfile.tenantId or id",
      );
    }
    const relationship = text(fields.relationshipToPartner);
    customers.push({
      tenantId,
      domain: text(profile.domain) ?? "",
      companyName: text(profile.companyName) ?? "",
      ...(relationship === undefined ? {} : { relationshipToPartner: relationship }),
    });
  }
  const continuation = continuationOf(body.links);
  const totalCount = typeof body.totalCount === "number" ? body.totalCount : undefined;
  return {
    customers,
    ...(continuation === undefined ? {} : { continuation }),
    ...(totalCount === undefined ? {} : { totalCount }),
  };
}

/**
 * `links.next.headers[key = MS-ContinuationToken].value`; undefined without `links.next`. A
 * `links.next` without the token throws: reading on would be impossible, stopping would be silent.
 */
function continuationOf(links: unknown): string | undefined {
  const next = record(record(links)?.next);
  if (next === undefined) {
    return undefined;
  }
  for (const header of Array.isArray(next.headers) ? (next.headers as unknown[]) : []) {
    const fields = record(header);
    if (
      fields !== undefined &&
      String(fields.key ?? "").toLowerCase() === CONTINUATION_HEADER.toLowerCase()
    ) {
      const token = text(fields.value);
      if (token !== undefined) {
        return token;
      }
    }
  }
  throw new Error(
    `Partner Center's answer to GET /v1/customers names a next page without an ${CONTINUATION_HEADER}: the rest of the list cannot be read`,
  );
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}
