/**
 * Signing in to Microsoft Graph from optima-csp's own code (`optima-csp status`, `optima-csp
 * untracked-keys`, the component's one-deployment check): one rule for all of them.
 *
 * - `OPTIMA_CSP_GRAPH_TOKEN` is a static token for the local emulator. It is used only with a
 *   loopback Graph URL, and refused with any other, so a raw token is never sent off the machine.
 * - Otherwise `DefaultAzureCredential` (`@azure/identity`, loaded when first needed): `AZURE_*`
 *   variables including workload identity, a managed identity, the Azure CLI session.
 */
import { isLoopbackUrl } from "../http/url";

/** The emulator's static Graph token (tests and the README's local walk-through only). */
export const GRAPH_TOKEN_ENV = "OPTIMA_CSP_GRAPH_TOKEN";

/** A Graph access token for a scope (`https://graph.microsoft.com/.default`). */
export type GraphTokenProvider = (scope: string) => Promise<string>;

/** The Graph scope for a Graph root: its origin + `/.default` (sovereign clouds have their own). */
export function graphScope(graphUrl: string): string {
  return `${new URL(graphUrl).origin}/.default`;
}

/**
 * How to get Graph tokens for `graphUrl`, or why the environment's test token may not be used
 * there (`refused`).
 */
export function graphSignIn(
  graphUrl: string,
  env: Readonly<Record<string, string | undefined>>,
): { readonly token: GraphTokenProvider } | { readonly refused: string } {
  const testToken = env[GRAPH_TOKEN_ENV]?.trim();
  if (testToken) {
    return isLoopbackUrl(graphUrl)
      ? { token: async () => testToken }
      : {
          refused:
            `${GRAPH_TOKEN_ENV} is for tests against the local emulator and is accepted only with a loopback ` +
            "Graph URL; unset it to sign in with DefaultAzureCredential (e.g. the Azure CLI session).",
        };
  }
  return { token: defaultCredentialToken };
}

/**
 * The Graph token provider a command uses: the one it was given (tests), else {@link graphSignIn},
 * whose refusal becomes the command's own usage error.
 */
export function graphTokenFor(
  graphUrl: string,
  deps: {
    readonly graphToken?: GraphTokenProvider;
    readonly env: Readonly<Record<string, string | undefined>>;
  },
  usageError: (message: string) => Error,
): GraphTokenProvider {
  if (deps.graphToken !== undefined) {
    return deps.graphToken;
  }
  const signIn = graphSignIn(graphUrl, deps.env);
  if ("refused" in signIn) {
    throw usageError(signIn.refused);
  }
  return signIn.token;
}

/** A token from `DefaultAzureCredential`. */
export async function defaultCredentialToken(scope: string): Promise<string> {
  const { DefaultAzureCredential } = await import("@azure/identity");
  const token = await new DefaultAzureCredential().getToken(scope);
  if (!token?.token) {
    throw new Error("DefaultAzureCredential returned no token");
  }
  return token.token;
}

/**
 * A Graph token for `graphUrl` (its {@link graphScope}), the way a command signs in: with
 * {@link graphTokenFor}'s provider, whose refusal is the command's usage error.
 */
export function commandGraphToken(
  graphUrl: string,
  deps: Parameters<typeof graphTokenFor>[1],
  usageError: (message: string) => Error,
): Promise<string> {
  return graphTokenFor(graphUrl, deps, usageError)(graphScope(graphUrl));
}
