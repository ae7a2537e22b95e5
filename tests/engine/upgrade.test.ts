/**
 * Engine scenarios: upgrading a stack that optima-csp 0.1.0 deployed (commit 9d80484, the last
 * commit of 0.1.0 on main) to this version, under the real Pulumi engine.
 *
 * 0.1.0 adopted the Web App with an `import` (which works only for an app whose Graph
 * `api.requestedAccessTokenVersion` is set: see tests/engine/adopt.test.ts for one that is not);
 * this version reads it. With the same URN and ID the engine stops managing the imported
 * resource and keeps the read; nothing is ever written to the app (the azuread double refuses
 * any write), no key is replaced, and Optima keeps its key.
 *
 * 0.1.0 has no `optima-csp:clock`: these runs use the real time (the world's clock is reset to it).
 * The 0.1.0 program comes from this repository's history (`git archive`); a shallow clone without
 * that commit fails here with a message saying so.
 *
 * The old versions' own deployments skip their preview (`SKIP_PREVIEW`); every run of this version
 * keeps it.
 */
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { REPO_ROOT } from "../support/engine/workspace";
import { DOMAIN, OBJECT_ID, TENANT } from "../support/engine/world";
import { Scenario, SKIP_PREVIEW, V0_1_0, checkout, engineSuite } from "../support/engine/scenario";
import {
  brokenHolders,
  customers,
  customersConfig,
  heldWindows,
  keyWindows,
} from "../support/engine/customers";

const { cli, describeEngine } = engineSuite();

/**
 * The last commit whose keys were two slot resources (`optima-csp-key-a`, `-key-b`) replaced in
 * turn, before each window's key became a resource of its own (`optima-csp-key-w<k>`, aliased
 * from its slot's name).
 */
const SLOT_NAMED_KEYS = "3e04c03";

