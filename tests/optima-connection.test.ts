/**
 * resolveConnection: stack config and environment → OptimaConnection. Regions, overrides, the
 * https rule, credential choice, and the exact message of every configuration mistake.
 */
import {
  OptimaConfigError,
  configFromRecord,
  resolveConnection,
  resolveCredential,
} from "../components/optima/connection";
import { describeConnection } from "./support/optima-connection";

const noEnv = {};
const refresh = { "optima:refreshToken": "rt-123" };

function resolve(
  config: Record<string, string | undefined>,
  env: Record<string, string | undefined> = noEnv,
) {
  return resolveConnection(configFromRecord(config), env);
}

function configError(
  config: Record<string, string | undefined>,
  env: Record<string, string | undefined> = noEnv,
): string {
  try {
    resolve(config, env);
  } catch (error) {
    expect(error).toBeInstanceOf(OptimaConfigError);
    return (error as Error).message;
  }
  throw new Error("expected an OptimaConfigError");
}

describe("regions", () => {
  it("defaults to us and its public hosts", () => {
    expect(resolve(refresh)).toEqual({
      region: "us",
      apiUrl: "https://api.optima.flexeraeng.com",
      flexeraApiUrl: "https://api.flexera.com",
      authUrl: "https://login.flexera.com/oidc/token",
      authFlavor: "flexera-one",
      credential: { kind: "refresh-token", refreshToken: "rt-123" },
    });
  });

  it.each([
    [
      "eu",
      "https://api.optima-eu.flexeraeng.com",
      "https://api.flexera.eu",
      "https://login.flexera.eu/oidc/token",
    ],
    [
      "apac",
      "https://api.optima-apac.flexeraeng.com",
      "https://api.flexera.au",
      "https://login.flexera.au/oidc/token",
    ],
    [
      "US",
      "https://api.optima.flexeraeng.com",
      "https://api.flexera.com",
      "https://login.flexera.com/oidc/token",
    ],
  ])("maps %s to its hosts", (region, apiUrl, flexeraApiUrl, authUrl) => {
    expect(resolve({ ...refresh, "optima:region": region })).toMatchObject({
      apiUrl,
      flexeraApiUrl,
      authUrl,
    });
  });

  it("rejects an unknown region, naming the key that holds it", () => {
    expect(configError({ ...refresh, "optima:region": "moon" })).toBe(
      'optima:region must be one of "us", "eu", "apac"; got "moon".',
    );
    expect(configError(refresh, { OPTIMA_REGION: "nam" })).toBe(
      'OPTIMA_REGION must be one of "us", "eu", "apac"; got "nam".',
    );
  });
});

describe("settings and environment fallbacks", () => {
  it("reads every setting from the environment when config does not set it", () => {
    const connection = resolve(
      {},
      {
        OPTIMA_REFRESH_TOKEN: "rt-env",
        OPTIMA_REGION: "eu",
        OPTIMA_API_URL: "https://optima.example.test/",
        OPTIMA_FLEXERA_API_URL: "https://flexera.example.test/base/",
        OPTIMA_AUTH_URL: "https://login.example.test/oidc/token",
      },
    );
    expect(connection).toEqual({
      region: "eu",
      apiUrl: "https://optima.example.test",
      flexeraApiUrl: "https://flexera.example.test/base",
      authUrl: "https://login.example.test/oidc/token",
      authFlavor: "flexera-one",
      credential: { kind: "refresh-token", refreshToken: "rt-env" },
    });
  });

  it("prefers stack config over the environment, and treats blank values as unset", () => {
    const connection = resolve(
      {
        "optima:refreshToken": " rt-config\n",
        "optima:region": "  ",
        "optima:apiUrl": "https://a.example.test",
      },
      { OPTIMA_REFRESH_TOKEN: "rt-env", OPTIMA_REGION: "apac", OPTIMA_API_URL: "https://b.example.test" },
    );
    expect(connection.credential).toEqual({ kind: "refresh-token", refreshToken: "rt-config" });
    expect(connection.region).toBe("apac");
    expect(connection.apiUrl).toBe("https://a.example.test");
  });

  it("lets overrides replace a region's hosts one by one", () => {
    const connection = resolve({
      ...refresh,
      "optima:region": "eu",
      "optima:flexeraApiUrl": "https://f.example.test",
    });
    expect(connection.apiUrl).toBe("https://api.optima-eu.flexeraeng.com");
    expect(connection.flexeraApiUrl).toBe("https://f.example.test");
  });
});

