/**
 * The scheduled-rotation pipelines users copy (`examples/ci/**`).
 *
 * Both files are parsed and checked for what makes an unattended rotation safe: a valid schedule
 * and a way to run by hand; Azure login by workload identity federation (no stored Azure secret)
 * handed to the azuread/azure-native providers; runs that never overlap; exactly
 * `pulumi up --refresh --yes --stack <one stack>` on Node 24 (LTS) after `npm ci`, with a pinned Pulumi
 * CLI; a run that fails visibly; and no credential written into the file.
 *
 * The checks are functions that return the problems they find. The tests run them on the real files
 * (no problem expected) and on mutated copies (each mutation must be reported), so a check that
 * could never fail is caught as well.
 */
import * as fs from "fs";
import * as path from "path";
import * as yaml from "js-yaml";

const GITHUB_WORKFLOW = "examples/ci/github-actions/rotate-optima-key.yml";
const AZURE_PIPELINE = "examples/ci/azure-devops/azure-pipelines.yml";

type Json = Record<string, unknown>;

function load(relativePath: string): Json {
  const doc = yaml.load(fs.readFileSync(path.join(__dirname, "..", relativePath), "utf8"));
  if (!isRecord(doc)) {
    throw new Error(`${relativePath} is not a YAML mapping`);
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------
// Small readers for untyped YAML.

function isRecord(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
const rec = (value: unknown): Json => (isRecord(value) ? value : {});
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
function str(value: unknown): string | undefined {
  if (typeof value === "string") {
    return value;
  }
  return typeof value === "number" || typeof value === "boolean" ? String(value) : undefined;
}

/**
 * Whether a pipeline's env hands the rotation an Optima credential from its secret store (each
 * value matching `fromStore`, the platform's reference syntax): the refresh token, or both halves
 * of the service account (what components/optima/connection.ts resolveCredential accepts).
 */
function mapsOptimaCredential(env: Json, fromStore: RegExp): boolean {
  const stored = (name: string): boolean => fromStore.test(str(env[name]) ?? "");
  return (
    stored("OPTIMA_REFRESH_TOKEN") ||
    (stored("OPTIMA_SERVICE_ACCOUNT_ID") && stored("OPTIMA_SERVICE_ACCOUNT_SECRET"))
  );
}

/** Every string in a YAML tree, with its path (`jobs.rotate.steps[3].run`). */
function* strings(node: unknown, at = ""): Generator<[string, string]> {
  if (typeof node === "string") {
    yield [at, node];
  } else if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) {
      yield* strings(item, `${at}[${i}]`);
    }
  } else if (isRecord(node)) {
    for (const [key, value] of Object.entries(node)) {
      yield* strings(value, at ? `${at}.${key}` : key);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Pure rules shared by both pipelines.

const CRON_FIELDS = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  { name: "month", min: 1, max: 12 },
  { name: "day of week", min: 0, max: 6 },
] as const;

/** Problems with a five-field cron expression (numbers, `*`, ranges, steps and lists). */
function cronProblems(expression: string): string[] {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== CRON_FIELDS.length) {
    return [`cron "${expression}" has ${fields.length} fields, expected 5`];
  }
  const problems: string[] = [];
  fields.forEach((field, i) => {
    const { name, min, max } = CRON_FIELDS[i];
    for (const part of field.split(",")) {
      const m = /^(?:\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
      const low = m?.[1] === undefined ? min : Number(m[1]);
      const high = m?.[2] === undefined ? (m?.[1] === undefined ? max : low) : Number(m[2]);
      const step = m?.[3] === undefined ? 1 : Number(m[3]);
      if (!m || low < min || high > max || low > high || step < 1) {
        problems.push(`cron "${expression}": ${name} "${part}" is not valid (${min}-${max})`);
      }
    }
  });
  return problems;
}

/** Shell commands of a script: continuation lines joined, comments and blank lines dropped. */
function shellCommands(script: string): string[] {
  return script
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

/** Words of a command, quotes removed (enough for the commands these files run). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]);
}

/** The variable a shell word refers to (`$NAME` or `${NAME}`), if it is exactly a reference. */
function shellVariable(word: string): string | undefined {
  return /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(word)?.slice(1).find(Boolean);
}

const PULUMI_UP = /\bpulumi\s+up\b/;
const EXPECTED_UP = ["pulumi", "up", "--refresh", "--yes", "--stack"];

/**
 * Checks that a command is exactly `pulumi up --refresh --yes --stack <stack>` and returns the
 * stack word, or the problem.
 */
function pulumiUpStack(command: string): { stack?: string; problem?: string } {
  const w = words(command);
  const exact = w.length === EXPECTED_UP.length + 1 && EXPECTED_UP.every((word, i) => w[i] === word);
  if (!exact) {
    return { problem: `runs "${command}", expected exactly "pulumi up --refresh --yes --stack <stack>"` };
  }
  return { stack: w[EXPECTED_UP.length] };
}

/**
 * What lets the next scheduled run recover from a run that was killed part-way (README.md, "When a
 * run was interrupted"; tests/engine/interrupted*.test.ts show each step is needed), in the job's
 * order: `pulumi cancel --yes` for the same stack before `pulumi up` (a SIGKILLed run leaves its
 * lock: pulumi/pulumi pkg/backend/diy/lock.go "delete the lock file with `pulumi cancel`"), then
 * `pulumi refresh --clear-pending-creates --yes` (non-interactive runs keep pending creates:
 * pkg/cmd/pulumi/operations/refresh.go, v3.259), and after `pulumi up` the package's bin
 * `npx --no optima-csp untracked-keys` with `--remove` (`--no`: npx never downloads a package of
 * that name in its place). `commands` are the job's shell commands in order; `stack` is the word
 * `pulumi up` passes to `--stack`.
 */
function interruptedRunProblems(commands: readonly string[], stack: string | undefined): string[] {
  const problems: string[] = [];
  const stackOf = (c: string): string | undefined => {
    const w = words(c);
    const i = w.indexOf("--stack");
    return i >= 0 ? w[i + 1] : undefined;
  };
  const find = (pattern: RegExp): number => commands.findIndex((c) => pattern.test(c));
  const up = find(PULUMI_UP);
  const cancel = find(/\bpulumi\s+cancel\b/);
  const refresh = find(/\bpulumi\s+refresh\b/);
  const sweep = find(/\buntracked-keys\b/);
  /** Each step: where it is, what its absence means, where it must be, the flags it needs. */
  const steps: {
    name: string;
    at: number;
    missing: string;
    misplaced?: string;
    flags: [flag: string, problem: string][];
  }[] = [
    {
      name: "pulumi cancel",
      at: cancel,
      missing: "no `pulumi cancel --yes` before pulumi up: a killed run's lock would fail every later run",
      misplaced: cancel < up ? undefined : "pulumi cancel runs after pulumi up",
      flags: [["--yes", "pulumi cancel without --yes waits for a confirmation nobody gives"]],
    },
    {
      name: "pulumi refresh",
      at: refresh,
      missing:
        "no `pulumi refresh --clear-pending-creates --yes` before pulumi up: a killed run's pending create stays",
      misplaced:
        refresh < up && cancel < refresh
          ? undefined
          : "pulumi refresh must run after pulumi cancel and before pulumi up",
      flags: [
        [
          "--clear-pending-creates",
          "pulumi refresh without --clear-pending-creates keeps a killed run's pending creates",
        ],
        ["--yes", "pulumi refresh without --yes waits for a confirmation nobody gives"],
      ],
    },
    {
      name: "untracked-keys",
      at: sweep,
      missing:
        "no untracked-keys --remove after pulumi up: a key a killed run made would stay valid, untracked",
      misplaced:
        sweep > up
          ? undefined
          : "untracked-keys runs before pulumi up; it may remove keys only after a successful run",
      flags: [["--remove", "untracked-keys without --remove only reports"]],
    },
  ];
  for (const step of steps) {
    if (step.at < 0) {
      problems.push(step.missing);
      continue;
    }
    if (step.misplaced !== undefined) {
      problems.push(step.misplaced);
    }
    const w = words(commands[step.at]);
    problems.push(...step.flags.filter(([flag]) => !w.includes(flag)).map(([, problem]) => problem));
    if (stackOf(commands[step.at]) !== stack) {
      problems.push(`${step.name} names another stack than pulumi up`);
    }
  }
  if (sweep >= 0 && !/^npx --no optima-csp untracked-keys\b/.test(words(commands[sweep]).join(" "))) {
    problems.push(
      "untracked-keys must run as the package's bin, never fetched: `npx --no optima-csp untracked-keys …`",
    );
  }
  return problems;
}

/**
 * The index of the first of `steps` that `predicate` matches, a setup step (`what`) that must come
 * before `pulumi up` (at `upIndex`); adds a problem to `problems` when there is none or it comes
 * after.
 */
function setupStep(
  steps: readonly Json[],
  upIndex: number,
  problems: string[],
  what: string,
  predicate: (s: Json) => boolean,
): number {
  const i = steps.findIndex(predicate);
  if (i < 0) {
    problems.push(`no step ${what}`);
  } else if (i > upIndex) {
    problems.push(`step ${what} runs after pulumi up`);
  }
  return i;
}

/** A stack name as the Pulumi CLI takes it: `stack`, `project/stack` or `org/project/stack`. */
const STACK_NAME = /^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+){0,2}$/;

/** Names that hold a credential (environment variables, action inputs, script variables). */
const CREDENTIAL_NAME =
  /token|secret|password|passphrase|credential|creds|(^|[_-])key$|access[_-]?key|api[_-]?key/i;

/** A literal that looks like a credential: a JWT, a PEM block, or a long mixed-case random run. */
function tokenLikeLiterals(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/[A-Za-z0-9+/=_.~-]{24,}/g)) {
    const run = m[0];
    const mixed = /[a-z]/.test(run) && /[A-Z]/.test(run) && /[0-9]/.test(run);
    if (/^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/.test(run) || mixed) {
      found.push(run);
    }
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) {
    found.push("PEM private key");
  }
  return found;
}

/** A tenant, client or subscription ID written into a file users copy (it belongs in variables). */
const LITERAL_GUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/i;

/** Problems with literal credentials anywhere in a parsed pipeline. */
function literalSecretProblems(doc: unknown): string[] {
  const problems: string[] = [];
  for (const [at, value] of strings(doc)) {
    for (const literal of tokenLikeLiterals(value)) {
      problems.push(`${at}: token-like literal "${literal.slice(0, 6)}…" written into the file`);
    }
    if (LITERAL_GUID.test(value)) {
      problems.push(`${at}: literal GUID; tenant, client and subscription IDs belong in variables`);
    }
    // Shell assignments of credentials must copy another variable, never a literal.
    for (const m of value.matchAll(/\b([A-Za-z_][A-Za-z0-9_]*)=("?)([^"\s]*)\2/g)) {
      if (CREDENTIAL_NAME.test(m[1]) && !m[3].startsWith("$")) {
        problems.push(`${at}: ${m[1]} is assigned a literal in a script`);
      }
    }
  }
  return problems;
}

