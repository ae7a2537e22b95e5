/**
 * The one shape of this package's Optima dynamic providers (./provider, ./childOrgProvider): an
 * object whose methods only delegate to a runtime module, `delete` to its `remove`.
 *
 * What Pulumi serializes is the returned object: each method captures nothing but the runtime
 * module it was given, so the rules of ../serialization hold as they do for a module imported at
 * the top of the provider's file (rule 5): the closure serializer recognises a module by its
 * exports object, not by the name it is reached through, so the runtime is serialized by value
 * inside this repository and as `require("optima-csp/runtime/…")` from an installed package. The
 * caller imports its runtime module at the top of its own file and passes it here.
 */
import type * as pulumi from "@pulumi/pulumi";

/** What a runtime module exports for {@link delegatingProvider}: one function per lifecycle step. */
export interface ProviderRuntime<Inputs, Outputs> {
  configure(req: pulumi.dynamic.ConfigureRequest): Promise<void>;
  check(olds: Partial<Inputs>, news: Partial<Inputs>): Promise<pulumi.dynamic.CheckResult<Inputs>>;
  diff(id: string, olds: Partial<Outputs>, news: Partial<Inputs>): Promise<pulumi.dynamic.DiffResult>;
  create(inputs: Inputs): Promise<pulumi.dynamic.CreateResult<Outputs>>;
  read(id: string, props?: Partial<Outputs>): Promise<pulumi.dynamic.ReadResult<Outputs>>;
  update(id: string, olds: Partial<Outputs>, news: Inputs): Promise<pulumi.dynamic.UpdateResult<Outputs>>;
  remove(id: string, props?: Partial<Outputs>): Promise<void>;
}

/**
 * A dynamic provider whose every method is a one-line delegation to `runtime`. Call it once per
 * resource type and share the object (Pulumi serializes it once per object).
 */
export function delegatingProvider<Inputs, Outputs>(
  runtime: ProviderRuntime<Inputs, Outputs>,
): pulumi.dynamic.ResourceProvider<Inputs, Outputs> {
  return {
    configure: (req) => runtime.configure(req),
    check: (olds, news) => runtime.check(olds, news),
    diff: (id, olds, news) => runtime.diff(id, olds, news),
    create: (inputs) => runtime.create(inputs),
    read: (id, props) => runtime.read(id, props),
    update: (id, olds, news) => runtime.update(id, olds, news),
    delete: (id, props) => runtime.remove(id, props),
  };
}
