/**
 * One deployment per registration: the reads, at preview and at every run, before anything is
 * written (./ownership has the rules and why).
 *
 * Where each fact comes from, and why there:
 * - The Web App's keys (display names and end dates, never values): Microsoft Graph
 *   `GET /applications(appId='…')?$select=id,passwordCredentials`, through ../http. No azuread
 *   invoke gives them: `getApplication` in @pulumi/azuread 6.9.1 has no password credentials
 *   (node_modules/@pulumi/azuread/getApplication.d.ts; terraform-provider-azuread v3.8.0
 *   `application_data_source.go` has none in its schema), and `ApplicationRegistration` reads
 *   none either. The program signs in to Graph like `optima-csp status` does
 *   (`DefaultAzureCredential`: the Azure CLI session the CI examples open, environment variables,
 *   a managed identity), which needs Application.Read.All or ownership of the Web App, what the
 *   identity that adds its keys already has. The Graph root follows `verify.authorityHost`'s
 *   cloud (./clouds `graphRootFor`); the emulator's loopback Graph and its static token come from
 *   `OPTIMA_CSP_GRAPH_URL` and `OPTIMA_CSP_GRAPH_TOKEN`, accepted on loopback hosts only.
 * - The registration create would adopt: Optima, through the package's own client and credential
 *   rule (../optima: stack config `optima:*`, else `OPTIMA_*`), read-only (`findPartnership`,
 *   exactly the look create-or-adopt makes). Asked first: with no registration there is nothing
 *   to share, and Graph is not asked at all (a first deployment in an org needs no Graph sign-in).
 *
 * When a fact cannot be read (no sign-in, no Optima credential at preview, a network failure) the
 * check cannot decide: the run goes on with a warning that says what failed and what to grant,
 * rather than blocking every stack whose runner cannot read Graph. A refusal needs both facts.
 */
import * as pulumi from "@pulumi/pulumi";
import { isHttpError, sendHttp, type HttpOptions } from "../http";
import { OptimaClient } from "../optima/client";
import { resolveConnection, type ConfigSource } from "../optima/connection";
import { findPartnership } from "../optima/registrations";
import { targetMapping, type RegistrationInputs } from "../optima/targets";
import type { RegistrationTarget } from "../optima/types";
import { graphRootFor } from "./clouds";
import { GRAPH_TOKEN_ENV, defaultCredentialToken, graphScope, graphSignIn } from "./graphSignIn";
import { judgeOwnership, otherDeployments, type ListedKey, type OwnershipVerdict } from "./ownership";
import { firstLine } from "./webApp";

/** The emulator's Graph root and static token (tests only; loopback hosts only). */
export const TEST_GRAPH_URL_ENV = "OPTIMA_CSP_GRAPH_URL";
export const TEST_GRAPH_TOKEN_ENV = GRAPH_TOKEN_ENV;

export interface OwnershipCheckParams {
  readonly clientId: string;
  readonly own: string | undefined;
  readonly takeOverFrom?: string;
  readonly target: RegistrationTarget;
  readonly orgId: string;
  readonly mpnId?: string;
  readonly tenantId?: string;
  /** The Entra ID authority host the tenant signs in at (validated, no trailing slash). */
  readonly authorityHost: string;
  readonly now: Date;
  /** Stack config as `namespace:key` (the program's `pulumi.runtime.getConfig`). */
  readonly config: ConfigSource;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** HTTP settings (tests shorten retries). */
  readonly http?: HttpOptions;
}

/** The verdict, or `undecided` with why the facts could not be read. */
export type OwnershipCheckResult = OwnershipVerdict | { readonly kind: "undecided"; readonly reason: string };

