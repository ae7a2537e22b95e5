/**
 * Engine scenario: OptimaCspConnection used from a Pulumi YAML program, through the provider plugin
 * (provider/), under the real engine and the real YAML language host (tools/engine/build-pulumi-yaml.sh):
 * a first deployment, a rotation at a window boundary, and `destroy`, against the emulator and the
 * azuread and random doubles. The program names the plugin's folder in `packages:` of its
 * Pulumi.yaml, as README's "Use from another language" says (pulumi-language-yaml v1.25.0 has no
 * `Link`, so `pulumi package add` cannot write it). The engine runs the plugin through the Node.js
 * language host's `RunPlugin` (tests/support/engine/language-host.ts).
 *
 * The Optima connection comes from the `OPTIMA_*` environment, the plugin's one source
 * (components/plugin/construct.ts). Keys live 3 days and rotate daily (anchor 2026-01-01).
 * Every assertion reads the simulated world or `pulumi stack export`.
 */
import { DEFAULT_REFRESH_TOKEN } from "../../tools/emulator";
import { findYamlHost, pluginCheckout } from "../support/engine/plugin";
import { engineSuite, readSteps } from "../support/engine/scenario";
import { ANCHOR, CLIENT_ID, MPN, OBJECT_ID, ORG, TENANT, World } from "../support/engine/world";
import { EngineWorkspace } from "../support/engine/workspace";
import * as path from "node:path";
import { rmSync } from "node:fs";
import { tmpdir } from "node:os";

const { cli, describeEngine } = engineSuite();
/** A CSP customer with a child org: made under ORG through the plugin's optima-csp:optima:ChildOrg. */
const CUSTOMER_TENANT = "5b0c8e2a-1d3f-4a6b-9c7d-2e4f6a8b0c1d";
const yamlHost = findYamlHost();
if (cli && !yamlHost) {
  if (process.env.OPTIMA_CSP_REQUIRE_ENGINE === "1") {
    throw new Error(
      "OPTIMA_CSP_REQUIRE_ENGINE=1 but no pulumi-language-yaml: run tools/engine/build-pulumi-yaml.sh (needs Go).",
    );
  }
  console.warn(
    "YAML SCENARIO SKIPPED: no pulumi-language-yaml (bash tools/engine/build-pulumi-yaml.sh builds it, about 2 minutes once).",
  );
}
const describeYaml = yamlHost ? describeEngine : describe.skip;

/** The consumer's program: one component, its outputs. */
function yamlProgram(pluginFolder: string): string {
  return `name: optima-csp-yaml
runtime: yaml
packages:
  optima-csp: ${pluginFolder}
config:
  clock:
    type: string
  authorityHost:
    type: string
resources:
  connection:
    type: optima-csp:azure:CspConnection
    properties:
      webApp:
        clientId: "${CLIENT_ID}"
      mpnId: "${MPN}"
      keyExpiresAfterDays: 3
      rotateAfterDays: 1
      rotationAnchor: "${ANCHOR}"
      optima:
        orgId: "${ORG}"
      verify:
        authorityHost: \${authorityHost}
        timeoutSeconds: 20
      customers:
        - tenantId: "${CUSTOMER_TENANT}"
          name: Contoso
          retainOnDelete: false # its bill connect, so that destroy deletes every key
          childOrg:
            owners:
              - email: finops@partner.example
                firstName: Fin
                lastName: Ops
      now: \${clock}
outputs:
  activeKeyId: \${connection.activeKeyId}
  previousKeyId: \${connection.previousKeyId}
  registrationId: \${connection.registrationId}
  activeKeySecret: \${connection.activeKeySecret}
`;
}

