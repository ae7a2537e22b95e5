/**
 * `npm run emulator`: runs the local Optima + Entra ID emulator in the foreground, for trying the
 * provider without an Optima account. Prints the URLs and the exact `pulumi config set` and
 * environment lines that point a stack at it; stops cleanly on SIGINT/SIGTERM.
 *
 * The only credential it accepts by default is the fixed, non-secret demo refresh token
 * (`DEFAULT_REFRESH_TOKEN`), which it prints. It holds registrations in memory only.
 *
 * With `--demo-outputs FILE` it also seeds the demo partner (./demo) and writes its stack's
 * outputs to FILE, for `optima-csp status --outputs FILE` (README "Try status on the emulator").
 *
 * Usage: ts-node tools/emulator/cli.ts [--port N] [--token-ttl SECONDS] [--csp-list-carries-fields]
 *                                      [--forbidden-org ORG_ID ...] [--demo-outputs FILE]
 *        PORT=N is honoured when --port is not given; the default port is 8787.
 */
import { writeFileSync } from "node:fs";
import { parseFlags } from "../cli";
import { DEMO_CLIENT_ID, DEMO_GRAPH_TOKEN, DEMO_TENANT_ID, seedDemo } from "./demo";
import { DEFAULT_REFRESH_TOKEN, startEmulator, type Emulator, type EmulatorOptions } from "./index";

export const DEFAULT_PORT = 8787;

const USAGE = `Usage: npm run emulator -- [--port N] [--token-ttl SECONDS] [--csp-list-carries-fields] [--forbidden-org ORG_ID ...] [--demo-outputs FILE]
  --port N                   TCP port on 127.0.0.1 (default: $PORT, else ${DEFAULT_PORT}; 0 picks a free one)
  --token-ttl SECONDS        lifetime of issued access tokens (default 3600; legacy endpoint 7200)
  --csp-list-carries-fields  GET …/azure_csp_partners items carry mpn_id/domain/application_id
  --forbidden-org ORG_ID     answer 403 for every request in this org (repeatable)
  --demo-outputs FILE        seed a demo partner (Web App, keys, CSP partnership) and write its
                             stack outputs to FILE, for optima-csp status --outputs FILE`;

/** What the command line asks for: the emulator's options, and where to write the demo's outputs. */
export interface CliOptions extends EmulatorOptions {
  readonly demoOutputs?: string;
}

/** Parses the command line into emulator options; throws with the usage text on a bad argument. */
export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliOptions {
  const values = parseFlags(
    argv,
    {
      port: { type: "string" },
      "token-ttl": { type: "string" },
      "csp-list-carries-fields": { type: "boolean" },
      "forbidden-org": { type: "string", multiple: true },
      "demo-outputs": { type: "string" },
    },
    USAGE,
  );
  const demoOutputs = values["demo-outputs"];
  if (demoOutputs !== undefined && demoOutputs.trim() === "") {
    throw new Error(`--demo-outputs needs a file name\n${USAGE}`);
  }
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!/^[0-9]+$/.test(portText) || port > 65535) {
    throw new Error(`--port/PORT must be an integer 0-65535 (got "${portText}")\n${USAGE}`);
  }
  let tokenTtlSeconds: number | undefined;
  if (values["token-ttl"] !== undefined) {
    tokenTtlSeconds = Number(values["token-ttl"]);
    if (!Number.isInteger(tokenTtlSeconds) || tokenTtlSeconds <= 0) {
      throw new Error(`--token-ttl must be a positive whole number of seconds\n${USAGE}`);
    }
  }
  return {
    port,
    ...(tokenTtlSeconds === undefined ? {} : { tokenTtlSeconds }),
    cspListCarriesFields: values["csp-list-carries-fields"] ?? false,
    forbiddenOrgs: values["forbidden-org"] ?? [],
    ...(demoOutputs !== undefined ? { demoOutputs } : {}),
  };
}

