/**
 * Shared vocabulary of the Optima side: regions and registration targets.
 *
 * Types only (plus the list of regions), so that every module, the public surface and the
 * tests can name them without pulling in any I/O.
 */

/** A Flexera region: `us` (North America, the default), `eu` or `apac`. */
export type OptimaRegion = "us" | "eu" | "apac";

/** Every {@link OptimaRegion}, in the order error messages list them. */
export const OPTIMA_REGIONS: readonly OptimaRegion[] = ["us", "eu", "apac"];

/**
 * Where a CSP partnership is registered:
 * - `csp-partner`: the Cost Management API's Azure CSP partnerships (MPN ID, domain, Web App key)
 *   on the Optima host;
 * - `bill-connect`: the Flexera One FinOps Onboarding `azure-csp` bill connect on the Flexera API host.
 */
export type RegistrationTarget = "csp-partner" | "bill-connect";
