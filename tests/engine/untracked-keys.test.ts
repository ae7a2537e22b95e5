/**
 * `optima-csp untracked-keys` on the real engine's state (Pulumi v3.274.1, the test-double
 * plugins, the emulator's Graph): after a real rotation, an export taken before it is refused and
 * removes nothing, and a key a person made with a name like ours is left alone, while the key
 * Optima holds stays accepted by Entra ID. Keys live 3 days and rotate daily (anchor 2026-01-01).
 * The command runs as the CI examples run it, with the engine workspace's environment (Graph URL
 * and test token on 127.0.0.1).
 */
import { writeFileSync } from "node:fs";
import * as path from "node:path";
import { OBJECT_ID, TENANT } from "../support/engine/world";
import { Scenario, SKIP_PREVIEW, engineSuite, closeScenarioAfterEach } from "../support/engine/scenario";

const { cli, describeEngine } = engineSuite();

describeEngine("optima-csp untracked-keys on a real engine's state", () => {
  let s: Scenario;
  closeScenarioAfterEach(() => s);

  test("an export taken before a real rotation is refused (exit 2) and a person's look-alike key is kept; Optima's key stays and works", async () => {
    s = await Scenario.start(cli!, { at: "2026-03-01T03:00:00Z" });
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW)); // window 59: keys of windows 58 and 59
    const stale = path.join(s.ws.root, "export-before-rotation.json");
    writeFileSync(stale, await s.ws.exportState());
    const deploymentId = /^optima-csp ([0-9a-f]{8}) /.exec(s.world.keys()[0].displayName ?? "")![1];

    // A person adds break-glass keys named like ours (Certificates & secrets → New client secret).
    const directory = s.world.emulator.entra.directory;
    const lookAlikes = [
      `optima-csp ${deploymentId} slot a window 60 (manual break-glass copy)`,
      `optima-csp ${deploymentId} slot a window 0`,
    ].map(
      (displayName) =>
        directory.addPassword(TENANT, OBJECT_ID, { displayName, endDateTime: "2026-06-01T00:00:00Z" })!.keyId,
    );

    s.advance(1);
    s.expectOk(await s.scheduledRun(SKIP_PREVIEW)); // the rotation: window 60's key made and handed to Optima, 58's removed
    const held = s.world.heldKey()!;
    expect(held.displayName).toMatch(/ window 60 /);
    const before = s.world
      .keys()
      .map((k) => k.keyId)
      .sort();

    const refused = await s.untrackedKeys(["--state-file", stale, "--remove"]);
    expect(refused.code).toBe(2);
    expect(refused.output).toContain(
      `key ${held.keyId} (window 60) is newer than every window in the state (newest 59)`,
    );
    expect(refused.output).toMatch(/the state's key [0-9a-f-]{36} is not on the Web App/);
    expect(refused.output).not.toMatch(/^(would remove|removed) /m);

    const current = await s.untrackedKeys(["--stack", s.ws.stack, "--remove"]);
    expect(current.code).toBe(0);
    for (const keyId of lookAlikes) {
      expect(current.output).toMatch(new RegExp(`^kept ${keyId} ".*": a person's key`, "m"));
    }
    expect(current.output).toContain("Nothing to remove.");

    expect(
      s.world
        .keys()
        .map((k) => k.keyId)
        .sort(),
    ).toEqual(before); // nothing removed by either run
    expect(s.world.heldKey()?.keyId).toBe(held.keyId);
    expect(s.world.heldKeyWorks()).toBe(true);
  });
});
