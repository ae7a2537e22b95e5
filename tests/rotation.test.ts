/**
 * planRotation: the window arithmetic of the rotation model, without Pulumi.
 */

import {
  DEFAULT_ROTATION_ANCHOR,
  RotationPlan,
  formatInstant,
  keyDisplayName,
  keyResourceName,
  legacySlotResourceName,
  planRotation,
  resolveRotationSettings,
  slotForWindow,
} from "../components/azure/rotation";

const DAY = 86_400_000;
const anchor = Date.parse("2024-01-01T00:00:00Z");
/** A plan with the defaults (180-day keys, 60-day period, anchor 2024-01-01). */
const at = (iso: string | number, extra: Partial<Parameters<typeof planRotation>[0]> = {}): RotationPlan =>
  planRotation({ now: new Date(iso), ...extra });
const iso = (ms: number): string => formatInstant(ms);

describe("resolveRotationSettings", () => {
  test("defaults: 180-day keys, rotation every 60 days, windows from 2024-01-01", () => {
    expect(resolveRotationSettings()).toEqual({
      keyExpiresAfterDays: 180,
      rotateAfterDays: 60,
      anchor: "2024-01-01T00:00:00Z",
    });
  });

  test("the default period is a third of the expiry, rounded down", () => {
    expect(resolveRotationSettings({ keyExpiresAfterDays: 100 }).rotateAfterDays).toBe(33);
    expect(resolveRotationSettings({ keyExpiresAfterDays: 3 }).rotateAfterDays).toBe(1);
    expect(resolveRotationSettings({ keyExpiresAfterDays: 730 }).rotateAfterDays).toBe(243);
  });

  test("anchors are normalized to UTC whole seconds; a date alone is UTC midnight", () => {
    expect(resolveRotationSettings({ anchor: "2024-03-05" }).anchor).toBe("2024-03-05T00:00:00Z");
    expect(resolveRotationSettings({ anchor: "2024-03-05T10:00:00+02:00" }).anchor).toBe(
      "2024-03-05T08:00:00Z",
    );
    expect(resolveRotationSettings({ anchor: "2024-03-05T10:00-01:30" }).anchor).toBe("2024-03-05T11:30:00Z");
    expect(resolveRotationSettings({ anchor: "2024-03-05T23:59:00+23:59" }).anchor).toBe(
      "2024-03-05T00:00:00Z",
    );
    expect(resolveRotationSettings({ anchor: "2024-03-05T10:00:00.000Z" }).anchor).toBe(
      "2024-03-05T10:00:00Z",
    );
    expect(resolveRotationSettings({ anchor: new Date("2024-03-05T10:00:00Z") }).anchor).toBe(
      "2024-03-05T10:00:00Z",
    );
  });

  test.each([
    [0, "got 0"],
    [2, "got 2"],
    [731, "got 731"],
    [90.5, "got 90.5"],
    [Number.NaN, "got NaN"],
  ])("keyExpiresAfterDays %p is refused with the allowed range", (keyExpiresAfterDays, got) => {
    expect(() => resolveRotationSettings({ keyExpiresAfterDays })).toThrow(
      `keyExpiresAfterDays must be a whole number of days from 3 to 730 (the Azure portal caps client secrets at 24 months, and a tenant's app management policy may cap them lower); ${got}.`,
    );
  });

  test.each([0, -1, 1.5])("rotateAfterDays %p is refused", (rotateAfterDays) => {
    expect(() => resolveRotationSettings({ rotateAfterDays })).toThrow(
      `rotateAfterDays must be a whole number of days of at least 1; got ${rotateAfterDays}.`,
    );
  });

  test("a period of half the expiry or more is refused with the largest period that works", () => {
    expect(() => resolveRotationSettings({ keyExpiresAfterDays: 180, rotateAfterDays: 90 })).toThrow(
      "rotateAfterDays (90) must be less than half of keyExpiresAfterDays (180), so that the previous key is " +
        "still valid when the next rotation replaces it: use at most 89 days, or raise keyExpiresAfterDays to at least 181.",
    );
    expect(() => resolveRotationSettings({ keyExpiresAfterDays: 181, rotateAfterDays: 91 })).toThrow(
      "use at most 90 days, or raise keyExpiresAfterDays to at least 183.",
    );
    expect(resolveRotationSettings({ keyExpiresAfterDays: 180, rotateAfterDays: 89 }).rotateAfterDays).toBe(
      89,
    );
  });

  test.each([
    ["2024-01-01T00:00:00", "not in that format; a date-time needs Z or an offset such as +02:00"],
    ["01/01/2024", "not in that format; a date-time needs Z or an offset such as +02:00"],
    ["2024-02-30T00:00:00Z", "no such date or time"],
    ["2024-01-01T24:00:00Z", "no such date or time"],
    ["2024-01-01T00:00:00.5Z", "fractions of a second are not allowed"],
    ["2024-01-01T00:00:00+99:99", "no such UTC offset +99:99; offsets run from -23:59 to +23:59"],
    ["2024-01-01T00:00:00+24:00", "no such UTC offset +24:00; offsets run from -23:59 to +23:59"],
    ["2024-01-01T00:00:00-23:75", "no such UTC offset -23:75; offsets run from -23:59 to +23:59"],
  ])("anchor %p is refused: %s", (value, why) => {
    expect(() => resolveRotationSettings({ anchor: value })).toThrow(
      `rotationAnchor must be an ISO 8601 instant in UTC or with an offset, in whole seconds, such as ` +
        `2024-01-01T00:00:00Z or 2024-01-01 (UTC midnight); got ${JSON.stringify(value)} (${why}).`,
    );
  });

  test("Date anchors must be valid and whole seconds", () => {
    expect(() => resolveRotationSettings({ anchor: new Date("nope") })).toThrow(
      'got "Invalid Date" (not a valid date)',
    );
    expect(() => resolveRotationSettings({ anchor: new Date(anchor + 1) })).toThrow(
      "fractions of a second are not allowed",
    );
  });
});

