/**
 * One secret, sent every way a request carries one, echoed back by the server in every encoding
 * `components/http/redact.ts` masks, and looked for on every path that lets text out:
 *
 * - the HTTP layer: retry reasons (`onRetry`) and the thrown HttpError (message, stack,
 *   `JSON.stringify`, `util.inspect` with hidden properties);
 * - the Optima client: its request log and the thrown OptimaApiError, likewise;
 * - the real dynamic-provider host process running the registration provider: the error
 *   messages it sends back over gRPC and everything it writes to its stderr (the failed Reads and
 *   Deletes it logs with their stacks).
 *
 * The secret is looked for by decoding (./support/http-secrets `secretSighting`), not by
 * matching a list of forms, and every path is also shown to have carried the masked echo, so the
 * test fails if any path stops redacting or any encoding stops being masked.
 */
import { REDACTED, isSecretFieldName, redact, sendHttp, type RetryInfo } from "../components/http";
import { OptimaClient } from "../components/optima/client";
import { configFromRecord, resolveConnection } from "../components/optima/connection";
import { optimaRegistrationProvider } from "../components/optima/provider";
import { serializeProvider, startHost, urnFor, type DynamicHost } from "./support/provider-host";
import { isolatedHostEnv } from "./support/host-env";
import { expectSecretNowhere, renderings, rejection, secretSighting } from "./support/http-secrets";
import { startScriptedServer, type RecordedRequest, type ScriptedServer } from "./support/http-server";

/** URL, JSON and base64 each encode it differently: `/`, `+`, `"`, space, `&`, `=` and `~`. */
const SECRET = 'Zq8~app/Secret+"4f2b 9c&=x7';

/** Every encoding redact.ts says it masks, of a value the server got (its own list, from redact.ts's docs). */
function encodings(value: string): [string, string][] {
  const bytes = Buffer.from(value, "utf8");
  const uri = encodeURIComponent(value);
  const forms: [string, string][] = [
    ["raw", value],
    ["URL-encoded", uri],
    ["URL-encoded, lower-case escapes", uri.replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase())],
    ["form-encoded", new URLSearchParams({ v: value }).toString().slice(2)],
    ["JSON-escaped", JSON.stringify(value).slice(1, -1)],
    ["hex", bytes.toString("hex")],
    ["upper-case hex", bytes.toString("hex").toUpperCase()],
    ["base64", bytes.toString("base64")],
    ["base64url", bytes.toString("base64url")],
  ];
  // Inside a longer value (a Basic header `id:secret`): 9, 10 and 11 bytes before it.
  for (const prefix of ["client-id", "client-id:", "client-id::"]) {
    const whole = Buffer.from(`${prefix}${value}-and-more`, "utf8");
    forms.push(
      [`base64 after ${prefix.length} bytes`, whole.toString("base64")],
      [`base64url after ${prefix.length} bytes`, whole.toString("base64url")],
    );
  }
  return forms;
}

/** A Goa-style error body that echoes one encoding; the encoding is the error name too when it can be one. */
function echo(encoded: string): { name: string; message: string } {
  return {
    name: /^[A-Za-z0-9_.-]{1,64}$/.test(encoded) ? encoded : "bad_request",
    message: `rejected ${encoded}`,
  };
}

const ENCODINGS = encodings(SECRET).map(([name]) => name);

describe("the decoder the test relies on", () => {
  it("finds the secret in each encoding, raw in a header, form or JSON, and not once it is masked", () => {
    for (const value of [SECRET, `Bearer ${SECRET}`, `session=${SECRET}`]) {
      for (const [name, encoded] of encodings(value)) {
        const text = `rejected ${encoded}`;
        expect([name, secretSighting(text, SECRET)]).toEqual([name, expect.any(String)]);
        expect([name, secretSighting(JSON.stringify({ text }), SECRET)]).toEqual([name, expect.any(String)]);
        expect([name, secretSighting(redact(text, [value]), SECRET)]).toEqual([name, undefined]);
      }
    }
  });

  it("is fed secret header names from redact.ts's one list", () => {
    for (const header of ["Authorization", "Proxy-Authorization", "X-Api-Key", "Cookie", "Set-Cookie"]) {
      expect([header, isSecretFieldName(header)]).toEqual([header, true]);
    }
    expect(isSecretFieldName("Content-Type")).toBe(false);
  });
});

