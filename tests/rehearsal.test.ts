/**
 * `npm run rehearsal`'s command line (tools/rehearsal.ts `main`): what it says and returns
 * without a Pulumi CLI, with the `--model` flag it used to take, and with `--help`. The rehearsal
 * run itself is an engine scenario (tests/engine/rehearsal.test.ts), since it runs the real
 * engine; here it is a stand-in that records the CLI it was given.
 */
import { MODEL_GONE, NEEDS_CLI, main, type MainDeps } from "../tools/rehearsal";
import type { PulumiCli } from "./support/engine/workspace";

const CLI: PulumiCli = { path: "/opt/pulumi/bin/pulumi", version: "v3.274.1", source: "PATH" };

function harness(findCli: () => PulumiCli | undefined, run: MainDeps["run"] = async () => undefined) {
  const out: string[] = [];
  const err: string[] = [];
  const ran: PulumiCli[] = [];
  const deps: MainDeps = {
    findCli,
    run: async (cli) => {
      ran.push(cli);
      return run!(cli);
    },
    out: (line) => out.push(line),
    err: (line) => err.push(line),
  };
  return { deps, out, err, ran };
}

it("without a Pulumi CLI: says that the rehearsal needs one and how to get one, runs nothing and exits 1", async () => {
  const h = harness(() => undefined);
  expect(await main([], h.deps)).toBe(1);
  expect(h.ran).toEqual([]);
  expect(h.err).toEqual([NEEDS_CLI]);
  expect(NEEDS_CLI).toMatch(
    /runs the stack program under the real Pulumi engine, and no Pulumi CLI was found/,
  );
  expect(NEEDS_CLI).toContain("bash tools/engine/build-pulumi.sh");
  expect(NEEDS_CLI).toContain("https://www.pulumi.com/docs/iac/download-install/");
});

it("with a CLI: runs the rehearsal under it and exits 0", async () => {
  const h = harness(() => CLI);
  expect(await main([], h.deps)).toBe(0);
  expect(h.ran).toEqual([CLI]);
  expect(h.err).toEqual([]);
});

it("--model is still accepted: it says that the hand-wired model is gone and rehearses under the real engine", async () => {
  const h = harness(() => CLI);
  expect(await main(["--model"], h.deps)).toBe(0);
  expect(h.err).toEqual([MODEL_GONE]);
  expect(MODEL_GONE).toMatch(/^--model: the hand-wired model of the engine .* is gone/);
  expect(MODEL_GONE).toMatch(/always runs the stack program under the real Pulumi engine/);
  expect(h.ran).toEqual([CLI]);
});

it("--model without a CLI says both", async () => {
  const h = harness(() => undefined);
  expect(await main(["--model"], h.deps)).toBe(1);
  expect(h.err).toEqual([MODEL_GONE, NEEDS_CLI]);
});

it("a broken expectation fails the rehearsal with exit 1 and says why", async () => {
  const h = harness(
    () => CLI,
    async () => {
      throw new Error('step "quiet-run": a run inside the same window changed something');
    },
  );
  expect(await main([], h.deps)).toBe(1);
  expect(h.err.join("\n")).toMatch(/REHEARSAL FAILED: step "quiet-run": a run inside the same window/);
});

it("--help prints the usage and exits 0; an unknown flag prints it and exits 2", async () => {
  const help = harness(() => CLI);
  expect(await main(["--help"], help.deps)).toBe(0);
  expect(help.out.join("\n")).toMatch(/^Usage: npm run rehearsal -- \[--model\]/);
  expect(help.ran).toEqual([]);
  const wrong = harness(() => CLI);
  expect(await main(["--fast"], wrong.deps)).toBe(2);
  expect(wrong.err.join("\n")).toMatch(/Unknown option '--fast'[\s\S]*Usage: npm run rehearsal/);
  expect(wrong.ran).toEqual([]);
});
