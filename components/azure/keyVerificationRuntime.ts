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
 * - check and diff: the pure rules of ./keyVerificationRules, re-exported here (no I/O; preview
 *   never reaches Entra ID).
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

import { backoffDelay, isHttpError, resolvePolicy, sendHttp } from "../http";
import { completeError } from "../serialization";
import {
  KEY_VERIFICATION_ERROR,
  type KeyVerificationInputs,
  type KeyVerificationOutputs,
} from "./keyVerificationRules";

// The pure rules and defaults, re-exported: serialized providers of every version call
// `checkKeyVerificationInputs` and `diffKeyVerification` on this module (see CHANGELOG.md).
export * from "./keyVerificationRules";

/** Backoff between token requests: 1 s doubling to at most 15 s (±25 % jitter). */
export const VERIFY_BACKOFF = Object.freeze({ baseDelayMs: 1_000, maxDelayMs: 15_000 });
/** Deadline of one token request, in ms: what is left of the overall timeout, within these bounds. */
export const REQUEST_TIMEOUT_MS = Object.freeze({ min: 5_000, max: 30_000 });

/** Injected effects, for tests; the host uses the real clock and timers. */
export interface VerifyDeps {
  readonly now?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  /** Called after each refused attempt with a scrubbed reason (no secret). */
  readonly onRefused?: (attempt: number, reason: string) => void;
}

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
