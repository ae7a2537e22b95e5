/**
 * `optima-csp status`: the CSP customers' bill connects, each a holder of the Web App's key like
 * the partnership. Pure: owns what the stack output `optimaCustomers` may look like (index.ts:
 * per customer tenant ID, `{orgId, registrationId, keyId}`) and how one customer's facts are
 * judged. The rules and the verdict are ./verdict's ({@link heldKeyFinding}, {@link verdictOf}
 * through {@link holderReport}): a customer check that did not run is "could not check", never
 * healthy, exactly as for the partnership.
 *
 * Per customer: `customer-key` (the key it holds is on the Web App, its days to expiry against the
 * same thresholds), `customer-hand-off` (it holds the stack's active key: else its last hand-off
 * failed; no run deletes that key while a hand-off to it fails, but it expires at its end date:
 * README "Connecting CSP customers"), `customer-bill-connect` (Optima has the bill connect in the customer's org,
 * with the Web App's client ID and the customer's tenant), `customer-validation` (Optima's own
 * validation, docs/optima-api.md §1C).
 */
import { isGuid, shownNonGuid } from "../formats";
import { registrationFieldProblem } from "../optima/validation";
import { StatusUsageError } from "./options";
import {
  OPTIMA_ACTIONS,
  ROTATE,
  capitalize,
  expiryOf,
  heldKeyFinding,
  holderReport,
  lookupFinding,
  notLookedUp,
  type Finding,
  type GraphFacts,
  type HolderReport,
  type OptimaFacts,
  type Thresholds,
  validationFinding,
} from "./verdict";

/** The stack output that lists the customers' holders (index.ts). */
export const CUSTOMERS_OUTPUT = "optimaCustomers";

/** One CSP customer's bill connect as `optimaCustomers` names it; a field shown as `[secret]` or absent is unknown. */
export interface CustomerHolder {
  readonly tenantId: string;
  readonly orgId?: string;
  readonly registrationId?: string;
  readonly keyId?: string;
}

/**
 * What `optimaCustomers` says: `absent` (no such output: a stack without customers, one deployed
 * before customers existed, or a flags-only run), `secret` (the whole value shown as `[secret]`:
 * which customers hold a key is not known), or the list.
 */
export type CustomerOutputs =
  | { readonly state: "absent" }
  | { readonly state: "secret" }
  | { readonly state: "listed"; readonly holders: readonly CustomerHolder[] };

/**
 * `optimaCustomers` in the JSON of `pulumi stack output --json`. Wrong forms are refused as the
 * other outputs are (options.ts), naming the output; every value quoted is escaped by JSON.
 */
export function parseCustomerOutputs(text: string, source: string): CustomerOutputs {
  // options.parseStackOutputs has already refused text that is not a JSON object.
  const value = (JSON.parse(text) as Record<string, unknown>)[CUSTOMERS_OUTPUT];
  if (value === undefined || value === null) {
    return { state: "absent" };
  }
  if (value === "[secret]") {
    return { state: "secret" };
  }
  const name = `${source}: output ${CUSTOMERS_OUTPUT}`;
  if (typeof value !== "object" || Array.isArray(value)) {
    throw new StatusUsageError(
      `${name} must be an object of customer tenant IDs, as \`pulumi stack output --json\` prints it; got a ${Array.isArray(value) ? "list" : typeof value}.`,
    );
  }
  const holders: CustomerHolder[] = [];
  for (const [tenantId, entry] of Object.entries(value as Record<string, unknown>)) {
    if (!isGuid(tenantId)) {
      throw new StatusUsageError(
        `${name} must be keyed by customer tenant IDs (GUIDs); got ${shownNonGuid(tenantId)}.`,
      );
    }
    const at = `${name}[${JSON.stringify(tenantId)}]`;
    if (entry === "[secret]") {
      holders.push({ tenantId });
      continue;
    }
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      throw new StatusUsageError(`${at} must be an object {orgId, registrationId, keyId}.`);
    }
    const fields: Record<string, string> = {};
    for (const field of ["orgId", "registrationId", "keyId"] as const) {
      const v = (entry as Record<string, unknown>)[field];
      if (v !== undefined && v !== null && typeof v !== "string") {
        throw new StatusUsageError(
          `${at}.${field} must be a string; got a ${Array.isArray(v) ? "list" : typeof v}.`,
        );
      }
      if (typeof v === "string" && v.trim() !== "" && v !== "[secret]") {
        fields[field] = v.trim();
      }
    }
    if (fields.keyId !== undefined && !isGuid(fields.keyId)) {
      throw new StatusUsageError(
        `${at}.keyId must be an Entra ID key ID (a GUID); got ${shownNonGuid(fields.keyId)}.`,
      );
    }
    const orgProblem =
      fields.orgId === undefined ? undefined : registrationFieldProblem("orgId", fields.orgId);
    if (orgProblem !== undefined) {
      throw new StatusUsageError(`${at}.orgId ${orgProblem}.`);
    }
    holders.push({ tenantId, ...fields });
  }
  return { state: "listed", holders };
}

