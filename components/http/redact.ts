/**
 * Redaction: the one function that makes a piece of text safe to show, and the one list of
 * names that mark a field as secret.
 *
 * Everything the HTTP layer lets out (error messages, server messages and error codes, retry
 * reasons, log lines) passes through {@link redact}. It masks the values it is given in every
 * form they may travel or be echoed in: raw, URL-encoded (upper- or lower-case escapes, `+` for
 * space), JSON-escaped (once, or twice when an escaped echo is quoted again), hex, and base64 and
 * base64url, both on their own and inside a longer encoded value (a Basic header `id:secret`, a
 * JWT), where the encoding of the secret depends on its offset, so all three alignments are
 * masked. It also masks three shapes of credential it is
 * not told about: `Bearer …`/`Basic …` authorization values, JWT-like strings, and the value of
 * any `key=value`, `key: value` or `"key":"value"` pair whose key names a secret (see
 * {@link isSecretFieldName}). Pure; no I/O.
 */

/** What a masked value is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * The words that make a field or header name secret when the name ends with one of them
 * (optionally followed by `value`/`text`): `client_secret`, `clientSecret`, `refresh_token`,
 * `secretValue`, and the headers `Authorization`, `Proxy-Authorization`, `X-Api-Key`, `Cookie`;
 * but not `token_type` or `invalid_token_response`, whose values are not secret. The ONE list:
 * request headers and bodies (./send) and text (below) all use it.
 */
const SECRET_FIELD_WORDS: readonly string[] = [
  "secret",
  "token",
  "passw(?:or)?d",
  "pwd",
  "api[-_]?key",
  "private[-_]?key",
  "access[-_]?key",
  "authorization",
  "credentials?",
  "cookie",
];

/** A field name that names a secret, as a regular expression source (no anchors). */
const SECRET_KEY = `[A-Za-z0-9_.-]*(?:${SECRET_FIELD_WORDS.join("|")})(?:[-_]?(?:value|text))?(?![A-Za-z0-9_.-])`;

const SECRET_FIELD_NAME = new RegExp(`^${SECRET_KEY}$`, "i");

/** Whether a field name (a JSON key, a form field, a header name) names a secret value. */
export function isSecretFieldName(name: string): boolean {
  return SECRET_FIELD_NAME.test(name);
}

const PATTERNS: readonly [RegExp, string][] = [
  // "clientSecret": "…" (JSON, possibly with escaped quotes inside the value).
  [new RegExp(`("${SECRET_KEY}"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*(")`, "gi"), `$1${REDACTED}$2`],
  // Authorization: Bearer …  /  Basic …
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]+=*/gi, `$1$2${REDACTED}`],
  // JWT-like: three base64url segments, the first one a JSON object ("eyJ" is base64 for '{"').
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  // refresh_token=…, client_secret: …  (form bodies, query strings, headers, log text).
  // The value may be quoted; an authorization scheme is left to the Bearer/Basic rule above.
  [
    new RegExp(
      `(\\b${SECRET_KEY}\\s*[=:]\\s*)(?:"[^"]*"|'[^']*'|(?!\\s|\\[REDACTED\\]|(?:Bearer|Basic)\\s)[^\\s&"',;)}\\]]+)`,
      "gi",
    ),
    `$1${REDACTED}`,
  ],
];

/**
 * Shortest derived form (an encoding, or a part of one) that is masked. Shorter fragments of a
 * very short secret would mask unrelated text; the secret itself is masked at any length.
 */
const MIN_DERIVED_FORM_LENGTH = 6;

/**
 * Returns `text` with every value in `secrets` and every recognisable credential masked as
 * `[REDACTED]`. Empty strings in `secrets` are ignored; longer forms are masked first so that
 * a secret containing another is masked whole.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const form of secretForms(secrets)) {
    result = result.split(form).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) {
    result = result.replace(pattern, replacement);
  }
  return result;
}

/**
 * Each secret as it may appear in text, longest first: raw, URL-encoded, JSON-escaped (once or
 * twice), hex, and base64/base64url at each of the three byte alignments.
 */
export function secretForms(secrets: readonly string[]): string[] {
  // An array, not a Set (../serialization, rule 1).
  const forms: string[] = [];
  const add = (form: string, derived: boolean): void => {
    if (form.length >= (derived ? MIN_DERIVED_FORM_LENGTH : 1) && !forms.includes(form)) {
      forms.push(form);
    }
  };
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length === 0) {
      continue;
    }
    add(secret, false);
    const uri = encodeURIComponent(secret);
    add(uri, true);
    add(lowerCaseEscapes(uri), true);
    const form = new URLSearchParams({ v: secret }).toString().slice(2);
    add(form, true);
    add(lowerCaseEscapes(form), true);
    const json = JSON.stringify(secret).slice(1, -1);
    add(json, true);
    // Escaped twice: a server echoes the escaped form, and a message quotes the server's words
    // with JSON.stringify (`Optima said: "…"`) before the secret is known to the code that masks.
    add(JSON.stringify(json).slice(1, -1), true);
    const bytes = Buffer.from(secret, "utf8");
    add(bytes.toString("hex"), true);
    add(bytes.toString("hex").toUpperCase(), true);
    for (const encoded of base64Alignments(bytes)) {
      add(encoded, true);
      add(encoded.replace(/\+/g, "-").replace(/\//g, "_"), true);
    }
  }
  return forms.sort((a, b) => b.length - a.length);
}

/**
 * The base64 characters that encode `bytes` alone, whatever comes before or after them, for
 * each of the three offsets (mod 3) at which they can start inside a longer value. At offset
 * `o`, the first `ceil(8o / 6)` characters also carry bits of the bytes before, and the
 * characters after `floor(8(o + n) / 6)` carry bits of the bytes after: both are left out.
 */
function base64Alignments(bytes: Buffer): string[] {
  const out: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString("base64");
    const start = Math.ceil((8 * offset) / 6);
    const end = Math.floor((8 * (offset + bytes.length)) / 6);
    out.push(encoded.slice(start, end));
    if (offset === 0) {
      out.push(encoded); // the whole value, padding included
    }
  }
  return out;
}

/** `%2F` → `%2f`: some encoders write escapes in lower case. */
function lowerCaseEscapes(text: string): string {
  return text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());
}
