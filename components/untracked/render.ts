/**
 * `optima-csp untracked-keys` output. Pure. Every value that comes from outside (display names
 * from Graph, names from the state, server messages) passes {@link escapeText}, so that no
 * control character reaches a terminal or a CI log: no `ESC[2J`, and no line break that would
 * start a line of its own (a GitHub Actions workflow command such as `::error::` or an Azure
 * Pipelines `##vso[` logging command is read only at the start of a line).
 */
import type { PlannedKey, RemovalPlan } from "../azure/untrackedKeys";

/**
 * C0 and C1 controls, DEL, the Unicode line and paragraph separators, and the bidirectional
 * overrides and isolates (which reorder what a reader sees).
 */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A value from outside, with every unsafe character written as `\uXXXX`. */
export function escapeText(value: string): string {
  return value.replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A display name as printed: quoted, `"` and `\` escaped, unsafe characters escaped. */
export function quotedName(value: string | null): string {
  return value === null ? "(no name)" : `"${escapeText(value.replace(/[\\"]/g, (c) => `\\${c}`))}"`;
}

/** One key line: `<verb> <keyId> "<name>": <reason>`. */
export function keyLine(verb: string, key: PlannedKey): string {
  return `${verb} ${escapeText(key.keyId)} ${quotedName(key.displayName)}: ${escapeText(key.reason)}`;
}

/** What one deployment's heading says. */
export interface DeploymentHeading {
  readonly stack: string;
  readonly deploymentId: string;
  readonly objectId: string;
  readonly keyCount: number;
}

export function headingLine(h: DeploymentHeading): string {
  return escapeText(
    `untracked-keys: stack ${h.stack}, deployment ${h.deploymentId}, Web App ${h.objectId} (${h.keyCount} key(s) in Graph)`,
  );
}

/** The plan as the dry run prints it (`--remove` prints `removed` lines as it goes instead). */
export function planLines(plan: RemovalPlan, remove: boolean): string[] {
  const lines: string[] = [];
  for (const key of plan.kept) {
    lines.push(keyLine("kept", key));
  }
  if (plan.refusals.length > 0) {
    lines.push("REFUSED: the state may be stale or not this Web App's; nothing is removed:");
    lines.push(...plan.refusals.map((r) => `  - ${escapeText(r)}`));
    lines.push(escapeText(plan.remedy ?? ""));
    return lines;
  }
  if (!remove) {
    lines.push(...plan.remove.map((k) => keyLine("would remove", k)));
    lines.push(
      plan.remove.length === 0
        ? "Nothing to remove."
        : `Dry run: nothing removed. Run again with --remove to remove the ${plan.remove.length} key(s) listed as "would remove", and only those.`,
    );
  }
  return lines;
}
