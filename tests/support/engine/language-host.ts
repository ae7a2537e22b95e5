/**
 * A thin Node.js language host for the real Pulumi engine, used where the Go host
 * (`pulumi-language-nodejs`) cannot be built: the Go module proxy refuses its module
 * (`github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3`, which has no tags) on this
 * project's machines. The engine starts it as the plugin `pulumi-language-nodejs` from PATH.
 *
 * What it owns, each point read from the Go host (pulumi/pulumi
 * `sdk/nodejs/cmd/pulumi-language-nodejs/main.go`, mirror of 2026-08-21, SDK 3.260.0):
 * - Start-up: the engine address is the last argument (`flag.Args()[0]` after flags such as
 *   `--tracing`); the host prints its gRPC port as the first line of stdout (`fmt.Printf("%d\n",
 *   handle.Port)`), and stops when the engine goes away (`rpcutil.Healthcheck`; here a TCP probe).
 * - GetPluginInfo, Run and RunPlugin are served; every other method answers UNIMPLEMENTED, which the engine
 *   accepts for Handshake, GetRequiredPackages and GetRequiredPlugins (`sdk/go/common/resource/plugin/
 *   langruntime_plugin.go`: "older language host" fallbacks), so plugins load on demand.
 * - Run (`constructArguments`, `execRuntime`): `node <@pulumi/pulumi/cmd/run resolved from the
 *   program directory> --monitor M --engine E --organization O --project P --root-directory R
 *   --stack S --pwd D [--dry-run] --parallel N <entry point> [args…]`, in the program directory,
 *   with `PULUMI_CONFIG` (a JSON object), `PULUMI_CONFIG_SECRET_KEYS` (a JSON array) and, for the
 *   runtime option `typescript`, `PULUMI_NODEJS_TYPESCRIPT=true` (the SDK then loads ts-node). Exit code 32 means the program
 *   already reported its error (`Bail`); another non-zero code is "Program exited with non-zero
 *   exit code: N". The program's stdout and stderr go to the host's, which the engine shows.
 * - RunPlugin (a plugin folder with a PulumiPlugin.yaml of runtime nodejs: the optima-csp provider
 *   plugin, provider/): read from the Go host's `RunPlugin` (pulumi/pulumi mirror of 2026-08-21):
 *   `node <@pulumi/pulumi/cmd/run-plugin resolved from the plugin folder> <plugin folder> <args…>`,
 *   in the request's `pwd`, with exactly the request's `env` (`cmd.Env = req.Env`) plus
 *   `PULUMI_NODEJS_TYPESCRIPT=true` unless the runtime option `typescript` is false; its stdout and
 *   stderr stream back as `RunPluginResponse`s (`rpcutil.MakeRunPluginStreams`), the exit code last
 *   (proto/pulumi/language.proto: "This should be the last message sent by the host"). Policy
 *   packs (`kind` analyzer) are refused: nothing here runs one.
 * Unlike the Go host: with `OPTIMA_CSP_PROGRAM_TRANSPILE_CACHE` set (the engine workspace sets it),
 * a TypeScript program is loaded through ./program-transpile (`node -r`: each file transpiled once
 * per content, as ts-node's transpile-only mode would) instead of ts-node in every program process.
 * Not done (the Go host does; nothing here needs it): the monitor proxy and the `--sync` pipes for
 * synchronous invokes, debugger attachment, Bun, `nodeargs`, `tsconfig` options, dependency
 * installation, code generation.
 *
 * Test infrastructure only: not part of the package.
 */
import * as grpc from "@grpc/grpc-js";
import { spawn, type ChildProcess } from "node:child_process";
import { connect } from "node:net";

/* eslint-disable @typescript-eslint/no-require-imports */
const langrpc = require("@pulumi/pulumi/proto/language_grpc_pb");
const langproto = require("@pulumi/pulumi/proto/language_pb");
const pluginproto = require("@pulumi/pulumi/proto/plugin_pb");
const emptyproto = require("google-protobuf/google/protobuf/empty_pb");
/* eslint-enable @typescript-eslint/no-require-imports */

/** `nodeJSProcessExitedAfterShowingUserActionableMessage` in the Go host. */
const EXIT_ALREADY_REPORTED = 32;
/** Probe the engine this often; stop after this many failed probes in a row. */
const PROBE_INTERVAL_MS = 2_000;
const PROBE_FAILURES_TO_EXIT = 3;

