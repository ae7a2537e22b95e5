/**
 * `optima-csp customers` flags, the Web App credentials from the environment or a file, and the
 * `optimaCustomers` stack config value. Pure: argv, environment and texts in; options out. Every
 * mistake is a {@link CustomersUsageError} whose message says what to change, raised before any
 * request is sent. The Web App's key is never a flag value (it would land in shell history) and
 * never appears in a message.
 */
import { parseArgs } from "node:util";
import { checkCustomerEntries, type CustomerEntry } from "../azure/customers";
import { isGuid } from "../formats";
import { isLoopbackHost } from "../http/url";
import {
  DEFAULT_AUTHORITY_HOST,
  DEFAULT_PAGE_SIZE,
  DEFAULT_PARTNER_CENTER_URL,
  PARTNER_CENTER_RESOURCE,
  type PartnerCenterEndpoints,
} from "./partnerCenter";
import { UsageError } from "../cli/usage";

/** The stack config key (namespace `optima-csp`) that lists the customers the program connects. */
export const CUSTOMERS_CONFIG_KEY = "optimaCustomers";

/** Environment variables the command reads. */
export const CUSTOMERS_ENV = {
  /** The Partner Center Web App's key. Or `--client-secret-file`. */
  clientSecret: "OPTIMA_CSP_WEB_APP_SECRET",
  /** The Web App's client ID, when neither `--client-id` nor the stack output `webAppClientId` gives it. */
  clientId: "OPTIMA_CSP_WEB_APP_CLIENT_ID",
  /** The partner tenant, when `--tenant-id` does not give it. */
  tenantId: "OPTIMA_CSP_TENANT_ID",
} as const;

/** Largest `--page-size`. */
export const MAX_PAGE_SIZE = 1000;

/** One entry of the `optimaCustomers` config value, as written (the program's own rules: ../azure/customers). */
export type { CustomerEntry } from "../azure/customers";

export type CustomersMode = "list" | "legacy" | "sync";

export interface CustomersOptions {
  readonly mode: CustomersMode;
  readonly help: boolean;
  readonly json: boolean;
  /** `--stack NAME`: outputs, and the `optimaCustomers` config, of this stack (needs the Pulumi CLI). */
  readonly stack?: string;
  /** `--outputs FILE`: the JSON of `pulumi stack output --json`. */
  readonly outputsFile?: string;
  /** `--customers-file FILE`: the `optimaCustomers` value as JSON, instead of reading it with the Pulumi CLI. */
  readonly customersFile?: string;
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly clientSecretFile?: string;
  /** `--org ORG` (repeatable): Flexera orgs to look in for the customers' bill connects. */
  readonly orgs: readonly string[];
  /** `--partner-id ID` (`--legacy`): the Cost Management partnership ID (output `registrationId`). */
  readonly partnerId?: string;
  /** `--org-for TENANT=ORG` (repeatable, `--sync`): the org a new customer is connected in. */
  readonly orgFor: Readonly<Record<string, string>>;
  /** `--write` (`--sync`): set the new entries with `pulumi config set --path`. */
  readonly write: boolean;
  readonly pageSize: number;
  readonly endpoints: PartnerCenterEndpoints;
}

/** `optima-csp customers` called wrongly. */
export class CustomersUsageError extends UsageError {}

