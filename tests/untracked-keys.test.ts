/**
 * Which keys count as untracked, and may be removed (components/azure/untrackedKeys.ts), from a
 * `pulumi stack export` shaped like the engine's (tests/engine/interrupted.test.ts runs the script
 * against the real engine's state).
 */
import {
  APPLICATION_PASSWORD_TYPE,
  RANDOM_ID_TYPE,
  parseKeyDisplayName,
  removalBlocker,
  trackedDeployments,
  untrackedKeys,
} from "../components/azure/untrackedKeys";
import { CSP_CONNECTION_TYPE } from "../components/azure/cspConnection";

const OBJECT_ID = "6c1e3f0a-9b8d-4e7f-a1b2-c3d4e5f6a7b8";
const CONN = "urn:pulumi:prod::p::optima-csp:azure:CspConnection::optima-csp";
const key = (name: string): string =>
  `urn:pulumi:prod::p::${CSP_CONNECTION_TYPE}$${APPLICATION_PASSWORD_TYPE}::${name}`;

function exportWith(opts: { pending?: boolean } = {}): unknown {
  return {
    deployment: {
      resources: [
        {
          urn: "urn:stack",
          type: "pulumi:pulumi:Stack",
          outputs: { activeKeyId: "k-held", previousKeyId: "k-b" },
        },
        { urn: CONN, type: CSP_CONNECTION_TYPE },
        { urn: "urn:id", type: RANDOM_ID_TYPE, parent: CONN, outputs: { hex: "9a59314f" } },
        {
          urn: key("optima-csp-key-a"),
          type: APPLICATION_PASSWORD_TYPE,
          parent: CONN,
          outputs: { applicationId: `/applications/${OBJECT_ID}`, keyId: "k-held" },
        },
        {
          urn: key("optima-csp-key-b"),
          type: APPLICATION_PASSWORD_TYPE,
          parent: CONN,
          outputs: { applicationId: `/applications/${OBJECT_ID}`, keyId: "k-b" },
        },
        {
          urn: key("optima-csp-key-a"),
          type: APPLICATION_PASSWORD_TYPE,
          parent: CONN,
          delete: true,
          outputs: { applicationId: `/applications/${OBJECT_ID}`, keyId: "k-pending-delete" },
        },
      ],
      pending_operations: opts.pending
        ? [
            {
              type: "creating",
              resource: { urn: key("optima-csp-key-a"), type: APPLICATION_PASSWORD_TYPE, parent: CONN },
            },
          ]
        : [],
    },
  };
}

const ours = (window: number): string => `optima-csp 9a59314f slot a window ${window} (expires 2026-03-05)`;

describe("untracked keys", () => {
  const [d] = trackedDeployments(exportWith());

  it("reads the deployment ID, the Web App and every tracked key ID from the state", () => {
    expect(d).toMatchObject({ deploymentId: "9a59314f", objectId: OBJECT_ID, pendingOperations: [] });
    expect([...d.trackedKeyIds].sort()).toEqual(["k-b", "k-held", "k-pending-delete"]);
  });

  it("finds only this deployment's keys that the state does not hold", () => {
    const found = untrackedKeys(d, [
      { keyId: "k-held", displayName: ours(60) },
      { keyId: "k-b", displayName: ours(59) },
      { keyId: "k-pending-delete", displayName: ours(58) }, // the engine deletes it itself
      { keyId: "k-orphan", displayName: ours(60) },
      { keyId: "k-hand", displayName: "Partner Center key (made by hand)" },
      { keyId: "k-nameless", displayName: null },
      { keyId: "k-other", displayName: "optima-csp 0badc0de slot a window 60 (expires 2026-03-05)" },
      { keyId: "k-lookalike", displayName: "optima-csp 9a59314f slot c window 60 (expires 2026-03-05)" },
    ]);
    expect(found).toEqual([{ keyId: "k-orphan", displayName: ours(60), slot: "a", window: 60 }]);
  });

  it("never counts the keys the stack outputs name, even if the state lost them", () => {
    const lost = { ...d, trackedKeyIds: new Set<string>() };
    expect(untrackedKeys(lost, [{ keyId: "k-held", displayName: ours(60) }])).toEqual([]);
  });

  it("refuses removal while a run is unfinished (pending operations on keys), saying what to run", () => {
    const [pending] = trackedDeployments(exportWith({ pending: true }));
    expect(removalBlocker(d)).toBeUndefined();
    expect(removalBlocker(pending)).toMatch(/pulumi refresh --clear-pending-creates --yes/);
  });

  it("parses display names strictly", () => {
    expect(parseKeyDisplayName(ours(7), "9a59314f")).toEqual({ slot: "a", window: 7 });
    expect(parseKeyDisplayName(ours(7), "0badc0de")).toBeUndefined();
    expect(parseKeyDisplayName("optima-csp 9a59314f slot a window 7x", "9a59314f")).toBeUndefined();
  });

  it("rejects a document that is not a stack export, and ignores a connection without keys", () => {
    expect(() => trackedDeployments("{}")).toThrow(/not a `pulumi stack export`/);
    expect(
      trackedDeployments({ deployment: { resources: [{ urn: CONN, type: CSP_CONNECTION_TYPE }] } }),
    ).toEqual([]);
  });
});
