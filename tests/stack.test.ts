/**
 * The stack program and its project files: Pulumi.yaml declares exactly the keys index.ts reads
 * (with types and descriptions) and runs index.ts, never the library; Pulumi.dev.yaml is a
 * complete example without secrets; index.ts, run under mocks with that example, builds one
 * connection and exports its outputs but not the key.
 */

import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as yaml from "js-yaml";
import { DEFAULT_KEY_EXPIRES_AFTER_DAYS, DEFAULT_ROTATION_ANCHOR } from "../components/azure/rotation";
import { DEFAULT_VERIFY_TIMEOUT_SECONDS } from "../components/azure/keyVerification";
import { OPTIMA_SETTINGS } from "../components/optima/connection";
import { FIXTURE, FakeEngine, TYPES, azureAdInvokes, unwrapSecrets, valueOf } from "./support/mocks";

const ROOT = path.join(__dirname, "..");
const read = (file: string): string => readFileSync(path.join(ROOT, file), "utf8");

interface ConfigDeclaration {
  type: string;
  description: string;
  default?: unknown;
}
const project = yaml.load(read("Pulumi.yaml")) as {
  name: string;
  main: string;
  runtime: { name: string; options?: Record<string, unknown> };
  config: Record<string, ConfigDeclaration>;
};
const devStack = yaml.load(read("Pulumi.dev.yaml")) as { config: Record<string, unknown> };

/** The program's keys and their types, as the issue lists them. */
/** Each key's declared type; undefined: declared without one (a list of objects, read with getObject). */
const KEYS: Record<string, "string" | "integer" | "boolean" | undefined> = {
  webAppClientId: "string",
  webAppObjectId: "string",
  adoptWebApp: "boolean",
  mpnId: "string",
  domain: "string",
  domainSource: "string",
  optimaOrgId: "string",
  optimaTarget: "string",
  billingAccountId: "string",
  keyExpiresAfterDays: "integer",
  rotateAfterDays: "integer",
  rotationAnchor: "string",
  verifyTimeoutSeconds: "integer",
  keyVaultResourceGroup: "string",
  keyVaultName: "string",
  verifyAuthorityHost: "string",
  verifyScope: "string",
  optimaCustomers: undefined,
  optimaRetainOnDelete: "boolean",
  optimaTakeOverFrom: "string",
  clock: "string",
};

/** The keys a stack must set: the CLI refuses to run while a declared key without a default is unset. */
const REQUIRED = ["optimaOrgId", "webAppClientId"];

/**
 * What the Pulumi CLI does with project config before it runs the program: a declared key
 * without a default that the stack does not set stops the run ("Stack … is missing configuration
 * values …"); a declared default fills in an unset key.
 */
function applyProjectConfig(stackValues: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...stackValues };
  const missing: string[] = [];
  for (const [key, declaration] of Object.entries(project.config)) {
    const fullKey = `${project.name}:${key}`;
    if (fullKey in merged) {
      continue;
    }
    if (declaration.default === undefined) {
      missing.push(key);
    } else {
      merged[fullKey] = declaration.default;
    }
  }
  if (missing.length > 0) {
    throw new Error(`Stack is missing configuration values ${missing.sort().join(", ")}`);
  }
  return merged;
}

describe("Pulumi.yaml", () => {
  test("is the optima-csp project, runs index.ts on Node.js with TypeScript", () => {
    expect(project.name).toBe("optima-csp");
    expect(project.main).toBe("index.ts");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: true } });
    // The package's own entry points are the library: Pulumi must never fall back to them.
    const pkg = JSON.parse(read("package.json")) as { main?: string };
    expect(pkg.main).not.toMatch(/^(\.\/)?index\.(ts|js)$/);
  });

  test("declares exactly the program's keys, each with its type and a description", () => {
    expect(Object.keys(project.config).sort()).toEqual(Object.keys(KEYS).sort());
    for (const [key, declaration] of Object.entries(project.config)) {
      expect({ key, type: declaration.type }).toEqual({ key, type: KEYS[key] });
      expect(declaration.description.length).toBeGreaterThan(20);
      expect(
        Object.keys(declaration).every((field) => ["type", "description", "default"].includes(field)),
      ).toBe(true);
    }
  });

  test("descriptions state the component's defaults, so they cannot drift apart", () => {
    expect(project.config.keyExpiresAfterDays.description).toContain(
      `Default ${DEFAULT_KEY_EXPIRES_AFTER_DAYS}.`,
    );
    expect(project.config.verifyTimeoutSeconds.description).toContain(
      `Default ${DEFAULT_VERIFY_TIMEOUT_SECONDS}.`,
    );
    expect(project.config.rotationAnchor.description).toContain(`Default ${DEFAULT_ROTATION_ANCHOR}.`);
    expect(project.config.adoptWebApp.default).toBe(false);
    expect(project.config.optimaTarget.default).toBe("csp-partner");
  });
});

