/**
 * optimaRegistrationProvider's lifecycle methods called directly, against the local Optima
 * emulator: both targets, adopting a registration made by hand or reported by a 409, drift,
 * a vanished registration, bill-connect validation, delete of what is gone, a 403, old state
 * shapes, and a scan that no secret or token ends up in any error message.
 */
import type * as pulumi from "@pulumi/pulumi";
import { OptimaClient } from "../components/optima/client";
import { configFromRecord, resolveConnection } from "../components/optima/connection";
import { optimaRegistrationProvider as provider } from "../components/optima/provider";
import type { RegistrationInputs, RegistrationOutputs } from "../components/optima/targets";
import { emulatorPerFile } from "./support/emulator-per-file";
import { emulatorStackConfig, failureMessage } from "./support/host-env";
import { APP_ID, FORBIDDEN_ORG, ORG, TENANT, billInputs, cspNews } from "./support/registration-inputs";

const REFRESH_TOKEN = "provider-test-refresh-token-4f1c";
const SECRET = "provider-test-app-secret-9b2e";
const ROTATED = "provider-test-rotated-secret-7d0a";

const bed = emulatorPerFile({ emulator: { refreshTokens: [REFRESH_TOKEN], forbiddenOrgs: [FORBIDDEN_ORG] } });
/** Every error message a provider method produced in this file, for the secret scan. */
const messages: string[] = [];

function configure(values: Record<string, string | undefined>): Promise<void> {
  const config: pulumi.dynamic.Config = {
    get: (key) => values[key],
    require: (key) => {
      const value = values[key];
      if (value === undefined) {
        throw new Error(`missing ${key}`);
      }
      return value;
    },
  };
  return provider.configure!({ config });
}

function emulatorConfig(): Record<string, string> {
  return emulatorStackConfig(bed.emulator, REFRESH_TOKEN);
}

/** "Someone" working in Optima by hand, with their own client. */
function someoneElse(): OptimaClient {
  return new OptimaClient(resolveConnection(configFromRecord(emulatorConfig()), {}));
}

/** Someone else's write to a CSP partner registration in Optima (a PATCH, or a DELETE without a body). */
async function byHand(method: "PATCH" | "DELETE", id: string, body?: Record<string, unknown>): Promise<void> {
  await someoneElse().request({
    method,
    host: "optima",
    path: `/analytics/orgs/${ORG}/azure_csp_partners/${id}`,
    ...(body === undefined ? {} : { body }),
  });
}

/** Runs a call that must fail; records and returns its message. */
const failure = (run: () => Promise<unknown>): Promise<string> => failureMessage(run, messages);

async function checked(news: Partial<RegistrationInputs>): Promise<RegistrationInputs> {
  const result = await provider.check!({} as RegistrationInputs, news as RegistrationInputs);
  expect(result.failures ?? []).toEqual([]);
  return result.inputs!;
}

const cspInputs = cspNews(SECRET);

/**
 * Statuses of the API requests (token requests aside) with this method whose path contains
 * `fragment`. A 401 is left out: `emulator.reset()` forgets access tokens, and the client's
 * refresh-and-retry after a 401 is not what these tests are about.
 */
function answered(method: string, fragment = "/"): number[] {
  return bed.emulator.requests
    .filter(
      (r) => r.method === method && r.path.includes(fragment) && r.path !== "/oidc/token" && r.status !== 401,
    )
    .map((r) => r.status);
}

function requestsTo(method: string, fragment: string): number {
  return answered(method, fragment).length;
}

beforeAll(async () => {
  await configure(emulatorConfig());
});

beforeEach(() => bed.emulator.reset());

