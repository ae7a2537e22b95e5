/**
 * `optima-csp customers` against the emulator (Entra ID, Partner Center, Optima), in process:
 * paging across pages, the token's audience and app-only sign-in, whether Optima knows each
 * customer, --json, exit codes, escaping of names, --legacy, --sync (nothing removed, nothing
 * guessed) and a secret-leak scan over every output; and the emulator's own Partner Center rules.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { DEFAULT_REFRESH_TOKEN } from "../tools/emulator";
import { runCustomers, type CustomersResult } from "../components/customers/run";
import {
  CustomersUsageError,
  parseCustomerEntries,
  parseCustomersArgs,
} from "../components/customers/options";
import { parseCustomerPage } from "../components/customers/partnerCenter";
import { escapeText, safeJson } from "../components/cli/text";
import { proposeSync } from "../components/customers/report";
import { sendHttp } from "../components/http";
import { isSamePartnership, targetMapping, type RegistrationInputs } from "../components/optima/targets";
import { emulatorPerFile } from "./support/emulator-per-file";
import {
  CLIENT_ID as WEB_APP,
  ORG as PARTNER_ORG,
  OTHER_CLIENT_ID as OTHER_APP,
  TENANT as PARTNER_TENANT,
} from "./support/partner";

const WEB_APP_SECRET = "web-app-secret-Qz8~Lp3.Vv";
const OTHER_APP_SECRET = "other-app-secret-Hh5_Kk2";
const OWNER = { email: "finops@partner.example", firstName: "Fin", lastName: "Ops" };
const customer = (n: number): string => `c0000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

const bed = emulatorPerFile({ scratchPrefix: "customers-" });
const outputsSeen: string[] = [];

/** A partner with `count` customers; the Web App is registered in Partner Center; Optima knows customers 1 and 2. */
function world(count: number, names: (n: number) => string = (n) => `Customer ${n} Ltd`): void {
  bed.emulator.reset();
  bed.emulator.entra.addSecret(PARTNER_TENANT, WEB_APP, WEB_APP_SECRET);
  bed.emulator.entra.addSecret(PARTNER_TENANT, OTHER_APP, OTHER_APP_SECRET);
  bed.emulator.partnerCenter.registerPartner(PARTNER_TENANT, WEB_APP);
  for (let n = 1; n <= count; n++) {
    bed.emulator.partnerCenter.addCustomer(PARTNER_TENANT, {
      tenantId: customer(n),
      domain: `customer${n}.onmicrosoft.com`,
      companyName: names(n),
    });
  }
  const scoped = (n: number) => ({
    scopeType: "Customer Tenant",
    customerDetails: { customerTenantId: customer(n) },
  });
  bed.emulator.seedBillConnect("5001", {
    clientId: WEB_APP,
    tenantId: PARTNER_TENANT,
    scopeDetails: scoped(1),
  });
  bed.emulator.seedBillConnect("5002", {
    clientId: WEB_APP,
    tenantId: PARTNER_TENANT,
    scopeDetails: scoped(2),
  });
  // The partner's own bill connect (billing account scope) is no customer.
  bed.emulator.seedBillConnect(PARTNER_ORG, { clientId: WEB_APP, tenantId: PARTNER_TENANT });
}

const baseEnv = (): Record<string, string> => ({
  OPTIMA_CSP_WEB_APP_SECRET: WEB_APP_SECRET,
  OPTIMA_REFRESH_TOKEN: DEFAULT_REFRESH_TOKEN,
  OPTIMA_AUTH_URL: bed.emulator.authUrl,
  OPTIMA_API_URL: bed.emulator.apiUrl,
  OPTIMA_FLEXERA_API_URL: bed.emulator.flexeraApiUrl,
});

const endpointFlags = (clientId = WEB_APP): string[] => [
  "--tenant-id",
  PARTNER_TENANT,
  "--client-id",
  clientId,
  "--authority-host",
  bed.emulator.entra.authorityHost,
  "--partner-center-url",
  bed.emulator.partnerCenter.url,
];

async function customers(
  argv: string[],
  env: Record<string, string> = baseEnv(),
  extra: Partial<Parameters<typeof runCustomers>[1]> = {},
): Promise<CustomersResult> {
  const result = await runCustomers(argv, { env, http: { sleep: async () => undefined }, ...extra });
  outputsSeen.push(result.stdout, result.stderr);
  return result;
}

