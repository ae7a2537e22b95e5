/**
 * Pulumi mocks in the awsx manner, plus a small fake engine that remembers state between runs.
 *
 * - Every registration is recorded with its inputs (secrets still wrapped, as the engine would
 *   receive them) and the options that matter here (parent, import ID, ignoreChanges,
 *   retainOnDelete, deleteBeforeReplace, dependencies, additionalSecretOutputs), read from the
 *   registration request. A resource read with `Resource.get` is recorded too (op "read", its ID
 *   as `readId`): the SDK sends it as a ReadResource request, which the mock monitor hands to
 *   `newResource` with the ID.
 * - An invoke with no handler throws `Mock call not implemented: <token>`, so no lookup passes
 *   by accident.
 * - `FakeEngine.run` evaluates a program as one `pulumi up` that succeeds, by the one engine model
 *   (tests/support/engine/model.ts, each rule citing the Pulumi source it was read from): each resource is
 *   checked, then created, kept, updated or replaced. What replaces a resource is never decided
 *   here: it is each provider's own `check` and `diff` ({@link PROVIDER_RULES}), the azuread and
 *   random test doubles the engine scenarios run (tests/support/engine/doubles, rules citing
 *   terraform-provider-azuread v3.8.0 and terraform-provider-random v3.9.0) and optima-csp's own
 *   dynamic providers. Resources the run no longer declares are listed as deletes, dependents
 *   first; outputs listed in `additionalSecretOutputs` come back as secrets.
 *
 * `pulumi.runtime.setMocks` never calls a provider's create or update: the outputs of a created or
 * updated resource are minted here ({@link FakeEngine.mint}), shaped like the provider's (a new key
 * ID and value for a new password). Dynamic providers are still serialized (the SDK does that at
 * registration).
 */

import { createHash } from "node:crypto";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import type * as plugin from "@pulumi/pulumi/provider";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";
import { keyVerificationProvider } from "../../components/azure/keyVerification";
import { optimaRegistrationProvider } from "../../components/optima/provider";
import { flexeraChildOrgProvider } from "../../components/optima/childOrgProvider";
import { CHILD_ORG_TOKEN } from "../../components/plugin/children";
import { azureadDouble } from "./engine/doubles/azuread";
import { randomDouble } from "./engine/doubles/random";
import { SECRET_KEY, SECRET_SIG, plain, secret } from "./engine/doubles/common";
import {
  applyResource,
  checkAnswer,
  componentStep,
  deletesAtEnd,
  diffKind,
  markSecretOutputs,
  type EngineProvider,
  type StepKind,
} from "./engine/model";

/**
 * The secret signature on the wire (key and value) and its unwrapping have one home,
 * ./engine/doubles/common (which the test-double plugins load on their own); these are its names
 * here.
 */
export { SECRET_KEY as SECRET_SIG, SECRET_SIG as SECRET_SIG_VALUE } from "./engine/doubles/common";

export interface SecretWrapper {
  readonly [SECRET_KEY]: typeof SECRET_SIG;
  readonly value: unknown;
}

export function isSecretWrapper(value: unknown): value is SecretWrapper {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_KEY] === SECRET_SIG
  );
}

/** A value with every secret wrapper replaced by what it wraps (./engine/doubles/common `plain`). */
export const unwrapSecrets: (value: unknown) => unknown = plain;

/** Token types used in assertions. */
export const TYPES = {
  component: "optima-csp:azure:CspConnection",
  password: "azuread:index/applicationPassword:ApplicationPassword",
  appRegistration: "azuread:index/applicationRegistration:ApplicationRegistration",
  randomId: "random:index/randomId:RandomId",
  keyVaultSecret: "azure-native:keyvault:Secret",
  verification: "pulumi-nodejs:dynamic/optima-csp:KeyVerification",
  registration: "pulumi-nodejs:dynamic/optima-csp:Registration",
  childOrg: "pulumi-nodejs:dynamic/optima-csp:ChildOrg",
} as const;

export const TOKENS = {
  getApplication: "azuread:index/getApplication:getApplication",
  getClientConfig: "azuread:index/getClientConfig:getClientConfig",
  getDomains: "azuread:index/getDomains:getDomains",
} as const;

