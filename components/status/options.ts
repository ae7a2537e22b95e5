/**
 * `optima-csp status` flags and the stack outputs they are combined with. Pure: argv and the
 * text of `pulumi stack output --json` in, {@link StatusOptions} out; every mistake is a
 * {@link StatusUsageError} whose message says what to change.
 *
 * Strict: a flag given is used or refused, never ignored. An empty value, a value given twice, a
 * negative or fractional number, a number where a date-time belongs: each is refused with the
 * form the flag accepts ({@link FLAG_FORMS}). Identifiers follow the provider's own rules
 * (../formats, ../optima/validation), so status accepts what the stack accepts.
 */
import { parseArgs } from "node:util";
import { EXAMPLE_GUID, ISO_DATE_TIME_FORM, isGuid, parseIsoDateTime, shownNonGuid } from "../formats";
import { UsageError } from "../cli/usage";
import { isLoopbackHost } from "../http/url";
import { quotedList } from "../optima/targets";
import { registrationFieldProblem } from "../optima/validation";
import { REGISTRATION_TARGETS, isRegistrationTarget } from "../optima/types";
import { DEFAULT_THRESHOLDS, thresholdsProblem, type StatusTarget, type Thresholds } from "./verdict";

/** The Graph root used unless `--graph-url` says otherwise. */
export const DEFAULT_GRAPH_URL = "https://graph.microsoft.com/v1.0";

/**
 * A static Graph access token, for tests against the emulator only: accepted only with a
 * `--graph-url` on a loopback host (127.0.0.1, ::1, localhost).
 */
export { GRAPH_TOKEN_ENV } from "../azure/graphSignIn";
import { GRAPH_TOKEN_ENV } from "../azure/graphSignIn";

/** Stack outputs `status` reads, and which field of {@link StatusTarget} each fills. */
export const STATUS_OUTPUTS = {
  webAppClientId: "clientId",
  optimaKeyId: "optimaKeyId",
  activeKeyId: "activeKeyId",
  previousKeyId: "previousKeyId",
  nextRotationAt: "nextRotationAt",
  registrationId: "registrationId",
  optimaOrgId: "orgId",
  optimaTarget: "target",
  optimaMpnId: "mpnId",
  optimaDomain: "domain",
} as const satisfies Record<string, keyof StatusTarget>;

export interface StatusOptions {
  /** `--stack NAME`: read outputs with `pulumi stack output --json --stack NAME`. */
  readonly stack?: string;
  /** `--outputs FILE`: the JSON of `pulumi stack output --json`. */
  readonly outputsFile?: string;
  /** What the flags set; wins over the outputs. */
  readonly flags: StatusTarget;
  readonly thresholds: Thresholds;
  readonly json: boolean;
  readonly graphUrl: string;
  readonly help: boolean;
}

/** `optima-csp status` called wrongly. */
export class StatusUsageError extends UsageError {}

