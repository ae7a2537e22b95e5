/**
 * OptimaClient: authenticated requests on the Optima and Flexera API hosts.
 *
 * Owns what every Optima call has in common: the host a request goes to (the Optima host for
 * the Cost Management API, with `Api-Version: 1.0`; the Flexera API host for FinOps Onboarding,
 * without it), the bearer token (from {@link TokenSource}; a 401 refreshes it once and the
 * request is sent again), request counting, and the translation of failures into
 * {@link OptimaApiError}s that say what to do, in words, with method, path and status and
 * never a secret, token or request body. Retries, deadlines and scrubbing are the HTTP layer's.
 */

import {
  HttpError,
  HttpOptions,
  HttpResponse,
  answerProblem,
  formatSeconds,
  isHttpError,
  redact,
  resolvePolicy,
  sendHttp,
} from "../http";
import { completeError } from "../serialization";
import { TokenSource, credentialValues, grantType } from "./auth";
import { OPTIMA_SETTINGS, OptimaConnection, type OptimaSetting } from "./connection";
import type { OptimaHost } from "./types";

/** The header Optima's backends require on every request (docs/optima-api.md §1A). */
export const OPTIMA_API_VERSION_HEADER = { "Api-Version": "1.0" } as const;

export interface OptimaRequest {
  readonly method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  readonly host: OptimaHost;
  /** Path on the host, starting with `/` (an absolute URL on the same host is accepted too, e.g. an `href`). */
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** JSON body. Never appears in errors or logs. */
  readonly body?: unknown;
  /** Whether sending it twice is harmless (see `HttpRequestSpec.retryable`). Default: all but POST. */
  readonly retryable?: boolean;
  /** Deadline of each attempt in ms; default: the policy's `timeoutMs`. */
  readonly timeoutMs?: number;
  /**
   * The only 2xx statuses this request's contract allows (e.g. `[204]` for an update the API
   * documents as `204`). Default: any 2xx. Either way, a 2xx answer must have an empty or JSON
   * body: anything else did not come from Optima.
   */
  readonly expectStatus?: readonly number[];
}

export interface OptimaClientOptions {
  /** HTTP settings for every request, token requests included (retry policy, sleep, extra secrets). */
  readonly http?: HttpOptions;
  /** Receives one line per token request, retry and token refresh; lines never contain a credential. */
  readonly log?: (message: string) => void;
  /** Clock in ms since the epoch, for token expiry. Default: `Date.now`. */
  readonly now?: () => number;
}

/** HTTP requests a client has sent, retries included. */
export interface OptimaClientStats {
  /** Requests to the token endpoint. */
  readonly tokenRequests: number;
  /** Requests to the Optima and Flexera API hosts. */
  readonly requests: number;
  /** Of those API requests, how many were retries (after a 429, 5xx, timeout or network error). */
  readonly retries: number;
}

/** Why an Optima request failed; same facts as the HTTP layer's, plus which endpoint. */
export interface OptimaApiErrorDetails {
  readonly method: string;
  readonly path: string;
  readonly status?: number;
  readonly code?: string;
  readonly serverMessage?: string;
  /** `answer`: a 2xx answer that cannot be Optima's (an HTML page, an unexpected status, a body cut short). */
  readonly kind?: "status" | "timeout" | "network" | "answer" | "usage";
  readonly attempts?: number;
  /** True when the failing request went to the token endpoint. */
  readonly tokenRequest?: boolean;
}

/** A failed Optima request, with a message that says what to do. Never holds a secret, token or request body. */
export class OptimaApiError extends Error {
  readonly method: string;
  readonly path: string;
  declare readonly status?: number;
  /** Goa error `name` (e.g. `not_found`), OAuth `error` (e.g. `invalid_grant`), or a network error code. */
  declare readonly code?: string;
  /** The server's own explanation, scrubbed. */
  declare readonly serverMessage?: string;
  declare readonly kind?: "status" | "timeout" | "network" | "answer" | "usage";
  declare readonly attempts?: number;
  declare readonly tokenRequest?: boolean;

