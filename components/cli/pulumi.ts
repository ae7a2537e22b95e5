/**
 * The `pulumi` CLI as the bin's subcommands call it (`status`, `customers`, `untracked-keys`, each
 * for the stack their `--stack` names): the one way to run it (non-interactive, bounded in time and output, never `--show-secrets`) and to
 * say what failed. A subcommand's own error type wraps the message; nothing here prints.
 */
import { execFile } from "node:child_process";

/** A `pulumi` command that did not succeed; `stderr` for callers that read a known answer in it. */
export class PulumiCliError extends Error {
  constructor(
    message: string,
    /** The CLI was not on PATH. */
    readonly notFound: boolean,
    readonly stderr: string,
  ) {
    super(message);
    this.name = "PulumiCliError";
  }
}

export interface PulumiRunOptions {
  /** What to do instead when the CLI is not on PATH, e.g. "pass --outputs FILE". */
  readonly withoutCli: string;
  /** Default two minutes. */
  readonly timeoutMs?: number;
  /** Default 10 MiB. */
  readonly maxBufferBytes?: number;
}

/** Runs `pulumi <args> --non-interactive` and resolves with its stdout. */
export function runPulumi(args: readonly string[], options: PulumiRunOptions): Promise<string> {
  const shown = `pulumi ${args.join(" ")}`;
  return new Promise((resolve, reject) => {
    execFile(
      "pulumi",
      [...args, "--non-interactive"],
      { timeout: options.timeoutMs ?? 120_000, maxBuffer: options.maxBufferBytes ?? 10 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const notFound = (error as NodeJS.ErrnoException).code === "ENOENT";
        reject(
          new PulumiCliError(
            notFound
              ? `--stack needs the Pulumi CLI (\`pulumi\`), which is not on PATH: install it ` +
                  `(https://www.pulumi.com/docs/install/), or ${options.withoutCli}.`
              : `\`${shown}\` failed: ${firstLine(stderr) || error.message}. Check the stack name and that the ` +
                  "Pulumi backend is logged in (PULUMI_ACCESS_TOKEN, or pulumi login).",
            notFound,
            stderr,
          ),
        );
      },
    );
  });
}

/** The first non-empty line of a text, trimmed ("" when there is none). */
export function firstLine(text: string): string {
  return (
    text
      .split("\n")
      .map((l) => l.trim())
      .find((l) => l !== "") ?? ""
  );
}
