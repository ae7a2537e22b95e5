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

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "status") {
    const { runStatus } = await import("../status/gather");
    const result = await runStatus(rest, { env: process.env, now: () => new Date() });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  if (command === "customers") {
    const { runCustomers } = await import("../customers/run");
    const result = await runCustomers(rest, { env: process.env });
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  }
  if (command === "untracked-keys") {
    const { runUntrackedKeys } = await import("../untracked/run");
    const result = await runUntrackedKeys(rest, { env: process.env });
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
