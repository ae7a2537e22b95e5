#!/usr/bin/env node
/**
 * The `optima-csp` command (package.json `bin`). Subcommands:
 * - `status` (components/status): exit codes 0 healthy, 1 warning, 2 critical, 3 could not check
 *   (and usage mistakes, so that monitoring never reads a typo as healthy);
 * - `customers` (components/customers): the same exit codes as `status`;
 * - `untracked-keys` (components/untracked): 0 done, 1 failed, 2 refused (nothing removed).
 * Each subcommand is loaded only when asked for.
 */

const USAGE = `Usage: optima-csp <command>

Commands:
  status          check the Optima connection's key, rotation schedule and registration (read-only)
  customers       list the Partner Center customers and whether Optima knows each (read-only),
                  the legacy AzureCSPCustomers (--legacy), or propose optimaCustomers (--sync)
  untracked-keys  find, and with --remove remove, keys a killed run left untracked

Run optima-csp <command> --help for its flags.`;

/** What a subcommand answers: its whole output and its exit code. */
interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly exitCode: number;
}

/** Each subcommand, loaded only when asked for. */
const COMMANDS: Readonly<Record<string, (argv: readonly string[]) => Promise<CommandResult>>> = {
  status: async (argv) =>
    (await import("../status/gather")).runStatus(argv, { env: process.env, now: () => new Date() }),
  customers: async (argv) => (await import("../customers/run")).runCustomers(argv, { env: process.env }),
  "untracked-keys": async (argv) =>
    (await import("../untracked/run")).runUntrackedKeys(argv, { env: process.env }),
};

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const subcommand =
    command !== undefined && Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (subcommand !== undefined) {
    const result = await subcommand(rest);
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined ? 3 : 0;
  }
  process.stderr.write(`optima-csp: unknown command "${command}".\n${USAGE}\n`);
  return 3;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // No subcommand throws; this is a last line of defence, and never prints a stack trace.
    process.stderr.write(`optima-csp: ${error instanceof Error ? error.name : "error"}\n`);
    process.exitCode = 3;
  },
);
