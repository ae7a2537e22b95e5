/**
 * Who serves the component's own custom children, the Optima registrations, the key verification
 * and the customers' child orgs: the one switch between the TypeScript path and the provider plugin.
 *
 * - `"dynamic"` (the default, and the only mode a TypeScript program ever sees): dynamic
 *   resources (`pulumi-nodejs:dynamic/optima-csp:*`), served by the dynamic-provider host from
 *   the provider object serialized into state (../optima/provider, ../azure/keyVerification).
 * - `"plugin"`: set once, at start-up, by the provider plugin's process (./main), which constructs
 *   the component for programs in other languages. There a dynamic resource would fail: the engine
 *   runs `pulumi-resource-pulumi-nodejs`, which resolves `@pulumi/pulumi` from the consumer's folder
 *   (pulumi/pulumi#5455, open). So the children are custom resources of the plugin's own package,
 *   `optima-csp:optima:Registration`, `optima-csp:azure:KeyVerification` and
 *   `optima-csp:optima:ChildOrg` (the tokens of provider/schema.json), which the engine sends back to the same plugin (./resources), where the
 *   same provider objects serve them. pulumi-eks took the same way out for its dynamic resource
 *   (pulumi/pulumi-eks `nodejs/eks/cmd/provider/cni.ts`: the former dynamic provider served as a
 *   resource type of its own provider).
 *
 * Both kinds register the same properties (`registrationProps`, `keyVerificationProps`,
 * `childOrgProps`) with the same secret outputs, so the component reads the same outputs either way.
 *
 * The same switch says where the component's own Optima read at construct time (the ownership
 * check, ../azure/ownershipCheck) takes its connection settings ({@link constructOptimaConfig}):
 * from where the registration's operations take theirs, so one rule holds in each path.
 */
import * as pulumi from "@pulumi/pulumi";
import { KeyVerification } from "../azure/keyVerification";
import { KEY_VERIFICATION_SHAPE } from "../azure/keyVerificationProps";
import { type ChildShape, withSecretOutputs } from "../dynamicResource";
import { FlexeraChildOrg } from "../optima/childOrgProvider";
import { CHILD_ORG_SHAPE } from "../optima/childOrgProps";
import { ENVIRONMENT_ONLY, type ConfigSource } from "../optima/connection";
import { OptimaRegistration } from "../optima/provider";
import { REGISTRATION_SHAPE } from "../optima/registrationProps";

/** The plugin's custom resource types (provider/schema.json `resources`). */
export const REGISTRATION_TOKEN = "optima-csp:optima:Registration";
export const KEY_VERIFICATION_TOKEN = "optima-csp:azure:KeyVerification";
export const CHILD_ORG_TOKEN = "optima-csp:optima:ChildOrg";

export type ChildProviders = "dynamic" | "plugin";

/** The process's one setting: "plugin" only in the provider plugin's process (./main). */
const setting: { mode: ChildProviders } = { mode: "dynamic" };

/** Makes every component this process constructs from now on use the plugin's custom children. */
export function useChildProviders(mode: ChildProviders): void {
  setting.mode = mode;
}

export function childProviders(): ChildProviders {
  return setting.mode;
}

/**
 * The Optima connection settings the component's construct-time read of Optima (the ownership
 * check) uses, by the rule of the process's registrations: the program's stack config (`optima:*`,
 * else `OPTIMA_*`) in the dynamic path, where the dynamic host configures the registration provider
 * with that stack config; the environment alone in the plugin, whose registrations never see stack
 * config (./construct).
 */
export function constructOptimaConfig(): ConfigSource {
  return setting.mode === "plugin" ? ENVIRONMENT_ONLY : { get: (key) => pulumi.runtime.getConfig(key) };
}

/**
 * A child served by the provider plugin: a custom resource of the plugin's own package (`token`),
 * registered with the dynamic resource's properties and always-secret outputs.
 */
class PluginChild<Args> extends pulumi.CustomResource {
  constructor(
    token: string,
    shape: ChildShape<Args>,
    name: string,
    args: Args,
    opts?: pulumi.CustomResourceOptions,
  ) {
    super(token, name, shape.props(args), withSecretOutputs(opts, shape.secretOutputs));
  }
}

/**
 * The one switch, for one kind of child: a new `Dynamic` in the dynamic path, else the plugin's
 * `token` with the same properties. The plugin's has the same outputs (the properties it
 * registers), so it is typed as the class TypeScript users see.
 */
function servedBy<Args, Child>(
  Dynamic: new (name: string, args: Args, opts?: pulumi.CustomResourceOptions) => Child,
  token: string,
  shape: ChildShape<Args>,
): (name: string, args: Args, opts?: pulumi.CustomResourceOptions) => Child {
  return (name, args, opts) =>
    setting.mode === "plugin"
      ? (new PluginChild(token, shape, name, args, opts) as unknown as Child)
      : new Dynamic(name, args, opts);
}

/** An Optima registration, dynamic or the plugin's `optima-csp:optima:Registration` (see the module comment). */
export const newOptimaRegistration = servedBy(OptimaRegistration, REGISTRATION_TOKEN, REGISTRATION_SHAPE);

/** A key verification, dynamic or the plugin's `optima-csp:azure:KeyVerification`. */
export const newKeyVerification = servedBy(KeyVerification, KEY_VERIFICATION_TOKEN, KEY_VERIFICATION_SHAPE);

/** A customer's child org, dynamic or the plugin's `optima-csp:optima:ChildOrg`. */
export const newChildOrg = servedBy(FlexeraChildOrg, CHILD_ORG_TOKEN, CHILD_ORG_SHAPE);
