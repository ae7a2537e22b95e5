/**
 * What both test-double plugins share: the wire conventions of provider inputs (secret
 * signatures, the preview unknown sentinel), the Graph client they use against the emulator, and
 * their log file.
 *
 * Environment (set by the scenario workspace, ../workspace): `OPTIMA_CSP_GRAPH_URL` (the
 * emulator's Graph v1.0 base), `OPTIMA_CSP_GRAPH_TOKEN` (the signed-in identity's Graph token),
 * `OPTIMA_CSP_DOUBLES_LOG` (a file: the engine does not show a plugin's own output). A plugin's
 * `configure` gets no stack config through `@pulumi/pulumi/provider`, hence the environment.
 */
import { appendFileSync } from "node:fs";

/** The signature key and value that mark a secret in provider RPC values (sdk/proto, `rpc.ts`). */
export const SECRET_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** What the engine sends for a value not known yet (preview). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The plain value of a provider RPC value: secret wrappers removed, at any depth. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(plain);
  }
  if (typeof value === "object" && value !== null) {
    const record = value as Record<string, unknown>;
    if (record[SECRET_KEY] === SECRET_SIG) {
      return plain(record.value);
    }
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

/** Marks a value secret in an RPC value. */
export function secret(value: unknown): Record<string, unknown> {
  return { [SECRET_KEY]: SECRET_SIG, value };
}

/** True when the value, or anything in it, is the unknown sentinel. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) {
    return true;
  }
  if (typeof value === "object" && value !== null) {
    return Object.values(value as Record<string, unknown>).some(containsUnknown);
  }
  return false;
}

/** Structural equality of plain JSON values (map key order does not matter). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) {
    return true;
  }
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    return false;
  }
  if (Array.isArray(a) !== Array.isArray(b)) {
    return false;
  }
  const ka = Object.keys(a as object).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

/** Appends a line to the doubles' log; never pass a secret. */
export function log(plugin: string, line: string): void {
  const file = process.env.OPTIMA_CSP_DOUBLES_LOG;
  if (file) {
    appendFileSync(file, `${new Date().toISOString()} ${plugin}[${process.pid}] ${line}\n`);
  }
}

export interface GraphAnswer {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
}

/** One request to the emulator's Microsoft Graph, with the signed-in identity's token. */
export async function graph(method: "GET" | "POST", path: string, body?: unknown): Promise<GraphAnswer> {
  const base = process.env.OPTIMA_CSP_GRAPH_URL;
  const token = process.env.OPTIMA_CSP_GRAPH_TOKEN;
  if (!base || !token) {
    throw new Error("test double: OPTIMA_CSP_GRAPH_URL and OPTIMA_CSP_GRAPH_TOKEN must be set");
  }
  const response = await fetch(`${base}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "Content-Type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await response.text();
  log("graph", `${method} ${path.split("?")[0]} → ${response.status}`);
  return {
    status: response.status,
    body: text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>),
  };
}

/** Graph's error message from an answer, for provider error text. */
export function graphMessage(answer: GraphAnswer): string {
  const error = answer.body?.error as { code?: string; message?: string } | undefined;
  return `unexpected status ${answer.status}${error ? ` (${error.code}): ${error.message}` : ""}`;
}

/** The claims of the signed-in identity's token (tid, oid, appid). */
export function tokenClaims(): { tid: string; oid: string; appid: string } {
  const token = process.env.OPTIMA_CSP_GRAPH_TOKEN ?? "";
  const payload = token.split(".")[1] ?? "";
  return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as {
    tid: string;
    oid: string;
    appid: string;
  };
}
