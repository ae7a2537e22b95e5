/**
 * The simulated world's one clock: real time plus an offset that a test moves.
 *
 * Everything in the emulator that depends on time reads it from here: Optima access-token
 * expiry, Entra ID key expiry (`endDateTime`) and propagation, and the timestamps it writes. The
 * engine scenarios also hand it to the stack program (the `optima-csp:clock` config key), so the
 * program plans the rotation window of the same instant the world is at.
 *
 * Time keeps running between jumps: a key that needs 2 s to propagate still needs 2 s of real
 * time after `set`, so retries and backoff behave as they would against the real service, and a
 * jump of days moves expiry without waiting for it.
 */
export class SimulatedClock {
  private offsetMs = 0;

  /** The current simulated instant, in epoch milliseconds. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** The current simulated instant as RFC 3339 in UTC with whole seconds. */
  iso(): string {
    return new Date(Math.floor(this.now() / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
  }

  /** Moves the clock to `instant` (an ISO 8601 string, a Date or epoch ms); it runs on from there. */
  set(instant: string | number | Date): void {
    const ms =
      instant instanceof Date
        ? instant.getTime()
        : typeof instant === "number"
          ? instant
          : Date.parse(instant);
    if (!Number.isFinite(ms)) {
      throw new Error(`clock.set: not an instant: ${String(instant)}`);
    }
    this.offsetMs = ms - Date.now();
  }

  /** Moves the clock forward (or back, with a negative value) by `ms`. */
  advance(ms: number): void {
    if (!Number.isFinite(ms)) {
      throw new Error(`clock.advance: not a number of milliseconds: ${String(ms)}`);
    }
    this.offsetMs += ms;
  }

  /** Back to real time. */
  reset(): void {
    this.offsetMs = 0;
  }
}
