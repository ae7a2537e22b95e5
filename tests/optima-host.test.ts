/**
 * optimaRegistrationProvider as the engine runs it: serialized the way @pulumi/pulumi does,
 * loaded by the real dynamic-provider host process, driven over gRPC (Configure, Check,
 * Create, Read, Diff, Update, Delete) against the emulator, for both targets. Optima settings
 * reach the host ONLY through Configure (its environment has no OPTIMA_* variable), and the
 * serialized provider must carry no credential.
 */
import { optimaRegistrationProvider } from "../components/optima/provider";
import { emulatorPerFile } from "./support/emulator-per-file";
import { IsolatedHosts, serializeProvider, urnFor, type DynamicHost } from "./support/provider-host";
import { emulatorStackConfig, failureMessage } from "./support/host-env";
import { APP_ID, FORBIDDEN_ORG, ORG, TENANT, cspNews } from "./support/registration-inputs";

const REFRESH_TOKEN = "host-test-refresh-token-c7e2";
/** Present in this process's environment while the provider is serialized: must not be captured. */
const ENV_REFRESH_TOKEN = "host-test-env-refresh-token-5a91";
const SECRET = "host-test-app-secret-0f3d";
const ROTATED = "host-test-rotated-secret-e81b";
const TYPE = "pulumi-nodejs:dynamic/optima-csp:Registration";

const bed = emulatorPerFile({ emulator: { refreshTokens: [REFRESH_TOKEN], forbiddenOrgs: [FORBIDDEN_ORG] } });
let host: DynamicHost;
/** The hosts this file starts: no OPTIMA_* variable reaches them, settings come from Configure only. */
const hosts = new IsolatedHosts();
/** Every error message the host sent back, for the secret scan. */
const messages: string[] = [];
/** Token requests this file made itself (as "someone" using the API by hand). */
let manualTokenRequests = 0;

/** Runs a call that must fail; records and returns its message. */
const failure = (run: () => Promise<unknown>): Promise<string> => failureMessage(run, messages);

function apiRequests(method: string): number[] {
  return bed.emulator.requests
    .filter((r) => r.method === method && r.path !== "/oidc/token")
    .map((r) => r.status);
}

beforeAll(async () => {
  const saved = process.env.OPTIMA_REFRESH_TOKEN;
  process.env.OPTIMA_REFRESH_TOKEN = ENV_REFRESH_TOKEN;
  try {
    hosts.providerText = await serializeProvider(optimaRegistrationProvider);
  } finally {
    if (saved === undefined) {
      delete process.env.OPTIMA_REFRESH_TOKEN;
    } else {
      process.env.OPTIMA_REFRESH_TOKEN = saved;
    }
  }
  host = await hosts.start();
  await host.configure({
    ...emulatorStackConfig(bed.emulator, REFRESH_TOKEN),
    "project:unrelated": "ignored",
  });
});

afterAll(async () => {
  await hosts.closeAll();
});

describe("the serialized provider", () => {
  it("carries no credential and no Optima setting", () => {
    for (const value of [REFRESH_TOKEN, ENV_REFRESH_TOKEN, bed.emulator.url]) {
      expect(hosts.providerText).not.toContain(value);
    }
  });

  it("requires nothing but axios when serialized from this repository", () => {
    const required = new Set([...hosts.providerText.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]));
    expect([...required]).toEqual(["axios"]);
  });
});

