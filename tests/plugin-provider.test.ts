/**
 * The provider plugin's provider object (components/plugin), in-process: what the plugin's gRPC
 * server hands it and what it hands back. The engine scenario tests/engine/yaml.test.ts runs it
 * for real; these are the rules it cannot single out cheaply: the secret wire values (unwrapped
 * for the shared implementation, wrapped again on the way back), dispatch by type, and how the
 * component's construct inputs become its arguments. And the plugin's contract with
 * provider/schema.json: it serves exactly the types the schema declares, and the component's
 * arguments the schema names.
 */
import * as pulumi from "@pulumi/pulumi";
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CSP_CONNECTION_TYPE } from "../components/azure/connectionType";
import { resolveConnection } from "../components/optima/connection";
import {
  CHILD_ORG_TOKEN,
  KEY_VERIFICATION_TOKEN,
  REGISTRATION_TOKEN,
  constructOptimaConfig,
  useChildProviders,
} from "../components/plugin/children";
import { connectionArgs } from "../components/plugin/construct";
import { pluginProvider } from "../components/plugin/main";
import { CUSTOM_RESOURCES, customResourceProvider, plainValue } from "../components/plugin/resources";
import { UNKNOWN_VALUE } from "../components/unknown";
import { startEmulator, type Emulator } from "../tools/emulator";
import { childOrgInputs as childOrgInputsOf } from "./support/child-org-inputs";
import { OPTIMA_ENV, emulatorOptimaEnv } from "./support/host-env";
import { SECRET_SIG, SECRET_SIG_VALUE } from "./support/mocks";

const SCHEMA_TEXT = readFileSync(path.join(__dirname, "..", "provider", "schema.json"), "utf8");
const SCHEMA = JSON.parse(SCHEMA_TEXT) as {
  version: string;
  resources: Record<string, { isComponent?: boolean; inputProperties?: Record<string, unknown> }>;
};

const secret = (value: unknown) => ({ [SECRET_SIG]: SECRET_SIG_VALUE, value });
const urn = (type: string, name = "conn-x") =>
  `urn:pulumi:dev::proj::${CSP_CONNECTION_TYPE}$${type}::${name}`;
const KEY = "s3cr3t-value-of-the-web-app-key";

const CUSTOMER_TENANT = "5b0c8e2a-1d3f-4a6b-9c7d-2e4f6a8b0c1d";
const OTHER_TENANT = "7d2e0a4c-3f5b-4c8d-8e9f-4a6b8c0d2e3f";
const PARENT_ORG = "12345";
const childOrgInputs = childOrgInputsOf(PARENT_ORG, CUSTOMER_TENANT);

const registrationInputs = {
  target: "csp-partner",
  orgId: "12345",
  mpnId: "1234567",
  domain: "contoso.onmicrosoft.com",
  applicationId: "0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f",
  applicationSecret: secret(KEY),
  keyId: "6f1e0c1a-2b3c-4d5e-8f90-a1b2c3d4e5f6",
};

describe("the plugin and provider/schema.json", () => {
  test("it serves exactly the custom resources the schema declares, and constructs its one component", () => {
    const declared = Object.entries(SCHEMA.resources);
    expect(Object.keys(CUSTOM_RESOURCES).sort()).toEqual(
      declared
        .filter(([, r]) => !r.isComponent)
        .map(([token]) => token)
        .sort(),
    );
    expect(declared.filter(([, r]) => r.isComponent).map(([token]) => token)).toEqual([CSP_CONNECTION_TYPE]);
  });

  test("its version and schema are the schema file's", () => {
    const provider = pluginProvider(SCHEMA_TEXT);
    expect(provider.version).toBe(SCHEMA.version);
    expect(provider.schema).toBe(SCHEMA_TEXT);
  });

  test("its entry point, where dist/ is not built (a git URL names the source only), says what to run", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "optima-csp-unbuilt-"));
    try {
      mkdirSync(path.join(root, "provider"));
      for (const file of ["index.js", "schema.json", "PulumiPlugin.yaml"]) {
        copyFileSync(path.join(__dirname, "..", "provider", file), path.join(root, "provider", file));
      }
      const started = spawnSync(process.execPath, [path.join(root, "provider", "index.js"), "127.0.0.1:1"], {
        encoding: "utf8",
        timeout: 10_000,
      });
      expect(started.status).toBe(1);
      expect(started.stderr).toContain(`is not built. Run \`npm ci\` in ${root}`);
      expect(started.stderr).not.toMatch(/Cannot find module/);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  test("the component takes every argument the schema names", async () => {
    const names = Object.keys(SCHEMA.resources[CSP_CONNECTION_TYPE].inputProperties ?? {});
    const inputs = Object.fromEntries(names.map((name) => [name, undefined]));
    await expect(connectionArgs(inputs)).resolves.toEqual(inputs);
  });
});

