/**
 * A `pulumi stack export` of one OptimaCspConnection, shaped like the engine's (the resource
 * types, parents, URNs and outputs tests/engine/*.test.ts see in real exports), for the tests of
 * `optima-csp untracked-keys` that run without an engine (in process and from the package); the
 * deployment they share: its tenant, Web App, deployment ID and each window's key; and that Web App
 * put in the emulator's simulated directory ({@link seedWebApp}).
 */
import { CSP_CONNECTION_TYPE } from "../../components/azure/connectionType";
import { keyDisplayName, slotForWindow } from "../../components/azure/rotation";
import {
  APPLICATION_PASSWORD_TYPE,
  RANDOM_ID_TYPE,
  REGISTRATION_TYPE,
} from "../../components/azure/untrackedKeys";
import type { Emulator } from "../../tools/emulator";

export const TENANT = "9a8b7c6d-1111-4222-8333-444455556666";
export const CLIENT_ID = "0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f";
export const OBJECT_ID = "6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8";
/** The deployment ID in its keys' display names. */
export const ID = "9a59314f";
const DAY = 86_400_000;
const ANCHOR = Date.parse("2026-01-01T00:00:00Z");

/** When window `k`'s key ends. */
export const endOf = (k: number): string =>
  new Date(ANCHOR + (k + 3) * DAY).toISOString().replace(".000Z", "Z");

/** The display name the rotation gives window `k`'s key (deployment `id`). */
export const nameOf = (k: number, id = ID): string =>
  keyDisplayName(
    { slot: slotForWindow(k), window: k, endDate: endOf(k), windowStartsAt: "", rotateWhenChanged: {} },
    id,
  );

export interface StatePassword {
  readonly slot: "a" | "b";
  readonly keyId: string;
  readonly displayName: string;
  readonly window: number;
  /** A replaced password waiting for its delete at the end of a run. */
  readonly delete?: boolean;
}

/** Window `k`'s password in the state, with key `keyId` (and `extra`). */
export function statePassword(keyId: string, k: number, extra: Partial<StatePassword> = {}): StatePassword {
  return { slot: slotForWindow(k), keyId, displayName: nameOf(k), window: k, ...extra };
}

export interface StateSpec {
  readonly stack?: string;
  /** Default {@link ID}, the shared deployment's (likewise its Web App's object and client IDs). */
  readonly deploymentId?: string;
  readonly objectId?: string;
  readonly clientId?: string;
  readonly passwords: readonly StatePassword[];
  /** The registration's keyId (the key Optima holds); null: a registration without one. */
  readonly registrationKeyId?: string | null;
  /** Stack outputs besides webAppClientId. */
  readonly outputs?: Record<string, string>;
  readonly pendingCreate?: "a" | "b";
}

