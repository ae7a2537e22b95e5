/**
 * The provider plugin's custom resources: `optima-csp:optima:Registration`,
 * `optima-csp:azure:KeyVerification` and `optima-csp:optima:ChildOrg` (./children), served by the
 * very provider objects the dynamic path serializes into state (`optimaRegistrationProvider`,
 * `keyVerificationProvider`, `flexeraChildOrgProvider`), so one implementation of each operation
 * (../optima/runtime, ../azure/keyVerificationRuntime, ../optima/childOrgRuntime) serves both
 * paths. pulumi-eks serves a former dynamic provider the same way
 * (pulumi/pulumi-eks `nodejs/eks/cmd/provider/cni.ts`, `vpcCniProviderFactory`).
 *
 * What differs between the two hosts, and what this module does about it:
 * - The calls: the dynamic host calls `check(olds, news)`, `create(inputs)`…; the plugin's gRPC
 *   server (@pulumi/pulumi 3.248.0 `provider/server.js`) calls `check(urn, olds, news)`,
 *   `create(urn, inputs)`…, the resource's type in the URN. {@link customResourceProvider} maps
 *   one onto the other by type; an unknown type is refused by name.
 * - Secrets: the dynamic host says `acceptSecrets: false` (`cmd/dynamic-provider/index.js`), so
 *   the engine sends plain values; the plugin's server says `acceptSecrets: true`
 *   (`provider/server.js` `configure`) and hands over the wire's secret objects
 *   (`{"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value}`,
 *   `specialSigKey`/`specialSecretSig` in `runtime/rpc.js`) as they come. So the values are
 *   unwrapped before the implementation sees them ({@link plainValue}), and what goes back is
 *   wrapped again: every property that came in secret, and the type's secret outputs
 *   ({@link asSecrets}), so that neither the checked inputs nor the outputs in state ever hold
 *   the key in plain text.
 * - Unknown values (preview) arrive as the same sentinel string in both hosts (../unknown).
 */
import type * as pulumi from "@pulumi/pulumi";
import { keyVerificationProvider } from "../azure/keyVerification";
import { KEY_VERIFICATION_SHAPE } from "../azure/keyVerificationProps";
import { flexeraChildOrgProvider } from "../optima/childOrgProvider";
import { CHILD_ORG_SHAPE } from "../optima/childOrgProps";
import { optimaRegistrationProvider } from "../optima/provider";
import { REGISTRATION_SHAPE } from "../optima/registrationProps";
import { CHILD_ORG_TOKEN, KEY_VERIFICATION_TOKEN, REGISTRATION_TOKEN } from "./children";

/** The wire's secret marker (@pulumi/pulumi `runtime/rpc.js`: `specialSigKey`, `specialSecretSig`). */
const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Props = Record<string, unknown>;

interface Served {
  readonly provider: pulumi.dynamic.ResourceProvider;
  /** Outputs that are always secrets. */
  readonly secretOutputs: readonly string[];
}

/** The plugin's custom resource types and what serves each. */
export const CUSTOM_RESOURCES: Readonly<Record<string, Served>> = {
  [REGISTRATION_TOKEN]: { provider: optimaRegistrationProvider, ...REGISTRATION_SHAPE },
  [KEY_VERIFICATION_TOKEN]: { provider: keyVerificationProvider, ...KEY_VERIFICATION_SHAPE },
  [CHILD_ORG_TOKEN]: { provider: flexeraChildOrgProvider, ...CHILD_ORG_SHAPE },
};

function isSecret(value: unknown): value is { value: unknown } {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG
  );
}

/** A value with every secret wrapper removed, at any depth. */
export function plainValue(value: unknown): unknown {
  if (isSecret(value)) {
    return plainValue(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(plainValue);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainValue(v)]));
  }
  return value;
}

/** The top-level properties that are secrets on the wire. */
export function secretKeys(props: Props | undefined): string[] {
  return Object.entries(props ?? {})
    .filter(([, v]) => isSecret(v))
    .map(([k]) => k);
}

/** `props` with each of `keys` that it holds wrapped as a secret (once). */
export function asSecrets(props: Props | undefined, keys: readonly string[]): Props {
  const result: Props = { ...(props ?? {}) };
  for (const key of keys) {
    if (result[key] !== undefined && !isSecret(result[key])) {
      result[key] = { [SIG_KEY]: SECRET_SIG, value: result[key] };
    }
  }
  return result;
}

/** The resource type of a URN (`urn:pulumi:stack::project::parent$type::name`). */
export function typeOfUrn(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

function served(urn: string): Served {
  const type = typeOfUrn(urn);
  const found = Object.prototype.hasOwnProperty.call(CUSTOM_RESOURCES, type)
    ? CUSTOM_RESOURCES[type]
    : undefined;
  if (found === undefined) {
    throw new Error(
      `optima-csp provider plugin: unknown resource type ${JSON.stringify(type)}; it serves ` +
        `${Object.keys(CUSTOM_RESOURCES).join(", ")} and constructs the component.`,
    );
  }
  return found;
}

/**
 * The custom-resource methods of the plugin's provider (`pulumi.provider.Provider`), each
 * delegating to the dynamic provider of the URN's type with plain values (module comment).
 */
export function customResourceProvider(): Required<
  Pick<pulumi.provider.Provider, "check" | "diff" | "create" | "read" | "update" | "delete">
> {
  return {
    async check(urn, olds: Props, news: Props) {
      const { provider, secretOutputs } = served(urn);
      const secrets = [...secretKeys(news), ...secretOutputs];
      if (!provider.check) {
        return { inputs: news };
      }
      const result = await provider.check(plainValue(olds), plainValue(news));
      return {
        inputs: asSecrets(result.inputs as Props | undefined, secrets),
        ...(result.failures && result.failures.length > 0 ? { failures: [...result.failures] } : {}),
      };
    },
    async diff(id, urn, olds: Props, news: Props) {
      const { provider } = served(urn);
      return provider.diff ? provider.diff(id, plainValue(olds), plainValue(news)) : {};
    },
    async create(urn, inputs: Props) {
      const { provider, secretOutputs } = served(urn);
      const result = await provider.create(plainValue(inputs));
      return { id: result.id, outs: asSecrets(result.outs, [...secretKeys(inputs), ...secretOutputs]) };
    },
    async read(id, urn, props: Props) {
      const { provider, secretOutputs } = served(urn);
      if (!provider.read) {
        return { id, props };
      }
      const result = await provider.read(id, plainValue(props));
      return { id: result.id, props: asSecrets(result.props, [...secretKeys(props), ...secretOutputs]) };
    },
    async update(id, urn, olds: Props, news: Props) {
      const { provider, secretOutputs } = served(urn);
      if (!provider.update) {
        return { outs: news };
      }
      const result = await provider.update(id, plainValue(olds), plainValue(news));
      return { outs: asSecrets(result.outs, [...secretKeys(news), ...secretOutputs]) };
    },
    async delete(id, urn, props: Props) {
      const { provider } = served(urn);
      if (provider.delete) {
        await provider.delete(id, plainValue(props));
      }
    },
  };
}
