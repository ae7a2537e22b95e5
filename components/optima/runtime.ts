/**
 * The registration provider's implementation: what the dynamic-provider host process runs.
 *
 * `optimaRegistrationProvider` (./provider) only delegates to the functions here, and Pulumi
 * serializes it into state. Inside this repository this module and everything it imports are
 * serialized by value; installed from npm, the serialized provider holds
 * `require("optima-csp/runtime/registration")` instead. Either way:
 *
 * - The only module-level state is {@link host}, created empty here. It is filled in the host
 *   process (by `configure`, then at the first API call) and never in the Pulumi program, so no
 *   credential is ever serialized into state.
 * - Settings come from stack config (`optima:*` keys, passed to `configure`; none in the provider
 *   plugin, which never configures: the environment alone there), hosts and region
 *   key by key falling back to the environment (`OPTIMA_*`), the credential whole from one
 *   source (`resolveCredential`: stack config when it holds any credential key, else the
 *   environment), resolved at the first API call: `check` and `diff` need neither credentials
 *   nor network.
 * - One {@link OptimaClient} per host process, so every resource shares one access token.
 * - `read` and `delete` accept state written by earlier versions (a missing `target` means
 *   `csp-partner`; optional fields may be absent).
 * - Serialized by value in this repository: ../serialization's rules apply.
 *
 * Lifecycle → Optima:
 * - check/diff: none (./validation, ./diff).
 * - create: list, every page of it (+ read items) → POST, or PATCH when adopting (./registrations).
 * - read: GET the registration (+ GET its validation for `bill-connect`); 404 reads as gone.
 * - update: PATCH (none when only fields the target does not send changed, or only `keyId`,
 *   which is recorded in state for `optima-csp status` and never sent).
 * - create, update: also GET the registration after writing it, unless the write's answer carried
 *   its new timestamp, to record `writtenAt` (Optima's `updated_at` after this stack's own write).
 * - delete: GET (when state has `writtenAt`): a registration written since by someone else is left
 *   in place (see `remove`); else DELETE; 404 is success.
 */
import type * as pulumi from "@pulumi/pulumi";
import { redact } from "../http/redact";
import { OptimaClient } from "./client";
import { ENVIRONMENT_ONLY, resolveConnection, type ConfigSource, type OptimaConnection } from "./connection";
import { diffRegistration, wireValuesChanged } from "./diff";
import {
  RegistrationError,
  createOrAdoptRegistration,
  deleteRegistration,
  errorMessage,
  readRegistration,
  readValidation,
  updateRegistration,
} from "./registrations";
import {
  REGISTRATION_FIELDS,
  targetMapping,
  type RegistrationInputs,
  type RegistrationOutputs,
  type RemoteRegistration,
  type TargetMapping,
} from "./targets";
import { DEFAULT_TARGET } from "./types";
import { checkRegistration } from "./validation";

/** The host process's connection state: the one mutable object of this module. */
interface HostState {
  /**
   * Stack config as `configure` received it. The dynamic host configures before any call
   * (@pulumi/pulumi `cmd/dynamic-provider/index.js` `getProvider`); the provider plugin never does
   * (../plugin/resources), so undefined means the environment alone ({@link ENVIRONMENT_ONLY}).
   */
  config?: ConfigSource;
  /** The client for the resolved connection, created at the first API call. */
  client?: { readonly connection: OptimaConnection; readonly optima: OptimaClient };
}

/** Empty wherever the provider is serialized (the Pulumi program); filled only in the host process. */
const host: HostState = {};

/**
 * Keeps the stack config for the first API call. `req.config.get("optima:refreshToken")` reads
 * the namespaced key as it is (the host only prefixes keys without a namespace).
 */
export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  host.config = req.config;
}

/** Validates new inputs without any API call; fills in the default target. */
export async function check(
  _olds: Partial<RegistrationInputs>,
  news: Partial<RegistrationInputs>,
): Promise<pulumi.dynamic.CheckResult<RegistrationInputs>> {
  const { inputs, failures } = checkRegistration(news as Record<string, unknown>);
  return failures.length === 0 ? { inputs } : { inputs, failures };
}

/** Which changes replace the registration (delete first) and which update it in place. */
export async function diff(
  _id: string,
  olds: Partial<RegistrationOutputs>,
  news: Partial<RegistrationInputs>,
): Promise<pulumi.dynamic.DiffResult> {
  const { changes, replaces, deleteBeforeReplace } = diffRegistration(olds, news);
  return { changes, replaces, deleteBeforeReplace };
}

