/**
 * `npm run rehearsal`: see the product work in seconds, with no Azure or Optima account.
 *
 * It starts the local Optima emulator, serializes the registration provider and the key
 * verification provider the way `@pulumi/pulumi` does, starts the real dynamic-provider host
 * process for each, and walks a timeline of scheduled runs (`pulumi up --refresh`, as the CI
 * examples run it) with the real rotation planning (`planRotation`):
 *
 *   1. first deployment (Optima already holds the partnership, registered by hand: it is adopted)
 *   2. a quiet run inside the same window: nothing changes
 *   3. the first run after a rotation boundary: exactly the older slot is replaced
 *   4. a late run, days after the next boundary: the same, days late, with no harm done
 *   5. a run that missed a whole window: both slots are new; Optima's old key goes last
 *
 * What is SIMULATED: Entra ID. The Web App's passwords are made here (`SimulatedPasswords`),
 * standing in for `azuread.ApplicationPassword` (every input forces a replacement, as in
 * @pulumi/azuread), and registered with the emulator's Entra ID token endpoint, which refuses a
 * new one for a moment (`activeAfterMs`), like Azure's AADSTS7000215. What is REAL: the Optima
 * registration provider, the key verification provider, the host processes, the rotation
 * planning, and the engine's order of calls as `./support-engine` states it (check → diff →
 * create/update; replacements create-before-delete, replaced resources deleted at the end of the
 * run in reverse dependency order). A real `pulumi up` starts fresh host processes each run; the
 * rehearsal keeps one per provider for the whole timeline, which only saves Optima token requests.
 *
 * Every step checks itself (which slots changed, what Optima holds, which keys Entra ID accepts)
 * and the rehearsal fails, exiting non-zero, on the first broken expectation. No secret is ever
 * printed: keys appear as SHA-256 fingerprints, and every output line is checked against every
 * secret the rehearsal made before it is written.
 *
 * `runRehearsal({ output })` is the whole rehearsal as a function, for tests.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { keyVerificationProvider, PARTNER_CENTER_SCOPE } from "../components/azure/keyVerification";
import {
  keyDisplayName,
  planRotation,
  SLOTS,
  type RotationPlan,
  type SlotName,
  type SlotPlan,
} from "../components/azure/rotation";
import { optimaRegistrationProvider } from "../components/optima/provider";
import { DEFAULT_REFRESH_TOKEN, startEmulator, type Emulator } from "./emulator/index";
import { parseFlags } from "./cli";
import { findPulumi } from "./engine/workspace";
import { serializeProvider, startHost, urnFor, type DynamicHost } from "./host";
import { runEngineRehearsal } from "./rehearsal-engine";
import {
  applyResource,
  deleteResource,
  emulatorStackConfig,
  fingerprint,
  isolatedHostEnv,
  isTokenRequest,
  markLog,
  maskedFields,
  refreshResource,
  requestsSince,
  seconds,
  withDeadline,
  type AppliedStep,
  type LogMark,
  type ResourceState,
  type StepKind,
} from "./support-engine";

// ---------------------------------------------------------------------------------------------
// The simulated partner (made-up identifiers, shaped like real ones)

const TENANT_ID = "6c3f0a52-8e1d-4b7a-9f25-3d0e7b1c4a96";
const WEB_APP_CLIENT_ID = "b7e4d2c1-5a3f-4e8b-a1d6-0c9f8e7d6b5a";
const WEB_APP_OBJECT_ID = "2f9a8b7c-6d5e-4f3a-8b2c-1d0e9f8a7b6c";
const ORG_ID = "27182";
const MPN_ID = "6543210";
const DOMAIN = "contoso-csp.onmicrosoft.com";
const KEY_EXPIRES_AFTER_DAYS = 180;
const ROTATE_AFTER_DAYS = 60;
const ANCHOR = "2024-01-01T00:00:00Z";
const VERIFY_TIMEOUT_SECONDS = 60;
const COMPONENT = "partner";

const REGISTRATION_URN = urnFor(
  "pulumi-nodejs:dynamic/optima-csp:Registration",
  `${COMPONENT}-registration`,
  "rehearsal",
);
const VERIFICATION_URN = urnFor(
  "pulumi-nodejs:dynamic/optima-csp:KeyVerification",
  `${COMPONENT}-key-verification`,
  "rehearsal",
);

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/** How long a whole rehearsal may take before it is abandoned. */
export const REHEARSAL_TIMEOUT_MS = 120_000;

// ---------------------------------------------------------------------------------------------
// The timeline

