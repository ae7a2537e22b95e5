/**
 * One deployment per registration (components/azure/ownership.ts, ownershipCheck.ts): the rules
 * as pure functions, then the component's wiring under Pulumi mocks against the local emulator's
 * Optima and Graph (127.0.0.1): a refusal comes before any key is declared, names the other
 * deployment, the Web App and the org, and `optima.takeOverFrom` lets the run go on. The two-stack
 * cases and both destroy orders run under the real engine (tests/engine/takeover.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { OptimaCspConnection, type OptimaCspConnectionArgs } from "../components/azure/cspConnection";
import { judgeOwnership, otherDeployments, takeOverFromProblem } from "../components/azure/ownership";
import { TEST_GRAPH_TOKEN_ENV, TEST_GRAPH_URL_ENV, checkOwnership } from "../components/azure/ownershipCheck";
import { DEFAULT_REFRESH_TOKEN } from "../tools/emulator";
import { emulatorPerFile } from "./support/emulator-per-file";
import { emulatorStackConfig } from "./support/host-env";
import { optimaKeyName } from "./support/key-names";
import { FIXTURE, FakeEngine, TYPES, azureAdInvokes } from "./support/mocks";

const NOW = new Date("2026-03-01T03:00:00Z");
const OTHER = "0badc0de";
const name = (id: string, slot: "a" | "b" = "a", window = 19, expires = "2026-03-04") =>
  optimaKeyName(id, slot, window, expires);

describe("the rules (pure)", () => {
  const keys = [
    { keyId: "k1", displayName: name("9a59314f"), endDateTime: "2026-03-04T00:00:00Z" }, // this deployment's
    { keyId: "k2", displayName: name(OTHER, "b", 19), endDateTime: "2026-03-04T00:00:00Z" },
    { keyId: "k3", displayName: name(OTHER, "a", 18), endDateTime: "2026-03-03T00:00:00Z" },
    { keyId: "k4", displayName: name("deadbeef", "a", 10), endDateTime: "2026-02-20T00:00:00Z" }, // expired
    { keyId: "k5", displayName: "Optima (made by hand)", endDateTime: "2027-01-01T00:00:00Z" },
  ];

  test("another deployment's live keys count; this deployment's own, expired and hand-made keys do not", () => {
    expect(otherDeployments(keys, "9a59314f", NOW)).toEqual([
      { deploymentId: OTHER, keyIds: ["k2", "k3"], liveUntil: "2026-03-04T00:00:00Z" },
    ]);
    // A deployment without an ID yet (its first run) has no key: every live optima-csp key is another's.
    expect(otherDeployments(keys, undefined, NOW).map((o) => o.deploymentId)).toEqual([
      "0badc0de",
      "9a59314f",
    ]);
  });

  const facts = {
    others: otherDeployments(keys, "9a59314f", NOW),
    registrationId: "reg-1",
    own: "9a59314f",
    clientId: FIXTURE.clientId,
    orgId: FIXTURE.orgId,
    noun: "Azure CSP partnership",
  };

  test("both facts: refused, naming the other deployment, the Web App, the org and both ways on", () => {
    const verdict = judgeOwnership(facts);
    expect(verdict.kind).toBe("refused");
    const message = (verdict as { message: string }).message;
    expect(message).toContain(
      `The Web App ${FIXTURE.clientId} carries live keys of another optima-csp deployment, ${OTHER}`,
    );
    expect(message).toContain(`the Azure CSP partnership reg-1 in Flexera org ${FIXTURE.orgId}`);
    expect(message).toContain("Nothing was changed");
    expect(message).toContain("destroy the other deployment's stack");
    expect(message).toContain(`pulumi config set optimaTakeOverFrom ${OTHER}`);
  });

  test("either fact alone is no reason to refuse", () => {
    expect(judgeOwnership({ ...facts, registrationId: undefined })).toEqual({ kind: "clear" });
    expect(judgeOwnership({ ...facts, others: [] })).toEqual({ kind: "clear" });
  });

  test("optima.takeOverFrom naming the other deployment lets the run go on; naming another does not", () => {
    expect(judgeOwnership({ ...facts, takeOverFrom: OTHER })).toEqual({
      kind: "taking-over",
      from: OTHER,
      registrationId: "reg-1",
    });
    expect(judgeOwnership({ ...facts, takeOverFrom: "12345678" }).kind).toBe("refused");
    expect(judgeOwnership({ ...facts, takeOverFrom: "9a59314f" }).kind).toBe("refused"); // its own ID
    const nothing = judgeOwnership({ ...facts, others: [], takeOverFrom: OTHER });
    expect(nothing).toMatchObject({ kind: "clear", note: expect.stringContaining("nothing to take over") });
  });

  test("optima.takeOverFrom must be a deployment ID", () => {
    expect(takeOverFromProblem(OTHER)).toBeUndefined();
    expect(takeOverFromProblem("prod")).toContain('got "prod"');
    expect(takeOverFromProblem("0BADC0DE")).toBeDefined();
  });
});

describe("the component under mocks, against the emulator's Optima and Graph", () => {
  const bed = emulatorPerFile();
  const savedEnv = { ...process.env };

  beforeEach(() => {
    bed.emulator.reset();
    bed.emulator.clock.set(NOW);
    bed.emulator.entra.directory.addApplication(FIXTURE.tenantId, {
      appId: FIXTURE.clientId,
      objectId: FIXTURE.objectId,
      displayName: FIXTURE.appDisplayName,
    });
    process.env[TEST_GRAPH_URL_ENV] = bed.emulator.entra.graphUrl;
    process.env[TEST_GRAPH_TOKEN_ENV] = bed.emulator.entra.graphToken({ tenantId: FIXTURE.tenantId });
    pulumi.runtime.setAllConfig(emulatorStackConfig(bed.emulator, DEFAULT_REFRESH_TOKEN));
  });
  afterEach(() => {
    process.env = { ...savedEnv };
    pulumi.runtime.setAllConfig({});
  });

  /** Another deployment's live key on the Web App, and the registration it made. */
  function anotherDeploymentIsThere(): void {
    bed.emulator.entra.directory.addPassword(FIXTURE.tenantId, FIXTURE.objectId, {
      displayName: name(OTHER),
      endDateTime: "2026-03-04T00:00:00Z",
    });
    bed.emulator.seedCspPartner(FIXTURE.orgId, {
      mpn_id: FIXTURE.mpnId,
      domain: FIXTURE.domain,
      application_id: FIXTURE.clientId,
    });
  }

  const params = () => ({
    clientId: FIXTURE.clientId,
    own: undefined,
    target: "csp-partner" as const,
    orgId: FIXTURE.orgId,
    mpnId: FIXTURE.mpnId,
    authorityHost: bed.emulator.entra.authorityHost,
    now: NOW,
    config: { get: (key: string) => pulumi.runtime.getConfig(key) },
    env: process.env,
  });

  test("facts it cannot read leave it undecided, with what failed (the run then goes on with a warning)", async () => {
    anotherDeploymentIsThere();
    const noOptima = await checkOwnership({ ...params(), config: { get: () => undefined }, env: {} });
    expect(noOptima).toMatchObject({
      kind: "undecided",
      reason: expect.stringContaining("could not look for the Azure CSP partnership"),
    });
    const noGraph = await checkOwnership({
      ...params(),
      env: { ...process.env, [TEST_GRAPH_URL_ENV]: undefined },
    });
    expect(noGraph).toMatchObject({
      kind: "undecided",
      reason: expect.stringContaining("no Microsoft Graph is known"),
    });
    expect(await checkOwnership(params())).toMatchObject({ kind: "refused" });
  });

  async function deploy(optima: Partial<OptimaCspConnectionArgs["optima"]> = {}) {
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    return engine.run(
      () =>
        new OptimaCspConnection("conn", {
          webApp: { clientId: FIXTURE.clientId },
          mpnId: FIXTURE.mpnId,
          domain: FIXTURE.domain,
          optima: { orgId: FIXTURE.orgId, ...optima },
          verify: { authorityHost: bed.emulator.entra.authorityHost },
          now: NOW,
        }),
    );
  }

  test("another deployment's live keys and the registration: refused before any key is declared", async () => {
    anotherDeploymentIsThere();
    const run = await deploy();
    expect(run.errors.join("\n")).toContain(
      `The Web App ${FIXTURE.clientId} carries live keys of another optima-csp deployment, ${OTHER}`,
    );
    expect(run.errors.join("\n")).toContain(`in Flexera org ${FIXTURE.orgId}`);
    expect(run.ofType(TYPES.password)).toEqual([]);
    expect(run.registrations.some((r) => r.name === "conn-registration")).toBe(false);
  });

  test("with optima.takeOverFrom naming it, the keys and the registration are declared", async () => {
    anotherDeploymentIsThere();
    const run = await deploy({ takeOverFrom: OTHER });
    expect(run.errors).toEqual([]);
    expect(
      run
        .ofType(TYPES.password)
        .map((r) => r.name)
        .sort(),
    ).toEqual(["conn-key-w12", "conn-key-w13"]);
  });

  test("a registration made by hand, with no other deployment's key, is no reason to refuse (it is adopted)", async () => {
    bed.emulator.seedCspPartner(FIXTURE.orgId, {
      mpn_id: FIXTURE.mpnId,
      domain: FIXTURE.domain,
      application_id: FIXTURE.clientId,
    });
    const run = await deploy();
    expect(run.errors).toEqual([]);
    expect(run.ofType(TYPES.password)).toHaveLength(2);
  });
});
