/**
 * The registration the provider tests make: the tests' partner (./partner: its Optima org, MPN ID
 * and domain) with a Web App of its own, as `csp-partner` and `bill-connect` inputs
 * (components/optima/targets.ts `RegistrationInputs`). Each test file brings its own secret, so
 * that its secret scan looks for its own.
 */
import type { RegistrationInputs } from "../../components/optima/targets";
import { DOMAIN, MPN as MPN_ID, ORG } from "./partner";

export { DOMAIN, MPN_ID, ORG };
export const APP_ID = "11111111-2222-3333-4444-555555555555";
/** A tenant ID with letters, so that the tests of letter case have some to change. */
export const TENANT = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee";
/** An org the tests start the emulator to refuse (its `forbiddenOrgs`: every request answers 403). */
export const FORBIDDEN_ORG = "13";

/** A csp-partner registration of the Web App with this secret. */
export function cspInputs(applicationSecret: string): RegistrationInputs {
  return {
    target: "csp-partner",
    orgId: ORG,
    mpnId: MPN_ID,
    domain: DOMAIN,
    applicationId: APP_ID,
    applicationSecret,
  };
}

/** The csp-partner inputs a program gives, with no target: check() fills in the default. */
export function cspNews(applicationSecret: string): Partial<RegistrationInputs> {
  const { target: _default, ...news } = cspInputs(applicationSecret);
  return news;
}

/** A bill-connect registration of the Web App with this secret. */
export function billInputs(applicationSecret: string): RegistrationInputs {
  return { target: "bill-connect", orgId: ORG, applicationId: APP_ID, applicationSecret, tenantId: TENANT };
}
