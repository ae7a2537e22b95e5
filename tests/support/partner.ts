/**
 * The CSP partner of the tests: the one the engine scenarios' world holds (./engine/world), the
 * registration the provider tests make (./registration-inputs), and the one the tests of the bin's
 * subcommands deploy for (tests/status.test.ts, tests/status-holders.test.ts,
 * tests/customers-command.test.ts, tests/package/status-package.test.ts): its tenant, Web App,
 * Optima org and partnership; and what its stack shows `optima-csp status`, `pulumi stack output
 * --json` of the stack program (index.ts's exports, none of them secret). Each test file builds its
 * own keys and registrations in the emulator and passes what they are.
 */

export const TENANT = "11111111-2222-4333-8444-555555555555";
/** The partner's Partner Center Web App. */
export const CLIENT_ID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
/** Another app in the partner's tenant. */
export const OTHER_CLIENT_ID = "99999999-bbbb-4ccc-8ddd-eeeeeeeeeeee";
export const ORG = "4242";
export const MPN = "1234567";
export const DOMAIN = "contoso.onmicrosoft.com";
/** The deployment ID in the display names of this stack's keys. */
export const DEPLOYMENT = "3f9a1c2e";
export const DAY = 86_400_000;

/** What the stack has deployed, as the test made it in the emulator. */
export interface DeployedStack {
  readonly applicationObjectId: string;
  readonly activeKeyId: string;
  readonly activeKeyExpiresAt: string;
  readonly previousKeyId: string;
  readonly nextRotationAt: string;
  readonly registrationId: string;
  /** Default csp-partner (with the MPN ID and domain); a bill connect carries neither. */
  readonly target?: "csp-partner" | "bill-connect";
}

/** The stack's outputs: Optima holds the active key (the last hand-off succeeded). */
export function stackOutputs(stack: DeployedStack): Record<string, string> {
  const target = stack.target ?? "csp-partner";
  return {
    applicationObjectId: stack.applicationObjectId,
    activeKeyId: stack.activeKeyId,
    activeKeyExpiresAt: stack.activeKeyExpiresAt,
    previousKeyId: stack.previousKeyId,
    nextRotationAt: stack.nextRotationAt,
    registrationId: stack.registrationId,
    activeKeyUrn:
      "urn:pulumi:prod::optima-csp::azuread:index/applicationPassword:ApplicationPassword::optima-csp-key-a",
    optimaKeyId: stack.activeKeyId,
    webAppClientId: CLIENT_ID,
    optimaOrgId: ORG,
    optimaTarget: target,
    ...(target === "csp-partner" ? { optimaMpnId: MPN, optimaDomain: DOMAIN } : {}),
  };
}