describeEngine("upgrading a 0.1.0 stack under the real engine", () => {
  let s: Scenario;
  let old: string;
  beforeAll(() => {
    old = checkout(V0_1_0);
  });
  afterAll(() => {
    rmSync(old, { recursive: true, force: true });
  });
  afterEach(async () => {
    await s?.close();
  });

  /** 0.1.0's config: the same keys, without those added since (clock, domainSource, verifyScope). */
  async function deployWith010(adopt: boolean): Promise<void> {
    s = await Scenario.start(cli!, {
      projectSource: old,
      world: { requestedAccessTokenVersion: 2 }, // an app 0.1.0 could adopt
      config: {
        "optima-csp:domain": DOMAIN,
        "optima-csp:adoptWebApp": String(adopt),
        ...(adopt ? { "optima-csp:webAppObjectId": OBJECT_ID } : {}),
      },
    });
    s.world.emulator.clock.reset();
    s.expectOk(await s.pulumi(["up", "--yes", "--refresh", "--stack", s.ws.stack, ...SKIP_PREVIEW]));
    expect(s.world.heldKeyWorks()).toBe(true);
  }

  /** The run after the upgrade: same keys, Optima untouched, then nothing left to do. */
  async function upgrade(): Promise<void> {
    const before = {
      held: s.world.heldKey()?.keyId,
      keys: s.world
        .keys()
        .map((k) => k.keyId)
        .sort(),
    };
    s.ws.copyProject(REPO_ROOT);
    const run = s.expectOk(await s.pulumi(["up", "--yes", "--refresh", "--stack", s.ws.stack]));
    expect(run.output).not.toMatch(/replac/i);
    expect(s.world.heldKey()?.keyId).toBe(before.held);
    expect(s.world.heldKeyWorks()).toBe(true);
    expect(
      s.world
        .keys()
        .map((k) => k.keyId)
        .sort(),
    ).toEqual(before.keys);
    expect(s.world.emulator.entra.directory.application(TENANT, OBJECT_ID)?.displayName).toBe(
      "Contoso Partner Center Web App",
    );
    s.expectOk(await s.pulumi(["preview", "--expect-no-changes", "--stack", s.ws.stack]));
    await s.assertNoPlainSecret();
  }

  test("a stack that looked the Web App up: the upgrade replaces no key and changes nothing in Optima", async () => {
    await deployWith010(false);
    await upgrade();
  });

  test("a stack that imported the Web App, upgraded to a program whose read has another URN: retainOnDelete in the old state keeps the app", async () => {
    await deployWith010(true);
    s.ws.copyProject(REPO_ROOT);
    const webApp = path.join(s.ws.projectDir, "components", "azure", "webApp.ts");
    const source = readFileSync(webApp, "utf8");
    expect(source).toContain("`${name}-web-app`");
    writeFileSync(webApp, source.replace("`${name}-web-app`", "`${name}-web-app-read`"));
    const run = s.expectOk(await s.pulumi(["up", "--yes", "--refresh", "--stack", s.ws.stack]));
    // The engine drops the imported resource from the state without calling Delete (the double
    // refuses any write to the app, so a Delete would have failed the run).
    expect(run.steps).toEqual(
      expect.arrayContaining(["read optima-csp-web-app-read", "delete optima-csp-web-app"]),
    );
    expect(s.ws.doublesLogTail(500)).not.toContain("REFUSED");
    expect(s.world.emulator.entra.directory.application(TENANT, OBJECT_ID)).toBeDefined();
    expect(s.world.heldKeyWorks()).toBe(true);
  });

  test("a stack that imported the Web App: the upgrade reads it instead, writes nothing to it, and destroy still leaves it", async () => {
    await deployWith010(true);
    await upgrade();
    s.expectOk(await s.pulumi(["destroy", "--yes", "--stack", s.ws.stack]));
    expect(s.world.emulator.entra.directory.application(TENANT, OBJECT_ID)).toBeDefined();
  });

  test("a stack whose keys were the two slots (key-a, key-b), with customers: the upgrade renames both keys by alias (no key made, replaced or deleted, every holder works), and the next boundary rotates as usual", async () => {
    const three = customers(1, 3);
    const slotNamed = checkout(SLOT_NAMED_KEYS);
    try {
      s = await Scenario.start(cli!, { projectSource: slotNamed, config: customersConfig(three) }); // window 59
      s.expectOk(await s.scheduledRun(SKIP_PREVIEW));
    } finally {
      rmSync(slotNamed, { recursive: true, force: true });
    }
    const keysBefore = s.world
      .keys()
      .map((k) => k.keyId)
      .sort();
    expect(keyWindows(s.world)).toEqual([58, 59]);
    expect(brokenHolders(s.world, three)).toEqual([]);

    s.ws.copyProject(REPO_ROOT);
    s.advance(0, 1);
    const upgraded = s.expectOk(await s.scheduledRun());
    expect(upgraded.steps.filter((step) => step.includes("optima-csp-key"))).toEqual([]);
    expect(upgraded.output).not.toMatch(/replac/i);
    expect(
      s.world
        .keys()
        .map((k) => k.keyId)
        .sort(),
    ).toEqual(keysBefore);
    expect(Object.values(heldWindows(s.world, three))).toEqual([59, 59, 59, 59]);
    expect(brokenHolders(s.world, three)).toEqual([]);
    expect(String((await s.outputs()).activeKeyUrn)).toMatch(/::optima-csp-key-w59$/);
    s.expectOk(await s.quietPreview());

    s.advance(1); // window 60: window 58's key (slot a's, before the upgrade) leaves the program
    const rotated = s.expectOk(await s.scheduledRun());
    expect(rotated.steps.filter((step) => / optima-csp-key-w\d+$/.test(step))).toEqual([
      "create optima-csp-key-w60",
      "delete optima-csp-key-w58",
    ]);
    expect(Object.values(heldWindows(s.world, three))).toEqual([60, 60, 60, 60]);
    expect(brokenHolders(s.world, three)).toEqual([]);
    expect(keyWindows(s.world)).toEqual([59, 60]);
    await s.assertNoPlainSecret();
  });
});