/**
 * Starts the emulator as the command line asks; with `demoOutputs`, seeds the demo partner and
 * writes its stack outputs there (the JSON of `pulumi stack output --json`).
 */
export async function startFromCli(options: CliOptions): Promise<Emulator> {
  const emulator = await startEmulator(options);
  if (options.demoOutputs !== undefined) {
    try {
      writeFileSync(options.demoOutputs, `${JSON.stringify(seedDemo(emulator), null, 2)}\n`);
    } catch (error) {
      await emulator.close();
      throw error;
    }
  }
  return emulator;
}

/** The text printed on start: URLs, and how to point a stack (or CI) at the emulator. */
export function banner(emulator: Emulator, options: CliOptions): string {
  const lines = [
    `Optima + Entra ID emulator listening on ${emulator.url} (in memory; Ctrl-C stops it)`,
    "",
    `  Flexera One token endpoint   POST ${emulator.authUrl}`,
    `  Legacy RightScale token      POST ${emulator.legacyAuthUrl}   (header X-API-Version: 1.5)`,
    `  Cost Management (csp-partner) ${emulator.apiUrl}/analytics/orgs/{orgId}/azure_csp_partners   (header Api-Version: 1.0)`,
    `  FinOps Onboarding (bill-connect) ${emulator.flexeraApiUrl}/finops-onboarding/v1/orgs/{orgId}/bill-connects/azure-csp`,
    `  Entra ID authority host      ${emulator.entra.authorityHost}   (no apps registered: every tenant answers AADSTS90002)`,
    "",
    `Demo refresh token (fixed, not a secret): ${DEFAULT_REFRESH_TOKEN}`,
    "",
    "Point a Pulumi stack at it:",
    `  pulumi config set optima:authUrl ${emulator.authUrl}`,
    `  pulumi config set optima:apiUrl ${emulator.apiUrl}`,
    `  pulumi config set optima:flexeraApiUrl ${emulator.flexeraApiUrl}`,
    `  pulumi config set --secret optima:refreshToken ${DEFAULT_REFRESH_TOKEN}`,
    "",
    "Or, for CI and scripts, the environment:",
    `  export OPTIMA_AUTH_URL=${emulator.authUrl}`,
    `  export OPTIMA_API_URL=${emulator.apiUrl}`,
    `  export OPTIMA_FLEXERA_API_URL=${emulator.flexeraApiUrl}`,
    `  export OPTIMA_REFRESH_TOKEN=${DEFAULT_REFRESH_TOKEN}`,
  ];
  if ((options.forbiddenOrgs ?? []).length > 0) {
    lines.push("", `Orgs that answer 403: ${(options.forbiddenOrgs ?? []).join(", ")}`);
  }
  if (options.demoOutputs !== undefined) {
    lines.push(
      "",
      `Demo partner: tenant ${DEMO_TENANT_ID}, Web App ${DEMO_CLIENT_ID}, its stack's outputs in ${options.demoOutputs}.`,
      `Graph takes the fixed demo token (not a secret; Application.Read.All), for optima-csp status:`,
      `  export OPTIMA_CSP_GRAPH_TOKEN=${DEMO_GRAPH_TOKEN}`,
      `  npx optima-csp status --outputs ${options.demoOutputs} --graph-url ${emulator.entra.graphUrl}`,
    );
  }
  return lines.join("\n");
}

async function main(): Promise<void> {
  let options: CliOptions;
  try {
    options = parseCli(process.argv.slice(2), process.env);
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
    return;
  }
  const emulator = await startFromCli(options);
  console.log(banner(emulator, options));
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      return;
    }
    stopping = true;
    console.log(`\n${signal}: stopping the emulator`);
    // Bounded: if open connections do not drain in time, exit anyway.
    setTimeout(() => process.exit(0), 6_000).unref();
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(`emulator: ${(err as Error).message}`);
    process.exit(1);
  });
}
