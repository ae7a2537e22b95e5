/**
 * The local Optima + Entra ID emulator: `startEmulator()` binds a real `node:http` server on
 * 127.0.0.1 and returns the handle tests, `npm run emulator`, the benchmark and the rehearsal use.
 *
 * This module only wires things together: the wire format and validation live in `./wire`, the
 * in-memory state in `./state`, routing in `./server`. It is written from the Optima API contract
 * (docs/optima-api.md), never from the client in `components/`.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SimulatedClock } from "./clock";
import { GRAPH_PREFIX } from "./graph";
import { PARTNER_CENTER_AUDIENCE, PARTNER_CENTER_PREFIX } from "./partnerCenter";
import { createListener, type ServerConfig } from "./server";
import { EmulatorState } from "./state";
import type { Emulator, EmulatorOptions, StoredBillConnect, StoredCspPartner } from "./types";
import { validateBillConnectCreate, validateCspPartnerCreate } from "./wire";

export type * from "./types";

/** The refresh token the emulator accepts by default: a fixed, non-secret demo value. */
export const DEFAULT_REFRESH_TOKEN = "emulator-refresh-token";
/** `expires_in` of Flexera One access tokens unless `tokenTtlSeconds` is set. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
/** `expires_in` of legacy RightScale access tokens unless `tokenTtlSeconds` is set. */
export const DEFAULT_LEGACY_TOKEN_TTL_SECONDS = 7200;
/** The deploying identity a Graph token is issued to unless the caller names one (fixed, non-secret). */
export const DEPLOYER_CLIENT_ID = "00000000-0000-4000-8000-0000000000d1";
export const DEPLOYER_OBJECT_ID = "00000000-0000-4000-8000-0000000000d2";
/** What a deploying identity holds in the README's least-privilege setup. */
export const DEFAULT_GRAPH_ROLES: readonly string[] = [
  "Application.ReadWrite.OwnedBy",
  "Application.Read.All",
  "Domain.Read.All",
];
/** How long `close()` waits for open connections before destroying them. */
const CLOSE_TIMEOUT_MS = 5_000;

