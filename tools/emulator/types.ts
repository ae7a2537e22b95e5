/**
 * The public surface of the local Optima + Entra ID emulator (tools/emulator).
 *
 * The emulator is a real HTTP server on 127.0.0.1 that behaves like the Optima APIs as
 * docs/optima-api.md describes them. Tests, `npm run emulator`, the benchmark and
 * the rehearsal start it. It is written from the contract, never from the client's own mapping
 * module, so that a mistake in the client is caught rather than mirrored.
 */

import type { SimulatedClock } from "./clock";
import type { StoredChildOrg } from "./mspCustomers";
import type { Directory } from "./directory";

export type { SimulatedClock } from "./clock";
export type { Directory, DirectoryApplication, DirectoryPassword, SecretState } from "./directory";

/** A Flexera service account (client-credentials grant). */
export interface EmulatorServiceAccount {
  readonly clientId: string;
  readonly clientSecret: string;
}

export interface EmulatorOptions {
  /** TCP port; 0 (default) picks a free one. The server always binds 127.0.0.1. */
  readonly port?: number;
  /** Refresh tokens accepted by both token endpoints. Default: ["emulator-refresh-token"]. */
  readonly refreshTokens?: readonly string[];
  /** Service accounts accepted by the Flexera One token endpoint. Default: none. */
  readonly serviceAccounts?: readonly EmulatorServiceAccount[];
  /**
   * Lifetime of issued access tokens, in seconds (`expires_in`). Default 3600 for the Flexera One
   * endpoint and 7200 for the legacy one; when set, it applies to both.
   */
  readonly tokenTtlSeconds?: number;
  /** Org IDs the caller lacks the billing role in: every request there answers 403. */
  readonly forbiddenOrgs?: readonly string[];
  /**
   * Whether `GET …/azure_csp_partners` carries `mpn_id`/`domain`/`application_id` on each item.
   * Default false: the list carries only `id`, `href`, `created_at`, `updated_at` (what public
   * sources confirm), so a client must read each item to find a partnership by MPN ID.
   */
  readonly cspListCarriesFields?: boolean;
}

/** A fault to inject into the next matching responses. */
export interface EmulatorFault {
  /** Only requests with this method (default: any). */
  readonly method?: string;
  /** Only requests whose path (without query) contains this string or matches this RegExp. */
  readonly path?: string | RegExp;
  /** Status to answer with instead of the real response (e.g. 429, 500, 502, 503). */
  readonly status?: number;
  /** `Retry-After` header value to send with the fault (seconds, or an HTTP date). */
  readonly retryAfter?: string;
  /** Delay before answering, in ms (with no `status`, the real response is sent late). */
  readonly delayMs?: number;
  /** How many matching requests the fault applies to. Default 1. */
  readonly times?: number;
  /**
   * With `status`: the body to answer with instead of the emulator's error body, sent as is
   * (e.g. an HTML page from a proxy or captive portal, an error body that echoes its input, or
   * a list page with a `nextPage`), with `contentType` (default `text/html; charset=utf-8` when
   * the body starts with `<`, else `application/json`). Not Optima's own behaviour: it stands for
   * whatever may answer in its place, and for the paging Flexera's APIs use elsewhere
   * (docs/optima-api.md §1D: list answers and paging with `nextPage`).
   */
  readonly body?: string;
  readonly contentType?: string;
  /** With `status`: extra response headers (e.g. `Link`, `Location`). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** One request as the emulator received it. */
export interface EmulatorRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly query: Record<string, string>;
  /** Lower-cased header names. */
  readonly headers: Record<string, string>;
  /** Parsed JSON or form body; undefined when there was none. */
  readonly body: unknown;
  /** The status the emulator answered with. */
  status: number;
}

/** A legacy Cost Management CSP partnership as the emulator stores it (wire names). */
export interface StoredCspPartner {
  id: string;
  org_id: string;
  mpn_id: string;
  domain: string;
  application_id: string;
  /** Held by the emulator, never sent back over the wire. */
  application_secret: string;
  created_at: string;
  updated_at: string;
}

/** A Flexera One FinOps Onboarding azure-csp bill connect as the emulator stores it. */
export interface StoredBillConnect {
  id: string;
  orgId: string;
  clientId: string;
  /** Held by the emulator, never sent back over the wire. */
  clientSecret: string;
  tenantId: string;
  billingAccountId?: string;
  /** A CSP customer's bill connect has a "Customer Tenant" scope; fixed at creation (./customers). */
  scopeDetails?: StoredScopeDetails;
  onboardingOrigin: "finops" | "platform";
  createdAt: string;
  updatedAt: string;
}

/** `scopeDetails` of a bill connect (docs/optima-api.md §2). */
export interface StoredScopeDetails {
  scopeType: string;
  customerDetails?: { customerTenantId: string; billingProfileId?: string };
}