/** The line for an `optimaCustomers` shown as `[secret]`: which customers hold a key is not known. */
export function secretCustomersReport(): HolderReport {
  return holderReport({ holder: "customers" }, [
    {
      check: "customers",
      level: "unknown",
      summary: `Which CSP customers hold a key is not known: the stack's output ${CUSTOMERS_OUTPUT} is a secret shown as [secret].`,
      action: `Export ${CUSTOMERS_OUTPUT} as plain values (it carries no key value: orgs, bill connect IDs and key IDs), or run the rotation once with this version.`,
    },
  ]);
}

/**
 * Judges one customer's holder. `graph` is the one read of the Web App all holders share;
 * `optima` is undefined when its bill connect was not looked up (its org or ID is not known);
 * `clientId` is the Web App's client ID the bill connect should carry.
 */
export function judgeCustomer(
  holder: CustomerHolder,
  graph: GraphFacts | undefined,
  optima: OptimaFacts | undefined,
  clientId: string | undefined,
  thresholds: Thresholds,
  now: Date,
  activeKeyId?: string,
): HolderReport {
  return holderReport(
    {
      holder: "customer",
      tenantId: holder.tenantId,
      orgId: holder.orgId,
      registrationId: holder.registrationId,
      keyId: holder.keyId,
    },
    [
      keyFinding(holder, graph, thresholds, now),
      handOffFinding(holder, activeKeyId),
      ...billConnectFindings(holder, optima, clientId),
    ],
  );
}

/** What the output lacks for a customer, in the words of a finding. */
function missing(check: Finding["check"], what: string, field: string): Finding {
  return {
    check,
    level: "unknown",
    summary: `${what}: the stack's output ${CUSTOMERS_OUTPUT} has no ${field} for this customer (missing or a secret shown as [secret]).`,
    action: `Run the rotation once with this version (it records every customer's ${field}), then run status again with the stack's outputs.`,
  };
}

function keyFinding(
  holder: CustomerHolder,
  graph: GraphFacts | undefined,
  t: Thresholds,
  now: Date,
): Finding {
  const check = "customer-key";
  if (holder.keyId === undefined) {
    return missing(check, "Which key its bill connect holds is not known", "keyId");
  }
  const which = `The key its bill connect holds (${holder.keyId})`;
  if (graph === undefined || !graph.ok || !graph.found) {
    return {
      check,
      level: "unknown",
      summary: `${which} was not checked: the Web App could not be read (see the entra-app line).`,
      action: "Fix what the entra-app line says, then run status again.",
    };
  }
  const id = holder.keyId.toLowerCase();
  const key = graph.keys.find((k) => k.keyId.toLowerCase() === id);
  return heldKeyFinding(check, which, key === undefined ? undefined : expiryOf(key, now), t, {
    missing: "Optima can no longer read this customer's bills",
    why: "see the partnership's schedule line",
  });
}

