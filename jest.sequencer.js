/**
 * The order in which jest starts test files (jest.config.js `testSequencer`).
 *
 * Jest starts the files it has timed before longest first (its cache of the last run's durations),
 * and files it has never timed by size, largest first. A fresh checkout (CI) has no such cache, and
 * the size of an engine scenario file says little about how long it runs: one test that rotates 20
 * customers takes longer than five small ones. Started last, the longest engine file would run on
 * alone while the other workers idle. So, without timings of jest's own, the engine files below
 * start first, longest first, by what they took when last measured; every other file follows in
 * jest's order. With timings (a second run on the same machine), jest's own order wins.
 */
const path = require("node:path");
const Sequencer = require("@jest/test-sequencer").default;

/**
 * Seconds each engine file took in a whole run of the tier (`npm run test:engine`, three workers on
 * a quiet 2-core Linux machine, the CLI cached, 2026-12-06: README.md, Development, "Engine
 * scenarios"). Only the order matters. A file not listed starts after these, in jest's order.
 */
const MEASURED_SECONDS = {
  "tests/engine/customers.test.ts": 141,
  "tests/engine/upgrade.test.ts": 123,
  "tests/engine/interrupted-handoff.test.ts": 120,
  "tests/engine/customers-changes.test.ts": 111,
  "tests/engine/interrupted.test.ts": 102,
  "tests/engine/failures.test.ts": 84,
  "tests/engine/takeover.test.ts": 81,
  "tests/engine/drift.test.ts": 79,
  "tests/engine/rehearsal.test.ts": 76,
  "tests/engine/lifecycle.test.ts": 54,
  "tests/engine/adopt.test.ts": 29,
  "tests/engine/yaml.test.ts": 27,
  "tests/engine/untracked-keys.test.ts": 15,
};

class LongestFirst extends Sequencer {
  sort(tests) {
    const ordered = super.sort(tests);
    if (ordered.some((test) => test.duration != null)) {
      return ordered;
    }
    const seconds = (test) =>
      MEASURED_SECONDS[path.relative(test.context.config.rootDir, test.path).split(path.sep).join("/")] ?? 0;
    // Array.prototype.sort is stable: files without a figure keep jest's order, after the others.
    return [...ordered].sort((a, b) => seconds(b) - seconds(a));
  }
}

module.exports = LongestFirst;
