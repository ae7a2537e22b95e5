/**
 * Loads the stack program's TypeScript in the program process (`node -r` before
 * `@pulumi/pulumi/cmd/run`, started by ./language-host when `OPTIMA_CSP_PROGRAM_TRANSPILE_CACHE`
 * names a directory), the way ts-node's transpile-only mode does, but each file transpiled once per
 * content instead of once per process: a `pulumi up` runs the program twice (preview, update), and
 * each run under ts-node paid about 0.75 s of CPU to transpile it again (measured on 2 cores:
 * loading components/ through ts-node 1.5 s of CPU, through this cache 0.7 s); a quiet
 * `pulumi up --refresh` takes 0.88 times as long (`npm run bench:engine -- --vs-ts-node`; README.md,
 * Development).
 *
 * What ts-node does with `PULUMI_NODEJS_TRANSPILE_ONLY=true` (what the scenarios set), read from
 * ts-node 10.9.2 (`dist/index.js`, `dist/configuration.js`) and @pulumi/pulumi 3.248.0
 * (`cmd/run/run.js`: `tsnode.register({ transpileOnly, project: tsconfig.json in the program
 * folder, skipProject when there is none })`), and what this does alike:
 * - each `.ts` file on its own, with TypeScript's `transpileModule` and the compiler options of the
 *   program folder's tsconfig.json (without one, or where it says nothing: target ES5, CommonJS
 *   modules), declarations off, the source map inline, so that stack traces name the `.ts` lines
 *   (ts-node 10.9.2 `dist/configuration.js`, `fixConfig` and `TS_NODE_COMPILER_OPTIONS`);
 * - files under node_modules are not transpiled (ts-node's default `ignore`);
 * - the `typescript` package is the one the program folder resolves.
 * The cache key is the TypeScript version, the tsconfig.json text, the file's path in the program
 * folder and its text, so an edit, another checkout (the upgrade scenario) or another compiler
 * never reuses an older output.
 *
 * Test infrastructure only: not part of the package.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import * as path from "node:path";

interface LoadableModule {
  _compile(code: string, filename: string): void;
}
type Loader = (module: LoadableModule, filename: string) => void;

/* eslint-disable @typescript-eslint/no-require-imports */
const extensions = (require("node:module") as { _extensions: Record<string, Loader> })._extensions;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The program folder: the language host starts the program process there. */
const programDir = process.cwd();

function readIfExists(file: string): string {
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

let typescript: typeof import("typescript") | undefined;
let compilerOptions: import("typescript").CompilerOptions | undefined;

/** The program folder's `typescript`, loaded on the first file not in the cache. */
function compiler(): { ts: typeof import("typescript"); options: import("typescript").CompilerOptions } {
  if (typescript === undefined || compilerOptions === undefined) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ts = require(require.resolve("typescript", { paths: [programDir] })) as typeof import("typescript");
    const configFile = path.join(programDir, "tsconfig.json");
    let options: import("typescript").CompilerOptions = {};
    if (existsSync(configFile)) {
      const read = ts.readConfigFile(configFile, ts.sys.readFile);
      options = ts.parseJsonConfigFileContent(
        read.config ?? {},
        ts.sys,
        programDir,
        undefined,
        configFile,
      ).options;
    }
    // What ts-node changes (dist/configuration.js: `fixConfig` and TS_NODE_COMPILER_OPTIONS), but
    // the source map inline instead of kept in memory for its own source-map-support.
    for (const key of [
      "out",
      "outFile",
      "composite",
      "declarationDir",
      "declarationMap",
      "emitDeclarationOnly",
    ]) {
      delete options[key];
    }
    compilerOptions = {
      target: ts.ScriptTarget.ES5,
      module: ts.ModuleKind.CommonJS,
      ...options,
      declaration: false,
      noEmit: false,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: true,
    };
    typescript = ts;
  }
  return { ts: typescript, options: compilerOptions };
}

/** What every cache key starts with: the compiler's version and the program's tsconfig.json. */
let keyBase: string | undefined;

/** The JavaScript of one program file, from the cache or transpiled into it. */
function javascriptOf(cacheDir: string, filename: string): string {
  if (keyBase === undefined) {
    const tsPackage = require.resolve("typescript/package.json", { paths: [programDir] });
    const version = (JSON.parse(readFileSync(tsPackage, "utf8")) as { version?: string }).version;
    keyBase = JSON.stringify([version, readIfExists(path.join(programDir, "tsconfig.json"))]);
  }
  const source = readFileSync(filename, "utf8");
  const key = createHash("sha256")
    .update(JSON.stringify([keyBase, path.relative(programDir, filename), source]))
    .digest("hex");
  const cached = path.join(cacheDir, `${key}.js`);
  if (existsSync(cached)) {
    return readFileSync(cached, "utf8");
  }
  const { ts, options } = compiler();
  const js = ts.transpileModule(source, { compilerOptions: options, fileName: filename }).outputText;
  mkdirSync(cacheDir, { recursive: true });
  // Several program processes may fill the cache at once: write aside, then rename into place.
  const aside = `${cached}.${process.pid}`;
  writeFileSync(aside, js);
  renameSync(aside, cached);
  return js;
}

/**
 * Stack traces name the `.ts` lines, as under ts-node: source-map-support (which the SDK's
 * `cmd/run` registers in any case) reads each program file's inline source map from its compiled
 * text, as ts-node makes it do (`retrieveFile`). Node's own source maps
 * (`process.setSourceMapsEnabled`) are not used: they read the map of every module loaded,
 * @pulumi/pulumi's included (measured with `npm run bench:engine -- --vs-ts-node`, load average
 * 5 to 7 on 2 cores: a quiet `pulumi up` took 1.13 times as long as through ts-node with them,
 * 0.88 times without).
 */
function mapStackTraces(compiled: ReadonlyMap<string, string>): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const support = require(require.resolve("source-map-support", { paths: [programDir] })) as {
      install(options: { retrieveFile(file: string): string | null; environment: "node" }): void;
    };
    support.install({ retrieveFile: (file) => compiled.get(file) ?? null, environment: "node" });
  } catch {
    // Without it, stack traces name the JavaScript lines.
  }
}

/** Registers the `.ts` loader when the cache directory is set. */
export function register(
  cacheDir: string | undefined = process.env.OPTIMA_CSP_PROGRAM_TRANSPILE_CACHE,
): void {
  if (!cacheDir) {
    return;
  }
  const compiled = new Map<string, string>();
  mapStackTraces(compiled);
  extensions[".ts"] = (module, filename) => {
    if (filename.split(path.sep).includes("node_modules")) {
      extensions[".js"](module, filename);
      return;
    }
    const js = javascriptOf(cacheDir, filename);
    compiled.set(filename, js);
    module._compile(js, filename);
  };
}

register();
