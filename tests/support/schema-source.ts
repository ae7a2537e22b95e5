/**
 * What the TypeScript code says the Pulumi schema (provider/schema.json) must describe: the
 * inputs and outputs of OptimaCspConnection and of the custom resources the plugin serves,
 * read from the source with the TypeScript compiler API. The drift test (tests/schema.test.ts)
 * compares this with the schema, so neither side is a hand-copied list of the other.
 *
 * The mapping, one rule each (the schema side: pulumi/pulumi v3.274.1
 * `pkg/codegen/schema/pulumi.json`, `$defs/typeSpec` and `$defs/propertySpec`):
 * - `pulumi.Input<T>` is an input that accepts eventual values; any other member type is plain
 *   (`"plain": true`: "when used as an input, this type does not accept eventual values");
 * - `pulumi.Output<T>` members of a class are its outputs, and `T | undefined` an optional one;
 * - a `?` member is optional (absent from `required` / `requiredInputs`);
 * - `string`, `number`, `boolean` are the primitive types (`number` may be `integer` in the
 *   schema); `Date` is a string (an RFC 3339 instant: the schema has no date type);
 * - a union of string literals (or a type that resolves to one) is an enum of those values;
 * - `T[]` is an array, `Record<string, T>` a map, an interface an object type;
 * - a member's description is its TSDoc, or, for a custom resource's output that repeats an
 *   input, the input's TSDoc.
 *
 * Pure apart from reading the source files; the TypeScript program is built once per call.
 */

import * as path from "node:path";
import ts from "typescript";

export type CodeType =
  | { readonly kind: "string" | "number" | "boolean" }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | { readonly kind: "array"; readonly items: CodeType; readonly plainItems: boolean }
  | { readonly kind: "map"; readonly values: CodeType }
  | {
      readonly kind: "object";
      readonly name: string;
      readonly description?: string;
      readonly properties: readonly CodeProperty[];
    };

export interface CodeProperty {
  readonly name: string;
  readonly optional: boolean;
  /** Not a `pulumi.Input`: the caller's value itself. Always true for outputs. */
  readonly plain: boolean;
  readonly type: CodeType;
  readonly description?: string;
}

/** A resource as the code declares it: its args interface and its class's outputs. */
export interface CodeResource {
  readonly className: string;
  readonly description?: string;
  readonly inputs: readonly CodeProperty[];
  readonly outputs: readonly CodeProperty[];
}

const ROOT = path.resolve(__dirname, "../..");

/** Where each resource the schema describes is declared: file, class and args interface. */
export const RESOURCE_SOURCES = {
  "optima-csp:azure:CspConnection": {
    file: "components/azure/cspConnection.ts",
    className: "OptimaCspConnection",
    argsName: "OptimaCspConnectionArgs",
  },
  "optima-csp:optima:Registration": {
    file: "components/optima/provider.ts",
    className: "OptimaRegistration",
    argsName: "OptimaRegistrationArgs",
  },
  "optima-csp:azure:KeyVerification": {
    file: "components/azure/keyVerification.ts",
    className: "KeyVerification",
    argsName: "KeyVerificationArgs",
  },
  "optima-csp:optima:ChildOrg": {
    file: "components/optima/childOrgProvider.ts",
    className: "FlexeraChildOrg",
    argsName: "FlexeraChildOrgArgs",
  },
} as const;

export type ResourceToken = keyof typeof RESOURCE_SOURCES;

/**
 * The files that declare the types the args refer to. The program holds these and the resources'
 * files only (`noResolve`): following their imports would parse the declarations of
 * @pulumi/pulumi, @pulumi/azuread and @pulumi/random, seconds of CPU for types this reading never
 * needs (`pulumi.Input` and `pulumi.Output` are read by name). A type declared elsewhere fails the
 * reading with its name ("no schema type for …"): add its file here.
 */
const TYPE_FILES = [
  "components/azure/webApp.ts",
  "components/azure/customers.ts",
  "components/optima/types.ts",
  "components/optima/targets.ts",
  "components/optima/childOrgRules.ts",
];

/** Every resource of {@link RESOURCE_SOURCES}, read from the code. */
export function readCodeResources(): Record<ResourceToken, CodeResource> {
  const files = [...Object.values(RESOURCE_SOURCES).map((source) => source.file), ...TYPE_FILES];
  const program = ts.createProgram(
    files.map((file) => path.join(ROOT, file)),
    {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.CommonJS,
      moduleResolution: ts.ModuleResolutionKind.Node10,
      strict: true,
      skipLibCheck: true,
      noEmit: true,
      noResolve: true,
    },
  );
  const reader = new Reader(program.getTypeChecker());
  const result = {} as Record<ResourceToken, CodeResource>;
  for (const [token, source] of Object.entries(RESOURCE_SOURCES) as [
    ResourceToken,
    (typeof RESOURCE_SOURCES)[ResourceToken],
  ][]) {
    const file = program.getSourceFile(path.join(ROOT, source.file));
    if (!file) {
      throw new Error(`${source.file} is not in the program`);
    }
    result[token] = reader.resource(file, source.className, source.argsName);
  }
  return result;
}

class Reader {
  constructor(private readonly checker: ts.TypeChecker) {}

