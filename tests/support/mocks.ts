/**
 * Pulumi mocks in the awsx manner, plus a small fake engine that remembers state between runs.
 *
 * - Every registration is recorded with its inputs (secrets still wrapped, as the engine would
 *   receive them) and the options that matter here (parent, import ID, ignoreChanges,
 *   retainOnDelete, dependencies, additionalSecretOutputs), read from the registration request.
 *   A resource read with `Resource.get` is recorded too (op "read", its ID as `readId`): the SDK
 *   sends it as a ReadResource request, which the mock monitor hands to `newResource` with the ID.
 * - An invoke with no handler throws `Mock call not implemented: <token>`, so no lookup passes
 *   by accident.
 * - `FakeEngine.run` evaluates a program as one `pulumi up` would: it compares each resource's
 *   inputs with the previous run's and decides create / same / update / replace the way the real
 *   providers would (every input of an `azuread.ApplicationPassword` forces replacement; a
 *   KeyVerification is replaced on a new key), keeps the outputs of resources that did not
 *   change, mints new ones (new key ID and value) for replaced ones, lists the resources the run
 *   no longer declares as deletes, and wraps outputs listed in `additionalSecretOutputs` as
 *   secrets, as the engine does.
 *
 * `pulumi.runtime.setMocks` never calls a dynamic provider: dynamic resources get the outputs
 * minted here. Their providers are still serialized (the SDK does that at registration).
 */

import { createHash } from "node:crypto";
import * as vm from "node:vm";
import * as pulumi from "@pulumi/pulumi";
import type { MockCallArgs, MockResourceArgs } from "@pulumi/pulumi/runtime/mocks";

/** The secret signature the SDK uses on the wire. */
export const SECRET_SIG = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

export interface SecretWrapper {
  readonly [SECRET_SIG]: typeof SECRET_SIG_VALUE;
  readonly value: unknown;
}

export function isSecretWrapper(value: unknown): value is SecretWrapper {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as Record<string, unknown>)[SECRET_SIG] === SECRET_SIG_VALUE
  );
}

/** A value with every secret wrapper replaced by what it wraps. */
export function unwrapSecrets(value: unknown): unknown {
  if (isSecretWrapper(value)) {
    return unwrapSecrets(value.value);
  }
  if (Array.isArray(value)) {
    return value.map(unwrapSecrets);
  }
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function wrapSecret(value: unknown): SecretWrapper {
  return { [SECRET_SIG]: SECRET_SIG_VALUE, value };
}

/** Token types used in assertions. */
export const TYPES = {
  component: "optima-csp:azure:CspConnection",
  password: "azuread:index/applicationPassword:ApplicationPassword",
  appRegistration: "azuread:index/applicationRegistration:ApplicationRegistration",
  randomId: "random:index/randomId:RandomId",
  keyVaultSecret: "azure-native:keyvault:Secret",
  verification: "pulumi-nodejs:dynamic/optima-csp:KeyVerification",
  registration: "pulumi-nodejs:dynamic/optima-csp:Registration",
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
  /** URNs this resource depends on (explicit `dependsOn` and those of its inputs). */
  readonly dependencies: readonly string[];
  readonly additionalSecretOutputs: readonly string[];
  /** What the fake engine did with it in this run. */
  op: Op;
  /** The ID and outputs it got (secrets unwrapped). */
  id: string;
  outputs: Record<string, unknown>;
}

export type Op = "create" | "same" | "update" | "replace" | "import" | "read";

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
  /** Inputs with secrets unwrapped and `__provider` dropped, for comparison. */
  readonly inputs: Record<string, unknown>;
  readonly id: string;
  readonly outputs: Record<string, unknown>;
  readonly retainOnDelete?: boolean;
}

/** One evaluated run. */
export interface Run<T> {
  /** What the program returned. */
  readonly value: T;
  readonly registrations: Registration[];
  readonly invokes: Invoke[];
  /** Errors the run reported (failed registrations), as the engine would print them. */
  readonly errors: string[];
  /** Resources in the previous state that this run no longer declares (deleted at its end). */
  readonly deletes: {
    type: string;
    name: string;
    urn: string;
    id: string;
    outputs: Record<string, unknown>;
    retainOnDelete?: boolean;
  }[];
  /** Previous outputs of resources this run replaced, by name (the old key that is deleted at the end). */
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
  readonly preview?: boolean;
}

