/**
 * Test double of the `azuread` resource plugin (reports version 6.9.1), started by the real
 * Pulumi engine as `pulumi-resource-azuread` from PATH. It serves what optima-csp uses, against
 * the emulator's simulated Entra ID through Microsoft Graph:
 *
 *   ApplicationPassword       check, diff (every argument replaces), create, read, delete
 *   ApplicationRegistration   check, read (for `.get` and `import`); writes are refused
 *   getApplication, getDomains, getClientConfig   invokes
 *
 * Every behaviour is a row of ./rules (`RULES.<name>`), which names the real provider's source.
 * Test infrastructure only: not part of the package.
 */
import type * as provider from "@pulumi/pulumi/provider";
import { AZUREAD_PLUGIN_VERSION } from "./rules";
import {
  UNKNOWN,
  containsUnknown,
  graph,
  graphMessage,
  log,
  plain,
  sameValue,
  secret,
  tokenClaims,
} from "./common";

const PASSWORD = "azuread:index/applicationPassword:ApplicationPassword";
const REGISTRATION = "azuread:index/applicationRegistration:ApplicationRegistration";
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const APPLICATION_ID = /^\/applications\/([0-9a-f-]{36})$/i;

/** RULES.passwordReplaces: the arguments; the computed ones compare only when the program sets them. */
const PASSWORD_ARGS = [
  "applicationId",
  "displayName",
  "startDate",
  "endDate",
  "endDateRelative",
  "rotateWhenChanged",
];
const PASSWORD_COMPUTED_ARGS = new Set(["displayName", "startDate", "endDate"]);

function typeOf(urn: string): string {
  const qualified = urn.split("::")[2] ?? "";
  return qualified.split("$").pop() ?? "";
}

function nameOf(urn: string): string {
  return urn.split("::")[3] ?? "";
}

/** Graph's form of an instant: RFC 3339 in UTC, without a fraction when it is zero. */
function graphInstant(value: string): string {
  return new Date(Date.parse(value)).toISOString().replace(/\.000Z$/, "Z");
}

function applicationNotFound(objectId: string): Error {
  return new Error(`Application (Application: "${objectId}") was not found`);
}

// --- ApplicationPassword --------------------------------------------------------------------

function checkPassword(news: Record<string, unknown>): provider.CheckResult {
  const failures: provider.CheckFailure[] = [];
  const applicationId = news.applicationId;
  if (
    applicationId !== UNKNOWN &&
    !(typeof applicationId === "string" && APPLICATION_ID.test(applicationId))
  ) {
    // RULES.passwordApplicationId
    failures.push({
      property: "applicationId",
      reason: `expected applicationId to be a Application ID in the format /applications/{id}, got ${JSON.stringify(applicationId)}`,
    });
  }
  return { inputs: news, failures };
}

function diffPassword(olds: Record<string, unknown>, news: Record<string, unknown>): provider.DiffResult {
  // RULES.passwordReplaces, RULES.secretsAndUnknowns
  const changed = PASSWORD_ARGS.filter((key) => {
    const next = plain(news[key]);
    if (next === undefined) {
      return !PASSWORD_COMPUTED_ARGS.has(key) && !isEmpty(plain(olds[key]));
    }
    return containsUnknown(next) || !sameValue(plain(olds[key]), next);
  });
  return { changes: changed.length > 0, replaces: changed, deleteBeforeReplace: false };
}

function isEmpty(value: unknown): boolean {
  return (
    value === undefined || value === null || (typeof value === "object" && Object.keys(value).length === 0)
  );
}

async function createPassword(urn: string, inputs: Record<string, unknown>): Promise<provider.CreateResult> {
  // RULES.passwordCreate
  const args = plain(inputs) as Record<string, unknown>;
  const objectId = APPLICATION_ID.exec(String(args.applicationId))![1];
  const app = await graph("GET", `/applications/${objectId}`);
  if (app.status === 404) {
    throw applicationNotFound(objectId);
  }
  const credential: Record<string, string> = {};
  if (typeof args.displayName === "string") {
    credential.displayName = args.displayName;
  }
  if (typeof args.startDate === "string") {
    credential.startDateTime = graphInstant(args.startDate);
  }
  if (typeof args.endDate === "string") {
    credential.endDateTime = graphInstant(args.endDate);
  }
  const added = await graph("POST", `/applications/${objectId}/addPassword`, {
    passwordCredential: credential,
  });
  if (added.status !== 200 || typeof added.body?.secretText !== "string" || added.body.secretText === "") {
    throw new Error(`Adding password for application with object ID "${objectId}": ${graphMessage(added)}`);
  }
  const keyId = String(added.body.keyId);
  log("azuread", `create ${nameOf(urn)}: key ${keyId} on app ${objectId}`);
  return {
    id: `${objectId}/password/${keyId}`,
    outs: {
      applicationId: args.applicationId,
      displayName: added.body.displayName ?? "",
      startDate: added.body.startDateTime,
      endDate: added.body.endDateTime,
      ...(args.endDateRelative === undefined ? {} : { endDateRelative: args.endDateRelative }),
      ...(args.rotateWhenChanged === undefined ? {} : { rotateWhenChanged: args.rotateWhenChanged }),
      keyId,
      value: secret(added.body.secretText),
    },
  };
}

