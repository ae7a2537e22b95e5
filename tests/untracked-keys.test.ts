/**
 * The pure rules of `optima-csp untracked-keys` (components/azure/untrackedKeys.ts): which keys
 * are this deployment's, which are superseded, and when a state is refused as stale or foreign.
 * tests/untracked-keys-cli.test.ts runs the command against the emulator's Graph, and
 * tests/engine/untracked-keys.test.ts against the real engine's state.
 */
import {
  parseKeyDisplayName,
  planRemoval,
  readDeployments,
  type GraphApplication,
  type GraphPassword,
} from "../components/azure/untrackedKeys";
import {
  CLIENT_ID,
  ID,
  OBJECT_ID,
  endOf,
  nameOf,
  stateAtWindow60,
  stateExport,
  statePassword,
} from "./support/untracked-state";

/** A GUID per label, stable within the file. */
const guid = (n: number): string => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const graphKey = (keyId: string, k: number, displayName = nameOf(k)): GraphPassword => ({
  keyId,
  displayName,
  endDateTime: endOf(k),
});

/** A current state at window 60 (keys 59 and 60; Optima holds 60) and the matching Web App. */
function current(extraGraph: GraphPassword[] = [], spec: Partial<Parameters<typeof stateExport>[0]> = {}) {
  const state = stateAtWindow60(guid(59), guid(60), spec);
  const app: GraphApplication = {
    id: OBJECT_ID,
    appId: CLIENT_ID,
    passwords: [graphKey(guid(59), 59), graphKey(guid(60), 60), ...extraGraph],
  };
  return { state, app, deployment: readDeployments(state)[0] };
}

describe("display names: exactly the component's grammar, with this deployment's ID", () => {
  it("reads what keyDisplayName writes", () => {
    expect(parseKeyDisplayName(nameOf(60), ID)).toEqual({ slot: "a", window: 60, expires: "2026-03-05" });
    expect(parseKeyDisplayName(nameOf(7), ID)).toEqual({ slot: "b", window: 7, expires: "2026-01-11" });
  });

  it.each([
    ["a person's copy with a suffix", `optima-csp ${ID} slot a window 60 (manual break-glass copy)`],
    ["a bare prefix", `optima-csp ${ID} slot a window 0`],
    ["text after the name", `${nameOf(60)} copy`],
    ["text before the name", `copy of ${nameOf(60)}`],
    ["a trailing space", `${nameOf(60)} `],
    ["a line break after", `${nameOf(60)}\n`],
    ["the wrong slot for the window", nameOf(60).replace("slot a", "slot b")],
    ["a leading zero", nameOf(60).replace("window 60", "window 060")],
    ["a slot c", nameOf(60).replace("slot a", "slot c")],
    ["no such date", nameOf(60).replace("2026-03-05", "2026-02-30")],
    ["another deployment", nameOf(60, "0badc0de")],
    ["upper-case ID", nameOf(60).replace(ID, ID.toUpperCase())],
    // Unicode look-alikes (breakit): what a reader sees as ours, but not the component's bytes.
    ["a Cyrillic а in the slot", nameOf(60).replace("slot a", "slot \u0430")],
    ["a no-break space", nameOf(60).replace("slot a", "slot\u00a0a")],
    ["Arabic-Indic digits in the window", nameOf(60).replace("window 60", "window \u0666\u0660")],
    ["fullwidth digits in the date", nameOf(60).replace("2026", "\uff12\uff10\uff12\uff16")],
    ["a zero-width space", nameOf(60).replace("optima-csp", "optima-csp\u200b")],
  ])("%s is a person's key", (_, name) => {
    expect(parseKeyDisplayName(name, ID)).toBeUndefined();
  });
});

