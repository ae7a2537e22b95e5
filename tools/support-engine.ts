/**
 * The Pulumi engine's steps for one dynamic resource, driven through the real dynamic-provider
 * host (`./host`), for `npm run bench`.
 *
 * What it owns: the order of gRPC calls the engine makes for a resource in a `pulumi up`, and
 * the state it keeps between them, small enough to read in one sitting. Each rule was read from
 * pulumi/pulumi `pkg/resource/deploy/step_generator.go` (GenerateSteps, generateStepsFromDiff) and
 * `deployment_executor.go` (mirror of 2026-08-21, v3.259.0+); it models one resource in a run that
 * succeeds, nothing about failed runs: for those, the engine scenarios (tests/engine) run the real
 * engine.
 *
 * - Check(olds = the inputs in state, news) always comes first; failures stop the step.
 * - No state: Create(checked inputs).
 * - State: Diff(id, olds = the outputs in state, news = checked inputs), then
 *   - DIFF_NONE: nothing (the state keeps its outputs, with the new inputs);
 *   - replacement: create-before-delete (the engine's default): Create now, and the old resource
 *     is returned as `replaced` for the caller to delete at the END of the run, after everything
 *     that depends on the new one. With `deleteBeforeReplace`, Delete first, then Create;
 *   - other changes: Update(id, olds = outputs in state, news).
 *   A provider that answers DIFF_UNKNOWN (no `diff`) is refused: both providers here implement it.
 *
 * Also: the host environment every bench (and host test) host gets (no `OPTIMA_*` variable from
 * the caller's shell leaks in), the stack config pointing the registration provider at the
 * emulator, the emulator's request log, and secret fingerprints for output (the bench and the
 * rehearsal). Nothing here prints; callers decide what to show.
 */
import { createHash } from "node:crypto";
import type { Emulator, EmulatorRequest } from "./emulator/index";
import { MAX_RECORDED_REQUESTS } from "./emulator/state";
import type { DiffResult, DynamicHost } from "./host";

/** A resource as the engine keeps it in state. */
export interface ResourceState {
  readonly id: string;
  /** The checked inputs of the last deployment (what Check gets as `olds`). */
  readonly inputs: Record<string, unknown>;
  /** The provider's outputs (what Diff, Update, Read and Delete get). */
  readonly outputs: Record<string, unknown>;
}

/** What the engine did for one resource in one run. */
export type StepKind = "create" | "update" | "replace" | "same";

export interface AppliedStep {
  readonly kind: StepKind;
  readonly state: ResourceState;
  /** The old resource of a create-before-delete replacement: delete it at the end of the run. */
  readonly replaced?: ResourceState;
  /** The provider's diff, when there was state to diff against. */
  readonly diff?: DiffResult;
  /** The gRPC calls made, in order, e.g. `["Check", "Diff", "Update"]`. */
  readonly calls: readonly string[];
}

/**
 * Runs the engine's steps for one resource with desired inputs `news`: check, then create, or
 * diff and update / replace / nothing. Throws with the provider's check failures or error.
 */
export async function applyResource(
  host: DynamicHost,
  urn: string,
  old: ResourceState | undefined,
  news: Record<string, unknown>,
): Promise<AppliedStep> {
  const calls: string[] = ["Check"];
  const checked = await host.check(urn, old?.inputs ?? {}, news);
  if (checked.failures.length > 0) {
    const reasons = checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
    throw new Error(`Check of ${urn} failed: ${reasons}`);
  }
  const inputs = checked.inputs;

  const create = async (): Promise<ResourceState> => {
    calls.push("Create");
    const created = await host.create(urn, inputs);
    return { id: created.id, inputs, outputs: created.properties };
  };

  if (old === undefined) {
    return { kind: "create", state: await create(), calls };
  }

  calls.push("Diff");
  const diff = await host.diff(old.id, urn, old.outputs, inputs);
  if (diff.kind === "unknown") {
    throw new Error(
      `Diff of ${urn} answered DIFF_UNKNOWN: this engine simulation expects providers that implement diff`,
    );
  }
  if (diff.kind === "none") {
    return { kind: "same", state: { id: old.id, inputs, outputs: old.outputs }, diff, calls };
  }
  if (diff.replaces.length > 0) {
    if (diff.deleteBeforeReplace) {
      calls.push("Delete");
      await host.delete(old.id, urn, old.outputs);
      return { kind: "replace", state: await create(), diff, calls };
    }
    return { kind: "replace", state: await create(), replaced: old, diff, calls };
  }
  calls.push("Update");
  const updated = await host.update(old.id, urn, old.outputs, inputs);
  return { kind: "update", state: { id: old.id, inputs, outputs: updated.properties }, diff, calls };
}

