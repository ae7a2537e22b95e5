/**
 * The host harness (`tests/support/provider-host.ts`) drives a provider through the real dynamic-provider host
 * process: a small echo provider defined here is serialized the way `@pulumi/pulumi` does,
 * loaded by `@pulumi/pulumi/cmd/dynamic-provider`, and called over gRPC through every lifecycle
 * method. Also: configuration reaches the host but never the serialized text, provider errors
 * come back as their message, and no host process outlives `close()` or a failed start.
 */
import type * as pulumi from "@pulumi/pulumi";
import { serializeProvider, startHost, urnFor, type DynamicHost } from "./support/provider-host";

/** Passed only through Configure: it must never appear in the serialized provider. */
const SENTINEL = "sentinel-config-secret-5f0c1d";
const TYPE = "harness:index:Echo";

interface EchoProvider extends pulumi.dynamic.ResourceProvider {
  store: Record<string, Record<string, unknown>>;
  next: number;
  token?: string;
  label?: string;
}

/**
 * Echoes its inputs; keeps state in a plain object inside the host process. Everything it uses
 * is inside the methods, as a serialized provider must.
 */
const echoProvider: EchoProvider = {
  store: {},
  next: 0,
  async configure(req) {
    this.token = req.config.get("harness:token");
    this.label = req.config.get("harness:label");
  },
  async check(_olds, news) {
    const failures: pulumi.dynamic.CheckFailure[] = [];
    if (typeof news.name !== "string" || news.name === "") {
      failures.push({ property: "name", reason: "name is required" });
    }
    return { inputs: { size: 1, ...news }, failures };
  },
  async diff(_id, olds, news) {
    const replaces = olds.name === news.name ? [] : ["name"];
    const changes = replaces.length > 0 || olds.size !== news.size;
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
  },
  async create(inputs) {
    if (inputs.fail === true) {
      throw new Error(`echo refused to create ${String(inputs.name)}`);
    }
    const id = `echo-${++this.next}`;
    const outs = {
      ...inputs,
      label: this.label ?? "",
      configured: typeof this.token === "string" && this.token.length > 0,
      hostEnv: process.env.HARNESS_ECHO ?? "",
    };
    this.store[id] = outs;
    return { id, outs };
  },
  async read(id, props) {
    const stored = this.store[id];
    if (stored === undefined) {
      return { id: "", props: {} };
    }
    return { id, props: { ...props, ...stored }, inputs: { name: stored.name, size: stored.size } };
  },
  async update(id, _olds, news) {
    const outs = { ...this.store[id], ...news, updates: Number(this.store[id]?.updates ?? 0) + 1 };
    this.store[id] = outs;
    return { outs };
  },
  async delete(id) {
    delete this.store[id];
  },
};

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("serializeProvider", () => {
  it("produces module text whose handler returns the provider", async () => {
    const text = await serializeProvider(echoProvider);
    expect(text).toContain("exports.handler");
    expect(text).toContain("echo refused to create");
  });
});

describe("urnFor", () => {
  it("builds an engine-shaped URN", () => {
    expect(urnFor("a:b:C", "n")).toBe("urn:pulumi:test::optima-csp::a:b:C::n");
    expect(urnFor("a:b:C", "n", "prod", "p")).toBe("urn:pulumi:prod::p::a:b:C::n");
  });
});

