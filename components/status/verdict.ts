/**
 * `optima-csp status`: the verdicts. Pure: facts gathered elsewhere (./gather) in, findings, a
 * verdict and an exit code out. No I/O, no clock of its own (`now` is given).
 *
 * What is judged:
 * - `entra-app`: the Web App could be read in Microsoft Graph.
 * - `optima-key`: the key Optima holds (from the registration's own state, `optimaKeyId`) is on
 *   the Web App, and its days to expiry against `--warn-days` / `--critical-days`. Thresholds
 *   apply to this key only: the previous key running down is expected.
 * - `hand-off`: the stack's active key is the key Optima holds (else the last hand-off failed).
 * - `schedule`: `nextRotationAt` has not passed by more than the grace period.
 * - `optima-registration`: Optima holds the registration, with the Web App's client ID (and the
 *   MPN ID and domain for `csp-partner`).
 * - `optima-validation`: for `bill-connect`, Optima's own validation result.
 *
 * Exit codes follow the monitoring convention (Nagios plugins): 0 healthy, 1 warning, 2 critical,
 * 3 could not check. A critical finding outranks a check that could not run, which outranks a
 * warning: an unknown may hide something worse than a warning, never something better than a
 * critical.
 */
import type { RegistrationTarget } from "../optima/types";

/** How one check came out. `skipped`: not enough input to run it (it does not change the verdict). */
export type Level = "ok" | "warning" | "critical" | "unknown" | "skipped";

export type CheckName =
  "entra-app" | "optima-key" | "hand-off" | "schedule" | "optima-registration" | "optima-validation";

export interface Finding {
  readonly check: CheckName;
  readonly level: Level;
  readonly summary: string;
  /** What to do about it; present for every level other than `ok` and `skipped`. */
  readonly action?: string;
}

export type Verdict = "healthy" | "warning" | "critical" | "unknown";

export const EXIT_CODES: Readonly<Record<Verdict, number>> = {
  healthy: 0,
  warning: 1,
  critical: 2,
  unknown: 3,
};

export interface Thresholds {
  /** Days to expiry of the key Optima holds at or below which the verdict is a warning. */
  readonly warnDays: number;
  /** Days to expiry at or below which it is critical. */
  readonly criticalDays: number;
  /** How long past `nextRotationAt` a rotation may still be, in hours, before the schedule counts as stopped. */
  readonly graceHours: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warnDays: 30, criticalDays: 7, graceHours: 48 };

/** What the stack's outputs and the flags say. Every field may be unknown. */
export interface StatusTarget {
  readonly clientId?: string;
  /** The key ID of the key Optima holds (`optimaKeyId`). */
  readonly optimaKeyId?: string;
  readonly activeKeyId?: string;
  readonly previousKeyId?: string;
  readonly nextRotationAt?: string;
  readonly registrationId?: string;
  readonly orgId?: string;
  readonly target?: RegistrationTarget;
  readonly mpnId?: string;
  readonly domain?: string;
  /** `bill-connect`: the partner tenant, to find the registration when its ID is not known. */
  readonly tenantId?: string;
}

/** One password credential of the Web App, as Graph lists it (never its value or hint). */
export interface KeyFact {
  readonly keyId: string;
  readonly displayName: string | null;
  readonly startDateTime?: string | null;
  readonly endDateTime?: string | null;
}

/** Why a look-up could not be done. */
export interface LookupFailure {
  readonly ok: false;
  /** `forbidden`: the permission is missing; `sign-in`: no credential; `unreachable`: network, timeout, 5xx. */
  readonly reason: "forbidden" | "sign-in" | "unreachable" | "error";
  /** Already scrubbed. */
  readonly detail: string;
}

export type GraphFacts =
  | { readonly ok: true; readonly found: false }
  | {
      readonly ok: true;
      readonly found: true;
      readonly objectId: string;
      readonly displayName: string;
      readonly keys: readonly KeyFact[];
    }
  | LookupFailure;

export interface RegistrationFacts {
  readonly id: string;
  readonly applicationId?: string;
  readonly mpnId?: string;
  readonly domain?: string;
}

export type OptimaFacts =
  | {
      readonly ok: true;
      /** Undefined when Optima has no such registration. */
      readonly registration?: RegistrationFacts;
      /** How it was looked for: by the stack's registration ID, or by partnership (MPN ID / tenant). */
      readonly lookedUpBy: "id" | "partnership";
      readonly validation?: { readonly valid: boolean; readonly error?: string };
    }
  | LookupFailure;

