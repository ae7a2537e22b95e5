// The optima-csp provider plugin's entry point: the Node.js language host runs this folder
// (PulumiPlugin.yaml) through @pulumi/pulumi's run-plugin, the engine address as the argument.
// The implementation is the built package (components/plugin/main.ts, in dist/ after
// `npm run build`); the schema is this folder's schema.json.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const main = path.join(root, "dist", "components", "plugin", "main.js");
if (!fs.existsSync(main)) {
  // A clone where `npm ci` has not run, or a copy of this folder alone (a plugin named by a git
  // URL): there is nothing to run. Said plainly, not as a module-resolution stack.
  console.error(
    `optima-csp provider plugin: ${main} is not built. Run \`npm ci\` in ${root} and name this ` +
      'folder by its local path (README, "Use from another language").',
  );
  process.exit(1);
}
require(main)
  .serve(path.join(__dirname, "schema.json"), process.argv.slice(2))
  .catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
