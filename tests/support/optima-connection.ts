/**
 * A one-line summary of an OptimaConnection for tests: hosts, token endpoint flavor and
 * credential kind, never the credential itself. Only tests use it, so it lives here rather than
 * in components/optima/connection.ts.
 */
import type { OptimaConnection } from "../../components/optima/connection";

/** A one-line summary safe for logs: hosts, flavor and credential kind, never the credential itself. */
export function describeConnection(connection: OptimaConnection): string {
  const who =
    connection.credential.kind === "service-account"
      ? `service account ${connection.credential.clientId}`
      : "refresh token";
  return (
    `region ${connection.region}, Optima ${connection.apiUrl}, Flexera ${connection.flexeraApiUrl}, ` +
    `token endpoint ${connection.authUrl} (${connection.authFlavor}, ${who})`
  );
}
