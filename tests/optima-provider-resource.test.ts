/**
 * The OptimaRegistration resource class under Pulumi mocks: its type token, the inputs it
 * registers (the secret marked secret, outputs declared), and the one shared provider.
 * (Mocks never call a dynamic provider; the provider itself is tested against the emulator.)
 */
import * as pulumi from "@pulumi/pulumi";
// The signature Pulumi uses to mark a secret value in serialized properties.
import { SECRET_KEY, SECRET_SIG } from "./support/engine/doubles/common";

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const registered: Registered[] = [];

beforeAll(async () => {
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs });
        return { id: `${args.name}-id`, state: { ...args.inputs, adopted: false } };
      },
      call: (args) => {
        throw new Error(`Mock call not implemented: ${args.token}`);
      },
    },
    "project",
    "stack",
    false,
  );
});

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

describe("OptimaRegistration", () => {
  it("registers pulumi-nodejs:dynamic/optima-csp:Registration with the secret marked secret", async () => {
    const { OptimaRegistration, optimaRegistrationProvider } = await import("../components/optima/provider");
    const args = {
      orgId: "42",
      mpnId: "1234567",
      domain: "contoso.onmicrosoft.com",
      applicationId: "11111111-2222-3333-4444-555555555555",
      applicationSecret: "resource-test-secret",
    };
    const a = new OptimaRegistration("a", args);
    const b = new OptimaRegistration("b", {
      ...args,
      target: "bill-connect",
      tenantId: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
    });

    expect(await promiseOf(a.urn)).toBe(
      "urn:pulumi:stack::project::pulumi-nodejs:dynamic/optima-csp:Registration::a",
    );
    expect(await promiseOf(a.id)).toBe("a-id");
    expect(await pulumi.isSecret(a.applicationSecret)).toBe(true);
    expect(await promiseOf(a.orgId)).toBe("42");
    expect(await promiseOf(b.target)).toBe("bill-connect");

    const [ra, rb] = registered;
    expect(ra.type).toBe("pulumi-nodejs:dynamic/optima-csp:Registration");
    expect(ra.inputs.applicationSecret).toEqual({
      [SECRET_KEY]: SECRET_SIG,
      value: "resource-test-secret",
    });
    expect(ra.inputs).toMatchObject({ orgId: "42", mpnId: "1234567", domain: "contoso.onmicrosoft.com" });
    // The default target is filled by check(), not by the class.
    expect(ra.inputs).not.toHaveProperty("target");
    // One provider for every resource: the same serialized text, with no secret in it.
    expect(typeof ra.inputs.__provider).toBe("string");
    expect(rb.inputs.__provider).toBe(ra.inputs.__provider);
    expect(ra.inputs.__provider as string).not.toContain("resource-test-secret");
    expect(Object.keys(optimaRegistrationProvider).sort()).toEqual(
      ["check", "configure", "create", "delete", "diff", "read", "update"].sort(),
    );
  });
});
