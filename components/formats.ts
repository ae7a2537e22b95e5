/**
 * Pure format checks shared by the component's argument validation, both dynamic providers'
 * `check()` and `optima-csp status`: one definition of what an Entra ID identifier looks like,
 * and of a date-time that a check may trust.
 */

/** A GUID, as Entra ID writes client, object and tenant IDs (either letter case). */
export const GUID_PATTERN = "[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}";

const GUID = new RegExp(`^${GUID_PATTERN}$`);

/**
 * The nil GUID: the right shape, but never an identifier Entra ID assigns (a placeholder copied
 * from an example, or a zeroed field), so no check accepts it.
 */
export const NIL_GUID = "00000000-0000-0000-0000-000000000000";

/** The GUID that messages show as an example of the form. */
export const EXAMPLE_GUID = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";

/** Whether a value is a GUID string Entra ID could have assigned: the nil GUID is not one. */
export function isGuid(value: unknown): value is string {
  return typeof value === "string" && GUID.test(value) && value !== NIL_GUID;
}

/**
 * A value that is not an Entra ID identifier, for the end of a message (`…; got <this>`): quoted
 * as JSON, and the nil GUID named as the placeholder it is.
 */
export function shownNonGuid(value: unknown): string {
  return value === NIL_GUID
    ? `the nil GUID ${NIL_GUID}, a placeholder Entra ID never assigns`
    : JSON.stringify(value ?? null);
}

/**
 * An ISO 8601 date-time with its zone, as Graph and the stack write instants
 * (`2026-12-21T00:00:00Z`, `2026-12-21T01:00:00.5+01:00`): date, time (seconds and fraction
 * optional), and `Z` or an offset. Nothing else: no date alone, no epoch number, no local time.
 */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** The form {@link parseIsoDateTime} accepts, for messages. */
export const ISO_DATE_TIME_FORM = "an ISO 8601 date-time with Z or an offset, such as 2026-12-21T00:00:00Z";

/**
 * Epoch milliseconds of an ISO 8601 date-time ({@link ISO_DATE_TIME_FORM}), or undefined when the
 * text is not one or names no such instant (month 13, 31 April, hour 24, offset beyond ±23:59).
 * Stricter than `Date.parse`, which reads `"1"` as the year 2001.
 */
export function parseIsoDateTime(text: unknown): number | undefined {
  const m = typeof text === "string" ? ISO_DATE_TIME.exec(text) : null;
  if (m === null) {
    return undefined;
  }
  const [, y, mo, d, h, mi, s = "0", fraction = "", zone, zh = "0", zm = "0"] = m;
  const fields = [y, mo, d, h, mi, s].map(Number);
  const local = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
  const check = new Date(local);
  if (
    fields[0] < 1000 ||
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] - 1 ||
    check.getUTCDate() !== fields[2] ||
    check.getUTCHours() !== fields[3] ||
    check.getUTCMinutes() !== fields[4] ||
    check.getUTCSeconds() !== fields[5] ||
    Number(zh) > 23 ||
    Number(zm) > 59
  ) {
    return undefined;
  }
  const offsetMinutes = zone === "Z" ? 0 : (zone.startsWith("-") ? -1 : 1) * (Number(zh) * 60 + Number(zm));
  return local + Math.floor(Number(`0.${fraction || "0"}`) * 1000) - offsetMinutes * 60_000;
}
