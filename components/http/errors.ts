/**
 * HttpError: the only error the HTTP layer throws, and the helpers that build it.
 *
 * An HttpError is built from scratch out of plain facts (method, path without query, status,
 * the server's error name and its scrubbed message, attempts made); it never wraps, references
 * or copies the underlying axios error, whose config, headers and bodies hold credentials. So
 * `message`, `JSON.stringify(error)` and `util.inspect(error)` are all safe to show.
 */

import { completeError } from "../serialization";
import { REDACTED, redact } from "./redact";

/**
 * Why the request failed: the server answered with a non-2xx status, the deadline passed, no
 * answer came, or an answer came that cannot be used (a body cut short or too large, or, as the
 * caller judges it, not the API's answer at all: an HTML page, an unexpected status).
 */
export type HttpFailureKind = "status" | "timeout" | "network" | "answer";

/** The facts an {@link HttpError} is built from. */
export interface HttpErrorDetails {
  readonly method: string;
  /** The URL's path, without query string or fragment. */
  readonly path: string;
  readonly kind: HttpFailureKind;
  readonly status?: number;
  /** Goa error `name` (e.g. `not_found`) or OAuth `error` (e.g. `invalid_grant`); for network failures, the system error code. */
  readonly code?: string;
  /** The server's own message (Goa `message`, OAuth `error_description`), already scrubbed. */
  readonly serverMessage?: string;
  /** What the server asked for with `Retry-After`, in ms (uncapped), when it did. */
  readonly retryAfterMs?: number;
  /** Attempts made, the failing one included. */
  readonly attempts: number;
  /** The per-attempt deadline that passed (for `kind: "timeout"`). */
  readonly timeoutMs?: number;
  /** For `kind: "answer"`: what is wrong with the answer, e.g. `with a body cut short`, `with an HTML page`, `instead of HTTP 204`. */
  readonly problem?: string;
  /** For `kind: "answer"`: the URL that answered, as {@link shownUrl} shows it (no query). */
  readonly url?: string;
}

/** The facts an {@link HttpError} carries only when they are known, in the order it lists them. */
const OPTIONAL_FACTS = [
  "status",
  "code",
  "serverMessage",
  "retryAfterMs",
  "timeoutMs",
  "problem",
  "url",
] as const;

/**
 * A failed HTTP request, described without any header, body, token or secret. Its constructor
 * ends with `completeError` (../serialization, rule 4).
 */
export class HttpError extends Error {
  readonly method: string;
  readonly path: string;
  readonly kind: HttpFailureKind;
  declare readonly status?: number;
  declare readonly code?: string;
  declare readonly serverMessage?: string;
  declare readonly retryAfterMs?: number;
  readonly attempts: number;
  declare readonly timeoutMs?: number;
  declare readonly problem?: string;
  declare readonly url?: string;

  constructor(details: HttpErrorDetails) {
    const message = describeHttpFailure(details);
    super(message);
    this.name = "HttpError";
    completeError(this, message);
    this.method = details.method;
    this.path = details.path;
    this.kind = details.kind;
    this.attempts = details.attempts;
    // Only defined facts become properties, so a printed error lists no empty fields.
    for (const fact of OPTIONAL_FACTS) {
      if (details[fact] !== undefined) {
        Object.assign(this, { [fact]: details[fact] });
      }
    }
  }
}

/**
 * Whether `error` is an {@link HttpError}. Checks the name and shape as well as the class (in the
 * host a class from one serialized copy is not another's: ../serialization, rule 4).
 */
export function isHttpError(error: unknown): error is HttpError {
  if (error instanceof HttpError) {
    return true;
  }
  const candidate = error as { name?: unknown; kind?: unknown; method?: unknown; path?: unknown } | null;
  return (
    error instanceof Error &&
    candidate?.name === "HttpError" &&
    typeof candidate.kind === "string" &&
    typeof candidate.method === "string" &&
    typeof candidate.path === "string"
  );
}

