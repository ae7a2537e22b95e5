/**
 * Redaction: the one function that makes a piece of text safe to show.
 *
 * Everything the HTTP layer lets out (error messages, server messages, retry reasons, log
 * lines) passes through {@link redact}. It masks the values it is given, in the forms they
 * travel in (raw, URL-encoded, JSON-escaped), and three shapes of credential it is not told
 * about: `Bearer …`/`Basic …` authorization values, JWT-like strings, and the value of any
 * `key=value`, `key: value` or `"key":"value"` pair whose key names a secret (…secret, …token,
 * …password, …api_key, authorization, credential). Pure; no I/O.
 */

/** What a masked value is replaced with. */
export const REDACTED = "[REDACTED]";

/**
 * A key that names a secret: one that ends in secret, token, password, api key, … (`client_secret`,
 * `clientSecret`, `refresh_token`, `x-api-key`, `secretValue`), but not `token_type` or
 * `invalid_token_response`, whose values are not secret.
 */
const SECRET_KEY =
  "[A-Za-z0-9_.-]*(?:secret|token|passw(?:or)?d|pwd|api[-_]?key|private[-_]?key|access[-_]?key|authorization|credentials?)(?:[-_]?(?:value|text))?(?![A-Za-z0-9_.-])";

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
 * Returns `text` with every value in `secrets` and every recognisable credential masked as
 * `[REDACTED]`. Empty strings in `secrets` are ignored; longer secrets are masked first so that
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

/** Each secret as it may appear in text: raw, URL-encoded (form bodies), JSON-escaped. Longest first. */
function secretForms(secrets: readonly string[]): string[] {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (typeof secret !== "string" || secret.length === 0) {
      continue;
    }
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(new URLSearchParams({ v: secret }).toString().slice(2));
    forms.add(JSON.stringify(secret).slice(1, -1));
  }
  return [...forms].filter((form) => form.length > 0).sort((a, b) => b.length - a.length);
}
