/**
 * The simulated Entra ID directory: tenants, their domains, application registrations and the
 * applications' password credentials (client secrets). Pure state, no I/O: the Graph routes
 * (./graph) and the token endpoint (./server) read and change it.
 *
 * Rules, each with the source it was read from (Microsoft Graph v1.0 reference, learn.microsoft.com,
 * read 2026-11):
 * - An application has an object ID (`id`) and an application (client) ID (`appId`); both are
 *   GUIDs, and `appId` is unique in a tenant ("application resource type").
 * - `addPassword` returns a new `passwordCredential` whose `secretText` is shown once and never
 *   again; later reads carry `secretText: null` and a `hint` of the secret's first three characters
 *   ("passwordCredential resource type", "application: addPassword"). Without `endDateTime`,
 *   Graph makes the key valid for two years.
 * - `removePassword` takes the `keyId`; an unknown key ID is an error ("application: removePassword").
 * - The token endpoint accepts a secret only while it exists and has not passed its `endDateTime`
 *   (AADSTS7000222, "Microsoft identity platform error codes"), and only after the new secret has
 *   propagated: until then it answers AADSTS7000215 as for a wrong secret (the delay is seconds to
 *   minutes; it is `propagationDelayMs` here, per tenant, 0 unless a test sets it).
 * - Every tenant has exactly one initial domain, `<name>.onmicrosoft.com`, and exactly one default
 *   domain, which an admin may move to a verified custom domain ("domain resource type").
 *
 * Secrets are kept (the emulator must check them) but never leave except in `addPassword`'s answer.
 */
import { randomBytes, randomUUID } from "node:crypto";

/** Graph's default lifetime of a password credential created without `endDateTime`: two years. */
export const DEFAULT_PASSWORD_LIFETIME_MS = 2 * 365 * 86_400_000;

export interface DirectoryPassword {
  readonly keyId: string;
  readonly displayName: string | null;
  readonly startDateTime: string;
  readonly endDateTime: string;
  /** The first three characters of the secret, as Graph shows them. */
  readonly hint: string;
  /** Kept to check token requests; never returned by a read. */
  readonly secret: string;
  /** When the token endpoint starts accepting it (epoch ms, simulated clock). */
  readonly activeAt: number;
}

export interface DirectoryApplication {
  readonly id: string;
  readonly appId: string;
  displayName: string;
  /** `api.requestedAccessTokenVersion`; Graph's default is null. */
  requestedAccessTokenVersion: number | null;
  signInAudience: string;
  readonly passwords: DirectoryPassword[];
}

export interface DirectoryDomain {
  readonly id: string;
  isDefault: boolean;
  readonly isInitial: boolean;
  readonly isVerified: boolean;
  readonly authenticationType: "Managed";
}

export interface DirectoryTenant {
  readonly id: string;
  readonly displayName: string;
  readonly domains: DirectoryDomain[];
  readonly applications: DirectoryApplication[];
  propagationDelayMs: number;
}

/** Whether and why the token endpoint accepts a secret. */
export type SecretState = "unknown" | "pending" | "expired" | "active";

export interface NewApplication {
  readonly appId: string;
  /** Default: a new GUID. */
  readonly objectId?: string;
  readonly displayName?: string;
  /** Default null (Graph's default). */
  readonly requestedAccessTokenVersion?: number | null;
}

export interface NewPassword {
  readonly displayName?: string | null;
  readonly startDateTime?: string;
  readonly endDateTime?: string;
}

export class Directory {
  private readonly tenants = new Map<string, DirectoryTenant>();

  constructor(private readonly clock: () => number) {}

  /** The tenant, created on first use with `<first 8 hex of its ID>.onmicrosoft.com` as its initial and default domain. */
  tenant(tenantId: string): DirectoryTenant {
    let tenant = this.tenants.get(tenantId);
    if (tenant === undefined) {
      const initial = `t${tenantId.replace(/-/g, "").slice(0, 8).toLowerCase()}.onmicrosoft.com`;
      tenant = {
        id: tenantId,
        displayName: `Tenant ${tenantId.slice(0, 8)}`,
        domains: [
          { id: initial, isDefault: true, isInitial: true, isVerified: true, authenticationType: "Managed" },
        ],
        applications: [],
        propagationDelayMs: 0,
      };
      this.tenants.set(tenantId, tenant);
    }
    return tenant;
  }

  knowsTenant(tenantId: string): boolean {
    return this.tenants.has(tenantId);
  }

  /**
   * Sets the tenant's domains: `initial` (`*.onmicrosoft.com`) and, when given, a verified custom
   * domain that becomes the default.
   */
  setDomains(tenantId: string, domains: { initial: string; customDefault?: string }): void {
    const tenant = this.tenant(tenantId);
    tenant.domains.length = 0;
    tenant.domains.push({
      id: domains.initial,
      isDefault: domains.customDefault === undefined,
      isInitial: true,
      isVerified: true,
      authenticationType: "Managed",
    });
    if (domains.customDefault !== undefined) {
      tenant.domains.push({
        id: domains.customDefault,
        isDefault: true,
        isInitial: false,
        isVerified: true,
        authenticationType: "Managed",
      });
    }
  }