describe("the custom resources: the shared implementation sees plain values; secrets stay secrets", () => {
  const provider = customResourceProvider();

  test("check hands back the key still wrapped as a secret (else the engine stores it in plain text)", async () => {
    const checked = await provider.check(urn(REGISTRATION_TOKEN), {}, registrationInputs);
    expect(checked.failures).toBeUndefined();
    expect(checked.inputs.applicationSecret).toEqual(secret(KEY));
    expect(checked.inputs.orgId).toBe("12345");
  });

  test("the registration's secret output is a secret even when it came in plain", async () => {
    const checked = await provider.check(
      urn(REGISTRATION_TOKEN),
      {},
      { ...registrationInputs, applicationSecret: KEY },
    );
    expect(checked.inputs.applicationSecret).toEqual(secret(KEY));
  });

  test("check failures name the property, as the dynamic provider's do", async () => {
    const checked = await provider.check(
      urn(REGISTRATION_TOKEN),
      {},
      { ...registrationInputs, orgId: "not-digits" },
    );
    expect(checked.failures?.map((f) => f.property)).toEqual(["orgId"]);
  });

  test("diff compares plain values: the same key behind a secret wrapper is no change", async () => {
    const olds = { ...registrationInputs, applicationSecret: KEY };
    await expect(
      provider.diff("r-1", urn(REGISTRATION_TOKEN), olds, registrationInputs),
    ).resolves.toMatchObject({
      changes: false,
    });
    const moved = await provider.diff("r-1", urn(REGISTRATION_TOKEN), olds, {
      ...registrationInputs,
      orgId: "67890",
    });
    expect(moved).toMatchObject({ changes: true, replaces: ["orgId"] });
  });

  test("the key verification: a new key ID replaces it, an unknown one in preview too", async () => {
    const olds = {
      tenantId: "t",
      clientId: "c",
      keyId: "k1",
      authorityHost: "h",
      timeoutSeconds: 20,
      scope: "s",
    };
    const news = { ...olds, keyId: "k2", secret: secret(KEY) };
    await expect(provider.diff("k1", urn(KEY_VERIFICATION_TOKEN), olds, news)).resolves.toMatchObject({
      replaces: ["keyId"],
    });
    await expect(
      provider.diff("k1", urn(KEY_VERIFICATION_TOKEN), olds, { ...news, keyId: UNKNOWN_VALUE }),
    ).resolves.toMatchObject({ changes: true });
  });

  test("the child org: check names the property, a new customer tenant replaces it", async () => {
    const checked = await provider.check(urn(CHILD_ORG_TOKEN), {}, { ...childOrgInputs, parentOrgId: "msp" });
    expect(checked.failures?.map((f) => f.property)).toEqual(["parentOrgId"]);
    const olds = { ...childOrgInputs, orgId: "501" };
    await expect(
      provider.diff("501", urn(CHILD_ORG_TOKEN), olds, { ...childOrgInputs, name: "Renamed" }),
    ).resolves.toMatchObject({ changes: false });
    await expect(
      provider.diff("501", urn(CHILD_ORG_TOKEN), olds, { ...childOrgInputs, customerTenantId: OTHER_TENANT }),
    ).resolves.toMatchObject({ changes: true, replaces: ["customerTenantId"] });
  });

  test("a type it does not serve is refused by name", async () => {
    await expect(provider.check(urn("optima-csp:optima:Other"), {}, {})).rejects.toThrow(
      /unknown resource type "optima-csp:optima:Other"/,
    );
  });

  test("plainValue unwraps secrets at any depth", () => {
    expect(plainValue({ a: secret({ b: [secret("x")] }) })).toEqual({ a: { b: ["x"] } });
  });
});

