/**
 * `optima-csp untracked-keys`: the I/O. Reads the stack's state (`pulumi stack export`, or a file),
 * reads each deployment's Web App from Microsoft Graph (./graph), plans with the pure rules of
 * ../azure/untrackedKeys, prints the plan (./render) and, with `--remove` and only when nothing
 * refuses for any connection of the export (every one is planned first), removes exactly the keys
 * the plans list. Never throws: every failure is an exit code
 * and a message, with the token and every known secret redacted.
 */
import { readFile } from "node:fs/promises";
import { redact, type HttpOptions } from "../http";
import { GRAPH_TOKEN_ENV, commandGraphToken, type GraphTokenProvider } from "../azure/graphSignIn";
import { firstLine, runPulumi } from "../cli/pulumi";
import {
  StateExportError,
  REFUSAL_REMEDY,
  planRemoval,
  readExport,
  withRefusals,
  type DeploymentState,
  type GraphApplication,
  type RemovalPlan,
} from "../azure/untrackedKeys";
import { readApplication, removePassword } from "./graph";
import { UNTRACKED_USAGE, UntrackedUsageError, parseUntrackedArgs, type UntrackedOptions } from "./options";
import { escapeText, headingLine, keyLine, planLines } from "./render";

/** Exit codes: 0 done, 1 failed, 2 refused (nothing removed). */
export const UNTRACKED_EXIT = { done: 0, failed: 1, refused: 2 } as const;

export interface UntrackedDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Runs `pulumi stack export --stack NAME` and resolves with its stdout. */
  readonly stackExport?: (stack: string) => Promise<string>;
  /** Graph sign-in; default: DefaultAzureCredential (or the test token on loopback). */
  readonly graphToken?: GraphTokenProvider;
  /** HTTP settings for Graph (tests shorten retries). */
  readonly http?: HttpOptions;
}

export interface UntrackedResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Retries for Graph: a few, short, so that a CI step gets an answer. */
const GRAPH_HTTP_POLICY = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 2_000, timeoutMs: 30_000 };

