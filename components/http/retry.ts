/**
 * Retry policy: pure decisions about whether and when to try an HTTP request again.
 *
 * Owns the bounded-attempts policy, exponential backoff with jitter, `Retry-After` parsing
 * (delta-seconds or HTTP date, capped) and the rules for which outcomes and methods may be
 * retried. No I/O and no clock of its own: callers pass `now` and `random`, so every decision
 * here is a plain function of its arguments and is tested without a server.
 */

/** How hard the HTTP layer tries before giving up. All durations are in milliseconds. */
export interface RetryPolicy {
  /** Attempts in total, the first one included (so 1 means "never retry"). */
  readonly maxAttempts: number;
  /** Backoff before the first retry; doubled on each further retry. */
  readonly baseDelayMs: number;
  /** Upper bound of a computed backoff delay (before `Retry-After` is considered). */
  readonly maxDelayMs: number;
  /** Upper bound of a delay the server asks for with `Retry-After`. */
  readonly maxRetryAfterMs: number;
  /** Deadline of one attempt, from sending the request to the last byte of the response. */
  readonly timeoutMs: number;
}

/**
 * 5 attempts, 1 s base doubling to at most 15 s (±25 % jitter), `Retry-After` honoured up to
 * 60 s, 30 s per attempt. Close to Flexera's own Go SDK (1 s base, 15 s cap, 60 s Retry-After).
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 1_000,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 30_000,
});

/** Share of a backoff delay that jitter may add or remove (±25 %). */
export const JITTER_RATIO = 0.25;

/** The largest policy values accepted, so that a typo cannot make a request wait for hours. */
const LIMITS: RetryPolicy = {
  maxAttempts: 20,
  baseDelayMs: 60_000,
  maxDelayMs: 300_000,
  maxRetryAfterMs: 300_000,
  timeoutMs: 600_000,
};

/**
 * Fills in a partial policy from the defaults and checks it. Throws a `RangeError` naming the
 * field when a value is not a finite number in range (attempts: 1–20; durations: ≥ 0, except
 * the timeout which must be > 0).
 */
export function resolvePolicy(overrides?: Partial<RetryPolicy>): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...definedOnly(overrides ?? {}) };
  for (const field of Object.keys(LIMITS) as (keyof RetryPolicy)[]) {
    const value = policy[field];
    const min = field === "maxAttempts" ? 1 : field === "timeoutMs" ? 1 : 0;
    if (!Number.isFinite(value) || value < min || value > LIMITS[field]) {
      throw new RangeError(
        `retry policy ${field} must be a number from ${min} to ${LIMITS[field]}; got ${value}`,
      );
    }
  }
  return { ...policy, maxAttempts: Math.floor(policy.maxAttempts) };
}

function definedOnly(values: Partial<RetryPolicy>): Partial<RetryPolicy> {
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined));
}

/**
 * Backoff before retry number `retry` (1 for the first retry): `baseDelayMs · 2^(retry-1)`,
 * capped at `maxDelayMs`, then spread by ±25 % jitter from `random()` (a number in [0, 1)),
 * and never above `maxDelayMs`.
 */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number): number {
  const exponent = Math.max(0, Math.floor(retry) - 1);
  const exponential = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
  const unit = Math.min(Math.max(random(), 0), 1);
  const jittered = exponential * (1 - JITTER_RATIO + 2 * JITTER_RATIO * unit);
  return Math.round(Math.min(policy.maxDelayMs, jittered));
}

/**
 * Parses a `Retry-After` header: delta-seconds (`"120"`, also `"1.5"`) or an HTTP date
 * (`"Wed, 21 Oct 2026 07:28:00 GMT"`), relative to `nowMs`. Returns the wait in ms (0 for a
 * date in the past), or `undefined` when the header is absent or not understood. Not capped:
 * see {@link retryDelay}.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) {
    return undefined;
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    return Math.round(Number(text) * 1000);
  }
  // Only the date forms HTTP allows (IMF-fixdate and its obsolete cousins) contain a letter
  // and a colon; anything else (e.g. "-5", "soon") is not a Retry-After value.
  if (!/[A-Za-z]/.test(text) || !text.includes(":")) {
    return undefined;
  }
  const at = Date.parse(text);
  if (Number.isNaN(at)) {
    return undefined;
  }
  return Math.max(0, at - nowMs);
}

/**
 * The wait before retry number `retry`: what the server asked for with `Retry-After` (capped
 * at `maxRetryAfterMs`) when it asked for a wait, otherwise {@link backoffDelay}. A
 * `Retry-After` of 0 or a date already past is no wait at all, so backoff applies: a server
 * that keeps answering that way must not get every attempt at once.
 */
export function retryDelay(
  retry: number,
  policy: RetryPolicy,
  random: () => number,
  retryAfterMs: number | undefined,
): number {
  if (retryAfterMs !== undefined && retryAfterMs > 0) {
    return Math.min(retryAfterMs, policy.maxRetryAfterMs);
  }
  return backoffDelay(retry, policy, random);
}

/** What happened on one attempt, as far as the retry decision cares. */
export type AttemptOutcome =
  | { readonly kind: "status"; readonly status: number }
  /**
   * A 2xx status and headers came, but the body could not be read whole: it was cut short (the
   * connection dropped mid-body) or it is larger than the layer accepts.
   */
  | { readonly kind: "answer"; readonly status: number; readonly problem: "cut-short" | "too-large" }
  | { readonly kind: "timeout" }
  | { readonly kind: "network"; readonly code?: string };

// Arrays, not Sets (../serialization, rule 1).

/** Network error codes that say the request never reached a server, so it cannot have had any effect. */
const NOT_SENT_CODES: readonly string[] = ["ECONNREFUSED", "EAI_AGAIN"];

/** Network error codes that will not go away by trying again (wrong host name, bad certificate). */
const PERMANENT_NETWORK_CODES: readonly string[] = [
  "ENOTFOUND",
  "CERT_HAS_EXPIRED",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "ERR_INVALID_URL",
];

/** Whether an HTTP status is worth trying again: 429 and server errors (except 501/505, which never change). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/**
 * Whether an attempt that ended in `outcome` may be tried again.
 *
 * `retryable` says whether repeating the request is harmless. When it is not given, GET, PUT,
 * PATCH and DELETE count as idempotent (they are on the APIs this module talks to) and POST does
 * not; a caller marks a harmless POST (a token request) `retryable: true`. A request that is not
 * retryable is tried again only when the outcome proves the server did not act on it (a 429, or
 * a connection that was never established), because one that timed out or met a 5xx may have
 * created something already.
 */
export function shouldRetry(
  method: string,
  retryable: boolean | undefined,
  outcome: AttemptOutcome,
): boolean {
  const transient =
    outcome.kind === "timeout" ||
    // A body cut short may read whole next time; one too large will not get smaller.
    (outcome.kind === "answer" && outcome.problem === "cut-short") ||
    (outcome.kind === "status" && isRetryableStatus(outcome.status)) ||
    (outcome.kind === "network" && !PERMANENT_NETWORK_CODES.includes(outcome.code ?? ""));
  if (!transient) {
    return false;
  }
  if (retryable ?? method.toUpperCase() !== "POST") {
    return true;
  }
  return (
    (outcome.kind === "status" && outcome.status === 429) ||
    (outcome.kind === "network" && NOT_SENT_CODES.includes(outcome.code ?? ""))
  );
}
