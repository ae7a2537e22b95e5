/**
 * A CSP customer's MSP child org over the wire: find (list and match `externalId`), create or
 * adopt, read, delete, through the Optima client (../http underneath). The rules are
 * ./childOrgRules' (pure); ./childOrgRuntime is the provider that calls these. As
 * ./registrations does for registrations: a POST is never blindly repeated; after one whose outcome
 * is unknown (no answer, 5xx) the parent's child orgs are listed again, after a settling wait,
 * and the org found is adopted rather than a second one made (docs/optima-api.md §2b).
 */
import type { OptimaClient } from "./client";
import {
  childOrgPath,
  childOrgsPath,
  createChildOrgBody,
  createdChildOrgId,
  findChildOrg,
  parseChildOrg,
  parseChildOrgList,
  type ChildOrgInputs,
  type RemoteChildOrg,
} from "./childOrgRules";
import {
  RegistrationError,
  createPolicy,
  errorMessage,
  getUnless404,
  isUnknownPostOutcome,
  statusOf,
  type CreateOptions,
} from "./registrations";

/** What this module needs of the client. */
export type ChildOrgClient = Pick<OptimaClient, "request">;

/** POST attempts, settling wait and sleep: a registration create's own ({@link CreateOptions}). */
export type ChildOrgCreateOptions = CreateOptions;

export interface ChildOrgOutcome {
  readonly org: RemoteChildOrg;
  /** True when the org existed before (made by hand, or by an earlier run that lost its answer). */
  readonly adopted: boolean;
}

const MAY_EXIST =
  " The org may have been made anyway: running `pulumi up` again adopts it (by its externalId) rather than making a second.";

/** The customer's org under the parent, or undefined (one answer: §2b documents no paging). */
export async function findChildOrgIn(
  client: ChildOrgClient,
  parentOrgId: string,
  customerTenantId: string,
): Promise<RemoteChildOrg | undefined> {
  const path = childOrgsPath(parentOrgId);
  const response = await client.request({ method: "GET", host: "flexera", path });
  return findChildOrg(parseChildOrgList(response.data, `GET ${path}`), customerTenantId, parentOrgId);
}

/** The org with this ID under the parent, or undefined when Flexera no longer has it (404). */
export async function readChildOrg(
  client: ChildOrgClient,
  parentOrgId: string,
  id: string,
): Promise<RemoteChildOrg | undefined> {
  return getUnless404(client, "flexera", childOrgPath(parentOrgId, id), parseChildOrg);
}

/** Adopts the customer's org under the parent, or creates it and reads it back. */
export async function createOrAdoptChildOrg(
  client: ChildOrgClient,
  inputs: ChildOrgInputs,
  options: ChildOrgCreateOptions = {},
): Promise<ChildOrgOutcome> {
  const { maxAttempts, settleMs, sleep } = createPolicy(options);
  const { parentOrgId, customerTenantId } = inputs;
  const where = `under Flexera org ${parentOrgId}`;
  let outcomeUnknown = false;
  const look = async (): Promise<RemoteChildOrg | undefined> => {
    try {
      return await findChildOrgIn(client, parentOrgId, customerTenantId);
    } catch (error) {
      throw new RegistrationError(
        `Could not list the child orgs ${where}: ${errorMessage(error)}${outcomeUnknown ? `.${MAY_EXIST}` : ""}`,
        error,
      );
    }
  };

  for (let attempt = 1; ; attempt++) {
    const existing = await look();
    if (existing !== undefined) {
      return { org: existing, adopted: !outcomeUnknown };
    }
    const path = childOrgsPath(parentOrgId);
    let id: string;
    try {
      const response = await client.request({
        method: "POST",
        host: "flexera",
        path,
        body: createChildOrgBody(inputs),
        retryable: false,
        expectStatus: [201],
      });
      id = createdChildOrgId(response.headers.location, response.data, `POST ${path}`);
    } catch (error) {
      const unknown = isUnknownPostOutcome(error, path);
      if (unknown && attempt < maxAttempts) {
        outcomeUnknown = true;
        await sleep(settleMs * attempt);
        continue;
      }
      throw new RegistrationError(
        `Could not create the child org of customer ${customerTenantId} ${where}: ${errorMessage(error)}.` +
          (statusOf(error) === 403
            ? " The parent org needs the msp capability, and the Flexera identity the Manage MSP Customer or Manage organization role there."
            : unknown || outcomeUnknown
              ? MAY_EXIST
              : ""),
        error,
      );
    }
    let org: RemoteChildOrg | undefined;
    try {
      org = await readChildOrg(client, parentOrgId, id);
    } catch (error) {
      throw new RegistrationError(
        `Could not read the child org ${id} just created ${where}: ${errorMessage(error)}`,
        error,
      );
    }
    return { org: org ?? { id, name: inputs.name }, adopted: false };
  }
}

/** Deletes the org and everything in it; one already gone counts as deleted. */
export async function deleteChildOrg(client: ChildOrgClient, parentOrgId: string, id: string): Promise<void> {
  const path = childOrgPath(parentOrgId, id);
  try {
    await client.request({ method: "DELETE", host: "flexera", path, expectStatus: [204] });
  } catch (error) {
    if (statusOf(error) === 404) {
      return;
    }
    throw new RegistrationError(
      `Could not delete the child org ${id} under Flexera org ${parentOrgId}: ${errorMessage(error)}` +
        (statusOf(error) === 409
          ? ". Delete its own child orgs first (the API deletes from the bottom up)."
          : ""),
      error,
    );
  }
}
