/**
 * Flexera's MSP Customer API v2 in the emulator: an MSP parent org's child orgs (customers). Pure:
 * requests in, answers out; server.ts authenticates and routes, and the state keeps one instance.
 *
 *   GET|POST   /msp/v2/orgs/{parent}/customers
 *   GET|DELETE /msp/v2/orgs/{parent}/customers/{id}
 *
 * Every rule cites docs/optima-api.md §2b, which quotes the IAM spec (S26: flexera-public/
 * unified-openapi `generator/sources/flexera/iam/v1/openapi.json` @ ed495a9). Where no source
 * says, the rule is marked as the emulator's choice. PATCH is not emulated: optima-csp never
 * changes a child org (§2b).
 */

/** A child org as the emulator keeps it. */
export interface StoredChildOrg {
  readonly id: number;
  readonly parentOrgId: string;
  readonly name: string;
  readonly description?: string;
  readonly externalId?: string;
  readonly owners: readonly { email: string; firstName?: string; lastName?: string }[];
  readonly capabilities: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** What a handler answers; `body` undefined is an empty answer. */
export interface MspReply {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** §2b: 409 and 422 answers are `application/json` {name, message} (MSPCustomerError), not Goa. */
  readonly goa?: boolean;
}

/** §2b: the routes of the MSP Customer API v2 [C S26]. */
export const MSP_CUSTOMERS_ROUTE = /^\/msp\/v2\/orgs\/([^/]+)\/customers(?:\/([^/]+))?\/?$/;

/** §2b: `kind` of every item is "msp#customer" [C S26, enum]. */
export const MSP_CUSTOMER_KIND = "msp#customer";

/** §2b: create body limits [C S26, CreateRequestBody11]. */
const LIMITS = { name: 512, description: 4096, externalId: 256 } as const;
/** §2b: a capability name's pattern [C S26, OrgCapability]. */
const CAPABILITY = /^[_a-zA-Z0-9][-_a-zA-Z0-9]{0,127}$/;
/** The first child org ID the emulator gives (its choice; §2b: IDs are integers ≥ 1 [C]). */
const FIRST_CHILD_ORG_ID = 900_001;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

export class MspCustomers {
  // Assigned in the constructor (no class fields with initializers, as the rest of the emulator).
  private orgs: Map<string, StoredChildOrg[]>;
  private nextId: number;
  /** Parent orgs at their customer limit (a test's lever for §2b's 409 `customer_limit_reached`). */
  private full: Set<string>;
  /** Parents without the `msp` capability (§2b: it grants the MSP Customer APIs [C]); 403 there. */
  private notMsp: Set<string>;

  constructor() {
    this.orgs = new Map();
    this.nextId = FIRST_CHILD_ORG_ID;
    this.full = new Set();
    this.notMsp = new Set();
  }

  reset(): void {
    this.orgs.clear();
    this.nextId = FIRST_CHILD_ORG_ID;
    this.full.clear();
    this.notMsp.clear();
  }

  /** Seeds a child org, as one made in the Flexera One UI would be. */
  seed(
    parentOrgId: string,
    org: { name: string; externalId?: string; owners?: StoredChildOrg["owners"] },
    now: string,
  ): StoredChildOrg {
    return this.store(parentOrgId, { ...org, owners: org.owners ?? [], capabilities: ["iam"] }, now);
  }

  /** Child orgs of a parent, in creation order. */
  list(parentOrgId: string): readonly StoredChildOrg[] {
    return this.orgs.get(parentOrgId) ?? [];
  }

  /** §2b v2: a parent at its limit answers POST with 409 `customer_limit_reached` [C S26]. */
  setCustomerLimitReached(parentOrgId: string, reached: boolean): void {
    if (reached) {
      this.full.add(parentOrgId);
    } else {
      this.full.delete(parentOrgId);
    }
  }

  /** An org without the `msp` capability: the API is not open to it (403 is the emulator's choice of status). */
  setNotMsp(parentOrgId: string): void {
    this.notMsp.add(parentOrgId);
  }

  /** One request on the MSP Customer API, already authenticated by server.ts. */
  handle(req: { method: string; parentOrgId: string; id?: string; body: unknown; now: string }): MspReply {
    const { method, parentOrgId, id } = req;
    // §2b: orgId and customerId are integers ≥ 1 [C S26]; the emulator answers 400 otherwise (its choice).
    if (!/^[1-9]\d*$/.test(parentOrgId) || (id !== undefined && !/^[1-9]\d*$/.test(id))) {
      return goaReply(400, "orgId and customerId must be integers of at least 1");
    }
    if (this.notMsp.has(parentOrgId)) {
      return goaReply(403, `org ${parentOrgId} does not have the msp capability`);
    }
    if (id === undefined) {
      if (method === "GET") {
        // §2b: the index answers a JSON array of index-view items, no paging [C S26: MSPCustomerV2Collection].
        return { status: 200, body: this.list(parentOrgId).map(indexView) };
      }
      if (method === "POST") {
        return this.create(parentOrgId, req.body, req.now);
      }
      return goaReply(405, `${method} is not allowed; allowed: GET, POST`, { Allow: "GET, POST" });
    }
    const org = this.list(parentOrgId).find((o) => String(o.id) === id);
    const notFound = goaReply(404, `customer ${id} not found under org ${parentOrgId}`);
    switch (method) {
      case "GET":
        // §2b: show answers the default view, with owners and capabilities [C S26, ShowV2 example].
        return org === undefined ? notFound : { status: 200, body: showView(org) };
      case "DELETE":
        if (org === undefined) {
          return notFound;
        }
        // §2b v2: an org with children answers 409 organization_has_children [C S26]; the emulator's
        // child orgs have none of their own unless a test made them under the child's ID.
        if (this.list(String(org.id)).length > 0) {
          return mspError(
            409,
            "organization_has_children",
            "Cannot delete organization. Child organizations exist.",
          );
        }
        this.orgs.set(
          parentOrgId,
          this.list(parentOrgId).filter((o) => o !== org),
        );
        return { status: 204 }; // §2b: 204 No Content [C S26]
      default:
        return goaReply(405, `${method} is not allowed; allowed: GET, DELETE`, { Allow: "GET, DELETE" });
    }
  }

