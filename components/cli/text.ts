/**
 * What `status` and `customers` print, made safe and laid out. Pure. Owns their rule for text from
 * outside (Graph, Optima, Partner Center, the stack's outputs) on a terminal or in a CI log: C0/C1
 * controls, DEL, zero-width and bidirectional marks and the line and paragraph separators are shown
 * as `\u{XXXX}` in text ({@link escapeText}) and as `\uXXXX` escapes in JSON ({@link safeJson}), so
 * that a value can neither rewrite the terminal, hide text, nor start a line a CI runner obeys; and
 * the aligned columns of a table ({@link table}).
 */

/** Characters never printed as they are: C0/C1 controls, DEL, zero-width and bidirectional marks, separators. */
// eslint-disable-next-line no-control-regex -- matching control characters is this pattern's purpose
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** Text from a remote service, safe for a terminal: unsafe characters as `\u{XXXX}`. */
export function escapeText(value: string): string {
  return value.replace(UNSAFE, (c) => `\\u{${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}}`);
}

/** {@link UNSAFE} without C0 controls, which JSON.stringify escapes itself (the raw ones left are its line breaks). */
const UNSAFE_IN_JSON = /[\u007f-\u009f\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2069\ufeff]/g;

/** JSON whose strings hold no unsafe character (each is a `\uXXXX` escape): still valid JSON. */
export function safeJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(UNSAFE_IN_JSON, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`;
}

/**
 * Rows as aligned columns (two spaces apart, the last column unpadded, no trailing space); the
 * first row is the heading. The cells are printed as given: escape what comes from outside.
 */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => row[i].length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i])))
      .join("  ")
      .trimEnd(),
  );
}
