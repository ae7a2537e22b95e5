/**
 * The emulator's in-memory state: access tokens, registrations of both targets, the simulated
 * Entra ID app secrets, forced validation results, queued faults and the request log.
 *
 * No I/O here. Every collection is bounded (tokens, requests) or grows only with what a caller
 * stores on purpose (registrations, secrets, faults). Stored records are copied on the way out so
 * a test cannot change Optima's state by mutating a returned object.
 */
import { randomBytes } from "node:crypto";
import { cloudAccountKey } from "./customers";
import { Directory, type SecretState } from "./directory";
import { MspCustomers } from "./mspCustomers";
import { PartnerCenter, type EntraTokenClaims } from "./partnerCenter";
import type { EmulatorFault, EmulatorRequest, StoredBillConnect, StoredCspPartner } from "./types";
import {
  billConnectId,
  type BillConnectFields,
  type BillConnectPatch,
  type CspPartnerFields,
  type CspPartnerPatch,
  type Rejection,
} from "./wire";

/** At most this many requests are kept (the oldest are dropped). */
export const MAX_RECORDED_REQUESTS = 10_000;
/** At most this many live access tokens are kept (the oldest are forgotten, i.e. become invalid). */
export const MAX_LIVE_TOKENS = 10_000;
/** At most this many faults may be queued at once. */
export const MAX_QUEUED_FAULTS = 1_000;

/** Who a Graph token was issued to, and the Graph application permissions (app roles) it carries. */
export interface GraphPrincipal {
  readonly tenantId: string;
  readonly clientId: string;
  readonly objectId: string;
  readonly roles: readonly string[];
}

type Result<T> = { ok: true; value: T } | { ok: false; rejection: Rejection };

export class EmulatorState {
  readonly requests: EmulatorRequest[] = [];
  private readonly tokens = new Map<string, number>();
  private readonly partners = new Map<string, StoredCspPartner>();
  private readonly bills = new Map<string, StoredBillConnect>();
  private readonly validations = new Map<string, { valid: boolean; error?: string }>();
  /** The simulated Entra ID directory: tenants, domains, applications and their keys. */
  readonly directory: Directory;
  /** Graph access tokens → the tenant and principal they were issued for. */
  private readonly graphTokens = new Map<string, GraphPrincipal>();
  /** Access tokens of the Entra ID token endpoint → who they were issued to, for which audience. */
  private readonly entraTokens = new Map<string, EntraTokenClaims>();
  /** Partner Center: partners, their Web Apps and customers (./partnerCenter). */
  readonly partnerCenter = new PartnerCenter();
  /** Flexera's MSP Customer API: each parent org's child orgs (./mspCustomers). */
  readonly msp = new MspCustomers();
  /** Legacy `AzureCSPCustomers` items per partnership ID, as seeded (their field names are unknown). */
  private readonly legacyCustomerItems = new Map<string, unknown[]>();
  private readonly faults: { fault: EmulatorFault; remaining: number }[] = [];
  /** Never reset, so IDs are not reused after `reset()`. */
  private partnerCounter = 100_000;
  private billSalt = 0;

  constructor(private readonly clock: () => number = Date.now) {
    this.directory = new Directory(clock);
  }

  /** The simulated clock's instant (epoch ms). */
  now(): number {
    return this.clock();
  }

  /** The simulated clock's instant, ISO 8601. */
  nowIso(): string {
    return new Date(this.clock()).toISOString();
  }

  // --- requests ------------------------------------------------------------------------------

  record(request: EmulatorRequest): void {
    this.requests.push(request);
    if (this.requests.length > MAX_RECORDED_REQUESTS) {
      this.requests.splice(0, this.requests.length - MAX_RECORDED_REQUESTS);
    }
  }

  // --- faults --------------------------------------------------------------------------------

