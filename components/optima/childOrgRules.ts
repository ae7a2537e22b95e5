/**
 * A CSP customer's Flexera MSP child org (`FlexeraChildOrg`): its inputs and outputs, the provider's
 * check() and diff() rules, and the MSP Customer API v2 wire (paths, the create body, the answers).
 * Pure: no I/O, no Pulumi. ./childOrgRuntime does the calls; ./childOrgProvider is the resource.
 *
 * The API, from docs/optima-api.md §2b (the IAM spec, S26 there):
 * - `GET /msp/v2/orgs/{parent}/customers` answers a JSON array; its `filter` knows only `name`, so
 *   an org is found by listing and matching `externalId` (the customer tenant ID) here, in any
 *   letter case.
 * - `POST` the same path with {name, owners, capabilities, externalId, description?} answers 201 and
 *   `Location: /msp/v2/orgs/{parent}/customers/{id}` (no body documented).
 * - `GET|DELETE …/customers/{id}`; DELETE answers 204, 409 `organization_has_children`.
 * optima-csp never PATCHes an org: name, description, owners and capabilities are used only when
 * it creates one (an org found is adopted as it is).
 */
import { isGuid } from "../formats";
import { UNKNOWN_VALUE } from "../unknown";

/** An owner of a new child org: a Flexera One user given the org owner role there (§2b: OwnerUser). */
export interface ChildOrgOwnerInput {
  /** The user's email address, their Flexera One sign-in. */
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
}

/** What a `FlexeraChildOrg` is given. */
export interface ChildOrgInputs {
  /** The MSP parent org (digits). Changing it makes (or adopts) another org. */
  readonly parentOrgId: string;
  /** The customer's Entra ID tenant ID: the org's `externalId`. Changing it makes (or adopts) another org. */
  readonly customerTenantId: string;
  /** Used when the org is created. */
  readonly name: string;
  readonly description?: string;
  readonly owners: readonly ChildOrgOwnerInput[];
  readonly capabilities: readonly string[];
}

