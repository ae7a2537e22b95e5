/**
 * Keys this deployment made that its Pulumi state does not hold ("untracked keys"), and which of
 * them are safe to remove. Pure logic: no Pulumi runtime, no I/O (tools/untracked-keys.ts does the
 * I/O: `pulumi stack export` and Microsoft Graph).
 *
 * How an untracked key comes to exist: a `pulumi up` killed (runner timeout, cancelled job, lost
 * agent) while Graph's `addPassword` was in flight. Entra ID made the key, but the engine never
 * recorded it: the state holds a pending CREATE operation instead, and
 * `pulumi refresh --clear-pending-creates` drops that record (pulumi/pulumi
 * pkg/cmd/pulumi/operations/refresh.go, v3.259: `filterMapPendingCreates` removes every pending
 * create). Passwords cannot be imported (their value cannot be read back), so such a key can
 * only be removed.
 *
 * A key is untracked, and removable, when all of these hold:
 * - its display name is this deployment's (`optima-csp <deploymentId> slot <a|b> window <k> …`,
 *   {@link keyDisplayName}): a hand-made key, or another deployment's, never matches;
 * - its key ID is not the key ID of any password in the state, including replaced ones waiting
 *   for their delete at the end of a run (`delete: true`), which the engine removes itself;
 * - the state has no pending operation on a password (a run is then unfinished: report, never
 *   remove, and let `pulumi refresh --clear-pending-creates` and a successful `pulumi up` settle
 *   it first).
 * The key Optima holds is never among them: the registration gets a key's value only from a
 * password whose create the state recorded (the value is that resource's output), so Optima can
 * only hold a tracked key. The stack outputs `activeKeyId` and `previousKeyId` are protected too.
 */
import { CSP_CONNECTION_TYPE } from "./cspConnection";
import { parseKeyName } from "./rotation";

/** The type token of the azuread password resource in a state. */
export const APPLICATION_PASSWORD_TYPE = "azuread:index/applicationPassword:ApplicationPassword";
/** The type token of the deployment ID (random.RandomId) in a state. */
export const RANDOM_ID_TYPE = "random:index/randomId:RandomId";

/** A password as Microsoft Graph lists it on an application (`passwordCredentials`). */
export interface GraphPassword {
  readonly keyId: string;
  readonly displayName?: string | null;
  readonly endDateTime?: string | null;
}

/** One OptimaCspConnection of a stack, as its state shows it. */
export interface TrackedDeployment {
  /** The connection's URN. */
  readonly urn: string;
  /** The 8-hex-digit deployment ID in its keys' display names. */
  readonly deploymentId: string;
  /** The Web App's object ID (from the passwords' `applicationId`, `/applications/{objectId}`). */
  readonly objectId: string;
  /** Key IDs of every password the state holds for it, replaced ones included. */
  readonly trackedKeyIds: ReadonlySet<string>;
  /** Key IDs never to remove whatever else holds (the stack outputs `activeKeyId`, `previousKeyId`). */
  readonly protectedKeyIds: ReadonlySet<string>;
  /** Pending operations on its passwords (`creating`, `deleting`, …), as `<type> <urn>`. */
  readonly pendingOperations: readonly string[];
}

export interface UntrackedKey {
  readonly keyId: string;
  readonly displayName: string;
  readonly slot: string;
  readonly window: number;
  readonly endDateTime?: string;
}

interface StateResource {
  readonly urn: string;
  readonly type: string;
  readonly parent?: string;
  readonly delete?: boolean;
  readonly outputs?: Record<string, unknown>;
}

interface StateExport {
  readonly deployment?: {
    readonly resources?: readonly StateResource[];
    readonly pending_operations?: readonly { readonly type: string; readonly resource: StateResource }[];
  };
}

const OBJECT_ID_OF = /^\/applications\/([0-9a-fA-F-]{36})$/;
const HEX8 = /^[0-9a-f]{8}$/;

