/**
 * The Partner Center Web App: find it, or adopt it without ever changing it.
 *
 * Owns how the component gets the app's object ID and the `/applications/{objectId}` ID that
 * `azuread.ApplicationPassword` needs:
 * - lookup (default): `azuread.getApplication({ clientId })`, whose `id` is already in that
 *   form. A failed lookup becomes an error naming the client ID, who Pulumi is signed in as
 *   (read with `azuread.getClientConfig`), what that kind of identity needs, and where a Web App
 *   is registered (Partner Center → Account settings → App management).
 * - adopt: the app registration is **read** into state
 *   (`azuread.ApplicationRegistration.get(name, "/applications/{objectId}")`, which is why the
 *   object ID must be given when the program starts). A read sends nothing to the app, runs no
 *   provider Check on what it reads, and is forgotten, never deleted, by `pulumi destroy`.
 *
 * Why not `import` (what this module did before): Pulumi's import runs the provider's Check on
 * the values it read, and for an app whose Graph `api.requestedAccessTokenVersion` is null
 * (Graph's default) the azuread provider reads 0, which its own `IntBetween(1, 2)` rejects, so
 * preview and up fail ("one or more inputs failed to validate"; terraform-provider-azuread
 * v3.8.0 `application_registration_resource.go`, pulumi-terraform-bridge v3.130
 * `isDefaultOrZeroValue`, pulumi/pulumi `pkg/resource/deploy/step_generator.go`
 * `continueStepsFromImport`). Stacks that imported the app keep the child's name and type, so
 * its URN does not change: the engine turns the managed resource into a read one and relinquishes
 * it without deleting it (and the state of an imported app carries `retainOnDelete`).
 *
 * `clientId` may be an Output: a plain string is checked at construction, an Output once known,
 * with the same message. Input validation is otherwise synchronous and its messages are exact:
 * the component calls {@link validateWebAppArgs} before creating anything.
 */

import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import { EXAMPLE_GUID, isGuid, shownNonGuid } from "../formats";
import { programError } from "../programError";

export interface WebAppArgs {
  /**
   * The Partner Center Web App's Application (client) ID (a GUID). A plain string is checked at
   * construction; an Output, once its value is known.
   */
  readonly clientId: pulumi.Input<string>;
  /**
   * The app registration's Object ID (a GUID). Required with `adopt`; with a lookup it is
   * checked against the app found.
   */
  readonly objectId?: string;
  /**
   * Read the app registration into the stack (never changed, forgotten on destroy) instead of
   * looking it up. Default false. Requires `objectId`.
   */
  readonly adopt?: boolean;
}

/** The Web App as the component uses it. */
export interface ResolvedWebApp {
  /** The client ID, checked to be a GUID. */
  readonly clientId: pulumi.Output<string>;
  /** The app registration's object ID. */
  readonly objectId: pulumi.Output<string>;
  /** `/applications/{objectId}`: the `applicationId` of its passwords. */
  readonly applicationId: pulumi.Output<string>;
  /** The registration read into state, when adopted (passwords depend on it). */
  readonly registration?: azuread.ApplicationRegistration;
}

/**
 * The Azure CLI's application ID: what `azuread.getClientConfig()` reports as `clientId` whenever
 * the azuread provider signs in through the Azure CLI, whoever `az login` signed in
 * (terraform-provider-azuread v3.8.0 `internal/clients/builder.go`, which sets it from go-azure-sdk
 * `environments.PublishedApis["MicrosoftAzureCli"]`, `sdk/environments/constants.go`).
 */
export const AZURE_CLI_CLIENT_ID = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";

/** Who the azuread provider is signed in as, as far as the component can tell. */
export type SignedInAs =
  | { readonly kind: "azure-cli" }
  | { readonly kind: "application"; readonly clientId: string }
  | { readonly kind: "unknown" };

/** Classifies `azuread.getClientConfig()`'s client ID: pure. */
export function classifySignIn(clientId: string | undefined): SignedInAs {
  if (!clientId) {
    return { kind: "unknown" };
  }
  return clientId.toLowerCase() === AZURE_CLI_CLIENT_ID
    ? { kind: "azure-cli" }
    : { kind: "application", clientId };
}

/** Who the azuread provider is signed in as; never rejects (a failure means "unknown"). */
export async function signedInAs(parent: pulumi.Resource): Promise<SignedInAs> {
  try {
    const config = await azuread.getClientConfig({ parent });
    return classifySignIn(config.clientId);
  } catch {
    return { kind: "unknown" };
  }
}

/** The problem with a client ID, or undefined. */
export function clientIdProblem(clientId: unknown): string | undefined {
  return isGuid(clientId)
    ? undefined
    : `webApp.clientId must be the Partner Center Web App's Application (client) ID, a GUID such as ` +
        `${EXAMPLE_GUID}; got ${shownNonGuid(clientId)}.`;
}