describe("sendHttp: retry reasons and the HttpError", () => {
  /** One way a request carries the secret: how it is sent, and what the server reads back out of it. */
  interface Carrier {
    readonly name: string;
    readonly send: (url: string) => Parameters<typeof sendHttp>;
    readonly received: (request: RecordedRequest) => string;
  }
  const header = (name: string, value: string): Carrier => ({
    name: `header ${name}`,
    send: (url) => [{ method: "GET", url, headers: { [name]: value } }, {}],
    received: (request) => String(request.headers[name.toLowerCase()]),
  });
  const CARRIERS: Carrier[] = [
    header("Authorization", `Bearer ${SECRET}`),
    header("Proxy-Authorization", SECRET),
    header("X-Api-Key", SECRET),
    header("Cookie", `session=${SECRET}`),
    {
      name: "JSON body field",
      send: (url) => [{ method: "PUT", url, json: { app: { clientSecret: SECRET, name: "x" } } }, {}],
      received: (request) => (JSON.parse(request.body) as { app: { clientSecret: string } }).app.clientSecret,
    },
    {
      name: "form body field",
      send: (url) => [{ method: "POST", url, form: { refresh_token: SECRET }, retryable: true }, {}],
      received: (request) => new URLSearchParams(request.body).get("refresh_token") ?? "",
    },
    {
      name: "query, listed in options.secrets",
      send: (url) => [
        { method: "GET", url: `${url}?sig=${encodeURIComponent(SECRET)}` },
        { secrets: [SECRET] },
      ],
      received: (request) => new URL(request.path, "http://x").searchParams.get("sig") ?? "",
    },
  ];

  let server: ScriptedServer;
  let encoding = 0;
  beforeAll(async () => {
    // Each request first meets a 503 (retried), then a 400 that echoes what carried the secret.
    server = await startScriptedServer((request, index) =>
      index % 2 === 0
        ? { status: 503, headers: { "Retry-After": "0" }, body: echo(encodings(SECRET)[encoding][1]) }
        : {
            status: 400,
            body: echo(encodings(carrierAt(request).received(request))[encoding][1]),
          },
    );
  });
  afterAll(() => server.close());
  /** The carrier a request was sent for: `/c<index>`, whatever its query. */
  const carrierAt = (request: RecordedRequest): Carrier =>
    CARRIERS[Number(/^\/c(\d+)/.exec(request.path)?.[1])];

  describe.each(CARRIERS.map((carrier, i) => [carrier.name, carrier, i] as const))(
    "%s",
    (_name, carrier, i) => {
      it.each(ENCODINGS.map((name, k) => [name, k] as const))(
        "echoed %s: masked everywhere",
        async (_e, k) => {
          encoding = k;
          const retries: RetryInfo[] = [];
          const [spec, options] = carrier.send(`${server.url}/c${i}`);
          const error = await rejection(
            sendHttp(spec, {
              ...options,
              sleep: async () => undefined,
              onRetry: (info) => retries.push(info),
            }),
          );
          expect(retries).toHaveLength(1);
          expect(renderings(error).every((text) => text.includes(REDACTED))).toBe(true);
          expectSecretNowhere([error, ...retries, ...retries.map((r) => r.reason)], SECRET);
        },
      );
    },
  );
});

