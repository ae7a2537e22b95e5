/**
 * Which Partner Center Web App keys `optima-csp untracked-keys` may remove, and when it must
 * refuse. Pure: a `pulumi stack export` and Microsoft Graph's answer in, a plan out; no Pulumi
 * runtime, no I/O (components/untracked does the I/O: the state, Graph, the output).
 *
 * How an untracked key comes to exist: a `pulumi up` killed (runner timeout, cancelled job, lost
 * agent) while Graph's `addPassword` was in flight. Entra ID made the key, but the engine never
 * recorded it: the state holds a pending CREATE instead, and
 * `pulumi refresh --clear-pending-creates` drops that record (pulumi/pulumi
 * pkg/cmd/pulumi/operations/refresh.go, v3.259: `filterMapPendingCreates`). Passwords cannot be
 * imported (their value cannot be read back), so such a key can only be removed.
 *
 * A tool that deletes must prove two things, and refuses to act on anything it cannot prove.
 *
 * 1. The key is this deployment's: its display name is exactly what {@link keyDisplayName}
 *    writes (`optima-csp <deploymentId> slot <a|b> window <k> (expires <YYYY-MM-DD>)`, nothing
 *    before or after), with this deployment's ID, the slot the window's parity gives, and the
 *    date of the key's own `endDateTime`. Anything else is a person's key (or another
 *    deployment's) and is never removed, however much it looks like ours.
 * 2. The key is superseded, by a state that is current. Refused (nothing removed) when:
 *    - the state has pending operations on keys (a run is unfinished);
 *    - a key of this deployment is newer than every window the state knows (a run the state
 *      does not show has rotated: the export is older than Graph);
 *    - a key the state holds as live (a password, or the key a registration holds) is missing
 *      from Graph, or Graph names it differently (another deployment ID, slot or window);
 *    - the Web App Graph shows is not the state's (client ID), or the state is another stack's
 *      (its URNs name a stack other than the one asked for: a copied stack);
 *    - a registration in the state (the partnership's, or a CSP customer's bill connect) does
 *      not show which key Optima holds (`keyId`);
 *    - a connection's deployment ID or Web App is not readable, or its keys name two Web Apps
 *      ({@link readExport}), or another connection of the same export is refused (one export is
 *      one snapshot: components/untracked plans every connection before removing anything).
 *    Never removed, even from a current state: a key ID the state mentions anywhere (every
 *    password, replaced ones included, the registration's `keyId`, the stack outputs
 *    `optimaKeyId`, `activeKeyId`, `previousKeyId`), and a key whose window is the state's
 *    current or previous one (a run under way may be handing it to Optima; it becomes removable
 *    two windows later, while still valid).
 */
import { isGuid } from "../formats";
import { CSP_CONNECTION_TYPE } from "./connectionType";
import { keyDisplayName, slotForWindow, type SlotName } from "./rotation";

/** The type token of the azuread password resource in a state. */
export const APPLICATION_PASSWORD_TYPE = "azuread:index/applicationPassword:ApplicationPassword";
/** The type token of the deployment ID (random.RandomId) in a state. */
export const RANDOM_ID_TYPE = "random:index/randomId:RandomId";
/** The type token of OptimaRegistration (components/optima/provider.ts). */
export const REGISTRATION_TYPE = "pulumi-nodejs:dynamic/optima-csp:Registration";

/** Stack outputs that name a key someone relies on (index.ts). */
export const HELD_KEY_OUTPUTS = ["optimaKeyId", "activeKeyId", "previousKeyId"] as const;

/** A password as Microsoft Graph lists it on an application (`passwordCredentials`), checked. */
export interface GraphPassword {
  readonly keyId: string;
  readonly displayName: string | null;
  readonly endDateTime: string | null;
}

/** The application as Graph answered, checked (components/untracked/graph.ts). */
export interface GraphApplication {
  readonly id: string;
  readonly appId?: string;
  readonly passwords: readonly GraphPassword[];
}

/** A key the state holds, with the slot and window its recorded display name names. */
export interface StateKey {
  readonly keyId: string;
  readonly displayName?: string;
  readonly window?: number;
}

