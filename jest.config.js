/** @type {import('jest').Config} */
module.exports = {
  preset: "ts-jest",
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  // Removes what each file's copy of @pulumi/pulumi leaves on the process (see the file).
  setupFilesAfterEnv: ["<rootDir>/tests/support/jest-setup.ts"],
  // Tests that start the real dynamic-provider host or pack the package take seconds each.
  testTimeout: 60000,
  // Two cores: keep workers low so process-spawning tests do not starve each other.
  maxWorkers: 2,
};
