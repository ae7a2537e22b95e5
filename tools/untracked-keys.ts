/**
 * `npm run --silent untracked-keys -- --stack <stack> [--remove]`: finds the Partner Center Web
 * App keys this deployment made that its Pulumi state does not hold (left by a `pulumi up` killed
 * while Entra ID was creating a key; components/azure/untrackedKeys.ts says when a key counts),
 * reports them, and with `--remove` removes them through Microsoft Graph (`removePassword`).
 *
 * Never removes a hand-made key, another deployment's key, a key the state holds, or the key
 * Optima holds; refuses to remove anything while the state has pending operations on keys.
 *
 * Reads the state with `pulumi stack export --stack <stack>` (the `pulumi` on PATH, logged in as
 * for `pulumi up`), or from `--state-file`. Graph: `OPTIMA_CSP_GRAPH_URL` (default
 * https://graph.microsoft.com/v1.0; sovereign clouds have their own) and a token with
 * `Application.ReadWrite.OwnedBy` in `OPTIMA_CSP_GRAPH_TOKEN`, else from the Azure CLI session
 * (`az account get-access-token --resource-type ms-graph`). Prints key IDs and display names,
 * never a token or key value. Exit codes: 0 done (nothing untracked, reported, or removed),
 * 1 failed, 2 untracked keys found but removal refused (the message says what to run first).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { parseFlags } from "./cli";
import {
  removalBlocker,
  trackedDeployments,
  untrackedKeys,
  type GraphPassword,
} from "../components/azure/untrackedKeys";

const USAGE = `usage: npm run --silent untracked-keys -- (--stack <stack> | --state-file <file>) [--remove] [--graph-url <url>]
  --stack       the stack to read with \`pulumi stack export\`
  --state-file  a \`pulumi stack export\` document instead
  --remove      remove the untracked keys (default: only report them)
  --graph-url   Microsoft Graph base URL (default: $OPTIMA_CSP_GRAPH_URL or https://graph.microsoft.com/v1.0)`;

/** Each Graph request is given up after this long. */
const GRAPH_TIMEOUT_MS = 30_000;

function graphToken(): string {
  const fromEnv = process.env.OPTIMA_CSP_GRAPH_TOKEN;
  if (fromEnv) {
    return fromEnv;
  }
  try {
    return execFileSync(
      "az",
      ["account", "get-access-token", "--resource-type", "ms-graph", "--query", "accessToken", "-o", "tsv"],
      { encoding: "utf8", timeout: 60_000, stdio: ["ignore", "pipe", "ignore"] },
    ).trim();
  } catch {
    throw new Error(
      "No Microsoft Graph token: set OPTIMA_CSP_GRAPH_TOKEN or sign in with the Azure CLI (az login) as the identity that rotates the key.",
    );
  }
}

async function graph(base: string, token: string, method: "GET" | "POST", path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(GRAPH_TIMEOUT_MS),
  });
  if (!response.ok) {
    // Method, path and status only: a Graph error body may echo what was sent.
    throw new Error(`Microsoft Graph ${method} ${path} answered HTTP ${response.status}`);
  }
  const text = await response.text();
  return text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
}

export async function main(argv: readonly string[]): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      stack: { type: "string" },
      "state-file": { type: "string" },
      remove: { type: "boolean" },
      "graph-url": { type: "string" },
    },
    USAGE,
  );
  if ((flags.stack === undefined) === (flags["state-file"] === undefined)) {
    throw new Error(`give exactly one of --stack and --state-file\n${USAGE}`);
  }
  const exported =
    flags["state-file"] !== undefined
      ? readFileSync(flags["state-file"], "utf8")
      : execFileSync("pulumi", ["stack", "export", "--stack", flags.stack!], {
          encoding: "utf8",
          timeout: 5 * 60_000,
          maxBuffer: 64 * 1024 * 1024,
        });
  const base = (
    flags["graph-url"] ??
    process.env.OPTIMA_CSP_GRAPH_URL ??
    "https://graph.microsoft.com/v1.0"
  ).replace(/\/+$/, "");
  const deployments = trackedDeployments(exported);
  if (deployments.length === 0) {
    console.log("untracked keys: the state holds no deployed optima-csp connection; nothing to check.");
    return 0;
  }
  const token = graphToken();
  let refused = false;
  for (const d of deployments) {
    const app = await graph(base, token, "GET", `/applications/${d.objectId}?$select=id,passwordCredentials`);
    const keys = (app?.passwordCredentials ?? []) as GraphPassword[];
    const untracked = untrackedKeys(d, keys);
    if (untracked.length === 0) {
      console.log(
        `untracked keys: none for deployment ${d.deploymentId} (${keys.length} key(s) on the Web App).`,
      );
      continue;
    }
    for (const k of untracked) {
      console.log(
        `untracked key: ${k.keyId} "${k.displayName}" (deployment ${d.deploymentId}, not in the state)`,
      );
    }
    if (!flags.remove) {
      console.log("Run again with --remove to remove them (the key Optima holds is never among them).");
      continue;
    }
    const blocker = removalBlocker(d);
    if (blocker !== undefined) {
      console.error(`untracked keys not removed: ${blocker}`);
      refused = true;
      continue;
    }
    for (const k of untracked) {
      await graph(base, token, "POST", `/applications/${d.objectId}/removePassword`, { keyId: k.keyId });
      console.log(`removed untracked key ${k.keyId} "${k.displayName}"`);
    }
  }
  return refused ? 2 : 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err.message);
      process.exit(1);
    },
  );
}
