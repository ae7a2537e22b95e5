/**
 * The stack program: reads this project's configuration (every key is declared, with its type
 * and description, in Pulumi.yaml), builds one OptimaCspConnection, and exports its outputs
 * except the key itself.
 *
 * A rotation is just a scheduled `pulumi up` of this program. The Optima connection settings
 * (`optima:refreshToken`, `optima:region`, …) belong to another namespace: the registration
 * provider reads them in its own process, and this program never sees them.
 */

import * as pulumi from "@pulumi/pulumi";
import { OptimaCspConnection, RegistrationTarget } from "./components";

const config = new pulumi.Config();

const keyVaultResourceGroup = config.get("keyVaultResourceGroup");
const keyVaultName = config.get("keyVaultName");
if ((keyVaultResourceGroup === undefined) !== (keyVaultName === undefined)) {
  throw new Error(
    "Set both optima-csp:keyVaultResourceGroup and optima-csp:keyVaultName to keep the key in Key Vault, or neither.",
  );
}

const connection = new OptimaCspConnection("optima-csp", {
  webApp: {
    clientId: config.require("webAppClientId"),
    objectId: config.get("webAppObjectId"),
    adopt: config.getBoolean("adoptWebApp") ?? false,
  },
  mpnId: config.get("mpnId"),
  domain: config.get("domain"),
  keyExpiresAfterDays: config.getNumber("keyExpiresAfterDays"),
  rotateAfterDays: config.getNumber("rotateAfterDays"),
  rotationAnchor: config.get("rotationAnchor"),
  optima: {
    orgId: config.require("optimaOrgId"),
    target: config.get<RegistrationTarget>("optimaTarget", {
      allowedValues: ["csp-partner", "bill-connect"],
    }),
    billingAccountId: config.get("billingAccountId"),
  },
  verify: { timeoutSeconds: config.getNumber("verifyTimeoutSeconds") },
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
