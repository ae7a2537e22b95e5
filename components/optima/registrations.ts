/**
 * Registrations over Optima's APIs: create-or-adopt, find, read, update, delete and validation
 * for either target, through one {@link OptimaClient}. The wire details come from ./targets;
 * HTTP, tokens, retries and redaction from the client. Every error says what was being done, to
 * which partnership, and never carries a secret.
 *
 * Create never duplicates a partnership:
 * 1. It first looks for the partnership (same MPN ID in the org for `csp-partner`, reading each
 *    listed item when the list does not carry the MPN ID; same tenant, and same customer tenant
 *    for a CSP customer's, for `bill-connect`). If
 *    one exists, made by hand or by anyone else, it is ADOPTED: PATCHed with our values.
 * 2. Otherwise it POSTs, and the client never retries that POST on its own (except after a 429
 *    or a refused connection, which prove the server did not act on it).
 * 3. A 409 means the partnership appeared in the meantime: it is found and adopted.
 * 4. A POST whose outcome is unknown (timeout, network error, 5xx) may or may not have created
 *    the registration. It is retried only after waiting `settleMs` and looking for the
 *    partnership again: if the lost POST did land, the look finds it and adopts it; if not,
 *    POSTing again cannot duplicate anything. The one case this cannot cover is a server that
 *    commits the lost POST later than the wait, which would leave a second registration for a
 *    `csp-partner` whose API does not refuse duplicates with 409 (unconfirmed; the emulator
 *    and FinOps Onboarding do refuse them).
 *
 * Loops are bounded: POST attempts by `maxAttempts`, item reads by {@link MAX_LISTED_REGISTRATIONS},
 * list pages by {@link MAX_LIST_PAGES}.
 */
import type { HttpResponse } from "../http";
import { completeError } from "../serialization";
import type { OptimaClient } from "./client";
import {
  createdId,
  describePartnership,
  isSamePartnership,
  nextPageOf,
  parseValidation,
  partnershipKey,
  type RegistrationInputs,
  type RegistrationValidation,
  type RemoteRegistration,
  type TargetMapping,
} from "./targets";
import type { OptimaHost } from "./types";

/** What this module needs of the client. */
export type RegistrationClient = Pick<OptimaClient, "request">;

export interface CreateOptions {
  /** POST attempts in all, the first one included. Default 3. */
  readonly maxAttempts?: number;
  /**
   * How long to wait after a POST whose outcome is unknown before looking for what it may have
   * created, in ms; multiplied by the attempt number. Default 5000.
   */
  readonly settleMs?: number;
  /** Waits; tests may pass their own. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface CreateOutcome {
  readonly registration: RemoteRegistration;
  /** True when an existing registration was taken over instead of a new one being made. */
  readonly adopted: boolean;
}

const DEFAULT_CREATE_ATTEMPTS = 3;
const DEFAULT_SETTLE_MS = 5000;

/** {@link CreateOptions} with every default filled in and the attempts bounded (1 to 10). */
export interface CreatePolicy {
  readonly maxAttempts: number;
  readonly settleMs: number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** The policy of a create that never blindly repeats a POST: this one, and ./childOrgs'. */
export function createPolicy(options: CreateOptions): CreatePolicy {
  return {
    maxAttempts: Math.max(1, Math.min(options.maxAttempts ?? DEFAULT_CREATE_ATTEMPTS, 10)),
    settleMs: Math.max(0, options.settleMs ?? DEFAULT_SETTLE_MS),
    sleep: options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))),
  };
}

/** Largest number of listed registrations looked through when finding a partnership. */
export const MAX_LISTED_REGISTRATIONS = 1000;

/**
 * Registers the partnership `spec` describes, or adopts the registration Optima already holds
 * for it. The returned registration carries Optima's ID and, where known, href and timestamps.
 */
