/**
 * optima-csp as a git dependency, the way a platform team's CI installs it without a registry:
 * `"optima-csp": "git+https://…/optima-csp.git#<tag or commit>"` in their package.json.
 *
 * npm clones the repository, installs its devDependencies, runs its `prepare` script (the build)
 * and installs the files a pack of that checkout would hold. The test does the same from a local
 * bare repository holding the commit under test (this checkout's HEAD: on CI, a clean clone, the
 * commit being tested; locally, uncommitted changes are NOT part of it), so nothing but the npm
 * registry is reached.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { runOrThrow, type RunResult } from "./package-process";

const GIT_TIMEOUT_MS = 60_000;

export interface BareRepository {
  /** `git+file:///…/optima-csp.git`. */
  readonly url: string;
  /** The commit it holds, under `refs/heads/under-test`. */
  readonly commit: string;
  /** Whether the checkout had uncommitted changes to tracked files (not part of the commit). */
  readonly dirty: boolean;
}

function gitEnv(): NodeJS.ProcessEnv {
  // No user or system configuration (a developer's hooks, signing or URL rewrites), no prompts.
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME,
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
  };
}

const git = (cwd: string, args: readonly string[]): Promise<RunResult> =>
  runOrThrow("git", args, { cwd, env: gitEnv(), timeoutMs: GIT_TIMEOUT_MS });

/**
 * A bare repository at `destination` holding `checkoutDir`'s HEAD commit (and its history). Works
 * from a worktree, a detached HEAD and a shallow clone (the CI checkout of GitHub Actions).
 */
export async function bareRepositoryOfHead(
  checkoutDir: string,
  destination: string,
): Promise<BareRepository> {
  const commit = (await git(checkoutDir, ["rev-parse", "HEAD"])).stdout.trim();
  const status = await git(checkoutDir, ["status", "--porcelain", "--untracked-files=no"]);
  mkdirSync(destination, { recursive: true });
  await git(destination, ["init", "--quiet", "--bare"]);
  // A shallow clone can push only if the receiver accepts a shallow history.
  await git(destination, ["config", "receive.shallowUpdate", "true"]);
  await git(checkoutDir, ["push", "--quiet", destination, `${commit}:refs/heads/under-test`]);
  // npm resolves a commit against the remote's refs, and expects a HEAD among them.
  await git(destination, ["symbolic-ref", "HEAD", "refs/heads/under-test"]);
  return { url: `git+file://${destination}`, commit, dirty: status.stdout.trim() !== "" };
}

/** Writes the consumer project's files into the empty directory `dir`. */
export function writeProject(dir: string, files: Readonly<Record<string, string>>): void {
  for (const [file, text] of Object.entries(files)) {
    const target = path.join(dir, file);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
}

/** What a pack of optima-csp holds, computed from the files of a commit (`git ls-tree`). */
export async function expectedPackageFiles(checkoutDir: string, commit: string): Promise<string[]> {
  const listing = await git(checkoutDir, ["ls-tree", "-r", "--name-only", commit, "--", "components"]);
  const compiled = listing.stdout
    .split("\n")
    .filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts") && !file.endsWith(".test.ts"))
    .flatMap((file) => {
      const base = `dist/${file.replace(/\.ts$/, "")}`;
      return [`${base}.js`, `${base}.d.ts`];
    });
  return [...compiled, "package.json", "README.md", "LICENSE", "CHANGELOG.md"].sort();
}
