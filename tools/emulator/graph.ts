/**
 * Microsoft Graph v1.0, the part of it the Web App's keys live in: applications with their
 * password credentials, addPassword / removePassword, the tenant's domains and organization.
 * Pure: a request in, a reply out; the server (./server) does the I/O.
 *
 * Routes, under `{emulator}/graph/v1.0`, with the Graph v1.0 reference page each follows
 * (learn.microsoft.com, read 2026-11):
 *   GET  /organization                               "List organization" (id = tenant ID)
 *   GET  /domains                                    "List domains"
 *   GET  /applications?$filter=appId eq '{appId}'    "List applications" with $filter
 *   GET  /applications(appId='{appId}')              "Get application" by alternate key
 *   GET  /applications/{id}                          "Get application" by object ID
 *   POST /applications/{id}/addPassword              "application: addPassword" (200, with secretText)
 *   POST /applications/{id}/removePassword           "application: removePassword" (204)
 *
 * Authorization: `Authorization: Bearer <token>` with a token the emulator issued
 * (`emulator.entra.graphToken`); its tenant is the directory the request sees. The application
 * permissions a call needs are Graph's least-privileged ones from the same pages; without one the
 * answer is 403 `Authorization_RequestDenied` "Insufficient privileges to complete the operation."
 * Ownership (`Application.ReadWrite.OwnedBy` on apps the caller owns) is modelled as the app
 * permission itself: the emulator does not track owners.
 *
 * Not from a source: the answer to `removePassword` with a key ID the app does not have. The
 * reference names none; the emulator answers 400 `Request_BadRequest`, and the azuread double
 * (like terraform-provider-azuread v3.8.0, whose delete fails on any error) fails on it.
 *
 * Error bodies have Graph's shape `{ error: { code, message, innerError } }` ("Microsoft Graph
 * error responses and resource types") and never carry a secret.
 */
import { randomUUID } from "node:crypto";
import type { DirectoryApplication, DirectoryDomain, DirectoryPassword } from "./directory";
import type { EmulatorState } from "./state";

/** The path prefix of the Graph routes. */
export const GRAPH_PREFIX = "/graph/v1.0";

export interface GraphReply {
  readonly status: number;
  readonly body?: unknown;
}

/** Permissions that allow reading applications ("Get application", "List applications"). */
const READ_APPS = [
  "Application.Read.All",
  "Application.ReadWrite.OwnedBy",
  "Application.ReadWrite.All",
  "Directory.Read.All",
];
/** Permissions that allow addPassword / removePassword. */
const WRITE_APPS = ["Application.ReadWrite.OwnedBy", "Application.ReadWrite.All"];
/** Permissions that allow listing domains ("List domains"). */
const READ_DOMAINS = ["Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All"];
/** "List organization": any signed-in principal of the tenant may read its own organization. */

function error(status: number, code: string, message: string, now: number): GraphReply {
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: {
          date: new Date(now).toISOString().replace(/\.\d{3}Z$/, ""),
          "request-id": randomUUID(),
        },
      },
    },
  };
}

/**
 * An instant as Graph writes a DateTimeOffset: UTC, `Z`, and no fraction when it is zero (the
 * reference's examples show `2014-01-01T00:00:00Z` for whole seconds).
 */
export function graphInstant(value: string): string {
  return new Date(Date.parse(value)).toISOString().replace(/\.000Z$/, "Z");
}

/** The application as Graph returns it: keys without their secret. */
export function applicationResource(app: DirectoryApplication): Record<string, unknown> {
  return {
    id: app.id,
    appId: app.appId,
    displayName: app.displayName,
    signInAudience: app.signInAudience,
    api: { requestedAccessTokenVersion: app.requestedAccessTokenVersion },
    passwordCredentials: app.passwords.map((p) => passwordResource(p, false)),
  };
}

function passwordResource(p: DirectoryPassword, withSecret: boolean): Record<string, unknown> {
  return {
    customKeyIdentifier: null,
    displayName: p.displayName,
    endDateTime: p.endDateTime,
    hint: p.hint,
    keyId: p.keyId,
    secretText: withSecret ? p.secret : null,
    startDateTime: p.startDateTime,
  };
}

function domainResource(d: DirectoryDomain): Record<string, unknown> {
  return {
    id: d.id,
    authenticationType: d.authenticationType,
    isAdminManaged: true,
    isDefault: d.isDefault,
    isInitial: d.isInitial,
    isRoot: true,
    isVerified: d.isVerified,
    supportedServices: d.isInitial ? ["Email", "OfficeCommunicationsOnline"] : ["Email"],
  };
}

const APP_BY_APP_ID = /^\/applications\(appId='([^']+)'\)$/;
const APP_BY_ID = /^\/applications\/([^/]+)(\/addPassword|\/removePassword)?$/;
const FILTER_APP_ID = /^appId eq '([^']+)'$/;

/**
 * Answers one Graph request. `path` is the path after {@link GRAPH_PREFIX}; `query` holds the
 * decoded query parameters.
 */