  private create(parentOrgId: string, body: unknown, now: string): MspReply {
    if (!isObject(body)) {
      return goaReply(400, "request body must be a JSON object");
    }
    // §2b: name (1..512), owners (≥1), capabilities (≥1) are required; description ≤ 4096 and
    // externalId ≤ 256 are optional [C S26]. The emulator answers a missing or malformed field
    // with 400 (Goa's validation status; which one Flexera uses is [U]).
    const { name, owners, capabilities, description, externalId } = body;
    if (typeof name !== "string" || name.length < 1 || name.length > LIMITS.name) {
      return goaReply(400, `"name" is required, 1 to ${LIMITS.name} characters`);
    }
    if (
      description !== undefined &&
      (typeof description !== "string" || description.length > LIMITS.description)
    ) {
      return goaReply(400, `"description" must be at most ${LIMITS.description} characters`);
    }
    if (
      externalId !== undefined &&
      (typeof externalId !== "string" || externalId.length > LIMITS.externalId)
    ) {
      return goaReply(400, `"externalId" must be at most ${LIMITS.externalId} characters`);
    }
    if (
      !Array.isArray(owners) ||
      owners.length === 0 ||
      !owners.every((o) => isObject(o) && typeof o.email === "string")
    ) {
      return goaReply(400, `"owners" is required: at least one {email, firstName, lastName}`);
    }
    if (
      !Array.isArray(capabilities) ||
      capabilities.length === 0 ||
      !capabilities.every((c) => isObject(c) && typeof c.name === "string" && CAPABILITY.test(c.name))
    ) {
      return goaReply(400, `"capabilities" is required: at least one {name}`);
    }
    if (this.full.has(parentOrgId)) {
      return mspError(
        409,
        "customer_limit_reached",
        "Maximum number of customer organizations reached. Please contact support for assistance.",
      );
    }
    // The emulator does not refuse a second org with the same externalId: §2b says nothing of
    // uniqueness [U], so a client must look before it creates (it adopts by listing).
    const names = (capabilities as { name: string }[]).map((c) => c.name);
    const org = this.store(
      parentOrgId,
      {
        name,
        ...(typeof description === "string" ? { description } : {}),
        ...(typeof externalId === "string" ? { externalId } : {}),
        owners: (owners as Record<string, unknown>[]).map((o) => ({
          email: String(o.email),
          ...(typeof o.firstName === "string" ? { firstName: o.firstName } : {}),
          ...(typeof o.lastName === "string" ? { lastName: o.lastName } : {}),
        })),
        // §2b: iam is always assigned to a child org [C S27].
        capabilities: names.includes("iam") ? names : [...names, "iam"],
      },
      now,
    );
    // §2b: 201 with `Location: /msp/v2/orgs/{parent}/customers/{id}` and no body documented [C S26].
    return { status: 201, headers: { Location: `/msp/v2/orgs/${parentOrgId}/customers/${org.id}` } };
  }

  private store(
    parentOrgId: string,
    fields: Omit<StoredChildOrg, "id" | "parentOrgId" | "createdAt" | "updatedAt">,
    now: string,
  ): StoredChildOrg {
    const org: StoredChildOrg = { id: this.nextId++, parentOrgId, ...fields, createdAt: now, updatedAt: now };
    this.orgs.set(parentOrgId, [...this.list(parentOrgId), org]);
    return org;
  }
}

/** §2b: an index item carries id, name, externalId, kind, createdAt, updatedAt, numberOfCustomers [C S26]. */
function indexView(org: StoredChildOrg): Record<string, unknown> {
  return {
    id: org.id,
    kind: MSP_CUSTOMER_KIND,
    name: org.name,
    ...(org.externalId === undefined ? {} : { externalId: org.externalId }),
    numberOfCustomers: 0,
    createdAt: org.createdAt,
    updatedAt: org.updatedAt,
  };
}

function showView(org: StoredChildOrg): Record<string, unknown> {
  return {
    ...indexView(org),
    ...(org.description === undefined ? {} : { description: org.description }),
    owners: org.owners,
    capabilities: org.capabilities.map((name) => ({ name })),
  };
}

function goaReply(status: number, message: string, headers?: Record<string, string>): MspReply {
  return { status, body: message, goa: true, ...(headers === undefined ? {} : { headers }) };
}

/** §2b: 409 (and 422) answers are MSPCustomerError `{name, message}` as `application/json` [C S26]. */
function mspError(status: number, name: string, message: string): MspReply {
  return { status, body: { name, message } };
}
