/**
 * The rehearsal under the real Pulumi engine: `npm run rehearsal` uses it whenever a Pulumi CLI is
 * found (tools/engine/workspace `findPulumi`), and says which engine it used.
 *
 * The same timeline as the hand-wired rehearsal (./rehearsal), with the stack program itself
 * (`index.ts`, `Pulumi.yaml`, the real config keys, default rotation settings) run by the real
 * CLI as the CI examples run it (`pulumi up --refresh --yes`), against the emulator's Optima and
 * its simulated Entra ID, which the azuread/random test-double plugins (tools/engine/doubles) work
 * on. Each step prints the engine's own steps (from `--event-log`) and what the world then holds,
 * checks its expectation, and stops with an error on the first broken one. Keys appear only as
 * SHA-256 fingerprints, and every line is checked against every secret the world knows.
 */
import { Scenario } from "./engine/scenario";
import type { PulumiCli } from "./engine/workspace";
import { CLIENT_ID, DOMAIN, MPN, OBJECT_ID, ORG, TENANT } from "./engine/world";
import { fingerprint } from "./support-engine";

interface EngineStep {
  readonly title: string;
  readonly at: string;
  /** Which slots the engine must replace (or create, in the first run). */
  readonly changes: readonly ("a" | "b")[];
  readonly preview?: boolean;
}

/** Default settings (keys live 180 days, rotate every 60, anchor 2024-01-01): windows 7, 7, 8, 9, 11. */
const STEPS: readonly EngineStep[] = [
  {
    title: "first deployment (adopts the registration made by hand)",
    at: "2025-03-10T09:00:00Z",
    changes: ["a", "b"],
  },
  {
    title: "quiet run in the same window (pulumi preview --expect-no-changes)",
    at: "2025-03-11T06:00:00Z",
    changes: [],
    preview: true,
  },
  { title: "first run after a rotation boundary", at: "2025-04-25T06:00:00Z", changes: ["a"] },
  { title: "late run, 4 days after the next boundary", at: "2025-06-28T06:00:00Z", changes: ["b"] },
  { title: "a run that missed a whole window", at: "2025-11-01T06:00:00Z", changes: ["a", "b"] },
];

export async function runEngineRehearsal(
  cli: PulumiCli,
  write: (line: string) => void = console.log,
): Promise<void> {
  const started = Date.now();
  const s = await Scenario.start(cli, {
    at: STEPS[0].at,
    config: {
      "optima-csp:keyExpiresAfterDays": "180",
      "optima-csp:rotateAfterDays": "60",
      "optima-csp:rotationAnchor": "2024-01-01T00:00:00Z",
    },
  });
  const say = (line = ""): void => {
    if (s.world.secrets().some((secret) => secret.length >= 8 && line.includes(secret))) {
      throw new Error("refusing to print a line that contains a secret (a bug in the rehearsal)");
    }
    write(line);
  };
  try {
    say(
      `optima-csp rehearsal under the REAL Pulumi engine: Pulumi CLI ${cli.version} (${cli.source}: ${cli.path}).`,
    );
    say("REAL: the engine, the stack program (index.ts, Pulumi.yaml), the dynamic-provider host, the key");
    say("verification and the Optima registration provider (against the local Optima emulator).");
    say("SIMULATED: Entra ID. The azuread and random plugins are test doubles on the emulator's directory");
    say("(tools/engine/doubles, each rule citing terraform-provider-azuread v3.8.0).");
    const handMade = s.world.emulator.entra.directory.addPassword(TENANT, OBJECT_ID, {
      displayName: "made by hand",
    });
    s.world.emulator.seedCspPartner(ORG, {
      mpn_id: MPN,
      domain: DOMAIN,
      application_id: CLIENT_ID,
      application_secret: handMade!.secret,
    });

    for (const [index, step] of STEPS.entries()) {
      s.world.emulator.clock.set(step.at);
      say();
      say(`== Step ${index + 1}/${STEPS.length}: ${step.title}, at ${step.at}`);
      const run = step.preview ? await s.quietPreview() : await s.scheduledRun();
      s.expectOk(run);
      say(`   engine steps: ${run.steps.length === 0 ? "none" : run.steps.join(", ")}`);
      const changed = (["a", "b"] as const).filter((slot) =>
        run.steps.some((x) => new RegExp(`^create(-replacement)? optima-csp-key-${slot}$`).test(x)),
      );
      if (changed.join() !== step.changes.join()) {
        throw new Error(
          `expected slots [${step.changes.join(", ")}] to change; the engine changed [${changed.join(", ")}]`,
        );
      }
      const held = s.world.heldKey();
      if (held === undefined || !s.world.heldKeyWorks()) {
        throw new Error("Optima does not hold a working key of the Web App");
      }
      say(`   Optima holds ${fingerprint(held.secret)} (${held.displayName}); Entra ID accepts it.`);
      say(
        `   The Web App's keys: ${s.world
          .keys()
          .map((k) => `${fingerprint(k.secret)} ${k.displayName ?? "(no name)"}`)
          .join("; ")}`,
      );
    }
    await s.assertNoPlainSecret();
    say();
    say(
      `Rehearsal passed under the real engine: ${STEPS.length} runs in ${Math.round((Date.now() - started) / 1000)} s.`,
    );
    say("Entra ID was SIMULATED (test-double plugins); the engine and everything else were real.");
  } finally {
    await s.close();
  }
}