export type StepName = "first-deployment" | "quiet-run" | "rotation" | "late-run" | "missed-window";

/** Which slots a step must replace: `first` creates both. */
type Expectation = "first" | "none" | "older" | "both";

interface TimelineStep {
  readonly name: StepName;
  readonly title: string;
  /** When the run happens, given the previous run's time and plan. */
  readonly at: (previous: { readonly at: Date; readonly plan: RotationPlan } | undefined) => Date;
  readonly expect: Expectation;
  /** How long the simulated Entra ID refuses a key made in this run. */
  readonly propagation: "short" | "long";
  /** A line said before the step (what happened in between). */
  readonly before?: string;
}

const hoursAfter = (instant: string | Date, hours: number): Date =>
  new Date(new Date(instant).getTime() + hours * HOUR_MS);

const TIMELINE: readonly TimelineStep[] = [
  {
    name: "first-deployment",
    title: "first deployment",
    at: () => new Date("2025-03-10T09:00:00Z"),
    expect: "first",
    propagation: "short",
    before:
      "Before it, the partnership is registered in Optima by hand, with a key made in the portal (the manual setup this replaces).",
  },
  {
    name: "quiet-run",
    title: "quiet run in the same window (the next morning's scheduled run)",
    at: (previous) => hoursAfter(previous!.at, 21),
    expect: "none",
    propagation: "short",
  },
  {
    name: "rotation",
    title: "first run after a rotation boundary",
    at: (previous) => hoursAfter(previous!.plan.nextRotationAt, 6),
    expect: "older",
    propagation: "long",
    before:
      "(Every daily run between the quiet run and this boundary plans the same inputs and changes nothing.)",
  },
  {
    name: "late-run",
    title: "late run, 4 days after the next boundary (the scheduled runs failed until then)",
    at: (previous) => hoursAfter(previous!.plan.nextRotationAt, 4 * 24 + 6),
    expect: "older",
    propagation: "short",
  },
  {
    name: "missed-window",
    title: "a run that missed a whole window",
    at: (previous) => hoursAfter(previous!.plan.nextRotationAt, (ROTATE_AFTER_DAYS + 10) * 24 + 6),
    expect: "both",
    propagation: "short",
    before: "(No run at all for more than a whole rotation period: the pipeline was switched off.)",
  },
];

// ---------------------------------------------------------------------------------------------
// Simulated Entra ID passwords (standing in for azuread.ApplicationPassword)

interface PasswordInputs {
  readonly applicationId: string;
  readonly displayName: string;
  readonly endDate: string;
  readonly rotateWhenChanged: Readonly<Record<string, string>>;
}

interface Password {
  readonly keyId: string;
  /** The secret. Never printed; only its fingerprint is. */
  readonly value: string;
  readonly inputs: PasswordInputs;
  /** The plan of the slot when the password was made (its window and dates). */
  readonly slotPlan: SlotPlan;
}

/** Every input of an ApplicationPassword forces a replacement: same inputs or not. */
function samePasswordInputs(a: PasswordInputs, b: PasswordInputs): boolean {
  const keys = new Set([...Object.keys(a.rotateWhenChanged), ...Object.keys(b.rotateWhenChanged)]);
  return (
    a.applicationId === b.applicationId &&
    a.displayName === b.displayName &&
    a.endDate === b.endDate &&
    [...keys].every((key) => a.rotateWhenChanged[key] === b.rotateWhenChanged[key])
  );
}

/**
 * The Web App's passwords in the simulated directory. Each is registered with the emulator's
 * Entra ID token endpoint, which refuses it until `activeAfterMs` have passed.
 */
class SimulatedPasswords {
  private readonly directory = new Map<string, Password>();
  /** Every secret made, for the output guard and for tests' scans. */
  readonly made: string[] = [];

  constructor(private readonly emulator: Emulator) {}

  create(inputs: PasswordInputs, slotPlan: SlotPlan, activeAfterMs: number): Password {
    const password: Password = { keyId: randomUUID(), value: this.secret(), inputs, slotPlan };
    this.emulator.entra.addSecret(TENANT_ID, WEB_APP_CLIENT_ID, password.value, { activeAfterMs });
    this.directory.set(password.keyId, password);
    return password;
  }

  /** A key made by hand in the portal before the stack existed. */
  handMade(): string {
    const value = this.secret();
    this.emulator.entra.addSecret(TENANT_ID, WEB_APP_CLIENT_ID, value);
    return value;
  }

  delete(password: Password): void {
    this.emulator.entra.removeSecret(TENANT_ID, WEB_APP_CLIENT_ID, password.value);
    this.directory.delete(password.keyId);
  }

