/**
 * The emulator's Entra ID directory, through its Graph v1.0 routes and token endpoint, and its one
 * clock: the rules tools/emulator/graph.ts and directory.ts state (each with its Graph reference
 * page), checked over real HTTP on 127.0.0.1.
 */
import { emulatorPerFile } from "./support/emulator-per-file";

const TENANT = "11111111-2222-4333-8444-555555555555";
const APP_ID = "22222222-3333-4444-8555-666666666666";
const OBJECT_ID = "33333333-4444-4555-8666-777777777777";

const bed = emulatorPerFile();
let token: string;

beforeEach(() => {
  bed.emulator.reset();
  bed.emulator.entra.directory.setDomains(TENANT, {
    initial: "contoso.onmicrosoft.com",
    customDefault: "contoso.com",
  });
  bed.emulator.entra.directory.addApplication(TENANT, {
    appId: APP_ID,
    objectId: OBJECT_ID,
    displayName: "Web App",
  });
  token = bed.emulator.entra.graphToken({ tenantId: TENANT });
});

async function graph(method: string, path: string, body?: unknown, bearer: string | null = token) {
  const response = await fetch(`${bed.emulator.entra.graphUrl}${path}`, {
    method,
    headers: {
      ...(bearer === null ? {} : { Authorization: `Bearer ${bearer}` }),
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text === "" ? undefined : JSON.parse(text) };
}

async function tokenFor(secret: string) {
  const response = await fetch(`${bed.emulator.entra.authorityHost}/${TENANT}/oauth2/v2.0/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "client_credentials",
      client_id: APP_ID,
      client_secret: secret,
      scope: "https://api.partnercenter.microsoft.com/.default",
    }),
  });
  return { status: response.status, body: (await response.json()) as { error_codes?: number[] } };
}

describe("Graph applications and keys", () => {
  test("addPassword answers the secret once; reads show only its hint", async () => {
    const added = await graph("POST", `/applications/${OBJECT_ID}/addPassword`, {
      passwordCredential: { displayName: "k1", endDateTime: "2030-01-01T00:00:00Z" },
    });
    expect(added.status).toBe(200);
    expect(added.body.secretText).toMatch(/^.{3}8Q~.{34}$/);
    expect(added.body).toMatchObject({ displayName: "k1", endDateTime: "2030-01-01T00:00:00Z" });
    const read = await graph("GET", `/applications/${OBJECT_ID}`);
    expect(read.body.passwordCredentials).toEqual([
      expect.objectContaining({
        keyId: added.body.keyId,
        secretText: null,
        hint: added.body.secretText.slice(0, 3),
      }),
    ]);
    expect(JSON.stringify(read.body)).not.toContain(added.body.secretText);
  });

  test("the app is found by $filter on appId and by its alternate key; a missing one is Request_ResourceNotFound", async () => {
    const listed = await graph("GET", `/applications?$filter=${encodeURIComponent(`appId eq '${APP_ID}'`)}`);
    expect(listed.body.value.map((a: { id: string }) => a.id)).toEqual([OBJECT_ID]);
    expect((await graph("GET", `/applications(appId='${APP_ID}')`)).body.id).toBe(OBJECT_ID);
    expect(
      (
        await graph(
          "GET",
          `/applications?$filter=${encodeURIComponent("appId eq '00000000-0000-0000-0000-000000000000'")}`,
        )
      ).body.value,
    ).toEqual([]);
    const missing = await graph("GET", "/applications/00000000-0000-0000-0000-000000000000");
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe("Request_ResourceNotFound");
  });

  test("removePassword answers 204, then the key is gone; an unknown key ID is refused", async () => {
    const added = await graph("POST", `/applications/${OBJECT_ID}/addPassword`, { passwordCredential: {} });
    expect(
      (await graph("POST", `/applications/${OBJECT_ID}/removePassword`, { keyId: added.body.keyId })).status,
    ).toBe(204);
    expect((await graph("GET", `/applications/${OBJECT_ID}`)).body.passwordCredentials).toEqual([]);
    expect(
      (await graph("POST", `/applications/${OBJECT_ID}/removePassword`, { keyId: added.body.keyId })).status,
    ).toBe(400);
  });

  test("without a token: 401; without the permission: 403 Authorization_RequestDenied", async () => {
    expect((await graph("GET", `/applications/${OBJECT_ID}`, undefined, null)).status).toBe(401);
    const reader = bed.emulator.entra.graphToken({ tenantId: TENANT, roles: ["Application.Read.All"] });
    expect((await graph("GET", `/applications/${OBJECT_ID}`, undefined, reader)).status).toBe(200);
    const denied = await graph(
      "POST",
      `/applications/${OBJECT_ID}/addPassword`,
      { passwordCredential: {} },
      reader,
    );
    expect(denied.status).toBe(403);
    expect(denied.body.error).toMatchObject({
      code: "Authorization_RequestDenied",
      message: "Insufficient privileges to complete the operation.",
    });
    expect((await graph("GET", "/domains", undefined, reader)).status).toBe(403);
  });

  test("domains: one initial, one default (here a custom domain)", async () => {
    const domains = await graph("GET", "/domains");
    expect(
      domains.body.value.map((d: { id: string; isDefault: boolean; isInitial: boolean }) => [
        d.id,
        d.isDefault,
        d.isInitial,
      ]),
    ).toEqual([
      ["contoso.onmicrosoft.com", false, true],
      ["contoso.com", true, false],
    ]);
    expect((await graph("GET", "/organization")).body.value[0].id).toBe(TENANT);
  });
});

describe("the token endpoint follows the directory and the clock", () => {
  test("a new key is refused (AADSTS7000215) until it propagates, accepted until its end date, then expired (AADSTS7000222)", async () => {
    bed.emulator.entra.directory.tenant(TENANT).propagationDelayMs = 60_000;
    const added = await graph("POST", `/applications/${OBJECT_ID}/addPassword`, {
      passwordCredential: { endDateTime: new Date(bed.emulator.clock.now() + 86_400_000).toISOString() },
    });
    const secret: string = added.body.secretText;
    expect((await tokenFor(secret)).body.error_codes).toEqual([7000215]);
    bed.emulator.clock.advance(61_000);
    expect((await tokenFor(secret)).status).toBe(200);
    bed.emulator.clock.advance(86_400_000);
    expect((await tokenFor(secret)).body.error_codes).toEqual([7000222]);
  });

  test("settle: Entra ID catches up with every propagating key at once", async () => {
    bed.emulator.entra.directory.tenant(TENANT).propagationDelayMs = 3_600_000;
    const added = await graph("POST", `/applications/${OBJECT_ID}/addPassword`, { passwordCredential: {} });
    expect((await tokenFor(added.body.secretText)).status).toBe(401);
    bed.emulator.entra.directory.settle(TENANT);
    expect((await tokenFor(added.body.secretText)).status).toBe(200);
  });

  test("the clock runs on after a jump, and reset puts it back to real time", () => {
    bed.emulator.clock.set("2030-01-01T00:00:00Z");
    expect(bed.emulator.clock.now()).toBeGreaterThanOrEqual(Date.parse("2030-01-01T00:00:00Z"));
    expect(bed.emulator.clock.iso()).toMatch(/^2030-01-01T00:00:0\dZ$/);
    bed.emulator.reset();
    expect(Math.abs(bed.emulator.clock.now() - Date.now())).toBeLessThan(1000);
  });
});
