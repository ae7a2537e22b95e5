/**
 * sendHttp: every HTTP request this package makes goes through here.
 *
 * Owns the I/O half of the HTTP layer: the axios instance and its settings, the per-attempt
 * deadline, the retry loop (its decisions come from ./retry) and the conversion of whatever went
 * wrong into an {@link HttpError} that carries no header, body, token or secret (./errors,
 * ./redact). Callers get either a 2xx response or an HttpError; nothing from axios escapes.
 *
 * axios is imported inside {@link sendHttp}, not at the top (../serialization, rule 5).
 */

import { HttpError, HttpErrorDetails, formatSeconds, redactCode, serverErrorDetails } from "./errors";
import { isSecretFieldName, redact } from "./redact";
import { shownUrl } from "./url";
import {
  RetryPolicy,
  AttemptOutcome,
  parseRetryAfter,
  resolvePolicy,
  retryDelay,
  shouldRetry,
} from "./retry";

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** One request, as the caller means it; retries and deadlines are added here. */
export interface HttpRequestSpec {
  readonly method: HttpMethod;
  /** Absolute URL. Only its path (never its query) appears in errors. */
  readonly url: string;
  readonly headers?: Record<string, string>;
  /** A JSON body (sent as `application/json`). Never appears in errors or logs. */
  readonly json?: unknown;
  /** A form body (sent as `application/x-www-form-urlencoded`). Never appears in errors or logs. */
  readonly form?: Record<string, string>;
  /** Deadline of each attempt in ms; overrides the policy's `timeoutMs`. */
  readonly timeoutMs?: number;
  /**
   * Whether repeating this request is harmless. Default: true for GET, PUT, PATCH and DELETE,
   * false for POST. A request that is not retryable is repeated only after a 429 or a refused
   * connection, which prove the server did not act on it.
   */
  readonly retryable?: boolean;
}

/** A 2xx response. `data` is the parsed JSON body, the text when it is not JSON, or `undefined` when empty. */
export interface HttpResponse<T = unknown> {
  readonly status: number;
  /**
   * The URL that answered (the request's, query included), to resolve links in the answer
   * against. Never for messages: use its path, or `shownUrl`.
   */
  readonly url?: string;
  /** Lower-cased header names; repeated headers joined with ", ". */
  readonly headers: Record<string, string>;
  readonly data: T;
}

/** What is known about a retry when it is about to happen. */
export interface RetryInfo {
  /** The attempt that just failed (1 for the first). */
  readonly attempt: number;
  /** How long the layer waits before the next attempt. */
  readonly delayMs: number;
  /** Why, already scrubbed: `HTTP 503`, `HTTP 429 (Retry-After 2 s)`, `timeout after 30 s`, `network error ECONNRESET`. */
  readonly reason: string;
}

export interface HttpOptions {
  /** Overrides of {@link DEFAULT_RETRY_POLICY}. */
  readonly policy?: Partial<RetryPolicy>;
  /** Waits between attempts. Default: a timer. Tests pass a recorder to run without waiting. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). Default: `Math.random`. */
  readonly random?: () => number;
  /** Current time in ms since the epoch, for `Retry-After` dates. Default: `Date.now`. */
  readonly now?: () => number;
  /**
   * Values to mask wherever they might show up. The values of the request's headers and body
   * fields whose name is secret (`Authorization`, `X-Api-Key`, `client_secret`, `refresh_token`,
   * `application_secret`, …: `isSecretFieldName`) are masked without being listed here.
   */
  readonly secrets?: readonly string[];
  /** Called before each retry (for logging); the reason is already scrubbed. */
  readonly onRetry?: (info: RetryInfo) => void;
  /** Called before each attempt is sent (1 for the first); for counting requests. */
  readonly onAttempt?: (attempt: number) => void;
}

/** Largest request or response body accepted, in bytes. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

const USER_AGENT = "optima-csp";

/**
 * Sends a request, retrying transient failures as the policy allows, and resolves with a 2xx
 * response. Anything else (a non-2xx status after retries, a timeout, a network error) rejects
 * with an {@link HttpError} that names the method and path and holds no secret.
 */
