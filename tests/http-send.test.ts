/**
 * sendHttp against a real local server: bodies and headers, the retry loop (bounded attempts,
 * backoff, Retry-After), which methods are retried, deadlines, network errors, no redirects,
 * and errors that carry nothing from axios (no config, headers, bodies or secrets).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { HttpError, HttpOptions, MAX_BODY_BYTES, RetryInfo, sendHttp } from "../components/http";
import { Reply, ScriptedServer, startScriptedServer } from "./support/http-server";
import { expectNoSecrets, rejection } from "./support/http-secrets";

let server: ScriptedServer;
let script: (index: number) => Reply;

beforeEach(async () => {
  script = () => ({ status: 200, body: { ok: true } });
  server = await startScriptedServer((_request, index) => script(index));
});
afterEach(() => server.close());

/** Options that record waits instead of waiting, with no jitter. */
function recording(overrides: HttpOptions = {}): HttpOptions & { delays: number[]; retries: RetryInfo[] } {
  const delays: number[] = [];
  const retries: RetryInfo[] = [];
  return {
    delays,
    retries,
    sleep: async (ms) => {
      delays.push(ms);
    },
    random: () => 0.5,
    onRetry: (info) => retries.push(info),
    ...overrides,
  };
}

/** Replies from a list, then the last one forever. */
function sequence(...replies: Reply[]): (index: number) => Reply {
  return (index) => replies[Math.min(index, replies.length - 1)];
}

describe("responses", () => {
  it("parses a JSON body and lower-cases header names", async () => {
    script = () => ({ status: 201, headers: { Location: "/things/7", "X-Thing": "a" }, body: { id: "7" } });
    const response = await sendHttp<{ id: string }>({ method: "GET", url: `${server.url}/things` });
    expect(response.status).toBe(201);
    expect(response.data).toEqual({ id: "7" });
    expect(response.headers.location).toBe("/things/7");
    expect(response.headers["x-thing"]).toBe("a");
  });

  it("returns undefined data for an empty body and text for a non-JSON body", async () => {
    script = sequence(
      { status: 204 },
      { status: 200, headers: { "Content-Type": "text/plain" }, body: "pong" },
    );
    expect((await sendHttp({ method: "DELETE", url: `${server.url}/x` })).data).toBeUndefined();
    expect((await sendHttp({ method: "GET", url: `${server.url}/ping` })).data).toBe("pong");
  });

  it("sends a JSON body, a form body and the caller's headers", async () => {
    await sendHttp({
      method: "PATCH",
      url: `${server.url}/j`,
      json: { a: 1 },
      headers: { "Api-Version": "1.0" },
    });
    await sendHttp({
      method: "POST",
      url: `${server.url}/f`,
      form: { grant_type: "refresh_token", x: "a b&c" },
    });
    const [json, form] = server.requests;
    expect(json.headers["content-type"]).toBe("application/json");
    expect(json.headers["api-version"]).toBe("1.0");
    expect(JSON.parse(json.body)).toEqual({ a: 1 });
    expect(form.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(form.body))).toEqual({
      grant_type: "refresh_token",
      x: "a b&c",
    });
  });

  it("refuses a request with both a JSON and a form body", async () => {
    await expect(sendHttp({ method: "POST", url: `${server.url}/x`, json: {}, form: {} })).rejects.toThrow(
      "POST /x: a request takes a JSON body or a form body, not both",
    );
    expect(server.requests).toHaveLength(0);
  });

  it("does not follow redirects", async () => {
    script = (index) =>
      index === 0 ? { status: 302, headers: { Location: "/elsewhere" } } : { status: 200 };
    const error = (await rejection(sendHttp({ method: "GET", url: `${server.url}/moved` }))) as HttpError;
    expect(error.status).toBe(302);
    expect(server.requests.map((r) => r.path)).toEqual(["/moved"]);
  });
});

