/**
 * The provider plugin's `construct`: an `optima-csp:azure:CspConnection` asked for by a program in
 * another language becomes an {@link OptimaCspConnection}, built here, in the plugin's process,
 * exactly as a TypeScript program builds it (with the plugin's custom children: ./children).
 *
 * What it owns:
 * - {@link connectionArgs}: the inputs as the plugin's gRPC server hands them over (@pulumi/pulumi
 *   3.248.0 `provider/server.js` `deserializeInputs`: a top-level input that is secret or depends on
 *   a resource arrives as an Output, any other as a plain value that may hold Outputs) turned into
 *   the component's arguments. The component checks its settings synchronously, before any child
 *   exists, so a setting that arrives as an Output is waited for here; one that is not known yet
 *   (a preview with another resource's output) is refused by name, before anything is made.
 *   `mpnId` and `domain` are Inputs in the component too, and pass as they come. `now` is an RFC
 *   3339 date-time on the wire (provider/schema.json) and a Date in the component.
 * - {@link constructConnection}: the component, and the state the engine gets back: its outputs,
 *   the names provider/schema.json gives them, `activeKeySecret` a secret.
 * - Not the Optima connection: the registration's operations run in this process, where the
 *   registration provider reads the `OPTIMA_*` environment (../optima/connection), which the
 *   engine passes on to every plugin (pulumi/pulumi `sdk/go/common/resource/plugin/plugin.go`,
 *   `ExecPlugin`: `os.Environ()`). Stack config `optima:*` does not reach them: the engine
 *   configures a plugin with its own package's keys only (`pkg/resource/deploy/target.go`
 *   `GetPackageConfig`; the whole stack config goes to dynamic providers alone), and a refresh or
 *   a destroy calls them with no construct before (README, "Use from another language").
 */
import * as pulumi from "@pulumi/pulumi";
import { OptimaCspConnection, type OptimaCspConnectionArgs } from "../azure/cspConnection";
import { CSP_CONNECTION_TYPE } from "../azure/connectionType";
import { ISO_DATE_TIME_FORM, parseIsoDateTime } from "../formats";

/** Inputs the component takes as Inputs: they pass to it as they come. */
const INPUT_ARGUMENTS: readonly string[] = ["mpnId", "domain"];

/** Every argument provider/schema.json declares for the component. */
const ARGUMENTS: readonly string[] = [
  "webApp",
  "mpnId",
  "domain",
  "domainSource",
  "keyExpiresAfterDays",
  "rotateAfterDays",
  "rotationAnchor",
  "optima",
  "verify",
  "keyVault",
  "customers",
  "now",
];

/** The value of an Output when it is known and not secret; else an error naming the argument. */
async function settled(argument: string, output: pulumi.Output<unknown>): Promise<unknown> {
  const impl = output as unknown as {
    isKnown: Promise<boolean>;
    isSecret: Promise<boolean>;
    promise(): Promise<unknown>;
  };
  const [known, secret, value] = await Promise.all([impl.isKnown, impl.isSecret, impl.promise()]);
  if (!known) {
    throw new Error(
      `CspConnection: ${argument} must be known when the component is constructed (a value or stack config, ` +
        "not another resource's output that is not known yet).",
    );
  }
  if (secret) {
    throw new Error(`CspConnection: ${argument} is a setting, not a secret: pass it as a plain value.`);
  }
  return value;
}

/** The component's arguments from the construct request's inputs (see the module comment). */
export async function connectionArgs(inputs: pulumi.Inputs): Promise<OptimaCspConnectionArgs> {
  const unknownArguments = Object.keys(inputs).filter((k) => !ARGUMENTS.includes(k));
  if (unknownArguments.length > 0) {
    throw new Error(
      `CspConnection: unknown argument${unknownArguments.length === 1 ? "" : "s"} ${unknownArguments.join(", ")}; ` +
        `it takes ${ARGUMENTS.join(", ")}.`,
    );
  }
  const args: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(inputs)) {
    args[key] =
      pulumi.Output.isInstance(value) && !INPUT_ARGUMENTS.includes(key) ? await settled(key, value) : value;
  }
  if (args.now !== undefined) {
    const epochMs = parseIsoDateTime(args.now);
    if (epochMs === undefined) {
      throw new Error(`CspConnection: now must be ${ISO_DATE_TIME_FORM}; got ${JSON.stringify(args.now)}.`);
    }
    args.now = new Date(epochMs);
  }
  return args as unknown as OptimaCspConnectionArgs;
}

/** `construct` of the plugin's provider: the component, by type. */
export async function constructConnection(
  name: string,
  type: string,
  inputs: pulumi.Inputs,
  options: pulumi.ComponentResourceOptions,
): Promise<pulumi.provider.ConstructResult> {
  if (type !== CSP_CONNECTION_TYPE) {
    throw new Error(`optima-csp provider plugin: it constructs ${CSP_CONNECTION_TYPE} only, not ${type}.`);
  }
  const connection = new OptimaCspConnection(name, await connectionArgs(inputs), options);
  return {
    urn: connection.urn,
    state: {
      applicationObjectId: connection.applicationObjectId,
      activeKeyId: connection.activeKeyId,
      activeKeyExpiresAt: connection.activeKeyExpiresAt,
      previousKeyId: connection.previousKeyId,
      nextRotationAt: connection.nextRotationAt,
      registrationId: connection.registrationId,
      activeKeySecret: connection.activeKeySecret,
      activeKeyUrn: connection.activeKeyUrn,
      customerRegistrationIds: connection.customerRegistrationIds,
    },
  };
}
