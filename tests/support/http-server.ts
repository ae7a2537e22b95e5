/**
 * A scripted HTTP server on 127.0.0.1 for the HTTP layer's tests: each request is recorded and
 * answered by the test's handler (status, headers, body, an optional delay, or a dropped
 * connection). Only for tests of components/http; the Optima client is tested against the
 * emulator.
 */
import { createServer, IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

export type Reply =
  | {
      readonly status: number;
      readonly headers?: Record<string, string>;
      readonly body?: unknown;
      /** Wait this long before answering at all. */
      readonly delayMs?: number;
      /** Send the status and headers at once, but the body only after this long. */
      readonly bodyDelayMs?: number;
    }
  | "drop";

export interface ScriptedServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

/** Longest delay a reply may ask for, so that a mistaken test cannot hang. */
const MAX_DELAY_MS = 5_000;

export async function startScriptedServer(
  handler: (request: RecordedRequest, index: number) => Reply,
): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, run: () => void) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        run();
      },
      Math.min(ms, MAX_DELAY_MS),
    );
    timers.add(timer);
  };
  const server: Server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const request: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body,
      };
      requests.push(request);
      const reply = handler(request, requests.length - 1);
      if (reply === "drop") {
        req.socket.destroy();
        return;
      }
      const answer = () => {
        if (res.destroyed) {
          return;
        }
        const text =
          reply.body === undefined
            ? ""
            : typeof reply.body === "string"
              ? reply.body
              : JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          ...(typeof reply.body === "object" ? { "Content-Type": "application/json" } : {}),
          ...reply.headers,
        });
        if (reply.bodyDelayMs) {
          res.flushHeaders();
          later(reply.bodyDelayMs, () => res.end(text));
        } else {
          res.end(text);
        }
      };
      if (reply.delayMs) {
        later(reply.delayMs, answer);
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) {
          clearTimeout(timer);
        }
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