  /** Refresh: whether the directory still has the key (undefined: deleted outside the stack). */
  read(password: Password): Password | undefined {
    return this.directory.get(password.keyId);
  }

  /** Shaped like an Azure client secret: 40 characters. */
  private secret(): string {
    const value = randomBytes(30).toString("base64url");
    this.made.push(value);
    return value;
  }
}

// ---------------------------------------------------------------------------------------------
// Reports

export interface SlotReport {
  readonly slot: SlotName;
  readonly change: "created" | "kept" | "replaced";
  readonly role: "active" | "previous";
  readonly window: number;
  readonly keyId: string;
  /** The key the slot held before this run, when it was replaced. */
  readonly replacedKeyId?: string;
  readonly endDate: string;
  readonly fingerprint: string;
}

export interface OptimaRequestReport {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** The body as `name=value` pairs, secrets as fingerprints. */
  readonly fields: string;
}

export interface StepReport {
  readonly name: StepName;
  readonly date: string;
  readonly window: number;
  readonly activeSlot: SlotName;
  readonly nextRotationAt: string;
  readonly slots: readonly SlotReport[];
  readonly verification: {
    readonly kind: StepKind;
    readonly keyId: string;
    /** Token requests the verification provider made in this run (0 when nothing changed). */
    readonly attempts: number;
    /** Statuses the simulated Entra ID token endpoint answered, in order. */
    readonly tokenStatuses: readonly number[];
    readonly elapsedMs: number;
  };
  readonly registration: {
    readonly kind: StepKind;
    readonly calls: readonly string[];
    readonly adopted: boolean;
  };
  /** API requests Optima received in this run, in order (token requests aside). */
  readonly optimaReceived: readonly OptimaRequestReport[];
  /** The fingerprint of the secret Optima holds after the run. */
  readonly optimaHoldsFingerprint: string;
  /** What was deleted at the end of the run. */
  readonly deleted: readonly string[];
}

export interface RehearsalOptions {
  /** Where lines go. Default `console.log`. */
  readonly output?: (line: string) => void;
  /** How long the simulated Entra ID refuses a new key at the rotation step, in ms. Default 1500. */
  readonly longPropagationMs?: number;
  /** How long it refuses a new key at the other steps, in ms. Default 300. */
  readonly shortPropagationMs?: number;
  /** The whole rehearsal's deadline, in ms. Default {@link REHEARSAL_TIMEOUT_MS}. */
  readonly timeoutMs?: number;
}

export interface RehearsalResult {
  readonly steps: readonly StepReport[];
  /** Every line written. */
  readonly lines: readonly string[];
  /** Every secret the rehearsal made (for tests' scans of the output; never print these). */
  readonly secretsMade: readonly string[];
  readonly durationMs: number;
}

/** A broken expectation: the rehearsal fails with it. */
export class RehearsalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RehearsalError";
  }
}

const short = (id: string): string => `${id.slice(0, 8)}…`;
const day = (iso: string): string => iso.slice(0, 10);

// ---------------------------------------------------------------------------------------------
// The rehearsal

interface StackState {
  deploymentId?: string;
  passwords: Partial<Record<SlotName, Password>>;
  verification?: ResourceState;
  registration?: ResourceState;
}

