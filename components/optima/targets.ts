/**
 * The wire mapping of both Optima registration targets: the ONE place that knows their paths,
 * body field names, response shapes, which inputs each target takes, and what "the same
 * partnership" means on each API.
 *
 * - `csp-partner` (default): the Cost Management API's Azure CSP partnerships,
 *   `/analytics/orgs/{orgId}/azure_csp_partners` on the Optima host (`Api-Version: 1.0`, added by
 *   the client). The body field names `mpn_id`, `domain`, `application_id` and
 *   `application_secret` are INFERRED: no public schema names them. If Optima spells them
 *   differently, change {@link CSP_PARTNER_WIRE} and nothing else. A partnership is identified by
 *   its MPN ID within the org.
 * - `bill-connect`: Flexera One FinOps Onboarding azure-csp bill connects,
 *   `/finops-onboarding/v1/orgs/{orgId}/bill-connects/azure-csp` on the Flexera API host, body
 *   `clientId`, `clientSecret`, `tenantId`, optional `billingAccountId` (published OpenAPI spec).
 *   A bill connect is identified by its tenant ID within the org; `billingAccountId` cannot be
 *   changed after creation, and bill connects made by the Flexera platform are read-only.
 *   A CSP customer's bill connect is the same registration with `scopeDetails` "Customer Tenant"
 *   (`customerTenantId`, optional `billingProfileId`): identified by tenant AND customer tenant,
 *   so that it and the partnership's own bill connect never adopt each other, and fixed after
 *   creation (PATCH has no `scopeDetails`; docs/optima-api.md §2).
 *
 * Pure: no I/O, no clock. Parsers report what was missing from an answer, never the answer.
 */
import {
  DEFAULT_TARGET,
  REGISTRATION_TARGETS,
  isRegistrationTarget,
  type OptimaHost,
  type RegistrationTarget,
} from "./types";

/**
 * The provider's plain inputs. Which fields a target uses is stated by its {@link TargetMapping};
 * a field a target does not use is validated when given but never sent to Optima.
 */
export interface RegistrationInputs {
  /** Which Optima API holds the registration. `check()` fills in `"csp-partner"` when absent. */
  target: RegistrationTarget;
  /** The Flexera organization ID (digits) the registration lives in. */
  orgId: string;
  /** The partner's MPN ID (digits only). Required for `csp-partner`; identifies the partnership there. */
  mpnId?: string;
  /** The partner tenant's default domain, e.g. `contoso.onmicrosoft.com`. Required for `csp-partner`. */
  domain?: string;
  /** The Partner Center Web App's Application (client) ID, a GUID. */
  applicationId: string;
  /** The Web App's client secret (key). Never returned by Optima; kept secret in state. */
  applicationSecret: string;
  /** The partner's Entra ID tenant ID, a GUID. Required for `bill-connect`; identifies the bill connect there. */
  tenantId?: string;
  /** `bill-connect` only, optional: the MCA billing account, `GUID:GUID_YYYY-MM-DD`. Fixed after creation. */
  billingAccountId?: string;
  /**
   * `bill-connect` only: a CSP customer's Entra ID tenant ID (Partner Center's "Microsoft ID"), a
   * GUID. When set, the bill connect is that customer's (`scopeDetails` "Customer Tenant") and is
   * identified by it together with `tenantId`. Fixed after creation.
   */
  customerTenantId?: string;
  /** With `customerTenantId`, optional: the customer's billing profile. Fixed after creation. */
  billingProfileId?: string;
  /**
   * The Entra ID key ID (a GUID) of `applicationSecret`: which of the Web App's keys Optima holds.
   * Recorded in state only (`optima-csp status` reads it), never sent to Optima; a change updates
   * state in place and never replaces the registration.
   */
  keyId?: string;
}

/** Optima's own check of a bill connect's credentials (`…/azure-csp/{id}/validation`). */
export interface RegistrationValidation {
  /** Whether Optima could use the credentials the bill connect holds. */
  valid: boolean;
  /** Optima's reason when they are not valid. */
  error?: string;
}

