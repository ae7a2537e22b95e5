/**
 * The optima-csp provider plugin's process: what `provider/index.js` starts when the engine runs
 * the plugin folder (`PulumiPlugin.yaml`, `runtime: nodejs`).
 *
 * How it gets here (pulumi/pulumi, mirror of 2026-08-21): the engine finds no executable in the
 * plugin's folder, reads its PulumiPlugin.yaml and asks the language host of its runtime to
 * `RunPlugin` it (`sdk/go/common/resource/plugin/plugin.go`, `ExecPlugin`); the Node.js host runs
 * `node <@pulumi/pulumi/cmd/run-plugin> <folder> <engine address>` there
 * (`sdk/nodejs/cmd/pulumi-language-nodejs/main.go`, `RunPlugin`), and run-plugin `require`s the
 * folder with the engine address as the program's argument (@pulumi/pulumi 3.248.0
 * `cmd/run-plugin/run.js`). Like pulumi-eks and pulumi-awsx (`nodejs/eks/cmd/provider/index.ts`:
 * a `pulumi.provider.Provider` whose `construct` switches on the type, served by
 * `pulumi.provider.main`), the schema is explicit (provider/schema.json, read at start-up) rather
 * than inferred from the TypeScript (the SDK's `componentProviderHost` refuses the component's
 * unions and cannot mark a secret).
 *
 * What it owns: {@link pluginProvider} (the provider object: schema, version, `construct` of the
 * component by type (./construct), the custom resources (./resources)) and {@link serve} (the
 * switch to the plugin's children (./children), then the gRPC server, whose first line of stdout
 * is its port).
 */
import * as pulumi from "@pulumi/pulumi";
import { readFileSync } from "node:fs";
import { useChildProviders } from "./children";
import { constructConnection } from "./construct";
import { customResourceProvider } from "./resources";

/** The provider the plugin serves: `schemaText` is provider/schema.json. */
export function pluginProvider(schemaText: string): pulumi.provider.Provider {
  const schema = JSON.parse(schemaText) as { version?: unknown };
  if (typeof schema.version !== "string") {
    throw new Error("optima-csp provider plugin: its schema.json has no version.");
  }
  return {
    version: schema.version,
    schema: schemaText,
    construct: constructConnection,
    ...customResourceProvider(),
  };
}

/** Serves the plugin on a port of 127.0.0.1 (the engine address is the last of `args`). */
export function serve(schemaPath: string, args: readonly string[]): Promise<void> {
  useChildProviders("plugin");
  return pulumi.provider.main(pluginProvider(readFileSync(schemaPath, "utf8")), [...args]);
}