  constructor(message: string, details: OptimaApiErrorDetails) {
    super(message);
    this.name = "OptimaApiError";
    completeError(this, message);
    this.method = details.method;
    this.path = details.path;
    for (const key of ["status", "code", "serverMessage", "kind", "attempts", "tokenRequest"] as const) {
      if (details[key] !== undefined) {
        Object.defineProperty(this, key, { value: details[key], enumerable: true });
      }
    }
  }
}

/** Makes authenticated requests for one connection, sharing one access token between them. */
export class OptimaClient {
  // Set in the constructor, no `#private` (../serialization, rules 2 and 3).
  private readonly connection: OptimaConnection;
  private readonly options: OptimaClientOptions;
  private readonly tokens: TokenSource;
  private readonly secrets: readonly string[];
  private counts: { requests: number; retries: number };

  constructor(connection: OptimaConnection, options: OptimaClientOptions = {}) {
    this.connection = connection;
    this.options = options;
    this.secrets = [...credentialValues(connection), ...(options.http?.secrets ?? [])];
    this.tokens = new TokenSource(connection, {
      ...(options.http ? { http: options.http } : {}),
      ...(options.now ? { now: options.now } : {}),
      log: (message) => this.log(message),
    });
    this.counts = { requests: 0, retries: 0 };
  }

  /** HTTP requests sent so far (a snapshot). */
  get stats(): OptimaClientStats {
    return { tokenRequests: this.tokens.requestsSent, ...this.counts };
  }

  /**
   * Sends an authenticated request and resolves with its 2xx response. Rejects with an
   * {@link OptimaApiError} after the HTTP layer's retries, or when a refreshed token is rejected too.
   */
  async request<T = unknown>(req: OptimaRequest): Promise<HttpResponse<T>> {
    const url = this.url(req);
    const path = new URL(url).pathname;
    let refreshed = false;
    for (;;) {
      const token = await this.token();
      let attempts = 0;
      try {
        const response = await sendHttp<T>(
          {
            method: req.method,
            url,
            headers: {
              ...(req.host === "optima" ? OPTIMA_API_VERSION_HEADER : {}),
              ...req.headers,
              Authorization: `Bearer ${token}`,
            },
            ...(req.body !== undefined ? { json: req.body } : {}),
            ...(req.retryable !== undefined ? { retryable: req.retryable } : {}),
            ...(req.timeoutMs !== undefined ? { timeoutMs: req.timeoutMs } : {}),
          },
          this.httpOptions(`${req.method} ${path}`, [token], (attempt) => (attempts = attempt)),
        );
        const problem = answerProblem(response, req.expectStatus);
        if (problem !== undefined) {
          throw new HttpError({
            method: req.method,
            path,
            kind: "answer",
            status: response.status,
            problem,
            url: `${new URL(url).origin}${path}`,
            attempts,
          });
        }
        return response;
      } catch (error) {
        if (isHttpError(error) && error.status === 401 && !refreshed) {
          // A 401 means the request was not processed, so sending it again is safe for any method.
          this.log(
            `optima: ${req.method} ${path} answered 401; refreshing the access token and retrying once`,
          );
          this.tokens.invalidate(token);
          refreshed = true;
          continue;
        }
        throw this.apiError(error, req.method, path, { host: req.host, refreshed });
      }
    }
  }

  private async token(): Promise<string> {
    try {
      return await this.tokens.getToken();
    } catch (error) {
      throw this.apiError(error, "POST", new URL(this.connection.authUrl).pathname, {
        host: "auth",
        refreshed: false,
      });
    }
  }

  /** The absolute URL of a request, refusing anything that would send the token to another host. */
  private url(req: OptimaRequest): string {
    const base = endpointOf(this.connection, req.host).url;
    let path = req.path;
    if (/^https?:\/\//i.test(path) && path.startsWith(`${base}/`)) {
      path = path.slice(base.length);
    }
    if (!path.startsWith("/") || path.startsWith("//")) {
      throw new OptimaApiError(
        `${req.method}: the request path must start with "/" and stay on the ${req.host} host (${base}); refusing to send credentials elsewhere.`,
        { method: req.method, path: "(invalid)", kind: "usage" },
      );
    }
    return `${base}${path}`;
  }

