/**
 * Engine scenarios: two stacks (each with its own backend and state) on one Web App and one
 * Optima org, under the real Pulumi engine: one deployment per registration.
 *
 * - A second stack's preview is refused before anything is written, naming the first stack's
 *   deployment ID, the Web App and the org (components/azure/ownership.ts).
 * - With `optimaTakeOverFrom` it takes the registration over: Optima holds its key.
 * - The stack taken from can no longer use or delete the registration: its runs are refused, and
 *   its `pulumi destroy` (which runs no program: the registration provider's delete runs with the
 *   state's outputs) leaves the registration, because Optima shows a write after that stack's
 *   last own write (`writtenAt`, components/optima/runtime.ts `remove`).
 * - Both destroy orders are run: taken-from first (the registration stays with the taker, then
 *   the taker's destroy removes it), and taker first (the taker deletes the registration it owns;
 *   Optima has none until the stack taken from runs again, which registers anew).
 *
 * The first stack's first deployment, the destroys and the runs after the takeover skip their
 * preview (`SKIP_PREVIEW`; lifecycle.test.ts previews a first deployment and a destroy, drift.test.ts
 * a run that registers again), and so does the second test's takeover, the same run as the first
 * test's; the second stack's preview, the first test's takeover and the refused run keep it.
 */
import { parseKeyName } from "../../components/azure/rotation";
import { CLIENT_ID, ORG } from "../support/engine/world";
import { Scenario, SKIP_PREVIEW, engineSuite } from "../support/engine/scenario";

const { cli, describeEngine } = engineSuite();

describeEngine("two stacks on one Web App and org, under the real engine", () => {
  let first: Scenario | undefined;
  let second: Scenario | undefined;
  afterEach(async () => {
    await second?.close();
    await first?.close();
    first = second = undefined;
  });

  /** The deployment IDs of the optima-csp keys on the Web App. */
  const deploymentsWithKeys = (s: Scenario): string[] => [
    ...new Set(s.world.keys().flatMap((k) => parseKeyName(k.displayName)?.deploymentId ?? [])),
  ];
  /** The deployment whose key Optima holds. */
  const holder = (s: Scenario): string | undefined =>
    parseKeyName(s.world.heldKey()?.displayName)?.deploymentId;
  const registrations = (s: Scenario): string[] => s.world.emulator.cspPartners(ORG).map((p) => p.id);

  /** The first stack deploys; two hours later a second stack appears. Returns the first's deployment ID. */
  async function firstThenSecond(secondConfig: Record<string, string> = {}): Promise<string> {
    first = await Scenario.start(cli!);
    first.expectOk(await first.scheduledRun(SKIP_PREVIEW));
    const [firstId] = deploymentsWithKeys(first);
    expect(holder(first)).toBe(firstId);
    first.advance(0, 2);
    second = await first.another({ stack: "trial", config: secondConfig });
    return firstId;
  }

  test("refused at preview; taken over explicitly; the stack taken from is refused and its destroy leaves the registration; then the taker's destroy removes it", async () => {
    const firstId = await firstThenSecond();
    const keysBefore = first!.world.keys().map((k) => k.keyId);
    const [registration] = registrations(first!);

    const preview = await second!.pulumi([
      "preview",
      "--stack",
      second!.ws.stack,
      "--config",
      `optima-csp:clock=${first!.world.emulator.clock.iso()}`,
    ]);
    expect(preview.code).not.toBe(0);
    expect(preview.output).toContain(
      `The Web App ${CLIENT_ID} carries live keys of another optima-csp deployment, ${firstId}`,
    );
    expect(preview.output).toContain(`in Flexera org ${ORG}`);
    expect(preview.output).toContain(`pulumi config set optimaTakeOverFrom ${firstId}`);
    expect(first!.world.keys().map((k) => k.keyId)).toEqual(keysBefore); // nothing written

    await second!.ws.setConfig({ plain: { "optima-csp:optimaTakeOverFrom": firstId } });
    second!.expectOk(await second!.scheduledRun());
    const secondId = deploymentsWithKeys(second!).find((id) => id !== firstId)!;
    expect(registrations(second!)).toEqual([registration]); // the same registration, adopted
    expect(holder(second!)).toBe(secondId);
    expect(second!.world.heldKeyWorks()).toBe(true);

    // The stack taken from: its scheduled run is refused (the taker's keys are live), nothing changes.
    const refused = await first!.scheduledRun();
    expect(refused.code).not.toBe(0);
    expect(refused.output).toContain(`carries live keys of another optima-csp deployment, ${secondId}`);
    expect(holder(first!)).toBe(secondId);

    // Its destroy leaves the registration (and the taker's key in it); it deletes only its own keys.
    first!.expectOk(await first!.pulumi(["destroy", "--yes", "--stack", first!.ws.stack, ...SKIP_PREVIEW]));
    expect(registrations(first!)).toEqual([registration]);
    expect(holder(first!)).toBe(secondId);
    expect(first!.world.heldKeyWorks()).toBe(true);
    expect(deploymentsWithKeys(first!)).toEqual([secondId]);

    // The taker runs on, then its destroy removes the registration and its keys.
    second!.expectOk(await second!.scheduledRun(SKIP_PREVIEW));
    second!.expectOk(
      await second!.pulumi(["destroy", "--yes", "--stack", second!.ws.stack, ...SKIP_PREVIEW]),
    );
    expect(registrations(second!)).toEqual([]);
    expect(deploymentsWithKeys(second!)).toEqual([]);
    await first!.assertNoPlainSecret();
    await second!.assertNoPlainSecret();
  });

  test("the taker destroyed first deletes the registration it owns; the stack taken from registers anew at its next run", async () => {
    const firstId = await firstThenSecond();
    await second!.ws.setConfig({ plain: { "optima-csp:optimaTakeOverFrom": firstId } });
    second!.expectOk(await second!.scheduledRun(SKIP_PREVIEW)); // the first test previews this takeover
    const secondId = holder(second!);
    expect(secondId).not.toBe(firstId);
    const [registration] = registrations(second!);

    second!.expectOk(
      await second!.pulumi(["destroy", "--yes", "--stack", second!.ws.stack, ...SKIP_PREVIEW]),
    );
    expect(registrations(second!)).toEqual([]); // the taker wrote it last: its destroy deletes it
    expect(deploymentsWithKeys(second!)).toEqual([firstId]);

    // The stack taken from: no other deployment's key is left, so its run goes on; its refresh
    // finds the registration gone, and it registers again with its own key.
    const run = first!.expectOk(await first!.scheduledRun(SKIP_PREVIEW));
    expect(run.steps).toContain("create optima-csp-registration");
    expect(registrations(first!)).toHaveLength(1);
    expect(registrations(first!)).not.toEqual([registration]);
    expect(holder(first!)).toBe(firstId);
    expect(first!.world.heldKeyWorks()).toBe(true);

    first!.expectOk(await first!.pulumi(["destroy", "--yes", "--stack", first!.ws.stack, ...SKIP_PREVIEW]));
    expect(registrations(first!)).toEqual([]);
    await first!.assertNoPlainSecret();
  });
});
