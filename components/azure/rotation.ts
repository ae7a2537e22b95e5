/**
 * Rotation planning: which key each of the two password slots holds at a given instant.
 *
 * Owns the window arithmetic of the rotation model and nothing else (no Pulumi, no I/O):
 *
 * - Window `k` starts at `anchor + k × rotateAfterDays` (UTC, in whole days of 86 400 s, so
 *   daylight saving never moves a boundary). The current window is
 *   `floor((now − anchor) / rotateAfterDays)`.
 * - Two slots, `a` and `b`, are used alternately by the parity of the window: the slot whose turn
 *   it is holds window `k` (the active key), the other holds window `k − 1` (the previous key).
 * - A slot's `endDate`, display name and `rotateWhenChanged` keys are functions of its window
 *   only, never of the clock at the time of the run. So every run inside a window plans the
 *   same inputs (nothing changes), the first run after a boundary changes exactly the older
 *   slot, and a run that missed whole windows changes both.
 * - Each window's key is a resource of its own, named by the window ({@link keyResourceName}):
 *   a new window adds one, and the one two windows old leaves the plan. The slot's name from
 *   before ({@link legacySlotResourceName}) is that resource's alias.
 * - `rotateAfterDays < keyExpiresAfterDays / 2`: the previous key (window `k − 1`) is still valid
 *   for `keyExpiresAfterDays − 2 × rotateAfterDays` days after the next boundary, which absorbs
 *   late runs, and a key made on the first deployment for window `k − 1` is never born expired.
 *
 * Invalid settings throw a {@link RotationSettingsError} whose message names the setting, the
 * value and what to use instead; the component calls this at construction time.
 */

/** Windows count from this instant unless `rotationAnchor` says otherwise. */
export const DEFAULT_ROTATION_ANCHOR = "2024-01-01T00:00:00Z";
/** Lifetime of a key, in days, unless `keyExpiresAfterDays` says otherwise (Partner Center's own default is six months). */
export const DEFAULT_KEY_EXPIRES_AFTER_DAYS = 180;
/** The longest key lifetime accepted, in days: the Azure portal caps client secrets at 24 months. */
export const MAX_KEY_EXPIRES_AFTER_DAYS = 730;
/** The shortest key lifetime accepted, in days: the least that leaves room for a 1-day period below half of it. */
export const MIN_KEY_EXPIRES_AFTER_DAYS = 3;

/** The two password slots, used alternately. */
export const SLOTS = ["a", "b"] as const;
export type SlotName = (typeof SLOTS)[number];

const DAY_MS = 86_400_000;

/** Invalid rotation settings; the message says what to change. */
export class RotationSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RotationSettingsError";
  }
}

/** The rotation settings as a user gives them; every field has a default. */
export interface RotationSettingsInput {
  /** Lifetime of each key in whole days, 3–730. Default 180. */
  readonly keyExpiresAfterDays?: number;
  /** Rotation period in whole days, less than half of `keyExpiresAfterDays`. Default: a third of it, rounded down. */
  readonly rotateAfterDays?: number;
  /**
   * The instant windows count from: an ISO 8601 date (`2024-01-01`, read as UTC midnight) or
   * date-time with `Z` or an offset, in whole seconds, not after `now`. Default `2024-01-01T00:00:00Z`.
   */
  readonly anchor?: string | Date;
}

/** Validated settings, defaults applied. */
export interface RotationSettings {
  readonly keyExpiresAfterDays: number;
  readonly rotateAfterDays: number;
  /** The anchor as an RFC 3339 UTC instant in whole seconds, e.g. `2024-01-01T00:00:00Z`. */
  readonly anchor: string;
}

export interface PlanRotationParams extends RotationSettingsInput {
  /** The clock: the instant the plan is for. */
  readonly now: Date;
}

/** What one slot holds in a plan. */
export interface SlotPlan {
  readonly slot: SlotName;
  /** The rotation window whose key this slot holds. */
  readonly window: number;
  /** When that window starts (RFC 3339, UTC, whole seconds). */
  readonly windowStartsAt: string;
  /** The key's expiry: the window's start plus `keyExpiresAfterDays` (RFC 3339, UTC, whole seconds). */
  readonly endDate: string;
  /**
   * The `rotateWhenChanged` map of the slot's password: a new window, or a re-planned start of
   * the same window (a different anchor or period), replaces the key.
   */
  readonly rotateWhenChanged: Readonly<Record<string, string>>;
}

