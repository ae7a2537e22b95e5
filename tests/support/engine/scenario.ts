/**
 * One stack of the stack program in one simulated world, driven by the real Pulumi CLI: what
 * every engine scenario is built from.
 *
 * - `scheduledRun()` is exactly what the CI examples run (`pulumi up --refresh --yes --stack S`),
 *   with the program's clock (`optima-csp:clock`) set to the world's; `scheduledRun(SKIP_PREVIEW)`
 *   the same without its preview, where no assertion reads the preview (see {@link SKIP_PREVIEW}).
 * - `steps` are the engine's own: read from `--event-log` (resource outputs and failures, in the
 *   order the engine finished them), never from the program.
 * - After each command, `assertNoPlainSecret()` checks `pulumi stack export` against every
 *   secret the world knows.
 *
 * When no CLI is found (tests/support/engine/workspace `findPulumi`), the scenarios are skipped with a
 * notice saying how to enable them; with `OPTIMA_CSP_REQUIRE_ENGINE=1` (set by .ci/run) a
 * missing CLI fails the run instead.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import {
  REPO_ROOT,
  findPulumi,
  type CommandResult,
  type EngineWorkspace,
  type PulumiCli,
  type RunningCommand,
} from "./workspace";
import { World, type WorldOptions } from "./world";

/** A whole scenario may take this long (it runs several `pulumi` commands). */
export const SCENARIO_TIMEOUT_MS = 15 * 60_000;

/** The CLI the scenarios use, or undefined after printing why they are skipped. */
export function cliOrNotice(): PulumiCli | undefined {
  const cli = findPulumi();
  if (cli === undefined) {
    if (process.env.OPTIMA_CSP_REQUIRE_ENGINE === "1") {
      throw new Error(
        "OPTIMA_CSP_REQUIRE_ENGINE=1 but no Pulumi CLI was found: run tools/engine/build-pulumi.sh (needs Go) " +
          "or install a Pulumi CLI ≥ 3.142 on PATH.",
      );
    }
    console.warn(
      [
        "",
        "************************************************************************************************",
        "  ENGINE SCENARIOS SKIPPED: no Pulumi CLI found.",
        "  They run the stack program under the real Pulumi engine. To run them, either install the",
        "  Pulumi CLI (https://www.pulumi.com/docs/install/) or build the pinned one with Go:",
        "      bash tools/engine/build-pulumi.sh      # about 9 minutes once, then cached",
        "  then `npm run test:engine`. CI always runs them.",
        "************************************************************************************************",
        "",
      ].join("\n"),
    );
  }
  return cli;
}

/**
 * The start every engine file shares: its scenarios' timeout, the CLI (or cliOrNotice's notice),
 * and `describe` when there is a CLI, `describe.skip` when there is none.
 */
export function engineSuite(): { cli: PulumiCli | undefined; describeEngine: jest.Describe } {
  jest.setTimeout(SCENARIO_TIMEOUT_MS);
  const cli = cliOrNotice();
  return { cli, describeEngine: cli ? describe : describe.skip };
}

/** After each test, its scenario (if it started one): no plain secret in its state, then closed. */
export function closeScenarioAfterEach(current: () => Scenario | undefined): void {
  afterEach(async () => {
    const s = current();
    if (s) {
      await s.assertNoPlainSecret();
      await s.close();
    }
  });
}

/** The last commit of optima-csp 0.1.0 on main. */
export const V0_1_0 = "9d80484";

/**
 * A commit of this repository, extracted into a temporary folder (`git archive`), for scenarios
 * that run an earlier version. Fails, saying so, when the clone lacks the commit.
 */
export function checkout(commit: string): string {
  try {
    execFileSync("git", ["cat-file", "-e", `${commit}^{commit}`], { cwd: REPO_ROOT, stdio: "ignore" });
  } catch {
    throw new Error(
      `This scenario needs commit ${commit} (optima-csp 0.1.0) in this repository's history; this clone lacks ` +
        "it (a shallow clone?). Run `git fetch --unshallow`, or clone without --depth.",
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), `optima-csp-${commit}-`));
  execFileSync("sh", ["-c", `git archive ${commit} | tar -x -C '${dir}'`], { cwd: REPO_ROOT });
  return dir;
}

