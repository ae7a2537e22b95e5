/**
 * `optima-csp status`: the I/O. Reads the stack's outputs (a file, or the Pulumi CLI), the Web
 * App's password credentials (Microsoft Graph, through the package's one HTTP layer), and the
 * registration (Optima, through the package's own client and credential rule), then hands the
 * facts to ./verdict and renders them with ./render. Every CSP customer's bill connect (stack
 * output `optimaCustomers`, ./holders) is read the same way: one Graph read shared by every
 * holder, and the customers' Optima reads through the one client, a bounded number at a time.
 *
 * Read-only: only GET requests, and no request asks for a key value (Graph never returns
 * `secretText` on a GET; the `hint`, the key's first characters, is dropped on receipt).
 */
import { readFile } from "node:fs/promises";
import { isHttpError, redact, redactValue, sendHttp, type HttpOptions } from "../http";
import { resolveConnection, subcommandEnvironment, type OptimaConnection } from "../optima/connection";
import { OptimaClient } from "../optima/client";
import { findPartnership, readRegistration, readValidation } from "../optima/registrations";
import {
  targetMapping,
  type RegistrationInputs,
  type RemoteRegistration,
  type TargetMapping,
} from "../optima/targets";
import { DEFAULT_TARGET } from "../optima/types";
import { credentialValues } from "../optima/auth";
import {
  GRAPH_TOKEN_ENV,
  STATUS_USAGE,
  StatusUsageError,
  mergeTarget,
  parseStackOutputs,
  parseStatusArgs,
  type StatusOptions,
} from "./options";
import {
  judgeCustomer,
  parseCustomerOutputs,
  secretCustomersReport,
  type CustomerHolder,
  type CustomerOutputs,
} from "./holders";
import { commandGraphToken, type GraphTokenProvider } from "../azure/graphSignIn";
import { firstLine, runPulumi } from "../cli/pulumi";
import { renderJson, renderText } from "./render";
import {
  EXIT_CODES,
  judge,
  type GraphFacts,
  type KeyFact,
  type LookupFailure,
  type OptimaFacts,
  type StatusTarget,
} from "./verdict";

export { graphScope, type GraphTokenProvider } from "../azure/graphSignIn";

export interface StatusDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly now: () => Date;
  /** Runs `pulumi stack output --json --stack NAME` and resolves with its stdout. */
  readonly stackOutputs?: (stack: string) => Promise<string>;
  /** Graph sign-in; default: DefaultAzureCredential (or the test token, see options). */
  readonly graphToken?: GraphTokenProvider;
  /** HTTP settings for Graph and Optima (tests shorten retries). */
  readonly http?: HttpOptions;
}

export interface StatusResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Retries for a status check: fewer and shorter than a deployment's, so monitoring gets an answer. */
const STATUS_HTTP_POLICY = { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 2_000, timeoutMs: 20_000 };

