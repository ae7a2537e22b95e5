/**
 * `npm run bench -- --customers N`: a rotation's fan-out to N CSP customers, the way the engine
 * runs it. Each customer is an azure-csp bill connect scoped to its tenant (`scopeDetails`
 * "Customer Tenant"), in its own Flexera org (one connect per child org, Flexera's intended
 * pattern: docs/optima-api.md §1C), and every one holds the same Web App key.
 *
 * Per scenario, against the local emulator, through the real dynamic-provider host:
 *   1. setup: a host creates the N registrations (Check → Create each);
 *   2. rotation: a NEW host (a new `pulumi up --refresh`, as the CI examples run) refreshes them
 *      (Read each: GET + validation GET) and then hands every holder the new key (Check → Diff →
 *      Update each: one PATCH, then one GET that reads back Optima's timestamp of the write, the
 *      registration's `writtenAt`).
 * Operations run at most `parallel` at a time, as the engine does (`pulumi up --parallel`; its
 * default on this 2-core machine is 8, from `pulumi up --help` of v3.274.1). With `throttle`,
 * every 10th holder's first PATCH is answered 429 with `Retry-After: 1`.
 *
 * The goals, checked (a miss is a problem and a non-zero exit): the rotation sends exactly 1 token
 * request, N GET + N validation GET for the refresh, N PATCH plus one per 429 and N GET reading
 * each write back; every holder
 * ends up holding the new key (none skipped); each throttled update took at least the
 * `Retry-After` it was given (it was honoured, not retried at once).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { optimaRegistrationProvider } from "../components/optima/provider";
import { DEFAULT_REFRESH_TOKEN, startEmulator, type Emulator, type EmulatorRequest } from "./emulator/index";
import { serializeProvider, startHost, urnFor, type DynamicHost } from "../tests/support/provider-host";
import { applyResource, type ResourceState } from "../tests/support/engine/model";
import {
  emulatorStackConfig,
  isTokenRequest,
  isolatedHostEnv,
  markLog,
  requestsSince,
  withDeadline,
} from "../tests/support/host-env";
import { markdownTable, mebibytes, seconds } from "./figures";

/** The most customers a run takes (the request log holds 10,000 requests: N = 1,000 uses about 5,100). */
export const MAX_CUSTOMERS = 1000;
/** Operations at a time: `pulumi up --parallel`'s default on this 2-core machine (v3.274.1 `--help`). */
export const DEFAULT_PARALLEL = 8;
/** With `throttle`: every how many holders one PATCH is answered 429. */
export const THROTTLE_EVERY = 10;
/** The `Retry-After` of an injected 429, in seconds. */
export const THROTTLE_RETRY_AFTER_SECONDS = 1;
/** Where the customers' orgs start: customer i is in org `FIRST_CUSTOMER_ORG + i`. */
export const FIRST_CUSTOMER_ORG = 800_000;

const REGISTRATION_TYPE = "pulumi-nodejs:dynamic/optima-csp:Registration";

export interface CustomersBenchOptions {
  readonly customers: number;
  readonly parallel?: number;
  /** Answer every {@link THROTTLE_EVERY}th holder's first PATCH with 429 `Retry-After: 1`. */
  readonly throttle?: boolean;
  readonly timeoutMs?: number;
}

/** Requests of a phase by kind, as the contract names them (docs/optima-api.md §1C). */
export interface CustomersCalls {
  readonly token: number;
  readonly list: number;
  readonly create: number;
  readonly read: number;
  readonly validation: number;
  readonly patch: number;
  readonly other: number;
  /** Answers that were not 2xx (the injected 429s). */
  readonly unsuccessful: number;
}

export interface CustomersBenchResult {
  readonly customers: number;
  readonly parallel: number;
  readonly throttled: number;
  readonly setupWallMs: number;
  readonly setupCalls: CustomersCalls;
  readonly refreshWallMs: number;
  readonly updateWallMs: number;
  /** The rotation's requests: refresh and update of the new host together. */
  readonly rotationCalls: CustomersCalls;
  /** The shortest update of a throttled holder (undefined without throttling). */
  readonly shortestThrottledUpdateMs?: number;
  readonly peakRssBytes: number | undefined;
  readonly problems: readonly string[];
}

// ---------------------------------------------------------------------------------------------
// Pure

