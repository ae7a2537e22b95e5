/**
 * The rules the test-double plugins follow, in one table: each row is one behaviour of a real
 * provider that the engine scenarios depend on, with the source it was read from. The doubles
 * (./azuread, ./random) implement exactly these rows and cite them by key; a behaviour with no row
 * here is not modelled. The unit tests' fake engine (tests/support/mocks.ts) asks the same doubles'
 * `check` and `diff`, in process, so these rows also decide which of its steps replace a resource.
 *
 * Versions imitated: @pulumi/azuread 6.9.1, which bridges hashicorp/terraform-provider-azuread
 * v3.8.0 (pulumi-azuread v6.9.1 `provider/go.mod` pins commit 38d1993a1ea6 = tag v3.8.0) through
 * pulumi-terraform-bridge v3.130.0; @pulumi/random 4.21.2, which bridges
 * hashicorp/terraform-provider-random v3.9.0 (pulumi-random v4.21.1 and its later commits pin
 * f8d869dc98d9 = tag v3.9.0; the 4.21.2 tag itself could not be read). The real azuread plugin
 * cannot be built here (its Go module needs the Terraform provider's vendored SDKs and is not on
 * the module proxy), so the scenarios run the real engine against this model of Azure AD.
 *
 * Not modelled: importing a password (the real provider has no Importer; optima-csp never imports
 * one, and the double cannot tell an import's Read from a refresh's), the provider's wait for a
 * new key to show in five reads in a row (the emulator's directory is consistent at once), Graph
 * paging, and owners.
 *
 * Abbreviations: [tfad] = terraform-provider-azuread v3.8.0, [tfrand] = terraform-provider-random
 * v3.9.0, [bridge] = pulumi-terraform-bridge v3.130.0, [graph] = Microsoft Graph v1.0 reference.
 */

export const AZUREAD_PLUGIN_VERSION = "6.9.1";
export const RANDOM_PLUGIN_VERSION = "4.21.2";

export interface Rule {
  readonly rule: string;
  readonly source: string;
}

export const RULES = {
  passwordReplaces: {
    rule:
      "ApplicationPassword: every argument (applicationId, displayName, startDate, endDate, endDateRelative, " +
      "rotateWhenChanged) forces replacement; there is no Update.",
    source:
      "[tfad] internal/services/applications/application_password_resource.go: ForceNew on each argument",
  },
  passwordApplicationId: {
    rule: "ApplicationPassword: applicationId must be /applications/{objectId}.",
    source: "[tfad] application_password_resource.go: ValidateFunc stable.ValidateApplicationID",
  },
  passwordCreate: {
    rule:
      "ApplicationPassword create: POST /applications/{objectId}/addPassword with displayName, startDateTime and " +
      "endDateTime (RFC 3339 re-emitted; endDateRelative is never sent); ID {objectId}/password/{keyId}; outputs " +
      "keyId and value (the secretText); start/end dates as given. The provider then waits until 5 reads in a row " +
      "see the key (not modelled: the emulator's directory is consistent at once).",
    source:
      "[tfad] application_password_resource.go Create; internal/helpers/credentials/credentials.go " +
      "PasswordCredential(); parse/credentials.go NewCredentialID",
  },
  passwordRead: {
    rule:
      "ApplicationPassword read: GET /applications/{objectId}; when the app or the key is gone the resource is " +
      "gone (empty ID); value is never read back.",
    source: '[tfad] application_password_resource.go Read: d.SetId("") on 404 or missing keyId',
  },
  passwordDelete: {
    rule:
      "ApplicationPassword delete: POST /applications/{objectId}/removePassword {keyId}; any error, 404 included, " +
      'fails the delete ("Removing password credential …").',
    source: "[tfad] application_password_resource.go Delete; no 404 special case",
  },
  getApplicationByClientId: {
    rule:
      "getApplication({clientId}): GET /applications?$filter=appId eq '{clientId}'; none found fails with " +
      "'Application not found: no applications found matching filter: \"appId eq '…'\"' (the bridge joins " +
      "diagnostics with go-multierror: '1 error occurred:' then '\\t* …'; that framing is likely, not verified); " +
      "id is /applications/{objectId}; objectId, clientId, displayName.",
    source:
      "[tfad] internal/services/applications/application_data_source.go; internal/helpers/tf/errors.go; " +
      "[bridge] pkg/tfshim/sdk-v2/provider.go",
  },
  getDomains: {
    rule:
      "getDomains: GET /domains, filtered client-side (onlyDefault → isDefault, onlyInitial → isInitial, " +
      "unverified domains left out unless includeUnverified); none left fails with 'no domains found for the " +
      "provided filters'; each domain: domainName, default, initial, verified, root, adminManaged, " +
      "authenticationType, supportedServices.",
    source: "[tfad] internal/services/domains/domains_data_source.go",
  },
  getClientConfig: {
    rule:
      "getClientConfig: tenantId, clientId and objectId of the signed-in identity, from its access token " +
      "(tid, appid, oid claims); no Graph call; id '{tenantId}-{clientId}-{objectId}'.",
    source:
      "[tfad] internal/services/serviceprincipals/client_config_data_source.go; internal/clients/client.go " +
      "(oid claim)",
  },
  registrationRead: {
    rule:
      "ApplicationRegistration read (also what import and .get run): GET /applications/{objectId}; 404 → gone; " +
      "requestedAccessTokenVersion = api.requestedAccessTokenVersion or 0 when null (no default on read); " +
      "clientId, objectId, displayName, signInAudience; ID /applications/{objectId}.",
    source: "[tfad] internal/services/applications/application_registration_resource.go Read (GetOrZero)",
  },
  registrationCheck: {
    rule:
      "ApplicationRegistration check: displayName required; requestedAccessTokenVersion defaults to 2 and must be " +
      "1 or 2: 'expected requested_access_token_version to be in the range (1 - 2), got N. Examine values at " +
      "'{name}.requestedAccessTokenVersion'.' (no property set on the failure).",
    source:
      "[tfad] application_registration_resource.go (Default 2, validation.IntBetween(1, 2)); " +
      "terraform-plugin-sdk v2.38.2 helper/validation/int.go; [bridge] pkg/tfbridge/check_failures.go",
  },
  registrationNoWrites: {
    rule:
      "ApplicationRegistration create/update/delete are refused by the double: optima-csp must never write the " +
      "Partner Center Web App, so any such call is a test failure, not a model of Graph.",
    source: "optima-csp design rule (README, 'Adopting the Web App')",
  },
  randomIdCreate: {
    rule:
      "RandomId: byteLength random bytes; id = unpadded base64url without prefix; b64Url = prefix + id; " +
      "b64Std = prefix + padded base64; hex = prefix + lowercase hex; dec = prefix + big-endian decimal.",
    source: "[tfrand] internal/provider/resource_id.go Create",
  },
  randomIdReplaces: {
    rule: "RandomId: byteLength and prefix force replacement; keepers replace when a non-null value changes.",
    source: "[tfrand] resource_id.go (RequiresReplace; RequiresReplaceIfValuesNotNull)",
  },
  secretsAndUnknowns: {
    rule:
      "Inputs arrive with secret signatures (Configure answers acceptSecrets) and, in preview, as the unknown " +
      "sentinel 04da6b54-80e4-46f7-96ec-b56ff0331ba9; a changed or unknown argument is a diff.",
    source:
      "@pulumi/pulumi 3.248 provider/server.js (configure: setAcceptsecrets(true)); sdk/proto/provider.proto " +
      "(unknown sentinel)",
  },
} as const satisfies Record<string, Rule>;

export type RuleName = keyof typeof RULES;