describe("OptimaClient: the request log and the OptimaApiError", () => {
  let server: ScriptedServer;
  let encoding = 0;
  /** Requests seen per path in the current test: the first to each path meets a 503. */
  let seen: Record<string, number> = {};
  beforeAll(async () => {
    server = await startScriptedServer((request) => {
      if (
        request.path === "/oidc/token" &&
        new URLSearchParams(request.body).get("refresh_token") !== SECRET
      ) {
        return { status: 200, body: { access_token: "access-token-for-the-api-leg", expires_in: 3600 } };
      }
      seen[request.path] = (seen[request.path] ?? 0) + 1;
      if (seen[request.path] === 1) {
        return { status: 503, headers: { "Retry-After": "0" }, body: echo(encodings(SECRET)[encoding][1]) };
      }
      // What the server read back: the refresh token of the token request, or the key in the PATCH body.
      const received =
        request.path === "/oidc/token"
          ? (new URLSearchParams(request.body).get("refresh_token") ?? "")
          : (JSON.parse(request.body) as { application_secret: string }).application_secret;
      return { status: 400, body: echo(encodings(received)[encoding][1]) };
    });
  });
  afterAll(() => server.close());

  const client = (refreshToken: string, log: string[]) =>
    new OptimaClient(
      resolveConnection(
        configFromRecord({
          "optima:refreshToken": refreshToken,
          "optima:apiUrl": server.url,
          "optima:flexeraApiUrl": server.url,
          "optima:authUrl": `${server.url}/oidc/token`,
        }),
        {},
      ),
      { http: { sleep: async () => undefined }, log: (line) => log.push(line) },
    );

  it.each(ENCODINGS.map((name, k) => [name, k] as const))(
    "echoed %s, as the refresh token and as a key in the body: masked everywhere",
    async (_e, k) => {
      encoding = k;
      seen = {};
      const tokenLog: string[] = [];
      const tokenError = await rejection(
        client(SECRET, tokenLog).request({ method: "GET", host: "optima", path: "/x" }),
      );
      const bodyLog: string[] = [];
      const bodyError = await rejection(
        client("another-refresh-token", bodyLog).request({
          method: "PATCH",
          host: "optima",
          path: "/orgs/1/partners/2",
          body: { application_secret: SECRET },
        }),
      );
      for (const error of [tokenError, bodyError]) {
        expect((error as Error).message).toContain(REDACTED);
      }
      expect(tokenLog.join("\n")).toContain("retrying");
      expect(bodyLog.join("\n")).toContain("retrying");
      expectSecretNowhere([tokenError, bodyError, ...tokenLog, ...bodyLog], SECRET);
    },
  );
});

describe("the real host process: gRPC error messages and stderr", () => {
  const TYPE = "pulumi-nodejs:dynamic/optima-csp:Registration";
  const ORG = "42";
  let server: ScriptedServer;
  let host: DynamicHost;
  let encoding = 0;
  const messages: string[] = [];

  beforeAll(async () => {
    // Optima holds the registration's key and echoes it in each error, in one encoding at a time.
    server = await startScriptedServer((request) =>
      request.path === "/oidc/token"
        ? { status: 200, body: { access_token: "host-access-token-2d7c", expires_in: 3600 } }
        : { status: 400, body: echo(encodings(SECRET)[encoding][1]) },
    );
    host = await startHost({
      providerText: await serializeProvider(optimaRegistrationProvider),
      cwd: process.cwd(),
      env: isolatedHostEnv(),
    });
    await host.configure({
      "optima:refreshToken": "host-refresh-token-91ab",
      "optima:apiUrl": server.url,
      "optima:flexeraApiUrl": server.url,
      "optima:authUrl": `${server.url}/oidc/token`,
    });
  });
  afterAll(async () => {
    await host?.close();
    await server?.close();
  });

  const state = {
    target: "csp-partner",
    orgId: ORG,
    mpnId: "1234567",
    domain: "contoso.onmicrosoft.com",
    applicationId: "11111111-2222-3333-4444-555555555555",
    applicationSecret: SECRET,
    adopted: false,
  };

  async function failure(call: () => Promise<unknown>): Promise<void> {
    const error = await rejection(call());
    messages.push((error as Error).message);
  }

  it.each(ENCODINGS.map((name, k) => [name, k] as const))(
    "echoed %s: Read, Update and Delete fail",
    async (_e, k) => {
      encoding = k;
      const urn = urnFor(TYPE, `echo-${k}`);
      await failure(() => host.read("7", urn, state));
      await failure(() => host.update("7", urn, { ...state, applicationSecret: "the-old-key" }, state));
      await failure(() => host.delete("7", urn, state));
    },
  );

  it("masked the secret in every message and everywhere in the host's stderr", () => {
    expect(messages).toHaveLength(3 * ENCODINGS.length);
    for (const message of messages) {
      expect(message).toContain(REDACTED);
    }
    // The host logs each failed Read and Delete with its stack.
    expect(host.stderr.split(REDACTED).length - 1).toBeGreaterThanOrEqual(2 * ENCODINGS.length);
    expectSecretNowhere([...messages, host.stderr], SECRET);
  });
});