  private httpOptions(
    label: string,
    extraSecrets: readonly string[],
    onAttempt?: (attempt: number) => void,
  ): HttpOptions {
    const http = this.options.http ?? {};
    const maxAttempts = resolvePolicy(http.policy).maxAttempts;
    return {
      ...http,
      ...(http.now || !this.options.now ? {} : { now: this.options.now }),
      secrets: [...this.secrets, ...extraSecrets],
      onAttempt: (attempt) => {
        onAttempt?.(attempt);
        this.counts.requests++;
        if (attempt > 1) {
          this.counts.retries++;
        }
        http.onAttempt?.(attempt);
      },
      onRetry: (info) => {
        this.log(
          `optima: ${label} failed (${info.reason}); retrying in ${formatSeconds(info.delayMs)}` +
            ` (attempt ${info.attempt + 1} of ${maxAttempts})`,
        );
        http.onRetry?.(info);
      },
    };
  }

  private log(message: string): void {
    this.options.log?.(redact(message, this.secrets));
  }

  /** Turns any failure into an OptimaApiError whose message says what to do. */
  private apiError(
    error: unknown,
    method: string,
    path: string,
    context: { host: OptimaHost | "auth"; refreshed: boolean },
  ): OptimaApiError {
    if (error instanceof OptimaApiError) {
      return error;
    }
    if (!isHttpError(error)) {
      // Not an HTTP failure but a bug or a bad setting (e.g. a retry policy out of range, a body
      // JSON cannot encode): pass its message on, scrubbed like everything else.
      const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return new OptimaApiError(redact(`${method} ${path} failed: ${text}`, this.secrets), { method, path });
    }
    const message = redact(describeFailure(error, this.connection, context), this.secrets);
    return new OptimaApiError(message, {
      method: error.method,
      path: error.path,
      kind: error.kind,
      attempts: error.attempts,
      ...(error.status !== undefined ? { status: error.status } : {}),
      ...(error.code !== undefined ? { code: error.code } : {}),
      ...(error.serverMessage !== undefined ? { serverMessage: error.serverMessage } : {}),
      ...(context.host === "auth" ? { tokenRequest: true } : {}),
    });
  }
}

/** The URL of one of the connection's endpoints, and the setting that overrides it. */
function endpointOf(
  connection: OptimaConnection,
  host: OptimaHost | "auth",
): { readonly url: string; readonly setting: OptimaSetting } {
  switch (host) {
    case "auth":
      return { url: connection.authUrl, setting: OPTIMA_SETTINGS.authUrl };
    case "optima":
      return { url: connection.apiUrl, setting: OPTIMA_SETTINGS.apiUrl };
    case "flexera":
      return { url: connection.flexeraApiUrl, setting: OPTIMA_SETTINGS.flexeraApiUrl };
  }
}

/**
 * The user-facing message for a failed request: what failed (method, path, status, the server's
 * error name), what it means and what to change, then the server's own scrubbed words.
 */
