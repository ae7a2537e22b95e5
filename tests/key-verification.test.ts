/**
 * Key verification, in process: the pure check/diff/classification rules, and the proof loop
 * against the emulator's Entra ID token endpoint with a clock the test controls.
 */

import { HttpError } from "../components/http";
import {
  DEFAULT_AUTHORITY_HOST,
  KEY_VERIFICATION_ERROR,
  PARTNER_CENTER_SCOPE,
  VERIFY_BACKOFF,
  authorityHostProblem,
  KeyVerificationInputs,
  checkKeyVerificationInputs,
  classifyTokenFailure,
  createKeyVerification,
  diffKeyVerification,
  tokenEndpoint,
  updateKeyVerification,
  verifyKey,
} from "../components/azure/keyVerificationRuntime";
import { UNKNOWN_VALUE } from "../components/unknown";
import { emulatorPerFile } from "./support/emulator-per-file";
import { CLIENT, KEY_ID, TENANT, tokenRequests, verificationInputs } from "./support/key-verification-inputs";

const SECRET = "kv~Secret.Value_7f3a9e2b1c";

/** A clock that only moves when the code under test sleeps. */
function fakeClock(start = Date.parse("2026-01-01T00:00:00Z")) {
  let t = start;
  const sleeps: number[] = [];
  return {
    now: () => t,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      t += ms;
    },
    random: () => 0.5, // no jitter
    sleeps,
    elapsed: () => t - start,
  };
}

const bed = emulatorPerFile();
beforeEach(() => bed.emulator.reset());

const inputs = (overrides: Partial<KeyVerificationInputs> = {}): KeyVerificationInputs =>
  verificationInputs(bed.emulator, SECRET, overrides);

