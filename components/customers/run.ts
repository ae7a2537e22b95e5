/**
 * `optima-csp customers`: the I/O. Reads the stack's outputs and `optimaCustomers` config (files,
 * or the Pulumi CLI), the Web App's key (environment or file), Partner Center's customer list
 * (./listing) and the bill connects of the orgs looked in (Optima, through the package's own
 * client and credential rule), then hands the facts to ./report. `--legacy` reads the legacy
 * `AzureCSPCustomers` index instead; `--sync --write` runs `pulumi config set --path`.
 *
 * Read-only except `--sync --write`, which only adds config entries. Never throws: every failure
 * is exit 3 with a message; no output holds the Web App's key, a token or an Optima credential.
 */
import { readFile } from "node:fs/promises";
import { redact, type HttpOptions } from "../http";
import { credentialValues } from "../optima/auth";
import { OptimaClient } from "../optima/client";
import { resolveConnection, subcommandEnvironment } from "../optima/connection";
import { nextPageUrl, readRegistration } from "../optima/registrations";
import { nextPageOf, targetMapping } from "../optima/targets";
import { StatusUsageError, parseStackOutputs } from "../status/options";
import { pulumiStackOutputs } from "../status/gather";
import { parseCustomerOutputs } from "../status/holders";
import type { StatusTarget } from "../status/verdict";
import { PulumiCliError, runPulumi } from "../cli/pulumi";
import { listPartnerCenterCustomers } from "./listing";
import {
  CUSTOMERS_CONFIG_KEY,
  CUSTOMERS_ENV,
  CUSTOMERS_USAGE,
  CustomersUsageError,
  parseCustomerConfig,
  type CustomerConfig,
  parseCustomersArgs,
  type CustomersOptions,
} from "./options";
import type { WebAppCredentials } from "./partnerCenter";
import {
  buildReport,
  fieldNamesOf,
  proposeSync,
  renderJson,
  renderLegacy,
  renderText,
  type CustomerConnect,
  type OptimaLookup,
} from "./report";

export interface CustomersDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** `pulumi stack output --json --stack NAME`. */
  readonly stackOutputs?: (stack: string) => Promise<string>;
  /** `pulumi config get optimaCustomers --json --stack NAME`; undefined when the key is not set. */
  readonly stackConfig?: (stack: string) => Promise<string | undefined>;
  /** Runs one `pulumi config set …` (the argv after `pulumi`). */
  readonly runPulumi?: (args: readonly string[]) => Promise<void>;
  /** HTTP settings for Partner Center, Entra ID and Optima (tests shorten retries). */
  readonly http?: HttpOptions;
}

export interface CustomersResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Retries for a listing: fewer and shorter than a deployment's, so an operator gets an answer. */
const CUSTOMERS_HTTP_POLICY = { maxAttempts: 4, baseDelayMs: 500, maxDelayMs: 5_000, timeoutMs: 30_000 };

/** Orgs looked in at the same time. */
const ORG_LOOKUPS_AT_ONCE = 8;

/** Most pages of one org's bill-connect list followed. */
const MAX_BILL_CONNECT_PAGES = 50;

/** `optima-csp customers …`: never throws; every failure becomes exit 3 with a message. */
export async function runCustomers(argv: readonly string[], deps: CustomersDeps): Promise<CustomersResult> {
  const secrets = knownSecrets(deps.env);
  try {
    const options = parseCustomersArgs(argv, deps.env);
    if (options.help) {
      return { exitCode: 0, stdout: `${CUSTOMERS_USAGE}\n`, stderr: "" };
    }
    const http: HttpOptions = {
      ...deps.http,
      policy: { ...CUSTOMERS_HTTP_POLICY, ...deps.http?.policy },
      secrets: [...secrets, ...(deps.http?.secrets ?? [])],
    };
    const { target: outputs, customerOrgs: customerOutputOrgs } = await readOutputs(options, deps);
    if (options.mode === "legacy") {
      const stdout = await runLegacy(options, outputs, deps, http);
      return { exitCode: 0, stdout: redact(stdout, secrets), stderr: "" };
    }

    const credentials = await webAppCredentials(options, outputs, deps.env);
    secrets.push(credentials.clientSecret);
    const stored = await readConfigured(options, deps);
    const configured = stored?.entries;
    const jsonText = stored?.jsonText === true;
    const listing = await listPartnerCenterCustomers(options.endpoints, credentials, {
      pageSize: options.pageSize,
      http: { ...http, secrets: [...(http.secrets ?? []), credentials.clientSecret] },
    });
    const orgs = unique([
      ...options.orgs,
      ...(outputs.orgId === undefined ? [] : [outputs.orgId]),
      // Each customer's org as the stack made it (a child org's ID is known only there).
      ...customerOutputOrgs,
      ...(configured ?? []).flatMap((e) => (e.orgId === undefined ? [] : [e.orgId])),
    ]);
    const optima = orgs.length === 0 ? undefined : await lookInOptima(orgs, deps.env, http, secrets);

    let sync =
      options.mode === "sync"
        ? proposeSync(listing.customers, configured ?? [], options.orgFor, options.stack, { jsonText })
        : undefined;
    if (sync !== undefined && options.write && sync.commands.length > 0) {
      const run = deps.runPulumi ?? runPulumiCli;
      for (const command of sync.commands) {
        await run(command.slice(1));
      }
      sync = { ...sync, written: true };
    }
    const report = buildReport(
      listing.customers,
      listing.pages,
      optima,
      configured,
      sync,
      credentials.clientId,
    );
    const stdout = options.json ? renderJson(report) : renderText(report);
    return { exitCode: report.exitCode, stdout: redact(stdout, secrets), stderr: "" };
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), secrets);
    const usage = error instanceof CustomersUsageError || error instanceof StatusUsageError;
    return {
      exitCode: 3,
      stdout: "",
      stderr: `optima-csp customers: ${usage ? "" : "could not check: "}${message}\n`,
    };
  }
}