export const CUSTOMERS_USAGE = `Usage: optima-csp customers [--stack NAME | --outputs FILE] [flags]
       optima-csp customers --legacy [--org ORG --partner-id ID | --stack NAME | --outputs FILE]
       optima-csp customers --sync --stack NAME [--org-for TENANT=ORG ...] [--write]

Lists the partner's customers from Partner Center (GET /v1/customers, every page), with each
customer's tenant ID, domain and company name, and whether Flexera Optima knows it: whether one of
the orgs looked in holds an azure-csp bill connect scoped to that customer's tenant
(scopeDetails.customerDetails.customerTenantId). With the ${CUSTOMERS_CONFIG_KEY} value known (--stack or
--customers-file), a bill connect there on the same Web App for a customer not in it is reported:
the stack hands it no new key. Read-only unless --sync --write.

Partner Center sign-in (app-only, as the Partner Center Web App itself; never the deploying identity):
  --tenant-id GUID         the partner tenant                       (env ${CUSTOMERS_ENV.tenantId})
  --client-id GUID         the Web App's client ID                  (env ${CUSTOMERS_ENV.clientId}, output webAppClientId)
  --client-secret-file F   a file holding the Web App's key         (or env ${CUSTOMERS_ENV.clientSecret}; never a flag value)
  --authority-host URL     Entra ID authority (default ${DEFAULT_AUTHORITY_HOST})
  --resource URL           the token's resource (default ${PARTNER_CENTER_RESOURCE})
  --partner-center-url URL Partner Center API root (default ${DEFAULT_PARTNER_CENTER_URL})
  --page-size N            customers per page, 1 to ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})

Where Optima is looked in (every org named by any of these):
  --org ORG                a Flexera org ID (repeatable)
  --stack NAME             the stack's outputs (optimaOrgId; each customer's org in optimaCustomers)
                           and its ${CUSTOMERS_CONFIG_KEY} config (each entry's orgId)
  --outputs FILE           the JSON of \`pulumi stack output --json\` instead of --stack's outputs
  --customers-file FILE    the ${CUSTOMERS_CONFIG_KEY} value as JSON instead of --stack's config
Optima sign-in: OPTIMA_REFRESH_TOKEN or OPTIMA_SERVICE_ACCOUNT_ID/SECRET, OPTIMA_REGION (a read role is enough).

Modes:
  --legacy                 list the legacy AzureCSPCustomers of a csp-partner partnership as Optima
                           returns them (raw JSON, escaped), to learn its field names; read-only
  --partner-id ID          --legacy: the partnership's ID (output registrationId); --org gives its org
  --sync                   propose the ${CUSTOMERS_CONFIG_KEY} value: every configured customer is kept (one gone
                           from Partner Center is reported, never removed), new Partner Center customers
                           are added with the org --org-for gives them, or reported without one
  --org-for TENANT=ORG     --sync: connect this new customer in this org (repeatable)
  --write                  --sync: set the new entries in the stack's config (pulumi config set --path;
                           a value stored as JSON text is set whole); not with --customers-file;
                           review them with pulumi preview

Output:
  --json                   one JSON document instead of the table
  -h, --help               this text

Exit codes: 0 every customer is known to Optima (or Optima was not looked in) and nothing is
pending; 1 warning: a customer Optima does not know, a configured customer gone from Partner
Center, a bill connect on the Web App outside ${CUSTOMERS_CONFIG_KEY}, or a --sync change not written; 3 could not check (and usage mistakes). 2 is not used.`;

const STRING_FLAGS = [
  "stack",
  "outputs",
  "customers-file",
  "client-id",
  "tenant-id",
  "client-secret-file",
  "authority-host",
  "resource",
  "partner-center-url",
  "page-size",
  "partner-id",
] as const;

