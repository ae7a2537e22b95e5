/**
 * A mistake in how a subcommand was called (its flags, the files they name), found before any
 * call: the one base of each subcommand's usage error (`StatusUsageError`, `CustomersUsageError`,
 * `UntrackedUsageError`), whose message the subcommand shows as it is (a mistake to correct, not
 * a failed check).
 */
import { completeError } from "../serialization";

/** Named after the class thrown (`StatusUsageError`, …); a completed `Error` subclass (../serialization). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
    completeError(this, message);
  }
}