export async function createOrAdoptRegistration(
  client: RegistrationClient,
  mapping: TargetMapping,
  spec: RegistrationInputs,
  options: CreateOptions = {},
): Promise<CreateOutcome> {
  const { maxAttempts, settleMs, sleep } = createPolicy(options);
  const what = describePartnership(mapping, spec);
  let outcomeUnknown = false;

  const look = async (): Promise<RemoteRegistration | undefined> => {
    try {
      return await findPartnership(client, mapping, spec);
    } catch (error) {
      throw wrapError(`Could not look for the ${what}`, error, outcomeUnknown ? MAY_EXIST_HINT : "");
    }
  };

  let existing = await look();
  for (let attempt = 1; ; attempt++) {
    if (existing !== undefined) {
      return { registration: await adoptRegistration(client, mapping, existing, spec), adopted: true };
    }
    const path = mapping.collectionPath(spec.orgId);
    let response: HttpResponse;
    try {
      response = await client.request({
        method: "POST",
        host: mapping.host,
        path,
        body: mapping.createBody(spec),
        retryable: false,
        ...(mapping.writeStatuses?.create ? { expectStatus: mapping.writeStatuses.create } : {}),
      });
    } catch (error) {
      if (statusOf(error) === 409) {
        existing = await look();
        if (existing === undefined) {
          throw wrapError(
            `Could not register the ${what}`,
            error,
            ` Optima reports a conflict but lists no ${mapping.noun} with that ${partnershipNoun(mapping)}:` +
              ` it may be registered in another org. Check the ${mapping.noun}s in Flexera One.`,
          );
        }
        continue;
      }
      const unknown = isUnknownPostOutcome(error, path);
      if (!unknown || attempt >= maxAttempts) {
        // An answer that is not Optima's says nothing about whether the POST reached Optima.
        throw wrapError(
          `Could not register the ${what}`,
          error,
          unknown || outcomeUnknown || kindOf(error) === "answer" ? MAY_EXIST_HINT : "",
        );
      }
      outcomeUnknown = true;
      await sleep(settleMs * attempt);
      existing = await look();
      continue;
    }
    const context = `POST ${path}`;
    let id: string;
    try {
      id = createdId(response.data, response.headers?.location, context, path);
    } catch (error) {
      throw wrapError(`Could not register the ${what}`, error, MAY_EXIST_HINT);
    }
    return { registration: createdRegistration(mapping, spec, id, response.data, context), adopted: false };
  }
}

const MAY_EXIST_HINT =
  " The registration may have been made anyway: running `pulumi up` again adopts it rather than duplicating it.";

/**
 * The registration Optima holds for the partnership `spec` describes, or undefined. Reads listed
 * items one by one, in list order, only while the list does not say which partnership they are.
 * A list that pages (a `nextPage` in the body or a `Link: rel="next"` header) is followed page by
 * page before the partnership is declared absent, but only on the API's own origin (the access
 * token goes with every request) and for at most {@link MAX_LIST_PAGES} pages.
 */
export async function findPartnership(
  client: RegistrationClient,
  mapping: TargetMapping,
  spec: RegistrationInputs,
): Promise<RemoteRegistration | undefined> {
  if (partnershipKey(mapping, spec) === undefined) {
    throw new Error(
      `the ${partnershipNoun(mapping)} is missing, so the ${mapping.noun} cannot be looked for`,
    );
  }
  const listPath = mapping.listPath(spec.orgId);
  // Absolute URLs of the pages read, to stop a list whose pages point back at each other.
  const visited: string[] = [];
  let seen = 0;
  let next = listPath;
  for (let page = 1; ; page++) {
    const response = await client.request({ method: "GET", host: mapping.host, path: next });
    const listed = mapping.parseList(response.data, `GET ${listPath}`);
    seen += listed.length;
    if (seen > MAX_LISTED_REGISTRATIONS) {
      throw new Error(
        `GET ${listPath} lists ${seen} registrations, more than the ${MAX_LISTED_REGISTRATIONS} this provider looks through`,
      );
    }
    for (const item of listed) {
      const registration =
        item.registration ?? (await readRegistration(client, mapping, spec.orgId, item.id));
      if (registration !== undefined && isSamePartnership(mapping, spec, registration)) {
        return registration;
      }
    }
    const reference = nextPageOf(response.data, response.headers);
    if (reference === undefined) {
      return undefined;
    }
    if (page >= MAX_LIST_PAGES) {
      throw new Error(
        `GET ${listPath} has more than ${MAX_LIST_PAGES} pages, the most this provider reads; ` +
          `the ${mapping.noun} cannot be looked for in full`,
      );
    }
    const url = nextPageUrl(reference, response.url, listPath);
    if (visited.includes(url)) {
      throw new Error(`GET ${listPath} names a page it already gave as its next page; the list never ends`);
    }
    visited.push(url);
    next = url;
  }
}

/** Most pages of one list followed while looking for a partnership. */
export const MAX_LIST_PAGES = 50;

/**
 * The absolute URL of a list's next page: `reference` resolved against the URL that answered.
 * Throws when it lands on another origin (scheme, host or port), where the access token, which
 * goes with every request, must never be sent.
 */
export function nextPageUrl(reference: string, answeredUrl: string | undefined, listPath: string): string {
  let base: URL;
  let next: URL;
  try {
    base = new URL(answeredUrl ?? "");
    next = new URL(reference, base);
  } catch {
    throw new Error(`GET ${listPath} names a next page that is not a URL (not shown); it cannot be followed`);
  }
  if (next.origin !== base.origin) {
    throw new Error(
      `GET ${listPath} names a next page on ${next.protocol}//${next.host}, not on the API's own origin ${base.origin}: ` +
        `refusing to send the access token there`,
    );
  }
  next.hash = "";
  return next.href;
}

