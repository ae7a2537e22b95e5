/**
 * The Partner Center Web App: find it, or adopt it without ever changing it.
 *
 * Owns how the component gets the app's object ID and the `/applications/{objectId}` ID that
 * `azuread.ApplicationPassword` needs:
 * - lookup (default): `azuread.getApplication({ clientId })`, whose `id` is already in that
 *   form. A failed lookup becomes an error naming the client ID, the permission the deploying
 *   identity needs (`Application.Read.All`, or ownership of the app) and where a Web App is
 *   registered (Partner Center → Account settings → App management).
 * - adopt: the app registration is imported into state (`import: "/applications/{objectId}"`,
 *   which is why the object ID must be given: an import ID has to be known when the program
 *   starts) as the narrowest resource that can hold it, `azuread.ApplicationRegistration`, with
 *   every input it manages in `ignoreChanges` (so no update is ever sent: the app's redirect
 *   URIs, permissions and names stay as Partner Center made them) and `retainOnDelete` (so
 *   `pulumi destroy` forgets it and never deletes it; `protect` would make destroy fail).
 *
 * Input validation is synchronous and its messages are exact: the component calls
 * {@link validateWebAppArgs} before creating anything.
 */

import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { isGuid } from "../formats";

export interface WebAppArgs {
  /** The Partner Center Web App's Application (client) ID (a GUID). */
  readonly clientId: string;
  /**
   * The app registration's Object ID (a GUID). Required with `adopt`; with a lookup it is
   * checked against the app found.
   */
  readonly objectId?: string;
  /**
   * Import the app registration into the stack (never changed, never deleted) instead of
   * looking it up. Default false. Requires `objectId`.
   */
  readonly adopt?: boolean;
}

/** The Web App as the component uses it. */
export interface ResolvedWebApp {
  readonly clientId: string;
  /** The app registration's object ID. */
  readonly objectId: pulumi.Output<string>;
  /** `/applications/{objectId}`: the `applicationId` of its passwords. */
  readonly applicationId: pulumi.Output<string>;
  /** The imported registration, when adopted (passwords depend on it). */
  readonly registration?: azuread.ApplicationRegistration;
}

/**
 * Every input `azuread.ApplicationRegistration` manages (its `ApplicationRegistrationArgs`): all
 * of them are in `ignoreChanges` of an adopted app, so adopting can never send a change.
 */
export const APPLICATION_REGISTRATION_INPUTS = [
  "description",
  "displayName",
  "groupMembershipClaims",
  "homepageUrl",
  "implicitAccessTokenIssuanceEnabled",
  "implicitIdTokenIssuanceEnabled",
  "logoutUrl",
  "marketingUrl",
  "notes",
  "privacyStatementUrl",
  "requestedAccessTokenVersion",
  "serviceManagementReference",
  "signInAudience",
  "supportUrl",
  "termsOfServiceUrl",
] as const satisfies readonly (keyof azuread.ApplicationRegistrationArgs)[];

/**
 * Compile-time proof that the list above is complete: if a later `@pulumi/azuread` adds an
 * input, this type is no longer `true` and the build fails, instead of the new input being sent
 * to the real Web App by an import.
 */
type MissingRegistrationInputs = Exclude<
  keyof azuread.ApplicationRegistrationArgs,
  (typeof APPLICATION_REGISTRATION_INPUTS)[number]
>;
export const APPLICATION_REGISTRATION_INPUTS_COMPLETE: [MissingRegistrationInputs] extends [never]
  ? true
  : never = true;

/**
 * The display name sent for an adopted app. It is required by the resource's schema, ignored by
 * `ignoreChanges`, and so never written: the import keeps the app's real name.
 */
export const ADOPTED_DISPLAY_NAME_PLACEHOLDER =
  "Partner Center Web App (adopted; never changed by optima-csp)";