  inject(fault: EmulatorFault): void {
    const times = fault.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new Error(`inject: "times" must be a positive integer (got ${String(fault.times)})`);
    }
    // A fault with its own `body` stands for whatever answers in Optima's place (a proxy's 200
    // HTML page, a create answer without an ID): any status from 200 then. Without one, the
    // emulator writes an error body, so the status must be an error status.
    const lowest = fault.body === undefined ? 400 : 200;
    if (
      fault.status !== undefined &&
      (!Number.isInteger(fault.status) || fault.status < lowest || fault.status > 599)
    ) {
      throw new Error(
        fault.body === undefined
          ? `inject: "status" must be an HTTP error status 400-599 (got ${String(fault.status)})`
          : `inject: "status" must be an HTTP status 200-599 (got ${String(fault.status)})`,
      );
    }
    if ((fault.body !== undefined || fault.headers !== undefined) && fault.status === undefined) {
      throw new Error(`inject: a fault with a "body" or "headers" needs a "status"`);
    }
    if (fault.delayMs !== undefined && !(fault.delayMs >= 0)) {
      throw new Error(`inject: "delayMs" must be a non-negative number (got ${String(fault.delayMs)})`);
    }
    if (fault.status === undefined && fault.delayMs === undefined) {
      throw new Error(`inject: a fault needs a "status", a "delayMs", or both`);
    }
    if (this.faults.length >= MAX_QUEUED_FAULTS) {
      throw new Error(`inject: at most ${MAX_QUEUED_FAULTS} faults may be queued`);
    }
    this.faults.push({ fault, remaining: times });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Consumes one application of the first queued fault that matches, if any. */
  takeFault(matches: (fault: EmulatorFault) => boolean): EmulatorFault | undefined {
    const index = this.faults.findIndex((f) => matches(f.fault));
    if (index < 0) {
      return undefined;
    }
    const entry = this.faults[index];
    entry.remaining -= 1;
    if (entry.remaining === 0) {
      this.faults.splice(index, 1);
    }
    return entry.fault;
  }

  // --- access tokens -------------------------------------------------------------------------

  issueToken(ttlSeconds: number): string {
    const token = `emu-at-${randomBytes(18).toString("base64url")}`;
    this.tokens.set(token, this.clock() + ttlSeconds * 1000);
    if (this.tokens.size > MAX_LIVE_TOKENS) {
      const oldest = this.tokens.keys().next().value;
      if (oldest !== undefined) {
        this.tokens.delete(oldest);
      }
    }
    return token;
  }

  tokenIsValid(token: string): boolean {
    const expiresAt = this.tokens.get(token);
    return expiresAt !== undefined && this.clock() < expiresAt;
  }

  expireTokens(): void {
    this.tokens.clear();
  }

  // --- CSP partnerships (Cost Management) ----------------------------------------------------

  cspPartners(orgId: string): StoredCspPartner[] {
    return [...this.partners.values()].filter((p) => p.org_id === orgId).map((p) => ({ ...p }));
  }

  cspPartner(orgId: string, id: string): StoredCspPartner | undefined {
    const p = this.partners.get(id);
    return p !== undefined && p.org_id === orgId ? { ...p } : undefined;
  }

  createCspPartner(orgId: string, fields: CspPartnerFields): Result<StoredCspPartner> {
    const existing = [...this.partners.values()].find(
      (p) => p.org_id === orgId && p.mpn_id === fields.mpn_id,
    );
    if (existing !== undefined) {
      return {
        ok: false,
        rejection: {
          status: 409,
          message: `an Azure CSP partner with this mpn_id already exists in org ${orgId} (id ${existing.id})`,
        },
      };
    }
    const now = this.nowIso();
    const stored: StoredCspPartner = {
      id: String(++this.partnerCounter),
      org_id: orgId,
      mpn_id: fields.mpn_id,
      domain: fields.domain,
      application_id: fields.application_id,
      application_secret: fields.application_secret,
      created_at: now,
      updated_at: now,
    };
    this.partners.set(stored.id, stored);
    return { ok: true, value: { ...stored } };
  }

  updateCspPartner(orgId: string, id: string, patch: CspPartnerPatch): StoredCspPartner | undefined {
    const p = this.partners.get(id);
    if (p === undefined || p.org_id !== orgId) {
      return undefined;
    }
    Object.assign(p, patch, { updated_at: this.nowIso() });
    return { ...p };
  }

  deleteCspPartner(orgId: string, id: string): boolean {
    const p = this.partners.get(id);
    return p !== undefined && p.org_id === orgId && this.partners.delete(id);
  }

  // --- azure-csp bill connects (FinOps Onboarding) -------------------------------------------

