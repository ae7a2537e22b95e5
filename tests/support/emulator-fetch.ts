/**
 * Plain `fetch` against the emulator (tools/emulator), for the tests that hold the emulator to the
 * API contract (docs/optima-api.md) rather than to the client: nothing from components/. How a
 * test's request body goes on the wire (JSON or a form), an access token for the emulator's refresh
 * token, and a JSON call that carries it.
 */
import { DEFAULT_REFRESH_TOKEN, type Emulator } from "../../tools/emulator/index";

/** An answer as the test reads it: the body as text and, when it has one, parsed. */
export interface EmulatorAnswer {
  readonly status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly json: any;
  readonly text: string;
  readonly headers: Headers;
  readonly contentType: string;
}

/** A request body as a test gives it: JSON, or a form (what the token endpoints take). */
export interface TestRequestBody {
  readonly json?: unknown;
  readonly form?: Readonly<Record<string, string>>;
}

/** The body as sent, and the content-type header that names it: JSON first, then a form, else none. */
export function encodeBody(given: TestRequestBody): {
  readonly headers: Record<string, string>;
  readonly body?: string;
} {
  if (given.json !== undefined) {
    return { headers: { "content-type": "application/json" }, body: JSON.stringify(given.json) };
  }
  if (given.form !== undefined) {
    return {
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(given.form).toString(),
    };
  }
  return { headers: {} };
}

/** An access token from the emulator's Flexera token endpoint, for the emulator's refresh token. */
export async function emulatorAccessToken(emulator: Emulator): Promise<string> {
  const res = await fetch(`${emulator.url}/oidc/token`, {
    method: "POST",
    ...encodeBody({ form: { grant_type: "refresh_token", refresh_token: DEFAULT_REFRESH_TOKEN } }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

/** `method path` with the bearer token, and `json` as the body when given. */
export async function callEmulator(
  emulator: Emulator,
  token: string,
  method: string,
  path: string,
  json?: unknown,
): Promise<EmulatorAnswer> {
  const encoded = encodeBody({ json });
  const res = await fetch(`${emulator.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...encoded.headers },
    body: encoded.body,
  });
  const text = await res.text();
  return {
    status: res.status,
    json: text === "" ? undefined : JSON.parse(text),
    text,
    headers: res.headers,
    contentType: res.headers.get("content-type") ?? "",
  };
}
