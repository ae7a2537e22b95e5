/**
 * The value the Pulumi engine sends a provider for an input that is not known yet (during a
 * preview, an output of a resource not created yet): the one definition, for every `check()` and
 * `diff()` that must let it through. Pure; imports nothing.
 *
 * The same string as `unknownValue` in `@pulumi/pulumi`'s `runtime/rpc` (pulumi/pulumi
 * `sdk/nodejs/runtime/rpc.ts` at v3.248.0, the version in package-lock.json;
 * tests/optima-provider-rules.test.ts checks that they are equal). Kept as a literal so that the
 * providers' serialized code does not load the Pulumi SDK.
 */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether an input is still unknown (a preview of a value computed during the update). */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}
