/**
 * Partner Center, the part optima-csp reads: a partner's customer list. Owns the partners (each
 * with the Web App registered for API access), their customers, the continuation tokens of seek
 * paging, and the one route. Pure: a request in, a reply out; the server (./server) does the I/O,
 * and the Entra ID token endpoint there issues the tokens this module checks (./state
 * `issueEntraToken`).
 *
 * Rules, each with its source (tags of docs/partner-center.md §0; pages read 2026-12):
 * - `GET /v1/customers?size={n}`: `size` is required, "the number of results to be displayed at
 *   one time" [C N9]. The answer is `{totalCount, items, links, attributes}`; an item is
 *   `{id, companyProfile: {tenantId, domain, companyName, attributes}, relationshipToPartner,
 *   attributes}` [C N9, the REST example of its older copy]. The customer's `id` is its tenant ID
 *   ("the Microsoft ID is the same as the customer ID", [C N12]).
 * - Seek paging: further pages are `…/customers?seekOperation=Next&size=…` sent with the
 *   continuation token of the previous page [C N10]; the token travels as `links.next.headers`
 *   `[{key: "MS-ContinuationToken", value}]` and the request header of the same name [C for other
 *   Partner Center collections (invoice line items); I for customers]. No `links.next` on the last
 *   page [I, same source].
 * - Authentication: `Authorization: Bearer` with an Entra ID token whose audience is
 *   `https://api.partnercenter.microsoft.com`; tokens of the deprecated `https://graph.windows.net`
 *   audience are no longer accepted [C N11]. The list takes app-only tokens (client credentials of
 *   the Web App registered in Partner Center) [C N9, N11]. The emulator issues no App+User token.
 *
 * Not from a source (the emulator's choices, so that no test mistakes them for Partner Center's):
 * the status for a missing, unknown or wrong-audience token is 401 and for an app that is not the
 * partner's registered Web App 403; the error body `{code, description}`; a `size` outside 1-1000
 * or a continuation token it did not issue answers 400; continuation tokens are opaque and do not
 * expire; the order of customers is the order they were added.
 */
import { randomBytes } from "node:crypto";

/** The path prefix of the Partner Center routes on the emulator (stands for `https://api.partnercenter.microsoft.com`). */
export const PARTNER_CENTER_PREFIX = "/partnercenter";

/** The audience (v1 `resource`, v2 scope without `/.default`) of a Partner Center token [C N11]. */
export const PARTNER_CENTER_AUDIENCE = "https://api.partnercenter.microsoft.com";

/** The request and `links.next` header that carries the seek continuation token. */
export const CONTINUATION_HEADER = "MS-ContinuationToken";

/** The largest `size` the emulator accepts (its choice: Partner Center's own limit is not published). */
export const MAX_PAGE_SIZE = 1000;

/** At most this many continuation tokens are kept (the oldest are forgotten, i.e. become invalid). */
export const MAX_CONTINUATIONS = 10_000;

/** A customer as Partner Center lists it (what the emulator stores). */
export interface PartnerCenterCustomer {
  readonly tenantId: string;
  readonly domain: string;
  readonly companyName: string;
  /** `reseller` (the default here) or another relationship Partner Center names. */
  readonly relationshipToPartner: string;
}

/** Who an Entra ID token was issued to, and for which audience. */
export interface EntraTokenClaims {
  readonly tenantId: string;
  readonly clientId: string;
  readonly audience: string;
  /** True for the client-credentials grant (the only grant the emulator's Entra ID has). */
  readonly appOnly: boolean;
}

export interface PartnerCenterReply {
  readonly status: number;
  readonly body: unknown;
}

interface Partner {
  readonly webAppClientId: string;
  readonly customers: PartnerCenterCustomer[];
}

/** Partners and their customers, in memory: what a caller adds, and at most {@link MAX_CONTINUATIONS} tokens. */
export class PartnerCenter {
  private readonly partners = new Map<string, Partner>();
  /** Continuation token → where the next page starts, for which partner and page size. */
  private readonly continuations = new Map<string, { tenantId: string; offset: number; size: number }>();

  /** Registers a partner tenant and the Web App it registered for Partner Center API access. */
  registerPartner(tenantId: string, webAppClientId: string): void {
    const existing = this.partners.get(key(tenantId));
    this.partners.set(key(tenantId), {
      webAppClientId: key(webAppClientId),
      customers: existing?.customers ?? [],
    });
  }

  addCustomer(
    partnerTenantId: string,
    customer: Omit<PartnerCenterCustomer, "relationshipToPartner"> & { relationshipToPartner?: string },
  ): void {
    const partner = this.partner(partnerTenantId);
    if (partner.customers.some((c) => key(c.tenantId) === key(customer.tenantId))) {
      throw new Error(`partnerCenter.addCustomer: customer ${customer.tenantId} is already listed`);
    }
    partner.customers.push({ relationshipToPartner: "reseller", ...customer });
  }