/** Reads a plain (non-secret) string output; a secret output in an export is an object, never a string. */
function plain(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/**
 * The deployments a `pulumi stack export` (JSON text or parsed) holds: one per OptimaCspConnection
 * with a deployment ID and at least one password. Throws when the text is not a stack export.
 */
export function trackedDeployments(exported: string | unknown): TrackedDeployment[] {
  const state = (typeof exported === "string" ? JSON.parse(exported) : exported) as StateExport;
  if (!state || typeof state !== "object" || !state.deployment) {
    throw new Error("not a `pulumi stack export` document: it has no `deployment`");
  }
  const resources = state.deployment.resources ?? [];
  const pending = state.deployment.pending_operations ?? [];
  const stackOutputs = resources.find((r) => r.type === "pulumi:pulumi:Stack")?.outputs ?? {};
  const protectedKeyIds = new Set(
    [plain(stackOutputs.activeKeyId), plain(stackOutputs.previousKeyId)].filter(
      (v): v is string => v !== undefined,
    ),
  );
  const found: TrackedDeployment[] = [];
  for (const connection of resources.filter((r) => r.type === CSP_CONNECTION_TYPE && !r.delete)) {
    const children = resources.filter((r) => r.parent === connection.urn);
    const deploymentId = plain(children.find((r) => r.type === RANDOM_ID_TYPE && !r.delete)?.outputs?.hex);
    const passwords = children.filter((r) => r.type === APPLICATION_PASSWORD_TYPE);
    const objectIds = new Set(
      passwords
        .map((p) => OBJECT_ID_OF.exec(plain(p.outputs?.applicationId) ?? "")?.[1]?.toLowerCase())
        .filter((v): v is string => v !== undefined),
    );
    if (deploymentId === undefined || !HEX8.test(deploymentId) || objectIds.size !== 1) {
      continue; // not deployed far enough to have keys, or a shape this tool does not know: touch nothing
    }
    found.push({
      urn: connection.urn,
      deploymentId,
      objectId: [...objectIds][0],
      trackedKeyIds: new Set(
        passwords.map((p) => plain(p.outputs?.keyId)?.toLowerCase()).filter((v): v is string => !!v),
      ),
      protectedKeyIds: new Set([...protectedKeyIds].map((k) => k.toLowerCase())),
      pendingOperations: pending
        .filter(
          (op) => op.resource.parent === connection.urn && op.resource.type === APPLICATION_PASSWORD_TYPE,
        )
        .map((op) => `${op.type} ${op.resource.urn}`),
    });
  }
  return found;
}

/** The slot and window a display name of this deployment names, or undefined when it is not one of its keys. */
export function parseKeyDisplayName(
  displayName: string | null | undefined,
  deploymentId: string,
): { slot: string; window: number } | undefined {
  const parts = parseKeyName(displayName);
  if (!parts || parts.deploymentId !== deploymentId) {
    return undefined;
  }
  return { slot: parts.slot, window: parts.window };
}

/** The Web App's keys that this deployment made and its state does not hold (see the module comment). */
export function untrackedKeys(deployment: TrackedDeployment, keys: readonly GraphPassword[]): UntrackedKey[] {
  const out: UntrackedKey[] = [];
  for (const key of keys) {
    const named = parseKeyDisplayName(key.displayName, deployment.deploymentId);
    const id = key.keyId.toLowerCase();
    if (!named || deployment.trackedKeyIds.has(id) || deployment.protectedKeyIds.has(id)) {
      continue;
    }
    out.push({
      keyId: key.keyId,
      displayName: key.displayName ?? "",
      ...named,
      ...(key.endDateTime ? { endDateTime: key.endDateTime } : {}),
    });
  }
  return out;
}

/** Why untracked keys must not be removed now, or undefined when they may. */
export function removalBlocker(deployment: TrackedDeployment): string | undefined {
  if (deployment.pendingOperations.length > 0) {
    return (
      `the state has ${deployment.pendingOperations.length} pending operation(s) on keys (${deployment.pendingOperations.join(", ")}): ` +
      "a run was interrupted. Run `pulumi refresh --clear-pending-creates --yes` and a successful `pulumi up --refresh --yes` first."
    );
  }
  return undefined;
}