function parsePasswordId(id: string): { objectId: string; keyId: string } {
  const parts = id.split("/");
  if (parts.length !== 3 || parts[1] !== "password" || !GUID.test(parts[0]) || !GUID.test(parts[2])) {
    throw new Error(`Object Resource ID should be in the format {objectId}/{type}/{subId} - but got "${id}"`);
  }
  return { objectId: parts[0], keyId: parts[2] };
}

async function readPassword(
  id: string,
  urn: string,
  props: Record<string, unknown>,
): Promise<provider.ReadResult> {
  // RULES.passwordRead
  const { objectId, keyId } = parsePasswordId(id);
  const app = await graph("GET", `/applications/${objectId}`);
  const credentials = (app.body?.passwordCredentials ?? []) as Record<string, unknown>[];
  const found =
    app.status === 200
      ? credentials.find((c) => String(c.keyId).toLowerCase() === keyId.toLowerCase())
      : undefined;
  if (found === undefined) {
    log("azuread", `read ${nameOf(urn)}: key ${keyId} is gone`);
    return { id: "", props: {} };
  }
  const read = {
    applicationId: `/applications/${objectId}`,
    displayName: found.displayName ?? "",
    keyId,
    startDate: found.startDateTime,
    endDate: found.endDateTime,
  };
  const inputs: Record<string, unknown> = { ...read };
  delete inputs.keyId;
  for (const key of ["endDateRelative", "rotateWhenChanged"]) {
    if (props[key] !== undefined) {
      inputs[key] = props[key];
    }
  }
  return { id, props: { ...props, ...read }, inputs };
}

async function deletePassword(id: string, urn: string): Promise<void> {
  // RULES.passwordDelete
  const { objectId, keyId } = parsePasswordId(id);
  const removed = await graph("POST", `/applications/${objectId}/removePassword`, { keyId });
  if (removed.status !== 204) {
    throw new Error(
      `Removing password credential "${keyId}" from Application (Application: "${objectId}"): ${graphMessage(removed)}`,
    );
  }
  log("azuread", `delete ${nameOf(urn)}: key ${keyId} removed`);
}

// --- ApplicationRegistration ----------------------------------------------------------------

function checkRegistration(urn: string, news: Record<string, unknown>): provider.CheckResult {
  // RULES.registrationCheck
  const inputs = { ...news };
  if (inputs.requestedAccessTokenVersion === undefined || inputs.requestedAccessTokenVersion === null) {
    inputs.requestedAccessTokenVersion = 2;
  }
  const failures: provider.CheckFailure[] = [];
  const version = inputs.requestedAccessTokenVersion;
  if (version !== UNKNOWN && !(version === 1 || version === 2)) {
    failures.push({
      property: "",
      reason:
        `expected requested_access_token_version to be in the range (1 - 2), got ${String(version)}. ` +
        `Examine values at '${nameOf(urn)}.requestedAccessTokenVersion'.`,
    });
  }
  if (
    inputs.displayName !== UNKNOWN &&
    !(typeof inputs.displayName === "string" && inputs.displayName !== "")
  ) {
    failures.push({ property: "displayName", reason: "Missing required argument: displayName" });
  }
  return { inputs, failures };
}

async function readRegistration(id: string, urn: string): Promise<provider.ReadResult> {
  // RULES.registrationRead
  const objectId = APPLICATION_ID.exec(id)?.[1];
  if (objectId === undefined) {
    throw new Error(`parsing ${JSON.stringify(id)}: expected /applications/{objectId}`);
  }
  const app = await graph("GET", `/applications/${objectId}`);
  if (app.status === 404) {
    log("azuread", `read ${nameOf(urn)}: application ${objectId} is gone`);
    return { id: "", props: {} };
  }
  if (app.status !== 200 || app.body === undefined) {
    throw new Error(`retrieving Application (Application: "${objectId}"): ${graphMessage(app)}`);
  }
  const api = app.body.api as { requestedAccessTokenVersion?: number | null } | undefined;
  const inputs = {
    displayName: app.body.displayName,
    signInAudience: app.body.signInAudience,
    requestedAccessTokenVersion: api?.requestedAccessTokenVersion ?? 0,
  };
  log("azuread", `read ${nameOf(urn)}: application ${objectId}`);
  return {
    id: `/applications/${objectId}`,
    props: { ...inputs, clientId: app.body.appId, objectId, disabledByMicrosoft: "", publisherDomain: "" },
    inputs,
  };
}