describe("planRotation", () => {
  test("the first window: slot a holds window 0, slot b window -1, both keys valid well past now", () => {
    const plan = at("2024-01-01T00:00:00Z");
    expect(plan.window).toBe(0);
    expect(plan.activeSlot).toBe("a");
    expect(plan.previousSlot).toBe("b");
    expect(plan.slots.a).toEqual({
      slot: "a",
      window: 0,
      windowStartsAt: "2024-01-01T00:00:00Z",
      endDate: "2024-06-29T00:00:00Z",
      rotateWhenChanged: { window: "0", windowStartsAt: "2024-01-01T00:00:00Z" },
    });
    expect(plan.slots.b).toEqual({
      slot: "b",
      window: -1,
      windowStartsAt: "2023-11-02T00:00:00Z",
      endDate: "2024-04-30T00:00:00Z",
      rotateWhenChanged: { window: "-1", windowStartsAt: "2023-11-02T00:00:00Z" },
    });
    expect(plan.nextRotationAt).toBe("2024-03-01T00:00:00Z");
    expect(plan.activeKeyExpiresAt).toBe("2024-06-29T00:00:00Z");
    expect(plan.previousKeyExpiresAt).toBe("2024-04-30T00:00:00Z");
  });

  test("boundaries: the last millisecond of a window belongs to it, its end to the next window", () => {
    const boundary = anchor + 5 * 60 * DAY;
    const before = at(boundary - 1);
    const after = at(boundary);
    expect([before.window, before.activeSlot]).toEqual([4, "a"]);
    expect([after.window, after.activeSlot]).toEqual([5, "b"]);
    expect(before.nextRotationAt).toBe(iso(boundary));
    expect(after.slots.b.windowStartsAt).toBe(iso(boundary));
  });

  test("every instant inside one window gives the same plan (a run changes nothing)", () => {
    const start = anchor + 7 * 60 * DAY;
    const first = at(start);
    for (const offset of [1, 1000, DAY, 30 * DAY, 60 * DAY - 1]) {
      expect(at(start + offset)).toEqual(first);
    }
  });

  test("the next window changes exactly the older slot and makes it active", () => {
    const start = anchor + 7 * 60 * DAY;
    const now = at(start);
    const next = at(start + 60 * DAY);
    expect(now.activeSlot).toBe("b");
    expect(next.activeSlot).toBe("a");
    expect(next.slots.b).toEqual(now.slots.b); // the key Optima held stays, untouched
    expect(next.slots.a).not.toEqual(now.slots.a);
    expect(next.slots.a.window).toBe(8);
  });

  test("a run days late rotates once, with the same end dates an on-time run would have planned", () => {
    const boundary = anchor + 9 * 60 * DAY;
    const onTime = at(boundary);
    const late = at(boundary + 4 * DAY + 3_600_000);
    expect(late).toEqual(onTime);
    // The previous key still has keyExpiresAfterDays - 2 x rotateAfterDays = 60 days of margin at the
    // next boundary, which is what absorbs late runs.
    const margin = Date.parse(late.previousKeyExpiresAt) - Date.parse(late.nextRotationAt);
    expect(margin).toBe(60 * DAY);
  });

  test("a run that missed whole windows re-plans both slots; neither keeps an old window", () => {
    const last = at(anchor + 3 * 60 * DAY + DAY); // window 3: b active, a holds window 2
    const missed = at(anchor + 6 * 60 * DAY + 2 * DAY); // window 6: a active, b holds window 5
    expect([last.slots.a.window, last.slots.b.window]).toEqual([2, 3]);
    expect([missed.slots.a.window, missed.slots.b.window]).toEqual([6, 5]);
    expect(missed.activeSlot).toBe("a");
    expect(missed.previousSlot).toBe("b");
  });

  test("end dates are whole-second UTC instants, never the clock of the run", () => {
    const plan = at("2025-05-17T13:37:42.123Z");
    for (const slot of Object.values(plan.slots)) {
      expect(slot.endDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
      expect(Date.parse(slot.endDate) - Date.parse(slot.windowStartsAt)).toBe(180 * DAY);
    }
  });

  test("a key made late for window k-1 on a first deployment is never born expired", () => {
    // Worst case: the last moment of a window, shortest allowed expiry for the period.
    for (const [keyExpiresAfterDays, rotateAfterDays] of [
      [3, 1],
      [61, 30],
      [180, 89],
    ]) {
      const plan = at(anchor + 10 * rotateAfterDays * DAY - 1, { keyExpiresAfterDays, rotateAfterDays });
      const now = anchor + 10 * rotateAfterDays * DAY - 1;
      expect(Date.parse(plan.previousKeyExpiresAt)).toBeGreaterThan(now);
    }
  });

  test("a custom anchor, period and expiry", () => {
    const plan = planRotation({
      now: new Date("2025-02-10T12:00:00Z"),
      anchor: "2025-01-01T06:00:00+06:00",
      rotateAfterDays: 30,
      keyExpiresAfterDays: 90,
    });
    // Anchor 2025-01-01T00:00Z; windows of 30 days: window 1 starts 2025-01-31.
    expect(plan.window).toBe(1);
    expect(plan.activeSlot).toBe("b");
    expect(plan.slots.b.windowStartsAt).toBe("2025-01-31T00:00:00Z");
    expect(plan.slots.b.endDate).toBe("2025-05-01T00:00:00Z");
    expect(plan.nextRotationAt).toBe("2025-03-02T00:00:00Z");
  });

  test("an anchor after now is refused", () => {
    expect(() => planRotation({ now: new Date("2023-12-31T23:59:59.500Z") })).toThrow(
      "rotationAnchor (2024-01-01T00:00:00Z) is after the current time (2023-12-31T23:59:59Z): rotation windows " +
        "count forward from the anchor, so it must be an instant in the past; use the default 2024-01-01T00:00:00Z " +
        "or the time of your first deployment.",
    );
  });

  test("an invalid clock is refused", () => {
    expect(() => planRotation({ now: new Date("garbage") })).toThrow(
      "now must be a valid Date; got Invalid Date.",
    );
  });

  test("the default anchor is the documented one", () => {
    expect(DEFAULT_ROTATION_ANCHOR).toBe("2024-01-01T00:00:00Z");
  });
});

describe("slots and display names", () => {
  test("slots alternate by the parity of the window, negative windows included", () => {
    expect([-2, -1, 0, 1, 2, 3].map(slotForWindow)).toEqual(["a", "b", "a", "b", "a", "b"]);
  });

  test("the display name says which deployment, slot and window own the key, and when it expires", () => {
    const plan = at("2025-09-01T00:00:00Z");
    expect(keyDisplayName(plan.slots[plan.activeSlot], "3f9a1c2e")).toBe(
      `optima-csp 3f9a1c2e slot ${plan.activeSlot} window ${plan.window} (expires ${plan.activeKeyExpiresAt.slice(0, 10)})`,
    );
  });

  test("each window's key has a resource name of its own; a boundary adds one name and drops the oldest", () => {
    const names = (plan: RotationPlan): string[] =>
      [plan.slots[plan.previousSlot], plan.slots[plan.activeSlot]].map((slot) =>
        keyResourceName("conn", slot.window),
      );
    const w13 = at("2026-03-01T00:00:00Z");
    const w14 = at("2026-04-20T00:00:00Z");
    const w17 = at("2026-10-20T00:00:00Z");
    expect(names(w13)).toEqual(["conn-key-w12", "conn-key-w13"]);
    expect(names(w14)).toEqual(["conn-key-w13", "conn-key-w14"]);
    expect(names(w17)).toEqual(["conn-key-w16", "conn-key-w17"]); // missed window 16: no name kept
    // Over many windows, a name is never used for another window's key.
    const seen = new Map<string, number>();
    for (let k = 0; k < 50; k++) {
      const plan = at(anchor + k * 60 * DAY);
      for (const slot of [plan.slots.a, plan.slots.b]) {
        const name = keyResourceName("conn", slot.window);
        expect(seen.get(name) ?? slot.window).toBe(slot.window);
        seen.set(name, slot.window);
      }
    }
  });

  test("the alias of a window's key is the name its slot's password had before: conn-key-a for even windows, -b for odd", () => {
    const plan = at("2026-03-01T00:00:00Z"); // window 13
    expect(legacySlotResourceName("conn", plan.activeSlot)).toBe("conn-key-b");
    expect(legacySlotResourceName("conn", plan.previousSlot)).toBe("conn-key-a");
  });
});
