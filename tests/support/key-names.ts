/**
 * The display name optima-csp gives each key it makes (components/azure/rotation.ts
 * `keyDisplayName`), written out here rather than imported, so that the tests that read keys by
 * their names (status, ownership) pin the format instead of repeating the code that makes it.
 */

/** `optima-csp <deployment> slot <slot> window <window> (expires <YYYY-MM-DD>)`. */
export function optimaKeyName(
  deploymentId: string,
  slot: "a" | "b",
  window: number,
  expires: string,
): string {
  return `optima-csp ${deploymentId} slot ${slot} window ${window} (expires ${expires})`;
}