/** The stack's active key is the one this customer's bill connect holds (as `hand-off` for the partnership). */
function handOffFinding(holder: CustomerHolder, activeKeyId: string | undefined): Finding {
  const check = "customer-hand-off";
  if (holder.keyId === undefined) {
    return missing(check, "Whether its last hand-off finished is not known", "keyId");
  }
  if (activeKeyId === undefined) {
    return {
      check,
      level: "unknown",
      summary:
        "Whether its last hand-off finished is not known: the stack's active key is not known (see the hand-off line).",
      action: "Fix what the hand-off line says, then run status again.",
    };
  }
  if (holder.keyId.toLowerCase() === activeKeyId.toLowerCase()) {
    return { check, level: "ok", summary: "Its bill connect holds the stack's active key." };
  }
  return {
    check,
    level: "warning",
    summary: `Its bill connect holds ${holder.keyId}, not the stack's active key (${activeKeyId}): its last hand-off did not finish; that key is kept until a run hands it the active key, and it stops working at its end date.`,
    action: `Read the last rotation run's log for this customer's bill connect, fix its cause, and ${ROTATE}.`,
  };
}

function billConnectFindings(
  holder: CustomerHolder,
  optima: OptimaFacts | undefined,
  clientId: string | undefined,
): Finding[] {
  const check = "customer-bill-connect";
  if (holder.orgId === undefined) {
    return [missing(check, "Its bill connect could not be read: its Flexera org is not known", "orgId")];
  }
  if (holder.registrationId === undefined) {
    return [missing(check, "Its bill connect could not be read: its ID is not known", "registrationId")];
  }
  if (optima === undefined) {
    return [notLookedUp(check, `The bill connect ${holder.registrationId}`)];
  }
  if (!optima.ok) {
    return [lookupFinding(check, optima, "Optima", OPTIMA_ACTIONS)];
  }
  const registration = optima.registration;
  if (registration === undefined) {
    return [
      {
        check,
        level: "critical",
        summary: `Optima has no bill connect ${holder.registrationId} in Flexera org ${holder.orgId}: this customer's cost data is not collected.`,
        action: `${capitalize(ROTATE)}: it makes the customer's bill connect again. If it should exist, check the org and the region (OPTIMA_REGION).`,
      },
    ];
  }
  const same = (a: string | undefined, b: string): boolean =>
    a !== undefined && a.toLowerCase() === b.toLowerCase();
  const mismatches: string[] = [];
  const unchecked: string[] = [];
  if (clientId === undefined) {
    unchecked.push("the Web App's client ID is not known (output webAppClientId, or --client-id)");
  } else if (registration.applicationId === undefined) {
    unchecked.push("Optima's answer does not carry its client ID");
  } else if (!same(registration.applicationId, clientId)) {
    mismatches.push(
      `points at another app: client ID ${registration.applicationId}, not the Web App ${clientId}`,
    );
  }
  if (registration.customerTenantId === undefined) {
    unchecked.push("Optima's answer does not carry its customer tenant");
  } else if (!same(registration.customerTenantId, holder.tenantId)) {
    mismatches.push(`is for customer tenant ${registration.customerTenantId}, not ${holder.tenantId}`);
  }
  const findings: Finding[] = [];
  if (mismatches.length > 0) {
    findings.push({
      check,
      level: "critical",
      summary: `Optima's bill connect ${registration.id} ${mismatches.join("; ")}.`,
      action: `${capitalize(ROTATE)} with --refresh, which puts the stack's values back; find out who changed it in Flexera One.`,
    });
  } else if (unchecked.length > 0) {
    findings.push({
      check,
      level: "unknown",
      summary: `Optima holds the bill connect ${registration.id}, but it could not be compared with the stack: ${unchecked.join("; ")}.`,
      action: "Pass the missing values (or --stack/--outputs with the stack's outputs) and run status again.",
    });
  } else {
    findings.push({ check, level: "ok", summary: `Optima holds the bill connect ${registration.id}.` });
  }
  findings.push(validationFinding("customer-validation", registration.id, optima.validation));
  return findings;
}
