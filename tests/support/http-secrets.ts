/**
 * Secret scanning for tests: every way an error or a log line could be shown (message, stack,
 * JSON, util.inspect with hidden properties) is searched for each secret.
 */
import { inspect } from "node:util";

/** All renderings of a value a user or a log pipeline could see. */
export function renderings(value: unknown): string[] {
  const out = [inspect(value, { showHidden: true, depth: Infinity, getters: true })];
  if (typeof value === "string") {
    out.push(value);
  } else {
    out.push(JSON.stringify(value) ?? "");
  }
  if (value instanceof Error) {
    out.push(value.message, value.stack ?? "", String(value));
  }
  return out;
}

/** Throws a readable failure naming the rendering that leaked, never the secret itself. */
export function expectNoSecrets(values: readonly unknown[], secrets: readonly string[]): void {
  expect(secrets.filter((s) => s.length > 0).length).toBeGreaterThan(0);
  for (const [i, value] of values.entries()) {
    for (const text of renderings(value)) {
      for (const [j, secret] of secrets.entries()) {
        if (secret && text.includes(secret)) {
          throw new Error(`value #${i} leaks secret #${j} in: ${text.split(secret).join("<SECRET>")}`);
        }
      }
    }
  }
}

/** Awaits a promise that must reject and returns what it rejected with. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the promise to reject, but it resolved");
}