describe("planRemoval on a current state", () => {
  it("removes only this deployment's superseded keys the state does not hold", () => {
    const { deployment, app } = current([
      graphKey(guid(1058), 58), // a killed run's key, two windows old: superseded
      graphKey(guid(1060), 60), // a killed run's key of the current window: kept
      graphKey(guid(1059), 59), // ... of the previous window: kept
      graphKey(guid(2), 57, `optima-csp ${ID} slot b window 57 (manual break-glass copy)`),
      graphKey(guid(3), 0, `optima-csp ${ID} slot a window 0`),
      graphKey(guid(4), 57, nameOf(57, "0badc0de")),
      graphKey(guid(5), 57, "Partner Center key (made by hand)"),
      { keyId: guid(6), displayName: nameOf(56), endDateTime: endOf(70) }, // a name with another expiry
      { keyId: guid(7), displayName: null, endDateTime: null },
    ]);
    const plan = planRemoval(deployment, app, "prod");
    expect(plan.refusals).toEqual([]);
    expect(plan.remove.map((k) => k.keyId)).toEqual([guid(1058)]);
    expect(plan.kept.map((k) => k.keyId).sort()).toEqual(
      [guid(1059), guid(1060), guid(2), guid(3), guid(6)].sort(),
    );
    expect(plan.kept.find((k) => k.keyId === guid(1060))?.reason).toMatch(
      /current window.*removable from window 62/,
    );
    expect(plan.kept.find((k) => k.keyId === guid(2))?.reason).toMatch(/a person's key/);
  });

  it("never removes a key the registration or a stack output names, nor one the state mentions", () => {
    // Optima still holds window 57's key (its password left the state); outputs name two others.
    const { deployment, app } = current(
      [graphKey(guid(57), 57), graphKey(guid(56), 56), graphKey(guid(55), 55), graphKey(guid(54), 54)],
      {
        registrationKeyId: guid(57),
        outputs: { activeKeyId: guid(60), previousKeyId: guid(56), optimaKeyId: guid(55) },
        passwords: [
          statePassword(guid(59), 59),
          statePassword(guid(60), 60),
          statePassword(guid(54), 54, { delete: true }),
        ],
      },
    );
    const plan = planRemoval(deployment, app, "prod");
    expect(plan.refusals).toEqual([]);
    expect(plan.remove).toEqual([]);
  });

  it("refuses when a registration does not show which key Optima holds", () => {
    const { deployment, app } = current([graphKey(guid(1058), 58)], { registrationKeyId: null });
    const plan = planRemoval(deployment, app, "prod");
    expect(plan.refusals.join("\n")).toMatch(/does not show which key Optima holds/);
    expect(plan.remove).toEqual([]);
  });
});

describe("planRemoval refuses a state that is not current, or not this Web App's", () => {
  it("an export taken before the last rotation: a newer key, and the state's old key is gone", () => {
    // The export: keys 58 and 59, Optima on 59. Since then a run rotated: Graph has 59 and 60.
    const old = stateExport({ passwords: [statePassword(guid(58), 58), statePassword(guid(59), 59)] });
    const app: GraphApplication = {
      id: OBJECT_ID,
      appId: CLIENT_ID,
      passwords: [graphKey(guid(59), 59), graphKey(guid(60), 60)],
    };
    const plan = planRemoval(readDeployments(old)[0], app, "prod");
    expect(plan.refusals.join("\n")).toMatch(
      new RegExp(`key ${guid(60)} \\(window 60\\) is newer than every window`),
    );
    expect(plan.refusals.join("\n")).toMatch(new RegExp(`the state's key ${guid(58)} is not on the Web App`));
    expect(plan.remove).toEqual([]);
    expect(plan.remedy).toMatch(/pulumi up --refresh --yes/);
  });

  it("the export is older by a rotation that left no new window: a key the state holds is missing", () => {
    const { deployment, app } = current([graphKey(guid(1058), 58)]);
    const gone = { ...app, passwords: app.passwords.filter((p) => p.keyId !== guid(59)) };
    expect(planRemoval(deployment, gone, "prod").refusals.join("\n")).toMatch(/is not on the Web App/);
  });

  it("a copied stack: the URNs name another stack than the one asked for", () => {
    const { deployment, app } = current([graphKey(guid(1058), 58)]);
    expect(planRemoval(deployment, app, "my-org/optima-csp/prod").refusals).toEqual([]);
    const plan = planRemoval(deployment, app, "my-org/optima-csp/prod-copy");
    expect(plan.refusals.join("\n")).toMatch(/the state is stack prod's .* not prod-copy's/);
    expect(plan.remove).toEqual([]);
  });

  it("another deployment ID than Graph shows for the state's keys, or another Web App", () => {
    const { deployment, app } = current([graphKey(guid(1058), 58)]);
    const renamed = {
      ...app,
      passwords: app.passwords.map((p) =>
        p.keyId === guid(60) ? { ...p, displayName: nameOf(60, "0badc0de") } : p,
      ),
    };
    expect(planRemoval(deployment, renamed, "prod").refusals.join("\n")).toMatch(/not this deployment's/);
    const otherApp = { ...app, appId: "99999999-bbbb-4ccc-8ddd-eeeeeeeeeeee" };
    expect(planRemoval(deployment, otherApp, "prod").refusals.join("\n")).toMatch(/client ID/);
  });

  it("a run is unfinished: pending operations on keys", () => {
    const { deployment, app } = current([graphKey(guid(1058), 58)], { pendingCreate: "a" });
    const plan = planRemoval(deployment, app, "prod");
    expect(plan.refusals.join("\n")).toMatch(/pending operation\(s\) on keys \(creating optima-csp-key-a\)/);
    expect(plan.kept.map((k) => k.keyId)).toContain(guid(1058)); // listed, not removed
  });
});

describe("CSP customers: every customer's bill connect is a registration whose key is never removed (breakit)", () => {
  /** The state of `current()` with customer bill connects (registrations with customerTenantId) added. */
  function withCustomers(connects: { keyId: unknown; delete?: boolean }[], extraGraph: GraphPassword[]) {
    const { state, app } = current(extraGraph);
    const resources = (state.deployment as { resources: Record<string, unknown>[] }).resources;
    const registration = resources.find((r) => String(r.urn).endsWith("::optima-csp-registration"))!;
    connects.forEach((c, i) =>
      resources.push({
        ...registration,
        urn: String(registration.urn).replace("optima-csp-registration", `optima-csp-customer-${i}`),
        ...(c.delete ? { delete: true } : {}),
        outputs: {
          applicationId: CLIENT_ID,
          customerTenantId: `c0000000-0000-4000-8000-00000000000${i}`,
          ...(c.keyId === undefined ? {} : { keyId: c.keyId }),
        },
      }),
    );
    return planRemoval(readDeployments(state)[0], app, "prod");
  }
  const SECRET = {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    ciphertext: "v1:x",
  };

  it.each<[string, { keyId: unknown; delete?: boolean }[], GraphPassword[], string[], RegExp | undefined]>([
    // A customer whose hand-off failed still holds window 57's key; the password left the state.
    [
      "a failed customer update holding an old key",
      [{ keyId: guid(57) }],
      [graphKey(guid(57), 57)],
      [],
      undefined,
    ],
    ["that key in upper case", [{ keyId: guid(57).toUpperCase() }], [graphKey(guid(57), 57)], [], undefined],
    // A customer removed from the program, its bill connect awaiting delete (or retained).
    [
      "a removed customer's connect (delete: true)",
      [{ keyId: guid(56), delete: true }],
      [graphKey(guid(56), 56)],
      [],
      undefined,
    ],
    [
      "next to a superseded key",
      [{ keyId: guid(57) }],
      [graphKey(guid(57), 57), graphKey(guid(1056), 56)],
      [guid(1056)],
      undefined,
    ],
    [
      "a connect whose keyId is encrypted",
      [{ keyId: SECRET }],
      [graphKey(guid(1056), 56)],
      [],
      /does not show which key Optima holds/,
    ],
    [
      "a connect without keyId",
      [{ keyId: undefined }],
      [graphKey(guid(1056), 56)],
      [],
      /does not show which key Optima holds/,
    ],
    [
      "a connect naming a key gone from the Web App",
      [{ keyId: guid(40) }],
      [graphKey(guid(1056), 56)],
      [],
      /names key .* not on the Web App/,
    ],
  ])("%s", (_name, connects, extraGraph, removed, refusal) => {
    const plan = withCustomers(connects, extraGraph);
    expect(plan.remove.map((k) => k.keyId)).toEqual(removed);
    if (refusal === undefined) {
      expect(plan.refusals).toEqual([]);
    } else {
      expect(plan.refusals.join("\n")).toMatch(refusal);
    }
  });
});

describe("readDeployments", () => {
  it("rejects what is not a stack export, and ignores a connection without keys", () => {
    expect(() => readDeployments("<html>")).toThrow(/not JSON/);
    expect(() => readDeployments("{}")).toThrow(/no `deployment`/);
    expect(() => readDeployments({ deployment: { resources: {} } })).toThrow(/not the shape/);
    const bare = stateExport({ passwords: [] });
    expect(readDeployments(bare)).toEqual([]);
  });
});
