/**
 * Drives a dynamic provider the way the Pulumi engine does: serialize it with `@pulumi/pulumi`'s
 * closure serializer, start the real host process (`@pulumi/pulumi/cmd/dynamic-provider`), and
 * call it over gRPC (`ResourceProviderClient`). Used by tests and `npm run bench`.
 *
 * What it owns: the host's lifecycle (startup with a bounded wait for the port line, captured
 * stderr, SIGTERM then SIGKILL on close, a last-resort kill when the parent exits), the
 * conversion of plain objects to and from `google.protobuf.Struct`, the `__provider` property
 * the engine adds to every request, and a deadline on every RPC. gRPC errors become `Error`s
 * whose message is the host's details message (the provider's own error message).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { serializeFunction } from "@pulumi/pulumi/runtime/closure/serializeClosure";
import type { EngineProvider } from "./engine/model";
import { isolatedHostEnv } from "./host-env";

/** The property under which the engine passes the serialized provider. */
export const PROVIDER_KEY = "__provider";
/** How long `startHost` waits for the host to print its port. */
export const STARTUP_TIMEOUT_MS = 30_000;
/** Default deadline of one RPC. */
export const RPC_TIMEOUT_MS = 60_000;
/** How long `close()` waits after SIGTERM, and then after SIGKILL. */
const TERM_GRACE_MS = 3_000;
const KILL_GRACE_MS = 2_000;
/** At most this much of the host's stderr is kept (the tail). */
const MAX_STDERR_CHARS = 256 * 1024;
/** How often the host's peak RSS is sampled while it runs. */
const RSS_SAMPLE_MS = 200;

/**
 * Serializes a provider object exactly as `@pulumi/pulumi` does for a dynamic resource's
 * `__provider` property. `allowSecrets` is on, as in the SDK; the caller is responsible for not
 * capturing secrets (tests assert the text contains none).
 */
export async function serializeProvider(provider: object): Promise<string> {
  const serialized = await serializeFunction(() => provider, { allowSecrets: true });
  return serialized.text;
}

export interface HostOptions {
  /** The serialized provider (`serializeProvider`), sent as `__provider` with every request. */
  readonly providerText: string;
  /** Working directory of the host; bare `require("x")` in the provider resolves from here. */
  readonly cwd?: string;
  /**
   * Environment of the host: merged over this process's environment; a key set to `undefined`
   * is removed. (Under jest, `process.env` is a sandbox copy: pass what the host must see here.)
   */
  readonly env?: Record<string, string | undefined>;
  /** Directory of the `@pulumi/pulumi` to run the host from; default this project's. */
  readonly pulumiPackageDir?: string;
  /**
   * The `node` executable that runs the host; default this process's (`process.execPath`). The
   * engine starts the host as `node` from PATH, so a caller testing another Node.js version also
   * puts that executable's directory first on PATH in `env`.
   */
  readonly nodePath?: string;
  /** Deadline of each RPC in ms (default `RPC_TIMEOUT_MS`). */
  readonly rpcTimeoutMs?: number;
  /** How long to wait for the host to start, in ms (default `STARTUP_TIMEOUT_MS`). */
  readonly startupTimeoutMs?: number;
}

export interface CheckResult {
  inputs: Record<string, unknown>;
  failures: { property: string; reason: string }[];
}

export interface DiffResult {
  /** True when the provider reported changes (`DIFF_SOME`). */
  changes: boolean;
  replaces: string[];
  deleteBeforeReplace: boolean;
  stables: string[];
  /** The raw answer: `DIFF_UNKNOWN` is what a provider without `diff` (or `changes: undefined`) gives. */
  kind: "some" | "none" | "unknown";
}

/**
 * A dynamic provider in its real host process: the provider calls of the engine model
 * (./engine/model `EngineProvider`: check, diff with the raw kind and stables, create, update,
 * delete) over gRPC, and the rest of the host's protocol.
 */
