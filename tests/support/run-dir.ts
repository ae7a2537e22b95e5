/**
 * A directory for one jest run, shared by its workers (jest.config.js `globalSetup` and
 * `globalTeardown`): what several test files need and nothing in them changes, made once per run
 * by the first file that needs it (./package-pack: the packed tarball). Never shared between two
 * runs, so nothing made from an earlier checkout is ever reused.
 *
 * jest runs the setup in its main process before it starts the workers, which inherit the
 * variable; a file run under another configuration does not see it and makes its own.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** The variable that names the run's directory. */
export const RUN_DIR_VARIABLE = "OPTIMA_CSP_TEST_RUN_DIR";

/** The current run's shared directory, or undefined outside a run of jest.config.js. */
export function runDir(): string | undefined {
  return process.env[RUN_DIR_VARIABLE] || undefined;
}

/** jest `globalSetup`: a fresh directory for this run. */
export default function createRunDir(): void {
  // Not under a path containing "optima-csp" (see tests/package/package.test.ts).
  process.env[RUN_DIR_VARIABLE] = mkdtempSync(path.join(os.tmpdir(), "jestrun-"));
}

/** jest `globalTeardown` (./run-dir-teardown): removes it. */
export function removeRunDir(): void {
  const dir = runDir();
  if (dir !== undefined) {
    rmSync(dir, { recursive: true, force: true });
    delete process.env[RUN_DIR_VARIABLE];
  }
}
