/**
 * Reads a partner's whole customer list from Partner Center: one app-only token for the Web App
 * (./partnerCenter), then page after page by seek paging, through the package's one HTTP layer
 * (retries, 429 `Retry-After`, deadlines, redaction). Bounded: at most `MAX_PAGES` pages, and a
 * continuation token seen twice stops the read with an error rather than looping.
 *
 * Failures become a {@link PartnerCenterError} whose message says which service refused what and
 * what to change; it never holds the key, the token or an answer body.
 */
import { randomUUID } from "node:crypto";
import { isHttpError, redact, sendHttp, type HttpOptions } from "../http";
import { completeError } from "../serialization";
import { CUSTOMERS_ENV } from "./options";
import {
  DEFAULT_PAGE_SIZE,
  MAX_PAGES,
  accessTokenOf,
  customersPageRequest,
  parseCustomerPage,
  tokenRequest,
  type PartnerCenterCustomer,
  type PartnerCenterEndpoints,
  type WebAppCredentials,
} from "./partnerCenter";

export interface CustomerListing {
  readonly customers: readonly PartnerCenterCustomer[];
  /** Pages read. */
  readonly pages: number;
  /** HTTP requests sent, retries included: to Entra ID (the token) and to Partner Center (the pages). */
  readonly requests: { readonly token: number; readonly partnerCenter: number };
}

/** A failed Partner Center or Entra ID request; `status` is the HTTP status when there was one. */
export class PartnerCenterError extends Error {
  declare readonly status?: number;
  readonly service: "Entra ID" | "Partner Center";

  constructor(message: string, service: "Entra ID" | "Partner Center", status?: number) {
    super(message);
    this.name = "PartnerCenterError";
    completeError(this, message);
    this.service = service;
    if (status !== undefined) {
      Object.defineProperty(this, "status", { value: status, enumerable: true });
    }
  }
}

/** Every customer of the partner whose Web App `credentials` are. */
export async function listPartnerCenterCustomers(
  endpoints: PartnerCenterEndpoints,
  credentials: WebAppCredentials,
  options: { readonly pageSize?: number; readonly http?: HttpOptions } = {},
): Promise<CustomerListing> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const secrets = [credentials.clientSecret, ...(options.http?.secrets ?? [])];
  const requests = { token: 0, partnerCenter: 0 };
  const http = (count: "token" | "partnerCenter", extra: readonly string[] = []): HttpOptions => ({
    ...options.http,
    secrets: [...secrets, ...extra],
    onAttempt: (attempt) => {
      requests[count]++;
      options.http?.onAttempt?.(attempt);
    },
  });

  let token: string | undefined;
  try {
    const answer = await sendHttp(tokenRequest(endpoints, credentials), http("token"));
    token = accessTokenOf(answer.data);
  } catch (error) {
    throw tokenError(error, credentials, secrets);
  }
  if (token === undefined) {
    throw new PartnerCenterError(
      `Entra ID answered the token request for the Web App ${credentials.clientId} without an access token: check --authority-host.`,
      "Entra ID",
    );
  }

  const correlationId = randomUUID();
  const customers: PartnerCenterCustomer[] = [];
  const seenTenants: string[] = [];
  const seenTokens: string[] = [];
  let continuation: string | undefined;
  for (let page = 1; ; page++) {
    let data: unknown;
    try {
      const answer = await sendHttp(
        customersPageRequest(endpoints, token, pageSize, continuation, correlationId),
        http("partnerCenter", [token]),
      );
      data = answer.data;
    } catch (error) {
      throw listError(error, credentials, [...secrets, token]);
    }
    const parsed = parseCustomerPage(data);
    for (const customer of parsed.customers) {
      const key = customer.tenantId.toLowerCase();
      if (!seenTenants.includes(key)) {
        seenTenants.push(key);
        customers.push(customer);
      }
    }
    if (parsed.continuation === undefined) {
      return { customers, pages: page, requests };
    }
    if (seenTokens.includes(parsed.continuation)) {
      throw new PartnerCenterError(
        "Partner Center's customer list gave a continuation token it already gave: the list never ends, so it is not used.",
        "Partner Center",
      );
    }
    if (page >= MAX_PAGES) {
      throw new PartnerCenterError(
        `Partner Center's customer list has more than ${MAX_PAGES} pages of ${pageSize}, the most this command reads; ` +
          "raise --page-size.",
        "Partner Center",
      );
    }
    seenTokens.push(parsed.continuation);
    continuation = parsed.continuation;
  }
}

function tokenError(error: unknown, credentials: WebAppCredentials, secrets: readonly string[]): Error {
  if (!isHttpError(error)) {
    return new PartnerCenterError(
      redact(`the token request failed: ${messageOf(error)}`, secrets),
      "Entra ID",
    );
  }
  const said = error.serverMessage ? ` Entra ID said: ${JSON.stringify(error.serverMessage)}` : "";
  const code = error.code ? ` ${error.code}` : "";
  if (error.status === 400 || error.status === 401) {
    return new PartnerCenterError(
      redact(
        `Entra ID refused the Web App's credentials (POST ${error.path}: HTTP ${error.status}${code}). ` +
          `Check the partner tenant ID (${credentials.tenantId}), the Web App's client ID (${credentials.clientId}) ` +
          `and its key (${CUSTOMERS_ENV.clientSecret} or --client-secret-file): it must be a current key of that app.${said}`,
        secrets,
      ),
      "Entra ID",
      error.status,
    );
  }
  return new PartnerCenterError(redact(error.message, secrets), "Entra ID", error.status);
}

function listError(error: unknown, credentials: WebAppCredentials, secrets: readonly string[]): Error {
  if (!isHttpError(error)) {
    return new PartnerCenterError(
      redact(`GET /v1/customers failed: ${messageOf(error)}`, secrets),
      "Partner Center",
    );
  }
  const said = error.serverMessage ? ` Partner Center said: ${JSON.stringify(error.serverMessage)}` : "";
  if (error.status === 401) {
    return new PartnerCenterError(
      redact(
        `Partner Center refused the access token (GET ${error.path}: HTTP 401). The token must be for the resource ` +
          `https://api.partnercenter.microsoft.com (--resource for other clouds), app-only, from the Web App itself.${said}`,
        secrets,
      ),
      "Partner Center",
      401,
    );
  }
  if (error.status === 403) {
    return new PartnerCenterError(
      redact(
        `Partner Center refused the Web App ${credentials.clientId} (GET ${error.path}: HTTP 403): it must be the app ` +
          `registered for API access in this partner's Partner Center account (Account settings → App management), ` +
          `in tenant ${credentials.tenantId}.${said}`,
        secrets,
      ),
      "Partner Center",
      403,
    );
  }
  return new PartnerCenterError(redact(error.message, secrets), "Partner Center", error.status);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