/** `optima-csp status …`: never throws; every failure becomes exit 3 with a message. */
export async function runStatus(argv: readonly string[], deps: StatusDeps): Promise<StatusResult> {
  const secrets = knownSecrets(deps.env);
  try {
    const options = parseStatusArgs(argv);
    if (options.help) {
      return { exitCode: 0, stdout: `${STATUS_USAGE}\n`, stderr: "" };
    }
    const outputs = await readOutputs(options, deps);
    const target = mergeTarget(outputs.target, options.flags);
    const http: HttpOptions = {
      ...deps.http,
      policy: { ...STATUS_HTTP_POLICY, ...deps.http?.policy },
      secrets: [...secrets, ...(deps.http?.secrets ?? [])],
    };
    const holders = outputs.customers.state === "listed" ? outputs.customers.holders : [];
    // One Optima client for every holder (one token, shared by concurrent callers), made only
    // when there is something to look up in Optima.
    const client = lazy(() => optimaClient(deps, http));
    // One Graph read of the Web App, shared by every holder.
    const [graph, optima, customerFacts] = await Promise.all([
      target.clientId === undefined ? undefined : lookUpWebApp(target.clientId, options, deps, http),
      lookUpRegistration(target, client, http.secrets ?? []),
      lookUpCustomers(holders, client, http.secrets ?? []),
    ]);
    const now = deps.now();
    const customers =
      outputs.customers.state === "secret"
        ? [secretCustomersReport()]
        : holders.map((holder, i) =>
            judgeCustomer(
              holder,
              graph,
              customerFacts[i],
              target.clientId,
              options.thresholds,
              now,
              target.activeKeyId,
            ),
          );
    // Every string of the report, Graph's and Optima's words included, is redacted on its own
    // (known secrets, and shapes of credentials such as Entra client secrets) before it is
    // rendered: the JSON stays valid and the table readable.
    const report = redactValue(judge(target, graph, optima, options.thresholds, now, customers), secrets);
    const stdout = options.json ? renderJson(report) : renderText(report);
    return { exitCode: report.exitCode, stdout, stderr: "" };
  } catch (error) {
    const message = redact(error instanceof Error ? error.message : String(error), secrets);
    const usage = error instanceof StatusUsageError;
    return {
      exitCode: EXIT_CODES.unknown,
      stdout: "",
      stderr: `optima-csp status: ${usage ? "" : "could not check: "}${message}\n`,
    };
  }
}

/** Values no output may show: the Optima credential and the test Graph token, from the environment. */
function knownSecrets(env: Readonly<Record<string, string | undefined>>): string[] {
  return [
    env.OPTIMA_REFRESH_TOKEN,
    env.OPTIMA_SERVICE_ACCOUNT_SECRET,
    env[GRAPH_TOKEN_ENV],
    env.AZURE_CLIENT_SECRET,
  ].filter((v): v is string => typeof v === "string" && v.trim() !== "");
}

/** What the stack's outputs say: the partnership's fields, and the customers' holders. */
interface StackOutputs {
  readonly target: StatusTarget;
  readonly customers: CustomerOutputs;
}

function parseOutputs(text: string, source: string): StackOutputs {
  return { target: parseStackOutputs(text, source), customers: parseCustomerOutputs(text, source) };
}

async function readOutputs(options: StatusOptions, deps: StatusDeps): Promise<StackOutputs> {
  if (options.outputsFile !== undefined) {
    let text: string;
    try {
      text = await readFile(options.outputsFile, "utf8");
    } catch (error) {
      throw new StatusUsageError(
        `cannot read --outputs ${options.outputsFile} (${(error as NodeJS.ErrnoException).code ?? "error"}): ` +
          "write it with `pulumi stack output --json --stack <stack> > FILE`.",
      );
    }
    return parseOutputs(text, options.outputsFile);
  }
  if (options.stack !== undefined) {
    const read = deps.stackOutputs ?? pulumiStackOutputs;
    return parseOutputs(await read(options.stack), `the outputs of stack ${options.stack}`);
  }
  return { target: {}, customers: { state: "absent" } };
}

/** `pulumi stack output --json --stack NAME`: plain JSON, secrets shown as `[secret]` (never --show-secrets). */
export function pulumiStackOutputs(stack: string): Promise<string> {
  return runPulumi(["stack", "output", "--json", "--stack", stack], {
    withoutCli: "pass --outputs FILE (the JSON of `pulumi stack output --json`)",
  }).catch((error: Error) => {
    throw new StatusUsageError(error.message);
  });
}

