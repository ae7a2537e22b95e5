/**
 * Engine scenarios: a scheduled run killed in Optima's part of a rotation (the registration's update
 * or create in flight, or the deletes after the hand-off), under the real Pulumi engine, and the
 * CI sequence that recovers. What a kill leaves, how the kill point is held, and why the CI
 * examples' sequence recovers: tests/engine/interrupted.test.ts (kills in Entra ID's part); what
 * both files share: tests/support/engine/interrupted.ts. Keys live 3 days and rotate daily
 * (anchor 2026-01-01).
 *
 * The deployment a test starts from and the run that is killed skip their preview (`SKIP_PREVIEW`);
 * every command of the CI sequence runs exactly as the examples run it, the preview included.
 */
import { ORG } from "../support/engine/world";
import { Scenario, engineSuite, closeScenarioAfterEach } from "../support/engine/scenario";
import {
  PATCH_PARTNER,
  POST_PARTNER,
  REMOVE_PASSWORD,
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
  "a scheduled run killed in Optima's part of a rotation, then the next scheduled run (real engine)",
  () => {
    let s: Scenario;
    closeScenarioAfterEach(() => s);

    test("killed while Optima's registration update is in flight (and Optima applies it): Optima holds the new key, which works; the CI sequence settles the state", async () => {
      s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" });
      const { held } = await deployThenDue(s);
      await killAt(s, PATCH_PARTNER);
      // Optima applied the PATCH the dead run sent: it holds window 60's key, which exists and works.
      expect(s.world.heldKey()?.keyId).not.toBe(held);
      expect(heldWindow(s)).toBe(60);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(await untracked(s)).toEqual([]);
      expect(await pendingOperations(s)).toEqual(["updating optima-csp-registration"]);

      await expectRecovered(s, await ciRun(s));
    });

    test("killed between the registration update and the deletes (removePassword in flight): the old key goes, Optima's stays; the CI sequence finishes the cleanup", async () => {
      s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" });
      await deployThenDue(s);
      await killAt(s, REMOVE_PASSWORD);
      expect(heldWindow(s)).toBe(60);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(windows(s)).toEqual([59, 60]); // the held removePassword took effect: window 58 is gone
      expect(await untracked(s)).toEqual([]);
      // The engine ran the deletes in parallel: the key's (held) and the old verification's.
      expect(await pendingOperations(s)).toContain("deleting optima-csp-key-w58");
      expect((await pendingOperations(s)).every((op) => op.startsWith("deleting "))).toBe(true);

      await expectRecovered(s, await ciRun(s));
    });

    test("killed while Optima's registration create (POST) is in flight, which Optima completes: the next run adopts it, no duplicate", async () => {
      s = await Scenario.start(cli!, { at: "2026-03-02T03:00:00Z" }); // window 60, first deployment
      await killAt(s, POST_PARTNER);
      expect(s.world.emulator.cspPartners(ORG)).toHaveLength(1); // Optima made it; the state does not know
      expect(await pendingOperations(s)).toEqual(["creating optima-csp-registration"]);

      const r = await ciRun(s);
      s.expectOk(r.refresh);
      s.expectOk(r.up);
      expect(r.up.steps).toContain("create optima-csp-registration");
      expect(s.world.emulator.cspPartners(ORG)).toHaveLength(1); // adopted, not duplicated
      expect(s.world.heldSecret()).toBeDefined(); // throws on two registrations
      expect(heldWindow(s)).toBe(60);
      expect(s.world.heldKeyWorks()).toBe(true);
      expect(windows(s)).toEqual([59, 60]);
      expect(await untracked(s)).toEqual([]);
      expect(await pendingOperations(s)).toEqual([]);
      expect(r.keys.code).toBe(0);
    });
  },
);