const BILL_LIST = /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/?$/;
const BILL_COLLECTION = /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/azure-csp\/?$/;
const BILL_ITEM = /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/azure-csp\/[^/]+\/?$/;
const BILL_VALIDATION =
  /^\/finops-onboarding\/v1\/orgs\/[^/]+\/bill-connects\/azure-csp\/[^/]+\/validation\/?$/;

/** Counts a phase's requests by kind. */
export function countCalls(requests: readonly EmulatorRequest[]): CustomersCalls {
  const calls = { token: 0, list: 0, create: 0, read: 0, validation: 0, patch: 0, other: 0, unsuccessful: 0 };
  for (const r of requests) {
    if (r.status < 200 || r.status > 299) {
      calls.unsuccessful++;
    }
    if (isTokenRequest(r)) {
      calls.token++;
    } else if (r.method === "GET" && BILL_LIST.test(r.path)) {
      calls.list++;
    } else if (r.method === "POST" && BILL_COLLECTION.test(r.path)) {
      calls.create++;
    } else if (r.method === "GET" && BILL_VALIDATION.test(r.path)) {
      calls.validation++;
    } else if (r.method === "GET" && BILL_ITEM.test(r.path)) {
      calls.read++;
    } else if (r.method === "PATCH" && BILL_ITEM.test(r.path)) {
      calls.patch++;
    } else {
      calls.other++;
    }
  }
  return calls;
}

/** Which holders get a 429 on their first PATCH: every {@link THROTTLE_EVERY}th, from the first. */
export function throttledHolders(count: number, throttle: boolean): number[] {
  return throttle ? Array.from({ length: count }, (_, i) => i).filter((i) => i % THROTTLE_EVERY === 0) : [];
}

/** The rotation's goals: what a result must show, as problems (empty when met). */
export function rotationProblems(
  customers: number,
  throttled: number,
  calls: CustomersCalls,
  shortestThrottledUpdateMs: number | undefined,
): string[] {
  const problems: string[] = [];
  if (calls.token !== 1) {
    problems.push(`the rotation sent ${calls.token} token requests; the goal is exactly 1`);
  }
  // Per holder: the refresh's GET, and the update's read-back of `writtenAt` after its PATCH.
  if (calls.read !== 2 * customers || calls.validation !== customers) {
    problems.push(
      `the rotation sent ${calls.read} GET and ${calls.validation} validation GET; expected ${2 * customers} ` +
        `(a refresh and a read-back per holder) and ${customers}`,
    );
  }
  if (calls.patch !== customers + throttled) {
    problems.push(
      `the rotation sent ${calls.patch} PATCH; expected ${customers} + ${throttled} retried after a 429`,
    );
  }
  if (calls.list + calls.create + calls.other > 0) {
    problems.push(
      `the rotation sent requests a rotation does not need (${calls.list + calls.create + calls.other})`,
    );
  }
  if (
    shortestThrottledUpdateMs !== undefined &&
    shortestThrottledUpdateMs < THROTTLE_RETRY_AFTER_SECONDS * 1000
  ) {
    problems.push(
      `a throttled update took ${seconds(shortestThrottledUpdateMs)}, less than its Retry-After of ${THROTTLE_RETRY_AFTER_SECONDS} s`,
    );
  }
  return problems;
}

/** Runs the operations at most `parallel` at a time, in order of start; resolves with every outcome. */
export async function bounded<T>(
  operations: readonly (() => Promise<T>)[],
  parallel: number,
): Promise<PromiseSettledResult<T>[]> {
  const settled: PromiseSettledResult<T>[] = new Array(operations.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < operations.length) {
      const index = next++;
      try {
        settled[index] = { status: "fulfilled", value: await operations[index]() };
      } catch (reason) {
        settled[index] = { status: "rejected", reason };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, operations.length) }, worker));
  return settled;
}

function perHolder(n: number, count: number): string {
  const value = n / count;
  return Number.isInteger(value) ? String(value) : value.toFixed(2);
}

