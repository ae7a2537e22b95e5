/**
 * The registration provider as the engine runs it (serialized, loaded by the real
 * dynamic-provider host, driven over gRPC) against the emulator, when what answers is not
 * quite Optima: a proxy's HTML page, a status the contract does not allow, a create answer that
 * does not name what it made, an error body that echoes secrets in any encoding, lists that
 * page (and one that pages elsewhere), an oversized body and an absurd token lifetime. Also the
 * credential rule: stack config's credential is used whole, whatever the environment holds.
 */
import { optimaRegistrationProvider } from "../components/optima/provider";
import { startEmulator, type Emulator } from "../tools/emulator";
import { IsolatedHosts, serializeProvider, urnFor, type DynamicHost } from "./support/provider-host";
import { emulatorStackConfig, failureMessage } from "./support/host-env";
import { APP_ID, ORG, TENANT, billInputs, cspInputs } from "./support/registration-inputs";

const REFRESH_TOKEN = "answers-host-refresh-token-71c4";
const SECRET = "answers-host-app-secret-3e9a";
const TYPE = "pulumi-nodejs:dynamic/optima-csp:Registration";
const BILLS = `/finops-onboarding/v1/orgs/${ORG}/bill-connects`;
const AZURE_CSP = `${BILLS}/azure-csp`;
const CSP = `/analytics/orgs/${ORG}/azure_csp_partners`;
const HTML = "<!doctype html><html><body><h1>Sign in to continue</h1></body></html>";
const MAY_EXIST =
  " The registration may have been made anyway: running `pulumi up` again adopts it rather than duplicating it.";

let emulator: Emulator;
let host: DynamicHost;
/** The hosts this file starts: no OPTIMA_* variable reaches them, settings come from Configure only. */
const hosts = new IsolatedHosts();
const messages: string[] = [];

/** Runs a call that must fail; records and returns its message. */
const failure = (run: () => Promise<unknown>): Promise<string> => failureMessage(run, messages);

const settings = (target: Emulator): Record<string, string> => emulatorStackConfig(target, REFRESH_TOKEN);

const posts = () => emulator.requests.filter((r) => r.method === "POST" && r.path !== "/oidc/token").length;

const bill = { ...billInputs(SECRET) };
const csp = { ...cspInputs(SECRET) };

beforeAll(async () => {
  emulator = await startEmulator({ refreshTokens: [REFRESH_TOKEN] });
  hosts.providerText = await serializeProvider(optimaRegistrationProvider);
  host = await hosts.start();
  await host.configure(settings(emulator));
});

afterAll(async () => {
  await hosts.closeAll();
  await emulator?.close();
});

beforeEach(() => emulator.reset());

