/**
 * The registration provider's `check()` rules: pure, no API call, no credential needed.
 *
 * Owns the shape of each input (GUIDs, digits-only IDs, DNS names, the billing-account pattern,
 * a non-empty secret), which inputs each target requires (from its {@link TargetMapping}), and
 * the `target` default. Every failure names the property it is about; a message may quote a
 * value the user typed, but never the secret.
 *
 * During a preview, inputs that depend on resources not created yet arrive as Pulumi's
 * "unknown" placeholder (../unknown): they are not validated (they are checked again when known).
 */
import { EXAMPLE_GUID, GUID_PATTERN, isGuid, shownNonGuid } from "../formats";
import { isUnknown } from "../unknown";
import { quotedList, targetMapping, type RegistrationField, type RegistrationInputs } from "./targets";
import { DEFAULT_TARGET, REGISTRATION_TARGETS, isRegistrationTarget, type RegistrationTarget } from "./types";

/** One `check()` failure, shaped like `pulumi.dynamic.CheckFailure`. */
export interface RegistrationCheckFailure {
  readonly property: string;
  readonly reason: string;
}

export interface RegistrationCheckResult {
  /** The inputs to use: the new inputs with `target` defaulted. */
  readonly inputs: RegistrationInputs;
  readonly failures: RegistrationCheckFailure[];
}

/** Most digits accepted in an org ID or MPN ID (MPN IDs have 6 to 7 today). */
const MAX_DIGITS = 20;
const DIGITS = new RegExp(`^[0-9]{1,${MAX_DIGITS}}$`);

/**
 * The rule of an ID made of digits only: `what` names it in the reason. Zero (`0`, `000`) is
 * refused: Flexera numbers orgs and Microsoft numbers partners from 1, so a zero is a placeholder.
 */
function digitsRule(what: string): (value: string) => string | undefined {
  return (v) =>
    !DIGITS.test(v)
      ? /^[0-9]+$/.test(v)
        ? `must be ${what}, at most ${MAX_DIGITS} digits; got ${v.length} digits`
        : `must be ${what}, digits only; got "${v}"`
      : /^0+$/.test(v)
        ? `must be ${what}, a number from 1 up; got "${v}", a placeholder`
        : undefined;
}
/** A DNS label: letters, digits and inner hyphens, 1–63 characters. */
const DNS_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
/** `GUID:GUID_YYYY-MM-DD`, the MCA billing account form the FinOps Onboarding API requires. */
const BILLING_ACCOUNT_ID = new RegExp(
  `^${GUID_PATTERN}:${GUID_PATTERN}_[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])$`,
);

/**
 * A billing profile ID: the FinOps Onboarding spec gives no pattern for it; this is the pattern
 * it gives `customerTenantId` beside it (`^[a-zA-Z\d-_]{1,128}$`, docs/optima-api.md §2), which
 * MCA billing profile IDs (`ABCD-EFGH-IJK-LMN`) match.
 */
const BILLING_PROFILE_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What each field must look like: a reason when `value` (a non-empty string) is wrong. */
const FORMAT_RULES: Readonly<Record<RegistrationField, (value: string) => string | undefined>> = {
  orgId: digitsRule("the Flexera organization ID"),
  mpnId: digitsRule("the partner's MPN ID"),
  domain: (v) =>
    isDomainName(v)
      ? undefined
      : `must be the partner tenant's default domain, a DNS name such as contoso.onmicrosoft.com; got "${v}"`,
  applicationId: (v) =>
    isGuid(v)
      ? undefined
      : `must be the Web App's Application (client) ID, a GUID like ${EXAMPLE_GUID}; got ${shownNonGuid(v)}`,
  applicationSecret: () => undefined, // any non-empty string; never quoted
  tenantId: (v) =>
    isGuid(v)
      ? undefined
      : `must be the partner's Entra ID tenant ID, a GUID like ${EXAMPLE_GUID}; got ${shownNonGuid(v)}`,
  billingAccountId: (v) =>
    BILLING_ACCOUNT_ID.test(v)
      ? undefined
      : `must be an MCA billing account ID of the form GUID:GUID_YYYY-MM-DD; got "${v}"`,
  customerTenantId: (v) =>
    isGuid(v)
      ? undefined
      : `must be the CSP customer's Entra ID tenant ID (Partner Center's Microsoft ID), a GUID like ${EXAMPLE_GUID}; got ${shownNonGuid(v)}`,
  billingProfileId: (v) =>
    BILLING_PROFILE_ID.test(v)
      ? undefined
      : `must be a billing profile ID: 1 to 128 letters, digits, "-" and "_"; got "${v}"`,
};

