/**
 * One deployment per registration: the rules (pure; ./ownershipCheck does the reads).
 *
 * Two optima-csp deployments (two stacks, each with its own backend) on one Web App and one
 * Optima org would share one registration: the second adopts the first's (create-or-adopt,
 * ../optima/registrations), each then hands Optima its own key, and destroying either deletes
 * the registration the other relies on. So before anything is written, a deployment asks:
 *
 * 1. Does the Web App carry LIVE keys (end date after now) of ANOTHER optima-csp deployment? Keys
 *    are told apart by their display names, `optima-csp <deploymentId> slot <a|b> window <k> …`
 *    (./rotation `keyDisplayName`); a key made by hand, or by a person, never matches. This
 *    deployment's own keys (its `random.RandomId` hex) never count, so a stack's upgrade or its
 *    next rotation is never refused; a deployment whose ID is not known yet (its first run) has
 *    no key, so every optima-csp key it sees is another deployment's.
 * 2. Does Optima hold the registration this deployment would adopt?
 *
 * Both: refused ({@link judgeOwnership}), naming the other deployment(s), the Web App and the
 * org, and the two ways on: destroy the other stack, or take over explicitly with
 * `optima.takeOverFrom: <deploymentId>` (stack config `optimaTakeOverFrom`). Either alone is
 * fine: a registration made by hand is adopted as before, and keys of a deployment whose
 * registration is gone belong to nobody Optima depends on.
 *
 * A takeover is one-way for the stack taken from: its own runs are refused from then on (the
 * taker's keys are another deployment's live keys to it), and its `pulumi destroy` leaves the
 * registration in place (../optima/runtime `remove`: Optima shows a write after the last one this
 * stack made).
 */
import { parseKeyName } from "./rotation";

/** A password as Microsoft Graph lists it on an application (`passwordCredentials`); no value. */
export interface ListedKey {
  readonly keyId: string;
  readonly displayName?: string | null;
  readonly endDateTime?: string | null;
}

/** Another optima-csp deployment's live keys on the Web App. */
export interface OtherDeployment {
  readonly deploymentId: string;
  readonly keyIds: readonly string[];
  /** The latest end date of those keys (RFC 3339), when Graph gave one. */
  readonly liveUntil?: string;
}

/** The 8 lowercase hex digits of a deployment ID (`random.RandomId` with byteLength 4, `hex`). */
const DEPLOYMENT_ID = /^[0-9a-f]{8}$/;

/** The problem with an `optima.takeOverFrom` value, or undefined. */
export function takeOverFromProblem(value: unknown): string | undefined {
  return typeof value === "string" && DEPLOYMENT_ID.test(value)
    ? undefined
    : "optima.takeOverFrom must be the deployment ID of the optima-csp deployment to take the registration over " +
        "from: the 8 hex digits after `optima-csp` in its keys' descriptions (e.g. 9a59314f); got " +
        `${JSON.stringify(value ?? null)}.`;
}

/**
 * The other optima-csp deployments with live keys on the Web App: keys named by another
 * deployment ID than `own` (undefined: this deployment has no ID yet, so has no key), whose end
 * date is after `now` (a key without one is live). Sorted by deployment ID.
 */
export function otherDeployments(
  keys: readonly ListedKey[],
  own: string | undefined,
  now: Date,
): OtherDeployment[] {
  const found = new Map<string, { keyIds: string[]; liveUntil?: string }>();
  for (const key of keys) {
    const parts = parseKeyName(key.displayName);
    if (parts === undefined || parts.deploymentId === own) {
      continue;
    }
    const end = key.endDateTime ? Date.parse(key.endDateTime) : Number.NaN;
    if (!Number.isNaN(end) && end <= now.getTime()) {
      continue; // expired: it holds nothing anyone relies on
    }
    const entry = found.get(parts.deploymentId) ?? { keyIds: [] };
    entry.keyIds.push(key.keyId);
    if (
      key.endDateTime &&
      !Number.isNaN(end) &&
      (entry.liveUntil === undefined || end > Date.parse(entry.liveUntil))
    ) {
      entry.liveUntil = key.endDateTime;
    }
    found.set(parts.deploymentId, entry);
  }
  return [...found.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([deploymentId, entry]) => ({ deploymentId, ...entry }));
}

export interface OwnershipFacts {
  /** What {@link otherDeployments} found. */
  readonly others: readonly OtherDeployment[];
  /** The registration Optima holds for the partnership (what create would adopt), or undefined. */
  readonly registrationId?: string;
  /** This deployment's ID, when known. */
  readonly own?: string;
  readonly takeOverFrom?: string;
  /** For messages: the Web App's client ID, the org, and the registration's noun (`Azure CSP partnership`). */
  readonly clientId: string;
  readonly orgId: string;
  readonly noun: string;
}

export type OwnershipVerdict =
  /** Nothing stands in the way; `note` is a warning worth showing (a takeover with nothing to take). */
  | { readonly kind: "clear"; readonly note?: string }
  /** `takeOverFrom` names the only other deployment: go on, and the registration becomes this one's. */
  | { readonly kind: "taking-over"; readonly from: string; readonly registrationId: string }
  | { readonly kind: "refused"; readonly message: string };

/** Whether this deployment may go on (see the module comment). */
export function judgeOwnership(facts: OwnershipFacts): OwnershipVerdict {
  const { others, registrationId, own, takeOverFrom, clientId, orgId, noun } = facts;
  if (takeOverFrom !== undefined && own !== undefined && takeOverFrom === own) {
    return {
      kind: "refused",
      message:
        `optima.takeOverFrom is ${takeOverFrom}, this deployment's own ID: a deployment cannot take over from ` +
        "itself. Remove optima.takeOverFrom (stack config optimaTakeOverFrom).",
    };
  }
  const blocking = others.filter((o) => o.deploymentId !== takeOverFrom);
  if (registrationId !== undefined && blocking.length > 0) {
    const listed = blocking
      .map(
        (o) =>
          `${o.deploymentId} (${o.keyIds.length} key(s)${o.liveUntil ? `, valid until ${o.liveUntil}` : ""})`,
      )
      .join(", ");
    const first = blocking[0].deploymentId;
    return {
      kind: "refused",
      message:
        `The Web App ${clientId} carries live keys of another optima-csp deployment, ${listed}, and Optima already ` +
        `holds the ${noun} ${registrationId} in Flexera org ${orgId}, which this deployment would adopt. Two ` +
        "deployments on one registration would each hand Optima their own key, and destroying either would delete " +
        "the registration the other relies on. Nothing was changed. Either destroy the other deployment's stack " +
        `(deployment ID ${first}: it is in its keys' descriptions, "optima-csp ${first} slot …") and run again, or ` +
        `take the registration over from it explicitly: set optima.takeOverFrom to "${first}" (stack config: ` +
        `pulumi config set optimaTakeOverFrom ${first}). After a takeover the other stack's runs are refused and its ` +
        "destroy leaves the registration to this deployment.",
    };
  }
  if (takeOverFrom === undefined) {
    return { kind: "clear" };
  }
  if (registrationId !== undefined && others.some((o) => o.deploymentId === takeOverFrom)) {
    return { kind: "taking-over", from: takeOverFrom, registrationId };
  }
  return {
    kind: "clear",
    note:
      `optima.takeOverFrom is ${takeOverFrom}, but ${registrationId === undefined ? `Optima holds no ${noun} to take over` : `the Web App ${clientId} has no live key of that deployment`}: ` +
      "there is nothing to take over. Remove optima.takeOverFrom (stack config optimaTakeOverFrom) once this run succeeded.",
  };
}
