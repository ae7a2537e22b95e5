/**
 * Shared vocabulary of the Optima side: regions, registration targets and API hosts.
 *
 * Types and the lists of their values only, so that every module, the public surface, the stack
 * program and the tests can name them without pulling in any I/O. The ONE list of registration
 * targets and the default target are here.
 */

/** Which API host a request goes to: `optima` (Cost Management, `apiUrl`) or `flexera` (FinOps Onboarding, `flexeraApiUrl`). */
export type OptimaHost = "optima" | "flexera";

/** A Flexera region: `us` (North America, the default), `eu` or `apac`. */
export type OptimaRegion = "us" | "eu" | "apac";

/** Every {@link OptimaRegion}, in the order error messages list them. */
export const OPTIMA_REGIONS: readonly OptimaRegion[] = ["us", "eu", "apac"];

/**
 * Every {@link RegistrationTarget}, in the order messages list them: where a CSP partnership is
 * registered.
 * - `csp-partner`: the Cost Management API's Azure CSP partnerships (MPN ID, domain, Web App key)
 *   on the Optima host;
 * - `bill-connect`: the Flexera One FinOps Onboarding `azure-csp` bill connect on the Flexera API host.
 */
export const REGISTRATION_TARGETS = ["csp-partner", "bill-connect"] as const;

/** Where a CSP partnership is registered: one of {@link REGISTRATION_TARGETS}. */
export type RegistrationTarget = (typeof REGISTRATION_TARGETS)[number];

/** The target used when none is given (`check()` fills it in; state of earlier versions has none). */
export const DEFAULT_TARGET: RegistrationTarget = "csp-partner";

/** Whether a value names a registration target. */
export function isRegistrationTarget(value: unknown): value is RegistrationTarget {
  return typeof value === "string" && (REGISTRATION_TARGETS as readonly string[]).includes(value);
}
