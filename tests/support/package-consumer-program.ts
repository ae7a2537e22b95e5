/**
 * The files of the consumer project the package test installs optima-csp into: a platform team's
 * Pulumi program reduced to what the test needs, and two TypeScript configurations.
 *
 * They are kept as text here (not as .ts files in the repository) because they import
 * "optima-csp", which only resolves inside the consumer project.
 *
 * - `tsconfig.json` is what `pulumi new typescript` gives (CommonJS, `moduleResolution: node`,
 *   which reads the package's `types` field) and emits `out/`;
 * - `tsconfig.node16.json` type-checks again with `node16` resolution, which reads the package's
 *   `exports` conditions instead.
 * - `src/program.ts` runs under `pulumi.runtime.setMocks`: it builds one `OptimaCspConnection`,
 *   answers only the invokes it expects (any other fails, naming its token), and prints one JSON
 *   object ({@link ConsumerReport}): what was registered (with each dynamic resource's serialized
 *   provider, as the engine would store it), what was invoked, and the registration provider
 *   serialized by `pulumi.runtime.serializeFunction` exactly as a dynamic resource does.
 *   `typeProbe` is never run; it fails to compile if the installed declarations degrade to `any`.
 */

/** One resource the consumer program registered. */
export interface ConsumerRegistration {
  readonly type: string;
  readonly name: string;
  /** `__provider` of a dynamic resource: the serialized provider the engine would store. */
  readonly provider?: string;
}

/** What `out/program.js` prints. */
export interface ConsumerReport {
  readonly registrations: readonly ConsumerRegistration[];
  readonly calls: readonly string[];
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly registrationProviderText: string;
  readonly registrationProviderContainsSecrets: boolean;
}

/** Identifiers the program uses (plain demo values, not credentials). */
export const CONSUMER_FIXTURE = {
  webAppClientId: "0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f",
  webAppObjectId: "6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8",
  tenantId: "9d2f7c1e-5a4b-4c3d-8e9f-0a1b2c3d4e5f",
  mpnId: "1234567",
  domain: "contoso.onmicrosoft.com",
  orgId: "12345",
} as const;

