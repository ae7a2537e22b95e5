/**
 * Pure: where the time of one `pulumi up` went, from the CLI's own OpenTelemetry trace
 * (`pulumi up --otel-traces file://<path>`: one OTLP/JSON `{"resourceSpans": …}` object a line).
 * `npm run bench:engine` (tools/bench-engine.ts) prints what this computes.
 *
 * The spans it reads, each as Pulumi v3.274.1 (the pinned CLI) names it, with the place that opens
 * it (the span's own `code.stacktrace` attribute, pulumi/pulumi `pkg/v3@v3.274.1`):
 * - `pulumi`: the whole command (cmd/pulumi/pulumi.go:372).
 * - `pulumi-plan`: one deployment (engine/deployment.go:122): `pulumi up` without `--skip-preview`
 *   makes two, the preview, then the update.
 * - `newPlugin`: a plugin process started until it answered (resource/plugin/plugin.go:289), its
 *   attribute `prefix` naming it (`nodejs` for the language host, `<package> (resource)` for a
 *   provider, `pulumi-nodejs (resource)` for the dynamic-provider host).
 * - `run-program`: the language host's Run, the program process from start to exit
 *   (resource/deploy/source_eval.go:317).
 * - gRPC client and server spans `pulumirpc.<Service>/<Method>` (the interceptors of
 *   grpc-ecosystem/grpc-opentracing): `ResourceProvider/Read` (refresh), `ResourceProvider/Diff`,
 *   `ResourceMonitor/RegisterResource` (the program's registrations).
 */

export interface Span {
  readonly name: string;
  /** Milliseconds since the Unix epoch (fractional). */
  readonly start: number;
  readonly end: number;
  readonly attributes: Readonly<Record<string, string>>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
}

interface OtlpLine {
  resourceSpans?: {
    scopeSpans?: {
      spans?: {
        name: string;
        startTimeUnixNano: string;
        endTimeUnixNano: string;
        attributes?: { key: string; value: OtlpValue }[];
      }[];
    }[];
  }[];
}

/** Nanoseconds as a decimal string (beyond 2^53) to milliseconds, to the microsecond. */
function nanosToMs(nanos: string): number {
  const text = nanos.padStart(7, "0");
  return Number(text.slice(0, -3)) / 1000;
}

/** The spans of an `--otel-traces file://` export, in the order they started. */
export function parseTrace(text: string): Span[] {
  const spans: Span[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") {
      continue;
    }
    const parsed = JSON.parse(line) as OtlpLine;
    for (const resource of parsed.resourceSpans ?? []) {
      for (const scope of resource.scopeSpans ?? []) {
        for (const span of scope.spans ?? []) {
          const attributes: Record<string, string> = {};
          for (const { key, value } of span.attributes ?? []) {
            if (key !== "code.stacktrace") {
              attributes[key] = String(
                value.stringValue ?? value.intValue ?? value.boolValue ?? value.doubleValue ?? "",
              );
            }
          }
          spans.push({
            name: span.name,
            start: nanosToMs(span.startTimeUnixNano),
            end: nanosToMs(span.endTimeUnixNano),
            attributes,
          });
        }
      }
    }
  }
  return spans.sort((a, b) => a.start - b.start);
}

/** One phase: its name and milliseconds, per plan (preview, update) where it happens in each. */
export interface Phase {
  readonly name: string;
  /** Milliseconds in the preview, the update, and both (or outside any plan, in `total` only). */
  readonly preview?: number;
  readonly update?: number;
  readonly total: number;
  /** How many spans it sums (plugin starts, provider calls), over both plans. */
  readonly count?: number;
}

const duration = (spans: readonly Span[]): number => spans.reduce((sum, s) => sum + (s.end - s.start), 0);

/** From the first span's start to the last one's end (0 for none): calls that overlap count once. */
const extent = (spans: readonly Span[]): number =>
  spans.length === 0 ? 0 : Math.max(...spans.map((s) => s.end)) - Math.min(...spans.map((s) => s.start));

/** What a plugin span's `prefix` says, as a phase name. */
function pluginName(prefix: string): string {
  if (prefix === "nodejs") {
    return "language host start";
  }
  const name = prefix.replace(/ \(resource\)$/, "");
  return name === "pulumi-nodejs" ? "dynamic-provider host start" : `${name} plugin start`;
}

