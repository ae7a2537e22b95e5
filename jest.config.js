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
};
