/**
 * `optima-csp status` against the emulator (Graph v1.0 directory + Optima), in process: one test
 * per verdict, with the exact verdict line and exit code, a secret-leak scan over every output,
 * and the pure rules (key classification, thresholds, flags, outputs) without I/O.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEFAULT_REFRESH_TOKEN, startEmulator, type Emulator } from "../tools/emulator";
import { runStatus, type StatusResult } from "../components/status/gather";
import { StatusUsageError, parseStackOutputs, parseStatusArgs } from "../components/status/options";
import { classifyKeys, judge, verdictOf, DEFAULT_THRESHOLDS } from "../components/status/verdict";

const TENANT = "11111111-2222-4333-8444-555555555555";
const CLIENT_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const OTHER_CLIENT_ID = "99999999-bbbb-4ccc-8ddd-eeeeeeeeeeee";
const ORG = "4242";
const MPN = "1234567";
const DOMAIN = "contoso.onmicrosoft.com";
const DEPLOYMENT = "3f9a1c2e";
const NOW = Date.parse("2026-12-01T00:00:00Z");
const DAY = 86_400_000;

let emulator: Emulator;
let work: string;
/** Every secret the world holds: no output may contain any of them. */
let secrets: string[];
const outputsSeen: string[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
  work = mkdtempSync(path.join(os.tmpdir(), "status-"));
});
afterAll(async () => {
  await emulator.close();
  rmSync(work, { recursive: true, force: true });
});

interface World {
  readonly outputs: Record<string, string>;
  readonly optimaKeyId: string;
  readonly activeKeyId: string;
  readonly previousKeyId: string;
  readonly graphToken: string;
  readonly env: Record<string, string>;
}

/** A deployed stack 10 days into window 10: Optima holds the active key (slot a), 170 days left. */
function world(
  options: {
    optimaKeyDays?: number;
    roles?: string[];
    target?: "csp-partner" | "bill-connect";
    nextRotationAt?: string;
  } = {},
): World {
  emulator.reset();
  emulator.clock.set(NOW);
  const directory = emulator.entra.directory;
  const app = directory.addApplication(TENANT, { appId: CLIENT_ID, displayName: "Partner Center Web App" });
  const iso = (days: number) => new Date(NOW + days * DAY).toISOString().replace(/\.000Z$/, "Z");
  const add = (displayName: string | null, days: number, secret: string) =>
    directory.addPassword(TENANT, app.id, { displayName, endDateTime: iso(days) }, { secret })!;
  const optimaDays = options.optimaKeyDays ?? 170;
  const active = add(
    `optima-csp ${DEPLOYMENT} slot a window 10 (expires ${iso(optimaDays).slice(0, 10)})`,
    optimaDays,
    "active-secret-Q1w2e3r4t5",
  );
  const previous = add(
    `optima-csp ${DEPLOYMENT} slot b window 9 (expires ${iso(110).slice(0, 10)})`,
    110,
    "previous-secret-Z9x8c7v6",
  );
  add("optima-csp 0badc0de slot a window 3 (expires 2027-03-01)", 90, "other-deploy-secret-M5n6b7");
  add("break-glass key", 12, "hand-made-secret-K8j7h6");
  const graphToken = emulator.entra.graphToken({
    tenantId: TENANT,
    roles: options.roles ?? ["Application.Read.All"],
  });
  const target = options.target ?? "csp-partner";
  let registrationId: string;
  if (target === "csp-partner") {
    registrationId = emulator.seedCspPartner(ORG, {
      mpn_id: MPN,
      domain: DOMAIN,
      application_id: CLIENT_ID,
      application_secret: "active-secret-Q1w2e3r4t5",
    }).id;
  } else {
    registrationId = emulator.seedBillConnect(ORG, {
      clientId: CLIENT_ID,
      clientSecret: "active-secret-Q1w2e3r4t5",
      tenantId: TENANT,
    }).id;
  }
  secrets = [
    "active-secret-Q1w2e3r4t5",
    "previous-secret-Z9x8c7v6",
    "other-deploy-secret-M5n6b7",
    "hand-made-secret-K8j7h6",
    graphToken,
    DEFAULT_REFRESH_TOKEN,
  ];
  const outputs: Record<string, string> = {
    applicationObjectId: app.id,
    activeKeyId: active.keyId,
    activeKeyExpiresAt: iso(optimaDays),
    previousKeyId: previous.keyId,
    nextRotationAt: options.nextRotationAt ?? "2026-12-21T00:00:00Z",
    registrationId,
    activeKeyUrn:
      "urn:pulumi:prod::optima-csp::azuread:index/applicationPassword:ApplicationPassword::optima-csp-key-a",
    optimaKeyId: active.keyId,
    webAppClientId: CLIENT_ID,
    optimaOrgId: ORG,
    optimaTarget: target,
    ...(target === "csp-partner" ? { optimaMpnId: MPN, optimaDomain: DOMAIN } : {}),
  };
  return {
    outputs,
    optimaKeyId: active.keyId,
    activeKeyId: active.keyId,
    previousKeyId: previous.keyId,
    graphToken,
    env: {
      OPTIMA_CSP_GRAPH_TOKEN: graphToken,
      OPTIMA_REFRESH_TOKEN: DEFAULT_REFRESH_TOKEN,
      OPTIMA_AUTH_URL: emulator.authUrl,
      OPTIMA_API_URL: emulator.apiUrl,
      OPTIMA_FLEXERA_API_URL: emulator.flexeraApiUrl,
    },
  };
}

