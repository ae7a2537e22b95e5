/**
 * tests/support/engine/node.ts: which Node.js versions keep a compile cache, checked against the
 * Node.js builds on this machine (jest's own, and any 20, 22 or 24 the package tier's cache holds:
 * looked up, never installed here), and what the engine workspace is given.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { engineNode, hasCompileCache } from "./support/engine/node";
import { NODE_MAJORS, foundNodeRuntime, type NodeRuntime } from "./support/node-runtime";

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), "optima-csp-engine-node-"));
  writeFileSync(path.join(scratch, "module.js"), "module.exports = function answer() { return 42; };\n");
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** Whether `node` wrote anything into NODE_COMPILE_CACHE while loading one module. */
function fillsCompileCache(node: string): boolean {
  const cache = mkdtempSync(path.join(scratch, "cache-"));
  const run = spawnSync(node, ["-e", `require(${JSON.stringify(path.join(scratch, "module.js"))})`], {
    env: { PATH: process.env.PATH, NODE_COMPILE_CACHE: cache },
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(run.status).toBe(0);
  return readdirSync(cache, { recursive: true }).length > 0;
}

describe("the compile cache rule", () => {
  test("22.1 and later have it; 22.0 and 20 do not", () => {
    expect(hasCompileCache("v20.20.2")).toBe(false);
    expect(hasCompileCache("v22.0.0")).toBe(false);
    expect(hasCompileCache("v22.1.0")).toBe(true);
    expect(hasCompileCache("v24.21.0")).toBe(true);
  });

  // jest's own Node.js always, and every other major the cache already holds.
  const builds = NODE_MAJORS.map((major) => foundNodeRuntime(major)).filter(
    (found): found is NodeRuntime => found !== undefined,
  );
  test.each(builds.map((b) => [b.version, b] as const))(
    "Node.js %s fills NODE_COMPILE_CACHE exactly when the rule says it has one",
    (version, build) => {
      expect(fillsCompileCache(build.nodePath)).toBe(hasCompileCache(version));
    },
  );
});

test("the engine workspace is given NODE_COMPILE_CACHE exactly when its Node.js has one", () => {
  const node = engineNode();
  expect(node.env.NODE_COMPILE_CACHE !== undefined).toBe(hasCompileCache(node.version));
  expect(spawnSync(path.join(node.binDir, "node"), ["--version"], { encoding: "utf8" }).stdout.trim()).toBe(
    node.version,
  );
});
