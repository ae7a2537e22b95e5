/**
 * The engine scenarios' own parts, without the engine: the test-double plugins follow the rules
 * table (tests/support/engine/doubles/rules.ts) and nothing else, and the thin language host builds the
 * program's command line as the Go host does (see the sources each module names).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { azureadDouble } from "./support/engine/doubles/azuread";
import { UNKNOWN, secret } from "./support/engine/doubles/common";
import { randomDouble } from "./support/engine/doubles/random";
import { RULES } from "./support/engine/doubles/rules";
import { runArguments } from "./support/engine/language-host";

const PASSWORD_URN =
  "urn:pulumi:s::p::optima-csp:azure:CspConnection$azuread:index/applicationPassword:ApplicationPassword::c-key-a";
const REGISTRATION_URN =
  "urn:pulumi:s::p::azuread:index/applicationRegistration:ApplicationRegistration::c-web-app";
const RANDOM_URN = "urn:pulumi:s::p::random:index/randomId:RandomId::c-deployment-id";

test("every rule in the table is implemented by a double that cites it, and every citation names a rule", () => {
  const source = ["azuread.ts", "random.ts", "common.ts"]
    .map((f) => readFileSync(path.join(__dirname, "support", "engine", "doubles", f), "utf8"))
    .join("\n");
  const cited = new Set([...source.matchAll(/RULES\.(\w+)/g)].map((m) => m[1]));
  for (const name of cited) {
    expect(Object.keys(RULES)).toContain(name);
  }
  const uncited = Object.keys(RULES).filter((name) => !cited.has(name));
  // Rules the doubles satisfy by what they leave out (no Importer, no writes to the app) are stated in comments too.
  expect(uncited).toEqual([]);
  for (const rule of Object.values(RULES)) {
    expect(rule.source.length).toBeGreaterThan(10);
  }
});

describe("ApplicationPassword double", () => {
  const olds = {
    applicationId: "/applications/6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8",
    displayName: "k",
    endDate: "2026-03-04T00:00:00Z",
    startDate: "2026-03-01T00:00:00Z",
    rotateWhenChanged: { window: "59" },
    keyId: "2801de9b-0ee3-4494-b81e-a7a51e0c5271",
    value: secret("s"),
  };
  const news = {
    applicationId: olds.applicationId,
    displayName: "k",
    endDate: olds.endDate,
    rotateWhenChanged: { window: "59" },
  };

  test("the same arguments are no change; a computed argument the program leaves out is no change", async () => {
    expect(await azureadDouble.diff!("id", PASSWORD_URN, olds, news)).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
    });
  });

  test("any changed or unknown argument replaces the key (create-before-delete)", async () => {
    expect(
      await azureadDouble.diff!("id", PASSWORD_URN, olds, { ...news, rotateWhenChanged: { window: "60" } }),
    ).toEqual({
      changes: true,
      replaces: ["rotateWhenChanged"],
      deleteBeforeReplace: false,
    });
    expect(
      (await azureadDouble.diff!("id", PASSWORD_URN, olds, { ...news, displayName: UNKNOWN })).replaces,
    ).toEqual(["displayName"]);
  });

  test("applicationId must be /applications/{objectId}", async () => {
    const checked = await azureadDouble.check!(
      PASSWORD_URN,
      {},
      { ...news, applicationId: "6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8" },
    );
    expect(checked.failures?.map((f) => f.property)).toEqual(["applicationId"]);
  });
});

describe("ApplicationRegistration double", () => {
  test("check: an unset version defaults to 2; a 0 read from Graph's null fails with the provider's text", async () => {
    expect((await azureadDouble.check!(REGISTRATION_URN, {}, { displayName: "x" })).failures).toEqual([]);
    expect(
      (await azureadDouble.check!(REGISTRATION_URN, {}, { displayName: "x", requestedAccessTokenVersion: 0 }))
        .failures,
    ).toEqual([
      {
        property: "",
        reason:
          "expected requested_access_token_version to be in the range (1 - 2), got 0. Examine values at 'c-web-app.requestedAccessTokenVersion'.",
      },
    ]);
  });

  test("any write to the Web App is refused", async () => {
    await expect(azureadDouble.update!("id", REGISTRATION_URN, {}, {})).rejects.toThrow(
      /refused: optima-csp must never write the Web App/,
    );
    await expect(azureadDouble.delete!("id", REGISTRATION_URN, {})).rejects.toThrow(/refused/);
  });
});

test("RandomId double: the encodings are of the same bytes, the ID is unpadded base64url; byteLength and prefix replace", async () => {
  const created = await randomDouble.create!(RANDOM_URN, { byteLength: 4 });
  const bytes = Buffer.from(created.outs.hex, "hex");
  expect(created.id).toBe(bytes.toString("base64url"));
  expect(created.outs).toMatchObject({
    b64Url: created.id,
    b64Std: bytes.toString("base64"),
    dec: BigInt(`0x${created.outs.hex}`).toString(),
  });
  expect((await randomDouble.diff!(created.id, RANDOM_URN, created.outs, { byteLength: 4 })).changes).toBe(
    false,
  );
  expect(
    (await randomDouble.diff!(created.id, RANDOM_URN, created.outs, { byteLength: 8 })).replaces,
  ).toEqual(["byteLength"]);
});

test("the language host starts the program with the Go host's arguments, in its order (constructArguments)", () => {
  const req = {
    getProject: () => "optima-csp",
    getStack: () => "scenario",
    getArgsList: () => [],
    getConfigMap: () => ({ toObject: () => [] as [string, string][] }),
    getDryrun: () => true,
    getParallel: () => 16,
    getMonitorAddress: () => "127.0.0.1:1",
    getConfigsecretkeysList: () => [],
    getOrganization: () => "organization",
    getPwd: () => "",
    getProgram: () => "",
    getInfo: () => ({
      getRootDirectory: () => "/p",
      getProgramDirectory: () => "/p",
      getEntryPoint: () => "index.ts",
      getOptions: () => undefined,
    }),
  };
  expect(runArguments(req, "/run.js", "127.0.0.1:2")).toEqual([
    "/run.js",
    "--monitor",
    "127.0.0.1:1",
    "--engine",
    "127.0.0.1:2",
    "--organization",
    "organization",
    "--project",
    "optima-csp",
    "--root-directory",
    "/p",
    "--stack",
    "scenario",
    "--pwd",
    "/p",
    "--dry-run",
    "--parallel",
    "16",
    "index.ts",
  ]);
});
