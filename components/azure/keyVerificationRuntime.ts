/**
 * The key-verification provider's implementation, loaded by the dynamic-provider host.
 *
 * Proves that a new client secret works at Entra ID before it is handed to Optima: a
 * client-credentials token request to `{authorityHost}/{tenantId}/oauth2/v2.0/token` for the
 * Partner Center scope, repeated with capped backoff while Entra ID still refuses the new secret
 * (`AADSTS7000215`, which can last from seconds to over ten minutes after the key exists), until
 * `timeoutSeconds` have passed. The token is thrown away; only the fact that one was issued is
 * kept.
 *
 * Lifecycle, as `keyVerificationProvider` (./keyVerification) maps it:
 * - check: validates the inputs without any I/O (preview never reaches Entra ID).
 * - diff: a different key ID, app, tenant or scope is a replacement (a new proof; a new secret
 *   always comes with a new key ID); the authority host or timeout alone update the record in
 *   place without a request.
 * - create: the proof itself (the only method that sends a request). No read and no delete:
 *   a proof is a fact about the past, and there is nothing to undo.
 *
 * The secret arrives as an input (marked secret by the resource) and never leaves this module:
 * it is not returned in outputs, and errors carry the HTTP status, the OAuth error and the
 * AADSTS code only. Sending, per-request deadlines, redaction and error conversion are the HTTP
 * layer's (../http), whose backoff this module reuses. The retry loop is this module's, because
 * its bound is the verification's own deadline: it asks the HTTP layer for one attempt at a time
 * and retries the propagation delay, 429 (honouring `Retry-After`), 5xx, timeouts and network
 * failures until `timeoutSeconds` have passed (a last request may run up to 5 s past it), and
 * never more than a fixed count of times.
 */

import { backoffDelay, isHttpError, isLoopbackHost, resolvePolicy, sendHttp, shownUrl } from "../http";
import { isGuid } from "../formats";
import { completeError } from "../serialization";
import { isUnknown } from "../unknown";

/** The public Azure cloud's authority host. Sovereign clouds use their own (e.g. `https://login.microsoftonline.us`). */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
/** The scope the token is requested for: the Partner Center API, which the Web App exists to call. */
export const PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default";
/** How long to wait for Entra ID to accept a new key, in seconds. */
export const DEFAULT_VERIFY_TIMEOUT_SECONDS = 900;
/** The longest wait accepted, in seconds. */
export const MAX_VERIFY_TIMEOUT_SECONDS = 3600;

/** Backoff between token requests: 1 s doubling to at most 15 s (±25 % jitter). */
export const VERIFY_BACKOFF = Object.freeze({ baseDelayMs: 1_000, maxDelayMs: 15_000 });
/** Deadline of one token request, in ms: what is left of the overall timeout, within these bounds. */
export const REQUEST_TIMEOUT_MS = Object.freeze({ min: 5_000, max: 30_000 });

/** The provider's plain inputs. */
export interface KeyVerificationInputs {
  readonly tenantId: string;
  readonly clientId: string;
  /** The key's ID (`keyId` of the application password): what the verification is keyed on. */
  readonly keyId: string;
  /** The client secret to prove. Never returned, logged or put in an error. */
  readonly secret: string;
  readonly authorityHost: string;
  readonly timeoutSeconds: number;
  readonly scope: string;
}

/** The provider's outputs: the inputs without the secret, and when and how the proof was made. */
export interface KeyVerificationOutputs {
  readonly tenantId: string;
  readonly clientId: string;
  readonly keyId: string;
  readonly authorityHost: string;
  readonly timeoutSeconds: number;
  readonly scope: string;
  /** When Entra ID first issued a token for the key (RFC 3339). */
  readonly verifiedAt: string;
  /** Token requests it took. */
  readonly attempts: number;
}

/** Injected effects, for tests; the host uses the real clock and timers. */
export interface VerifyDeps {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after each refused attempt with a scrubbed reason (no secret). */
  readonly onRefused?: (attempt: number, reason: string) => void;
}

/** The `name` of the errors this module throws: a key Entra ID would not accept; the message says what to do. */
export const KEY_VERIFICATION_ERROR = "KeyVerificationError";

/** A key Entra ID would not accept; crosses into the host as ../serialization says. */
export class KeyVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = KEY_VERIFICATION_ERROR;
    completeError(this, message);
  }
}