describe("retries", () => {
  it("retries 5xx with exponential backoff until success", async () => {
    script = sequence({ status: 503 }, { status: 502 }, { status: 500 }, { status: 200, body: { done: 1 } });
    const options = recording();
    const response = await sendHttp({ method: "GET", url: `${server.url}/flaky` }, options);
    expect(response.data).toEqual({ done: 1 });
    expect(server.requests).toHaveLength(4);
    expect(options.delays).toEqual([1_000, 2_000, 4_000]);
    expect(options.retries.map((r) => `${r.attempt}:${r.reason}`)).toEqual([
      "1:HTTP 503",
      "2:HTTP 502",
      "3:HTTP 500",
    ]);
  });

  it("gives up after maxAttempts and says how many attempts were made", async () => {
    script = () => ({ status: 503, body: { name: "service_unavailable", message: "down for maintenance" } });
    const error = (await rejection(
      sendHttp({ method: "GET", url: `${server.url}/down?q=1` }, recording({ policy: { maxAttempts: 3 } })),
    )) as HttpError;
    expect(server.requests).toHaveLength(3);
    expect(error).toBeInstanceOf(HttpError);
    expect(error.message).toBe(
      'GET /down failed: HTTP 503 service_unavailable: "down for maintenance" (3 attempts)',
    );
    expect(error).toMatchObject({
      method: "GET",
      path: "/down",
      status: 503,
      code: "service_unavailable",
      attempts: 3,
    });
  });

  it("honours Retry-After in seconds on 429", async () => {
    script = sequence({ status: 429, headers: { "Retry-After": "7" } }, { status: 200 });
    const options = recording();
    await sendHttp({ method: "GET", url: `${server.url}/busy` }, options);
    expect(options.delays).toEqual([7_000]);
    expect(options.retries[0].reason).toBe("HTTP 429 (Retry-After 7 s)");
  });

  it("honours Retry-After as an HTTP date, relative to the injected clock", async () => {
    const now = Date.parse("2026-10-21T07:28:00Z");
    script = sequence(
      { status: 503, headers: { "Retry-After": "Wed, 21 Oct 2026 07:28:12 GMT" } },
      { status: 200 },
    );
    const options = recording({ now: () => now });
    await sendHttp({ method: "GET", url: `${server.url}/busy` }, options);
    expect(options.delays).toEqual([12_000]);
  });

  it("caps a long Retry-After at maxRetryAfterMs", async () => {
    script = sequence({ status: 429, headers: { "Retry-After": "86400" } }, { status: 200 });
    const options = recording({ policy: { maxRetryAfterMs: 30_000 } });
    await sendHttp({ method: "GET", url: `${server.url}/busy` }, options);
    expect(options.delays).toEqual([30_000]);
  });

  it("reports the server's Retry-After on the final error", async () => {
    script = () => ({ status: 429, headers: { "Retry-After": "120" } });
    const error = (await rejection(
      sendHttp({ method: "GET", url: `${server.url}/busy` }, recording({ policy: { maxAttempts: 2 } })),
    )) as HttpError;
    expect(error).toMatchObject({ status: 429, retryAfterMs: 120_000, attempts: 2 });
  });

  it("does not retry client errors", async () => {
    script = () => ({ status: 404, body: { name: "not_found", message: "no such org" } });
    const error = (await rejection(
      sendHttp({ method: "GET", url: `${server.url}/orgs/9` }, recording()),
    )) as HttpError;
    expect(server.requests).toHaveLength(1);
    expect(error.message).toBe('GET /orgs/9 failed: HTTP 404 not_found: "no such org" (1 attempt)');
  });

  it("does not retry a POST on 5xx: it may have created something", async () => {
    script = sequence({ status: 503 }, { status: 201 });
    const error = (await rejection(
      sendHttp({ method: "POST", url: `${server.url}/items`, json: {} }, recording()),
    )) as HttpError;
    expect(error).toMatchObject({ status: 503, attempts: 1 });
    expect(server.requests).toHaveLength(1);
  });

  it("retries a POST marked retryable", async () => {
    script = sequence({ status: 503 }, { status: 200 });
    await sendHttp(
      { method: "POST", url: `${server.url}/token`, form: { a: "b" }, retryable: true },
      recording(),
    );
    expect(server.requests).toHaveLength(2);
  });

  it("retries any POST after a 429: a throttled request was not processed", async () => {
    script = sequence({ status: 429, headers: { "Retry-After": "1" } }, { status: 201 });
    const response = await sendHttp({ method: "POST", url: `${server.url}/items`, json: {} }, recording());
    expect(response.status).toBe(201);
    expect(server.requests).toHaveLength(2);
  });

  it("retries a dropped connection of an idempotent request", async () => {
    script = sequence("drop", { status: 200, body: { ok: 1 } });
    const options = recording();
    expect((await sendHttp({ method: "PUT", url: `${server.url}/x`, json: {} }, options)).data).toEqual({
      ok: 1,
    });
    expect(options.retries[0].reason).toBe("network error ECONNRESET");
  });
});