export interface RotationPlan {
  readonly settings: RotationSettings;
  /** The current window, `floor((now − anchor) / rotateAfterDays)`. */
  readonly window: number;
  /** The slot holding the current window's key: the key Optima is given. */
  readonly activeSlot: SlotName;
  /** The slot holding the previous window's key, kept valid until the next rotation replaces it. */
  readonly previousSlot: SlotName;
  readonly slots: Readonly<Record<SlotName, SlotPlan>>;
  /** Start of the next window: the first run at or after it rotates (RFC 3339, UTC). */
  readonly nextRotationAt: string;
  /** The active key's `endDate`. */
  readonly activeKeyExpiresAt: string;
  /** The previous key's `endDate`. */
  readonly previousKeyExpiresAt: string;
}

/**
 * Validates rotation settings and fills in the defaults. Throws a {@link RotationSettingsError}
 * naming the setting and what to use instead. (`now` is checked by {@link planRotation}.)
 */
export function resolveRotationSettings(input: RotationSettingsInput = {}): RotationSettings {
  const keyExpiresAfterDays = input.keyExpiresAfterDays ?? DEFAULT_KEY_EXPIRES_AFTER_DAYS;
  if (
    !Number.isInteger(keyExpiresAfterDays) ||
    keyExpiresAfterDays < MIN_KEY_EXPIRES_AFTER_DAYS ||
    keyExpiresAfterDays > MAX_KEY_EXPIRES_AFTER_DAYS
  ) {
    throw new RotationSettingsError(
      `keyExpiresAfterDays must be a whole number of days from ${MIN_KEY_EXPIRES_AFTER_DAYS} to ` +
        `${MAX_KEY_EXPIRES_AFTER_DAYS} (the Azure portal caps client secrets at 24 months, and a tenant's ` +
        `app management policy may cap them lower); got ${String(input.keyExpiresAfterDays)}.`,
    );
  }

  const rotateAfterDays = input.rotateAfterDays ?? Math.floor(keyExpiresAfterDays / 3);
  if (!Number.isInteger(rotateAfterDays) || rotateAfterDays < 1) {
    throw new RotationSettingsError(
      `rotateAfterDays must be a whole number of days of at least 1; got ${String(input.rotateAfterDays)}.`,
    );
  }
  if (2 * rotateAfterDays >= keyExpiresAfterDays) {
    throw new RotationSettingsError(
      `rotateAfterDays (${rotateAfterDays}) must be less than half of keyExpiresAfterDays ` +
        `(${keyExpiresAfterDays}), so that the previous key is still valid when the next rotation ` +
        `replaces it: use at most ${Math.floor((keyExpiresAfterDays - 1) / 2)} days, or raise ` +
        `keyExpiresAfterDays to at least ${2 * rotateAfterDays + 1}.`,
    );
  }

  const anchor = formatInstant(parseAnchor(input.anchor ?? DEFAULT_ROTATION_ANCHOR));
  return { keyExpiresAfterDays, rotateAfterDays, anchor };
}

/**
 * Plans both slots for the instant `now`. Pure: the same settings and a `now` in the same
 * window always give the same plan.
 */
export function planRotation(params: PlanRotationParams): RotationPlan {
  const settings = resolveRotationSettings(params);
  const nowMs = params.now instanceof Date ? params.now.getTime() : NaN;
  if (!Number.isFinite(nowMs)) {
    throw new RotationSettingsError(`now must be a valid Date; got ${String(params.now)}.`);
  }
  const anchorMs = Date.parse(settings.anchor);
  if (nowMs < anchorMs) {
    throw new RotationSettingsError(
      `rotationAnchor (${settings.anchor}) is after the current time (${formatInstant(Math.floor(nowMs / 1000) * 1000)}): ` +
        `rotation windows count forward from the anchor, so it must be an instant in the past; use the ` +
        `default ${DEFAULT_ROTATION_ANCHOR} or the time of your first deployment.`,
    );
  }

  const periodMs = settings.rotateAfterDays * DAY_MS;
  const window = Math.floor((nowMs - anchorMs) / periodMs);
  const startOf = (k: number): number => anchorMs + k * periodMs;

  const slotPlan = (slot: SlotName, k: number): SlotPlan => {
    const windowStartsAt = formatInstant(startOf(k));
    return {
      slot,
      window: k,
      windowStartsAt,
      endDate: formatInstant(startOf(k) + settings.keyExpiresAfterDays * DAY_MS),
      rotateWhenChanged: { window: String(k), windowStartsAt },
    };
  };

  const activeSlot = slotForWindow(window);
  const previousSlot = otherSlot(activeSlot);
  const active = slotPlan(activeSlot, window);
  const previous = slotPlan(previousSlot, window - 1);
  return {
    settings,
    window,
    activeSlot,
    previousSlot,
    slots: { [activeSlot]: active, [previousSlot]: previous } as Record<SlotName, SlotPlan>,
    nextRotationAt: formatInstant(startOf(window + 1)),
    activeKeyExpiresAt: active.endDate,
    previousKeyExpiresAt: previous.endDate,
  };
}

