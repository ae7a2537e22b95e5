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
 *
 * "Could not check" is never "healthy": every check above is one the verdict depends on, so a
 * check that did not run (its input missing, a look-up failed, a date unreadable) is `unknown`
 * and names what it lacked. Healthy means every check ran and passed.
 */
import { parseIsoDateTime } from "../formats";
import type { RegistrationTarget } from "../optima/types";

/**
 * How one check came out. `skipped` is no longer produced (a check that did not run is `unknown`:
 * it may hide a fault); the name stays in the type for readers of earlier `--json` documents.
 */
export type Level = "ok" | "warning" | "critical" | "unknown" | "skipped";

export type CheckName =
  | "entra-app"
  | "optima-key"
  | "hand-off"
  | "schedule"
  | "optima-registration"
  | "optima-validation"
  // A CSP customer's bill connect (./holders).
  | "customers"
  | "customer-key"
  | "customer-hand-off"
  | "customer-bill-connect"
  | "customer-validation";

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
  /** A customer's bill connect: the customer tenant of its scope. */
  readonly customerTenantId?: string;
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
  /** As Graph gave it (possibly unreadable: then `daysLeft` is absent). */
  readonly endDateTime?: string;
  /** Whole days from now to expiry, rounded down; negative once expired. Absent when Graph gave no readable date. */
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
  /** Every holder of a key (the partnership, then each CSP customer's bill connect), one line each. */
  readonly holders: readonly HolderReport[];
  /** How many holders came out at each verdict. */
  readonly holdersSummary: Readonly<Record<Verdict, number>> & { readonly total: number };
}

/** One holder of a key and how it came out: its findings decide its verdict, as the report's do. */
export interface HolderReport {
  /** `partnership`: the stack's own registration; `customer`: a CSP customer's bill connect; `customers`: the list itself (unreadable). */
  readonly holder: "partnership" | "customer" | "customers";
  /** The customer's tenant (`customer` only). */
  readonly tenantId?: string;
  readonly orgId?: string;
  readonly registrationId?: string;
  /** The key ID of the key it holds, when known. */
  readonly keyId?: string;
  readonly verdict: Verdict;
  /** Its worst finding (the first of the worst level), or its key's line when healthy. */
  readonly summary: string;
  readonly findings: readonly Finding[];
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
      ...expiryOf(key, now),
      kind,
      ...(stackRole !== undefined ? { stackRole } : {}),
      ...(name !== null ? { deploymentId: name[1], slot: name[2], window: Number(name[3]) } : {}),
    };
  });
}

