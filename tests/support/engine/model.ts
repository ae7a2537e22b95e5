/**
 * The one model of the Pulumi engine in this repository: what the engine does with each resource
 * in a `pulumi up` that succeeds, for the places that cannot run the real engine. Its users:
 *
 * - the unit tests' fake engine (tests/support/mocks.ts `FakeEngine`), which evaluates the
 *   component under `pulumi.runtime.setMocks` and asks the providers' own `check` and `diff`
 *   (the azuread/random test doubles of ./doubles, optima-csp's dynamic providers) what to do;
 * - the benchmark (tools/bench.ts), which drives the registration provider through the real
 *   dynamic-provider host (../host).
 *
 * Everywhere else the real engine runs: the engine scenarios (tests/engine) and the rehearsal
 * (tools/rehearsal.ts) use the Pulumi CLI itself. This model decides nothing a provider decides:
 * which inputs replace a resource is always the provider's `diff` answer, never a rule here.
 *
 * Each rule is a row of {@link ENGINE_RULES} with the source it was read from, and the code cites
 * it by key. Sources: [sg] pkg/resource/deploy/step_generator.go, [de] deployment_executor.go,
 * [se] step_executor.go and [step] step.go of github.com/pulumi/pulumi/pkg/v3 v3.274.1, and
 * [plugin] sdk/go/common/resource/plugin/provider_plugin.go of github.com/pulumi/pulumi/sdk/v3
 * v3.274.1: the module sources the pinned CLI is built from (./build-pulumi.sh; read from Go's
 * module cache). [dyn] cmd/dynamic-provider/index.js and [srv] provider/server.js of
 * @pulumi/pulumi 3.248.0, the SDK in this repository's lockfile.
 *
 * Not modelled (the engine scenarios run the real engine for these): failed and interrupted runs,
 * and so pending deletes (the old half of a replacement whose delete did not run stays in state
 * marked `delete` and is deleted at the end of the next run, [sg] GenerateDeletes); refresh;
 * `--target`, `protect`, `ignoreChanges`, `replaceOnChanges`, aliases; a delete-before-replace's
 * cascade to dependents ([sg] calculateDependentReplacements); an import of a resource already in
 * state under another ID; previews.
 */
import { sameValue } from "./doubles/common";

export interface Rule {
  readonly rule: string;
  readonly source: string;
}