describe("csp-partner through the host", () => {
  const urn = urnFor(TYPE, "csp");
  const news = cspNews(SECRET);

  it("runs Check, Create, Read, Diff, Update and Delete", async () => {
    const checked = await host.check(urn, {}, news);
    expect(checked).toEqual({ inputs: { ...news, target: "csp-partner" }, failures: [] });

    const created = await host.create(urn, checked.inputs);
    const stored = bed.emulator.cspPartners(ORG).find((p) => p.mpn_id === "1234567");
    expect(created.id).toBe(stored?.id);
    expect(stored?.application_secret).toBe(SECRET);
    expect(created.properties).toMatchObject({ ...checked.inputs, adopted: false, href: expect.any(String) });

    const read = await host.read(created.id, urn, created.properties, checked.inputs);
    expect(read.id).toBe(created.id);
    expect(read.properties).toEqual(created.properties);

    expect(await host.diff(created.id, urn, read.properties, checked.inputs)).toMatchObject({
      kind: "none",
      replaces: [],
    });
    const rotated = { ...checked.inputs, applicationSecret: ROTATED };
    expect(await host.diff(created.id, urn, read.properties, rotated)).toMatchObject({
      kind: "some",
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(
      await host.diff(created.id, urn, read.properties, { ...checked.inputs, mpnId: "7654321" }),
    ).toMatchObject({
      kind: "some",
      replaces: ["mpnId"],
      deleteBeforeReplace: true,
    });

    const updated = await host.update(created.id, urn, read.properties, rotated);
    expect(updated.properties).toMatchObject({ applicationSecret: ROTATED, adopted: false });
    expect(bed.emulator.cspPartners(ORG).find((p) => p.id === created.id)?.application_secret).toBe(ROTATED);

    await host.delete(created.id, urn, updated.properties);
    expect(bed.emulator.cspPartners(ORG).find((p) => p.id === created.id)).toBeUndefined();
    expect((await host.read(created.id, urn, updated.properties)).id).toBe("");
    // Deleting what is gone succeeds.
    await host.delete(created.id, urn, updated.properties);
  });

  it("returns check failures that name the field", async () => {
    const checked = await host.check(urn, {}, { ...news, mpnId: "12a", applicationSecret: "" });
    expect(checked.failures).toEqual([
      { property: "mpnId", reason: 'must be the partner\'s MPN ID, digits only; got "12a"' },
      { property: "applicationSecret", reason: "must not be empty" },
    ]);
  });

  it("adopts a partnership made by hand and reports drift on Read", async () => {
    const byHand = bed.emulator.seedCspPartner(ORG, {
      mpn_id: "2222222",
      domain: "by-hand.onmicrosoft.com",
      application_id: APP_ID,
    });
    const inputs = (await host.check(urn, {}, { ...news, mpnId: "2222222" })).inputs;
    const created = await host.create(urn, inputs);
    expect(created.id).toBe(byHand.id);
    expect(created.properties.adopted).toBe(true);
    expect(bed.emulator.cspPartners(ORG).filter((p) => p.mpn_id === "2222222")).toEqual([
      expect.objectContaining({ domain: "contoso.onmicrosoft.com", application_secret: SECRET }),
    ]);

    // Someone edits the domain in Optima (PATCH through the API with their own token).
    const token = await emulatorToken();
    const patched = await fetch(
      `${bed.emulator.apiUrl}/analytics/orgs/${ORG}/azure_csp_partners/${byHand.id}`,
      {
        method: "PATCH",
        headers: {
          Authorization: `Bearer ${token}`,
          "Api-Version": "1.0",
          "Content-Type": "application/json",
        },
        body: JSON.stringify({ domain: "edited.onmicrosoft.com" }),
      },
    );
    expect(patched.status).toBe(204);
    const read = await host.read(created.id, urn, created.properties, inputs);
    expect(read.properties).toMatchObject({ domain: "edited.onmicrosoft.com", applicationSecret: SECRET });
    expect(await host.diff(created.id, urn, read.properties, inputs)).toMatchObject({
      kind: "some",
      replaces: [],
    });
  });

  it("reports a 403 with the role to grant, and no secret", async () => {
    const inputs = (await host.check(urn, {}, { ...news, orgId: FORBIDDEN_ORG })).inputs;
    const message = await failure(() => host.create(urn, inputs));
    expect(message).toContain(`GET /analytics/orgs/${FORBIDDEN_ORG}/azure_csp_partners failed: HTTP 403`);
    expect(message).toContain("Manage organization");

    // The host also logs failed Deletes and Reads, with their stacks, to its stderr.
    const state = { ...inputs, adopted: false };
    const deleteMessage = await failure(() => host.delete("100", urn, state));
    expect(deleteMessage).toContain(
      `Could not delete the Azure CSP partnership 100 in Flexera org ${FORBIDDEN_ORG}`,
    );
    expect(deleteMessage).toContain("HTTP 403");
    expect(await failure(() => host.read("100", urn, state))).toContain("HTTP 403");
    expect(host.stderr).toContain(deleteMessage);
  });
});

describe("bill-connect through the host", () => {
  const urn = urnFor(TYPE, "bill");
  const news = {
    target: "bill-connect",
    orgId: ORG,
    applicationId: APP_ID,
    applicationSecret: SECRET,
    tenantId: TENANT,
  };

  it("runs Check, Create, Read (with validation), Diff, Update and Delete", async () => {
    bed.emulator.entra.addSecret(TENANT, APP_ID, SECRET);
    const checked = await host.check(urn, {}, news);
    expect(checked.failures).toEqual([]);

    const created = await host.create(urn, checked.inputs);
    expect(created.id).toMatch(/^cbi-oi-azure-csp-/);
    expect(bed.emulator.billConnects(ORG)).toEqual([
      expect.objectContaining({ id: created.id, clientSecret: SECRET }),
    ]);

    const read = await host.read(created.id, urn, created.properties, checked.inputs);
    expect(read.properties).toMatchObject({ ...news, validation: { valid: true } });

    const rotated = { ...checked.inputs, applicationSecret: ROTATED };
    expect(await host.diff(created.id, urn, read.properties, rotated)).toMatchObject({
      kind: "some",
      replaces: [],
    });
    expect(await host.diff(created.id, urn, read.properties, { ...rotated, tenantId: APP_ID })).toMatchObject(
      {
        replaces: ["tenantId"],
        deleteBeforeReplace: true,
      },
    );
    const updated = await host.update(created.id, urn, read.properties, rotated);
    expect(bed.emulator.billConnects(ORG)[0].clientSecret).toBe(ROTATED);

    // Optima cannot use the rotated key (Entra ID does not know it): the next Read shows it.
    const reread = await host.read(created.id, urn, updated.properties, rotated);
    expect(reread.properties.validation).toEqual({
      valid: false,
      error: expect.stringContaining("AADSTS7000215"),
    });

    await host.delete(created.id, urn, reread.properties);
    expect(bed.emulator.billConnects(ORG)).toEqual([]);
  });
});

describe("one host process", () => {
  it("used one access token for everything above", () => {
    expect(bed.emulator.requests.filter((r) => r.path === "/oidc/token")).toHaveLength(
      1 + manualTokenRequests,
    );
    // ... and the POSTs it made were never blindly repeated.
    expect(apiRequests("POST").filter((s) => s >= 500)).toEqual([]);
  });
});

describe("a host configured without credentials", () => {
  it("checks and diffs, and names the keys to set when it must call Optima", async () => {
    const bare = await hosts.start();
    await bare.configure({ "optima:apiUrl": bed.emulator.apiUrl });
    const urn = urnFor(TYPE, "bare");
    const inputs = {
      target: "csp-partner",
      orgId: ORG,
      mpnId: "3333333",
      domain: "contoso.onmicrosoft.com",
      applicationId: APP_ID,
      applicationSecret: SECRET,
    };
    const before = bed.emulator.requests.length;
    expect((await bare.check(urn, {}, inputs)).failures).toEqual([]);
    expect(await bare.diff("1", urn, { ...inputs, adopted: false }, inputs)).toMatchObject({ kind: "none" });
    const message = await failure(() => bare.create(urn, inputs));
    expect(message).toContain("No Optima credential is configured");
    expect(message).toContain("optima:refreshToken");
    expect(bed.emulator.requests.length).toBe(before);
  });
});

describe("secrets", () => {
  it("appear in no error message and nowhere in the hosts' stderr", () => {
    expect(messages.length).toBeGreaterThanOrEqual(4);
    expect(host.stderr).not.toBe("");
    const texts = [...messages, ...hosts.stderr()];
    for (const text of texts) {
      for (const secret of [SECRET, ROTATED, REFRESH_TOKEN, ENV_REFRESH_TOKEN]) {
        expect(text).not.toContain(secret);
      }
      expect(text).not.toMatch(/emu-at-/);
    }
  });
});

/** An access token from the emulator, as someone using the API by hand would get one. */
async function emulatorToken(): Promise<string> {
  manualTokenRequests++;
  const response = await fetch(bed.emulator.authUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: REFRESH_TOKEN }).toString(),
  });
  const body = (await response.json()) as { access_token: string };
  return body.access_token;
}