  billConnects(orgId: string): StoredBillConnect[] {
    return [...this.bills.values()].filter((b) => b.orgId === orgId).map((b) => structuredClone(b));
  }

  billConnect(orgId: string, id: string): StoredBillConnect | undefined {
    const b = this.bills.get(id);
    return b !== undefined && b.orgId === orgId ? structuredClone(b) : undefined;
  }

  /** The 409 rule: one bill connect per cloud account in an org (./customers, `cloudAccountKey`). */
  private tenantConflict(
    orgId: string,
    account: Pick<StoredBillConnect, "tenantId" | "scopeDetails">,
    exceptId?: string,
  ): Rejection | undefined {
    const key = cloudAccountKey(account);
    const existing = [...this.bills.values()].find(
      (b) => b.orgId === orgId && cloudAccountKey(b) === key && b.id !== exceptId,
    );
    return existing === undefined
      ? undefined
      : {
          status: 409,
          message: `an azure-csp bill connect for this tenant already exists in org ${orgId} (id ${existing.id})`,
        };
  }

  createBillConnect(
    orgId: string,
    fields: BillConnectFields,
    onboardingOrigin: StoredBillConnect["onboardingOrigin"] = "finops",
  ): Result<StoredBillConnect> {
    const conflict = this.tenantConflict(orgId, fields);
    if (conflict !== undefined) {
      return { ok: false, rejection: conflict };
    }
    // The ID is a hash of org and cloud account; a tenant moved by PATCH keeps its ID, so salt on clash.
    let id = billConnectId(orgId, cloudAccountKey(fields), 0);
    while (this.bills.has(id)) {
      id = billConnectId(orgId, cloudAccountKey(fields), ++this.billSalt);
    }
    const now = this.nowIso();
    const stored: StoredBillConnect = {
      id,
      orgId,
      clientId: fields.clientId,
      clientSecret: fields.clientSecret,
      tenantId: fields.tenantId,
      ...(fields.billingAccountId === undefined ? {} : { billingAccountId: fields.billingAccountId }),
      ...(fields.scopeDetails === undefined ? {} : { scopeDetails: structuredClone(fields.scopeDetails) }),
      onboardingOrigin,
      createdAt: now,
      updatedAt: now,
    };
    this.bills.set(id, stored);
    return { ok: true, value: { ...stored } };
  }

  updateBillConnect(
    orgId: string,
    id: string,
    patch: BillConnectPatch,
  ): Result<StoredBillConnect> | undefined {
    const b = this.bills.get(id);
    if (b === undefined || b.orgId !== orgId) {
      return undefined;
    }
    if (patch.tenantId !== undefined) {
      const conflict = this.tenantConflict(
        orgId,
        { tenantId: patch.tenantId, scopeDetails: b.scopeDetails },
        id,
      );
      if (conflict !== undefined) {
        return { ok: false, rejection: conflict };
      }
    }
    Object.assign(b, patch, { updatedAt: this.nowIso() });
    return { ok: true, value: { ...b } };
  }

  deleteBillConnect(orgId: string, id: string): boolean {
    const b = this.bills.get(id);
    if (b === undefined || b.orgId !== orgId) {
      return false;
    }
    this.validations.delete(id);
    return this.bills.delete(id);
  }

  setValidation(billId: string, result: { valid: boolean; error?: string } | undefined): void {
    if (result === undefined) {
      this.validations.delete(billId);
    } else {
      this.validations.set(billId, { ...result });
    }
  }

  /**
   * Optima's validation of a bill connect: a forced result if one was set; otherwise, when the
   * simulated Entra ID knows the app, whether the stored secret is active there; otherwise valid.
   */
  validate(b: StoredBillConnect): { valid: boolean; error?: string } {
    const forced = this.validations.get(b.id);
    if (forced !== undefined) {
      return { ...forced };
    }
    if (!this.entraKnowsApp(b.tenantId, b.clientId)) {
      return { valid: true };
    }
    return this.entraSecretIsValid(b.tenantId, b.clientId, b.clientSecret)
      ? { valid: true }
      : {
          valid: false,
          error: `AADSTS7000215: Invalid client secret provided for app '${b.clientId}' in tenant '${b.tenantId}'.`,
        };
  }

  // --- Entra ID ------------------------------------------------------------------------------