/** Registers the partnership, or adopts and updates the registration Optima already holds for it. */
export async function create(
  inputs: RegistrationInputs,
): Promise<pulumi.dynamic.CreateResult<RegistrationOutputs>> {
  return scrubbing([inputs], async () => {
    const mapping = targetMapping(inputs.target);
    const client = optimaClient();
    const { registration, adopted } = await createOrAdoptRegistration(client, mapping, inputs);
    // An adoption's answer (or a POST's without a body) may carry the timestamp from before the write.
    const writtenAt =
      !adopted && registration.updatedAt !== undefined
        ? registration.updatedAt
        : await stampAfterWrite(client, mapping, inputs.orgId, registration.id);
    return { id: registration.id, outs: outputs(inputs, registration, { adopted, writtenAt }) };
  });
}

/**
 * What Optima holds now. The secret is never returned by Optima, so it is carried over from
 * state; drift shows on the fields Optima does return. A registration Optima no longer has
 * reads as gone (empty ID), so that `pulumi refresh` drops it.
 */
export async function read(
  id: string,
  props?: Partial<RegistrationOutputs>,
): Promise<pulumi.dynamic.ReadResult<RegistrationOutputs>> {
  const state = props ?? {};
  return scrubbing([state], async () => {
    const mapping = targetMapping(state.target);
    const orgId = requireOrgId(mapping, id, state, "read");
    const client = optimaClient();
    const remote = await withContext(`Could not read the ${mapping.noun} ${id} in Flexera org ${orgId}`, () =>
      readRegistration(client, mapping, orgId, id),
    );
    if (remote === undefined) {
      return { id: "" };
    }
    const validated = await withContext(
      `Could not read Optima's validation of the ${mapping.noun} ${id}`,
      () => readValidation(client, mapping, orgId, id),
    );
    // Optima's own words go into state as a plain output: scrub them like any server text.
    const validation =
      validated?.error === undefined
        ? validated
        : { ...validated, error: redact(validated.error, secretsOf([state])) };
    const known = { ...state, target: mapping.target, orgId } as RegistrationInputs;
    const observed: Partial<RegistrationInputs> = {};
    for (const field of mapping.observedFields) {
      // A field Optima leaves out cannot show drift; keep what state has.
      if (remote[field as keyof RemoteRegistration] !== undefined) {
        observed[field] = remote[field as keyof RemoteRegistration] as string;
      }
    }
    return {
      id: remote.id,
      props: outputs({ ...known, ...observed }, remote, {
        adopted: state.adopted === true,
        writtenAt: state.writtenAt,
        ...(validation === undefined ? {} : { validation }),
      }),
    };
  });
}

/** Pushes new values to Optima (PATCH); records changes of fields the target does not send without a call. */
export async function update(
  id: string,
  olds: Partial<RegistrationOutputs>,
  news: RegistrationInputs,
): Promise<pulumi.dynamic.UpdateResult<RegistrationOutputs>> {
  return scrubbing([olds, news], async () => {
    const mapping = targetMapping(news.target);
    const { replaces } = diffRegistration(olds, news);
    if (replaces.length > 0) {
      // diff() asks for a replacement in this case; refuse rather than PATCH the wrong registration.
      throw new Error(
        `Cannot change ${replaces.join(", ")} of the ${mapping.noun} ${id} in place: a different value names a different registration, which must be replaced.`,
      );
    }
    const kept = {
      id,
      href: olds.href,
      createdAt: olds.createdAt,
      readOnly: false,
    };
    if (!wireValuesChanged(olds, news)) {
      return {
        outs: outputs(
          news,
          { ...kept, updatedAt: olds.updatedAt },
          { adopted: olds.adopted === true, validation: olds.validation, writtenAt: olds.writtenAt },
        ),
      };
    }
    const client = optimaClient();
    const answered = await updateRegistration(client, mapping, id, news);
    // The validation in state was about the old values: it is read again on the next refresh.
    const fresh = Object.fromEntries(Object.entries(answered ?? {}).filter(([, v]) => v !== undefined));
    const writtenAt = answered?.updatedAt ?? (await stampAfterWrite(client, mapping, news.orgId, id));
    return { outs: outputs(news, { ...kept, ...fresh }, { adopted: olds.adopted === true, writtenAt }) };
  });
}

/**
 * Removes the registration; one Optima no longer has counts as removed. A registration Optima
 * shows written after this resource's last own write (`writtenAt`) is left in place: it is no
 * longer this deployment's (another one took it over with `optima.takeOverFrom`, or a person
 * changed it), and it may be what Optima relies on now. Pulumi forgets it either way.
 */