describe("verifyKey against the emulator's Entra ID", () => {
  test("an active key is accepted at the first client-credentials request for the Partner Center scope", async () => {
    bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET);
    const clock = fakeClock();
    const result = await verifyKey(inputs(), clock);
    expect(result).toEqual({ attempts: 1, verifiedAt: "2026-01-01T00:00:00.000Z" });
    expect(tokenRequests(bed.emulator)).toHaveLength(1);
    const [request] = tokenRequests(bed.emulator);
    expect(request.method).toBe("POST");
    expect(request.path).toBe(`/entra/${TENANT}/oauth2/v2.0/token`);
    expect(request.body).toEqual({
      grant_type: "client_credentials",
      client_id: CLIENT,
      client_secret: SECRET,
      scope: "https://api.partnercenter.microsoft.com/.default",
    });
    expect(clock.sleeps).toEqual([]);
  });

  test("a key still propagating (AADSTS7000215) is retried with doubling backoff until accepted", async () => {
    bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET, { activeAfterMs: 3_600_000 });
    const clock = fakeClock();
    const refused: string[] = [];
    const result = await verifyKey(inputs(), {
      ...clock,
      onRefused: (attempt, reason) => {
        refused.push(reason);
        if (attempt === 3) {
          // Entra ID finishes propagating the key.
          bed.emulator.entra.removeSecret(TENANT, CLIENT, SECRET);
          bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET);
        }
      },
    });
    expect(result.attempts).toBe(4);
    expect(refused).toEqual(Array(3).fill("HTTP 401 invalid_client AADSTS7000215"));
    expect(clock.sleeps).toEqual([1000, 2000, 4000]);
    expect(tokenRequests(bed.emulator).map((r) => r.status)).toEqual([401, 401, 401, 200]);
  });

  test("a key never accepted fails at the deadline with an actionable message and no secret", async () => {
    bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET, { activeAfterMs: 3_600_000 });
    const clock = fakeClock();
    const error = await verifyKey(inputs({ timeoutSeconds: 60 }), clock).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.name).toBe(KEY_VERIFICATION_ERROR);
    const attempts = tokenRequests(bed.emulator).length;
    expect(error?.message).toBe(
      `Entra ID did not accept the new key ${KEY_ID} of app ${CLIENT} in tenant ${TENANT} at ` +
        `${bed.emulator.entra.authorityHost} within 60 s (${attempts} token requests; last answer: HTTP 401 ` +
        "invalid_client AADSTS7000215). A new key can take more than ten minutes to be accepted. The key was " +
        "not handed to Optima, which keeps the previous key; run `pulumi up` again to retry this step, or raise " +
        "the verification timeout (verifyTimeoutSeconds).",
    );
    expect(JSON.stringify(error) + String(error?.stack)).not.toContain(SECRET);
    // Capped backoff, bounded by the deadline: 1, 2, 4, 8, 15, 15, then what is left (15 s).
    expect(clock.sleeps).toEqual([1000, 2000, 4000, 8000, 15000, 15000, 15000]);
    expect(clock.elapsed()).toBe(60_000);
    expect(attempts).toBe(8);
  });

  test("a refusal time will not fix fails at once, with advice", async () => {
    bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET);
    const clock = fakeClock();
    const otherTenant = "00000000-0000-4000-8000-000000000001";
    await expect(verifyKey(inputs({ tenantId: otherTenant }), clock)).rejects.toThrow(
      `Entra ID refused the key ${KEY_ID} of app ${CLIENT} in tenant ${otherTenant} at ${bed.emulator.entra.authorityHost} ` +
        "(HTTP 400 invalid_request AADSTS90002); the key was not handed to Optima. The tenant was not found at " +
        "this authority host: check the tenant and that verify.authorityHost matches the cloud the tenant is in.",
    );
    expect(tokenRequests(bed.emulator)).toHaveLength(1);
    expect(clock.sleeps).toEqual([]);
  });

  test("429 is retried after the server's Retry-After, 5xx after backoff", async () => {
    bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET);
    bed.emulator.inject({ path: "/entra/", status: 429, retryAfter: "7", times: 1 });
    bed.emulator.inject({ path: "/entra/", status: 503, times: 1 });
    const clock = fakeClock();
    const result = await verifyKey(inputs(), clock);
    expect(result.attempts).toBe(3);
    expect(clock.sleeps).toEqual([7000, 2000]);
    expect(tokenRequests(bed.emulator).map((r) => r.status)).toEqual([429, 503, 200]);
  });

  test("an unreachable authority host is retried until the deadline, then reported", async () => {
    const clock = fakeClock();
    await expect(
      verifyKey(inputs({ authorityHost: "http://127.0.0.1:9", timeoutSeconds: 5 }), clock),
    ).rejects.toThrow(/within 5 s \(\d+ token requests; last answer: network error ECONNREFUSED\)/);
    expect(clock.elapsed()).toBe(5_000);
  });

  test("create returns the key ID as ID and a record without the secret; update sends nothing", async () => {
    bed.emulator.entra.addSecret(TENANT, CLIENT, SECRET);
    const created = await createKeyVerification(inputs(), fakeClock());
    expect(created).toEqual({
      id: KEY_ID,
      outs: {
        tenantId: TENANT,
        clientId: CLIENT,
        keyId: KEY_ID,
        authorityHost: bed.emulator.entra.authorityHost,
        timeoutSeconds: 60,
        scope: PARTNER_CENTER_SCOPE,
        verifiedAt: "2026-01-01T00:00:00.000Z",
        attempts: 1,
      },
    });
    expect(JSON.stringify(created)).not.toContain(SECRET);
    const before = bed.emulator.requests.length;
    const updated = await updateKeyVerification(created.outs, inputs({ timeoutSeconds: 120 }));
    expect(updated.outs).toEqual({ ...created.outs, timeoutSeconds: 120 });
    expect(bed.emulator.requests.length).toBe(before);
  });
});

