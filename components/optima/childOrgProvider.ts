/**
 * The child org dynamic provider and its resource, `FlexeraChildOrg`: a CSP customer's Flexera MSP
 * child org, made or adopted under an MSP parent org (docs/optima-api.md §2b).
 *
 * {@link flexeraChildOrgProvider} is ONE shared object, made by ./delegatingProvider, whose
 * methods only delegate to ./childOrgRuntime, imported at the top of this file (as ./provider
 * does for registrations):
 * serialized by value inside this repository, as `require("optima-csp/runtime/child-org")` when
 * installed, which is why that subpath is in package.json `exports` and must never change.
 *
 * Deleting an org deletes all its data and access, so OptimaCspConnection marks every child org
 * `retainOnDelete` unless the customer's `childOrg.retainOnDelete` is false. A direct user of
 * this resource decides with the same resource option.
 *
 * Type token `pulumi-nodejs:dynamic/optima-csp:ChildOrg`; its ID is the child org's ID.
 */
import type * as pulumi from "@pulumi/pulumi";
import { DYNAMIC_MODULE, OptimaCspDynamicResource } from "../dynamicResource";
import * as runtime from "./childOrgRuntime";
import { delegatingProvider } from "./delegatingProvider";
import { CHILD_ORG_SHAPE } from "./childOrgProps";
import type { ChildOrgInputs, ChildOrgOutputs, ChildOrgOwnerInput } from "./childOrgRules";

export type { ChildOrgInputs, ChildOrgOutputs, ChildOrgOwnerInput } from "./childOrgRules";

/** The child org provider: one instance, shared by every {@link FlexeraChildOrg}. */
export const flexeraChildOrgProvider: pulumi.dynamic.ResourceProvider<ChildOrgInputs, ChildOrgOutputs> =
  delegatingProvider(runtime);

/** The module and type of {@link FlexeraChildOrg}'s token, `pulumi-nodejs:dynamic/optima-csp:ChildOrg`. */
export const FLEXERA_CHILD_ORG_MODULE = DYNAMIC_MODULE;
export const FLEXERA_CHILD_ORG_TYPE = "ChildOrg";

export interface FlexeraChildOrgArgs {
  /** The MSP parent org ID (digits). Changing it makes (or adopts) another org. */
  readonly parentOrgId: pulumi.Input<string>;
  /** The CSP customer's Entra ID tenant ID, the org's `externalId`. Changing it makes (or adopts) another org. */
  readonly customerTenantId: pulumi.Input<string>;
  /** The org's name (1 to 512 characters), used when it is created. */
  readonly name: pulumi.Input<string>;
  /** Used when it is created; at most 4096 characters. */
  readonly description?: pulumi.Input<string>;
  /** At least one; given the org owner role when it is created. */
  readonly owners: pulumi.Input<readonly ChildOrgOwnerInput[]>;
  /** A subset of the parent's capabilities, used when it is created. */
  readonly capabilities: pulumi.Input<readonly string[]>;
}

/**
 * A Flexera MSP child org for one CSP customer: found under the parent by `externalId` (the
 * customer tenant ID) and adopted as it is, or created. Never changed afterwards.
 */
export class FlexeraChildOrg extends OptimaCspDynamicResource<FlexeraChildOrgArgs> {
  declare readonly parentOrgId: pulumi.Output<string>;
  declare readonly customerTenantId: pulumi.Output<string>;
  /** The child org's ID: the org the customer's bill connect goes into. */
  declare readonly orgId: pulumi.Output<string>;
  /** The org's name as Flexera shows it. */
  declare readonly orgName: pulumi.Output<string>;
  /** True when the org existed and was adopted. */
  declare readonly adopted: pulumi.Output<boolean>;
  /** When the org was created, as Flexera shows it. */
  declare readonly createdAt: pulumi.Output<string | undefined>;
  /** When the org last changed, as Flexera shows it. */
  declare readonly updatedAt: pulumi.Output<string | undefined>;

  constructor(name: string, args: FlexeraChildOrgArgs, opts?: pulumi.CustomResourceOptions) {
    super(flexeraChildOrgProvider, FLEXERA_CHILD_ORG_TYPE, CHILD_ORG_SHAPE, name, args, opts);
  }
}