export async function sendHttp<T = unknown>(
  spec: HttpRequestSpec,
  options: HttpOptions = {},
): Promise<HttpResponse<T>> {
  const policy = resolvePolicy({
    ...options.policy,
    ...(spec.timeoutMs !== undefined ? { timeoutMs: spec.timeoutMs } : {}),
  });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const path = urlPath(spec.url);
  const secrets = [...(options.secrets ?? []), ...secretsInRequest(spec)];
  const request = buildRequest(spec);

  const { default: axios } = await import("axios");
  const client = axios.create({
    validateStatus: () => true, // every status is a response here; this module decides what fails
    maxRedirects: 0, // an API that redirects is misconfigured; never forward a token elsewhere
    responseType: "text",
    transformResponse: [(data: unknown) => data],
    maxContentLength: MAX_BODY_BYTES,
    maxBodyLength: MAX_BODY_BYTES,
    timeout: 0, // the deadline below covers the whole attempt, body included
  });

  for (let attempt = 1; ; attempt++) {
    options.onAttempt?.(attempt);
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, policy.timeoutMs);

    let outcome: AttemptOutcome;
    let response: HttpResponse | undefined;
    try {
      const raw = await client.request<unknown>({ ...request, signal: controller.signal });
      response = {
        status: raw.status,
        url: spec.url,
        headers: plainHeaders(raw.headers),
        data: parseBody(raw.data),
      };
      outcome = { kind: "status", status: raw.status };
    } catch (error) {
      // Read a few plain fields from the axios error and drop it: it holds the request config and headers.
      const answered = answeredStatus(error);
      outcome = timedOut
        ? { kind: "timeout" }
        : answered !== undefined && answered >= 200 && answered < 300
          ? { kind: "answer", status: answered, problem: bodyTooLarge(error) ? "too-large" : "cut-short" }
          : answered !== undefined
            ? { kind: "status", status: answered } // an error status whose body did not arrive whole
            : { kind: "network", code: errorCode(error) };
    } finally {
      clearTimeout(timer);
    }

    if (response && response.status >= 200 && response.status < 300) {
      return response as HttpResponse<T>;
    }
    const retryAfterMs =
      response && outcome.kind === "status"
        ? parseRetryAfter(response.headers["retry-after"], now())
        : undefined;

    if (attempt < policy.maxAttempts && shouldRetry(spec.method, spec.retryable, outcome)) {
      const delayMs = retryDelay(attempt, policy, random, retryAfterMs);
      options.onRetry?.({
        attempt,
        delayMs,
        reason: redact(describeOutcome(outcome, retryAfterMs, policy), secrets),
      });
      await sleep(delayMs);
      continue;
    }

    throw new HttpError({
      method: spec.method,
      path,
      attempts: attempt,
      ...failureDetails(outcome, response?.data, retryAfterMs, policy, secrets, spec.url),
    });
  }
}

/** What the final outcome of a failed request tells, for its {@link HttpError}. */
function failureDetails(
  outcome: AttemptOutcome,
  body: unknown,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
  secrets: readonly string[],
  url: string,
): Omit<HttpErrorDetails, "method" | "path" | "attempts"> {
  switch (outcome.kind) {
    case "answer":
      return {
        kind: "answer",
        status: outcome.status,
        problem:
          outcome.problem === "too-large"
            ? `with a body larger than ${MAX_BODY_BYTES / (1024 * 1024)} MiB`
            : "with a body cut short",
        url: shownUrl(new URL(url)),
      };
    case "status":
      return {
        kind: "status",
        status: outcome.status,
        ...serverErrorDetails(body, secrets),
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      };
    case "timeout":
      return { kind: "timeout", timeoutMs: policy.timeoutMs };
    case "network":
      return { kind: "network", ...(outcome.code ? { code: redactCode(outcome.code, secrets) } : {}) };
  }
}

/** The axios request config for a spec, without the per-attempt signal. */
function buildRequest(spec: HttpRequestSpec) {
  if (spec.json !== undefined && spec.form !== undefined) {
    throw new TypeError(
      `${spec.method} ${urlPath(spec.url)}: a request takes a JSON body or a form body, not both`,
    );
  }
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": USER_AGENT };
  let data: string | undefined;
  if (spec.json !== undefined) {
    headers["Content-Type"] = "application/json";
    data = JSON.stringify(spec.json);
  } else if (spec.form !== undefined) {
    headers["Content-Type"] = "application/x-www-form-urlencoded";
    data = new URLSearchParams(spec.form).toString();
  }
  return { method: spec.method, url: spec.url, headers: { ...headers, ...spec.headers }, data };
}