/** None of these characters appears raw in the output. */
function expectNoRaw(output: string, ...characters: string[]): void {
  for (const character of characters) {
    expect({ character, found: output.includes(character) }).toEqual({ character, found: false });
  }
}

const pcRequests = () => bed.emulator.requests.filter((r) => r.path.startsWith("/partnercenter/"));

describe("listing", () => {
  it("reads every page by seek paging with the continuation token, and lists each customer once", async () => {
    world(7);
    const result = await customers([...endpointFlags(), "--page-size", "3", "--json"]);
    expect(result.stderr).toBe("");
    const report = JSON.parse(result.stdout);
    expect(report.customers.map((c: { tenantId: string }) => c.tenantId)).toEqual(
      [1, 2, 3, 4, 5, 6, 7].map(customer),
    );
    expect(report.partnerCenter).toEqual({ customers: 7, pages: 3 });
    const pages = pcRequests();
    expect(pages.map((r) => r.query)).toEqual([
      { size: "3" },
      { seekOperation: "Next", size: "3" },
      { seekOperation: "Next", size: "3" },
    ]);
    expect(pages[0].headers["ms-continuationtoken"]).toBeUndefined();
    expect(pages[1].headers["ms-continuationtoken"]).toEqual(expect.any(String));
    expect(pages[2].headers["ms-continuationtoken"]).not.toBe(pages[1].headers["ms-continuationtoken"]);
  });

  it("signs in app-only as the Web App, for the Partner Center resource, with one token request", async () => {
    world(2);
    await customers(endpointFlags());
    const tokens = bed.emulator.requests.filter((r) => r.path.startsWith("/entra/"));
    expect(tokens).toHaveLength(1);
    expect(tokens[0].path).toBe(`/entra/${PARTNER_TENANT}/oauth2/token`);
    expect(tokens[0].body).toEqual({
      grant_type: "client_credentials",
      client_id: WEB_APP,
      client_secret: WEB_APP_SECRET,
      resource: "https://api.partnercenter.microsoft.com",
    });
    expect(pcRequests()[0].status).toBe(200);
  });

  it("says which customers Optima knows and in which org, and exactly what it looked in", async () => {
    world(3);
    const result = await customers([
      ...endpointFlags(),
      "--org",
      "5001",
      "--org",
      "5002",
      "--org",
      PARTNER_ORG,
    ]);
    const lines = result.stdout.split("\n");
    expect(lines.find((l) => l.startsWith(customer(1)))).toContain("known (org 5001)");
    expect(lines.find((l) => l.startsWith(customer(2)))).toContain("known (org 5002)");
    expect(lines.find((l) => l.startsWith(customer(3)))).toContain("NOT KNOWN");
    expect(result.stdout).toContain(
      "Optima: looked in org 5001, 5002, 4242 for azure-csp bill connects (GET /finops-onboarding/v1/orgs/{org}/bill-connects) " +
        "whose scopeDetails.customerDetails.customerTenantId is the customer's tenant ID.",
    );
    expect(result.stdout).toContain(
      "WARNING (exit 1): 3 Partner Center customers: 1 customer Optima does not know.",
    );
    expect(result.exitCode).toBe(1);
  });

  it("exits 0 when Optima knows every customer, and when Optima was not looked in", async () => {
    world(2);
    const known = await customers([...endpointFlags(), "--org", "5001", "--org", "5002"]);
    expect(known.stdout).toContain("OK (exit 0): 2 Partner Center customers, every one known to Optima.");
    expect(known.exitCode).toBe(0);
    const unchecked = await customers(endpointFlags());
    expect(unchecked.stdout).toContain("Optima: not looked in");
    expect(unchecked.stdout).toContain("not checked");
    expect(unchecked.exitCode).toBe(0);
  });

  it("--json is one valid JSON document with the same facts", async () => {
    world(3);
    const result = await customers([...endpointFlags(), "--json", "--org", "5001"]);
    const report = JSON.parse(result.stdout);
    expect(report.customers[0]).toEqual({
      tenantId: customer(1),
      domain: "customer1.onmicrosoft.com",
      companyName: "Customer 1 Ltd",
      relationshipToPartner: "reseller",
      optima: "known",
      optimaOrgs: ["5001"],
    });
    expect(report.optima.lookedIn).toEqual(["5001"]);
    expect(report.exitCode).toBe(result.exitCode);
    // Customer 2's bill connect is in org 5002, which was not looked in: gone is only what Partner Center no longer lists.
    expect(report.gone).toEqual([]);
  });

  it("reports a customer that left Partner Center, from the config and from Optima, and exits 1", async () => {
    world(2);
    bed.emulator.partnerCenter.removeCustomer(PARTNER_TENANT, customer(2));
    const file = path.join(bed.work, "gone.json");
    writeFileSync(file, JSON.stringify([{ tenantId: customer(2), orgId: "5002" }]));
    const result = await customers([...endpointFlags(), "--customers-file", file, "--json"]);
    const report = JSON.parse(result.stdout);
    expect(report.gone).toEqual([{ tenantId: customer(2), configuredOrgId: "5002", optimaOrgs: ["5002"] }]);
    expect(report.optima.lookedIn).toEqual(["5002"]);
    expect(result.exitCode).toBe(1);
  });

  it("escapes control, bidirectional and invisible characters in names, in text and JSON", async () => {
    const evil = "Evil\u001b[31m Corp\u202egnp.exe\u0007\u200b";
    world(1, () => evil);
    const text = await customers(endpointFlags());
    expectNoRaw(text.stdout, "\u001b", "\u0007", "\u202e", "\u200b");
    expect(text.stdout).toContain("Evil\\u{001B}[31m Corp\\u{202E}gnp.exe\\u{0007}\\u{200B}");
    const json = await customers([...endpointFlags(), "--json"]);
    expectNoRaw(json.stdout, "\u001b", "\u0007", "\u202e", "\u200b");
    expect(JSON.parse(json.stdout).customers[0].companyName).toBe(evil);
  });
});

