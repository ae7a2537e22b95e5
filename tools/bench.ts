/**
 * `npm run bench`: the registration provider under load, the way the engine runs it.
 *
 * For each scenario: start the local Optima emulator, serialize `optimaRegistrationProvider` as
 * `@pulumi/pulumi` does and start ONE real dynamic-provider host for it (the engine starts one
 * host per provider and sends it every resource of that provider), then
 *   1. create N registrations concurrently (Check → Create each, the steps of ./engine/model), and
 *   2. update all N concurrently with a new secret (Check → Diff → Update each).
 * It reports the wall time of each phase, the token requests of the whole run (goal: exactly 1,
 * shared by every resource of the host), the HTTP requests per create and per update by kind
 * (from the emulator's request log) next to the least the API allows for the same behaviour, and
 * the host's peak RSS. It exits non-zero when the token goal is missed, any operation fails, or
 * Optima does not end up holding exactly the N registrations with their new secrets.
 *
 * Scenarios: `csp-partner` with the emulator's default list (items carry only id/href/dates, so
 * "look for the partnership first" reads each listed item: O(N) reads per create when N
 * partnerships are created in one org), `csp-partner` with a list that carries the fields, and
 * `bill-connect`.
 *
 * Usage: npm run bench -- [--count N] [--target all|csp-partner|bill-connect] [--csp-list both|lean|full]
 *                         [--timeout SECONDS]
 *        npm run bench -- --customers N[,N…] [--parallel P]   (./bench-customers: a rotation's
 *                         fan-out to N CSP customers, without and with 429s)
 * Environment: BENCH_COUNT, BENCH_TARGET, BENCH_CSP_LIST, BENCH_TIMEOUT, BENCH_CUSTOMERS,
 * BENCH_PARALLEL (flags win).
 *
 * Pure parts (argument parsing, request classification, summaries, the table) are separate from
 * the run itself (`runBenchScenario`), which tests call with a small count.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { optimaRegistrationProvider } from "../components/optima/provider";
import {
  REGISTRATION_TARGETS,
  isRegistrationTarget,
  type RegistrationTarget,
} from "../components/optima/types";
import {
  DEFAULT_REFRESH_TOKEN,
  startEmulator,
  type Emulator,
  type EmulatorOptions,
  type EmulatorRequest,
} from "./emulator/index";
import { serializeProvider, startHost, urnFor, type DynamicHost } from "../tests/support/provider-host";
import { applyResource, type ResourceState } from "../tests/support/engine/model";
import {
  emulatorStackConfig,
  fingerprint,
  isolatedHostEnv,
  isTokenRequest,
  markLog,
  requestsSince,
  withDeadline,
} from "../tests/support/host-env";
import { markdownTable, mebibytes, seconds } from "./figures";
import { parseFlags } from "./cli";
import {
  DEFAULT_PARALLEL,
  MAX_CUSTOMERS,
  customersNotes,
  formatCustomersTable,
  runCustomersBench,
  type CustomersBenchResult,
} from "./bench-customers";

export const DEFAULT_COUNT = 50;
/**
 * The largest count accepted. With a list that lacks the MPN ID, requests grow as N², and a run
 * whose requests overflow the emulator's log fails with a message saying so rather than under-count.
 */
export const MAX_COUNT = 500;
export const DEFAULT_TIMEOUT_SECONDS = 300;

/** The Flexera org every bench registration is made in. */
export const BENCH_ORG_ID = "31337";
const REGISTRATION_TYPE = "pulumi-nodejs:dynamic/optima-csp:Registration";

export interface BenchScenario {
  readonly target: RegistrationTarget;
  /** `csp-partner` only: whether the emulator's list carries `mpn_id` on each item. */
  readonly cspListCarriesFields?: boolean;
}

export interface BenchOptions {
  readonly scenario: BenchScenario;
  /** Registrations created and then updated, concurrently. Default 50, at most {@link MAX_COUNT}. */
  readonly count?: number;
  /** The whole scenario's deadline, in ms. Default 300 s. */
  readonly timeoutMs?: number;
  /** Extra emulator options, for experiments (e.g. a short `tokenTtlSeconds`). */
  readonly emulatorOptions?: Omit<EmulatorOptions, "cspListCarriesFields">;
}