describe("construct: the component's arguments from the inputs", () => {
  const known = <T>(value: T, isSecret = false) => (isSecret ? pulumi.secret(value) : pulumi.output(value));

  test("settings that arrive as Outputs are waited for; mpnId and domain stay Inputs; now becomes a Date", async () => {
    const mpnId = known("1234567");
    const args = await connectionArgs({
      webApp: known({ clientId: "c" }),
      optima: { orgId: "12345", target: "csp-partner" },
      mpnId,
      keyExpiresAfterDays: known(30),
      now: "2026-03-01T03:00:00Z",
    });
    expect(args.webApp).toEqual({ clientId: "c" });
    expect(args.keyExpiresAfterDays).toBe(30);
    expect(args.mpnId).toBe(mpnId);
    expect(args.now).toEqual(new Date("2026-03-01T03:00:00Z"));
  });

  test("a setting not known yet, or secret, is refused by name before anything is made", async () => {
    const unknown = pulumi.output(pulumi.unknown);
    await expect(connectionArgs({ rotateAfterDays: unknown })).rejects.toThrow(
      /rotateAfterDays must be known/,
    );
    await expect(connectionArgs({ optima: known({ orgId: "1" }, true) })).rejects.toThrow(
      /optima is a setting, not a secret/,
    );
  });

  test("a bad instant and an argument the component does not take are refused", async () => {
    await expect(connectionArgs({ now: "yesterday" })).rejects.toThrow(/now must be an ISO 8601 date-time/);
    await expect(connectionArgs({ clientId: "c" })).rejects.toThrow(/unknown argument clientId/);
  });
});

describe("the Optima connection in the plugin: the environment alone, one rule for every call", () => {
  const REFRESH_TOKEN = "plugin-refresh-token";
  const saved = Object.fromEntries(OPTIMA_ENV.map((name) => [name, process.env[name]]));
  let emulator: Emulator;

  const setEnv = (values: Record<string, string | undefined>): void => {
    for (const name of OPTIMA_ENV) {
      if (values[name] === undefined) {
        delete process.env[name];
      } else {
        process.env[name] = values[name];
      }
    }
  };

  beforeAll(async () => {
    emulator = await startEmulator({ refreshTokens: [REFRESH_TOKEN] });
  });
  afterEach(() => {
    setEnv(saved);
    useChildProviders("dynamic");
  });
  afterAll(async () => {
    await emulator?.close();
  });

  test("a child org is made through the plugin with the connection of OPTIMA_*", async () => {
    setEnv(emulatorOptimaEnv(emulator, REFRESH_TOKEN));
    const created = await customResourceProvider().create(urn(CHILD_ORG_TOKEN), childOrgInputs);
    expect(created.outs).toMatchObject({
      orgId: created.id,
      adopted: false,
      customerTenantId: CUSTOMER_TENANT,
    });
    expect(emulator.msp.childOrgs(PARENT_ORG).map((org) => String(org.id))).toContain(created.id);
  });

  test("with no credential in the environment, the message names the variables, not stack config", async () => {
    setEnv({});
    const failure = customResourceProvider().create(urn(CHILD_ORG_TOKEN), childOrgInputs);
    await expect(failure).rejects.toThrow(/No Optima credential is configured\. Set OPTIMA_REFRESH_TOKEN/);
    await expect(failure).rejects.not.toThrow(/pulumi config set/);
  });

  test("the component's construct-time read (the ownership check) follows the same rule", () => {
    pulumi.runtime.setConfig("optima:refreshToken", "from-stack-config");
    try {
      expect(constructOptimaConfig().get("optima:refreshToken")).toBe("from-stack-config");
      useChildProviders("plugin");
      expect(constructOptimaConfig().get("optima:refreshToken")).toBeUndefined();
      expect(() => resolveConnection(constructOptimaConfig(), {})).toThrow(
        /Set OPTIMA_REFRESH_TOKEN, or OPTIMA_SERVICE_ACCOUNT_ID and OPTIMA_SERVICE_ACCOUNT_SECRET, in the environment/,
      );
    } finally {
      pulumi.runtime.setConfig("optima:refreshToken", "");
    }
  });
});
