/**
 * The simulated world the engine scenarios run the stack program against: one emulator (Optima,
 * Entra ID's token endpoint and directory through Graph, one clock), seeded with a partner tenant
 * and its Partner Center Web App, and the stack config that points the real program at it.
 *
 * Assertions read this world, never the program: which keys the Web App has, which one Optima
 * holds, whether Entra ID accepts it.
 */
import {
  DEFAULT_REFRESH_TOKEN,
  startEmulator,
  type Emulator,
  type DirectoryPassword,
} from "../../../tools/emulator";
import { CLIENT_ID, DOMAIN, MPN, ORG, TENANT } from "../partner";
import { EngineWorkspace, type CommandResult, type PulumiCli } from "./workspace";

// The partner of the tests (../partner): its tenant, Web App, Optima org, MPN ID and domain.
export { CLIENT_ID, DOMAIN, MPN, ORG, TENANT };
/** The Web App's Object ID in the simulated directory. */
export const OBJECT_ID = "6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8";
/** Windows count from here; with rotateAfterDays 1 a window is a day. */
export const ANCHOR = "2026-01-01T00:00:00Z";

export interface WorldOptions {
  /** The Web App's `api.requestedAccessTokenVersion` (Graph's default is null). */
  readonly requestedAccessTokenVersion?: number | null;
}

export class World {
  private constructor(
    readonly emulator: Emulator,
    readonly cli: PulumiCli,
  ) {}

  static async start(cli: PulumiCli, options: WorldOptions = {}): Promise<World> {
    const emulator = await startEmulator();
    const world = new World(emulator, cli);
    world.seed(options);
    return world;
  }

  /** An empty Optima and a tenant with the Web App and no key. */
  seed(options: WorldOptions = {}): void {
    this.emulator.reset();
    const directory = this.emulator.entra.directory;
    directory.setDomains(TENANT, { initial: DOMAIN });
    directory.addApplication(TENANT, {
      appId: CLIENT_ID,
      objectId: OBJECT_ID,
      displayName: "Contoso Partner Center Web App",
      requestedAccessTokenVersion: options.requestedAccessTokenVersion ?? null,
    });
  }

  /** A workspace whose doubles are signed in to the tenant. */
  workspace(
    opts: { projectSource?: string; roles?: readonly string[]; stack?: string } = {},
  ): EngineWorkspace {
    return new EngineWorkspace({
      cli: this.cli,
      graphUrl: this.emulator.entra.graphUrl,
      graphToken: this.emulator.entra.graphToken({ tenantId: TENANT, roles: opts.roles }),
      projectSource: opts.projectSource,
      stack: opts.stack,
    });
  }

  /** The stack config of a csp-partner deployment with short periods (keys live 3 days, rotate daily). */
  config(overrides: Record<string, string> = {}): {
    plain: Record<string, string>;
    secret: Record<string, string>;
  } {
    const e = this.emulator;
    return {
      plain: {
        "optima-csp:webAppClientId": CLIENT_ID,
        "optima-csp:optimaOrgId": ORG,
        "optima-csp:mpnId": MPN,
        "optima-csp:keyExpiresAfterDays": "3",
        "optima-csp:rotateAfterDays": "1",
        "optima-csp:rotationAnchor": ANCHOR,
        "optima-csp:verifyTimeoutSeconds": "20",
        "optima-csp:verifyAuthorityHost": e.entra.authorityHost,
        "optima:apiUrl": e.apiUrl,
        "optima:flexeraApiUrl": e.flexeraApiUrl,
        "optima:authUrl": e.authUrl,
        ...overrides,
      },
      secret: { "optima:refreshToken": DEFAULT_REFRESH_TOKEN },
    };
  }

  /** The Web App's keys, as Graph holds them. */
  keys(): readonly DirectoryPassword[] {
    return this.emulator.entra.directory.application(TENANT, OBJECT_ID)?.passwords ?? [];
  }

  /** The key Optima holds (csp-partner), or undefined when there is no registration. */
  heldSecret(): string | undefined {
    const partners = this.emulator.cspPartners(ORG);
    if (partners.length > 1) {
      throw new Error(`Optima holds ${partners.length} registrations for org ${ORG}; expected at most one`);
    }
    return partners[0]?.application_secret;
  }

  /** The Web App key Optima holds, or undefined when Optima holds none or a value no key has. */
  heldKey(): DirectoryPassword | undefined {
    const held = this.heldSecret();
    return this.keys().find((k) => k.secret === held);
  }

  /** Whether Entra ID issues a token for the key Optima holds, now. */
  heldKeyWorks(): boolean {
    const held = this.heldSecret();
    return held !== undefined && this.emulator.entra.isValid(TENANT, CLIENT_ID, held);
  }

  /** Every secret the world knows: no `pulumi stack export` may contain one in plain text. */
  secrets(): string[] {
    return [
      DEFAULT_REFRESH_TOKEN,
      ...this.keys().map((k) => k.secret),
      ...this.emulator.cspPartners(ORG).map((p) => p.application_secret),
    ];
  }

  close(): Promise<void> {
    return this.emulator.close();
  }
}

export type { CommandResult };
