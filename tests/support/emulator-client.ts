/**
 * An OptimaClient on the emulator (tools/emulator), for the tests of the wire modules
 * (components/optima/registrations.ts, childOrgs.ts): the emulator's stack config with its demo
 * refresh token, and requests that time out after `timeoutMs` and are never retried by the HTTP
 * layer, so that a test sees every request its call causes, and a timeout it injects, as they are.
 */
import { OptimaClient } from "../../components/optima/client";
import { configFromRecord, resolveConnection } from "../../components/optima/connection";
import { DEFAULT_REFRESH_TOKEN, type Emulator } from "../../tools/emulator";
import { emulatorStackConfig } from "./host-env";

/** A client whose requests time out after `timeoutMs` and are never retried by the HTTP layer. */
export function unretriedEmulatorClient(emulator: Emulator, timeoutMs = 5_000): OptimaClient {
  const connection = resolveConnection(
    configFromRecord(emulatorStackConfig(emulator, DEFAULT_REFRESH_TOKEN)),
    {},
  );
  return new OptimaClient(connection, { http: { policy: { timeoutMs, maxAttempts: 1 } } });
}