describe("refusals", () => {
  it("a token for another audience is refused by Partner Center: exit 3, saying which resource", async () => {
    world(1);
    const result = await customers([...endpointFlags(), "--resource", "https://graph.windows.net"]);
    expect(result.exitCode).toBe(3);
    expect(pcRequests()[0].status).toBe(401);
    expect(result.stderr).toContain(
      "Partner Center refused the access token (GET /partnercenter/v1/customers: HTTP 401)",
    );
    expect(result.stderr).toContain("https://api.partnercenter.microsoft.com");
  });

  it("another app of the partner tenant is refused: Partner Center takes only its registered Web App", async () => {
    world(1);
    const result = await customers(endpointFlags(OTHER_APP), {
      ...baseEnv(),
      OPTIMA_CSP_WEB_APP_SECRET: OTHER_APP_SECRET,
    });
    expect(result.exitCode).toBe(3);
    expect(pcRequests()[0].status).toBe(403);
    expect(result.stderr).toContain(`Partner Center refused the Web App ${OTHER_APP}`);
  });

  it("a wrong key is refused by Entra ID: exit 3, and the key is never shown", async () => {
    world(1);
    const wrong = "wrong-key-Xy7~not-the-one";
    const result = await customers(endpointFlags(), { ...baseEnv(), OPTIMA_CSP_WEB_APP_SECRET: wrong });
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("Entra ID refused the Web App's credentials");
    expect(result.stderr).toContain("AADSTS7000215");
    expect(result.stderr).not.toContain(wrong);
    expect(pcRequests()).toHaveLength(0);
  });

  it("refuses --client-secret as a flag without echoing it, before any request", async () => {
    world(1);
    const before = bed.emulator.requests.length;
    const result = await customers([...endpointFlags(), "--client-secret", "typed-key-Aa1"]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toContain("--client-secret is not accepted");
    expect(result.stderr).not.toContain("typed-key-Aa1");
    const typo = await customers([...endpointFlags(), "--client-secrt=typed-key-Aa1"]);
    expect(typo.exitCode).toBe(3);
    expect(typo.stderr).not.toContain("typed-key-Aa1");
    expect(bed.emulator.requests.length).toBe(before);
  });

  it("usage mistakes exit 3 with a message saying what to change, and --help exits 0", async () => {
    world(1);
    const missing = await customers(["--partner-center-url", bed.emulator.partnerCenter.url], {
      OPTIMA_CSP_WEB_APP_SECRET: WEB_APP_SECRET,
    });
    expect(missing.exitCode).toBe(3);
    expect(missing.stderr).toContain("missing: the partner tenant (--tenant-id or OPTIMA_CSP_TENANT_ID)");
    expect(missing.stderr).toContain("the Web App's client ID");
    expect((await customers(["--org", "12a"])).stderr).toContain(
      '--org must be a Flexera org ID, digits only; got "12a".',
    );
    expect((await customers(["--write"])).exitCode).toBe(3);
    const help = await customers(["--help"]);
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toContain("Exit codes: 0");
  });

  it("a 429 from Partner Center is retried after its Retry-After, and the list completes", async () => {
    world(4);
    bed.emulator.inject({ method: "GET", path: "/partnercenter/v1/customers", status: 429, retryAfter: "3" });
    const waits: number[] = [];
    const result = await customers([...endpointFlags(), "--page-size", "2", "--json"], baseEnv(), {
      http: { sleep: async (ms) => void waits.push(ms) },
    });
    expect(result.exitCode).toBe(0);
    expect(waits).toEqual([3000]);
    expect(JSON.parse(result.stdout).customers).toHaveLength(4);
  });
});

describe("--legacy", () => {
  it("lists the AzureCSPCustomers as Optima returns them, with their field names, escaped", async () => {
    world(0);
    const partner = bed.emulator.seedCspPartner(PARTNER_ORG, {
      mpn_id: "1234567",
      domain: "contoso.onmicrosoft.com",
      application_id: WEB_APP,
    });
    bed.emulator.seedLegacyCustomers(PARTNER_ORG, partner.id, [
      { id: 7, tenant_uid: customer(1), rs_org_id: 5001, note: "bad\u001b]0;title\u0007" },
      { id: 8, tenant_uid: customer(2), rs_org_id: 5002 },
    ]);
    const outputs = path.join(bed.work, "outputs.json");
    writeFileSync(
      outputs,
      JSON.stringify({ optimaOrgId: PARTNER_ORG, registrationId: partner.id, optimaTarget: "csp-partner" }),
    );
    const result = await customers(["--legacy", "--outputs", outputs], baseEnv());
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("Field names: id, note, rs_org_id, tenant_uid");
    expect(result.stdout).toContain("the path is inferred");
    expectNoRaw(result.stdout, "\u001b", "\u0007");
    expect(result.stdout).toContain('"note": "bad\\u001b]0;title\\u0007"');
    const request = bed.emulator.requests.find((r) => r.path.endsWith("/customers"))!;
    expect(request).toMatchObject({
      method: "GET",
      path: `/analytics/orgs/${PARTNER_ORG}/azure_csp_partners/${partner.id}/customers`,
    });
    expect(request.headers["api-version"]).toBe("1.0");
    const json = await customers(["--legacy", "--org", PARTNER_ORG, "--partner-id", partner.id, "--json"]);
    expect(JSON.parse(json.stdout).items[0].note).toBe("bad\u001b]0;title\u0007");
    expect(
      bed.emulator.requests.filter((r) => r.method !== "GET" && r.path.startsWith("/analytics")),
    ).toEqual([]);
  });
});

describe("--sync", () => {
  it("keeps every configured customer, adds new ones only with --org-for, and writes with pulumi config set --path", async () => {
    world(3);
    bed.emulator.partnerCenter.removeCustomer(PARTNER_TENANT, customer(1));
    const config = JSON.stringify({
      value: "",
      objectValue: [
        { tenantId: customer(1), orgId: 5001 },
        { tenantId: customer(2), orgId: "5002" },
      ],
      secret: false,
    });
    const ran: string[][] = [];
    const env = baseEnv();
    const flags = [...endpointFlags(), "--sync", "--stack", "prod", "--org-for", `${customer(3)}=6003`];
    const deps = {
      stackOutputs: async () => JSON.stringify({ webAppClientId: WEB_APP, optimaOrgId: PARTNER_ORG }),
      stackConfig: async () => config,
      runPulumi: async (args: readonly string[]) => void ran.push([...args]),
    };
    const proposal = await customers([...flags, "--json"], env, deps);
    const report = JSON.parse(proposal.stdout);
    expect(report.sync.entries).toEqual([
      { tenantId: customer(1), orgId: "5001" },
      { tenantId: customer(2), orgId: "5002" },
      { tenantId: customer(3), orgId: "6003" },
    ]);
    expect(report.sync.keptGone).toEqual([customer(1)]);
    expect(report.sync.commands).toEqual([
      [
        "pulumi",
        "config",
        "set",
        "--path",
        "optimaCustomers[2].tenantId",
        customer(3),
        "--type",
        "string",
        "--stack",
        "prod",
      ],
      [
        "pulumi",
        "config",
        "set",
        "--path",
        "optimaCustomers[2].orgId",
        "6003",
        "--type",
        "string",
        "--stack",
        "prod",
      ],
    ]);
    expect(report.sync.written).toBe(false);
    expect(ran).toEqual([]);
    expect(proposal.exitCode).toBe(1);

    const written = await customers([...flags, "--write"], env, deps);
    expect(ran).toEqual(report.sync.commands.map((c: string[]) => c.slice(1)));
    expect(written.stdout).toContain("Written to the stack's config.");
    expect(written.stdout).toContain(`= ${customer(1)} kept, although Partner Center no longer lists it`);
    // Still exit 1: customer 1 is gone from Partner Center, and customer 3 is not in Optima until pulumi up.
    expect(written.exitCode).toBe(1);
  });

  it("never guesses an org: a new customer without --org-for is reported, not added", () => {
    const proposal = proposeSync(
      [
        { tenantId: customer(1), domain: "", companyName: "" },
        { tenantId: customer(2), domain: "", companyName: "" },
      ],
      [{ tenantId: customer(1), orgId: "5001" }],
      { [customer(1)]: "7001", [customer(9)]: "7009" },
      undefined,
    );
    expect(proposal.added).toEqual([]);
    expect(proposal.unassigned).toEqual([customer(2)]);
    expect(proposal.entries).toEqual([{ tenantId: customer(1), orgId: "5001" }]);
    expect(proposal.ignored.map((i) => i.tenantId)).toEqual([customer(1), customer(9)]);
    expect(proposal.ignored[0].reason).toContain("replaces its bill connect");
  });
});

describe("hostile inputs (breakit)", () => {
  it("a Partner Center tenant ID with escape sequences and line breaks is shown escaped, text and --sync alike", async () => {
    world(1);
    const evil = "\u001b[2J\u009b2J\nFORGED (exit 0): forged\u202e";
    bed.emulator.partnerCenter.addCustomer(PARTNER_TENANT, { tenantId: evil, domain: "d", companyName: "c" });
    const list = await customers(endpointFlags());
    expectNoRaw(list.stdout, "\u001b", "\u009b", "\u202e");
    expect(list.stdout.split("\n").filter((l) => l.startsWith("FORGED"))).toEqual([]);
    const sync = await syncFromFile([]);
    expectNoRaw(sync.stdout, "\u001b", "\u009b", "\u202e");
    expect(sync.stdout.split("\n").filter((l) => l.startsWith("FORGED"))).toEqual([]);
  });

  it("--sync keeps each configured entry whole: name and retainOnDelete are proposed as configured", async () => {
    world(2);
    const result = await syncFromFile(
      [{ tenantId: customer(1), orgId: "5001", name: "Contoso", retainOnDelete: false }],
      ["--org-for", `${customer(2)}=5002`, "--json"],
    );
    expect(JSON.parse(result.stdout).sync.entries).toEqual([
      { tenantId: customer(1), orgId: "5001", name: "Contoso", retainOnDelete: false },
      { tenantId: customer(2), orgId: "5002" },
    ]);
  });

  it.each([
    [
      "a retainOnDelete that is not true or false",
      { retainOnDelete: "no" },
      /retainOnDelete must be true or false/,
    ],
    ["a key the program does not know", { retain: false }, /unknown key "retain"/],
    // The program's rules, from their one home (components/azure/customers.ts): a childOrg entry too.
    ["a childOrg without owners, beside an orgId", { childOrg: {} }, /has both orgId and childOrg/],
    [
      "a billing profile the program refuses",
      { billingProfileId: "AB CD" },
      /billingProfileId must be a billing profile ID/,
    ],
  ])("--sync refuses an existing config the program would refuse: %s", async (_name, extra, message) => {
    world(1);
    const result = await syncFromFile([{ tenantId: customer(1), orgId: "5001", ...extra }]);
    expect(result.exitCode).toBe(3);
    expect(result.stderr).toMatch(message);
  });
});

describe("a bill connect on the Web App for a customer not in optimaCustomers (issue 18, item 3)", () => {
  const scoped = (n: number) => ({
    scopeType: "Customer Tenant",
    customerDetails: { customerTenantId: customer(n) },
  });

  it("is reported with its org and ID, exit 1, and the report says what it cannot see", async () => {
    world(3);
    // Another app's customer connect is not this Web App's key: not reported.
    bed.emulator.seedBillConnect("5002", {
      clientId: OTHER_APP,
      tenantId: PARTNER_TENANT,
      scopeDetails: scoped(3),
    });
    const file = writeConfig([{ tenantId: customer(1), orgId: "5001" }]);
    const flags = [...endpointFlags(), "--customers-file", file, "--org", "5002"];
    const json = await customers([...flags, "--json"]);
    const report = JSON.parse(json.stdout);
    const held = bed.emulator.billConnects("5002").find((b) => b.clientId === WEB_APP);
    expect(report.unmanaged).toEqual([{ orgId: "5002", id: held?.id, customerTenantId: customer(2) }]);
    expect(report.unmanagedScope).toMatch(/only the orgs looked in are seen/);
    expect(json.exitCode).toBe(1);
    expect(report.headline).toContain("1 bill connect on the Web App not in optimaCustomers (not rotated)");

    const text = await customers(flags);
    expect(text.stdout).toContain(`- ${customer(2)}: bill connect ${held?.id} in org 5002`);
    expect(text.stdout).toContain("the rotation that replaces its slot deletes it");
    expect(text.stdout).toContain("a bill connect on this Web App in any other org");
  });

  it("is not judged without the optimaCustomers value (every connect would look unmanaged)", async () => {
    world(2);
    const result = await customers([...endpointFlags(), "--org", "5001", "--org", "5002", "--json"]);
    const report = JSON.parse(result.stdout);
    expect(report).not.toHaveProperty("unmanaged");
    expect(result.exitCode).toBe(0);
  });

  it("is looked for in each customer's org from the output optimaCustomers too (a child org's ID is known only there)", async () => {
    world(1);
    const childOrg = "900001";
    bed.emulator.seedBillConnect(childOrg, {
      clientId: WEB_APP,
      tenantId: PARTNER_TENANT,
      scopeDetails: scoped(1),
    });
    bed.emulator.seedBillConnect(childOrg, {
      clientId: WEB_APP,
      tenantId: PARTNER_TENANT,
      scopeDetails: scoped(7),
    });
    const deps = {
      stackOutputs: async () =>
        JSON.stringify({
          webAppClientId: WEB_APP,
          optimaOrgId: PARTNER_ORG,
          optimaCustomers: { [customer(1)]: { orgId: childOrg, registrationId: "r", keyId: customer(99) } },
        }),
      stackConfig: async () =>
        JSON.stringify({
          objectValue: [{ tenantId: customer(1), childOrg: { owners: [OWNER] } }],
          secret: false,
        }),
    };
    const result = await customers([...endpointFlags(), "--stack", "prod", "--json"], baseEnv(), deps);
    const report = JSON.parse(result.stdout);
    expect(report.optima.lookedIn).toContain(childOrg);
    expect(report.unmanaged.map((u: { customerTenantId: string }) => u.customerTenantId)).toEqual([
      customer(7),
    ]);
  });
});

describe("a customer with a child org of its own (childOrg)", () => {
  it("--sync keeps it as written and never proposes an org for it", async () => {
    world(2);
    const child = { owners: [{ email: "finops@partner.example", firstName: "Fin", lastName: "Ops" }] };
    const result = await syncFromFile(
      [{ tenantId: customer(1), childOrg: child }],
      ["--org-for", `${customer(1)}=5009`, "--json"],
    );
    const report = JSON.parse(result.stdout);
    expect(report.sync.entries).toEqual([{ tenantId: customer(1), childOrg: child }]);
    expect(report.sync.ignored).toEqual([
      {
        tenantId: customer(1),
        reason:
          "already in optimaCustomers with a child org of its own (childOrg): its bill connect goes there",
      },
    ]);
  });
});

describe("--sync --write on optimaCustomers stored as JSON text (breakit)", () => {
  // Pulumi v3.274.1, observed: `pulumi config set --path 'optimaCustomers[1].tenantId' X` on a value
  // stored as JSON text (`'[{…}]'` in the stack file; `pulumi config get --json` shows it as
  // `value`, with no `objectValue`) replaces the text with a new list: `[null, {tenantId: X}]`, so
  // every configured customer is silently dropped. A whole-value `pulumi config set` keeps the text.
  it("writes the whole value, every configured customer kept, never --path into the text", async () => {
    world(2);
    const configured = [{ tenantId: customer(1), orgId: "5001", name: "Contoso", retainOnDelete: false }];
    const ran: string[][] = [];
    const deps = {
      stackOutputs: async () => JSON.stringify({ webAppClientId: WEB_APP, optimaOrgId: PARTNER_ORG }),
      stackConfig: async () => JSON.stringify({ value: JSON.stringify(configured), secret: false }),
      runPulumi: async (args: readonly string[]) => void ran.push([...args]),
    };
    const flags = [...endpointFlags(), "--sync", "--stack", "prod", "--org-for", `${customer(2)}=5002`];
    const result = await customers([...flags, "--write"], baseEnv(), deps);
    expect(result.stderr).toBe("");
    expect(ran.some((args) => args.includes("--path"))).toBe(false);
    expect(ran).toHaveLength(1);
    const [config, set, key, value, ...rest] = ran[0];
    expect([config, set, key, rest]).toEqual(["config", "set", "optimaCustomers", ["--stack", "prod"]]);
    expect(JSON.parse(value)).toEqual([...configured, { tenantId: customer(2), orgId: "5002" }]);
  });
});

describe("strict flags, as for status (breakit)", () => {
  it.each([
    [
      "--stack twice (--write would write the last)",
      ["--sync", "--write", "--stack", "prod", "--stack", "staging"],
      /--stack is given more than once/,
    ],
    [
      "--tenant-id twice",
      ["--tenant-id", PARTNER_TENANT, "--tenant-id", WEB_APP],
      /--tenant-id is given more than once/,
    ],
    ["--json twice", ["--json", "--json"], /--json is given more than once/],
    ["an empty --tenant-id", ["--tenant-id="], /--tenant-id is given without a value/],
    ["an empty --stack", ["--stack", "", "--outputs", "o.json"], /--stack is given without a value/],
    [
      "--write with --customers-file (the stack's value decides how it is written)",
      ["--sync", "--write", "--stack", "prod", "--customers-file", "c.json"],
      /leave out --customers-file/,
    ],
    [
      "--org-for naming one customer twice, in another letter case",
      ["--sync", "--org-for", `${customer(3)}=6003`, "--org-for", `${customer(3).toUpperCase()}=6004`],
      /--org-for names customer .* more than once/,
    ],
  ])("%s is refused", (_name, argv, message) => {
    expect(() => parseCustomersArgs(argv, {})).toThrow(message);
  });
});

/** `--sync` against the emulator's Partner Center, with these entries as the customers file. */
function syncFromFile(entries: unknown[], flags: string[] = []): Promise<CustomersResult> {
  return customers([...endpointFlags(), "--sync", "--customers-file", writeConfig(entries), ...flags]);
}

function writeConfig(entries: unknown[]): string {
  const file = path.join(
    bed.work,
    `config-${outputsSeen.length}-${Math.random().toString(16).slice(2)}.json`,
  );
  writeFileSync(file, JSON.stringify(entries));
  return file;
}

describe("pure parts", () => {
  it("parseCustomerPage reads items and the continuation, and refuses a next page without a token", () => {
    expect(
      parseCustomerPage({
        totalCount: 2,
        items: [
          { id: customer(1), companyProfile: { tenantId: customer(1), domain: "d", companyName: "n" } },
        ],
        links: {
          next: {
            uri: "/v1/customers?size=1&seekOperation=Next",
            headers: [{ key: "MS-ContinuationToken", value: "tok" }],
          },
        },
      }),
    ).toEqual({
      customers: [{ tenantId: customer(1), domain: "d", companyName: "n" }],
      continuation: "tok",
      totalCount: 2,
    });
    expect(() => parseCustomerPage({ items: [], links: { next: { uri: "/x", headers: [] } } })).toThrow(
      "names a next page without an MS-ContinuationToken",
    );
    expect(() => parseCustomerPage([])).toThrow('expected a JSON object with "items"');
  });

  it("parseCustomerEntries takes pulumi config get --json and a bare array; org IDs may be numbers", () => {
    expect(parseCustomerEntries(JSON.stringify([{ tenantId: customer(1), orgId: 12 }]), "f")).toEqual([
      { tenantId: customer(1), orgId: "12" },
    ]);
    expect(() => parseCustomerEntries(JSON.stringify([{ tenantId: "x", orgId: "1" }]), "f")).toThrow(
      "f: optimaCustomers[0].tenantId must be the CSP customer's Entra ID tenant ID (Partner Center's Microsoft ID), a GUID",
    );
    expect(() => parseCustomersArgs(["--org-for", "nope"], {})).toThrow(CustomersUsageError);
  });

  it("a bill connect for a customer is sent with its scope, and is another registration than the partner's own", () => {
    const mapping = targetMapping("bill-connect");
    const spec: RegistrationInputs = {
      target: "bill-connect",
      orgId: "5001",
      tenantId: PARTNER_TENANT,
      applicationId: WEB_APP,
      applicationSecret: "s",
      customerTenantId: customer(1),
    };
    expect(mapping.createBody(spec).scopeDetails).toEqual({
      scopeType: "Customer Tenant",
      customerDetails: { customerTenantId: customer(1) },
    });
    expect(mapping.updateBody(spec)).not.toHaveProperty("scopeDetails");
    const remote = { id: "b", tenantId: PARTNER_TENANT, readOnly: false };
    expect(isSamePartnership(mapping, spec, remote)).toBe(false);
    expect(isSamePartnership(mapping, spec, { ...remote, customerTenantId: customer(1).toUpperCase() })).toBe(
      true,
    );
    expect(isSamePartnership(mapping, spec, { ...remote, customerTenantId: customer(2) })).toBe(false);
    expect(isSamePartnership(mapping, { ...spec, customerTenantId: undefined }, remote)).toBe(true);
  });

  it("escapeText and safeJson leave plain text alone", () => {
    expect(escapeText("Contoso GmbH & Co. KG — Zürich")).toBe("Contoso GmbH & Co. KG — Zürich");
    expect(JSON.parse(safeJson({ a: "x\u2028y" })).a).toBe("x\u2028y");
  });
});

describe("the emulator's Partner Center", () => {
  const get = (token: string) =>
    sendHttp(
      {
        method: "GET",
        url: `${bed.emulator.partnerCenter.url}/v1/customers?size=10`,
        headers: { Authorization: `Bearer ${token}` },
      },
      { policy: { maxAttempts: 1 } },
    ).then(
      (r) => r.status,
      (e: { status?: number }) => e.status,
    );
  const entraToken = async (body: Record<string, string>, v2 = false) =>
    (
      await sendHttp<{ access_token: string }>({
        method: "POST",
        url: `${bed.emulator.entra.authorityHost}/${PARTNER_TENANT}/oauth2/${v2 ? "v2.0/" : ""}token`,
        form: { grant_type: "client_credentials", ...body },
      })
    ).data.access_token;

  it("takes only app-only Partner Center-audience tokens of the registered Web App", async () => {
    world(1);
    const pc = { client_id: WEB_APP, client_secret: WEB_APP_SECRET };
    expect(await get(await entraToken({ ...pc, resource: "https://api.partnercenter.microsoft.com" }))).toBe(
      200,
    );
    expect(
      await get(await entraToken({ ...pc, scope: "https://api.partnercenter.microsoft.com/.default" }, true)),
    ).toBe(200);
    expect(await get(await entraToken({ ...pc, resource: "https://graph.windows.net" }))).toBe(401);
    expect(await get(bed.emulator.entra.graphToken({ tenantId: PARTNER_TENANT }))).toBe(401);
    expect(
      await get(
        await entraToken({
          client_id: OTHER_APP,
          client_secret: OTHER_APP_SECRET,
          resource: "https://api.partnercenter.microsoft.com",
        }),
      ),
    ).toBe(403);
    expect(await get("not-a-token")).toBe(401);
  });
});

afterAll(() => {
  // No output of any test holds a key, a token or the Optima credential.
  for (const secret of [WEB_APP_SECRET, OTHER_APP_SECRET, DEFAULT_REFRESH_TOKEN]) {
    for (const output of outputsSeen) {
      expect(output).not.toContain(secret);
    }
  }
});