/** One resource registration, as the engine received it. */
export interface Registration {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly custom: boolean;
  /** Inputs as sent: secrets are {@link SecretWrapper}s. `__provider` is kept for dynamic resources. */
  readonly inputs: Record<string, unknown>;
  /** URN of the parent ("" for none). */
  readonly parent: string;
  readonly importId?: string;
  /** The ID a `Resource.get` read (a read, not a registration). */
  readonly readId?: string;
  readonly ignoreChanges: readonly string[];
  readonly retainOnDelete?: boolean;
  /** The `deleteBeforeReplace` option, when the program set it. */
  readonly deleteBeforeReplace?: boolean;
  /** URNs this resource depends on (explicit `dependsOn` and those of its inputs). */
  readonly dependencies: readonly string[];
  readonly additionalSecretOutputs: readonly string[];
  /**
   * The names of its aliases, as the SDK sends them (structured alias specs: the engine supplies
   * the resource's own type, parent, stack and project for a spec that names only a name).
   */
  readonly aliasNames: readonly string[];
  /** What the fake engine did with it in this run. */
  op: Op;
  /** The ID and outputs it got (secrets unwrapped). */
  id: string;
  outputs: Record<string, unknown>;
}

/** A step of the engine model, an import, a read, or a step that failed (a check failure, say). */
export type Op = StepKind | "import" | "read" | "failed";

export interface Invoke {
  readonly token: string;
  readonly inputs: Record<string, unknown>;
}

export type InvokeHandlers = Readonly<
  Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>>
>;

/** A resource as the fake engine keeps it in state. */
interface StateEntry {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  /** The checked inputs (secrets unwrapped, `__provider` dropped). */
  readonly inputs: Record<string, unknown>;
  readonly id: string;
  readonly outputs: Record<string, unknown>;
  readonly retainOnDelete?: boolean;
  /** Its parent and the URNs it depends on, which order the deletes at the end of a run. */
  readonly dependsOn: readonly string[];
}

/** One evaluated run. */
export interface Run<T> {
  /** What the program returned. */
  readonly value: T;
  readonly registrations: Registration[];
  readonly invokes: Invoke[];
  /** Errors the run reported (failed registrations), as the engine would print them. */
  readonly errors: string[];
  /**
   * Resources in the previous state that this run no longer declares, in the order the engine
   * deletes them at the end of the run (dependents first).
   */
  readonly deletes: {
    type: string;
    name: string;
    urn: string;
    id: string;
    outputs: Record<string, unknown>;
    retainOnDelete?: boolean;
  }[];
  /**
   * Previous outputs of resources this run replaced, by name (for a password: the old key, deleted
   * at the end of the run), with the old state's retention, which decides that delete.
   */
  readonly replaced: Record<
    string,
    { id: string; outputs: Record<string, unknown>; retainOnDelete?: boolean }
  >;
  /** The registration of a resource by name; throws if there is none. */
  byName(name: string): Registration;
  /** Registrations of one type. */
  ofType(type: string): Registration[];
  /** Names of the resources with the given ops. */
  namesWith(...ops: Op[]): string[];
}

export interface FakeEngineOptions {
  readonly invokes?: InvokeHandlers;
  /** State an imported or read resource reads back, by ID. */
  readonly importable?: Readonly<Record<string, Record<string, unknown>>>;
  readonly project?: string;
  readonly stack?: string;
}

/** A provider's own rules: what the engine asks it before deciding a step. */
type ProviderRules = Pick<EngineProvider, "check" | "diff">;

/** The rules of a resource plugin, as `@pulumi/pulumi/provider`'s server answers for it. */
function pluginRules(provider: plugin.Provider): ProviderRules {
  return {
    check: async (urn, olds, news) => checkAnswer(await provider.check?.(urn, olds, news), news),
    diff: async (id, urn, olds, news) => {
      const answer = await provider.diff?.(id, urn, olds, news);
      return {
        kind: diffKind(answer?.changes),
        replaces: answer?.replaces ?? [],
        deleteBeforeReplace: answer?.deleteBeforeReplace ?? false,
      };
    },
  };
}

/** The rules of a dynamic provider, as `@pulumi/pulumi`'s dynamic-provider host answers for it. */
function dynamicRules(provider: pulumi.dynamic.ResourceProvider): ProviderRules {
  return {
    check: async (_urn, olds, news) => checkAnswer(await provider.check?.(olds, news), news),
    diff: async (id, _urn, olds, news) => {
      const answer = await provider.diff?.(id, olds, news);
      return {
        kind: diffKind(answer?.changes),
        replaces: answer?.replaces ?? [],
        deleteBeforeReplace: answer?.deleteBeforeReplace ?? false,
      };
    },
  };
}

