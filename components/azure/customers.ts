/**
 * CSP customers of OptimaCspConnection: the `customers` argument (and the stack config
 * `optimaCustomers`, the same entries), checked before any API call. Pure: no I/O, no Pulumi.
 *
 * Each entry becomes one Flexera bill connect of its own (FinOps Onboarding azure-csp, scope
 * "Customer Tenant": docs/optima-api.md §2) in the Flexera org that shows that customer's costs,
 * holding the Web App's key like the partnership's registration. The rules (GUIDs, digits, the
 * billing formats) are the registration provider's own (../optima/validation); this module adds
 * what only a list has: every entry a known shape, no customer twice. It is the one home of these
 * rules: `optima-csp customers` reads the `optimaCustomers` config through
 * {@link checkCustomerEntries}, so that it refuses exactly what the program refuses.
 *
 * An entry may opt in to its Flexera MSP child org (`childOrg`: ../optima/childOrg*, made or
 * adopted by the customer tenant ID as `externalId`, retained on delete unless told otherwise);
 * the customer's bill connect then goes into that org.
 */
import { registrationFieldProblem } from "../optima/validation";
import type { ChildOrgOwnerInput as ChildOrgOwner } from "../optima/childOrgRules";
import type { RegistrationField } from "../optima/targets";

/** One CSP customer whose costs a Flexera org shows. */
export interface CustomerArgs {
  /** The customer's Entra ID tenant ID (Partner Center's "Microsoft ID"), a GUID. */
  readonly tenantId: string;
  /**
   * The Flexera organization ID (digits) that shows this customer's costs: usually its child org.
   * Required, except with `childOrg`, where the child org is the customer's org (leave it out).
   */
  readonly orgId?: string;
  /** Optional: the customer's billing profile, when Flexera needs it to look the tenant up. */
  readonly billingProfileId?: string;
  /** Optional: the MCA billing account, `GUID:GUID_YYYY-MM-DD`. */
  readonly billingAccountId?: string;
  /** Optional: a name for people (e.g. the company name); used in messages, and as the child org's default name. */
  readonly name?: string;
  /**
   * Keep this customer's bill connect in Flexera when it leaves the stack (removed from the list,
   * or `pulumi destroy`): deleting it deletes what its org sees. Default true.
   */
  readonly retainOnDelete?: boolean;
  /**
   * Opt in: the customer's Flexera MSP child org is made (or adopted) by the stack, under
   * `parentOrgId` (default: the partnership's org), with the customer tenant ID as its
   * `externalId`, and the customer's bill connect goes into it.
   */
  readonly childOrg?: ChildOrgArgs;
}

/** An owner of a new child org: the child org resource's own type, one type for both. */
export type { ChildOrgOwner };

/**
 * A customer's Flexera MSP child org (MSP Customer API v2, docs/optima-api.md §2b). One whose
 * `externalId` is the customer tenant ID under the parent is adopted, never duplicated. optima-csp
 * never changes an org after it exists: `name`, `description`, `owners` and `capabilities` are used
 * only when it creates one.
 */
export interface ChildOrgArgs {
  /** The MSP parent org (digits). Default: the partnership's org (`optima.orgId`). Changing it makes (or adopts) another org. */
  readonly parentOrgId?: string;
  /** The org's name, 1 to 512 characters. Default: the customer's `name`, else `CSP customer <tenant ID>`. */
  readonly name?: string;
  /** Optional text describing the org, at most 4096 characters. */
  readonly description?: string;
  /** At least one owner (the API requires one). The identity optima-csp uses needs a role in the new org to connect its bill: list it here when it is a user. */
  readonly owners: readonly ChildOrgOwner[];
  /** The org's capabilities, a subset of the parent's. Default `["optima", "policy"]` (what Flexera names for cost optimization); `iam` is always added by Flexera. */
  readonly capabilities?: readonly string[];
  /**
   * Keep the org in Flexera when it leaves the stack. Default true: deleting an org deletes all
   * its data and access. Only an explicit `false` lets a destroy (or removing the entry) delete it.
   */
  readonly retainOnDelete?: boolean;
}

/** A checked child org, with its defaults applied (the parent stays unset when it is the partnership's org). */
export interface ChildOrg {
  readonly parentOrgId?: string;
  readonly name: string;
  readonly description?: string;
  readonly owners: readonly ChildOrgOwner[];
  readonly capabilities: readonly string[];
  readonly retainOnDelete: boolean;
}

