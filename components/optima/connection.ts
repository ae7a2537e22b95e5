/**
 * Optima connection settings: stack config + environment → {@link OptimaConnection}.
 *
 * Pure. Owns the configuration keys (namespace `optima`) and their environment fallbacks, the
 * region → host table, the URL rules (https only, except loopback hosts) and the choice of
 * credential ({@link resolveCredential}: taken whole from stack config, or else from the
 * environment; within one source a service account wins over a refresh token). Every mistake becomes an
 * {@link OptimaConfigError} whose message names the key or variable to fix and never repeats a
 * credential.
 */

import { completeError } from "../serialization";
import { isLoopbackHost, shownUrl } from "../http/url";
import { OPTIMA_REGIONS, OptimaRegion } from "./types";

/** How the client proves who it is to the token endpoint. */
export type OptimaCredential =
  | { readonly kind: "service-account"; readonly clientId: string; readonly clientSecret: string }
  | { readonly kind: "refresh-token"; readonly refreshToken: string };

/**
 * Everything needed to talk to Optima. Holds a credential: keep it in memory only (never in
 * state, outputs or logs).
 */
export interface OptimaConnection {
  readonly region: OptimaRegion;
  /** Optima host (Cost Management API, target `csp-partner`), no trailing slash. */
  readonly apiUrl: string;
  /** Flexera API host (FinOps Onboarding, target `bill-connect`), no trailing slash. */
  readonly flexeraApiUrl: string;
  /** Token endpoint. */
  readonly authUrl: string;
  /** `rightscale-legacy` when the token endpoint's path is `/api/oauth2`, else `flexera-one`. */
  readonly authFlavor: "flexera-one" | "rightscale-legacy";
  readonly credential: OptimaCredential;
}

/** Where settings come from: `get("optima:refreshToken")` (stack config keeps namespaces). */
export interface ConfigSource {
  get(key: string): string | undefined;
  /** True when no stack config can reach this process: messages then name the environment alone. */
  readonly environmentOnly?: boolean;
  /** With `environmentOnly`: which process reads the environment, and why stack config does not reach it. */
  readonly environmentOnlyBecause?: string;
}

/**
 * No stack config: the environment alone, for a process that stack config cannot reach (`because`
 * says which and why), so that a missing credential is not answered with `pulumi config set
 * optima:…`, which would send the user nowhere.
 */
export function environmentOnly(because: string): ConfigSource {
  return { get: () => undefined, environmentOnly: true, environmentOnlyBecause: because };
}

/** What the package's bin reads (`optima-csp status`, `optima-csp customers`): no stack config. */
export function subcommandEnvironment(subcommand: string): ConfigSource {
  return environmentOnly(
    `the environment \`optima-csp ${subcommand}\` runs in: it reads the OPTIMA_* variables, never stack config`,
  );
}

/**
 * What the provider plugin's processes have: the engine configures a plugin with its own package's
 * keys only, never `optima:*` (../plugin/construct).
 */
export const ENVIRONMENT_ONLY: ConfigSource = environmentOnly(
  'the environment `pulumi` runs in: stack config optima:* does not reach the optima-csp provider plugin; README, "Use from another language"',
);

/** A configuration mistake; the message says which key or environment variable to set. */
export class OptimaConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "OptimaConfigError";
    completeError(this, message);
  }
}

/** A setting: its stack config key and the environment variable it falls back to. */
export interface OptimaSetting {
  readonly key: string;
  readonly env: string;
}

/** Every setting this module reads. */
export const OPTIMA_SETTINGS = {
  refreshToken: { key: "optima:refreshToken", env: "OPTIMA_REFRESH_TOKEN" },
  serviceAccountId: { key: "optima:serviceAccountId", env: "OPTIMA_SERVICE_ACCOUNT_ID" },
  serviceAccountSecret: { key: "optima:serviceAccountSecret", env: "OPTIMA_SERVICE_ACCOUNT_SECRET" },
  region: { key: "optima:region", env: "OPTIMA_REGION" },
  apiUrl: { key: "optima:apiUrl", env: "OPTIMA_API_URL" },
  flexeraApiUrl: { key: "optima:flexeraApiUrl", env: "OPTIMA_FLEXERA_API_URL" },
  authUrl: { key: "optima:authUrl", env: "OPTIMA_AUTH_URL" },
} as const satisfies Record<string, OptimaSetting>;

