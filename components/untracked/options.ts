/**
 * `optima-csp untracked-keys` flags. Pure: argv and the environment in, {@link UntrackedOptions}
 * out; every mistake is an {@link UntrackedUsageError} whose message says what to change. The
 * Graph URL follows the rules of `optima-csp status` (../status/options: https, or http only on a
 * loopback host), whether it comes from `--graph-url` or `OPTIMA_CSP_GRAPH_URL`.
 */
import { parseArgs } from "node:util";
import { DEFAULT_GRAPH_URL, StatusUsageError, graphUrl } from "../status/options";
import { UsageError } from "../cli/usage";

/** The Graph root when neither `--graph-url` nor this variable is set. */
export const GRAPH_URL_ENV = "OPTIMA_CSP_GRAPH_URL";

export interface UntrackedOptions {
  /** `--stack NAME`: read the state with `pulumi stack export --stack NAME`. */
  readonly stack?: string;
  /** `--state-file FILE`: a `pulumi stack export` document instead. */
  readonly stateFile?: string;
  /** `--remove`: remove what the plan lists; without it, only print the plan. */
  readonly remove: boolean;
  /** The checked Graph root, no trailing slash. */
  readonly graphUrl: string;
  readonly help: boolean;
}

/** `optima-csp untracked-keys` called wrongly. */
export class UntrackedUsageError extends UsageError {}

export const UNTRACKED_USAGE = `Usage: optima-csp untracked-keys (--stack NAME | --state-file FILE) [--remove] [--graph-url URL]

Finds the Partner Center Web App keys this deployment made that its Pulumi state does not hold
(left by a \`pulumi up\` killed while Entra ID was creating a key) and, with --remove, removes
those it can prove are superseded. Without --remove it prints exactly what --remove would do.

  --stack NAME       read the state with \`pulumi stack export --stack NAME\` (needs the Pulumi CLI,
                     logged in to the stack's backend)
  --state-file FILE  a \`pulumi stack export\` document instead (it must be current: an export taken
                     before the last rotation is refused)
  --remove           remove the keys listed as "would remove" (default: only print the plan)
  --graph-url URL    Microsoft Graph root (default $${GRAPH_URL_ENV} or ${DEFAULT_GRAPH_URL});
                     https, or http only on 127.0.0.1, ::1 and localhost (the local emulator)
  -h, --help         this text

Never removes a key whose display name is not exactly optima-csp's with this deployment's ID
(a person's key), a key the state mentions (the key Optima holds, the active and previous keys,
every password), or a key of the state's current or previous window. Refuses (exit 2, nothing
removed) when the state is not current: pending operations, a key newer than the state's windows,
a key the state holds missing from the Web App, another Web App, deployment or stack.

Sign-in: Microsoft Graph with DefaultAzureCredential (AZURE_* environment incl. workload identity,
managed identity, or the Azure CLI session: sign in again right before this command in a long CI
job), as an identity with Application.ReadWrite.OwnedBy on the Web App (Application.Read.All for a
dry run). Tests only: OPTIMA_CSP_GRAPH_TOKEN, accepted only with a loopback Graph URL.

Exit codes: 0 done (nothing to remove, the plan printed, or every listed key removed),
1 failed (bad flags, the state or Graph could not be read, a removal failed),
2 refused (nothing removed; the message says why and what to do).`;

/** Parses the arguments after `untracked-keys`. */
export function parseUntrackedArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): UntrackedOptions {
  let values: Record<string, string | boolean | undefined>;
  let tokens: readonly { kind: string; name?: string }[];
  try {
    ({ values, tokens } = parseArgs({
      args: [...argv],
      options: {
        stack: { type: "string" },
        "state-file": { type: "string" },
        remove: { type: "boolean" },
        "graph-url": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
      tokens: true,
    }) as { values: Record<string, string | boolean | undefined>; tokens: typeof tokens });
  } catch (error) {
    throw new UntrackedUsageError(
      `${(error as Error).message}. Run optima-csp untracked-keys --help for the flags.`,
    );
  }
  // Strict, as status: a flag given twice (the last would silently win: another stack) or with an
  // empty value is refused, never ignored.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind === "option" && token.name !== undefined) {
      if (seen.has(token.name)) {
        throw new UntrackedUsageError(`--${token.name} is given more than once: give it once.`);
      }
      seen.add(token.name);
    }
  }
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string" && value.trim() === "") {
      throw new UntrackedUsageError(`--${name} is given without a value: give one, or leave the flag out.`);
    }
  }
  if (values.help === true) {
    return { remove: false, graphUrl: DEFAULT_GRAPH_URL, help: true };
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const stack = text("stack");
  const stateFile = text("state-file");
  if ((stack === undefined) === (stateFile === undefined)) {
    throw new UntrackedUsageError(
      "give exactly one of --stack NAME and --state-file FILE. Run optima-csp untracked-keys --help for the flags.",
    );
  }
  const flagUrl = text("graph-url");
  const envUrl = env[GRAPH_URL_ENV]?.trim() || undefined;
  let url: string;
  try {
    url = graphUrl(flagUrl ?? envUrl);
  } catch (error) {
    if (error instanceof StatusUsageError && flagUrl === undefined) {
      throw new UntrackedUsageError(error.message.replace("--graph-url", GRAPH_URL_ENV));
    }
    throw new UntrackedUsageError((error as Error).message);
  }
  return {
    ...(stack !== undefined ? { stack } : {}),
    ...(stateFile !== undefined ? { stateFile } : {}),
    remove: values.remove === true,
    graphUrl: url,
    help: false,
  };
}