/** The results as a Markdown table. */
export function formatCustomersTable(results: readonly CustomersBenchResult[]): string {
  const header = [
    "Customers",
    "429s",
    "Setup wall (create)",
    "Rotation wall (refresh + update)",
    "Rotation calls",
    "Per holder",
    "Shortest throttled update",
    "Host peak RSS",
  ];
  const rows = results.map((r) => {
    const c = r.rotationCalls;
    return [
      String(r.customers),
      String(r.throttled),
      seconds(r.setupWallMs),
      `${seconds(r.refreshWallMs + r.updateWallMs)} (${seconds(r.refreshWallMs)} + ${seconds(r.updateWallMs)})`,
      `${c.token} token + ${c.read} GET + ${c.validation} validation + ${c.patch} PATCH`,
      `${perHolder(c.read, r.customers)} GET + ${perHolder(c.validation, r.customers)} validation + ${perHolder(c.patch, r.customers)} PATCH`,
      r.shortestThrottledUpdateMs === undefined ? "-" : seconds(r.shortestThrottledUpdateMs),
      mebibytes(r.peakRssBytes),
    ];
  });
  return markdownTable(header, rows);
}

// ---------------------------------------------------------------------------------------------
// The run

function failures(phase: string, settled: readonly PromiseSettledResult<unknown>[]): string[] {
  const counts = new Map<string, number>();
  for (const outcome of settled) {
    if (outcome.status === "rejected") {
      const message = (
        outcome.reason instanceof Error ? outcome.reason.message : String(outcome.reason)
      ).split("\n")[0];
      counts.set(message, (counts.get(message) ?? 0) + 1);
    }
  }
  return [...counts]
    .slice(0, 5)
    .map(([message, n]) => `${n} of ${settled.length} ${phase}s failed: ${message}`);
}

async function newHost(emulator: Emulator, providerText: string): Promise<DynamicHost> {
  const host = await startHost({ providerText, env: isolatedHostEnv() });
  await host.configure(emulatorStackConfig(emulator, DEFAULT_REFRESH_TOKEN));
  return host;
}

