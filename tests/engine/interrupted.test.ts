/**
 * Engine scenarios: a scheduled run killed part-way, under the real Pulumi engine, and the next
 * scheduled run. Keys live 3 days and rotate daily (anchor 2026-01-01).
 *
 * Each kill is SIGKILL to the CLI and every plugin (EngineWorkspace.start), as a CI runner's job
 * timeout, a cancelled workflow or a lost agent leaves it: nothing cleans up. The point is held by
 * an injected delay on the request in flight, and the kill comes once the emulator has received
 * it. A delayed request still takes effect after its delay (tools/emulator/server.ts: the fault's
 * delay, then the normal route, whether or not the client is still there), which is the worst
 * case: the remote side did what the dead run asked.
 *
 * What a killed run leaves (seen here, Pulumi v3.274.1):
 * - the stack's lock (diy backend; Pulumi Cloud: an update still "in progress"): the next
 *   `pulumi up` fails with "the stack is currently locked … `pulumi cancel`";
 * - a pending operation in the state for the step in flight; a pending CREATE survives
 *   `pulumi up --refresh --yes` and only `pulumi refresh --clear-pending-creates` (or interactive
 *   refresh) drops it (pulumi/pulumi pkg/cmd/pulumi/operations/refresh.go, v3.259);
 * - when the kill hit Graph's addPassword: a key Entra ID made that no state holds.
 *
 * The CI examples' sequence ({@link CI_SEQUENCE}: cancel, refresh --clear-pending-creates, up,
 * untracked-keys --remove) recovers from each, unattended. A key a killed run left untracked is
 * removed once it is superseded: it is of the current window at first, so the run that follows the
 * kill keeps it, and a run two windows later removes it.
 *
 * Kills in Entra ID's part of a rotation are here; kills in Optima's part (the registration's
 * update, create, and the deletes after it): interrupted-handoff.test.ts, a file of its own so that
 * the engine tier's workers share the work (what both share: tests/support/engine/interrupted.ts).
 *
 * The deployment a test starts from and the run that is killed skip their preview (`SKIP_PREVIEW`:
 * the kill comes in the update; lifecycle.test.ts previews the same first deployment); every
 * command of the CI sequence runs exactly as the examples run it, the preview included.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/engine/workspace";
import { TENANT } from "../support/engine/world";
import { Scenario, engineSuite, closeScenarioAfterEach } from "../support/engine/scenario";
import {
  ADD_PASSWORD,
  CI_SEQUENCE,
  TOKEN,
  ciRun,
  deployThenDue,
  expectRecovered,
  heldWindow,
  killAt,
  pendingOperations,
  untracked,
  windows,
} from "../support/engine/interrupted";

const { cli, describeEngine } = engineSuite();

describeEngine(
  "a scheduled run killed in Entra ID's part of a rotation, then the next scheduled run (real engine)",
  () => {
    let s: Scenario;
    closeScenarioAfterEach(() => s);

    test("killed while Entra ID creates the new key: the key exists untracked; the lock makes a bare `pulumi up` fail saying `pulumi cancel`; the CI sequence recovers, keeps the untracked key while its window is current or previous, and removes it after", async () => {
      s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" });
      const { held } = await deployThenDue(s);
      await killAt(s, ADD_PASSWORD);

      // What the kill left: Optima's key untouched; a window 60 key no state holds; a pending create.
      expect(s.world.heldKey()?.keyId).toBe(held);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(windows(s)).toEqual([58, 59, 60]);
      const orphans = await untracked(s);
      expect(orphans).toHaveLength(1);
      expect(await pendingOperations(s)).toEqual(["creating optima-csp-key-w60"]);

      // The bare command the examples used to run fails, and says what to do.
      const bare = await s.scheduledRun();
      expect(bare.code).not.toBe(0);
      expect(bare.output).toMatch(/the stack is currently locked .*`pulumi cancel`/);
      expect(s.world.heldKey()?.keyId).toBe(held);

      // The next CI run recovers. The orphan is of window 60, the state's current window: kept (a
      // run under way could be handing such a key to Optima).
      const r = await ciRun(s);
      s.expectOk(r.refresh);
      s.expectOk(r.up);
      expect(r.keys.code).toBe(0);
      expect(r.keys.output).toMatch(
        new RegExp(`^kept ${orphans[0]} .*current window.*removable from window 62 on`, "m"),
      );
      expect(heldWindow(s)).toBe(60);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(windows(s)).toEqual([59, 60, 60]);
      expect(await pendingOperations(s)).toEqual([]);

      // Two windows later (the daily runs of window 61 missed): the rotation, then the orphan goes.
      s.advance(2);
      const later = await ciRun(s);
      expect(later.keys.output).toContain(`removed ${orphans[0]}`);
      s.expectOk(later.up);
      expect(later.keys.code).toBe(0);
      expect(heldWindow(s)).toBe(62);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(windows(s)).toEqual([61, 62]);
      expect(await untracked(s)).toEqual([]);
    });

    test("killed while the key verification waits for Entra ID: nothing untracked; Optima keeps its key; the CI sequence verifies and hands over", async () => {
      s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" });
      const { held } = await deployThenDue(s);
      const tenant = s.world.emulator.entra.directory.tenant(TENANT);
      tenant.propagationDelayMs = 86_400_000; // the new key is refused until the clock moves a day
      await killAt(s, TOKEN, { hold: false });
      // Let the verification's first refusal be seen, then it is in its wait.
      expect(s.world.heldKey()?.keyId).toBe(held);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(windows(s)).toEqual([58, 59, 60]);
      expect(await untracked(s)).toEqual([]); // the key's create had finished: the state holds it
      expect(await pendingOperations(s)).toEqual(["creating optima-csp-key-verification"]);

      tenant.propagationDelayMs = 0;
      s.world.emulator.entra.directory.settle(TENANT);
      await expectRecovered(s, await ciRun(s));
    });
  },
);

test("the CI examples run the sequence these scenarios recover with, in this order", () => {
  for (const file of [
    "examples/ci/github-actions/rotate-optima-key.yml",
    "examples/ci/azure-devops/azure-pipelines.yml",
  ]) {
    const text = readFileSync(path.join(REPO_ROOT, file), "utf8");
    const at = CI_SEQUENCE.map((c) => text.indexOf(c.replace(/--stack S\b/, '--stack "$PULUMI_STACK"')));
    expect({ file, at: at.map((i) => i >= 0) }).toEqual({ file, at: CI_SEQUENCE.map(() => true) });
    expect([...at].sort((a, b) => a - b)).toEqual(at);
  }
});