/** Environment or input entries that name a credential must take it from the secret store. */
function credentialReferenceProblems(entries: Json, at: string, reference: RegExp): string[] {
  return Object.entries(entries)
    .filter(([name]) => CREDENTIAL_NAME.test(name))
    .filter(([, value]) => !reference.test(str(value) ?? ""))
    .map(([name, value]) => `${at}.${name}: "${str(value)}" is not a reference to the secret store`);
}

/** Problems when an Azure client secret is used at all (the point is workload identity). */
function azureSecretProblems(doc: unknown): string[] {
  return [...strings(doc)]
    .filter(
      ([at, value]) =>
        /(ARM|AZURE)_CLIENT_SECRET|servicePrincipalKey/.test(value) || /\.creds$|client-secret$/.test(at),
    )
    .map(
      ([at]) => `${at}: uses a stored Azure client secret; log in with workload identity federation (OIDC)`,
    );
}

// ---------------------------------------------------------------------------------------------
// GitHub Actions.

const GH_SECRET = /^\$\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/;
const GH_VARIABLE = /^\$\{\{\s*(?:vars|secrets)\.[A-Za-z_][A-Za-z0-9_]*\s*\}\}$/;
/** A GitHub action reference pinned to a major version, a release or a commit. */
const PINNED_ACTION = /^[\w.-]+\/[\w.-]+@(?:v\d+(?:\.\d+){0,2}|[0-9a-f]{40})$/;
const SEMVER = /^\d+\.\d+\.\d+$/;