/** A key's expiry as Graph gave it, and its whole days left (only when the date can be read). */
export function expiryOf(key: KeyFact, now: Date): Pick<ClassifiedKey, "endDateTime" | "daysLeft"> {
  const end = key.endDateTime ?? undefined;
  const endMs = parseIsoDateTime(end);
  return {
    ...(end !== undefined ? { endDateTime: end } : {}),
    ...(endMs !== undefined ? { daysLeft: Math.floor((endMs - now.getTime()) / DAY_MS) } : {}),
  };
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

/**
 * Judges the facts. `graph` / `optima` are undefined when that side was not looked at (not enough
 * input). `customers` are the CSP customers' holders, judged by ./holders from the same facts and
 * rules: the worst holder decides the verdict.
 */
export function judge(
  target: StatusTarget,
  graph: GraphFacts | undefined,
  optima: OptimaFacts | undefined,
  thresholds: Thresholds,
  now: Date,
  customers: readonly HolderReport[] = [],
): StatusReport {
  const findings: Finding[] = [];
  const keys = graph?.ok && graph.found ? classifyKeys(graph.keys, target, now) : [];

  findings.push(entraFinding(target, graph));
  findings.push(optimaKeyFinding(target, graph, keys, thresholds));
  findings.push(handOffFinding(target));
  findings.push(scheduleFinding(target, thresholds, now));
  findings.push(...optimaFindings(target, optima));

  const partnership = holderReport(
    {
      holder: "partnership",
      orgId: target.orgId,
      registrationId: target.registrationId,
      keyId: target.optimaKeyId,
    },
    findings,
  );
  const holders = [partnership, ...customers];
  // The partnership's findings first, then each customer's, each customer's named in the headline.
  const everything = [
    ...findings.map((finding) => ({ finding, headline: finding.summary })),
    ...customers.flatMap((h) =>
      h.findings.map((finding) => ({ finding, headline: `${holderName(h)}: ${finding.summary}` })),
    ),
  ];
  const verdict = verdictOf(everything.map((e) => e.finding));
  const worst = everything.find((e) => levelVerdict(e.finding.level) === verdict && e.finding.level !== "ok");
  const headline =
    verdict === "healthy"
      ? (findings.find((f) => f.check === "optima-key" && f.level === "ok")?.summary ?? "Every check passed.")
      : (worst?.headline ?? "Nothing could be checked.");
  const count = (v: Verdict): number => holders.filter((h) => h.verdict === v).length;
  return {
    verdict,
    exitCode: EXIT_CODES[verdict],
    checkedAt: now.toISOString(),
    headline,
    findings,
    keys,
    thresholds,
    holders,
    holdersSummary: {
      total: holders.length,
      healthy: count("healthy"),
      warning: count("warning"),
      critical: count("critical"),
      unknown: count("unknown"),
    },
  };
}

/** A holder's line: its verdict from its own findings (the one rule, {@link verdictOf}). */
export function holderReport(
  holder: Omit<HolderReport, "verdict" | "summary" | "findings">,
  findings: readonly Finding[],
): HolderReport {
  const verdict = verdictOf(findings);
  const worst = findings.find((f) => levelVerdict(f.level) === verdict && f.level !== "ok");
  const keyLine = findings.find(
    (f) => (f.check === "optima-key" || f.check === "customer-key") && f.level === "ok",
  );
  const defined = Object.fromEntries(Object.entries(holder).filter(([, v]) => v !== undefined));
  return {
    ...(defined as Omit<HolderReport, "verdict" | "summary" | "findings">),
    verdict,
    summary:
      verdict === "healthy"
        ? (keyLine?.summary ?? "Every check passed.")
        : (worst?.summary ?? "Nothing could be checked."),
    findings,
  };
}

/** How a holder is named in the headline and the "What to do" lines. */
export function holderName(h: Pick<HolderReport, "holder" | "tenantId" | "orgId">): string {
  switch (h.holder) {
    case "partnership":
      return "The partnership";
    case "customers":
      return "CSP customers";
    case "customer":
      return `Customer ${h.tenantId ?? "?"}${h.orgId !== undefined ? ` (org ${h.orgId})` : ""}`;
  }
}

export function levelVerdict(level: Level): Verdict {
  switch (level) {
    case "critical":
      return "critical";
    case "unknown":
    case "skipped":
      return "unknown";
    case "warning":
      return "warning";
    case "ok":
      return "healthy";
  }
}

/**
 * critical > unknown > warning > healthy. Healthy only when every finding is `ok`: a `skipped`
 * finding (from an earlier build's rules) counts as unknown, and so does no finding at all.
 */
export function verdictOf(findings: readonly Finding[]): Verdict {
  const levels = findings.map((f) => f.level);
  if (levels.includes("critical")) {
    return "critical";
  }
  if (levels.includes("unknown") || levels.includes("skipped") || levels.length === 0) {
    return "unknown";
  }
  return levels.includes("warning") ? "warning" : "healthy";
}

const SIGN_IN_ACTION =
  "Sign in for DefaultAzureCredential: `az login` at a workstation; in GitHub Actions run azure/login first, in Azure DevOps run status inside AzureCLI@2; " +
  "or a managed identity, or workload identity (AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE). If this is a scheduled job, renew its CI credential or service connection.";
const GRAPH_PERMISSION_ACTION =
  "Grant the identity status signs in with the Microsoft Graph application permission Application.Read.All (or make it an owner of the Web App with Application.ReadWrite.OwnedBy), and grant admin consent.";

function entraFinding(target: StatusTarget, graph: GraphFacts | undefined): Finding {
  const check = "entra-app";
  if (target.clientId === undefined) {
    return missingInput(check, "The Web App could not be read: its client ID is not known", [
      "webAppClientId",
      "--client-id",
    ]);
  }
  if (graph === undefined) {
    return notLookedUp(check, "The Web App");
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

export function lookupFinding(
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
      level: "unknown",
      summary: `The key Optima holds (${target.optimaKeyId}) was not checked: the Web App could not be read (see the entra-app line).`,
      action: "Fix what the entra-app line says, then run status again.",
    };
  }
  const key = keys.find((k) => k.kind === "optima");
  return heldKeyFinding(check, `The key Optima holds (${target.optimaKeyId})`, key, t, {
    missing: "Optima can no longer sign in, and cost data stops",
    why: "see the schedule line",
  });
}

/**
 * The days to expiry of a key a holder holds (the partnership, or a customer's bill connect):
 * critical when it is gone from the Web App or expired, or within --critical-days; a warning
 * within --warn-days; unknown when Graph gave no readable expiry. `key` is undefined when the
 * Web App does not have it. One rule for every holder.
 */
export function heldKeyFinding(
  check: CheckName,
  which: string,
  key: Pick<ClassifiedKey, "endDateTime" | "daysLeft"> | undefined,
  t: Thresholds,
  words: { readonly missing: string; readonly why: string },
): Finding {
  if (key === undefined) {
    return {
      check,
      level: "critical",
      summary: `${which} is no longer on the Web App: ${words.missing}.`,
      action: `${capitalize(ROTATE)}: it makes a new key and hands it to every holder. Then find out who deleted the key.`,
    };
  }
  if (key.daysLeft === undefined) {
    // Graph gives every password credential an endDateTime ("passwordCredential resource type",
    // Graph v1.0): one that is absent or unreadable is a fault of the answer, never "no expiry".
    const given =
      key.endDateTime === undefined
        ? "Graph gave no expiry date (endDateTime) for it"
        : `Graph gave an expiry date that cannot be read (endDateTime ${JSON.stringify(key.endDateTime.slice(0, 40))})`;
    return {
      check,
      level: "unknown",
      summary: `${which} is on the Web App, but ${given}: how long it lasts is not known.`,
      action:
        "Look at the key's expiry in the Entra admin center (App registrations → the Web App → Certificates & secrets) and run status again; if Graph keeps answering so, report it with this output.",
    };
  }
  const date = (key.endDateTime ?? "").slice(0, 10);
  const days = key.daysLeft;
  if (days < 0) {
    return {
      check,
      level: "critical",
      summary: `${which} expired on ${date}, ${-days} day${-days === 1 ? "" : "s"} ago: ${words.missing}.`,
      action: `${capitalize(ROTATE)}, then find out why the schedule did not rotate it (${words.why}).`,
    };
  }
  const inDays = `in ${days} day${days === 1 ? "" : "s"}`;
  if (days <= t.criticalDays) {
    return {
      check,
      level: "critical",
      summary: `${which} expires on ${date}, ${inDays} (critical at ${t.criticalDays}).`,
      action: `${capitalize(ROTATE)}, then find out why the schedule did not rotate it (${words.why}).`,
    };
  }
  if (days <= t.warnDays) {
    return {
      check,
      level: "warning",
      summary: `${which} expires on ${date}, ${inDays} (warning at ${t.warnDays}).`,
      action: `${capitalize(ROTATE)} before it expires, and check that the rotation schedule runs (${words.why}).`,
    };
  }
  return { check, level: "ok", summary: `${which} expires on ${date}, ${inDays}.` };
}

function handOffFinding(target: StatusTarget): Finding {
  const check = "hand-off";
  if (target.activeKeyId === undefined) {
    return missingInput(
      check,
      "Whether the last hand-off finished is not known: the stack's active key is not known",
      ["activeKeyId", "--active-key-id"],
    );
  }
  if (target.optimaKeyId === undefined) {
    return {
      check,
      level: "unknown",
      summary:
        "Whether the last hand-off finished is not known: which key Optima holds is not known (see the optima-key line).",
      action: "Fix what the optima-key line says, then run status again.",
    };
  }
  if (target.optimaKeyId.toLowerCase() === target.activeKeyId.toLowerCase()) {
    return { check, level: "ok", summary: `The stack's active key is the key Optima holds.` };
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
  if (target.nextRotationAt === undefined) {
    return missingInput(check, "Whether rotations run is not known: when the next one is due is not known", [
      "nextRotationAt",
      "--next-rotation-at",
    ]);
  }
  const due = parseIsoDateTime(target.nextRotationAt);
  if (due === undefined) {
    return {
      check,
      level: "unknown",
      summary: `Whether rotations run is not known: nextRotationAt ${JSON.stringify(target.nextRotationAt.slice(0, 40))} is not an ISO 8601 date-time.`,
      action: "Pass --next-rotation-at with the stack's nextRotationAt, such as 2026-12-21T00:00:00Z.",
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

export const OPTIMA_ACTIONS: Readonly<Record<LookupFailure["reason"], string>> = {
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
    const what = "Optima's registration could not be read";
    if (target.orgId === undefined) {
      return [missingInput(check, `${what}: the Flexera org ID is not known`, ["optimaOrgId", "--org-id"])];
    }
    if (target.registrationId === undefined) {
      return [
        target.target === "bill-connect"
          ? missingInput(check, `${what}: neither its ID nor the partner tenant is known`, [
              "registrationId",
              "--registration-id",
              "--tenant-id",
            ])
          : missingInput(check, `${what}: neither its ID nor the MPN ID is known`, [
              "registrationId",
              "--registration-id",
              "optimaMpnId",
              "--mpn-id",
            ]),
      ];
    }
    return [notLookedUp(check, "Optima's registration")];
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
  /** What could not be compared, each naming why. */
  const unchecked: string[] = [];
  const compare = (
    label: string,
    actual: string | undefined,
    expected: string | undefined,
    inputs: string,
    mismatch: string,
  ): void => {
    if (expected === undefined) {
      unchecked.push(`the ${label} it should carry is not known (${inputs})`);
    } else if (actual === undefined) {
      unchecked.push(`Optima's answer does not carry its ${label}`);
    } else if (actual.trim().toLowerCase() !== expected.trim().toLowerCase()) {
      mismatches.push(mismatch);
    }
  };
  compare(
    "client ID",
    registration.applicationId,
    target.clientId,
    "output webAppClientId, or --client-id",
    `points at another app: client ID ${registration.applicationId}, not the Web App ${target.clientId}`,
  );
  if (target.target !== "bill-connect") {
    compare(
      "MPN ID",
      normalizeDigits(registration.mpnId),
      normalizeDigits(target.mpnId),
      "output optimaMpnId, or --mpn-id",
      `carries MPN ID ${registration.mpnId}, not ${target.mpnId}`,
    );
    compare(
      "domain",
      registration.domain,
      target.domain,
      "output optimaDomain, or --domain",
      `carries domain ${registration.domain}, not ${target.domain}`,
    );
  }
  if (mismatches.length === 0 && unchecked.length > 0) {
    findings.push({
      check,
      level: "unknown",
      summary: `Optima holds the ${noun} ${registration.id}, but it could not be compared with the stack: ${unchecked.join("; ")}.`,
      action:
        "Pass the missing values as flags (or --stack/--outputs with the stack's outputs) and run status again.",
    });
  } else if (mismatches.length > 0) {
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
    findings.push(validationFinding("optima-validation", registration.id, optima.validation));
  }
  return findings;
}

/** Whose bills a bill connect reads, in the words of its validation finding. */
const VALIDATION_WORDS: Readonly<
  Record<
    "optima-validation" | "customer-validation",
    { readonly notKnown: string; readonly bills: string; readonly access: string }
  >
> = {
  "optima-validation": {
    notKnown: "whether it can read bills with the key it holds",
    bills: "bills",
    access: "the Web App's access",
  },
  "customer-validation": {
    notKnown: "whether it can read this customer's bills",
    bills: "this customer's bills",
    access: "the Web App's access to the customer",
  },
};

/**
 * Optima's validation of a bill connect, the partnership's (`optima-validation`) or a customer's
 * (`customer-validation`): not known yet (`unknown`), passed (`ok`), or failed with Optima's error
 * (`critical`).
 */
export function validationFinding(
  check: "optima-validation" | "customer-validation",
  registrationId: string,
  validation: { readonly valid: boolean; readonly error?: string } | undefined,
): Finding {
  const { notKnown, bills, access } = VALIDATION_WORDS[check];
  if (validation === undefined) {
    return {
      check,
      level: "unknown",
      summary: `Optima has no validation result for ${registrationId} yet: ${notKnown} is not known.`,
      action: "Optima validates a bill connect after it is made or changed: run status again later.",
    };
  }
  if (validation.valid) {
    return { check, level: "ok", summary: `Optima validates the bill connect ${registrationId}.` };
  }
  return {
    check,
    level: "critical",
    summary: `Optima's validation of the bill connect ${registrationId} fails${validation.error ? `: ${validation.error}` : "."}`,
    action: `Optima cannot read ${bills} with the key it holds: ${ROTATE} to hand it a working key, and check ${access} in Partner Center.`,
  };
}

/**
 * A check that could not run for want of an input: `unknown`, naming the stack output and the
 * flag that would give it (`names`: outputs are bare, flags start with `--`).
 */
export function missingInput(check: CheckName, what: string, names: readonly string[]): Finding {
  const outputs = names.filter((n) => !n.startsWith("--"));
  const flags = names.filter((n) => n.startsWith("--"));
  const from = [
    outputs.length > 0
      ? `the stack's output ${joinOr(outputs)} is missing or a secret shown as [secret]`
      : undefined,
    flags.length > 0 ? `no ${joinOr(flags)} was given` : undefined,
  ].filter((v): v is string => v !== undefined);
  return {
    check,
    level: "unknown",
    summary: `${what} (${from.join(", and ")}).`,
    action: `Pass ${joinOr(flags)}, or --stack/--outputs with outputs that carry ${joinOr(outputs)}. Stacks deployed with an earlier build do not export every output: run the rotation once with this version.`,
  };
}

/** A check whose look-up was not made (only when judge() is called without the facts). */
export function notLookedUp(check: CheckName, what: string): Finding {
  return {
    check,
    level: "unknown",
    summary: `${what} was not looked up.`,
    action: "Run status again; if it keeps saying so, report it with this output.",
  };
}

function joinOr(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} or ${items[items.length - 1]}`;
}

function normalizeDigits(value: string | undefined): string | undefined {
  return value === undefined ? undefined : value.trim().replace(/^0+(?=\d)/, "");
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1
    ? items.join("")
    : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