describe("csp-partner", () => {
  it("creates, reads, diffs, updates and deletes", async () => {
    const inputs = await checked(cspInputs);
    expect(inputs.target).toBe("csp-partner");

    const created = await provider.create(inputs);
    const stored = bed.emulator.cspPartners(ORG);
    expect(stored).toHaveLength(1);
    expect(created.id).toBe(stored[0].id);
    expect(stored[0]).toMatchObject({
      mpn_id: "1234567",
      domain: "contoso.onmicrosoft.com",
      application_id: APP_ID,
      application_secret: SECRET,
    });
    expect(created.outs).toMatchObject({
      ...inputs,
      adopted: false,
      href: expect.stringContaining(created.id),
    });
    expect(requestsTo("POST", "/azure_csp_partners")).toBe(1);
    // The POST went to the Optima host with the Api-Version header.
    expect(
      bed.emulator.requests.find((r) => r.method === "POST" && r.status === 201)?.headers["api-version"],
    ).toBe("1.0");

    const read = await provider.read!(created.id, created.outs);
    expect(read.id).toBe(created.id);
    expect(read.props).toEqual(created.outs);

    expect(await provider.diff!(created.id, read.props!, inputs)).toMatchObject({ changes: false });
    const rotated = { ...inputs, applicationSecret: ROTATED };
    expect(await provider.diff!(created.id, read.props!, rotated)).toEqual({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });

    const updated = await provider.update!(created.id, read.props!, rotated);
    expect(updated.outs).toMatchObject({
      applicationSecret: ROTATED,
      adopted: false,
      href: created.outs!.href,
    });
    expect(bed.emulator.cspPartners(ORG)[0].application_secret).toBe(ROTATED);
    expect(requestsTo("PATCH", `/azure_csp_partners/${created.id}`)).toBe(1);

    await provider.delete!(created.id, updated.outs!);
    expect(bed.emulator.cspPartners(ORG)).toEqual([]);
    expect((await provider.read!(created.id, updated.outs)).id).toBe("");
  });

  it("adopts a partnership made by hand instead of duplicating it, reading listed items to find it", async () => {
    const other = bed.emulator.seedCspPartner(ORG, {
      mpn_id: "7654321",
      domain: "other.onmicrosoft.com",
      application_id: "99999999-2222-3333-4444-555555555555",
    });
    const byHand = bed.emulator.seedCspPartner(ORG, {
      mpn_id: "1234567",
      domain: "old.onmicrosoft.com",
      application_id: "99999999-2222-3333-4444-555555555555",
      application_secret: "typed-by-hand",
    });

    const created = await provider.create(await checked(cspInputs));
    expect(created.id).toBe(byHand.id);
    expect(created.outs?.adopted).toBe(true);
    expect(requestsTo("POST", "/azure_csp_partners")).toBe(0);
    // The list carries no MPN ID, so both items were read; the adopted one once more after the
    // PATCH (answered 204, no body), for its new timestamp (writtenAt).
    expect(requestsTo("GET", `/azure_csp_partners/${other.id}`)).toBe(1);
    expect(requestsTo("GET", `/azure_csp_partners/${byHand.id}`)).toBe(2);
    expect(created.outs?.writtenAt).toBe(
      bed.emulator.cspPartners(ORG).find((p) => p.id === byHand.id)?.updated_at,
    );

    const partners = bed.emulator.cspPartners(ORG);
    expect(partners).toHaveLength(2);
    expect(partners.find((p) => p.id === byHand.id)).toMatchObject({
      domain: "contoso.onmicrosoft.com",
      application_id: APP_ID,
      application_secret: SECRET,
    });
    expect(partners.find((p) => p.id === other.id)?.domain).toBe("other.onmicrosoft.com");
  });

  it("adopts on a 409 when the partnership was not visible when it looked", async () => {
    const existing = bed.emulator.seedCspPartner(ORG, {
      mpn_id: "1234567",
      domain: "old.onmicrosoft.com",
      application_id: APP_ID,
    });
    // The first read of the item answers 404 (as if not there yet), so create POSTs and gets a 409.
    bed.emulator.inject({ method: "GET", path: `/azure_csp_partners/${existing.id}`, status: 404 });

    const created = await provider.create(await checked(cspInputs));
    expect(created).toMatchObject({ id: existing.id, outs: { adopted: true } });
    expect(answered("POST")).toEqual([409]);
    expect(bed.emulator.cspPartners(ORG)).toHaveLength(1);
    expect(bed.emulator.cspPartners(ORG)[0]).toMatchObject({
      domain: "contoso.onmicrosoft.com",
      application_secret: SECRET,
    });
  });

  it("reads drift: a domain edited in Optima shows on read, and the next update puts it back", async () => {
    const inputs = await checked(cspInputs);
    const created = await provider.create(inputs);
    await byHand("PATCH", created.id, { domain: "edited.onmicrosoft.com" });

    const read = await provider.read!(created.id, created.outs);
    expect(read.props).toMatchObject({ domain: "edited.onmicrosoft.com", applicationSecret: SECRET });

    const diff = await provider.diff!(created.id, read.props!, inputs);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    await provider.update!(created.id, read.props!, inputs);
    expect(bed.emulator.cspPartners(ORG)[0].domain).toBe("contoso.onmicrosoft.com");
  });

  it("reads a registration deleted in Optima as gone, and deleting it again succeeds", async () => {
    const created = await provider.create(await checked(cspInputs));
    await byHand("DELETE", created.id);

    expect(await provider.read!(created.id, created.outs)).toEqual({ id: "" });
    await expect(provider.delete!(created.id, created.outs!)).resolves.toBeUndefined();
    // The delete first reads the registration (its state has writtenAt): gone, so no DELETE is sent.
    expect(answered("DELETE")).toEqual([204]);
    await expect(
      provider.delete!(created.id, { ...created.outs!, writtenAt: undefined }),
    ).resolves.toBeUndefined();
    expect(answered("DELETE")).toEqual([204, 404]); // state without writtenAt: DELETE, and 404 is success
  });

  it("delete leaves a registration written by someone else since its own last write (a takeover), and deletes its own", async () => {
    const inputs = await checked(cspInputs);
    const created = await provider.create(inputs);
    const updated = await provider.update!(created.id, created.outs!, {
      ...inputs,
      applicationSecret: ROTATED,
    });
    expect(updated.outs?.writtenAt).toBe(bed.emulator.cspPartners(ORG)[0].updated_at);
    // Another deployment takes the registration over: its PATCH is a later write.
    bed.emulator.clock.advance(60_000);
    await byHand("PATCH", created.id, { application_secret: "the-other-deployments-key" });
    // A refresh in between does not make it ours again.
    const read = await provider.read!(created.id, updated.outs);
    expect(read.props?.writtenAt).toBe(updated.outs?.writtenAt);
    await expect(provider.delete!(created.id, read.props!)).resolves.toBeUndefined();
    expect(answered("DELETE")).toEqual([]);
    expect(bed.emulator.cspPartners(ORG).map((p) => p.id)).toEqual([created.id]);

    // The deployment that wrote it last deletes it.
    const mine = await provider.create(inputs); // adopts it back (PATCH): now the last write is ours
    expect(mine.id).toBe(created.id);
    await provider.delete!(mine.id, mine.outs!);
    expect(answered("DELETE")).toEqual([204]);
    expect(bed.emulator.cspPartners(ORG)).toEqual([]);
  });

  it("says how to recover when updating a registration that vanished", async () => {
    const inputs = await checked(cspInputs);
    const created = await provider.create(inputs);
    bed.emulator.reset();
    const message = await failure(() =>
      provider.update!(created.id, created.outs!, { ...inputs, applicationSecret: ROTATED }),
    );
    expect(message).toContain(
      `Could not update the Azure CSP partnership for MPN ID 1234567 in Flexera org ${ORG} (id ${created.id})`,
    );
    expect(message).toContain("HTTP 404");
    expect(message).toContain("run `pulumi refresh`");
  });

  it("explains a 403: the role that manages billing configuration", async () => {
    const message = await failure(async () =>
      provider.create(await checked({ ...cspInputs, orgId: FORBIDDEN_ORG })),
    );
    expect(message).toContain(
      `Could not look for the Azure CSP partnership for MPN ID 1234567 in Flexera org ${FORBIDDEN_ORG}`,
    );
    expect(message).toContain(`GET /analytics/orgs/${FORBIDDEN_ORG}/azure_csp_partners failed: HTTP 403`);
    expect(message).toMatch(/Manage organization/);
    expect(answered("POST")).toEqual([]);
  });

  it("refuses to update in place what names a different registration", async () => {
    const inputs = await checked(cspInputs);
    const created = await provider.create(inputs);
    const before = bed.emulator.requests.length;
    const message = await failure(() =>
      provider.update!(created.id, created.outs!, { ...inputs, mpnId: "7654321" }),
    );
    expect(message).toBe(
      `Cannot change mpnId of the Azure CSP partnership ${created.id} in place: a different value names a different registration, which must be replaced.`,
    );
    expect(bed.emulator.requests.length).toBe(before);
  });

  it("records a change of a field csp-partner does not send without calling Optima", async () => {
    const inputs = await checked(cspInputs);
    const created = await provider.create(inputs);
    const before = bed.emulator.requests.length;
    const updated = await provider.update!(created.id, created.outs!, { ...inputs, tenantId: TENANT });
    expect(updated.outs).toMatchObject({ tenantId: TENANT, updatedAt: created.outs!.updatedAt });
    expect(bed.emulator.requests.length).toBe(before);
  });
});

