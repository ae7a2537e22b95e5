/**
 * What an Optima registration registers (its properties, its secret outputs), whoever serves it:
 * the dynamic provider (./provider) or the provider plugin (../plugin/children). Kept apart from
 * ./provider so that the package root (../index), which re-exports ./provider, does not export it.
 */
import * as pulumi from "@pulumi/pulumi";
import type { ChildShape } from "../dynamicResource";
import type { OptimaRegistrationArgs } from "./provider";

/**
 * What an `OptimaRegistration` registers, whoever serves it: the dynamic provider above, or the
 * provider plugin's `optima-csp:optima:Registration` (components/plugin/children.ts). The secret is
 * marked here, and the outputs are listed so that the resource exposes them.
 */
export function registrationProps(args: OptimaRegistrationArgs): pulumi.Inputs {
  return {
    target: args.target,
    orgId: args.orgId,
    mpnId: args.mpnId,
    domain: args.domain,
    applicationId: args.applicationId,
    applicationSecret: pulumi.secret(args.applicationSecret),
    tenantId: args.tenantId,
    billingAccountId: args.billingAccountId,
    customerTenantId: args.customerTenantId,
    billingProfileId: args.billingProfileId,
    keyId: args.keyId,
    // Outputs: listed so that the resource exposes them.
    href: undefined,
    adopted: undefined,
    createdAt: undefined,
    updatedAt: undefined,
    writtenAt: undefined,
    validation: undefined,
  };
}

/**
 * What an `OptimaRegistration` registers, whoever serves it: {@link registrationProps}, and the
 * outputs that are secrets, in state and to the program.
 */
export const REGISTRATION_SHAPE: ChildShape<OptimaRegistrationArgs> = {
  props: registrationProps,
  secretOutputs: ["applicationSecret"],
};