describeYaml("OptimaCspConnection from a YAML program, through the provider plugin", () => {
  let world: World;
  let ws: EngineWorkspace;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    world = await World.start(cli!);
    world.emulator.clock.set("2026-03-01T03:00:00Z");
    const e = world.emulator;
    ws = new EngineWorkspace({
      cli: cli!,
      graphUrl: e.entra.graphUrl,
      graphToken: e.entra.graphToken({ tenantId: TENANT }),
      stack: "yaml",
      // As README writes it: a path relative to Pulumi.yaml. The project folder is
      // <tmpdir>/optima-csp-engine-…/project (./workspace), the checkout under <tmpdir> too.
      projectFiles: {
        "Pulumi.yaml": yamlProgram(
          path.join("..", "..", path.relative(tmpdir(), pluginCheckout()), "provider"),
        ),
      },
      plugins: { "pulumi-language-yaml": yamlHost! },
    });
    env = {
      OPTIMA_API_URL: e.apiUrl,
      OPTIMA_FLEXERA_API_URL: e.flexeraApiUrl,
      OPTIMA_AUTH_URL: e.authUrl,
      OPTIMA_REFRESH_TOKEN: DEFAULT_REFRESH_TOKEN,
    };
    await ws.init({ plain: { "optima-csp-yaml:authorityHost": e.entra.authorityHost } });
  });

  afterAll(async () => {
    ws?.dispose();
    await world?.close();
  });

  /** `pulumi <command> --yes` at the world's instant; the engine's steps. */
  const run = async (command: readonly string[]) => {
    const log = path.join(ws.root, `events-${Date.now()}.jsonl`);
    const result = await ws.run(
      [
        ...command,
        "--yes",
        "--stack",
        ws.stack,
        "--config",
        `optima-csp-yaml:clock=${world.emulator.clock.iso()}`,
        "--event-log",
        log,
      ],
      { env },
    );
    const steps = readSteps(log);
    rmSync(log, { force: true });
    if (result.code !== 0) {
      throw new Error(
        `pulumi ${command.join(" ")} failed (${result.code}):\n${result.output.slice(-6000)}\n${ws.doublesLogTail()}`,
      );
    }
    return steps.steps;
  };
  const deploymentKeys = () => world.keys().filter((k) => k.displayName?.startsWith("optima-csp "));
  const window = (name: string | null | undefined) => Number(/window (\d+)/.exec(name ?? "")?.[1]);

  test("deploys, rotates at a boundary and destroys; the key is only ever a secret in state", async () => {
    // 1. First deployment: two keys, the active one proven at Entra ID and handed to Optima.
    const first = await run(["up", "--refresh"]);
    expect(first).toEqual(
      expect.arrayContaining([
        "create connection-key-verification",
        "create connection-registration",
        "create connection",
      ]),
    );
    expect(deploymentKeys()).toHaveLength(2);
    expect(world.heldKeyWorks()).toBe(true);
    const firstHeld = world.heldKey()!;

    const state = await ws.exportState();
    const resources = (
      JSON.parse(state) as {
        deployment: {
          resources: {
            type: string;
            urn: string;
            inputs?: Record<string, unknown>;
            outputs?: Record<string, unknown>;
          }[];
        };
      }
    ).deployment.resources;
    const byName = (name: string) => resources.find((r) => r.urn.endsWith(`::${name}`));
    // The plugin's own custom resources, not dynamic ones (pulumi/pulumi#5455).
    expect(byName("connection")?.type).toBe("optima-csp:azure:CspConnection");
    expect(byName("connection-registration")?.type).toBe("optima-csp:optima:Registration");
    expect(byName("connection-key-verification")?.type).toBe("optima-csp:azure:KeyVerification");
    expect(resources.some((r) => r.type.startsWith("pulumi-nodejs:"))).toBe(false);
    // The customer's child org, made in Flexera, and its bill connect in it.
    const childOrg = byName(`connection-child-org-${CUSTOMER_TENANT}`);
    expect(childOrg?.type).toBe("optima-csp:optima:ChildOrg");
    const [made] = world.emulator.msp.childOrgs(ORG);
    expect(made).toMatchObject({ name: "Contoso", externalId: CUSTOMER_TENANT });
    expect(childOrg?.outputs?.orgId).toBe(String(made.id));
    expect(byName(`connection-customer-${CUSTOMER_TENANT}`)?.outputs?.orgId).toBe(String(made.id));
    // The key is in state only as a secret (ciphertext), never in plain text.
    const secretShape = expect.objectContaining({
      "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
      ciphertext: expect.any(String),
    });
    expect(byName("connection-registration")?.outputs?.applicationSecret).toEqual(secretShape);
    expect(byName("connection-registration")?.inputs?.applicationSecret).toEqual(secretShape);
    // The verification keeps the key as an input only (keyVerificationRuntime: never in its outputs).
    expect(byName("connection-key-verification")?.inputs?.secret).toEqual(secretShape);
    expect(byName("connection")?.outputs?.activeKeySecret).toEqual(secretShape);
    const known = [DEFAULT_REFRESH_TOKEN, ...world.keys().map((k) => k.secret)];
    expect(known.filter((secret) => state.includes(secret))).toEqual([]);
    expect((await ws.outputs()).activeKeySecret).toBe("[secret]");

    // 2. The next window: its key is made, Optima gets it, the oldest window's key is deleted.
    world.emulator.clock.advance(24 * 3_600_000);
    const rotation = await run(["up", "--refresh"]);
    // As in TypeScript (tests/engine/lifecycle.test.ts): the registration is updated in place, and
    // the oldest key is deleted only after Optima holds the new one.
    const replacedKey = rotation.filter((step) => /^delete connection-key-w\d+$/.test(step));
    expect(replacedKey).toHaveLength(1);
    expect(rotation.filter((step) => step.endsWith(" connection-registration"))).toEqual([
      "update connection-registration",
    ]);
    expect(rotation.indexOf(replacedKey[0])).toBeGreaterThan(
      rotation.indexOf("update connection-registration"),
    );
    const held = world.heldKey()!;
    expect(world.heldKeyWorks()).toBe(true);
    expect(window(held.displayName)).toBe(window(firstHeld.displayName) + 1);
    expect(
      deploymentKeys()
        .map((k) => k.keyId)
        .sort(),
    ).toEqual([firstHeld.keyId, held.keyId].sort());
    const afterRotation = await ws.exportState();
    expect(
      [DEFAULT_REFRESH_TOKEN, ...world.keys().map((k) => k.secret)].filter((s) => afterRotation.includes(s)),
    ).toEqual([]);

    // 3. Destroy: the registration is gone from Optima, and both keys from the Web App; the
    // customer's child org is retained (its default), as in TypeScript.
    await run(["destroy"]);
    expect(world.emulator.cspPartners(ORG)).toEqual([]);
    expect(world.emulator.msp.childOrgs(ORG).map((org) => org.externalId)).toEqual([CUSTOMER_TENANT]);
    expect(world.emulator.billConnects(String(made.id))).toEqual([]);
    expect(deploymentKeys()).toEqual([]);
    expect(world.emulator.entra.directory.application(TENANT, OBJECT_ID)).toBeDefined();
  });
});
