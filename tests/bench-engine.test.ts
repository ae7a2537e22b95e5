/**
 * tools/engine/trace.ts: the phases `npm run bench:engine` prints, from an OTLP/JSON trace in the
 * shape `pulumi up --otel-traces file://…` writes (Pulumi v3.274.1; span names in the module).
 */
import { medianPhases, parseTrace, phasesOf, type Phase } from "../tools/engine/trace";

const T0 = 1_796_456_671_000; // ms since the epoch

interface FakeSpan {
  name: string;
  from: number; // ms after T0
  to: number;
  attributes?: Record<string, string>;
}

/** One OTLP/JSON line holding the spans, times in nanoseconds as decimal strings, as the CLI writes them. */
function otlpLine(spans: readonly FakeSpan[]): string {
  const nanos = (ms: number): string => `${BigInt(Math.round((T0 + ms) * 1000)) * 1000n}`;
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: [{ key: "service.name", value: { stringValue: "pulumi-cli" } }] },
        scopeSpans: [
          {
            scope: { name: "pulumi-cli" },
            spans: spans.map((s) => ({
              name: s.name,
              startTimeUnixNano: nanos(s.from),
              endTimeUnixNano: nanos(s.to),
              attributes: [
                ...Object.entries(s.attributes ?? {}).map(([key, v]) => ({ key, value: { stringValue: v } })),
                { key: "code.stacktrace", value: { stringValue: "main.main\n\tmain.go:1" } },
              ],
            })),
          },
        ],
      },
    ],
  });
}

const plugin = (prefix: string, from: number, to: number): FakeSpan => ({
  name: "newPlugin",
  from,
  to,
  attributes: { prefix },
});

/** One plan (preview or update) starting at `at`: plugins, two reads, a diff, the program. */
function plan(at: number): FakeSpan[] {
  return [
    { name: "pulumi-plan", from: at, to: at + 4000, attributes: { operation: "update" } },
    plugin("nodejs", at + 10, at + 140),
    plugin("random (resource)", at + 150, at + 300),
    plugin("pulumi-nodejs (resource)", at + 300, at + 850),
    { name: "pulumirpc.ResourceProvider/Read", from: at + 900, to: at + 950 },
    { name: "pulumirpc.ResourceProvider/Read", from: at + 920, to: at + 1000 },
    { name: "pulumirpc.ResourceProvider/Diff", from: at + 1000, to: at + 1020 },
    { name: "run-program", from: at + 1100, to: at + 3900 },
    { name: "pulumirpc.ResourceMonitor/RegisterResource", from: at + 1700, to: at + 1701 },
    { name: "pulumirpc.ResourceMonitor/RegisterResource", from: at + 2500, to: at + 2600 },
    plugin("pulumi-nodejs (resource)", at + 2600, at + 3200),
    { name: "pulumirpc.ResourceProvider/Diff", from: at + 3300, to: at + 3330 },
  ];
}

const quietUp = (): string =>
  [
    otlpLine([{ name: "pulumi", from: 0, to: 8300 }, plugin("nodejs", 5, 120), ...plan(200)]),
    otlpLine(plan(4200)),
  ].join("\n");

const byName = (phases: readonly Phase[], name: string): Phase => {
  const phase = phases.find((p) => p.name === name);
  if (phase === undefined) {
    throw new Error(`no phase ${name} in ${phases.map((p) => p.name).join(", ")}`);
  }
  return phase;
};

describe("bench:engine phases (tools/engine/trace.ts)", () => {
  const phases = phasesOf(parseTrace(quietUp()));

  test("reads spans from every line, in the order they started, times to the microsecond", () => {
    const spans = parseTrace(quietUp());
    expect(spans[0]).toMatchObject({ name: "pulumi", start: T0, end: T0 + 8300 });
    expect(spans.filter((s) => s.name === "pulumi-plan").map((s) => s.start - T0)).toEqual([200, 4200]);
    expect(spans.every((s, i) => i === 0 || spans[i - 1].start <= s.start)).toBe(true);
    expect(spans.find((s) => s.name === "newPlugin")?.attributes).toEqual({ prefix: "nodejs" });
  });

  test("splits the command into the CLI start, the preview, the update and what follows", () => {
    expect(byName(phases, "CLI start (to the first plan)").total).toBe(200);
    expect(byName(phases, "plan (whole)")).toMatchObject({ preview: 4000, update: 4000, total: 8000 });
    expect(byName(phases, "after the last plan (state, summary, exit)").total).toBe(100);
    expect(byName(phases, "whole command").total).toBe(8300);
  });

  test("sums each plugin's starts per plan, by the name the engine gives it", () => {
    // The language host started before the first plan is the CLI's, not a plan's.
    expect(byName(phases, "language host start")).toMatchObject({ preview: 130, update: 130, count: 2 });
    expect(byName(phases, "random plugin start")).toMatchObject({ preview: 150, total: 300, count: 2 });
    expect(byName(phases, "dynamic-provider host start")).toMatchObject({
      preview: 1150,
      update: 1150,
      count: 4,
    });
  });

  test("refresh spans its reads once, overlapping or not; diffs are summed; the program is timed to its first resource", () => {
    expect(byName(phases, "refresh (provider Read calls, first to last)")).toMatchObject({
      preview: 100,
      count: 4,
    });
    expect(byName(phases, "diff (provider Diff calls, summed)")).toMatchObject({ update: 50, count: 4 });
    expect(byName(phases, "program load (start to its first resource)")).toMatchObject({
      preview: 600,
      update: 600,
    });
    expect(byName(phases, "program run (start to exit)")).toMatchObject({ preview: 2800, total: 5600 });
  });

  test("a run with --skip-preview has one plan, the update", () => {
    const one = phasesOf(parseTrace(otlpLine([{ name: "pulumi", from: 0, to: 4300 }, ...plan(200)])));
    expect(byName(one, "plan (whole)")).toEqual({ name: "plan (whole)", update: 4000, total: 4000 });
  });

  test("refuses a trace that is not a whole command", () => {
    expect(() => phasesOf(parseTrace(otlpLine(plan(0))))).toThrow(/no `pulumi` span/);
  });

  test("the median of each phase over runs", () => {
    const run = (ms: number): Phase[] => [
      { name: "whole command", total: ms },
      { name: "plan (whole)", preview: ms / 2, update: ms / 2, total: ms },
    ];
    expect(medianPhases([run(9000), run(7000), run(8000)])).toEqual([
      { name: "whole command", total: 8000 },
      { name: "plan (whole)", preview: 4000, update: 4000, total: 8000 },
    ]);
  });
});
