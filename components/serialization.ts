/**
 * The rules for code that runs in the dynamic-provider host, and the one way its errors cross
 * into the host. Pure; imports nothing.
 *
 * Pulumi stores a dynamic provider in state as JavaScript text made by its closure serializer and
 * runs that text in another process (`@pulumi/pulumi/cmd/dynamic-provider`). Inside this
 * repository the runtime modules (optima/runtime.ts, azure/keyVerificationRuntime.ts) and all
 * they import (http/, formats.ts, this module, …) are serialized BY VALUE: each function is
 * rebuilt from its source text and each object from its own properties. What that rebuild loses
 * gives five rules. Each was read in pulumi/pulumi `sdk/nodejs/runtime/closure/` at tag v3.248.0
 * (the `@pulumi/pulumi` in package-lock.json) and is seen in the host by tests/*-host.test.ts:
 *
 * 1. No module-level `Set` or `Map`; use an array or a plain object. createClosure.ts
 *    (`getOrCreateEntryAsync`) rebuilds an Array element by element and any other object from its
 *    own properties only. A Set or Map keeps its entries in internal slots, so it comes back an
 *    empty shell whose methods throw ("called on incompatible receiver").
 * 2. No `#private` members; use `private` (TypeScript only). parseFunction.ts rebuilds a class's
 *    constructor and each method from their own text, outside the class body, where a `#name`
 *    does not parse: serialization fails.
 * 3. No class field initializers; set every field in the constructor. parseFunction.ts keeps only
 *    the class's `constructor` member (`classDecl.members.find(ts.isConstructorDeclaration)`), so
 *    an initializer beside it is dropped.
 * 4. An `Error` subclass ends its constructor with {@link completeError}. rewriteSuper.ts turns
 *    `super(message)` into `__super.call(this, message)`; `Error.call` sets nothing on `this`,
 *    and the rebuilt class does not inherit from `Error.prototype`, so its instances would have
 *    no message and not be `instanceof Error`. And since an object made by one serialized copy of
 *    a module is not an instance of a class from another copy, code that must recognise an error
 *    checks its `name` and shape too (as `isHttpError` does), not `instanceof` alone.
 * 5. A module from node_modules is imported inside the function that uses it
 *    (`const { default: axios } = await import("axios")`). createClosure.ts (`captureModuleAsync`)
 *    serializes a local module by value but a module under node_modules as a `require()` of its
 *    path below node_modules, which would freeze a file inside that package into state. The same
 *    mechanism is used on purpose the other way round: optima/provider.ts and
 *    azure/keyVerification.ts import their runtime module at the top, so that from an installed
 *    package the provider serializes as `require("optima-csp/runtime/…")`, the stable `exports`
 *    subpath (package.ts `getModuleFromPath` maps the file to it; see CHANGELOG.md).
 *
 * Errors cross into the host ONE way. The host reads what a provider method threw as
 * `error.message` (the gRPC answer the engine shows) and `${error}: ${error.stack}` (its stderr).
 * A message alone is a plain `new Error(message)` (`Error` is a global, never rebuilt); an error
 * with a name or facts of its own (a status, a method and path) is an instance of an `Error`
 * subclass completed by {@link completeError}, never a plain `Error` with fields added.
 */

/**
 * Completes an instance of an `Error` subclass, at the end of its constructor, so that it is a
 * real Error with its message even when the class is a closure-serialized copy (rule 4 above):
 * restores the prototype chain, the message and the stack. For a class loaded normally it
 * changes nothing.
 */
export function completeError(error: Error, message: string): void {
  if (!(error instanceof Error)) {
    const prototype: unknown = Object.getPrototypeOf(error);
    if (prototype && Object.getPrototypeOf(prototype) === Object.prototype) {
      Object.setPrototypeOf(prototype, Error.prototype);
    }
  }
  if (error.message !== message) {
    Object.defineProperty(error, "message", {
      value: message,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  if (!Object.prototype.hasOwnProperty.call(error, "stack")) {
    Error.captureStackTrace(error);
  }
}