/** Values no output may show: the Web App's key and the Optima credential, from the environment. */
function knownSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return [
    env[CUSTOMERS_ENV.clientSecret],
    env.OPTIMA_REFRESH_TOKEN,
    env.OPTIMA_SERVICE_ACCOUNT_SECRET,
  ].filter((v): v is string => typeof v === "string" && v.trim() !== "");
}

/** The stack's outputs: the partnership's fields, and each customer's org (output `optimaCustomers`). */
async function readOutputs(
  options: CustomersOptions,
  deps: CustomersDeps,
): Promise<{ target: StatusTarget; customerOrgs: string[] }> {
  const parse = (text: string, source: string): { target: StatusTarget; customerOrgs: string[] } => {
    const customers = parseCustomerOutputs(text, source);
    return {
      target: parseStackOutputs(text, source),
      customerOrgs:
        customers.state === "listed"
          ? customers.holders.flatMap((h) => (h.orgId === undefined ? [] : [h.orgId]))
          : [],
    };
  };
  if (options.outputsFile !== undefined) {
    return parse(await readText(options.outputsFile, "--outputs"), options.outputsFile);
  }
  if (options.stack !== undefined) {
    const read = deps.stackOutputs ?? pulumiStackOutputs;
    return parse(await read(options.stack), `the outputs of stack ${options.stack}`);
  }
  return { target: {}, customerOrgs: [] };
}

async function readConfigured(
  options: CustomersOptions,
  deps: CustomersDeps,
): Promise<CustomerConfig | undefined> {
  if (options.customersFile !== undefined) {
    return parseCustomerConfig(
      await readText(options.customersFile, "--customers-file"),
      options.customersFile,
    );
  }
  if (options.stack !== undefined) {
    const text = await (deps.stackConfig ?? pulumiConfigGet)(options.stack);
    return text === undefined
      ? { entries: [], jsonText: false }
      : parseCustomerConfig(text, `the ${CUSTOMERS_CONFIG_KEY} config of stack ${options.stack}`);
  }
  if (options.mode === "sync") {
    throw new CustomersUsageError(
      `--sync needs the current ${CUSTOMERS_CONFIG_KEY}: pass --stack NAME or --customers-file FILE.`,
    );
  }
  return undefined;
}

async function readText(file: string, flag: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    throw new CustomersUsageError(
      `cannot read ${flag} ${file} (${(error as NodeJS.ErrnoException).code ?? "error"}).`,
    );
  }
}

/** The Web App's tenant, client ID and key: flags, then environment, then stack outputs (client ID only). */
async function webAppCredentials(
  options: CustomersOptions,
  outputs: StatusTarget,
  env: Readonly<Record<string, string | undefined>>,
): Promise<WebAppCredentials> {
  const clientId = options.clientId ?? outputs.clientId;
  let clientSecret: string | undefined;
  if (options.clientSecretFile !== undefined) {
    clientSecret = (await readText(options.clientSecretFile, "--client-secret-file")).trim();
    if (clientSecret === "") {
      throw new CustomersUsageError(`--client-secret-file ${options.clientSecretFile} is empty.`);
    }
  } else {
    clientSecret = env[CUSTOMERS_ENV.clientSecret]?.trim() || undefined;
  }
  const missing = [
    options.tenantId === undefined
      ? `the partner tenant (--tenant-id or ${CUSTOMERS_ENV.tenantId})`
      : undefined,
    clientId === undefined
      ? `the Web App's client ID (--client-id, ${CUSTOMERS_ENV.clientId}, or --stack/--outputs with webAppClientId)`
      : undefined,
    clientSecret === undefined
      ? `the Web App's key (${CUSTOMERS_ENV.clientSecret} or --client-secret-file)`
      : undefined,
  ].filter((m): m is string => m !== undefined);
  if (missing.length > 0) {
    throw new CustomersUsageError(
      `Partner Center is read as the Web App itself; missing: ${missing.join("; ")}.`,
    );
  }
  return { tenantId: options.tenantId!, clientId: clientId!, clientSecret: clientSecret! };
}