/** A checked customer entry, with its defaults applied: `orgId` is set unless `childOrg` is. */
export interface Customer {
  readonly tenantId: string;
  readonly orgId?: string;
  readonly billingProfileId?: string;
  readonly billingAccountId?: string;
  readonly name?: string;
  readonly retainOnDelete: boolean;
  readonly childOrg?: ChildOrg;
}

/**
 * A checked entry as written (what `optima-csp customers --sync` keeps and writes back): a
 * {@link CustomerArgs}, with the tenant ID in its own letter case, `retainOnDelete` only when
 * given, an org ID written as a number turned into its digits, `childOrg` as given.
 */
export type CustomerEntry = CustomerArgs;

/** The keys an entry may have, each with the registration field that holds its rule. */
const STRING_KEYS: readonly (readonly [keyof CustomerArgs, RegistrationField | undefined])[] = [
  ["tenantId", "customerTenantId"],
  ["orgId", "orgId"],
  ["billingProfileId", "billingProfileId"],
  ["billingAccountId", "billingAccountId"],
  ["name", undefined],
];
const KEYS: readonly string[] = [...STRING_KEYS.map(([key]) => key), "retainOnDelete", "childOrg"];
/** The keys a customer entry may have (`optima-csp customers --sync` holds existing entries to them). */
export const CUSTOMER_ENTRY_KEYS: readonly string[] = KEYS;
const CHILD_ORG_KEYS: readonly string[] = [
  "parentOrgId",
  "name",
  "description",
  "owners",
  "capabilities",
  "retainOnDelete",
];
const OWNER_KEYS: readonly string[] = ["email", "firstName", "lastName"];

/** A child org's capabilities when none are given: "The capabilities required for FinOps/CCO operations are optima plus policy" (docs/optima-api.md §2b). */
export const DEFAULT_CHILD_ORG_CAPABILITIES: readonly string[] = ["optima", "policy"];
/** The API's limits on a child org (MSP Customer API v2 create body, docs/optima-api.md §2b). */
export const CHILD_ORG_LIMITS = { name: 512, description: 4096, externalId: 256 } as const;
/** A capability name, as the MSP Customer API's schema gives it (docs/optima-api.md §2b). */
const CAPABILITY_NAME = /^[_a-zA-Z0-9][-_a-zA-Z0-9]{0,127}$/;
/** An email address, loosely: one @, no white space (Flexera checks the rest). */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

/** Most customers one stack connects: each is one bill connect the key is handed to in a rotation. */
export const MAX_CUSTOMERS = 500;

/**
 * Checks the customer entries and applies their defaults. `label` names the list in messages
 * (`customers`, or `optima-csp:optimaCustomers` for stack config). Throws one clear error at the
 * first problem, naming the entry and key, e.g. `customers[2].orgId must be the Flexera
 * organization ID, digits only; got "acme"`.
 */
export function checkCustomers(value: unknown, label: string): Customer[] {
  return checkCustomerEntries(value, label).map((entry): Customer => {
    const child = entry.childOrg;
    return {
      tenantId: entry.tenantId.toLowerCase(),
      ...(entry.orgId === undefined ? {} : { orgId: entry.orgId }),
      ...(entry.billingProfileId === undefined ? {} : { billingProfileId: entry.billingProfileId }),
      ...(entry.billingAccountId === undefined ? {} : { billingAccountId: entry.billingAccountId }),
      ...(entry.name === undefined ? {} : { name: entry.name }),
      retainOnDelete: entry.retainOnDelete !== false,
      ...(child === undefined
        ? {}
        : {
            childOrg: {
              ...(child.parentOrgId === undefined ? {} : { parentOrgId: child.parentOrgId }),
              name: child.name ?? entry.name ?? `CSP customer ${entry.tenantId.toLowerCase()}`,
              ...(child.description === undefined ? {} : { description: child.description }),
              owners: child.owners.map((o) => ({ ...o })),
              capabilities: [...(child.capabilities ?? DEFAULT_CHILD_ORG_CAPABILITIES)],
              retainOnDelete: child.retainOnDelete !== false,
            },
          }),
    };
  });
}

/**
 * The one home of the entry rules, for the program and for `optima-csp customers`: checks every
 * entry and returns them as written ({@link CustomerEntry}), without defaults. Throws like
 * {@link checkCustomers}.
 */
