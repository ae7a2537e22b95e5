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

/** What one kind of dynamic resource is made of. */
export interface DynamicKind<Args> {
  /** The one shared provider object Pulumi serializes into state. */
  readonly provider: pulumi.dynamic.ResourceProvider;
  /** The type in its token. A rename needs an alias so that existing state follows. */
  readonly type: string;
  /** What it registers: its inputs, defaults filled in and secrets marked, and its outputs listed. */
  readonly props: (args: Args) => pulumi.Inputs;
  /** The outputs that are always secrets, in state and to the program. */
  readonly secretOutputs: readonly string[];
}

/** A dynamic resource of kind `kind`, the caller's own options merged with the kind's secret outputs. */
export abstract class OptimaCspDynamicResource<Args> extends pulumi.dynamic.Resource {
  protected constructor(
    kind: DynamicKind<Args>,
    name: string,
    args: Args,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(
      kind.provider,
      name,
      kind.props(args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...kind.secretOutputs] }),
      DYNAMIC_MODULE,
      kind.type,
    );
  }
}