export function describeFailure(
  error: HttpError,
  connection: OptimaConnection,
  context: { host: OptimaHost | "auth"; refreshed: boolean },
): string {
  const request = `${error.method} ${error.path}`;
  const attempts = `${error.attempts} attempt${error.attempts === 1 ? "" : "s"}`;
  const { url: base, setting: hostSetting } = endpointOf(connection, context.host);

  if (error.kind === "timeout") {
    return (
      `${request} timed out after ${formatSeconds(error.timeoutMs ?? 0)} (${attempts}): ` +
      `${new URL(base).host} did not answer in time. Try again later.`
    );
  }
  if (error.kind === "network") {
    return (
      `${request} failed: could not reach ${new URL(base).origin}${error.code ? ` (${error.code})` : ""} after ${attempts}. ` +
      `Check the network and ${hostSetting.key} (${hostSetting.env}), or optima:region.`
    );
  }

  const status = error.status ?? 0;
  const speaker = context.host === "auth" ? "The token endpoint" : "Optima";
  if (error.kind === "answer") {
    const from = error.url === undefined ? new URL(base).origin : new URL(error.url).origin;
    const who = context.host === "auth" ? "the token endpoint" : "Optima";
    return (
      `${request} failed: ${from} answered HTTP ${status}${error.problem ? ` ${error.problem}` : ""}, which is not an answer from ${who} (${attempts}). ` +
      `Something between this machine and ${who} (a proxy, a captive portal, a sign-in page) may have answered in its place, ` +
      `or the answer was damaged on the way, so ${who} may not have acted on the request. ` +
      `Check ${hostSetting.key} (${hostSetting.env}) and the network, then run again.`
    );
  }
  const head = `${request} failed: HTTP ${status}${error.code ? ` ${error.code}` : ""}`;
  const said = error.serverMessage ? ` ${speaker} said: ${JSON.stringify(error.serverMessage)}` : "";
  const credentialKeys = credentialSettings(connection);

  if (context.host === "auth") {
    if (status === 400 || status === 401 || status === 403) {
      const what =
        connection.credential.kind === "service-account"
          ? "the service account's client ID or secret"
          : connection.authFlavor === "rightscale-legacy"
            ? "the RightScale refresh token"
            : "the refresh token";
      return (
        `${head}: the token endpoint rejected ${what} (${grantType(connection)} grant). Check ${credentialKeys}; ` +
        `the credential must belong to region ${connection.region} (optima:region) and token endpoint ${connection.authUrl} (${OPTIMA_SETTINGS.authUrl.key}).${said}`
      );
    }
    if (status >= 200 && status < 300) {
      return `${head}: the token endpoint answered without an access token. Check ${OPTIMA_SETTINGS.authUrl.key} (${connection.authUrl}).${said}`;
    }
  }

  switch (status) {
    case 401:
      return (
        `${head}: Optima rejected the access token${context.refreshed ? " even after a refresh" : ""}, so the credentials are not ` +
        `accepted for this API. Check ${credentialKeys}, and optima:region.${said}`
      );
    case 403: {
      const org = /\/orgs\/([^/]+)/.exec(error.path)?.[1];
      const readOnly = error.path.includes("/bill-connects/")
        ? ' A bill connect that Flexera onboarded itself (onboardingOrigin "platform") is read-only.'
        : "";
      return (
        `${head}: permission denied. The Optima user or service account needs the role that manages billing ` +
        `configuration ("Manage organization" in Flexera One, enterprise_manager in RightScale)` +
        `${org ? ` in org ${org}` : ""}.${readOnly}${said}`
      );
    }
    case 404:
      return (
        `${head}: not found on ${base} (region ${connection.region}). Check the org ID, ${hostSetting.key} and optima:region; ` +
        `a registration deleted in Optima also reads as not found.${said}`
      );
    case 409:
      return `${head}: Optima already holds a registration for the same partnership.${said}`;
    case 400:
    case 422:
      return `${head}: Optima rejected the request's values.${said || " It gave no reason."}`;
    case 429:
      return (
        `${head}: rate limited by Optima after ${attempts} (Flexera allows about 500 requests a minute per user or ` +
        `service account). Wait a minute and run again.${said}`
      );
    default:
      if (status >= 500) {
        return `${head}: Optima had a server error after ${attempts}. Try again later.${said}`;
      }
      return `${head}.${said}`;
  }
}

function credentialSettings(connection: OptimaConnection): string {
  const S = OPTIMA_SETTINGS;
  return connection.credential.kind === "service-account"
    ? `${S.serviceAccountId.key} and ${S.serviceAccountSecret.key} (${S.serviceAccountId.env}, ${S.serviceAccountSecret.env})`
    : `${S.refreshToken.key} (${S.refreshToken.env})`;
}
