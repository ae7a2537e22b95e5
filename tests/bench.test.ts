/**
 * The benchmark (`tools/bench.ts`): its pure parts (request classification as the contract names
 * the calls, the least the API allows, the command line, the table), and its core run with three
 * registrations per scenario through the real dynamic-provider host against the emulator: one
 * token request for the whole run, the expected requests per create and per update, and a run
 * that fails (an org the caller has no role in) is reported as failed, not as figures.
 */
import {
  BENCH_ORG_ID,
  classifyRequest,
  formatTable,
  listedAtEachLook,
  minimumRequests,
  parseBenchCli,
  runBenchScenario,
  summarizeFailures,
  type BenchResult,
} from "../tools/bench";
import { recordedRequest as request } from "./support/emulator-requests";

describe("classifyRequest", () => {
  it.each([
    ["POST", "/oidc/token", "token"],
    ["POST", "/api/oauth2", "token"],
    ["POST", "/entra/t/oauth2/v2.0/token", "token"],
    ["GET", "/analytics/orgs/1/azure_csp_partners", "list"],
    ["POST", "/analytics/orgs/1/azure_csp_partners", "create"],
    ["GET", "/analytics/orgs/1/azure_csp_partners/p-1", "item read"],
    ["PATCH", "/analytics/orgs/1/azure_csp_partners/p-1", "update"],
    ["DELETE", "/analytics/orgs/1/azure_csp_partners/p-1", "delete"],
    ["GET", "/finops-onboarding/v1/orgs/1/bill-connects", "list"],
    ["POST", "/finops-onboarding/v1/orgs/1/bill-connects/azure-csp", "create"],
    ["GET", "/finops-onboarding/v1/orgs/1/bill-connects/azure-csp/cbi-1", "item read"],
    ["PATCH", "/finops-onboarding/v1/orgs/1/bill-connects/azure-csp/cbi-1", "update"],
    ["GET", "/finops-onboarding/v1/orgs/1/bill-connects/azure-csp/cbi-1/validation", "validation"],
    ["PUT", "/analytics/orgs/1/azure_csp_partners/p-1", "other"],
    ["GET", "/somewhere/else", "other"],
  ])("%s %s is %s", (method, path, kind) => {
    expect(classifyRequest({ method, path })).toBe(kind);
  });
});

describe("listedAtEachLook and minimumRequests", () => {
  const log = [
    request("GET", "/analytics/orgs/1/azure_csp_partners"),
    request("GET", "/analytics/orgs/1/azure_csp_partners"),
    request("POST", "/analytics/orgs/1/azure_csp_partners", 201),
    request("POST", "/analytics/orgs/1/azure_csp_partners", 409),
    request("GET", "/analytics/orgs/1/azure_csp_partners"),
    request("GET", "/analytics/orgs/1/azure_csp_partners/p-1"),
    request("POST", "/analytics/orgs/1/azure_csp_partners", 201),
  ];

  it("counts what each list showed: the successful creates before it", () => {
    expect(listedAtEachLook(log)).toEqual([0, 0, 1]);
  });

  it("is 1 list + 1 POST per create, plus a read per listed item when the list lacks the key; 1 PATCH + 1 read per update", () => {
    expect(minimumRequests("create", 3, false, [0, 0, 1])).toBe(6);
    expect(minimumRequests("create", 3, true, [0, 0, 1])).toBe(7);
    expect(minimumRequests("update", 3, true, [0, 0, 1])).toBe(6); // PATCH + read back (writtenAt)
  });
});

describe("parseBenchCli", () => {
  it("defaults to 50 registrations and every scenario", () => {
    const cli = parseBenchCli([], {});
    expect(cli.count).toBe(50);
    expect(cli.scenarios).toEqual([
      { target: "csp-partner", cspListCarriesFields: false },
      { target: "csp-partner", cspListCarriesFields: true },
      { target: "bill-connect" },
    ]);
    expect(cli.timeoutMs).toBe(300_000);
  });

  it("takes flags over the environment", () => {
    const cli = parseBenchCli(["--count", "7", "--target", "csp-partner", "--csp-list", "lean"], {
      BENCH_COUNT: "9",
      BENCH_TARGET: "bill-connect",
    });
    expect(cli.count).toBe(7);
    expect(cli.scenarios).toEqual([{ target: "csp-partner", cspListCarriesFields: false }]);
    expect(parseBenchCli([], { BENCH_COUNT: "9", BENCH_TARGET: "bill-connect" })).toMatchObject({
      count: 9,
      scenarios: [{ target: "bill-connect" }],
    });
  });

  it("refuses bad values with a message naming the flag", () => {
    expect(() => parseBenchCli(["--count", "0"], {})).toThrow(
      /--count\/BENCH_COUNT must be a whole number from 1 to 500; got "0"/,
    );
    expect(() => parseBenchCli(["--count", "2.5"], {})).toThrow(/--count/);
    expect(() => parseBenchCli(["--target", "aws"], {})).toThrow(
      /--target\/BENCH_TARGET must be all, csp-partner or bill-connect/,
    );
    expect(() => parseBenchCli(["--csp-list", "some"], {})).toThrow(/--csp-list/);
    expect(() => parseBenchCli(["--bogus"], {})).toThrow(/Usage: npm run bench/);
  });
});

