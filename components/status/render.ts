/**
 * `optima-csp status` output: a short table with a verdict line for people, one JSON document for
 * machines. Pure. Nothing here can hold a key value: the report carries key IDs, display names
 * and dates only.
 */
import type { ClassifiedKey, Level, StatusReport } from "./verdict";

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

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}

/** The human output: checks, keys, what to do, and the verdict line last. */
export function renderText(report: StatusReport): string {
  const lines: string[] = [];
  lines.push(
    ...table([
      ["CHECK", "RESULT", "DETAIL"],
      ...report.findings.map((f) => [f.check, LEVEL_SHOWN[f.level], f.summary]),
    ]),
  );
  if (report.keys.length > 0) {
    lines.push("");
    lines.push(
      ...table([
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
  const actions = report.findings.filter((f) => f.action !== undefined);
  if (actions.length > 0) {
    lines.push("");
    lines.push("What to do:");
    for (const finding of actions) {
      lines.push(`- ${finding.check}: ${finding.action}`);
    }
  }
  lines.push("");
  lines.push(`${VERDICT_SHOWN[report.verdict]} (exit ${report.exitCode}): ${report.headline}`);
  return `${lines.join("\n")}\n`;
}

/** The machine output. */
export function renderJson(report: StatusReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