/** One OptimaCspConnection of a stack, as its state shows it. */
export interface DeploymentState {
  /** The connection's URN. */
  readonly urn: string;
  /** The stack its URN names. */
  readonly stack: string;
  /** The 8-hex-digit deployment ID in its keys' display names. */
  readonly deploymentId: string;
  /** The Web App's object ID (the passwords' `applicationId`, `/applications/{objectId}`). */
  readonly objectId: string;
  /** The Web App's client ID, when the state records it (the registration, or `webAppClientId`). */
  readonly clientId?: string;
  /** Passwords the state holds as live (not replaced). */
  readonly liveKeys: readonly StateKey[];
  /** Every window the state's passwords name, replaced ones included. */
  readonly windows: readonly number[];
  /** Keys someone relies on, with who: `the registration (the key Optima holds)`, `output activeKeyId`. */
  readonly heldKeys: readonly { readonly keyId: string; readonly by: string }[];
  /** Every GUID the export mentions anywhere (lower case): never removed. */
  readonly mentioned: ReadonlySet<string>;
  /** Pending operations on its passwords, as `<type> <name>`. */
  readonly pendingOperations: readonly string[];
  /** What in the state itself stops any removal (e.g. a registration without `keyId`). */
  readonly stateProblems: readonly string[];
}

interface StateResource {
  readonly urn?: unknown;
  readonly type?: unknown;
  readonly parent?: unknown;
  readonly delete?: unknown;
  readonly outputs?: Record<string, unknown>;
}

/** A stack export that is not one, or a shape this tool does not know: nothing is removed. */
export class StateExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StateExportError";
  }
}

const OBJECT_ID_OF = /^\/applications\/([0-9a-fA-F-]{36})$/;
const HEX8 = /^[0-9a-f]{8}$/;
/** `urn:pulumi:<stack>::<project>::<type>::<name>` (pulumi/pulumi sdk/go/common/resource/urn.go). */
const URN = /^urn:pulumi:([^:]+)::([^:]*)::(.*)::([^:]*)$/;
/** The exact grammar of {@link keyDisplayName}; {@link parseKeyDisplayName} also round-trips it. */
const DISPLAY_NAME =
  /^optima-csp ([0-9a-f]{8}) slot ([ab]) window (0|[1-9][0-9]{0,8}) \(expires (\d{4}-\d{2}-\d{2})\)$/;