/** The simulated Entra ID token endpoint: `POST {authorityHost}/{tenant}/oauth2/v2.0/token`. */
export interface EmulatorEntra {
  /** The authority host to give clients, e.g. `http://127.0.0.1:PORT/entra`. */
  readonly authorityHost: string;
  /**
   * Registers a client secret for an app in a tenant. Until `activeAfterMs` have passed, the
   * token endpoint refuses it with `AADSTS7000215` (propagation delay), like Entra ID does.
   */
  addSecret(tenantId: string, clientId: string, secret: string, opts?: { activeAfterMs?: number }): void;
  /** Removes a secret (a key deleted in the portal or by rotation). */
  removeSecret(tenantId: string, clientId: string, secret: string): void;
  /** Whether the secret is registered, unexpired and already active. */
  isValid(tenantId: string, clientId: string, secret: string): boolean;
  /**
   * The directory behind Graph and the token endpoint: tenants, domains, applications and their
   * keys (./directory). Tests seed and inspect it directly.
   */
  readonly directory: Directory;
  /** Microsoft Graph v1.0 base URL, `{url}/graph/v1.0`. */
  readonly graphUrl: string;
  /**
   * A Graph access token for a principal of a tenant, with the application permissions it holds
   * (default: `Application.ReadWrite.OwnedBy`, `Application.Read.All`, `Domain.Read.All`).
   */
  graphToken(principal: {
    tenantId: string;
    clientId?: string;
    objectId?: string;
    roles?: readonly string[];
    /** This value instead of a new random token (the demo's fixed, non-secret token). */
    token?: string;
  }): string;
}

/** The simulated Partner Center (./partnerCenter): partners, their registered Web Apps and customers. */
export interface EmulatorPartnerCenter {
  /** The Partner Center API base, `{url}/partnercenter` (stands for `https://api.partnercenter.microsoft.com`). */
  readonly url: string;
  /** The audience a Partner Center token must carry: `https://api.partnercenter.microsoft.com`. */
  readonly audience: string;
  /** Registers a partner tenant and the Web App it registered for API access (only that app's app-only tokens are accepted). */
  registerPartner(tenantId: string, webAppClientId: string): void;
  addCustomer(
    partnerTenantId: string,
    customer: { tenantId: string; domain: string; companyName: string; relationshipToPartner?: string },
  ): void;
  /** The customer left the partner: it is no longer listed. */
  removeCustomer(partnerTenantId: string, customerTenantId: string): void;
}

export interface Emulator {
  /** Base URL, `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Flexera One token endpoint (`{url}/oidc/token`). */
  readonly authUrl: string;
  /** Legacy RightScale token endpoint (`{url}/api/oauth2`, needs `X-API-Version: 1.5`). */
  readonly legacyAuthUrl: string;
  /** Optima host base for the Cost Management API (`{url}`; paths start `/analytics/…`). */
  readonly apiUrl: string;
  /** Flexera API host base for FinOps Onboarding (`{url}`; paths start `/finops-onboarding/…`). */
  readonly flexeraApiUrl: string;
  readonly entra: EmulatorEntra;
  /**
   * The simulated world's one clock (real time plus an offset): Optima token expiry, Entra ID key
   * expiry and propagation, and every timestamp the emulator writes follow it. `reset()` puts it
   * back to real time.
   */
  readonly clock: SimulatedClock;
  /**
   * Every request received, in order (token requests included; the last 10,000 are kept). Headers
   * and bodies are kept as received, tokens and secrets included: for assertions, never for output.
   */
  readonly requests: EmulatorRequest[];
  /** Queues a fault for the next matching requests. */
  inject(fault: EmulatorFault): void;
  /** Drops every queued fault (the outage is over). */
  clearFaults(): void;
  /** Makes every access token issued so far invalid (the next API call answers 401). */
  expireTokens(): void;
  /** Seeds a CSP partnership as if made by hand in the UI; returns what was stored. */
  seedCspPartner(
    orgId: string,
    fields: { mpn_id: string; domain: string; application_id: string; application_secret?: string },
  ): StoredCspPartner;
  /** Seeds an azure-csp bill connect as if made by hand; returns what was stored. */
  seedBillConnect(
    orgId: string,
    fields: {
      clientId: string;
      tenantId: string;
      clientSecret?: string;
      billingAccountId?: string;
      /** A CSP customer's bill connect, as a partner makes one by hand in Flexera One. */
      scopeDetails?: StoredScopeDetails;
      onboardingOrigin?: "finops" | "platform";
    },
  ): StoredBillConnect;
  /** What Optima holds now, secrets included (for assertions only). */
  cspPartners(orgId: string): StoredCspPartner[];
  billConnects(orgId: string): StoredBillConnect[];
  /** Partner Center's customer list (./partnerCenter). */
  readonly partnerCenter: EmulatorPartnerCenter;
  /**
   * Seeds what the legacy `GET …/azure_csp_partners/{id}/customers` answers: any JSON items, as
   * given, because their field names are unknown (docs/optima-api.md §2). The partnership must exist.
   */
  seedLegacyCustomers(orgId: string, partnerId: string, items: readonly unknown[]): void;
  /** Flexera's MSP Customer API v2: each parent org's child orgs (./mspCustomers). */
  readonly msp: EmulatorMsp;
  /** Forces the validation result of a bill connect (default: computed from `entra`). */
  setValidation(billId: string, result: { valid: boolean; error?: string } | undefined): void;
  /** Clears stored registrations, the directory, requests, faults and tokens, and resets the clock (options are kept). */
  reset(): void;
  close(): Promise<void>;
}

/** The MSP Customer API's child orgs (./mspCustomers, docs/optima-api.md §2b). */
export interface EmulatorMsp {
  /** A child org made by hand (in the Flexera One UI): what a client must adopt, not duplicate. */
  seed(parentOrgId: string, org: { name: string; externalId?: string }): StoredChildOrg;
  /** The child orgs of a parent, in creation order. */
  childOrgs(parentOrgId: string): readonly StoredChildOrg[];
  /** A parent at its customer limit: POST answers 409 `customer_limit_reached`. */
  setCustomerLimitReached(parentOrgId: string, reached: boolean): void;
}

export type StartEmulator = (options?: EmulatorOptions) => Promise<Emulator>;
