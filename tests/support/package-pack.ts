/**
 * Packs this repository the way a release does: `npm pack` runs `prepare` (a clean build of
 * `dist/` from tsconfig.build.json) and writes the tarball into a directory of the caller's. Then
 * lists what the tarball holds, as npm would install it.
 *
 * `npm pack` rebuilds `dist/` inside the checkout, so two packs at once (two jest runs) would race
 * on it; a lock directory in the OS temp dir makes them take turns. A lock left by a killed run is
 * taken over once it is older than any pack can last.
 *
 * One jest run packs once: {@link sharedPack} leaves the tarball in the run's directory
 * (./run-dir) and every file that needs it (tests/package/package.test.ts, tests/package/status-package.test.ts)
 * takes it from there. The pack is the same `npm pack` of the same checkout in the same run, so
 * each file tests what it tested with a pack of its own.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { runOrThrow } from "./package-process";
import { runDir } from "./run-dir";

/** Serializes packs of this project across processes. */
const LOCK_DIR = path.join(os.tmpdir(), "optima-csp-npm-pack.lock");
/** How often a waiting pack looks at the lock again. */
const LOCK_POLL_MS = 250;

export interface PackedTarball {
  /** Absolute path of the `.tgz`. */
  readonly path: string;
  /** Files in the package (the tarball's `package/` prefix removed), sorted. */
  readonly files: readonly string[];
  /** Wall time of `npm pack`, build included, in ms. */
  readonly packMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` holding the pack lock; waits at most `timeoutMs` for it. */
async function withPackLock<T>(timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const maxAttempts = Math.ceil(timeoutMs / LOCK_POLL_MS) + 2;
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirSync(LOCK_DIR);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") {
        throw err;
      }
    }
    let age = 0;
    try {
      age = Date.now() - statSync(LOCK_DIR).mtimeMs;
    } catch {
      continue; // released meanwhile
    }
    if (age > timeoutMs) {
      rmSync(LOCK_DIR, { recursive: true, force: true }); // left by a run that was killed
      continue;
    }
    if (Date.now() > deadline || attempt >= maxAttempts) {
      throw new Error(
        `another "npm pack" of this project has held ${LOCK_DIR} for ${Math.round(age / 1000)} s; ` +
          "wait for it, or remove that directory if no test is running",
      );
    }
    await sleep(LOCK_POLL_MS);
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** `npm pack` of `projectDir` into `destination`; the caller holds the pack lock. */
function npmPack(projectDir: string, destination: string, timeoutMs: number): Promise<unknown> {
  mkdirSync(destination, { recursive: true });
  return runOrThrow("npm", ["pack", "--pack-destination", destination, "--loglevel=error"], {
    cwd: projectDir,
    env: { ...process.env },
    timeoutMs,
  });
}

/** `npm pack` of `projectDir` into the empty directory `destination` (created if needed). */
export async function packProject(
  projectDir: string,
  destination: string,
  timeoutMs: number,
): Promise<PackedTarball> {
  const started = Date.now();
  await withPackLock(timeoutMs, () => npmPack(projectDir, destination, timeoutMs));
  return listTarball(destination, Date.now() - started);
}

/**
 * The tarball of this jest run: packed by the first caller (under the pack lock), taken from the
 * run's directory by the others. Outside a run of jest.config.js (no run directory), a pack of
 * the caller's own into `fallbackDestination`. `packMs` is this caller's wait, pack included.
 */
export async function sharedPack(
  projectDir: string,
  fallbackDestination: string,
  timeoutMs: number,
): Promise<PackedTarball> {
  const shared = runDir();
  if (shared === undefined) {
    return packProject(projectDir, fallbackDestination, timeoutMs);
  }
  const destination = path.join(shared, "pack");
  /** Written last, so that a pack that failed half-way is never taken for a finished one. */
  const done = path.join(shared, "pack.done");
  const started = Date.now();
  await withPackLock(timeoutMs, async () => {
    if (!existsSync(done)) {
      rmSync(destination, { recursive: true, force: true });
      await npmPack(projectDir, destination, timeoutMs);
      writeFileSync(done, `${new Date().toISOString()}\n`);
    }
  });
  return listTarball(destination, Date.now() - started);
}

/** The one `.tgz` in `destination` and the files it holds. */
async function listTarball(destination: string, packMs: number): Promise<PackedTarball> {
  const tarballs = readdirSync(destination).filter((f) => f.endsWith(".tgz"));
  if (tarballs.length !== 1) {
    throw new Error(
      `npm pack should leave one .tgz in ${destination}, found: ${tarballs.join(", ") || "none"}`,
    );
  }
  const tarball = path.join(destination, tarballs[0]);
  const listing = await runOrThrow("tar", ["-tzf", tarball], {
    cwd: destination,
    env: { ...process.env },
    timeoutMs: 30_000,
  });
  const files = listing.stdout
    .split("\n")
    .filter((line) => line !== "" && !line.endsWith("/"))
    .map((line) => line.replace(/^package\//, ""))
    .sort();
  return { path: tarball, files, packMs };
}