interface RunRequest {
  getProject(): string;
  getStack(): string;
  getArgsList(): string[];
  getConfigMap(): { toObject(): [string, string][] };
  getDryrun(): boolean;
  getParallel(): number;
  getMonitorAddress(): string;
  getConfigsecretkeysList(): string[];
  getOrganization(): string;
  getInfo():
    | {
        getRootDirectory(): string;
        getProgramDirectory(): string;
        getEntryPoint(): string;
        getOptions(): { toJavaScript(): Record<string, unknown> } | undefined;
      }
    | undefined;
  getPwd(): string;
  getProgram(): string;
}

type Callback = (error: grpc.ServiceError | null, value?: unknown) => void;

const running = new Set<ChildProcess>();

/** The command line of the program process (see the module comment). */
export function runArguments(req: RunRequest, runPath: string, engineAddress: string): string[] {
  const info = req.getInfo();
  const programDirectory = info?.getProgramDirectory() || req.getPwd();
  const args = [runPath];
  const add = (name: string, value: string): void => {
    if (value !== "") {
      args.push(`--${name}`, value);
    }
  };
  add("monitor", req.getMonitorAddress());
  add("engine", engineAddress);
  add("organization", req.getOrganization());
  add("project", req.getProject());
  add("root-directory", info?.getRootDirectory() ?? "");
  add("stack", req.getStack());
  add("pwd", programDirectory);
  if (req.getDryrun()) {
    args.push("--dry-run");
  }
  add("parallel", String(req.getParallel()));
  args.push(info?.getEntryPoint() || req.getProgram() || ".", ...req.getArgsList());
  return args;
}

