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
import { KeyVerification, type KeyVerificationArgs } from "../azure/keyVerification";
import { KEY_VERIFICATION_SECRET_OUTPUTS, keyVerificationProps } from "../azure/keyVerificationProps";
import { FlexeraChildOrg, type FlexeraChildOrgArgs } from "../optima/childOrgProvider";
import { CHILD_ORG_SECRET_OUTPUTS, childOrgProps } from "../optima/childOrgProps";
import { ENVIRONMENT_ONLY, type ConfigSource } from "../optima/connection";
import { OptimaRegistration, type OptimaRegistrationArgs } from "../optima/provider";
import { REGISTRATION_SECRET_OUTPUTS, registrationProps } from "../optima/registrationProps";

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

/** `optima-csp:optima:Registration`: an {@link OptimaRegistration} served by the provider plugin. */
class PluginRegistration extends pulumi.CustomResource {
  constructor(name: string, args: OptimaRegistrationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      REGISTRATION_TOKEN,
      name,
      registrationProps(args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...REGISTRATION_SECRET_OUTPUTS] }),
    );
  }
}

/** `optima-csp:azure:KeyVerification`: a {@link KeyVerification} served by the provider plugin. */
class PluginKeyVerification extends pulumi.CustomResource {
  constructor(name: string, args: KeyVerificationArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      KEY_VERIFICATION_TOKEN,
      name,
      keyVerificationProps(args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...KEY_VERIFICATION_SECRET_OUTPUTS] }),
    );
  }
}

/** `optima-csp:optima:ChildOrg`: a {@link FlexeraChildOrg} served by the provider plugin. */
class PluginChildOrg extends pulumi.CustomResource {
  constructor(name: string, args: FlexeraChildOrgArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      CHILD_ORG_TOKEN,
      name,
      childOrgProps(args),
      pulumi.mergeOptions(opts, { additionalSecretOutputs: [...CHILD_ORG_SECRET_OUTPUTS] }),
    );
  }
}

/**
 * An Optima registration, dynamic or the plugin's (see the module comment). The plugin's has the
 * same outputs (the properties it registers), so it is typed as the class TypeScript users see.
 */
export function newOptimaRegistration(
  name: string,
  args: OptimaRegistrationArgs,
  opts?: pulumi.CustomResourceOptions,
): OptimaRegistration {
  return setting.mode === "plugin"
    ? (new PluginRegistration(name, args, opts) as unknown as OptimaRegistration)
    : new OptimaRegistration(name, args, opts);
}

/** A key verification, dynamic or the plugin's (see {@link newOptimaRegistration}). */
export function newKeyVerification(
  name: string,
  args: KeyVerificationArgs,
  opts?: pulumi.CustomResourceOptions,
): KeyVerification {
  return setting.mode === "plugin"
    ? (new PluginKeyVerification(name, args, opts) as unknown as KeyVerification)
    : new KeyVerification(name, args, opts);
}

/** A customer's child org, dynamic or the plugin's (see {@link newOptimaRegistration}). */
export function newChildOrg(
  name: string,
  args: FlexeraChildOrgArgs,
  opts?: pulumi.CustomResourceOptions,
): FlexeraChildOrg {
  return setting.mode === "plugin"
    ? (new PluginChildOrg(name, args, opts) as unknown as FlexeraChildOrg)
    : new FlexeraChildOrg(name, args, opts);
}
