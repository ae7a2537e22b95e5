/**
 * The key-verification provider as the engine runs it: serialized the way `@pulumi/pulumi` does,
 * loaded by the real dynamic-provider host process, driven over gRPC against the emulator's
 * Entra ID token endpoint. Check and diff must send no request (they run during preview); create
 * proves the key (retrying while it propagates) or fails; the secret never comes back.
 */

import {
  PARTNER_CENTER_SCOPE,
  keyVerificationProvider,
  type KeyVerificationInputs,
} from "../components/azure/keyVerification";
import { UNKNOWN_VALUE } from "../components/unknown";
import { emulatorPerFile } from "./support/emulator-per-file";
import { CLIENT, KEY_ID, TENANT, tokenRequests, verificationInputs } from "./support/key-verification-inputs";
import { serializeProvider, startHost, urnFor, type DynamicHost } from "./support/provider-host";

const TYPE = "pulumi-nodejs:dynamic/optima-csp:KeyVerification";
const KEY_2 = "7b0c2d9e-2222-4a2b-8c3d-4e5f6a7b8c9d";
const SECRET_1 = "kv1~Fresh.Key_81d0c5a7e4";
const SECRET_2 = "kv2~Never.Active_3b6f90c2";

const bed = emulatorPerFile();
let host: DynamicHost;
let providerText: string;

beforeAll(async () => {
  providerText = await serializeProvider(keyVerificationProvider);
  host = await startHost({ providerText });
  await host.configure({});
});
afterAll(async () => {
  await host?.close();
});

/** The inputs as the host gets them (a plain record). */
const props = (overrides: Partial<KeyVerificationInputs> = {}): Record<string, unknown> => ({
  ...verificationInputs(bed.emulator, SECRET_1, { timeoutSeconds: 30, ...overrides }),
});

test("the serialized provider holds the implementation, no secret and no path of this machine", () => {
  expect(providerText).toContain("exports.handler");
  expect(providerText).toContain("oauth2/v2.0/token");
  for (const secret of [SECRET_1, SECRET_2]) {
    expect(providerText).not.toContain(secret);
  }
  expect(providerText).not.toContain(process.cwd());
});

test("check validates without any request, and lets preview's unknown values through", async () => {
  const before = bed.emulator.requests.length;
  const urn = urnFor(TYPE, "check");
  const preview = await host.check(urn, {}, props({ keyId: UNKNOWN_VALUE, secret: UNKNOWN_VALUE }));
  expect(preview.failures).toEqual([]);
  const bad = await host.check(urn, {}, props({ tenantId: "contoso.onmicrosoft.com", timeoutSeconds: 0 }));
  expect(bad.failures.map((f) => f.property)).toEqual(["tenantId", "timeoutSeconds"]);
  expect(bed.emulator.requests.length).toBe(before);
});

test("check refuses a secret of white space only, as the registration's check does", async () => {
  const before = bed.emulator.requests.length;
  const checked = await host.check(urnFor(TYPE, "blank"), {}, props({ secret: " \t " }));
  expect(checked.failures).toEqual([{ property: "secret", reason: "secret must be a non-empty string." }]);
  expect(bed.emulator.requests.length).toBe(before);
});

test("create waits for a propagating key, then records the proof without the secret", async () => {
  const urn = urnFor(TYPE, "propagating");
  const checked = await host.check(urn, {}, props());
  // Propagating for 1 s from now (the emulator's clock): the host's first try is refused; the next
  // ones come after its backoff (1 s ± 25 %, then 2 s ± 25 %, on the host's real clock).
  bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET_1, { activeAfterMs: 1_000 });
  const created = await host.create(urn, checked.inputs);

  expect(created.id).toBe(KEY_ID);
  expect(created.properties).toMatchObject({
    tenantId: TENANT,
    clientId: CLIENT,
    keyId: KEY_ID,
    scope: PARTNER_CENTER_SCOPE,
    timeoutSeconds: 30,
  });
  expect(created.properties.attempts).toBeGreaterThanOrEqual(2);
  expect(created.properties).not.toHaveProperty("secret");
  expect(JSON.stringify(created)).not.toContain(SECRET_1);
  const statuses = tokenRequests(bed.emulator).map((r) => r.status);
  expect(statuses.slice(0, -1).every((s) => s === 401)).toBe(true);
  expect(statuses.at(-1)).toBe(200);

  // Diff and update against that state: only a new key is a new proof; nothing is sent.
  const before = bed.emulator.requests.length;
  expect(await host.diff(created.id, urn, created.properties, props())).toMatchObject({
    changes: false,
    replaces: [],
  });
  expect(
    await host.diff(created.id, urn, created.properties, props({ keyId: KEY_2, secret: SECRET_2 })),
  ).toMatchObject({
    changes: true,
    replaces: ["keyId"],
    deleteBeforeReplace: false,
  });
  expect(await host.diff(created.id, urn, created.properties, props({ timeoutSeconds: 60 }))).toMatchObject({
    changes: true,
    replaces: [],
  });
  const updated = await host.update(created.id, urn, created.properties, props({ timeoutSeconds: 60 }));
  expect(updated.properties).toMatchObject({ timeoutSeconds: 60, verifiedAt: created.properties.verifiedAt });
  expect(updated.properties).not.toHaveProperty("secret");
  // No read and no delete: refresh keeps the record, delete has nothing to undo.
  expect((await host.read(created.id, urn, updated.properties)).id).toBe(KEY_ID);
  await host.delete(created.id, urn, updated.properties);
  expect(bed.emulator.requests.length).toBe(before);
});

test("a key that never becomes active fails create after the timeout, with no secret in the error", async () => {
  bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET_2, { activeAfterMs: 3_600_000 });
  const urn = urnFor(TYPE, "never");
  const started = Date.now();
  const error = await host.create(urn, props({ keyId: KEY_2, secret: SECRET_2, timeoutSeconds: 2 })).then(
    () => undefined,
    (e: Error) => e,
  );
  const elapsed = Date.now() - started;

  expect(error?.message).toMatch(
    new RegExp(
      `Entra ID did not accept the new key ${KEY_2} of app ${CLIENT} in tenant ${TENANT} at .* within 2 s ` +
        "\\(\\d+ token requests; last answer: HTTP 401 invalid_client AADSTS7000215\\)\\. .*run `pulumi up` again",
    ),
  );
  expect(elapsed).toBeGreaterThanOrEqual(2_000);
  expect(elapsed).toBeLessThan(8_000);
  expect(error?.message).not.toContain(SECRET_2);
  expect(host.stderr).not.toContain(SECRET_2);
  expect(host.stderr).not.toContain(SECRET_1);
});
