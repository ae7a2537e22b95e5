/**
 * Redaction and server-message scrubbing: given secrets in every form they travel in, and
 * credentials nobody listed (bearer values, JWTs, secret-named key/value pairs).
 */
import {
  MAX_SERVER_MESSAGE_LENGTH,
  REDACTED,
  isSecretFieldName,
  redact,
  redactValue,
  serverErrorDetails,
} from "../components/http";

describe("redact", () => {
  it("masks each given secret wherever it occurs", () => {
    expect(redact("a s3cret b s3cret", ["s3cret"])).toBe(`a ${REDACTED} b ${REDACTED}`);
  });

  it("masks URL-encoded and JSON-escaped forms of a secret", () => {
    const secret = 'p+a/s s"w&rd=';
    const encoded = new URLSearchParams({ x: secret }).toString().slice(2);
    expect(redact(`form x=${encoded}&y=1`, [secret])).not.toContain(encoded);
    expect(redact(`uri ${encodeURIComponent(secret)}`, [secret])).toBe(`uri ${REDACTED}`);
    expect(redact(`json ${JSON.stringify({ v: secret })}`, [secret])).toBe(`json {"v":"${REDACTED}"}`);
  });

  it("masks a longer secret whole when a shorter one is part of it", () => {
    expect(redact("abc-abcdef", ["abc", "abcdef"])).toBe(`${REDACTED}-${REDACTED}`);
  });

  it("ignores empty secrets", () => {
    expect(redact("nothing to hide", ["", ""])).toBe("nothing to hide");
  });

  it("masks bearer and basic authorization values", () => {
    expect(redact("Authorization: Bearer abc.DEF-123_x~+/=", [])).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redact("got basic dXNlcjpwYXNz== back", [])).toBe(`got basic ${REDACTED} back`);
  });

  it("masks JWT-like strings", () => {
    const jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjMifQ.c2lnbmF0dXJl";
    expect(redact(`token was ${jwt}.`, [])).toBe(`token was ${REDACTED}.`);
  });

  it.each([
    [
      "grant_type=refresh_token&refresh_token=abc123&x=1",
      `grant_type=refresh_token&refresh_token=${REDACTED}&x=1`,
    ],
    ["client_id=app&client_secret=s3cr3t", `client_id=app&client_secret=${REDACTED}`],
    ['{"clientSecret":"s3\\"cr3t","tenantId":"t"}', `{"clientSecret":"${REDACTED}","tenantId":"t"}`],
    ['{"application_secret" : "x"}', `{"application_secret" : "${REDACTED}"}`],
    ["invalid client_secret: s3cr3t, try again", `invalid client_secret: ${REDACTED}, try again`],
    ["password='hunter2' given", `password=${REDACTED} given`],
    ["x-api-key=abc", `x-api-key=${REDACTED}`],
  ])("masks the value of a secret-named pair in %p", (text, expected) => {
    expect(redact(text, [])).toBe(expected);
  });

  it("leaves pairs alone whose key only mentions a secret word in passing", () => {
    const text = '{"token_type":"Bearer"} invalid_token_response: the body; secret_santa=yes';
    expect(redact(text, [])).toBe(text);
    expect(redact("secretValue=abc clientSecretText: def", [])).toBe(
      `secretValue=${REDACTED} clientSecretText: ${REDACTED}`,
    );
  });

  it("leaves ordinary text alone", () => {
    const text =
      'MPN ID 1234567 for contoso.onmicrosoft.com already exists (id "42", grant_type=refresh_token)';
    expect(redact(text, [])).toBe(text);
  });
});