async function lookUpWebApp(
  clientId: string,
  options: StatusOptions,
  deps: StatusDeps,
  http: HttpOptions,
): Promise<GraphFacts> {
  let token: string;
  try {
    token = await commandGraphToken(options.graphUrl, deps, (m) => new StatusUsageError(m));
  } catch (error) {
    if (error instanceof StatusUsageError) {
      throw error;
    }
    return { ok: false, reason: "sign-in", detail: signInDetail(error, http.secrets ?? []) };
  }
  const select = "$select=id,appId,displayName,passwordCredentials";
  const url = `${options.graphUrl}/applications(appId='${encodeURIComponent(clientId)}')?${select}`;
  try {
    const response = await sendHttp(
      { method: "GET", url, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } },
      { ...http, secrets: [...(http.secrets ?? []), token] },
    );
    return webAppFacts(response.data);
  } catch (error) {
    if (isHttpError(error) && error.status === 404) {
      return { ok: true, found: false };
    }
    return failure(error, "Graph");
  }
}

/** The application in a Graph answer: object ID, name, and the keys without hint or value. */
export function webAppFacts(data: unknown): GraphFacts {
  const app = (typeof data === "object" && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof app.id !== "string" || !Array.isArray(app.passwordCredentials)) {
    return {
      ok: false,
      reason: "error",
      detail: "Microsoft Graph answered without the application's id and passwordCredentials.",
    };
  }
  const keys: KeyFact[] = [];
  for (const item of app.passwordCredentials as unknown[]) {
    const p = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof p.keyId !== "string") {
      continue;
    }
    keys.push({
      keyId: p.keyId,
      displayName: typeof p.displayName === "string" ? p.displayName : null,
      startDateTime: typeof p.startDateTime === "string" ? p.startDateTime : null,
      endDateTime: typeof p.endDateTime === "string" ? p.endDateTime : null,
    });
  }
  return {
    ok: true,
    found: true,
    objectId: app.id,
    displayName: typeof app.displayName === "string" ? app.displayName : "",
    keys,
  };
}

function signInDetail(error: unknown, secrets: readonly string[]): string {
  const name = error instanceof Error ? error.name : "Error";
  const message = error instanceof Error ? error.message : String(error);
  // @azure/identity's messages can run to many lines of troubleshooting links: keep the first.
  return redact(`${name}: ${firstLine(message)}`.slice(0, 400), secrets);
}

/** A failed request as a {@link LookupFailure}. */
function failure(error: unknown, service: "Graph" | "Optima"): LookupFailure {
  const message = error instanceof Error ? error.message : String(error);
  const details = error as { status?: unknown; kind?: unknown; tokenRequest?: unknown };
  const status = typeof details.status === "number" ? details.status : undefined;
  // Graph answers 401 for a token it does not take (expired, revoked, another audience): the fix is
  // to sign in again, not a permission. 403 is a permission the signed-in identity lacks.
  if (service === "Graph" && status === 401) {
    return { ok: false, reason: "sign-in", detail: message };
  }
  if (status === 401 || status === 403) {
    return {
      ok: false,
      reason: service === "Optima" && details.tokenRequest === true ? "sign-in" : "forbidden",
      detail: message,
    };
  }
  if (
    details.kind === "network" ||
    details.kind === "timeout" ||
    (status !== undefined && status >= 500) ||
    status === 429
  ) {
    return { ok: false, reason: "unreachable", detail: message };
  }
  if (service === "Optima" && details.tokenRequest === true) {
    return { ok: false, reason: "sign-in", detail: message };
  }
  return { ok: false, reason: "error", detail: message };
}

/** Customers' bill connects looked up at the same time: bounded for a partner with a thousand customers. */
export const CUSTOMER_LOOKUPS_AT_ONCE = 8;

/** The Optima client for status, or why there is none (no credential, bad OPTIMA_* settings). */
type ClientOrFailure = OptimaClient | LookupFailure;

function optimaClient(deps: StatusDeps, http: HttpOptions): ClientOrFailure {
  let connection: OptimaConnection;
  try {
    // The provider's own rules: region and URLs from OPTIMA_*, the credential by resolveCredential.
    connection = resolveConnection(subcommandEnvironment("status"), deps.env);
  } catch (error) {
    return { ok: false, reason: "sign-in", detail: (error as Error).message };
  }
  return new OptimaClient(connection, {
    http: { ...http, secrets: [...(http.secrets ?? []), ...credentialValues(connection)] },
  });
}

