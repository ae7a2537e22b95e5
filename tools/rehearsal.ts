/**
 * `npm run rehearsal`: see the product work, with no Azure or Optima account, under the real
 * Pulumi engine.
 *
 * It runs this project's own stack program (`index.ts`, `Pulumi.yaml`, the real config keys) with
 * the real Pulumi CLI, as the CI examples run it (`pulumi up --refresh --yes`), at five simulated
 * dates (keys live 180 days and rotate every 60, anchor 2024-01-01):
 *
 *   1. first deployment (Optima already holds the partnership, registered by hand: it is adopted)
 *   2. a quiet run the next morning, in the same window: nothing changes
 *   3. the first run after a rotation boundary: exactly the older slot is replaced; Entra ID
 *      refuses the new key for a moment, the key verification waits for it, then Optima gets it
 *   4. a late run, days after the next boundary: the same, days late, with no harm done
 *   5. a run that missed a whole window: both slots are new; Optima's old key goes last
 *
 * SIMULATED: Entra ID. The azuread and random plugins are the test doubles of tests/support/engine/doubles,
 * working on the emulator's directory in Microsoft Graph v1.0 shapes; each rule they follow cites
 * the provider source it imitates (tests/support/engine/doubles/rules.ts). REAL: the engine, the stack
 * program and the component, the dynamic-provider host, the key verification and the Optima
 * registration provider, against the local Optima emulator (written from the API contract).
 *
 * Each step prints the engine's own steps (`--event-log`), what Entra ID's token endpoint answered
 * the key verification, what Optima received (secrets as fingerprints) and what the world then
 * holds; it checks its expectation and stops with an error on the first broken one. No secret is
 * printed: keys appear only as SHA-256 fingerprints, and every line is checked against every
 * secret the world has held before it is written.
 *
 * It needs a Pulumi CLI (tests/support/engine/workspace `findPulumi`: `OPTIMA_CSP_PULUMI`, the pinned
 * build of tools/engine/build-pulumi.sh, or `pulumi` ≥ 3.142 on PATH). Without one, when Go is on
 * PATH, it builds the pinned one first, as .ci/run does (tools/engine/build-pulumi.ts: once, into the
 * cache, printing the phases as they pass); without Go it says how to get a CLI and exits 1: there
 * is no stand-in for the engine. A hand-wired copy of the engine's order of calls and of
 * `azuread.ApplicationPassword` used to run instead; `--model`, which forced it, is still accepted
 * and says that it is gone.
 *
 * `runRehearsal(cli, options)` is the whole rehearsal as a function, for tests; `main` is the
 * command line.
 */
import { GRAPH_PREFIX } from "./emulator/graph";
import type { EmulatorRequest } from "./emulator/index";
import { parseFlags } from "./cli";
import { Scenario, waitUntil, type RunResult } from "../tests/support/engine/scenario";
import {
  PINNED_PULUMI_VERSION,
  findPulumi,
  pulumiCacheDir,
  type PulumiCli,
} from "../tests/support/engine/workspace";
import { buildPinnedPulumi, onPath } from "./engine/build-pulumi";
import { CLIENT_ID, DOMAIN, MPN, OBJECT_ID, ORG, TENANT } from "../tests/support/engine/world";
import { slotForWindow } from "../components/azure/rotation";
import {
  fingerprint,
  isTokenRequest,
  markLog,
  maskedFields,
  requestsSince,
  type LogMark,
} from "../tests/support/host-env";
import { seconds } from "./figures";

export type Slot = "a" | "b";
export type StepName = "first-deployment" | "quiet-run" | "rotation" | "late-run" | "missed-window";

interface RehearsalStep {
  readonly name: StepName;
  readonly title: string;
  readonly at: string;
  /** Which slots the engine must create (first run) or replace. */
  readonly changes: readonly Slot[];
  /**
   * The simulated Entra ID refuses the run's new key until the key verification has been refused
   * once (the key is still propagating), then accepts it.
   */
  readonly propagates?: true;
  /** A line said before the step (what happened in between). */
  readonly before?: string;
}

/** With these settings the runs fall in windows 7, 7, 8, 9 and 11. */
const SETTINGS = {
  "optima-csp:keyExpiresAfterDays": "180",
  "optima-csp:rotateAfterDays": "60",
  "optima-csp:rotationAnchor": "2024-01-01T00:00:00Z",
} as const;