describe("redaction keeps the structure of what it masks (issue 20 item 1)", () => {
  /** Entra ID client secrets: `xxx8Q~` + 34 characters (40), and the older `xxx7Q~` + 31 (37). */
  const entra40 = "Xk28Q~p4mTq7_wLr2V-nX8bYc5Hd3Fg6Jk1Ms0Ne";
  const entra37 = "a.b7Q~zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz";

  it("masks the shape of an Entra ID client secret nobody listed", () => {
    expect([entra40.length, entra37.length]).toEqual([40, 37]);
    expect(redact(`Optima said: key ${entra40} is wrong`, [])).toBe(`Optima said: key ${REDACTED} is wrong`);
    expect(redact(`"${entra37}"`, [])).toBe(`"${REDACTED}"`);
    expect(redact("a Q~ in prose, 1234Q~short", [])).toBe("a Q~ in prose, 1234Q~short");
  });

  it("leaves prose as written: a phrase in backticks, and Graph's code with its quoted message", () => {
    for (const text of [
      "Sign in for DefaultAzureCredential: `az login` at a workstation; in GitHub Actions run azure/login first",
      'GET /graph/v1.0/applications failed: HTTP 401 InvalidAuthenticationToken: "Access token validation failure. Invalid audience." (1 attempt)',
    ]) {
      expect(redact(text, [])).toBe(text);
      const json = JSON.stringify({ summary: text, nested: [text] }, null, 2);
      expect(redact(json, [])).toBe(json);
    }
  });

  it("never cuts into an escape: an escaped quoted value is masked whole, a backticked one inside its backticks", () => {
    const escaped = JSON.stringify({ m: 'client_secret: "s3 cr3t" and token="abc"; refresh_token=x\ny' });
    const shown = redact(escaped, []);
    expect(JSON.parse(shown)).toEqual({
      m: `client_secret: ${REDACTED} and token=${REDACTED}; refresh_token=${REDACTED}\ny`,
    });
    // Inside text that is not itself JSON, the escaped quotes go with the value.
    expect(redact('said: "client_secret: \\"s3 cr3t\\" bad"', [])).toBe(
      `said: "client_secret: ${REDACTED} bad"`,
    );
    expect(redact("client_secret: `s3cr3t` given", [])).toBe(`client_secret: \`${REDACTED}\` given`);
  });

  it("keeps a JSON document valid: each string masked on its own, a secret-named value whole", () => {
    const document = JSON.stringify({
      clientSecret: 's3"cr3t',
      message: `echo ${entra40} and s3cr3t-value`,
      list: ["token=abc", 5, null],
      refresh_token: { nested: "x" },
    });
    const shown = redact(document, ["s3cr3t-value"]);
    expect(JSON.parse(shown)).toEqual({
      clientSecret: REDACTED,
      message: `echo ${REDACTED} and ${REDACTED}`,
      list: [`token=${REDACTED}`, 5, null],
      refresh_token: { nested: "x" },
    });
  });

  it("redactValue masks every string of a value and keeps its shape", () => {
    expect(
      redactValue({ a: [`key ${entra40}`, 1, true], clientSecret: "x", n: { summary: "token=abc" } }, []),
    ).toEqual({
      a: [`key ${REDACTED}`, 1, true],
      clientSecret: REDACTED,
      n: { summary: `token=${REDACTED}` },
    });
  });
});

