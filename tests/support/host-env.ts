/**
 * What the benchmark, the rehearsal and the host tests share beside the engine model
 * (./engine/model, which says how the engine orders provider calls):
 *
 * - the host environment every bench (and host test) host gets: no `OPTIMA_*` variable from the
 *   caller's shell leaks in;
 * - the stack config pointing the registration provider at the emulator, and the same settings
 *   as the environment the bin's subcommands read;
 * - the emulator's request log, counted without under-counting;
 * - secret fingerprints and masked bodies for output, and a deadline for a whole run.
 *
 * Nothing here prints; callers decide what to show.
 */
import { createHash } from "node:crypto";
import type { Emulator, EmulatorRequest } from "../../tools/emulator/index";
import { MAX_RECORDED_REQUESTS } from "../../tools/emulator/state";
import { seconds } from "../../tools/figures";

// ---------------------------------------------------------------------------------------------
// Hosts pointed at the emulator

/** Every environment variable the registration provider falls back to: removed from the hosts' environment. */
export const OPTIMA_ENV = [
  "OPTIMA_REFRESH_TOKEN",
  "OPTIMA_SERVICE_ACCOUNT_ID",
  "OPTIMA_SERVICE_ACCOUNT_SECRET",
  "OPTIMA_REGION",
  "OPTIMA_API_URL",
  "OPTIMA_FLEXERA_API_URL",
  "OPTIMA_AUTH_URL",
] as const;

/**
 * The environment of a bench or host-test host: the caller's, minus every `OPTIMA_*` fallback, so
 * that a real credential or URL in the shell can neither be used nor change the result.
 */
export function isolatedHostEnv(): Record<string, string | undefined> {
  return Object.fromEntries(OPTIMA_ENV.map((key) => [key, undefined]));
}

/**
 * The stack config (`optima:*`, as `Configure` receives it) that points the registration
 * provider at the emulator, with the emulator's fixed, non-secret demo refresh token.
 */
export function emulatorStackConfig(emulator: Emulator, refreshToken: string): Record<string, string> {
  return {
    "optima:refreshToken": refreshToken,
    "optima:apiUrl": emulator.apiUrl,
    "optima:flexeraApiUrl": emulator.flexeraApiUrl,
    "optima:authUrl": emulator.authUrl,
  };
}

/**
 * The same settings as the `OPTIMA_*` environment variables the bin's subcommands read (they have
 * no stack config), for a subcommand run against the emulator.
 */
export function emulatorOptimaEnv(emulator: Emulator, refreshToken: string): Record<string, string> {
  return {
    OPTIMA_REFRESH_TOKEN: refreshToken,
    OPTIMA_AUTH_URL: emulator.authUrl,
    OPTIMA_API_URL: emulator.apiUrl,
    OPTIMA_FLEXERA_API_URL: emulator.flexeraApiUrl,
  };
}

/**
 * Runs a call that must fail and returns its error message, also added to `messages` (what the
 * test scans for secrets at its end); throws when the call succeeds.
 */
export async function failureMessage(run: () => Promise<unknown>, messages: string[]): Promise<string> {
  try {
    await run();
  } catch (error) {
    const message = (error as Error).message;
    messages.push(message);
    return message;
  }
  throw new Error("expected the call to fail");
}

// ---------------------------------------------------------------------------------------------
// The emulator's request log

/** A point in the emulator's request log: the last request received so far (undefined: none yet). */
export type LogMark = EmulatorRequest | undefined;

export function markLog(emulator: Emulator): LogMark {
  return emulator.requests[emulator.requests.length - 1];
}

/**
 * The requests received after `mark`. Throws when the log (which keeps the last
 * {@link MAX_RECORDED_REQUESTS}) may have dropped some of them, rather than under-count.
 */
export function requestsSince(emulator: Emulator, mark: LogMark): EmulatorRequest[] {
  const log = emulator.requests;
  const start = mark === undefined ? 0 : log.lastIndexOf(mark) + 1;
  if ((mark === undefined && log.length >= MAX_RECORDED_REQUESTS) || (mark !== undefined && start === 0)) {
    throw new Error(
      `the emulator's request log (the last ${MAX_RECORDED_REQUESTS} requests) overflowed, so requests cannot be counted; use fewer registrations`,
    );
  }
  return log.slice(start);
}

/** Whether a request went to a token endpoint (Flexera One, legacy RightScale or the simulated Entra ID). */
export function isTokenRequest(request: EmulatorRequest): boolean {
  return (
    request.path === "/oidc/token" || request.path === "/api/oauth2" || request.path.startsWith("/entra/")
  );
}

// ---------------------------------------------------------------------------------------------
// Output

/**
 * A short fingerprint of a secret for output: `sha256:` and the first 12 hex digits of its
 * SHA-256. It shows which key is which without revealing a single character of it.
 */
export function fingerprint(secret: string): string {
  return `sha256:${createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 12)}`;
}

/** Field names whose values are never shown, only fingerprinted. */
const SECRET_FIELD = /secret|password|token|assertion/i;

/**
 * A JSON or form body as `name=value` pairs for output: values of secret-named fields, and any
 * value equal to a known secret, become fingerprints. Nested objects are shown by their keys only.
 */
export function maskedFields(body: unknown, knownSecrets: ReadonlySet<string>): string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return body === undefined ? "" : "(body not shown)";
  }
  return Object.entries(body as Record<string, unknown>)
    .map(([name, value]) => {
      if (typeof value === "string" && (SECRET_FIELD.test(name) || knownSecrets.has(value))) {
        return `${name}=${fingerprint(value)}`;
      }
      if (typeof value === "object" && value !== null) {
        return `${name}={${Object.keys(value).join(",")}}`;
      }
      return `${name}=${String(value)}`;
    })
    .join(" ");
}

/**
 * Rejects when `run` takes longer than `ms`. The caller closes what `run` waits on (hosts, the
 * emulator) in its `finally`, which ends the abandoned work. The timer never keeps the process alive.
 */
export async function withDeadline<T>(what: string, ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds(ms)}`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