const STEPS: readonly RehearsalStep[] = [
  {
    name: "first-deployment",
    title: "first deployment",
    at: "2025-03-10T09:00:00Z",
    changes: ["a", "b"],
    before:
      "Before it, the partnership is registered in Optima by hand, with a key made in the portal (the manual setup this replaces).",
  },
  {
    name: "quiet-run",
    title: "quiet run in the same window (the next morning's scheduled run)",
    at: "2025-03-11T06:00:00Z",
    changes: [],
  },
  {
    name: "rotation",
    title: "first run after a rotation boundary",
    at: "2025-04-25T06:00:00Z",
    changes: ["a"],
    propagates: true,
    before:
      "(Every daily run between the quiet run and this boundary plans the same inputs and changes nothing.)",
  },
  {
    name: "late-run",
    title: "late run, 4 days after the next boundary (the scheduled runs failed until then)",
    at: "2025-06-28T06:00:00Z",
    changes: ["b"],
  },
  {
    name: "missed-window",
    title: "a run that missed a whole window",
    at: "2025-11-01T06:00:00Z",
    changes: ["a", "b"],
    before: "(No run at all for more than a whole rotation period: the pipeline was switched off.)",
  },
];

/**
 * The child names of the program's component (`new OptimaCspConnection("optima-csp", …)` in
 * index.ts): window k's key is `optima-csp-key-w<k>`, in slot a for an even window, b for an odd one.
 */
const KEY_STEP = /^(create|create-replacement) optima-csp-key-w(\d+)$/;
const REGISTRATION = "optima-csp-registration";

export interface OptimaRequestReport {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The body as `name=value` pairs, secrets as fingerprints. */
  readonly fields: string;
}

export interface StepReport {
  readonly name: StepName;
  readonly at: string;
  /** The engine's steps, in the order it finished them (`same` and `refresh` left out). */
  readonly engineSteps: readonly string[];
  /** The slots whose key the engine created or replaced. */
  readonly changedSlots: readonly Slot[];
  /** What Entra ID's token endpoint answered in this run (the key verification), in order. */
  readonly tokenAnswers: readonly number[];
  /** Optima API requests in this run, in order (token requests aside). */
  readonly optimaReceived: readonly OptimaRequestReport[];
  /** The key Optima holds after the run: its slot, window and fingerprint. */
  readonly held: KeyReport;
  /** The keys the stack keeps on the Web App after the run, by slot. */
  readonly keys: readonly KeyReport[];
  /** Optima's registration ID after the run. */
  readonly registrationId: string;
}

export interface KeyReport {
  readonly slot: Slot;
  readonly window: number;
  readonly fingerprint: string;
}

export interface RehearsalOptions {
  /** Where lines go. Default `console.log`. */
  readonly output?: (line: string) => void;
}

export interface RehearsalResult {
  readonly steps: readonly StepReport[];
  /** Optima's registration ID of the partnership made by hand before the first run. */
  readonly handMadeRegistrationId: string;
  /** Every line written. */
  readonly lines: readonly string[];
  /** Every secret the world held at some point (for tests' scans of the output; never print these). */
  readonly secretsSeen: readonly string[];
  readonly durationMs: number;
}

/** A broken expectation: the rehearsal fails with it. */
export class RehearsalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RehearsalError";
  }
}

/** The key verification's token requests: `{authorityHost}/{tenant}/oauth2/v2.0/token` on the emulator. */
const isEntraTokenRequest = (r: EmulatorRequest): boolean =>
  /^\/entra\/[^/]+\/oauth2\/v2\.0\/token$/.test(r.path);
/** A request to Optima's APIs: neither a token request nor the doubles' Graph calls. */
const isOptimaRequest = (r: EmulatorRequest): boolean =>
  !isTokenRequest(r) && !r.path.startsWith(GRAPH_PREFIX);