/** Runs the whole rehearsal; rejects with a {@link RehearsalError} on a broken expectation. */
export async function runRehearsal(options: RehearsalOptions = {}): Promise<RehearsalResult> {
  const started = performance.now();
  const write = options.output ?? ((line: string) => console.log(line));
  const lines: string[] = [];
  const longMs = options.longPropagationMs ?? 1500;
  const shortMs = options.shortPropagationMs ?? 300;

  let emulator: Emulator | undefined;
  const hosts: DynamicHost[] = [];
  let passwords: SimulatedPasswords | undefined;
  const secretsMade = (): readonly string[] => passwords?.made ?? [];

  /** Writes a line, after making sure it holds no secret. */
  const say = (line = ""): void => {
    for (const secret of secretsMade()) {
      if (line.includes(secret)) {
        throw new RehearsalError("refusing to print a line that contains a secret (a bug in the rehearsal)");
      }
    }
    lines.push(line);
    write(line);
  };

  try {
    const steps = await withDeadline("the rehearsal", options.timeoutMs ?? REHEARSAL_TIMEOUT_MS, async () => {
      emulator = await startEmulator();
      const emu = emulator;
      passwords = new SimulatedPasswords(emu);
      const pw = passwords;
      const [registrationText, verificationText] = await Promise.all([
        serializeProvider(optimaRegistrationProvider),
        serializeProvider(keyVerificationProvider),
      ]);
      const start = async (providerText: string): Promise<DynamicHost> => {
        const host = await startHost({ providerText, env: isolatedHostEnv() });
        hosts.push(host);
        return host;
      };
      const [registrationHost, verificationHost] = await Promise.all([
        start(registrationText),
        start(verificationText),
      ]);
      await registrationHost.configure(emulatorStackConfig(emu, DEFAULT_REFRESH_TOKEN));
      await verificationHost.configure({});

      intro(say, registrationHost.pid, verificationHost.pid, emu.url);

      const handKey = pw.handMade();
      emu.seedCspPartner(ORG_ID, {
        mpn_id: MPN_ID,
        domain: DOMAIN,
        application_id: WEB_APP_CLIENT_ID,
        application_secret: handKey,
      });

      const state: StackState = { passwords: {} };
      const reports: StepReport[] = [];
      let previous: { at: Date; plan: RotationPlan } | undefined;
      for (const [index, step] of TIMELINE.entries()) {
        const now = step.at(previous);
        const plan = planRotation({
          now,
          anchor: ANCHOR,
          keyExpiresAfterDays: KEY_EXPIRES_AFTER_DAYS,
          rotateAfterDays: ROTATE_AFTER_DAYS,
        });
        say("");
        if (step.before) {
          say(step.before);
        }
        say(
          `== Step ${index + 1}/${TIMELINE.length}: ${step.title} · ${now.toISOString().replace(".000Z", "Z")} ==`,
        );
        const report = await scheduledRun({
          step,
          now,
          plan,
          previousPlan: previous?.plan,
          state,
          emulator: emu,
          passwords: pw,
          registrationHost,
          verificationHost,
          activeAfterMs: step.propagation === "long" ? longMs : shortMs,
          say,
        });
        reports.push(report);
        previous = { at: now, plan };
      }

      say("");
      say(
        `The key made by hand before the stack existed (${fingerprint(handKey)}) is still valid in Entra ID: ` +
          `${emu.entra.isValid(TENANT_ID, WEB_APP_CLIENT_ID, handKey) ? "yes" : "no"}. The stack never manages it; ` +
          "delete it in the portal once Optima works with the stack's key.",
      );
      return reports;
    });
    const durationMs = performance.now() - started;
    outro(say, steps.length, durationMs);
    return { steps, lines, secretsMade: [...secretsMade()], durationMs };
  } finally {
    await Promise.all(hosts.map((h) => h.close()));
    await emulator?.close();
  }
}

function intro(
  say: (line?: string) => void,
  registrationPid: number,
  verificationPid: number,
  emulatorUrl: string,
): void {
  say("optima-csp offline rehearsal: no Azure or Optima account, a few seconds.");
  say("");
  say("SIMULATED here: Entra ID. The Partner Center Web App and its passwords are made by this rehearsal,");
  say(
    "  standing in for azuread.ApplicationPassword (every input forces a replacement, as in @pulumi/azuread);",
  );
  say(
    "  the token endpoint that checks them is the local emulator's, which refuses a new password for a moment",
  );
  say("  after it is made, like Entra ID's AADSTS7000215.");
  say("REAL code: the Optima registration provider and the key verification provider, each serialized as");
  say(
    `  @pulumi/pulumi does and run in its own real dynamic-provider host process (pids ${registrationPid}, ${verificationPid}),`,
  );
  say(
    "  the rotation planning (planRotation), and the engine's order of calls: check → diff → create/update,",
  );
  say("  replacements create-before-delete, replaced resources deleted at the end of the run.");
  say(`Optima is the local emulator at ${emulatorUrl}, written from the API contract.`);
  say("");
  say(
    `Settings: keyExpiresAfterDays ${KEY_EXPIRES_AFTER_DAYS}, rotateAfterDays ${ROTATE_AFTER_DAYS}, rotationAnchor ${ANCHOR}; ` +
      `Optima org ${ORG_ID}, target csp-partner, MPN ID ${MPN_ID}, domain ${DOMAIN}, Web App ${WEB_APP_CLIENT_ID}.`,
  );
  say(
    "Each scheduled run is `pulumi up --refresh`. Keys are shown by ID and SHA-256 fingerprint, never by value.",
  );
}

