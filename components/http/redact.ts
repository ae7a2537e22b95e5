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
 * masked. It also masks four shapes of credential it is
 * not told about: `Bearer …`/`Basic …` authorization values, JWT-like strings, Entra ID client
 * secrets (the shape Microsoft's own scanner looks for), and the value of any `key=value`,
 * `key: value` or `"key":"value"` pair whose key names a secret (see {@link isSecretFieldName}).
 *
 * Redaction keeps the structure of what it masks: text that is a JSON document stays valid JSON
 * (each string in it is masked on its own, and a string under a secret-named key is masked whole),
 * a mask never cuts into an escape sequence or a quoted phrase, and prose outside a credential
 * stays as it was (`` `az login` ``, Graph's `InvalidAuthenticationToken: "Access token …"`).
 * Pure; no I/O.
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

/**
 * An Entra ID client secret as Entra ID has issued them since 2021: three URL-unreserved
 * characters, `7Q~` or `8Q~`, then 31 to 34 more (37 or 40 in all). The shape of Microsoft's
 * own scanner, microsoft/security-utilities
 * `src/Microsoft.Security.Utilities.Core/HighConfidenceMicrosoftSecurityModels/SEC101_156_AzureClientAppIdentifiableCredentials.cs`
 * (SEC101/156, commit 49d44ac). Only URL-unreserved characters are masked, so no structure is.
 */
const ENTRA_CLIENT_SECRET = /[A-Za-z0-9_~.-]{3}[78]Q~[A-Za-z0-9_~.-]{31,34}/g;

/**
 * A Microsoft Graph error code followed by its quoted message, as ./errors writes a failed
 * request (`HTTP 401 InvalidAuthenticationToken: "Access token validation failure."`): the code
 * ends in a secret word, but the phrase after it is Graph's message, not a credential.
 */
const ERROR_CODE_KEY = /^(?:Invalid|Expired|Missing|Unauthorized)[A-Z][A-Za-z]*$/;
const QUOTED_PHRASE = /^\\?"[^"]*\s[^"]*\\?"$/;

type Replacer = string | ((match: string, ...groups: string[]) => string);

const PATTERNS: readonly [RegExp, Replacer][] = [
  // "clientSecret": "…" (JSON, possibly with escaped quotes inside the value).
  [new RegExp(`("${SECRET_KEY}"\\s*:\\s*")(?:[^"\\\\]|\\\\.)*(")`, "gi"), `$1${REDACTED}$2`],
  // Authorization: Bearer …  /  Basic …
  [/\b(Bearer|Basic)(\s+)[A-Za-z0-9\-._~+/]+=*/gi, `$1$2${REDACTED}`],
  // JWT-like: three base64url segments, the first one a JSON object ("eyJ" is base64 for '{"').
  [/\beyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, REDACTED],
  [ENTRA_CLIENT_SECRET, REDACTED],
  // refresh_token=…, client_secret: …  (form bodies, query strings, headers, log text).
  // The value may be quoted: "…", '…', \"…\" (inside JSON-escaped text, masked whole so that no
  // escape is cut), or `…` without white space inside (masked within its backticks: a phrase in
  // backticks is prose, such as `az login`). An unquoted value ends before white space, a
  // backslash or punctuation, so it never takes half of an escape. An authorization scheme is
  // left to the Bearer/Basic rule above.
  [
    new RegExp(
      `(\\b(${SECRET_KEY})\\s*[=:]\\s*)(?:("[^"]*"|'[^']*'|\\\\"(?:[^"\\\\]|\\\\[^"])*\\\\")|\`([^\`\\s]+)\`|(?!\\s|\\[REDACTED\\]|(?:Bearer|Basic)\\s)[^\\s&"'\`\\\\,;)}\\]]+)`,
      "gi",
    ),
    (match, prefix, key, quoted, backticked) => {
      if (quoted !== undefined && ERROR_CODE_KEY.test(key) && QUOTED_PHRASE.test(quoted)) {
        return match;
      }
      return backticked !== undefined ? `${prefix}\`${REDACTED}\`` : `${prefix}${REDACTED}`;
    },
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
  return redactJsonDocument(text, secrets) ?? redactText(text, secrets);
}

/**
 * Returns `value` with every string in it (object keys included) redacted, and every string
 * under a secret-named key masked whole: for a report that is serialized afterwards, so that the
 * serialization is valid by construction.
 */
export function redactValue<T>(value: T, secrets: readonly string[]): T {
  const walk = (item: unknown, secretKey: boolean): unknown => {
    if (typeof item === "string") {
      return secretKey ? REDACTED : redactText(item, secrets);
    }
    if (Array.isArray(item)) {
      return item.map((element) => walk(element, secretKey));
    }
    if (typeof item === "object" && item !== null) {
      return Object.fromEntries(
        Object.entries(item).map(([key, element]) => [
          redactText(key, secrets),
          walk(element, isSecretFieldName(key)),
        ]),
      );
    }
    return item;
  };
  return walk(value, false) as T;
}

function redactText(text: string, secrets: readonly string[]): string {
  let result = text;
  for (const form of secretForms(secrets)) {
    result = result.split(form).join(REDACTED);
  }
  for (const [pattern, replacement] of PATTERNS) {
    result = result.replace(pattern, replacement as (match: string, ...groups: string[]) => string);
  }
  return result;
}

/** A JSON string literal, optionally followed by the colon that makes it an object key. */
const JSON_LITERAL = /"(?:[^"\\]|\\.)*"(\s*:)?/g;

/**
 * `text` redacted string by string when it is a whole JSON object or array, else undefined.
 * Each literal is decoded, redacted as text and encoded again (unchanged literals are kept as
 * written); a string value right after a secret-named key is masked whole.
 */
function redactJsonDocument(text: string, secrets: readonly string[]): string | undefined {
  if (!/^\s*[[{]/.test(text)) {
    return undefined;
  }
  try {
    JSON.parse(text);
  } catch {
    return undefined;
  }
  /** Where the value of a secret-named key starts, when the last literal was one. */
  let secretValueFrom: number | undefined;
  return text.replace(JSON_LITERAL, (literal: string, colon: string | undefined, offset: number) => {
    const quoted = colon === undefined ? literal : literal.slice(0, literal.length - colon.length);
    const decoded = JSON.parse(quoted) as string;
    const underSecretKey =
      colon === undefined &&
      secretValueFrom !== undefined &&
      /^\s*$/.test(text.slice(secretValueFrom, offset));
    secretValueFrom = colon !== undefined && isSecretFieldName(decoded) ? offset + literal.length : undefined;
    const masked = underSecretKey ? REDACTED : redactText(decoded, secrets);
    return masked === decoded ? literal : `${JSON.stringify(masked)}${colon ?? ""}`;
  });
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