/** Parses the arguments after `customers`, with the environment for what flags leave out. */
export function parseCustomersArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CustomersOptions {
  let values: Record<string, string | boolean | string[] | undefined>;
  let tokens: readonly { kind: string; name?: string }[];
  try {
    ({ values, tokens } = parseArgs({
      args: [...argv],
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((name) => [name, { type: "string" as const }])),
        org: { type: "string", multiple: true },
        "org-for": { type: "string", multiple: true },
        "client-secret": { type: "string" },
        json: { type: "boolean" },
        legacy: { type: "boolean" },
        sync: { type: "boolean" },
        write: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
      tokens: true,
    }) as { values: Record<string, string | boolean | string[] | undefined>; tokens: typeof tokens });
  } catch (error) {
    // parseArgs quotes the offending argument; a mistyped flag may be followed by the key: say only the flag.
    const flag = /'(-{1,2}[A-Za-z][\w-]*)/.exec((error as Error).message)?.[1];
    throw new CustomersUsageError(
      `${flag === undefined ? "invalid arguments" : `unknown or malformed option ${flag}`}. Run optima-csp customers --help for the flags.`,
    );
  }
  // Strict, as status: a single-value flag given twice (the last would silently win: `--write`
  // to another stack) or a value left empty is refused, never ignored. --org and --org-for repeat.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (
      token.kind === "option" &&
      token.name !== undefined &&
      token.name !== "org" &&
      token.name !== "org-for"
    ) {
      if (seen.has(token.name)) {
        throw new CustomersUsageError(`--${token.name} is given more than once: give it once.`);
      }
      seen.add(token.name);
    }
  }
  for (const [name, value] of Object.entries(values)) {
    for (const item of Array.isArray(value) ? value : [value]) {
      if (typeof item === "string" && item.trim() === "" && name !== "client-secret") {
        throw new CustomersUsageError(`--${name} is given without a value: give one, or leave the flag out.`);
      }
    }
  }
  if (values["client-secret"] !== undefined) {
    throw new CustomersUsageError(
      `--client-secret is not accepted: a key on the command line lands in shell history and process lists. ` +
        `Set ${CUSTOMERS_ENV.clientSecret}, or pass --client-secret-file FILE.`,
    );
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
  };
  const list = (name: string): string[] =>
    ((values[name] as string[] | undefined) ?? []).map((v) => v.trim()).filter((v) => v !== "");

  const legacy = values.legacy === true;
  const sync = values.sync === true;
  if (legacy && sync) {
    throw new CustomersUsageError("--legacy and --sync are different modes: pass one of them.");
  }
  const mode: CustomersMode = legacy ? "legacy" : sync ? "sync" : "list";
  if (text("stack") !== undefined && text("outputs") !== undefined) {
    throw new CustomersUsageError(
      "--stack and --outputs both name where the outputs come from: pass one of them.",
    );
  }
  if (values.write === true && mode !== "sync") {
    throw new CustomersUsageError("--write applies to --sync only.");
  }
  if (values.write === true && text("stack") === undefined) {
    throw new CustomersUsageError("--sync --write needs --stack NAME: the stack whose config is written.");
  }
  if (values.write === true && text("customers-file") !== undefined) {
    // --write changes the stack's value: it must be proposed from that value, as the stack stores it.
    throw new CustomersUsageError(
      `--sync --write writes the ${CUSTOMERS_CONFIG_KEY} of --stack: it reads that value itself; leave out --customers-file.`,
    );
  }
  if (list("org-for").length > 0 && mode !== "sync") {
    throw new CustomersUsageError("--org-for applies to --sync only.");
  }
  if (text("partner-id") !== undefined && mode !== "legacy") {
    throw new CustomersUsageError("--partner-id applies to --legacy only.");
  }

  const orgs = list("org");
  for (const org of orgs) {
    checkOrg(org, "--org");
  }
  const orgFor: Record<string, string> = {};
  for (const pair of list("org-for")) {
    const match = /^([^=]+)=(.+)$/.exec(pair);
    if (match === null || !isGuid(match[1].trim())) {
      throw new CustomersUsageError(
        `--org-for must be TENANT=ORG, a customer tenant GUID and a Flexera org ID; got "${pair}".`,
      );
    }
    checkOrg(match[2].trim(), `--org-for ${match[1].trim()}`);
    const tenant = match[1].trim().toLowerCase();
    if (orgFor[tenant] !== undefined) {
      // The last would silently win: a customer's costs shown in another org than the one meant.
      throw new CustomersUsageError(
        `--org-for names customer ${match[1].trim()} more than once (tenant IDs in any letter case): give each customer once.`,
      );
    }
    orgFor[tenant] = match[2].trim();
  }
  for (const [flag, value] of [
    ["--client-id", text("client-id")],
    ["--tenant-id", text("tenant-id")],
  ] as const) {
    if (value !== undefined && !isGuid(value)) {
      throw new CustomersUsageError(`${flag} must be a GUID; got "${value}".`);
    }
  }
  const pageSizeText = text("page-size") ?? String(DEFAULT_PAGE_SIZE);
  if (!/^\d+$/.test(pageSizeText) || Number(pageSizeText) < 1 || Number(pageSizeText) > MAX_PAGE_SIZE) {
    throw new CustomersUsageError(
      `--page-size must be a whole number from 1 to ${MAX_PAGE_SIZE}; got "${pageSizeText}".`,
    );
  }
  const partnerId = text("partner-id");
  if (partnerId !== undefined && !/^[\w.:-]{1,128}$/.test(partnerId)) {
    throw new CustomersUsageError(
      `--partner-id must be the partnership's ID (letters, digits, - _ . :); got "${partnerId}".`,
    );
  }
  const tenantId = text("tenant-id") ?? envGuid(env, CUSTOMERS_ENV.tenantId);
  const clientId = text("client-id") ?? envGuid(env, CUSTOMERS_ENV.clientId);
  return {
    mode,
    help: values.help === true,
    json: values.json === true,
    ...optional("stack", text("stack")),
    ...optional("outputsFile", text("outputs")),
    ...optional("customersFile", text("customers-file")),
    ...optional("clientId", clientId),
    ...optional("tenantId", tenantId),
    ...optional("clientSecretFile", text("client-secret-file")),
    ...optional("partnerId", partnerId),
    orgs,
    orgFor,
    write: values.write === true,
    pageSize: Number(pageSizeText),
    endpoints: {
      partnerCenterUrl: serviceUrl(
        text("partner-center-url") ?? DEFAULT_PARTNER_CENTER_URL,
        "--partner-center-url",
      ),
      authorityHost: serviceUrl(text("authority-host") ?? DEFAULT_AUTHORITY_HOST, "--authority-host"),
      resource: resourceUrl(text("resource") ?? PARTNER_CENTER_RESOURCE),
    },
  };
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, string>);
}