export interface DynamicHost extends EngineProvider<CheckResult, DiffResult> {
  readonly pid: number;
  /** Sends `ConfigureRequest.args`; keys are namespaced like the engine's (`optima:refreshToken`). */
  configure(config: Record<string, string>): Promise<void>;
  /** An empty `id` in the answer means the resource is gone. */
  read(
    id: string,
    urn: string,
    props: Record<string, unknown>,
    inputs?: Record<string, unknown>,
  ): Promise<{ id: string; properties: Record<string, unknown>; inputs: Record<string, unknown> }>;
  /** Peak resident set size of the host process (`VmHWM`), sampled while it runs; Linux only. */
  peakRssBytes(): number | undefined;
  /** What the host wrote to stderr (the last 256 KiB). */
  readonly stderr: string;
  /** Closes the channel and stops the host (SIGTERM, then SIGKILL). Idempotent. */
  close(): Promise<void>;
}

/** A URN as the engine builds it: `urn:pulumi:{stack}::{project}::{type}::{name}`. */
export function urnFor(type: string, name: string, stack = "test", project = "optima-csp"): string {
  return `urn:pulumi:${stack}::${project}::${type}::${name}`;
}

// ---------------------------------------------------------------------------------------------
// Pure helpers

/** What a Diff and an Update request share (pulumi/proto provider.proto: id, urn, olds, news). */
interface ChangeRequest {
  setId(id: string): void;
  setUrn(urn: string): void;
  setOlds(olds: Struct): void;
  setNews(news: Struct): void;
}

/** Plain JSON data only: `Struct.fromJavaScript` rejects `undefined` and class instances. */
function toStruct(value: Record<string, unknown>): Struct {
  return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, never>);
}

function withoutProvider(value: Record<string, unknown> | undefined): Record<string, unknown> {
  const { [PROVIDER_KEY]: _provider, ...rest } = value ?? {};
  return rest;
}

function diffKind(changes: provproto.DiffResponse.DiffChanges): DiffResult["kind"] {
  switch (changes) {
    case provproto.DiffResponse.DiffChanges.DIFF_SOME:
      return "some";
    case provproto.DiffResponse.DiffChanges.DIFF_NONE:
      return "none";
    default:
      return "unknown";
  }
}

/** `VmHWM` (peak RSS) of a process in bytes, or undefined when /proc is not available. */
function readVmHwm(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

function environment(overrides: Record<string, string | undefined> | undefined): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [key, value] of Object.entries(overrides ?? {})) {
    if (value === undefined) {
      delete env[key];
    } else {
      env[key] = value;
    }
  }
  return env;
}

// ---------------------------------------------------------------------------------------------
// Process lifecycle

/** Hosts still running: killed synchronously if this process exits without closing them. */
const live = new Set<ChildProcess>();
const killLive = (): void => {
  for (const child of live) {
    child.kill("SIGKILL");
  }
};
/** The exit hook is installed only while a host runs, so no listener outlives the hosts. */
function trackChild(child: ChildProcess): void {
  if (live.size === 0) {
    process.on("exit", killLive);
  }
  live.add(child);
  child.once("exit", () => {
    live.delete(child);
    if (live.size === 0) {
      process.off("exit", killLive);
    }
  });
}

function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve(true);
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off("exit", onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once("exit", onExit);
  });
}

/** Resolves with the port the host prints as its first stdout line. */
function readPort(child: ChildProcess, timeoutMs: number, stderr: () => string): Promise<number> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    const cleanup = (): void => {
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      child.off("exit", onExit);
      child.off("error", onError);
    };
    const fail = (why: string): void => {
      cleanup();
      const tail = stderr().trim();
      reject(
        new Error(`dynamic-provider host ${why}${tail === "" ? "" : `; its stderr:\n${tail.slice(-4000)}`}`),
      );
    };
    const onData = (chunk: Buffer): void => {
      buffered += chunk.toString("utf8");
      const newline = buffered.indexOf("\n");
      if (newline < 0) {
        if (buffered.length > 1024) {
          fail("printed no port line");
        }
        return;
      }
      const line = buffered.slice(0, newline).trim();
      const port = Number(line);
      cleanup();
      child.stdout?.resume(); // later output (a provider's console.log) is drained, not kept
      if (!/^\d+$/.test(line) || port < 1 || port > 65535) {
        reject(new Error(`dynamic-provider host printed "${line.slice(0, 80)}" instead of its gRPC port`));
        return;
      }
      resolve(port);
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
      fail(`exited before printing its port (code ${code}, signal ${signal})`);
    const onError = (err: Error): void => fail(`could not be started: ${err.message}`);
    const timer = setTimeout(() => fail(`printed no port within ${timeoutMs} ms`), timeoutMs);
    child.stdout?.on("data", onData);
    child.once("exit", onExit);
    child.once("error", onError);
  });
}