export const ENGINE_RULES = {
  checkFirst: {
    rule:
      "A custom resource's registration is Checked first: Check(olds = the inputs in state, none for a new " +
      "resource, news = the program's inputs). Failures fail the resource; the checked inputs are what Diff, " +
      "Create and Update get, and what the state records.",
    source: "[sg] continueStepsFromImport (prov.Check, issueCheckErrors, new.Inputs = inputs)",
  },
  createWithoutState: {
    rule: "No state under the resource's URN: Create(checked inputs).",
    source: "[sg] continueStepsFromImport, 'Case 4': NewCreateStep",
  },
  diffGetsOutputs: {
    rule: "With state: Diff(id, olds = the OUTPUTS in state, news = the checked inputs).",
    source: "[sg] diffResource (OldOutputs: oldOutputs); [plugin] (*provider).Diff (Olds: mOldOutputs)",
  },
  checkAnswer: {
    rule:
      "A provider's check answer: its `inputs` when it gives some, else the program's inputs as they are (also " +
      "when it has no check method); its `failures`, else none.",
    source: "[dyn] Provider.check; [srv] Server.check",
  },
  diffAnswer: {
    rule:
      "A provider's `changes` becomes DIFF_SOME (true), DIFF_NONE (false) or DIFF_UNKNOWN (absent, or no diff " +
      "method at all); its `replaces` and `deleteBeforeReplace` pass as they are.",
    source: "[dyn] Provider.diff; [srv] Server.diff",
  },
  diffUnknown: {
    rule:
      "DIFF_UNKNOWN: the engine compares old and new inputs itself (secrets unwrapped): any change is DIFF_SOME " +
      "without replacement, none is DIFF_NONE.",
    source: "[sg] diffResource (diff.Changes == plugin.DiffUnknown)",
  },
  componentDiff: {
    rule:
      "A resource without a provider (a component) calls nothing: DIFF_NONE when its inputs deep-equal those in " +
      "state (absent and missing members alike), else DIFF_SOME, never a replacement.",
    source: "[sg] (*stepGenerator).diff ('If there is no provider for this resource')",
  },
  same: {
    rule: "DIFF_NONE: a Same step; no provider call. The state keeps its outputs, with the new inputs.",
    source: "[sg] continueStepsFromDiff (deferred NewSameStep)",
  },
  update: {
    rule: "DIFF_SOME without replacement keys: Update(id, olds = the outputs in state, news = the checked inputs).",
    source: "[sg] continueStepsFromDiff ('If we fell through, it's an update': NewUpdateStep)",
  },
  replaceRechecks: {
    rule: "A replacement Checks the inputs again without olds (defaults are recomputed) before the new resource is made.",
    source:
      "[sg] continueStepsFromDiff ('we need to recompute the default values': prov.Check without OldInputs)",
  },
  createBeforeDelete: {
    rule:
      "DIFF_SOME with replacement keys, by default: create-before-delete. The new resource is Created now; the " +
      "old one is deleted at the end of the run, after every create and update (see deletesAtEnd).",
    source:
      '[sg] continueStepsFromDiff (NewCreateReplacementStep, then \'the delete step is generated "later" on, ' +
      "after all creates/updates finish')",
  },
  deleteBeforeCreate: {
    rule:
      "When the provider's diff asks for deleteBeforeReplace, the old resource is Deleted first, then the new one " +
      "Created. The `deleteBeforeReplace` resource option, when set, wins over the provider's answer.",
    source:
      "[sg] continueStepsFromDiff (deleteBeforeReplace := diff.DeleteBeforeReplace; goal.DeleteBeforeReplace)",
  },
  deletesAtEnd: {
    rule:
      "After the program has registered everything, the resources in state it did not register, and the old " +
      "halves of create-before-delete replacements, are deleted: dependents (by dependencies and parent) before " +
      "what they depend on.",
    source:
      "[de] performPostSteps (GenerateDeletes, then ScheduleDeletes); [sg] GenerateDeletes, ScheduleDeletes",
  },
  retainFromOldState: {
    rule:
      "Deleting a resource whose OLD state has retainOnDelete calls no provider: the resource stays, only its " +
      "state goes. A replacement's old half follows the old state's flag, not the new registration's.",
    source:
      "[step] (*DeleteStep).Apply (s.old.RetainOnDelete); [sg] generateResourceSteps (new.RetainOnDelete from the goal)",
  },
  secretOutputs: {
    rule: "Outputs named in additionalSecretOutputs are marked secret before the program sees them ('id' cannot be).",
    source:
      "[se] (*stepExecutor).continueExecuteStep (newState.AdditionalSecretOutputs → resource.MakeSecret)",
  },
  importWithId: {
    rule:
      "A custom resource registered with an ID (the `import` option) and no state is an Import step; with " +
      "state under the same ID it takes the ordinary path above (Check, Diff, …).",
    source: '[sg] continueStepsFromRefresh (isImport := goal.Custom && goal.ID != "" && (old == nil || …))',
  },
  readResource: {
    rule:
      "`Resource.get` (ReadResource) is a Read step in every run: Read(id), no Check, Diff or Create; the " +
      "resource is external, so the run never deletes it through its provider.",
    source: "[sg] GenerateReadSteps (External: true)",
  },
} as const satisfies Record<string, Rule>;

export type EngineRuleName = keyof typeof ENGINE_RULES;

// ---------------------------------------------------------------------------------------------
// One resource

/** A resource as the engine keeps it in state. */
export interface ResourceState {
  readonly id: string;
  /** The checked inputs of the last deployment (what Check gets as `olds`). */
  readonly inputs: Record<string, unknown>;
  /** The provider's outputs (what Diff, Update and Delete get). */
  readonly outputs: Record<string, unknown>;
}

