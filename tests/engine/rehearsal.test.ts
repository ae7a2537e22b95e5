/**
 * Engine scenario: `npm run rehearsal` itself (tools/rehearsal.ts `runRehearsal`), the stack
 * program under the real Pulumi engine. It replaces the smoke test of the hand-wired rehearsal,
 * which is gone, and asserts the same things of the real run: what a user is told (that Entra ID
 * is simulated, first and last), every step in order, nothing changed in the quiet run, exactly
 * the older slot replaced at a boundary with a visible wait for the new key, Optima receiving the
 * new key's fingerprint in one PATCH, both slots new after a missed window with Optima's old key
 * deleted only after the hand-off, and no secret anywhere in the output.
 */
import { fingerprint } from "../support/host-env";
import { DEFAULT_REFRESH_TOKEN } from "../../tools/emulator";
import { engineSuite } from "../support/engine/scenario";
import {
  runRehearsal,
  type KeyReport,
  type RehearsalResult,
  type Slot,
  type StepName,
  type StepReport,
} from "../../tools/rehearsal";

const { cli, describeEngine } = engineSuite();

describeEngine("npm run rehearsal, under the real engine", () => {
  let result: RehearsalResult;
  const printed: string[] = [];

  beforeAll(async () => {
    result = await runRehearsal(cli!, { output: (line) => printed.push(line) });
  });

  function step(name: StepName): StepReport {
    const found = result.steps.find((s) => s.name === name);
    if (found === undefined) {
      throw new Error(`no step ${name}`);
    }
    return found;
  }

  function key(report: StepReport, slot: Slot): KeyReport {
    return report.keys.find((k) => k.slot === slot)!;
  }

  const other = (slot: Slot): Slot => (slot === "a" ? "b" : "a");
  const writesOf = (report: StepReport) => report.optimaReceived.filter((r) => r.method !== "GET");

  /** The output lines of one step: from its header to the next header (or the end). */
  function linesOf(index: number): string[] {
    const start = printed.findIndex((l) => l.startsWith(`== Step ${index}/5:`));
    const next = printed.findIndex((l, i) => i > start && l.startsWith("== Step "));
    return printed.slice(start, next < 0 ? undefined : next);
  }

  it("says plainly, at the start and at the end, that Entra ID is simulated and what is real", () => {
    const head = printed.slice(0, 12).join("\n");
    expect(head).toMatch(/Engine: the REAL Pulumi engine, Pulumi CLI v?\d+\.\d+\.\d+/);
    expect(head).toMatch(/SIMULATED here: Entra ID/);
    expect(head).toMatch(/azuread and random plugins are test doubles/);
    expect(head).toMatch(
      /REAL: the engine, the stack program .* the key verification and the Optima registration provider/s,
    );
    const tail = printed.slice(-4).join("\n");
    expect(tail).toMatch(/^Rehearsal passed under the real engine: 5 runs/m);
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
    expect(printed.filter((l) => l.startsWith("== Step "))).toEqual([
      "== Step 1/5: first deployment · 2025-03-10T09:00:00Z ==",
      "== Step 2/5: quiet run in the same window (the next morning's scheduled run) · 2025-03-11T06:00:00Z ==",
      "== Step 3/5: first run after a rotation boundary · 2025-04-25T06:00:00Z ==",
      expect.stringMatching(/^== Step 4\/5: late run, 4 days after the next boundary/),
      expect.stringMatching(/^== Step 5\/5: a run that missed a whole window/),
    ]);
    const windows = result.steps.map((s) => s.held.window);
    expect(windows[1]).toBe(windows[0]);
    expect(windows[2]).toBe(windows[0]! + 1);
    expect(windows[3]).toBe(windows[0]! + 2);
    expect(windows[4]).toBe(windows[0]! + 4);
  });

  it("first deployment: creates both slots, verifies the active key, adopts the partnership made by hand", () => {
    const first = step("first-deployment");
    expect(first.changedSlots).toEqual(["a", "b"]);
    expect(first.engineSteps).toEqual(
      expect.arrayContaining([
        `create optima-csp-key-w${first.held.window - 1}`,
        `create optima-csp-key-w${first.held.window}`,
        "create optima-csp-key-verification",
        "create optima-csp-registration",
      ]),
    );
    expect(first.tokenAnswers.at(-1)).toBe(200);
    expect(first.registrationId).toBe(result.handMadeRegistrationId);
    // Reads: the program's one-deployment check (at preview and at the update, each a list and an
    // item read, components/azure/ownershipCheck.ts), the provider's own look (list, item read),
    // and, after the PATCH (204, no body), the read back of Optima's timestamp (writtenAt). One write.
    const methods = first.optimaReceived.map((r) => r.method);
    expect(methods).toEqual(["GET", "GET", "GET", "GET", "GET", "GET", "PATCH", "GET"]);
    const patch = first.optimaReceived.find((r) => r.method === "PATCH")!;
    expect(patch.fields).toContain(`application_secret=${first.held.fingerprint}`);
    expect(first.held.fingerprint).toBe(key(first, first.held.slot).fingerprint);
    // Entra ID accepted the first keys at once: no word of a key still propagating.
    expect(first.tokenAnswers).toEqual([200]);
    expect(linesOf(1)).toContain("  key verification: Entra ID's token endpoint answered 200");
    expect(linesOf(1).join("\n")).not.toContain("AADSTS7000215");
  });

  it("quiet run: nothing changes and nothing is written to Optima", () => {
    const first = step("first-deployment");
    const quiet = step("quiet-run");
    expect(quiet.engineSteps).toEqual([]);
    expect(quiet.changedSlots).toEqual([]);
    expect(quiet.keys).toEqual(first.keys);
    expect(quiet.tokenAnswers).toEqual([]);
    expect(quiet.optimaReceived.every((r) => r.method === "GET")).toBe(true);
    expect(quiet.held).toEqual(first.held);
    expect(linesOf(2)).toContainEqual(expect.stringMatching(/✓ nothing changed/));
  });

  it("first run after a boundary: exactly the older slot is replaced, verified with a visible wait, then pushed to Optima", () => {
    const quiet = step("quiet-run");
    const rotation = step("rotation");
    const older = other(quiet.held.slot);
    expect(rotation.held.slot).toBe(older);
    expect(rotation.changedSlots).toEqual([older]);
    expect(key(rotation, older).fingerprint).not.toBe(key(quiet, older).fingerprint);
    expect(key(rotation, quiet.held.slot)).toEqual(key(quiet, quiet.held.slot));

    // The new key was refused while "propagating", then accepted: the verification waited and retried.
    expect(rotation.engineSteps).toContain("create-replacement optima-csp-key-verification");
    expect(rotation.tokenAnswers.length).toBeGreaterThanOrEqual(2);
    expect(rotation.tokenAnswers.slice(0, -1).every((s) => s === 401)).toBe(true);
    expect(rotation.tokenAnswers.at(-1)).toBe(200);
    expect(linesOf(3)).toContainEqual(expect.stringMatching(/answered 401, .*\(401 = AADSTS7000215: /));

    const writes = writesOf(rotation);
    expect(writes).toHaveLength(1);
    expect(writes[0]!.method).toBe("PATCH");
    expect(writes[0]!.status >= 200 && writes[0]!.status < 300).toBe(true);
    expect(writes[0]!.fields).toContain(`application_secret=${rotation.held.fingerprint}`);
    expect(rotation.engineSteps).toContain("update optima-csp-registration");
    expect(rotation.registrationId).toBe(quiet.registrationId);
    // Deleted at the end of the run, after the hand-off: the old verification and the old key.
    const update = rotation.engineSteps.indexOf("update optima-csp-registration");
    for (const deleted of [
      "delete-replaced optima-csp-key-verification",
      `delete optima-csp-key-w${rotation.held.window - 2}`,
    ]) {
      expect(rotation.engineSteps.indexOf(deleted)).toBeGreaterThan(update);
    }
    expect(linesOf(3)).toContainEqual(
      expect.stringMatching(new RegExp(`✓ exactly the older slot \\(${older}\\) was replaced`)),
    );
  });

  it("late run: days after the next boundary, again exactly the older slot", () => {
    const rotation = step("rotation");
    const late = step("late-run");
    expect(late.held.slot).toBe(other(rotation.held.slot));
    expect(late.changedSlots).toEqual([late.held.slot]);
    expect(key(late, rotation.held.slot)).toEqual(key(rotation, rotation.held.slot));
    expect(late.held.fingerprint).toBe(key(late, late.held.slot).fingerprint);
  });

  it("a run that missed a whole window: both slots new; the key Optima held is deleted only after Optima has the new one", () => {
    const late = step("late-run");
    const missed = step("missed-window");
    expect(missed.changedSlots).toEqual(["a", "b"]);
    expect(missed.held.fingerprint).toBe(key(missed, missed.held.slot).fingerprint);
    expect(missed.keys.map((k) => k.fingerprint)).not.toContain(late.held.fingerprint);
    const update = missed.engineSteps.indexOf("update optima-csp-registration");
    expect(update).toBeGreaterThanOrEqual(0);
    expect(missed.engineSteps.indexOf(`delete optima-csp-key-w${late.held.window}`)).toBeGreaterThan(update);
  });

  it("never prints a secret: only fingerprints of the keys", () => {
    const keys = result.secretsSeen.filter((s) => s !== DEFAULT_REFRESH_TOKEN);
    // 1 key made by hand + 2 (first deployment) + 1 + 1 + 2 (rotations).
    expect(keys).toHaveLength(7);
    const all = printed.join("\n");
    for (const secret of keys) {
      expect(secret.length).toBeGreaterThanOrEqual(32);
      expect(all).not.toContain(secret);
      // Nor a piece of one long enough to mean anything.
      expect(all).not.toContain(secret.slice(0, 12));
      expect(all).not.toContain(secret.slice(-12));
    }
    // Control: the scan looks at the right values, whose fingerprints are printed.
    const active = step("missed-window").held.fingerprint;
    expect(keys.map(fingerprint)).toContain(active);
    expect(all).toContain(active);
  });
});
