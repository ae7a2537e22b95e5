/**
 * components/programError.ts: an error that ends the stack program reaches the user as its message
 * alone, through the SDK's own handler code, and is never handed to `util.inspect`.
 */
import * as pulumi from "@pulumi/pulumi";
import { inspect } from "node:util";
import { programError } from "../components/programError";

/* eslint-disable @typescript-eslint/no-require-imports */
// The SDK's renderer that its unhandled-rejection handler calls for every error (3.248.0).
const { defaultErrorMessage } = require("@pulumi/pulumi/cmd/run/error") as {
  defaultErrorMessage(err: unknown): string;
};
/* eslint-enable @typescript-eslint/no-require-imports */

const MESSAGE = "The Web App 0f5a… carries live keys of another optima-csp deployment, 1a2b3c4d.";

/** What `runtime/debuggable.js` does to an error that rejects a promise of the SDK. */
function asTheSdkLeavesIt(error: Error): Error {
  const rejected = Promise.reject(error);
  rejected.catch(() => undefined);
  (error as Error & { promise?: Promise<unknown> }).promise = rejected;
  return error;
}

describe("programError", () => {
  test("renders as its message alone through the SDK's defaultErrorMessage, not through util.inspect", () => {
    const error = asTheSdkLeavesIt(programError(MESSAGE));
    expect(defaultErrorMessage(error)).toBe(MESSAGE);
    // The control: an ordinary error is inspected, stack and the SDK's promise included.
    const plain = asTheSdkLeavesIt(new Error(MESSAGE));
    expect(defaultErrorMessage(plain)).toBe(inspect(plain, { colors: true }));
    expect(defaultErrorMessage(plain)).toContain("promise:");
  });

  test("is a ResourceError that hides its stack and names the resource it is logged on", () => {
    const resource = { urn: "urn:pulumi:dev::optima-csp::x::y" } as unknown as pulumi.Resource;
    const error = programError(MESSAGE, resource);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe(MESSAGE);
    expect(pulumi.ResourceError.isInstance(error)).toBe(true);
    expect(error.hideStack).toBe(true);
    expect(error.resource).toBe(resource);
    expect(error.stack).toBeUndefined();
    expect(programError(MESSAGE).resource).toBeUndefined();
  });
});