describe("bill-connect", () => {
  it("creates, reads with Optima's validation, updates and deletes", async () => {
    bed.emulator.entra.addSecret(TENANT, APP_ID, SECRET);
    const inputs = await checked(billInputs(SECRET));

    const created = await provider.create(inputs);
    expect(created.id).toMatch(/^cbi-oi-azure-csp-/);
    expect(bed.emulator.billConnects(ORG)).toEqual([
      expect.objectContaining({ id: created.id, clientId: APP_ID, clientSecret: SECRET, tenantId: TENANT }),
    ]);
    expect(created.outs).toMatchObject({ target: "bill-connect", tenantId: TENANT, adopted: false });
    // FinOps Onboarding is not an Optima backend: no Api-Version header.
    expect(
      bed.emulator.requests.find((r) => r.method === "POST" && r.path.includes("azure-csp"))?.headers,
    ).not.toHaveProperty("api-version");

    const read = await provider.read!(created.id, created.outs);
    expect(read.props).toMatchObject({ ...inputs, validation: { valid: true } });

    // A key Optima cannot use shows on the next read.
    const rotated = { ...inputs, applicationSecret: ROTATED };
    const updated = await provider.update!(created.id, read.props!, rotated);
    expect(updated.outs?.validation).toBeUndefined();
    expect(bed.emulator.billConnects(ORG)[0].clientSecret).toBe(ROTATED);
    const reread = await provider.read!(created.id, updated.outs);
    expect(reread.props?.validation).toEqual({
      valid: false,
      error: expect.stringContaining("AADSTS7000215"),
    });

    await provider.delete!(created.id, updated.outs!);
    expect(bed.emulator.billConnects(ORG)).toEqual([]);
  });

  it("scrubs the key from Optima's validation text before it goes into state", async () => {
    const inputs = await checked(billInputs(SECRET));
    const created = await provider.create(inputs);
    // A server that quotes the rejected secret back in its validation error.
    bed.emulator.setValidation(created.id, { valid: false, error: `client secret ${SECRET} is invalid` });
    const read = await provider.read!(created.id, created.outs);
    expect(read.props?.validation?.valid).toBe(false);
    expect(read.props?.validation?.error).toContain("client secret");
    expect(read.props?.validation?.error).not.toContain(SECRET);
    await provider.delete!(created.id, created.outs!);
  });

  it("adopts a bill connect for the same tenant made by hand", async () => {
    const byHand = bed.emulator.seedBillConnect(ORG, {
      clientId: "99999999-2222-3333-4444-555555555555",
      tenantId: TENANT.toUpperCase(),
    });
    const created = await provider.create(await checked(billInputs(SECRET)));
    expect(created).toMatchObject({ id: byHand.id, outs: { adopted: true } });
    expect(bed.emulator.billConnects(ORG)).toEqual([
      expect.objectContaining({ clientId: APP_ID, clientSecret: SECRET }),
    ]);
    expect(requestsTo("POST", "/azure-csp")).toBe(0);
  });

  it("refuses to adopt a read-only (platform) bill connect, saying where to manage it", async () => {
    bed.emulator.seedBillConnect(ORG, { clientId: APP_ID, tenantId: TENANT, onboardingOrigin: "platform" });
    const message = await failure(async () => provider.create(await checked(billInputs(SECRET))));
    expect(message).toMatch(
      /^Could not adopt the azure-csp bill connect for tenant .* made by the Flexera platform/,
    );
    expect(message).toContain("Flexera One");
    expect(answered("PATCH")).toEqual([]);
  });

  it("refuses to adopt a bill connect with another billing account", async () => {
    const billing = `${TENANT}:${APP_ID}_2024-01-31`;
    bed.emulator.seedBillConnect(ORG, { clientId: APP_ID, tenantId: TENANT, billingAccountId: billing });
    const message = await failure(async () => provider.create(await checked(billInputs(SECRET))));
    expect(message).toContain(`with billing account ${billing}`);
    expect(message).toContain(`Set billingAccountId to "${billing}"`);
  });

  it("deletes what is already gone", async () => {
    await expect(
      provider.delete!("cbi-oi-azure-csp-gone", {
        ...(billInputs(SECRET) as RegistrationOutputs),
        adopted: false,
      }),
    ).resolves.toBeUndefined();
    expect(answered("DELETE")).toEqual([404]);
  });
});