async function status(
  w: World,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<StatusResult> {
  const file = path.join(work, `outputs-${outputsSeen.length}.json`);
  writeFileSync(file, JSON.stringify(w.outputs));
  const result = await runStatus(["--outputs", file, "--graph-url", emulator.entra.graphUrl, ...extra], {
    env: { ...w.env, ...env },
    now: () => new Date(NOW),
    http: { sleep: async () => undefined, policy: { timeoutMs: 5_000 } },
  });
  outputsSeen.push(result.stdout, result.stderr);
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

const verdictLine = (result: StatusResult): string => result.stdout.trimEnd().split("\n").pop() ?? "";

describe("optima-csp status against the emulator", () => {
  test("healthy: exit 0, the key Optima holds, every other key classified, the registration matches", async () => {
    const w = world();
    const result = await status(w);
    expect(result.exitCode).toBe(0);
    expect(verdictLine(result)).toBe(
      `HEALTHY (exit 0): The key Optima holds (${w.optimaKeyId}) expires on 2027-05-20, in 170 days.`,
    );
    expect(result.stdout).toContain(
      `Optima holds the CSP partnership ${w.outputs.registrationId} with client ID ${CLIENT_ID}, MPN ID ${MPN} and domain ${DOMAIN}.`,
    );
    expect(result.stdout).toContain("Optima holds it (stack's active key, slot a, window 10)");
    expect(result.stdout).toContain("this deployment (stack's previous key, slot b, window 9)");
    expect(result.stdout).toContain("another optima-csp deployment (0badc0de)");
    expect(result.stdout).toContain('made by hand: "break-glass key"');
    // The hand-made key expires in 12 days: listed, never judged.
    expect(result.stdout).not.toContain("WARNING");
  });

  test("--json carries the same verdict for machines", async () => {
    const w = world();
    const result = await status(w, ["--json"]);
    const report = JSON.parse(result.stdout) as {
      verdict: string;
      exitCode: number;
      keys: { kind: string }[];
    };
    expect(report.verdict).toBe("healthy");
    expect(report.exitCode).toBe(0);
    expect(report.keys.map((k) => k.kind).sort()).toEqual([
      "deployment",
      "hand-made",
      "optima",
      "other-deployment",
    ]);
    expect(result.stdout).not.toMatch(/hint|secretText/);
  });

  test("key near expiry: warning at 30 days, critical at 7 (the thresholds are flags)", async () => {
    let w = world({ optimaKeyDays: 20 });
    let result = await status(w);
    expect(result.exitCode).toBe(1);
    expect(verdictLine(result)).toBe(
      `WARNING (exit 1): The key Optima holds (${w.optimaKeyId}) expires on 2026-12-21, in 20 days (warning at 30).`,
    );
    expect(result.stdout).toContain("- optima-key: Run the rotation now");
    result = await status(w, ["--warn-days", "10"]);
    expect(result.exitCode).toBe(0);

    w = world({ optimaKeyDays: 5 });
    result = await status(w);
    expect(result.exitCode).toBe(2);
    expect(verdictLine(result)).toBe(
      `CRITICAL (exit 2): The key Optima holds (${w.optimaKeyId}) expires on 2026-12-06, in 5 days (critical at 7).`,
    );
  });

  test("the key Optima holds is missing from the Web App: critical", async () => {
    const w = world();
    const app = emulator.entra.directory.applicationByAppId(TENANT, CLIENT_ID)!;
    emulator.entra.directory.removePassword(TENANT, app.id, w.optimaKeyId);
    const result = await status(w);
    expect(result.exitCode).toBe(2);
    expect(verdictLine(result)).toBe(
      `CRITICAL (exit 2): The key Optima holds (${w.optimaKeyId}) is no longer on the Web App: Optima can no longer sign in, and cost data stops.`,
    );
    expect(result.stdout).toContain(
      "- optima-key: Run the rotation now (the rotation workflow, or `pulumi up --refresh --yes --stack <stack>`)",
    );
  });

  test("the schedule is overdue: nextRotationAt passed by more than the grace period", async () => {
    const w = world({ nextRotationAt: "2026-11-27T00:00:00Z" });
    const result = await status(w);
    expect(result.exitCode).toBe(1);
    expect(verdictLine(result)).toBe(
      "WARNING (exit 1): The rotation due at 2026-11-27T00:00:00Z has not happened (96 h late, grace 48 h): scheduled runs have stopped or are failing.",
    );
    expect(result.stdout).toContain("has its CI credential or service connection expired");
    expect((await status(w, ["--grace-hours", "100"])).exitCode).toBe(0);
  });

  test("a failed hand-off: the stack's active key is not the key Optima holds", async () => {
    const w = world();
    const result = await status({ ...w, outputs: { ...w.outputs, activeKeyId: w.previousKeyId } });
    expect(result.exitCode).toBe(1);
    expect(verdictLine(result)).toBe(
      `WARNING (exit 1): The stack's active key (${w.previousKeyId}) is not the key Optima holds (${w.optimaKeyId}): the last hand-off to Optima did not finish.`,
    );
  });

  test("the registration is missing in Optima: critical", async () => {
    const w = world();
    const result = await status({ ...w, outputs: { ...w.outputs, registrationId: "csp-gone" } });
    expect(result.exitCode).toBe(2);
    expect(verdictLine(result)).toBe(
      `CRITICAL (exit 2): Optima has no CSP partnership csp-gone in Flexera org ${ORG}: cost data for this partnership is not collected.`,
    );
  });

  test("the registration points at another app: critical", async () => {
    const w = world();
    const result = await status(w, ["--client-id", OTHER_CLIENT_ID]);
    // Graph finds no such app either; the registration line names the mismatch.
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain(
      `Optima's CSP partnership ${w.outputs.registrationId} points at another app: client ID ${CLIENT_ID}, not the Web App ${OTHER_CLIENT_ID}.`,
    );
  });

  test("bill-connect: Optima's validation fails: critical, with Optima's words", async () => {
    const w = world({ target: "bill-connect" });
    emulator.setValidation(w.outputs.registrationId, {
      valid: false,
      error: "AADSTS7000215: Invalid client secret provided.",
    });
    const result = await status(w);
    expect(result.exitCode).toBe(2);
    expect(verdictLine(result)).toBe(
      `CRITICAL (exit 2): Optima's validation of the bill connect ${w.outputs.registrationId} fails: AADSTS7000215: Invalid client secret provided.`,
    );
    emulator.setValidation(w.outputs.registrationId, { valid: true });
    expect((await status(w)).exitCode).toBe(0);
  });

  test("Graph permission missing (403): could not check, names the permission", async () => {
    const w = world({ roles: ["Domain.Read.All"] });
    const result = await status(w);
    expect(result.exitCode).toBe(3);
    expect(verdictLine(result)).toMatch(
      new RegExp(
        `^UNKNOWN \\(could not check\\) \\(exit 3\\): Microsoft Graph \\(the Web App ${CLIENT_ID}\\): permission denied\\. GET /graph/v1\\.0/applications\\(appId='${CLIENT_ID}'\\) failed: HTTP 403`,
      ),
    );
    expect(result.stdout).toContain(
      "Application.Read.All (or make it an owner of the Web App with Application.ReadWrite.OwnedBy)",
    );
  });

  test("Graph refuses the token (401, e.g. expired): could not check, says to sign in again, not to grant a permission", async () => {
    const w = world();
    const result = await status(w, [], { OPTIMA_CSP_GRAPH_TOKEN: "expired.or.revoked" });
    expect(result.exitCode).toBe(3);
    expect(verdictLine(result)).toMatch(
      new RegExp(
        `^UNKNOWN \\(could not check\\) \\(exit 3\\): Could not sign in for Microsoft Graph \\(the Web App ${CLIENT_ID}\\): .*HTTP 401`,
      ),
    );
    expect(result.stdout).toContain("Sign in for DefaultAzureCredential");
    expect(result.stdout).not.toContain("Application.Read.All (or make it an owner");
  });

  test("Optima unreachable: could not check", async () => {
    const w = world();
    const result = await status(w, [], {
      OPTIMA_API_URL: "http://127.0.0.1:1",
      OPTIMA_AUTH_URL: "http://127.0.0.1:1/oidc/token",
    });
    expect(result.exitCode).toBe(3);
    expect(verdictLine(result)).toMatch(
      /^UNKNOWN \(could not check\) \(exit 3\): Could not (reach|sign in for) Optima: /,
    );
    expect(result.stdout).toContain("- optima-registration: ");
  });

  test("no Optima credential: could not check, names the variables to set", async () => {
    const w = world();
    const result = await status({ ...w, env: { ...w.env, OPTIMA_REFRESH_TOKEN: "" } });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain("OPTIMA_REFRESH_TOKEN");
  });

  test("usage mistakes exit 3 with a message on stderr", async () => {
    const w = world();
    const result = await status(w, ["--warn-days", "5", "--critical-days", "9"]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toBe(
      "optima-csp status: --critical-days (9) must not be more than --warn-days (5).\n",
    );
  });

  test("the test Graph token is refused off loopback", async () => {
    const w = world();
    const result = await runStatus(
      ["--client-id", CLIENT_ID, "--graph-url", "https://graph.microsoft.com/v1.0"],
      {
        env: w.env,
        now: () => new Date(NOW),
      },
    );
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("OPTIMA_CSP_GRAPH_TOKEN is for tests against the local emulator");
  });

  test("secret-leak scan over every output of this file", () => {
    expect(outputsSeen.length).toBeGreaterThan(20);
    const all = outputsSeen.join("\n");
    for (const secret of [
      "active-secret-Q1w2e3r4t5",
      "previous-secret-Z9x8c7v6",
      "other-deploy-secret-M5n6b7",
      "hand-made-secret-K8j7h6",
      DEFAULT_REFRESH_TOKEN,
    ]) {
      expect(all).not.toContain(secret);
      // Not even the three-character hint Graph gives next to a key.
      expect(all).not.toMatch(new RegExp(`"hint"`));
    }
  });
});

describe("status rules (pure)", () => {
  const now = new Date(NOW);
  test("keys: Optima's, this deployment's (by display name), another deployment's, by hand", () => {
    const keys = classifyKeys(
      [
        {
          keyId: "k1",
          displayName: "optima-csp abc slot a window 2 (expires 2027-01-01)",
          endDateTime: "2027-01-01T00:00:00Z",
        },
        {
          keyId: "k2",
          displayName: "optima-csp abc slot b window 1 (expires 2026-12-10)",
          endDateTime: "2026-12-10T00:00:00Z",
        },
        {
          keyId: "k3",
          displayName: "optima-csp def slot a window 1 (expires 2026-12-10)",
          endDateTime: "2026-12-10T00:00:00Z",
        },
        { keyId: "k4", displayName: null, endDateTime: "2026-11-30T00:00:00Z" },
      ],
      { optimaKeyId: "k1", activeKeyId: "k1" },
      now,
    );
    expect(keys.map((k) => [k.keyId, k.kind, k.daysLeft])).toEqual([
      ["k1", "optima", 31],
      ["k2", "deployment", 9],
      ["k3", "other-deployment", 9],
      ["k4", "hand-made", -1],
    ]);
  });

  test("critical outranks could-not-check, which outranks warning", () => {
    const f = (level: "ok" | "warning" | "critical" | "unknown" | "skipped") => ({
      check: "schedule" as const,
      level,
      summary: "",
    });
    expect(verdictOf([f("warning"), f("unknown")])).toBe("unknown");
    expect(verdictOf([f("critical"), f("unknown")])).toBe("critical");
    expect(verdictOf([f("skipped")])).toBe("unknown");
    expect(verdictOf([f("ok"), f("skipped")])).toBe("healthy");
  });

  test("flags alone: what can be checked is checked, the rest is skipped", () => {
    const report = judge(
      { nextRotationAt: "2026-12-20T00:00:00Z" },
      undefined,
      undefined,
      DEFAULT_THRESHOLDS,
      now,
    );
    expect(report.findings.map((f) => [f.check, f.level])).toEqual([
      ["entra-app", "skipped"],
      ["optima-key", "unknown"],
      ["schedule", "ok"],
      ["optima-registration", "skipped"],
    ]);
    expect(report.exitCode).toBe(3);
  });

  test("outputs: secret outputs and unknown names are ignored; wrong forms are refused with the output's name", () => {
    expect(
      parseStackOutputs(
        JSON.stringify({ webAppClientId: CLIENT_ID, activeKeySecret: "[secret]", x: 1 }),
        "f.json",
      ),
    ).toEqual({
      clientId: CLIENT_ID,
    });
    expect(() => parseStackOutputs(JSON.stringify({ optimaOrgId: "org-1" }), "f.json")).toThrow(
      new StatusUsageError('f.json: output optimaOrgId must be digits only; got "org-1".'),
    );
    expect(() => parseStatusArgs(["--stack", "a", "--outputs", "b"])).toThrow(
      "--stack and --outputs both name where the outputs come from: pass one of them.",
    );
    expect(() => parseStatusArgs(["--graph-url", "http://graph.example.com/v1.0"])).toThrow(
      /--graph-url must use https/,
    );
    expect(parseStatusArgs([]).thresholds).toEqual({ warnDays: 30, criticalDays: 7, graceHours: 48 });
  });
});
