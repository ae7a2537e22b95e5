/**
 * The stack program: reads this project's configuration (every key is declared, with its type
 * and description, in Pulumi.yaml), builds one OptimaCspConnection, and exports its outputs
 * except the key itself.
 *
 * A rotation is just a scheduled `pulumi up` of this program. The Optima connection settings
 * (`optima:refreshToken`, `optima:region`, …) belong to another namespace: the registration
 * provider reads them in its own process; the component reads them too, only to look for the
 * registration before anything is written (components/azure/ownershipCheck.ts), and never stores them.
 */

import * as pulumi from "@pulumi/pulumi";
import {
  DomainSource,
  OptimaCspConnection,
  REGISTRATION_TARGETS,
  RegistrationTarget,
  checkCustomers,
} from "./components";

const config = new pulumi.Config();

// Pulumi.yaml gives every optional key a default, because the Pulumi CLI requires every declared
// key that has none. Where the component computes the value itself, that default is "" (or 0 for
// rotateAfterDays), which `|| undefined` turns back into "not set".

const keyVaultResourceGroup = config.get("keyVaultResourceGroup") || undefined;
const keyVaultName = config.get("keyVaultName") || undefined;
if ((keyVaultResourceGroup === undefined) !== (keyVaultName === undefined)) {
  throw new Error(
    "Set both optima-csp:keyVaultResourceGroup and optima-csp:keyVaultName to keep the key in Key Vault, or neither.",
  );
}

// optima-csp:clock plans the rotation for another instant than now: a preview of a future date,
// or the simulated clock of the engine scenarios. A stack that rotates on a schedule never sets it.
const clock = config.get("clock") || undefined;
const now = clock === undefined ? undefined : new Date(clock);
if (now !== undefined) {
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(clock!) ||
    Number.isNaN(now.getTime())
  ) {
    throw new Error(
      `optima-csp:clock must be an ISO 8601 date-time with Z or an offset, e.g. 2026-12-01T00:00:00Z; got ${JSON.stringify(clock)}.`,
    );
  }
  pulumi.log.warn(
    `optima-csp:clock is set: the rotation is planned for ${now.toISOString()}, not for the current time. ` +
      "Remove it (pulumi config rm optima-csp:clock) before a scheduled run.",
  );
}

// optima-csp:optimaCustomers: the CSP customers whose Flexera orgs get a bill connect of their own,
// a list of {tenantId, orgId, billingProfileId?, billingAccountId?, name?, retainOnDelete?, childOrg?}
// (childOrg instead of orgId: the customer's MSP child org, made or adopted), as YAML in the stack
// file or as JSON text. Checked whole here, before any resource or API call.
const customers = checkCustomers(
  config.get("optimaCustomers") ? config.getObject<unknown>("optimaCustomers") : undefined,
  "optima-csp:optimaCustomers",
);

const connection = new OptimaCspConnection("optima-csp", {
  webApp: {
    clientId: config.require("webAppClientId"),
    objectId: config.get("webAppObjectId") || undefined,
    adopt: config.getBoolean("adoptWebApp") ?? false,
  },
  mpnId: config.get("mpnId") || undefined,
  domain: config.get("domain") || undefined,
  domainSource: config.get<DomainSource>("domainSource", { allowedValues: ["initial", "default"] }),
  keyExpiresAfterDays: config.getNumber("keyExpiresAfterDays"),
  rotateAfterDays: config.getNumber("rotateAfterDays") || undefined,
  rotationAnchor: config.get("rotationAnchor") || undefined,
  optima: {
    orgId: config.require("optimaOrgId"),
    target: config.get<RegistrationTarget>("optimaTarget", {
      allowedValues: [...REGISTRATION_TARGETS],
    }),
    billingAccountId: config.get("billingAccountId") || undefined,
    retainOnDelete: config.getBoolean("optimaRetainOnDelete") ?? false,
    takeOverFrom: config.get("optimaTakeOverFrom") || undefined,
  },
  verify: {
    timeoutSeconds: config.getNumber("verifyTimeoutSeconds"),
    authorityHost: config.get("verifyAuthorityHost") || undefined,
    scope: config.get("verifyScope") || undefined,
  },
  now,
  customers,
  keyVault:
    keyVaultResourceGroup !== undefined && keyVaultName !== undefined
      ? { resourceGroupName: keyVaultResourceGroup, vaultName: keyVaultName }
      : undefined,
});

export const applicationObjectId = connection.applicationObjectId;
export const activeKeyId = connection.activeKeyId;
export const activeKeyExpiresAt = connection.activeKeyExpiresAt;
export const previousKeyId = connection.previousKeyId;
export const nextRotationAt = connection.nextRotationAt;
export const registrationId = connection.registrationId;
/** `pulumi up --replace "$(pulumi stack output activeKeyUrn)"` is an emergency rotation. */
export const activeKeyUrn = connection.activeKeyUrn;

// What `optima-csp status` reads (`pulumi stack output --json`): which key Optima holds, from the
// registration's own state (not activeKeyId, which a failed hand-off can already have moved on),
// and what the registration should carry. None of them is secret.
/** The Entra ID key ID of the key Optima holds, as of the last successful hand-off. */
export const optimaKeyId = connection.registration.keyId;
export const webAppClientId = connection.registration.applicationId;
export const optimaOrgId = connection.registration.orgId;
export const optimaTarget = connection.registration.target;
export const optimaMpnId = connection.registration.mpnId;
export const optimaDomain = connection.registration.domain;
/**
 * Each CSP customer's bill connect (optima-csp:optimaCustomers), by customer tenant ID: the Flexera
 * org, the bill connect's ID and the Entra ID key ID it holds, as of its last successful hand-off.
 */
export const optimaCustomers = pulumi.all(
  Object.fromEntries(
    Object.entries(connection.customerRegistrations).map(([tenantId, registration]) => [
      tenantId,
      pulumi.all({ orgId: registration.orgId, registrationId: registration.id, keyId: registration.keyId }),
    ]),
  ),
);