export const STATUS_USAGE = `Usage: optima-csp status [--stack NAME | --outputs FILE] [flags]

Checks, without changing anything and without reading any key value, that Flexera Optima's
connection to the Partner Center Web App is healthy: the key Optima holds and its days to expiry
(Microsoft Graph), the rotation schedule, and the registration in Optima. With the stack's outputs,
every CSP customer's bill connect (output optimaCustomers) is checked too: the key it holds, the
bill connect in its org, and Optima's validation; one line per holder, and the worst decides.

Where the stack's outputs come from (flags win over them):
  --stack NAME            run \`pulumi stack output --json --stack NAME\` (needs the Pulumi CLI)
  --outputs FILE          a file holding the JSON of \`pulumi stack output --json\`
  --client-id GUID        the Web App's Application (client) ID        (output webAppClientId)
  --key-id GUID           the key ID of the key Optima holds           (output optimaKeyId)
  --active-key-id GUID    the stack's active key                       (output activeKeyId)
  --next-rotation-at ISO  when the next rotation is due                (output nextRotationAt)
  --org-id DIGITS         the Flexera org ID                           (output optimaOrgId)
  --target TARGET         csp-partner (default) or bill-connect        (output optimaTarget)
  --registration-id ID    Optima's registration ID                     (output registrationId)
  --mpn-id DIGITS         the MPN ID Optima should hold (csp-partner)  (output optimaMpnId)
  --domain NAME           the domain Optima should hold (csp-partner)  (output optimaDomain)
  --tenant-id GUID        bill-connect: the tenant, to find the registration without its ID

Thresholds:
  --warn-days N           warning when the key Optima holds expires within N days (default 30)
  --critical-days N       critical within N days (default 7)
  --grace-hours N         how late past nextRotationAt a rotation may be (default 48)

Output and sign-in:
  --json                  one JSON document instead of the table
  --graph-url URL         Microsoft Graph root (default ${DEFAULT_GRAPH_URL}; sovereign clouds,
                          or the local emulator for tests)
  -h, --help              this text

Sign-in: Microsoft Graph with DefaultAzureCredential (needs Application.Read.All, or ownership of
the Web App with Application.ReadWrite.OwnedBy); Optima with OPTIMA_REFRESH_TOKEN or
OPTIMA_SERVICE_ACCOUNT_ID/SECRET (a read role is enough), OPTIMA_REGION and the other OPTIMA_* URLs.
Tests only: ${GRAPH_TOKEN_ENV} is a static Graph token, accepted only with a loopback --graph-url.

Exit codes: 0 healthy, 1 warning, 2 critical, 3 could not check. Healthy means every check ran and
passed: a check without its input, or whose look-up failed, is UNKNOWN (exit 3) and names what it
lacked. Every flag given is used or refused (exit 3, with the form it accepts): GUIDs are not the
nil GUID, DIGITS are not 0, ISO is a date-time with Z or an offset, N is a whole number, 0 or more.`;

/** What each flag that takes a value accepts, in the words of its messages. */
export const FLAG_FORMS: Readonly<Record<string, string>> = {
  stack: "a stack name, such as my-org/optima-csp/prod",
  outputs: "the path of a file holding the JSON of `pulumi stack output --json`",
  "client-id": `the Web App's Application (client) ID, a GUID such as ${EXAMPLE_GUID}`,
  "key-id": `an Entra ID key ID, a GUID such as ${EXAMPLE_GUID}`,
  "active-key-id": `an Entra ID key ID, a GUID such as ${EXAMPLE_GUID}`,
  "tenant-id": `the partner's Entra ID tenant ID, a GUID such as ${EXAMPLE_GUID}`,
  "next-rotation-at": ISO_DATE_TIME_FORM,
  "org-id": "the Flexera org ID, digits only, from 1 up",
  target: quotedList(REGISTRATION_TARGETS),
  "registration-id": "Optima's registration ID (the stack's output registrationId)",
  "mpn-id": "the partner's MPN ID, digits only, from 1 up",
  domain: "a DNS name such as contoso.onmicrosoft.com",
  "warn-days": "a whole number of days, 0 or more, such as 30",
  "critical-days": "a whole number of days, 0 or more, such as 7",
  "grace-hours": "a whole number of hours, 0 or more, such as 48",
  "graph-url": "an absolute https:// URL, such as https://graph.microsoft.us/v1.0",
};

const FLAG_TO_FIELD = {
  "client-id": "clientId",
  "key-id": "optimaKeyId",
  "active-key-id": "activeKeyId",
  "next-rotation-at": "nextRotationAt",
  "org-id": "orgId",
  target: "target",
  "registration-id": "registrationId",
  "mpn-id": "mpnId",
  domain: "domain",
  "tenant-id": "tenantId",
} as const satisfies Record<string, keyof StatusTarget>;

