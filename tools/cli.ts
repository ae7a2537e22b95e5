/**
 * Command-line flags for the repository's scripts (`npm run emulator`, `npm run bench`): strict
 * parsing with `--help`, where every mistake, and `--help` itself, throws the usage text for the
 * script's `main` to print.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;
type Config<O extends Options> = {
  args: string[];
  options: O & { help: { type: "boolean"; short: "h" } };
  strict: true;
  allowPositionals: false;
};

/** The flags in `argv`; throws `usage` (after the parser's own complaint, if any) on a mistake or `--help`. */
export function parseFlags<O extends Options>(
  argv: readonly string[],
  options: O,
  usage: string,
): ReturnType<typeof parseArgs<Config<O>>>["values"] {
  const config: Config<O> = {
    args: [...argv],
    options: { ...options, help: { type: "boolean", short: "h" } },
    strict: true,
    allowPositionals: false,
  };
  let parsed: ReturnType<typeof parseArgs<Config<O>>>;
  try {
    parsed = parseArgs(config);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${usage}`);
  }
  if ((parsed.values as { help?: boolean }).help) {
    throw new Error(usage);
  }
  return parsed.values;
}