export function checkCustomerEntries(value: unknown, label: string): CustomerEntry[] {
  if (value === undefined || value === null) {
    return [];
  }
  if (!Array.isArray(value)) {
    throw new Error(
      `${label} must be a list of customers, each {tenantId, orgId, billingProfileId?, billingAccountId?}; got ${describe(value)}.`,
    );
  }
  if (value.length > MAX_CUSTOMERS) {
    throw new Error(
      `${label} lists ${value.length} customers; at most ${MAX_CUSTOMERS} are supported in one stack.`,
    );
  }
  const seen = new Map<string, number>();
  return value.map((entry: unknown, index): CustomerEntry => {
    const at = `${label}[${index}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new Error(`${at} must be an object {tenantId, orgId, …}; got ${describe(entry)}.`);
    }
    // Stack config YAML reads an unquoted org ID as a number: take a whole number as its digits.
    const fields = withDigits(entry as Record<string, unknown>, "orgId");
    const unknownKey = Object.keys(fields).find((key) => !KEYS.includes(key));
    if (unknownKey !== undefined) {
      throw new Error(
        `${at} has an unknown key ${JSON.stringify(unknownKey)}; the keys are ${KEYS.join(", ")}.`,
      );
    }
    const absent = (key: string): boolean =>
      fields[key] === undefined || fields[key] === null || fields[key] === "";
    if (absent("tenantId")) {
      throw new Error(
        `${at}.tenantId is required: the customer's Entra ID tenant ID (Partner Center's Microsoft ID).`,
      );
    }
    const hasChildOrg = fields.childOrg !== undefined && fields.childOrg !== null;
    if (absent("orgId") && !hasChildOrg) {
      throw new Error(
        `${at}.orgId is required: the Flexera organization ID that shows this customer's costs (or childOrg, to make its org).`,
      );
    }
    if (!absent("orgId") && hasChildOrg) {
      throw new Error(
        `${at} has both orgId and childOrg: with childOrg the customer's bill connect goes into its child org. ` +
          "Leave out orgId (the parent is childOrg.parentOrgId), or leave out childOrg to use an org that exists.",
      );
    }
    for (const [key, field] of STRING_KEYS) {
      const v = fields[key];
      if (v === undefined || v === null) {
        continue;
      }
      if (typeof v !== "string") {
        throw new Error(`${at}.${key} must be a string; got ${describe(v)}.`);
      }
      const problem = field === undefined ? undefined : registrationFieldProblem(field, v);
      if (problem !== undefined) {
        throw new Error(`${at}.${key} ${problem}.`);
      }
    }
    const retain = fields.retainOnDelete;
    if (retain !== undefined && typeof retain !== "boolean") {
      throw new Error(`${at}.retainOnDelete must be true or false; got ${describe(retain)}.`);
    }
    const tenantId = fields.tenantId as string;
    const first = seen.get(tenantId.toLowerCase());
    if (first !== undefined) {
      throw new Error(
        `${at}.tenantId ${tenantId.toLowerCase()} is also ${label}[${first}]: each customer tenant has one bill connect in this stack. ` +
          "Remove one entry (several tenants may share an org; one tenant cannot have two).",
      );
    }
    seen.set(tenantId.toLowerCase(), index);
    const text = (key: keyof CustomerArgs): string | undefined =>
      typeof fields[key] === "string" && fields[key] !== "" ? (fields[key] as string) : undefined;
    const childOrg = hasChildOrg ? checkChildOrg(fields.childOrg, `${at}.childOrg`) : undefined;
    if (childOrg?.name === undefined && (text("name")?.length ?? 0) > CHILD_ORG_LIMITS.name) {
      throw new Error(
        `${at}.name is the child org's name (no childOrg.name is given), and an org's name is at most ${CHILD_ORG_LIMITS.name} characters: give childOrg.name.`,
      );
    }
    return {
      tenantId,
      ...(text("orgId") === undefined ? {} : { orgId: text("orgId") }),
      ...(text("billingProfileId") === undefined ? {} : { billingProfileId: text("billingProfileId") }),
      ...(text("billingAccountId") === undefined ? {} : { billingAccountId: text("billingAccountId") }),
      ...(text("name") === undefined ? {} : { name: text("name") }),
      ...(typeof retain === "boolean" ? { retainOnDelete: retain } : {}),
      ...(childOrg === undefined ? {} : { childOrg }),
    };
  });
}

