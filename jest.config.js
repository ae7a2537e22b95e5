/** @type {import('jest').Config} */
module.exports = {
  // ts-jest reads tsconfig.json, whose `isolatedModules` makes it transpile each file on its own
  // (no type-checking, no program of the whole project in every worker): about 6 s of CPU less per
  // test process. `npm run typecheck` (tsc over the same tsconfig, tests included) is the type
  // check, and `isolatedModules` there refuses what a per-file transpile would get wrong.
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // A directory per run for what several files share (the packed tarball): tests/support/run-dir.ts.
  globalSetup: "<rootDir>/tests/support/run-dir.ts",
  globalTeardown: "<rootDir>/tests/support/run-dir-teardown.ts",
  // Removes what each file's copy of @pulumi/pulumi leaves on the process (see the file).
  setupFilesAfterEnv: ["<rootDir>/tests/support/jest-setup.ts"],
  // Tests that start the real dynamic-provider host or pack the package take seconds each.
  testTimeout: 60000,
  // Sized for two cores. The package test holds one worker for its whole run while its child
  // processes (the git-dependency install, tsc, node) do the work, so a third worker keeps both
  // cores busy with the other files (measured on 2 cores: 91 s instead of 150 s for the suite
  // without the engine scenarios); more would only make process-spawning tests starve each other.
  maxWorkers: 3,
  // A worker that has run many files holds every file's copy of @pulumi/pulumi that serialized a
  // dynamic provider (each copy's closure serializer keeps what it inspected alive past the file):
  // measured in one worker, about 35 MB more heap per such file, past 1 GB by the end of a run
  // without this limit. At the end of a run Node then needs longer than jest's 500 ms to tear the
  // worker down (its "exit" event fired within 10 ms of jest's END; the process was still alive at
  // 500 ms), and jest force-exits it with "A worker process has failed to exit gracefully". Jest
  // replaces a worker whose heap passes this limit after a file, so no worker ends that large.
  workerIdleMemoryLimit: "350MB",
};
