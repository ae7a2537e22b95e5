/**
 * Whether a 2xx answer is the API's own: pure, no I/O.
 *
 * A 2xx status alone proves little. A proxy, a captive portal or a sign-in page in front of an
 * API answers `200` with an HTML page; a caller that took that for success would go on as if
 * the API had acted. The APIs this package talks to answer in JSON, or with no body at all, so
 * any other body means someone else answered. Where an API's contract fixes the status of an
 * answer (e.g. `204` for an update), the caller passes it and any other status is refused too.
 */
import type { HttpResponse } from "./send";

/**
 * What is wrong with a 2xx answer, or undefined when it may be the API's: `"with an HTML page"`,
 * `"with a body that is not JSON"`, or, when `expectedStatuses` is given and the status is not
 * among them, `"instead of HTTP 204"`.
 */
export function answerProblem(
  response: Pick<HttpResponse, "status" | "headers" | "data">,
  expectedStatuses?: readonly number[],
): string | undefined {
  const { data } = response;
  // The HTTP layer parses a JSON object or array and leaves any other non-empty body as text.
  if (typeof data === "string" && data.trim() !== "") {
    const contentType = (response.headers["content-type"] ?? "").toLowerCase();
    return contentType.includes("html") || /^\s*</.test(data)
      ? "with an HTML page"
      : "with a body that is not JSON";
  }
  if (expectedStatuses !== undefined && !expectedStatuses.includes(response.status)) {
    return `instead of HTTP ${expectedStatuses.join(" or ")}`;
  }
  return undefined;
}
