/**
 * The one way a test constructs an OptimaCspConnection that must refuse its input: the
 * constructor's error message, and the run, so that the test can say what was (not) asked of
 * the engine before the refusal.
 */
import { OptimaCspConnection, type OptimaCspConnectionArgs } from "../../components/azure/cspConnection";
import { FakeEngine, azureAdInvokes, type Run } from "./mocks";

export async function refusedConstruction(
  args: OptimaCspConnectionArgs,
): Promise<{ message: string | undefined; run: Run<OptimaCspConnection | undefined> }> {
  let thrown: unknown;
  const run = await new FakeEngine({ invokes: azureAdInvokes() }).run(() => {
    try {
      return new OptimaCspConnection("conn", args);
    } catch (error) {
      thrown = error;
      return undefined;
    }
  });
  return { message: (thrown as Error | undefined)?.message, run };
}
