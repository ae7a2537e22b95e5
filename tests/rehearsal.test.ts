/**
 * The offline rehearsal (`tools/rehearsal.ts`), run in-process: its host processes, the emulator
 * and the rotation planning are the real ones. Asserts what a user is told: that Entra ID is
 * simulated (first and last lines), every step in order, nothing changed in the quiet run,
 * exactly the older slot replaced at a boundary with a visible wait for the new key, Optima
 * receiving the new key's fingerprint in one PATCH, both slots new after a missed window, and
 * that no secret the rehearsal made appears anywhere in its output.
 */
import { fingerprint } from "../tools/support-engine";
import { runRehearsal, type RehearsalResult, type StepName, type StepReport } from "../tools/rehearsal";

let result: RehearsalResult;
const printed: string[] = [];

beforeAll(async () => {
  result = await runRehearsal({
    output: (line) => printed.push(line),
    // The rotation step keeps its visible wait for the new key: refused at once, accepted after the
    // verification's first or second backoff (1 s ± 25 %, 2 s ± 25 %), so never before 1 s has
    // passed; the other steps need not wait here.
    longPropagationMs: 1000,
    shortPropagationMs: 0,
  });
}, 60_000);

function step(name: StepName): StepReport {
  const found = result.steps.find((s) => s.name === name);
  if (found === undefined) {
    throw new Error(`no step ${name}`);
  }
  return found;
}

function slot(report: StepReport, name: "a" | "b"): StepReport["slots"][number] {
  return report.slots.find((s) => s.slot === name)!;
}

/** The output lines of one step: from its header to the next header (or the end). */
function linesOf(index: number): string[] {
  const start = printed.findIndex((l) => l.startsWith(`== Step ${index}/5:`));
  const next = printed.findIndex((l, i) => i > start && l.startsWith("== Step "));
  return printed.slice(start, next < 0 ? undefined : next);
}

it("says plainly, at the start and at the end, that Entra ID is simulated and what is real", () => {
  const head = printed.slice(0, 12).join("\n");
  expect(head).toMatch(/SIMULATED here: Entra ID/);
  expect(head).toMatch(/standing in for azuread\.ApplicationPassword/);
  expect(head).toMatch(/REAL code: the Optima registration provider and the key verification provider/);
  expect(head).toMatch(/real dynamic-provider host process \(pids \d+, \d+\)/);
  const tail = printed.slice(-4).join("\n");
  expect(tail).toMatch(/^Rehearsal passed: 5 runs/m);
  expect(tail).toMatch(/Entra ID was SIMULATED/);
  expect(result.lines).toEqual(printed);
});

it("walks every step in order, each with its date and window", () => {
  expect(result.steps.map((s) => s.name)).toEqual([
    "first-deployment",
    "quiet-run",
    "rotation",
    "late-run",
    "missed-window",
  ]);
  const headers = printed.filter((l) => l.startsWith("== Step "));
  expect(headers).toEqual([
    "== Step 1/5: first deployment · 2025-03-10T09:00:00Z ==",
    "== Step 2/5: quiet run in the same window (the next morning's scheduled run) · 2025-03-11T06:00:00Z ==",
    expect.stringMatching(
      /^== Step 3\/5: first run after a rotation boundary · \d{4}-\d\d-\d\dT06:00:00Z ==$/,
    ),
    expect.stringMatching(/^== Step 4\/5: late run, 4 days after the next boundary/),
    expect.stringMatching(/^== Step 5\/5: a run that missed a whole window/),
  ]);
  const windows = result.steps.map((s) => s.window);
  expect(windows[1]).toBe(windows[0]);
  expect(windows[2]).toBe(windows[0]! + 1);
  expect(windows[3]).toBe(windows[0]! + 2);
  expect(windows[4]).toBe(windows[0]! + 4);
});

it("first deployment: creates both slots, verifies the active key, adopts the partnership made by hand", () => {
  const first = step("first-deployment");
  expect(first.slots.map((s) => s.change)).toEqual(["created", "created"]);
  expect(first.verification.kind).toBe("create");
  expect(first.registration).toMatchObject({ kind: "create", adopted: true, calls: ["Check", "Create"] });
  const active = slot(first, first.activeSlot);
  expect(first.optimaReceived.map((r) => r.method)).toEqual(["GET", "GET", "PATCH"]);
  expect(first.optimaReceived[2]!.fields).toContain(`application_secret=${active.fingerprint}`);
  expect(first.optimaHoldsFingerprint).toBe(active.fingerprint);
});