/** The registration with this ID, or undefined when Optima no longer has it (404). */
export async function readRegistration(
  client: RegistrationClient,
  mapping: TargetMapping,
  orgId: string,
  id: string,
): Promise<RemoteRegistration | undefined> {
  return getUnless404(client, mapping.host, mapping.itemPath(orgId, id), mapping.parseRegistration);
}

/**
 * `GET path` on `host`, its answer parsed (`context` names the request in a parse error); undefined
 * when the answer is 404: what was asked for is gone, or has no result. The one such read, for
 * registrations, their validation and ./childOrgs' orgs.
 */
export async function getUnless404<T>(
  client: RegistrationClient,
  host: OptimaHost,
  path: string,
  parse: (data: unknown, context: string) => T,
): Promise<T | undefined> {
  try {
    const response = await client.request({ method: "GET", host, path });
    return parse(response.data, `GET ${path}`);
  } catch (error) {
    if (statusOf(error) === 404) {
      return undefined;
    }
    throw error;
  }
}

/**
 * Pushes `spec`'s values to registration `id` (PATCH). Returns the registration when Optima
 * answers with it, undefined when it answers without a body (204).
 */
export async function updateRegistration(
  client: RegistrationClient,
  mapping: TargetMapping,
  id: string,
  spec: RegistrationInputs,
): Promise<RemoteRegistration | undefined> {
  const path = mapping.itemPath(spec.orgId, id);
  try {
    const response = await client.request({
      method: "PATCH",
      host: mapping.host,
      path,
      body: mapping.updateBody(spec),
      ...(mapping.writeStatuses?.update ? { expectStatus: mapping.writeStatuses.update } : {}),
    });
    return hasId(response.data) ? mapping.parseRegistration(response.data, `PATCH ${path}`) : undefined;
  } catch (error) {
    const what = `${describePartnership(mapping, spec)} (id ${id})`;
    if (statusOf(error) === 404) {
      throw wrapError(
        `Could not update the ${what}`,
        error,
        " It no longer exists in Optima: run `pulumi refresh` to drop it from the stack, then `pulumi up` to register it again.",
      );
    }
    throw wrapError(`Could not update the ${what}`, error);
  }
}

/** Removes registration `id`. Returns false when Optima did not have it (404), which is success. */
export async function deleteRegistration(
  client: RegistrationClient,
  mapping: TargetMapping,
  orgId: string,
  id: string,
): Promise<boolean> {
  const path = mapping.itemPath(orgId, id);
  try {
    await client.request({
      method: "DELETE",
      host: mapping.host,
      path,
      ...(mapping.writeStatuses?.remove ? { expectStatus: mapping.writeStatuses.remove } : {}),
    });
    return true;
  } catch (error) {
    if (statusOf(error) === 404) {
      return false;
    }
    throw wrapError(`Could not delete the ${mapping.noun} ${id} in Flexera org ${orgId}`, error);
  }
}

/**
 * Optima's own validation of registration `id`, for targets that have one (`bill-connect`).
 * Undefined when the target has none or Optima has no result for it (404).
 */
export async function readValidation(
  client: RegistrationClient,
  mapping: TargetMapping,
  orgId: string,
  id: string,
): Promise<RegistrationValidation | undefined> {
  if (mapping.validationPath === undefined) {
    return undefined;
  }
  return getUnless404(client, mapping.host, mapping.validationPath(orgId, id), parseValidation);
}

/** Takes over an existing registration: refuses what cannot be made ours, then PATCHes our values. */
async function adoptRegistration(
  client: RegistrationClient,
  mapping: TargetMapping,
  existing: RemoteRegistration,
  spec: RegistrationInputs,
): Promise<RemoteRegistration> {
  const what = describePartnership(mapping, spec);
  if (existing.readOnly) {
    throw new Error(
      `Could not adopt the ${what}: Optima holds it as ${existing.id}, made by the Flexera platform, and refuses to change it.` +
        ` Manage it in Flexera One, or remove it there so that this stack can register its own.`,
    );
  }
  // Fixed at creation and not part of what finds the partnership: a difference cannot be PATCHed away.
  for (const [field, noun] of [
    ["billingAccountId", "billing account"],
    ["billingProfileId", "billing profile"],
  ] as const) {
    const held = existing[field];
    const wanted = spec[field];
    if (
      mapping.identityFields.includes(field) &&
      (held ?? "").toLowerCase() !== (wanted ?? "").toLowerCase()
    ) {
      throw new Error(
        `Could not adopt the ${what}: Optima holds it as ${existing.id} with ${noun} ${held ?? "(none)"},` +
          ` and a ${noun} cannot be changed after creation. Set ${field} to` +
          ` ${held === undefined ? "nothing" : `"${held}"`}, or remove that ${mapping.noun} in Flexera One.`,
      );
    }
  }
  const answered = await updateRegistration(client, mapping, existing.id, spec);
  return {
    ...existing,
    ...observedValues(mapping, spec),
    ...definedOnly(answered ?? {}),
    id: existing.id,
    readOnly: false,
  };
}

