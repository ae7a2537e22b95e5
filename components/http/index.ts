/**
 * The HTTP layer: the one place this package sends HTTP requests.
 *
 * - ./send: `sendHttp` (axios, deadlines, the retry loop, error conversion)
 * - ./retry: pure retry decisions (bounded attempts, backoff with jitter, `Retry-After`)
 * - ./errors: `HttpError`, built from plain facts, never from an axios error
 * - ./redact: `redact`, which masks secrets and credentials in any text let out
 * - ./url: which hosts may use plain http, and how a URL may be shown in a message
 * - ./answer: whether a 2xx answer is the API's own (JSON or empty, the expected status)
 */
export { answerProblem } from "./answer";
export { sendHttp, MAX_BODY_BYTES } from "./send";
export type { HttpMethod, HttpRequestSpec, HttpResponse, HttpOptions, RetryInfo } from "./send";
// Everything ./retry exports (the pure retry decisions) is part of this layer's surface.
export * from "./retry";
export {
  HttpError,
  MAX_SERVER_MESSAGE_LENGTH,
  formatSeconds,
  isHttpError,
  redactCode,
  serverErrorDetails,
} from "./errors";
export type { HttpErrorDetails, HttpFailureKind } from "./errors";
export { REDACTED, isSecretFieldName, redact, redactValue, secretForms } from "./redact";
export { isLoopbackHost, shownUrl } from "./url";