/**
 * The providers whose own `check` and `diff` decide each step, by type: the test doubles of the
 * azuread and random plugins that the engine scenarios run (tests/support/engine/doubles; ./rules there
 * cites the Terraform provider source of each rule), and optima-csp's two dynamic providers, the
 * objects the host would load. A type not listed (azure-native's Key Vault secret) has no model of
 * its provider: its inputs pass Check as they are, and a run that needs its Diff fails, saying so.
 */
const PROVIDER_RULES: Readonly<Record<string, ProviderRules>> = {
  [TYPES.password]: pluginRules(azureadDouble),
  [TYPES.appRegistration]: pluginRules(azureadDouble),
  [TYPES.randomId]: pluginRules(randomDouble),
  [TYPES.verification]: dynamicRules(keyVerificationProvider),
  [TYPES.registration]: dynamicRules(optimaRegistrationProvider),
  [TYPES.childOrg]: dynamicRules(flexeraChildOrgProvider),
};

function rulesOf(type: string): ProviderRules {
  return (
    PROVIDER_RULES[type] ?? {
      check: async (_urn, _olds, news) => ({ inputs: news, failures: [] }),
      diff: async () => {
        throw new Error(
          `fake engine: no model of the ${type} provider's diff, so this run's step for it cannot be decided; ` +
            "run it under the real engine (tests/engine) instead",
        );
      },
    }
  );
}

/** How long one run may take before the fake engine gives up on it. */
const RUN_TIMEOUT_MS = 20_000;

/**
 * The real `process`: under jest, the global `process` is a per-file copy whose events the
 * process never emits; `vm.runInThisContext` evaluates in the main context.
 */
function hostProcess(): NodeJS.Process {
  return vm.runInThisContext("process") as NodeJS.Process;
}

export class FakeEngine {
  private state = new Map<string, StateEntry>();
  private counter = 0;
  readonly project: string;
  readonly stack: string;

  constructor(private readonly options: FakeEngineOptions = {}) {
    this.project = options.project ?? "optima-csp";
    this.stack = options.stack ?? "test";
  }