/**
 * Waits until `ready()` holds, polling every 100 ms for at most `timeoutMs`; throws `what` when it
 * never does.
 */
export async function waitUntil(what: string, ready: () => boolean, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < Math.ceil(timeoutMs / 100) + 1; i++) {
    if (ready()) {
      return;
    }
    if (Date.now() > deadline) {
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
}

/**
 * `--skip-preview`, for a run whose preview no assertion reads (`s.scheduledRun(SKIP_PREVIEW)`,
 * `s.pulumi(["destroy", "--yes", …, ...SKIP_PREVIEW])`): a run that only sets up the world a test
 * starts from, a run killed part-way (the kill comes in the update), a run whose claim is what its
 * update does. `pulumi up` runs the program and starts every plugin twice without it, once for the
 * preview and once for the update, which is about half the CPU of a run (README.md, Development:
 * "Engine scenarios"). What the preview does is still proven where runs keep it:
 * lifecycle.test.ts (the CI command's whole life: first deployment, quiet run, rotations, destroy),
 * customers.test.ts's hand-offs refused, interrupted.test.ts's recovery (the CI sequence exactly),
 * upgrade.test.ts, adopt.test.ts and every explicit `pulumi preview`.
 */
export const SKIP_PREVIEW: readonly string[] = ["--skip-preview"];

/** One engine step: `<op> <resource name>`, e.g. `create-replacement optima-csp-key-a`. */
export type Step = string;

export interface RunResult extends CommandResult {
  /** The engine's steps, in the order they finished (`same` steps left out). */
  readonly steps: readonly Step[];
  /** Steps that failed, as `<op> <name>`. */
  readonly failed: readonly Step[];
}

export class Scenario {
  readonly ws: EngineWorkspace;
  private runs = 0;

  private constructor(
    readonly world: World,
    projectSource?: string,
    stack?: string,
    /** False for {@link another}'s stacks: the world is closed by the scenario that started it. */
    private readonly ownsWorld = true,
  ) {
    this.ws = world.workspace({ projectSource, stack });
  }

  static async start(
    cli: PulumiCli,
    opts: {
      world?: WorldOptions;
      projectSource?: string;
      at?: string;
      config?: Record<string, string>;
      /** Leave `optima:refreshToken` out of the stack config. */
      withoutOptimaCredential?: boolean;
    } = {},
  ): Promise<Scenario> {
    const world = await World.start(cli, opts.world);
    world.emulator.clock.set(opts.at ?? "2026-03-01T03:00:00Z");
    const scenario = new Scenario(world, opts.projectSource);
    const config = world.config(opts.config);
    await scenario.ws.init(opts.withoutOptimaCredential ? { plain: config.plain } : config);
    return scenario;
  }

  /**
   * Another stack of the same program in this scenario's world: its own workspace, backend and
   * state (another team's stack, a trial stack) on the same Web App and Optima org.
   */
  async another(opts: { stack: string; config?: Record<string, string> }): Promise<Scenario> {
    const other = new Scenario(this.world, undefined, opts.stack, false);
    await other.ws.init(this.world.config(opts.config));
    return other;
  }

  /** Moves the world's clock by whole days (and hours). */
  advance(days: number, hours = 0): void {
    this.world.emulator.clock.advance((days * 24 + hours) * 3_600_000);
  }

  /** A `pulumi` command with the event log (and extra environment, if any); returns the engine's steps. */
  async pulumi(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<RunResult> {
    const log = path.join(this.ws.root, `events-${++this.runs}.jsonl`);
    const result = await this.ws.run([...args, "--event-log", log], { env });
    const { steps, failed } = readSteps(log);
    rmSync(log, { force: true });
    return { ...result, steps, failed };
  }

  /** What the CI examples run on their schedule, at the world's current instant. */
  scheduledRun(extra: readonly string[] = []): Promise<RunResult> {
    return this.pulumi(this.scheduledArgs(extra));
  }

  /** The command line of {@link scheduledRun} (for {@link startScheduledRun} and the benchmark). */
  scheduledArgs(extra: readonly string[]): string[] {
    return [
      "up",
      "--refresh",
      "--yes",
      "--stack",
      this.ws.stack,
      "--config",
      `optima-csp:clock=${this.world.emulator.clock.iso()}`,
      ...extra,
    ];
  }

  /**
   * Starts the scheduled run and returns at once, for a scenario that kills it part-way
   * (`kill()`: SIGKILL to the CLI and every plugin, as a CI runner's timeout does).
   */
  startScheduledRun(extra: readonly string[] = []): RunningCommand {
    return this.ws.start(this.scheduledArgs(extra));
  }

  /**
   * `optima-csp untracked-keys …` (the package's bin, components/cli/optima-csp.ts) in the project
   * copy with the workspace's environment (Graph URL and test token on 127.0.0.1), as a CI step
   * after `pulumi up` runs it.
   */
  untrackedKeys(args: readonly string[]): Promise<CommandResult> {
    return this.ws.runProgram(process.execPath, [
      "-r",
      path.join(REPO_ROOT, "node_modules", "ts-node", "register", "transpile-only"),
      path.join(REPO_ROOT, "components", "cli", "optima-csp.ts"),
      "untracked-keys",
      ...args,
    ]);
  }

  /** `pulumi preview --expect-no-changes` at the world's current instant. */
  quietPreview(): Promise<RunResult> {
    return this.pulumi([
      "preview",
      "--expect-no-changes",
      "--stack",
      this.ws.stack,
      "--config",
      `optima-csp:clock=${this.world.emulator.clock.iso()}`,
    ]);
  }

  /** Throws, with the run's output, unless it exited 0. */
  expectOk(run: RunResult): RunResult {
    if (run.code !== 0) {
      throw new Error(
        `pulumi ${run.args.join(" ")} failed (${run.code}):\n${tail(run.output)}\n${this.ws.doublesLogTail()}`,
      );
    }
    return run;
  }

  /** `pulumi stack export` holds none of the world's secrets in plain text. */
  async assertNoPlainSecret(): Promise<void> {
    const state = await this.ws.exportState();
    const leaked = this.world.secrets().filter((s) => s.length >= 8 && state.includes(s));
    if (leaked.length > 0) {
      throw new Error(`pulumi stack export holds ${leaked.length} secret(s) in plain text`);
    }
  }

  /** The stack's outputs. */
  outputs(): Promise<Record<string, unknown>> {
    return this.ws.outputs();
  }

  async close(): Promise<void> {
    this.ws.dispose();
    if (this.ownsWorld) {
      await this.world.close();
    }
  }
}

interface EngineEvent {
  resOutputsEvent?: { metadata: { op: string; urn: string } };
  resOpFailedEvent?: { metadata: { op: string; urn: string } };
}

/** The steps of an event log (see `pulumi up --event-log`; apitype.EngineEvent in sdk/go/common/apitype/events.go). */
export function readSteps(file: string): { steps: Step[]; failed: Step[] } {
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    return { steps: [], failed: [] };
  }
  const steps: Step[] = [];
  const failed: Step[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      continue;
    }
    const event = JSON.parse(line) as EngineEvent;
    const done = event.resOutputsEvent?.metadata;
    const fail = event.resOpFailedEvent?.metadata;
    const name = (urn: string): string => urn.split("::").pop() ?? urn;
    // Left out: `same` and `refresh` steps, the stack itself and the default providers
    // (`pulumi:providers:…`, which "update" whenever stack config changes).
    const ignored = (op: string, urn: string): boolean =>
      op === "same" ||
      op === "refresh" ||
      urn.includes("pulumi:pulumi:Stack") ||
      urn.includes("::pulumi:providers:");
    if (done && !ignored(done.op, done.urn)) {
      steps.push(`${done.op} ${name(done.urn)}`);
    }
    if (fail) {
      failed.push(`${fail.op} ${name(fail.urn)}`);
    }
  }
  return { steps, failed };
}

function tail(text: string, lines = 60): string {
  return text.trim().split("\n").slice(-lines).join("\n");
}
