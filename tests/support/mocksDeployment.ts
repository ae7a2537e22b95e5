/**
 * Applies the runs the fake engine (./mocks) evaluates to real things, the way the Pulumi engine
 * orders its steps, so that failure paths can be tested end to end:
 *
 * - Pending deletes left by a failed run are retired first, before anything else (Pulumi does
 *   this at the start of every update).
 * - Steps run in dependency order, using the dependencies the program actually declared. Among
 *   steps whose dependencies are done, the hand-off to Optima goes first: Optima is called as
 *   early as the declared dependencies allow, so a dependency the component forgot to declare
 *   shows up as a wrong order instead of passing by luck.
 * - A replacement creates the new resource; the old one is deleted at the end of the run, and
 *   only if every step succeeded (create-before-delete). The first failing step ends the run.
 *
 * What a step does, by type: an application password adds or removes its secret at the
 * emulator's Entra ID (with the activation delay the test chooses); a dynamic resource goes
 * through the real dynamic-provider host, started from the very `__provider` text the SDK
 * serialized for it, with Check, Diff (which must agree with the fake engine's decision),
 * Create, Update and Delete; anything else needs no action.
 */

import type { Emulator } from "../../tools/emulator";
import { startHost, type DynamicHost } from "../../tools/host";
import { FakeEngine, Registration, Run, TYPES, unwrapSecrets } from "./mocks";

export interface DeploymentOptions {
  readonly emulator: Emulator;
  /** The Entra ID tenant and the client ID of the app the passwords belong to. */
  readonly tenantId: string;
  readonly clientId: string;
  /** Stack config for the dynamic-provider hosts (`optima:*`). */
  readonly hostConfig: Record<string, string>;
  /** How long Entra ID takes to accept a new key (ms); default 0. */
  readonly activationDelayMs?: (name: string) => number;
}

export interface StepRecord {
  readonly name: string;
  readonly action: "create" | "update" | "delete";
}

export interface DeployResult {
  readonly steps: StepRecord[];
  /** The first error, when a step failed (the run stopped there). */
  readonly error?: Error;
}

interface PendingDelete {
  readonly type: string;
  readonly name: string;
  readonly urn: string;
  readonly id: string;
  readonly outputs: Record<string, unknown>;
  readonly provider?: string;
}

interface RealState {
  readonly id: string;
  readonly outputs: Record<string, unknown>;
  readonly provider?: string;
}

/** A stack deployed against the emulator: one per test scenario. */
export class Deployment {
  private readonly hosts = new Map<string, DynamicHost>();
  /** What the real providers returned, by URN (the fake engine's minted outputs are not used for them). */
  private readonly real = new Map<string, RealState>();
  private pending: PendingDelete[] = [];

  constructor(
    readonly engine: FakeEngine,
    private readonly options: DeploymentOptions,
  ) {}