export function handleGraph(
  state: EmulatorState,
  request: {
    readonly method: string;
    readonly path: string;
    readonly query: Readonly<Record<string, string>>;
    readonly authorization: string | undefined;
    readonly body: unknown;
  },
): GraphReply {
  const now = state.now();
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(request.authorization ?? "");
  const principal = bearer === null ? undefined : state.graphPrincipal(bearer[1]);
  if (principal === undefined) {
    return error(
      401,
      "InvalidAuthenticationToken",
      bearer === null ? "Access token is empty." : "Access token validation failure. Invalid audience.",
      now,
    );
  }
  const may = (needed: readonly string[]): boolean => needed.some((role) => principal.roles.includes(role));
  const denied = (): GraphReply =>
    error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.", now);
  const tenantId = principal.tenantId;
  const directory = state.directory;
  const { method, path } = request;
  const notAllowed = (): GraphReply =>
    error(405, "Request_BadRequest", `The HTTP method '${method}' is not allowed for ${path}.`, now);

  if (path === "/organization") {
    if (method !== "GET") {
      return notAllowed();
    }
    const tenant = directory.tenant(tenantId);
    return {
      status: 200,
      body: {
        value: [
          {
            id: tenant.id,
            displayName: tenant.displayName,
            verifiedDomains: tenant.domains.map((d) => ({
              name: d.id,
              isDefault: d.isDefault,
              isInitial: d.isInitial,
              type: d.authenticationType,
              capabilities: "Email",
            })),
          },
        ],
      },
    };
  }

  if (path === "/domains") {
    if (method !== "GET") {
      return notAllowed();
    }
    if (!may(READ_DOMAINS)) {
      return denied();
    }
    return { status: 200, body: { value: directory.tenant(tenantId).domains.map(domainResource) } };
  }

  if (path === "/applications") {
    if (method !== "GET") {
      return notAllowed();
    }
    if (!may(READ_APPS)) {
      return denied();
    }
    const filter = request.query.$filter;
    const apps = directory.tenant(tenantId).applications;
    if (filter === undefined) {
      return { status: 200, body: { value: apps.map(applicationResource) } };
    }
    const byAppId = FILTER_APP_ID.exec(filter.trim());
    if (byAppId === null) {
      return error(
        400,
        "Request_UnsupportedQuery",
        `Unsupported or invalid query filter clause specified: ${filter}`,
        now,
      );
    }
    const app = directory.applicationByAppId(tenantId, byAppId[1]);
    return { status: 200, body: { value: app === undefined ? [] : [applicationResource(app)] } };
  }

  const alternate = APP_BY_APP_ID.exec(path);
  const byId = alternate === null ? APP_BY_ID.exec(path) : null;
  if (alternate === null && byId === null) {
    return error(400, "BadRequest", `Resource not found for the segment '${path.split("/")[1] ?? ""}'.`, now);
  }
  const key = decodeURIComponent((alternate ?? byId)![1]);
  const app =
    alternate !== null ? directory.applicationByAppId(tenantId, key) : directory.application(tenantId, key);
  const action = byId?.[2];

  if (action === undefined) {
    if (method !== "GET") {
      return notAllowed();
    }
    if (!may(READ_APPS)) {
      return denied();
    }
    return app === undefined
      ? error(
          404,
          "Request_ResourceNotFound",
          `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
          now,
        )
      : { status: 200, body: applicationResource(app) };
  }

  if (method !== "POST") {
    return notAllowed();
  }
  if (!may(WRITE_APPS)) {
    return denied();
  }
  if (app === undefined) {
    return error(
      404,
      "Request_ResourceNotFound",
      `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
      now,
    );
  }
  const body = (typeof request.body === "object" && request.body !== null ? request.body : {}) as Record<
    string,
    unknown
  >;
  if (action === "/addPassword") {
    const credential = (body.passwordCredential ?? {}) as Record<string, unknown>;
    const text = (name: string): string | undefined =>
      typeof credential[name] === "string" ? (credential[name] as string) : undefined;
    for (const name of ["startDateTime", "endDateTime"]) {
      const value = text(name);
      if (value !== undefined && !Number.isFinite(Date.parse(value))) {
        return error(
          400,
          "Request_BadRequest",
          `Invalid value specified for property '${name}' of resource 'PasswordCredential'.`,
          now,
        );
      }
    }
    const start = text("startDateTime");
    const end = text("endDateTime");
    if (start !== undefined && end !== undefined && Date.parse(end) <= Date.parse(start)) {
      return error(400, "Request_BadRequest", "Key credential end date is invalid.", now);
    }
    const created = directory.addPassword(tenantId, app.id, {
      displayName: text("displayName") ?? null,
      startDateTime: start === undefined ? undefined : graphInstant(start),
      endDateTime: end === undefined ? undefined : graphInstant(end),
    });
    return { status: 200, body: passwordResource(created!, true) };
  }
  // removePassword
  const keyId = typeof body.keyId === "string" ? body.keyId : "";
  if (!directory.removePassword(tenantId, app.id, keyId)) {
    return error(400, "Request_BadRequest", `No password credential found with keyId '${keyId}'.`, now);
  }
  return { status: 204 };
}
