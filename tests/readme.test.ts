/**
 * README.md is the front door: these tests keep it true about the things that drift silently —
 * the configuration table against Pulumi.yaml, the Optima connection keys against the code that
 * reads them, the commands it tells users to run against package.json and .ci/run, and its links.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { OPTIMA_SETTINGS } from "../components/optima/connection";

const root = path.resolve(__dirname, "..");
const readme = readFileSync(path.join(root, "README.md"), "utf8");

interface ProjectConfigKey {
  /** Absent on optimaCustomers: a list of objects, which Pulumi.yaml cannot type on every supported CLI. */
  type?: string;
  default?: unknown;
  description?: string;
}

function projectConfig(): Record<string, ProjectConfigKey> {
  const project = yaml.load(readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as {
    config: Record<string, ProjectConfigKey>;
  };
  return project.config;
}

/** The rows of the table between the config-table markers: key → { type, default }. */
function readmeConfigTable(): Map<string, { type: string; default: string }> {
  const start = readme.indexOf("<!-- config-table:start");
  const end = readme.indexOf("<!-- config-table:end -->");
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  const rows = new Map<string, { type: string; default: string }>();
  for (const line of readme.slice(start, end).split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const key = /^`([A-Za-z]+)`$/.exec(cells[1] ?? "")?.[1];
    if (key) {
      rows.set(key, { type: cells[2], default: cells[3] });
    }
  }
  return rows;
}

describe("README configuration table", () => {
  it("lists exactly the keys Pulumi.yaml declares, in the same order", () => {
    expect([...readmeConfigTable().keys()]).toEqual(Object.keys(projectConfig()));
  });

  it("gives each key the type Pulumi.yaml declares (an untyped key: the list the program reads)", () => {
    const table = readmeConfigTable();
    for (const [key, declared] of Object.entries(projectConfig())) {
      expect({ key, type: table.get(key)?.type }).toEqual({ key, type: declared.type ?? "list" });
    }
  });

  it('states the default Pulumi.yaml declares ("" reads as not set)', () => {
    const table = readmeConfigTable();
    for (const [key, declared] of Object.entries(projectConfig())) {
      const documented = table.get(key)?.default ?? "";
      if (declared.default === "") {
        expect({ key, notSet: documented.startsWith("not set") }).toEqual({ key, notSet: true });
      } else if (declared.default !== undefined) {
        const text =
          typeof declared.default === "object" ? JSON.stringify(declared.default) : String(declared.default);
        const stated = documented.startsWith(`\`${text}\``);
        expect({ key, stated }).toEqual({ key, stated: true });
      }
    }
  });

  it("marks as required exactly the keys the program requires and Pulumi.yaml gives no default", () => {
    const program = readFileSync(path.join(root, "index.ts"), "utf8");
    const required = [...program.matchAll(/config\.require\w*\("(\w+)"/g)].map((m) => m[1]).sort();
    const withoutDefault = Object.entries(projectConfig())
      .filter(([, declared]) => declared.default === undefined)
      .map(([key]) => key)
      .sort();
    const documented = [...readmeConfigTable()]
      .filter(([, row]) => row.default === "(required)")
      .map(([key]) => key)
      .sort();
    expect(documented).toEqual(required);
    expect(withoutDefault).toEqual(required);
  });
});

describe("README Optima connection keys", () => {
  it.each(Object.values(OPTIMA_SETTINGS))("documents $key with its fallback $env", ({ key, env }) => {
    const row = readme.split("\n").find((line) => line.startsWith(`| \`${key}\``));
    expect(row).toBeDefined();
    expect(row).toContain(`\`${env}\``);
  });
});

describe("README commands", () => {
  const scripts = (
    JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }
  ).scripts;

  it("tells users the test command CI runs, and that it is what CI runs", () => {
    const ci = readFileSync(path.join(root, ".ci", "run"), "utf8");
    const tests = ci
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => /^npm (test|run test[a-z:-]*)$/.test(line));
    expect(tests).toEqual(["npm run test:all"]);
    expect(readme).toMatch(/npm run test:all\s+# .*what CI runs/);
  });

  it("only names npm scripts that exist", () => {
    const named = new Set([...readme.matchAll(/npm run ([a-z][a-z:-]*)/g)].map((m) => m[1]));
    expect(named.size).toBeGreaterThan(0);
    for (const script of named) {
      expect({ script, exists: script in scripts }).toEqual({ script, exists: true });
    }
  });

  it("gives the two fresh-machine commands: the rehearsal and the tests", () => {
    expect(readme).toMatch(/npm ci && npm run rehearsal/);
    expect(readme).toMatch(/npm ci && npm test/);
  });
});

describe("README emulator line", () => {
  it("gives the emulator's command line exactly as its --help does", () => {
    const source = readFileSync(path.join(root, "tools", "emulator", "cli.ts"), "utf8");
    const usage = /const USAGE = `Usage: (npm run emulator -- [^\n`]+)/.exec(source)?.[1];
    expect(usage).toBeDefined();
    expect(readme).toContain(`**Emulator** (\`${usage}\`)`);
  });

  it("says that Azure stays real when a stack points at the emulator", () => {
    expect(readme).toContain("Azure stays real");
  });
});