/** A {@link KeyVerificationError}. */
export function keyVerificationError(message: string): Error {
  return new KeyVerificationError(message);
}

// ---------------------------------------------------------------------------------------------
// check / diff: pure

/** The failures of a set of inputs, each naming its field; unknown (preview) values pass. */
export function checkKeyVerificationInputs(news: Partial<Record<keyof KeyVerificationInputs, unknown>>): {
  property: string;
  reason: string;
}[] {
  const failures: { property: string; reason: string }[] = [];
  const known = (value: unknown): boolean => !isUnknown(value);
  for (const field of ["tenantId", "clientId", "keyId"] as const) {
    const value = news[field];
    if (known(value) && !isGuid(value)) {
      failures.push({
        property: field,
        reason: `${field} must be a GUID; got ${JSON.stringify(value ?? null)}.`,
      });
    }
  }
  // As the registration's check: white space alone is no secret (Entra ID would refuse it).
  if (known(news.secret) && !(typeof news.secret === "string" && news.secret.trim().length > 0)) {
    failures.push({ property: "secret", reason: "secret must be a non-empty string." });
  }
  if (known(news.authorityHost)) {
    const problem = authorityHostProblem(news.authorityHost);
    if (problem) {
      failures.push({ property: "authorityHost", reason: problem });
    }
  }
  if (known(news.timeoutSeconds)) {
    const problem = timeoutSecondsProblem(news.timeoutSeconds);
    if (problem) {
      failures.push({ property: "timeoutSeconds", reason: problem });
    }
  }
  if (known(news.scope) && !(typeof news.scope === "string" && news.scope.trim().length > 0)) {
    failures.push({ property: "scope", reason: "scope must be a non-empty string." });
  }
  return failures;
}

/**
 * Why an authority host is not acceptable, or undefined when it is: an `https://` URL with no
 * path beyond `/`, query or credentials; `http://` only for a loopback host (the local emulator).
 */
export function authorityHostProblem(value: unknown): string | undefined {
  const expected = `authorityHost must be an https:// URL with no path, such as ${DEFAULT_AUTHORITY_HOST} (http:// only for 127.0.0.1 or localhost)`;
  if (typeof value !== "string") {
    return `${expected}; got ${JSON.stringify(value ?? null)}.`;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: a value that is not a URL may be a credential set under the wrong key.
    return `${expected}; its value is not a URL (not shown).`;
  }
  const loopback = isLoopbackHost(url.hostname);
  // A path is allowed only on loopback (the local emulator serves Entra ID under /entra): on a
  // real authority a path such as /common or /<tenant> would put the tenant in the URL twice.
  const pathAllowed = loopback || url.pathname === "/";
  if (
    !(url.protocol === "https:" || (url.protocol === "http:" && loopback)) ||
    url.username ||
    url.password ||
    url.search ||
    url.hash ||
    !pathAllowed
  ) {
    // Scheme, host and path only: query and user info may hold a secret.
    return `${expected}; got ${JSON.stringify(shownUrl(url))}.`;
  }
  return undefined;
}

/** Why a timeout is not acceptable, or undefined when it is: whole seconds from 1 to 3600. */
export function timeoutSecondsProblem(value: unknown): string | undefined {
  if (
    typeof value === "number" &&
    Number.isInteger(value) &&
    value >= 1 &&
    value <= MAX_VERIFY_TIMEOUT_SECONDS
  ) {
    return undefined;
  }
  return `timeoutSeconds must be a whole number of seconds from 1 to ${MAX_VERIFY_TIMEOUT_SECONDS}; got ${JSON.stringify(value ?? null)}.`;
}

/** Inputs whose change means a new proof (a replacement). */
export const REPLACE_ON = ["keyId", "secret", "tenantId", "clientId", "scope"] as const;
/** Inputs whose change only updates the record. */
export const UPDATE_ON = ["authorityHost", "timeoutSeconds"] as const;

/**
 * Which inputs changed. `olds` are the outputs in state, which hold no secret: a different secret
 * is only seen through a different key ID, which Azure AD gives every new key.
 */