/** The customer fields, which make a `bill-connect` a CSP customer's (scopeDetails "Customer Tenant"). */
const CUSTOMER_FIELDS = ["customerTenantId", "billingProfileId"] as const;

const FIELDS = Object.keys(FORMAT_RULES) as RegistrationField[];

/** Whether `value` is a DNS name with at least two labels (no trailing dot, at most 253 characters). */
export function isDomainName(value: string): boolean {
  if (value.length > 253) {
    return false;
  }
  const labels = value.split(".");
  return (
    labels.length >= 2 &&
    labels.every((label) => DNS_LABEL.test(label)) &&
    !/^[0-9]+$/.test(labels[labels.length - 1])
  );
}

/**
 * Checks new registration inputs. `olds` is not needed: every rule is about the new values.
 * Returns the inputs to use (with `target` defaulted) and one failure per wrong property.
 */
export function checkRegistration(news: Record<string, unknown>): RegistrationCheckResult {
  const keyIdReason = keyIdProblem(news.keyId);
  const failures: RegistrationCheckFailure[] = [];
  const target = news.target ?? DEFAULT_TARGET;
  const inputs = { ...news, target } as unknown as RegistrationInputs;

  let required: readonly RegistrationField[] = [];
  if (isUnknown(target)) {
    // Which fields are required depends on the target; check formats only.
  } else if (!isRegistrationTarget(target)) {
    failures.push({
      property: "target",
      reason: `unknown registration target ${typeof target === "string" ? `"${target}"` : `of type ${typeof target}`}; expected ${quotedList(REGISTRATION_TARGETS)}`,
    });
  } else {
    required = targetMapping(target).requiredFields;
  }

  for (const field of FIELDS) {
    const reason = fieldFailure(field, news[field], required.includes(field), target);
    if (reason !== undefined) {
      failures.push({ property: field, reason });
    }
  }
  if (keyIdReason !== undefined) {
    failures.push({ property: "keyId", reason: keyIdReason });
  }
  failures.push(...customerFailures(news, target));
  return { inputs, failures };
}

/** The customer fields belong to a `bill-connect`, and a billing profile to a customer. */
function customerFailures(news: Record<string, unknown>, target: unknown): RegistrationCheckFailure[] {
  const given = (field: string): boolean => news[field] !== undefined && news[field] !== null;
  const failures: RegistrationCheckFailure[] = [];
  if (!isUnknown(target) && target !== "bill-connect") {
    for (const field of CUSTOMER_FIELDS.filter(given)) {
      failures.push({
        property: field,
        reason: 'applies only to target "bill-connect" (a CSP customer\'s bill connect)',
      });
    }
  }
  if (given("billingProfileId") && !given("customerTenantId")) {
    failures.push({
      property: "billingProfileId",
      reason: "needs customerTenantId: a billing profile scopes a CSP customer's bill connect",
    });
  }
  return failures;
}

/** Why a `keyId` input is refused: optional, state only, but when given the GUID Entra ID gave the key. */
function keyIdProblem(value: unknown): string | undefined {
  if (value === undefined || value === null || isUnknown(value)) {
    return undefined;
  }
  if (typeof value !== "string") {
    return `must be a string; got a ${typeof value}`;
  }
  return isGuid(value)
    ? undefined
    : `must be the Entra ID key ID of the secret, a GUID like ${EXAMPLE_GUID}; got ${shownNonGuid(value)}`;
}

function fieldFailure(
  field: RegistrationField,
  value: unknown,
  required: boolean,
  target: unknown,
): string | undefined {
  if (value === undefined || value === null) {
    return required ? `is required for target "${target as RegistrationTarget}"` : undefined;
  }
  if (isUnknown(value)) {
    return undefined;
  }
  if (typeof value !== "string") {
    return `must be a string; got a ${typeof value}`;
  }
  return registrationFieldProblem(field, value);
}

/**
 * Why a known string value of a registration field is refused, or undefined when it is fine:
 * THE rule set, used by the provider's `check()` and by `OptimaCspConnection`'s constructor for
 * the values it is given as plain strings. The reason starts with "must" and follows the field's
 * name, e.g. `mpnId must be the partner's MPN ID, digits only; got "12a4"`.
 */
export function registrationFieldProblem(field: RegistrationField, value: string): string | undefined {
  if (value.trim() === "") {
    return "must not be empty";
  }
  if (value !== value.trim()) {
    return field === "applicationSecret"
      ? "must not begin or end with white space"
      : `must not begin or end with white space; got "${value}"`;
  }
  return FORMAT_RULES[field](value);
}
