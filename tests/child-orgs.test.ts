/**
 * A customer's MSP child org over the wire (components/optima/childOrgs.ts), the Optima client
 * against the emulator's MSP Customer API (docs/optima-api.md §2b): a POST is never blindly
 * repeated; after one whose outcome is unknown the parent's child orgs are listed again and the org
 * the lost answer made is taken, so a retry never makes two orgs for one customer.
 */
import { OptimaClient } from "../components/optima/client";
import { createOrAdoptChildOrg } from "../components/optima/childOrgs";
import { childOrgInputs } from "./support/child-org-inputs";
import { emulatorPerFile } from "./support/emulator-per-file";
import { unretriedEmulatorClient } from "./support/emulator-client";

const PARENT = "4242";
const TENANT = "0a1b2c3d-0000-4000-8000-00000000000a";
const PATH = `/msp/v2/orgs/${PARENT}/customers`;
const inputs = childOrgInputs(PARENT, TENANT);

const bed = emulatorPerFile();
beforeEach(() => bed.emulator.reset());

const client = (timeoutMs?: number): OptimaClient => unretriedEmulatorClient(bed.emulator, timeoutMs);

const statuses = (method: string): number[] =>
  bed.emulator.requests.filter((r) => r.method === method && r.path === PATH).map((r) => r.status);

describe("after a POST whose outcome is unknown", () => {
  it("takes the org a timed-out POST made instead of POSTing again", async () => {
    // The server takes 600 ms; the client gives up after 250 ms; create waits 800 ms, then looks.
    bed.emulator.inject({ method: "POST", path: PATH, delayMs: 600 });
    const outcome = await createOrAdoptChildOrg(client(250), inputs, { settleMs: 800 });
    const orgs = bed.emulator.msp.childOrgs(PARENT);
    expect(orgs).toHaveLength(1);
    // Made by this create (its answer was lost), so not "adopted".
    expect(outcome).toEqual({ adopted: false, org: expect.objectContaining({ id: String(orgs[0].id) }) });
    expect(statuses("POST")).toHaveLength(1);
  });

  it("POSTs again after a 503 once it has looked and found nothing", async () => {
    bed.emulator.inject({ method: "POST", path: PATH, status: 503 });
    const waits: number[] = [];
    const outcome = await createOrAdoptChildOrg(client(), inputs, {
      settleMs: 50,
      sleep: async (ms) => void waits.push(ms),
    });
    expect(statuses("POST")).toEqual([503, 201]);
    expect(statuses("GET")).toEqual([200, 200]); // looked before each POST
    expect(waits).toEqual([50]);
    expect(bed.emulator.msp.childOrgs(PARENT).map((o) => String(o.id))).toEqual([outcome.org.id]);
  });

  it("does not retry a refusal (409 customer_limit_reached), and says so", async () => {
    bed.emulator.msp.setCustomerLimitReached(PARENT, true);
    await expect(createOrAdoptChildOrg(client(), inputs, { settleMs: 0 })).rejects.toThrow(
      new RegExp(`Could not create the child org of customer ${TENANT} under Flexera org ${PARENT}: .*409`),
    );
    expect(statuses("POST")).toEqual([409]);
  });

  it("gives up after maxAttempts and says a rerun adopts the org", async () => {
    bed.emulator.inject({ method: "POST", path: PATH, status: 502, times: 3 });
    await expect(createOrAdoptChildOrg(client(), inputs, { settleMs: 0, maxAttempts: 3 })).rejects.toThrow(
      /running `pulumi up` again adopts it/,
    );
    expect(statuses("POST")).toEqual([502, 502, 502]);
  });
});