/** A key, classified. */
export type KeyKind = "optima" | "deployment" | "other-deployment" | "hand-made";

export interface ClassifiedKey {
  readonly keyId: string;
  readonly displayName: string | null;
  readonly endDateTime?: string;
  /** Whole days from now to expiry, rounded down; negative once expired. */
  readonly daysLeft?: number;
  readonly kind: KeyKind;
  /** Which output of the stack names it. */
  readonly stackRole?: "active" | "previous";
  readonly deploymentId?: string;
  readonly slot?: string;
  readonly window?: number;
}

export interface StatusReport {
  readonly verdict: Verdict;
  readonly exitCode: number;
  readonly checkedAt: string;
  /** The finding the verdict line quotes: the first of the worst level. */
  readonly headline: string;
  readonly findings: readonly Finding[];
  readonly keys: readonly ClassifiedKey[];
  readonly thresholds: Thresholds;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The display name this package gives the keys it makes (components/azure/rotation.ts
 * `keyDisplayName`): `optima-csp <deploymentId> slot <s> window <k> (expires YYYY-MM-DD)`.
 */
export const DEPLOYMENT_KEY_NAME =
  /^optima-csp ([0-9a-f]+) slot ([a-z]) window (\d+) \(expires (\d{4}-\d{2}-\d{2})\)$/;

/** The rotation command a message tells the reader to run. */
export const ROTATE =
  "run the rotation now (the rotation workflow, or `pulumi up --refresh --yes --stack <stack>`)";

/**
 * Sorts the Web App's keys into: the key Optima holds; keys this deployment made (by display
 * name, with the deployment ID of the key Optima holds or of the stack's active or previous key);
 * keys another optima-csp deployment made; keys made by hand.
 */
export function classifyKeys(keys: readonly KeyFact[], target: StatusTarget, now: Date): ClassifiedKey[] {
  const same = (a: string | undefined, b: string): boolean =>
    a !== undefined && a.toLowerCase() === b.toLowerCase();
  const parsed = keys.map((key) => ({ key, name: DEPLOYMENT_KEY_NAME.exec(key.displayName ?? "") }));
  const ours = parsed.find(
    ({ key, name }) =>
      name !== null &&
      (same(target.optimaKeyId, key.keyId) ||
        same(target.activeKeyId, key.keyId) ||
        same(target.previousKeyId, key.keyId)),
  )?.name?.[1];
  return parsed.map(({ key, name }) => {
    const end = key.endDateTime ?? undefined;
    const endMs = end === undefined ? NaN : Date.parse(end);
    const stackRole = same(target.activeKeyId, key.keyId)
      ? "active"
      : same(target.previousKeyId, key.keyId)
        ? "previous"
        : undefined;
    const kind: KeyKind = same(target.optimaKeyId, key.keyId)
      ? "optima"
      : name === null
        ? stackRole !== undefined
          ? "deployment"
          : "hand-made"
        : ours === undefined || name[1] === ours
          ? "deployment"
          : "other-deployment";
    return {
      keyId: key.keyId,
      displayName: key.displayName,
      ...(end !== undefined ? { endDateTime: end } : {}),
      ...(Number.isFinite(endMs) ? { daysLeft: Math.floor((endMs - now.getTime()) / DAY_MS) } : {}),
      kind,
      ...(stackRole !== undefined ? { stackRole } : {}),
      ...(name !== null ? { deploymentId: name[1], slot: name[2], window: Number(name[3]) } : {}),
    };
  });
}

/** Checks thresholds; returns the message of the first mistake. */
export function thresholdsProblem(t: Thresholds): string | undefined {
  for (const [flag, value] of [
    ["--warn-days", t.warnDays],
    ["--critical-days", t.criticalDays],
    ["--grace-hours", t.graceHours],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) {
      return `${flag} must be a whole number, 0 or more; got ${value}.`;
    }
  }
  if (t.criticalDays > t.warnDays) {
    return `--critical-days (${t.criticalDays}) must not be more than --warn-days (${t.warnDays}).`;
  }
  return undefined;
}

/** Judges the facts. `graph` / `optima` are undefined when that side was not looked at (not enough input). */
export function judge(
  target: StatusTarget,
  graph: GraphFacts | undefined,
  optima: OptimaFacts | undefined,
  thresholds: Thresholds,
  now: Date,
): StatusReport {
  const findings: Finding[] = [];
  const keys = graph?.ok && graph.found ? classifyKeys(graph.keys, target, now) : [];

  findings.push(entraFinding(target, graph));
  findings.push(optimaKeyFinding(target, graph, keys, thresholds));
  const handOff = handOffFinding(target);
  if (handOff !== undefined) {
    findings.push(handOff);
  }
  findings.push(scheduleFinding(target, thresholds, now));
  findings.push(...optimaFindings(target, optima));

  const verdict = verdictOf(findings);
  const worst = findings.find((f) => levelVerdict(f.level) === verdict && f.level !== "ok");
  const headline =
    verdict === "healthy"
      ? (findings.find((f) => f.check === "optima-key" && f.level === "ok")?.summary ?? "Every check passed.")
      : (worst?.summary ?? "Nothing could be checked.");
  return {
    verdict,
    exitCode: EXIT_CODES[verdict],
    checkedAt: now.toISOString(),
    headline,
    findings,
    keys,
    thresholds,
  };
}

function levelVerdict(level: Level): Verdict | undefined {
  switch (level) {
    case "critical":
      return "critical";
    case "unknown":
      return "unknown";
    case "warning":
      return "warning";
    case "ok":
      return "healthy";
    case "skipped":
      return undefined;
  }
}

/** critical > unknown > warning > healthy; nothing checked at all is unknown. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  const levels = new Set(findings.map((f) => f.level));
  if (levels.has("critical")) {
    return "critical";
  }
  if (levels.has("unknown")) {
    return "unknown";
  }
  if (levels.has("warning")) {
    return "warning";
  }
  return levels.has("ok") ? "healthy" : "unknown";
}

const SIGN_IN_ACTION =
  "Sign in for DefaultAzureCredential: `az login` at a workstation; in GitHub Actions run azure/login first, in Azure DevOps run status inside AzureCLI@2; " +
  "or a managed identity, or workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE). If this is a scheduled job, renew its CI credential or service connection.";
const GRAPH_PERMISSION_ACTION =
  "Grant the identity status signs in with the Microsoft Graph application permission Application.Read.All (or make it an owner of the Web App with Application.ReadWrite.OwnedBy), and grant admin consent.";

function entraFinding(target: StatusTarget, graph: GraphFacts | undefined): Finding {
  const check = "entra-app";
  if (target.clientId === undefined || graph === undefined) {
    return {
      check,
      level: "skipped",
      summary: "Entra ID not checked: no Web App client ID (pass --client-id, or the stack's outputs).",
    };
  }
  if (!graph.ok) {
    return lookupFinding(check, graph, `Microsoft Graph (the Web App ${target.clientId})`, {
      forbidden: GRAPH_PERMISSION_ACTION,
      "sign-in": SIGN_IN_ACTION,
      unreachable: "Check the network path to Microsoft Graph (or --graph-url) and run status again.",
      error: "Run status again; if it keeps failing, report the message above.",
    });
  }
  if (!graph.found) {
    return {
      check,
      level: "critical",
      summary: `Microsoft Graph has no application with client ID ${target.clientId} in the tenant status signed in to.`,
      action:
        "Check --client-id (the stack's webAppClientId) and that status signs in to the partner tenant (AZURE_TENANT_ID). " +
        "If the Web App was deleted, Optima can no longer sign in: restore it (Entra ID → App registrations → Deleted applications), then " +
        ROTATE +
        ".",
    };
  }
  return {
    check,
    level: "ok",
    summary: `Web App "${graph.displayName}" (object ID ${graph.objectId}) has ${graph.keys.length} key${graph.keys.length === 1 ? "" : "s"}.`,
  };
}

function lookupFinding(
  check: CheckName,
  failure: LookupFailure,
  what: string,
  actions: Readonly<Record<LookupFailure["reason"], string>>,
): Finding {
  const summary =
    failure.reason === "forbidden"
      ? `${what}: permission denied. ${failure.detail}`
      : failure.reason === "sign-in"
        ? `Could not sign in for ${what}: ${failure.detail}`
        : failure.reason === "unreachable"
          ? `Could not reach ${what}: ${failure.detail}`
          : `Could not check ${what}: ${failure.detail}`;
  return { check, level: "unknown", summary, action: actions[failure.reason] };
}

function optimaKeyFinding(
  target: StatusTarget,
  graph: GraphFacts | undefined,
  keys: readonly ClassifiedKey[],
  t: Thresholds,
): Finding {
  const check = "optima-key";
  if (target.optimaKeyId === undefined) {
    return {
      check,
      level: "unknown",
      summary: "Which key Optima holds is not known: no optimaKeyId in the stack's outputs and no --key-id.",
      action:
        "Stacks deployed with an earlier build of optima-csp do not export optimaKeyId: run the rotation once with this version (it records the key without changing it), or pass --key-id.",
    };
  }
  if (graph === undefined || !graph.ok || !graph.found) {
    return {
      check,
      level: "skipped",
      summary: `The key Optima holds (${target.optimaKeyId}) was not checked: the Web App could not be read.`,
    };
  }
  const key = keys.find((k) => k.kind === "optima");
  const which = `The key Optima holds (${target.optimaKeyId})`;
  if (key === undefined) {
    return {
      check,
      level: "critical",
      summary: `${which} is no longer on the Web App: Optima can no longer sign in, and cost data stops.`,
      action: `${capitalize(ROTATE)}: it makes a new key and hands it to Optima. Then find out who deleted the key.`,
    };
  }
  if (key.daysLeft === undefined) {
    return { check, level: "ok", summary: `${which} has no expiry date.` };
  }
  const date = (key.endDateTime ?? "").slice(0, 10);
  const days = key.daysLeft;
  if (days < 0) {
    return {
      check,
      level: "critical",
      summary: `${which} expired on ${date}, ${-days} day${-days === 1 ? "" : "s"} ago: Optima can no longer sign in, and cost data stops.`,
      action: `${capitalize(ROTATE)}, then find out why the schedule did not rotate it (see the schedule line).`,
    };
  }
  const inDays = `in ${days} day${days === 1 ? "" : "s"}`;
  if (days <= t.criticalDays) {
    return {
      check,
      level: "critical",
      summary: `${which} expires on ${date}, ${inDays} (critical at ${t.criticalDays}).`,
      action: `${capitalize(ROTATE)}, then find out why the schedule did not rotate it (see the schedule line).`,
    };
  }
  if (days <= t.warnDays) {
    return {
      check,
      level: "warning",
      summary: `${which} expires on ${date}, ${inDays} (warning at ${t.warnDays}).`,
      action: `${capitalize(ROTATE)} before it expires, and check that the rotation schedule runs (see the schedule line).`,
    };
  }
  return { check, level: "ok", summary: `${which} expires on ${date}, ${inDays}.` };
}

function handOffFinding(target: StatusTarget): Finding | undefined {
  if (
    target.optimaKeyId === undefined ||
    target.activeKeyId === undefined ||
    target.optimaKeyId.toLowerCase() === target.activeKeyId.toLowerCase()
  ) {
    return undefined;
  }
  return {
    check: "hand-off",
    level: "warning",
    summary: `The stack's active key (${target.activeKeyId}) is not the key Optima holds (${target.optimaKeyId}): the last hand-off to Optima did not finish.`,
    action: `Read the last rotation run's log, fix its cause, and ${ROTATE}.`,
  };
}

function scheduleFinding(target: StatusTarget, t: Thresholds, now: Date): Finding {
  const check = "schedule";
  const due = target.nextRotationAt === undefined ? NaN : Date.parse(target.nextRotationAt);
  if (!Number.isFinite(due)) {
    return {
      check,
      level: "skipped",
      summary: "Schedule not checked: no nextRotationAt (pass --next-rotation-at, or the stack's outputs).",
    };
  }
  const late = now.getTime() - due;
  const lateHours = Math.floor(late / HOUR_MS);
  if (late > t.graceHours * HOUR_MS) {
    return {
      check,
      level: "warning",
      summary: `The rotation due at ${target.nextRotationAt} has not happened (${lateHours} h late, grace ${t.graceHours} h): scheduled runs have stopped or are failing.`,
      action:
        "Check the rotation job: is the workflow disabled (GitHub disables scheduled workflows of quiet public repositories), has its CI credential or service connection expired, are its runs failing? " +
        `Fix it, then ${ROTATE}.`,
    };
  }
  return {
    check,
    level: "ok",
    summary:
      late > 0
        ? `The rotation due at ${target.nextRotationAt} is ${lateHours} h late, within the ${t.graceHours} h grace.`
        : `Next rotation due at ${target.nextRotationAt}.`,
  };
}

const OPTIMA_ACTIONS: Readonly<Record<LookupFailure["reason"], string>> = {
  forbidden:
    "Give the Optima credential status uses a role that can read the org's bill connections (a read role is enough), or renew the credential if it expired.",
  "sign-in":
    "Set OPTIMA_REFRESH_TOKEN, or OPTIMA_SERVICE_ACCOUNT_ID and OPTIMA_SERVICE_ACCOUNT_SECRET, for status (a read role in the org is enough); renew it if it expired.",
  unreachable: "Optima did not answer: run status again later. Nothing about the registration was judged.",
  error: "Run status again; if it keeps failing, report the message above.",
};

function optimaFindings(target: StatusTarget, optima: OptimaFacts | undefined): Finding[] {
  const check = "optima-registration";
  if (optima === undefined) {
    return [
      {
        check,
        level: "skipped",
        summary:
          target.orgId === undefined
            ? "Optima not checked: no org ID (pass --org-id, or the stack's outputs)."
            : "Optima not checked: no registration ID, and no MPN ID (csp-partner) or tenant ID (bill-connect) to find it by.",
      },
    ];
  }
  if (!optima.ok) {
    return [lookupFinding(check, optima, "Optima", OPTIMA_ACTIONS)];
  }
  const noun = target.target === "bill-connect" ? "bill connect" : "CSP partnership";
  const where = `in Flexera org ${target.orgId}`;
  const registration = optima.registration;
  if (registration === undefined) {
    const what =
      optima.lookedUpBy === "id"
        ? `Optima has no ${noun} ${target.registrationId} ${where}`
        : `Optima has no ${noun} for ${target.target === "bill-connect" ? `tenant ${target.tenantId}` : `MPN ID ${target.mpnId}`} ${where}`;
    return [
      {
        check,
        level: "critical",
        summary: `${what}: cost data for this partnership is not collected.`,
        action: `${capitalize(ROTATE)}: it registers the partnership again. If it should exist, check --org-id and the region (OPTIMA_REGION).`,
      },
    ];
  }
  const findings: Finding[] = [];
  const mismatches: string[] = [];
  const differs = (actual: string | undefined, expected: string | undefined): boolean =>
    actual !== undefined &&
    expected !== undefined &&
    actual.trim().toLowerCase() !== expected.trim().toLowerCase();
  if (differs(registration.applicationId, target.clientId)) {
    mismatches.push(
      `points at another app: client ID ${registration.applicationId}, not the Web App ${target.clientId}`,
    );
  }
  if (target.target !== "bill-connect") {
    if (differs(normalizeDigits(registration.mpnId), normalizeDigits(target.mpnId))) {
      mismatches.push(`carries MPN ID ${registration.mpnId}, not ${target.mpnId}`);
    }
    if (differs(registration.domain, target.domain)) {
      mismatches.push(`carries domain ${registration.domain}, not ${target.domain}`);
    }
  }
  if (mismatches.length > 0) {
    findings.push({
      check,
      level: "critical",
      summary: `Optima's ${noun} ${registration.id} ${mismatches.join("; ")}.`,
      action: `${capitalize(ROTATE)} with --refresh, which puts the stack's values back; find out who changed it in Flexera One.`,
    });
  } else {
    const carried = [
      registration.applicationId !== undefined ? `client ID ${registration.applicationId}` : undefined,
      target.target !== "bill-connect" && registration.mpnId !== undefined
        ? `MPN ID ${registration.mpnId}`
        : undefined,
      target.target !== "bill-connect" && registration.domain !== undefined
        ? `domain ${registration.domain}`
        : undefined,
    ].filter((v): v is string => v !== undefined);
    findings.push({
      check,
      level: "ok",
      summary: `Optima holds the ${noun} ${registration.id}${carried.length > 0 ? ` with ${joinAnd(carried)}` : ""}.`,
    });
  }
  if (target.target === "bill-connect") {
    const validation = optima.validation;
    findings.push(
      validation === undefined
        ? {
            check: "optima-validation",
            level: "ok",
            summary: `Optima has no validation result for ${registration.id} yet.`,
          }
        : validation.valid
          ? {
              check: "optima-validation",
              level: "ok",
              summary: `Optima validates the bill connect ${registration.id}.`,
            }
          : {
              check: "optima-validation",
              level: "critical",
              summary: `Optima's validation of the bill connect ${registration.id} fails${validation.error ? `: ${validation.error}` : "."}`,
              action: `Optima cannot read bills with the key it holds: ${ROTATE} to hand it a working key, and check the Web App's access in Partner Center.`,
            },
    );
  }
  return findings;
}

function normalizeDigits(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.trim().replace(/^0+(?=\d)/, "");
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