/**
 * The phases of one `pulumi up` (see the module comment for the spans). Plugin starts, refresh,
 * diff and the program overlap in time (the program waits for the plugins it needs), so the
 * phases are not meant to add up to the whole; `whole command` is the wall time.
 */
export function phasesOf(spans: readonly Span[]): Phase[] {
  const command = spans.find((s) => s.name === "pulumi");
  if (command === undefined) {
    throw new Error("the trace has no `pulumi` span: not an --otel-traces export of a whole command");
  }
  const plans = spans.filter((s) => s.name === "pulumi-plan");
  if (plans.length === 0 || plans.length > 2) {
    throw new Error(`expected one or two \`pulumi-plan\` spans (preview, update), found ${plans.length}`);
  }
  // With one plan (`--skip-preview`), it is the update.
  const labels: ("preview" | "update")[] = plans.length === 2 ? ["preview", "update"] : ["update"];
  const within = (plan: Span, match: (s: Span) => boolean): Span[] =>
    spans.filter((s) => s.start >= plan.start && s.start <= plan.end && match(s));

  const phases: Phase[] = [];
  const perPlan = (name: string, measure: (plan: Span) => { ms: number; count?: number }): void => {
    const values: { preview?: number; update?: number } = {};
    let total = 0;
    let count: number | undefined;
    plans.forEach((plan, i) => {
      const { ms, count: n } = measure(plan);
      values[labels[i]] = ms;
      total += ms;
      count = n === undefined ? count : (count ?? 0) + n;
    });
    phases.push({ name, ...values, total, ...(count === undefined ? {} : { count }) });
  };

  phases.push({ name: "CLI start (to the first plan)", total: plans[0].start - command.start });
  const pluginPrefixes = [
    ...new Set(spans.filter((s) => s.name === "newPlugin").map((s) => s.attributes.prefix ?? "?")),
  ];
  for (const prefix of pluginPrefixes) {
    perPlan(pluginName(prefix), (plan) => {
      const started = within(plan, (s) => s.name === "newPlugin" && s.attributes.prefix === prefix);
      return { ms: duration(started), count: started.length };
    });
  }
  const programs = (plan: Span): Span[] => within(plan, (s) => s.name === "run-program");
  perPlan("refresh (provider Read calls, first to last)", (plan) => {
    const reads = within(plan, (s) => s.name === "pulumirpc.ResourceProvider/Read");
    return { ms: extent(reads), count: reads.length };
  });
  perPlan("program load (start to its first resource)", (plan) => {
    const program = programs(plan)[0];
    const first = program
      ? within(
          plan,
          (s) => s.name === "pulumirpc.ResourceMonitor/RegisterResource" && s.start >= program.start,
        )[0]
      : undefined;
    return { ms: program && first ? first.start - program.start : 0 };
  });
  perPlan("program run (start to exit)", (plan) => ({ ms: duration(programs(plan)) }));
  perPlan("diff (provider Diff calls, summed)", (plan) => {
    const diffs = within(plan, (s) => s.name === "pulumirpc.ResourceProvider/Diff");
    return { ms: duration(diffs), count: diffs.length };
  });
  perPlan("plan (whole)", (plan) => ({ ms: plan.end - plan.start }));
  phases.push({
    name: "after the last plan (state, summary, exit)",
    total: command.end - plans[plans.length - 1].end,
  });
  phases.push({ name: "whole command", total: command.end - command.start });
  return phases;
}

/** The median of each phase over several runs (phases matched by name; a missing one counts as 0). */
export function medianPhases(runs: readonly (readonly Phase[])[]): Phase[] {
  const names = [...new Set(runs.flatMap((phases) => phases.map((p) => p.name)))];
  const median = (values: number[]): number => {
    const sorted = [...values].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  };
  return names.map((name) => {
    const found = runs.map((phases) => phases.find((p) => p.name === name));
    const pick = (key: "preview" | "update" | "total" | "count"): number | undefined =>
      found.some((p) => p?.[key] !== undefined) ? median(found.map((p) => p?.[key] ?? 0)) : undefined;
    const preview = pick("preview");
    const update = pick("update");
    const count = pick("count");
    return {
      name,
      ...(preview === undefined ? {} : { preview }),
      ...(update === undefined ? {} : { update }),
      total: pick("total") ?? 0,
      ...(count === undefined ? {} : { count }),
    };
  });
}
