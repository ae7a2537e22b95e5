/**
 * Three tiers, one jest project each (README.md, Development):
 * - `fast` (`npm test`): everything in-process, against the emulator, and through the real
 *   dynamic-provider host: no package install, no `pulumi` process.
 * - `engine` (`npm run test:engine`): tests/engine, the stack program under the real Pulumi CLI.
 * - `package` (`npm run test:package`): tests/package, the package as consumers install it.
 * `npx jest tests/x.test.ts` runs one file of any tier; `npx jest` alone runs all three at once
 * (`npm run test:all` runs them one after another, as CI does).
 */

/** What every tier shares. */
const common = {
  // ts-jest reads tsconfig.json, whose `isolatedModules` makes it transpile each file on its own
  // (no type-checking, no program of the whole project in every worker): about 6 s of CPU less per
  // test process. `npm run typecheck` (tsc over the same tsconfig, tests included) is the type
  // check, and `isolatedModules` there refuses what a per-file transpile would get wrong.
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  // Removes what each file's copy of @pulumi/pulumi leaves on the process (see the file).
  setupFilesAfterEnv: ["<rootDir>/tests/support/jest-setup.ts"],
};

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      ...common,
      displayName: "fast",
      testMatch: ["<rootDir>/tests/*.test.ts"],
    },
    {
      ...common,
      displayName: "engine",
      testMatch: ["<rootDir>/tests/engine/**/*.test.ts"],
    },
    {
      ...common,
      displayName: "package",
      testMatch: ["<rootDir>/tests/package/**/*.test.ts"],
      // A directory per run for what its files share (the packed tarball): tests/support/run-dir.ts.
      globalSetup: "<rootDir>/tests/support/run-dir.ts",
      globalTeardown: "<rootDir>/tests/support/run-dir-teardown.ts",
    },
  ],
  // Tests that start the real dynamic-provider host or pack the package take seconds each.
  testTimeout: 60000,
  // Sized for two cores; each tier's npm script may set its own (package.json).
  maxWorkers: 3,
  // Without jest's own timings (a fresh checkout, CI), the longest engine files start first.
  testSequencer: "<rootDir>/jest.sequencer.js",
  // A worker that has run many files holds every file's copy of @pulumi/pulumi that serialized a
  // dynamic provider (each copy's closure serializer keeps what it inspected alive past the file):
  // measured in one worker, about 35 MB more heap per such file, past 1 GB by the end of a run
  // without this limit. At the end of a run Node then needs longer than jest's 500 ms to tear the
  // worker down (its "exit" event fired within 10 ms of jest's END; the process was still alive at
  // 500 ms), and jest force-exits it with "A worker process has failed to exit gracefully". Jest
  // replaces a worker whose heap passes this limit after a file, so no worker ends that large.
  workerIdleMemoryLimit: "350MB",
};
