/**
 * CSP customers of OptimaCspConnection: the `customers` argument (and the stack config
 * `optimaCustomers`, the same entries), checked before any API call. Pure: no I/O, no Pulumi.
 *
 * Each entry becomes one Flexera bill connect of its own (FinOps Onboarding azure-csp, scope
 * "Customer Tenant": docs/optima-api.md §2) in the Flexera org that shows that customer's costs,
 * holding the Web App's key like the partnership's registration. The rules (GUIDs, digits, the
 * billing formats) are the registration provider's own (../optima/validation); this module adds
 * what only a list has: every entry a known shape, no customer twice.
 */
import { registrationFieldProblem } from "../optima/validation";
import type { RegistrationField } from "../optima/targets";

/** One CSP customer whose costs a Flexera org shows. */
export interface CustomerArgs {
  /** The customer's Entra ID tenant ID (Partner Center's "Microsoft ID"), a GUID. */
  readonly tenantId: string;
  /** The Flexera organization ID (digits) that shows this customer's costs: usually its child org. */
  readonly orgId: string;
  /** Optional: the customer's billing profile, when Flexera needs it to look the tenant up. */
  readonly billingProfileId?: string;
  /** Optional: the MCA billing account, `GUID:GUID_YYYY-MM-DD`. */
  readonly billingAccountId?: string;
  /** Optional: a name for people (e.g. the company name); used in messages only, never sent. */
  readonly name?: string;
  /**
   * Keep this customer's bill connect in Flexera when it leaves the stack (removed from the list,
   * or `pulumi destroy`): deleting it deletes what its org sees. Default true.
   */
  readonly retainOnDelete?: boolean;
}

/** A checked customer entry, with its defaults applied. */
export interface Customer {
  readonly tenantId: string;
  readonly orgId: string;
  readonly billingProfileId?: string;
  readonly billingAccountId?: string;
  readonly name?: string;
  readonly retainOnDelete: boolean;
}

/** The keys an entry may have, each with the registration field that holds its rule. */
const STRING_KEYS: readonly (readonly [keyof CustomerArgs, RegistrationField | undefined])[] = [
  ["tenantId", "customerTenantId"],
  ["orgId", "orgId"],
  ["billingProfileId", "billingProfileId"],
  ["billingAccountId", "billingAccountId"],
  ["name", undefined],
];
const KEYS: readonly string[] = [...STRING_KEYS.map(([key]) => key), "retainOnDelete"];
/** The keys a customer entry may have (`optima-csp customers --sync` holds existing entries to them). */
export const CUSTOMER_ENTRY_KEYS: readonly string[] = KEYS;
const REQUIRED: readonly (keyof CustomerArgs)[] = ["tenantId", "orgId"];

/** Most customers one stack connects: each is one bill connect the key is handed to in a rotation. */
export const MAX_CUSTOMERS = 500;

/**
 * Checks the customer entries and applies their defaults. `label` names the list in messages
 * (`customers`, or `optima-csp:optimaCustomers` for stack config). Throws one clear error at the
 * first problem, naming the entry and key, e.g. `customers[2].orgId must be the Flexera
 * organization ID, digits only; got "acme"`.
 */
export function checkCustomers(value: unknown, label: string): Customer[] {
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
  return value.map((entry: unknown, index): Customer => {
    const at = `${label}[${index}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new Error(`${at} must be an object {tenantId, orgId, …}; got ${describe(entry)}.`);
    }
    // Stack config YAML reads an unquoted org ID as a number: take a whole number as its digits.
    const given = entry as Record<string, unknown>;
    const fields: Record<string, unknown> =
      typeof given.orgId === "number" && Number.isSafeInteger(given.orgId) && given.orgId >= 0
        ? { ...given, orgId: String(given.orgId) }
        : given;
    const unknownKey = Object.keys(fields).find((key) => !KEYS.includes(key));
    if (unknownKey !== undefined) {
      throw new Error(
        `${at} has an unknown key ${JSON.stringify(unknownKey)}; the keys are ${KEYS.join(", ")}.`,
      );
    }
    for (const key of REQUIRED) {
      if (fields[key] === undefined || fields[key] === null || fields[key] === "") {
        throw new Error(
          key === "tenantId"
            ? `${at}.tenantId is required: the customer's Entra ID tenant ID (Partner Center's Microsoft ID).`
            : `${at}.orgId is required: the Flexera organization ID that shows this customer's costs.`,
        );
      }
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
    const tenantId = (fields.tenantId as string).toLowerCase();
    const first = seen.get(tenantId);
    if (first !== undefined) {
      throw new Error(
        `${at}.tenantId ${tenantId} is also ${label}[${first}]: each customer tenant has one bill connect in this stack. ` +
          "Remove one entry (several tenants may share an org; one tenant cannot have two).",
      );
    }
    seen.set(tenantId, index);
    const text = (key: keyof CustomerArgs): string | undefined =>
      typeof fields[key] === "string" && fields[key] !== "" ? (fields[key] as string) : undefined;
    return {
      tenantId,
      orgId: fields.orgId as string,
      ...(text("billingProfileId") === undefined ? {} : { billingProfileId: text("billingProfileId") }),
      ...(text("billingAccountId") === undefined ? {} : { billingAccountId: text("billingAccountId") }),
      ...(text("name") === undefined ? {} : { name: text("name") }),
      retainOnDelete: retain !== false,
    };
  });
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