  resource(file: ts.SourceFile, className: string, argsName: string): CodeResource {
    const cls = file.statements.find(
      (s): s is ts.ClassDeclaration => ts.isClassDeclaration(s) && s.name?.text === className,
    );
    const args = file.statements.find(
      (s): s is ts.InterfaceDeclaration => ts.isInterfaceDeclaration(s) && s.name.text === argsName,
    );
    if (!cls || !args) {
      throw new Error(`${file.fileName} declares no class ${className} or no interface ${argsName}`);
    }
    const inputs = this.members(args);
    const inputDocs = new Map(inputs.map((input) => [input.name, input.description]));
    const outputs: CodeProperty[] = [];
    for (const member of cls.members) {
      if (!ts.isPropertyDeclaration(member) || !member.type || !ts.isIdentifier(member.name)) {
        continue;
      }
      const modifiers = ts.getCombinedModifierFlags(member);
      if (modifiers & (ts.ModifierFlags.Private | ts.ModifierFlags.Protected)) {
        continue;
      }
      const output = wrapped(member.type, "pulumi.Output");
      if (!output) {
        continue;
      }
      const name = member.name.text;
      const { type, optional } = this.unionWithoutUndefined(output);
      outputs.push({
        name,
        optional,
        plain: true,
        type,
        description: this.doc(member) ?? inputDocs.get(name),
      });
    }
    return { className, description: this.doc(cls), inputs, outputs };
  }

  /** The members of an interface (and of the interfaces it extends). */
  private members(declaration: ts.InterfaceDeclaration): CodeProperty[] {
    const type = this.checker.getTypeAtLocation(declaration);
    return this.checker.getPropertiesOfType(type).map((symbol) => {
      const member = symbol.valueDeclaration;
      if (!member || !ts.isPropertySignature(member) || !member.type) {
        throw new Error(`${declaration.name.text}.${symbol.name} is not a typed property`);
      }
      const input = wrapped(member.type, "pulumi.Input");
      const { type: memberType, optional } = this.unionWithoutUndefined(input ?? member.type);
      return {
        name: symbol.name,
        optional: member.questionToken !== undefined || optional,
        plain: input === undefined,
        type: memberType,
        description: this.doc(member),
      };
    });
  }

  private unionWithoutUndefined(node: ts.TypeNode): { type: CodeType; optional: boolean } {
    if (ts.isUnionTypeNode(node)) {
      const defined = node.types.filter((t) => t.kind !== ts.SyntaxKind.UndefinedKeyword);
      if (defined.length === 1 && defined.length < node.types.length) {
        return { type: this.type(defined[0]), optional: true };
      }
    }
    return { type: this.type(node), optional: false };
  }

  private type(node: ts.TypeNode): CodeType {
    if (ts.isTypeOperatorNode(node) && node.operator === ts.SyntaxKind.ReadonlyKeyword) {
      return this.type(node.type);
    }
    if (ts.isParenthesizedTypeNode(node)) {
      return this.type(node.type);
    }
    if (ts.isArrayTypeNode(node)) {
      const input = wrapped(node.elementType, "pulumi.Input");
      return { kind: "array", items: this.type(input ?? node.elementType), plainItems: input === undefined };
    }
    switch (node.kind) {
      case ts.SyntaxKind.StringKeyword:
        return { kind: "string" };
      case ts.SyntaxKind.NumberKeyword:
        return { kind: "number" };
      case ts.SyntaxKind.BooleanKeyword:
        return { kind: "boolean" };
    }
    if (ts.isTypeReferenceNode(node)) {
      const name = node.typeName.getText();
      if (name === "Date") {
        return { kind: "string" };
      }
      if ((name === "Record" || name === "Readonly") && node.typeArguments) {
        if (name === "Readonly") {
          return this.type(node.typeArguments[0]);
        }
        return { kind: "map", values: this.type(node.typeArguments[1]) };
      }
      let symbol = this.checker.getSymbolAtLocation(node.typeName);
      if (symbol && symbol.flags & ts.SymbolFlags.Alias) {
        symbol = this.checker.getAliasedSymbol(symbol);
      }
      const declaration = symbol?.declarations?.[0];
      if (declaration && ts.isInterfaceDeclaration(declaration)) {
        return {
          kind: "object",
          name: declaration.name.text,
          description: this.doc(declaration),
          properties: this.members(declaration),
        };
      }
    }
    const values = this.stringLiterals(this.checker.getTypeFromTypeNode(node));
    if (values) {
      return { kind: "enum", values };
    }
    throw new Error(`no schema type for the TypeScript type ${node.getText()}`);
  }

  /** The values of a union of string literal types, or undefined. */
  private stringLiterals(type: ts.Type): string[] | undefined {
    const members = type.isUnion() ? type.types : [type];
    const values = members.map((member) => (member.isStringLiteral() ? member.value : undefined));
    return values.every((value): value is string => value !== undefined) ? values : undefined;
  }

  private doc(node: ts.Node): string | undefined {
    const name = (node as ts.NamedDeclaration).name;
    const symbol = name ? this.checker.getSymbolAtLocation(name) : undefined;
    const text = symbol ? ts.displayPartsToString(symbol.getDocumentationComment(this.checker)) : "";
    return text.trim() === "" ? undefined : text.trim();
  }
}

/** T of `wrapper<T>` (e.g. `pulumi.Input<string>`), or undefined for any other type. */
function wrapped(node: ts.TypeNode, wrapper: "pulumi.Input" | "pulumi.Output"): ts.TypeNode | undefined {
  return ts.isTypeReferenceNode(node) &&
    node.typeName.getText() === wrapper &&
    node.typeArguments?.length === 1
    ? node.typeArguments[0]
    : undefined;
}

/** A description with its whitespace collapsed: TSDoc wraps lines where the schema need not. */
export function normalizedDescription(text: string | undefined): string | undefined {
  return text === undefined ? undefined : text.replace(/\s+/g, " ").trim();
}