/** Request kinds as the contract names the calls (docs/optima-api.md §1A, §1C). */
export type RequestKind =
  "token" | "list" | "item read" | "create" | "update" | "delete" | "validation" | "other";

export interface PhaseResult {
  readonly wallMs: number;
  /** API requests (token requests aside) of the phase, by kind. */
  readonly requests: Readonly<Partial<Record<RequestKind, number>>>;
  /** API requests answered with a status other than 2xx (a 401 refresh, a 409, a failure). */
  readonly unsuccessful: number;
  /** The least the API allows for the phase's operations, in requests (see {@link minimumRequests}). */
  readonly minimum: number;
  /** Operations that failed, with the provider's (scrubbed) message. */
  readonly failures: readonly string[];
}

export interface BenchResult {
  readonly label: string;
  readonly scenario: BenchScenario;
  readonly count: number;
  readonly create: PhaseResult;
  readonly update: PhaseResult;
  /** Token requests of the whole run (both phases). Goal: 1. */
  readonly tokenRequests: number;
  /** `csp-partner` with a list lacking the MPN ID: the mean number of partnerships listed when a create looked. */
  readonly meanListed?: number;
  readonly peakRssBytes: number | undefined;
  /** The host's peak RSS after it started and was configured, before any registration: its baseline. */
  readonly baselineRssBytes: number | undefined;
  /** Size of the serialized provider, which the engine sends with every request to the host. */
  readonly providerBytes: number;
  /** Everything that makes the run a failure; empty when it met its goals. */
  readonly problems: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Pure: classification and summaries

const CSP_COLLECTION = /^\/analytics\/orgs\/[^/]+\/azure_csp_partners\/?$/;
const CSP_ITEM = /^\/analytics\/orgs\/[^/]+\/azure_csp_partners\/[^/]+\/?$/;
const BILL_LIST = /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/?$/;
const BILL_COLLECTION = /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/azure-csp\/?$/;
const BILL_ITEM = /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/azure-csp\/[^/]+\/?$/;
const BILL_VALIDATION =
  /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/azure-csp\/[^/]+\/validation\/?$/;

/** What a request was, by method and path as the contract gives them (not the client's mapping). */
export function classifyRequest(request: Pick<EmulatorRequest, "method" | "path">): RequestKind {
  const { method, path } = request;
  if (isTokenRequest(request as EmulatorRequest)) {
    return "token";
  }
  if (method === "GET" && BILL_VALIDATION.test(path)) {
    return "validation";
  }
  if (method === "GET" && (CSP_COLLECTION.test(path) || BILL_LIST.test(path))) {
    return "list";
  }
  if (method === "POST" && (CSP_COLLECTION.test(path) || BILL_COLLECTION.test(path))) {
    return "create";
  }
  if (CSP_ITEM.test(path) || BILL_ITEM.test(path)) {
    switch (method) {
      case "GET":
        return "item read";
      case "PATCH":
        return "update";
      case "DELETE":
        return "delete";
    }
  }
  return "other";
}

/** API requests (token requests aside) by kind, and how many were not answered with 2xx. */
export function tally(requests: readonly EmulatorRequest[]): {
  byKind: Partial<Record<RequestKind, number>>;
  unsuccessful: number;
} {
  const byKind: Partial<Record<RequestKind, number>> = {};
  let unsuccessful = 0;
  for (const request of requests) {
    const kind = classifyRequest(request);
    if (kind === "token") {
      continue;
    }
    byKind[kind] = (byKind[kind] ?? 0) + 1;
    if (request.status < 200 || request.status > 299) {
      unsuccessful++;
    }
  }
  return { byKind, unsuccessful };
}

/**
 * For each list request of a create phase, how many registrations the org held when it was
 * answered: the successful creates logged before it. The emulator answers in the order it logs,
 * so this is exactly what each list showed.
 */
export function listedAtEachLook(requests: readonly EmulatorRequest[]): number[] {
  const listed: number[] = [];
  let created = 0;
  for (const request of requests) {
    const kind = classifyRequest(request);
    if (kind === "list") {
      listed.push(created);
    } else if (kind === "create" && request.status >= 200 && request.status <= 299) {
      created++;
    }
  }
  return listed;
}

/**
 * The least the API allows, in requests, for `count` creates that look for the partnership
 * first (so that one made by hand is adopted, not duplicated) and for `count` updates:
 * - create: 1 list + 1 POST, plus, when the list does not carry the partnership key (the
 *   `csp-partner` list without `mpn_id`), 1 read per listed item: `listed` is what each list showed;
 * - update: 1 PATCH and 1 read of the registration: both targets answer a PATCH with 204 and no
 *   body (docs/optima-api.md §1A, §1C), and the provider records Optima's timestamp after its own
 *   write (`writtenAt`, components/optima/runtime.ts), so it reads it back (check and diff need no
 *   request).
 */
export function minimumRequests(
  phase: "create" | "update",
  count: number,
  listLacksKey: boolean,
  listed: readonly number[],
): number {
  if (phase === "update") {
    return 2 * count;
  }
  return 2 * count + (listLacksKey ? listed.reduce((sum, n) => sum + n, 0) : 0);
}

export function scenarioLabel(scenario: BenchScenario): string {
  if (scenario.target === "bill-connect") {
    return "bill-connect";
  }
  return scenario.cspListCarriesFields ? "csp-partner, list with mpn_id" : "csp-partner, list without mpn_id";
}

function listLacksKey(scenario: BenchScenario): boolean {
  return scenario.target === "csp-partner" && scenario.cspListCarriesFields !== true;
}

const KIND_ORDER: readonly RequestKind[] = [
  "list",
  "item read",
  "create",
  "update",
  "delete",
  "validation",
  "other",
];
const KIND_NAME: Record<RequestKind, string> = {
  token: "token",
  list: "list",
  "item read": "item reads",
  create: "POST",
  update: "PATCH",
  delete: "DELETE",
  validation: "validation GET",
  other: "other",
};

function perOp(n: number, count: number): string {
  const value = n / count;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** `13.42 (1 list + 11.42 item reads + 1 POST)`: requests per operation, by kind. */
export function formatPerOp(phase: PhaseResult, count: number): string {
  const total = Object.values(phase.requests).reduce((sum, n) => sum + (n ?? 0), 0);
  if (total === 0) {
    return "0";
  }
  const parts = KIND_ORDER.filter((kind) => (phase.requests[kind] ?? 0) > 0).map(
    (kind) => `${perOp(phase.requests[kind] ?? 0, count)} ${KIND_NAME[kind]}`,
  );
  const failed = phase.unsuccessful > 0 ? `; ${phase.unsuccessful} not 2xx` : "";
  return `${perOp(total, count)} (${parts.join(" + ")}${failed})`;
}

function formatMinimum(result: BenchResult, phase: "create" | "update"): string {
  if (phase === "update") {
    return `${perOp(result.update.minimum, result.count)} (1 PATCH + 1 read)`;
  }
  if (result.meanListed !== undefined) {
    return `${perOp(result.create.minimum, result.count)} (1 list + L item reads + 1 POST; mean L = ${result.meanListed.toFixed(2)})`;
  }
  return `${perOp(result.create.minimum, result.count)} (1 list + 1 POST)`;
}

/** The results as a Markdown table, one row per scenario. */
export function formatTable(results: readonly BenchResult[]): string {
  const header = [
    "Scenario",
    "N",
    "Create wall",
    "HTTP per create",
    "API minimum per create",
    "Update wall",
    "HTTP per update",
    "API minimum per update",
    "Token requests",
    "Host peak RSS (idle)",
  ];
  const rows = results.map((r) => [
    r.label,
    String(r.count),
    seconds(r.create.wallMs),
    formatPerOp(r.create, r.count),
    formatMinimum(r, "create"),
    seconds(r.update.wallMs),
    formatPerOp(r.update, r.count),
    formatMinimum(r, "update"),
    String(r.tokenRequests),
    `${mebibytes(r.peakRssBytes)} (${mebibytes(r.baselineRssBytes)})`,
  ]);
  return markdownTable(header, rows);
}

// ---------------------------------------------------------------------------------------------
// The run

interface Spec {
  readonly urn: string;
  readonly inputs: Record<string, string>;
  readonly nextSecret: string;
}

/** A random value shaped like an Azure client secret (40 characters). */
function newSecret(): string {
  return randomBytes(30).toString("base64url");
}

function specs(scenario: BenchScenario, count: number): Spec[] {
  return Array.from({ length: count }, (_, i) => {
    const common = { orgId: BENCH_ORG_ID, applicationId: randomUUID(), applicationSecret: newSecret() };
    const inputs =
      scenario.target === "csp-partner"
        ? {
            ...common,
            target: "csp-partner",
            mpnId: String(5_100_000 + i),
            domain: `partner${i}.onmicrosoft.com`,
          }
        : { ...common, target: "bill-connect", tenantId: randomUUID() };
    return { urn: urnFor(REGISTRATION_TYPE, `bench-${i}`, "bench"), inputs, nextSecret: newSecret() };
  });
}

/** Runs every operation concurrently; returns the wall time and each outcome. */
async function concurrently<T>(
  operations: readonly (() => Promise<T>)[],
): Promise<{ wallMs: number; settled: PromiseSettledResult<T>[] }> {
  const started = performance.now();
  const settled = await Promise.allSettled(operations.map((operation) => operation()));
  return { wallMs: performance.now() - started, settled };
}

const NOT_CREATED = "skipped: its create failed";
/** Distinct failure messages listed per phase; the rest are counted. */
const MAX_FAILURE_LINES = 5;

/**
 * The failures of a phase, one line per distinct message with its count (at most
 * {@link MAX_FAILURE_LINES}, then how many more). Every secret of the run
 * is replaced by its fingerprint: provider errors never carry one, and a bench must not print one either.
 */
export function summarizeFailures(
  phase: string,
  settled: readonly PromiseSettledResult<unknown>[],
  secrets: readonly string[],
): string[] {
  const counts = new Map<string, number>();
  for (const outcome of settled) {
    if (outcome.status === "rejected") {
      let message = outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason);
      for (const secret of secrets) {
        message = message.split(secret).join(fingerprint(secret));
      }
      message = message.split("\n")[0] ?? message;
      counts.set(message, (counts.get(message) ?? 0) + 1);
    }
  }
  const lines = [...counts].map(([message, n]) => `${n} of ${settled.length} ${phase}s failed: ${message}`);
  return lines.length <= MAX_FAILURE_LINES
    ? lines
    : [
        ...lines.slice(0, MAX_FAILURE_LINES),
        `… and ${lines.length - MAX_FAILURE_LINES} more distinct ${phase} failures`,
      ];
}

/** What Optima holds in the org: registration ID → secret. */
function heldSecrets(emulator: Emulator, target: RegistrationTarget): Map<string, string> {
  return target === "csp-partner"
    ? new Map(emulator.cspPartners(BENCH_ORG_ID).map((p) => [p.id, p.application_secret]))
    : new Map(emulator.billConnects(BENCH_ORG_ID).map((b) => [b.id, b.clientSecret]));
}

/** One scenario: its own emulator and host, both closed before returning. */
export async function runBenchScenario(options: BenchOptions): Promise<BenchResult> {
  const count = options.count ?? DEFAULT_COUNT;
  if (!Number.isInteger(count) || count < 1 || count > MAX_COUNT) {
    throw new Error(`count must be a whole number from 1 to ${MAX_COUNT}; got ${String(options.count)}`);
  }
  const { scenario } = options;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_SECONDS * 1000;
  const label = scenarioLabel(scenario);

  let emulator: Emulator | undefined;
  let host: DynamicHost | undefined;
  try {
    return await withDeadline(`bench "${label}" with ${count} registrations`, timeoutMs, async () => {
      emulator = await startEmulator({
        ...options.emulatorOptions,
        cspListCarriesFields: scenario.cspListCarriesFields === true,
      });
      const emu = emulator;
      const providerText = await serializeProvider(optimaRegistrationProvider);
      host = await startHost({ providerText, env: isolatedHostEnv() });
      const h = host;
      await h.configure(
        emulatorStackConfig(emu, options.emulatorOptions?.refreshTokens?.[0] ?? DEFAULT_REFRESH_TOKEN),
      );
      const baselineRssBytes = h.peakRssBytes();

      const work = specs(scenario, count);
      const secrets = work.flatMap((w) => [w.inputs.applicationSecret, w.nextSecret]);
      const problems: string[] = [];
      const start = markLog(emu);

      // Phase 1: create all concurrently.
      const created = await concurrently(work.map((w) => () => applyResource(h, w.urn, undefined, w.inputs)));
      const afterCreate = markLog(emu);
      const createLog = requestsSince(emu, start);
      const createFailures = summarizeFailures("create", created.settled, secrets);
      const states: (ResourceState | undefined)[] = created.settled.map((s) =>
        s.status === "fulfilled" ? s.value.state : undefined,
      );
      const adopted = states.filter((s) => s?.outputs.adopted === true).length;
      if (adopted > 0) {
        problems.push(
          `${adopted} creates adopted a registration instead of creating one: the partnerships are all different`,
        );
      }

      // Phase 2: update all concurrently (a new secret each).
      const updated = await concurrently(
        work.map((w, i) => async () => {
          const state = states[i];
          if (state === undefined) {
            throw new Error(NOT_CREATED);
          }
          const step = await applyResource(h, w.urn, state, {
            ...state.inputs,
            applicationSecret: w.nextSecret,
          });
          if (step.kind !== "update") {
            throw new Error(
              `a new secret should be an in-place update; the engine would ${step.kind} (calls ${step.calls.join(" → ")})`,
            );
          }
          return step.state;
        }),
      );
      const updateLog = requestsSince(emu, afterCreate);
      const updateFailures = summarizeFailures("update", updated.settled, secrets);

      // What Optima holds now: exactly the N registrations, each with its new secret.
      const held = heldSecrets(emu, scenario.target);
      const stale = updated.settled.filter(
        (s, i) => s.status === "fulfilled" && held.get(s.value.id) !== work[i]?.nextSecret,
      ).length;
      if (held.size !== count) {
        problems.push(`Optima holds ${held.size} registrations in org ${BENCH_ORG_ID}; expected ${count}`);
      }
      if (stale > 0) {
        problems.push(`${stale} registrations in Optima do not hold their new secret`);
      }

      const tokenRequests = requestsSince(emu, start).filter(
        (r) => r.path === "/oidc/token" || r.path === "/api/oauth2",
      ).length;
      if (tokenRequests !== 1) {
        problems.push(`${tokenRequests} token requests for the whole run; the goal is exactly 1`);
      }
      problems.push(...createFailures, ...updateFailures);

      const listed = listedAtEachLook(createLog);
      const lacksKey = listLacksKey(scenario);
      const createTally = tally(createLog);
      const updateTally = tally(updateLog);
      return {
        label,
        scenario,
        count,
        create: {
          wallMs: created.wallMs,
          requests: createTally.byKind,
          unsuccessful: createTally.unsuccessful,
          minimum: minimumRequests("create", count, lacksKey, listed),
          failures: createFailures,
        },
        update: {
          wallMs: updated.wallMs,
          requests: updateTally.byKind,
          unsuccessful: updateTally.unsuccessful,
          minimum: minimumRequests("update", count, lacksKey, listed),
          failures: updateFailures,
        },
        tokenRequests,
        ...(lacksKey && listed.length > 0
          ? { meanListed: listed.reduce((a, b) => a + b, 0) / listed.length }
          : {}),
        peakRssBytes: h.peakRssBytes(),
        baselineRssBytes,
        providerBytes: Buffer.byteLength(providerText, "utf8"),
        problems,
      };
    });
  } finally {
    await host?.close();
    await emulator?.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Command line

export interface BenchCli {
  readonly count: number;
  readonly scenarios: readonly BenchScenario[];
  readonly timeoutMs: number;
  /** `--customers N[,N…]`: run the customers fan-out (./bench-customers) for each N instead of the scenarios. */
  readonly customers?: readonly number[];
  /** `--parallel P`: operations at a time in the customers fan-out. */
  readonly parallel: number;
}

const USAGE = `Usage: npm run bench -- [--count N] [--target all|csp-partner|bill-connect] [--csp-list both|lean|full] [--timeout SECONDS]
  --count N        registrations created, then updated, concurrently (default ${DEFAULT_COUNT}, at most ${MAX_COUNT}; env BENCH_COUNT)
  --target T       which registration target(s) to run (default all; env BENCH_TARGET)
  --csp-list L     csp-partner list items: lean (only id/href/dates, the emulator's default), full (with mpn_id), or both (default; env BENCH_CSP_LIST)
  --timeout S      deadline of each scenario in seconds (default ${DEFAULT_TIMEOUT_SECONDS}; env BENCH_TIMEOUT)
  --customers N,…  instead: a rotation's fan-out to N CSP customers (1 to ${MAX_CUSTOMERS} each), without and with 429s (env BENCH_CUSTOMERS)
  --parallel P     --customers: operations at a time, 1 to 64 (default ${DEFAULT_PARALLEL}, the engine's --parallel here; env BENCH_PARALLEL)`;

/** Parses flags (which win) and environment into the scenarios to run; throws with the usage text. */
export function parseBenchCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): BenchCli {
  const values = parseFlags(
    argv,
    {
      count: { type: "string" },
      target: { type: "string" },
      "csp-list": { type: "string" },
      timeout: { type: "string" },
      customers: { type: "string" },
      parallel: { type: "string" },
    },
    USAGE,
  );
  const wholeNumber = (name: string, text: string, max: number): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < 1 || n > max) {
      throw new Error(`${name} must be a whole number from 1 to ${max}; got "${text}"\n${USAGE}`);
    }
    return n;
  };
  const count = wholeNumber(
    "--count/BENCH_COUNT",
    values.count ?? env.BENCH_COUNT ?? String(DEFAULT_COUNT),
    MAX_COUNT,
  );
  const timeoutSeconds = wholeNumber(
    "--timeout/BENCH_TIMEOUT",
    values.timeout ?? env.BENCH_TIMEOUT ?? String(DEFAULT_TIMEOUT_SECONDS),
    3600,
  );
  const target = values.target ?? env.BENCH_TARGET ?? "all";
  const cspList = values["csp-list"] ?? env.BENCH_CSP_LIST ?? "both";
  if (target !== "all" && !isRegistrationTarget(target)) {
    throw new Error(
      `--target/BENCH_TARGET must be all, ${REGISTRATION_TARGETS.join(" or ")}; got "${target}"\n${USAGE}`,
    );
  }
  if (!["both", "lean", "full"].includes(cspList)) {
    throw new Error(`--csp-list/BENCH_CSP_LIST must be both, lean or full; got "${cspList}"\n${USAGE}`);
  }
  const scenarios: BenchScenario[] = [];
  if (target !== "bill-connect") {
    if (cspList !== "full") {
      scenarios.push({ target: "csp-partner", cspListCarriesFields: false });
    }
    if (cspList !== "lean") {
      scenarios.push({ target: "csp-partner", cspListCarriesFields: true });
    }
  }
  if (target !== "csp-partner") {
    scenarios.push({ target: "bill-connect" });
  }
  const customersText = values.customers ?? env.BENCH_CUSTOMERS;
  const customers = customersText
    ?.split(",")
    .map((n) => wholeNumber("--customers/BENCH_CUSTOMERS", n.trim(), MAX_CUSTOMERS));
  const parallel = wholeNumber(
    "--parallel/BENCH_PARALLEL",
    values.parallel ?? env.BENCH_PARALLEL ?? String(DEFAULT_PARALLEL),
    64,
  );
  return {
    count,
    scenarios,
    timeoutMs: timeoutSeconds * 1000,
    ...(customers === undefined ? {} : { customers }),
    parallel,
  };
}