/** One scenario: its own emulator and hosts, all closed before returning. */
export async function runCustomersBench(options: CustomersBenchOptions): Promise<CustomersBenchResult> {
  const count = options.customers;
  const parallel = options.parallel ?? DEFAULT_PARALLEL;
  if (!Number.isInteger(count) || count < 1 || count > MAX_CUSTOMERS) {
    throw new Error(`customers must be a whole number from 1 to ${MAX_CUSTOMERS}; got ${String(count)}`);
  }
  if (!Number.isInteger(parallel) || parallel < 1 || parallel > 64) {
    throw new Error(`parallel must be a whole number from 1 to 64; got ${String(parallel)}`);
  }
  let emulator: Emulator | undefined;
  const hosts: DynamicHost[] = [];
  try {
    return await withDeadline(`bench of ${count} customers`, options.timeoutMs ?? 900_000, async () => {
      emulator = await startEmulator();
      const emu = emulator;
      const providerText = await serializeProvider(optimaRegistrationProvider);
      const partnerTenant = randomUUID();
      const webApp = randomUUID();
      const oldKey = randomBytes(30).toString("base64url");
      const newKey = randomBytes(30).toString("base64url");
      const holders = Array.from({ length: count }, (_, i) => ({
        urn: urnFor(REGISTRATION_TYPE, `customer-${i}`, "bench"),
        orgId: String(FIRST_CUSTOMER_ORG + i),
        inputs: {
          target: "bill-connect",
          orgId: String(FIRST_CUSTOMER_ORG + i),
          tenantId: partnerTenant,
          applicationId: webApp,
          applicationSecret: oldKey,
          customerTenantId: randomUUID(),
        } as Record<string, string>,
      }));
      const problems: string[] = [];

      // 1. Setup: one host creates every holder.
      const setupHost = await newHost(emu, providerText);
      hosts.push(setupHost);
      const beforeSetup = markLog(emu);
      let started = performance.now();
      const created = await bounded(
        holders.map((h) => () => applyResource(setupHost, h.urn, undefined, h.inputs)),
        parallel,
      );
      const setupWallMs = performance.now() - started;
      const setupCalls = countCalls(requestsSince(emu, beforeSetup));
      problems.push(...failures("create", created));
      await setupHost.close();
      const states: (ResourceState | undefined)[] = created.map((s) =>
        s.status === "fulfilled" ? s.value.state : undefined,
      );

      // 2. Rotation: a new host refreshes every holder, then updates each with the new key.
      const rotationHost = await newHost(emu, providerText);
      hosts.push(rotationHost);
      const beforeRotation = markLog(emu);
      started = performance.now();
      const refreshed = await bounded(
        holders.map((h, i) => async (): Promise<ResourceState> => {
          const state = states[i];
          if (state === undefined) {
            throw new Error("skipped: its create failed");
          }
          const read = await rotationHost.read(state.id, h.urn, state.outputs, state.inputs);
          if (read.id === "") {
            throw new Error("the refresh found it gone");
          }
          return { id: read.id, inputs: state.inputs, outputs: read.properties };
        }),
        parallel,
      );
      const refreshWallMs = performance.now() - started;
      problems.push(...failures("refresh", refreshed));

      const throttled = throttledHolders(count, options.throttle === true);
      for (const i of throttled) {
        const state = states[i];
        if (state !== undefined) {
          emu.inject({
            method: "PATCH",
            path: `/bill-connects/azure-csp/${state.id}`,
            status: 429,
            retryAfter: String(THROTTLE_RETRY_AFTER_SECONDS),
          });
        }
      }
      const durations: number[] = new Array(count);
      started = performance.now();
      const updated = await bounded(
        holders.map((h, i) => async () => {
          const outcome = refreshed[i];
          if (outcome.status !== "fulfilled") {
            throw new Error("skipped: its refresh failed");
          }
          const begin = performance.now();
          const step = await applyResource(rotationHost, h.urn, outcome.value, {
            ...h.inputs,
            applicationSecret: newKey,
          });
          durations[i] = performance.now() - begin;
          if (step.kind !== "update") {
            throw new Error(`a new key should be an in-place update; the engine would ${step.kind}`);
          }
          return step.state;
        }),
        parallel,
      );
      const updateWallMs = performance.now() - started;
      problems.push(...failures("update", updated));
      const rotationCalls = countCalls(requestsSince(emu, beforeRotation));
      const throttledDurations = throttled.map((i) => durations[i]).filter((d) => d !== undefined);
      const shortestThrottledUpdateMs =
        throttledDurations.length > 0 ? Math.min(...throttledDurations) : undefined;
      problems.push(...rotationProblems(count, throttled.length, rotationCalls, shortestThrottledUpdateMs));

      // No holder skipped: each org holds exactly its one bill connect, scoped to its customer, with the new key.
      const stale = holders.filter((h) => {
        const held = emu.billConnects(h.orgId);
        return (
          held.length !== 1 ||
          held[0].clientSecret !== newKey ||
          held[0].scopeDetails?.customerDetails?.customerTenantId !== h.inputs.customerTenantId
        );
      }).length;
      if (stale > 0) {
        problems.push(
          `${stale} of ${count} customers' orgs do not hold exactly one bill connect with the new key`,
        );
      }
      return {
        customers: count,
        parallel,
        throttled: throttled.length,
        setupWallMs,
        setupCalls,
        refreshWallMs,
        updateWallMs,
        rotationCalls,
        ...(shortestThrottledUpdateMs === undefined ? {} : { shortestThrottledUpdateMs }),
        peakRssBytes: rotationHost.peakRssBytes(),
        problems,
      };
    });
  } finally {
    for (const host of hosts) {
      await host.close();
    }
    await emulator?.close();
  }
}

/** Notes printed under the table. */
export function customersNotes(parallel: number): string[] {
  return [
    "Notes:",
    "- Each customer is an azure-csp bill connect scoped to its tenant, in its own org; all hold the same Web App key.",
    `- Setup: one host creates them (1 list + 1 POST each). Rotation: a new host, as a new \`pulumi up --refresh\`:`,
    "  1 token for the run, then per holder 1 GET + 1 validation GET (the refresh), 1 PATCH (the new key)",
    "  and 1 GET reading the write back (the registration's writtenAt).",
    `- At most ${parallel} operations at a time (the engine's --parallel); 429s: every ${THROTTLE_EVERY}th holder's first PATCH`,
    `  answered 429 with Retry-After: ${THROTTLE_RETRY_AFTER_SECONDS}, retried by the HTTP layer after that wait (shortest throttled update).`,
    "- Wall times are mostly gRPC: every call to the host carries the serialized provider, which this harness encodes.",
  ];
}