it("quiet run: nothing changes and nothing is written to Optima", () => {
  const first = step("first-deployment");
  const quiet = step("quiet-run");
  expect(quiet.slots.map((s) => s.change)).toEqual(["kept", "kept"]);
  expect(quiet.slots.map((s) => s.keyId)).toEqual(first.slots.map((s) => s.keyId));
  expect(quiet.verification).toMatchObject({ kind: "same", attempts: 0, tokenStatuses: [] });
  expect(quiet.registration).toMatchObject({ kind: "same", calls: ["Check", "Diff"] });
  expect(quiet.optimaReceived.every((r) => r.method === "GET")).toBe(true);
  expect(quiet.optimaHoldsFingerprint).toBe(first.optimaHoldsFingerprint);
  expect(quiet.deleted).toEqual([]);
  expect(linesOf(2)).toContainEqual(expect.stringMatching(/✓ nothing changed/));
});

it("first run after a boundary: exactly the older slot is replaced, verified with a visible wait, then pushed to Optima", () => {
  const quiet = step("quiet-run");
  const rotation = step("rotation");
  const older = quiet.activeSlot === "a" ? "b" : "a";
  expect(rotation.activeSlot).toBe(older);
  expect(slot(rotation, older)).toMatchObject({
    change: "replaced",
    replacedKeyId: slot(quiet, older).keyId,
  });
  expect(slot(rotation, quiet.activeSlot)).toMatchObject({
    change: "kept",
    keyId: slot(quiet, quiet.activeSlot).keyId,
  });

  // The new key was refused while "propagating", then accepted: the verification waited and retried.
  expect(rotation.verification.kind).toBe("replace");
  expect(rotation.verification.keyId).toBe(slot(rotation, older).keyId);
  expect(rotation.verification.attempts).toBeGreaterThanOrEqual(2);
  expect(rotation.verification.tokenStatuses).toHaveLength(rotation.verification.attempts);
  expect(rotation.verification.tokenStatuses.slice(0, -1).every((s) => s === 401)).toBe(true);
  expect(rotation.verification.tokenStatuses.at(-1)).toBe(200);
  expect(rotation.verification.elapsedMs).toBeGreaterThanOrEqual(1000);

  const newKey = slot(rotation, older).fingerprint;
  const writes = rotation.optimaReceived.filter((r) => r.method !== "GET");
  expect(writes).toHaveLength(1);
  expect(writes[0]!.method).toBe("PATCH");
  expect(writes[0]!.status >= 200 && writes[0]!.status < 300).toBe(true);
  expect(writes[0]!.fields).toContain(`application_secret=${newKey}`);
  expect(rotation.registration).toMatchObject({ kind: "update", calls: ["Check", "Diff", "Update"] });
  expect(rotation.optimaHoldsFingerprint).toBe(newKey);
  expect(rotation.deleted).toEqual([
    expect.stringMatching(/^the verification of key/),
    expect.stringMatching(new RegExp(`^slot ${older}'s old key`)),
  ]);
  expect(linesOf(3)).toContainEqual(
    expect.stringMatching(new RegExp(`✓ exactly the older slot \\(${older}\\) was replaced`)),
  );
});

it("late run: days after the next boundary, again exactly the older slot", () => {
  const rotation = step("rotation");
  const late = step("late-run");
  expect(late.activeSlot).toBe(rotation.activeSlot === "a" ? "b" : "a");
  expect(slot(late, late.activeSlot).change).toBe("replaced");
  expect(slot(late, rotation.activeSlot)).toMatchObject({
    change: "kept",
    keyId: slot(rotation, rotation.activeSlot).keyId,
  });
  expect(late.optimaHoldsFingerprint).toBe(slot(late, late.activeSlot).fingerprint);
});

it("a run that missed a whole window: both slots new; the key Optima held is deleted only after Optima has the new one", () => {
  const missed = step("missed-window");
  expect(missed.slots.map((s) => s.change)).toEqual(["replaced", "replaced"]);
  expect(missed.optimaHoldsFingerprint).toBe(slot(missed, missed.activeSlot).fingerprint);
  expect(missed.deleted.filter((d) => d.includes("the key Optima held until this run"))).toHaveLength(1);
  const lines = linesOf(5);
  const patch = lines.findIndex((l) => l.includes("PATCH "));
  const deletedLine = lines.findIndex((l) => l.startsWith("  deleted at the end of the run:"));
  expect(patch).toBeGreaterThan(0);
  expect(deletedLine).toBeGreaterThan(patch);
});

it("never prints a secret: only fingerprints of the keys it made", () => {
  // 1 key made by hand + 2 (first deployment) + 1 + 1 + 2 (rotations).
  expect(result.secretsMade).toHaveLength(7);
  const all = printed.join("\n");
  for (const secret of result.secretsMade) {
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(all).not.toContain(secret);
    // Nor a piece of one long enough to mean anything.
    expect(all).not.toContain(secret.slice(0, 12));
    expect(all).not.toContain(secret.slice(-12));
  }
  // Control: the scan looks at the right values, whose fingerprints are printed.
  const active = slot(step("missed-window"), step("missed-window").activeSlot).fingerprint;
  expect(result.secretsMade.map(fingerprint)).toContain(active);
  expect(all).toContain(active);
});