function lazy<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/**
 * Each customer's bill connect and its validation, {@link CUSTOMER_LOOKUPS_AT_ONCE} customers at a
 * time through the one client (whose HTTP layer honours 429 Retry-After). Undefined for a customer
 * whose org or bill connect ID is not known (nothing to look up).
 */
async function lookUpCustomers(
  holders: readonly CustomerHolder[],
  client: () => ClientOrFailure,
  secrets: readonly string[],
): Promise<(OptimaFacts | undefined)[]> {
  const facts: (OptimaFacts | undefined)[] = holders.map(() => undefined);
  const mapping = targetMapping("bill-connect");
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < holders.length) {
      const index = next++;
      const { orgId, registrationId } = holders[index];
      if (orgId !== undefined && registrationId !== undefined) {
        facts[index] = await lookUp(client(), mapping, orgId, secrets, (c) =>
          readRegistration(c, mapping, orgId, registrationId),
        );
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CUSTOMER_LOOKUPS_AT_ONCE, holders.length) }, worker));
  return facts;
}

/**
 * One registration and, for a bill connect, its validation, as {@link OptimaFacts}; a failed
 * request is a {@link LookupFailure} (could not check), never an answer.
 */
async function lookUp(
  client: ClientOrFailure,
  mapping: TargetMapping,
  orgId: string,
  secrets: readonly string[],
  find: (client: OptimaClient) => Promise<RemoteRegistration | undefined>,
  lookedUpBy: "id" | "partnership" = "id",
): Promise<OptimaFacts> {
  if (!(client instanceof OptimaClient)) {
    return client;
  }
  try {
    const remote = await find(client);
    const validation =
      remote !== undefined && mapping.validationPath !== undefined
        ? await readValidation(client, mapping, orgId, remote.id)
        : undefined;
    return {
      ok: true,
      lookedUpBy,
      ...(remote !== undefined
        ? {
            registration: {
              id: remote.id,
              ...(remote.applicationId !== undefined ? { applicationId: remote.applicationId } : {}),
              ...(remote.mpnId !== undefined ? { mpnId: remote.mpnId } : {}),
              ...(remote.domain !== undefined ? { domain: remote.domain } : {}),
              ...(remote.customerTenantId !== undefined ? { customerTenantId: remote.customerTenantId } : {}),
            },
          }
        : {}),
      ...(validation !== undefined
        ? {
            validation: {
              valid: validation.valid,
              ...(validation.error !== undefined ? { error: redact(validation.error, secrets) } : {}),
            },
          }
        : {}),
    };
  } catch (error) {
    return failure(error, "Optima");
  }
}

async function lookUpRegistration(
  target: StatusTarget,
  client: () => ClientOrFailure,
  secrets: readonly string[],
): Promise<OptimaFacts | undefined> {
  const kind = target.target ?? DEFAULT_TARGET;
  const partnership = kind === "csp-partner" ? target.mpnId : target.tenantId;
  if (target.orgId === undefined || (target.registrationId === undefined && partnership === undefined)) {
    return undefined;
  }
  const mapping = targetMapping(kind);
  const orgId = target.orgId;
  const registrationId = target.registrationId;
  return lookUp(
    client(),
    mapping,
    orgId,
    secrets,
    (c) =>
      registrationId !== undefined
        ? readRegistration(c, mapping, orgId, registrationId)
        : findPartnership(c, mapping, {
            target: kind,
            orgId,
            ...(kind === "csp-partner" ? { mpnId: target.mpnId } : { tenantId: target.tenantId }),
          } as RegistrationInputs),
    target.registrationId !== undefined ? "id" : "partnership",
  );
}