function checkOrg(value: string, flag: string): void {
  if (!/^\d{1,20}$/.test(value)) {
    throw new CustomersUsageError(`${flag} must be a Flexera org ID, digits only; got "${value}".`);
  }
}

function envGuid(env: Readonly<Record<string, string | undefined>>, name: string): string | undefined {
  const value = env[name]?.trim();
  if (value === undefined || value === "") {
    return undefined;
  }
  if (!isGuid(value)) {
    throw new CustomersUsageError(`${name} must be a GUID; got "${value}".`);
  }
  return value;
}

/** An https URL (http only on a loopback host, for the emulator), without a trailing slash, query or credentials. */
function serviceUrl(value: string, flag: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CustomersUsageError(`${flag} must be an absolute https:// URL; got "${value}".`);
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new CustomersUsageError(`${flag} must not hold a user name, password, query or fragment.`);
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new CustomersUsageError(
      `${flag} must use https:// (http:// only on 127.0.0.1, ::1 and localhost, for the emulator).`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** The token's resource: an absolute https URL (an audience, never contacted). */
function resourceUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new CustomersUsageError(`--resource must be an absolute https:// URL; got "${value}".`);
  }
  if (url.protocol !== "https:" || url.username || url.password || url.search || url.hash) {
    throw new CustomersUsageError(
      `--resource must be an https:// URL without credentials, query or fragment; got "${value}".`,
    );
  }
  return value.replace(/\/+$/, "");
}

/**
 * The `optimaCustomers` value: the JSON of `pulumi config get optimaCustomers --json` (an object
 * with `objectValue` or `value`) or the bare array. `source` names the file or stack in messages.
 * Org IDs may be numbers (`pulumi config set --path` stores digits as numbers without `--type string`).
 */
export function parseCustomerEntries(textValue: string, source: string): CustomerEntry[] {
  return parseCustomerConfig(textValue, source).entries;
}

/** The `optimaCustomers` value and how the stack stores it. */
export interface CustomerConfig {
  readonly entries: CustomerEntry[];
  /**
   * Stored as JSON text (`pulumi config get --json` shows `value` and no `objectValue`): a
   * `pulumi config set --path` into it would replace the text with a new list (Pulumi v3.274.1,
   * observed), so `--sync --write` sets the whole value instead.
   */
  readonly jsonText: boolean;
}

/** {@link parseCustomerEntries}, with how the value is stored. */
export function parseCustomerConfig(textValue: string, source: string): CustomerConfig {
  let data: unknown;
  let jsonText = false;
  try {
    data = JSON.parse(textValue);
  } catch {
    throw new CustomersUsageError(
      `${source} is not JSON: give the ${CUSTOMERS_CONFIG_KEY} value, a JSON array.`,
    );
  }
  if (typeof data === "object" && data !== null && !Array.isArray(data)) {
    const wrapped = data as Record<string, unknown>;
    if (wrapped.secret === true) {
      throw new CustomersUsageError(
        `${source}: ${CUSTOMERS_CONFIG_KEY} is a secret value; it holds no secret, set it in plain text.`,
      );
    }
    jsonText = wrapped.objectValue === undefined && typeof wrapped.value === "string";
    data = wrapped.objectValue ?? (typeof wrapped.value === "string" ? safeParse(wrapped.value) : undefined);
  }
  if (!Array.isArray(data)) {
    throw new CustomersUsageError(
      `${source}: ${CUSTOMERS_CONFIG_KEY} must be a JSON array of {tenantId, orgId} objects.`,
    );
  }
  let entries: CustomerEntry[];
  try {
    // The program's own rules, from their one home: an entry the program would refuse is refused
    // here too (a proposal on top of it could not be applied).
    entries = checkCustomerEntries(data, `${source}: ${CUSTOMERS_CONFIG_KEY}`);
  } catch (error) {
    throw new CustomersUsageError((error as Error).message);
  }
  return { entries, jsonText };
}

function safeParse(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}