describe("serverErrorDetails", () => {
  it("reads a Goa error body", () => {
    expect(
      serverErrorDetails({ name: "not_found", id: "x1", message: "org 7 not found", temporary: false }, []),
    ).toEqual({ code: "not_found", serverMessage: "org 7 not found" });
  });

  it("reads an OAuth error body", () => {
    expect(
      serverErrorDetails({ error: "invalid_grant", error_description: "The refresh token is invalid." }, []),
    ).toEqual({ code: "invalid_grant", serverMessage: "The refresh token is invalid." });
  });

  it("reads a Microsoft Graph (OData) error body, scrubbed like the others", () => {
    expect(
      serverErrorDetails(
        {
          error: {
            code: "Authorization_RequestDenied",
            message: "Insufficient privileges to complete the operation.",
            innerError: { date: "2026-12-01T00:00:00", "request-id": "r1", "client-request-id": "c1" },
          },
        },
        [],
      ),
    ).toEqual({
      code: "Authorization_RequestDenied",
      serverMessage: "Insufficient privileges to complete the operation.",
    });
    expect(
      serverErrorDetails(
        { error: { code: "InvalidAuthenticationToken", message: "token tok-123 expired" } },
        ["tok-123"],
      ),
    ).toEqual({ code: "InvalidAuthenticationToken", serverMessage: `token ${REDACTED} expired` });
    expect(serverErrorDetails({ error: { code: 7, message: ["x"] } }, [])).toEqual({});
  });

  it("keeps a short plain-text body as the message, but not an HTML page", () => {
    expect(serverErrorDetails("X-API-Version must be 1.5", [])).toEqual({
      serverMessage: "X-API-Version must be 1.5",
    });
    expect(serverErrorDetails("<html><body>502 Bad Gateway</body></html>", [])).toEqual({});
    expect(serverErrorDetails(undefined, [])).toEqual({});
  });

  it("scrubs secrets and credentials out of the server's message", () => {
    const details = serverErrorDetails(
      { name: "unprocessable_entity", message: "application_secret=abc is invalid; echoed s3cr3t-value" },
      ["s3cr3t-value"],
    );
    expect(details.serverMessage).toBe(`application_secret=${REDACTED} is invalid; echoed ${REDACTED}`);
  });

  it("flattens and truncates long messages, and drops a code that is not a plain name", () => {
    const details = serverErrorDetails({ name: "not a name!", message: `line1\n\n${"x".repeat(1000)}` }, []);
    expect(details.code).toBeUndefined();
    expect(details.serverMessage).toHaveLength(MAX_SERVER_MESSAGE_LENGTH);
    expect(details.serverMessage!.startsWith("line1 xxx")).toBe(true);
    expect(details.serverMessage!.endsWith("…")).toBe(true);
  });
});

describe("every encoding of a known secret", () => {
  const secret = "Zq8~app.Secret_4f2b9c";
  const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
  const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");

  it("masks base64, base64url and hex of the secret itself", () => {
    for (const form of [
      b64(secret),
      b64url(secret),
      Buffer.from(secret).toString("hex"),
      Buffer.from(secret).toString("hex").toUpperCase(),
    ]) {
      const shown = redact(`got ${form} back`, [secret]);
      expect(shown).toBe(`got ${REDACTED} back`);
    }
  });

  it.each([0, 1, 2])(
    "masks base64 and base64url of the secret inside a longer value, at offset %i mod 3",
    (offset) => {
      const prefix = "client-id:".slice(0, 9 + offset); // 9, 10 or 11 bytes before the secret
      for (const encode of [b64, b64url]) {
        const whole = encode(`${prefix}${secret}-and-more`);
        const shown = redact(`Authorization header was ${whole}`, [secret]);
        expect(shown).toContain(REDACTED);
        // No run of the secret's own characters survives: what is left decodes to no part of it.
        const left = shown.split(REDACTED).join("");
        expect(
          Buffer.from(left.replace(/^Authorization header was /, ""), "base64").toString(),
        ).not.toContain(secret.slice(2, -2));
      }
    },
  );

  it("masks a JWT-shaped value whose payload carries the secret, and lower-case URL escapes", () => {
    const payload = b64url(JSON.stringify({ sub: "x", secret }));
    expect(redact(`t=abc.${payload}.sig`, [secret])).not.toContain(payload.slice(8, 30));
    const lower = encodeURIComponent("a b/c~" + secret).replace(/%[0-9A-F]{2}/g, (e) => e.toLowerCase());
    expect(redact(lower, ["a b/c~" + secret])).toBe(REDACTED);
  });

  it("masks a secret that a server echoes as its error name", () => {
    const short = "abc123SECRET";
    expect(serverErrorDetails({ name: short, message: `bad ${short}` }, [short])).toEqual({
      code: REDACTED,
      serverMessage: `bad ${REDACTED}`,
    });
    expect(serverErrorDetails({ error: b64(short), message: "x" }, [short]).code).toBe(REDACTED);
  });
});

describe("isSecretFieldName", () => {
  it("is one rule for body fields and text: names that end in a secret word", () => {
    for (const name of [
      "client_secret",
      "clientSecret",
      "application_secret",
      "refresh_token",
      "x-api-key",
      "password",
      "secretValue",
    ]) {
      expect(isSecretFieldName(name)).toBe(true);
    }
    for (const name of ["token_type", "client_id", "tenantId", "secretId", "invalid_token_response"]) {
      expect(isSecretFieldName(name)).toBe(false);
    }
  });
});