function refuseWrite(what: string, urn: string): never {
  // RULES.registrationNoWrites
  log("azuread", `REFUSED ${what} of ${nameOf(urn)}`);
  throw new Error(
    `test double: ${what} of ApplicationRegistration ${nameOf(urn)} refused: optima-csp must never write the Web App`,
  );
}

// --- invokes --------------------------------------------------------------------------------

async function getApplication(args: Record<string, unknown>): Promise<provider.InvokeResult> {
  // RULES.getApplicationByClientId
  const clientId = String(args.clientId ?? "");
  const filter = `appId eq '${clientId}'`;
  const found = await graph("GET", `/applications?$filter=${encodeURIComponent(filter)}`);
  if (found.status !== 200) {
    throw new Error(
      `1 error occurred:\n\t* Listing applications for filter "${filter}": ${graphMessage(found)}\n\n`,
    );
  }
  const apps = (found.body?.value ?? []) as Record<string, unknown>[];
  if (apps.length === 0) {
    throw new Error(
      `1 error occurred:\n\t* Application not found: no applications found matching filter: "${filter}"\n\n`,
    );
  }
  const app = apps[0];
  return {
    outputs: {
      id: `/applications/${String(app.id)}`,
      objectId: app.id,
      clientId: app.appId,
      displayName: app.displayName,
      signInAudience: app.signInAudience,
    },
  };
}

async function getDomains(args: Record<string, unknown>): Promise<provider.InvokeResult> {
  // RULES.getDomains
  const listed = await graph("GET", "/domains");
  if (listed.status !== 200) {
    throw new Error(`1 error occurred:\n\t* Could not list domains: ${graphMessage(listed)}\n\n`);
  }
  const domains = ((listed.body?.value ?? []) as Record<string, unknown>[]).filter(
    (d) =>
      (!args.onlyDefault || d.isDefault === true) &&
      (!args.onlyInitial || d.isInitial === true) &&
      (!args.onlyRoot || d.isRoot === true) &&
      (args.includeUnverified === true || d.isVerified !== false),
  );
  if (domains.length === 0) {
    throw new Error("1 error occurred:\n\t* no domains found for the provided filters\n\n");
  }
  const { tid } = tokenClaims();
  return {
    outputs: {
      id: `domains#${tid}`,
      domains: domains.map((d) => ({
        domainName: d.id,
        default: d.isDefault,
        initial: d.isInitial,
        verified: d.isVerified,
        root: d.isRoot,
        adminManaged: d.isAdminManaged,
        authenticationType: d.authenticationType ?? "",
        supportedServices: d.supportedServices ?? [],
      })),
    },
  };
}

function getClientConfig(): provider.InvokeResult {
  // RULES.getClientConfig
  const claims = tokenClaims();
  return {
    outputs: {
      id: `${claims.tid}-${claims.appid}-${claims.oid}`,
      tenantId: claims.tid,
      clientId: claims.appid,
      objectId: claims.oid,
    },
  };
}

// --- the plugin -----------------------------------------------------------------------------

export const azureadDouble: provider.Provider = {
  version: AZUREAD_PLUGIN_VERSION,
  async check(urn, _olds, news) {
    switch (typeOf(urn)) {
      case PASSWORD:
        return checkPassword(news);
      case REGISTRATION:
        return checkRegistration(urn, news);
      default:
        throw new Error(`test double azuread: unsupported resource type ${typeOf(urn)}`);
    }
  },
  async diff(_id, urn, olds, news) {
    if (typeOf(urn) === PASSWORD) {
      return diffPassword(olds, news);
    }
    const changed = Object.keys(news).filter((k) => !sameValue(plain(olds[k]), plain(news[k])));
    return { changes: changed.length > 0 };
  },
  async create(urn, inputs) {
    if (typeOf(urn) === PASSWORD) {
      return createPassword(urn, inputs);
    }
    return refuseWrite("create", urn);
  },
  async read(id, urn, props) {
    switch (typeOf(urn)) {
      case PASSWORD:
        return readPassword(id, urn, props ?? {});
      case REGISTRATION:
        return readRegistration(id, urn);
      default:
        throw new Error(`test double azuread: unsupported resource type ${typeOf(urn)}`);
    }
  },
  async update(_id, urn) {
    return refuseWrite("update", urn);
  },
  async delete(id, urn) {
    if (typeOf(urn) === PASSWORD) {
      return deletePassword(id, urn);
    }
    return refuseWrite("delete", urn);
  },
  async invoke(token, args) {
    const input = plain(args) as Record<string, unknown>;
    log("azuread", `invoke ${token}`);
    switch (token) {
      case "azuread:index/getApplication:getApplication":
        return getApplication(input);
      case "azuread:index/getDomains:getDomains":
        return getDomains(input);
      case "azuread:index/getClientConfig:getClientConfig":
        return getClientConfig();
      default:
        throw new Error(`test double azuread: unsupported function ${token}`);
    }
  },
};

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main } = require("@pulumi/pulumi/provider") as typeof provider;
  void main(azureadDouble, process.argv.slice(2));
}
