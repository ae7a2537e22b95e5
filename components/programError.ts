/**
 * The one way the stack program stops a run with a message for the user: a refusal or a problem
 * found once an Output is known (inside an `apply`), where nothing can be created.
 *
 * An error thrown inside an `apply` reaches `@pulumi/pulumi`'s handler of unhandled rejections
 * (`cmd/run/run.js` `uncaughtHandler`, 3.248.0, the version in package-lock.json). That handler
 * always renders the error with `defaultErrorMessage` (`cmd/run/error.js`) for its tracing span,
 * even when it prints only the message, and `defaultErrorMessage` calls `util.inspect` on any error
 * that has a `stack`. The SDK hangs the rejected promise on the error (`runtime/debuggable.js`:
 * `err.promise = p`), and inspecting that took 20 to 40 s of CPU in the program process before the
 * run ended (measured under the engine, Node.js 20, a refused takeover preview: 28 to 48 s in all,
 * against 4 s once the error carried no stack), then printed the stack the user does not need.
 *
 * So the error is a `ResourceError` that hides its stack (the handler then logs only the message,
 * on the resource), with no `stack` at all (so `defaultErrorMessage` returns the message without
 * inspecting anything). A test of the fast tier renders one through the SDK's own
 * `defaultErrorMessage` (tests/program-error.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";

/** An error that ends the program with `message` alone, logged on `resource` when given. */
export function programError(message: string, resource?: pulumi.Resource): pulumi.ResourceError {
  const error = new pulumi.ResourceError(message, resource, true);
  // The stack is an own property V8 sets at construction; without it nothing inspects the error.
  delete (error as { stack?: string }).stack;
  return error;
}
