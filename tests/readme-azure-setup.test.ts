/**
 * README "Azure setup, step by step": each shell block is run as written, alone (a reader copies
 * one block, not the section), under `bash -euo pipefail`, with a stand-in `az` that records its
 * calls and answers the queries the blocks make. A block that uses a variable another block
 * defines fails on `set -u`; the tests then check the calls each block makes: who becomes an owner
 * of the Web App and which Microsoft Graph application permissions are granted, with
 * `Domain.Read.All` and without it (when `domain` is set), as the section says.
 *
 * What the stand-in answers is only the shape of `az`'s output (`-o tsv` prints the value alone);
 * the commands themselves are Azure CLI's (`az ad app owner add`, `az ad app permission add`,
 * `az ad app permission admin-consent`, `az rest`, whose Content-Type defaults to
 * application/json for a JSON body: Azure/azure-cli `src/azure-cli/azure/cli/command_modules/util/_help.py`).
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";

const readme = readFileSync(path.resolve(__dirname, "..", "README.md"), "utf8");
const GRAPH = "00000003-0000-0000-c000-000000000000";

/** The shell blocks of the section, by the bold title of the paragraph before each. */
function setupBlocks(): Map<string, string> {
  const start = readme.indexOf("## Azure setup, step by step");
  const end = readme.indexOf("### Key Vault copy rights");
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const blocks = new Map<string, string>();
  const parts = readme.slice(start, end).split(/\*\*(A [a-z ]+)\*\*/);
  for (let i = 1; i < parts.length; i += 2) {
    const block = /```sh\n([\s\S]*?)```/.exec(parts[i + 1]!)?.[1];
    if (block !== undefined) {
      blocks.set(parts[i]!, block);
    }
  }
  return blocks;
}

/** `az` as the blocks use it: records each call (arguments joined by tabs), answers the queries. */
const FAKE_AZ = `#!/usr/bin/env bash
set -eu
printf '%s\\t' "$@" >> "$AZ_LOG"; printf '\\n' >> "$AZ_LOG"
query="" id="" name=""
while [ $# -gt 0 ]; do
  case "$1" in --query) query="$2"; shift ;; --id) id="$2"; shift ;; -n) name="$2"; shift ;; esac
  shift
done
case "$query" in
  id) echo "sp-of-$id" ;;
  principalId) echo "principal-of-$name" ;;
  "appRoles[?value=="*) role="\${query#*==\\'}"; echo "role-\${role%%\\'*}" ;;
esac
`;

interface Run {
  readonly code: number | null;
  readonly stderr: string;
  /** Each `az` call's arguments. */
  readonly calls: string[][];
}

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), "optima-csp-azure-setup-"));
  writeFileSync(path.join(dir, "az"), FAKE_AZ);
  chmodSync(path.join(dir, "az"), 0o755);
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one block alone, its `<placeholders>` filled in as `ph-<name>`. */
function run(block: string): Run {
  const script = block.replace(/<([a-z][a-z-]*)>/gi, "ph-$1");
  const log = path.join(dir, "az.log");
  writeFileSync(log, "");
  const result = spawnSync("bash", ["--norc", "--noprofile", "-euo", "pipefail", "-c", script], {
    stdio: ["ignore", "pipe", "pipe"],
    encoding: "utf8",
    timeout: 30_000,
    env: { PATH: `${dir}${path.delimiter}${process.env.PATH ?? ""}`, AZ_LOG: log, HOME: dir },
  });
  const calls = readFileSync(log, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => line.replace(/\t$/, "").split("\t"));
  return { code: result.status, stderr: result.stderr, calls };
}

const withoutDomainRead = (block: string): string => {
  const line =
    /^PERMISSIONS="Application\.ReadWrite\.OwnedBy Domain\.Read\.All" +# leave out Domain\.Read\.All when `domain` is set$/m;
  expect(block).toMatch(line);
  return block.replace(line, 'PERMISSIONS="Application.ReadWrite.OwnedBy"');
};

const starting = (calls: string[][], ...prefix: string[]): string[][] =>
  calls.filter((c) => prefix.every((p, i) => c[i] === p));

it("has one block for a service principal and one for a managed identity", () => {
  expect([...setupBlocks().keys()]).toEqual(["A service principal", "A managed identity"]);
});

describe("a service principal", () => {
  const block = (): string => setupBlocks().get("A service principal")!;

  it("runs alone: the CI identity's service principal owns the Web App, both permissions are added as application permissions, then consented", () => {
    const r = run(block());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    expect(starting(r.calls, "ad", "app", "owner", "add")).toEqual([
      [
        "ad",
        "app",
        "owner",
        "add",
        "--id",
        "ph-webAppClientId",
        "--owner-object-id",
        "sp-of-ph-ci-app-client-id",
      ],
    ]);
    expect(starting(r.calls, "ad", "app", "permission", "add")).toEqual(
      ["Application.ReadWrite.OwnedBy", "Domain.Read.All"].map((p) => [
        ...["ad", "app", "permission", "add", "--id", "ph-ci-app-client-id", "--api", GRAPH],
        ...["--api-permissions", `role-${p}=Role`],
      ]),
    );
    expect(r.calls.at(-1)).toEqual([
      "ad",
      "app",
      "permission",
      "admin-consent",
      "--id",
      "ph-ci-app-client-id",
    ]);
  });

  it("with `domain` set, Domain.Read.All left out as its comment says: only Application.ReadWrite.OwnedBy is granted", () => {
    const r = run(withoutDomainRead(block()));
    expect(r.code).toBe(0);
    expect(starting(r.calls, "ad", "app", "permission", "add").map((c) => c.at(-1))).toEqual([
      "role-Application.ReadWrite.OwnedBy=Role",
    ]);
  });
});

describe("a managed identity", () => {
  const block = (): string => setupBlocks().get("A managed identity")!;

  /** The app role assignments the block posts to Graph: the service principal in the URI, and the body. */
  function assignments(r: Run): { uri: string; body: unknown }[] {
    return starting(r.calls, "rest").map((c) => ({
      uri: c[c.indexOf("--uri") + 1]!,
      body: JSON.parse(c[c.indexOf("--body") + 1]!) as unknown,
    }));
  }

  it("runs alone: the identity owns the Web App and gets both Graph app roles assigned, in JSON bodies Graph reads", () => {
    const r = run(block());
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const mi = "principal-of-ph-identity";
    expect(starting(r.calls, "ad", "app", "owner", "add")).toEqual([
      ["ad", "app", "owner", "add", "--id", "ph-webAppClientId", "--owner-object-id", mi],
    ]);
    expect(assignments(r)).toEqual(
      ["Application.ReadWrite.OwnedBy", "Domain.Read.All"].map((p) => ({
        uri: `https://graph.microsoft.com/v1.0/servicePrincipals/${mi}/appRoleAssignments`,
        body: { principalId: mi, resourceId: `sp-of-${GRAPH}`, appRoleId: `role-${p}` },
      })),
    );
    for (const call of starting(r.calls, "rest")) {
      expect(call.slice(0, 3)).toEqual(["rest", "--method", "POST"]);
    }
  });

  it("with `domain` set, Domain.Read.All left out as its comment says: one assignment", () => {
    const r = run(withoutDomainRead(block()));
    expect(r.code).toBe(0);
    expect(assignments(r).map((a) => (a.body as { appRoleId: string }).appRoleId)).toEqual([
      "role-Application.ReadWrite.OwnedBy",
    ]);
  });
});
