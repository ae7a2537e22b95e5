/**
 * KeyVerification: a dynamic resource that proves a new client secret works at Entra ID before
 * it is handed to Optima.
 *
 * The component makes Optima's registration depend on it, so for a new key Pulumi runs, in
 * order: new password → this proof (a client-credentials token request for the Partner Center
 * scope, retried while Entra ID is still propagating the key) → registration update → deletion
 * of the replaced password. The proof runs at apply time only (create), never in preview; if it
 * never succeeds the run fails before anything in Optima changes, and the next run retries just
 * this step. It is keyed on the key: a new key ID replaces it.
 *
 * Serialization (see docs/architecture.md): `keyVerificationProvider` is serialized into state
 * and loaded by the dynamic-provider host. It is one shared, thin object whose methods delegate
 * to ./keyVerificationRuntime only, imported at the top so that an installed package refers to it
 * as `optima-csp/<exports subpath>` (../serialization, rule 5). The resource's defaults come from
 * the pure ./keyVerificationRules, which the runtime re-exports. It captures no credential: the secret is an input, marked
 * secret here and listed in `additionalSecretOutputs`, and the runtime never returns or logs it.
 */

import type * as pulumi from "@pulumi/pulumi";
import { OptimaCspDynamicResource } from "../dynamicResource";
import type { KeyVerificationInputs, KeyVerificationOutputs } from "./keyVerificationRules";
import { KEY_VERIFICATION_SHAPE } from "./keyVerificationProps";
import * as runtime from "./keyVerificationRuntime";

export {
  DEFAULT_AUTHORITY_HOST,
  DEFAULT_VERIFY_TIMEOUT_SECONDS,
  MAX_VERIFY_TIMEOUT_SECONDS,
  PARTNER_CENTER_SCOPE,
  KEY_VERIFICATION_ERROR,
} from "./keyVerificationRules";
export type { KeyVerificationInputs, KeyVerificationOutputs } from "./keyVerificationRules";

/** The one provider instance every KeyVerification uses (serialization is cached per object). */
export const keyVerificationProvider: pulumi.dynamic.ResourceProvider<
  KeyVerificationInputs,
  KeyVerificationOutputs
> = {
  async check(_olds, news) {
    return { inputs: news, failures: runtime.checkKeyVerificationInputs(news) };
  },
  async diff(_id, olds, news) {
    return runtime.diffKeyVerification(olds, news);
  },
  async create(inputs) {
    return runtime.createKeyVerification(inputs);
  },
  async update(_id, olds, news) {
    return runtime.updateKeyVerification(olds, news);
  },
};

export interface KeyVerificationArgs {
  /** The tenant the app lives in (a GUID). */
  readonly tenantId: pulumi.Input<string>;
  /** The app's Application (client) ID. */
  readonly clientId: pulumi.Input<string>;
  /** The key's ID (`keyId` of the application password); a new key ID means a new proof. */
  readonly keyId: pulumi.Input<string>;
  /** The key's value; always treated as a secret. */
  readonly secret: pulumi.Input<string>;
  /** Entra ID authority host. Default `https://login.microsoftonline.com`. */
  readonly authorityHost?: pulumi.Input<string>;
  /** How long to keep trying while Entra ID refuses the new key, in seconds (1–3600). Default 900. */
  readonly timeoutSeconds?: pulumi.Input<number>;
  /** The scope of the token request. Default `https://api.partnercenter.microsoft.com/.default`. */
  readonly scope?: pulumi.Input<string>;
}

/** Proof, made at apply time, that Entra ID issues a token for a key. */
export class KeyVerification extends OptimaCspDynamicResource<KeyVerificationArgs> {
  declare readonly tenantId: pulumi.Output<string>;
  declare readonly clientId: pulumi.Output<string>;
  declare readonly keyId: pulumi.Output<string>;
  declare readonly authorityHost: pulumi.Output<string>;
  declare readonly timeoutSeconds: pulumi.Output<number>;
  declare readonly scope: pulumi.Output<string>;
  /** When Entra ID first issued a token for the key (RFC 3339). */
  declare readonly verifiedAt: pulumi.Output<string>;
  /** Token requests it took. */
  declare readonly attempts: pulumi.Output<number>;

  constructor(name: string, args: KeyVerificationArgs, opts?: pulumi.CustomResourceOptions) {
    // Type token `pulumi-nodejs:dynamic/optima-csp:KeyVerification`, beside the registration's
    // `…/optima-csp:Registration`. A rename needs an alias so that existing state follows.
    super(keyVerificationProvider, "KeyVerification", KEY_VERIFICATION_SHAPE, name, args, opts);
  }
}
