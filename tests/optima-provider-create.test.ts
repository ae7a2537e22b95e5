/**
 * create-or-adopt (components/optima/registrations.ts) against the emulator, through a real
 * OptimaClient: a POST is never blindly repeated; after a POST whose outcome is unknown the
 * partnership is looked for first, so a retry cannot duplicate it; a 409 is adopted.
 */
import { OptimaApiError, OptimaClient } from "../components/optima/client";
import {
  MAX_LISTED_REGISTRATIONS,
  MAX_LIST_PAGES,
  createOrAdoptRegistration,
  findPartnership,
  isUnknownPostOutcome,
  type RegistrationClient,
} from "../components/optima/registrations";
import { targetMapping } from "../components/optima/targets";
import { startEmulator } from "../tools/emulator";
import { emulatorPerFile } from "./support/emulator-per-file";
import { unretriedEmulatorClient } from "./support/emulator-client";
import { APP_ID, ORG, TENANT, billInputs, cspInputs } from "./support/registration-inputs";

const SECRET = "create-test-app-secret-31c8";
const CSP_PATH = `/analytics/orgs/${ORG}/azure_csp_partners`;

const csp = cspInputs(SECRET);
const bill = billInputs(SECRET);

const bed = emulatorPerFile();
beforeEach(() => bed.emulator.reset());

const client = (timeoutMs?: number): OptimaClient => unretriedEmulatorClient(bed.emulator, timeoutMs);

/** Statuses of the requests with this method to this exact path. */
function statuses(method: string, path: string): number[] {
  return bed.emulator.requests.filter((r) => r.method === method && r.path === path).map((r) => r.status);
}

/** A sleep that records what it was asked to wait and does not wait. */
function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

describe("after a POST whose outcome is unknown", () => {
  it("adopts what a timed-out POST created instead of POSTing again", async () => {
    // The server takes 600 ms; the client gives up after 250 ms; create waits 800 ms, then looks.
    bed.emulator.inject({ method: "POST", path: CSP_PATH, delayMs: 600 });
    const outcome = await createOrAdoptRegistration(client(250), targetMapping("csp-partner"), csp, {
      settleMs: 800,
    });

    const partners = bed.emulator.cspPartners(ORG);
    expect(partners).toHaveLength(1);
    expect(outcome).toEqual({ adopted: true, registration: expect.objectContaining({ id: partners[0].id }) });
    expect(statuses("POST", CSP_PATH)).toHaveLength(1);
    expect(statuses("PATCH", `${CSP_PATH}/${partners[0].id}`)).toEqual([204]);
  });

  it("POSTs again after a 503 once it has looked and found nothing", async () => {
    bed.emulator.inject({ method: "POST", path: CSP_PATH, status: 503 });
    const { sleep, waits } = recordingSleep();
    const outcome = await createOrAdoptRegistration(client(), targetMapping("csp-partner"), csp, {
      settleMs: 50,
      sleep,
    });

    expect(outcome.adopted).toBe(false);
    expect(bed.emulator.cspPartners(ORG)).toEqual([
      expect.objectContaining({ id: outcome.registration.id, application_secret: SECRET }),
    ]);
    expect(statuses("POST", CSP_PATH)).toEqual([503, 201]);
    expect(statuses("GET", CSP_PATH)).toEqual([200, 200]); // looked before each POST
    expect(waits).toEqual([50]);
  });

  it("gives up after maxAttempts, waiting longer each time, and says a rerun adopts", async () => {
    bed.emulator.inject({ method: "POST", path: CSP_PATH, status: 502, times: 3 });
    const { sleep, waits } = recordingSleep();
    const failure = createOrAdoptRegistration(client(), targetMapping("csp-partner"), csp, {
      maxAttempts: 3,
      settleMs: 100,
      sleep,
    });
    await expect(failure).rejects.toThrow(
      new RegExp(
        `^Could not register the Azure CSP partnership for MPN ID 1234567 in Flexera org ${ORG}: ` +
          `POST /analytics/orgs/${ORG}/azure_csp_partners failed: HTTP 502`,
      ),
    );
    await expect(failure).rejects.toThrow(
      /running `pulumi up` again adopts it rather than duplicating it\.$/,
    );
    await expect(failure).rejects.toMatchObject({ status: 502 });
    expect(statuses("POST", CSP_PATH)).toEqual([502, 502, 502]);
    expect(waits).toEqual([100, 200]);
    expect(bed.emulator.cspPartners(ORG)).toEqual([]);
  });

  it("does not repeat a POST that Optima refused", async () => {
    bed.emulator.inject({ method: "POST", path: CSP_PATH, status: 422 });
    const { sleep, waits } = recordingSleep();
    const failure = createOrAdoptRegistration(client(), targetMapping("csp-partner"), csp, { sleep });
    await expect(failure).rejects.toThrow(/HTTP 422/);
    await expect(failure).rejects.not.toThrow(/adopts it/);
    expect(statuses("POST", CSP_PATH)).toEqual([422]);
    expect(waits).toEqual([]);
  });
});

