// The optima-csp provider plugin's entry point: the Node.js language host runs this folder
// (PulumiPlugin.yaml) through @pulumi/pulumi's run-plugin, the engine address as the argument.
// The implementation is the built package (components/plugin/main.ts, in dist/ after
// `npm run build`); the schema is this folder's schema.json.
"use strict";
const path = require("node:path");

require(path.join(__dirname, "..", "dist", "components", "plugin", "main.js"))
  .serve(path.join(__dirname, "schema.json"), process.argv.slice(2))
  .catch((error) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