/** Every azure-csp bill connect scoped to a customer tenant in each org (all pages; item reads when the list lacks the fields). */
async function lookInOptima(
  orgs: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  http: HttpOptions,
  secrets: string[],
): Promise<OptimaLookup> {
  const connection = resolveConnection(subcommandEnvironment("customers"), env);
  secrets.push(...credentialValues(connection));
  const client = new OptimaClient(connection, {
    http: { ...http, secrets: [...(http.secrets ?? []), ...credentialValues(connection)] },
  });
  const mapping = targetMapping("bill-connect");
  const perOrg: CustomerConnect[][] = orgs.map(() => []);
  const lookIn = async (orgId: string, found: CustomerConnect[]): Promise<void> => {
    const listPath = mapping.listPath(orgId);
    const visited: string[] = [];
    let next = listPath;
    for (let page = 1; ; page++) {
      const response = await client.request({ method: "GET", host: mapping.host, path: next });
      for (const item of mapping.parseList(response.data, `GET ${listPath}`)) {
        const registration = item.registration ?? (await readRegistration(client, mapping, orgId, item.id));
        if (registration?.customerTenantId !== undefined) {
          found.push({
            orgId,
            id: registration.id,
            customerTenantId: registration.customerTenantId,
            ...(registration.applicationId === undefined
              ? {}
              : { applicationId: registration.applicationId }),
          });
        }
      }
      const reference = nextPageOf(response.data, response.headers);
      if (reference === undefined) {
        return;
      }
      const url = nextPageUrl(reference, response.url, listPath);
      if (page >= MAX_BILL_CONNECT_PAGES || visited.includes(url)) {
        throw new Error(
          `GET ${listPath} has more than ${MAX_BILL_CONNECT_PAGES} pages or pages without end; org ${orgId} cannot be looked through`,
        );
      }
      visited.push(url);
      next = url;
    }
  };
  // A few orgs at a time: a partner with a thousand customers has a thousand orgs to look in.
  let nextOrg = 0;
  const worker = async (): Promise<void> => {
    while (nextOrg < orgs.length) {
      const index = nextOrg++;
      await lookIn(orgs[index], perOrg[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(ORG_LOOKUPS_AT_ONCE, orgs.length) }, worker));
  const connects = perOrg.flat();
  return { orgs, connects };
}

/** The legacy `AzureCSPCustomers` path: the partnership's item path + `/customers` (docs/optima-api.md §2: inferred). */
export function legacyCustomersPath(orgId: string, partnerId: string): string {
  return `${targetMapping("csp-partner").itemPath(orgId, partnerId)}/customers`;
}

async function runLegacy(
  options: CustomersOptions,
  outputs: StatusTarget,
  deps: CustomersDeps,
  http: HttpOptions,
): Promise<string> {
  if (options.orgs.length > 1) {
    throw new CustomersUsageError("--legacy reads one partnership: pass one --org.");
  }
  const orgId = options.orgs[0] ?? outputs.orgId;
  const fromOutputs = outputs.target === undefined || outputs.target === "csp-partner";
  const partnerId = options.partnerId ?? (fromOutputs ? outputs.registrationId : undefined);
  if (orgId === undefined || partnerId === undefined) {
    throw new CustomersUsageError(
      "--legacy needs the partnership's org and ID: --org ORG --partner-id ID, or --stack/--outputs of a csp-partner stack (optimaOrgId, registrationId).",
    );
  }
  const connection = resolveConnection(subcommandEnvironment("customers"), deps.env);
  const client = new OptimaClient(connection, {
    http: { ...http, secrets: [...(http.secrets ?? []), ...credentialValues(connection)] },
  });
  const path = legacyCustomersPath(orgId, partnerId);
  const response = await client.request({ method: "GET", host: "optima", path });
  return renderLegacy(
    { orgId, partnerId, path, fieldNames: fieldNamesOf(response.data), items: response.data ?? null },
    options.json,
  );
}

/** `pulumi config get optimaCustomers --json --stack NAME`; undefined when the key is not set. */
export function pulumiConfigGet(stack: string): Promise<string | undefined> {
  return runPulumi(["config", "get", CUSTOMERS_CONFIG_KEY, "--json", "--stack", stack], {
    withoutCli: WITHOUT_CLI,
  }).catch((error: unknown) => {
    if (error instanceof PulumiCliError && !error.notFound && /not found/i.test(error.stderr)) {
      return undefined;
    }
    throw usageError(error);
  });
}

/** Runs `pulumi <args>` (a config set). */
async function runPulumiCli(args: readonly string[]): Promise<void> {
  await runPulumi(args, { withoutCli: WITHOUT_CLI }).catch((error: unknown) => {
    throw usageError(error);
  });
}

const WITHOUT_CLI = "pass --outputs and --customers-file";

function usageError(error: unknown): Error {
  return new CustomersUsageError(error instanceof Error ? error.message : String(error));
}

function unique(values: readonly string[]): string[] {
  return values.filter((v, i) => values.indexOf(v) === i);
}