/** Runs the whole rehearsal under `cli`; rejects with a {@link RehearsalError} on a broken expectation. */
export async function runRehearsal(cli: PulumiCli, options: RehearsalOptions = {}): Promise<RehearsalResult> {
  const started = performance.now();
  const write = options.output ?? ((line: string) => console.log(line));
  const lines: string[] = [];
  const s = await Scenario.start(cli, { at: STEPS[0].at, config: { ...SETTINGS } });
  const { world } = s;
  const seen = new Set<string>();
  const remember = (): void => {
    for (const secret of world.secrets()) {
      seen.add(secret);
    }
  };
  const say = (line = ""): void => {
    remember();
    if ([...seen].some((secret) => secret.length >= 8 && line.includes(secret))) {
      throw new RehearsalError("refusing to print a line that contains a secret (a bug in the rehearsal)");
    }
    lines.push(line);
    write(line);
  };
  try {
    intro(say, cli);
    const handMade = world.emulator.entra.directory.addPassword(TENANT, OBJECT_ID, {
      displayName: "made by hand in the portal",
    })!;
    const handMadeRegistrationId = world.emulator.seedCspPartner(ORG, {
      mpn_id: MPN,
      domain: DOMAIN,
      application_id: CLIENT_ID,
      application_secret: handMade.secret,
    }).id;
    remember();

    const reports: StepReport[] = [];
    for (const [index, step] of STEPS.entries()) {
      world.emulator.clock.set(step.at);
      say();
      if (step.before) {
        say(step.before);
      }
      say(`== Step ${index + 1}/${STEPS.length}: ${step.title} · ${step.at} ==`);
      reports.push(await scheduledRun(s, step, reports.at(-1), handMadeRegistrationId, say));
    }

    await s.assertNoPlainSecret();
    say();
    say(
      `The key made by hand before the stack existed (${fingerprint(handMade.secret)}) is still valid in Entra ID: ` +
        `${world.emulator.entra.isValid(TENANT, CLIENT_ID, handMade.secret) ? "yes" : "no"}. The stack never ` +
        "manages it; delete it in the portal once Optima works with the stack's key.",
    );
    const durationMs = performance.now() - started;
    say();
    say(
      `Rehearsal passed under the real engine: ${STEPS.length} runs, every check held, in ${seconds(durationMs)}.`,
    );
    say(
      "Reminder: Entra ID was SIMULATED (the azuread and random plugins were test doubles on the emulator's",
    );
    say(
      "  directory); the engine, the stack program, the providers and the host were real, against the local",
    );
    say("  Optima emulator.");
    return { steps: reports, handMadeRegistrationId, lines, secretsSeen: [...seen], durationMs };
  } finally {
    await s.close();
  }
}

function intro(say: (line?: string) => void, cli: PulumiCli): void {
  say("optima-csp offline rehearsal: no Azure or Optima account, about a minute and a half.");
  say(`Engine: the REAL Pulumi engine, Pulumi CLI ${cli.version} (${cli.source}: ${cli.path}).`);
  say("");
  say("SIMULATED here: Entra ID. The azuread and random plugins are test doubles working on the local");
  say(
    "  emulator's directory (tests/support/engine/doubles, each rule citing terraform-provider-azuread v3.8.0);",
  );
  say("  at the rotation its token endpoint refuses the new key until the key verification has been refused");
  say("  once (the key is still propagating, Entra ID's AADSTS7000215), then accepts it.");
  say("REAL: the engine, the stack program (index.ts, Pulumi.yaml) and its component, the dynamic-provider");
  say(
    "  host, the key verification and the Optima registration provider, against the local Optima emulator,",
  );
  say("  written from the API contract.");
  say("");
  say(
    `Settings: keyExpiresAfterDays ${SETTINGS["optima-csp:keyExpiresAfterDays"]}, rotateAfterDays ` +
      `${SETTINGS["optima-csp:rotateAfterDays"]}, rotationAnchor ${SETTINGS["optima-csp:rotationAnchor"]}; Optima org ` +
      `${ORG}, target csp-partner, MPN ID ${MPN}, domain ${DOMAIN}, Web App ${CLIENT_ID}.`,
  );
  say("Each scheduled run is `pulumi up --refresh`. Keys are shown by SHA-256 fingerprint, never by value.");
}

/** Slot and window of a key the stack made, from its display name (`optima-csp <id> slot a window 7 …`). */
function slotOf(displayName: string | null | undefined): { slot: Slot; window: number } | undefined {
  const match = /slot ([ab]) window (\d+)/.exec(displayName ?? "");
  return match ? { slot: match[1] as Slot, window: Number(match[2]) } : undefined;
}