export function diffKeyVerification(
  olds: Partial<KeyVerificationOutputs>,
  news: Partial<KeyVerificationInputs>,
): { changes: boolean; replaces: string[] } {
  const before = olds as Record<string, unknown>;
  const after = news as Record<string, unknown>;
  // A field missing from an older state shape is not a change.
  const changed = (field: string): boolean => field in before && before[field] !== after[field];
  const replaces = REPLACE_ON.filter(changed);
  const updates = UPDATE_ON.filter(changed);
  return { changes: replaces.length + updates.length > 0, replaces: [...replaces] };
}

// ---------------------------------------------------------------------------------------------
// The proof: I/O

/** The token endpoint of a tenant at an authority host. */
export function tokenEndpoint(authorityHost: string, tenantId: string): string {
  return `${authorityHost.replace(/\/+$/, "")}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`;
}

/** How an answer of Entra ID is read. */
export type TokenAnswer =
  | { readonly kind: "accepted" }
  /** The key is not accepted yet (propagation delay), or the endpoint failed in a way that may pass: try again. */
  | { readonly kind: "retry"; readonly reason: string; readonly retryAfterMs?: number }
  /** Entra ID refused for a reason time will not fix. */
  | { readonly kind: "refused"; readonly reason: string; readonly advice: string };

/**
 * Classifies a failed token request: pure. `AADSTS7000215` (invalid client secret) is what a
 * key that has not propagated yet gets, and so is a bare `invalid_client`; timeouts, network
 * failures and 429/5xx that outlived the HTTP layer's own retries are worth another try too.
 */
export function classifyTokenFailure(error: unknown, scope?: string): TokenAnswer {
  if (!isHttpError(error)) {
    const name = typeof error === "object" && error !== null ? (error as { name?: unknown }).name : undefined;
    return { kind: "refused", reason: `unexpected ${typeof name === "string" ? name : "error"}`, advice: "" };
  }
  if (error.kind !== "status") {
    return {
      kind: "retry",
      reason:
        error.kind === "timeout"
          ? "the request timed out"
          : error.kind === "answer"
            ? `HTTP ${error.status} ${error.problem ?? "that cannot be used"}`
            : `network error${error.code ? ` ${error.code}` : ""}`,
    };
  }
  const aadsts = /AADSTS(\d+)/.exec(error.serverMessage ?? "")?.[1];
  const reason = [`HTTP ${error.status}`, error.code, aadsts ? `AADSTS${aadsts}` : undefined]
    .filter(Boolean)
    .join(" ");
  const status = error.status ?? 0;
  if (status === 429 || status >= 500) {
    return {
      kind: "retry",
      reason,
      ...(error.retryAfterMs !== undefined ? { retryAfterMs: error.retryAfterMs } : {}),
    };
  }
  if (aadsts === "7000215" || (aadsts === undefined && error.code === "invalid_client")) {
    return { kind: "retry", reason };
  }
  return { kind: "refused", reason, advice: adviceFor(aadsts, error.code, scope) };
}

function adviceFor(aadsts: string | undefined, code: string | undefined, scope?: string): string {
  switch (aadsts) {
    case "7000222":
      return " The key has expired: replace it with `pulumi up --replace <URN of the key>`.";
    case "700016":
      return " The app is not in that tenant: check webApp.clientId and that the deploying identity is signed in to the Web App's tenant.";
    case "90002":
      return " The tenant was not found at this authority host: check the tenant and that verify.authorityHost matches the cloud the tenant is in.";
    case "7000218":
      return " No client secret reached Entra ID: the key's value was empty.";
    case "500011":
      // "The resource principal named … was not found in the tenant": the scope names a resource
      // of another cloud (the public Partner Center, asked of a 21Vianet tenant, say).
      return (
        ` The scope${scope ? ` ${scope}` : ""} names a resource that is not in the tenant's cloud: set verify.scope ` +
        "(stack config verifyScope) to the Partner Center resource of that cloud followed by /.default, e.g. " +
        "https://partner.partnercenterapi.microsoftonline.cn/.default for Partner Center operated by 21Vianet, and " +
        "check that verify.authorityHost (verifyAuthorityHost) is that cloud's authority host."
      );
    default:
      return code === "invalid_scope" ? " The scope is not valid for this app." : "";
  }
}

/**
 * Requests a token with the key until Entra ID accepts it or `timeoutSeconds` have passed.
 * Resolves with the number of requests made; rejects with a {@link keyVerificationError} that
 * holds no secret.
 */