/** The path of a URL, for messages. Throws a TypeError that does not repeat the URL (it may carry a query secret). */
function urlPath(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    throw new TypeError("sendHttp: the request URL is not an absolute URL");
  }
}

/**
 * Values in the request that must never be shown: the values of headers and body fields whose
 * name is secret ({@link isSecretFieldName}, the one list), a header's also without its
 * `Bearer`/`Basic` scheme.
 */
function secretsInRequest(spec: HttpRequestSpec): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(spec.headers ?? {})) {
    if (isSecretFieldName(name)) {
      found.push(value, value.replace(/^\s*(Bearer|Basic)\s+/i, ""));
    }
  }
  const visit = (value: unknown, key: string, depth: number): void => {
    if (typeof value === "string") {
      if (isSecretFieldName(key)) {
        found.push(value);
      }
    } else if (value && typeof value === "object" && depth < 8) {
      for (const [childKey, child] of Object.entries(value)) {
        visit(child, childKey, depth + 1);
      }
    }
  };
  visit(spec.json, "", 0);
  visit(spec.form, "", 0);
  return found.filter((value) => value.length > 0);
}

function parseBody(data: unknown): unknown {
  if (typeof data !== "string") {
    return data;
  }
  const text = data.trim();
  if (text === "") {
    return undefined;
  }
  if (text.startsWith("{") || text.startsWith("[")) {
    try {
      return JSON.parse(text);
    } catch {
      return data;
    }
  }
  return data;
}

function plainHeaders(headers: unknown): Record<string, string> {
  const source =
    headers && typeof (headers as { toJSON?: unknown }).toJSON === "function"
      ? (headers as { toJSON(): Record<string, unknown> }).toJSON()
      : ((headers ?? {}) as Record<string, unknown>);
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(source)) {
    if (value !== undefined && value !== null) {
      result[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : String(value);
    }
  }
  return result;
}

/**
 * The status of an answer whose body could not be read (cut short, or too large), read from the
 * request the error names: Node's `ClientRequest.res` is set once status and headers arrived.
 * Undefined when no answer came at all.
 */
function answeredStatus(error: unknown): number | undefined {
  const request = error && typeof error === "object" ? (error as { request?: unknown }).request : undefined;
  const res = request && typeof request === "object" ? (request as { res?: unknown }).res : undefined;
  const status = res && typeof res === "object" ? (res as { statusCode?: unknown }).statusCode : undefined;
  return typeof status === "number" && status >= 100 && status <= 599 ? status : undefined;
}

/** Whether axios gave up reading because the body passed `maxContentLength`. */
function bodyTooLarge(error: unknown): boolean {
  const message = error && typeof error === "object" ? (error as { message?: unknown }).message : undefined;
  return typeof message === "string" && message.includes("maxContentLength");
}

/** A system or axios error code (`ECONNRESET`, `ERR_BAD_RESPONSE`); never the error's message. */
function errorCode(error: unknown): string | undefined {
  const code = error && typeof error === "object" ? (error as { code?: unknown }).code : undefined;
  return typeof code === "string" && /^[A-Z][A-Z0-9_]{1,40}$/.test(code) ? code : undefined;
}

function describeOutcome(
  outcome: AttemptOutcome,
  retryAfterMs: number | undefined,
  policy: RetryPolicy,
): string {
  switch (outcome.kind) {
    case "status":
      return `HTTP ${outcome.status}${retryAfterMs !== undefined ? ` (Retry-After ${formatSeconds(retryAfterMs)})` : ""}`;
    case "timeout":
      return `timeout after ${formatSeconds(policy.timeoutMs)}`;
    case "network":
      return `network error${outcome.code ? ` ${outcome.code}` : ""}`;
    case "answer":
      return `HTTP ${outcome.status} with ${outcome.problem === "too-large" ? "a body too large" : "a body cut short"}`;
  }
}