/** The slot that holds window `k`'s key: `a` for even windows, `b` for odd ones. */
export function slotForWindow(k: number): SlotName {
  return Math.abs(k % 2) === 0 ? "a" : "b";
}

export function otherSlot(slot: SlotName): SlotName {
  return slot === "a" ? "b" : "a";
}

/**
 * The display name of a slot's key, as a person sees it in the portal (Certificates & secrets →
 * Description): which deployment owns it, which slot and window it is, and when it expires, e.g.
 * `optima-csp 3f9a1c2e slot b window 7 (expires 2025-08-23)`. `deploymentId` is the stable
 * per-deployment suffix.
 */
export function keyDisplayName(slot: SlotPlan, deploymentId: string): string {
  return `optima-csp ${deploymentId} slot ${slot.slot} window ${slot.window} (expires ${slot.endDate.slice(0, 10)})`;
}

/** What a key's display name says when it is one {@link keyDisplayName} made. */
export interface KeyNameParts {
  /** The 8 hex digits of the deployment (the component's `random.RandomId`). */
  readonly deploymentId: string;
  readonly slot: SlotName;
  readonly window: number;
}

/** The deployment, slot and window a key's display name names, or undefined when optima-csp did not name it. */
export function parseKeyName(displayName: string | null | undefined): KeyNameParts | undefined {
  const m = /^optima-csp ([0-9a-f]{8}) slot ([ab]) window (\d+)(?: |$)/.exec(displayName ?? "");
  return m ? { deploymentId: m[1], slot: m[2] as SlotName, window: Number(m[3]) } : undefined;
}

/** The name of window `k`'s password resource in a component named `component`. */
export function keyResourceName(component: string, window: number): string {
  return `${component}-key-w${window}`;
}

/** What a slot's password was named before each window had its own (an alias, for migration). */
export function legacySlotResourceName(component: string, slot: SlotName): string {
  return `${component}-key-${slot}`;
}

/**
 * An instant as RFC 3339 in UTC with whole seconds (`2024-01-01T00:00:00Z`): the form Azure AD
 * reads back, so a key's `endDate` in state never differs from the planned one by formatting alone.
 */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/;

/** Parses and checks an anchor; returns epoch milliseconds (a whole second). */
function parseAnchor(anchor: string | Date): number {
  const shown =
    anchor instanceof Date
      ? Number.isNaN(anchor.getTime())
        ? "Invalid Date"
        : anchor.toISOString()
      : anchor;
  const invalid = (why: string): RotationSettingsError =>
    new RotationSettingsError(
      `rotationAnchor must be an ISO 8601 instant in UTC or with an offset, in whole seconds, such as ` +
        `${DEFAULT_ROTATION_ANCHOR} or 2024-01-01 (UTC midnight); got ${JSON.stringify(shown)} (${why}).`,
    );

  let ms: number;
  if (anchor instanceof Date) {
    ms = anchor.getTime();
    if (Number.isNaN(ms)) {
      throw invalid("not a valid date");
    }
  } else {
    const m = typeof anchor === "string" ? ISO_INSTANT.exec(anchor.trim()) : null;
    if (!m) {
      throw invalid("not in that format; a date-time needs Z or an offset such as +02:00");
    }
    const [, y, mo, d, h = "00", mi = "00", s = "00", fraction, zone = "Z"] = m;
    const fields = [y, mo, d, h, mi, s].map(Number) as [number, number, number, number, number, number];
    const local = Date.UTC(fields[0], fields[1] - 1, fields[2], fields[3], fields[4], fields[5]);
    const check = new Date(local);
    if (
      check.getUTCFullYear() !== fields[0] ||
      check.getUTCMonth() !== fields[1] - 1 ||
      check.getUTCDate() !== fields[2] ||
      check.getUTCHours() !== fields[3] ||
      check.getUTCMinutes() !== fields[4] ||
      check.getUTCSeconds() !== fields[5]
    ) {
      throw invalid("no such date or time");
    }
    if (fraction !== undefined && Number(fraction) !== 0) {
      throw invalid("fractions of a second are not allowed");
    }
    if (zone !== "Z" && (Number(zone.slice(1, 3)) > 23 || Number(zone.slice(4, 6)) > 59)) {
      throw invalid(`no such UTC offset ${zone}; offsets run from -23:59 to +23:59`);
    }
    const offsetMinutes =
      zone === "Z"
        ? 0
        : (zone.startsWith("-") ? -1 : 1) * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6)));
    ms = local - offsetMinutes * 60_000;
  }
  if (ms % 1000 !== 0) {
    throw invalid("fractions of a second are not allowed");
  }
  return ms;
}
