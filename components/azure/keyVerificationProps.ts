/**
 * What a key verification registers (its properties with the defaults filled in, its secret
 * outputs), whoever serves it: the dynamic provider (./keyVerification) or the provider plugin
 * (../plugin/children). Kept apart from ./keyVerification so that the package root (../index),
 * which re-exports ./keyVerification, does not export it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ChildShape } from "../dynamicResource";
import type { KeyVerificationArgs } from "./keyVerification";
import {
  DEFAULT_AUTHORITY_HOST,
  DEFAULT_VERIFY_TIMEOUT_SECONDS,
  PARTNER_CENTER_SCOPE,
} from "./keyVerificationRules";

/**
 * What a `KeyVerification` registers, whoever serves it: the dynamic provider above, or the
 * provider plugin's `optima-csp:azure:KeyVerification` (components/plugin/children.ts): the
 * defaults filled in, the secret marked, the outputs listed.
 */
export function keyVerificationProps(args: KeyVerificationArgs): pulumi.Inputs {
  return {
    tenantId: args.tenantId,
    clientId: args.clientId,
    keyId: args.keyId,
    secret: pulumi.secret(args.secret),
    authorityHost: args.authorityHost ?? DEFAULT_AUTHORITY_HOST,
    timeoutSeconds: args.timeoutSeconds ?? DEFAULT_VERIFY_TIMEOUT_SECONDS,
    scope: args.scope ?? PARTNER_CENTER_SCOPE,
    verifiedAt: undefined,
    attempts: undefined,
  };
}

/**
 * What a `KeyVerification` registers, whoever serves it: {@link keyVerificationProps}, and the
 * outputs that are secrets (the key, which it keeps as an input).
 */
export const KEY_VERIFICATION_SHAPE: ChildShape<KeyVerificationArgs> = {
  props: keyVerificationProps,
  secretOutputs: ["secret"],
};
