/**
 * The registration's `keyId`: which Entra ID key Optima holds, recorded in the registration's own
 * state for `optima-csp status`. It is checked (a GUID), a change is an in-place update (never a
 * replacement), it is never sent to Optima, and a change of it alone calls no API.
 */
import { diffRegistration, wireValuesChanged } from "../components/optima/diff";
import * as runtime from "../components/optima/runtime";
import type { RegistrationInputs, RegistrationOutputs } from "../components/optima/targets";
import { checkRegistration } from "../components/optima/validation";
import { DEFAULT_REFRESH_TOKEN, startEmulator, type Emulator } from "../tools/emulator";
import { cspInputs } from "./support/registration-inputs";

const KEY_1 = "aaaaaaaa-0000-4000-8000-000000000001";
const KEY_2 = "aaaaaaaa-0000-4000-8000-000000000002";
const SECRET = "key-id-test-secret-5d1e";
const csp: RegistrationInputs = { ...cspInputs(SECRET), keyId: KEY_1 };

let emulator: Emulator;
const saved = { ...process.env };
beforeAll(async () => {
  emulator = await startEmulator();
  Object.assign(process.env, {
    OPTIMA_REFRESH_TOKEN: DEFAULT_REFRESH_TOKEN,
    OPTIMA_API_URL: emulator.apiUrl,
    OPTIMA_FLEXERA_API_URL: emulator.flexeraApiUrl,
    OPTIMA_AUTH_URL: emulator.authUrl,
  });
});
afterAll(async () => {
  process.env = saved;
  await emulator.close();
});

describe("keyId on OptimaRegistration", () => {
  test("check: optional, and a GUID when given", () => {
    expect(checkRegistration({ ...csp, keyId: undefined }).failures).toEqual([]);
    expect(checkRegistration({ ...csp }).failures).toEqual([]);
    expect(checkRegistration({ ...csp, keyId: "k1" }).failures).toEqual([
      {
        property: "keyId",
        reason:
          'must be the Entra ID key ID of the secret, a GUID like aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee; got "k1"',
      },
    ]);
  });

  test("diff: a new keyId (or a first one, in state written before it existed) updates in place", () => {
    const state = { ...csp, adopted: false } as RegistrationOutputs;
    expect(diffRegistration(state, { ...csp, keyId: KEY_1.toUpperCase() }).changes).toBe(false);
    expect(diffRegistration(state, { ...csp, applicationSecret: "new", keyId: KEY_2 })).toEqual({
      changes: true,
      replaces: [],
      updates: ["applicationSecret", "keyId"],
      deleteBeforeReplace: false,
    });
    const { keyId: _dropped, ...older } = state;
    expect(diffRegistration(older, csp)).toEqual({
      changes: true,
      replaces: [],
      updates: ["keyId"],
      deleteBeforeReplace: false,
    });
    expect(wireValuesChanged(older, csp)).toBe(false);
  });

  test("create records keyId without sending it; an update of keyId alone calls no API", async () => {
    emulator.reset();
    const result = await runtime.create(csp);
    const created = { id: result.id, outs: result.outs as RegistrationOutputs };
    expect(created.outs.keyId).toBe(KEY_1);
    const posted = emulator.requests.filter(
      (r) => r.method === "POST" && r.path.includes("azure_csp_partners"),
    );
    expect(posted).toHaveLength(1);
    expect(JSON.stringify(posted[0].body)).not.toContain(KEY_1);
    expect(Object.keys(posted[0].body as object).sort()).toEqual([
      "application_id",
      "application_secret",
      "domain",
      "mpn_id",
    ]);

    const before = emulator.requests.length;
    const { keyId: _dropped, ...older } = created.outs;
    const updated = await runtime.update(created.id, older as RegistrationOutputs, csp);
    expect(updated.outs?.keyId).toBe(KEY_1);
    expect(emulator.requests.length).toBe(before);

    const read = await runtime.read(created.id, created.outs);
    expect(read.props?.keyId).toBe(KEY_1);
  });
});