describe("URL rules", () => {
  it.each(["http://127.0.0.1:8080", "http://localhost:1/x", "http://[::1]:9"])(
    "accepts plain http on loopback %s",
    (url) => {
      expect(resolve({ ...refresh, "optima:apiUrl": url }).apiUrl).toBe(url.replace(/\/$/, ""));
    },
  );

  it("refuses plain http anywhere else", () => {
    expect(configError({ ...refresh, "optima:apiUrl": "http://api.optima.flexeraeng.com" })).toBe(
      'optima:apiUrl must use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost); got "http://api.optima.flexeraeng.com".',
    );
    expect(configError(refresh, { OPTIMA_AUTH_URL: "http://10.0.0.1/oidc/token" })).toBe(
      'OPTIMA_AUTH_URL must use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost); got "http://10.0.0.1/oidc/token".',
    );
    expect(configError({ ...refresh, "optima:flexeraApiUrl": "ftp://127.0.0.1" })).toBe(
      'optima:flexeraApiUrl must use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost); got "ftp://127.0.0.1".',
    );
  });

  it("refuses a value that is not an absolute URL", () => {
    expect(configError({ ...refresh, "optima:apiUrl": "api.optima.flexeraeng.com" })).toBe(
      "optima:apiUrl must be an absolute https:// URL; its value is not one (not shown).",
    );
  });

  it("refuses credentials inside a URL without repeating them", () => {
    const message = configError({
      ...refresh,
      "optima:authUrl": "https://user:hunter2@login.flexera.com/oidc/token",
    });
    expect(message).toBe(
      "optima:authUrl must not contain a user name or password; credentials belong in their own keys.",
    );
  });

  it("refuses a query string or fragment", () => {
    expect(configError({ ...refresh, "optima:apiUrl": "https://a.example.test/?x=1" })).toBe(
      'optima:apiUrl must not have a query string or fragment (not shown); got "https://a.example.test" with one.',
    );
  });
});

