/**
 * `optima-csp untracked-keys` (components/untracked) in process against the emulator's Graph v1.0
 * (tools/emulator/graph.ts): what it removes, what it refuses, and what it prints. The Web App's
 * keys are read back from the emulator's directory after every run, and no output may contain
 * the Graph token or any key's value.
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { runUntrackedKeys, type UntrackedResult } from "../components/untracked/run";
import { applicationFromAnswer } from "../components/untracked/graph";
import {
  CLIENT_ID,
  ID,
  OBJECT_ID,
  TENANT,
  endOf,
  nameOf,
  seedWebApp,
  stateAtWindow60,
  stateExport,
  statePassword,
  type SeedKey,
  type StateSpec,
} from "./support/untracked-state";
import { emulatorPerFile } from "./support/emulator-per-file";

const bed = emulatorPerFile({ scratchPrefix: "untracked-keys-" });
let token: string;
let secrets: string[] = [];

/** Window `k`'s key as the rotation of deployment `id` names it. */
const windowKey = (k: number, id = ID): { name: string; window: number } => ({
  name: nameOf(k, id),
  window: k,
});
/** The keys of a deployment at window 60 whose state holds them both (windows 59 and 60). */
const LIVE_KEYS = { k59: windowKey(59), k60: windowKey(60) };

/** The Web App with a key per entry; returns the key IDs by label. */
function webApp(keys: Record<string, SeedKey>): Record<string, string> {
  bed.emulator.reset();
  bed.emulator.clock.set("2026-03-02T03:00:00Z");
  const seeded = seedWebApp(bed.emulator, Object.values(keys));
  token = seeded.token;
  secrets = [...seeded.keys.map((k) => k.secret), token];
  return Object.fromEntries(Object.keys(keys).map((label, i) => [label, seeded.keys[i].keyId]));
}

/** The state at window 60 of the Web App's keys `k59` and `k60`. */
function state(ids: Record<string, string>, spec: Partial<StateSpec> = {}): Record<string, unknown> {
  return stateAtWindow60(ids.k59, ids.k60, spec);
}

async function run(
  exported: unknown,
  args: string[],
  opts: { env?: Record<string, string>; graphToken?: () => Promise<string> } = {},
): Promise<UntrackedResult> {
  const result = await runUntrackedKeys(["--graph-url", bed.emulator.entra.graphUrl, ...args], {
    env: { OPTIMA_CSP_GRAPH_TOKEN: token, ...opts.env },
    stackExport: async () => JSON.stringify(exported),
    ...(opts.graphToken ? { graphToken: opts.graphToken } : {}),
    http: { sleep: async () => undefined, policy: { timeoutMs: 5_000 } },
  });
  for (const secret of secrets) {
    expect(result.stdout).not.toContain(secret);
    expect(result.stderr).not.toContain(secret);
  }
  return result;
}

const keyIds = (): string[] =>
  (bed.emulator.entra.directory.application(TENANT, OBJECT_ID)?.passwords ?? []).map((p) => p.keyId).sort();
const removals = (): number => bed.emulator.requests.filter((r) => r.path.endsWith("/removePassword")).length;
const lineIds = (out: string, verb: string): string[] =>
  out
    .split("\n")
    .filter((l) => l.startsWith(`${verb} `))
    .map((l) => l.split(" ")[verb.split(" ").length]);

