/**
 * `npm run bench:engine -- [--count 3]`: where the time of one quiet `pulumi up --refresh` of the
 * stack program goes, under the real engine, as the engine scenarios run it (tests/support/engine:
 * a stack deployed in a simulated world, then the CI examples' command at a later instant of the
 * same window, which changes nothing).
 *
 * It times `count` quiet runs as the scenarios run them (min, median, max of the wall time), then
 * `count` more with the CLI's OpenTelemetry trace (`--otel-traces file://…`), and prints the median
 * of each phase read from that trace (tools/engine/trace.ts: CLI start, the language host, each
 * plugin's start, the dynamic-provider host, refresh, program load and run, diff). Load average and
 * core count are printed with the figures: on a busy machine every figure grows.
 *
 * `--vs-ts-node` and `--vs-skip-preview` time two ways of running the same quiet run in pairs, in
 * turn, and print the ratio pair by pair, of the wall time and of the CPU time of the run's
 * processes (the CLI, its plugins and the program: `childrenCpuMs`, Linux only), which a busy
 * machine inflates far less than wall time.
 *
 * It needs a Pulumi CLI (tests/support/engine/workspace `findPulumi`) and exits 1 without one.
 */
import { readFileSync, rmSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import * as path from "node:path";
import { parseFlags } from "./cli";
import { seconds } from "./figures";
import { medianPhases, parseTrace, phasesOf, type Phase } from "./engine/trace";
import { Scenario } from "../tests/support/engine/scenario";
import { prepareEngineNode } from "../tests/support/engine/node";
import { findPulumi } from "../tests/support/engine/workspace";

const USAGE = `Usage: npm run bench:engine -- [--count N] [--vs-ts-node] [--vs-skip-preview]
  --count N          quiet runs timed, and as many traced (default 3, at most 20)
  --vs-ts-node       also time N quiet runs with the program loaded through ts-node (as the Go
                     language host does), each paired with one through the transpile cache, in turn
  --vs-skip-preview  also time N quiet runs with --skip-preview (as the engine scenarios run a
                     run whose preview no assertion reads), each paired with one with the preview`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One run's wall time and, where the system reports it, the CPU time of its processes (ms). */
interface Timed {
  readonly wall: number;
  readonly cpu: number | undefined;
}

interface Variant {
  readonly name: string;
  run(): Promise<Timed>;
}

/**
 * User and system CPU of this process's children that have ended and been waited for, with all
 * theirs (`cutime` and `cstime` of /proc/self/stat, in clock ticks of 1/100 s: USER_HZ on Linux),
 * in ms; undefined off Linux. The difference across one `pulumi` command is the CPU of the CLI,
 * its language host, the program and every plugin: it compares across loads better than wall time.
 */
function childrenCpuMs(): number | undefined {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // Fields 16 and 17 of proc(5); `fields` starts at field 3 (state).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

/**
 * `count` pairs of runs, `before` then `after` in one pair and the other way round in the next, so
 * that neither gains from the other's warm caches; the ratio after/before is taken pair by pair.
 */
async function paired(count: number, before: Variant, after: Variant): Promise<string> {
  const pairs: { before: Timed; after: Timed }[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 2 === 0) {
      const b = await before.run();
      pairs.push({ before: b, after: await after.run() });
    } else {
      const a = await after.run();
      pairs.push({ after: a, before: await before.run() });
    }
  }
  const line = (what: "wall" | "cpu"): string => {
    const b = pairs.map((p) => p.before[what]);
    const a = pairs.map((p) => p.after[what]);
    if (b.some((x) => x === undefined) || a.some((x) => x === undefined)) {
      return `${what}: not reported here`;
    }
    const ratios = pairs.map((p) => p.after[what]! / p.before[what]!);
    return (
      `${what}: ${before.name} median ${seconds(median(b as number[]))}, ${after.name} median ` +
      `${seconds(median(a as number[]))}; ${after.name} / ${before.name} per pair: median ` +
      `${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})`
    );
  };
  return `paired, ${count} each:\n  ${line("wall")}\n  ${line("cpu")}`;
}

/** The phase table, one row a phase. */
export function renderPhases(phases: readonly Phase[]): string {
  const cell = (ms: number | undefined): string => (ms === undefined ? "" : seconds(ms)).padStart(9);
  const width = Math.max(...phases.map((p) => p.name.length));
  const lines = [
    `${"phase".padEnd(width)}  ${"preview".padStart(9)}  ${"update".padStart(9)}  ${"total".padStart(9)}`,
  ];
  for (const p of phases) {
    const count = p.count === undefined ? "" : `  (${p.count} spans)`;
    lines.push(`${p.name.padEnd(width)}  ${cell(p.preview)}  ${cell(p.update)}  ${cell(p.total)}${count}`);
  }
  return lines.join("\n");
}

async function main(argv: readonly string[]): Promise<number> {
  let count: number;
  let vsTsNode: boolean;
  let vsSkipPreview: boolean;
  try {
    const flags = parseFlags(
      argv,
      {
        count: { type: "string" },
        "vs-ts-node": { type: "boolean" },
        "vs-skip-preview": { type: "boolean" },
      },
      USAGE,
    );
    vsTsNode = flags["vs-ts-node"] ?? false;
    vsSkipPreview = flags["vs-skip-preview"] ?? false;
    count = Number(flags.count ?? "3");
    if (!Number.isInteger(count) || count < 1 || count > 20) {
      throw new Error(`--count must be a whole number from 1 to 20; got ${flags.count}\n${USAGE}`);
    }
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  const cli = findPulumi();
  if (cli === undefined) {
    console.error(
      "bench:engine needs a Pulumi CLI: run `bash tools/engine/build-pulumi.sh` (needs Go), set " +
        "OPTIMA_CSP_PULUMI, or put a pulumi ≥ 3.142 on PATH.",
    );
    return 1;
  }
  const load = (): string =>
    loadavg()
      .map((l) => l.toFixed(2))
      .join(", ");
  const node = prepareEngineNode();
  console.log(
    `Pulumi CLI ${cli.version} (${cli.source}), Node.js ${node.version} for its processes (${node.source}), ` +
      `${cpus().length} cores, load average ${load()}`,
  );
  const s = await Scenario.start(cli);
  try {
    const first = s.expectOk(await s.scheduledRun());
    console.log(`first deployment: ${seconds(first.ms)} (${first.steps.length} steps)`);
    const quiet = async (extra: readonly string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Timed> => {
      s.advance(0, 1); // an hour later, the same window: nothing to change
      const cpuBefore = childrenCpuMs();
      const run = s.expectOk(await s.pulumi(s.scheduledArgs(extra), env));
      const cpuAfter = childrenCpuMs();
      if (run.steps.length > 0) {
        throw new Error(`a quiet run changed something: ${run.steps.join(", ")}`);
      }
      return {
        wall: run.ms,
        cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
      };
    };
    const walls: number[] = [];
    for (let i = 0; i < count; i++) {
      walls.push((await quiet()).wall);
    }
    if (vsTsNode) {
      // The language host loads the program through ts-node when the cache variable is empty.
      const viaTsNode = (): Promise<Timed> => quiet([], { OPTIMA_CSP_PROGRAM_TRANSPILE_CACHE: "" });
      console.log(
        `\n${await paired(count, { name: "through ts-node", run: viaTsNode }, { name: "through the transpile cache", run: () => quiet() })}`,
      );
    }
    if (vsSkipPreview) {
      const skipping = (): Promise<Timed> => quiet(["--skip-preview"]);
      console.log(
        `\n${await paired(count, { name: "with the preview", run: () => quiet() }, { name: "with --skip-preview", run: skipping })}`,
      );
    }
    const traced: Phase[][] = [];
    for (let i = 0; i < count; i++) {
      const file = path.join(s.ws.root, `trace-${i}.json`);
      await quiet(["--otel-traces", `file://${file}`]);
      traced.push(phasesOf(parseTrace(readFileSync(file, "utf8"))));
      rmSync(file, { force: true });
    }
    console.log(
      `\nquiet pulumi up --refresh, ${count} runs: min ${seconds(Math.min(...walls))}, median ` +
        `${seconds(median(walls))}, max ${seconds(Math.max(...walls))} (wall; load average now ${load()})`,
    );
    console.log(`\nphases, median of ${count} traced runs (they overlap: the program waits for plugins):`);
    console.log(renderPhases(medianPhases(traced)));
    return 0;
  } finally {
    await s.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