/** `optima-csp untracked-keys …`: never throws. */
export async function runUntrackedKeys(
  argv: readonly string[],
  deps: UntrackedDeps,
): Promise<UntrackedResult> {
  const secrets = knownSecrets(deps.env);
  const out: string[] = [];
  const finish = (exitCode: number, error?: string): UntrackedResult => ({
    exitCode,
    stdout: redact(out.map((l) => `${l}\n`).join(""), secrets),
    stderr:
      error === undefined ? "" : `${redact(`optima-csp untracked-keys: ${escapeText(error)}`, secrets)}\n`,
  });
  let options: UntrackedOptions;
  try {
    options = parseUntrackedArgs(argv, deps.env);
  } catch (error) {
    return finish(UNTRACKED_EXIT.failed, (error as Error).message);
  }
  if (options.help) {
    return { exitCode: UNTRACKED_EXIT.done, stdout: `${UNTRACKED_USAGE}\n`, stderr: "" };
  }
  let deployments: DeploymentState[];
  let unreadable: readonly string[];
  try {
    ({ deployments, unreadable } = readExport(await readState(options, deps)));
  } catch (error) {
    const source =
      options.stateFile !== undefined ? `--state-file ${options.stateFile}` : `stack ${options.stack}`;
    return finish(
      UNTRACKED_EXIT.failed,
      error instanceof StateExportError ? `${source}: ${error.message}.` : (error as Error).message,
    );
  }
  if (unreadable.length > 0) {
    out.push("REFUSED: the state holds a connection whose keys this tool cannot read; nothing is removed:");
    out.push(...unreadable.map((u) => `  - ${escapeText(u)}`));
    out.push(escapeText(REFUSAL_REMEDY));
    return finish(UNTRACKED_EXIT.refused);
  }
  if (deployments.length === 0) {
    out.push("untracked-keys: the state holds no deployed optima-csp connection; nothing to check.");
    return finish(UNTRACKED_EXIT.done);
  }

  let token: string;
  try {
    token = await commandGraphToken(options.graphUrl, deps, (m) => new UntrackedUsageError(m));
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${firstLine(error.message)}` : String(error);
    return finish(
      UNTRACKED_EXIT.failed,
      error instanceof UntrackedUsageError
        ? error.message
        : `could not sign in to Microsoft Graph (${message.slice(0, 400)}). Sign in again right before this ` +
            "command (az login / azure/login, or AZURE_* workload identity); nothing was removed.",
    );
  }
  secrets.push(token);
  const http: HttpOptions = {
    ...deps.http,
    policy: { ...GRAPH_HTTP_POLICY, ...deps.http?.policy },
    secrets: [...secrets, ...(deps.http?.secrets ?? [])],
  };

  // Every connection is read and planned before anything is removed: one export is one snapshot,
  // so a refusal for any connection in it (or a Graph read that fails) removes nothing from any.
  const planned: { deployment: DeploymentState; app: GraphApplication; plan: RemovalPlan }[] = [];
  for (const deployment of deployments) {
    let app: GraphApplication;
    try {
      app = await readApplication(options.graphUrl, deployment.objectId, token, http);
    } catch (error) {
      return finish(UNTRACKED_EXIT.failed, (error as Error).message);
    }
    planned.push({ deployment, app, plan: planRemoval(deployment, app, options.stack) });
  }
  const refusedIds = planned.filter((p) => p.plan.refusals.length > 0).map((p) => p.deployment.deploymentId);
  const refused = refusedIds.length > 0;
  for (const entry of planned) {
    if (refused && entry.plan.refusals.length === 0) {
      entry.plan = withRefusals(entry.plan, [
        `another connection in this state (deployment ${refusedIds.join(", ")}) is refused: one export is one snapshot, so nothing is removed from any`,
      ]);
    }
  }

  for (const { deployment, app, plan } of planned) {
    out.push(
      headingLine({
        stack: deployment.stack,
        deploymentId: deployment.deploymentId,
        objectId: deployment.objectId,
        keyCount: app.passwords.length,
      }),
    );
    out.push(...planLines(plan, options.remove));
    if (refused || !options.remove) {
      continue;
    }
    for (const [i, key] of plan.remove.entries()) {
      try {
        await removePassword(options.graphUrl, deployment.objectId, key.keyId, token, http);
      } catch (error) {
        const left = plan.remove.slice(i).map((k) => k.keyId);
        return finish(
          UNTRACKED_EXIT.failed,
          `removing key ${key.keyId} failed: ${(error as Error).message} Not removed: ${left.join(", ")}.`,
        );
      }
      out.push(keyLine("removed", key));
    }
    out.push(plan.remove.length === 0 ? "Nothing to remove." : `Removed ${plan.remove.length} key(s).`);
  }
  return finish(refused ? UNTRACKED_EXIT.refused : UNTRACKED_EXIT.done);
}

/** Values no output may show: the test Graph token and Azure's client secret, from the environment. */
function knownSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return [env[GRAPH_TOKEN_ENV], env.AZURE_CLIENT_SECRET, env.PULUMI_ACCESS_TOKEN].filter(
    (v): v is string => typeof v === "string" && v.trim() !== "",
  );
}

async function readState(options: UntrackedOptions, deps: UntrackedDeps): Promise<string> {
  if (options.stateFile !== undefined) {
    try {
      return await readFile(options.stateFile, "utf8");
    } catch (error) {
      throw new Error(
        `cannot read --state-file ${options.stateFile} (${(error as NodeJS.ErrnoException).code ?? "error"}): ` +
          "write it with `pulumi stack export --stack <stack> > FILE` right before this command.",
      );
    }
  }
  return (deps.stackExport ?? pulumiStackExport)(options.stack!);
}

/** `pulumi stack export --stack NAME` (secrets stay encrypted: never --show-secrets). */
export function pulumiStackExport(stack: string): Promise<string> {
  return runPulumi(["stack", "export", "--stack", stack], {
    withoutCli: "pass --state-file FILE written by `pulumi stack export` right before this command",
    timeoutMs: 5 * 60_000,
    maxBufferBytes: 64 * 1024 * 1024,
  });
}