/** The region used when `optima:region` is not set. */
export const DEFAULT_REGION: OptimaRegion = "us";

/** Public hosts of each region (docs/optima-api.md §3). */
export const REGION_ENDPOINTS: Readonly<
  Record<OptimaRegion, { readonly apiUrl: string; readonly flexeraApiUrl: string; readonly authUrl: string }>
> = {
  us: {
    apiUrl: "https://api.optima.flexeraeng.com",
    flexeraApiUrl: "https://api.flexera.com",
    authUrl: "https://login.flexera.com/oidc/token",
  },
  eu: {
    apiUrl: "https://api.optima-eu.flexeraeng.com",
    flexeraApiUrl: "https://api.flexera.eu",
    authUrl: "https://login.flexera.eu/oidc/token",
  },
  apac: {
    apiUrl: "https://api.optima-apac.flexeraeng.com",
    flexeraApiUrl: "https://api.flexera.au",
    authUrl: "https://login.flexera.au/oidc/token",
  },
};

/** The path of the legacy RightScale token endpoint (`https://us-3.rightscale.com/api/oauth2`). */
export const LEGACY_AUTH_PATH = "/api/oauth2";

/**
 * Resolves the connection from stack config: region and URLs key by key, each falling back to
 * its environment variable; the credential whole, from one source ({@link resolveCredential}).
 * Blank values count as unset.
 *
 * @throws OptimaConfigError when no credential is set, a service account is half set, the
 *   region is unknown, a URL is not https (outside loopback), or a service account is paired
 *   with a legacy RightScale token endpoint.
 */
export function resolveConnection(
  config: ConfigSource,
  env: Record<string, string | undefined> = process.env,
): OptimaConnection {
  const read = (setting: OptimaSetting): { value: string; source: string } | undefined => {
    const fromConfig = config.get(setting.key)?.trim();
    if (fromConfig) {
      return { value: fromConfig, source: setting.key };
    }
    const fromEnv = env[setting.env]?.trim();
    return fromEnv ? { value: fromEnv, source: setting.env } : undefined;
  };
  const S = OPTIMA_SETTINGS;

  const region = resolveRegion(read(S.region));
  const defaults = REGION_ENDPOINTS[region];
  const apiUrl = resolveUrl(read(S.apiUrl), defaults.apiUrl);
  const flexeraApiUrl = resolveUrl(read(S.flexeraApiUrl), defaults.flexeraApiUrl);
  const authUrlSetting = read(S.authUrl);
  const authUrl = resolveUrl(authUrlSetting, defaults.authUrl);
  const authFlavor = new URL(authUrl).pathname === LEGACY_AUTH_PATH ? "rightscale-legacy" : "flexera-one";

  const credential = resolveCredential(config, env);
  if (credential.kind === "service-account" && authFlavor === "rightscale-legacy") {
    throw new OptimaConfigError(
      `${authUrlSetting?.source ?? S.authUrl.key} points at a legacy RightScale token endpoint (${LEGACY_AUTH_PATH}), ` +
        `which accepts only a refresh token. A service account needs a Flexera One token endpoint ` +
        `(e.g. ${REGION_ENDPOINTS.us.authUrl}): unset ${S.authUrl.key}, or use ${S.refreshToken.key} instead.`,
    );
  }
  return { region, apiUrl, flexeraApiUrl, authUrl, authFlavor, credential };
}

function resolveRegion(setting: { value: string; source: string } | undefined): OptimaRegion {
  if (!setting) {
    return DEFAULT_REGION;
  }
  const region = setting.value.toLowerCase();
  if (!(OPTIMA_REGIONS as readonly string[]).includes(region)) {
    throw new OptimaConfigError(
      `${setting.source} must be one of ${OPTIMA_REGIONS.map((r) => `"${r}"`).join(", ")}; got ${JSON.stringify(setting.value)}.`,
    );
  }
  return region as OptimaRegion;
}