/** Parses the arguments after `status`. */
export function parseStatusArgs(argv: readonly string[]): StatusOptions {
  const valueFlags = Object.keys(FLAG_FORMS);
  const options = {
    ...Object.fromEntries(valueFlags.map((name) => [name, { type: "string" as const }])),
    json: { type: "boolean" as const },
    help: { type: "boolean" as const, short: "h" },
  };
  let parsed: {
    values: Record<string, string | boolean | undefined>;
    tokens: readonly { kind: string; name?: string }[];
  };
  try {
    parsed = parseArgs({
      args: joinNegativeValues(argv, valueFlags),
      options,
      strict: true,
      allowPositionals: false,
      tokens: true,
    });
  } catch (error) {
    // A flag whose value is missing (or starts with a dash) is told the form it accepts.
    const flag = /'--([a-z-]+)/.exec((error as Error).message)?.[1];
    if (
      (error as { code?: unknown }).code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" &&
      flag !== undefined &&
      flag in FLAG_FORMS
    ) {
      throw new StatusUsageError(
        `--${flag} is given without a value: give ${FLAG_FORMS[flag]}, or leave the flag out.`,
      );
    }
    const message = (error as Error).message.trim().replace(/\.+$/, "");
    throw new StatusUsageError(`${message}. Run optima-csp status --help for the flags.`);
  }
  const seen: string[] = [];
  for (const token of parsed.tokens) {
    if (token.kind === "option" && token.name !== undefined) {
      if (seen.includes(token.name)) {
        throw new StatusUsageError(`--${token.name} is given more than once: give it once.`);
      }
      seen.push(token.name);
    }
  }
  const values = parsed.values;
  for (const name of valueFlags) {
    const value = values[name];
    if (typeof value === "string" && value.trim() === "") {
      throw new StatusUsageError(
        `--${name} is given without a value: give ${FLAG_FORMS[name]}, or leave the flag out.`,
      );
    }
  }
  const text = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === "string" ? value.trim() : undefined;
  };

  if (text("stack") !== undefined && text("outputs") !== undefined) {
    throw new StatusUsageError(
      "--stack and --outputs both name where the outputs come from: pass one of them.",
    );
  }
  const flags: Record<string, string> = {};
  for (const [flag, field] of Object.entries(FLAG_TO_FIELD)) {
    const value = text(flag);
    if (value !== undefined) {
      flags[field] = value;
    }
  }
  const problem = targetProblem(flags, "--");
  if (problem !== undefined) {
    throw new StatusUsageError(problem);
  }
  const number = (flag: string, fallback: number): number => {
    const value = text(flag);
    if (value === undefined) {
      return fallback;
    }
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new StatusUsageError(`--${flag} must be ${FLAG_FORMS[flag]}; got "${value}".`);
    }
    return Number(value);
  };
  const thresholds: Thresholds = {
    warnDays: number("warn-days", DEFAULT_THRESHOLDS.warnDays),
    criticalDays: number("critical-days", DEFAULT_THRESHOLDS.criticalDays),
    graceHours: number("grace-hours", DEFAULT_THRESHOLDS.graceHours),
  };
  const thresholdProblem = thresholdsProblem(thresholds);
  if (thresholdProblem !== undefined) {
    throw new StatusUsageError(thresholdProblem);
  }
  return {
    ...(text("stack") !== undefined ? { stack: text("stack") } : {}),
    ...(text("outputs") !== undefined ? { outputsFile: text("outputs") } : {}),
    flags: flags as StatusTarget,
    thresholds,
    json: values.json === true,
    graphUrl: graphUrl(text("graph-url")),
    help: values.help === true,
  };
}