function checkGitHubWorkflow(doc: Json): string[] {
  const problems: string[] = [];
  const on = rec(doc.on);

  const schedules = list(on.schedule);
  if (schedules.length === 0) {
    problems.push("on.schedule: missing; the rotation must run by itself");
  }
  for (const entry of schedules) {
    const cron = str(rec(entry).cron);
    problems.push(
      ...(cron ? cronProblems(cron) : ["an on.schedule entry has no cron"]).map((p) => `on.schedule: ${p}`),
    );
  }
  if (!("workflow_dispatch" in on)) {
    problems.push("on.workflow_dispatch: missing; people must be able to run a rotation by hand");
  }
  const otherTriggers = Object.keys(on).filter((t) => t !== "schedule" && t !== "workflow_dispatch");
  if (otherTriggers.length > 0) {
    problems.push(`on: ${otherTriggers.join(", ")} would run a rotation on code events`);
  }

  // The one job that runs `pulumi up`.
  const jobs = Object.entries(rec(doc.jobs));
  const upSteps = jobs.flatMap(([jobId, job]) =>
    list(rec(job).steps)
      .map(rec)
      .flatMap((step, index) =>
        shellCommands(str(step.run) ?? "")
          .filter((c) => PULUMI_UP.test(c))
          .map((command) => ({ jobId, job: rec(job), step, index, command })),
      ),
  );
  if (upSteps.length !== 1) {
    problems.push(`expected exactly one "pulumi up" for one stack, found ${upSteps.length}`);
    return problems;
  }
  const { jobId, job, step: upStep, index: upIndex, command } = upSteps[0];
  const steps = list(job.steps).map(rec);
  const env = { ...rec(doc.env), ...rec(job.env), ...rec(upStep.env) };

  // Permissions: OIDC token, read-only contents, nothing broad.
  const permissions = job.permissions ?? doc.permissions;
  if (!isRecord(permissions)) {
    problems.push(
      `permissions: must be a map (got ${JSON.stringify(permissions)}); default token permissions are too broad`,
    );
  } else {
    if (permissions["id-token"] !== "write") {
      problems.push("permissions.id-token: must be write, or the job cannot get an OIDC token for Azure");
    }
    if (permissions.contents !== "read") {
      problems.push("permissions.contents: must be read");
    }
    const extraWrites = Object.entries(permissions).filter(
      ([scope, level]) => level === "write" && scope !== "id-token" && scope !== "issues",
    );
    for (const [scope] of extraWrites) {
      problems.push(`permissions.${scope}: write is not needed`);
    }
  }

  // The command, and the one stack it names.
  const up = pulumiUpStack(command);
  let stackExpression: string | undefined;
  if (up.problem) {
    problems.push(`jobs.${jobId}.steps[${upIndex}] ${up.problem}`);
  } else if (up.stack) {
    const variable = shellVariable(up.stack);
    stackExpression = variable ? str(env[variable]) : up.stack;
    if (!stackExpression) {
      problems.push(`the stack comes from $${variable}, which the job's env does not set`);
    } else if (!GH_VARIABLE.test(stackExpression) && !STACK_NAME.test(stackExpression)) {
      problems.push(`the stack "${stackExpression}" is not one stack name or one variable`);
    }
  }
  if (upStep["continue-on-error"] !== undefined && upStep["continue-on-error"] !== false) {
    problems.push("the pulumi up step has continue-on-error: a failed rotation must fail the job");
  }
  if (!steps.slice(upIndex + 1).some((s) => /\bfailure\(\)/.test(str(s.if) ?? ""))) {
    problems.push("no step with if: failure() reports a failed rotation");
  }

  // Runs never overlap, per stack.
  const concurrency = rec(job.concurrency ?? doc.concurrency);
  const group = str(concurrency.group);
  if (!group) {
    problems.push("concurrency.group: missing; two runs could rotate the same stack at once");
  } else if (stackExpression && !group.includes(stackExpression)) {
    problems.push(`concurrency.group "${group}" does not name the stack "${stackExpression}"`);
  }
  if (concurrency["cancel-in-progress"] !== false) {
    problems.push(
      "concurrency.cancel-in-progress: must be false; cancelling mid-update can leave the stack locked",
    );
  }
  problems.push(
    ...interruptedRunProblems(
      steps.flatMap((s) => shellCommands(str(s.run) ?? "")),
      up.stack,
    ),
  );

  // Setup steps, in order, before the rotation.
  const indexOf = (what: string, predicate: (s: Json) => boolean): number =>
    setupStep(steps, upIndex, problems, what, predicate);
  const uses = (s: Json, action: string): boolean => (str(s.uses) ?? "").split("@")[0] === action;
  const checkout = indexOf("checks out the repository", (s) => uses(s, "actions/checkout"));
  const node = indexOf(
    "sets up Node.js 24",
    (s) => uses(s, "actions/setup-node") && /^24(\.x)?$/.test(str(rec(s.with)["node-version"]) ?? ""),
  );
  const npmCi = indexOf("runs npm ci", (s) => (str(s.run) ?? "").trim() === "npm ci");
  indexOf(
    "installs a pinned Pulumi CLI",
    (s) => uses(s, "pulumi/actions") && SEMVER.test(str(rec(s.with)["pulumi-version"]) ?? ""),
  );
  const login = indexOf("logs in to Azure with azure/login", (s) => uses(s, "azure/login"));
  // Graph after a long run: the first login's az session rests on a GitHub OIDC token that Entra ID
  // takes for about 10 minutes (AADSTS700024, Azure/azure-cli#28708), so untracked-keys needs a
  // fresh azure/login after pulumi up.
  const sweepIndex = steps.findIndex((s) => /\buntracked-keys\b/.test(str(s.run) ?? ""));
  if (sweepIndex >= 0 && !steps.slice(upIndex + 1, sweepIndex).some((s) => uses(s, "azure/login"))) {
    problems.push(
      "no azure/login between pulumi up and untracked-keys: sign in again right before it (the az session's OIDC token expires after about 10 minutes)",
    );
  }
  indexOf("logs in to the Pulumi backend", (s) => /^pulumi login\b/.test((str(s.run) ?? "").trim()));
  if (!(checkout < node && node < npmCi)) {
    problems.push("steps: expected checkout, then setup-node, then npm ci");
  }
  for (const s of steps.filter((s) => s.uses !== undefined)) {
    if (!PINNED_ACTION.test(str(s.uses) ?? "")) {
      problems.push(`uses: ${str(s.uses)} is not pinned to a version or commit`);
    }
  }

  // Azure: OIDC for az and for the providers; never a stored secret.
  if (login >= 0) {
    const w = rec(steps[login].with);
    for (const input of ["client-id", "tenant-id"]) {
      if (!GH_VARIABLE.test(str(w[input]) ?? "")) {
        problems.push(`azure/login ${input}: must come from vars or secrets`);
      }
    }
  }
  if (str(env.ARM_USE_OIDC) !== "true") {
    problems.push('env.ARM_USE_OIDC: must be "true" so the azuread and azure-native providers use OIDC');
  }
  for (const name of ["ARM_CLIENT_ID", "ARM_TENANT_ID"]) {
    if (!GH_VARIABLE.test(str(env[name]) ?? "")) {
      problems.push(`env.${name}: must come from vars or secrets`);
    }
  }
  problems.push(...azureSecretProblems(doc));

  // Pulumi backend and Optima credential from the secret store.
  if (!GH_SECRET.test(str(env.PULUMI_ACCESS_TOKEN) ?? "") && env.PULUMI_BACKEND_URL === undefined) {
    problems.push("env: no Pulumi backend (PULUMI_ACCESS_TOKEN from secrets, or PULUMI_BACKEND_URL)");
  }
  if (!mapsOptimaCredential(env, GH_SECRET)) {
    problems.push(
      "env: no Optima credential from secrets (OPTIMA_REFRESH_TOKEN or OPTIMA_SERVICE_ACCOUNT_*)",
    );
  }

  // No credential written inline.
  const envMaps: [string, unknown][] = [
    ["env", doc.env],
    ...jobs.flatMap(([id, j]): [string, unknown][] => [
      [`jobs.${id}.env`, rec(j).env],
      ...list(rec(j).steps).flatMap((s, i): [string, unknown][] => [
        [`jobs.${id}.steps[${i}].env`, rec(s).env],
        [`jobs.${id}.steps[${i}].with`, rec(s).with],
      ]),
    ]),
  ];
  for (const [at, entries] of envMaps) {
    problems.push(...credentialReferenceProblems(rec(entries), at, GH_SECRET));
  }
  problems.push(...literalSecretProblems(doc));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Azure Pipelines.

const ADO_MACRO = /^\$\(([A-Za-z_][A-Za-z0-9_.]*)\)$/;

/** Pipeline variables defined in the file (`- name/value` list or a map), and the groups used. */
function adoVariables(doc: Json): { values: Record<string, string>; groups: string[] } {
  const values: Record<string, string> = {};
  const groups: string[] = [];
  if (Array.isArray(doc.variables)) {
    for (const entry of doc.variables.map(rec)) {
      if (entry.group !== undefined) {
        groups.push(str(entry.group) ?? "");
      } else if (entry.name !== undefined) {
        values[str(entry.name) ?? ""] = str(entry.value) ?? "";
      }
    }
  } else {
    for (const [name, value] of Object.entries(rec(doc.variables))) {
      values[name] = str(value) ?? "";
    }
  }
  return { values, groups };
}

function adoJobs(doc: Json): Json[] {
  return [...list(doc.jobs), ...list(doc.stages).flatMap((s) => list(rec(s).jobs))].map(rec);
}

function adoSteps(job: Json): Json[] {
  const deploy = rec(rec(rec(job.strategy).runOnce).deploy);
  return list(job.deployment !== undefined ? deploy.steps : job.steps).map(rec);
}

/** The shell text a step runs (`script`, `bash`, or an AzureCLI inline script). */
function adoScript(step: Json): string {
  return str(step.script) ?? str(step.bash) ?? str(rec(step.inputs).inlineScript) ?? "";
}

function checkAzurePipeline(doc: Json): string[] {
  const problems: string[] = [];

  const schedules = list(doc.schedules).map(rec);
  if (schedules.length === 0) {
    problems.push("schedules: missing; the rotation must run by itself");
  }
  for (const schedule of schedules) {
    const cron = str(schedule.cron);
    problems.push(
      ...(cron ? cronProblems(cron) : ["a schedules entry has no cron"]).map((p) => `schedules: ${p}`),
    );
    if (schedule.always !== true) {
      problems.push("schedules.always: must be true; a rotation is due by date, not by a code change");
    }
    if (list(rec(schedule.branches).include).length === 0) {
      problems.push("schedules.branches.include: name the branch the schedule runs");
    }
  }
  // Manual runs are always possible in Azure Pipelines; code events must not rotate the key.
  for (const trigger of ["trigger", "pr"]) {
    if (doc[trigger] !== "none") {
      problems.push(`${trigger}: must be none; a push or pull request must not rotate the key`);
    }
  }
  if (doc.lockBehavior !== "sequential") {
    problems.push("lockBehavior: must be sequential so that runs wait for each other and never overlap");
  }

  const { values, groups } = adoVariables(doc);
  if (groups.length === 0) {
    problems.push("variables: no variable group holds the secrets");
  }

  const upSteps = adoJobs(doc).flatMap((job) =>
    adoSteps(job).flatMap((step, index) =>
      shellCommands(adoScript(step))
        .filter((c) => PULUMI_UP.test(c))
        .map((command) => ({ job, step, index, command })),
    ),
  );
  if (upSteps.length !== 1) {
    problems.push(`expected exactly one "pulumi up" for one stack, found ${upSteps.length}`);
    return problems;
  }
  const { job, step: upStep, index: upIndex, command } = upSteps[0];
  const steps = adoSteps(job);
  const env = rec(upStep.env);

  if (
    job.deployment === undefined ||
    (str(job.environment) ?? str(rec(job.environment).name)) === undefined
  ) {
    problems.push(
      "pulumi up must run in a deployment job with an environment (it carries the exclusive lock)",
    );
  }

  // The command, and the one stack it names.
  const up = pulumiUpStack(command);
  if (up.problem) {
    problems.push(`the rotation step ${up.problem}`);
  } else if (up.stack) {
    const variable = shellVariable(up.stack);
    const mapped = variable ? str(env[variable]) : up.stack;
    const macro = ADO_MACRO.exec(mapped ?? "")?.[1];
    const stack = macro ? values[macro] : mapped;
    if (stack === undefined || !STACK_NAME.test(stack)) {
      problems.push(
        `the stack "${up.stack}" does not resolve to one stack name in this file (got "${stack}")`,
      );
    }
  }
  problems.push(
    ...interruptedRunProblems(
      steps.flatMap((s) => shellCommands(adoScript(s))),
      up.stack,
    ),
  );
  if (upStep.continueOnError === true) {
    problems.push("the pulumi up step has continueOnError: a failed rotation must fail the run");
  }
  // Graph after a long run: an AzureCLI@2 task signs in when it starts, and its session's OIDC token
  // lives about 10 minutes (AADSTS700024, Azure/azure-cli#28708): untracked-keys needs a task of its own.
  const sweepIndex = steps.findIndex((s) => /\buntracked-keys\b/.test(adoScript(s)));
  if (sweepIndex >= 0) {
    const sweep = steps[sweepIndex];
    if (
      sweepIndex <= upIndex ||
      str(sweep.task) !== "AzureCLI@2" ||
      !str(rec(sweep.inputs).azureSubscription)
    ) {
      problems.push(
        "untracked-keys must run in an AzureCLI@2 task of its own after the rotation's (a fresh sign-in: the rotation task's session expires after about 10 minutes)",
      );
    }
    if (
      !ADO_MACRO.test(str(rec(sweep.env).PULUMI_ACCESS_TOKEN) ?? "") &&
      rec(sweep.env).PULUMI_BACKEND_URL === undefined
    ) {
      problems.push("the untracked-keys task maps no Pulumi backend credential (it reads the stack's state)");
    }
  }
  if (!steps.slice(upIndex + 1).some((s) => /\bfailed\(\)/.test(str(s.condition) ?? ""))) {
    problems.push("no step with condition: failed() reports a failed rotation");
  }

  // Azure: a workload identity federation service connection, handed to the providers.
  const inputs = rec(upStep.inputs);
  if (!/^AzureCLI@2$/.test(str(upStep.task) ?? "")) {
    problems.push("pulumi up must run inside AzureCLI@2, which provides the OIDC token");
  }
  if (!str(inputs.azureSubscription)) {
    problems.push("AzureCLI@2 azureSubscription: name the service connection");
  }
  if (inputs.addSpnToEnvironment !== true && inputs.addSpnToEnvironment !== "true") {
    problems.push("AzureCLI@2 addSpnToEnvironment: must be true to expose the OIDC token to the script");
  }
  const script = shellCommands(adoScript(upStep)).join("\n");
  const exports: [string, RegExp][] = [
    ["ARM_USE_OIDC", /\bARM_USE_OIDC=("?)true\1/],
    ["ARM_CLIENT_ID", /\bARM_CLIENT_ID="?\$\{?servicePrincipalId\b/],
    ["ARM_TENANT_ID", /\bARM_TENANT_ID="?\$\{?tenantId\b/],
  ];
  for (const [name, pattern] of exports) {
    if (!pattern.test(script)) {
      problems.push(`the rotation script does not set ${name} from the service connection`);
    }
  }
  // Long runs: the task's idToken lives about 10 minutes, and an explicit token wins over the
  // service connection in the azuread provider (go-azure-sdk sdk/auth/auth.go, vendored by
  // terraform-provider-azuread v3.8.0: OIDCAssertionToken is tried before ADO pipeline OIDC). So
  // no ARM_OIDC_TOKEN anywhere; the provider asks the service connection for fresh tokens instead
  // (provider.go v3.8.0: ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID or ARM_OIDC_AZURE_SERVICE_CONNECTION_ID,
  // with SYSTEM_ACCESSTOKEN and SYSTEM_OIDCREQUESTURI).
  if (/\bARM_OIDC_TOKEN(_FILE_PATH)?\b/.test(script) || "ARM_OIDC_TOKEN" in env) {
    problems.push(
      "ARM_OIDC_TOKEN is set: the task's idToken expires after about 10 minutes (AADSTS700024), and it would win over the service connection",
    );
  }
  const connection =
    str(env.ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID) ?? str(env.ARM_OIDC_AZURE_SERVICE_CONNECTION_ID);
  const connectionVariable = ADO_MACRO.exec(connection ?? "")?.[1];
  if (!connectionVariable || connectionVariable.startsWith("System.")) {
    problems.push(
      "the rotation step maps no ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID from a variable (the service connection's ID)",
    );
  }
  if (str(env.SYSTEM_ACCESSTOKEN) !== "$(System.AccessToken)") {
    problems.push("the rotation step does not map SYSTEM_ACCESSTOKEN: $(System.AccessToken)");
  }
  if (str(env.SYSTEM_OIDCREQUESTURI) !== "$(System.OidcRequestUri)") {
    problems.push("the rotation step does not map SYSTEM_OIDCREQUESTURI: $(System.OidcRequestUri)");
  }
  problems.push(...azureSecretProblems(doc));

  // Setup steps, in order, before the rotation.
  const indexOf = (what: string, predicate: (s: Json) => boolean): number =>
    setupStep(steps, upIndex, problems, what, predicate);
  const node = indexOf("uses Node.js 24", (s) => {
    const task = str(s.task) ?? "";
    const version = str(rec(s.inputs).version) ?? str(rec(s.inputs).versionSpec) ?? "";
    return /^(UseNode@1|NodeTool@0)$/.test(task) && /^24(\.x)?$/.test(version);
  });
  const npmCi = indexOf("runs npm ci", (s) => adoScript(s).trim() === "npm ci");
  indexOf("installs a pinned Pulumi CLI", (s) => {
    const m = /get\.pulumi\.com.*--version\s+"?([^"\s]+)"?/.exec(adoScript(s).replace(/\n/g, " "));
    const version = m && (ADO_MACRO.exec(m[1]) ? values[ADO_MACRO.exec(m[1])?.[1] ?? ""] : m[1]);
    return SEMVER.test(version ?? "");
  });
  if (!steps.some((s) => str(s.checkout) === "self")) {
    problems.push("no checkout: self step (deployment jobs do not check out sources by themselves)");
  }
  if (!(node < npmCi)) {
    problems.push("steps: expected Node.js 24 before npm ci");
  }

  // Pulumi backend and Optima credential mapped from the secret store.
  if (!ADO_MACRO.test(str(env.PULUMI_ACCESS_TOKEN) ?? "") && env.PULUMI_BACKEND_URL === undefined) {
    problems.push(
      "the rotation step maps no Pulumi backend credential (PULUMI_ACCESS_TOKEN: $(PULUMI_ACCESS_TOKEN))",
    );
  }
  if (!mapsOptimaCredential(env, ADO_MACRO)) {
    problems.push(
      "the rotation step maps no Optima credential (OPTIMA_REFRESH_TOKEN or OPTIMA_SERVICE_ACCOUNT_*)",
    );
  }

  // No credential written inline: not in the file's variables, not in any step's env.
  for (const name of Object.keys(values).filter((n) => CREDENTIAL_NAME.test(n))) {
    problems.push(
      `variables.${name}: a credential defined in the file; keep it in the variable group as a secret`,
    );
  }
  for (const [i, s] of adoJobs(doc).flatMap(adoSteps).entries()) {
    problems.push(...credentialReferenceProblems(rec(s.env), `steps[${i}].env`, ADO_MACRO));
  }
  problems.push(...literalSecretProblems(doc));
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Tests.

describe("cronProblems", () => {
  it.each(["17 5 * * *", "0 */6 * * 1-5", "5,35 0-23/2 1 1,6 0"])("accepts %s", (cron) => {
    expect(cronProblems(cron)).toEqual([]);
  });
  it.each([
    "17 5 * *",
    "60 5 * * *",
    "0 24 * * *",
    "0 5 0 * *",
    "0 5 * 13 *",
    "0 5 * * 7",
    "5-1 * * * *",
    "*/0 * * * *",
    "@daily",
  ])("rejects %s", (cron) => {
    expect(cronProblems(cron)).not.toEqual([]);
  });
});

describe("literal credential scan", () => {
  it("flags JWTs, long random tokens, PEM keys and credentials assigned in scripts", () => {
    expect(tokenLikeLiterals("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.sig")).not.toEqual([]);
    expect(tokenLikeLiterals("token: 4fT9kQ2mZr7LpX1vB8nW3cY6hJ0dSg5a")).not.toEqual([]);
    expect(tokenLikeLiterals("-----BEGIN RSA PRIVATE KEY-----")).not.toEqual([]);
    expect(literalSecretProblems({ run: "export OPTIMA_REFRESH_TOKEN=abc" })).not.toEqual([]);
  });
  it("leaves references, identifiers and URLs alone", () => {
    expect(
      tokenLikeLiterals("${{ secrets.OPTIMA_SERVICE_ACCOUNT_SECRET }} ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    ).toEqual([]);
    expect(
      literalSecretProblems({ run: 'export ARM_OIDC_TOKEN="$idToken"\ncurl https://get.pulumi.com' }),
    ).toEqual([]);
  });
});

describe(GITHUB_WORKFLOW, () => {
  const workflow = load(GITHUB_WORKFLOW);
  const rotateStep = (doc: Json): Json =>
    list(rec(rec(doc.jobs).rotate).steps)
      .map(rec)
      .find((s) => PULUMI_UP.test(str(s.run) ?? "")) ?? {};
  const step = (doc: Json, action: string): Json =>
    list(rec(rec(doc.jobs).rotate).steps)
      .map(rec)
      .find((s) => (str(s.uses) ?? "").startsWith(`${action}@`) || str(s.run) === action) ?? {};
  const recoverStep = (doc: Json): Json =>
    list(rec(rec(doc.jobs).rotate).steps)
      .map(rec)
      .find((s) => /pulumi (cancel|refresh)/.test(str(s.run) ?? "")) ?? {};
  const sweepStep = (doc: Json): Json =>
    list(rec(rec(doc.jobs).rotate).steps)
      .map(rec)
      .find((s) => /untracked-keys|echo done/.test(str(s.run) ?? "")) ?? {};

  it("passes every check", () => {
    expect(checkGitHubWorkflow(workflow)).toEqual([]);
  });

  it("runs exactly `pulumi up --refresh --yes` for the stack named in the concurrency group", () => {
    expect(str(rotateStep(workflow).run)?.trim()).toBe('pulumi up --refresh --yes --stack "$PULUMI_STACK"');
    expect(rec(rec(workflow.jobs).rotate).env).toMatchObject({ PULUMI_STACK: "${{ vars.PULUMI_STACK }}" });
    expect(rec(workflow.concurrency)).toEqual({
      group: "optima-csp-rotation-${{ vars.PULUMI_STACK }}",
      "cancel-in-progress": false,
    });
  });

  const mutations: [string, (doc: Json) => void, RegExp][] = [
    ["the schedule is removed", (d) => delete rec(d.on).schedule, /on\.schedule: missing/],
    ["the cron is invalid", (d) => (rec(list(rec(d.on).schedule)[0]).cron = "17 25 * * *"), /hour "25"/],
    ["manual dispatch is removed", (d) => delete rec(d.on).workflow_dispatch, /workflow_dispatch/],
    ["a push trigger is added", (d) => (rec(d.on).push = { branches: ["main"] }), /on: push/],
    ["id-token permission is dropped", (d) => delete rec(d.permissions)["id-token"], /id-token/],
    ["permissions become write-all", (d) => (d.permissions = "write-all"), /permissions: must be a map/],
    ["concurrency is removed", (d) => delete d.concurrency, /concurrency\.group: missing/],
    [
      "runs cancel each other",
      (d) => (rec(d.concurrency)["cancel-in-progress"] = true),
      /cancel-in-progress/,
    ],
    ["the command is removed", (d) => (rotateStep(d).run = "echo rotated"), /exactly one "pulumi up"/],
    [
      "--refresh is dropped",
      (d) => (rotateStep(d).run = 'pulumi up --yes --stack "$PULUMI_STACK"'),
      /expected exactly/,
    ],
    [
      "a second stack is rotated",
      (d) =>
        (rotateStep(d).run =
          'pulumi up --refresh --yes --stack "$PULUMI_STACK"\npulumi up --refresh --yes --stack other'),
      /found 2/,
    ],
    [
      "the stack variable is unset",
      (d) => delete rec(rec(rec(d.jobs).rotate).env).PULUMI_STACK,
      /does not set/,
    ],
    ["a failed run is tolerated", (d) => (rotateStep(d)["continue-on-error"] = true), /continue-on-error/],
    [
      "a killed run's lock is not released",
      (d) => (recoverStep(d).run = 'pulumi refresh --clear-pending-creates --yes --stack "$PULUMI_STACK"'),
      /no `pulumi cancel --yes`/,
    ],
    [
      "pending creates are kept",
      (d) => (recoverStep(d).run = String(recoverStep(d).run).replace(" --clear-pending-creates", "")),
      /without --clear-pending-creates/,
    ],
    [
      "the refresh asks for a confirmation",
      (d) => (recoverStep(d).run = String(recoverStep(d).run).replace("creates --yes", "creates")),
      /refresh without --yes/,
    ],
    [
      "the recovery runs after the rotation",
      (d) => {
        const steps = list(rec(rec(d.jobs).rotate).steps);
        const recover = steps.indexOf(recoverStep(d));
        steps.push(...steps.splice(recover, 1));
      },
      /pulumi cancel runs after pulumi up/,
    ],
    [
      "untracked keys are only reported",
      (d) => (sweepStep(d).run = String(sweepStep(d).run).replace(" --remove", "")),
      /only reports/,
    ],
    [
      "untracked keys are not looked for",
      (d) => (sweepStep(d).run = "echo done"),
      /no untracked-keys --remove/,
    ],
    [
      "untracked-keys runs as an npm script of this repository",
      (d) => (sweepStep(d).run = 'npm run --silent untracked-keys -- --stack "$PULUMI_STACK" --remove'),
      /npx --no optima-csp untracked-keys/,
    ],
    [
      "npx may download a package named optima-csp",
      (d) => (sweepStep(d).run = String(sweepStep(d).run).replace("npx --no ", "npx ")),
      /never fetched/,
    ],
    [
      "untracked-keys uses the az session from before pulumi up",
      (d) => {
        const steps = list(rec(rec(d.jobs).rotate).steps);
        const sweep = steps.indexOf(sweepStep(d));
        const before = steps.slice(0, sweep).map(rec);
        const last = before.map((s) => (str(s.uses) ?? "").startsWith("azure/login@")).lastIndexOf(true);
        steps.splice(last, 1);
      },
      /no azure\/login between pulumi up and untracked-keys/,
    ],
    ["Node 18 is used", (d) => (rec(step(d, "actions/setup-node").with)["node-version"] = 18), /Node\.js 24/],
    ["npm install replaces npm ci", (d) => (step(d, "npm ci").run = "npm install"), /npm ci/],
    [
      "the Pulumi CLI is not pinned",
      (d) => delete rec(step(d, "pulumi/actions").with)["pulumi-version"],
      /pinned Pulumi CLI/,
    ],
    [
      "an action is unpinned",
      (d) => (step(d, "actions/checkout").uses = "actions/checkout@main"),
      /not pinned/,
    ],
    [
      "OIDC is off for the providers",
      (d) => delete rec(rec(rec(d.jobs).rotate).env).ARM_USE_OIDC,
      /ARM_USE_OIDC/,
    ],
    [
      "azure/login uses a stored secret",
      (d) => (rec(step(d, "azure/login").with).creds = "${{ secrets.AZURE_CREDENTIALS }}"),
      /stored Azure client secret/,
    ],
    [
      "a literal token is written inline",
      (d) => (rec(rec(rec(d.jobs).rotate).env).OPTIMA_REFRESH_TOKEN = "4fT9kQ2mZr7LpX1vB8nW3cY6hJ0dSg5a"),
      /OPTIMA_REFRESH_TOKEN.*not a reference|token-like literal/,
    ],
    [
      "a tenant ID is written inline",
      (d) => (rec(rec(rec(d.jobs).rotate).env).ARM_TENANT_ID = "72f988bf-86f1-41af-91ab-2d7cd011db47"),
      /literal GUID/,
    ],
  ];
  it.each(mutations)("reports a problem when %s", (_, mutate, expected) => {
    const copy = structuredClone(workflow);
    mutate(copy);
    expect(checkGitHubWorkflow(copy).join("\n")).toMatch(expected);
  });
});

describe(AZURE_PIPELINE, () => {
  const pipeline = load(AZURE_PIPELINE);
  const steps = (doc: Json): Json[] => adoJobs(doc).flatMap(adoSteps);
  const rotateStep = (doc: Json): Json => steps(doc).find((s) => str(s.task) === "AzureCLI@2") ?? {};
  const editScript = (doc: Json, edit: (text: string) => string): void => {
    const inputs = rec(rotateStep(doc).inputs);
    inputs.inlineScript = edit(str(inputs.inlineScript) ?? "");
  };
  /** The deployment job's steps, as the list itself (for mutations that move steps). */
  const deploySteps = (doc: Json): unknown[] =>
    list(rec(rec(rec(adoJobs(doc)[0].strategy).runOnce).deploy).steps);
  /** The task that runs untracked-keys (its own AzureCLI@2 task, after the rotation's). */
  const sweepStep = (doc: Json): Json => steps(doc).find((s) => /untracked-keys/.test(adoScript(s))) ?? {};
  const editSweep = (doc: Json, edit: (text: string) => string): void => {
    const inputs = rec(sweepStep(doc).inputs);
    inputs.inlineScript = edit(str(inputs.inlineScript) ?? "");
  };

  it("passes every check", () => {
    expect(checkAzurePipeline(pipeline)).toEqual([]);
  });

  it("runs exactly `pulumi up --refresh --yes` for one stack, inside the federated AzureCLI@2 task", () => {
    const script = shellCommands(adoScript(rotateStep(pipeline)));
    expect(script.filter((c) => PULUMI_UP.test(c))).toEqual([
      'pulumi up --refresh --yes --stack "$PULUMI_STACK"',
    ]);
    expect(rec(rotateStep(pipeline).env).PULUMI_STACK).toBe("$(PULUMI_STACK)");
    expect(adoVariables(pipeline).values.PULUMI_STACK).toMatch(STACK_NAME);
  });

  const mutations: [string, (doc: Json) => void, RegExp][] = [
    ["the schedule is removed", (d) => delete d.schedules, /schedules: missing/],
    ["the cron is invalid", (d) => (rec(list(d.schedules)[0]).cron = "17 5 * * 8"), /day of week "8"/],
    ["the schedule skips unchanged code", (d) => (rec(list(d.schedules)[0]).always = false), /always/],
    ["a push trigger is added", (d) => (d.trigger = ["main"]), /trigger: must be none/],
    ["runs may overlap", (d) => (d.lockBehavior = "runLatest"), /lockBehavior/],
    [
      "the command is removed",
      (d) => (rec(rotateStep(d).inputs).inlineScript = "echo rotated"),
      /exactly one "pulumi up"/,
    ],
    [
      "--refresh is dropped",
      (d) => {
        const inputs = rec(rotateStep(d).inputs);
        inputs.inlineScript = (str(inputs.inlineScript) ?? "").replace("up --refresh", "up");
      },
      /expected exactly/,
    ],
    [
      "the stack is not one name",
      (d) => (rec(list(d.variables).find((v) => rec(v).name === "PULUMI_STACK")).value = "prod staging"),
      /one stack name/,
    ],
    [
      "the SPN is not exposed",
      (d) => (rec(rotateStep(d).inputs).addSpnToEnvironment = false),
      /addSpnToEnvironment/,
    ],
    [
      "the short-lived task token is handed to the providers",
      (d) => {
        const inputs = rec(rotateStep(d).inputs);
        inputs.inlineScript = (str(inputs.inlineScript) ?? "").replace(
          "pulumi up",
          'export ARM_OIDC_TOKEN="$idToken"\npulumi up',
        );
      },
      /ARM_OIDC_TOKEN is set: the task's idToken expires/,
    ],
    [
      "ARM_OIDC_TOKEN is mapped into the step",
      (d) => (rec(rotateStep(d).env).ARM_OIDC_TOKEN = "$(idToken)"),
      /ARM_OIDC_TOKEN is set/,
    ],
    [
      "the service connection ID is not mapped",
      (d) => delete rec(rotateStep(d).env).ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID,
      /maps no ARM_ADO_PIPELINE_SERVICE_CONNECTION_ID/,
    ],
    [
      "the pipeline's access token is not mapped",
      (d) => delete rec(rotateStep(d).env).SYSTEM_ACCESSTOKEN,
      /SYSTEM_ACCESSTOKEN: \$\(System\.AccessToken\)/,
    ],
    [
      "the OIDC request URI is not mapped",
      (d) => delete rec(rotateStep(d).env).SYSTEM_OIDCREQUESTURI,
      /SYSTEM_OIDCREQUESTURI/,
    ],
    [
      "a service principal secret is used",
      (d) => (rec(rotateStep(d).env).ARM_CLIENT_SECRET = "$(ARM_CLIENT_SECRET)"),
      /stored Azure client secret/,
    ],
    [
      "Node 18 is used",
      (d) => (rec(steps(d).find((s) => s.task === "UseNode@1")?.inputs).version = "18.x"),
      /Node\.js 24/,
    ],
    [
      "npm install replaces npm ci",
      (d) => ((steps(d).find((s) => s.script === "npm ci") ?? {}).script = "npm install"),
      /npm ci/,
    ],
    ["a failed run is tolerated", (d) => (rotateStep(d).continueOnError = true), /continueOnError/],
    [
      "a killed run's lock is not released",
      (d) => editScript(d, (t) => t.replace(/^.*pulumi cancel.*$/m, "")),
      /no `pulumi cancel --yes`/,
    ],
    [
      "pending creates are kept",
      (d) => editScript(d, (t) => t.replace(" --clear-pending-creates", "")),
      /without --clear-pending-creates/,
    ],
    [
      "the cancel asks for a confirmation",
      (d) => editScript(d, (t) => t.replace("cancel --yes", "cancel")),
      /cancel without --yes/,
    ],
    [
      "untracked keys are removed before the rotation",
      (d) => {
        const list_ = deploySteps(d);
        const sweep = list_.splice(list_.indexOf(sweepStep(d)), 1)[0];
        list_.splice(list_.indexOf(rotateStep(d)), 0, sweep);
      },
      /untracked-keys runs before pulumi up/,
    ],
    [
      "untracked keys are checked for another stack",
      (d) =>
        editSweep(d, (t) =>
          t.replace(/untracked-keys --stack "\$PULUMI_STACK"/, "untracked-keys --stack other"),
        ),
      /untracked-keys names another stack/,
    ],
    [
      "untracked-keys runs in the rotation's task, on its aging az session",
      (d) => {
        const line = adoScript(sweepStep(d)).trim().split("\n").pop() ?? "";
        deploySteps(d).splice(deploySteps(d).indexOf(sweepStep(d)), 1);
        editScript(d, (t) => `${t}${line}\n`);
      },
      /an AzureCLI@2 task of its own/,
    ],
    [
      "the untracked-keys task cannot read the state",
      (d) => delete rec(sweepStep(d).env).PULUMI_ACCESS_TOKEN,
      /untracked-keys task maps no Pulumi backend credential/,
    ],
    [
      "npx may download a package named optima-csp",
      (d) => editSweep(d, (t) => t.replace("npx --no ", "npx ")),
      /never fetched/,
    ],
    [
      "a literal token is mapped",
      (d) => (rec(rotateStep(d).env).OPTIMA_REFRESH_TOKEN = "4fT9kQ2mZr7LpX1vB8nW3cY6hJ0dSg5a"),
      /OPTIMA_REFRESH_TOKEN.*not a reference|token-like literal/,
    ],
    [
      "a credential is defined in the file",
      (d) => list(d.variables).push({ name: "PULUMI_CONFIG_PASSPHRASE", value: "hunter2" }),
      /variables\.PULUMI_CONFIG_PASSPHRASE/,
    ],
  ];
  it.each(mutations)("reports a problem when %s", (_, mutate, expected) => {
    const copy = structuredClone(pipeline);
    mutate(copy);
    expect(checkAzurePipeline(copy).join("\n")).toMatch(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// The watchers: `optima-csp status` on its own schedule, separate from the rotation.

const GITHUB_WATCH = "examples/ci/github-actions/watch-optima-connection.yml";
const AZURE_WATCH = "examples/ci/azure-devops/watch-optima-connection.yml";
const STATUS_COMMAND = /^npx --no-install optima-csp status --stack "\$PULUMI_STACK"(?: \| tee [\w.]+)?$/;

/** Problems shared by both watchers: read-only, never hides a non-zero exit, no secret inline. */
function watcherProblems(doc: Json, scripts: readonly string[], rotationCrons: readonly string[]): string[] {
  const problems: string[] = [];
  const crons = list(doc.schedules ?? rec(doc.on).schedule)
    .map((s) => str(rec(s).cron))
    .filter((c): c is string => c !== undefined);
  if (crons.length !== 1) {
    problems.push(`expected one schedule, found ${crons.length}`);
  }
  for (const cron of crons) {
    problems.push(...cronProblems(cron));
    if (rotationCrons.includes(cron)) {
      problems.push(`schedule ${cron} is the rotation's own: the watcher must run on its own schedule`);
    }
  }
  const commands = scripts.flatMap(shellCommands);
  if (!commands.some((c) => STATUS_COMMAND.test(c))) {
    problems.push('no step runs `npx --no-install optima-csp status --stack "$PULUMI_STACK"`');
  }
  for (const command of commands) {
    if (PULUMI_UP.test(command) || /\bpulumi\s+(refresh|destroy|import)\b/.test(command)) {
      problems.push(`the watcher must change nothing, but runs: ${command}`);
    }
    if (/--show-secrets/.test(command)) {
      problems.push(`never --show-secrets: ${command}`);
    }
    if (/optima-csp status/.test(command) && /\|\|\s*true|;\s*exit 0/.test(command)) {
      problems.push(`a non-zero exit of status must fail the job: ${command}`);
    }
  }
  for (const [at, text] of strings(doc)) {
    if (/continue-on-error|continueOnError/.test(at) && text === "true") {
      problems.push(`${at}: the status step must fail the job`);
    }
  }
  problems.push(...literalSecretProblems(doc));
  return problems;
}

describe(GITHUB_WATCH, () => {
  const watch = load(GITHUB_WATCH);
  const rotation = load(GITHUB_WORKFLOW);
  const steps = list(rec(rec(watch.jobs).status).steps).map(rec);
  const scripts = steps.map((s) => str(s.run) ?? "");

  it("runs status on its own schedule, read-only, failing the job on anything but healthy", () => {
    const rotationCrons = list(rec(rotation.on).schedule).map((s) => str(rec(s).cron) ?? "");
    expect(watcherProblems(watch, scripts, rotationCrons)).toEqual([]);
    const status = steps.find((s) => /optima-csp status/.test(str(s.run) ?? "")) ?? {};
    expect(status["continue-on-error"]).toBeUndefined();
    expect(str(status.run)).toContain("set -o pipefail");
  });

  it("signs in with OIDC (azure/login, no secret) before status, and reports failures", () => {
    expect(watch.permissions).toEqual({ contents: "read", "id-token": "write", issues: "write" });
    const uses = steps.map((s) => str(s.uses) ?? "");
    const login = uses.findIndex((u) => u.startsWith("azure/login@"));
    const status = steps.findIndex((s) => /optima-csp status/.test(str(s.run) ?? ""));
    expect(login).toBeGreaterThanOrEqual(0);
    expect(login).toBeLessThan(status);
    expect(rec(steps[login].with)["client-secret"]).toBeUndefined();
    expect(steps.some((s) => str(s.if) === "failure()")).toBe(true);
    for (const [name, value] of Object.entries(rec(rec(rec(watch.jobs).status).env))) {
      if (/TOKEN|SECRET/.test(name)) {
        expect(value).toMatch(GH_SECRET);
      }
    }
  });
});

describe(AZURE_WATCH, () => {
  const watch = load(AZURE_WATCH);
  const rotation = load(AZURE_PIPELINE);
  const steps = adoJobs(watch).flatMap(adoSteps);
  const scripts = steps.map(adoScript);

  it("is its own pipeline with its own schedule, read-only, failing the run on anything but healthy", () => {
    const rotationCrons = list(rotation.schedules).map((s) => str(rec(s).cron) ?? "");
    expect(watcherProblems(watch, scripts, rotationCrons)).toEqual([]);
    expect(watch.trigger).toBe("none");
    expect(watch.pr).toBe("none");
  });

  it("runs status inside AzureCLI@2 (DefaultAzureCredential uses its session) with secrets mapped, not inline", () => {
    const status = steps.find((s) => /optima-csp status/.test(adoScript(s))) ?? {};
    expect(str(status.task)).toBe("AzureCLI@2");
    for (const [name, value] of Object.entries(rec(status.env))) {
      expect(value).toMatch(ADO_MACRO);
      expect(name).not.toBe("ARM_OIDC_TOKEN");
    }
    expect(steps.some((s) => str(s.condition) === "failed()")).toBe(true);
  });
});