  /** Applies an evaluated run; commits to the engine what succeeded. */
  async apply<T>(run: Run<T>): Promise<DeployResult> {
    const steps: StepRecord[] = [];
    const done = new Set<string>();
    try {
      // 1. Retire what a failed run left for deletion.
      for (const old of this.pending.splice(0)) {
        await this.remove(old);
        steps.push({ name: old.name, action: "delete" });
      }

      // 2. Creates, replacements and updates, in dependency order.
      for (const registration of dependencyOrder(run.registrations, (r) => r.type === TYPES.registration)) {
        if (registration.op === "same") {
          done.add(registration.urn);
          continue;
        }
        const replacedOld = run.replaced[registration.name];
        const previousReal = this.real.get(registration.urn);
        await this.put(registration);
        steps.push({ name: registration.name, action: registration.op === "update" ? "update" : "create" });
        done.add(registration.urn);
        if (replacedOld) {
          this.pending.push({
            type: registration.type,
            name: registration.name,
            urn: registration.urn,
            id: previousReal?.id ?? replacedOld.id,
            outputs: previousReal?.outputs ?? replacedOld.outputs,
            provider: previousReal?.provider,
          });
        }
      }

      // 3. Deletes at the end: replaced resources and resources the program no longer declares.
      for (const gone of run.deletes) {
        this.pending.push({ ...gone, ...this.real.get(gone.urn) });
      }
      for (const old of this.pending.splice(0)) {
        await this.remove(old);
        steps.push({ name: old.name, action: "delete" });
      }
      this.engine.commit(run, done);
      return { steps };
    } catch (error) {
      this.engine.commit(run, done);
      return { steps, error: error as Error };
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.hosts.values()].map((h) => h.close()));
    this.hosts.clear();
  }

  private async host(providerText: string): Promise<DynamicHost> {
    let host = this.hosts.get(providerText);
    if (!host) {
      host = await startHost({ providerText });
      await host.configure(this.options.hostConfig);
      this.hosts.set(providerText, host);
    }
    return host;
  }

  /** Creates (or replaces, or updates) one resource. */
  private async put(r: Registration): Promise<void> {
    const inputs = unwrapSecrets(r.inputs) as Record<string, unknown>;
    switch (r.type) {
      case TYPES.password:
        this.options.emulator.entra.addSecret(
          this.options.tenantId,
          this.options.clientId,
          String(r.outputs.value),
          {
            activeAfterMs: this.options.activationDelayMs?.(r.name) ?? 0,
          },
        );
        return;
      case TYPES.verification:
      case TYPES.registration: {
        const providerText = String(inputs.__provider);
        const host = await this.host(providerText);
        const previous = this.real.get(r.urn);
        const checked = await host.check(r.urn, previous?.outputs ?? {}, inputs);
        if (checked.failures.length > 0) {
          throw new Error(`check failed for ${r.name}: ${JSON.stringify(checked.failures)}`);
        }
        if (previous && r.op !== "create") {
          const diff = await host.diff(previous.id, r.urn, previous.outputs, checked.inputs);
          const replace = diff.replaces.length > 0;
          if (replace !== (r.op === "replace")) {
            throw new Error(
              `the provider's diff of ${r.name} (${JSON.stringify(diff)}) disagrees with the fake engine's ${r.op}`,
            );
          }
          if (!replace) {
            const updated = await host.update(previous.id, r.urn, previous.outputs, checked.inputs);
            this.real.set(r.urn, { id: previous.id, outputs: updated.properties, provider: providerText });
            return;
          }
        }
        const created = await host.create(r.urn, checked.inputs);
        this.real.set(r.urn, { id: created.id, outputs: created.properties, provider: providerText });
        return;
      }
      default:
        return;
    }
  }

  private async remove(old: PendingDelete): Promise<void> {
    switch (old.type) {
      case TYPES.password:
        this.options.emulator.entra.removeSecret(
          this.options.tenantId,
          this.options.clientId,
          String(old.outputs.value),
        );
        return;
      case TYPES.verification:
      case TYPES.registration: {
        if (old.provider) {
          await (await this.host(old.provider)).delete(old.id, old.urn, old.outputs);
        }
        return;
      }
      default:
        return;
    }
  }
}

/**
 * Registrations in an order the engine could run them: each after everything it depends on (and
 * its parent). Among those ready, the first that `prefer` picks, else the one registered last.
 */
export function dependencyOrder(
  registrations: readonly Registration[],
  prefer: (r: Registration) => boolean = () => false,
): Registration[] {
  const byUrn = new Map(registrations.map((r) => [r.urn, r]));
  const remaining = [...registrations];
  const done = new Set<string>();
  const order: Registration[] = [];
  while (remaining.length > 0) {
    const ready = remaining.filter((r) =>
      [...r.dependencies, r.parent].every((dep) => !dep || !byUrn.has(dep) || done.has(dep)),
    );
    if (ready.length === 0) {
      throw new Error(`dependency cycle among ${remaining.map((r) => r.name).join(", ")}`);
    }
    const next = ready.find(prefer) ?? ready[ready.length - 1];
    remaining.splice(remaining.indexOf(next), 1);
    done.add(next.urn);
    order.push(next);
  }
  return order;
}