  /** A customer that left the partner (the relationship ended). */
  removeCustomer(partnerTenantId: string, customerTenantId: string): void {
    const partner = this.partner(partnerTenantId);
    const index = partner.customers.findIndex((c) => key(c.tenantId) === key(customerTenantId));
    if (index >= 0) {
      partner.customers.splice(index, 1);
    }
  }

  customers(partnerTenantId: string): PartnerCenterCustomer[] {
    return this.partner(partnerTenantId).customers.map((c) => ({ ...c }));
  }

  reset(): void {
    this.partners.clear();
    this.continuations.clear();
  }

  private partner(tenantId: string): Partner {
    const partner = this.partners.get(key(tenantId));
    if (partner === undefined) {
      throw new Error(
        `partnerCenter: tenant ${tenantId} is not a registered partner (registerPartner first)`,
      );
    }
    return partner;
  }

  /**
   * One request under {@link PARTNER_CENTER_PREFIX} (`path` without it). `claims` are the bearer
   * token's, undefined when the token is missing or was not issued by the emulator's Entra ID.
   */
  handle(request: {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly headers: Readonly<Record<string, string>>;
    readonly claims: EntraTokenClaims | undefined;
  }): PartnerCenterReply {
    if (request.path.replace(/\/$/, "") !== "/v1/customers") {
      return error(404, "NotFound", `no route for ${request.method} ${request.path}`);
    }
    if (request.method !== "GET") {
      return error(405, "MethodNotAllowed", `${request.method} is not allowed; allowed: GET`);
    }
    const { claims } = request;
    if (claims === undefined) {
      return error(401, "Unauthorized", "Authorization: Bearer with an Entra ID access token is required.");
    }
    if (claims.audience !== PARTNER_CENTER_AUDIENCE) {
      return error(
        401,
        "Unauthorized",
        `The access token's audience is not ${PARTNER_CENTER_AUDIENCE}; request it with resource=${PARTNER_CENTER_AUDIENCE}.`,
      );
    }
    const partner = this.partners.get(key(claims.tenantId));
    if (!claims.appOnly || partner === undefined || partner.webAppClientId !== key(claims.clientId)) {
      return error(
        403,
        "Forbidden",
        "The application is not registered for API access in this partner's Partner Center account.",
      );
    }
    const size = Number(request.query.size);
    if (!/^\d+$/.test(request.query.size ?? "") || size < 1 || size > MAX_PAGE_SIZE) {
      return error(400, "BadRequest", `size must be a whole number from 1 to ${MAX_PAGE_SIZE}.`);
    }
    let offset = 0;
    if (request.query.seekOperation !== undefined) {
      const token = headerValue(request.headers, CONTINUATION_HEADER);
      const seek = token === undefined ? undefined : this.continuations.get(token);
      if (
        request.query.seekOperation !== "Next" ||
        seek === undefined ||
        seek.tenantId !== key(claims.tenantId)
      ) {
        return error(400, "BadRequest", "seekOperation=Next needs a continuation token this service issued.");
      }
      offset = seek.offset;
    }
    const page = partner.customers.slice(offset, offset + size);
    const nextOffset = offset + page.length;
    const links: Record<string, unknown> = {
      self: { uri: `/v1/customers?size=${size}`, method: "GET", headers: [] },
    };
    if (nextOffset < partner.customers.length) {
      const token = randomBytes(12).toString("base64");
      this.continuations.set(token, { tenantId: key(claims.tenantId), offset: nextOffset, size });
      if (this.continuations.size > MAX_CONTINUATIONS) {
        const oldest = this.continuations.keys().next().value;
        if (oldest !== undefined) {
          this.continuations.delete(oldest);
        }
      }
      links.next = {
        uri: `/v1/customers?size=${size}&seekOperation=Next`,
        method: "GET",
        headers: [{ key: CONTINUATION_HEADER, value: token }],
      };
    }
    return {
      status: 200,
      body: {
        totalCount: partner.customers.length,
        items: page.map(customerResource),
        links,
        attributes: { objectType: "Collection" },
      },
    };
  }
}

/** A customer as the list answer shows it [C N9]. */
function customerResource(c: PartnerCenterCustomer): Record<string, unknown> {
  return {
    id: c.tenantId,
    companyProfile: {
      tenantId: c.tenantId,
      domain: c.domain,
      companyName: c.companyName,
      attributes: { objectType: "CustomerCompanyProfile" },
    },
    relationshipToPartner: c.relationshipToPartner,
    attributes: { objectType: "Customer" },
  };
}

function error(status: number, code: string, description: string): PartnerCenterReply {
  return { status, body: { code, description } };
}

function key(value: string): string {
  return value.trim().toLowerCase();
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return headers[name.toLowerCase()];
}