/** Checks and normalizes a URL setting (no trailing slash); returns `fallback` when unset. */
function resolveUrl(setting: { value: string; source: string } | undefined, fallback: string): string {
  if (!setting) {
    return fallback;
  }
  const { value, source } = setting;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Not echoed: a value that is not a URL may be a credential set under the wrong key.
    throw new OptimaConfigError(
      `${source} must be an absolute https:// URL; its value is not one (not shown).`,
    );
  }
  if (url.username || url.password) {
    throw new OptimaConfigError(
      `${source} must not contain a user name or password; credentials belong in their own keys.`,
    );
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopbackHost(url.hostname))) {
    throw new OptimaConfigError(
      `${source} must use https:// (http:// is allowed only for 127.0.0.1, ::1 and localhost); got ${JSON.stringify(shownUrl(url))}.`,
    );
  }
  if (url.search || url.hash) {
    throw new OptimaConfigError(
      `${source} must not have a query string or fragment (not shown); got ${JSON.stringify(shownUrl(url))} with one.`,
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * The Optima credential, taken WHOLE from one source: stack config when it holds any credential
 * key, otherwise the environment. So a complete credential in stack config is used whatever
 * stray `OPTIMA_*` variables the environment holds, and the environment fills in only when
 * stack config has no credential at all. Within the chosen source, a service account (ID and
 * secret) wins over a refresh token. A half service account in the chosen source is an error
 * naming that source. Blank values count as unset.
 *
 * The one credential rule: {@link resolveConnection} uses it, and so should any other command
 * that needs an Optima credential.
 *
 * @throws OptimaConfigError when the chosen source holds half a service account, or neither
 *   source holds any credential.
 */
export function resolveCredential(
  config: ConfigSource,
  env: Record<string, string | undefined> = process.env,
): OptimaCredential {
  const S = OPTIMA_SETTINGS;
  const settings = [S.refreshToken, S.serviceAccountId, S.serviceAccountSecret] as const;
  const fromConfig = settings.map((setting) => nonBlank(config.get(setting.key)));
  const fromEnv = settings.map((setting) => nonBlank(env[setting.env]));
  const inConfig = fromConfig.some((value) => value !== undefined);
  const [refreshToken, accountId, accountSecret] = inConfig ? fromConfig : fromEnv;

  if (accountId !== undefined && accountSecret !== undefined) {
    return { kind: "service-account", clientId: accountId, clientSecret: accountSecret };
  }
  if (accountId !== undefined || accountSecret !== undefined) {
    const [set, missing] =
      accountId !== undefined
        ? [S.serviceAccountId, S.serviceAccountSecret]
        : [S.serviceAccountSecret, S.serviceAccountId];
    throw new OptimaConfigError(
      inConfig
        ? `${set.key} is set in stack config but ${missing.key} is not: a service account needs both ` +
            `${S.serviceAccountId.key} and ${S.serviceAccountSecret.key} in stack config (the environment is not ` +
            `read when stack config holds a credential key). Set ${missing.key}, or remove ${set.key}.`
        : `${set.env} is set in the environment but ${missing.env} is not: a service account needs both ` +
            `${S.serviceAccountId.env} and ${S.serviceAccountSecret.env}. Set ${missing.env}, or unset ${set.env}.`,
    );
  }
  if (refreshToken !== undefined) {
    return { kind: "refresh-token", refreshToken };
  }
  if (config.environmentOnly === true) {
    throw new OptimaConfigError(
      `No Optima credential is configured. Set ${S.refreshToken.env}, or ${S.serviceAccountId.env} and ` +
        `${S.serviceAccountSecret.env}, in ${config.environmentOnlyBecause ?? "the environment: it is the only source here"}.`,
    );
  }
  throw new OptimaConfigError(
    `No Optima credential is configured. Set a refresh token with ` +
      `\`pulumi config set --secret ${S.refreshToken.key} <token>\` (or ${S.refreshToken.env}), or a service account with ` +
      `${S.serviceAccountId.key} and \`pulumi config set --secret ${S.serviceAccountSecret.key} <secret>\` ` +
      `(or ${S.serviceAccountId.env} and ${S.serviceAccountSecret.env}).`,
  );
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
}

/**
 * A {@link ConfigSource} over a plain record, e.g. `{ "optima:region": "eu" }`.
 */
export function configFromRecord(values: Readonly<Record<string, string | undefined>>): ConfigSource {
  return { get: (key) => values[key] };
}