function configFrom(options: EmulatorOptions): ServerConfig {
  const ttl = options.tokenTtlSeconds;
  if (ttl !== undefined && !(Number.isFinite(ttl) && ttl > 0)) {
    throw new Error(
      `startEmulator: tokenTtlSeconds must be a positive number of seconds (got ${String(ttl)})`,
    );
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`startEmulator: port must be an integer 0-65535 (got ${String(options.port)})`);
  }
  const serviceAccounts = new Map<string, string>();
  for (const sa of options.serviceAccounts ?? []) {
    if (sa.clientId === "" || sa.clientSecret === "") {
      throw new Error("startEmulator: a service account needs a non-empty clientId and clientSecret");
    }
    serviceAccounts.set(sa.clientId, sa.clientSecret);
  }
  return {
    refreshTokens: new Set(options.refreshTokens ?? [DEFAULT_REFRESH_TOKEN]),
    serviceAccounts,
    tokenTtlSeconds: ttl ?? DEFAULT_TOKEN_TTL_SECONDS,
    legacyTokenTtlSeconds: ttl ?? DEFAULT_LEGACY_TOKEN_TTL_SECONDS,
    forbiddenOrgs: new Set(options.forbiddenOrgs ?? []),
    cspListCarriesFields: options.cspListCarriesFields ?? false,
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void =>
      reject(new Error(`emulator: cannot listen on 127.0.0.1:${port}: ${err.message}`));
    server.once("error", onError);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the emulator on 127.0.0.1 (`options.port`, default a free port). */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const config = configFrom(options);
  const clock = new SimulatedClock();
  const state = new EmulatorState(() => clock.now());
  const closing = new AbortController();
  const server = createServer(createListener(state, config, closing.signal));
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  let closed: Promise<void> | undefined;

  const emulator: Emulator = {
    url,
    authUrl: `${url}/oidc/token`,
    legacyAuthUrl: `${url}/api/oauth2`,
    apiUrl: url,
    flexeraApiUrl: url,
    entra: {
      authorityHost: `${url}/entra`,
      addSecret: (tenantId, clientId, secret, opts) =>
        state.entraAddSecret(tenantId, clientId, secret, opts?.activeAfterMs ?? 0),
      removeSecret: (tenantId, clientId, secret) => state.entraRemoveSecret(tenantId, clientId, secret),
      isValid: (tenantId, clientId, secret) => state.entraSecretIsValid(tenantId, clientId, secret),
      directory: state.directory,
      graphUrl: `${url}${GRAPH_PREFIX}`,
      graphToken: (principal) =>
        state.issueGraphToken(
          {
            tenantId: principal.tenantId,
            clientId: principal.clientId ?? DEPLOYER_CLIENT_ID,
            objectId: principal.objectId ?? DEPLOYER_OBJECT_ID,
            roles: principal.roles ?? DEFAULT_GRAPH_ROLES,
          },
          principal.token,
        ),
    },
    clock,
    requests: state.requests,
    inject: (fault) => state.inject(fault),
    clearFaults: () => state.clearFaults(),
    expireTokens: () => state.expireTokens(),
    seedCspPartner(orgId, fields): StoredCspPartner {
      const valid = validateCspPartnerCreate({
        ...fields,
        application_secret: fields.application_secret ?? `seeded-${EmulatorState.opaqueId()}`,
      });
      if (!valid.ok) {
        throw new Error(`seedCspPartner: ${valid.rejection.message}`);
      }
      const created = state.createCspPartner(orgId, valid.value);
      if (!created.ok) {
        throw new Error(`seedCspPartner: ${created.rejection.message}`);
      }
      return created.value;
    },
    seedBillConnect(orgId, fields): StoredBillConnect {
      const { onboardingOrigin, ...rest } = fields;
      const valid = validateBillConnectCreate({
        ...rest,
        clientSecret: rest.clientSecret ?? `seeded-${EmulatorState.opaqueId()}`,
      });
      if (!valid.ok) {
        throw new Error(`seedBillConnect: ${valid.rejection.message}`);
      }
      const created = state.createBillConnect(orgId, valid.value, onboardingOrigin ?? "finops");
      if (!created.ok) {
        throw new Error(`seedBillConnect: ${created.rejection.message}`);
      }
      return created.value;
    },
    partnerCenter: {
      url: `${url}${PARTNER_CENTER_PREFIX}`,
      audience: PARTNER_CENTER_AUDIENCE,
      registerPartner: (tenantId, clientId) => state.partnerCenter.registerPartner(tenantId, clientId),
      addCustomer: (partnerTenantId, customer) => state.partnerCenter.addCustomer(partnerTenantId, customer),
      removeCustomer: (partnerTenantId, customerTenantId) =>
        state.partnerCenter.removeCustomer(partnerTenantId, customerTenantId),
    },
    seedLegacyCustomers: (orgId, partnerId, items) => state.seedLegacyCustomers(orgId, partnerId, items),
    msp: {
      seed: (parentOrgId, org) => state.msp.seed(parentOrgId, org, state.nowIso()),
      childOrgs: (parentOrgId) => state.msp.list(parentOrgId),
      setCustomerLimitReached: (parentOrgId, reached) =>
        state.msp.setCustomerLimitReached(parentOrgId, reached),
    },
    cspPartners: (orgId) => state.cspPartners(orgId),
    billConnects: (orgId) => state.billConnects(orgId),
    setValidation: (billId, result) => state.setValidation(billId, result),
    reset: () => {
      state.reset();
      clock.reset();
    },
    close(): Promise<void> {
      closed ??= new Promise<void>((resolve) => {
        closing.abort();
        const force = setTimeout(() => server.closeAllConnections(), CLOSE_TIMEOUT_MS);
        force.unref();
        server.close(() => {
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      });
      return closed;
    },
  };
  return emulator;
}
