/**
 * `optima-csp status` watches every holder of the Web App's key (issue 18 item 4): the
 * partnership and each CSP customer's bill connect (stack output `optimaCustomers`), one line per
 * holder and a summary line; the worst holder decides the exit code. In process, against the
 * emulator (its Graph v1.0 directory, and Optima's bill connects with a "Customer Tenant" scope
 * and their validation, docs/optima-api.md §1C, §2).
 */
import { writeFileSync } from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { DEFAULT_REFRESH_TOKEN } from "../tools/emulator";
import { runStatus, type StatusResult } from "../components/status/gather";
import { emulatorPerFile } from "./support/emulator-per-file";
import { emulatorOptimaEnv } from "./support/host-env";
import { optimaKeyName } from "./support/key-names";
import { CLIENT_ID, DAY, DEPLOYMENT, DOMAIN, MPN, ORG, TENANT, stackOutputs } from "./support/partner";

const NOW = Date.parse("2026-12-01T00:00:00Z");
const ACTIVE_SECRET = "active-secret-Q1w2e3r4t5";
const EXPIRED_SECRET = "expired-secret-P0o9i8u7";

/** Customer `i`'s tenant and org. */
const customerTenant = (i: number): string => `c0ffee00-0000-4000-8000-${String(i + 1).padStart(12, "0")}`;
const customerOrg = (i: number): string => String(50_000 + i);

const bed = emulatorPerFile({ scratchPrefix: "status-holders-" });
let runs = 0;

interface World {
  /** `pulumi stack output --json` of the stack, `optimaCustomers` included. */
  readonly outputs: Record<string, unknown>;
  readonly customers: Record<string, { orgId: string; registrationId: string; keyId: string }>;
  readonly activeKeyId: string;
  readonly expiredKeyId: string;
  readonly env: Record<string, string>;
  readonly secrets: string[];
}

/**
 * A healthy partnership (Optima holds the active key, 170 days left) and `count` customers whose
 * bill connects hold the active key and pass Optima's validation. The Web App also has a key that
 * expired 3 days ago.
 */
function world(count: number): World {
  bed.emulator.reset();
  bed.emulator.clock.set(NOW);
  const directory = bed.emulator.entra.directory;
  const app = directory.addApplication(TENANT, { appId: CLIENT_ID, displayName: "Partner Center Web App" });
  const iso = (days: number): string => new Date(NOW + days * DAY).toISOString().replace(/\.000Z$/, "Z");
  const active = directory.addPassword(
    TENANT,
    app.id,
    {
      displayName: optimaKeyName(DEPLOYMENT, "a", 10, iso(170).slice(0, 10)),
      endDateTime: iso(170),
    },
    { secret: ACTIVE_SECRET },
  )!;
  const expired = directory.addPassword(
    TENANT,
    app.id,
    {
      displayName: "optima-csp 3f9a1c2e slot b window 7 (expires old)",
      startDateTime: iso(-183),
      endDateTime: iso(-3),
    },
    { secret: EXPIRED_SECRET },
  )!;
  const graphToken = bed.emulator.entra.graphToken({ tenantId: TENANT, roles: ["Application.Read.All"] });
  const partnership = bed.emulator.seedCspPartner(ORG, {
    mpn_id: MPN,
    domain: DOMAIN,
    application_id: CLIENT_ID,
    application_secret: ACTIVE_SECRET,
  });
  const customers: World["customers"] = {};
  for (let i = 0; i < count; i++) {
    const bill = bed.emulator.seedBillConnect(customerOrg(i), {
      clientId: CLIENT_ID,
      tenantId: TENANT,
      clientSecret: ACTIVE_SECRET,
      scopeDetails: {
        scopeType: "Customer Tenant",
        customerDetails: { customerTenantId: customerTenant(i) },
      },
    });
    customers[customerTenant(i)] = { orgId: customerOrg(i), registrationId: bill.id, keyId: active.keyId };
  }
  return {
    outputs: {
      ...stackOutputs({
        applicationObjectId: app.id,
        activeKeyId: active.keyId,
        activeKeyExpiresAt: iso(170),
        previousKeyId: expired.keyId,
        nextRotationAt: "2026-12-21T00:00:00Z",
        registrationId: partnership.id,
      }),
      optimaCustomers: customers,
    },
    customers,
    activeKeyId: active.keyId,
    expiredKeyId: expired.keyId,
    env: { OPTIMA_CSP_GRAPH_TOKEN: graphToken, ...emulatorOptimaEnv(bed.emulator, DEFAULT_REFRESH_TOKEN) },
    secrets: [ACTIVE_SECRET, EXPIRED_SECRET, graphToken, DEFAULT_REFRESH_TOKEN],
  };
}

