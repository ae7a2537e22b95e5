/**
 * `npx optima-csp status --outputs <file>` from the packed tarball, installed in a scratch
 * consumer project, against the emulator: the "Done when". One pack per run, shared with
 * tests/package/package.test.ts (tests/support/package-pack.ts); each verdict is one real child process
 * (`npx --no-install optima-csp status …`) with the exit code a monitoring system reads and the
 * exact verdict line, and no secret in anything it prints.
 *
 * The installed command uses the real clock, so the world is built relative to now: key end
 * dates sit half a day past a whole number of days, and the overdue rotation half an hour past a
 * whole number of hours, so that the days and hours the command prints are exact.
 *
 * The consumer is laid out by ../support/package-consumer (the tarball extracted, dependencies
 * linked from this repository's node_modules, no registry, and the `node_modules/.bin` link and
 * executable bit that `npm install` would add, from the installed package.json's `bin`). The
 * child gets an explicit environment (npxEnv): nothing of the developer's shell (no OPTIMA_*),
 * npm offline with its own cache, Graph through the emulator's test token on a loopback URL.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator } from "../../tools/emulator";
import { createCommandConsumer, npxEnv, type ConsumerProject } from "../support/package-consumer";
import { sharedPack, type PackedTarball } from "../support/package-pack";
import { emulatorOptimaEnv } from "../support/host-env";
import { describeRun, run, type RunResult } from "../support/package-process";
import { CLIENT_ID, DAY, DEPLOYMENT, DOMAIN, MPN, ORG, TENANT, stackOutputs } from "../support/partner";

const REPO = path.join(__dirname, "..", "..");
const PACK_TIMEOUT_MS = 120_000;
/** A bound on each `npx optima-csp status` run (it answers in about a second). */
const CLI_TIMEOUT_MS = 30_000;

const HOUR = 3_600_000;

/** Secrets of this world, random per run: no output may contain any of them. */
const REFRESH_TOKEN = `status-pkg-refresh-${randomBytes(9).toString("base64url")}`;
const KEY_SECRETS = {
  active: `active-key-${randomBytes(12).toString("base64url")}`,
  previous: `previous-key-${randomBytes(12).toString("base64url")}`,
  handMade: `hand-made-key-${randomBytes(12).toString("base64url")}`,
};

let work: string;
let packed: PackedTarball;
let consumer: ConsumerProject;
let emulator: Emulator;
const timings: Record<string, number> = {};

beforeAll(async () => {
  // Not under a path containing "optima-csp" (see tests/package/package.test.ts).
  work = mkdtempSync(path.join(os.tmpdir(), "statuspkg-"));
  packed = await sharedPack(REPO, path.join(work, "pack"), PACK_TIMEOUT_MS);
  timings.packMs = packed.packMs;
  const started = Date.now();
  consumer = createCommandConsumer(path.join(work, "consumer"), packed.path, {
    name: "status-consumer",
    sourceProjectDir: REPO,
  });
  timings.installMs = Date.now() - started;
  mkdirSync(path.join(work, "home"));
  emulator = await startEmulator({ refreshTokens: [REFRESH_TOKEN] });
}, PACK_TIMEOUT_MS + 30_000);

afterAll(async () => {
  await emulator?.close();
  if (work) {
    rmSync(work, { recursive: true, force: true });
  }
  console.log(`status package test timings (ms): ${JSON.stringify(timings)}`);
});