/** The provider's outputs: the inputs as Optima holds them, plus what Optima adds. */
export interface RegistrationOutputs extends RegistrationInputs {
  /** Optima's link to the registration, when it gives one. */
  href?: string;
  /**
   * True when `create` took over a registration that already existed (made by hand, by a
   * concurrent run, or by an earlier attempt whose answer was lost) instead of making a new one.
   */
  adopted: boolean;
  createdAt?: string;
  updatedAt?: string;
  /**
   * Optima's `updated_at` (`updatedAt`) of the registration right after this resource's last own
   * write (create, adopt or update); `read` never changes it. `delete` leaves in place a
   * registration Optima shows written since: another deployment took it over
   * (`optima.takeOverFrom`), or a person changed it. Absent in state written before it existed,
   * and when Optima gives no timestamp: `delete` then removes the registration as before.
   */
  writtenAt?: string;
  /** `bill-connect` only: Optima's validation result, as of the last `read` (`pulumi refresh`). */
  validation?: RegistrationValidation;
}

/** The input fields a registration is made of (`target` aside), in the order outputs list them. */
export const REGISTRATION_FIELDS = [
  "orgId",
  "mpnId",
  "domain",
  "applicationId",
  "applicationSecret",
  "tenantId",
  "billingAccountId",
  "customerTenantId",
  "billingProfileId",
] as const;

/** One of {@link REGISTRATION_FIELDS}. */
export type RegistrationField = (typeof REGISTRATION_FIELDS)[number];

/** A registration as Optima returns it. Never carries the secret: Optima does not send it back. */
export interface RemoteRegistration {
  readonly id: string;
  readonly href?: string;
  readonly mpnId?: string;
  readonly domain?: string;
  readonly applicationId?: string;
  readonly tenantId?: string;
  readonly billingAccountId?: string;
  readonly customerTenantId?: string;
  readonly billingProfileId?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
  /** True when Optima refuses to change or delete it (bill connects made by the Flexera platform). */
  readonly readOnly: boolean;
}

/** One entry of a list answer: its ID, and the registration when the entry carries its identifying field. */
export interface ListedRegistration {
  readonly id: string;
  readonly registration?: RemoteRegistration;
}

/** Everything the registration API needs to know about one target. */
export interface TargetMapping {
  readonly target: RegistrationTarget;
  /** Which host the client sends this target's requests to. */
  readonly host: OptimaHost;
  /** What a registration is called in messages. */
  readonly noun: string;
  /** The input that identifies a partnership on this target. */
  readonly partnershipField: "mpnId" | "tenantId";
  /** Inputs that name a different registration when they change: a change means replacement. */
  readonly identityFields: readonly RegistrationField[];
  /** Inputs this target sends that Optima can change in place. */
  readonly mutableFields: readonly RegistrationField[];
  /** Inputs this target cannot do without. */
  readonly requiredFields: readonly RegistrationField[];
  /** Inputs Optima returns on a read, so drift is visible on them (the secret never is). */
  readonly observedFields: readonly RegistrationField[];
  /**
   * The 2xx statuses the API's contract fixes for its writes, where it is confirmed; a write
   * answered with any other status is refused as not Optima's. Absent: any 2xx (with an empty
   * or JSON body) is accepted, because the contract is only inferred.
   */
  readonly writeStatuses?: {
    readonly create?: readonly number[];
    readonly update?: readonly number[];
    readonly remove?: readonly number[];
  };
  /** Where registrations are created (POST). */
  collectionPath(orgId: string): string;
  /** Where existing registrations are listed (GET). */
  listPath(orgId: string): string;
  /** One registration (GET, PATCH, DELETE). */
  itemPath(orgId: string, id: string): string;
  /** Optima's validation of one registration, where the target has one. */
  validationPath?(orgId: string, id: string): string;
  /** The POST body. */
  createBody(spec: RegistrationInputs): Record<string, unknown>;
  /** The PATCH body: every value that can change in place, never the fields fixed at creation. */
  updateBody(spec: RegistrationInputs): Record<string, unknown>;
  /** A show (or create) answer. `context` names the request in error messages. */
  parseRegistration(data: unknown, context: string): RemoteRegistration;
  /** A list answer, reduced to this target's registrations. */
  parseList(data: unknown, context: string): ListedRegistration[];
}

