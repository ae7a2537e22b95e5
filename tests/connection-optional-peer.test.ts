/**
 * `@pulumi/azure-native` is an optional peer dependency: only the Key Vault copy needs it. Here
 * the module cannot be loaded (as in a stack that did not install it): a component without
 * `keyVault` works, and one with `keyVault` fails with a message that says what to install.
 */
import { OptimaCspConnection, OptimaCspConnectionArgs } from "../components/azure/cspConnection";
import { FIXTURE, FakeEngine, TYPES, azureAdInvokes } from "./support/mocks";
import { refusedConstruction } from "./support/refusal";

jest.mock("@pulumi/azure-native/keyvault", () => {
  throw Object.assign(new Error("Cannot find module '@pulumi/azure-native/keyvault'"), {
    code: "MODULE_NOT_FOUND",
  });
});

const args: OptimaCspConnectionArgs = {
  webApp: { clientId: FIXTURE.clientId },
  mpnId: FIXTURE.mpnId,
  optima: { orgId: FIXTURE.orgId },
  now: new Date("2026-03-01T00:00:00Z"),
};

test("without keyVault, the component never loads @pulumi/azure-native", async () => {
  const run = await new FakeEngine({ invokes: azureAdInvokes() }).run(
    () => new OptimaCspConnection("conn", args),
  );
  expect(run.errors).toEqual([]);
  expect(run.registrations.map((r) => r.type)).not.toContain(TYPES.keyVaultSecret);
  expect(run.registrations.map((r) => r.name)).toContain("conn-registration");
});

test("with keyVault but no @pulumi/azure-native installed, the error says what to install", async () => {
  const { message, run } = await refusedConstruction({
    ...args,
    keyVault: { resourceGroupName: "rg", vaultName: "kv" },
  });
  expect(message).toBe(
    "keyVault is set, but @pulumi/azure-native is not installed: run `npm install @pulumi/azure-native` " +
      "in the stack's project (it is an optional peer dependency of optima-csp), or leave keyVault out.",
  );
  // It failed before any child (or key) was made.
  expect(run.registrations.map((r) => r.type)).toEqual(["optima-csp:azure:CspConnection"]);
});