/** The registration just created: Optima's answer where it gave one, our values otherwise. */
function createdRegistration(
  mapping: TargetMapping,
  spec: RegistrationInputs,
  id: string,
  data: unknown,
  context: string,
): RemoteRegistration {
  const answered = hasId(data) ? mapping.parseRegistration(data, context) : undefined;
  return { ...observedValues(mapping, spec), ...definedOnly(answered ?? {}), id, readOnly: false };
}

/** The values of `spec` that Optima holds and returns for this target. */
function observedValues(mapping: TargetMapping, spec: RegistrationInputs): Partial<RemoteRegistration> {
  const values: Record<string, string | undefined> = {};
  for (const field of mapping.observedFields) {
    values[field] = spec[field];
  }
  return definedOnly(values);
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function hasId(data: unknown): boolean {
  return typeof data === "object" && data !== null && !Array.isArray(data) && "id" in data;
}

function partnershipNoun(mapping: TargetMapping): string {
  return mapping.partnershipField === "mpnId" ? "MPN ID" : "tenant ID";
}

/** The `kind` of a failed request (`status`, `timeout`, `network`, `answer`, `usage`), when it has one. */
function kindOf(error: unknown): string | undefined {
  const kind = typeof error === "object" && error !== null ? (error as { kind?: unknown }).kind : undefined;
  return typeof kind === "string" ? kind : undefined;
}

/** The HTTP status of a failed request, when the server answered. */
export function statusOf(error: unknown): number | undefined {
  const status =
    typeof error === "object" && error !== null ? (error as { status?: unknown }).status : undefined;
  return typeof status === "number" ? status : undefined;
}

/**
 * Whether a failed POST to `path` may have been carried out anyway: no answer came (timeout,
 * network error) or the server failed (5xx). A 429 or another 4xx proves it was not, and a
 * failure of anything else (the token request, say) says nothing about the POST.
 */
export function isUnknownPostOutcome(error: unknown, path: string): boolean {
  if (typeof error !== "object" || error === null) {
    return false;
  }
  const failed = error as { method?: unknown; path?: unknown };
  if (failed.method !== "POST" || typeof failed.path !== "string" || !failed.path.endsWith(path)) {
    return false;
  }
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/**
 * An error of a registration operation that keeps the HTTP status of the failure it reports
 * (`status`, for callers that branch on it, e.g. 404 on read and delete): the one definition, for
 * this module and ./runtime. A completed `Error` subclass (../serialization); its `name` stays
 * `Error`.
 */
export class RegistrationError extends Error {
  declare readonly status?: number;

  constructor(message: string, cause: unknown) {
    super(message);
    completeError(this, message);
    const status = statusOf(cause);
    if (status !== undefined) {
      this.status = status;
    }
  }
}

/** Runs `run`; what it throws comes out as a {@link RegistrationError} that says `action` first. */
export async function withContext<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new RegistrationError(`${action}: ${errorMessage(error)}`, error);
  }
}

/** A new error that says what failed, then the client's own (already scrubbed) message. */
function wrapError(action: string, error: unknown, hint = ""): RegistrationError {
  return new RegistrationError(
    `${action}: ${errorMessage(error)}.${hint}`.replace(/\.\.(?=\s|$)/, "."),
    error,
  );
}

/**
 * The message of anything thrown. Falls back to the request an error names (method, path,
 * status) when it has no message (an Error subclass not completed as ../serialization says).
 */
export function errorMessage(error: unknown): string {
  if (typeof error === "object" && error !== null) {
    const { message, name, method, path } = error as Record<string, unknown>;
    if (typeof message === "string" && message !== "") {
      return message;
    }
    if (typeof method === "string" && typeof path === "string") {
      const status = statusOf(error);
      return `${method} ${path} failed${status === undefined ? "" : `: HTTP ${status}`}`;
    }
    if (typeof name === "string" && name !== "") {
      return `${name} (no message)`;
    }
  }
  return String(error);
}
