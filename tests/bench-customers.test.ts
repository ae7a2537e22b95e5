/**
 * The customers benchmark (`npm run bench -- --customers N`, tools/bench-customers.ts): its pure
 * parts (request counting, the rotation's goals, bounded concurrency, the command line), and a run
 * with three customers through real dynamic-provider hosts against the emulator, one of them
 * answered 429: one token for the rotation, one PATCH per holder plus the retried one, the
 * Retry-After waited for, and every holder holding the new key.
 */
import {
  bounded,
  countCalls,
  formatCustomersTable,
  rotationProblems,
  runCustomersBench,
  throttledHolders,
} from "../tools/bench-customers";
import { parseBenchCli } from "../tools/bench";
import { recordedRequest as request } from "./support/emulator-requests";
/**
 * The calls of a rotation of three holders, one answered 429, that meets every goal: one token;
 * per holder a refresh GET, a read-back GET and a validation; one PATCH each plus the retried one.
 */
const ROTATION_OF_THREE_ONE_429 = {
  token: 1,
  list: 0,
  create: 0,
  read: 6,
  validation: 3,
  patch: 4,
  other: 0,
  unsuccessful: 1,
};
const item = "/finops-onboarding/v1/orgs/800001/bill-connects/azure-csp/cbi-oi-azure-csp-1";

describe("countCalls and rotationProblems", () => {
  it("counts each request by what the contract calls it, and the answers that were not 2xx", () => {
    expect(
      countCalls([
        request("POST", "/oidc/token"),
        request("GET", item),
        request("GET", `${item}/validation`),
        request("PATCH", item, 429),
        request("PATCH", item, 204),
        request("GET", "/finops-onboarding/v1/orgs/800001/bill-connects"),
        request("POST", "/finops-onboarding/v1/orgs/800001/bill-connects/azure-csp", 201),
      ]),
    ).toEqual({ token: 1, list: 1, create: 1, read: 1, validation: 1, patch: 2, other: 0, unsuccessful: 1 });
  });

  it("names every goal a rotation misses", () => {
    const calls = ROTATION_OF_THREE_ONE_429;
    expect(rotationProblems(3, 1, calls, 1200)).toEqual([]);
    expect(rotationProblems(3, 1, { ...calls, token: 2 }, 1200)).toEqual([
      "the rotation sent 2 token requests; the goal is exactly 1",
    ]);
    expect(rotationProblems(3, 1, { ...calls, patch: 3 }, 1200)).toEqual([
      "the rotation sent 3 PATCH; expected 3 + 1 retried after a 429",
    ]);
    expect(rotationProblems(3, 1, calls, 40)).toEqual([
      "a throttled update took 0.04 s, less than its Retry-After of 1 s",
    ]);
  });

  it("throttles every 10th holder, from the first, and none without throttling", () => {
    expect(throttledHolders(25, true)).toEqual([0, 10, 20]);
    expect(throttledHolders(25, false)).toEqual([]);
  });
});

describe("bounded", () => {
  it("never runs more than `parallel` at once, runs every operation, and keeps each outcome in place", async () => {
    let running = 0;
    let peak = 0;
    const operations = Array.from({ length: 20 }, (_, i) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setImmediate(resolve));
      running--;
      if (i === 7) {
        throw new Error("seven");
      }
      return i;
    });
    const settled = await bounded(operations, 3);
    expect(peak).toBe(3);
    expect(settled.map((s) => (s.status === "fulfilled" ? s.value : "x"))).toEqual(
      Array.from({ length: 20 }, (_, i) => (i === 7 ? "x" : i)),
    );
  });
});

describe("parseBenchCli --customers", () => {
  it("takes a list of counts and a parallelism, flags over the environment", () => {
    expect(parseBenchCli(["--customers", "10,100,1000"], {})).toMatchObject({
      customers: [10, 100, 1000],
      parallel: 8,
    });
    expect(parseBenchCli(["--parallel", "4"], { BENCH_CUSTOMERS: "5" })).toMatchObject({
      customers: [5],
      parallel: 4,
    });
    expect(parseBenchCli([], {}).customers).toBeUndefined();
    expect(() => parseBenchCli(["--customers", "1001"], {})).toThrow(
      /--customers\/BENCH_CUSTOMERS must be a whole number from 1 to 1000; got "1001"/,
    );
  });
});

describe("runCustomersBench through real hosts (3 customers, one 429)", () => {
  it("rotates every holder with 1 token and 1 PATCH each, the 429 retried after its Retry-After", async () => {
    const result = await runCustomersBench({ customers: 3, parallel: 2, throttle: true });
    expect(result.problems).toEqual([]);
    expect(result.throttled).toBe(1);
    expect(result.setupCalls).toMatchObject({ token: 1, list: 3, create: 3, patch: 0 });
    expect(result.rotationCalls).toEqual(ROTATION_OF_THREE_ONE_429);
    expect(result.shortestThrottledUpdateMs).toBeGreaterThanOrEqual(1000);
    expect(formatCustomersTable([result]).split("\n")[2]).toMatch(
      /^\| 3 \| 1 \| [\d.]+ s \| [\d.]+ s \([\d.]+ s \+ [\d.]+ s\) \| 1 token \+ 6 GET \+ 3 validation \+ 4 PATCH \| 2 GET \+ 1 validation \+ 1\.33 PATCH \| [\d.]+ s \| \d+ MiB \|$/,
    );
  });
});
