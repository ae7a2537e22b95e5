/**
 * A request as the emulator records it (tools/emulator), built for the benchmarks' pure parts
 * that classify and count recorded requests: only the method, the path and the answer's status
 * matter to them.
 */
import type { EmulatorRequest } from "../../tools/emulator/index";

export const recordedRequest = (method: string, path: string, status = 200): EmulatorRequest => ({
  method,
  path,
  query: {},
  headers: {},
  body: undefined,
  status,
});