  /**
   * Evaluates `program` as one run that succeeds and waits for every registration; what it
   * declared becomes the state of the next run.
   */
  async run<T>(program: () => T): Promise<Run<T>> {
    const registrations: Registration[] = [];
    const invokes: Invoke[] = [];
    const pendingOptions = new Map<string, Omit<Registration, "inputs" | "op" | "id" | "outputs" | "urn">>();
    const previous = this.state;
    const next = new Map<string, StateEntry>();
    const replaced: Run<T>["replaced"] = {};

    /** One resource's step, by the engine model, with the provider's own rules. */
    const step = async (
      args: MockResourceArgs,
      options: Omit<Registration, "inputs" | "op" | "id" | "outputs" | "urn">,
      urn: string,
    ): Promise<{ op: Op; id: string; inputs: Record<string, unknown>; outputs: Record<string, unknown> }> => {
      const comparable = comparableInputs(args.inputs);
      const old = previous.get(urn);
      if (options.readId !== undefined) {
        // ENGINE_RULES.readResource
        const read = this.options.importable?.[args.id ?? ""];
        if (!read) {
          throw new Error(`fake engine: nothing to read with ID ${args.id}`);
        }
        return { op: "read", id: args.id ?? "", inputs: comparable, outputs: { ...read } };
      }
      if (!options.custom) {
        // ENGINE_RULES.componentDiff
        const op = componentStep(old, comparable);
        const made = op === "create" ? this.mint(args.type, args.name, comparable) : old!;
        const outputs = op === "update" ? { ...made.outputs, ...comparable } : made.outputs;
        return { op, id: made.id, inputs: comparable, outputs };
      }
      if (args.id && (old === undefined || old.id !== args.id)) {
        // ENGINE_RULES.importWithId
        if (old !== undefined) {
          throw new Error(`fake engine: an import replacing ${urn} in state is not modelled`);
        }
        const read = this.options.importable?.[args.id];
        if (!read) {
          throw new Error(`fake engine: nothing to import with ID ${args.id}`);
        }
        return { op: "import", id: args.id, inputs: comparable, outputs: { ...comparable, ...read } };
      }
      if (options.ignoreChanges.length > 0) {
        throw new Error(`fake engine: ignoreChanges (${urn}) is not modelled`);
      }
      const applied = await applyResource(
        this.provider(args.type),
        urn,
        old && { id: old.id, inputs: old.inputs, outputs: old.outputs },
        comparable,
        { deleteBeforeReplace: options.deleteBeforeReplace },
      );
      if (applied.kind === "replace") {
        // ENGINE_RULES.retainFromOldState: the old half's delete follows the OLD state's retention.
        replaced[args.name] = { id: old!.id, outputs: old!.outputs, retainOnDelete: old!.retainOnDelete };
      }
      return { op: applied.kind, ...applied.state };
    };

    const mocks = {
      call: (args: MockCallArgs): Record<string, unknown> => {
        invokes.push({ token: args.token, inputs: args.inputs });
        const handler = this.options.invokes?.[args.token];
        if (!handler) {
          throw invokeError(`Mock call not implemented: ${args.token}`);
        }
        return handler(args.inputs);
      },
      newResource: async (
        args: MockResourceArgs,
      ): Promise<{ id: string | undefined; state: Record<string, unknown> }> => {
        const key = `${args.type}::${args.name}`;
        const options = pendingOptions.get(key);
        if (!options) {
          throw new Error(`fake engine: no registration request seen for ${key}`);
        }
        const urn = `urn:pulumi:${this.stack}::${this.project}::${urnType(options.parent, args.type)}::${args.name}`;
        // Recorded as the engine received it; a step that throws leaves it "failed".
        const registration: Registration = {
          ...options,
          urn,
          inputs: args.inputs,
          op: "failed",
          id: "",
          outputs: {},
        };
        registrations.push(registration);
        const { op, id, inputs, outputs } = await step(args, options, urn);
        Object.assign(registration, { op, id, outputs });
        next.set(urn, {
          type: args.type,
          name: args.name,
          urn,
          inputs,
          id,
          outputs,
          retainOnDelete: options.retainOnDelete,
          dependsOn: [...(options.parent ? [options.parent] : []), ...options.dependencies],
        });
        // ENGINE_RULES.secretOutputs: the engine marks these; the mock has to say so itself.
        return { id, state: markSecretOutputs(outputs, options.additionalSecretOutputs, secret) };
      },
    };

    await pulumi.runtime.setMocks(mocks, this.project, this.stack, false);
    // The mock monitor passes newResource only type, name, inputs, provider, custom and ID: read
    // the options from the registration request itself, just before the monitor handles it.
    // (`waitForRPCs` is internal to the SDK and not in its declarations, hence the typed require.)
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const settings = require("@pulumi/pulumi/runtime/settings") as {
      getMonitor(): {
        registerResource(req: RegisterRequest, cb: unknown): Promise<void>;
        readResource(req: ReadRequest, cb: unknown): Promise<void>;
      };
      waitForRPCs(): Promise<void>;
    };
    const monitor = settings.getMonitor();
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: RegisterRequest, cb: unknown) => {
      pendingOptions.set(`${req.getType()}::${req.getName()}`, {
        type: req.getType(),
        name: req.getName(),
        custom: req.getCustom(),
        parent: req.getParent(),
        ...(req.getImportid() ? { importId: req.getImportid() } : {}),
        ignoreChanges: req.getIgnorechangesList(),
        ...(req.hasRetainondelete() ? { retainOnDelete: req.getRetainondelete() } : {}),
        ...(req.getDeletebeforereplacedefined() ? { deleteBeforeReplace: req.getDeletebeforereplace() } : {}),
        dependencies: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        aliasNames: req
          .getAliasesList()
          .map((alias) => alias.getSpec()?.getName() ?? "")
          .filter((aliasName) => aliasName !== ""),
      });
      return original(req, cb);
    };
    const originalRead = monitor.readResource.bind(monitor);
    monitor.readResource = (req: ReadRequest, cb: unknown) => {
      pendingOptions.set(`${req.getType()}::${req.getName()}`, {
        type: req.getType(),
        name: req.getName(),
        custom: true,
        parent: req.getParent(),
        readId: req.getId(),
        ignoreChanges: [],
        dependencies: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        aliasNames: [],
      });
      return originalRead(req, cb);
    };

