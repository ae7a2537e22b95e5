/**
 * The Optima client of the dynamic-provider host process, the one home of the connection state
 * both Optima providers' implementations use (./runtime for registrations, ./childOrgRuntime for
 * child orgs): the stack config `configure` received, and one {@link OptimaClient} resolved from
 * it at the first API call, so that every resource of the process shares one access token.
 *
 * - The only module-level state is {@link host}, created empty here. It is filled in the host
 *   process (by {@link keepStackConfig}, then by {@link optimaClient}) and never in the Pulumi
 *   program, so no credential is ever serialized into state.
 * - Settings come from stack config (`optima:*` keys; none in the provider plugin, which never
 *   configures: the environment alone there, and a missing credential names only `OPTIMA_*`), hosts and region key by key falling back to
 *   the environment (`OPTIMA_*`), the credential whole from one source (./connection), resolved
 *   at the first API call: `check` and `diff` need neither credentials nor network.
 * - Serialized by value inside this repository with the runtime that imports it: ../serialization's
 *   rules apply.
 */
import { OptimaClient } from "./client";
import { ENVIRONMENT_ONLY, resolveConnection, type ConfigSource, type OptimaConnection } from "./connection";

/** The host process's connection state: the one mutable object of this module. */
interface HostState {
  /**
   * Stack config as `configure` received it. The dynamic host configures before any call
   * (@pulumi/pulumi `cmd/dynamic-provider/index.js` `getProvider`); the provider plugin never does
   * (../plugin/resources), so undefined means the environment alone ({@link ENVIRONMENT_ONLY}).
   */
  config?: ConfigSource;
  /** The client for the resolved connection, created at the first API call. */
  client?: { readonly connection: OptimaConnection; readonly optima: OptimaClient };
}

/** Empty wherever the provider is serialized (the Pulumi program); filled only in the host process. */
const host: HostState = {};

/**
 * Keeps the stack config a provider's `configure` received, for the first API call.
 * `config.get("optima:refreshToken")` reads the namespaced key as it is (the host only prefixes
 * keys without a namespace).
 */
export function keepStackConfig(config: ConfigSource): void {
  host.config = config;
}

/** The client of this host process, created (and its connection resolved) on first use. */
export function optimaClient(): OptimaClient {
  const connection = resolveConnection(host.config ?? ENVIRONMENT_ONLY, process.env);
  if (host.client === undefined || !sameConnection(host.client.connection, connection)) {
    host.client = { connection, optima: new OptimaClient(connection) };
  }
  return host.client.optima;
}

function sameConnection(a: OptimaConnection, b: OptimaConnection): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
