/**
 * `optima-csp status` against the emulator (Graph v1.0 directory + Optima), in process: one test
 * per verdict, with the exact verdict line and exit code, a secret-leak scan over every output,
 * and the pure rules (key classification, thresholds, flags, outputs) without I/O.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_REFRESH_TOKEN } from "../tools/emulator";
import { runStatus, type StatusResult } from "../components/status/gather";
import { StatusUsageError, parseStackOutputs, parseStatusArgs } from "../components/status/options";
import { classifyKeys, judge, verdictOf, DEFAULT_THRESHOLDS } from "../components/status/verdict";
import { emulatorPerFile } from "./support/emulator-per-file";
import { emulatorOptimaEnv } from "./support/host-env";
import { optimaKeyName } from "./support/key-names";
import {
  CLIENT_ID,
  DAY,
  DEPLOYMENT,
  DOMAIN,
  MPN,
  ORG,
  OTHER_CLIENT_ID,
  TENANT,
  stackOutputs,
} from "./support/partner";

const NOW = Date.parse("2026-12-01T00:00:00Z");

const bed = emulatorPerFile({ scratchPrefix: "status-" });
/** Every secret the world holds: no output may contain any of them. */
let secrets: string[];
const outputsSeen: string[] = [];

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
  bed.emulator.reset();
  bed.emulator.clock.set(NOW);
  const directory = bed.emulator.entra.directory;
  const app = directory.addApplication(TENANT, { appId: CLIENT_ID, displayName: "Partner Center Web App" });
  const iso = (days: number) => new Date(NOW + days * DAY).toISOString().replace(/\.000Z$/, "Z");
  const add = (displayName: string | null, days: number, secret: string) =>
    directory.addPassword(TENANT, app.id, { displayName, endDateTime: iso(days) }, { secret })!;
  const optimaDays = options.optimaKeyDays ?? 170;
  const active = add(
    optimaKeyName(DEPLOYMENT, "a", 10, iso(optimaDays).slice(0, 10)),
    optimaDays,
    "active-secret-Q1w2e3r4t5",
  );
  const previous = add(
    optimaKeyName(DEPLOYMENT, "b", 9, iso(110).slice(0, 10)),
    110,
    "previous-secret-Z9x8c7v6",
  );
  add(optimaKeyName("0badc0de", "a", 3, "2027-03-01"), 90, "other-deploy-secret-M5n6b7");
  add("break-glass key", 12, "hand-made-secret-K8j7h6");
  const graphToken = bed.emulator.entra.graphToken({
    tenantId: TENANT,
    roles: options.roles ?? ["Application.Read.All"],
  });
  const target = options.target ?? "csp-partner";
  let registrationId: string;
  if (target === "csp-partner") {
    registrationId = bed.emulator.seedCspPartner(ORG, {
      mpn_id: MPN,
      domain: DOMAIN,
      application_id: CLIENT_ID,
      application_secret: "active-secret-Q1w2e3r4t5",
    }).id;
  } else {
    registrationId = bed.emulator.seedBillConnect(ORG, {
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
  return {
    outputs: stackOutputs({
      applicationObjectId: app.id,
      activeKeyId: active.keyId,
      activeKeyExpiresAt: iso(optimaDays),
      previousKeyId: previous.keyId,
      nextRotationAt: options.nextRotationAt ?? "2026-12-21T00:00:00Z",
      registrationId,
      target,
    }),
    optimaKeyId: active.keyId,
    activeKeyId: active.keyId,
    previousKeyId: previous.keyId,
    graphToken,
    env: { OPTIMA_CSP_GRAPH_TOKEN: graphToken, ...emulatorOptimaEnv(bed.emulator, DEFAULT_REFRESH_TOKEN) },
  };
}

async function status(
  w: World,
  extra: string[] = [],
  env: Record<string, string> = {},
): Promise<StatusResult> {
  const file = path.join(bed.work, `outputs-${outputsSeen.length}.json`);
  writeFileSync(file, JSON.stringify(w.outputs));
  const result = await runStatus(["--outputs", file, "--graph-url", bed.emulator.entra.graphUrl, ...extra], {
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
    const app = bed.emulator.entra.directory.applicationByAppId(TENANT, CLIENT_ID)!;
    bed.emulator.entra.directory.removePassword(TENANT, app.id, w.optimaKeyId);
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
    bed.emulator.setValidation(w.outputs.registrationId, {
      valid: false,
      error: "AADSTS7000215: Invalid client secret provided.",
    });
    const result = await status(w);
    expect(result.exitCode).toBe(2);
    expect(verdictLine(result)).toBe(
      `CRITICAL (exit 2): Optima's validation of the bill connect ${w.outputs.registrationId} fails: AADSTS7000215: Invalid client secret provided.`,
    );
    bed.emulator.setValidation(w.outputs.registrationId, { valid: true });
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
    // status reads the environment alone: stack config would not reach it, so it is not offered.
    expect(result.stdout).toContain("in the environment `optima-csp status` runs in");
    expect(result.stdout).not.toContain("pulumi config set");
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

/** The key Optima holds, as the emulator's directory stores it (to give Graph odd answers). */
function optimaKey(w: World): { endDateTime: unknown } {
  const app = bed.emulator.entra.directory.applicationByAppId(TENANT, CLIENT_ID)!;
  return app.passwords.find((p) => p.keyId === w.optimaKeyId)! as unknown as { endDateTime: unknown };
}

/** What a stack deployed with a pre-release build exports (CHANGELOG "Changed since the pre-release builds"). */
function preReleaseOutputs(w: World): Record<string, string> {
  const exported = [
    "applicationObjectId",
    "activeKeyId",
    "activeKeyExpiresAt",
    "previousKeyId",
    "nextRotationAt",
    "registrationId",
  ];
  return {
    ...Object.fromEntries(exported.map((name) => [name, w.outputs[name]])),
    activeKeySecret: "[secret]",
  };
}

/** An Entra ID client secret's shape (three characters, `8Q~`, 34 more), as Optima might echo one. */
const ENTRA_SHAPED_SECRET = "Xk28Q~p4mTq7_wLr2V-nX8bYc5Hd3Fg6Jk1Ms0Ne";

describe("status never calls healthy what it did not check (issue 16)", () => {
  test("a pre-release stack's outputs with --key-id, Optima's key expired 3 days ago: could not check, naming what is missing", async () => {
    const w = world({ optimaKeyDays: -3 });
    const result = await status({ ...w, outputs: preReleaseOutputs(w) }, ["--key-id", w.optimaKeyId]);
    expect(result.exitCode).toBe(3);
    expect(verdictLine(result)).toMatch(/^UNKNOWN \(could not check\) \(exit 3\): /);
    expect(result.stdout).not.toContain("HEALTHY");
    expect(result.stdout).toMatch(/entra-app +UNKNOWN .*webAppClientId.*--client-id/);
    expect(result.stdout).toMatch(/optima-registration +UNKNOWN .*optimaOrgId.*--org-id/);
    // With the client ID given, the expired key is found: critical.
    const withClient = await status({ ...w, outputs: preReleaseOutputs(w) }, [
      "--key-id",
      w.optimaKeyId,
      "--client-id",
      CLIENT_ID,
    ]);
    expect(withClient.exitCode).toBe(2);
    expect(verdictLine(withClient)).toContain("expired on 2026-11-28, 3 days ago");
  });

  test.each([
    ["missing", undefined],
    ["a secret output", "[secret]"],
  ])("webAppClientId %s: could not check, naming webAppClientId and --client-id", async (_what, value) => {
    const w = world();
    const outputs = { ...w.outputs };
    if (value === undefined) {
      delete (outputs as Record<string, string | undefined>).webAppClientId;
    } else {
      outputs.webAppClientId = value;
    }
    const result = await status({ ...w, outputs });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toMatch(
      /entra-app +UNKNOWN .*webAppClientId is missing or a secret shown as \[secret\], and no --client-id was given/,
    );
    expect(result.stdout).toMatch(/optima-registration +UNKNOWN .*client ID it should carry is not known/);
  });

  test("optimaOrgId missing: could not check, naming optimaOrgId and --org-id", async () => {
    const w = world();
    const outputs: Record<string, string | undefined> = { ...w.outputs, optimaOrgId: undefined };
    const result = await status({
      ...w,
      outputs: JSON.parse(JSON.stringify(outputs)) as Record<string, string>,
    });
    expect(result.exitCode).toBe(3);
    expect(verdictLine(result)).toBe(
      "UNKNOWN (could not check) (exit 3): Optima's registration could not be read: the Flexera org ID is not known (the stack's output optimaOrgId is missing or a secret shown as [secret], and no --org-id was given).",
    );
  });

  test.each([
    ["not-a-date", '"not-a-date"'],
    ["", '""'],
    [null, undefined],
    [1_767_225_600_000, undefined],
    ["1767225600000", '"1767225600000"'],
    ["2026-13-45T00:00:00Z", '"2026-13-45T00:00:00Z"'],
    ["2027-05-20", '"2027-05-20"'],
  ])("an unreadable endDateTime (%p) is unknown, never 'no expiry'", async (endDateTime, shown) => {
    const w = world();
    optimaKey(w).endDateTime = endDateTime;
    const result = await status(w);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).not.toContain("has no expiry date");
    expect(result.stdout).toMatch(
      shown === undefined
        ? /optima-key +UNKNOWN .*Graph gave no expiry date \(endDateTime\) for it: how long it lasts is not known\./
        : new RegExp(
            `optima-key +UNKNOWN .*cannot be read \\(endDateTime ${shown.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\)`,
          ),
    );
    expect(result.stdout).toMatch(new RegExp(`${w.optimaKeyId} +unknown +- +Optima holds it`));
  });

  test("an Optima message that repeats a key value is shown redacted", async () => {
    const w = world({ target: "bill-connect" });
    bed.emulator.setValidation(w.outputs.registrationId, {
      valid: false,
      error: `AADSTS7000215: Invalid client secret provided: ${ENTRA_SHAPED_SECRET} is not the key.`,
    });
    for (const extra of [[], ["--json"]]) {
      const result = await status(w, extra);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).not.toContain(ENTRA_SHAPED_SECRET);
      expect(result.stdout).not.toContain(ENTRA_SHAPED_SECRET.slice(6, 30));
      expect(result.stdout).toContain("Invalid client secret provided: [REDACTED] is not the key.");
    }
  });

  test("a Graph error body that repeats a key value is shown redacted", async () => {
    const w = world();
    bed.emulator.inject({
      path: "/graph/v1.0/applications",
      status: 400,
      times: 1,
      body: JSON.stringify({
        error: { code: "Request_BadRequest", message: `bad key ${ENTRA_SHAPED_SECRET}` },
      }),
    });
    const result = await status(w);
    expect(result.exitCode).toBe(3);
    expect(result.stdout).not.toContain(ENTRA_SHAPED_SECRET);
    expect(result.stdout).toContain('HTTP 400 Request_BadRequest: "bad key [REDACTED]"');
  });
});

describe("--json is valid JSON for every verdict, sign-in failures included (issue 20 item 1)", () => {
  const cases: [string, () => Promise<StatusResult>, number][] = [
    ["healthy", () => status(world(), ["--json"]), 0],
    ["warning", () => status(world({ optimaKeyDays: 20 }), ["--json"]), 1],
    ["critical", () => status(world({ optimaKeyDays: 5 }), ["--json"]), 2],
    ["Graph 403", () => status(world({ roles: ["Domain.Read.All"] }), ["--json"]), 3],
    [
      "Graph 401 (InvalidAuthenticationToken)",
      () => status(world(), ["--json"], { OPTIMA_CSP_GRAPH_TOKEN: "expired.or.revoked" }),
      3,
    ],
    [
      "DefaultAzureCredential fails",
      async () => {
        const w = world();
        const file = path.join(bed.work, "outputs-signin.json");
        writeFileSync(file, JSON.stringify(w.outputs));
        const result = await runStatus(
          ["--outputs", file, "--graph-url", bed.emulator.entra.graphUrl, "--json"],
          {
            env: { ...w.env, OPTIMA_CSP_GRAPH_TOKEN: "" },
            now: () => new Date(NOW),
            graphToken: async () => {
              throw Object.assign(
                new Error(
                  'DefaultAzureCredential: `az login` failed: InvalidAuthenticationToken: "Access token validation failure." client_secret="s3cr3t-value"',
                ),
                { name: "CredentialUnavailableError" },
              );
            },
            http: { sleep: async () => undefined, policy: { timeoutMs: 5_000 } },
          },
        );
        expect(result.stdout).not.toContain("s3cr3t-value");
        return result;
      },
      3,
    ],
    [
      "no Optima credential",
      () => {
        const w = world();
        return status({ ...w, env: { ...w.env, OPTIMA_REFRESH_TOKEN: "" } }, ["--json"]);
      },
      3,
    ],
  ];

  test.each(cases)("%s", async (_name, run, exitCode) => {
    const result = await run();
    expect(result.exitCode).toBe(exitCode);
    const report = JSON.parse(result.stdout) as {
      exitCode: number;
      findings: { check: string; summary: string; action?: string }[];
    };
    expect(report.exitCode).toBe(exitCode);
    // Redaction left the prose as written: the sign-in advice and Graph's quoted words.
    const text = report.findings.map((f) => `${f.summary} ${f.action ?? ""}`).join("\n");
    expect(text).not.toMatch(/\[REDACTED\][`"]/);
    if (report.findings.some((f) => f.summary.startsWith("Could not sign in for Microsoft Graph"))) {
      expect(text).toContain("Sign in for DefaultAzureCredential: `az login` at a workstation");
      expect(text).toMatch(/InvalidAuthenticationToken: "Access token validation failure\./);
    }
  });
});

describe("strict flags (issue 16)", () => {
  test.each([
    [
      ["--grace-hours", ""],
      "--grace-hours is given without a value: give a whole number of hours, 0 or more, such as 48, or leave the flag out.",
    ],
    [
      ["--client-id", " "],
      "--client-id is given without a value: give the Web App's Application (client) ID, a GUID such as aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee, or leave the flag out.",
    ],
    [
      ["--graph-url", ""],
      "--graph-url is given without a value: give an absolute https:// URL, such as https://graph.microsoft.us/v1.0, or leave the flag out.",
    ],
    [
      ["--next-rotation-at", "1"],
      '--next-rotation-at must be an ISO 8601 date-time with Z or an offset, such as 2026-12-21T00:00:00Z; got "1".',
    ],
    [
      ["--next-rotation-at", "1767225600000"],
      '--next-rotation-at must be an ISO 8601 date-time with Z or an offset, such as 2026-12-21T00:00:00Z; got "1767225600000".',
    ],
    [
      ["--next-rotation-at", "2026-12-21"],
      '--next-rotation-at must be an ISO 8601 date-time with Z or an offset, such as 2026-12-21T00:00:00Z; got "2026-12-21".',
    ],
    [["--warn-days", "-1"], '--warn-days must be a whole number of days, 0 or more, such as 30; got "-1".'],
    [["--warn-days=-1"], '--warn-days must be a whole number of days, 0 or more, such as 30; got "-1".'],
    [
      ["--critical-days", "1.5"],
      '--critical-days must be a whole number of days, 0 or more, such as 7; got "1.5".',
    ],
    [
      ["--grace-hours", "-0.5"],
      '--grace-hours must be a whole number of hours, 0 or more, such as 48; got "-0.5".',
    ],
    [["--warn-days", "10", "--warn-days", "20"], "--warn-days is given more than once: give it once."],
    [
      ["--client-id", "00000000-0000-0000-0000-000000000000"],
      "--client-id must be a GUID such as aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got the nil GUID 00000000-0000-0000-0000-000000000000, a placeholder Entra ID never assigns.",
    ],
    [
      ["--mpn-id", "0"],
      '--mpn-id must be the partner\'s MPN ID, a number from 1 up; got "0", a placeholder.',
    ],
    [
      ["--org-id", "000"],
      '--org-id must be the Flexera organization ID, a number from 1 up; got "000", a placeholder.',
    ],
    [
      ["--domain", "contoso"],
      '--domain must be the partner tenant\'s default domain, a DNS name such as contoso.onmicrosoft.com; got "contoso".',
    ],
  ])("%p is refused: %s", async (argv, message) => {
    expect(() => parseStatusArgs(argv)).toThrow(new StatusUsageError(message));
    const result = await runStatus(argv, { env: {}, now: () => new Date(NOW) });
    expect(result).toEqual({ exitCode: 3, stdout: "", stderr: `optima-csp status: ${message}\n` });
  });

  test("a missing value is refused with the form the flag accepts, other mistakes with one full stop; outputs are held to the same forms", () => {
    expect(() => parseStatusArgs(["--outputs", "--json"])).toThrow(
      "--outputs is given without a value: give the path of a file holding the JSON of `pulumi stack output --json`, or leave the flag out.",
    );
    expect(() => parseStatusArgs(["--key-id"])).toThrow(
      "--key-id is given without a value: give an Entra ID key ID, a GUID such as aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee, or leave the flag out.",
    );
    expect(() => parseStatusArgs(["--nope"])).toThrow(
      /^Unknown option '--nope'[^.]*\. Run optima-csp status --help for the flags\.$/,
    );
    expect(() =>
      parseStackOutputs(JSON.stringify({ nextRotationAt: "1", webAppClientId: CLIENT_ID }), "f.json"),
    ).toThrow(
      'f.json: output nextRotationAt must be an ISO 8601 date-time with Z or an offset, such as 2026-12-21T00:00:00Z; got "1".',
    );
    expect(() => parseStackOutputs(JSON.stringify({ optimaOrgId: 4242 }), "f.json")).toThrow(
      "f.json: output optimaOrgId must be a string, as `pulumi stack output --json` prints it; got a number.",
    );
    expect(() => parseStackOutputs(JSON.stringify({ optimaMpnId: "0" }), "f.json")).toThrow(
      'f.json: output optimaMpnId must be the partner\'s MPN ID, a number from 1 up; got "0", a placeholder.',
    );
    expect(
      parseStatusArgs(["--warn-days", "0", "--critical-days", "0", "--grace-hours", "0"]).thresholds,
    ).toEqual({
      warnDays: 0,
      criticalDays: 0,
      graceHours: 0,
    });
    expect(parseStatusArgs(["--next-rotation-at", "2026-12-21T01:00:00+01:00"]).flags.nextRotationAt).toBe(
      "2026-12-21T01:00:00+01:00",
    );
  });
});

describe("status rules (pure)", () => {
  const now = new Date(NOW);
  test("keys: Optima's, this deployment's (by display name), another deployment's, by hand", () => {
    const keys = classifyKeys(
      [
        {
          keyId: "k1",
          displayName: optimaKeyName("abc", "a", 2, "2027-01-01"),
          endDateTime: "2027-01-01T00:00:00Z",
        },
        {
          keyId: "k2",
          displayName: optimaKeyName("abc", "b", 1, "2026-12-10"),
          endDateTime: "2026-12-10T00:00:00Z",
        },
        {
          keyId: "k3",
          displayName: optimaKeyName("def", "a", 1, "2026-12-10"),
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

  test("critical outranks could-not-check, which outranks warning; healthy only when every check passed", () => {
    const f = (level: "ok" | "warning" | "critical" | "unknown" | "skipped") => ({
      check: "schedule" as const,
      level,
      summary: "",
    });
    expect(verdictOf([f("warning"), f("unknown")])).toBe("unknown");
    expect(verdictOf([f("critical"), f("unknown")])).toBe("critical");
    expect(verdictOf([f("skipped")])).toBe("unknown");
    // A check that did not run is never healthy (issue 16).
    expect(verdictOf([f("ok"), f("skipped")])).toBe("unknown");
    expect(verdictOf([f("warning"), f("skipped")])).toBe("unknown");
    expect(verdictOf([])).toBe("unknown");
    expect(verdictOf([f("ok"), f("ok")])).toBe("healthy");
  });

  test("flags alone: what can be checked is checked; every check without its input is unknown, naming it", () => {
    const report = judge(
      { nextRotationAt: "2026-12-20T00:00:00Z" },
      undefined,
      undefined,
      DEFAULT_THRESHOLDS,
      now,
    );
    expect(report.findings.map((f) => [f.check, f.level])).toEqual([
      ["entra-app", "unknown"],
      ["optima-key", "unknown"],
      ["hand-off", "unknown"],
      ["schedule", "ok"],
      ["optima-registration", "unknown"],
    ]);
    expect(report.exitCode).toBe(3);
    const summary = (check: string) => report.findings.find((f) => f.check === check)?.summary;
    expect(summary("entra-app")).toContain("webAppClientId");
    expect(summary("entra-app")).toContain("--client-id");
    expect(summary("hand-off")).toContain("--active-key-id");
    expect(summary("optima-registration")).toContain("--org-id");
    expect(report.findings.every((f) => f.level === "ok" || f.action !== undefined)).toBe(true);
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
      new StatusUsageError(
        'f.json: output optimaOrgId must be the Flexera organization ID, digits only; got "org-1".',
      ),
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