    // A registration whose inputs failed (a lookup that threw, say) rejects promises nobody
    // awaits, and what depends on it never resolves. The Pulumi language host owns the
    // process's unhandled-rejection handler while a program runs: it reports those errors and
    // ends the run. So does this, in place of jest's handler for the duration of the run.
    const errors: string[] = [];
    let lastError = 0;
    const onRejection = (reason: unknown): void => {
      lastError = Date.now();
      const message = (reason as { message?: unknown } | null)?.message;
      errors.push(typeof message === "string" ? message : String(reason));
    };
    const host = hostProcess();
    const saved = host.listeners("unhandledRejection");
    host.removeAllListeners("unhandledRejection");
    host.on("unhandledRejection", onRejection);
    let value: T;
    try {
      value = program();
      const settled = settings.waitForRPCs().then(() => "done" as const);
      for (const started = Date.now(); ;) {
        const outcome = await Promise.race([
          settled,
          new Promise((resolve) => setTimeout(resolve, 25, "tick")),
        ]);
        if (outcome === "done") {
          break;
        }
        if (errors.length > 0 && Date.now() - lastError >= 100) {
          break; // failed: what is left waits on what failed, as in a real run
        }
        if (Date.now() - started > RUN_TIMEOUT_MS) {
          throw new Error(`fake engine: the program did not finish within ${RUN_TIMEOUT_MS} ms`);
        }
      }
      // Let rejections of the last operations surface before the handler goes.
      for (let i = 0; i < 3; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      host.removeListener("unhandledRejection", onRejection);
      for (const listener of saved) {
        host.on("unhandledRejection", listener as (reason: unknown) => void);
      }
    }

    // ENGINE_RULES.deletesAtEnd, retainFromOldState
    const deletes = deletesAtEnd([...previous.values()], new Set(next.keys())).map(
      ({ type, name, urn, id, outputs, retainOnDelete }) => ({
        type,
        name,
        urn,
        id,
        outputs,
        retainOnDelete,
      }),
    );

    const byName = (name: string): Registration => {
      const found = registrations.filter((r) => r.name === name);
      if (found.length !== 1) {
        throw new Error(
          `expected one registration named ${name}, found ${found.length}: ${registrations.map((r) => r.name).join(", ")}`,
        );
      }
      return found[0];
    };
    this.state = next;
    return {
      value,
      registrations,
      invokes,
      errors,
      deletes,
      replaced,
      byName,
      ofType: (type) => registrations.filter((r) => r.type === type),
      namesWith: (...ops) => registrations.filter((r) => ops.includes(r.op)).map((r) => r.name),
    };
  }

  /**
   * The provider the engine model calls for a custom resource of `type`: its own check and diff,
   * and, in place of the create and update `setMocks` never makes, the outputs {@link mint} makes.
   * No provider's delete is ever called (a mocked resource exists nowhere).
   */
  private provider(type: string): EngineProvider {
    const rules = rulesOf(type);
    return {
      check: rules.check,
      diff: rules.diff,
      create: async (urn, inputs) => {
        const { id, outputs } = this.mint(type, urn.split("::").pop() ?? "", inputs);
        return { id, properties: outputs };
      },
      update: async (_id, _urn, olds, news) => ({ properties: { ...olds, ...news } }),
      delete: async () => {},
    };
  }

  /** New outputs for a created or replaced resource, like its provider would return. */
  private mint(
    type: string,
    name: string,
    inputs: Record<string, unknown>,
  ): { id: string; outputs: Record<string, unknown> } {
    const n = ++this.counter;
    const serial = String(n).padStart(12, "0");
    switch (type) {
      case TYPES.password: {
        const keyId = `00000000-0000-4000-8000-${serial}`;
        return {
          id: `${String(inputs.applicationId)}/password/${keyId}`,
          outputs: {
            ...inputs,
            keyId,
            value: `key-value-${n}-${createHash("sha256").update(name).digest("hex").slice(0, 8)}`,
          },
        };
      }
      case TYPES.randomId: {
        const hex = createHash("sha256")
          .update(`${this.stack}/${name}`)
          .digest("hex")
          .slice(0, 2 * Number(inputs.byteLength ?? 4));
        return {
          id: Buffer.from(hex, "hex").toString("base64url"),
          outputs: { ...inputs, hex, b64Url: Buffer.from(hex, "hex").toString("base64url") },
        };
      }
      case TYPES.verification: {
        const { secret: _secret, ...rest } = inputs;
        return {
          id: String(inputs.keyId),
          outputs: { ...rest, verifiedAt: "2026-01-01T00:00:00.000Z", attempts: 1 },
        };
      }
      case TYPES.registration:
        return { id: `registration-${serial}`, outputs: { ...inputs, adopted: false } };
      case TYPES.childOrg:
      case CHILD_ORG_TOKEN: {
        const orgId = String(900_000 + n);
        return { id: orgId, outputs: { ...inputs, orgId, orgName: inputs.name, adopted: false } };
      }
      default:
        return { id: `${name}-id-${serial}`, outputs: { ...inputs } };
    }
  }
}

