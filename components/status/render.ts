/**
 * `optima-csp status` output: a short table with a verdict line for people, one JSON document for
 * machines. Pure. Nothing here can hold a key value: the report carries key IDs, display names
 * and dates only. Every value from outside (outputs, Graph's and Optima's words) is escaped: no
 * control, bidirectional or line-breaking character reaches a terminal or a CI log, and the JSON
 * stays one valid document (../cli/text escapeText and safeJson, the rule `customers` prints by too).
 */
import { escapeText, safeJson, table } from "../cli/text";
import {
  type ClassifiedKey,
  type HolderReport,
  type Level,
  type StatusReport,
  type Verdict,
} from "./verdict";

const LEVEL_SHOWN: Readonly<Record<Level, string>> = {
  ok: "ok",
  warning: "WARNING",
  critical: "CRITICAL",
  unknown: "UNKNOWN",
  skipped: "skipped",
};

const VERDICT_SHOWN: Readonly<Record<StatusReport["verdict"], string>> = {
  healthy: "HEALTHY",
  warning: "WARNING",
  critical: "CRITICAL",
  unknown: "UNKNOWN (could not check)",
};

/** What a key is, in words. */
export function keyRole(key: ClassifiedKey): string {
  const slot = key.slot !== undefined ? `slot ${key.slot}, window ${key.window}` : undefined;
  const stack = key.stackRole !== undefined ? `stack's ${key.stackRole} key` : undefined;
  const details = [stack, slot].filter((v) => v !== undefined).join(", ");
  switch (key.kind) {
    case "optima":
      return `Optima holds it${details ? ` (${details})` : ""}`;
    case "deployment":
      return `this deployment${details ? ` (${details})` : ""}`;
    case "other-deployment":
      return `another optima-csp deployment (${key.deploymentId})`;
    case "hand-made":
      return `made by hand: ${JSON.stringify(key.displayName ?? "")}`;
  }
}

/** A table whose every cell comes from outside or may: each one escaped. */
function escapedTable(cells: readonly (readonly string[])[]): string[] {
  return table(cells.map((row) => row.map(escapeText)));
}

/** The human output: checks, keys, what to do, and the verdict line last. */
export function renderText(report: StatusReport): string {
  const lines: string[] = [];
  lines.push(
    ...escapedTable([
      ["CHECK", "RESULT", "DETAIL"],
      ...report.findings.map((f) => [f.check, LEVEL_SHOWN[f.level], f.summary]),
    ]),
  );
  if (report.keys.length > 0) {
    lines.push("");
    lines.push(
      ...escapedTable([
        ["KEY ID", "EXPIRES", "DAYS", "WHAT"],
        ...report.keys.map((k) => [
          k.keyId,
          // A date Graph did not give, or gave unreadable, is unknown: never "never".
          k.daysLeft === undefined ? "unknown" : (k.endDateTime ?? "").slice(0, 10),
          k.daysLeft === undefined ? "-" : String(k.daysLeft),
          keyRole(k),
        ]),
      ]),
    );
  }
  lines.push("");
  lines.push(
    ...escapedTable([
      ["HOLDER", "TENANT", "ORG", "KEY", "RESULT", "DETAIL"],
      ...report.holders.map((h) => [
        h.holder,
        h.tenantId ?? "-",
        h.orgId ?? "-",
        h.keyId ?? "unknown",
        HOLDER_SHOWN[h.verdict],
        h.summary,
      ]),
    ]),
  );
  const actions = [
    ...report.findings.filter((f) => f.action !== undefined).map((f) => `- ${f.check}: ${f.action}`),
    ...customerActions(report.holders),
  ];
  if (actions.length > 0) {
    lines.push("");
    lines.push("What to do:");
    lines.push(...actions.map(escapeText));
  }
  lines.push("");
  lines.push(holdersLine(report));
  lines.push(escapeText(`${VERDICT_SHOWN[report.verdict]} (exit ${report.exitCode}): ${report.headline}`));
  return `${lines.join("\n")}\n`;
}

const HOLDER_SHOWN: Readonly<Record<Verdict, string>> = {
  healthy: "ok",
  warning: "WARNING",
  critical: "CRITICAL",
  unknown: "UNKNOWN",
};

/** Tenants named in one "What to do" line before the rest are counted. */
const TENANTS_NAMED = 5;

/**
 * The customers' actions, one line per check and action (a thousand customers with one fault
 * make one line), naming the first tenants and counting the rest.
 */
function customerActions(holders: readonly HolderReport[]): string[] {
  const groups = new Map<string, { check: string; action: string; tenants: string[] }>();
  for (const holder of holders.filter((h) => h.holder !== "partnership")) {
    for (const finding of holder.findings) {
      if (finding.action === undefined) {
        continue;
      }
      const key = `${finding.check}\n${finding.action}`;
      const group = groups.get(key) ?? { check: finding.check, action: finding.action, tenants: [] };
      if (holder.tenantId !== undefined) {
        group.tenants.push(holder.tenantId);
      }
      groups.set(key, group);
    }
  }
  return [...groups.values()].map(({ check, action, tenants }) => {
    const named = tenants.slice(0, TENANTS_NAMED).join(", ");
    const more = tenants.length > TENANTS_NAMED ? ` and ${tenants.length - TENANTS_NAMED} more` : "";
    const who =
      tenants.length === 0
        ? ""
        : ` (${tenants.length === 1 ? "customer" : `${tenants.length} customers`} ${named}${more})`;
    return `- ${check}${who}: ${action}`;
  });
}

/** The summary line: how many holders were checked, and how each came out. */
export function holdersLine(report: StatusReport): string {
  const s = report.holdersSummary;
  const customers = report.holders.filter((h) => h.holder === "customer").length;
  const parts = [
    s.healthy > 0 ? `${s.healthy} ok` : undefined,
    s.warning > 0 ? `${s.warning} warning` : undefined,
    s.critical > 0 ? `${s.critical} critical` : undefined,
    s.unknown > 0 ? `${s.unknown} could not check` : undefined,
  ].filter((p): p is string => p !== undefined);
  return `Holders: ${s.total} (the partnership and ${customers} customer${customers === 1 ? "" : "s"}): ${parts.join(", ")}.`;
}

/** The machine output: one JSON document, every string escaped. */
export function renderJson(report: StatusReport): string {
  return safeJson(report);
}
