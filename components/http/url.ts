/**
 * URL rules shared by every setting that names an endpoint: which hosts may be reached over
 * plain http (a local emulator on loopback, nothing else), and how a URL may be shown in an
 * error message (never its query, fragment or user info, where a pasted token would hide).
 */

/** Hosts that may be reached over plain http. */
// An array, not a Set (../serialization, rule 1).
const LOOPBACK_HOSTS: readonly string[] = ["127.0.0.1", "[::1]", "::1", "localhost"];

/** Whether a URL host name is a loopback address that may be reached over plain http. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.includes(hostname.toLowerCase());
}

/** Whether a URL's host is a loopback address (throws on a string that is not a URL). */
export function isLoopbackUrl(value: string): boolean {
  return isLoopbackHost(new URL(value).hostname);
}

/**
 * A URL as error messages may show it: scheme, host and path only. Query, fragment and user
 * info are left out, since a token pasted into a URL would otherwise reach the message.
 */
export function shownUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname === "/" ? "" : url.pathname}`;
}
