/**
 * The child org provider's implementation: what the dynamic-provider host process runs for a
 * `FlexeraChildOrg` (./childOrgProvider), with ./childOrgRules for every rule and ./childOrgs for
 * every call (the Optima client, ../http underneath). Serialized by value inside this repository, as
 * `require("optima-csp/runtime/child-org")` when installed: ../serialization's rules apply.
 *
 * The connection (hosts, credential) is the registration provider's own rule, read in the host
 * process only: `configure` keeps stack config `optima:*`; nothing is captured in the program.
 *
 * Lifecycle → Flexera (MSP Customer API v2, docs/optima-api.md §2b):
 * - check/diff: none.
 * - create: GET the parent's child orgs; one whose `externalId` is the customer tenant ID is adopted
 *   as it is; else POST, then GET the new org. A POST whose outcome is unknown (no answer, 5xx)
 *   lists again after a settling wait and takes what it made rather than make a second org.
 * - read: GET the org; 404 reads as gone.
 * - update: none is ever sent (diff replaces or reports no change); state takes the new inputs.
 * - delete: DELETE; 404 is success. Reached only when the resource is not retained: the component
 *   marks every child org `retainOnDelete` unless the user set `childOrg.retainOnDelete: false`.
 */
import type * as pulumi from "@pulumi/pulumi";
import { OptimaClient } from "./client";
import { ENVIRONMENT_ONLY, resolveConnection, type ConfigSource, type OptimaConnection } from "./connection";
import {
  checkChildOrg,
  diffChildOrg,
  type ChildOrgInputs,
  type ChildOrgOutputs,
  type RemoteChildOrg,
} from "./childOrgRules";
import { createOrAdoptChildOrg, deleteChildOrg, readChildOrg } from "./childOrgs";
import { RegistrationError, errorMessage } from "./registrations";

interface HostState {
  /** Stack config as `configure` received it; undefined in the provider plugin (../optima/runtime's rule). */
  config?: ConfigSource;
  client?: { readonly connection: OptimaConnection; readonly optima: OptimaClient };
}

/** Empty wherever the provider is serialized; filled only in the host process. */
const host: HostState = {};

export async function configure(req: pulumi.dynamic.ConfigureRequest): Promise<void> {
  host.config = req.config;
}

export async function check(
  _olds: Partial<ChildOrgInputs>,
  news: Partial<ChildOrgInputs>,
): Promise<pulumi.dynamic.CheckResult<ChildOrgInputs>> {
  const failures = checkChildOrg(news as Record<string, unknown>);
  return failures.length === 0
    ? { inputs: news as ChildOrgInputs }
    : { inputs: news as ChildOrgInputs, failures };
}

export async function diff(
  _id: string,
  olds: Partial<ChildOrgOutputs>,
  news: Partial<ChildOrgInputs>,
): Promise<pulumi.dynamic.DiffResult> {
  const { changes, replaces } = diffChildOrg(olds, news);
  return { changes, replaces };
}

/** Adopts the customer's org under the parent, or creates it (./childOrgs). */
export async function create(inputs: ChildOrgInputs): Promise<pulumi.dynamic.CreateResult<ChildOrgOutputs>> {
  const { org, adopted } = await createOrAdoptChildOrg(optimaClient(), inputs);
  return { id: org.id, outs: outputs(inputs, org, adopted) };
}

/** What Flexera shows of the org; gone (empty ID) when it no longer has it. */
export async function read(
  id: string,
  props?: Partial<ChildOrgOutputs>,
): Promise<pulumi.dynamic.ReadResult<ChildOrgOutputs>> {
  const state = props ?? {};
  if (typeof state.parentOrgId !== "string" || state.parentOrgId === "") {
    throw new Error(
      `Cannot read the child org ${id}: its state has no parentOrgId. Declare the customer's childOrg instead (create adopts the org by its externalId).`,
    );
  }
  const parentOrgId = state.parentOrgId;
  const remote = await withContext(
    `Could not read the child org ${id} under Flexera org ${parentOrgId}`,
    () => readChildOrg(optimaClient(), parentOrgId, id),
  );
  if (remote === undefined) {
    return { id: "" };
  }
  return { id: remote.id, props: outputs(state as ChildOrgInputs, remote, state.adopted === true) };
}

/** Nothing is sent: diff() never asks for an in-place change of a field Flexera holds. */
export async function update(
  id: string,
  olds: Partial<ChildOrgOutputs>,
  news: ChildOrgInputs,
): Promise<pulumi.dynamic.UpdateResult<ChildOrgOutputs>> {
  return {
    outs: outputs(
      news,
      {
        id,
        name: olds.orgName ?? news.name,
        ...(olds.createdAt === undefined ? {} : { createdAt: olds.createdAt }),
        ...(olds.updatedAt === undefined ? {} : { updatedAt: olds.updatedAt }),
      },
      olds.adopted === true,
    ),
  };
}

/** Deletes the org and everything in it; one already gone counts as deleted. */
export async function remove(id: string, props?: Partial<ChildOrgOutputs>): Promise<void> {
  const parentOrgId = props?.parentOrgId;
  if (typeof parentOrgId !== "string" || parentOrgId === "") {
    throw new Error(`Cannot delete the child org ${id}: its state has no parentOrgId.`);
  }
  await deleteChildOrg(optimaClient(), parentOrgId, id);
}

function outputs(inputs: ChildOrgInputs, remote: RemoteChildOrg, adopted: boolean): ChildOrgOutputs {
  const result: Record<string, unknown> = {
    parentOrgId: inputs.parentOrgId,
    customerTenantId: inputs.customerTenantId,
    name: inputs.name,
    description: inputs.description,
    owners: inputs.owners,
    capabilities: inputs.capabilities,
    orgId: remote.id,
    orgName: remote.name,
    adopted,
    createdAt: remote.createdAt,
    updatedAt: remote.updatedAt,
  };
  // gRPC structs cannot hold undefined.
  return Object.fromEntries(
    Object.entries(result).filter(([, v]) => v !== undefined),
  ) as unknown as ChildOrgOutputs;
}

function optimaClient(): OptimaClient {
  const connection = resolveConnection(host.config ?? ENVIRONMENT_ONLY, process.env);
  if (host.client === undefined || JSON.stringify(host.client.connection) !== JSON.stringify(connection)) {
    host.client = { connection, optima: new OptimaClient(connection) };
  }
  return host.client.optima;
}

async function withContext<T>(action: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new RegistrationError(`${action}: ${errorMessage(error)}`, error);
  }
}