/** Reads a plain (non-secret) string; a secret in an export is an object, never a string. */
function plain(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The stack a URN names, or undefined when it is not a URN. */
export function stackOfUrn(urn: string): string | undefined {
  return URN.exec(urn)?.[1];
}

/** The short name of a stack as `--stack` takes it (`org/project/stack`, `project/stack`, `stack`). */
export function shortStackName(stack: string): string {
  return stack.split("/").pop() ?? stack;
}

/**
 * The slot, window and expiry date a display name of this deployment names, or undefined when it
 * is not exactly what {@link keyDisplayName} writes for `deploymentId` (a person's key, another
 * deployment's, or a look-alike).
 */
export function parseKeyDisplayName(
  displayName: string | null | undefined,
  deploymentId: string,
): { slot: SlotName; window: number; expires: string } | undefined {
  const m = DISPLAY_NAME.exec(displayName ?? "");
  if (!m || m[1] !== deploymentId) {
    return undefined;
  }
  const slot = m[2] as SlotName;
  const window = Number(m[3]);
  const expires = m[4];
  const day = Date.parse(`${expires}T00:00:00Z`);
  if (
    slotForWindow(window) !== slot ||
    !Number.isFinite(day) ||
    new Date(day).toISOString().slice(0, 10) !== expires
  ) {
    return undefined;
  }
  const written = keyDisplayName(
    { slot, window, endDate: `${expires}T00:00:00Z`, windowStartsAt: "", rotateWhenChanged: {} },
    deploymentId,
  );
  return written === displayName ? { slot, window, expires } : undefined;
}

/** Every GUID string anywhere in a parsed document, lower case. */
function guidsIn(node: unknown, into: Set<string>, depth = 0): Set<string> {
  if (depth > 64) {
    return into;
  }
  if (typeof node === "string") {
    if (isGuid(node)) {
      into.add(node.toLowerCase());
    }
  } else if (Array.isArray(node)) {
    for (const item of node) {
      guidsIn(item, into, depth + 1);
    }
  } else if (typeof node === "object" && node !== null) {
    for (const value of Object.values(node)) {
      guidsIn(value, into, depth + 1);
    }
  }
  return into;
}

function windowOf(outputs: Record<string, unknown> | undefined, deploymentId: string): number | undefined {
  const named = parseKeyDisplayName(plain(outputs?.displayName), deploymentId);
  if (named) {
    return named.window;
  }
  const recorded = plain((outputs?.rotateWhenChanged as Record<string, unknown> | undefined)?.window);
  return recorded !== undefined && /^\d{1,9}$/.test(recorded) ? Number(recorded) : undefined;
}

/**
 * The deployments a `pulumi stack export` (JSON text or parsed) holds: one per OptimaCspConnection
 * with a deployment ID and at least one password. Throws a {@link StateExportError} when the
 * text is not a stack export. Connections it cannot read are left out: {@link readExport} names them.
 */
export function readDeployments(exported: string | unknown): DeploymentState[] {
  return readExport(exported).deployments;
}

/** What a stack export holds: the deployments, and the connections that cannot be read. */
export interface ExportContents {
  readonly deployments: DeploymentState[];
  /**
   * Connections with keys (or a key being created) whose deployment ID or Web App the export does
   * not show readably, each as `<name>: <why>`. Nothing may be removed while any is listed: this
   * tool cannot tell their keys from untracked ones ("could not check" is never "nothing to do").
   */
  readonly unreadable: readonly string[];
}

/** {@link readDeployments}, with the connections that cannot be read. */
export function readExport(exported: string | unknown): ExportContents {
  let state: unknown = exported;
  if (typeof exported === "string") {
    try {
      state = JSON.parse(exported);
    } catch {
      throw new StateExportError("it is not JSON: give the output of `pulumi stack export`");
    }
  }
  const deployment = (state as { deployment?: unknown } | null)?.deployment;
  if (typeof deployment !== "object" || deployment === null) {
    throw new StateExportError("it has no `deployment`: give the output of `pulumi stack export`");
  }
  const { resources: rawResources, pending_operations: rawPending } = deployment as {
    resources?: unknown;
    pending_operations?: unknown;
  };
  if (
    (rawResources !== undefined && !Array.isArray(rawResources)) ||
    (rawPending !== undefined && !Array.isArray(rawPending))
  ) {
    throw new StateExportError("its `deployment` is not the shape `pulumi stack export` writes");
  }
  const resources = ((rawResources ?? []) as unknown[]).filter(
    (r): r is StateResource =>
      typeof r === "object" && r !== null && typeof (r as StateResource).urn === "string",
  );
  const pending = ((rawPending ?? []) as unknown[]).map(
    (op) => (typeof op === "object" && op !== null ? op : {}) as { type?: unknown; resource?: StateResource },
  );
  const mentioned = guidsIn(state, new Set<string>());
  const stackOutputs = resources.find((r) => r.type === "pulumi:pulumi:Stack" && !r.delete)?.outputs ?? {};

  const found: DeploymentState[] = [];
  const unreadable: string[] = [];
  for (const connection of resources.filter((r) => r.type === CSP_CONNECTION_TYPE && !r.delete)) {
    const urn = connection.urn as string;
    const children = resources.filter((r) => r.parent === urn);
    const deploymentId = plain(children.find((r) => r.type === RANDOM_ID_TYPE && !r.delete)?.outputs?.hex);
    const passwords = children.filter((r) => r.type === APPLICATION_PASSWORD_TYPE);
    const objectIds = new Set(
      passwords
        .map((p) => OBJECT_ID_OF.exec(plain(p.outputs?.applicationId) ?? "")?.[1]?.toLowerCase())
        .filter((v): v is string => v !== undefined),
    );
    const pendingKeys = pending.filter(
      (op) => op.resource?.parent === urn && op.resource?.type === APPLICATION_PASSWORD_TYPE,
    );
    if (deploymentId === undefined || !HEX8.test(deploymentId) || objectIds.size !== 1) {
      // Not deployed far enough to have keys (nothing to do), or keys this tool cannot read (refused).
      if (passwords.length > 0 || pendingKeys.length > 0) {
        const name = URN.exec(urn)?.[4] ?? urn;
        unreadable.push(
          `the connection ${name} ${
            deploymentId === undefined || !HEX8.test(deploymentId)
              ? "has keys but no readable deployment ID (its RandomId hex)"
              : objectIds.size === 0
                ? passwords.length === 0
                  ? `has no key in the state but ${pendingKeys.length} pending operation(s) on keys: a run was interrupted before any key reached the state`
                  : "has keys whose Web App (applicationId) is not readable"
                : `has keys on ${objectIds.size} different Web Apps (a changed webAppClientId whose old key awaits deletion?)`
          }`,
        );
      }
      continue;
    }
    const stateProblems: string[] = [];
    const heldKeys: { keyId: string; by: string }[] = [];
    const clientIds = new Set<string>();
    for (const registration of children.filter((r) => r.type === REGISTRATION_TYPE)) {
      const keyId = plain(registration.outputs?.keyId);
      const name = URN.exec(registration.urn as string)?.[4] ?? "registration";
      if (keyId === undefined || !isGuid(keyId)) {
        stateProblems.push(
          `the registration ${name} does not show which key Optima holds (no readable keyId): ` +
            "run `pulumi up --refresh --yes` with this version of optima-csp first",
        );
      } else {
        heldKeys.push({ keyId: keyId.toLowerCase(), by: `the registration ${name} (the key Optima holds)` });
      }
      const clientId = plain(registration.outputs?.applicationId);
      if (clientId !== undefined && isGuid(clientId) && !registration.delete) {
        clientIds.add(clientId.toLowerCase());
      }
    }
    for (const output of HELD_KEY_OUTPUTS) {
      const keyId = plain(stackOutputs[output]);
      if (keyId !== undefined && isGuid(keyId)) {
        heldKeys.push({ keyId: keyId.toLowerCase(), by: `the stack output ${output}` });
      }
    }
    const outputClientId = plain(stackOutputs.webAppClientId);
    if (outputClientId !== undefined && isGuid(outputClientId)) {
      clientIds.add(outputClientId.toLowerCase());
    }
    if (clientIds.size > 1) {
      stateProblems.push(`the state names ${clientIds.size} different Web App client IDs`);
    }
    const keyOf = (p: StateResource): StateKey | undefined => {
      const keyId = plain(p.outputs?.keyId);
      if (keyId === undefined || !isGuid(keyId)) {
        return undefined;
      }
      const displayName = plain(p.outputs?.displayName);
      const window = windowOf(p.outputs, deploymentId);
      return {
        keyId: keyId.toLowerCase(),
        ...(displayName !== undefined ? { displayName } : {}),
        ...(window !== undefined ? { window } : {}),
      };
    };
    const liveKeys = passwords.filter((p) => !p.delete).flatMap((p) => keyOf(p) ?? []);
    const windows = passwords
      .map((p) => windowOf(p.outputs, deploymentId))
      .filter((w): w is number => w !== undefined);
    if (liveKeys.length === 0 || windows.length === 0) {
      stateProblems.push("the state holds no live key of this deployment with a readable window");
    }
    found.push({
      urn,
      stack: stackOfUrn(urn) ?? "",
      deploymentId,
      objectId: [...objectIds][0],
      ...(clientIds.size === 1 ? { clientId: [...clientIds][0] } : {}),
      liveKeys,
      windows,
      heldKeys,
      mentioned,
      pendingOperations: pendingKeys.map(
        (op) => `${String(op.type)} ${URN.exec(String(op.resource?.urn))?.[4] ?? "?"}`,
      ),
      stateProblems,
    });
  }
  return { deployments: found, unreadable };
}

/** One key of the Web App that the plan speaks of. */
export interface PlannedKey {
  readonly keyId: string;
  readonly displayName: string | null;
  /** Why it is removed or kept, in words. */
  readonly reason: string;
}

export interface RemovalPlan {
  /** Why nothing may be removed (the state is not current, or not this Web App's): exit 2. */
  readonly refusals: readonly string[];
  /** What to do about the refusals. */
  readonly remedy?: string;
  /** Keys `--remove` removes (empty when refused). */
  readonly remove: readonly PlannedKey[];
  /** Keys that look like ours but are left alone, and why. */
  readonly kept: readonly PlannedKey[];
}

/** What a refused run should do next. */
export const REFUSAL_REMEDY =
  "Nothing was removed. Run the rotation first (`pulumi refresh --clear-pending-creates --yes`, then " +
  "`pulumi up --refresh --yes` on this stack), then run untracked-keys again with --stack (never an old " +
  "export). If it still refuses, check that --stack names the stack that manages this Web App.";

/**
 * What `--remove` does for one deployment, given what Graph shows (see the module comment). The
 * dry run prints this same plan. `askedStack` is the stack name `--stack` gave, if any.
 */
export function planRemoval(
  deployment: DeploymentState,
  app: GraphApplication,
  askedStack?: string,
): RemovalPlan {
  const refusals: string[] = [...deployment.stateProblems];
  const id = deployment.deploymentId;
  if (deployment.pendingOperations.length > 0) {
    refusals.push(
      `the state has ${deployment.pendingOperations.length} pending operation(s) on keys ` +
        `(${deployment.pendingOperations.join(", ")}): a run was interrupted`,
    );
  }
  if (askedStack !== undefined && deployment.stack !== shortStackName(askedStack)) {
    refusals.push(
      `the state is stack ${deployment.stack}'s (its URNs say so), not ${shortStackName(askedStack)}'s: ` +
        "a copied stack shares the deployment ID and keys of the stack it was copied from",
    );
  }
  if (deployment.clientId !== undefined && app.appId?.toLowerCase() !== deployment.clientId) {
    refusals.push(
      `the Web App in Graph has client ID ${app.appId ?? "(none)"}, the state's has ${deployment.clientId}`,
    );
  }
  const onGraph = new Map(app.passwords.map((p) => [p.keyId.toLowerCase(), p]));
  for (const key of deployment.liveKeys) {
    const there = onGraph.get(key.keyId);
    if (there === undefined) {
      refusals.push(
        `the state's key ${key.keyId} is not on the Web App: the state is older than the Web App's keys`,
      );
    } else if (key.displayName !== undefined && there.displayName !== key.displayName) {
      refusals.push(
        `the state's key ${key.keyId} is named ${JSON.stringify(key.displayName)} in the state but ` +
          `${JSON.stringify(there.displayName)} in Graph: the state is not this deployment's`,
      );
    }
  }
  for (const held of deployment.heldKeys) {
    if (!onGraph.has(held.keyId)) {
      refusals.push(`${held.by} names key ${held.keyId}, which is not on the Web App`);
    }
  }
  const newest = Math.max(...deployment.windows);
  const current = Math.max(...deployment.liveKeys.map((k) => k.window ?? -Infinity));
  const held = new Map(deployment.heldKeys.map((h) => [h.keyId, h.by]));

  const remove: PlannedKey[] = [];
  const kept: PlannedKey[] = [];
  for (const key of app.passwords) {
    const keyId = key.keyId.toLowerCase();
    const named = parseKeyDisplayName(key.displayName, id);
    const endDate = key.endDateTime === null ? undefined : Date.parse(key.endDateTime);
    const ours =
      named !== undefined &&
      endDate !== undefined &&
      Number.isFinite(endDate) &&
      new Date(endDate).toISOString().slice(0, 10) === named.expires;
    if (!ours) {
      if (key.displayName?.startsWith(`optima-csp ${id}`) && !deployment.mentioned.has(keyId)) {
        kept.push({
          keyId: key.keyId,
          displayName: key.displayName,
          reason: "a person's key: its name or expiry is not exactly what optima-csp writes",
        });
      }
      continue;
    }
    if (held.has(keyId) || deployment.mentioned.has(keyId)) {
      continue; // tracked: the engine manages it
    }
    if (named.window > newest) {
      refusals.push(
        `key ${key.keyId} (window ${named.window}) is newer than every window in the state (newest ${newest}): ` +
          "a run the state does not show has rotated the keys",
      );
      continue;
    }
    if (named.window >= current - 1) {
      kept.push({
        keyId: key.keyId,
        displayName: key.displayName,
        reason:
          `window ${named.window} is the state's ${named.window === current ? "current" : "previous"} window ` +
          `(a run under way may be handing it to Optima); removable from window ${named.window + 2} on`,
      });
      continue;
    }
    remove.push({
      keyId: key.keyId,
      displayName: key.displayName,
      reason: `this deployment's window ${named.window} key, which the state does not hold (current window ${current})`,
    });
  }
  return refusals.length === 0 ? { refusals, remove, kept } : withRefusals({ refusals, remove, kept }, []);
}

/**
 * A plan with `refusals` added: nothing removed, what it would have removed kept and listed. One
 * export is one snapshot: when any connection in it is refused, every other one is refused too
 * (`untracked-keys` plans every connection before it removes anything).
 */
export function withRefusals(plan: RemovalPlan, refusals: readonly string[]): RemovalPlan {
  const notNow = plan.remove.map((k) => ({ ...k, reason: `not removed while refused: ${k.reason}` }));
  return {
    refusals: [...plan.refusals, ...refusals],
    remedy: REFUSAL_REMEDY,
    remove: [],
    kept: [...plan.kept, ...notNow],
  };
}