describe("deadlines and network errors", () => {
  it("times out a slow attempt, retries it, and says after how long", async () => {
    script = () => ({ status: 200, delayMs: 2_000 });
    const started = Date.now();
    const options = recording({ policy: { maxAttempts: 2 } });
    const error = (await rejection(
      sendHttp({ method: "GET", url: `${server.url}/slow`, timeoutMs: 150 }, options),
    )) as HttpError;
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error.message).toBe("GET /slow timed out after 0.15 s (2 attempts)");
    expect(error).toMatchObject({ kind: "timeout", timeoutMs: 150, attempts: 2 });
    expect(error.status).toBeUndefined();
    expect(options.retries[0].reason).toBe("timeout after 0.15 s");
  });

  it("times out a response whose body arrives too slowly, not only a silent server", async () => {
    script = () => ({
      status: 200,
      headers: { "Content-Type": "application/json" },
      body: "{}",
      bodyDelayMs: 400,
    });
    const error = (await rejection(
      sendHttp({ method: "POST", url: `${server.url}/slow`, json: {}, timeoutMs: 100 }, recording()),
    )) as HttpError;
    expect(error.kind).toBe("timeout");
    expect(server.requests).toHaveLength(1); // a POST that timed out is not sent again
  });

  it("turns a refused connection into a network error, after bounded retries", async () => {
    const closed = await startScriptedServer(() => ({ status: 200 }));
    await closed.close();
    const options = recording({ policy: { maxAttempts: 3 } });
    const error = (await rejection(
      sendHttp({ method: "GET", url: `${closed.url}/x` }, options),
    )) as HttpError;
    expect(error.message).toBe("GET /x failed: network error ECONNREFUSED (3 attempts)");
    expect(options.delays).toEqual([1_000, 2_000]);
  });

  it("rejects a URL that is not absolute without repeating it", async () => {
    await expect(sendHttp({ method: "GET", url: "/relative?token=abc" })).rejects.toThrow(
      new TypeError("sendHttp: the request URL is not an absolute URL"),
    );
  });
});