describe("on a 409", () => {
  it("adopts the bill connect that appeared between the look and the POST", async () => {
    const real = client();
    let seeded = false;
    // Someone registers the same tenant by hand just before our POST reaches Optima.
    const racing: RegistrationClient = {
      request: (req) => {
        if (req.method === "POST" && !seeded) {
          seeded = true;
          bed.emulator.seedBillConnect(ORG, {
            clientId: "99999999-2222-3333-4444-555555555555",
            tenantId: TENANT,
          });
        }
        return real.request(req);
      },
    };
    const outcome = await createOrAdoptRegistration(racing, targetMapping("bill-connect"), bill);

    expect(outcome.adopted).toBe(true);
    expect(statuses("POST", `/finops-onboarding/v1/orgs/${ORG}/bill-connects/azure-csp`)).toEqual([409]);
    expect(bed.emulator.billConnects(ORG)).toEqual([
      expect.objectContaining({ id: outcome.registration.id, clientId: APP_ID, clientSecret: SECRET }),
    ]);
  });

  it("explains a conflict it cannot find", async () => {
    bed.emulator.inject({ method: "POST", path: CSP_PATH, status: 409 });
    await expect(createOrAdoptRegistration(client(), targetMapping("csp-partner"), csp)).rejects.toThrow(
      "lists no Azure CSP partnership with that MPN ID: it may be registered in another org",
    );
    expect(statuses("POST", CSP_PATH)).toEqual([409]);
  });
});

describe("findPartnership", () => {
  it("uses the MPN ID on list items when the list carries it, reading nothing else", async () => {
    const carrying = await startEmulator({ cspListCarriesFields: true });
    try {
      carrying.seedCspPartner(ORG, { mpn_id: "1", domain: "a.example.com", application_id: APP_ID });
      const wanted = carrying.seedCspPartner(ORG, {
        mpn_id: "1234567",
        domain: "b.example.com",
        application_id: APP_ID,
      });
      const found = await findPartnership(
        unretriedEmulatorClient(carrying),
        targetMapping("csp-partner"),
        csp,
      );
      expect(found).toMatchObject({ id: wanted.id, domain: "b.example.com" });
      expect(
        carrying.requests.filter((r) => r.path !== "/oidc/token").map((r) => `${r.method} ${r.path}`),
      ).toEqual([`GET ${CSP_PATH}`]);
    } finally {
      await carrying.close();
    }
  });

  it("refuses to look through more than the bound", async () => {
    for (let i = 0; i <= MAX_LISTED_REGISTRATIONS; i++) {
      bed.emulator.seedCspPartner(ORG, {
        mpn_id: String(10_000 + i),
        domain: "a.example.com",
        application_id: APP_ID,
      });
    }
    await expect(findPartnership(client(), targetMapping("csp-partner"), csp)).rejects.toThrow(
      `GET ${CSP_PATH} lists ${MAX_LISTED_REGISTRATIONS + 1} registrations, more than the ${MAX_LISTED_REGISTRATIONS}`,
    );
    expect(statuses("GET", CSP_PATH)).toEqual([200]);
    expect(bed.emulator.requests.filter((r) => r.path.startsWith(`${CSP_PATH}/`))).toEqual([]);
  });
});

describe("findPartnership over a list that pages", () => {
  it(`reads at most ${MAX_LIST_PAGES} pages, each on the API's own origin`, async () => {
    const paths: string[] = [];
    const endless: RegistrationClient = {
      request: async (req) => {
        paths.push(req.path);
        const page = paths.length;
        return {
          status: 200,
          url: `https://api.flexera.com${page === 1 ? req.path : new URL(req.path).pathname}?skipToken=${page}`,
          headers: {},
          data: {
            values: [],
            nextPage: `/finops-onboarding/v1/orgs/${ORG}/bill-connects?skipToken=${page + 1}`,
          },
        } as never;
      },
    };
    await expect(findPartnership(endless, targetMapping("bill-connect"), bill)).rejects.toThrow(
      `GET /finops-onboarding/v1/orgs/${ORG}/bill-connects has more than ${MAX_LIST_PAGES} pages, the most this provider reads; ` +
        "the azure-csp bill connect cannot be looked for in full",
    );
    expect(paths).toHaveLength(MAX_LIST_PAGES);
    expect(paths[1]).toBe(
      `https://api.flexera.com/finops-onboarding/v1/orgs/${ORG}/bill-connects?skipToken=2`,
    );
  });
});

describe("isUnknownPostOutcome", () => {
  const post = (details: Partial<ConstructorParameters<typeof OptimaApiError>[1]>) =>
    new OptimaApiError("x", { method: "POST", path: CSP_PATH, ...details });

  it("is true only for a POST to that collection that timed out, failed on the network or got a 5xx", () => {
    expect(isUnknownPostOutcome(post({ kind: "timeout" }), CSP_PATH)).toBe(true);
    expect(isUnknownPostOutcome(post({ kind: "network", code: "ECONNRESET" }), CSP_PATH)).toBe(true);
    expect(isUnknownPostOutcome(post({ status: 500 }), CSP_PATH)).toBe(true);
    expect(isUnknownPostOutcome(post({ status: 429 }), CSP_PATH)).toBe(false);
    expect(isUnknownPostOutcome(post({ status: 409 }), CSP_PATH)).toBe(false);
    expect(
      isUnknownPostOutcome(
        new OptimaApiError("x", { method: "POST", path: "/oidc/token", kind: "timeout" }),
        CSP_PATH,
      ),
    ).toBe(false);
    expect(isUnknownPostOutcome(new Error("parse failure"), CSP_PATH)).toBe(false);
  });
});
