/**
 * How this package's dynamic resources (`OptimaRegistration`, `KeyVerification`,
 * `FlexeraChildOrg`) register: one base class, so that each says only what it is made of.
 *
 * Type token `pulumi-nodejs:dynamic/optima-csp:<type>`. The properties and the always-secret
 * outputs are those of each resource's *Props module, the same ones the provider plugin's custom
 * resources register (./plugin/children), so the component reads the same outputs either way.
 */
import * as pulumi from "@pulumi/pulumi";

/** The module of every dynamic resource's token, `pulumi-nodejs:dynamic/optima-csp:<type>`. */
export const DYNAMIC_MODULE = "optima-csp";

/**
 * What a child resource registers, whoever serves it (this dynamic resource or the provider
 * plugin's custom resource): each resource's *Props module gives one.
 */
export interface ChildShape<Args> {
  /** Its inputs, defaults filled in and secrets marked, and its outputs listed. */
  readonly props: (args: Args) => pulumi.Inputs;
  /** The outputs that are always secrets, in state and to the program. */
  readonly secretOutputs: readonly string[];
}

/** The caller's options with the child's always-secret outputs added. */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  secretOutputs: readonly string[],
): pulumi.CustomResourceOptions {
  return pulumi.mergeOptions(opts, { additionalSecretOutputs: [...secretOutputs] });
}

/**
 * A dynamic resource served by `provider` (the one shared object Pulumi serializes into state),
 * with token type `type` (a rename needs an alias so that existing state follows), registering
 * `shape`.
 */
export abstract class OptimaCspDynamicResource<Args> extends pulumi.dynamic.Resource {
  protected constructor(
    provider: pulumi.dynamic.ResourceProvider,
    type: string,
    shape: ChildShape<Args>,
    name: string,
    args: Args,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      provider,
      name,
      shape.props(args),
      withSecretOutputs(opts, shape.secretOutputs),
      DYNAMIC_MODULE,
      type,
    );
  }
}