describe("answers that are not Optima's", () => {
  const urn = urnFor(TYPE, "answers");

  it("refuses an update answered 200 with an HTML page", async () => {
    const created = await host.create(urn, bill);
    emulator.inject({ method: "PATCH", path: AZURE_CSP, status: 200, body: HTML });
    const rotated = { ...bill, applicationSecret: `${SECRET}-rotated` };
    const message = await failure(() => host.update(created.id, urn, created.properties, rotated));
    expect(message).toBe(
      `Could not update the azure-csp bill connect for tenant ${TENANT} in Flexera org ${ORG} (id ${created.id}): ` +
        `PATCH ${AZURE_CSP}/${created.id} failed: ${emulator.url} answered HTTP 200 with an HTML page, which is not an answer from Optima (1 attempt). ` +
        "Something between this machine and Optima (a proxy, a captive portal, a sign-in page) may have answered in its place, " +
        "or the answer was damaged on the way, so Optima may not have acted on the request. " +
        "Check optima:flexeraApiUrl (OPTIMA_FLEXERA_API_URL) and the network, then run again.",
    );
    // Optima still holds the old key.
    expect(emulator.billConnects(ORG)[0].clientSecret).toBe(SECRET);
  });

  it("holds bill-connect PATCH and DELETE to the 204 the contract confirms", async () => {
    const created = await host.create(urn, bill);
    emulator.inject({ method: "PATCH", path: AZURE_CSP, status: 200, body: "{}" });
    const rotated = { ...bill, applicationSecret: `${SECRET}-rotated` };
    expect(await failure(() => host.update(created.id, urn, created.properties, rotated))).toContain(
      `PATCH ${AZURE_CSP}/${created.id} failed: ${emulator.url} answered HTTP 200 instead of HTTP 204, which is not an answer from Optima`,
    );
    emulator.inject({ method: "DELETE", path: AZURE_CSP, status: 200, body: "{}" });
    expect(await failure(() => host.delete(created.id, urn, created.properties))).toContain(
      `DELETE ${AZURE_CSP}/${created.id} failed: ${emulator.url} answered HTTP 200 instead of HTTP 204, which is not an answer from Optima`,
    );
  });

  it("accepts any 2xx with a JSON body on csp-partner, whose answers are only inferred, but never HTML", async () => {
    const created = await host.create(urn, csp);
    const rotated = { ...csp, applicationSecret: `${SECRET}-rotated` };
    emulator.inject({ method: "PATCH", path: CSP, status: 200, body: JSON.stringify({ ok: true }) });
    await host.update(created.id, urn, created.properties, rotated);
    emulator.inject({ method: "DELETE", path: CSP, status: 200, body: HTML, contentType: "text/html" });
    expect(await failure(() => host.delete(created.id, urn, created.properties))).toContain(
      `answered HTTP 200 with an HTML page, which is not an answer from Optima`,
    );
  });

  it.each([
    ["no id and no Location", {}, "no Location header"],
    [
      "a Location pointing at the collection",
      { Location: AZURE_CSP },
      "its Location header points at the collection, not at one registration",
    ],
    [
      "a malformed Location",
      { Location: `${AZURE_CSP}/cbi-%E0%A4%A` },
      "its Location header is not a valid URL path (not shown)",
    ],
  ])("says a create answered 201 with %s may have made the registration", async (_label, headers, why) => {
    emulator.inject({ method: "POST", path: AZURE_CSP, status: 201, body: "{}", headers });
    const message = await failure(() => host.create(urn, bill));
    expect(message).toBe(
      `Could not register the azure-csp bill connect for tenant ${TENANT} in Flexera org ${ORG}: ` +
        `Optima's answer to POST ${AZURE_CSP} does not say which registration it made: no "id" in the body, and ${why}.${MAY_EXIST}`,
    );
  });

  it("says a create answered with an HTML page may have made the registration", async () => {
    emulator.inject({ method: "POST", path: AZURE_CSP, status: 200, body: HTML });
    const message = await failure(() => host.create(urn, bill));
    expect(message).toContain(
      `POST ${AZURE_CSP} failed: ${emulator.url} answered HTTP 200 with an HTML page`,
    );
    expect(message.endsWith(MAY_EXIST)).toBe(true);
  });

  it("reports an oversized 200 body as a bad answer from that URL, not as unreachable", async () => {
    emulator.inject({ method: "GET", path: BILLS, status: 200, body: `"${"x".repeat(10 * 1024 * 1024)}"` });
    const message = await failure(() => host.create(urn, bill));
    expect(message).toContain(
      `GET ${BILLS} failed: ${emulator.url} answered HTTP 200 with a body larger than 10 MiB, which is not an answer from Optima (1 attempt).`,
    );
    expect(message).not.toContain("could not reach");
  });
});