describe("state written by older versions", () => {
  it("reads and deletes with only orgId and the secret in state (target defaults to csp-partner)", async () => {
    const stored = bed.emulator.seedCspPartner(ORG, {
      mpn_id: "555",
      domain: "a.example.com",
      application_id: APP_ID,
    });
    const oldState = { orgId: ORG, applicationSecret: SECRET } as unknown as RegistrationOutputs;
    const read = await provider.read!(stored.id, oldState);
    expect(read.props).toMatchObject({
      target: "csp-partner",
      mpnId: "555",
      domain: "a.example.com",
      adopted: false,
      applicationSecret: SECRET,
    });
    await provider.delete!(stored.id, oldState);
    expect(bed.emulator.cspPartners(ORG)).toEqual([]);
  });

  it("explains that a state without orgId cannot be read", async () => {
    const message = await failure(() => provider.read!("7", {} as RegistrationOutputs));
    expect(message).toMatch(/^Cannot read the Azure CSP partnership 7: its state has no orgId/);
  });
});

describe("connection", () => {
  afterAll(() => configure(emulatorConfig()));

  it("check and diff need no credential; an API call names the keys to set", async () => {
    await configure({});
    const inputs = await checked(cspInputs);
    expect(await provider.diff!("1", { ...inputs, adopted: false }, inputs)).toMatchObject({
      changes: false,
    });
    const message = await failure(() => provider.create(inputs));
    expect(message).toContain("optima:refreshToken");
    expect(message).toContain("OPTIMA_REFRESH_TOKEN");
    expect(bed.emulator.requests).toEqual([]);
  });

  it("shares one access token across calls and resources", async () => {
    await configure(emulatorConfig());
    await provider.create(await checked(cspInputs));
    await provider.create(await checked({ ...cspInputs, mpnId: "7654321" }));
    await provider.create(await checked(billInputs(SECRET)));
    expect(bed.emulator.requests.filter((r) => r.path === "/oidc/token")).toHaveLength(1);
  });

  it("rejects a wrong refresh token with a message that does not repeat it", async () => {
    await configure({ ...emulatorConfig(), "optima:refreshToken": "wrong-refresh-token-value" });
    const message = await failure(async () => provider.create(await checked(cspInputs)));
    expect(message).toContain("POST /oidc/token failed: HTTP");
    expect(message).not.toContain("wrong-refresh-token-value");
  });
});

describe("secrets", () => {
  it("never appear in an error message produced in this file", () => {
    expect(messages.length).toBeGreaterThanOrEqual(7);
    for (const message of messages) {
      for (const secret of [SECRET, ROTATED, REFRESH_TOKEN, "wrong-refresh-token-value", "typed-by-hand"]) {
        expect(message).not.toContain(secret);
      }
      expect(message).not.toMatch(/emu-at-/);
    }
  });
});