/** Wire names of the `csp-partner` body fields. INFERRED from Optima's UI and sibling APIs; see the README. */
export const CSP_PARTNER_WIRE = {
  mpnId: "mpn_id",
  domain: "domain",
  applicationId: "application_id",
  applicationSecret: "application_secret",
} as const;

/** Wire names of the `bill-connect` body fields (published FinOps Onboarding spec). */
export const BILL_CONNECT_WIRE = {
  applicationId: "clientId",
  applicationSecret: "clientSecret",
  tenantId: "tenantId",
  billingAccountId: "billingAccountId",
} as const;

/**
 * Wire names and the scope type of a CSP customer's bill connect (published FinOps Onboarding
 * spec, docs/optima-api.md §2: `scopeDetails.scopeType` "Customer Tenant", `customerDetails`).
 */
export const BILL_CONNECT_SCOPE_WIRE = {
  scopeDetails: "scopeDetails",
  scopeType: "scopeType",
  customerDetails: "customerDetails",
  customerTenantId: "customerTenantId",
  billingProfileId: "billingProfileId",
} as const;
export const CUSTOMER_TENANT_SCOPE = "Customer Tenant";

/** The `kind` of an azure-csp bill connect, and the prefix of its ID, in FinOps Onboarding answers. */
export const BILL_CONNECT_KIND = "finops:bill-connect-cbi-oi-azure-csp";
export const BILL_CONNECT_ID_PREFIX = "cbi-oi-azure-csp-";

/** The same MPN ID however it was typed: surrounding space and leading zeros do not count. */
export function normalizeMpnId(value: string): string {
  return value.trim().replace(/^0+(?=\d)/, "");
}

/** The same GUID in any letter case. */
export function normalizeGuid(value: string): string {
  return value.trim().toLowerCase();
}

/** The same DNS name in any letter case, with or without the root dot. */
export function normalizeDomain(value: string): string {
  return value.trim().toLowerCase().replace(/\.$/, "");
}

/** The value that identifies a partnership on a target, normalized; undefined when not known. */
export function partnershipKey(
  mapping: TargetMapping,
  values: { readonly mpnId?: string; readonly tenantId?: string; readonly customerTenantId?: string },
): string | undefined {
  const value = values[mapping.partnershipField];
  if (value === undefined || value.trim() === "") {
    return undefined;
  }
  if (mapping.partnershipField === "mpnId") {
    return normalizeMpnId(value);
  }
  // A customer's bill connect is another registration than the partnership's own, on the same tenant.
  const customer = values.customerTenantId?.trim() ? normalizeGuid(values.customerTenantId) : "";
  return `${normalizeGuid(value)}/${customer}`;
}

/**
 * Whether a registration Optima holds is the partnership `spec` describes (same org assumed). A
 * bill connect scoped to a customer tenant is another registration than the partner's own, or
 * another customer's, with the same tenant ID.
 */
export function isSamePartnership(
  mapping: TargetMapping,
  spec: RegistrationInputs,
  remote: RemoteRegistration,
): boolean {
  const wanted = partnershipKey(mapping, spec);
  const customer = (value: string | undefined): string => (value === undefined ? "" : normalizeGuid(value));
  return (
    wanted !== undefined &&
    wanted === partnershipKey(mapping, remote) &&
    (mapping.target !== "bill-connect" ||
      customer(spec.customerTenantId) === customer(remote.customerTenantId))
  );
}

/** "MPN ID 1234567 in Flexera org 42" / "tenant 0000… in Flexera org 42", for messages. */
export function describePartnership(mapping: TargetMapping, spec: RegistrationInputs): string {
  const what =
    mapping.partnershipField === "mpnId"
      ? `MPN ID ${spec.mpnId}`
      : spec.customerTenantId
        ? `customer tenant ${spec.customerTenantId} (partner tenant ${spec.tenantId})`
        : `tenant ${spec.tenantId}`;
  return `${mapping.noun} for ${what} in Flexera org ${spec.orgId}`;
}

/** A request body of `fields` of `spec`, each under its wire name in `wire`. */
function wireBody<Field extends keyof RegistrationInputs>(
  wire: Readonly<Record<Field, string>>,
  spec: RegistrationInputs,
  fields: readonly Field[],
): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [wire[field], spec[field]]));
}