// ---------------------------------------------------------------------------------------------

type Unary<Req, Res> = (
  request: Req,
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: Res) => void,
) => grpc.ClientUnaryCall;

/**
 * Starts the real dynamic-provider host for a serialized provider and connects to it.
 * Every request carries `__provider`; every answer comes back without it.
 */
export async function startHost(options: HostOptions): Promise<DynamicHost> {
  const pulumiDir = options.pulumiPackageDir ?? path.dirname(require.resolve("@pulumi/pulumi/package.json"));
  const entry = path.join(pulumiDir, "cmd", "dynamic-provider", "index.js");
  const rpcTimeoutMs = options.rpcTimeoutMs ?? RPC_TIMEOUT_MS;
  const child = spawn(options.nodePath ?? process.execPath, [entry, "127.0.0.1:1"], {
    cwd: options.cwd ?? process.cwd(),
    env: environment(options.env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  trackChild(child);

  let stderr = "";
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => {
    stderr = (stderr + chunk).slice(-MAX_STDERR_CHARS);
  });

  let peak: number | undefined;
  const sample = (): void => {
    if (child.pid !== undefined && child.exitCode === null) {
      const hwm = readVmHwm(child.pid);
      if (hwm !== undefined) {
        peak = Math.max(peak ?? 0, hwm);
      }
    }
  };
  const sampler = setInterval(sample, RSS_SAMPLE_MS);
  sampler.unref();

  let client: ResourceProviderClient | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(sampler);
      sample();
      client?.close();
      if (!(await waitForExit(child, 0))) {
        child.kill("SIGTERM");
        if (!(await waitForExit(child, TERM_GRACE_MS))) {
          child.kill("SIGKILL");
          await waitForExit(child, KILL_GRACE_MS);
        }
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    })();
    return closing;
  };

  try {
    const port = await readPort(child, options.startupTimeoutMs ?? STARTUP_TIMEOUT_MS, () => stderr);
    client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    const connected = client;
    await new Promise<void>((resolve, reject) =>
      connected.waitForReady(Date.now() + (options.startupTimeoutMs ?? STARTUP_TIMEOUT_MS), (err) =>
        err
          ? reject(new Error(`cannot connect to the dynamic-provider host on port ${port}: ${err.message}`))
          : resolve(),
      ),
    );
  } catch (err) {
    await close();
    throw err;
  }
  const rpc = client;

  const call = <Req, Res>(name: string, method: Unary<Req, Res>, request: Req): Promise<Res> =>
    new Promise<Res>((resolve, reject) => {
      if (closing !== undefined) {
        reject(new Error(`${name}: the dynamic-provider host is closed`));
        return;
      }
      method.call(
        rpc,
        request,
        new grpc.Metadata(),
        { deadline: Date.now() + rpcTimeoutMs },
        (error, response) => {
          sample();
          if (error) {
            const wrapped = new Error(
              error.code === grpc.status.DEADLINE_EXCEEDED
                ? `${name}: no answer from the dynamic-provider host within ${rpcTimeoutMs} ms`
                : error.details || error.message,
            );
            (wrapped as Error & { code?: number }).code = error.code;
            reject(wrapped);
          } else {
            resolve(response);
          }
        },
      );
    });

  const withProvider = (props: Record<string, unknown>): Struct =>
    toStruct({ ...props, [PROVIDER_KEY]: options.providerText });

  /** A Diff or Update request: the resource and its old and new inputs. */
  const change = <R extends ChangeRequest>(
    req: R,
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): R => {
    req.setId(id);
    req.setUrn(urn);
    req.setOlds(withProvider(olds));
    req.setNews(withProvider(news));
    return req;
  };

  return {
    get pid(): number {
      return child.pid ?? -1;
    },
    get stderr(): string {
      return stderr;
    },
    async configure(config) {
      const req = new provproto.ConfigureRequest();
      const variables = req.getVariablesMap();
      for (const [key, value] of Object.entries(config)) {
        variables.set(key, value);
      }
      req.setArgs(toStruct(config));
      req.setAcceptsecrets(true);
      req.setAcceptresources(true);
      await call("Configure", rpc.configure, req);
    },
    async check(urn, olds, news) {
      const req = new provproto.CheckRequest();
      req.setUrn(urn);
      req.setOlds(withProvider(olds));
      req.setNews(withProvider(news));
      const res = await call("Check", rpc.check, req);
      return {
        inputs: withoutProvider(res.getInputs()?.toJavaScript()),
        failures: res.getFailuresList().map((f) => ({ property: f.getProperty(), reason: f.getReason() })),
      };
    },
    async diff(id, urn, olds, news) {
      const res = await call("Diff", rpc.diff, change(new provproto.DiffRequest(), id, urn, olds, news));
      const kind = diffKind(res.getChanges());
      return {
        changes: kind === "some",
        replaces: res.getReplacesList(),
        deleteBeforeReplace: res.getDeletebeforereplace(),
        stables: res.getStablesList(),
        kind,
      };
    },
    async create(urn, props) {
      const req = new provproto.CreateRequest();
      req.setUrn(urn);
      req.setProperties(withProvider(props));
      const res = await call("Create", rpc.create, req);
      return { id: res.getId(), properties: withoutProvider(res.getProperties()?.toJavaScript()) };
    },
    async read(id, urn, props, inputs) {
      const req = new provproto.ReadRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(withProvider(props));
      req.setInputs(withProvider(inputs ?? {}));
      const res = await call("Read", rpc.read, req);
      return {
        id: res.getId(),
        properties: withoutProvider(res.getProperties()?.toJavaScript()),
        inputs: withoutProvider(res.getInputs()?.toJavaScript()),
      };
    },
    async update(id, urn, olds, news) {
      const res = await call(
        "Update",
        rpc.update,
        change(new provproto.UpdateRequest(), id, urn, olds, news),
      );
      return { properties: withoutProvider(res.getProperties()?.toJavaScript()) };
    },
    async delete(id, urn, props) {
      const req = new provproto.DeleteRequest();
      req.setId(id);
      req.setUrn(urn);
      req.setProperties(withProvider(props));
      await call("Delete", rpc.delete, req);
    },
    peakRssBytes: () => {
      sample();
      return peak;
    },
    close,
  };
}

/**
 * The hosts of one serialized provider that a test file starts, none with an `OPTIMA_*` variable
 * (settings come from Configure only: ./host-env `isolatedHostEnv`), kept so that the file can
 * scan their stderr and close them all at its end.
 */
export class IsolatedHosts {
  readonly started: DynamicHost[] = [];
  providerText = "";

  /** A new host of `providerText`, with these variables added to the isolated environment. */
  async start(env: Record<string, string | undefined> = {}): Promise<DynamicHost> {
    const host = await startHost({
      providerText: this.providerText,
      cwd: process.cwd(),
      env: { ...isolatedHostEnv(), ...env },
    });
    this.started.push(host);
    return host;
  }

  /** What every host wrote to stderr so far. */
  stderr(): string[] {
    return this.started.map((h) => h.stderr);
  }

  closeAll(): Promise<void> {
    return Promise.all(this.started.map((h) => h.close())).then(() => undefined);
  }
}