/** What state holds: the inputs and what Flexera showed. The resource's ID is the child org's ID. */
export interface ChildOrgOutputs extends ChildOrgInputs {
  /** The child org's ID (digits), the org the customer's bill connect goes into. */
  readonly orgId: string;
  /** The org's name as Flexera shows it (read on refresh; an adopted org keeps its own). */
  readonly orgName: string;
  /** True when the org existed (same externalId under the parent) and was adopted, not created. */
  readonly adopted: boolean;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** A child org as the API shows it. */
export interface RemoteChildOrg {
  readonly id: string;
  readonly name: string;
  readonly externalId?: string;
  readonly createdAt?: string;
  readonly updatedAt?: string;
}

/** §2b: the collection and item paths (Flexera API host). */
export function childOrgsPath(parentOrgId: string): string {
  return `/msp/v2/orgs/${encodeURIComponent(parentOrgId)}/customers`;
}
export function childOrgPath(parentOrgId: string, id: string): string {
  return `${childOrgsPath(parentOrgId)}/${encodeURIComponent(id)}`;
}

/** §2b: the create body (CreateRequestBody11). */
export function createChildOrgBody(inputs: ChildOrgInputs): Record<string, unknown> {
  return {
    name: inputs.name,
    externalId: inputs.customerTenantId,
    ...(inputs.description === undefined ? {} : { description: inputs.description }),
    owners: inputs.owners.map((o) => ({ email: o.email, firstName: o.firstName, lastName: o.lastName })),
    capabilities: inputs.capabilities.map((name) => ({ name })),
  };
}

/** One item of the index, or a show answer; `what` names the request in messages. */
export function parseChildOrg(value: unknown, what: string): RemoteChildOrg {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${what} answered something that is not a child org (expected a JSON object)`);
  }
  const item = value as Record<string, unknown>;
  const id = typeof item.id === "number" && Number.isSafeInteger(item.id) ? String(item.id) : item.id;
  if (typeof id !== "string" || !/^\d{1,20}$/.test(id)) {
    throw new Error(`${what} answered a child org without an integer "id"`);
  }
  const text = (key: string): string | undefined =>
    typeof item[key] === "string" ? (item[key] as string) : undefined;
  return {
    id,
    name: text("name") ?? "",
    ...(text("externalId") === undefined ? {} : { externalId: text("externalId") }),
    ...(text("createdAt") === undefined ? {} : { createdAt: text("createdAt") }),
    ...(text("updatedAt") === undefined ? {} : { updatedAt: text("updatedAt") }),
  };
}

/** §2b: the index answers a JSON array of items. */
export function parseChildOrgList(value: unknown, what: string): RemoteChildOrg[] {
  if (!Array.isArray(value)) {
    throw new Error(`${what} answered something that is not a list of child orgs (expected a JSON array)`);
  }
  return value.map((item) => parseChildOrg(item, what));
}

/**
 * The org of this customer among a parent's child orgs: `externalId` equal to the customer tenant
 * ID in any letter case. Two such orgs are refused: which one shows the customer's costs is for a
 * person to decide.
 */
export function findChildOrg(
  orgs: readonly RemoteChildOrg[],
  customerTenantId: string,
  parentOrgId: string,
): RemoteChildOrg | undefined {
  const key = customerTenantId.toLowerCase();
  const matches = orgs.filter((o) => o.externalId?.trim().toLowerCase() === key);
  if (matches.length > 1) {
    throw new Error(
      `org ${parentOrgId} has ${matches.length} child orgs with externalId ${key} (${matches.map((o) => o.id).join(", ")}): ` +
        "optima-csp cannot tell which one is the customer's. Clear the externalId of the others in Flexera One.",
    );
  }
  return matches[0];
}

/** §2b: the new org's ID, from the create answer's `Location` (or an `id` in a body, should one come). */
export function createdChildOrgId(location: string | undefined, body: unknown, what: string): string {
  const fromBody =
    typeof body === "object" && body !== null && typeof (body as { id?: unknown }).id === "number"
      ? String((body as { id: number }).id)
      : undefined;
  const fromLocation =
    location === undefined ? undefined : /\/customers\/(\d{1,20})\/?(?:[?#].*)?$/.exec(location)?.[1];
  const id = fromLocation ?? fromBody;
  if (id === undefined) {
    throw new Error(`${what} created a child org but named it neither in Location nor in its answer`);
  }
  return id;
}

/** A failure of check(): the input and why. */
export interface ChildOrgFailure {
  readonly property: string;
  readonly reason: string;
}

const CAPABILITY = /^[_a-zA-Z0-9][-_a-zA-Z0-9]{0,127}$/;

/**
 * The provider's check(): every input's shape, without any API call. A value the engine does not
 * know yet (a preview) passes. The component checks the same entries first, with messages that
 * name the customer (../azure/customers); this is the last line for a direct user.
 */
export function checkChildOrg(news: Record<string, unknown>): ChildOrgFailure[] {
  const failures: ChildOrgFailure[] = [];
  const known = (key: string): boolean => news[key] !== UNKNOWN_VALUE;
  const fail = (property: string, reason: string): void => {
    failures.push({ property, reason });
  };
  if (
    known("parentOrgId") &&
    (typeof news.parentOrgId !== "string" || !/^\d{1,20}$/.test(news.parentOrgId))
  ) {
    fail("parentOrgId", "must be the MSP parent org ID, digits only");
  }
  if (
    known("customerTenantId") &&
    (typeof news.customerTenantId !== "string" || !isGuid(news.customerTenantId))
  ) {
    fail("customerTenantId", "must be the CSP customer's Entra ID tenant ID, a GUID");
  }
  if (known("name") && (typeof news.name !== "string" || news.name.trim() === "" || news.name.length > 512)) {
    fail("name", "must be 1 to 512 characters");
  }
  if (
    news.description !== undefined &&
    known("description") &&
    (typeof news.description !== "string" || news.description.length > 4096)
  ) {
    fail("description", "must be at most 4096 characters");
  }
  const isOwner = (o: unknown): boolean =>
    typeof o === "object" &&
    o !== null &&
    ["email", "firstName", "lastName"].every(
      (k) => typeof (o as Record<string, unknown>)[k] === "string" && (o as Record<string, string>)[k] !== "",
    );
  if (known("owners") && !isNonEmptyListOf(news.owners, isOwner)) {
    fail("owners", "must be at least one {email, firstName, lastName}");
  }
  const isCapability = (c: unknown): boolean => typeof c === "string" && CAPABILITY.test(c);
  if (known("capabilities") && !isNonEmptyListOf(news.capabilities, isCapability)) {
    fail("capabilities", 'must be at least one capability name, e.g. "optima"');
  }
  return failures;
}

/** Whether `value` is an array of at least one item, each of which `each` accepts. */
function isNonEmptyListOf(value: unknown, each: (item: unknown) => boolean): boolean {
  return Array.isArray(value) && value.length > 0 && value.every(each);
}

/**
 * The provider's diff(): a different parent or customer tenant names another org (replace; the
 * old one is left to its `retainOnDelete`). Nothing else is ever changed on an org, so other
 * inputs report no change.
 */
export function diffChildOrg(
  olds: Partial<ChildOrgOutputs>,
  news: Partial<ChildOrgInputs>,
): { changes: boolean; replaces: string[] } {
  const replaces: string[] = [];
  if (news.parentOrgId !== olds.parentOrgId) {
    replaces.push("parentOrgId");
  }
  const tenant = (v: unknown): unknown =>
    typeof v === "string" && v !== UNKNOWN_VALUE ? v.toLowerCase() : v;
  if (tenant(news.customerTenantId) !== tenant(olds.customerTenantId)) {
    replaces.push("customerTenantId");
  }
  return { changes: replaces.length > 0, replaces };
}