/**
 * The scheduled run with a new key that Entra ID does not accept yet: refused until the key
 * verification has been refused once, then accepted (the propagation ends), so the run shows the
 * verification's wait and retry whatever the machine's speed.
 */
async function runWhilePropagating(s: Scenario, mark: LogMark): Promise<RunResult> {
  const { emulator } = s.world;
  const tenant = emulator.entra.directory.tenant(TENANT);
  tenant.propagationDelayMs = 86_400_000;
  const running = s.scheduledRun();
  let ended = false;
  void running.finally(() => {
    ended = true;
  });
  try {
    await waitUntil(
      "the key verification was refused once",
      () => ended || requestsSince(emulator, mark).some((r) => isEntraTokenRequest(r) && r.status === 401),
    );
  } finally {
    tenant.propagationDelayMs = 0;
    emulator.entra.directory.settle(TENANT);
  }
  return running;
}

/** One scheduled run at the world's instant: runs it, reports it, checks it. */
async function scheduledRun(
  s: Scenario,
  step: RehearsalStep,
  previous: StepReport | undefined,
  handMadeRegistrationId: string,
  say: (line?: string) => void,
): Promise<StepReport> {
  const { world } = s;
  const fail = (what: string): never => {
    throw new RehearsalError(`step "${step.name}": ${what}`);
  };
  const heldBefore = world.heldKey();
  const keysBefore = [...world.keys()]; // a copy: keys() is the directory's live list
  const mark = markLog(world.emulator);
  const run = s.expectOk(await (step.propagates ? runWhilePropagating(s, mark) : s.scheduledRun()));
  const log = requestsSince(world.emulator, mark);
  const known = new Set(keysBefore.map((k) => k.secret).concat(world.keys().map((k) => k.secret)));
  const tokenAnswers = log.filter(isEntraTokenRequest).map((r) => r.status);
  const optimaReceived = log
    .filter(isOptimaRequest)
    .map((r) => ({ method: r.method, path: r.path, status: r.status, fields: maskedFields(r.body, known) }));
  const changedSlots = (["a", "b"] as const).filter((slot) =>
    run.steps.some((x) => {
      const window = KEY_STEP.exec(x)?.[2];
      return window !== undefined && slotForWindow(Number(window)) === slot;
    }),
  );
  const heldKey = world.heldKey();
  const heldSlot = slotOf(heldKey?.displayName);
  const partners = world.emulator.cspPartners(ORG);

  say(`  engine steps: ${run.steps.length === 0 ? "none" : run.steps.join(", ")}`);
  const verification = verificationLine(tokenAnswers);
  if (verification !== undefined) {
    say(verification);
  }
  say("  Optima received:");
  for (const r of optimaReceived) {
    say(`    ${r.method} ${r.path}${r.fields === "" ? "" : ` {${r.fields}}`} → ${r.status}`);
  }
  for (const p of partners) {
    say(
      `  Optima holds: ${p.id}: mpn_id=${p.mpn_id} domain=${p.domain} application_id=${p.application_id} ` +
        `application_secret=${fingerprint(p.application_secret)} (${heldKey?.displayName ?? "not a key of the Web App"})`,
    );
  }
  say(
    `  the Web App's keys: ${world
      .keys()
      .map((k) => `${fingerprint(k.secret)} ${k.displayName ?? "(no name)"}`)
      .join("; ")}`,
  );

  // What every run must leave: one partnership, holding a key of the Web App that Entra ID accepts.
  if (partners.length !== 1) {
    fail(`Optima should hold exactly one partnership in org ${ORG}; it holds ${partners.length}`);
  }
  if (heldKey === undefined || heldSlot === undefined || !world.heldKeyWorks()) {
    fail("Optima does not hold a working key the stack made");
  }
  const held = { ...heldSlot!, fingerprint: fingerprint(heldKey!.secret) };
  const report: StepReport = {
    name: step.name,
    at: step.at,
    engineSteps: run.steps,
    changedSlots,
    tokenAnswers,
    optimaReceived,
    held,
    keys: world
      .keys()
      .flatMap((k) => {
        const key = slotOf(k.displayName);
        return key ? [{ ...key, fingerprint: fingerprint(k.secret) }] : [];
      })
      .sort((x, y) => x.slot.localeCompare(y.slot)),
    registrationId: partners[0]!.id,
  };
  if (changedSlots.join() !== step.changes.join()) {
    fail(
      `expected slots [${step.changes.join(", ")}] to change; the engine changed [${changedSlots.join(", ")}]`,
    );
  }
  const writes = optimaReceived.filter((r) => r.method !== "GET");
  const order = (x: string): number => run.steps.indexOf(x);
  if (step.name === "quiet-run") {
    if (run.steps.length > 0 || writes.length > 0 || held.fingerprint !== previous?.held.fingerprint) {
      fail(`a run inside the same window changed something (${run.steps.join(", ") || "writes to Optima"})`);
    }
  } else {
    // A new key: proven, then handed over in place (adopting the hand-made registration at first),
    // and the key Optima held is deleted only after that.
    if (!changedSlots.includes(held.slot) || held.window <= (previous?.held.window ?? 0)) {
      fail(
        `Optima should hold the new key of the current window; it holds slot ${held.slot}, window ${held.window}`,
      );
    }
    if (
      writes.length !== 1 ||
      writes[0]!.method !== "PATCH" ||
      !writes[0]!.fields.includes(held.fingerprint)
    ) {
      fail("Optima should receive exactly one PATCH, carrying the new active key");
    }
    if (step.name === "first-deployment" && report.registrationId !== handMadeRegistrationId) {
      fail("the first deployment must adopt the partnership registered by hand, not make another");
    }
    if (step.name !== "first-deployment" && order(`update ${REGISTRATION}`) < 0) {
      fail("the registration should be updated in place, not replaced");
    }
    const oldHeld = slotOf(heldBefore?.displayName);
    const deleted = oldHeld === undefined ? -1 : order(`delete optima-csp-key-w${oldHeld.window}`);
    if (deleted >= 0 && deleted < order(`update ${REGISTRATION}`)) {
      fail("the key Optima held was deleted before Optima had the new one");
    }
    if (step.propagates && !(tokenAnswers.includes(401) && tokenAnswers.at(-1) === 200)) {
      fail(
        `the key verification should have waited for the new key (token answers ${tokenAnswers.join(", ")})`,
      );
    }
  }
  for (const old of keysBefore) {
    const replaced = slotOf(old.displayName);
    if (
      replaced &&
      changedSlots.includes(replaced.slot) &&
      world.emulator.entra.isValid(TENANT, CLIENT_ID, old.secret)
    ) {
      fail(
        `the replaced key of slot ${replaced.slot} (window ${replaced.window}) is still valid in Entra ID`,
      );
    }
  }
  say(`  ✓ ${verdict(step, report)}`);
  return report;
}