describe("check", () => {
  test("valid inputs pass, and values unknown during preview are not judged", () => {
    expect(checkKeyVerificationInputs({ ...inputs(), authorityHost: DEFAULT_AUTHORITY_HOST })).toEqual([]);
    expect(
      checkKeyVerificationInputs({
        ...inputs(),
        keyId: UNKNOWN_VALUE,
        secret: UNKNOWN_VALUE,
        tenantId: UNKNOWN_VALUE,
      }),
    ).toEqual([]);
  });

  test("each bad field is named", () => {
    const failures = checkKeyVerificationInputs({
      tenantId: "contoso",
      clientId: undefined,
      keyId: "123",
      secret: "",
      authorityHost: "http://login.microsoftonline.com",
      timeoutSeconds: 0,
      scope: " ",
    });
    expect(failures).toEqual([
      { property: "tenantId", reason: 'tenantId must be a GUID; got "contoso".' },
      { property: "clientId", reason: "clientId must be a GUID; got null." },
      { property: "keyId", reason: 'keyId must be a GUID; got "123".' },
      { property: "secret", reason: "secret must be a non-empty string." },
      {
        property: "authorityHost",
        reason:
          "authorityHost must be an https:// URL with no path, such as https://login.microsoftonline.com (http:// only " +
          'for 127.0.0.1 or localhost); got "http://login.microsoftonline.com".',
      },
      {
        property: "timeoutSeconds",
        reason: "timeoutSeconds must be a whole number of seconds from 1 to 3600; got 0.",
      },
      { property: "scope", reason: "scope must be a non-empty string." },
    ]);
  });

  test("an authority host with a tenant path, or a query, is refused without echoing the query", () => {
    expect(authorityHostProblem("https://login.microsoftonline.com/common")).toBe(
      "authorityHost must be an https:// URL with no path, such as https://login.microsoftonline.com (http:// only " +
        'for 127.0.0.1 or localhost); got "https://login.microsoftonline.com/common".',
    );
    const withQuery = authorityHostProblem(`https://login.microsoftonline.us/?token=${SECRET}`);
    expect(withQuery).toContain('got "https://login.microsoftonline.us".');
    expect(withQuery).not.toContain(SECRET);
    expect(authorityHostProblem(SECRET)).not.toContain(SECRET);
    // The local emulator serves Entra ID under a path, on loopback only.
    expect(authorityHostProblem("http://127.0.0.1:8787/entra")).toBeUndefined();
    expect(authorityHostProblem("https://login.microsoftonline.us")).toBeUndefined();
  });

  test("the secret's value never appears in a failure", () => {
    const failures = checkKeyVerificationInputs({ ...inputs(), tenantId: SECRET, keyId: SECRET });
    expect(failures.map((f) => f.property)).toEqual(["tenantId", "keyId"]);
    // A GUID failure quotes what it got; secret-bearing fields are never quoted.
    expect(checkKeyVerificationInputs({ ...inputs(), secret: 42 as unknown as string })).toEqual([
      { property: "secret", reason: "secret must be a non-empty string." },
    ]);
  });
});

describe("diff", () => {
  const outs = {
    tenantId: TENANT,
    clientId: CLIENT,
    keyId: KEY_ID,
    authorityHost: DEFAULT_AUTHORITY_HOST,
    timeoutSeconds: 900,
    scope: PARTNER_CENTER_SCOPE,
    verifiedAt: "2026-01-01T00:00:00.000Z",
    attempts: 2,
  };
  const news = { ...outs, secret: SECRET };

  test("the same key is no change", () => {
    expect(diffKeyVerification(outs, news)).toEqual({ changes: false, replaces: [] });
  });

  test("a new key (or app, tenant, scope) is a new proof", () => {
    expect(diffKeyVerification(outs, { ...news, keyId: "7b0c2d9e-2222-4a2b-8c3d-4e5f6a7b8c9d" })).toEqual({
      changes: true,
      replaces: ["keyId"],
    });
    expect(diffKeyVerification(outs, { ...news, tenantId: CLIENT, clientId: TENANT }).replaces).toEqual([
      "tenantId",
      "clientId",
    ]);
  });

  test("a new authority host or timeout only updates the record", () => {
    expect(
      diffKeyVerification(outs, {
        ...news,
        timeoutSeconds: 60,
        authorityHost: "https://login.microsoftonline.us",
      }),
    ).toEqual({
      changes: true,
      replaces: [],
    });
  });

  test("fields an older state lacks are not changes", () => {
    const { scope: _scope, ...older } = outs;
    expect(diffKeyVerification(older, news)).toEqual({ changes: false, replaces: [] });
  });
});

