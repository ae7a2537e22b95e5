/**
 * provider/schema.json against the code it describes (issue 19: "a test that the schema matches
 * the component's args (no drift)"). The schema is explicit (type inference refuses the
 * component's unions), so nothing keeps it true but this test:
 * - the shape: every input and output of OptimaCspConnection and of the two custom resources, with
 *   its type, whether it is required, whether it is plain, and its description, read from the
 *   TypeScript source (tests/support/schema-source.ts) and compared member by member, both ways;
 * - the secrets: which outputs of the component ARE secrets when it runs (under the mocks), and
 *   which inputs and outputs its children register as secrets, against the schema's `secret`;
 * - the identity: the component's token is the one the component registers, its version the
 *   package's.
 * The metaschema check is provider/codegen's (`npm run check:sdks`): Pulumi's own validator.
 */

import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { CSP_CONNECTION_TYPE } from "../components/azure/connectionType";
import { OptimaCspConnection } from "../components/azure/cspConnection";
import { FIXTURE, FakeEngine, TYPES, azureAdInvokes, importableApp, isSecretWrapper } from "./support/mocks";
import {
  RESOURCE_SOURCES,
  normalizedDescription,
  readCodeResources,
  type CodeProperty,
  type CodeResource,
  type CodeType,
  type ResourceToken,
} from "./support/schema-source";

/** The parts of Pulumi's schema this package uses (pkg/codegen/schema/pulumi.json v3.274.1). */
interface PropertySpec {
  type?: string;
  $ref?: string;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
  plain?: boolean;
  secret?: boolean;
  description?: string;
}
interface ObjectTypeSpec {
  type: string;
  description?: string;
  properties?: Record<string, PropertySpec>;
  required?: string[];
  enum?: { value: string }[];
}
interface ResourceSpec {
  description?: string;
  isComponent?: boolean;
  properties?: Record<string, PropertySpec>;
  required?: string[];
  inputProperties?: Record<string, PropertySpec>;
  requiredInputs?: string[];
}
interface PackageSpec {
  name: string;
  version?: string;
  resources: Record<string, ResourceSpec>;
  types: Record<string, ObjectTypeSpec>;
}

const ROOT = path.resolve(__dirname, "..");
const schema = JSON.parse(fs.readFileSync(path.join(ROOT, "provider/schema.json"), "utf8")) as PackageSpec;
const TOKENS = Object.keys(RESOURCE_SOURCES) as ResourceToken[];

/** Every way a schema property differs from the code's member, as `where: what` lines. */
function propertyDifferences(
  where: string,
  code: CodeProperty,
  spec: PropertySpec,
  side: "input" | "output",
  seen: Set<string>,
): string[] {
  const found: string[] = [];
  if (normalizedDescription(spec.description) !== normalizedDescription(code.description)) {
    found.push(
      `${where}: description ${JSON.stringify(spec.description)}, TSDoc ${JSON.stringify(code.description)}`,
    );
  }
  // Plain-ness is an input's property ("when used as an input"); outputs carry none.
  const plain = side === "input" ? code.plain : false;
  if ((spec.plain === true) !== plain) {
    const codeSays = side === "output" ? "an output (never plain)" : plain ? "plain" : "pulumi.Input";
    found.push(`${where}: plain ${spec.plain === true}, the code ${codeSays}`);
  }
  return [...found, ...typeDifferences(where, code.type, spec, side, seen)];
}

