/**
 * README "Use from another stack" says how much a runner downloads from a private registry: the
 * built package, "about N kB". This checks that figure against the tarball `npm pack` makes of this
 * checkout (the one the package tests install; ../support/package-pack), in kB as npm counts them
 * (1000 bytes, its "package size"), within a tenth either way.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { sharedPack } from "../support/package-pack";

const REPO = path.resolve(__dirname, "..", "..");
const PACK_TIMEOUT_MS = 120_000;

let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "pkgsize-"));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

it(
  "states the packed size of the package within 10 %",
  async () => {
    const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
    const stated = /downloads the built package \(about (\d+) kB\)/.exec(readme)?.[1];
    expect(stated).toBeDefined();
    const packed = await sharedPack(REPO, path.join(work, "pack"), PACK_TIMEOUT_MS);
    const kB = statSync(packed.path).size / 1000;
    expect({
      stated: Number(stated),
      packedKB: Math.round(kB),
      withinTenth: Math.abs(kB / Number(stated) - 1) <= 0.1,
    }).toEqual({
      stated: Number(stated),
      packedKB: Math.round(kB),
      withinTenth: true,
    });
  },
  PACK_TIMEOUT_MS + 10_000,
);