/** One entry's `childOrg`, checked; returned as written (a parent org written as a number as its digits). */
function checkChildOrg(value: unknown, at: string): ChildOrgArgs {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error(`${at} must be an object {owners, name?, parentOrgId?, …}; got ${describe(value)}.`);
  }
  const fields = withDigits(value as Record<string, unknown>, "parentOrgId");
  const unknownKey = Object.keys(fields).find((key) => !CHILD_ORG_KEYS.includes(key));
  if (unknownKey !== undefined) {
    throw new Error(
      `${at} has an unknown key ${JSON.stringify(unknownKey)}; the keys are ${CHILD_ORG_KEYS.join(", ")}.`,
    );
  }
  const text = (key: string, max: number): string | undefined => {
    const v = fields[key];
    if (v === undefined || v === null) {
      return undefined;
    }
    if (typeof v !== "string" || v.trim() === "" || v.length > max) {
      throw new Error(`${at}.${key} must be a string of 1 to ${max} characters; got ${describe(v)}.`);
    }
    return v;
  };
  const parentOrgId = fields.parentOrgId;
  if (parentOrgId !== undefined && parentOrgId !== null) {
    const problem =
      typeof parentOrgId === "string" ? registrationFieldProblem("orgId", parentOrgId) : "must be a string";
    if (problem !== undefined) {
      throw new Error(
        `${at}.parentOrgId ${problem.replace("the Flexera organization ID", "the MSP parent org ID")}.`,
      );
    }
  }
  const name = text("name", CHILD_ORG_LIMITS.name);
  const description = text("description", CHILD_ORG_LIMITS.description);
  const owners = fields.owners;
  if (!Array.isArray(owners) || owners.length === 0) {
    throw new Error(
      `${at}.owners is required: at least one {email, firstName, lastName}, the users given the org owner role (the API requires one).`,
    );
  }
  const checkedOwners = owners.map((owner: unknown, i): ChildOrgOwner => {
    const where = `${at}.owners[${i}]`;
    if (typeof owner !== "object" || owner === null || Array.isArray(owner)) {
      throw new Error(`${where} must be an object {email, firstName, lastName}; got ${describe(owner)}.`);
    }
    const o = owner as Record<string, unknown>;
    const extra = Object.keys(o).find((key) => !OWNER_KEYS.includes(key));
    if (extra !== undefined) {
      throw new Error(
        `${where} has an unknown key ${JSON.stringify(extra)}; the keys are ${OWNER_KEYS.join(", ")}.`,
      );
    }
    for (const key of OWNER_KEYS) {
      if (typeof o[key] !== "string" || (o[key] as string).trim() === "") {
        throw new Error(
          `${where}.${key} is required, a non-empty string${o[key] === undefined ? "" : `; got ${describe(o[key])}`}.`,
        );
      }
    }
    if (!EMAIL.test(o.email as string)) {
      throw new Error(`${where}.email must be an email address; got ${describe(o.email)}.`);
    }
    return { email: o.email as string, firstName: o.firstName as string, lastName: o.lastName as string };
  });
  let capabilities: string[] | undefined;
  if (fields.capabilities !== undefined && fields.capabilities !== null) {
    if (!Array.isArray(fields.capabilities) || fields.capabilities.length === 0) {
      throw new Error(
        `${at}.capabilities must be a list of at least one capability name, e.g. ["optima", "policy"].`,
      );
    }
    capabilities = fields.capabilities.map((c: unknown, i) => {
      if (typeof c !== "string" || !CAPABILITY_NAME.test(c)) {
        throw new Error(
          `${at}.capabilities[${i}] must be a capability name (letters, digits, "-" and "_"), e.g. "optima"; got ${describe(c)}.`,
        );
      }
      return c;
    });
  }
  const retain = fields.retainOnDelete;
  if (retain !== undefined && typeof retain !== "boolean") {
    throw new Error(`${at}.retainOnDelete must be true or false; got ${describe(retain)}.`);
  }
  return {
    ...(typeof parentOrgId === "string" ? { parentOrgId } : {}),
    ...(name === undefined ? {} : { name }),
    ...(description === undefined ? {} : { description }),
    owners: checkedOwners,
    ...(capabilities === undefined ? {} : { capabilities }),
    ...(typeof retain === "boolean" ? { retainOnDelete: retain } : {}),
  };
}

/** The fields, with `key` turned into its digits when it is a whole number (YAML reads `40123` as one). */
function withDigits(fields: Record<string, unknown>, key: string): Record<string, unknown> {
  const v = fields[key];
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0
    ? { ...fields, [key]: String(v) }
    : fields;
}

/** The name of a customer's child org resource: stable per customer tenant, whatever the list order. */
export function childOrgResourceName(component: string, tenantId: string): string {
  return `${component}-child-org-${tenantId.toLowerCase()}`;
}

/** The name of a customer's bill connect resource: stable per customer tenant, whatever the list order. */
export function customerResourceName(component: string, tenantId: string): string {
  return `${component}-customer-${tenantId.toLowerCase()}`;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) {
    return "a list";
  }
  if (value === null) {
    return "null";
  }
  if (typeof value === "string") {
    return JSON.stringify(value);
  }
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}
