/**
 * CSP customers in the simulated world (./world): who they are, the stack config that lists them,
 * and every holder of the Web App's key, read from the emulator (which bill connect holds which
 * secret) and checked at Entra ID. Assertions read the world, never the program.
 */
import { CLIENT_ID, ORG, TENANT, type World } from "./world";

export interface WorldCustomer {
  /** The customer's tenant ID (lower case, as the stack names its resource). */
  readonly tenantId: string;
  /** Its Flexera child org. */
  readonly orgId: string;
  /** The entry's retainOnDelete, when the scenario sets one. */
  readonly retainOnDelete?: boolean;
}

/** Customer `i` (1-based): a tenant GUID and an org of its own, 20001, 20002, … */
export function customer(i: number): WorldCustomer {
  const n = String(i).padStart(12, "0");
  return { tenantId: `c0570000-0000-4000-8000-${n}`, orgId: String(20_000 + i) };
}

/** Customers `from` to `to`, inclusive. */
export function customers(from: number, to: number): WorldCustomer[] {
  return Array.from({ length: to - from + 1 }, (_, k) => customer(from + k));
}

/** The value of `optima-csp:optimaCustomers` (JSON text, as `pulumi config set` takes it). */
export function customersConfig(list: readonly WorldCustomer[]): Record<string, string> {
  return {
    "optima-csp:optimaCustomers": JSON.stringify(
      list.map((c) => ({
        tenantId: c.tenantId,
        orgId: c.orgId,
        ...(c.retainOnDelete === undefined ? {} : { retainOnDelete: c.retainOnDelete }),
      })),
    ),
  };
}

/** The bill connects Optima holds for a customer, in its org (scope "Customer Tenant"). */
export function customerConnects(world: World, c: WorldCustomer) {
  return world.emulator
    .billConnects(c.orgId)
    .filter((b) => b.scopeDetails?.customerDetails?.customerTenantId.toLowerCase() === c.tenantId);
}

/** One holder of the key: the partnership, or a customer's bill connect. */
export interface Holder {
  readonly who: string;
  /** The secret it holds, or undefined when it does not exist. */
  readonly secret: string | undefined;
}

/** The partnership and each customer's bill connect (exactly one is expected for each). */
export function holders(world: World, list: readonly WorldCustomer[]): Holder[] {
  return [
    { who: `partnership (org ${ORG})`, secret: world.heldSecret() },
    ...list.map((c): Holder => {
      const connects = customerConnects(world, c);
      if (connects.length > 1) {
        throw new Error(
          `Optima holds ${connects.length} bill connects for customer ${c.tenantId}; expected one`,
        );
      }
      return { who: `customer ${c.tenantId} (org ${c.orgId})`, secret: connects[0]?.clientSecret };
    }),
  ];
}

/** The holders whose key Entra ID refuses now (or that hold none), by name: [] when all work. */
export function brokenHolders(world: World, list: readonly WorldCustomer[]): string[] {
  return holders(world, list)
    .filter((h) => h.secret === undefined || !world.emulator.entra.isValid(TENANT, CLIENT_ID, h.secret))
    .map((h) => h.who);
}

/** The rotation window of the key a holder holds (from the key's display name), or NaN. */
export function windowOf(world: World, secret: string | undefined): number {
  const key = world.keys().find((k) => k.secret === secret);
  return Number(/window (\d+)/.exec(key?.displayName ?? "")?.[1]);
}

/** The window of the key each holder holds, e.g. `{ partnership: 60, "customer …": 59 }`. */
export function heldWindows(world: World, list: readonly WorldCustomer[]): Record<string, number> {
  return Object.fromEntries(holders(world, list).map((h) => [h.who, windowOf(world, h.secret)]));
}

/** This deployment's keys on the Web App, by window. */
export function keyWindows(world: World): number[] {
  return world
    .keys()
    .filter((k) => /^optima-csp [0-9a-f]{8} slot [ab] window \d+ /.test(k.displayName ?? ""))
    .map((k) => Number(/window (\d+)/.exec(k.displayName ?? "")?.[1]))
    .sort((a, b) => a - b);
}

/** The PATCH of a customer's bill connect (the hand-off), as the emulator's faults match it. */
export function patchOf(c: WorldCustomer) {
  return { method: "PATCH", path: `/finops-onboarding/v1/orgs/${c.orgId}/bill-connects/azure-csp/` } as const;
}

/** The holders whose window is not `window`, `except` left out. */
export function othersNotAt(
  s: { readonly world: World },
  list: readonly WorldCustomer[],
  window: number,
  except?: WorldCustomer,
): string[] {
  return Object.entries(heldWindows(s.world, list))
    .filter(([who, w]) => w !== window && (except === undefined || !who.includes(except.tenantId)))
    .map(([who]) => who);
}

/** The window of the key a customer's bill connect holds. */
export function windowHeldBy(s: { readonly world: World }, c: WorldCustomer): number {
  return windowOf(s.world, customerConnects(s.world, c)[0]?.clientSecret);
}