/** Whether a value is only known later (an Output or a promise), so that it is checked then. */
function isEventual(value: unknown): boolean {
  return (
    pulumi.Output.isInstance(value) ||
    (typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function")
  );
}

/** Checks the Web App arguments; throws an error with an exact, actionable message. */
export function validateWebAppArgs(webApp: WebAppArgs | undefined): void {
  if (!webApp || typeof webApp !== "object") {
    throw new Error(
      "webApp is required: give webApp.clientId, the Partner Center Web App's Application (client) ID " +
        "(Partner Center → Account settings → App management).",
    );
  }
  if (!isEventual(webApp.clientId)) {
    const problem = clientIdProblem(webApp.clientId);
    if (problem) {
      throw new Error(problem);
    }
  }
  if (webApp.objectId !== undefined && !isGuid(webApp.objectId)) {
    throw new Error(
      `webApp.objectId must be the app registration's Object ID, a GUID (Entra ID → App registrations → ` +
        `the Web App → Overview → Object ID); got ${shownNonGuid(webApp.objectId)}.`,
    );
  }
  if (webApp.adopt && webApp.objectId === undefined) {
    throw new Error(
      "webApp.adopt requires webApp.objectId: the app registration is read by its object ID, which must be known " +
        "when the program starts. Find it in Entra ID → App registrations → the Web App → Overview → Object ID (not " +
        "the Application (client) ID).",
    );
  }
}

/** The client ID as an Output, with the construction-time check applied once it is known. */
export function checkedClientId(webApp: WebAppArgs): pulumi.Output<string> {
  return pulumi.output(webApp.clientId).apply((clientId) => {
    const problem = clientIdProblem(clientId);
    if (problem) {
      throw programError(problem);
    }
    return clientId;
  });
}

/** What the signed-in identity needs to read and key the Web App, for the case that applies. */
export function webAppAccessAdvice(who: SignedInAs): string {
  const application =
    "a service principal or managed identity needs the Microsoft Graph application permission " +
    "Application.ReadWrite.OwnedBy, granted with admin consent, and to be an owner of the Web App " +
    "(or Application.Read.All to find an app it does not own): being an owner alone grants it nothing";
  const person =
    "a person signed in with `az login` must be a member (not a guest) of the Web App's tenant, signed in to " +
    "that tenant (`az login --tenant <partner-tenant-id>`), and, to add keys, an owner of the Web App or an " +
    "Application Administrator or Cloud Application Administrator";
  switch (who.kind) {
    case "application":
      return `Pulumi is signed in as the application ${who.clientId}: ${application}.`;
    case "azure-cli":
      return (
        `Pulumi is signed in through the Azure CLI: ${person}; if the CLI is signed in as a service principal ` +
        `(az login --service-principal), ${application}.`
      );
    default:
      return `If Pulumi is signed in as a service principal or managed identity, ${application}; ${person}.`;
  }
}

/** The message of a failed Web App lookup. */
export function webAppNotFoundMessage(
  clientId: string,
  cause?: string,
  who: SignedInAs = { kind: "unknown" },
): string {
  return (
    `Could not find the Partner Center Web App with Application (client) ID ${clientId} in the tenant ` +
    `Pulumi is signed in to. Check that the ID is the Web App's Application (client) ID and that a Web App is ` +
    `registered in Partner Center → Account settings → App management. ${webAppAccessAdvice(who)}` +
    (cause ? ` (Azure AD said: ${cause})` : "")
  );
}

/** Looks the Web App up by its client ID. */
export function lookUpWebApp(webApp: WebAppArgs, parent: pulumi.Resource): ResolvedWebApp {
  const clientId = checkedClientId(webApp);
  const found = clientId.apply((id) =>
    azuread.getApplication({ clientId: id }, { parent }).then(
      (app) => {
        if (webApp.objectId !== undefined && app.objectId.toLowerCase() !== webApp.objectId.toLowerCase()) {
          throw programError(
            `webApp.objectId (${webApp.objectId}) is not the Object ID of the app with Application (client) ID ` +
              `${id}, which is ${app.objectId}. Correct or remove webApp.objectId.`,
            parent,
          );
        }
        return { objectId: app.objectId, applicationId: app.id };
      },
      async (error: unknown) => {
        throw programError(webAppNotFoundMessage(id, firstLine(error), await signedInAs(parent)), parent);
      },
    ),
  );
  return { clientId, objectId: found.objectId, applicationId: found.applicationId };
}

/**
 * Reads the Web App's registration into state, so that passwords depend on it but nothing is ever
 * sent to it and destroy only forgets it. `objectId` must have been validated.
 */
export function adoptWebApp(name: string, webApp: WebAppArgs, parent: pulumi.Resource): ResolvedWebApp {
  const objectId = webApp.objectId as string;
  const id = `/applications/${objectId}`;
  // The same child name as the import used, so the URN of existing stacks does not change.
  const registration = azuread.ApplicationRegistration.get(`${name}-web-app`, id, undefined, { parent });
  const clientId = checkedClientId(webApp);
  // Keys must never be made on another app than the one Optima is given: check the registration's
  // client ID before any password uses it.
  const applicationId = pulumi.all([registration.clientId, clientId]).apply(([actual, expected]) => {
    if (actual.toLowerCase() !== expected.toLowerCase()) {
      throw programError(
        `The app registration with Object ID ${objectId} has Application (client) ID ${actual}, not ` +
          `webApp.clientId ${expected}. Correct webApp.objectId or webApp.clientId.`,
        parent,
      );
    }
    return id;
  });
  return { clientId, objectId: pulumi.output(objectId), applicationId, registration };
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
  // Bridged providers join diagnostics with go-multierror ("1 error occurred:" then "\t* …",
  // pulumi-terraform-bridge pkg/tfshim/sdk-v2/provider.go): skip the count, keep the first cause.
  const line = message
    ?.split("\n")
    .map((l) => l.trim().replace(/^\*\s*/, ""))
    .find((l) => l.length > 0 && !/(^|:\s*)\d+ errors? occurred:$/.test(l));
  return line?.slice(0, 300);
}