function outro(say: (line?: string) => void, steps: number, durationMs: number): void {
  say("");
  say(`Rehearsal passed: ${steps} runs, every check held, in ${seconds(durationMs)}.`);
  say("Reminder: Entra ID was SIMULATED (the passwords were made by this rehearsal, standing in for");
  say(
    "  azuread.ApplicationPassword); the Optima provider, the verification provider, the host processes and the",
  );
  say("  rotation planning were the real code, against the local Optima emulator.");
}

interface RunContext {
  readonly step: TimelineStep;
  readonly now: Date;
  readonly plan: RotationPlan;
  readonly previousPlan: RotationPlan | undefined;
  readonly state: StackState;
  readonly emulator: Emulator;
  readonly passwords: SimulatedPasswords;
  readonly registrationHost: DynamicHost;
  readonly verificationHost: DynamicHost;
  readonly activeAfterMs: number;
  readonly say: (line?: string) => void;
}

/**
 * One `pulumi up --refresh` at `now`: refresh every resource, then the resources in dependency
 * order (passwords → verification of the active key → registration), then delete what was
 * replaced, dependents first. Reports, checks the step's expectations, and says what it showed.
 */
async function scheduledRun(ctx: RunContext): Promise<StepReport> {
  const { plan, state, emulator, say } = ctx;
  const runMark = markLog(emulator);
  say(
    `window ${plan.window} (started ${plan.slots[plan.activeSlot].windowStartsAt}) · active slot ${plan.activeSlot} · ` +
      `next rotation ${plan.nextRotationAt}`,
  );
  const heldBefore = optimaKey(ctx);
  if (heldBefore !== undefined) {
    const { keyId, slotPlan } = heldBefore.password;
    const daysLeft = Math.floor((Date.parse(slotPlan.endDate) - ctx.now.getTime()) / DAY_MS);
    say(
      `before this run Optima holds slot ${heldBefore.slot}'s key ${short(keyId)} (window ${slotPlan.window}), ` +
        `valid until ${day(slotPlan.endDate)}: ${daysLeft} days left`,
    );
  }

  await refresh(ctx);
  state.deploymentId ??= randomBytes(4).toString("hex"); // random.RandomId: made once, stable afterwards
  const { slots, replaced } = applyPasswords(ctx, state.deploymentId);
  const active = state.passwords[plan.activeSlot]!;
  const verification = await applyVerification(ctx, active);
  const registration = await applyRegistration(ctx, active);
  const deleted = await deleteReplaced(ctx, verification.step.replaced, replaced, heldBefore?.password);
  const optimaReceived = reportOptima(ctx, runMark);
  say(`  deleted at the end of the run: ${deleted.length === 0 ? "nothing" : deleted.join("; ")}`);

  const held = emulator.cspPartners(ORG_ID);
  const report: StepReport = {
    name: ctx.step.name,
    date: ctx.now.toISOString(),
    window: plan.window,
    activeSlot: plan.activeSlot,
    nextRotationAt: plan.nextRotationAt,
    slots,
    verification: {
      kind: verification.step.kind,
      keyId: active.keyId,
      attempts: verification.attempts,
      tokenStatuses: verification.tokenStatuses,
      elapsedMs: verification.elapsedMs,
    },
    registration,
    optimaReceived,
    optimaHoldsFingerprint: held.length === 1 ? fingerprint(held[0]!.application_secret) : "",
    deleted,
  };
  checkStep(
    ctx,
    report,
    replaced.map((r) => r.password),
  );
  say(`  ✓ ${verdict(ctx, report)}`);
  return report;
}

/** Refresh: the engine reads every resource in state before it plans. */
async function refresh(ctx: RunContext): Promise<void> {
  const { state } = ctx;
  for (const slot of SLOTS) {
    const password = state.passwords[slot];
    if (password !== undefined && ctx.passwords.read(password) === undefined) {
      ctx.say(
        `refresh: slot ${slot}'s key ${short(password.keyId)} is gone from Entra ID; it will be made again`,
      );
      delete state.passwords[slot];
    }
  }
  if (state.verification !== undefined) {
    state.verification = await refreshResource(ctx.verificationHost, VERIFICATION_URN, state.verification);
  }
  if (state.registration !== undefined) {
    state.registration = await refreshResource(ctx.registrationHost, REGISTRATION_URN, state.registration);
  }
}

/**
 * The two password slots, as the component declares them from the plan. A slot whose inputs
 * changed is replaced create-before-delete: the new password now, the old one returned for
 * deletion at the end of the run.
 */