/** Notes printed under the table: what the figures mean. */
export function notes(results: readonly BenchResult[]): string[] {
  const lines = [
    "Notes:",
    "- One dynamic-provider host per run, as the engine uses one per provider. Creates are Check → Create, updates",
    "  Check → Diff → Update, all concurrent; Check and Diff make no HTTP request.",
    "- Token requests: all requests of the run share the host's one access token (single-flight on the first call).",
    "- Wall times are mostly gRPC, not HTTP: every request to the host carries the serialized provider" +
      (results[0] === undefined ? "." : ` (${(results[0].providerBytes / 1024).toFixed(0)} KiB),`),
    "  which this Node.js harness encodes (the engine, in Go, does it faster) and the host decodes each time.",
    "- Host peak RSS: the highest resident memory of the host process during the run; (idle) is after start and Configure.",
    "- Minimum per update: 1 PATCH + 1 read (the PATCH answers 204; the provider reads back its timestamp). Minimum per create, given that create looks for the partnership first so that one",
    "  made by hand is adopted rather than duplicated: 1 list + 1 POST, plus 1 read per listed item when the list does",
    "  not carry the partnership key.",
  ];
  const lean = results.find((r) => r.meanListed !== undefined);
  if (lean !== undefined) {
    lines.push(
      `- ${lean.label}: public sources confirm only id/href/created_at/updated_at on list items, so each create reads`,
      `  every partnership already in the org (mean ${lean.meanListed!.toFixed(2)} of up to ${lean.count - 1} here): O(N) reads per create,`,
      "  O(N²) for N partnerships created in one org. Concurrent creates list before most POSTs land, so they read fewer;",
      `  one after another they would read (N−1)/2 = ${((lean.count - 1) / 2).toFixed(1)} on average. A real partner registers one or a few`,
      "  partnerships per org, so this costs a handful of GETs there; a list that carries mpn_id removes the reads.",
    );
  }
  return lines;
}