interface World {
  readonly outputs: Record<string, string>;
  readonly optimaKeyId: string;
  /** `YYYY-MM-DD` of the key Optima holds. */
  readonly optimaKeyExpires: string;
  readonly graphToken: string;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * A deployed csp-partner stack: Optima holds the active key (`optimaKeyDays` whole days left, 170
 * by default), the previous key, a key made by hand, the registration in Optima, and a Graph token
 * with `roles`.
 */
function world(
  options: {
    optimaKeyDays?: number;
    roles?: string[];
    nextRotationAt?: string;
    registration?: boolean;
  } = {},
): World {
  emulator.reset(); // the emulator's clock is real time again
  const now = Date.now();
  const directory = emulator.entra.directory;
  const app = directory.addApplication(TENANT, { appId: CLIENT_ID, displayName: "Partner Center Web App" });
  const endIn = (days: number): string => iso(now + days * DAY + 12 * HOUR);
  const add = (displayName: string, days: number, secret: string) =>
    directory.addPassword(TENANT, app.id, { displayName, endDateTime: endIn(days) }, { secret })!;
  const optimaDays = options.optimaKeyDays ?? 170;
  const optimaEnd = endIn(optimaDays);
  const active = add(
    `optima-csp ${DEPLOYMENT} slot a window 10 (expires ${optimaEnd.slice(0, 10)})`,
    optimaDays,
    KEY_SECRETS.active,
  );
  const previous = add(
    `optima-csp ${DEPLOYMENT} slot b window 9 (expires ${endIn(110).slice(0, 10)})`,
    110,
    KEY_SECRETS.previous,
  );
  add("break-glass key", 12, KEY_SECRETS.handMade);
  const graphToken = emulator.entra.graphToken({
    tenantId: TENANT,
    roles: options.roles ?? ["Application.Read.All"],
  });
  const registrationId =
    options.registration === false
      ? "csp-deleted-in-flexera-one"
      : emulator.seedCspPartner(ORG, {
          mpn_id: MPN,
          domain: DOMAIN,
          application_id: CLIENT_ID,
          application_secret: KEY_SECRETS.active,
        }).id;
  const outputs = stackOutputs({
    applicationObjectId: app.id,
    activeKeyId: active.keyId,
    activeKeyExpiresAt: optimaEnd,
    previousKeyId: previous.keyId,
    nextRotationAt: options.nextRotationAt ?? iso(now + 20 * DAY),
    registrationId,
  });
  return { outputs, optimaKeyId: active.keyId, optimaKeyExpires: optimaEnd.slice(0, 10), graphToken };
}

/** The child's whole environment: node and npx on PATH, npm offline, the Optima and Graph settings. */
function cliEnv(w: World, optima: Record<string, string> = {}): NodeJS.ProcessEnv {
  return npxEnv(work, {
    OPTIMA_CSP_GRAPH_TOKEN: w.graphToken,
    ...emulatorOptimaEnv(emulator, REFRESH_TOKEN),
    ...optima,
  });
}

let runs = 0;
const outputsSeen: string[] = [];

/** `npx --no-install optima-csp status --outputs <file> --graph-url <emulator>` in the consumer. */
async function npxStatus(w: World, optima: Record<string, string> = {}): Promise<RunResult> {
  const file = path.join(work, `outputs-${runs++}.json`);
  writeFileSync(file, `${JSON.stringify(w.outputs, null, 2)}\n`);
  const result = await run(
    "npx",
    ["--no-install", "optima-csp", "status", "--outputs", file, "--graph-url", emulator.entra.graphUrl],
    { cwd: consumer.dir, env: cliEnv(w, optima), timeoutMs: CLI_TIMEOUT_MS },
  );
  outputsSeen.push(result.stdout, result.stderr);
  timings.slowestRunMs = Math.max(timings.slowestRunMs ?? 0, result.ms);
  if (result.timedOut || result.signal !== null || result.stdout === "") {
    throw new Error(describeRun(result));
  }
  for (const secret of [...Object.values(KEY_SECRETS), REFRESH_TOKEN, w.graphToken]) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  // A verdict is always on stdout; stderr is for usage mistakes and crashes only.
  expect(result.stderr).toBe("");
  return result;
}

const verdictLine = (result: RunResult): string => result.stdout.trimEnd().split("\n").pop() ?? "";

describe("npx optima-csp status from the packed tarball, against the emulator", () => {
  test("the tarball's bin is the one that runs", () => {
    const manifest = JSON.parse(readFileSync(path.join(consumer.packageDir, "package.json"), "utf8")) as {
      bin?: Record<string, string>;
    };
    expect(manifest.bin).toEqual({ "optima-csp": "dist/components/cli/optima-csp.js" });
    expect(packed.files).toContain("dist/components/cli/optima-csp.js");
    const text = readFileSync(path.join(consumer.packageDir, manifest.bin!["optima-csp"]), "utf8");
    expect(text.startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  test("healthy: exit 0", async () => {
    const w = world();
    const result = await npxStatus(w);
    expect({ code: result.code, line: verdictLine(result) }).toEqual({
      code: 0,
      line: `HEALTHY (exit 0): The key Optima holds (${w.optimaKeyId}) expires on ${w.optimaKeyExpires}, in 170 days.`,
    });
    expect(result.stdout).toContain(
      `Optima holds the CSP partnership ${w.outputs.registrationId} with client ID ${CLIENT_ID}, MPN ID ${MPN} and domain ${DOMAIN}.`,
    );
    expect(result.stdout).toContain('made by hand: "break-glass key"');
  });

  test.each([
    { days: 20, code: 1, verdict: "WARNING", threshold: "warning at 30" },
    { days: 5, code: 2, verdict: "CRITICAL", threshold: "critical at 7" },
  ])(
    "key near expiry, $days days left: exit $code ($threshold)",
    async ({ days, code, verdict, threshold }) => {
      const w = world({ optimaKeyDays: days });
      const result = await npxStatus(w);
      expect({ code: result.code, line: verdictLine(result) }).toEqual({
        code,
        line: `${verdict} (exit ${code}): The key Optima holds (${w.optimaKeyId}) expires on ${w.optimaKeyExpires}, in ${days} days (${threshold}).`,
      });
      expect(result.stdout).toContain("- optima-key: Run the rotation now");
    },
  );

  test("the key Optima holds is missing from the Web App: exit 2", async () => {
    const w = world();
    const app = emulator.entra.directory.applicationByAppId(TENANT, CLIENT_ID)!;
    expect(emulator.entra.directory.removePassword(TENANT, app.id, w.optimaKeyId)).toBe(true);
    const result = await npxStatus(w);
    expect({ code: result.code, line: verdictLine(result) }).toEqual({
      code: 2,
      line: `CRITICAL (exit 2): The key Optima holds (${w.optimaKeyId}) is no longer on the Web App: Optima can no longer sign in, and cost data stops.`,
    });
  });

  test("the schedule is overdue: exit 1", async () => {
    const due = iso(Date.now() - 96 * HOUR - 30 * 60_000);
    const w = world({ nextRotationAt: due });
    const result = await npxStatus(w);
    expect({ code: result.code, line: verdictLine(result) }).toEqual({
      code: 1,
      line: `WARNING (exit 1): The rotation due at ${due} has not happened (96 h late, grace 48 h): scheduled runs have stopped or are failing.`,
    });
    expect(result.stdout).toContain("has its CI credential or service connection expired");
  });

  test("the registration is missing in Optima: exit 2", async () => {
    const w = world({ registration: false });
    const result = await npxStatus(w);
    expect({ code: result.code, line: verdictLine(result) }).toEqual({
      code: 2,
      line: `CRITICAL (exit 2): Optima has no CSP partnership csp-deleted-in-flexera-one in Flexera org ${ORG}: cost data for this partnership is not collected.`,
    });
  });

  test("Graph permission missing (a token without roles, 403): exit 3, names the permission", async () => {
    const w = world({ roles: [] });
    const result = await npxStatus(w);
    expect({ code: result.code, line: verdictLine(result) }).toEqual({
      code: 3,
      line: `UNKNOWN (could not check) (exit 3): Microsoft Graph (the Web App ${CLIENT_ID}): permission denied. GET /graph/v1.0/applications(appId='${CLIENT_ID}') failed: HTTP 403 Authorization_RequestDenied: "Insufficient privileges to complete the operation." (1 attempt)`,
    });
    expect(result.stdout).toContain(
      "- entra-app: Grant the identity status signs in with the Microsoft Graph application permission Application.Read.All",
    );
  });

  test("Optima unreachable: exit 3", async () => {
    const w = world();
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    const result = await npxStatus(w, {
      OPTIMA_AUTH_URL: "http://127.0.0.1:1/oidc/token",
      OPTIMA_API_URL: "http://127.0.0.1:1",
      OPTIMA_FLEXERA_API_URL: "http://127.0.0.1:1",
    });
    expect({ code: result.code, line: verdictLine(result) }).toEqual({
      code: 3,
      line:
        "UNKNOWN (could not check) (exit 3): Could not reach Optima: POST /oidc/token failed: could not reach http://127.0.0.1:1 (ECONNREFUSED) after 3 attempts. " +
        "Check the network and optima:authUrl (OPTIMA_AUTH_URL), or optima:region.",
    });
    expect(result.stdout).toContain(
      "- optima-registration: Optima did not answer: run status again later. Nothing about the registration was judged.",
    );
  });

  test("no secret in anything the command printed", () => {
    expect(outputsSeen.length).toBe(2 * runs);
    expect(runs).toBeGreaterThanOrEqual(8);
    const all = outputsSeen.join("\n");
    for (const secret of [...Object.values(KEY_SECRETS), REFRESH_TOKEN]) {
      expect(all).not.toContain(secret);
    }
    // Graph tokens are JWTs: no output carries one, whichever world issued it.
    expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+/);
  });
});
