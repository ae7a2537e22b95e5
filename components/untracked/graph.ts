/**
 * Microsoft Graph for `optima-csp untracked-keys`: read one application's password credentials
 * and remove one of them, through the package's HTTP layer (../http: retries, deadlines,
 * redaction; the token never reaches a message). {@link applicationFromAnswer} is the pure check
 * of Graph's answer: it must be the asked application, in Graph's shape, or nothing is removed.
 *
 * Shapes (learn.microsoft.com, Graph v1.0, read 2026-11): "Get application"
 * (`GET /applications/{id}`, `$select` supported; the answer is the application resource with
 * `id`, `appId` and `passwordCredentials`), "passwordCredential resource type" (`keyId` Guid,
 * `displayName`, `endDateTime` DateTimeOffset; `secretText` only on addPassword), and
 * "application: removePassword" (`POST /applications/{id}/removePassword` with `{ keyId }`,
 * `204 No Content`).
 */
import { isGuid } from "../formats";
import { answerProblem, sendHttp, type HttpOptions } from "../http";
import type { GraphApplication, GraphPassword } from "../azure/untrackedKeys";

/** Graph's answer was not the asked application's, in Graph's shape: nothing is removed. */
export class GraphAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraphAnswerError";
  }
}

/** The checked application in a Graph answer to `GET /applications/{askedObjectId}`. */
export function applicationFromAnswer(data: unknown, askedObjectId: string): GraphApplication {
  const app = (typeof data === "object" && data !== null && !Array.isArray(data) ? data : undefined) as
    Record<string, unknown> | undefined;
  if (app === undefined || typeof app.id !== "string" || !Array.isArray(app.passwordCredentials)) {
    throw new GraphAnswerError(
      "Microsoft Graph answered without the application's id and passwordCredentials: not the answer " +
        "Graph gives (check --graph-url); nothing was removed.",
    );
  }
  if (app.id.toLowerCase() !== askedObjectId.toLowerCase()) {
    throw new GraphAnswerError(
      `Microsoft Graph answered for application ${isGuid(app.id) ? app.id : "(not a GUID)"}, not the asked ` +
        `${askedObjectId}: nothing was removed (check --graph-url, and any proxy in between).`,
    );
  }
  const passwords: GraphPassword[] = [];
  for (const [i, item] of (app.passwordCredentials as unknown[]).entries()) {
    const p = (typeof item === "object" && item !== null ? item : {}) as Record<string, unknown>;
    if (typeof p.keyId !== "string" || !isGuid(p.keyId)) {
      throw new GraphAnswerError(
        `Microsoft Graph listed password credential #${i + 1} of the application without a keyId (a GUID): ` +
          "not the answer Graph gives; nothing was removed.",
      );
    }
    if (passwords.some((q) => q.keyId.toLowerCase() === (p.keyId as string).toLowerCase())) {
      // One key, two names: which one is true cannot be known, and removing by keyId removes both.
      throw new GraphAnswerError(
        `Microsoft Graph lists key ${p.keyId.toLowerCase()} twice on the application: not the answer Graph gives; nothing was removed.`,
      );
    }
    passwords.push({
      keyId: p.keyId,
      displayName: typeof p.displayName === "string" ? p.displayName : null,
      endDateTime: typeof p.endDateTime === "string" ? p.endDateTime : null,
    });
  }
  return {
    id: app.id,
    ...(typeof app.appId === "string" ? { appId: app.appId } : {}),
    passwords,
  };
}

function headers(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}`, Accept: "application/json" };
}

/** `GET {graph}/applications/{objectId}`, checked. */
export async function readApplication(
  graphUrl: string,
  objectId: string,
  token: string,
  http: HttpOptions,
): Promise<GraphApplication> {
  const url = `${graphUrl}/applications/${encodeURIComponent(objectId)}?$select=id,appId,passwordCredentials`;
  const response = await sendHttp({ method: "GET", url, headers: headers(token) }, http);
  const problem = answerProblem(response);
  if (problem !== undefined) {
    throw new GraphAnswerError(
      `Microsoft Graph answered GET /applications/${objectId} ${problem}: not Graph's answer ` +
        "(a proxy or sign-in page? check --graph-url); nothing was removed.",
    );
  }
  return applicationFromAnswer(response.data, objectId);
}

/** `POST {graph}/applications/{objectId}/removePassword`; Graph answers 204. */
export async function removePassword(
  graphUrl: string,
  objectId: string,
  keyId: string,
  token: string,
  http: HttpOptions,
): Promise<void> {
  const url = `${graphUrl}/applications/${encodeURIComponent(objectId)}/removePassword`;
  const response = await sendHttp({ method: "POST", url, headers: headers(token), json: { keyId } }, http);
  const problem = answerProblem(response, [204]);
  if (problem !== undefined) {
    throw new GraphAnswerError(
      `Microsoft Graph answered removePassword for key ${keyId} ${problem}: not Graph's answer; ` +
        "check on the Web App whether the key is gone.",
    );
  }
}
