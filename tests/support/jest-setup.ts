/**
 * Runs in every jest test file (jest.config.js `setupFilesAfterEnv`).
 *
 * Each test file loads its own copy of `@pulumi/pulumi`, and the first promise each copy creates
 * registers a process-wide "exit" listener, its promise-leak detector
 * (`@pulumi/pulumi/runtime/debuggable.js` in 3.248: `process.on("exit", …)`, never removed). In a
 * long-lived jest worker those listeners pile up, one per file and one per `jest.isolateModules`
 * load (tests/stack.test.ts loads the stack program afresh for each case), past Node's limit of
 * ten: the `MaxListenersExceededWarning` of `npm test`, and a leak check of long-gone modules at
 * the worker's exit. A real Pulumi program loads the SDK once per process, so the listener is only
 * wrong here: after each test, and when the file is done, remove the leak detectors it added.
 * Nothing else is touched (tests/support/provider-host.ts manages its own exit hook).
 */

type Listener = (...args: unknown[]) => void;

/** Whether an exit listener is the SDK's promise-leak detector. */
function isLeakDetector(listener: Listener): boolean {
  return Function.prototype.toString.call(listener).includes("leakedPromises");
}

/**
 * Removes every SDK leak detector on the process, whichever file's SDK copy added it: in a jest
 * worker none of them can report anything useful (their module copies are gone), and each one left
 * runs at the worker's exit, for every copy the worker ever loaded.
 */
function removeLeakDetectors(): void {
  for (const listener of process.listeners("exit") as Listener[]) {
    if (isLeakDetector(listener)) {
      process.removeListener("exit", listener);
    }
  }
}

afterEach(removeLeakDetectors);
afterAll(removeLeakDetectors);
