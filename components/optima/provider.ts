/**
 * The Optima registration dynamic provider and its resource, `OptimaRegistration`.
 *
 * {@link optimaRegistrationProvider} is ONE shared object (Pulumi serializes it once per
 * object) made by ./delegatingProvider: its methods only delegate to ./runtime, imported at the
 * top of this file and passed there. The implementation and everything it needs live there, and
 * Pulumi serializes that module with the provider: by value inside this repository, and as
 * `require("optima-csp/runtime/registration")` when installed from npm, which is why that
 * subpath is in package.json `exports` and must never change. The methods stay one-line
 * delegations that capture nothing else (./delegatingProvider).
 *
 * Lifecycle (details in ./runtime): `configure` keeps stack config `optima:*` for the host
 * process; `check` validates with no API call; `diff` replaces (delete first) on a different
 * target, org, MPN ID, tenant, billing account, customer tenant or billing profile, and updates in place on a new secret,
 * application ID or domain; `create` registers or adopts; `read` reports what Optima holds;
 * `update` PATCHes; `delete` removes (404 is success), except a registration Optima shows written
 * after this resource's last own write (`writtenAt`: another deployment took it over), which it
 * leaves in place.
 *
 * `OptimaRegistration` has the type token `pulumi-nodejs:dynamic/optima-csp:Registration`. Its
 * ID is Optima's registration ID. If the class or token is ever renamed, add an alias so that
 * existing state follows.
 */
import * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, OptimaCspDynamicResource } from "../dynamicResource";
import { delegatingProvider } from "./delegatingProvider";
import { REGISTRATION_SHAPE } from "./registrationProps";
import * as runtime from "./runtime";
import type { RegistrationInputs, RegistrationOutputs, RegistrationValidation } from "./targets";
import type { RegistrationTarget } from "./types";

export type { RegistrationInputs, RegistrationOutputs, RegistrationValidation } from "./targets";

/** The registration provider: one instance, shared by every {@link OptimaRegistration}. */
export const optimaRegistrationProvider: pulumi.dynamic.ResourceProvider<
  RegistrationInputs,
  RegistrationOutputs
> = delegatingProvider(runtime);

/** The module and type of {@link OptimaRegistration}'s token, `pulumi-nodejs:dynamic/optima-csp:Registration`. */
export const OPTIMA_REGISTRATION_MODULE = DYNAMIC_MODULE;
export const OPTIMA_REGISTRATION_TYPE = "Registration";

export interface OptimaRegistrationArgs {
  /**
   * Which Optima API holds the registration: `"csp-partner"` (default; the Cost Management API's
   * Azure CSP partnerships) or `"bill-connect"` (Flexera One FinOps Onboarding azure-csp).
   * Changing it replaces the registration.
   */
  readonly target?: pulumi.Input<RegistrationTarget>;
  /** The Flexera organization ID (digits). Changing it replaces the registration. */
  readonly orgId: pulumi.Input<string>;
  /** The partner's MPN ID (digits). Required for `csp-partner`, where changing it replaces the registration. */
  readonly mpnId?: pulumi.Input<string>;
  /** The partner tenant's default domain, e.g. `contoso.onmicrosoft.com`. Required for `csp-partner`; updated in place. */
  readonly domain?: pulumi.Input<string>;
  /** The Partner Center Web App's Application (client) ID, a GUID. Updated in place. */
  readonly applicationId: pulumi.Input<string>;
  /** The Web App's client secret. Always stored as a secret; a new value is pushed in place. */
  readonly applicationSecret: pulumi.Input<string>;
  /** The partner's Entra ID tenant ID, a GUID. Required for `bill-connect`, where changing it replaces the registration. */
  readonly tenantId?: pulumi.Input<string>;
  /** `bill-connect` only, optional: MCA billing account `GUID:GUID_YYYY-MM-DD`. Changing it replaces the registration. */
  readonly billingAccountId?: pulumi.Input<string>;
  /**
   * `bill-connect` only: a CSP customer's Entra ID tenant ID. Makes this a customer's bill connect
   * (`scopeDetails` "Customer Tenant"); changing it replaces the registration.
   */
  readonly customerTenantId?: pulumi.Input<string>;
  /** With `customerTenantId`, optional: the customer's billing profile. Changing it replaces the registration. */
  readonly billingProfileId?: pulumi.Input<string>;
  /**
   * The Entra ID key ID of `applicationSecret`. Recorded in state only, never sent to Optima, so
   * that `optima-csp status` knows which key Optima holds; a change updates state in place.
   */
  readonly keyId?: pulumi.Input<string>;
}

/**
 * A CSP partnership registered with Flexera Optima (or adopted, if Optima already holds one for
 * the same MPN ID / tenant). Its ID is Optima's registration ID. Optima connection settings come
 * from stack config `optima:*` or the `OPTIMA_*` environment variables, read in the provider's
 * host process only; they are never stored in state.
 */
export class OptimaRegistration extends OptimaCspDynamicResource<OptimaRegistrationArgs> {
  declare readonly target: pulumi.Output<RegistrationTarget>;
  declare readonly orgId: pulumi.Output<string>;
  declare readonly mpnId: pulumi.Output<string | undefined>;
  declare readonly domain: pulumi.Output<string | undefined>;
  declare readonly applicationId: pulumi.Output<string>;
  /** Always a secret. */
  declare readonly applicationSecret: pulumi.Output<string>;
  declare readonly tenantId: pulumi.Output<string | undefined>;
  declare readonly billingAccountId: pulumi.Output<string | undefined>;
  declare readonly customerTenantId: pulumi.Output<string | undefined>;
  declare readonly billingProfileId: pulumi.Output<string | undefined>;
  /** The Entra ID key ID of the secret Optima holds, as of the last successful hand-off. */
  declare readonly keyId: pulumi.Output<string | undefined>;
  /** Optima's link to the registration, when it gives one. */
  declare readonly href: pulumi.Output<string | undefined>;
  /** True when the registration existed before this resource created it and was taken over. */
  declare readonly adopted: pulumi.Output<boolean>;
  /** When Optima created the registration, as Optima reports it. */
  declare readonly createdAt: pulumi.Output<string | undefined>;
  /** When Optima last changed the registration, as Optima reports it. */
  declare readonly updatedAt: pulumi.Output<string | undefined>;
  /** Optima's timestamp of the registration after this resource's last own write (see `delete`). */
  declare readonly writtenAt: pulumi.Output<string | undefined>;
  /** `bill-connect`: Optima's own validation of the key, as of the last `pulumi refresh`. */
  declare readonly validation: pulumi.Output<RegistrationValidation | undefined>;

  constructor(name: string, args: OptimaRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
    super(optimaRegistrationProvider, OPTIMA_REGISTRATION_TYPE, REGISTRATION_SHAPE, name, args, opts);
  }
}