describe("classifyTokenFailure and tokenEndpoint", () => {
  const status = (s: number, code?: string, serverMessage?: string, retryAfterMs?: number) =>
    new HttpError({
      method: "POST",
      path: "/t/oauth2/v2.0/token",
      kind: "status",
      status: s,
      code,
      serverMessage,
      retryAfterMs,
      attempts: 1,
    });

  test.each([
    [
      "AADSTS7000215 (not propagated yet)",
      "retry",
      status(401, "invalid_client", "AADSTS7000215: Invalid client secret provided."),
    ],
    ["a bare invalid_client", "retry", status(401, "invalid_client")],
    [
      "AADSTS7000222 (expired)",
      "refused",
      status(401, "invalid_client", "AADSTS7000222: The provided client secret keys are expired."),
    ],
    [
      "AADSTS700016 (no such app)",
      "refused",
      status(400, "unauthorized_client", "AADSTS700016: Application not found."),
    ],
    ["HTTP 503", "retry", status(503)],
    ["HTTP 429", "retry", status(429, undefined, undefined, 5000)],
    [
      "a timeout",
      "retry",
      new HttpError({ method: "POST", path: "/t", kind: "timeout", timeoutMs: 1, attempts: 1 }),
    ],
    ["a programming error", "refused", new TypeError("boom")],
  ])("%s → %s", (_label, kind, error) => {
    expect(classifyTokenFailure(error).kind).toBe(kind);
  });

  test("Retry-After is carried for 429", () => {
    expect(classifyTokenFailure(status(429, undefined, undefined, 5000))).toEqual({
      kind: "retry",
      reason: "HTTP 429",
      retryAfterMs: 5000,
    });
  });

  test("an expired key is refused with the replace advice", () => {
    const answer = classifyTokenFailure(status(401, "invalid_client", "AADSTS7000222: expired"));
    expect(answer).toEqual({
      kind: "refused",
      reason: "HTTP 401 invalid_client AADSTS7000222",
      advice: " The key has expired: replace it with `pulumi up --replace <URN of the key>`.",
    });
  });

  test("AADSTS500011 (a scope of another cloud) is refused with advice naming the scope setting", () => {
    const answer = classifyTokenFailure(
      status(
        400,
        "invalid_resource",
        "AADSTS500011: The resource principal named https://api.partnercenter.microsoft.com was not found in the tenant.",
      ),
      "https://api.partnercenter.microsoft.com/.default",
    );
    expect(answer).toEqual({
      kind: "refused",
      reason: "HTTP 400 invalid_resource AADSTS500011",
      advice:
        " The scope https://api.partnercenter.microsoft.com/.default names a resource that is not in the tenant's " +
        "cloud: set verify.scope (stack config verifyScope) to the Partner Center resource of that cloud followed by " +
        "/.default, e.g. https://partner.partnercenterapi.microsoftonline.cn/.default for Partner Center operated by " +
        "21Vianet, and check that verify.authorityHost (verifyAuthorityHost) is that cloud's authority host.",
    });
  });

  test("the token endpoint of a tenant at an authority host", () => {
    expect(tokenEndpoint("https://login.microsoftonline.com/", TENANT)).toBe(
      `https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`,
    );
  });

  test("the backoff is 1 s doubling to 15 s", () => {
    expect(VERIFY_BACKOFF).toEqual({ baseDelayMs: 1000, maxDelayMs: 15000 });
  });
});
