/**
 * Pure format checks shared by the component's argument validation and both dynamic providers'
 * `check()`: one definition of what an Entra ID identifier looks like.
 */

/** A GUID, as Entra ID writes client, object and tenant IDs (either letter case). */
export const GUID_PATTERN = "[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}";

const GUID = new RegExp(`^${GUID_PATTERN}$`);

/** Whether a value is a GUID string. */
export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID.test(value);
}