/**
 * What Entra ID's token endpoint answered the key verification in one run, or undefined when it was
 * not asked; what a 401 means is said only when one came back.
 */
export function verificationLine(tokenAnswers: readonly number[]): string | undefined {
  if (tokenAnswers.length === 0) {
    return undefined;
  }
  const note = tokenAnswers.includes(401)
    ? " (401 = AADSTS7000215: the new key has not propagated yet; the verification waits and retries)"
    : "";
  return `  key verification: Entra ID's token endpoint answered ${tokenAnswers.join(", ")}${note}`;
}

/** One line saying what the step showed. */
function verdict(step: RehearsalStep, report: StepReport): string {
  const { held } = report;
  switch (step.name) {
    case "first-deployment":
      return `both slots made; Optima's hand-made registration (${report.registrationId}) was adopted and now holds slot ${held.slot}'s key (window ${held.window}).`;
    case "quiet-run":
      return "nothing changed: the engine found the same inputs everywhere and wrote nothing to Optima.";
    case "missed-window":
      return `both slots are new; Optima received the new active key (${held.fingerprint}) before the key it held was deleted.`;
    default:
      return `exactly the older slot (${held.slot}) was replaced, proven at Entra ID and handed to Optima (window ${held.window}); the other key stays valid as the previous key.`;
  }
}

// ---------------------------------------------------------------------------------------------
// The command line

const USAGE = `Usage: npm run rehearsal -- [--model]
  Runs this project's stack program under the real Pulumi engine at five simulated dates, against a
  local Optima emulator and a simulated Entra ID. It needs a Pulumi CLI: OPTIMA_CSP_PULUMI, the pinned
  build of tools/engine/build-pulumi.sh, or pulumi >= 3.142 on PATH. With none but Go on PATH, it
  builds the pinned one first (about 9 minutes once, then cached).
  --model   accepted for compatibility only: the hand-wired model it selected is gone`;

