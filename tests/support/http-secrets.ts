/**
 * Secret scanning for tests: every way an error or a log line could be shown (message, stack,
 * JSON, util.inspect with hidden properties) is searched for each secret.
 */
import { inspect } from "node:util";

/** All renderings of a value a user or a log pipeline could see. */
export function renderings(value: unknown): string[] {
  const out = [inspect(value, { showHidden: true, depth: Infinity, getters: true })];
  if (typeof value === "string") {
    out.push(value);
  } else {
    out.push(JSON.stringify(value) ?? "");
  }
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? "", String(value));
  }
  return out;
}

/** Throws a readable failure naming the rendering that leaked, never the secret itself. */
export function expectNoSecrets(values: readonly unknown[], secrets: readonly string[]): void {
  expect(secrets.filter((s) => s.length > 0).length).toBeGreaterThan(0);
  for (const [i, value] of values.entries()) {
    for (const text of renderings(value)) {
      for (const [j, secret] of secrets.entries()) {
        if (secret && text.includes(secret)) {
          throw new Error(`value #${i} leaks secret #${j} in: ${text.split(secret).join("<SECRET>")}`);
        }
      }
    }
  }
}

/** Awaits a promise that must reject and returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}

/**
 * How `secret` can be read back out of `text`, or undefined when it cannot: as it is, or after
 * undoing the encodings `components/http/redact.ts` masks (URL escapes in either case, `+` for
 * space, one or two levels of JSON escaping, hex and base64/base64url at any alignment inside a
 * longer run). A decoder, not a list of forms: it finds an encoding however it was made. Decoded
 * bytes count as a sighting when they hold the secret less its first and last character, which
 * a masked base64 run may leave parts of at its edges.
 */
export function secretSighting(text: string, secret: string): string | undefined {
  const core = secret.slice(1, -1);
  const views: [string, string][] = [["as it is", text]];
  const json = unescapeJson(text);
  views.push(
    ["URL-decoded", unescapeUrl(text, false)],
    ["form-decoded", unescapeUrl(text, true)],
    ["JSON-unescaped", json],
    ["JSON-unescaped twice", unescapeJson(json)],
    ["JSON-unescaped, then URL-decoded", unescapeUrl(json, false)],
    ["JSON-unescaped, then form-decoded", unescapeUrl(json, true)],
    ["URL-decoded, then JSON-unescaped", unescapeJson(unescapeUrl(text, false))],
  );
  for (const [how, view] of views) {
    if (view.includes(secret)) {
      return how;
    }
    for (const run of view.match(/[0-9A-Fa-f]{12,}/g) ?? []) {
      for (const shift of [0, 1]) {
        if (Buffer.from(run.slice(shift), "hex").toString("latin1").includes(core)) {
          return `hex, ${how}`;
        }
      }
    }
    for (const run of view.match(/[A-Za-z0-9+/_-]{8,}/g) ?? []) {
      for (const shift of [0, 1, 2, 3]) {
        // Node's base64 decoder reads the base64url alphabet too.
        if (Buffer.from(run.slice(shift), "base64").toString("latin1").includes(core)) {
          return `base64, ${how}`;
        }
      }
    }
  }
  return undefined;
}

/** Throws a readable failure naming the value, its rendering and the decoding that found `secret`. */
export function expectSecretNowhere(values: readonly unknown[], secret: string): void {
  for (const [i, value] of values.entries()) {
    for (const [j, text] of renderings(value).entries()) {
      const how = secretSighting(text, secret);
      if (how !== undefined) {
        throw new Error(`value #${i} (rendering #${j}) leaks the secret (${how}) in: ${text.slice(0, 2000)}`);
      }
    }
  }
}

function unescapeJson(text: string): string {
  const simple: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };
  return text.replace(/\\(["\\/bfnrt]|u[0-9a-fA-F]{4})/g, (_match, c: string) =>
    c.length === 5 ? String.fromCharCode(parseInt(c.slice(1), 16)) : (simple[c] ?? c),
  );
}

function unescapeUrl(text: string, plusIsSpace: boolean): string {
  return (plusIsSpace ? text.replace(/\+/g, " ") : text).replace(/(?:%[0-9A-Fa-f]{2})+/g, (escapes) => {
    try {
      return decodeURIComponent(escapes);
    } catch {
      return escapes;
    }
  });
}