const PROGRAM = `/**
 * A platform team's program using optima-csp as installed from npm, run under mocks.
 * See tests/support/package-consumer-program.ts in optima-csp.
 */
import * as pulumi from "@pulumi/pulumi";
import { OptimaCspConnection, optimaRegistrationProvider, type OptimaCspConnectionArgs } from "optima-csp";

const FIXTURE = ${JSON.stringify(CONSUMER_FIXTURE, null, 2)} as const;

export const ARGS: OptimaCspConnectionArgs = {
  webApp: { clientId: FIXTURE.webAppClientId },
  mpnId: FIXTURE.mpnId,
  domain: FIXTURE.domain,
  optima: { orgId: FIXTURE.orgId },
  now: new Date("2026-03-01T00:00:00Z"),
};

/** Compile-time only: fails to build if the installed declarations degrade to \`any\`. */
export function typeProbe(connection: OptimaCspConnection): pulumi.Output<string>[] {
  // @ts-expect-error keyExpiresAfterDays is a number of days, not a string
  const wrong: OptimaCspConnectionArgs = { ...ARGS, keyExpiresAfterDays: "180" };
  void wrong;
  return [connection.activeKeyExpiresAt, connection.nextRotationAt, connection.registrationId];
}

interface Registration {
  type: string;
  name: string;
  provider?: string;
}
const registrations: Registration[] = [];
const calls: string[] = [];

/** Outputs the engine would add, by resource type. */
const OUTPUTS: Record<string, (name: string) => Record<string, unknown>> = {
  "azuread:index/applicationPassword:ApplicationPassword": (name) => ({ keyId: name + "-key-id", value: name + "-value" }),
  "random:index/randomId:RandomId": () => ({ hex: "a1b2c3d4", b64Url: "obLD1A", dec: "2712847316" }),
};

function serializedProvider(inputs: Record<string, unknown>): string | undefined {
  const value = inputs["__provider"];
  if (typeof value === "string") {
    return value;
  }
  const wrapped = value as { value?: unknown } | undefined;
  return typeof wrapped?.value === "string" ? wrapped.value : undefined;
}

const mocks: pulumi.runtime.Mocks = {
  newResource(args) {
    const provider = serializedProvider(args.inputs);
    registrations.push({ type: args.type, name: args.name, ...(provider === undefined ? {} : { provider }) });
    return { id: args.name + "-id", state: { ...args.inputs, ...(OUTPUTS[args.type]?.(args.name) ?? {}) } };
  },
  call(args) {
    calls.push(args.token);
    switch (args.token) {
      case "azuread:index/getApplication:getApplication":
        return {
          id: "/applications/" + FIXTURE.webAppObjectId,
          objectId: FIXTURE.webAppObjectId,
          clientId: args.inputs.clientId,
          displayName: "Partner Center Web App",
        };
      case "azuread:index/getClientConfig:getClientConfig":
        return { tenantId: FIXTURE.tenantId, clientId: FIXTURE.webAppClientId, objectId: FIXTURE.webAppObjectId };
      default:
        throw new Error("Mock call not implemented: " + args.token);
    }
  },
};

function settled<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((value) => (resolve(value), value)));
}

let reported = false;
process.on("beforeExit", () => {
  if (!reported) {
    console.error("the program's outputs never resolved");
    process.exitCode = 1;
  }
});

async function main(): Promise<void> {
  await pulumi.runtime.setMocks(mocks, "consumer", "ci", false);
  const connection = new OptimaCspConnection("csp", ARGS);
  const [registrationId, activeKeyId, previousKeyId, applicationObjectId, verificationId] = await Promise.all([
    settled(connection.registrationId),
    settled(connection.activeKeyId),
    settled(connection.previousKeyId),
    settled(connection.applicationObjectId),
    connection.verification ? settled(connection.verification.id) : Promise.resolve(undefined),
  ]);
  // As dynamic.Resource does: the provider is a local value, so it is serialized by value (a
  // closure over the imported binding would serialize a require of the package's index instead).
  const provider = optimaRegistrationProvider;
  const serialized = await pulumi.runtime.serializeFunction(() => provider, { allowSecrets: true });
  reported = true;
  process.stdout.write(
    JSON.stringify({
      registrations,
      calls,
      outputs: { registrationId, activeKeyId, previousKeyId, applicationObjectId, verificationId },
      registrationProviderText: serialized.text,
      registrationProviderContainsSecrets: serialized.containsSecrets,
    }),
  );
}

main().catch((err: unknown) => {
  reported = true;
  console.error(err instanceof Error ? err.stack : String(err));
  process.exitCode = 1;
});
`;

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    target: "ES2020",
    module: "commonjs",
    moduleResolution: "node",
    rootDir: "src",
    outDir: "out",
    types: ["node"],
    skipLibCheck: true,
    noUnusedLocals: true,
    noImplicitReturns: true,
    forceConsistentCasingInFileNames: true,
  },
  include: ["src/**/*.ts"],
};

const TSCONFIG_NODE16 = {
  extends: "./tsconfig.json",
  compilerOptions: { module: "node16", moduleResolution: "node16", noEmit: true },
};

/** The consumer project's files, by path relative to its directory. */
export function consumerFiles(dependencies: Readonly<Record<string, string>>): Record<string, string> {
  const manifest = { name: "optima-csp-consumer", version: "0.0.0", private: true, dependencies };
  return {
    "package.json": `${JSON.stringify(manifest, null, 2)}\n`,
    "tsconfig.json": `${JSON.stringify(TSCONFIG, null, 2)}\n`,
    "tsconfig.node16.json": `${JSON.stringify(TSCONFIG_NODE16, null, 2)}\n`,
    "src/program.ts": PROGRAM,
  };
}