function applyPasswords(
  ctx: RunContext,
  deploymentId: string,
): { slots: SlotReport[]; replaced: { slot: SlotName; password: Password }[] } {
  const { plan, state } = ctx;
  const slots: SlotReport[] = [];
  const replaced: { slot: SlotName; password: Password }[] = [];
  for (const slot of SLOTS) {
    const slotPlan = plan.slots[slot];
    const desired: PasswordInputs = {
      applicationId: `/applications/${WEB_APP_OBJECT_ID}`,
      displayName: keyDisplayName(slotPlan, deploymentId),
      endDate: slotPlan.endDate,
      rotateWhenChanged: { ...slotPlan.rotateWhenChanged },
    };
    const old = state.passwords[slot];
    const change: SlotReport["change"] =
      old === undefined ? "created" : samePasswordInputs(old.inputs, desired) ? "kept" : "replaced";
    if (change !== "kept") {
      state.passwords[slot] = ctx.passwords.create(desired, slotPlan, ctx.activeAfterMs);
    }
    if (change === "replaced") {
      replaced.push({ slot, password: old! });
    }
    const current = state.passwords[slot]!;
    const report: SlotReport = {
      slot,
      change,
      role: slot === plan.activeSlot ? "active" : "previous",
      window: current.slotPlan.window,
      keyId: current.keyId,
      ...(change === "replaced" ? { replacedKeyId: old!.keyId } : {}),
      endDate: current.slotPlan.endDate,
      fingerprint: fingerprint(current.value),
    };
    slots.push(report);
    const was = report.replacedKeyId === undefined ? "" : ` (was ${short(report.replacedKeyId)})`;
    ctx.say(
      `  slot ${slot}: ${change.padEnd(8)} key ${short(report.keyId)}${was} window ${report.window}, ` +
        `expires ${day(report.endDate)}, ${report.fingerprint} (${report.role} key)`,
    );
  }
  return { slots, replaced };
}

/** The KeyVerification of the active key, through its real host; what the token endpoint answered. */
async function applyVerification(
  ctx: RunContext,
  active: Password,
): Promise<{ step: AppliedStep; attempts: number; tokenStatuses: number[]; elapsedMs: number }> {
  const mark = markLog(ctx.emulator);
  const started = performance.now();
  const step = await applyResource(ctx.verificationHost, VERIFICATION_URN, ctx.state.verification, {
    tenantId: TENANT_ID,
    clientId: WEB_APP_CLIENT_ID,
    keyId: active.keyId,
    secret: active.value,
    authorityHost: ctx.emulator.entra.authorityHost,
    timeoutSeconds: VERIFY_TIMEOUT_SECONDS,
    scope: PARTNER_CENTER_SCOPE,
  });
  const elapsedMs = performance.now() - started;
  ctx.state.verification = step.state;
  const tokenStatuses = requestsSince(ctx.emulator, mark)
    .filter((r) => r.path.startsWith("/entra/"))
    .map((r) => r.status);
  const calls = step.calls.join(" → ");
  if (step.kind === "same") {
    ctx.say(
      `  verification: unchanged (${calls}): key ${short(active.keyId)} was proven before; no token request`,
    );
    return { step, attempts: 0, tokenStatuses, elapsedMs };
  }
  const attempts = Number(step.state.outputs.attempts);
  ctx.say(
    `  verification: ${step.kind} (${calls}): the simulated Entra ID accepted key ${short(active.keyId)} after ` +
      `${attempts} token request${attempts === 1 ? "" : "s"} (answers ${tokenStatuses.join(", ")}; ` +
      `401 = AADSTS7000215, not propagated yet) in ${seconds(elapsedMs)}`,
  );
  return { step, attempts, tokenStatuses, elapsedMs };
}

/** The OptimaRegistration with the active key, through its real host (after the verification). */
async function applyRegistration(ctx: RunContext, active: Password): Promise<StepReport["registration"]> {
  const step = await applyResource(ctx.registrationHost, REGISTRATION_URN, ctx.state.registration, {
    target: "csp-partner",
    orgId: ORG_ID,
    mpnId: MPN_ID,
    domain: DOMAIN,
    applicationId: WEB_APP_CLIENT_ID,
    applicationSecret: active.value,
  });
  ctx.state.registration = step.state;
  const adopted = step.state.outputs.adopted === true;
  ctx.say(
    `  registration: ${step.kind === "same" ? "unchanged" : step.kind} (${step.calls.join(" → ")})` +
      (step.kind === "create" && adopted
        ? `: Optima already held this partnership (${step.state.id}); adopted and updated, not duplicated`
        : ""),
  );
  return { kind: step.kind, calls: step.calls, adopted };
}