/** Runs status on the world's outputs (or `outputs` instead); no output may hold a secret. */
async function status(
  w: World,
  extra: string[] = [],
  outputs: Record<string, unknown> = w.outputs,
  sleeps: number[] = [],
): Promise<StatusResult> {
  const file = path.join(bed.work, `outputs-${runs++}.json`);
  writeFileSync(file, JSON.stringify(outputs));
  const result = await runStatus(["--outputs", file, "--graph-url", bed.emulator.entra.graphUrl, ...extra], {
    env: w.env,
    now: () => new Date(NOW),
    http: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      policy: { timeoutMs: 5_000 },
    },
  });
  for (const secret of w.secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

const lines = (result: StatusResult): string[] => result.stdout.trimEnd().split("\n");
const verdictLine = (result: StatusResult): string => lines(result).pop() ?? "";
const summaryLine = (result: StatusResult): string => lines(result).slice(-2)[0];
/** The holders table's line of a customer tenant. */
const holderLine = (result: StatusResult, tenantId: string): string | undefined =>
  lines(result).find((line) => new RegExp(`^customer +${tenantId}  `).test(line));

describe("status checks every holder of the key: the worst holder decides", () => {
  test("20 customers, all healthy: exit 0, one line per holder, one Graph read for all, JSON parses", async () => {
    const w = world(20);
    const result = await status(w);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const customerLines = lines(result).filter((line) => /^customer +/.test(line));
    expect(customerLines).toHaveLength(20);
    for (let i = 0; i < 20; i++) {
      expect(holderLine(result, customerTenant(i))).toMatch(
        new RegExp(
          `^customer +${customerTenant(i)}  ${customerOrg(i)}\\s+${w.activeKeyId}  ok\\s+The key its bill connect holds`,
        ),
      );
    }
    expect(lines(result).filter((line) => line.startsWith("partnership  "))).toHaveLength(1);
    expect(summaryLine(result)).toBe("Holders: 21 (the partnership and 20 customers): 21 ok.");
    expect(verdictLine(result)).toMatch(/^HEALTHY \(exit 0\): /);
    // The Web App is read once for every holder; each customer costs a read and a validation.
    const applicationReads = bed.emulator.requests.filter((r) => r.path.includes("/applications("));
    expect(applicationReads).toHaveLength(1);
    const validations = bed.emulator.requests.filter((r) => r.path.endsWith("/validation"));
    expect(validations).toHaveLength(20);

    const json = await status(w, ["--json"]);
    expect(json.exitCode).toBe(0);
    const document = JSON.parse(json.stdout);
    expect(document).toMatchObject({ verdict: "healthy", exitCode: 0 });
    expect(document.findings.length).toBeGreaterThan(0);
    expect(document.holders).toHaveLength(21);
    expect(document.holders[0]).toMatchObject({
      holder: "partnership",
      orgId: ORG,
      keyId: w.activeKeyId,
      verdict: "healthy",
    });
    expect(document.holders[1]).toMatchObject({
      holder: "customer",
      tenantId: customerTenant(0),
      orgId: customerOrg(0),
      registrationId: w.customers[customerTenant(0)].registrationId,
      keyId: w.activeKeyId,
      verdict: "healthy",
    });
    expect(document.holdersSummary).toEqual({ total: 21, healthy: 21, warning: 0, critical: 0, unknown: 0 });
  });

  test.each([
    [
      "expired",
      (w: World) => w.expiredKeyId,
      /expired on 2026-11-28, 3 days ago: Optima can no longer read this customer's bills\.$/,
    ],
    [
      "deleted",
      (_w: World) => {
        // Its bill connect still holds a key that was on the Web App, and was deleted.
        const app = bed.emulator.entra.directory.applicationByAppId(TENANT, CLIENT_ID)!;
        const doomed = bed.emulator.entra.directory.addPassword(TENANT, app.id, { displayName: "doomed" })!;
        bed.emulator.entra.directory.removePassword(TENANT, app.id, doomed.keyId);
        return doomed.keyId;
      },
      /is no longer on the Web App: Optima can no longer read this customer's bills\.$/,
    ],
    [
      "unknown",
      () => "0badbeef-0000-4000-8000-000000000001",
      /is no longer on the Web App: Optima can no longer read this customer's bills\.$/,
    ],
  ])(
    "a healthy partnership, one customer whose bill connect holds a key that is %s: critical, exit 2",
    async (_kind, keyOf, detail) => {
      const w = world(2);
      const keyId = keyOf(w);
      const bad = customerTenant(1);
      const outputs = {
        ...w.outputs,
        optimaCustomers: { ...w.customers, [bad]: { ...w.customers[bad], keyId } },
      };
      const result = await status(w, [], outputs);
      expect(result.exitCode).toBe(2);
      // The partnership's own checks all pass: the customer decides.
      expect(lines(result).find((line) => line.startsWith("partnership  "))).toMatch(/ {2}ok {2}/);
      expect(holderLine(result, customerTenant(0))).toMatch(/ {2}ok {2}/);
      expect(holderLine(result, bad)).toMatch(
        new RegExp(`^customer +${bad}  ${customerOrg(1)}\\s+${keyId}  CRITICAL  `),
      );
      expect(holderLine(result, bad)).toMatch(detail);
      expect(summaryLine(result)).toBe("Holders: 3 (the partnership and 2 customers): 2 ok, 1 critical.");
      expect(verdictLine(result)).toMatch(
        new RegExp(
          `^CRITICAL \\(exit 2\\): Customer ${bad} \\(org ${customerOrg(1)}\\): The key its bill connect holds \\(${keyId}\\) `,
        ),
      );
      expect(result.stdout).toContain(`- customer-key (customer ${bad}): Run the rotation now`);
    },
  );

  test("a customer whose bill connect still holds an older, valid key (its hand-off failed): warning, exit 1", async () => {
    const w = world(2);
    const app = bed.emulator.entra.directory.applicationByAppId(TENANT, CLIENT_ID)!;
    const older = bed.emulator.entra.directory.addPassword(TENANT, app.id, {
      displayName: optimaKeyName(DEPLOYMENT, "b", 9, "2027-03-21"),
      endDateTime: new Date(NOW + 110 * DAY).toISOString(),
    })!;
    const bad = customerTenant(1);
    const outputs = {
      ...w.outputs,
      optimaCustomers: { ...w.customers, [bad]: { ...w.customers[bad], keyId: older.keyId } },
    };
    const result = await status(w, [], outputs);
    expect(result.exitCode).toBe(1);
    expect(holderLine(result, bad)).toMatch(
      / {2}WARNING {2}.*not the stack's active key .*its last hand-off did not finish/,
    );
    expect(holderLine(result, customerTenant(0))).toMatch(/ {2}ok {2}/);
    expect(summaryLine(result)).toBe("Holders: 3 (the partnership and 2 customers): 2 ok, 1 warning.");
  });

  test("a customer whose Optima validation fails: critical with Optima's words, escaped", async () => {
    const w = world(3);
    const bad = customerTenant(2);
    const billId = w.customers[bad].registrationId;
    bed.emulator.setValidation(billId, {
      valid: false,
      error: "AADSTS7000215: Invalid client secret provided.\n::error::forged\u001b[2J",
    });
    const result = await status(w);
    expect(result.exitCode).toBe(2);
    expect(holderLine(result, bad)).toContain(
      `CRITICAL  Optima's validation of the bill connect ${billId} fails: AADSTS7000215: Invalid client secret provided.\\u{000A}::error::forged\\u{001B}[2J`,
    );
    // Nothing from outside starts a line of its own or reaches the terminal raw.
    expect(lines(result).some((line) => line.startsWith("::error::"))).toBe(false);
    expect(result.stdout).not.toContain("\u001b");
    expect(verdictLine(result)).toMatch(
      new RegExp(
        `^CRITICAL \\(exit 2\\): Customer ${bad} \\(org ${customerOrg(2)}\\): Optima's validation of the bill connect ${billId} fails`,
      ),
    );
    const document = JSON.parse((await status(w, ["--json"])).stdout);
    expect(document.holders.find((h: { tenantId?: string }) => h.tenantId === bad).verdict).toBe("critical");

    bed.emulator.setValidation(billId, { valid: true });
    expect((await status(w)).exitCode).toBe(0);
  });

  test("a customer's output missing (keyId absent, an entry or the whole output shown as [secret]): could not check, exit 3", async () => {
    const w = world(2);
    const gap = customerTenant(1);
    const { keyId: _dropped, ...withoutKey } = w.customers[gap];
    let result = await status(w, [], {
      ...w.outputs,
      optimaCustomers: { ...w.customers, [gap]: withoutKey },
    });
    expect(result.exitCode).toBe(3);
    expect(holderLine(result, gap)).toMatch(
      new RegExp(
        `^customer +${gap}  ${customerOrg(1)}\\s+unknown\\s+UNKNOWN  Which key its bill connect holds is not known: the stack's output optimaCustomers has no keyId for this customer`,
      ),
    );
    expect(summaryLine(result)).toBe(
      "Holders: 3 (the partnership and 2 customers): 2 ok, 1 could not check.",
    );

    result = await status(w, [], { ...w.outputs, optimaCustomers: { ...w.customers, [gap]: "[secret]" } });
    expect(result.exitCode).toBe(3);
    expect(holderLine(result, gap)).toMatch(/UNKNOWN {2}Which key its bill connect holds is not known/);

    result = await status(w, [], { ...w.outputs, optimaCustomers: "[secret]" });
    expect(result.exitCode).toBe(3);
    expect(verdictLine(result)).toBe(
      "UNKNOWN (could not check) (exit 3): CSP customers: Which CSP customers hold a key is not known: the stack's output optimaCustomers is a secret shown as [secret].",
    );
    // Critical outranks could-not-check, as for the partnership's own checks.
    bed.emulator.setValidation(w.customers[customerTenant(0)].registrationId, { valid: false });
    result = await status(w, [], { ...w.outputs, optimaCustomers: { ...w.customers, [gap]: withoutKey } });
    expect(result.exitCode).toBe(2);
  });

  test("Optima unreachable for one customer: could not check; a 429 is waited out as Retry-After says", async () => {
    const w = world(2);
    const slow = w.customers[customerTenant(0)].registrationId;
    const down = w.customers[customerTenant(1)].registrationId;
    bed.emulator.inject({
      method: "GET",
      path: `/azure-csp/${slow}`,
      status: 429,
      retryAfter: "2",
      times: 1,
    });
    bed.emulator.inject({ method: "GET", path: `/azure-csp/${down}`, status: 503, times: 10 });
    const sleeps: number[] = [];
    const result = await status(w, [], w.outputs, sleeps);
    expect(result.exitCode).toBe(3);
    expect(sleeps).toContain(2_000);
    expect(holderLine(result, customerTenant(0))).toMatch(/ {2}ok {2}/);
    expect(holderLine(result, customerTenant(1))).toMatch(/ {2}UNKNOWN {2}Could not reach Optima: /);
    expect(summaryLine(result)).toBe(
      "Holders: 3 (the partnership and 2 customers): 2 ok, 1 could not check.",
    );
  });

  test("a customer's bill connect is gone from its org: critical", async () => {
    const w = world(1);
    const gone = customerTenant(0);
    const outputs = {
      ...w.outputs,
      optimaCustomers: { [gone]: { ...w.customers[gone], registrationId: "cbi-oi-azure-csp-000000000000" } },
    };
    const result = await status(w, [], outputs);
    expect(result.exitCode).toBe(2);
    expect(holderLine(result, gone)).toContain(
      `CRITICAL  Optima has no bill connect cbi-oi-azure-csp-000000000000 in Flexera org ${customerOrg(0)}: this customer's cost data is not collected.`,
    );
  });

  test("40 customers: Optima is read at most eight bill connect requests at a time", async () => {
    const w = world(40);
    // A loopback proxy in front of the emulator's FinOps Onboarding host that holds each request
    // 20 ms and counts how many are open at once.
    let open = 0;
    let most = 0;
    let seen = 0;
    const upstream = new URL(bed.emulator.flexeraApiUrl);
    const proxy = http.createServer((req, res) => {
      open++;
      seen++;
      most = Math.max(most, open);
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          setTimeout(() => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
            answer.on("end", () => open--);
          }, 20);
        },
      );
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
    try {
      const port = (proxy.address() as AddressInfo).port;
      const result = await status({
        ...w,
        env: { ...w.env, OPTIMA_FLEXERA_API_URL: `http://127.0.0.1:${port}` },
      });
      expect(result.exitCode).toBe(0);
      expect(summaryLine(result)).toBe("Holders: 41 (the partnership and 40 customers): 41 ok.");
      expect(seen).toBe(80);
      expect(most).toBeGreaterThan(1);
      // README: "eight customers at a time" (gather.ts CUSTOMER_LOOKUPS_AT_ONCE).
      expect(most).toBeLessThanOrEqual(8);
    } finally {
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });
});
