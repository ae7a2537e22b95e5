/**
 * The key verification's rules and defaults: pure, no I/O. What the program side (the
 * `KeyVerification` resource in ./keyVerification and `OptimaCspConnection` in ./cspConnection)
 * needs, without loading the host-side runtime (./keyVerificationRuntime, which sends requests):
 * the defaults, the plain inputs and outputs, `check()` (every input's rule, preview's unknown
 * values let through) and `diff()` (which changes replace the proof and which update it). The
 * runtime re-exports all of it, so that serialized providers, which call the runtime only, keep
 * finding `checkKeyVerificationInputs` and `diffKeyVerification` there.
 */

import { isGuid, shownNonGuid } from "../formats";
import { isLoopbackHost, shownUrl } from "../http/url";
import { isUnknown } from "../unknown";

// ---------------------------------------------------------------------------------------------
// The provider's plain values, and the defaults

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

/** The public Azure cloud's authority host. Sovereign clouds use their own (e.g. `https://login.microsoftonline.us`). */
export const DEFAULT_AUTHORITY_HOST = "https://login.microsoftonline.com";
/** The scope the token is requested for: the Partner Center API, which the Web App exists to call. */
export const PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default";
/** How long to wait for Entra ID to accept a new key, in seconds. */
export const DEFAULT_VERIFY_TIMEOUT_SECONDS = 900;
/** The longest wait accepted, in seconds. */
export const MAX_VERIFY_TIMEOUT_SECONDS = 3600;

/** The `name` of the errors the key verification throws: a key Entra ID would not accept; the message says what to do. */
export const KEY_VERIFICATION_ERROR = "KeyVerificationError";

// ---------------------------------------------------------------------------------------------
// check / diff

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
        reason: `${field} must be a GUID; got ${shownNonGuid(value)}.`,
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
