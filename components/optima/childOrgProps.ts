/**
 * What a child org registers (its properties, its secret outputs), whoever serves it: the dynamic
 * provider (./childOrgProvider) or the provider plugin (../plugin/children). Kept apart from
 * ./childOrgProvider, as ./registrationProps is from ./provider, so that the package root does not
 * export it.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ChildShape } from "../dynamicResource";
import type { FlexeraChildOrgArgs } from "./childOrgProvider";

/**
 * What a `FlexeraChildOrg` registers, whoever serves it: the dynamic provider, or the provider
 * plugin's `optima-csp:optima:ChildOrg` (components/plugin/children.ts). The outputs are listed so
 * that the resource exposes them.
 */
export function childOrgProps(args: FlexeraChildOrgArgs): pulumi.Inputs {
  return {
    parentOrgId: args.parentOrgId,
    customerTenantId: args.customerTenantId,
    name: args.name,
    description: args.description,
    owners: args.owners,
    capabilities: args.capabilities,
    // Outputs: listed so that the resource exposes them.
    orgId: undefined,
    orgName: undefined,
    adopted: undefined,
    createdAt: undefined,
    updatedAt: undefined,
  };
}

/**
 * What a `FlexeraChildOrg` registers, whoever serves it: {@link childOrgProps}, and no secret
 * output (names, owners' addresses and IDs are not secrets).
 */
export const CHILD_ORG_SHAPE: ChildShape<FlexeraChildOrgArgs> = { props: childOrgProps, secretOutputs: [] };
