/**
 * The registration provider's `diff()` rules: pure, no API call.
 *
 * - A different target, or a change to a field that identifies the registration on its target
 *   (org and MPN ID for `csp-partner`; org, tenant, billing account and a customer's scope,
 *   customer tenant and billing profile, for `bill-connect`), is a
 *   REPLACEMENT, done delete-before-replace: the new registration is for a different
 *   partnership, and deleting first means a `create` that adopts the very same registration is
 *   never followed by a delete of it.
 * - A change to a value the target can change in place (the secret, the application ID, the
 *   domain for `csp-partner`) is an UPDATE.
 * - A change to a field the target does not use is an update of state only (no API call).
 * - Values are compared as Optima compares them: GUIDs and domains in any letter case, MPN IDs
 *   without leading zeros. A value not known yet (preview) counts as changed.
 *
 * `olds` is the resource's state, which may have been written by an older version of this
 * provider: missing optional fields are tolerated, a missing target means `csp-partner`.
 */
import {
  REGISTRATION_FIELDS,
  normalizeDomain,
  normalizeGuid,
  normalizeMpnId,
  targetMapping,
  type RegistrationField,
  type RegistrationInputs,
  type RegistrationOutputs,
} from "./targets";
import { DEFAULT_TARGET, isRegistrationTarget } from "./types";
import { isUnknown } from "../unknown";

/** What `diff()` reports, shaped like `pulumi.dynamic.DiffResult`. */
export interface RegistrationDiff {
  readonly changes: boolean;
  /** Properties whose change forces a replacement (empty when none). */
  readonly replaces: string[];
  /** Properties that change in place. */
  readonly updates: string[];
  /** True whenever `replaces` is not empty. */
  readonly deleteBeforeReplace: boolean;
}

/** How two values of a field are compared. */
const NORMALIZE: Readonly<Record<RegistrationField, (value: string) => string>> = {
  orgId: (v) => v.trim(),
  mpnId: normalizeMpnId,
  domain: normalizeDomain,
  applicationId: normalizeGuid,
  applicationSecret: (v) => v,
  tenantId: normalizeGuid,
  billingAccountId: normalizeGuid,
  customerTenantId: normalizeGuid,
  billingProfileId: (v) => v.trim().toLowerCase(),
};

/** Whether two values of `field` are the same to Optima. Unknown new values are never the same. */
export function sameValue(field: RegistrationField, old: unknown, next: unknown): boolean {
  if (isUnknown(next)) {
    return false;
  }
  const absent = (v: unknown) => v === undefined || v === null || v === "";
  if (absent(old) || absent(next)) {
    return absent(old) && absent(next);
  }
  if (typeof old !== "string" || typeof next !== "string") {
    return old === next;
  }
  return NORMALIZE[field](old) === NORMALIZE[field](next);
}

/** Compares a registration's state with new (checked) inputs. */
export function diffRegistration(
  olds: Partial<RegistrationOutputs>,
  news: Partial<RegistrationInputs>,
): RegistrationDiff {
  const oldTarget = olds.target ?? DEFAULT_TARGET;
  const newTarget = news.target ?? DEFAULT_TARGET;
  const replaces: string[] = [];
  const updates: string[] = [];

  if (isUnknown(newTarget) || oldTarget !== newTarget) {
    replaces.push("target");
  }
  // Judge each field by the new target's rules (fall back to the old one if the new is not valid).
  const mapping = targetMapping(isRegistrationTarget(newTarget) ? newTarget : pickKnown(oldTarget));
  for (const field of REGISTRATION_FIELDS) {
    if (sameValue(field, olds[field], news[field])) {
      continue;
    }
    if (mapping.identityFields.includes(field)) {
      replaces.push(field);
    } else {
      updates.push(field);
    }
  }
  // keyId is state only (never sent to Optima): a change is an update, never a replacement.
  if (!sameKeyId(olds.keyId, news.keyId)) {
    updates.push("keyId");
  }
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces,
    updates,
    deleteBeforeReplace: replaces.length > 0,
  };
}

/**
 * Whether any value the target sends to Optima differs between state and new inputs. When only
 * fields the target does not use changed, `update()` records them without calling Optima.
 */
export function wireValuesChanged(olds: Partial<RegistrationOutputs>, news: RegistrationInputs): boolean {
  const mapping = targetMapping(news.target);
  return [...mapping.identityFields, ...mapping.mutableFields].some(
    (field) => !sameValue(field, olds[field], news[field]),
  );
}

function sameKeyId(old: unknown, next: unknown): boolean {
  if (isUnknown(next)) {
    return false;
  }
  const absent = (v: unknown) => v === undefined || v === null || v === "";
  if (absent(old) || absent(next)) {
    return absent(old) && absent(next);
  }
  return typeof old === "string" && typeof next === "string"
    ? normalizeGuid(old) === normalizeGuid(next)
    : old === next;
}

function pickKnown(target: string): string {
  return isRegistrationTarget(target) ? target : DEFAULT_TARGET;
}