/** Reads the facts and judges them; never rejects. */
export async function checkOwnership(params: OwnershipCheckParams): Promise<OwnershipCheckResult> {
  const undecided = (reason: string): OwnershipCheckResult => ({
    kind: "undecided",
    reason:
      `optima-csp could not check that no other deployment uses this registration (one deployment per ` +
      `registration): ${reason}`,
  });
  const mapping = targetMapping(params.target);
  let registrationId: string | undefined;
  try {
    const client = new OptimaClient(resolveConnection(params.config, params.env), {
      ...(params.http ? { http: params.http } : {}),
    });
    const spec = {
      target: params.target,
      orgId: params.orgId,
      mpnId: params.mpnId,
      tenantId: params.tenantId,
    } as RegistrationInputs;
    registrationId = (await findPartnership(client, mapping, spec))?.id;
  } catch (error) {
    return undecided(
      `could not look for the ${mapping.noun} in Flexera org ${params.orgId}: ${sentence(firstLine(error))} ` +
        "The run goes on; the registration provider needs the same Optima credential to apply.",
    );
  }
  const facts = {
    registrationId,
    own: params.own,
    takeOverFrom: params.takeOverFrom,
    clientId: params.clientId,
    orgId: params.orgId,
    noun: mapping.noun,
  };
  if (registrationId === undefined) {
    return judgeOwnership({ ...facts, others: [] }); // nothing to adopt, so nobody to share it with
  }
  let keys: ListedKey[];
  try {
    keys = await webAppKeys(params);
  } catch (error) {
    return undecided(
      `${sentence(firstLine(error))} The run goes on. Sign in for Microsoft Graph the way \`optima-csp status\` does (DefaultAzureCredential, ` +
        "e.g. `az login` or the CI examples' azure/login step), as an identity that may read the Web App " +
        "(Application.Read.All, or an owner of it).",
    );
  }
  return judgeOwnership({ ...facts, others: otherDeployments(keys, params.own, params.now) });
}

/** Text ending with one full stop. */
function sentence(text: string | undefined): string {
  const t = (text ?? "unknown error").trim();
  return /[.!?]$/.test(t) ? t : `${t}.`;
}

/** The Web App's keys as Graph lists them (no values: Graph never returns one on a GET). */
async function webAppKeys(params: OwnershipCheckParams): Promise<ListedKey[]> {
  const root = graphRootFor(params.authorityHost, params.env[TEST_GRAPH_URL_ENV]);
  if (root === undefined) {
    throw new Error(`no Microsoft Graph is known for the authority host ${params.authorityHost}.`);
  }
  const token = await graphToken(root, params.env);
  const url = `${root}/applications(appId='${encodeURIComponent(params.clientId)}')?$select=id,passwordCredentials`;
  let data: unknown;
  try {
    const response = await sendHttp(
      { method: "GET", url, headers: { Authorization: `Bearer ${token}`, Accept: "application/json" } },
      { ...params.http, secrets: [...(params.http?.secrets ?? []), token] },
    );
    data = response.data;
  } catch (error) {
    const status = isHttpError(error) ? ` (HTTP ${error.status ?? "no answer"})` : "";
    throw new Error(
      `could not read the keys of the Web App ${params.clientId} from Microsoft Graph${status}: ${firstLine(error)}.`,
    );
  }
  const listed = (data as { passwordCredentials?: unknown } | null)?.passwordCredentials;
  if (!Array.isArray(listed)) {
    throw new Error("Microsoft Graph answered without the Web App's passwordCredentials.");
  }
  return listed
    .filter(
      (p): p is Record<string, unknown> => typeof p === "object" && p !== null && typeof p.keyId === "string",
    )
    .map((p) => ({
      keyId: p.keyId as string,
      displayName: typeof p.displayName === "string" ? p.displayName : null,
      endDateTime: typeof p.endDateTime === "string" ? p.endDateTime : null,
    }));
}

async function graphToken(root: string, env: OwnershipCheckParams["env"]): Promise<string> {
  // The emulator's token only for the emulator's loopback Graph (the one sign-in rule: ./graphSignIn).
  const signIn = graphSignIn(root, env);
  try {
    return await ("token" in signIn ? signIn.token : defaultCredentialToken)(graphScope(root));
  } catch (error) {
    throw new Error(`could not sign in to Microsoft Graph: ${firstLine(error)}.`);
  }
}

/**
 * An Output's value once the engine answered, or undefined when the engine says it is not known
 * yet (a preview of a resource being created). `apply` skips unknown values, so it cannot say
 * which. Reads `isKnown` and `promise()` of @pulumi/pulumi's OutputImpl (3.248.0 `output.js`:
 * both set in its constructor, unchanged across 3.x), typed here because the SDK marks them
 * internal.
 */
export async function settledValue<T>(output: pulumi.Output<T>): Promise<T | undefined> {
  const impl = output as unknown as { isKnown: Promise<boolean>; promise(): Promise<T> };
  const [known, value] = await Promise.all([impl.isKnown, impl.promise()]);
  return known ? value : undefined;
}
