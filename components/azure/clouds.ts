/**
 * Pure: which Partner Center resource the key check asks Entra ID for a token for, by the
 * authority host the tenant signs in at (sovereign clouds).
 *
 * A token request for a resource that does not exist in the tenant's cloud fails with
 * `AADSTS500011` ("The resource principal named … was not found in the tenant"), so the scope
 * has to follow the cloud. Where Microsoft publishes a Partner Center for a cloud, the scope is
 * derived from the authority host; elsewhere the user sets it (`verify.scope`, stack config
 * `verifyScope`).
 *
 * Sources (what each row below rests on):
 * - Microsoft Learn, "Different Partner Center REST URL end points for use in certain countries or
 *   regions" (learn.microsoft.com/partner-center/developer/partner-center-rest-urls): Partner
 *   Center and Partner Center for Microsoft Cloud for US Government at
 *   `https://api.partnercenter.microsoft.com`; Partner Center operated by 21Vianet at
 *   `https://partner.partnercenterapi.microsoftonline.cn`.
 * - microsoft/Partner-Center-PowerShell `src/PowerShell/Models/Authentication/PartnerEnvironment.cs`
 *   and `EnvironmentConstants.cs` (commit 7dc27f0): the pairs of authority and Partner Center
 *   endpoint its `Connect-PartnerCenter -Environment` uses: AzureCloud
 *   `https://login.microsoftonline.com/` → `https://api.partnercenter.microsoft.com`,
 *   USGovernment `https://login.microsoftonline.us` → `https://api.partnercenter.microsoft.com`,
 *   AzureChinaCloud `https://login.chinacloudapi.cn/` →
 *   `https://partner.partnercenterapi.microsoftonline.cn`.
 * - Microsoft Learn, "National clouds" (learn.microsoft.com/entra/identity-platform/authentication-national-cloud):
 *   `https://login.partner.microsoftonline.cn` is the newer authority host of Azure operated by
 *   21Vianet, beside `https://login.chinacloudapi.cn`.
 * No Partner Center is published for Azure Germany (retired), so `login.microsoftonline.de` and any
 * other host need an explicit scope.
 */

import { isLoopbackHost, shownUrl } from "../http/url";

/** The public cloud's Partner Center scope. */
export const PUBLIC_PARTNER_CENTER_SCOPE = "https://api.partnercenter.microsoft.com/.default";
/** Partner Center operated by 21Vianet. */
export const CHINA_PARTNER_CENTER_SCOPE = "https://partner.partnercenterapi.microsoftonline.cn/.default";

/** The Partner Center scope for each authority host Microsoft publishes one for (sources above). */
export const PARTNER_CENTER_SCOPE_BY_AUTHORITY: Readonly<Record<string, string>> = Object.freeze({
  "https://login.microsoftonline.com": PUBLIC_PARTNER_CENTER_SCOPE,
  "https://login.microsoftonline.us": PUBLIC_PARTNER_CENTER_SCOPE,
  "https://login.chinacloudapi.cn": CHINA_PARTNER_CENTER_SCOPE,
  "https://login.partner.microsoftonline.cn": CHINA_PARTNER_CENTER_SCOPE,
});

/**
 * The Partner Center scope for an authority host (already validated, no trailing slash), or
 * undefined when none is published for it. A loopback host (the local emulator) gets the public
 * scope.
 */
export function partnerCenterScopeFor(authorityHost: string): string | undefined {
  return byCloud(authorityHost, PARTNER_CENTER_SCOPE_BY_AUTHORITY, () => PUBLIC_PARTNER_CENTER_SCOPE);
}

/**
 * The one lookup of an authority host's cloud: `table`'s entry for its origin (lower-cased), what
 * `loopback` says for a loopback host (the local emulator), undefined for a value that is no URL.
 */
function byCloud(
  authorityHost: string,
  table: Readonly<Record<string, string>>,
  loopback: () => string | undefined,
): string | undefined {
  const url = parsedUrl(authorityHost);
  if (url === undefined) {
    return undefined;
  }
  return isLoopbackHost(url.hostname) ? loopback() : table[`${url.protocol}//${url.host}`.toLowerCase()];
}

function parsedUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

const SCOPE = /^https:\/\/[^\s/?#@]+(?:\/[^\s?#]*)?\/\.default$/;

/**
 * Why a scope is not acceptable (with the setting's name as given), or undefined. A value is shown
 * only as a URL's scheme, host and path: one that is not a URL may be a credential set under the
 * wrong key.
 */
export function scopeProblem(setting: string, value: unknown): string | undefined {
  if (typeof value === "string" && SCOPE.test(value)) {
    return undefined;
  }
  const expected =
    `${setting} must be the Partner Center resource followed by /.default, such as ${PUBLIC_PARTNER_CENTER_SCOPE} ` +
    `(a client-credentials token can only be requested for /.default)`;
  if (typeof value !== "string") {
    return `${expected}; got ${JSON.stringify(value ?? null)}.`;
  }
  try {
    return `${expected}; got ${JSON.stringify(shownUrl(new URL(value)))}.`;
  } catch {
    return `${expected}; its value is not a URL (not shown).`;
  }
}

/**
 * The Microsoft Graph root of each authority host's cloud, for the one-deployment check's read of
 * the Web App's keys (./ownershipCheck). Source: Microsoft Learn, "National cloud deployments"
 * (learn.microsoft.com/graph/deployments): Graph global service `https://graph.microsoft.com`
 * with Entra ID `https://login.microsoftonline.com`; Graph for US Government L4
 * `https://graph.microsoft.us` with `https://login.microsoftonline.us` (L5/DoD tenants use
 * `https://dod-graph.microsoft.us` behind the same authority: their read fails and the check
 * says so); Graph operated by 21Vianet `https://microsoftgraph.chinacloudapi.cn` with
 * `https://login.chinacloudapi.cn` (and `https://login.partner.microsoftonline.cn`, above).
 */
export const GRAPH_ROOT_BY_AUTHORITY: Readonly<Record<string, string>> = Object.freeze({
  "https://login.microsoftonline.com": "https://graph.microsoft.com/v1.0",
  "https://login.microsoftonline.us": "https://graph.microsoft.us/v1.0",
  "https://login.chinacloudapi.cn": "https://microsoftgraph.chinacloudapi.cn/v1.0",
  "https://login.partner.microsoftonline.cn": "https://microsoftgraph.chinacloudapi.cn/v1.0",
});

/**
 * The Graph root for an authority host (validated, no trailing slash), or undefined when none is
 * known. A loopback authority (the local emulator) has its Graph at `loopbackGraphUrl` (the
 * emulator's, from the test environment), which must itself be on a loopback host.
 */
export function graphRootFor(authorityHost: string, loopbackGraphUrl?: string): string | undefined {
  return byCloud(authorityHost, GRAPH_ROOT_BY_AUTHORITY, () => {
    const graph = loopbackGraphUrl ? parsedUrl(loopbackGraphUrl) : undefined;
    return graph && isLoopbackHost(graph.hostname) ? loopbackGraphUrl?.replace(/\/+$/, "") : undefined;
  });
}
