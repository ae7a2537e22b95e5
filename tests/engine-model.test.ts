/**
 * The one engine model (tests/support/engine/model.ts), rule by rule, with a recording provider: which
 * calls the engine makes in which order, what the state keeps, what is deleted at the end of a
 * run and in which order. Every rule it applies names its source; this checks that each is
 * stated and followed.
 */
import {
  ENGINE_RULES,
  applyResource,
  componentStep,
  deletesAtEnd,
  diffKind,
  markSecretOutputs,
  type EngineProvider,
  type ProviderDiff,
  type ResourceState,
} from "./support/engine/model";

const URN = "urn:pulumi:test::optima-csp::test:index:Thing::thing";

/** A provider that answers `diff` as told and records every call. */
function recording(diff: Partial<ProviderDiff> = {}, failures: { property: string; reason: string }[] = []) {
  const calls: string[] = [];
  let n = 0;
  const provider: EngineProvider = {
    async check(_urn, olds, news) {
      calls.push(`Check(olds ${JSON.stringify(olds)})`);
      return { inputs: { ...news, checked: true }, failures };
    },
    async diff(id, _urn, olds) {
      calls.push(`Diff(${id}, olds ${JSON.stringify(olds)})`);
      return { kind: "some", replaces: [], deleteBeforeReplace: false, ...diff };
    },
    async create(_urn, inputs) {
      calls.push("Create");
      return { id: `id-${++n}`, properties: { ...inputs, made: n } };
    },
    async update(id, _urn, olds, news) {
      calls.push(`Update(${id})`);
      return { properties: { ...olds, ...news, updated: true } };
    },
    async delete(id) {
      calls.push(`Delete(${id})`);
    },
  };
  return { provider, calls };
}

const OLD: ResourceState = {
  id: "id-0",
  inputs: { a: 1, checked: true },
  outputs: { a: 1, checked: true, out: "x" },
};

test("every rule names the source it was read from", () => {
  for (const [name, { rule, source }] of Object.entries(ENGINE_RULES)) {
    expect([name, rule.length > 20]).toEqual([name, true]);
    expect([name, source]).toEqual([name, expect.stringMatching(/\[(sg|de|se|step|plugin|dyn|srv)\]/)]);
  }
});

test("no state: Check without olds, then Create with the checked inputs", async () => {
  const { provider, calls } = recording();
  const step = await applyResource(provider, URN, undefined, { a: 1 });
  expect(calls).toEqual(["Check(olds {})", "Create"]);
  expect(step).toMatchObject({ kind: "create", calls: ["Check", "Create"] });
  expect(step.state).toEqual({
    id: "id-1",
    inputs: { a: 1, checked: true },
    outputs: { a: 1, checked: true, made: 1 },
  });
});

test("check failures stop the step before anything is made", async () => {
  const { provider, calls } = recording({}, [{ property: "a", reason: "must be 2" }]);
  await expect(applyResource(provider, URN, OLD, { a: 1 })).rejects.toThrow(
    `Check of ${URN} failed: a: must be 2`,
  );
  expect(calls).toEqual([`Check(olds ${JSON.stringify(OLD.inputs)})`]);
});

test("Diff gets the outputs in state; DIFF_NONE keeps them, with the new inputs", async () => {
  const { provider, calls } = recording({ kind: "none" });
  const step = await applyResource(provider, URN, OLD, { a: 2 });
  expect(calls).toEqual([
    `Check(olds ${JSON.stringify(OLD.inputs)})`,
    `Diff(id-0, olds ${JSON.stringify(OLD.outputs)})`,
  ]);
  expect(step.kind).toBe("same");
  expect(step.state).toEqual({ id: "id-0", inputs: { a: 2, checked: true }, outputs: OLD.outputs });
});

test("DIFF_SOME without replacement keys: Update in place", async () => {
  const { provider, calls } = recording({ kind: "some" });
  const step = await applyResource(provider, URN, OLD, { a: 2 });
  expect(calls.at(-1)).toBe("Update(id-0)");
  expect(step).toMatchObject({ kind: "update", calls: ["Check", "Diff", "Update"] });
  expect(step.state.id).toBe("id-0");
  expect(step.replaced).toBeUndefined();
});