describe("secrets echoed in error bodies", () => {
  it("are masked in every field and every encoding", async () => {
    const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
    const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");
    const hex = (text: string) => Buffer.from(text, "utf8").toString("hex");
    const echoes = [
      b64(`${APP_ID}:${SECRET}`), // a Basic header value: the secret at an offset
      b64url(`{"sub":"x","rt":"${REFRESH_TOKEN}"}`),
      hex(SECRET),
      encodeURIComponent(`${REFRESH_TOKEN}/`).toLowerCase(),
    ];
    emulator.inject({
      method: "POST",
      path: AZURE_CSP,
      status: 400,
      body: JSON.stringify({ name: SECRET, message: `rejected ${echoes.join(" ")}` }),
    });
    const message = await failure(() => host.create(urnFor(TYPE, "echo"), bill));
    expect(message).toContain(
      `POST ${AZURE_CSP} failed: HTTP 400 [REDACTED]: Optima rejected the request's values.`,
    );
    for (const text of [message, host.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(REFRESH_TOKEN);
      expect(text).not.toContain(hex(SECRET));
      expect(text).not.toContain(b64(SECRET).slice(0, 12));
      expect(text).not.toContain(b64(`${APP_ID}:${SECRET}`).slice(52, 70));
      expect(text).not.toContain(b64url(`{"sub":"x","rt":"${REFRESH_TOKEN}"}`).slice(20, 50));
    }
  });
});

describe("lists that page", () => {
  it("follows a nextPage in the body before deciding a bill connect does not exist", async () => {
    const byHand = emulator.seedBillConnect(ORG, { clientId: APP_ID, tenantId: TENANT });
    emulator.inject({
      method: "GET",
      path: new RegExp(`${BILLS}$`),
      status: 200,
      body: JSON.stringify({
        kind: "finops:generic-bill-list",
        values: [],
        nextPage: `${BILLS}?skipToken=page2`,
      }),
    });
    const created = await host.create(urnFor(TYPE, "paged"), bill);
    expect(created.id).toBe(byHand.id);
    expect(created.properties.adopted).toBe(true);
    expect(posts()).toBe(0);
    expect(emulator.requests.find((r) => r.query.skipToken === "page2")).toBeDefined();
  });

  it('follows a Link rel="next" header on the csp-partner list', async () => {
    const byHand = emulator.seedCspPartner(ORG, {
      mpn_id: "1234567",
      domain: "by-hand.onmicrosoft.com",
      application_id: APP_ID,
    });
    emulator.inject({
      method: "GET",
      path: new RegExp(`${CSP}$`),
      status: 200,
      body: "[]",
      headers: { Link: `<${CSP}?page=2>; rel="next"` },
    });
    const created = await host.create(urnFor(TYPE, "linked"), csp);
    expect(created.id).toBe(byHand.id);
    expect(posts()).toBe(0);
  });

  it("refuses a next page on another origin, and a list whose pages loop", async () => {
    emulator.inject({
      method: "GET",
      path: new RegExp(`${BILLS}$`),
      status: 200,
      body: JSON.stringify({ values: [], nextPage: `https://optima.example.test${BILLS}?skipToken=x` }),
    });
    expect(await failure(() => host.create(urnFor(TYPE, "elsewhere"), bill))).toBe(
      `Could not look for the azure-csp bill connect for tenant ${TENANT} in Flexera org ${ORG}: ` +
        `GET ${BILLS} names a next page on https://optima.example.test, not on the API's own origin ${emulator.url}: ` +
        "refusing to send the access token there.",
    );
    emulator.inject({
      method: "GET",
      path: new RegExp(`${BILLS}$`),
      status: 200,
      body: JSON.stringify({ values: [], nextPage: `${BILLS}?skipToken=same` }),
      times: 3,
    });
    expect(await failure(() => host.create(urnFor(TYPE, "loop"), bill))).toBe(
      `Could not look for the azure-csp bill connect for tenant ${TENANT} in Flexera org ${ORG}: ` +
        `GET ${BILLS} names a page it already gave as its next page; the list never ends.`,
    );
    expect(posts()).toBe(0);
  });
});

describe("an absurd token lifetime", () => {
  it("is clamped, not a RangeError", async () => {
    const forever = await startEmulator({ refreshTokens: [REFRESH_TOKEN], tokenTtlSeconds: 1e13 });
    try {
      const other = await hosts.start();
      await other.configure(settings(forever));
      const created = await other.create(urnFor(TYPE, "forever"), bill);
      expect(created.id).toMatch(/^cbi-oi-azure-csp-/);
    } finally {
      await forever.close();
    }
  });
});

describe("credentials: stack config wins as a whole", () => {
  it("uses the refresh token in stack config over a stray service account in the environment", async () => {
    const stray = await hosts.start({
      OPTIMA_SERVICE_ACCOUNT_ID: "stray-service-account",
      OPTIMA_SERVICE_ACCOUNT_SECRET: "stray-service-account-secret",
    });
    await stray.configure(settings(emulator));
    const created = await stray.create(urnFor(TYPE, "stray"), bill);
    expect(created.properties.adopted).toBe(false);
    const grants = emulator.requests
      .filter((r) => r.path === "/oidc/token")
      .map((r) => (r.body as Record<string, string>).grant_type);
    expect(grants).toEqual(["refresh_token"]);
  });

  it("is not blocked by a lone stray service account ID in the environment", async () => {
    const lone = await hosts.start({ OPTIMA_SERVICE_ACCOUNT_ID: "stray-service-account" });
    await lone.configure(settings(emulator));
    const created = await lone.create(urnFor(TYPE, "lone"), csp);
    expect(created.properties.adopted).toBe(false);
  });
});

describe("secrets", () => {
  it("appear in no error message and nowhere in the hosts' stderr", () => {
    expect(messages.length).toBeGreaterThanOrEqual(8);
    for (const text of [...messages, ...hosts.stderr()]) {
      for (const secret of [SECRET, REFRESH_TOKEN, "stray-service-account-secret"]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/emu-at-/);
    }
  });
});