/** Inputs whose change replaces a resource, by type (others update in place). `"*"`: any input. */
const REPLACE_ON: Readonly<Record<string, readonly string[] | "*">> = {
  [TYPES.password]: "*",
  [TYPES.randomId]: "*",
  [TYPES.verification]: ["keyId", "secret", "tenantId", "clientId", "scope"],
  [TYPES.registration]: ["target", "orgId", "mpnId", "tenantId", "billingAccountId"],
};

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

  /** The outputs in state of a resource by name (secrets unwrapped), or undefined. */
  outputsOf(name: string): Record<string, unknown> | undefined {
    return [...this.state.values()].find((e) => e.name === name)?.outputs;
  }

  /** Planned state of runs not committed yet. */
  private readonly planned = new WeakMap<
    object,
    { previous: Map<string, StateEntry>; next: Map<string, StateEntry> }
  >();

  /**
   * Evaluates `program` as one run and waits for every registration. With `commit` (default),
   * the run is taken to have succeeded and becomes the state; otherwise call {@link commit} with
   * what was actually applied.
   */
  async run<T>(program: () => T, options: { commit?: boolean } = {}): Promise<Run<T>> {
    const registrations: Registration[] = [];
    const invokes: Invoke[] = [];
    const pendingOptions = new Map<string, Omit<Registration, "inputs" | "op" | "id" | "outputs" | "urn">>();
    const previous = this.state;
    const next = new Map<string, StateEntry>();
    const replaced: Run<T>["replaced"] = {};

    const mocks = {
      call: (args: MockCallArgs): Record<string, unknown> => {
        invokes.push({ token: args.token, inputs: args.inputs });
        const handler = this.options.invokes?.[args.token];
        if (!handler) {
          throw invokeError(`Mock call not implemented: ${args.token}`);
        }
        return handler(args.inputs);
      },
      newResource: (args: MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } => {
        const key = `${args.type}::${args.name}`;
        const options = pendingOptions.get(key);
        if (!options) {
          throw new Error(`fake engine: no registration request seen for ${key}`);
        }
        const comparable = comparableInputs(args.inputs);
        const old = [...previous.values()].find((e) => e.type === args.type && e.name === args.name);
        let op: Op;
        let id: string;
        let outputs: Record<string, unknown>;
        if (options.readId !== undefined) {
          op = "read";
          id = args.id ?? "";
          outputs = { ...(this.options.importable?.[id] ?? {}) };
          if (!this.options.importable?.[id]) {
            throw new Error(`fake engine: nothing to read with ID ${id}`);
          }
        } else if (args.id) {
          op = old ? "same" : "import";
          id = args.id;
          outputs = { ...comparable, ...(this.options.importable?.[args.id] ?? {}) };
          if (!this.options.importable?.[args.id]) {
            throw new Error(`fake engine: nothing to import with ID ${args.id}`);
          }
        } else if (!old) {
          op = "create";
          ({ id, outputs } = this.mint(args.type, args.name, comparable));
        } else if (deepEqual(old.inputs, comparable)) {
          op = "same";
          ({ id, outputs } = old);
        } else if (replaces(args.type, old.inputs, comparable)) {
          op = "replace";
          replaced[args.name] = { id: old.id, outputs: old.outputs, retainOnDelete: old.retainOnDelete };
          ({ id, outputs } = this.mint(args.type, args.name, comparable));
        } else {
          op = "update";
          id = old.id;
          outputs = { ...old.outputs, ...comparable };
        }
        const urn = `urn:pulumi:${this.stack}::${this.project}::${urnType(options.parent, args.type)}::${args.name}`;
        registrations.push({ ...options, urn, inputs: args.inputs, op, id, outputs });
        next.set(urn, {
          type: args.type,
          name: args.name,
          urn,
          inputs: comparable,
          id,
          outputs,
          retainOnDelete: options.retainOnDelete,
        });
        // The engine marks these outputs secret; the mock has to say so itself.
        const state: Record<string, unknown> = { ...outputs };
        for (const field of options.additionalSecretOutputs) {
          if (field in state) {
            state[field] = wrapSecret(state[field]);
          }
        }
        return { id, state };
      },
    };

    await pulumi.runtime.setMocks(mocks, this.project, this.stack, this.options.preview ?? false);
    // The mock monitor passes newResource only type, name and inputs: read the options from the
    // registration request itself, just before the monitor handles it. (`waitForRPCs` is
    // internal to the SDK and not in its declarations, hence the typed require.)
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
        dependencies: req.getDependenciesList(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
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

    const deletes = [...previous.values()]
      .filter((e) => !next.has(e.urn))
      .map(({ type, name, urn, id, outputs, retainOnDelete }) => ({
        type,
        name,
        urn,
        id,
        outputs,
        retainOnDelete,
      }));

    const byName = (name: string): Registration => {
      const found = registrations.filter((r) => r.name === name);
      if (found.length !== 1) {
        throw new Error(
          `expected one registration named ${name}, found ${found.length}: ${registrations.map((r) => r.name).join(", ")}`,
        );
      }
      return found[0];
    };
    const run: Run<T> = {
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
    if (options.commit === false) {
      this.planned.set(run, { previous, next });
    } else {
      this.state = next;
    }
    return run;
  }

  /**
   * Records what a run not committed at evaluation actually did: resources whose steps are in
   * `done` (by URN) take their new state, the others keep their old one (so the next run plans
   * them again), and resources the run no longer declares leave state only if it completed.
   */
  commit(run: Run<unknown>, done: ReadonlySet<string>): void {
    const planned = this.planned.get(run);
    if (!planned) {
      throw new Error("fake engine: this run was committed at evaluation, or already");
    }
    this.planned.delete(run);
    const state = new Map<string, StateEntry>();
    const completed = [...planned.next.keys()].every((urn) => done.has(urn));
    for (const [urn, entry] of planned.previous) {
      if (!planned.next.has(urn) && !completed) {
        state.set(urn, entry);
      }
    }
    for (const [urn, entry] of planned.next) {
      const old = planned.previous.get(urn);
      if (done.has(urn)) {
        state.set(urn, entry);
      } else if (old) {
        state.set(urn, old);
      }
    }
    this.state = state;
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
  getDependenciesList(): string[];
  getAdditionalsecretoutputsList(): string[];
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

function replaces(type: string, olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  const rule = REPLACE_ON[type];
  if (rule === "*") {
    return true;
  }
  return (rule ?? []).some((field) => !deepEqual(olds[field], news[field]));
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const ka = Object.keys(a as object).sort();
  const kb = Object.keys(b as object).sort();
  return (
    ka.length === kb.length &&
    ka.every((k, i) => k === kb[i]) &&
    ka.every((k) => deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
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
