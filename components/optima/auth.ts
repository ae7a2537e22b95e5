/**
 * Access tokens for the Optima APIs.
 *
 * Owns the token request of each credential flavor (Flexera One refresh token, Flexera One
 * service account, legacy RightScale refresh token), the cache (a token is reused until shortly
 * before `expires_in`) and single-flight: concurrent callers share one token request, and
 * {@link TokenSource.invalidate} drops a token only if it is still the cached one, so that many
 * requests rejected with the same stale token cause one refresh between them.
 *
 * The request building and response parsing are pure functions; {@link TokenSource} adds the
 * I/O (through the HTTP layer) and the cache. Failures surface as {@link HttpError}s, which the
 * client turns into user-facing errors.
 */

import { HttpError, HttpOptions, HttpRequestSpec, formatSeconds, redact, sendHttp } from "../http";
import { OptimaConnection } from "./connection";

/** The header the legacy RightScale token endpoint requires. */
export const LEGACY_API_VERSION_HEADER = { "X-API-Version": "1.5" } as const;

/** Lifetime assumed when a token response carries no usable `expires_in`, in seconds. */
export const DEFAULT_EXPIRES_IN_SECONDS = 300;

/**
 * Longest lifetime believed from a token response's `expires_in`, in seconds (a day; Flexera
 * issues tokens for one or two hours). A larger value, or an absurd one such as `1e308`, is
 * clamped to it: a token is then asked for again after a day at most, and no date computed from
 * it is out of range.
 */
export const MAX_EXPIRES_IN_SECONDS = 86_400;

/** Longest margin before expiry at which a cached token is replaced, in ms. */
export const MAX_REFRESH_MARGIN_MS = 60_000;

/** An access token and the time (ms since the epoch) from which it should no longer be used. */
export interface AccessToken {
  readonly value: string;
  readonly refreshAt: number;
}

/** The grant a connection uses, for logs and messages. */
export function grantType(connection: OptimaConnection): "refresh_token" | "client_credentials" {
  return connection.credential.kind === "service-account" ? "client_credentials" : "refresh_token";
}

/**
 * The token request for a connection: a form POST to `authUrl`. Marked retryable: asking for
 * a token again creates nothing.
 */
export function tokenRequestSpec(connection: OptimaConnection): HttpRequestSpec {
  const { credential } = connection;
  const form: Record<string, string> =
    credential.kind === "service-account"
      ? {
          grant_type: "client_credentials",
          client_id: credential.clientId,
          client_secret: credential.clientSecret,
        }
      : { grant_type: "refresh_token", refresh_token: credential.refreshToken };
  return {
    method: "POST",
    url: connection.authUrl,
    form,
    retryable: true,
    ...(connection.authFlavor === "rightscale-legacy" ? { headers: { ...LEGACY_API_VERSION_HEADER } } : {}),
  };
}

/** How long before expiry a token is replaced: a tenth of its lifetime, at most a minute. */
export function refreshMargin(lifetimeMs: number): number {
  return Math.min(MAX_REFRESH_MARGIN_MS, lifetimeMs / 10);
}

/**
 * Reads a token response (`{access_token, expires_in, token_type}`) received for a request sent
 * at `sentAt`. Returns `undefined` when there is no access token in it.
 */
export function parseTokenResponse(data: unknown, sentAt: number): AccessToken | undefined {
  if (!data || typeof data !== "object") {
    return undefined;
  }
  const { access_token: value, expires_in: expiresIn } = data as Record<string, unknown>;
  if (typeof value !== "string" || value === "") {
    return undefined;
  }
  const seconds = Number(expiresIn);
  const lifetimeMs =
    (seconds > 0 // false for NaN; Infinity is clamped like any other absurd value
      ? Math.min(seconds, MAX_EXPIRES_IN_SECONDS)
      : DEFAULT_EXPIRES_IN_SECONDS) * 1000;
  return { value, refreshAt: sentAt + lifetimeMs - refreshMargin(lifetimeMs) };
}

export interface TokenSourceOptions {
  /** HTTP settings for token requests (retry policy, sleep, extra secrets to mask). */
  readonly http?: HttpOptions;
  /** Clock in ms since the epoch. Default: `Date.now`. */
  readonly now?: () => number;
  /** Receives one line per token request and retry; lines never contain a credential. */
  readonly log?: (message: string) => void;
}

/** Hands out access tokens for one connection: cached, shared between concurrent callers, refreshed on demand. */
export class TokenSource {
  // Set in the constructor, no `#private` (../serialization, rules 2 and 3).
  private readonly connection: OptimaConnection;
  private readonly options: TokenSourceOptions;
  private cached: AccessToken | undefined;
  private pending: Promise<AccessToken> | undefined;
  private sent: number;

  constructor(connection: OptimaConnection, options: TokenSourceOptions = {}) {
    this.connection = connection;
    this.options = options;
    this.cached = undefined;
    this.pending = undefined;
    this.sent = 0;
  }

  /** HTTP requests sent to the token endpoint so far (retries included). */
  get requestsSent(): number {
    return this.sent;
  }

  /**
   * A valid access token: the cached one, the one a concurrent caller is already fetching, or
   * a new one. Rejects with an {@link HttpError} when the token endpoint refuses or fails.
   */
  async getToken(): Promise<string> {
    const now = this.now();
    if (this.cached && now < this.cached.refreshAt) {
      return this.cached.value;
    }
    if (!this.pending) {
      this.pending = this.fetchToken().finally(() => {
        this.pending = undefined;
      });
    }
    return (await this.pending).value;
  }

  /**
   * Reports that `token` was rejected. The cache is dropped only if it still holds that token,
   * so callers that were all rejected with the same token trigger a single refresh.
   */
  invalidate(token: string): void {
    if (this.cached?.value === token) {
      this.cached = undefined;
    }
  }

  private async fetchToken(): Promise<AccessToken> {
    const connection = this.connection;
    const spec = tokenRequestSpec(connection);
    const path = new URL(connection.authUrl).pathname;
    const http = this.options.http ?? {};
    const secrets = [...credentialValues(connection), ...(http.secrets ?? [])];
    const log = (message: string) => this.options.log?.(redact(message, secrets));
    log(`optima: requesting an access token (${grantType(connection)} grant, POST ${path})`);

    const sentAt = this.now();
    let attempts = 0;
    const now = http.now ?? this.options.now;
    const response = await sendHttp(spec, {
      ...http,
      ...(now ? { now } : {}),
      secrets,
      onAttempt: (attempt) => {
        attempts = attempt;
        this.sent++;
        http.onAttempt?.(attempt);
      },
      onRetry: (info) => {
        log(
          `optima: token request POST ${path} failed (${info.reason}); retrying in ${formatSeconds(info.delayMs)}`,
        );
        http.onRetry?.(info);
      },
    });
    const token = parseTokenResponse(response.data, sentAt);
    if (!token) {
      throw new HttpError({
        method: "POST",
        path,
        kind: "status",
        status: response.status,
        code: "invalid_token_response",
        serverMessage: "the response carries no access_token",
        attempts,
      });
    }
    this.cached = token;
    log(`optima: access token obtained, reused until ${new Date(token.refreshAt).toISOString()}`);
    return token;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/** The credential's secret values, to be masked wherever they might show up. */
export function credentialValues(connection: OptimaConnection): string[] {
  const { credential } = connection;
  return credential.kind === "service-account" ? [credential.clientSecret] : [credential.refreshToken];
}