/** Checks and normalizes `--graph-url`: https, or http on a loopback host; no trailing slash. */
export function graphUrl(value: string | undefined): string {
  if (value === undefined) {
    return DEFAULT_GRAPH_URL;
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new StatusUsageError(
      "--graph-url must be an absolute https:// URL, e.g. https://graph.microsoft.us/v1.0.",
    );
  }
  if (url.username || url.password || url.search || url.hash) {
    throw new StatusUsageError("--graph-url must not hold a user name, password, query or fragment.");
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new StatusUsageError(
      "--graph-url must use https:// (http:// only on 127.0.0.1, ::1 and localhost, for the emulator).",
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** Whether a Graph URL is on a loopback host (where the test token is accepted). */
export { isLoopbackUrl } from "../http/url";

/**
 * The {@link StatusTarget} in the JSON of `pulumi stack output --json`. Outputs it does not use
 * are ignored; a secret output (shown as `[secret]`) is ignored too. `source` names the file or
 * stack in messages.
 */
export function parseStackOutputs(text: string, source: string): StatusTarget {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new StatusUsageError(
      `${source} is not JSON: give the output of \`pulumi stack output --json\` (without --show-secrets).`,
    );
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new StatusUsageError(
      `${source} is not a JSON object of stack outputs: give the output of \`pulumi stack output --json\`.`,
    );
  }
  const outputs = data as Record<string, unknown>;
  const target: Record<string, string> = {};
  for (const [output, field] of Object.entries(STATUS_OUTPUTS)) {
    const value = outputs[output];
    if (value !== undefined && value !== null && typeof value !== "string") {
      throw new StatusUsageError(
        `${source}: output ${output} must be a string, as \`pulumi stack output --json\` prints it; got a ${Array.isArray(value) ? "list" : typeof value}.`,
      );
    }
    if (typeof value === "string" && value.trim() !== "" && value !== "[secret]") {
      target[field] = value.trim();
    }
  }
  const problem = targetProblem(target, `${source}: output `, true);
  if (problem !== undefined) {
    throw new StatusUsageError(problem);
  }
  return target as StatusTarget;
}

const OUTPUT_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(STATUS_OUTPUTS).map(([output, field]) => [field, output]),
);
const FLAG_OF: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(FLAG_TO_FIELD).map(([flag, field]) => [field, flag]),
);

/**
 * `--flag -1` as `--flag=-1`: parseArgs reads a value that starts with a dash as a missing value,
 * whose message would not say what the flag accepts. Only a value that reads as a negative number
 * is joined, so that `--outputs --json` is still a missing value.
 */
function joinNegativeValues(argv: readonly string[], valueFlags: readonly string[]): string[] {
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const next = argv[i + 1];
    if (
      valueFlags.includes(argv[i].replace(/^--/, "")) &&
      argv[i].startsWith("--") &&
      next !== undefined &&
      /^-[\d.]/.test(next)
    ) {
      args.push(`${argv[i]}=${next}`);
      i++;
    } else {
      args.push(argv[i]);
    }
  }
  return args;
}

/**
 * The first value that has the wrong form, with the form the flag or output accepts. Never quotes
 * anything that could be secret (none of these are). Org ID, MPN ID, domain, client and tenant
 * IDs follow the registration provider's own rules (registrationFieldProblem).
 */
function targetProblem(
  values: Record<string, string>,
  prefix: string,
  fromOutputs = false,
): string | undefined {
  const name = (field: string): string => `${prefix}${fromOutputs ? OUTPUT_OF[field] : FLAG_OF[field]}`;
  for (const field of ["clientId", "optimaKeyId", "activeKeyId", "previousKeyId", "tenantId"]) {
    const value = values[field];
    if (value !== undefined && !isGuid(value)) {
      return `${name(field)} must be a GUID such as ${EXAMPLE_GUID}; got ${shownNonGuid(value)}.`;
    }
  }
  for (const field of ["orgId", "mpnId", "domain"] as const) {
    const value = values[field];
    const problem = value === undefined ? undefined : registrationFieldProblem(field, value);
    if (problem !== undefined) {
      return `${name(field)} ${problem}.`;
    }
  }
  if (values.target !== undefined && !isRegistrationTarget(values.target)) {
    return `${name("target")} must be ${quotedList(REGISTRATION_TARGETS)}; got "${values.target}".`;
  }
  if (values.nextRotationAt !== undefined && parseIsoDateTime(values.nextRotationAt) === undefined) {
    return `${name("nextRotationAt")} must be ${ISO_DATE_TIME_FORM}; got "${values.nextRotationAt}".`;
  }
  return undefined;
}

/** Outputs, then flags over them. */
export function mergeTarget(outputs: StatusTarget, flags: StatusTarget): StatusTarget {
  return { ...outputs, ...flags };
}