/** The end of the run: replaced resources are deleted, dependents (the verification) first. */
async function deleteReplaced(
  ctx: RunContext,
  verification: ResourceState | undefined,
  passwords: readonly { slot: SlotName; password: Password }[],
  optimaHeld: Password | undefined,
): Promise<string[]> {
  const deleted: string[] = [];
  if (verification !== undefined) {
    await deleteResource(ctx.verificationHost, VERIFICATION_URN, verification);
    deleted.push(`the verification of key ${short(verification.id)} (a record; nothing to undo)`);
  }
  for (const { slot, password } of passwords) {
    if (ctx.emulator.cspPartners(ORG_ID).some((p) => p.application_secret === password.value)) {
      throw new RehearsalError(
        `step "${ctx.step.name}": slot ${slot}'s old key is about to be deleted while Optima still holds it`,
      );
    }
    ctx.passwords.delete(password);
    const { window, endDate } = password.slotPlan;
    const expiry =
      Date.parse(endDate) <= ctx.now.getTime()
        ? `had expired on ${day(endDate)}`
        : `would have expired ${day(endDate)}`;
    const held = password.keyId === optimaHeld?.keyId ? ", the key Optima held until this run" : "";
    deleted.push(`slot ${slot}'s old key ${short(password.keyId)} (window ${window}, ${expiry}${held})`);
  }
  return deleted;
}

/** Says what Optima received in this run (secrets as fingerprints) and what it holds now. */
function reportOptima(ctx: RunContext, runMark: LogMark): OptimaRequestReport[] {
  const { emulator, state, say } = ctx;
  const known = new Set(ctx.passwords.made);
  const log = requestsSince(emulator, runMark);
  const received = log
    .filter((r) => !isTokenRequest(r))
    .map((r) => ({ method: r.method, path: r.path, status: r.status, fields: maskedFields(r.body, known) }));
  const tokenRequests = log.filter((r) => r.path === "/oidc/token").length;
  say(`  Optima received${tokenRequests > 0 ? ` (after ${tokenRequests} token request)` : ""}:`);
  for (const r of received) {
    say(`    ${r.method} ${r.path}${r.fields === "" ? "" : ` {${r.fields}}`} → ${r.status}`);
  }
  for (const p of emulator.cspPartners(ORG_ID)) {
    const slot = SLOTS.find((s) => state.passwords[s]?.value === p.application_secret);
    const which =
      slot === undefined
        ? "not a key of the stack"
        : `slot ${slot}'s key ${short(state.passwords[slot]!.keyId)}, window ${state.passwords[slot]!.slotPlan.window}`;
    say(
      `  Optima holds: ${p.id}: mpn_id=${p.mpn_id} domain=${p.domain} application_id=${p.application_id} ` +
        `application_secret=${fingerprint(p.application_secret)} (= ${which})`,
    );
  }
  return received;
}

/** The stack's key Optima holds now, and its slot; undefined when Optima holds none of them. */
function optimaKey(ctx: RunContext): { slot: SlotName; password: Password } | undefined {
  const held = ctx.emulator.cspPartners(ORG_ID)[0];
  const slot = SLOTS.find((s) => ctx.state.passwords[s]?.value === held?.application_secret);
  return slot === undefined ? undefined : { slot, password: ctx.state.passwords[slot]! };
}