/** The parts of the registration request read here. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getCustom(): boolean;
  getParent(): string;
  getImportid(): string;
  getIgnorechangesList(): string[];
  hasRetainondelete(): boolean;
  getRetainondelete(): boolean | undefined;
  getDeletebeforereplacedefined(): boolean;
  getDeletebeforereplace(): boolean;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
  /** Structured aliases (the mock monitor supports "aliasSpecs", so the SDK sends these). */
  getAliasesList(): { getSpec(): { getName(): string } | undefined }[];
}

/** The parts of a read request (`Resource.get`) read here. */
interface ReadRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getId(): string;
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
}

/** A URN's type part: the parent's type chain, then this type (`parent$child`). */
function urnType(parentUrn: string, type: string): string {
  if (!parentUrn) {
    return type;
  }
  const parentType = parentUrn.split("::")[2];
  return parentType === "pulumi:pulumi:Stack" ? type : `${parentType}$${type}`;
}

function comparableInputs(inputs: Record<string, unknown>): Record<string, unknown> {
  const { __provider: _provider, ...rest } = unwrapSecrets(inputs) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
}

/** The value of an Output, for assertions (rejects when the Output does). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Whether an Output is a secret. */
export function isSecretOutput(output: pulumi.Output<unknown>): Promise<boolean> {
  return pulumi.isSecret(output);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: the partner tenant as Azure AD answers for it

export const FIXTURE = {
  tenantId: "9d2f7c1e-5a4b-4c3d-8e9f-0a1b2c3d4e5f",
  clientId: "0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f",
  objectId: "6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8",
  appDisplayName: "Partner Center Web App",
  mpnId: "1234567",
  domain: "contoso.onmicrosoft.com",
  orgId: "12345",
} as const;

/**
 * An error as a failed invoke returns it: the SDK rejects with `new Error(err.details)`, so the
 * message has to be in `details`, as gRPC puts the provider's message there.
 */
export function invokeError(message: string): Error {
  return Object.assign(new Error(message), { details: message });
}

export type FixtureOverrides = Partial<Record<keyof typeof FIXTURE, string>>;

/** The handlers without those for the given tokens (so that calling them fails). */
export function without(handlers: InvokeHandlers, ...tokens: string[]): InvokeHandlers {
  return Object.fromEntries(Object.entries(handlers).filter(([token]) => !tokens.includes(token)));
}

/** Invoke handlers for a tenant that has the fixture's Web App. */
export function azureAdInvokes(overrides: FixtureOverrides = {}): InvokeHandlers {
  const f = { ...FIXTURE, ...overrides };
  return {
    [TOKENS.getApplication]: (inputs) => {
      if (inputs.clientId !== f.clientId) {
        throw invokeError(`Could not find application with client ID "${String(inputs.clientId)}"`);
      }
      return {
        id: `/applications/${f.objectId}`,
        objectId: f.objectId,
        clientId: f.clientId,
        displayName: f.appDisplayName,
      };
    },
    [TOKENS.getClientConfig]: () => ({
      id: "client-config",
      tenantId: f.tenantId,
      clientId: "deployer",
      objectId: "deployer-object",
    }),
    [TOKENS.getDomains]: (inputs) => {
      if (inputs.onlyDefault !== true && inputs.onlyInitial !== true) {
        throw new Error("getDomains called without onlyDefault: true or onlyInitial: true");
      }
      return {
        id: "domains",
        domains: [
          {
            domainName: f.domain,
            default: true,
            initial: true,
            verified: true,
            root: true,
            adminManaged: true,
            authenticationType: "Managed",
            supportedServices: [],
          },
        ],
      };
    },
  };
}

/** What reading (or importing) the fixture's app registration reads back. */
export function importableApp(overrides: FixtureOverrides = {}): Record<string, Record<string, unknown>> {
  const f = { ...FIXTURE, ...overrides };
  return {
    [`/applications/${f.objectId}`]: {
      clientId: f.clientId,
      objectId: f.objectId,
      displayName: f.appDisplayName,
      signInAudience: "AzureADMultipleOrgs",
      homepageUrl: "https://partner.example/",
    },
  };
}