function typeDifferences(
  where: string,
  code: CodeType,
  spec: PropertySpec,
  side: "input" | "output",
  seen: Set<string>,
): string[] {
  if (spec.$ref !== undefined) {
    const token = spec.$ref.replace(/^#\/types\//, "");
    const type = schema.types[token];
    if (!type) {
      return [`${where}: ${spec.$ref} is not in the schema's types`];
    }
    seen.add(token);
    if (type.enum) {
      const values = type.enum.map((entry) => entry.value);
      return code.kind === "enum" && JSON.stringify(values) === JSON.stringify(code.values)
        ? []
        : [`${where}: enum ${JSON.stringify(values)}, the code ${shown(code)}`];
    }
    if (code.kind !== "object") {
      return [`${where}: object ${token}, the code ${shown(code)}`];
    }
    const found: string[] = [];
    if (
      code.description !== undefined &&
      normalizedDescription(type.description) !== normalizedDescription(code.description)
    ) {
      found.push(
        `${token}: description ${JSON.stringify(type.description)}, TSDoc of ${code.name} ${JSON.stringify(code.description)}`,
      );
    }
    return [
      ...found,
      ...membersDifferences(token, code.properties, type.properties ?? {}, type.required ?? [], side, seen),
    ];
  }
  switch (spec.type) {
    case "string":
    case "boolean":
      return code.kind === spec.type ? [] : [`${where}: ${spec.type}, the code ${shown(code)}`];
    case "integer":
    case "number":
      return code.kind === "number" ? [] : [`${where}: ${spec.type}, the code ${shown(code)}`];
    case "array": {
      if (code.kind !== "array" || !spec.items) {
        return [`${where}: array, the code ${shown(code)}`];
      }
      const plainItems = side === "input" ? code.plainItems : false;
      const found =
        (spec.items.plain === true) !== plainItems
          ? [
              `${where}[]: plain ${spec.items.plain === true}, the code ${plainItems ? "plain" : "pulumi.Input"}`,
            ]
          : [];
      return [...found, ...typeDifferences(`${where}[]`, code.items, spec.items, side, seen)];
    }
    case "object":
      return code.kind === "map"
        ? typeDifferences(
            `${where}{}`,
            code.values,
            spec.additionalProperties ?? { type: "string" },
            side,
            seen,
          )
        : [`${where}: map, the code ${shown(code)}`];
    default:
      return [`${where}: no type the code can have (${JSON.stringify(spec)})`];
  }
}

/** Members compared both ways: names, required-ness, then each member. */
function membersDifferences(
  where: string,
  code: readonly CodeProperty[],
  specs: Record<string, PropertySpec>,
  required: readonly string[],
  side: "input" | "output",
  seen: Set<string>,
): string[] {
  const found: string[] = [];
  const names = new Set(code.map((member) => member.name));
  for (const name of Object.keys(specs)) {
    if (!names.has(name)) {
      found.push(`${where}.${name}: in the schema, not in the code`);
    }
  }
  for (const member of code) {
    const spec = specs[member.name];
    if (!spec) {
      found.push(`${where}.${member.name}: in the code, not in the schema`);
      continue;
    }
    if (required.includes(member.name) === member.optional) {
      found.push(
        `${where}.${member.name}: ${member.optional ? "optional" : "required"} in the code, not in the schema`,
      );
    }
    found.push(...propertyDifferences(`${where}.${member.name}`, member, spec, side, seen));
  }
  return found;
}

function shown(type: CodeType): string {
  return type.kind === "object"
    ? `object ${type.name}`
    : type.kind === "enum"
      ? `enum ${JSON.stringify(type.values)}`
      : type.kind;
}

function resourceDifferences(token: ResourceToken, code: CodeResource, seen: Set<string>): string[] {
  const spec = schema.resources[token];
  if (!spec) {
    return [`${token}: not in the schema's resources`];
  }
  const found: string[] = [];
  if (normalizedDescription(spec.description) !== normalizedDescription(code.description)) {
    found.push(
      `${token}: description ${JSON.stringify(spec.description)}, TSDoc of ${code.className} ${JSON.stringify(code.description)}`,
    );
  }
  // Each side: the code's members, and the schema's properties and required names for them.
  const sides = [
    { side: "input", members: code.inputs, specs: spec.inputProperties, required: spec.requiredInputs },
    { side: "output", members: code.outputs, specs: spec.properties, required: spec.required },
  ] as const;
  return [
    ...found,
    ...sides.flatMap(({ side, members, specs, required }) =>
      membersDifferences(`${token} ${side}`, members, specs ?? {}, required ?? [], side, seen),
    ),
  ];
}

describe("provider/schema.json describes the code", () => {
  const code = readCodeResources();

  test("every input and output of each resource, with its type, required-ness, plain-ness and TSDoc", () => {
    const seen = new Set<string>();
    const found = TOKENS.flatMap((token) => resourceDifferences(token, code[token], seen));
    expect(found).toEqual([]);
    // Nothing in the schema that no member uses.
    expect(Object.keys(schema.types).filter((token) => !seen.has(token))).toEqual([]);
  });

  test("no resource the code does not declare; the component is the one component, with its own token", () => {
    expect(Object.keys(schema.resources).sort()).toEqual([...TOKENS].sort());
    expect(TOKENS.filter((token) => schema.resources[token].isComponent === true)).toEqual([
      CSP_CONNECTION_TYPE,
    ]);
    expect(schema.name).toBe(CSP_CONNECTION_TYPE.split(":")[0]);
  });

  test("the schema's version is the package's", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string };
    expect(schema.version).toBe(pkg.version);
  });
});