export function stateExport(partial: StateSpec): Record<string, unknown> {
  const spec = { deploymentId: ID, objectId: OBJECT_ID, clientId: CLIENT_ID, ...partial };
  const stack = spec.stack ?? "prod";
  const urn = (type: string, name: string): string => `urn:pulumi:${stack}::optima-csp::${type}::${name}`;
  const conn = urn(CSP_CONNECTION_TYPE, "optima-csp");
  const child = (type: string, name: string): string => urn(`${CSP_CONNECTION_TYPE}$${type}`, name);
  const password = (p: StatePassword) => ({
    urn: child(APPLICATION_PASSWORD_TYPE, `optima-csp-key-${p.slot}`),
    type: APPLICATION_PASSWORD_TYPE,
    parent: conn,
    ...(p.delete ? { delete: true } : {}),
    outputs: {
      applicationId: `/applications/${spec.objectId}`,
      displayName: p.displayName,
      keyId: p.keyId,
      rotateWhenChanged: { window: String(p.window), windowStartsAt: "2026-01-01T00:00:00Z" },
      value: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:x" },
    },
  });
  return {
    version: 3,
    deployment: {
      manifest: { time: "2026-03-02T03:00:00Z" },
      resources: [
        {
          urn: urn("pulumi:pulumi:Stack", `optima-csp-${stack}`),
          type: "pulumi:pulumi:Stack",
          outputs: { webAppClientId: spec.clientId, ...spec.outputs },
        },
        { urn: conn, type: CSP_CONNECTION_TYPE, parent: urn("pulumi:pulumi:Stack", `optima-csp-${stack}`) },
        {
          urn: child(RANDOM_ID_TYPE, "optima-csp-deployment-id"),
          type: RANDOM_ID_TYPE,
          parent: conn,
          outputs: { hex: spec.deploymentId, byteLength: 4 },
        },
        ...spec.passwords.map(password),
        {
          urn: child(REGISTRATION_TYPE, "optima-csp-registration"),
          type: REGISTRATION_TYPE,
          parent: conn,
          outputs: {
            applicationId: spec.clientId,
            ...(spec.registrationKeyId === null
              ? {}
              : { keyId: spec.registrationKeyId ?? activeKeyId(spec.passwords) }),
          },
        },
      ],
      pending_operations: spec.pendingCreate
        ? [
            {
              type: "creating",
              resource: {
                urn: child(APPLICATION_PASSWORD_TYPE, `optima-csp-key-${spec.pendingCreate}`),
                type: APPLICATION_PASSWORD_TYPE,
                parent: conn,
              },
            },
          ]
        : [],
    },
  };
}

/** The shared deployment at window 60: passwords for windows 59 and 60 (these keys), Optima holding 60's. */
export function stateAtWindow60(
  k59: string,
  k60: string,
  spec: Partial<StateSpec> = {},
): Record<string, unknown> {
  return stateExport({
    passwords: [statePassword(k59, 59), statePassword(k60, 60)],
    outputs: { activeKeyId: k60, previousKeyId: k59, optimaKeyId: k60 },
    ...spec,
  });
}

/** The live password of the newest window: the key a completed hand-off gave Optima. */
export function activeKeyId(passwords: readonly StatePassword[]): string | undefined {
  return [...passwords].filter((p) => !p.delete).sort((x, y) => y.window - x.window)[0]?.keyId;
}

/** A Web App in the emulator's simulated directory: its tenant, client ID and object ID. */
export interface WebAppIds {
  readonly tenant: string;
  readonly clientId: string;
  readonly objectId: string;
}

/** The shared deployment's Web App. */
export const WEB_APP: WebAppIds = { tenant: TENANT, clientId: CLIENT_ID, objectId: OBJECT_ID };

/** A key of the Web App: its display name (null: none) and the window at whose end it expires. */
export interface SeedKey {
  readonly name: string | null;
  readonly window: number;
}

export interface SeededWebApp {
  /** The keys added, in the order given: each one's ID and value. */
  readonly keys: readonly { readonly keyId: string; readonly secret: string }[];
  /** A Graph token for the Web App's tenant with the role `untracked-keys --remove` needs. */
  readonly token: string;
  /** The IDs of the keys the Web App holds now, in the directory's order. */
  readonly keyIds: () => string[];
}

/** Adds the Web App `app` to the emulator's directory with one key per entry of `keys`. */
export function seedWebApp(
  emulator: Emulator,
  keys: readonly SeedKey[],
  app: WebAppIds = WEB_APP,
): SeededWebApp {
  const directory = emulator.entra.directory;
  directory.addApplication(app.tenant, { appId: app.clientId, objectId: app.objectId });
  const added = keys.map((k) => {
    const password = directory.addPassword(app.tenant, app.objectId, {
      displayName: k.name,
      endDateTime: endOf(k.window),
    })!;
    return { keyId: password.keyId, secret: password.secret };
  });
  return {
    keys: added,
    token: emulator.entra.graphToken({ tenantId: app.tenant, roles: ["Application.ReadWrite.OwnedBy"] }),
    keyIds: () => (directory.application(app.tenant, app.objectId)?.passwords ?? []).map((p) => p.keyId),
  };
}
