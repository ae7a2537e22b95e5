/**
 * One emulator (tools/emulator) for a test file: started before its tests and closed after them;
 * and, when asked for, a scratch folder for the files its runs read (stack outputs, a state
 * export), removed after them. Each test resets the emulator as it needs; nothing here does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { startEmulator, type Emulator, type EmulatorOptions } from "../../tools/emulator";

export interface EmulatorPerFile {
  /** The file's emulator: read it in a test or a hook, not while the file loads. */
  readonly emulator: Emulator;
  /** The scratch folder (with `scratchPrefix` only), the same for every test of the file. */
  readonly work: string;
}

/** Registers beforeAll and afterAll: call it at the top of a test file (or of one describe block). */
export function emulatorPerFile(
  options: {
    /** The scratch folder's name starts so (under the system's temporary folder). */
    readonly scratchPrefix?: string;
    readonly emulator?: EmulatorOptions;
  } = {},
): EmulatorPerFile {
  let emulator: Emulator | undefined;
  let work: string | undefined;
  beforeAll(async () => {
    emulator = await startEmulator(options.emulator);
    if (options.scratchPrefix !== undefined) {
      work = mkdtempSync(path.join(os.tmpdir(), options.scratchPrefix));
    }
  });
  afterAll(async () => {
    await emulator?.close();
    if (work !== undefined) {
      rmSync(work, { recursive: true, force: true });
    }
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) {
      throw new Error(
        `emulatorPerFile: no ${what} yet (it is made in beforeAll; read it in a test or a hook)`,
      );
    }
    return value;
  };
  return {
    get emulator() {
      return started(emulator, "emulator");
    },
    get work() {
      return started(work, "scratch folder (pass scratchPrefix)");
    },
  };
}