/** The text of `fields` in an answer's `body`, each read under its wire name in `wire` (undefined: absent or not text). */
function wireText<Field extends string>(
  wire: Readonly<Record<Field, string>>,
  body: Record<string, unknown>,
  fields: readonly Field[],
): Partial<Record<Field, string>> {
  const text: Partial<Record<Field, string>> = {};
  for (const field of fields) {
    text[field] = optionalText(body[wire[field]]);
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// csp-partner: Cost Management API

const CSP_PARTNER: TargetMapping = {
  target: "csp-partner",
  host: "optima",
  noun: "Azure CSP partnership",
  partnershipField: "mpnId",
  identityFields: ["orgId", "mpnId"],
  mutableFields: ["domain", "applicationId", "applicationSecret"],
  requiredFields: ["orgId", "mpnId", "domain", "applicationId", "applicationSecret"],
  observedFields: ["mpnId", "domain", "applicationId"],
  collectionPath: (orgId) => `/analytics/orgs/${encodeURIComponent(orgId)}/azure_csp_partners`,
  listPath: (orgId) => CSP_PARTNER.collectionPath(orgId),
  itemPath: (orgId, id) => `${CSP_PARTNER.collectionPath(orgId)}/${encodeURIComponent(id)}`,
  createBody: (spec) =>
    wireBody(CSP_PARTNER_WIRE, spec, ["mpnId", "domain", "applicationId", "applicationSecret"]),
  // The MPN ID names the partnership; it is never sent on PATCH.
  updateBody: (spec) => wireBody(CSP_PARTNER_WIRE, spec, ["domain", "applicationId", "applicationSecret"]),
  parseRegistration: (data, context) => parseCspPartner(record(data, context, "a JSON object"), context),
  parseList: (data, context) => {
    if (!Array.isArray(data)) {
      throw shapeError(context, "a JSON array");
    }
    return data.map((item): ListedRegistration => {
      const fields = record(item, context, "an array of JSON objects");
      const id = idOf(fields, context);
      // Public sources confirm only id/href/created_at/updated_at on list items; when an item
      // carries the MPN ID too, there is no need to read it.
      const carriesKey = optionalText(fields[CSP_PARTNER_WIRE.mpnId]) !== undefined;
      return carriesKey ? { id, registration: parseCspPartner(fields, context) } : { id };
    });
  },
};

function parseCspPartner(fields: Record<string, unknown>, context: string): RemoteRegistration {
  return {
    id: idOf(fields, context),
    href: optionalText(fields.href),
    ...wireText(CSP_PARTNER_WIRE, fields, ["mpnId", "domain", "applicationId"]),
    createdAt: optionalText(fields.created_at),
    updatedAt: optionalText(fields.updated_at),
    readOnly: false,
  };
}

// ---------------------------------------------------------------------------------------------
// bill-connect: Flexera One FinOps Onboarding API

const BILL_CONNECT: TargetMapping = {
  target: "bill-connect",
  host: "flexera",
  noun: "azure-csp bill connect",
  partnershipField: "tenantId",
  identityFields: ["orgId", "tenantId", "billingAccountId", "customerTenantId", "billingProfileId"],
  mutableFields: ["applicationId", "applicationSecret"],
  requiredFields: ["orgId", "tenantId", "applicationId", "applicationSecret"],
  observedFields: ["applicationId", "tenantId", "billingAccountId", "customerTenantId", "billingProfileId"],
  // Confirmed by the published FinOps Onboarding spec (docs/optima-api.md §1C, S9):
  // POST answers 201, PATCH and DELETE answer 204.
  writeStatuses: { create: [201], update: [204], remove: [204] },
  collectionPath: (orgId) =>
    `/finops-onboarding/v1/orgs/${encodeURIComponent(orgId)}/bill-connects/azure-csp`,
  // The typed collection has no documented GET; the generic list holds every vendor's bill connects.
  listPath: (orgId) => `/finops-onboarding/v1/orgs/${encodeURIComponent(orgId)}/bill-connects`,
  itemPath: (orgId, id) => `${BILL_CONNECT.collectionPath(orgId)}/${encodeURIComponent(id)}`,
  validationPath: (orgId, id) => `${BILL_CONNECT.itemPath(orgId, id)}/validation`,
  createBody: (spec) => ({
    ...wireBody(BILL_CONNECT_WIRE, spec, ["applicationId", "applicationSecret", "tenantId"]),
    ...(spec.billingAccountId === undefined
      ? {}
      : { [BILL_CONNECT_WIRE.billingAccountId]: spec.billingAccountId }),
    ...(spec.customerTenantId === undefined
      ? {}
      : { [BILL_CONNECT_SCOPE_WIRE.scopeDetails]: customerScope(spec) }),
  }),
  // PATCH takes the create body minus scopeDetails; billingAccountId cannot be updated, so it is
  // never sent. The tenant ID is sent unchanged (a different tenant is a replacement).
  updateBody: (spec) => wireBody(BILL_CONNECT_WIRE, spec, ["applicationId", "applicationSecret", "tenantId"]),
  parseRegistration: (data, context) => parseBillConnect(record(data, context, "a JSON object"), context),
  parseList: (data, context) => {
    const values = record(data, context, 'a JSON object with "values"').values;
    if (!Array.isArray(values)) {
      throw shapeError(context, 'a JSON object with a "values" array');
    }
    const listed: ListedRegistration[] = [];
    for (const item of values) {
      const fields = record(item, context, '"values" of JSON objects');
      if (!isAzureCspBillConnect(fields)) {
        continue; // another vendor's bill connect
      }
      const id = idOf(fields, context);
      const carriesKey = optionalText(azureCspOf(fields)[BILL_CONNECT_WIRE.tenantId]) !== undefined;
      listed.push(carriesKey ? { id, registration: parseBillConnect(fields, context) } : { id });
    }
    return listed;
  },
};

/** `scopeDetails` of a CSP customer's bill connect. */
function customerScope(spec: RegistrationInputs): Record<string, unknown> {
  const W = BILL_CONNECT_SCOPE_WIRE;
  return {
    [W.scopeType]: CUSTOMER_TENANT_SCOPE,
    [W.customerDetails]: {
      [W.customerTenantId]: spec.customerTenantId,
      ...(spec.billingProfileId === undefined ? {} : { [W.billingProfileId]: spec.billingProfileId }),
    },
  };
}

/** The customer a bill connect's `scopeDetails` names, when its scope is "Customer Tenant". */
function customerOf(azureCsp: Record<string, unknown>): {
  customerTenantId?: string;
  billingProfileId?: string;
} {
  const W = BILL_CONNECT_SCOPE_WIRE;
  const scope = objectOf(azureCsp[W.scopeDetails]);
  if (scope[W.scopeType] !== CUSTOMER_TENANT_SCOPE) {
    return {};
  }
  const details = objectOf(scope[W.customerDetails]);
  return {
    customerTenantId: optionalText(details[W.customerTenantId]),
    billingProfileId: optionalText(details[W.billingProfileId]),
  };
}

function isAzureCspBillConnect(fields: Record<string, unknown>): boolean {
  if (fields.kind !== undefined) {
    return fields.kind === BILL_CONNECT_KIND;
  }
  return typeof fields.azureCsp === "object" || String(fields.id ?? "").startsWith(BILL_CONNECT_ID_PREFIX);
}

function azureCspOf(fields: Record<string, unknown>): Record<string, unknown> {
  return objectOf(fields.azureCsp);
}

function objectOf(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function parseBillConnect(fields: Record<string, unknown>, context: string): RemoteRegistration {
  const azureCsp = azureCspOf(fields);
  return {
    id: idOf(fields, context),
    href: optionalText(fields.href),
    ...wireText(BILL_CONNECT_WIRE, azureCsp, ["applicationId", "tenantId", "billingAccountId"]),
    ...definedOnly(customerOf(azureCsp)),
    createdAt: optionalText(fields.createdAt),
    updatedAt: optionalText(fields.updatedAt),
    readOnly: azureCsp.onboardingOrigin === "platform",
  };
}

/** A `GET …/validation` answer: `{billId, kind, valid, error?}`. */
export function parseValidation(data: unknown, context: string): RegistrationValidation {
  const fields = record(data, context, "a JSON object");
  if (typeof fields.valid !== "boolean") {
    throw shapeError(context, 'a JSON object with a boolean "valid"');
  }
  const error = optionalText(fields.error);
  return error === undefined ? { valid: fields.valid } : { valid: fields.valid, error };
}

// ---------------------------------------------------------------------------------------------

const MAPPINGS: Readonly<Record<RegistrationTarget, TargetMapping>> = {
  "csp-partner": CSP_PARTNER,
  "bill-connect": BILL_CONNECT,
};

/** The mapping of a target; throws naming the valid targets when `target` is not one. */
export function targetMapping(target: string | undefined): TargetMapping {
  const name = target ?? DEFAULT_TARGET;
  if (!isRegistrationTarget(name)) {
    throw new Error(
      `unknown registration target "${name}"; expected one of ${quotedList(REGISTRATION_TARGETS)}`,
    );
  }
  return MAPPINGS[name];
}

/** `"a", "b" or "c"`. */
export function quotedList(values: readonly string[]): string {
  const quoted = values.map((v) => `"${v}"`);
  return quoted.length <= 1
    ? quoted.join("")
    : `${quoted.slice(0, -1).join(", ")} or ${quoted[quoted.length - 1]}`;
}

/**
 * The registration ID from a create answer: the body's `id`, else the last segment of the
 * `Location` header, when that header names one registration. Throws an error that says the
 * registration may exist when neither gives an ID: no `id` and no `Location`, a `Location` that
 * points at the collection itself (`collectionPath`, when given), or one that is not a URL path.
 */
export function createdId(
  data: unknown,
  location: string | undefined,
  context: string,
  collectionPath?: string,
): string {
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const id = optionalText((data as Record<string, unknown>).id);
    if (id !== undefined) {
      return id;
    }
  }
  const missing = (why: string): Error =>
    new Error(
      `Optima's answer to ${context} does not say which registration it made: no "id" in the body, and ${why}`,
    );
  if (location === undefined || location.trim() === "") {
    throw missing("no Location header");
  }
  let path: string;
  try {
    // Relative to any origin: only the path matters, and a bad one must not escape as a URIError.
    path = new URL(location.trim(), "http://location.invalid").pathname;
  } catch {
    throw missing("its Location header is not a URL (not shown)");
  }
  const segments = path.split("/").filter((segment) => segment !== "");
  const collection = (collectionPath ?? "").split("/").filter((segment) => segment !== "");
  const last = segments[segments.length - 1];
  if (
    last === undefined ||
    (collection.length > 0 &&
      (segments.join("/") === collection.join("/") || last === collection[collection.length - 1]))
  ) {
    throw missing("its Location header points at the collection, not at one registration");
  }
  try {
    return decodeURIComponent(last);
  } catch {
    throw missing("its Location header is not a valid URL path (not shown)");
  }
}

/**
 * Where the next page of a list answer is, as the answer gives it (a path, or a URL to resolve
 * against the URL that answered), or undefined on the last page: a `nextPage` in a JSON object
 * body (the Flexera APIs' paging, with a `skipToken`), else a `Link` header entry with
 * `rel="next"` (RFC 8288). Whether it may be followed is the caller's decision.
 */
export function nextPageOf(
  data: unknown,
  headers: Readonly<Record<string, string>> = {},
): string | undefined {
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const next = (data as Record<string, unknown>).nextPage;
    if (typeof next === "string" && next.trim() !== "") {
      return next.trim();
    }
  }
  const link = headers.link;
  if (link === undefined) {
    return undefined;
  }
  for (const match of link.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2]);
    const relations = (rel?.[1] ?? rel?.[2] ?? "").toLowerCase().split(/\s+/);
    if (relations.includes("next") && match[1].trim() !== "") {
      return match[1].trim();
    }
  }
  return undefined;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function record(value: unknown, context: string, expected: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw shapeError(context, expected);
  }
  return value as Record<string, unknown>;
}

function idOf(fields: Record<string, unknown>, context: string): string {
  const id = optionalText(fields.id);
  if (id === undefined) {
    throw shapeError(context, 'an "id" on every registration');
  }
  return id;
}

/** A string (or a number, for IDs Optima may send as numbers); undefined when absent or empty. */
function optionalText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) {
    return String(value);
  }
  return typeof value === "string" && value !== "" ? value : undefined;
}

function shapeError(context: string, expected: string): Error {
  return new Error(`Optima's answer to ${context} is not in the expected shape: expected ${expected}`);
}