describe("credentials", () => {
  const account = { "optima:serviceAccountId": "sa-client", "optima:serviceAccountSecret": "sa-secret" };

  it("uses a service account when one is set", () => {
    expect(resolve(account).credential).toEqual({
      kind: "service-account",
      clientId: "sa-client",
      clientSecret: "sa-secret",
    });
  });

  it("lets a service account win over a refresh token", () => {
    expect(resolve({ ...refresh, ...account }).credential.kind).toBe("service-account");
    expect(
      resolve(
        {},
        { OPTIMA_REFRESH_TOKEN: "rt", OPTIMA_SERVICE_ACCOUNT_ID: "id", OPTIMA_SERVICE_ACCOUNT_SECRET: "s" },
      ).credential,
    ).toEqual({ kind: "service-account", clientId: "id", clientSecret: "s" });
  });

  it("uses a complete credential in stack config, whatever the environment holds", () => {
    // A stray service account in the environment does not override the refresh token in config.
    expect(
      resolve(refresh, { OPTIMA_SERVICE_ACCOUNT_ID: "stray-id", OPTIMA_SERVICE_ACCOUNT_SECRET: "stray-s" })
        .credential,
    ).toEqual({ kind: "refresh-token", refreshToken: refresh["optima:refreshToken"] });
    // A lone stray service account ID in the environment does not block it either.
    expect(resolve(refresh, { OPTIMA_SERVICE_ACCOUNT_ID: "stray-id" }).credential.kind).toBe("refresh-token");
    // And a service account in config is not mixed with a refresh token from the environment.
    expect(resolve(account, { OPTIMA_REFRESH_TOKEN: "env-rt" }).credential).toEqual({
      kind: "service-account",
      clientId: "sa-client",
      clientSecret: "sa-secret",
    });
  });

  it("takes the credential from the environment only when stack config holds none", () => {
    expect(resolve({}, { OPTIMA_REFRESH_TOKEN: "env-rt" }).credential).toEqual({
      kind: "refresh-token",
      refreshToken: "env-rt",
    });
    // Blank config values count as unset.
    expect(resolve({ "optima:refreshToken": "  " }, { OPTIMA_REFRESH_TOKEN: "env-rt" }).credential.kind).toBe(
      "refresh-token",
    );
  });

  it("never combines half a service account from each source", () => {
    expect(configError({ "optima:serviceAccountId": "id" }, { OPTIMA_SERVICE_ACCOUNT_SECRET: "s" })).toBe(
      "optima:serviceAccountId is set in stack config but optima:serviceAccountSecret is not: a service account needs both " +
        "optima:serviceAccountId and optima:serviceAccountSecret in stack config (the environment is not read when stack " +
        "config holds a credential key). Set optima:serviceAccountSecret, or remove optima:serviceAccountId.",
    );
  });

  it("is one function other commands can call", () => {
    expect(resolveCredential(configFromRecord(refresh), { OPTIMA_SERVICE_ACCOUNT_ID: "stray-id" })).toEqual({
      kind: "refresh-token",
      refreshToken: refresh["optima:refreshToken"],
    });
  });

  it("names every key and variable when there is no credential at all", () => {
    expect(configError({})).toBe(
      "No Optima credential is configured. Set a refresh token with `pulumi config set --secret optima:refreshToken <token>` " +
        "(or OPTIMA_REFRESH_TOKEN), or a service account with optima:serviceAccountId and " +
        "`pulumi config set --secret optima:serviceAccountSecret <secret>` (or OPTIMA_SERVICE_ACCOUNT_ID and OPTIMA_SERVICE_ACCOUNT_SECRET).",
    );
  });

  it("rejects a half-set service account in the source it is in, even with a refresh token present", () => {
    expect(configError({ ...refresh, "optima:serviceAccountId": "sa-client" })).toBe(
      "optima:serviceAccountId is set in stack config but optima:serviceAccountSecret is not: a service account needs both " +
        "optima:serviceAccountId and optima:serviceAccountSecret in stack config (the environment is not read when stack " +
        "config holds a credential key). Set optima:serviceAccountSecret, or remove optima:serviceAccountId.",
    );
    expect(configError({}, { OPTIMA_SERVICE_ACCOUNT_SECRET: "sa-secret" })).toBe(
      "OPTIMA_SERVICE_ACCOUNT_SECRET is set in the environment but OPTIMA_SERVICE_ACCOUNT_ID is not: a service account needs " +
        "both OPTIMA_SERVICE_ACCOUNT_ID and OPTIMA_SERVICE_ACCOUNT_SECRET. Set OPTIMA_SERVICE_ACCOUNT_ID, or unset OPTIMA_SERVICE_ACCOUNT_SECRET.",
    );
  });

  it("never repeats a credential in an error", () => {
    const message = configError({
      "optima:serviceAccountSecret": "sa-secret-value",
      "optima:refreshToken": "rt-value",
    });
    expect(message).not.toContain("sa-secret-value");
    expect(message).not.toContain("rt-value");
  });
});

describe("legacy RightScale token endpoint", () => {
  it("is chosen by an auth URL whose path is /api/oauth2", () => {
    for (const authUrl of [
      "https://us-3.rightscale.com/api/oauth2",
      "https://us-4.rightscale.com/api/oauth2/",
    ]) {
      const connection = resolve({ ...refresh, "optima:authUrl": authUrl });
      expect(connection.authFlavor).toBe("rightscale-legacy");
      expect(connection.authUrl).toBe(authUrl.replace(/\/$/, ""));
    }
    expect(
      resolve({ ...refresh, "optima:authUrl": "https://x.example.test/api/oauth2/other" }).authFlavor,
    ).toBe("flexera-one");
  });

  it("takes only a refresh token", () => {
    expect(
      configError({
        "optima:authUrl": "https://us-3.rightscale.com/api/oauth2",
        "optima:serviceAccountId": "id",
        "optima:serviceAccountSecret": "s",
      }),
    ).toBe(
      "optima:authUrl points at a legacy RightScale token endpoint (/api/oauth2), which accepts only a refresh token. " +
        "A service account needs a Flexera One token endpoint (e.g. https://login.flexera.com/oidc/token): " +
        "unset optima:authUrl, or use optima:refreshToken instead.",
    );
  });
});

describe("describeConnection", () => {
  it("summarizes hosts and credential kind without the credential", () => {
    const summary = describeConnection(
      resolve({
        "optima:serviceAccountId": "sa-client",
        "optima:serviceAccountSecret": "sa-secret",
        "optima:region": "eu",
      }),
    );
    expect(summary).toBe(
      "region eu, Optima https://api.optima-eu.flexeraeng.com, Flexera https://api.flexera.eu, " +
        "token endpoint https://login.flexera.eu/oidc/token (flexera-one, service account sa-client)",
    );
    expect(describeConnection(resolve(refresh))).not.toContain("rt-123");
  });
});