async function main(): Promise<number> {
  let cli: BenchCli;
  try {
    cli = parseBenchCli(process.argv.slice(2), process.env);
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (cli.customers !== undefined) {
    return customersMain(cli, cli.customers);
  }
  console.log(
    `optima-csp benchmark: ${cli.count} registrations created, then updated, concurrently, through one real ` +
      `dynamic-provider host against the local Optima emulator (Node ${process.version}).`,
  );
  const results: BenchResult[] = [];
  for (const scenario of cli.scenarios) {
    console.log(`running: ${scenarioLabel(scenario)} …`);
    results.push(await runBenchScenario({ scenario, count: cli.count, timeoutMs: cli.timeoutMs }));
  }
  console.log("");
  console.log(formatTable(results));
  console.log("");
  console.log(notes(results).join("\n"));
  const problems = results.flatMap((r) => r.problems.map((p) => `${r.label}: ${p}`));
  if (problems.length > 0) {
    console.error(`\nFAILED (${problems.length}):\n${problems.map((p) => `- ${p}`).join("\n")}`);
    return 1;
  }
  console.log("\nAll goals met: exactly 1 token request per run, every operation succeeded.");
  return 0;
}

async function customersMain(cli: BenchCli, counts: readonly number[]): Promise<number> {
  console.log(
    `optima-csp benchmark: a rotation's fan-out to ${counts.join(", ")} CSP customers, at most ${cli.parallel} at a time, ` +
      `through real dynamic-provider hosts against the local emulator (Node ${process.version}).`,
  );
  const results: CustomersBenchResult[] = [];
  for (const customers of counts) {
    for (const throttle of [false, true]) {
      console.log(`running: ${customers} customers${throttle ? ", with 429s" : ""} …`);
      results.push(
        await runCustomersBench({ customers, parallel: cli.parallel, throttle, timeoutMs: cli.timeoutMs }),
      );
    }
  }
  console.log("");
  console.log(formatCustomersTable(results));
  console.log("");
  console.log(customersNotes(cli.parallel).join("\n"));
  const problems = results.flatMap((r) =>
    r.problems.map((p) => `${r.customers} customers${r.throttled > 0 ? ", with 429s" : ""}: ${p}`),
  );
  if (problems.length > 0) {
    console.error(`\nFAILED (${problems.length}):\n${problems.map((p) => `- ${p}`).join("\n")}`);
    return 1;
  }
  console.log(
    "\nAll goals met: per rotation 1 token request, 1 PATCH per holder (+1 per 429), no holder skipped.",
  );
  return 0;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`bench: ${(err as Error).message}`);
      process.exitCode = 1;
    },
  );
}
