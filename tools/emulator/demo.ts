/**
 * The demo partner (`npm run emulator -- --demo-outputs FILE`): one deployed optima-csp stack's
 * world in the emulator, so that `optima-csp status` can be watched giving each exit code before
 * it is pointed at a real tenant (README "Watching the connection", "Try status on the emulator").
 *
 * It owns the demo's fixed, non-secret identifiers and the stack outputs it writes. The world is
 * built relative to the moment the emulator starts (status reads the real clock): the Web App
 * with the key Optima holds (slot a, made 10 days ago, 170 days left), the previous key (slot b,
 * 110 days left), a CSP partnership in Optima carrying the Web App's client ID, MPN ID and domain,
 * two CSP customers whose bill connects (each in its own org, scope "Customer Tenant") hold the
 * same key and pass Optima's validation (computed by the emulator from that key), and the next
 * rotation due in 50 days. Graph takes the fixed token {@link DEMO_GRAPH_TOKEN},
 * with `Application.Read.All` only (what the README asks status's identity for).
 */
import type { Emulator } from "./types";

/** The Graph token the demo's Graph accepts: fixed and not a secret (it opens only the emulator). */
export const DEMO_GRAPH_TOKEN = "emulator-graph-token";
export const DEMO_TENANT_ID = "11111111-1111-4111-8111-111111111111";
/** The demo Web App's Application (client) ID. */
export const DEMO_CLIENT_ID = "22222222-2222-4222-8222-222222222222";
export const DEMO_ORG_ID = "1234";
export const DEMO_MPN_ID = "7654321";
export const DEMO_DOMAIN = "demo-partner.onmicrosoft.com";
/** The deployment ID in the demo keys' display names (components/azure/rotation.ts keyDisplayName). */
const DEMO_DEPLOYMENT = "de0de0de";
/** The demo's CSP customers: tenant and the Flexera org that shows its costs. */
export const DEMO_CUSTOMERS: readonly { readonly tenantId: string; readonly orgId: string }[] = [
  { tenantId: "33333333-3333-4333-8333-333333333333", orgId: "1235" },
  { tenantId: "44444444-4444-4444-8444-444444444444", orgId: "1236" },
];

const DAY_MS = 86_400_000;

/** Seeds the demo partner into a running emulator; returns the stack outputs of its stack. */
export function seedDemo(emulator: Emulator, now: number = emulator.clock.now()): Record<string, unknown> {
  const iso = (days: number): string =>
    new Date(Math.floor((now + days * DAY_MS) / 1000) * 1000).toISOString().replace(/\.000Z$/, "Z");
  const directory = emulator.entra.directory;
  directory.setDomains(DEMO_TENANT_ID, { initial: DEMO_DOMAIN });
  const app = directory.addApplication(DEMO_TENANT_ID, {
    appId: DEMO_CLIENT_ID,
    displayName: "Partner Center Web App (demo)",
  });
  const key = (slot: string, window: number, days: number) =>
    directory.addPassword(
      DEMO_TENANT_ID,
      app.id,
      {
        displayName: `optima-csp ${DEMO_DEPLOYMENT} slot ${slot} window ${window} (expires ${iso(days).slice(0, 10)})`,
        startDateTime: iso(days - 180),
        endDateTime: iso(days),
      },
      { activeAfterMs: 0 },
    )!;
  const previous = key("b", 1, 110);
  const active = key("a", 2, 170);
  const registration = emulator.seedCspPartner(DEMO_ORG_ID, {
    mpn_id: DEMO_MPN_ID,
    domain: DEMO_DOMAIN,
    application_id: DEMO_CLIENT_ID,
  });
  const customers = Object.fromEntries(
    DEMO_CUSTOMERS.map(({ tenantId, orgId }) => {
      const bill = emulator.seedBillConnect(orgId, {
        clientId: DEMO_CLIENT_ID,
        tenantId: DEMO_TENANT_ID,
        clientSecret: active.secret,
        scopeDetails: { scopeType: "Customer Tenant", customerDetails: { customerTenantId: tenantId } },
      });
      return [tenantId, { orgId, registrationId: bill.id, keyId: active.keyId }];
    }),
  );
  emulator.entra.graphToken({
    tenantId: DEMO_TENANT_ID,
    roles: ["Application.Read.All"],
    token: DEMO_GRAPH_TOKEN,
  });
  // As `pulumi stack output --json` prints them (index.ts), the secret output masked.
  return {
    applicationObjectId: app.id,
    activeKeyId: active.keyId,
    activeKeyExpiresAt: active.endDateTime,
    previousKeyId: previous.keyId,
    nextRotationAt: iso(50),
    registrationId: registration.id,
    activeKeySecret: "[secret]",
    optimaKeyId: active.keyId,
    webAppClientId: DEMO_CLIENT_ID,
    optimaOrgId: DEMO_ORG_ID,
    optimaTarget: "csp-partner",
    optimaMpnId: DEMO_MPN_ID,
    optimaDomain: DEMO_DOMAIN,
    optimaCustomers: customers,
  };
}