/** The expectations of a step; throws a {@link RehearsalError} naming the first broken one. */
function checkStep(ctx: RunContext, report: StepReport, replaced: readonly Password[]): void {
  const { step, plan, previousPlan, state, emulator } = ctx;
  function fail(what: string): never {
    throw new RehearsalError(`step "${step.name}": ${what}`);
  }
  const changed = report.slots.filter((s) => s.change !== "kept").map((s) => s.slot);
  const writes = report.optimaReceived.filter((r) => r.method !== "GET");

  switch (step.expect) {
    case "first":
      if (report.slots.some((s) => s.change !== "created")) {
        fail("the first deployment must create both slots");
      }
      if (report.registration.kind !== "create" || !report.registration.adopted) {
        fail("the first deployment must adopt the partnership registered by hand");
      }
      break;
    case "none":
      if (previousPlan === undefined || previousPlan.window !== plan.window) {
        fail("the quiet run is not in the same window as the run before it");
      }
      if (changed.length > 0 || report.verification.kind !== "same" || report.registration.kind !== "same") {
        fail(`a run inside the same window changed something (slots ${changed.join(", ") || "none"})`);
      }
      if (writes.length > 0) {
        fail(`a run inside the same window sent ${writes.map((w) => w.method).join(", ")} to Optima`);
      }
      break;
    case "older":
      if (previousPlan === undefined || plan.window !== previousPlan.window + 1) {
        fail("this run is not in the window after the previous run's");
      }
      if (changed.length !== 1 || changed[0] !== previousPlan.previousSlot) {
        fail(
          `exactly the older slot (${previousPlan.previousSlot}) should be replaced; replaced: ${changed.join(", ") || "none"}`,
        );
      }
      break;
    case "both":
      if (previousPlan === undefined || plan.window < previousPlan.window + 2) {
        fail("this run did not miss a whole window");
      }
      if (changed.length !== 2) {
        fail(`both slots should be replaced; replaced: ${changed.join(", ") || "none"}`);
      }
      break;
  }
  if (step.expect === "older" || step.expect === "both") {
    if (report.verification.kind !== "replace" || report.registration.kind !== "update") {
      fail(
        `a rotation must verify the new key and update Optima in place (got ${report.verification.kind}, ${report.registration.kind})`,
      );
    }
    const patches = writes.filter((w) => w.method === "PATCH");
    const activeFingerprint = fingerprint(state.passwords[plan.activeSlot]!.value);
    if (writes.length !== 1 || patches.length !== 1 || !patches[0]!.fields.includes(activeFingerprint)) {
      fail("Optima should receive exactly one PATCH, carrying the new active key");
    }
  }

  const held = emulator.cspPartners(ORG_ID);
  const active = state.passwords[plan.activeSlot]!;
  if (held.length !== 1) {
    fail(`Optima should hold exactly one partnership in org ${ORG_ID}; it holds ${held.length}`);
  }
  if (held[0]!.application_secret !== active.value) {
    fail(`Optima does not hold the active key (slot ${plan.activeSlot})`);
  }
  if (!emulator.entra.isValid(TENANT_ID, WEB_APP_CLIENT_ID, active.value)) {
    fail("Entra ID does not accept the active key");
  }
  for (const old of replaced) {
    if (emulator.entra.isValid(TENANT_ID, WEB_APP_CLIENT_ID, old.value)) {
      fail(`the replaced key ${old.keyId} is still valid in Entra ID`);
    }
  }
  if (active.slotPlan.window !== plan.window) {
    fail(`the active slot holds window ${active.slotPlan.window}, not ${plan.window}`);
  }
}

/** One line saying what the step showed. */
function verdict(ctx: RunContext, report: StepReport): string {
  const { step, plan } = ctx;
  const previous = ctx.state.passwords[plan.previousSlot]!;
  switch (step.expect) {
    case "first":
      return `both slots made; Optima adopted the stack's active key (slot ${plan.activeSlot}) in place of the hand-made one.`;
    case "none":
      return "nothing changed: every Check/Diff found the same inputs; Optima only answered the refresh read.";
    case "older":
      return (
        `exactly the older slot (${plan.activeSlot}) was replaced and Optima has its new key; the previous key ` +
        `(slot ${plan.previousSlot}, window ${previous.slotPlan.window}) stays valid until ${day(previous.slotPlan.endDate)}.`
      );
    case "both":
      return (
        `both slots are new (windows ${plan.window - 1} and ${plan.window}); Optima received the new active key ` +
        `(${report.optimaHoldsFingerprint}) before the key it held was deleted.`
      );
  }
}

const USAGE = `Usage: npm run rehearsal -- [--model]
  --model   use the hand-wired engine model (tools/support-engine) even when a Pulumi CLI is found
By default the rehearsal runs under the real Pulumi engine when a CLI is found (OPTIMA_CSP_PULUMI,
the pinned build from tools/engine/build-pulumi.sh, or pulumi on PATH), and says which it used.`;

if (require.main === module) {
  const flags = parseFlags(process.argv.slice(2), { model: { type: "boolean" } }, USAGE);
  const cli = flags.model ? undefined : findPulumi();
  if (cli === undefined) {
    console.log(
      flags.model
        ? "Engine: the hand-wired model of the engine's order of calls (tools/support-engine), as asked (--model)."
        : "Engine: no Pulumi CLI found, so the hand-wired model of the engine's order of calls " +
            "(tools/support-engine). Install the Pulumi CLI, or run `bash tools/engine/build-pulumi.sh`, " +
            "to rehearse under the real engine.",
    );
  }
  (cli ? runEngineRehearsal(cli) : runRehearsal()).then(
    () => {
      process.exitCode = 0;
    },
    (err: unknown) => {
      console.error(`\nREHEARSAL FAILED: ${(err as Error).message}`);
      process.exitCode = 1;
    },
  );
}
