/**
 * npm 11 ends every install with a warning listing the dependencies whose install scripts
 * `package.json#allowScripts` does not cover ("install scripts not yet covered by allowScripts";
 * npm 11.19.1, `lib/utils/reify-output.js`), and its documentation says a later release will block
 * them (`npm help approve-scripts`). This repository decides for each of its dependencies that has
 * one, so that `npm ci` here prints no such warning and will keep working when npm blocks them.
 *
 * Which dependencies have install scripts is read from package-lock.json (`hasInstallScript`, what
 * npm itself reads for `npm ci`); the policy keys are plain package names (npm matches a name-only
 * key against every version of a registry dependency: @npmcli/arborist `lib/script-allowed.js`).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "..");
const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
  allowScripts?: Record<string, boolean>;
};
const lock = JSON.parse(readFileSync(path.join(root, "package-lock.json"), "utf8")) as {
  packages: Record<string, { hasInstallScript?: boolean }>;
};

/** The dependencies whose install scripts `npm ci` would run, by package name. */
function withInstallScripts(): string[] {
  const names = Object.entries(lock.packages)
    .filter(([location, entry]) => location !== "" && entry.hasInstallScript === true)
    .map(([location]) => location.slice(location.lastIndexOf("node_modules/") + "node_modules/".length));
  return [...new Set(names)].sort();
}

it("package.json#allowScripts decides for every dependency with an install script, and for nothing else", () => {
  const decided = Object.keys(manifest.allowScripts ?? {}).sort();
  expect(withInstallScripts().length).toBeGreaterThan(0);
  expect(decided).toEqual(withInstallScripts());
});

it("denies protobufjs' postinstall, as the README tells a consumer project to", () => {
  expect(manifest.allowScripts?.protobufjs).toBe(false);
  const readme = readFileSync(path.join(root, "README.md"), "utf8");
  expect(readme).toMatch(/"allowScripts": \{\n\s+"protobufjs": false,/);
});