describe("optima-csp untracked-keys against the emulator's Graph", () => {
  test("removes only this deployment's superseded keys; the dry run lists exactly those", async () => {
    const ids = webApp({
      ...LIVE_KEYS,
      orphan58: windowKey(58),
      orphan60: windowKey(60),
      breakGlass: { name: `optima-csp ${ID} slot a window 60 (manual break-glass copy)`, window: 60 },
      windowZero: { name: `optima-csp ${ID} slot a window 0`, window: 60 },
      other: windowKey(57, "0badc0de"),
      hand: { name: "Partner Center key (made by hand)", window: 60 },
    });
    const before = keyIds();
    const dry = await run(state(ids), ["--stack", "prod"]);
    expect(dry.exitCode).toBe(0);
    expect(lineIds(dry.stdout, "would remove")).toEqual([ids.orphan58]);
    expect(lineIds(dry.stdout, "kept").sort()).toEqual([ids.orphan60, ids.breakGlass, ids.windowZero].sort());
    expect(dry.stdout).toMatch(
      /Run again with --remove to remove the 1 key\(s\) listed as "would remove", and only those/,
    );
    expect(removals()).toBe(0);
    expect(keyIds()).toEqual(before);

    const removed = await run(state(ids), ["--stack", "prod", "--remove"]);
    expect(removed.exitCode).toBe(0);
    expect(lineIds(removed.stdout, "removed")).toEqual(lineIds(dry.stdout, "would remove"));
    expect(keyIds()).toEqual(before.filter((k) => k !== ids.orphan58));
  });

  test("an export taken before the last rotation is refused (exit 2), dry run and --remove alike", async () => {
    // The export holds keys 58 and 59 (Optima on 59); a rotation since made 60 and removed 58.
    const ids = webApp(LIVE_KEYS);
    const old = state(ids, {
      passwords: [statePassword("11111111-2222-4333-8444-000000000058", 58), statePassword(ids.k59, 59)],
      outputs: {
        activeKeyId: ids.k59,
        previousKeyId: "11111111-2222-4333-8444-000000000058",
        optimaKeyId: ids.k59,
      },
    });
    const file = path.join(bed.work, "old-export.json");
    writeFileSync(file, JSON.stringify(old));
    for (const args of [
      ["--stack", "prod"],
      ["--state-file", file, "--remove"],
      ["--stack", "prod", "--remove"],
    ]) {
      const result = await run(old, args);
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toContain(
        "REFUSED: the state may be stale or not this Web App's; nothing is removed:",
      );
      expect(result.stdout).toContain(
        `key ${ids.k60} (window 60) is newer than every window in the state (newest 59)`,
      );
      expect(result.stdout).toMatch(/Run the rotation first/);
      expect(result.stdout).not.toMatch(/^(would remove|removed) /m);
    }
    expect(removals()).toBe(0);
    expect(keyIds()).toEqual([ids.k59, ids.k60].sort());
  });

  test("a copied stack, or a state of another deployment, is refused", async () => {
    const ids = webApp({ ...LIVE_KEYS, orphan58: windowKey(58) });
    const copied = await run(state(ids), ["--stack", "my-org/optima-csp/prod-copy", "--remove"]);
    expect(copied.exitCode).toBe(2);
    expect(copied.stdout).toContain("the state is stack prod's (its URNs say so), not prod-copy's");

    // The same keys under another deployment ID: Graph names them 9a59314f, the state 0badc0de.
    const other = state(ids, {
      deploymentId: "0badc0de",
      passwords: [
        statePassword(ids.k59, 59, { displayName: nameOf(59, "0badc0de") }),
        statePassword(ids.k60, 60, { displayName: nameOf(60, "0badc0de") }),
      ],
    });
    const foreign = await run(other, ["--stack", "prod", "--remove"]);
    expect(foreign.exitCode).toBe(2);
    expect(foreign.stdout).toMatch(/not this deployment's/);
    expect(removals()).toBe(0);
    expect(keyIds()).toContain(ids.orphan58);
  });

  test("the key the registration holds is never removed, even when no password in the state is it", async () => {
    const ids = webApp({ ...LIVE_KEYS, held57: windowKey(57), orphan56: windowKey(56) });
    const result = await run(state(ids, { registrationKeyId: ids.held57 }), ["--stack", "prod", "--remove"]);
    expect(result.exitCode).toBe(0);
    expect(lineIds(result.stdout, "removed")).toEqual([ids.orphan56]);
    expect(keyIds()).toContain(ids.held57);
  });

  test("two connections in one stack, one refused: --remove removes nothing from either (breakit)", async () => {
    const ids = webApp({ ...LIVE_KEYS, orphan58: windowKey(58), b60: windowKey(60, "0badc0de") });
    // The second connection's state holds a key Graph no longer has: that part of the export is stale.
    const second = stateExport({
      deploymentId: "0badc0de",
      passwords: [
        statePassword("11111111-2222-4333-8444-000000000059", 59, { displayName: nameOf(59, "0badc0de") }),
        statePassword(ids.b60, 60, { displayName: nameOf(60, "0badc0de") }),
      ],
    });
    const renamed = JSON.parse(
      JSON.stringify(second)
        .replace(/::optima-csp"/g, '::second"')
        .replace(/::optima-csp-/g, "::second-"),
    ) as { deployment: { resources: { type: string }[] } };
    const both = state(ids);
    (both.deployment as { resources: unknown[] }).resources.push(
      ...renamed.deployment.resources.filter((r) => r.type !== "pulumi:pulumi:Stack"),
    );
    const result = await run(both, ["--stack", "prod", "--remove"]);
    expect(result.exitCode).toBe(2);
    expect(result.stdout).toContain("is not on the Web App");
    expect(result.stdout).not.toMatch(/^removed /m);
    expect(removals()).toBe(0);
    expect(keyIds()).toContain(ids.orphan58);
  });

  test.each([
    [
      "--stack given twice (the last would win)",
      ["--stack", "prod", "--stack", "staging"],
      /--stack is given more than once/,
    ],
    ["--remove given twice", ["--stack", "prod", "--remove", "--remove"], /--remove is given more than once/],
    [
      "an empty --stack next to --state-file",
      ["--stack=", "--state-file", "x.json"],
      /--stack is given without a value/,
    ],
    ["an empty --graph-url", ["--stack", "prod", "--graph-url", " "], /--graph-url is given without a value/],
  ])(
    "a careless command line is refused before anything is read: %s (breakit)",
    async (_name, args, message) => {
      webApp({ k59: windowKey(59) });
      const result = await runUntrackedKeys(args, {
        env: {},
        stackExport: async () => {
          throw new Error("the state must not be read");
        },
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(bed.emulator.requests).toEqual([]);
    },
  );

  test.each<[string, (exported: { deployment: { resources: Record<string, unknown>[] } }) => void]>([
    [
      "its keys name two Web Apps (webAppClientId changed, the old key awaiting delete)",
      (e) => {
        const key = e.deployment.resources.find((r) => String(r.urn).endsWith("::optima-csp-key-a"))!;
        (key.outputs as Record<string, unknown>).applicationId =
          "/applications/99999999-9b8d-4e7f-a1b2-c3d4e5f6a7b8";
      },
    ],
    [
      "its keys' applicationId is an encrypted secret",
      (e) => {
        for (const r of e.deployment.resources.filter((r) => String(r.urn).includes("::optima-csp-key-"))) {
          (r.outputs as Record<string, unknown>).applicationId = { ciphertext: "v1:x" };
        }
      },
    ],
    [
      "its deployment ID is not readable",
      (e) => {
        const id = e.deployment.resources.find((r) => String(r.urn).endsWith("::optima-csp-deployment-id"))!;
        (id.outputs as Record<string, unknown>).hex = { ciphertext: "v1:x" };
      },
    ],
    [
      "a first deployment killed in addPassword (no key in the state, a pending create)",
      (e) => {
        e.deployment.resources = e.deployment.resources.filter(
          (r) => !String(r.urn).includes("::optima-csp-key-"),
        );
      },
    ],
  ])(
    "a connection the tool cannot read is refused (exit 2), never 'nothing to check': %s (breakit)",
    async (_name, spoil) => {
      const ids = webApp({ ...LIVE_KEYS, orphan58: windowKey(58) });
      const exported = state(ids, {
        pendingCreate: _name.includes("pending") ? "a" : undefined,
      }) as unknown as {
        deployment: { resources: Record<string, unknown>[] };
      };
      spoil(exported);
      const result = await run(exported, ["--stack", "prod", "--remove"]);
      expect(result.stdout).not.toContain("nothing to check");
      expect(result.exitCode).toBe(2);
      expect(result.stdout).toMatch(/REFUSED/);
      expect(removals()).toBe(0);
    },
  );

  test("a Graph answer listing one keyId twice (any letter case) is not Graph's: nothing is removed (breakit)", () => {
    const keyId = "6b1339ec-b093-433c-aaab-621d1929d82a";
    const answer = (second: string) => ({
      id: OBJECT_ID,
      appId: CLIENT_ID,
      passwordCredentials: [
        { keyId, displayName: nameOf(50), endDateTime: endOf(50) },
        { keyId: second, displayName: "break-glass key", endDateTime: endOf(60) },
      ],
    });
    expect(() => applicationFromAnswer(answer(keyId.toUpperCase()), OBJECT_ID)).toThrow(
      /lists key 6b1339ec-b093-433c-aaab-621d1929d82a twice/,
    );
    expect(applicationFromAnswer(answer(OBJECT_ID), OBJECT_ID).passwords).toHaveLength(2);
  });

  test("plain http to a non-loopback host is refused before any sign-in or request", async () => {
    const ids = webApp(LIVE_KEYS);
    const signIn = jest.fn(async () => "never-sent");
    const mark = bed.emulator.requests.length;
    for (const [args, env] of [
      [["--graph-url", "http://192.0.2.10/v1.0"], {}],
      [[], { OPTIMA_CSP_GRAPH_URL: "http://192.0.2.10/v1.0" }],
    ] as const) {
      const result = await runUntrackedKeys(["--stack", "prod", "--remove", ...args], {
        env,
        stackExport: async () => JSON.stringify(state(ids)),
        graphToken: signIn,
      });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(
        /must use https:\/\/ \(http:\/\/ only on 127\.0\.0\.1, ::1 and localhost/,
      );
    }
    // The test token goes nowhere but a loopback Graph.
    const https = await runUntrackedKeys(
      ["--stack", "prod", "--graph-url", "https://graph.example.com/v1.0"],
      {
        env: { OPTIMA_CSP_GRAPH_TOKEN: token },
        stackExport: async () => JSON.stringify(state(ids)),
      },
    );
    expect(https.exitCode).toBe(1);
    expect(https.stderr).toMatch(/accepted only with a loopback Graph URL/);
    expect(signIn).not.toHaveBeenCalled();
    expect(bed.emulator.requests.length).toBe(mark);
  });

  test.each([
    [
      "another application's answer",
      JSON.stringify({
        id: "99999999-9b8d-4e7f-a1b2-c3d4e5f6a7b8",
        appId: CLIENT_ID,
        passwordCredentials: [],
      }),
      "application/json",
      /answered for application 99999999-9b8d-4e7f-a1b2-c3d4e5f6a7b8, not the asked 6c1e3f0a/,
    ],
    [
      "a credential without keyId",
      JSON.stringify({ id: OBJECT_ID, appId: CLIENT_ID, passwordCredentials: [{ displayName: nameOf(58) }] }),
      "application/json",
      /password credential #1 of the application without a keyId/,
    ],
    [
      "an HTML page",
      "<!doctype html><html><body>Sign in to continue</body></html>",
      "text/html",
      /answered GET \/applications\/6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8 with an HTML page: not Graph's answer/,
    ],
  ])(
    "%s is refused with a clear message (exit 1), nothing removed",
    async (_, body, contentType, message) => {
      const ids = webApp({ ...LIVE_KEYS, orphan58: windowKey(58) });
      bed.emulator.inject({
        method: "GET",
        path: `/applications/${OBJECT_ID}`,
        status: 200,
        body,
        contentType,
      });
      const result = await run(state(ids), ["--stack", "prod", "--remove"]);
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/Cannot read properties|Unexpected token|SyntaxError/);
      expect(removals()).toBe(0);
      expect(keyIds()).toContain(ids.orphan58);
    },
  );

  test("display names are printed escaped: no terminal control, no line a CI runner would obey", async () => {
    const ids = webApp({
      ...LIVE_KEYS,
      hostile: {
        name: `optima-csp ${ID} \u001b[2J\n::error::pwned\r\n##vso[task.complete]\u202e`,
        window: 60,
      },
    });
    const result = await run(state(ids), ["--stack", "prod"]);
    expect(result.exitCode).toBe(0);
    const out = result.stdout + result.stderr;
    // eslint-disable-next-line no-control-regex -- the point: no control character is printed
    expect(out).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202e]/);
    expect(out).not.toMatch(/^(::|##vso)/m);
    expect(result.stdout).toContain(
      `kept ${ids.hostile} "optima-csp ${ID} \\u001b[2J\\u000a::error::pwned\\u000d\\u000a##vso[task.complete]\\u202e"`,
    );
  });

  test("--stack without the Pulumi CLI on PATH says it is needed, or --state-file (exit 1)", async () => {
    const path_ = process.env.PATH;
    process.env.PATH = path.join(bed.work, "no-such-dir");
    try {
      const result = await runUntrackedKeys(["--stack", "prod"], { env: {} });
      expect(result.exitCode).toBe(1);
      expect(result.stderr).toMatch(/--stack needs the Pulumi CLI \(`pulumi`\), which is not on PATH/);
      expect(result.stderr).toMatch(/or pass --state-file FILE/);
      expect(result.stderr).not.toMatch(/ENOENT/);
    } finally {
      process.env.PATH = path_;
    }
  });

  test("--help exits 0 with the usage; a bad flag exits 1 saying what to do", async () => {
    const help = await runUntrackedKeys(["--help"], { env: {} });
    expect(help.exitCode).toBe(0);
    expect(help.stdout).toMatch(/^Usage: optima-csp untracked-keys \(--stack NAME \| --state-file FILE\)/);
    expect(help.stdout).toMatch(/Exit codes: 0 done/);
    const bad = await runUntrackedKeys(["--stack", "prod", "--state-file", "x"], { env: {} });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/give exactly one of --stack NAME and --state-file FILE/);
  });
});