export async function remove(id: string, props?: Partial<RegistrationOutputs>): Promise<void> {
  const state = props ?? {};
  await scrubbing([state], async () => {
    const mapping = targetMapping(state.target);
    const orgId = requireOrgId(mapping, id, state, "delete");
    const client = optimaClient();
    if (typeof state.writtenAt === "string" && state.writtenAt !== "") {
      const remote = await withContext(
        `Could not read the ${mapping.noun} ${id} in Flexera org ${orgId}`,
        () => readRegistration(client, mapping, orgId, id),
      );
      if (remote === undefined) {
        return; // gone already
      }
      if (remote.updatedAt !== undefined && !sameInstant(remote.updatedAt, state.writtenAt)) {
        console.error(
          `optima-csp: left the ${mapping.noun} ${id} in Flexera org ${orgId} in place: Optima shows it written at ` +
            `${remote.updatedAt}, after this stack's last write (${state.writtenAt}), so another deployment took it ` +
            "over (optima.takeOverFrom) or a person changed it. Delete it in Flexera One if nothing relies on it.",
        );
        return;
      }
    }
    await deleteRegistration(client, mapping, orgId, id);
  });
}

/** Whether two timestamps name the same instant (Optima's formatting may vary); else compared as text. */
function sameInstant(a: string, b: string): boolean {
  const [x, y] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(x) || Number.isNaN(y) ? a === b : x === y;
}

/** Optima's timestamp of the registration just written (a GET), or undefined when it gives none. */
async function stampAfterWrite(
  client: OptimaClient,
  mapping: TargetMapping,
  orgId: string,
  id: string,
): Promise<string | undefined> {
  const remote = await withContext(`Could not read back the ${mapping.noun} ${id} just written`, () =>
    readRegistration(client, mapping, orgId, id),
  );
  return remote?.updatedAt;
}

/** The client of this host process, created (and its connection resolved) on first use. */
function optimaClient(): OptimaClient {
  const connection = resolveConnection(host.config ?? ENVIRONMENT_ONLY, process.env);
  if (host.client === undefined || !sameConnection(host.client.connection, connection)) {
    host.client = { connection, optima: new OptimaClient(connection) };
  }
  return host.client.optima;
}

function sameConnection(a: OptimaConnection, b: OptimaConnection): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The outputs for inputs and what Optima returned; undefined fields are left out (gRPC structs cannot hold them). */
function outputs(
  inputs: Partial<RegistrationInputs>,
  remote: Omit<RemoteRegistration, "readOnly"> & { readOnly?: boolean },
  extra: { adopted: boolean; validation?: RegistrationOutputs["validation"]; writtenAt?: string },
): RegistrationOutputs {
  const result: Record<string, unknown> = { target: inputs.target ?? DEFAULT_TARGET };
  for (const field of REGISTRATION_FIELDS) {
    result[field] = inputs[field];
  }
  result.keyId = inputs.keyId;
  result.href = remote.href;
  result.adopted = extra.adopted;
  result.createdAt = remote.createdAt;
  result.updatedAt = remote.updatedAt;
  result.writtenAt = extra.writtenAt;
  if (extra.validation !== undefined) {
    result.validation =
      extra.validation.error === undefined
        ? { valid: extra.validation.valid }
        : { valid: extra.validation.valid, error: extra.validation.error };
  }
  return Object.fromEntries(
    Object.entries(result).filter(([, v]) => v !== undefined),
  ) as unknown as RegistrationOutputs;
}

function requireOrgId(
  mapping: TargetMapping,
  id: string,
  state: Partial<RegistrationOutputs>,
  action: string,
): string {
  if (typeof state.orgId !== "string" || state.orgId === "") {
    throw new Error(
      `Cannot ${action} the ${mapping.noun} ${id}: its state has no orgId. Registrations cannot be imported by ID alone;` +
        ` declare an OptimaRegistration for the partnership instead (create adopts the existing registration).`,
    );
  }
  return state.orgId;
}

async function withContext<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new RegistrationError(`${action}: ${errorMessage(error)}`, error);
  }
}

/** The registration secrets these states hold, for redaction. */
function secretsOf(states: readonly Partial<RegistrationInputs>[]): string[] {
  return states
    .map((state) => state.applicationSecret)
    .filter((secret): secret is string => typeof secret === "string" && secret !== "");
}

/**
 * Runs a lifecycle method and masks, in any error it throws, the registration's secret: a last
 * line of defence, since every message is built without it. Messages reach the engine and the
 * host's stderr.
 */
async function scrubbing<T>(
  states: readonly Partial<RegistrationInputs>[],
  run: () => Promise<T>,
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const message = redact(errorMessage(error), secretsOf(states));
    if (error instanceof Error && error.message === message) {
      throw error;
    }
    throw new RegistrationError(message, error);
  }
}