// ---------------------------------------------------------------------------------------------
// Hosts pointed at the emulator

/** Every environment variable the registration provider falls back to: removed from the hosts' environment. */
const OPTIMA_ENV = [
  "OPTIMA_REFRESH_TOKEN",
  "OPTIMA_SERVICE_ACCOUNT_ID",
  "OPTIMA_SERVICE_ACCOUNT_SECRET",
  "OPTIMA_REGION",
  "OPTIMA_API_URL",
  "OPTIMA_FLEXERA_API_URL",
  "OPTIMA_AUTH_URL",
] as const;

/**
 * The environment of a bench or host-test host: the caller's, minus every `OPTIMA_*` fallback, so
 * that a real credential or URL in the shell can neither be used nor change the result.
 */
export function isolatedHostEnv(): Record<string, string | undefined> {
  return Object.fromEntries(OPTIMA_ENV.map((key) => [key, undefined]));
}

/**
 * The stack config (`optima:*`, as `Configure` receives it) that points the registration
 * provider at the emulator, with the emulator's fixed, non-secret demo refresh token.
 */
export function emulatorStackConfig(emulator: Emulator, refreshToken: string): Record<string, string> {
  return {
    "optima:refreshToken": refreshToken,
    "optima:apiUrl": emulator.apiUrl,
    "optima:flexeraApiUrl": emulator.flexeraApiUrl,
    "optima:authUrl": emulator.authUrl,
  };
}

// ---------------------------------------------------------------------------------------------
// The emulator's request log

/** A point in the emulator's request log: the last request received so far (undefined: none yet). */
export type LogMark = EmulatorRequest | undefined;

export function markLog(emulator: Emulator): LogMark {
  return emulator.requests[emulator.requests.length - 1];
}

/**
 * The requests received after `mark`. Throws when the log (which keeps the last
 * {@link MAX_RECORDED_REQUESTS}) may have dropped some of them, rather than under-count.
 */
export function requestsSince(emulator: Emulator, mark: LogMark): EmulatorRequest[] {
  const log = emulator.requests;
  const start = mark === undefined ? 0 : log.lastIndexOf(mark) + 1;
  if ((mark === undefined && log.length >= MAX_RECORDED_REQUESTS) || (mark !== undefined && start === 0)) {
    throw new Error(
      `the emulator's request log (the last ${MAX_RECORDED_REQUESTS} requests) overflowed, so requests cannot be counted; use fewer registrations`,
    );
  }
  return log.slice(start);
}

/** Whether a request went to a token endpoint (Flexera One, legacy RightScale or the simulated Entra ID). */
export function isTokenRequest(request: EmulatorRequest): boolean {
  return (
    request.path === "/oidc/token" || request.path === "/api/oauth2" || request.path.startsWith("/entra/")
  );
}

// ---------------------------------------------------------------------------------------------
// Output

/**
 * A short fingerprint of a secret for output: `sha256:` and the first 12 hex digits of its
 * SHA-256. It shows which key is which without revealing a single character of it.
 */
export function fingerprint(secret: string): string {
  return `sha256:${createHash("sha256").update(secret, "utf8").digest("hex").slice(0, 12)}`;
}

/** Field names whose values are never shown, only fingerprinted. */
const SECRET_FIELD = /secret|password|token|assertion/i;

/**
 * A JSON or form body as `name=value` pairs for output: values of secret-named fields, and any
 * value equal to a known secret, become fingerprints. Nested objects are shown by their keys only.
 */
export function maskedFields(body: unknown, knownSecrets: ReadonlySet<string>): string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return body === undefined ? "" : "(body not shown)";
  }
  return Object.entries(body as Record<string, unknown>)
    .map(([name, value]) => {
      if (typeof value === "string" && (SECRET_FIELD.test(name) || knownSecrets.has(value))) {
        return `${name}=${fingerprint(value)}`;
      }
      if (typeof value === "object" && value !== null) {
        return `${name}={${Object.keys(value).join(",")}}`;
      }
      return `${name}=${String(value)}`;
    })
    .join(" ");
}

/** Milliseconds as seconds with two decimals, e.g. `1.23 s`. */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/**
 * Rejects when `run` takes longer than `ms`. The caller closes what `run` waits on (hosts, the
 * emulator) in its `finally`, which ends the abandoned work. The timer never keeps the process alive.
 */
export async function withDeadline<T>(what: string, ms: number, run: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${seconds(ms)}`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
