/**
 * What the engine scenarios need to run the optima-csp provider plugin (provider/) for a program in
 * another language: the YAML language host, and the plugin as a clean checkout holds it after
 * `npm ci` (README, "Use from another language").
 *
 * - {@link findYamlHost}: `OPTIMA_CSP_PULUMI_YAML`, else the build of tools/engine/build-pulumi-yaml.sh
 *   in its cache (beside the pinned CLI: ./workspace `pulumiCacheDir`), else `pulumi-language-yaml` on
 *   PATH; undefined when there is none.
 * - {@link pluginCheckout}: a folder laid out as a checkout after `npm ci` is: provider/ (copied),
 *   package.json, node_modules (this repository's, linked) and dist/components built from the
 *   working tree's components/ (TypeScript's `transpileModule`, no type check: `npm run typecheck`
 *   does that), so that a scenario runs the code under test, never a stale `npm run build`. It is
 *   kept under the system's temporary folder by content (and by repository, whose
 *   node_modules it links), and reused while nothing changes.
 *
 * Test infrastructure only: not part of the package.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { REPO_ROOT, pulumiCacheDir, transpileTo } from "./workspace";

/** The YAML language host version tools/engine/build-pulumi-yaml.sh builds. */
export const PINNED_YAML_HOST_VERSION = "v1.25.0";

/** The YAML language host to run, or undefined (see the module comment for the order). */
export function findYamlHost(): string | undefined {
  const fromEnv = process.env.OPTIMA_CSP_PULUMI_YAML;
  if (fromEnv) {
    return fromEnv;
  }
  const cached = path.join(
    pulumiCacheDir(),
    `pulumi-yaml-${PINNED_YAML_HOST_VERSION}`,
    "bin",
    "pulumi-language-yaml",
  );
  if (existsSync(cached)) {
    return cached;
  }
  const which = spawnSync("sh", ["-c", "command -v pulumi-language-yaml"], { encoding: "utf8" });
  return which.status === 0 && which.stdout.trim() !== "" ? which.stdout.trim() : undefined;
}

/** Every `.ts` file under `dir`, relative to it, sorted. */
function typeScriptFiles(dir: string, prefix = ""): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(path.join(dir, prefix), { withFileTypes: true })) {
    const relative = path.join(prefix, entry.name);
    if (entry.isDirectory()) {
      files.push(...typeScriptFiles(dir, relative));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts")) {
      files.push(relative);
    }
  }
  return files.sort();
}

/** The plugin as a clean checkout holds it after `npm ci` (see the module comment). */
export function pluginCheckout(): string {
  const components = path.join(REPO_ROOT, "components");
  const sources = typeScriptFiles(components).map(
    (file) => [file, readFileSync(path.join(components, file), "utf8")] as const,
  );
  const providerFiles = ["PulumiPlugin.yaml", "index.js", "schema.json"].map((file) => [
    file,
    readFileSync(path.join(REPO_ROOT, "provider", file), "utf8"),
  ]);
  const hash = createHash("sha256")
    .update(
      JSON.stringify([
        REPO_ROOT,
        sources,
        providerFiles,
        readFileSync(path.join(REPO_ROOT, "package.json"), "utf8"),
      ]),
    )
    .digest("hex")
    .slice(0, 16);
  const checkout = path.join(tmpdir(), "optima-csp-engine-plugin", hash);
  if (existsSync(path.join(checkout, "done"))) {
    return checkout;
  }
  transpileTo(path.join(checkout, "dist", "components"), sources);
  mkdirSync(path.join(checkout, "provider"), { recursive: true });
  for (const [file, text] of providerFiles) {
    writeFileSync(path.join(checkout, "provider", file), text);
  }
  cpSync(path.join(REPO_ROOT, "package.json"), path.join(checkout, "package.json"));
  if (!existsSync(path.join(checkout, "node_modules"))) {
    symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(checkout, "node_modules"), "dir");
  }
  writeFileSync(path.join(checkout, "done"), "");
  return checkout;
}