describe("startHost", () => {
  let host: DynamicHost | undefined;
  let text: string;

  beforeAll(async () => {
    text = await serializeProvider(echoProvider);
    host = await startHost({ providerText: text, env: { HARNESS_ECHO: "from-the-parent" } });
  });

  afterAll(async () => {
    await host?.close();
  });

  it("never puts configuration into the serialized provider", async () => {
    expect(text).not.toContain(SENTINEL);
    // Control: the same check catches a provider that captures the value.
    const leaky: pulumi.dynamic.ResourceProvider = {
      async create() {
        return { id: SENTINEL };
      },
    };
    expect(await serializeProvider(leaky)).toContain(SENTINEL);
  });

  it("drives configure, check, create, read, diff, update and delete through the real host", async () => {
    const h = host!;
    const urn = urnFor(TYPE, "one");
    await h.configure({ "harness:token": SENTINEL, "harness:label": "blue", "other:key": "x" });

    const bad = await h.check(urn, {}, { name: "" });
    expect(bad.failures).toEqual([{ property: "name", reason: "name is required" }]);

    const checked = await h.check(urn, {}, { name: "alpha" });
    expect(checked).toEqual({ inputs: { name: "alpha", size: 1 }, failures: [] });

    const created = await h.create(urn, checked.inputs);
    expect(created).toEqual({
      id: "echo-1",
      properties: { name: "alpha", size: 1, label: "blue", configured: true, hostEnv: "from-the-parent" },
    });
    expect(JSON.stringify(created)).not.toContain(SENTINEL);

    const read = await h.read(created.id, urn, created.properties, checked.inputs);
    expect(read).toEqual({
      id: "echo-1",
      properties: created.properties,
      inputs: { name: "alpha", size: 1 },
    });

    expect(await h.diff(created.id, urn, created.properties, { name: "alpha", size: 1 })).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: false,
      stables: [],
      kind: "none",
    });
    expect(await h.diff(created.id, urn, created.properties, { name: "alpha", size: 2 })).toMatchObject({
      changes: true,
      replaces: [],
      deleteBeforeReplace: false,
    });
    expect(await h.diff(created.id, urn, created.properties, { name: "beta", size: 1 })).toMatchObject({
      changes: true,
      replaces: ["name"],
      deleteBeforeReplace: true,
      kind: "some",
    });

    const updated = await h.update(created.id, urn, created.properties, { name: "alpha", size: 2 });
    expect(updated.properties).toMatchObject({ name: "alpha", size: 2, updates: 1 });
    expect((await h.read(created.id, urn, updated.properties)).properties).toMatchObject({
      size: 2,
      updates: 1,
    });

    await h.delete(created.id, urn, updated.properties);
    expect((await h.read(created.id, urn, updated.properties)).id).toBe("");
  });

  it("turns a provider error into an Error carrying the provider's message", async () => {
    await expect(host!.create(urnFor(TYPE, "bad"), { name: "bad", fail: true })).rejects.toThrow(
      "echo refused to create bad",
    );
  });

  it("samples the host's peak memory and captures its stderr", () => {
    const peak = host!.peakRssBytes();
    if (process.platform === "linux") {
      expect(peak).toBeGreaterThan(10 * 1024 * 1024);
    }
    expect(typeof host!.stderr).toBe("string");
  });
});

describe("host process lifecycle", () => {
  it("leaves no process behind after close(), and refuses calls afterwards", async () => {
    const h = await startHost({ providerText: await serializeProvider(echoProvider) });
    const pid = h.pid;
    expect(isAlive(pid)).toBe(true);
    await h.close();
    await h.close(); // idempotent
    expect(isAlive(pid)).toBe(false);
    await expect(h.create(urnFor(TYPE, "late"), { name: "late" })).rejects.toThrow(
      "Create: the dynamic-provider host is closed",
    );
  });

  it("fails a start that cannot work with a clear message and no orphan", async () => {
    await expect(
      startHost({
        providerText: "",
        pulumiPackageDir: "/nonexistent/@pulumi/pulumi",
        startupTimeoutMs: 10_000,
      }),
    ).rejects.toThrow(/^dynamic-provider host exited before printing its port/);
  });

  it("bounds each RPC with a deadline", async () => {
    const slow: pulumi.dynamic.ResourceProvider = {
      async create() {
        await new Promise((resolve) => setTimeout(resolve, 5_000));
        return { id: "never" };
      },
    };
    const h = await startHost({ providerText: await serializeProvider(slow), rpcTimeoutMs: 300 });
    try {
      await expect(h.create(urnFor(TYPE, "slow"), {})).rejects.toThrow(
        "Create: no answer from the dynamic-provider host within 300 ms",
      );
    } finally {
      await h.close();
    }
  });
});