describe("answers that cannot be read whole", () => {
  /** A server whose 200 answers promise 100 bytes and send 5, then drop the connection. */
  async function truncatingServer(): Promise<{
    url: string;
    count: () => number;
    close: () => Promise<void>;
  }> {
    let requests = 0;
    const raw = createServer((_req, res) => {
      requests++;
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": "100" });
      res.write('{"a":');
      setTimeout(() => res.destroy(), 20);
    });
    await new Promise<void>((resolve) => raw.listen(0, "127.0.0.1", resolve));
    const { port } = raw.address() as AddressInfo;
    return {
      url: `http://127.0.0.1:${port}`,
      count: () => requests,
      close: () =>
        new Promise<void>((resolve) => {
          raw.closeAllConnections();
          raw.close(() => resolve());
        }),
    };
  }

  it("reports a 200 whose body was cut short as a bad answer from that URL, and retries a GET", async () => {
    const cut = await truncatingServer();
    try {
      const options = recording({ policy: { maxAttempts: 2 } });
      const error = (await rejection(
        sendHttp({ method: "GET", url: `${cut.url}/list?skipToken=s3cr3t` }, options),
      )) as HttpError;
      expect(error.kind).toBe("answer");
      expect(error.status).toBe(200);
      expect(error.message).toBe(
        `GET /list failed: ${cut.url}/list answered HTTP 200 with a body cut short, which cannot be used (2 attempts)`,
      );
      expect(options.retries.map((r) => r.reason)).toEqual(["HTTP 200 with a body cut short"]);
      expect(cut.count()).toBe(2);
    } finally {
      await cut.close();
    }
  });

  it("does not send a POST again after its answer was cut short: it may have acted", async () => {
    const cut = await truncatingServer();
    try {
      const error = (await rejection(
        sendHttp({ method: "POST", url: `${cut.url}/things`, json: {} }, recording()),
      )) as HttpError;
      expect(error.kind).toBe("answer");
      expect(cut.count()).toBe(1);
    } finally {
      await cut.close();
    }
  });

  it("reports a 200 body larger than the limit as a bad answer, without retrying", async () => {
    script = () => ({
      status: 200,
      headers: { "Content-Type": "application/json" },
      body: `"${"x".repeat(MAX_BODY_BYTES)}"`,
    });
    const error = (await rejection(
      sendHttp({ method: "GET", url: `${server.url}/big` }, recording()),
    )) as HttpError;
    expect(error.kind).toBe("answer");
    expect(error.message).toBe(
      `GET /big failed: ${server.url}/big answered HTTP 200 with a body larger than 10 MiB, which cannot be used (1 attempt)`,
    );
    expect(server.requests).toHaveLength(1);
  });
});

describe("errors carry nothing from axios", () => {
  const token = "tok-4f1b6c0e-very-secret";
  const clientSecret = "cs~9d8e7f6a5b4c3d2e1f";
  const extra = "extra-secret-listed-by-caller";

  it("builds an error with no config, headers, body or secret, however it is printed", async () => {
    // A careless server that echoes everything it received back in its error body.
    server.requests.length = 0;
    script = () => ({
      status: 422,
      body: {
        name: "unprocessable_entity",
        message: `bad request: ${server.requests.at(-1)?.body} auth=${server.requests.at(-1)?.headers.authorization} ${extra}`,
      },
    });
    const error = (await rejection(
      sendHttp(
        {
          method: "POST",
          url: `${server.url}/orgs/1/partners?refresh_token=${token}`,
          headers: { Authorization: `Bearer ${token}` },
          json: { application_secret: clientSecret, mpn_id: "1234567" },
        },
        recording({ secrets: [extra] }),
      ),
    )) as HttpError;

    expect(error).toBeInstanceOf(HttpError);
    expect(error.path).toBe("/orgs/1/partners");
    expect(error.serverMessage).toContain("bad request:");
    expect(error.serverMessage).toContain("1234567"); // ordinary values survive
    expect(Object.keys(error).sort()).toEqual([
      "attempts",
      "code",
      "kind",
      "method",
      "name",
      "path",
      "serverMessage",
      "status",
    ]);
    for (const property of ["config", "request", "response", "cause", "headers", "data", "body"]) {
      expect(error).not.toHaveProperty(property);
    }
    expectNoSecrets([error], [token, clientSecret, extra]);
  });

  it("keeps secrets out of network and timeout errors and retry reasons", async () => {
    script = () => ({ status: 503, delayMs: 300 });
    const options = recording({ policy: { maxAttempts: 2 } });
    const error = await rejection(
      sendHttp(
        {
          method: "GET",
          url: `${server.url}/x?client_secret=${clientSecret}`,
          headers: { Authorization: `Bearer ${token}` },
          timeoutMs: 50,
        },
        options,
      ),
    );
    expectNoSecrets([error, ...options.retries], [token, clientSecret]);
  });
});