describe("summarizeFailures", () => {
  it("groups identical messages and never repeats a secret", () => {
    const secret = "bench-test-secret-value-0b1c";
    const lines = summarizeFailures(
      "create",
      [
        { status: "rejected", reason: new Error(`refused ${secret}`) },
        { status: "rejected", reason: new Error(`refused ${secret}`) },
        { status: "fulfilled", value: 1 },
      ],
      [secret],
    );
    expect(lines).toEqual([expect.stringMatching(/^2 of 3 creates failed: refused sha256:[0-9a-f]{12}$/)]);
    expect(lines.join("\n")).not.toContain(secret);
  });

  it("lists at most five distinct messages, then counts the rest", () => {
    const settled = Array.from({ length: 8 }, (_, i): PromiseSettledResult<unknown> => ({
      status: "rejected",
      reason: new Error(`failure ${i}`),
    }));
    const lines = summarizeFailures("update", settled, []);
    expect(lines).toHaveLength(6);
    expect(lines[0]).toBe("1 of 8 updates failed: failure 0");
    expect(lines[5]).toBe("… and 3 more distinct update failures");
  });
});

describe("runBenchScenario through the real host (3 registrations)", () => {
  const results: BenchResult[] = [];

  it("csp-partner, list without mpn_id: one token request; list + item reads + POST per create; one PATCH and one read per update", async () => {
    const result = await runBenchScenario({ scenario: { target: "csp-partner" }, count: 3 });
    results.push(result);
    expect(result.problems).toEqual([]);
    expect(result.tokenRequests).toBe(1);
    expect(result.create.requests.list).toBe(3);
    expect(result.create.requests.create).toBe(3);
    // Each create reads every partnership its list showed (0 to 2 of them), and nothing more.
    const reads = result.create.requests["item read"] ?? 0;
    expect(reads).toBeLessThanOrEqual(3);
    expect(6 + reads).toBe(result.create.minimum);
    expect(result.create.unsuccessful).toBe(0);
    // Each PATCH answers 204 without a body: the registration is read back for writtenAt.
    expect(result.update.requests).toEqual({ update: 3, "item read": 3 });
    expect(result.update.minimum).toBe(6);
    expect(result.peakRssBytes).toBeGreaterThan(10 * 1024 * 1024);
  });

  it("csp-partner, list with mpn_id: no item reads", async () => {
    const result = await runBenchScenario({
      scenario: { target: "csp-partner", cspListCarriesFields: true },
      count: 3,
    });
    results.push(result);
    expect(result.problems).toEqual([]);
    expect(result.tokenRequests).toBe(1);
    expect(result.create.requests).toEqual({ list: 3, create: 3 });
    expect(result.create.minimum).toBe(6);
    expect(result.update.requests).toEqual({ update: 3, "item read": 3 });
  });

  it("bill-connect: one token request; 1 list + 1 POST per create; one PATCH and one read per update", async () => {
    const result = await runBenchScenario({ scenario: { target: "bill-connect" }, count: 3 });
    results.push(result);
    expect(result.problems).toEqual([]);
    expect(result.tokenRequests).toBe(1);
    expect(result.create.requests).toEqual({ list: 3, create: 3 });
    expect(result.update.requests).toEqual({ update: 3, "item read": 3 });
  });

  it("prints one table row per scenario", () => {
    const table = formatTable(results).split("\n");
    expect(table[0]).toMatch(/^\| Scenario \| N \| Create wall \| HTTP per create \|/);
    expect(table).toHaveLength(2 + results.length);
    expect(table[2]).toMatch(/^\| csp-partner, list without mpn_id \| 3 \| [\d.]+ s \| [\d.]+ \(1 list \+ /);
    expect(table[3]).toMatch(
      /\| 2 \(1 list \+ 1 POST\) \| [\d.]+ s \| 2 \(1 item reads \+ 1 PATCH\) \| 2 \(1 PATCH \+ 1 read\) \| 1 \| \d+ MiB \(\d+ MiB\) \|$/,
    );
  });

  it("reports a run whose operations fail as failed", async () => {
    const result = await runBenchScenario({
      scenario: { target: "csp-partner" },
      count: 3,
      emulatorOptions: { forbiddenOrgs: [BENCH_ORG_ID] },
    });
    expect(result.problems).toEqual(
      expect.arrayContaining([
        `Optima holds 0 registrations in org ${BENCH_ORG_ID}; expected 3`,
        "3 of 3 updates failed: skipped: its create failed",
      ]),
    );
    // One line per distinct message: each create names its own MPN ID.
    const creates = result.problems.filter((p) => /^1 of 3 creates failed: .*HTTP 403/.test(p));
    expect(creates).toHaveLength(3);
  });
});