  addApplication(tenantId: string, app: NewApplication): DirectoryApplication {
    const tenant = this.tenant(tenantId);
    if (this.applicationByAppId(tenantId, app.appId) !== undefined) {
      throw new Error(
        `directory: an application with appId ${app.appId} already exists in tenant ${tenantId}`,
      );
    }
    const created: DirectoryApplication = {
      id: app.objectId ?? randomUUID(),
      appId: app.appId,
      displayName: app.displayName ?? "Partner Center Web App",
      requestedAccessTokenVersion: app.requestedAccessTokenVersion ?? null,
      signInAudience: "AzureADMyOrg",
      passwords: [],
    };
    tenant.applications.push(created);
    return created;
  }

  application(tenantId: string, objectId: string): DirectoryApplication | undefined {
    return this.tenants
      .get(tenantId)
      ?.applications.find((a) => a.id.toLowerCase() === objectId.toLowerCase());
  }

  applicationByAppId(tenantId: string, appId: string): DirectoryApplication | undefined {
    return this.tenants
      .get(tenantId)
      ?.applications.find((a) => a.appId.toLowerCase() === appId.toLowerCase());
  }

  /** The application, created with default fields when the tenant has none with this appId. */
  ensureApplication(tenantId: string, appId: string): DirectoryApplication {
    return this.applicationByAppId(tenantId, appId) ?? this.addApplication(tenantId, { appId });
  }

  /**
   * Adds a password credential as `addPassword` does and returns it with its secret. `secret`
   * (tests only) sets the secret's value instead of a generated one; `activeAfterMs` overrides the
   * tenant's propagation delay.
   */
  addPassword(
    tenantId: string,
    objectId: string,
    request: NewPassword,
    opts: { secret?: string; activeAfterMs?: number } = {},
  ): DirectoryPassword | undefined {
    const app = this.application(tenantId, objectId);
    if (app === undefined) {
      return undefined;
    }
    const now = this.clock();
    const secret = opts.secret ?? newSecretText();
    const start = request.startDateTime ?? new Date(now).toISOString();
    const end =
      request.endDateTime ?? new Date(Date.parse(start) + DEFAULT_PASSWORD_LIFETIME_MS).toISOString();
    const password: DirectoryPassword = {
      keyId: randomUUID(),
      displayName: request.displayName ?? null,
      startDateTime: start,
      endDateTime: end,
      hint: secret.slice(0, 3),
      secret,
      activeAt: now + Math.max(0, opts.activeAfterMs ?? this.tenant(tenantId).propagationDelayMs),
    };
    // A test that re-adds the same secret value replaces it (the old helper API's behaviour).
    const same = app.passwords.findIndex((p) => p.secret === secret);
    if (same >= 0) {
      app.passwords.splice(same, 1);
    }
    app.passwords.push(password);
    return password;
  }

  /** Removes a key by ID; false when the app or the key does not exist. */
  removePassword(tenantId: string, objectId: string, keyId: string): boolean {
    const app = this.application(tenantId, objectId);
    const index = app?.passwords.findIndex((p) => p.keyId.toLowerCase() === keyId.toLowerCase()) ?? -1;
    if (app === undefined || index < 0) {
      return false;
    }
    app.passwords.splice(index, 1);
    return true;
  }

  /** Removes every key of the app with this secret value (tests). */
  removeSecret(tenantId: string, appId: string, secret: string): void {
    const app = this.applicationByAppId(tenantId, appId);
    if (app !== undefined) {
      const kept = app.passwords.filter((p) => p.secret !== secret);
      app.passwords.splice(0, app.passwords.length, ...kept);
    }
  }

  /** Entra ID catches up: every key of the tenant that is still propagating is accepted from now on. */
  settle(tenantId: string): void {
    const now = this.clock();
    const tenant = this.tenant(tenantId);
    for (const app of tenant.applications) {
      app.passwords.splice(
        0,
        app.passwords.length,
        ...app.passwords.map((p) => (p.activeAt > now ? { ...p, activeAt: now } : p)),
      );
    }
  }

  /** What the token endpoint makes of a client secret for an app, now. */
  secretState(tenantId: string, appId: string, secret: string): SecretState {
    const password = this.applicationByAppId(tenantId, appId)?.passwords.find((p) => p.secret === secret);
    if (password === undefined) {
      return "unknown";
    }
    const now = this.clock();
    if (now >= Date.parse(password.endDateTime)) {
      return "expired";
    }
    return now >= password.activeAt ? "active" : "pending";
  }

  reset(): void {
    this.tenants.clear();
  }
}

/** A secret in the shape Entra ID generates: 40 characters, the 4th to 6th `8Q~`-like. */
function newSecretText(): string {
  const body = randomBytes(40).toString("base64url").replace(/[-_]/g, "x");
  return `${body.slice(0, 3)}8Q~${body.slice(3, 37)}`;
}