export async function verifyKey(
  inputs: KeyVerificationInputs,
  deps: VerifyDeps = {},
): Promise<{ attempts: number; verifiedAt: string }> {
  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = deps.random ?? Math.random;
  const timeoutMs = inputs.timeoutSeconds * 1000;
  const deadline = now() + timeoutMs;
  // A second bound besides the deadline: even with a clock that does not move, the loop ends.
  const maxAttempts = Math.ceil(timeoutMs / VERIFY_BACKOFF.baseDelayMs) + 1;
  const backoff = resolvePolicy({ ...VERIFY_BACKOFF, maxAttempts: 1 });
  const url = tokenEndpoint(inputs.authorityHost, inputs.tenantId);
  const what = `key ${inputs.keyId} of app ${inputs.clientId} in tenant ${inputs.tenantId}`;

  let last = "";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const remaining = deadline - now();
    let answer: TokenAnswer;
    try {
      const response = await sendHttp<{ access_token?: unknown }>(
        {
          method: "POST",
          url,
          form: {
            grant_type: "client_credentials",
            client_id: inputs.clientId,
            client_secret: inputs.secret,
            scope: inputs.scope,
          },
          retryable: true, // a token request changes nothing; repeating it is harmless
          timeoutMs: Math.min(REQUEST_TIMEOUT_MS.max, Math.max(REQUEST_TIMEOUT_MS.min, remaining)),
        },
        // One attempt per call: this loop retries every kind of failure until the deadline, so
        // retries inside the HTTP layer would only stretch the deadline.
        { policy: { maxAttempts: 1 }, secrets: [inputs.secret], sleep, random, now },
      );
      answer =
        typeof response.data?.access_token === "string" && response.data.access_token.length > 0
          ? { kind: "accepted" }
          : { kind: "retry", reason: `HTTP ${response.status} without an access token` };
    } catch (error) {
      answer = classifyTokenFailure(error, inputs.scope);
    }

    if (answer.kind === "accepted") {
      return { attempts: attempt, verifiedAt: new Date(now()).toISOString() };
    }
    if (answer.kind === "refused") {
      throw keyVerificationError(
        `Entra ID refused the ${what} at ${inputs.authorityHost} (${answer.reason}); the key was not handed to Optima.${answer.advice}`,
      );
    }
    last = answer.reason;
    deps.onRefused?.(attempt, last);
    const left = deadline - now();
    if (left <= 0 || attempt === maxAttempts) {
      return fail(attempt);
    }
    const wait = Math.max(backoffDelay(attempt, backoff, random), answer.retryAfterMs ?? 0);
    await sleep(Math.min(wait, left));
  }
  return fail(maxAttempts);

  function fail(attempts: number): never {
    throw keyVerificationError(
      `Entra ID did not accept the new ${what} at ${inputs.authorityHost} within ${inputs.timeoutSeconds} s ` +
        `(${attempts} token request${attempts === 1 ? "" : "s"}; last answer: ${last}). A new key can take more than ` +
        `ten minutes to be accepted. The key was not handed to Optima, which keeps the previous key; run ` +
        `\`pulumi up\` again to retry this step, or raise the verification timeout (verifyTimeoutSeconds).`,
    );
  }
}

/** `create`: proves the key; the ID is the key's ID. */
export async function createKeyVerification(
  inputs: KeyVerificationInputs,
  deps?: VerifyDeps,
): Promise<{ id: string; outs: KeyVerificationOutputs }> {
  const { attempts, verifiedAt } = await verifyKey(inputs, deps);
  return { id: inputs.keyId, outs: { ...recordOf(inputs), verifiedAt, attempts } };
}

/** `update`: only the authority host or timeout changed; the proof stands, no request is sent. */
export async function updateKeyVerification(
  olds: KeyVerificationOutputs,
  news: KeyVerificationInputs,
): Promise<{ outs: KeyVerificationOutputs }> {
  return { outs: { ...recordOf(news), verifiedAt: olds.verifiedAt, attempts: olds.attempts } };
}

/** The inputs without the secret. */
function recordOf(inputs: KeyVerificationInputs): Omit<KeyVerificationOutputs, "verifiedAt" | "attempts"> {
  return {
    tenantId: inputs.tenantId,
    clientId: inputs.clientId,
    keyId: inputs.keyId,
    authorityHost: inputs.authorityHost,
    timeoutSeconds: inputs.timeoutSeconds,
    scope: inputs.scope,
  };
}