/** Checks the Web App arguments; throws an error with an exact, actionable message. */
export function validateWebAppArgs(webApp: WebAppArgs | undefined): void {
  if (!webApp || typeof webApp !== "object") {
    throw new Error(
      "webApp is required: give webApp.clientId, the Partner Center Web App's Application (client) ID " +
        "(Partner Center → Account settings → App management).",
    );
  }
  if (!isGuid(webApp.clientId)) {
    throw new Error(
      `webApp.clientId must be the Partner Center Web App's Application (client) ID, a GUID such as ` +
        `00000000-0000-0000-0000-000000000000; got ${JSON.stringify(webApp.clientId ?? null)}.`,
    );
  }
  if (webApp.objectId !== undefined && !isGuid(webApp.objectId)) {
    throw new Error(
      `webApp.objectId must be the app registration's Object ID, a GUID (Entra ID → App registrations → ` +
        `the Web App → Overview → Object ID); got ${JSON.stringify(webApp.objectId)}.`,
    );
  }
  if (webApp.adopt && webApp.objectId === undefined) {
    throw new Error(
      "webApp.adopt requires webApp.objectId: an import ID must be known when the program starts. Find it " +
        "in Entra ID → App registrations → the Web App → Overview → Object ID (not the Application (client) ID).",
    );
  }
}

/** The message of a failed Web App lookup. */
export function webAppNotFoundMessage(clientId: string, cause?: string): string {
  return (
    `Could not find the Partner Center Web App with Application (client) ID ${clientId} in the tenant ` +
    `Pulumi is signed in to. Check that the ID is the Web App's Application (client) ID, that the deploying ` +
    `identity can read it (Microsoft Graph permission Application.Read.All, or ownership of the app), and ` +
    `that a Web App is registered in Partner Center → Account settings → App management.` +
    (cause ? ` (Azure AD said: ${cause})` : "")
  );
}

/** Looks the Web App up by its client ID. */
export function lookUpWebApp(webApp: WebAppArgs, parent: pulumi.Resource): ResolvedWebApp {
  const found = pulumi.output(
    azuread.getApplication({ clientId: webApp.clientId }, { parent }).then(
      (app) => {
        if (webApp.objectId !== undefined && app.objectId.toLowerCase() !== webApp.objectId.toLowerCase()) {
          throw new Error(
            `webApp.objectId (${webApp.objectId}) is not the Object ID of the app with Application (client) ID ` +
              `${webApp.clientId}, which is ${app.objectId}. Correct or remove webApp.objectId.`,
          );
        }
        return { objectId: app.objectId, applicationId: app.id };
      },
      (error: unknown) => {
        throw new Error(webAppNotFoundMessage(webApp.clientId, firstLine(error)));
      },
    ),
  );
  return { clientId: webApp.clientId, objectId: found.objectId, applicationId: found.applicationId };
}

/**
 * Imports the Web App's registration so that it is owned by the stack but never changed or
 * deleted. `objectId` must have been validated.
 */
export function adoptWebApp(name: string, webApp: WebAppArgs, parent: pulumi.Resource): ResolvedWebApp {
  const objectId = webApp.objectId as string;
  const importId = `/applications/${objectId}`;
  const registration = new azuread.ApplicationRegistration(
    `${name}-web-app`,
    { displayName: ADOPTED_DISPLAY_NAME_PLACEHOLDER },
    {
      parent,
      import: importId,
      ignoreChanges: [...APPLICATION_REGISTRATION_INPUTS],
      retainOnDelete: true,
    },
  );
  // Keys must never be made on another app than the one Optima is given: check the imported
  // registration's client ID before any password uses it.
  const applicationId = registration.clientId.apply((actual) => {
    if (actual.toLowerCase() !== webApp.clientId.toLowerCase()) {
      throw new Error(
        `The app registration with Object ID ${objectId} has Application (client) ID ${actual}, not ` +
          `webApp.clientId ${webApp.clientId}. Correct webApp.objectId or webApp.clientId.`,
      );
    }
    return importId;
  });
  return { clientId: webApp.clientId, objectId: pulumi.output(objectId), applicationId, registration };
}

/**
 * The first line of an error's message, at most 300 characters (invoke errors carry the
 * provider's whole diagnostic). Duck-typed: errors from another realm are not `instanceof Error`.
 */
export function firstLine(error: unknown): string | undefined {
  const message =
    typeof error === "string"
      ? error
      : typeof (error as { message?: unknown } | null)?.message === "string"
        ? (error as { message: string }).message
        : undefined;
  const line = message?.split("\n").find((l) => l.trim().length > 0);
  return line?.trim().slice(0, 300);
}