test("a replacement: Check again without olds, create now, and hand the old resource back for the end of the run", async () => {
  const { provider, calls } = recording({ kind: "some", replaces: ["a"] });
  const step = await applyResource(provider, URN, OLD, { a: 2 });
  expect(calls).toEqual([
    `Check(olds ${JSON.stringify(OLD.inputs)})`,
    `Diff(id-0, olds ${JSON.stringify(OLD.outputs)})`,
    "Check(olds {})",
    "Create",
  ]);
  expect(step).toMatchObject({ kind: "replace", replaced: OLD });
  expect(step.state.id).toBe("id-1");
});

test("delete-before-replace: the provider asks for it, or the resource option decides", async () => {
  const asked = recording({ kind: "some", replaces: ["a"], deleteBeforeReplace: true });
  const step = await applyResource(asked.provider, URN, OLD, { a: 2 });
  expect(step.calls).toEqual(["Check", "Diff", "Check", "Delete", "Create"]);
  expect(step.replaced).toBeUndefined();

  const overridden = recording({ kind: "some", replaces: ["a"], deleteBeforeReplace: true });
  const kept = await applyResource(overridden.provider, URN, OLD, { a: 2 }, { deleteBeforeReplace: false });
  expect(kept.calls).toEqual(["Check", "Diff", "Check", "Create"]);
  expect(kept.replaced).toBe(OLD);

  const forced = recording({ kind: "some", replaces: ["a"] });
  expect(
    (await applyResource(forced.provider, URN, OLD, { a: 2 }, { deleteBeforeReplace: true })).calls,
  ).toEqual(["Check", "Diff", "Check", "Delete", "Create"]);
});

test("DIFF_UNKNOWN: the engine compares the inputs itself, and never replaces", async () => {
  const same = await applyResource(recording({ kind: "unknown" }).provider, URN, OLD, { a: 1 });
  expect(same.kind).toBe("same");
  const changed = await applyResource(recording({ kind: "unknown", replaces: ["a"] }).provider, URN, OLD, {
    a: 2,
  });
  expect(changed.kind).toBe("update");
});

test("a provider's `changes` answer, as the SDK's provider servers read it", () => {
  expect([diffKind(true), diffKind(false), diffKind(undefined)]).toEqual(["some", "none", "unknown"]);
});

test("a component (no provider): same when its inputs deep-equal those in state, else update", () => {
  const old: ResourceState = { id: "", inputs: { a: { b: [1, 2] } }, outputs: {} };
  expect(componentStep(undefined, {})).toBe("create");
  expect(componentStep(old, { a: { b: [1, 2] } })).toBe("same");
  expect(componentStep(old, { a: { b: [1, 2] }, c: undefined })).toBe("same");
  expect(componentStep(old, { a: { b: [2, 1] } })).toBe("update");
});

test("additionalSecretOutputs are marked secret, except the ID", () => {
  const marked = markSecretOutputs({ id: "x", value: "s", other: 1 }, ["value", "id", "absent"], (v) => ({
    secret: v,
  }));
  expect(marked).toEqual({ id: "x", value: { secret: "s" }, other: 1 });
});

test("deletes at the end of a run: what the run did not register, each before what it depends on; retention from the old state", () => {
  const previous = [
    { urn: "parent", dependsOn: [] },
    { urn: "key", dependsOn: ["parent"], retainOnDelete: true },
    { urn: "registration", dependsOn: ["parent", "key", "verification"] },
    { urn: "verification", dependsOn: ["parent", "key"] },
    { urn: "kept", dependsOn: [] },
  ];
  const order = deletesAtEnd(previous, new Set(["kept"]));
  expect(order.map((r) => r.urn)).toEqual(["registration", "verification", "key", "parent"]);
  expect(order.find((r) => r.urn === "key")?.retained).toBe(true);
  expect(order.find((r) => r.urn === "parent")?.retained).toBe(false);
});