describe("Pulumi.yaml defaults", () => {
  test("only the two keys a stack must set lack a default (the CLI requires every other declared key)", () => {
    const withoutDefault = Object.entries(project.config)
      .filter(([, declaration]) => declaration.default === undefined)
      .map(([key]) => key)
      .sort();
    expect(withoutDefault).toEqual(REQUIRED);
    expect(() => applyProjectConfig({})).toThrow(
      "Stack is missing configuration values optimaOrgId, webAppClientId",
    );
  });
});

describe("index.ts", () => {
  const source = read("index.ts");

  test("reads only declared keys, and reads every one of them", () => {
    const reads = [...source.matchAll(/config\.(\w+)(?:<[^>]*>)?\("([^"]+)"/g)].map((m) => m[2]);
    expect([...new Set(reads)].sort()).toEqual(Object.keys(project.config).sort());
    // One project-namespace Config, and no other source of settings.
    expect(source.match(/new pulumi\.Config\(/g)).toHaveLength(1);
    expect(source).toContain("new pulumi.Config()");
    expect(source).not.toMatch(/process\.env/);
  });
});

describe("Pulumi.dev.yaml", () => {
  const keys = Object.keys(devStack.config);
  const text = read("Pulumi.dev.yaml");

  test("uses only declared optima-csp keys and the registration provider's optima keys", () => {
    const optimaKeys = Object.values(OPTIMA_SETTINGS).map((s) => s.key);
    for (const key of keys) {
      const [namespace, name] = key.split(":");
      if (namespace === "optima-csp") {
        expect(project.config).toHaveProperty(name);
      } else {
        expect(namespace).toBe("optima");
        expect(optimaKeys).toContain(key);
      }
    }
  });

  test("is complete: every declared key is set or shown commented out", () => {
    for (const key of Object.keys(project.config)) {
      expect(text).toMatch(new RegExp(`^\\s*(#\\s*)?optima-csp:${key}:`, "m"));
    }
  });

  test("holds no secret: no encrypted value, and credentials appear only in comments", () => {
    expect(text).not.toMatch(/secure:/);
    expect(text).not.toMatch(/encryptionsalt/);
    for (const key of [
      OPTIMA_SETTINGS.refreshToken.key,
      OPTIMA_SETTINGS.serviceAccountSecret.key,
      OPTIMA_SETTINGS.serviceAccountId.key,
    ]) {
      expect(keys).not.toContain(key);
    }
  });

  test("values have the declared types", () => {
    for (const [key, value] of Object.entries(devStack.config)) {
      const [namespace, name] = key.split(":");
      if (namespace !== "optima-csp") {
        continue;
      }
      const expected = KEYS[name] === "integer" ? "number" : KEYS[name];
      expect({ key, type: typeof value }).toEqual({ key, type: expected });
    }
  });
});

describe("the program under mocks, with the example configuration", () => {
  function configure(values: Record<string, unknown>): void {
    // The CLI hands the program structured values (lists, objects) as JSON text.
    pulumi.runtime.setAllConfig(
      Object.fromEntries(
        Object.entries(values).map(([k, v]) => [
          k,
          typeof v === "object" && v !== null ? JSON.stringify(v) : String(v),
        ]),
      ),
    );
  }

  async function runProgram(values: Record<string, unknown>) {
    configure(values);
    const engine = new FakeEngine({ invokes: azureAdInvokes() });
    let exported: Record<string, unknown> = {};
    let thrown: unknown;
    const run = await engine.run(() => {
      jest.isolateModules(() => {
        try {
          // A fresh evaluation of the program per run, as `pulumi up` would do.
          // eslint-disable-next-line @typescript-eslint/no-require-imports
          exported = require("../index") as Record<string, unknown>;
        } catch (error) {
          thrown = error;
        }
      });
    });
    return { run, exported, thrown };
  }

  afterEach(() => pulumi.runtime.setAllConfig({}));

  test("builds one connection from the config and exports its outputs, never the key", async () => {
    const { run, exported, thrown } = await runProgram(devStack.config);
    expect(thrown).toBeUndefined();
    expect(run.errors).toEqual([]);
    expect(run.ofType(TYPES.component).map((r) => r.name)).toEqual(["optima-csp"]);
    expect(Object.keys(exported).sort()).toEqual(
      [
        "activeKeyExpiresAt",
        "activeKeyId",
        "activeKeyUrn",
        "applicationObjectId",
        "nextRotationAt",
        "previousKeyId",
        "registrationId",
        // For `optima-csp status`.
        "optimaKeyId",
        "webAppClientId",
        "optimaOrgId",
        "optimaTarget",
        "optimaMpnId",
        "optimaDomain",
        "optimaCustomers",
      ].sort(),
    );
    expect(exported).not.toHaveProperty("activeKeySecret");

    const registration = unwrapSecrets(run.byName("optima-csp-registration").inputs);
    expect(registration).toMatchObject({
      target: "csp-partner",
      orgId: devStack.config["optima-csp:optimaOrgId"],
      mpnId: devStack.config["optima-csp:mpnId"],
      domain: devStack.config["optima-csp:domain"],
      applicationId: devStack.config["optima-csp:webAppClientId"],
    });
    expect(run.byName("optima-csp-key-verification").inputs.timeoutSeconds).toBe(900);
    expect(run.ofType(TYPES.keyVaultSecret)).toEqual([]);
    expect(devStack.config["optima-csp:webAppClientId"]).toBe(FIXTURE.clientId);
  });

  test("a stack that sets only what the README's Deploy steps set runs, with every default applied", async () => {
    const { run, thrown } = await runProgram(
      applyProjectConfig({
        "optima-csp:webAppClientId": FIXTURE.clientId,
        "optima-csp:mpnId": FIXTURE.mpnId,
        "optima-csp:optimaOrgId": FIXTURE.orgId,
      }),
    );
    expect(thrown).toBeUndefined();
    expect(run.errors).toEqual([]);
    // "" defaults read as "not set": the domain is discovered, no Key Vault, no object ID check.
    expect(run.invokes.map((i) => i.token)).toContain("azuread:index/getDomains:getDomains");
    expect(run.ofType(TYPES.keyVaultSecret)).toEqual([]);
    expect(run.byName("optima-csp-key-verification").inputs).toMatchObject({
      timeoutSeconds: DEFAULT_VERIFY_TIMEOUT_SECONDS,
      authorityHost: "https://login.microsoftonline.com",
    });
    // rotateAfterDays 0 reads as "a third of the expiry": 60 days with the default 180.
    const endDates = run.ofType(TYPES.password).map((r) => r.inputs.endDate as string);
    const days = (Date.parse(endDates[0]) - Date.parse(endDates[1])) / 86_400_000;
    expect(Math.abs(days)).toBe(60);
    expect(run.byName("optima-csp-registration").retainOnDelete ?? false).toBe(false);
  });

  test("optimaCustomers, as YAML gives it (an unquoted org ID too), reaches the component: one bill connect per customer", async () => {
    const tenants = ["2f0b6a43-5c1e-4f4e-9d8a-0c6b1a2e3f40", "7c9d2e11-8a3b-4c5d-9e0f-1a2b3c4d5e6f"];
    const { run, thrown, exported } = await runProgram({
      ...devStack.config,
      "optima-csp:optimaCustomers": [
        { tenantId: tenants[0], orgId: 40123 },
        {
          tenantId: tenants[1],
          orgId: "40124",
          billingProfileId: "ABCD-EFGH-IJK-LMN",
          retainOnDelete: false,
        },
      ],
    });
    expect(thrown).toBeUndefined();
    expect(run.errors).toEqual([]);
    expect(unwrapSecrets(run.byName(`optima-csp-customer-${tenants[0]}`).inputs)).toMatchObject({
      target: "bill-connect",
      orgId: "40123",
      customerTenantId: tenants[0],
    });
    expect(run.byName(`optima-csp-customer-${tenants[1]}`).retainOnDelete).toBe(false);
    const listed = (await valueOf(exported.optimaCustomers as pulumi.Output<unknown>)) as Record<
      string,
      unknown
    >;
    expect(Object.keys(listed).sort()).toEqual([...tenants].sort());
    expect(listed[tenants[0]]).toMatchObject({ orgId: "40123" });
  });

  test("an optimaCustomers entry with childOrg makes the child org under optimaOrgId; the output gives its ID as the customer's org", async () => {
    const tenant = "7c9d2e11-8a3b-4c5d-9e0f-1a2b3c4d5e6f";
    const { run, thrown, exported } = await runProgram({
      ...devStack.config,
      "optima-csp:optimaCustomers": [
        {
          tenantId: tenant,
          name: "Fabrikam",
          childOrg: { owners: [{ email: "finops@partner.example", firstName: "Fin", lastName: "Ops" }] },
        },
      ],
    });
    expect(thrown).toBeUndefined();
    expect(run.errors).toEqual([]);
    const child = run.byName(`optima-csp-child-org-${tenant}`);
    expect(child.inputs).toMatchObject({
      parentOrgId: devStack.config["optima-csp:optimaOrgId"],
      customerTenantId: tenant,
      name: "Fabrikam",
    });
    expect(child.retainOnDelete).toBe(true);
    const listed = (await valueOf(exported.optimaCustomers as pulumi.Output<unknown>)) as Record<
      string,
      { orgId: string }
    >;
    expect(listed[tenant].orgId).toBe(child.outputs.orgId);
  });

  test("a wrong optimaCustomers entry is refused by its config key, before anything is registered", async () => {
    const { run, thrown } = await runProgram({
      ...devStack.config,
      "optima-csp:optimaCustomers": [{ tenantId: "contoso", orgId: "1" }],
    });
    expect((thrown as Error).message).toMatch(
      /^optima-csp:optimaCustomers\[0\]\.tenantId must be the CSP customer's/,
    );
    expect(run.registrations).toEqual([]);
  });

  test("optimaRetainOnDelete and verifyAuthorityHost reach the component", async () => {
    const { run, thrown } = await runProgram({
      ...devStack.config,
      "optima-csp:optimaRetainOnDelete": true,
      "optima-csp:verifyAuthorityHost": "https://login.microsoftonline.us",
    });
    expect(thrown).toBeUndefined();
    expect(run.byName("optima-csp-registration").retainOnDelete).toBe(true);
    expect(run.byName("optima-csp-key-verification").inputs.authorityHost).toBe(
      "https://login.microsoftonline.us",
    );
  });

  test("optimaTakeOverFrom reaches the component as optima.takeOverFrom, checked before anything is declared", async () => {
    const { thrown, run } = await runProgram({
      ...devStack.config,
      "optima-csp:optimaTakeOverFrom": "prod-stack",
    });
    expect((thrown as Error).message).toContain("optima.takeOverFrom must be the deployment ID");
    expect((thrown as Error).message).toContain('got "prod-stack"');
    expect(run.ofType(TYPES.password)).toEqual([]);
  });

  test("with a Key Vault configured, the active key is also kept there under optima-csp-web-app-key", async () => {
    const { run } = await runProgram({
      ...devStack.config,
      "optima-csp:keyVaultResourceGroup": "rg-finops",
      "optima-csp:keyVaultName": "kv-finops",
    });
    expect(run.byName("optima-csp-key-vault-secret").inputs).toMatchObject({
      resourceGroupName: "rg-finops",
      vaultName: "kv-finops",
      secretName: "optima-csp-web-app-key",
    });
  });

  test("half a Key Vault configuration is refused", async () => {
    const { thrown, run } = await runProgram({ ...devStack.config, "optima-csp:keyVaultName": "kv-finops" });
    expect((thrown as Error).message).toBe(
      "Set both optima-csp:keyVaultResourceGroup and optima-csp:keyVaultName to keep the key in Key Vault, or neither.",
    );
    expect(run.registrations).toEqual([]);
  });

  test("a missing required key names it", async () => {
    const { "optima-csp:optimaOrgId": _omitted, ...rest } = devStack.config;
    const { thrown } = await runProgram(rest);
    expect((thrown as Error).message).toContain("optima-csp:optimaOrgId");
  });
});