describe("README contents line", () => {
  it("links every section", () => {
    const contents = /^Contents: [\s\S]*?\n\n/m.exec(readme)?.[0] ?? "";
    expect(contents).not.toBe("");
    for (const [, heading] of readme.matchAll(/^## (.+)$/gm)) {
      const slug = heading
        .toLowerCase()
        .replace(/[^a-z0-9 -]/g, "")
        .replace(/ /g, "-");
      expect({ heading, linked: contents.includes(`](#${slug})`) }).toEqual({ heading, linked: true });
    }
  });
});

describe("README stack outputs", () => {
  it("lists exactly what the stack program exports, in its order", () => {
    const program = readFileSync(path.join(root, "index.ts"), "utf8");
    const exported = [...program.matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    const start = readme.indexOf("<!-- outputs:start");
    const end = readme.indexOf("<!-- outputs:end -->");
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(start);
    const documented = [...readme.slice(start, end).matchAll(/^\| `(\w+)` +\|/gm)].map((m) => m[1]);
    expect(exported.length).toBeGreaterThan(0);
    expect(documented).toEqual(exported);
  });
});

describe("README versions", () => {
  const { version } = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as {
    version: string;
  };

  it("names the package's own version wherever it names one to install", () => {
    const named = [
      ...[...readme.matchAll(/optima-csp(?:\.git)?#v(\d+\.\d+\.\d+)/g)].map((m) => m[1]),
      ...[...readme.matchAll(/optima-csp@(\d+\.\d+\.\d+)/g)].map((m) => m[1]),
      ...[...readme.matchAll(/optima-csp-(\d+\.\d+\.\d+)\.tgz/g)].map((m) => m[1]),
    ];
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named)).toEqual(new Set([version]));
  });
});

describe("README links", () => {
  it("points only at files that exist", () => {
    const targets = [...readme.matchAll(/\]\(([^)#\s]+)(?:#[^)]*)?\)/g)]
      .map((m) => m[1])
      .filter((target) => !/^[a-z]+:/.test(target));
    expect(targets.length).toBeGreaterThan(0);
    for (const target of targets) {
      expect({ target, exists: existsSync(path.join(root, target)) }).toEqual({ target, exists: true });
    }
  });

  it("points only at headings that exist in the other Markdown files it links to", () => {
    const slugsOf = (file: string): Set<string> =>
      new Set(
        [...readFileSync(path.join(root, file), "utf8").matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
          m[1]
            .toLowerCase()
            .replace(/[^a-z0-9 -]/g, "")
            .replace(/ /g, "-"),
        ),
      );
    const links = [...readme.matchAll(/\]\(([^)#\s]+\.md)#([^)]+)\)/g)];
    expect(links.length).toBeGreaterThan(0);
    for (const [, file, anchor] of links) {
      expect({ file, anchor, exists: slugsOf(file).has(anchor) }).toEqual({ file, anchor, exists: true });
    }
  });

  it("points only at headings that exist", () => {
    const slugs = new Set(
      [...readme.matchAll(/^#{1,6} (.+)$/gm)].map((m) =>
        m[1]
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, "")
          .replace(/ /g, "-"),
      ),
    );
    for (const [, anchor] of readme.matchAll(/\]\(#([^)]+)\)/g)) {
      expect({ anchor, exists: slugs.has(anchor) }).toEqual({ anchor, exists: true });
    }
  });
});