describe("provider/schema.json marks exactly the secrets the code makes", () => {
  const secretNames = (specs: Record<string, PropertySpec> | undefined): string[] =>
    Object.entries(specs ?? {})
      .filter(([, spec]) => spec.secret === true)
      .map(([name]) => name)
      .sort();

  const CUSTOMER_TENANT = "5b0c8e2a-1d3f-4a6b-9c7d-2e4f6a8b0c1d";
  const OWNER = { email: "owner@contoso.example", firstName: "Ada", lastName: "Owner" };
  let run: Awaited<ReturnType<FakeEngine["run"]>> & { value: OptimaCspConnection };
  beforeAll(async () => {
    const engine = new FakeEngine({ invokes: azureAdInvokes(), importable: importableApp() });
    run = await engine.run(
      () =>
        new OptimaCspConnection("conn", {
          webApp: { clientId: FIXTURE.clientId },
          mpnId: FIXTURE.mpnId,
          optima: { orgId: FIXTURE.orgId },
          customers: [{ tenantId: CUSTOMER_TENANT, childOrg: { owners: [OWNER] } }],
          now: new Date("2026-03-01T00:00:00Z"),
        }),
    );
    expect(run.errors).toEqual([]);
  });

  test("the component's outputs: the schema's are its Output properties, and each is a secret iff marked", async () => {
    const connection = run.value;
    const outputs = Object.entries(connection)
      .filter(([name, value]) => name !== "urn" && pulumi.Output.isInstance(value))
      .map(([name]) => name)
      .sort();
    const spec = schema.resources[CSP_CONNECTION_TYPE];
    expect(Object.keys(spec.properties ?? {}).sort()).toEqual(outputs);
    const secrets: string[] = [];
    for (const name of outputs) {
      if (await pulumi.isSecret((connection as unknown as Record<string, pulumi.Output<unknown>>)[name])) {
        secrets.push(name);
      }
    }
    expect(secretNames(spec.properties)).toEqual(secrets.sort());
  });

  test.each([
    ["optima-csp:optima:Registration", TYPES.registration],
    ["optima-csp:azure:KeyVerification", TYPES.verification],
    ["optima-csp:optima:ChildOrg", TYPES.childOrg],
  ] as const)(
    "%s: the inputs it registers as secrets, and its additionalSecretOutputs",
    (token, registered) => {
      const [child] = run.ofType(registered);
      const spec = schema.resources[token];
      const secretInputs = Object.entries(child.inputs)
        .filter(([name, value]) => name in (spec.inputProperties ?? {}) && isSecretWrapper(value))
        .map(([name]) => name)
        .sort();
      expect(secretNames(spec.inputProperties)).toEqual(secretInputs);
      const secretOutputs = child.additionalSecretOutputs.filter((name) => name in (spec.properties ?? {}));
      expect(secretNames(spec.properties)).toEqual([...secretOutputs].sort());
    },
  );
});
