/**
 * The HTTP layer's pure retry decisions: policy checks, backoff with jitter, Retry-After
 * parsing and capping, and which outcomes of which methods may be retried.
 */
import {
  DEFAULT_RETRY_POLICY,
  RetryPolicy,
  backoffDelay,
  isRetryableStatus,
  parseRetryAfter,
  resolvePolicy,
  retryDelay,
  shouldRetry,
} from "../components/http";

const policy: RetryPolicy = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 15_000,
  maxRetryAfterMs: 60_000,
  timeoutMs: 5_000,
};
const middle = () => 0.5; // no jitter: the middle of the ±25 % band

describe("resolvePolicy", () => {
  it("defaults to 5 attempts, 1 s base, 15 s cap, 60 s Retry-After cap and 30 s per attempt", () => {
    expect(resolvePolicy()).toEqual({
      maxAttempts: 5,
      baseDelayMs: 1_000,
      maxDelayMs: 15_000,
      maxRetryAfterMs: 60_000,
      timeoutMs: 30_000,
    });
    expect(DEFAULT_RETRY_POLICY).toEqual(resolvePolicy());
    expect(Object.isFrozen(DEFAULT_RETRY_POLICY)).toBe(true);
  });

  it("overrides only the fields given, ignoring undefined ones", () => {
    expect(resolvePolicy({ maxAttempts: 2, timeoutMs: undefined })).toEqual({
      ...DEFAULT_RETRY_POLICY,
      maxAttempts: 2,
    });
  });

  it.each([
    [{ maxAttempts: 0 }, "retry policy maxAttempts must be a number from 1 to 20; got 0"],
    [{ maxAttempts: 1000 }, "retry policy maxAttempts must be a number from 1 to 20; got 1000"],
    [{ timeoutMs: 0 }, "retry policy timeoutMs must be a number from 1 to 600000; got 0"],
    [{ baseDelayMs: -1 }, "retry policy baseDelayMs must be a number from 0 to 60000; got -1"],
    [
      { maxRetryAfterMs: Number.NaN },
      "retry policy maxRetryAfterMs must be a number from 0 to 300000; got NaN",
    ],
  ])("rejects %p", (overrides, message) => {
    expect(() => resolvePolicy(overrides)).toThrow(new RangeError(message));
  });
});

describe("backoffDelay", () => {
  it("doubles from the base delay and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6, 30].map((retry) => backoffDelay(retry, policy, middle))).toEqual([
      1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000,
    ]);
  });

  it("spreads each delay by ±25 % with the random source", () => {
    expect(backoffDelay(2, policy, () => 0)).toBe(1_500);
    expect(backoffDelay(2, policy, () => 0.999999)).toBe(2_500);
    expect(backoffDelay(3, policy, () => 0.25)).toBe(3_500);
  });

  it("never exceeds the cap, even with jitter on top of a capped delay", () => {
    for (let retry = 1; retry <= 20; retry++) {
      for (const r of [0, 0.3, 0.7, 0.999]) {
        const delay = backoffDelay(retry, policy, () => r);
        expect(delay).toBeLessThanOrEqual(policy.maxDelayMs);
        expect(delay).toBeGreaterThanOrEqual(
          Math.min(policy.baseDelayMs * 2 ** (retry - 1), policy.maxDelayMs) * 0.75,
        );
      }
    }
  });

  it("clamps a misbehaving random source into [0, 1]", () => {
    expect(backoffDelay(1, policy, () => -3)).toBe(750);
    expect(backoffDelay(1, policy, () => 7)).toBe(1_250);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-10-21T07:28:00Z");

  it.each([
    ["120", 120_000],
    ["0", 0],
    [" 3 ", 3_000],
    ["1.5", 1_500],
  ])("reads delta-seconds %p as %p ms", (value, ms) => {
    expect(parseRetryAfter(value, now)).toBe(ms);
  });

  it("reads an HTTP date relative to now", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:28:07 GMT", now)).toBe(7_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
  });

  it("treats a date in the past as no wait", () => {
    expect(parseRetryAfter("Wed, 21 Oct 2026 07:27:00 GMT", now)).toBe(0);
  });

  it.each([undefined, "", "  ", "-5", "soon", "5 seconds", "1e3", "Wed, 99 Foo 2026 07:28:00 GMT"])(
    "ignores %p",
    (value) => {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    },
  );
});

describe("retryDelay", () => {
  it("uses the server's Retry-After when it gives one, capped at maxRetryAfterMs", () => {
    expect(retryDelay(1, policy, middle, 7_000)).toBe(7_000);
    // "Retry-After: 0" (or a date already past) asks for no wait: backoff applies instead, so a
    // server answering that way every time does not get every attempt at once.
    expect(retryDelay(4, policy, middle, 0)).toBe(8_000);
    expect(retryDelay(1, policy, middle, 3_600_000)).toBe(60_000);
  });

  it("falls back to backoff without Retry-After", () => {
    expect(retryDelay(3, policy, middle, undefined)).toBe(4_000);
  });
});

describe("isRetryableStatus", () => {
  it.each([429, 500, 502, 503, 504, 599])("retries %p", (status) =>
    expect(isRetryableStatus(status)).toBe(true),
  );
  it.each([200, 301, 400, 401, 403, 404, 409, 422, 501, 505])("does not retry %p", (status) =>
    expect(isRetryableStatus(status)).toBe(false),
  );
});

describe("shouldRetry", () => {
  const status = (s: number) => ({ kind: "status", status: s }) as const;
  const timeout = { kind: "timeout" } as const;
  const network = (code?: string) => ({ kind: "network", ...(code ? { code } : {}) }) as const;

  it.each(["GET", "PUT", "PATCH", "DELETE"])(
    "retries idempotent %s on 429, 5xx, timeouts and network errors",
    (method) => {
      for (const outcome of [
        status(429),
        status(500),
        status(503),
        timeout,
        network("ECONNRESET"),
        network(),
      ]) {
        expect(shouldRetry(method, undefined, outcome)).toBe(true);
      }
    },
  );

  it("never retries client errors or permanent network failures", () => {
    for (const outcome of [status(400), status(401), status(403), status(404), status(409), status(422)]) {
      expect(shouldRetry("GET", true, outcome)).toBe(false);
    }
    expect(shouldRetry("GET", undefined, network("ENOTFOUND"))).toBe(false);
    expect(shouldRetry("GET", undefined, network("CERT_HAS_EXPIRED"))).toBe(false);
  });

  it("does not retry a POST on outcomes that may have created something", () => {
    for (const outcome of [
      status(500),
      status(502),
      status(503),
      timeout,
      network("ECONNRESET"),
      network(),
    ]) {
      expect(shouldRetry("POST", undefined, outcome)).toBe(false);
      expect(shouldRetry("post", false, outcome)).toBe(false);
    }
  });

  it("retries a POST after a 429 or a refused connection, which prove nothing was done", () => {
    expect(shouldRetry("POST", undefined, status(429))).toBe(true);
    expect(shouldRetry("POST", undefined, network("ECONNREFUSED"))).toBe(true);
  });

  it("retries a POST marked retryable like any idempotent request", () => {
    expect(shouldRetry("POST", true, status(503))).toBe(true);
    expect(shouldRetry("POST", true, timeout)).toBe(true);
  });

  it("lets retryable: false turn off retries of a GET, except where nothing was done", () => {
    expect(shouldRetry("GET", false, status(503))).toBe(false);
    expect(shouldRetry("GET", false, status(429))).toBe(true);
  });
});
