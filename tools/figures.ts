/**
 * How the benches and the rehearsal show what they measured: durations in seconds, memory in
 * mebibytes, results as a Markdown table. Pure; nothing here prints.
 */

/** Milliseconds as seconds with two decimals, e.g. `1.23 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Bytes as whole mebibytes, e.g. `87 MiB`; `n/a` when not measured. */
export function mebibytes(bytes: number | undefined): string {
  return bytes === undefined ? "n/a" : `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Results as a Markdown table: the header row, its rule, then one row per result. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [header, header.map(() => "---"), ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}