/** What the rehearsal says when asked for `--model`. */
export const MODEL_GONE =
  "--model: the hand-wired model of the engine that this flag selected is gone (it restated the engine's " +
  "order of calls and azuread.ApplicationPassword beside the component); the rehearsal always runs the stack " +
  "program under the real Pulumi engine. The flag is accepted and changes nothing.";

/** What the rehearsal says when no Pulumi CLI is found and there is no Go to build one. */
export function needsCli(cacheDir: string): string {
  return [
    "The rehearsal runs the stack program under the real Pulumi engine, and no Pulumi CLI was found",
    `(OPTIMA_CSP_PULUMI, the pinned build in ${cacheDir},`,
    "or pulumi >= 3.142 on PATH). Either:",
    "  - install the Pulumi CLI: https://www.pulumi.com/docs/iac/download-install/ , or",
    "  - install Go (https://go.dev/doc/install): the rehearsal then builds the pinned CLI itself (about",
    "    9 minutes once, then cached), as `bash tools/engine/build-pulumi.sh` does,",
    "then run `npm run rehearsal` again.",
  ].join("\n");
}

/** What the rehearsal says before it builds the pinned CLI (no CLI found, Go on PATH). */
export function buildingCli(cacheDir: string): string {
  return [
    `No Pulumi CLI was found (OPTIMA_CSP_PULUMI, the pinned build in ${cacheDir},`,
    `or pulumi >= 3.142 on PATH), but Go is: building the pinned Pulumi CLI ${PINNED_PULUMI_VERSION} from`,
    `its Go modules into ${cacheDir}, as CI does (bash tools/engine/build-pulumi.sh).`,
    "About 9 minutes on 2 cores, once: later runs use it at once. This build serves the rehearsal and",
    "the tests only (it has no Node.js language host): deploy with the official Pulumi CLI",
    "(https://www.pulumi.com/docs/iac/download-install/).",
  ].join("\n");
}

export interface MainDeps {
  readonly findCli?: () => PulumiCli | undefined;
  readonly run?: (cli: PulumiCli) => Promise<unknown>;
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  /** The bound on building the pinned CLI (tools/engine/build-pulumi.ts `BUILD_TIMEOUT_MS`). */
  readonly buildTimeoutMs?: number;
}

/** The command line: the exit code (0 passed, 1 failed or no CLI, 2 a usage mistake). */
export async function main(argv: readonly string[], deps: MainDeps = {}): Promise<number> {
  const out = deps.out ?? ((line: string) => console.log(line));
  const err = deps.err ?? ((line: string) => console.error(line));
  let flags: { model?: boolean };
  try {
    flags = parseFlags(argv, { model: { type: "boolean" } }, USAGE);
  } catch (e) {
    const text = (e as Error).message;
    const help = argv.includes("--help") || argv.includes("-h");
    (help ? out : err)(text);
    return help ? 0 : 2;
  }
  if (flags.model) {
    err(MODEL_GONE);
  }
  const findCli = deps.findCli ?? findPulumi;
  let cli = findCli();
  if (cli === undefined) {
    const cacheDir = pulumiCacheDir();
    if (onPath("go") === undefined) {
      err(needsCli(cacheDir));
      return 1;
    }
    out(buildingCli(cacheDir));
    const built = await buildPinnedPulumi({ onLine: out, timeoutMs: deps.buildTimeoutMs });
    cli = built.ok ? findCli() : undefined;
    if (cli === undefined) {
      err(
        `Building the pinned Pulumi CLI failed: ${built.ok ? `${built.path} does not run \`pulumi version\`` : built.reason}` +
          " (the build's output is above). Install the Pulumi CLI instead " +
          "(https://www.pulumi.com/docs/iac/download-install/), then run `npm run rehearsal` again.",
      );
      return 1;
    }
    out(`Built: Pulumi CLI ${cli.version} at ${cli.path}.`);
    out("");
  }
  try {
    await (deps.run ?? ((c: PulumiCli) => runRehearsal(c, { output: out })))(cli);
    return 0;
  } catch (e) {
    err(`\nREHEARSAL FAILED: ${(e as Error).message}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
