/**
 * The key the key-verification tests prove (in process, tests/key-verification.test.ts, and
 * through the real host, tests/key-verification-host.test.ts): one Web App in one tenant, at the
 * emulator's Entra ID, for the Partner Center scope (components/azure/keyVerificationRules.ts
 * `KeyVerificationInputs`). Each test file brings its own secret, so that its secret scan looks
 * for its own.
 */
import { PARTNER_CENTER_SCOPE, type KeyVerificationInputs } from "../../components/azure/keyVerification";
import type { Emulator, EmulatorRequest } from "../../tools/emulator";

export const TENANT = "9d2f7c1e-5a4b-4c3d-8e9f-0a1b2c3d4e5f";
export const CLIENT = "0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f";
export const KEY_ID = "7b0c2d9e-1111-4a2b-8c3d-4e5f6a7b8c9d";

/** The inputs that prove key {@link KEY_ID} with `secret` at the emulator, with `overrides`. */
export function verificationInputs(
  emulator: Emulator,
  secret: string,
  overrides: Partial<KeyVerificationInputs> = {},
): KeyVerificationInputs {
  return {
    tenantId: TENANT,
    clientId: CLIENT,
    keyId: KEY_ID,
    secret,
    authorityHost: emulator.entra.authorityHost,
    timeoutSeconds: 60,
    scope: PARTNER_CENTER_SCOPE,
    ...overrides,
  };
}

/** The token requests the emulator's Entra ID has seen. */
export function tokenRequests(emulator: Emulator): EmulatorRequest[] {
  return emulator.requests.filter((r) => r.path.endsWith("/oauth2/v2.0/token"));
}
