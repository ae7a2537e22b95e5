/**
 * Test double of the `random` resource plugin (reports version 4.21.2), started by the real
 * Pulumi engine as `pulumi-resource-random` from PATH. It serves `RandomId`, the only random
 * resource optima-csp uses (the deployment ID in key display names). Rules: ./rules
 * (`RULES.randomIdCreate`, `RULES.randomIdReplaces`). Test infrastructure only.
 */
import { randomBytes } from "node:crypto";
import type * as provider from "@pulumi/pulumi/provider";
import { plain, sameValue } from "./common";
import { RANDOM_PLUGIN_VERSION } from "./rules";

const RANDOM_ID = "random:index/randomId:RandomId";

function typeOf(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** RULES.randomIdReplaces: keepers replace only when a non-null value changes. */
function keepersChanged(olds: unknown, news: unknown): boolean {
  const before = (olds ?? {}) as Record<string, unknown>;
  const after = (news ?? {}) as Record<string, unknown>;
  return Object.keys(after).some(
    (k) => after[k] !== null && after[k] !== undefined && before[k] !== after[k],
  );
}

export const randomDouble: provider.Provider = {
  version: RANDOM_PLUGIN_VERSION,
  async check(urn, _olds, news) {
    if (typeOf(urn) !== RANDOM_ID) {
      throw new Error(`test double random: unsupported resource type ${typeOf(urn)}`);
    }
    const failures =
      news.byteLength === undefined
        ? [{ property: "byteLength", reason: "Missing required argument: byteLength" }]
        : [];
    return { inputs: news, failures };
  },
  async diff(_id, _urn, olds, news) {
    const o = plain(olds) as Record<string, unknown>;
    const n = plain(news) as Record<string, unknown>;
    const replaces = [
      ...(sameValue(o.byteLength, n.byteLength) ? [] : ["byteLength"]),
      ...(sameValue(o.prefix ?? "", n.prefix ?? "") ? [] : ["prefix"]),
      ...(keepersChanged(o.keepers, n.keepers) ? ["keepers"] : []),
    ];
    return { changes: replaces.length > 0, replaces, deleteBeforeReplace: false };
  },
  async create(_urn, inputs) {
    // RULES.randomIdCreate
    const args = plain(inputs) as { byteLength: number; prefix?: string; keepers?: Record<string, string> };
    const bytes = randomBytes(Number(args.byteLength));
    const prefix = args.prefix ?? "";
    const id = bytes.toString("base64url");
    return {
      id,
      outs: {
        byteLength: args.byteLength,
        ...(args.prefix === undefined ? {} : { prefix: args.prefix }),
        ...(args.keepers === undefined ? {} : { keepers: args.keepers }),
        b64Url: prefix + id,
        b64Std: prefix + bytes.toString("base64"),
        hex: prefix + bytes.toString("hex"),
        dec: prefix + (bytes.length === 0 ? "0" : BigInt(`0x${bytes.toString("hex")}`).toString(10)),
      },
    };
  },
  async read(id, _urn, props) {
    // random_id Read is a no-op: the state is the truth. Inputs are the arguments in it.
    const state = (props ?? {}) as Record<string, unknown>;
    const inputs = Object.fromEntries(
      ["byteLength", "prefix", "keepers"].filter((k) => state[k] !== undefined).map((k) => [k, state[k]]),
    );
    return { id, props: state, inputs };
  },
  async delete() {
    // Nothing to undo (random_id Delete is a no-op).
  },
};

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { main } = require("@pulumi/pulumi/provider") as typeof provider;
  void main(randomDouble, process.argv.slice(2));
}