  /** Adds a key with a known value to the app (created if the tenant has none with this client ID). */
  entraAddSecret(tenantId: string, clientId: string, secret: string, activeAfterMs = 0): void {
    if (secret === "") {
      throw new Error("entra.addSecret: the secret must not be empty");
    }
    const app = this.directory.ensureApplication(tenantId, clientId);
    this.directory.addPassword(tenantId, app.id, {}, { secret, activeAfterMs });
  }

  entraRemoveSecret(tenantId: string, clientId: string, secret: string): void {
    this.directory.removeSecret(tenantId, clientId, secret);
  }

  entraKnowsTenant(tenantId: string): boolean {
    return this.directory.knowsTenant(tenantId);
  }

  entraKnowsApp(tenantId: string, clientId: string): boolean {
    return this.directory.applicationByAppId(tenantId, clientId) !== undefined;
  }

  entraSecretState(tenantId: string, clientId: string, secret: string): SecretState {
    return this.directory.secretState(tenantId, clientId, secret);
  }

  entraSecretIsValid(tenantId: string, clientId: string, secret: string): boolean {
    return this.entraSecretState(tenantId, clientId, secret) === "active";
  }

  /**
   * A Microsoft Graph access token for a principal of a tenant, in the JWT form Entra ID issues
   * (header.payload.signature, base64url; unsigned here), carrying the claims a client reads from
   * it: `tid`, `oid`, `appid`, `roles`. The Graph routes accept only tokens issued here.
   * `fixed` issues that value instead (the demo's fixed, non-secret token, ./demo).
   */
  issueGraphToken(principal: GraphPrincipal, fixed?: string): string {
    const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");
    const token =
      fixed ??
      [
        part({ typ: "JWT", alg: "none" }),
        part({
          aud: "https://graph.microsoft.com",
          tid: principal.tenantId,
          oid: principal.objectId,
          appid: principal.clientId,
          roles: [...principal.roles],
        }),
        randomBytes(16).toString("base64url"),
      ].join(".");
    this.graphTokens.set(token, { ...principal, roles: [...principal.roles] });
    return token;
  }

  graphPrincipal(token: string): GraphPrincipal | undefined {
    return this.graphTokens.get(token);
  }

  /** An access token from the Entra ID token endpoint, remembered with its claims (at most {@link MAX_LIVE_TOKENS}). */
  issueEntraToken(claims: EntraTokenClaims): string {
    const token = `emu-entra-${randomBytes(18).toString("base64url")}`;
    this.entraTokens.set(token, { ...claims });
    if (this.entraTokens.size > MAX_LIVE_TOKENS) {
      const oldest = this.entraTokens.keys().next().value;
      if (oldest !== undefined) {
        this.entraTokens.delete(oldest);
      }
    }
    return token;
  }

  entraTokenClaims(token: string): EntraTokenClaims | undefined {
    return this.entraTokens.get(token);
  }

  // --- legacy AzureCSPCustomers (read-only listing) ------------------------------------------

  /** Seeds the raw items `GET …/azure_csp_partners/{id}/customers` answers (any JSON: the names are unknown). */
  seedLegacyCustomers(orgId: string, partnerId: string, items: readonly unknown[]): void {
    if (this.cspPartner(orgId, partnerId) === undefined) {
      throw new Error(`seedLegacyCustomers: no Azure CSP partner ${partnerId} in org ${orgId}`);
    }
    this.legacyCustomerItems.set(partnerId, JSON.parse(JSON.stringify(items)) as unknown[]);
  }

  legacyCustomers(partnerId: string): unknown[] {
    return JSON.parse(JSON.stringify(this.legacyCustomerItems.get(partnerId) ?? [])) as unknown[];
  }

  // --- reset ---------------------------------------------------------------------------------

  reset(): void {
    this.requests.length = 0;
    this.tokens.clear();
    this.partners.clear();
    this.bills.clear();
    this.validations.clear();
    this.directory.reset();
    this.graphTokens.clear();
    this.entraTokens.clear();
    this.partnerCenter.reset();
    this.msp.reset();
    this.legacyCustomerItems.clear();
    this.faults.length = 0;
  }

  /** Generates an opaque ID for errors and traces. */
  static opaqueId(): string {
    return randomBytes(6).toString("base64url");
  }
}