/**
 * One line saying what failed, e.g.
 * `GET /analytics/orgs/1/azure_csp_partners failed: HTTP 404 not_found: "no such org" (1 attempt)`,
 * `POST /oidc/token timed out after 30 s (5 attempts)`,
 * `GET /x failed: network error ECONNREFUSED (5 attempts)`.
 */
export function describeHttpFailure(details: HttpErrorDetails): string {
  const request = `${details.method} ${details.path}`;
  const attempts = `(${details.attempts} attempt${details.attempts === 1 ? "" : "s"})`;
  switch (details.kind) {
    case "timeout":
      return `${request} timed out after ${formatSeconds(details.timeoutMs ?? 0)} ${attempts}`;
    case "network":
      return `${request} failed: network error${details.code ? ` ${details.code}` : ""} ${attempts}`;
    case "answer":
      return `${request} failed: ${details.url ?? details.path} answered HTTP ${details.status}${details.problem ? ` ${details.problem}` : ""}, which cannot be used ${attempts}`;
    case "status": {
      const code = details.code ? ` ${details.code}` : "";
      const said = details.serverMessage ? `: ${JSON.stringify(details.serverMessage)}` : "";
      return `${request} failed: HTTP ${details.status}${code}${said} ${attempts}`;
    }
  }
}

/** `30000` → `"30 s"`, `250` → `"0.25 s"`. */
export function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Longest server message kept, in characters (after scrubbing). */
export const MAX_SERVER_MESSAGE_LENGTH = 300;

/**
 * The error name and message a server put in its response body: a Goa error
 * (`{"name","message",…}`), an OAuth error (`{"error","error_description"}`), a Microsoft Graph
 * (OData) error (`{"error":{"code","message",…}}`), or a short plain text. Both are scrubbed with {@link redact} and flattened to one line of at most
 * {@link MAX_SERVER_MESSAGE_LENGTH} characters. An HTML page or anything unrecognised yields no
 * message rather than noise.
 */
export function serverErrorDetails(
  body: unknown,
  secrets: readonly string[],
): { code?: string; serverMessage?: string } {
  let code: unknown;
  let message: unknown;
  if (body && typeof body === "object" && !Array.isArray(body)) {
    const outer = body as Record<string, unknown>;
    const odata = outer.error && typeof outer.error === "object" && !Array.isArray(outer.error);
    const fields = (odata ? outer.error : outer) as Record<string, unknown>;
    code = typeof fields.name === "string" ? fields.name : odata ? fields.code : fields.error;
    message = fields.message ?? fields.error_description ?? fields.detail;
  } else if (typeof body === "string" && body.trim() && !/^\s*</.test(body)) {
    message = body;
  }
  return {
    ...(typeof code === "string" && /^[A-Za-z0-9_.-]{1,64}$/.test(code)
      ? { code: redactCode(code, secrets) }
      : {}),
    ...(typeof message === "string" && message.trim()
      ? { serverMessage: scrubMessage(message, secrets) }
      : {}),
  };
}

/**
 * An error code as it may be shown: the code itself, or {@link REDACTED} when it is (or holds) a
 * secret, which a server that echoes its input may put there as well as in the message.
 */
export function redactCode(code: string, secrets: readonly string[]): string {
  return redact(code, secrets) === code ? code : REDACTED;
}

/** Redacts, flattens whitespace and truncates a server-provided message. */
export function scrubMessage(message: string, secrets: readonly string[]): string {
  const flat = redact(message, secrets).replace(/\s+/g, " ").trim();
  if (flat.length <= MAX_SERVER_MESSAGE_LENGTH) {
    return flat;
  }
  // The cut comes after redaction, so it can shorten a mask but never uncover what it hid.
  return `${flat.slice(0, MAX_SERVER_MESSAGE_LENGTH - 1)}…`;
}