/** A provider's diff as the engine reads it (ENGINE_RULES.diffAnswer). */
export interface ProviderDiff {
  readonly kind: "some" | "none" | "unknown";
  readonly replaces: readonly string[];
  readonly deleteBeforeReplace: boolean;
}

/** A provider's check as the engine reads it (ENGINE_RULES.checkAnswer). */
export interface CheckAnswer {
  readonly inputs: Record<string, unknown>;
  readonly failures: readonly { readonly property: string; readonly reason: string }[];
}

/**
 * The provider calls the engine makes for a custom resource in an update, as `../host`'s
 * `DynamicHost` answers them (the real dynamic-provider host over gRPC, with fuller answers `C`
 * and `D`) or as a test's stand-in does.
 */
export interface EngineProvider<C extends CheckAnswer = CheckAnswer, D extends ProviderDiff = ProviderDiff> {
  check(urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<C>;
  diff(id: string, urn: string, olds: Record<string, unknown>, news: Record<string, unknown>): Promise<D>;
  create(
    urn: string,
    inputs: Record<string, unknown>,
  ): Promise<{ id: string; properties: Record<string, unknown> }>;
  update(
    id: string,
    urn: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
  ): Promise<{ properties: Record<string, unknown> }>;
  delete(id: string, urn: string, props: Record<string, unknown>): Promise<void>;
}

/** What the engine did with one resource in one run. */
export type StepKind = "create" | "update" | "replace" | "same";

export interface AppliedStep {
  readonly kind: StepKind;
  readonly state: ResourceState;
  /** The old resource of a create-before-delete replacement: delete it at the end of the run. */
  readonly replaced?: ResourceState;
  /** The provider's diff, when there was state to diff against. */
  readonly diff?: ProviderDiff;
  /** The provider calls made, in order, e.g. `["Check", "Diff", "Update"]`. */
  readonly calls: readonly string[];
}

/** ENGINE_RULES.checkAnswer: a provider's check result as the engine reads it. */
export function checkAnswer(
  answer: { readonly inputs?: unknown; readonly failures?: CheckAnswer["failures"] } | undefined,
  news: Record<string, unknown>,
): CheckAnswer {
  return {
    inputs: answer?.inputs ? (answer.inputs as Record<string, unknown>) : news,
    failures: answer?.failures ?? [],
  };
}

/** ENGINE_RULES.diffAnswer: a provider's `changes` as the engine reads it. */
export function diffKind(changes: boolean | undefined): ProviderDiff["kind"] {
  return changes === true ? "some" : changes === false ? "none" : "unknown";
}

/** Whether two sets of inputs are the same to the engine (ENGINE_RULES.componentDiff, diffUnknown). */
export function sameInputs(olds: Record<string, unknown>, news: Record<string, unknown>): boolean {
  return sameValue(olds, news);
}

/**
 * The engine's steps for one custom resource with desired inputs `news`: check, then create, or
 * diff and nothing / update / replace. Throws with the provider's check failures or error.
 */
export async function applyResource(
  provider: EngineProvider,
  urn: string,
  old: ResourceState | undefined,
  news: Record<string, unknown>,
  options: { readonly deleteBeforeReplace?: boolean } = {},
): Promise<AppliedStep> {
  const calls: string[] = [];
  const check = async (olds: Record<string, unknown>): Promise<Record<string, unknown>> => {
    calls.push("Check");
    const checked = await provider.check(urn, olds, news);
    if (checked.failures.length > 0) {
      const reasons = checked.failures.map((f) => `${f.property}: ${f.reason}`).join("; ");
      throw new Error(`Check of ${urn} failed: ${reasons}`);
    }
    return checked.inputs;
  };
  const create = async (inputs: Record<string, unknown>): Promise<ResourceState> => {
    calls.push("Create");
    const created = await provider.create(urn, inputs);
    return { id: created.id, inputs, outputs: created.properties };
  };

  const inputs = await check(old?.inputs ?? {}); // ENGINE_RULES.checkFirst
  if (old === undefined) {
    return { kind: "create", state: await create(inputs), calls }; // ENGINE_RULES.createWithoutState
  }

  calls.push("Diff");
  const diff = await provider.diff(old.id, urn, old.outputs, inputs); // ENGINE_RULES.diffGetsOutputs
  const kind = diff.kind !== "unknown" ? diff.kind : sameInputs(old.inputs, inputs) ? "none" : "some"; // ENGINE_RULES.diffUnknown
  if (kind === "none") {
    return { kind: "same", state: { id: old.id, inputs, outputs: old.outputs }, diff, calls }; // ENGINE_RULES.same
  }
  if (diff.kind === "some" && diff.replaces.length > 0) {
    const fresh = await check({}); // ENGINE_RULES.replaceRechecks
    if (options.deleteBeforeReplace ?? diff.deleteBeforeReplace) {
      // ENGINE_RULES.deleteBeforeCreate
      calls.push("Delete");
      await provider.delete(old.id, urn, old.outputs);
      return { kind: "replace", state: await create(fresh), diff, calls };
    }
    return { kind: "replace", state: await create(fresh), replaced: old, diff, calls }; // ENGINE_RULES.createBeforeDelete
  }
  calls.push("Update"); // ENGINE_RULES.update
  const updated = await provider.update(old.id, urn, old.outputs, inputs);
  return { kind: "update", state: { id: old.id, inputs, outputs: updated.properties }, diff, calls };
}

/** ENGINE_RULES.componentDiff: what the engine does with a resource that has no provider. */
export function componentStep(old: ResourceState | undefined, news: Record<string, unknown>): StepKind {
  if (old === undefined) {
    return "create";
  }
  return sameInputs(old.inputs, news) ? "same" : "update";
}

/** ENGINE_RULES.secretOutputs: the outputs with those named in `additionalSecretOutputs` made secret by `secret`. */
export function markSecretOutputs(
  outputs: Record<string, unknown>,
  additionalSecretOutputs: readonly string[],
  secret: (value: unknown) => unknown,
): Record<string, unknown> {
  const marked = { ...outputs };
  for (const field of additionalSecretOutputs) {
    if (field !== "id" && field in marked) {
      marked[field] = secret(marked[field]);
    }
  }
  return marked;
}

// ---------------------------------------------------------------------------------------------
// The end of a run

/** A resource in state, as far as deleting it goes. */
export interface Condemned {
  readonly urn: string;
  /** URNs it depends on: its parent, explicit `dependsOn` and those of its inputs. */
  readonly dependsOn: readonly string[];
  readonly retainOnDelete?: boolean;
}

/**
 * ENGINE_RULES.deletesAtEnd: the resources of the previous state that this run did not register,
 * in the order the engine deletes them (each before what it depends on). With
 * ENGINE_RULES.retainFromOldState, a `retained` one is only dropped from state.
 */
export function deletesAtEnd<T extends Condemned>(
  previous: readonly T[],
  registered: ReadonlySet<string>,
): (T & { readonly retained: boolean })[] {
  const condemned = previous.filter((r) => !registered.has(r.urn));
  // ScheduleDeletes: rounds of resources none of whose dependencies is still condemned, reversed.
  const rounds: T[][] = [];
  const left = new Set(condemned.map((r) => r.urn));
  while (left.size > 0) {
    const round = condemned.filter(
      (r) => left.has(r.urn) && !r.dependsOn.some((d) => d !== r.urn && left.has(d)),
    );
    if (round.length === 0) {
      throw new Error(`engine model: a dependency cycle among ${[...left].join(", ")}`);
    }
    for (const r of round) {
      left.delete(r.urn);
    }
    rounds.push(round);
  }
  return rounds
    .reverse()
    .flatMap((round) => round.map((r) => ({ ...r, retained: r.retainOnDelete === true })));
}
