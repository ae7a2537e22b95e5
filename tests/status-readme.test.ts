/**
 * README "Try status on the emulator": the commands between the status-emulator markers, run as
 * written. The emulator line goes through the emulator's own command-line parser and start-up
 * (tools/emulator/cli.ts), the `export` lines become the environment, and each
 * `npx optima-csp status …` line runs in process (runStatus, the bin's body) and must exit with
 * the code its comment states. Only the port differs: the README's 8787 becomes a free one, and
 * the outputs file lands in a scratch directory.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runStatus } from "../components/status/gather";
import { DEFAULT_PORT, parseCli, startFromCli } from "../tools/emulator/cli";
import type { Emulator } from "../tools/emulator";

const readme = readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

/** The shell lines of the block between the markers, comments split off. */
function block(): { words: string[]; comment: string }[] {
  const start = readme.indexOf("<!-- status-emulator:start -->");
  const end = readme.indexOf("<!-- status-emulator:end -->");
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const code = /```sh\n([\s\S]*?)```/.exec(readme.slice(start, end))?.[1] ?? "";
  return code
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      const hash = line.indexOf("  #");
      return {
        words: (hash >= 0 ? line.slice(0, hash) : line).trim().split(/\s+/),
        comment: hash >= 0 ? line.slice(hash + 3).trim() : "",
      };
    });
}

let work: string;
let emulator: Emulator | undefined;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "status-readme-"));
});
afterAll(async () => {
  await emulator?.close();
  rmSync(work, { recursive: true, force: true });
});

test("each status command the README gives against the emulator exits with the code its comment states", async () => {
  const lines = block();
  const [emulatorLine, ...rest] = lines;
  expect(emulatorLine.words.slice(0, 4)).toEqual(["npm", "run", "emulator", "--"]);
  const outputsName = emulatorLine.words[emulatorLine.words.indexOf("--demo-outputs") + 1];
  const outputsFile = path.join(work, outputsName);
  const options = parseCli(
    emulatorLine.words.slice(4).map((word) => (word === outputsName ? outputsFile : word)),
    {},
  );
  expect(options.port).toBe(DEFAULT_PORT);
  emulator = await startFromCli({ ...options, port: 0 });
  const readmeHost = `127.0.0.1:${DEFAULT_PORT}`;
  const host = new URL(emulator.url).host;
  const local = (word: string): string =>
    word === outputsName ? outputsFile : word.split(readmeHost).join(host);

  const env: Record<string, string> = {};
  const exits: number[] = [];
  for (const { words, comment } of rest) {
    if (words[0] === "export") {
      for (const assignment of words.slice(1)) {
        const [name, value] = assignment.split("=", 2);
        env[name] = local(value);
      }
      continue;
    }
    expect(words.slice(0, 3)).toEqual(["npx", "optima-csp", "status"]);
    const expected = Number(/^exit (\d)\b/.exec(comment)?.[1]);
    const result = await runStatus(words.slice(3).map(local), {
      env,
      now: () => new Date(),
      http: { sleep: async () => undefined, policy: { timeoutMs: 5_000 } },
    });
    expect({ line: words.join(" "), exit: result.exitCode, stderr: result.stderr }).toEqual({
      line: words.join(" "),
      exit: expected,
      stderr: "",
    });
    exits.push(result.exitCode);
    if (result.exitCode === 0) {
      // The demo's holders: the partnership and its two CSP customers, each checked.
      const summary = /^Holders: .*$/m.exec(result.stdout)?.[0];
      expect(readme).toContain(`\`${summary}\``);
      expect(summary).toBe("Holders: 3 (the partnership and 2 customers): 3 ok.");
    }
  }
  // The README shows every exit code a monitoring system reads.
  expect(exits).toEqual([0, 1, 2, 3]);
});