function run(engineAddress: string) {
  return (call: { request: RunRequest }, callback: Callback): void => {
    const req = call.request;
    const reply = (error: string, bail = false): void => {
      const response = new langproto.RunResponse();
      response.setError(error);
      response.setBail(bail);
      callback(null, response);
    };
    const info = req.getInfo();
    const programDirectory = info?.getProgramDirectory() || req.getPwd() || process.cwd();
    let runPath: string;
    try {
      runPath = require.resolve("@pulumi/pulumi/cmd/run", { paths: [programDirectory] });
    } catch {
      reply(`could not find @pulumi/pulumi/cmd/run from ${programDirectory}: run npm install there`);
      return;
    }
    const options = info?.getOptions()?.toJavaScript() ?? {};
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PULUMI_CONFIG: JSON.stringify(Object.fromEntries(req.getConfigMap().toObject())),
      PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(req.getConfigsecretkeysList()),
    };
    const nodeArgs: string[] = [];
    if (options.typescript !== false) {
      if (process.env.OPTIMA_CSP_PROGRAM_TRANSPILE_CACHE) {
        // TypeScript through ./program-transpile (each file once per content), not ts-node.
        nodeArgs.push("-r", require.resolve("./program-transpile"));
      } else {
        env.PULUMI_NODEJS_TYPESCRIPT = "true";
      }
    }
    const child = spawn(process.execPath, [...nodeArgs, ...runArguments(req, runPath, engineAddress)], {
      cwd: programDirectory,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    running.add(child);
    child.stdout?.pipe(process.stdout, { end: false });
    child.stderr?.pipe(process.stderr, { end: false });
    child.on("error", (error) => {
      running.delete(child);
      reply(`Problem executing program (could not run language executor): ${error.message}`);
    });
    child.on("close", (code, signal) => {
      running.delete(child);
      if (code === 0) {
        reply("");
      } else if (code === EXIT_ALREADY_REPORTED) {
        reply("", true);
      } else {
        reply(`Program exited with non-zero exit code: ${code ?? signal}`);
      }
    });
  };
}

interface RunPluginRequest {
  getPwd(): string;
  getArgsList(): string[];
  getEnvList(): string[];
  getKind(): string;
  getInfo():
    | { getProgramDirectory(): string; getOptions(): { toJavaScript(): Record<string, unknown> } | undefined }
    | undefined;
}

interface RunPluginCall {
  readonly request: RunPluginRequest;
  write(response: unknown): boolean;
  end(): void;
  emit(event: "error", error: Partial<grpc.ServiceError>): boolean;
}

/** The command line of a plugin process (see the module comment). */
export function runPluginArguments(req: RunPluginRequest, runPluginPath: string): string[] {
  const pluginDirectory = req.getInfo()?.getProgramDirectory() ?? "";
  return [runPluginPath, pluginDirectory, ...req.getArgsList()];
}

function runPlugin(call: RunPluginCall): void {
  const req = call.request;
  const refuse = (details: string): void => {
    call.emit("error", { code: grpc.status.FAILED_PRECONDITION, details });
  };
  const pluginDirectory = req.getInfo()?.getProgramDirectory() ?? "";
  if (req.getKind() === "analyzer") {
    refuse("this test host runs no policy pack");
    return;
  }
  let runPluginPath: string;
  try {
    runPluginPath = require.resolve("@pulumi/pulumi/cmd/run-plugin", { paths: [pluginDirectory] });
  } catch {
    refuse(`could not find @pulumi/pulumi/cmd/run-plugin from ${pluginDirectory}: run npm install there`);
    return;
  }
  const env: NodeJS.ProcessEnv = {};
  for (const entry of req.getEnvList()) {
    const equals = entry.indexOf("=");
    if (equals > 0) {
      env[entry.slice(0, equals)] = entry.slice(equals + 1);
    }
  }
  if (req.getInfo()?.getOptions()?.toJavaScript().typescript !== false) {
    env.PULUMI_NODEJS_TYPESCRIPT = "true";
  }
  const child = spawn(process.execPath, runPluginArguments(req, runPluginPath), {
    cwd: req.getPwd() || pluginDirectory,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const send = (set: "setStdout" | "setStderr") => (chunk: Buffer) => {
    const response = new langproto.RunPluginResponse();
    response[set](new Uint8Array(chunk));
    call.write(response);
  };
  child.stdout?.on("data", send("setStdout"));
  child.stderr?.on("data", send("setStderr"));
  child.on("error", (error) => {
    running.delete(child);
    refuse(`Problem executing plugin program (could not run language executor): ${error.message}`);
  });
  child.on("close", (code, signal) => {
    running.delete(child);
    const response = new langproto.RunPluginResponse();
    response.setExitcode(code ?? (signal ? 128 : 1));
    call.write(response);
    call.end();
  });
}

function getPluginInfo(_call: unknown, callback: Callback): void {
  const info = new pluginproto.PluginInfo();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  info.setVersion(require("@pulumi/pulumi/package.json").version as string);
  callback(null, info);
}

function cancel(_call: unknown, callback: Callback): void {
  for (const child of running) {
    child.kill("SIGINT");
  }
  callback(null, new emptyproto.Empty());
}

function unimplemented(name: string) {
  return (_call: unknown, callback: Callback): void =>
    callback({
      code: grpc.status.UNIMPLEMENTED,
      details: `${name} is not implemented by this test host`,
    } as grpc.ServiceError);
}

/** Stops the process once the engine has not answered `PROBE_FAILURES_TO_EXIT` probes in a row. */
function exitWhenEngineGoes(engineAddress: string): void {
  const colon = engineAddress.lastIndexOf(":");
  const host = engineAddress.slice(0, colon) || "127.0.0.1";
  const port = Number(engineAddress.slice(colon + 1));
  let failures = 0;
  const timer = setInterval(() => {
    const socket = connect({ host, port, timeout: PROBE_INTERVAL_MS });
    const done = (ok: boolean): void => {
      socket.destroy();
      failures = ok ? 0 : failures + 1;
      if (failures >= PROBE_FAILURES_TO_EXIT) {
        for (const child of running) {
          child.kill("SIGKILL");
        }
        process.exit(0);
      }
    };
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
    socket.once("timeout", () => done(false));
  }, PROBE_INTERVAL_MS);
  timer.unref();
}

function main(argv: readonly string[]): void {
  const engineAddress = argv.filter((a) => !a.startsWith("-")).pop() ?? "";
  const server = new grpc.Server();
  const implementation: Record<string, unknown> = {};
  for (const name of Object.keys(langrpc.LanguageRuntimeService)) {
    implementation[name] = unimplemented(name);
  }
  Object.assign(implementation, { run: run(engineAddress), runPlugin, getPluginInfo, cancel });
  server.addService(langrpc.LanguageRuntimeService, implementation as grpc.UntypedServiceImplementation);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
    if (error) {
      process.stderr.write(`language host: cannot listen: ${error.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
    if (engineAddress !== "") {
      exitWhenEngineGoes(engineAddress);
    }
  });
  // Keep the event loop alive while serving.
  setInterval(() => undefined, 1 << 30);
}

if (require.main === module) {
  main(process.argv.slice(2));
}
