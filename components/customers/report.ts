/**
 * `optima-csp customers`: what the facts mean, and how they are shown. Pure.
 *
 * - {@link buildReport} joins Partner Center's customers with the bill connects Optima holds and
 *   the `optimaCustomers` config: which customer Optima knows, and in which org; which configured
 *   customer is gone from Partner Center; which bill connect on the Web App holds its key outside
 *   `optimaCustomers` (not rotated); the exit code.
 * - {@link proposeSync} is `--sync`: the config value with every configured customer kept (one gone
 *   from Partner Center is reported, never removed), and new customers added only with the org
 *   `--org-for` gives them; plus the `pulumi config set --path` commands that add them.
 * - {@link renderText}, {@link renderJson}, {@link renderLegacy}: output. Every value from Partner
 *   Center or Optima (names, domains, raw items) is escaped: control, bidirectional and invisible
 *   characters are shown as `\u{…}` in text and `\u…` in JSON, so that a company name cannot
 *   rewrite the terminal or hide text. Nothing here can hold a key or a token.
 */
import { escapeText, safeJson, table } from "../cli/text";
import type { PartnerCenterCustomer } from "./partnerCenter";
import { CUSTOMERS_CONFIG_KEY, type CustomerEntry } from "./options";

/** An azure-csp bill connect scoped to a customer tenant, found in an org. */
export interface CustomerConnect {
  readonly orgId: string;
  readonly id: string;
  readonly customerTenantId: string;
  /** The client ID it holds (`clientId`), when Optima shows it. */
  readonly applicationId?: string;
}

/**
 * A customer's bill connect on the stack's Web App (same client ID) whose customer is not in
 * `optimaCustomers`: made by hand, or left by an entry removed. The stack hands it no new key, so
 * the key it holds stops working when a rotation deletes it (if it is one of the stack's keys).
 */
export interface UnmanagedConnect {
  readonly orgId: string;
  readonly id: string;
  readonly customerTenantId: string;
}

/** What the lookup for {@link UnmanagedConnect}s can and cannot see, said in the report. */
export const UNMANAGED_SCOPE =
  "only the orgs looked in are seen (Optima lists bill connects per org, with no search across orgs): " +
  "a bill connect on this Web App in any other org, such as a child org no entry, --org or output names, cannot be seen here";

/** What was looked up in Optima; undefined when no org was named. */
export interface OptimaLookup {
  /** The orgs whose bill connects were listed, in order. */
  readonly orgs: readonly string[];
  readonly connects: readonly CustomerConnect[];
}

export interface CustomerRow {
  readonly tenantId: string;
  readonly domain: string;
  readonly companyName: string;
  readonly relationshipToPartner?: string;
  /** `known`: a bill connect in one of the orgs looked in is scoped to it; `not-checked`: no org was looked in. */
  readonly optima: "known" | "unknown" | "not-checked";
  /** The orgs whose bill connect is scoped to it. */
  readonly optimaOrgs: readonly string[];
  /** The org `optimaCustomers` connects it in, when configured. */
  readonly configuredOrgId?: string;
}

/** A customer the config or Optima has and Partner Center no longer lists. */
export interface GoneCustomer {
  readonly tenantId: string;
  readonly configuredOrgId?: string;
  readonly optimaOrgs: readonly string[];
}

export interface SyncProposal {
  /** The whole proposed `optimaCustomers` value: the current entries in order, then the added ones. */
  readonly entries: readonly CustomerEntry[];
  readonly added: readonly CustomerEntry[];
  /** Configured customers Partner Center no longer lists: kept in `entries`. */
  readonly keptGone: readonly string[];
  /** New Partner Center customers without an `--org-for`: not added. */
  readonly unassigned: readonly string[];
  /** `--org-for` pairs not used, and why. */
  readonly ignored: readonly { readonly tenantId: string; readonly reason: string }[];
  /** The commands that add `added`, one per field, in order. */
  readonly commands: readonly (readonly string[])[];
  /** Whether `--write` ran them. */
  readonly written: boolean;
}

export interface CustomersReport {
  readonly partnerCenter: { readonly customers: number; readonly pages: number };
  /** The orgs looked in and what was looked for; `lookedIn` empty when Optima was not looked in. */
  readonly optima: { readonly lookedIn: readonly string[]; readonly lookedFor: string };
  readonly customers: readonly CustomerRow[];
  readonly gone: readonly GoneCustomer[];
  /**
   * Bill connects on the Web App for customers not in `optimaCustomers`, in the orgs looked in;
   * absent when it could not be judged (no `optimaCustomers` read, Optima not looked in).
   */
  readonly unmanaged?: readonly UnmanagedConnect[];
  /** What that judgement cannot see ({@link UNMANAGED_SCOPE}); with `unmanaged`. */
  readonly unmanagedScope?: string;
  readonly sync?: SyncProposal;
  readonly verdict: "ok" | "warning";
  readonly exitCode: 0 | 1;
  readonly headline: string;
}

export const LOOKED_FOR =
  "azure-csp bill connects (GET /finops-onboarding/v1/orgs/{org}/bill-connects) whose " +
  "scopeDetails.customerDetails.customerTenantId is the customer's tenant ID";

const key = (tenantId: string): string => tenantId.trim().toLowerCase();

/**
 * Joins the three sources; `sync` is {@link proposeSync}'s result when `--sync` was given;
 * `webAppClientId` is the Web App's client ID, whose customers' bill connects outside
 * `optimaCustomers` are reported ({@link UnmanagedConnect}).
 */
export function buildReport(
  customers: readonly PartnerCenterCustomer[],
  pages: number,
  optima: OptimaLookup | undefined,
  configured: readonly CustomerEntry[] | undefined,
  sync?: SyncProposal,
  webAppClientId?: string,
): CustomersReport {
  const listed = customers.map((c) => key(c.tenantId));
  const orgsOf = (tenantId: string): string[] =>
    unique(
      (optima?.connects ?? []).filter((c) => key(c.customerTenantId) === key(tenantId)).map((c) => c.orgId),
    );
  const configuredOrg = (tenantId: string): string | undefined =>
    configured?.find((e) => key(e.tenantId) === key(tenantId))?.orgId;

  const rows: CustomerRow[] = customers.map((c) => {
    const orgs = orgsOf(c.tenantId);
    const org = configuredOrg(c.tenantId);
    return {
      tenantId: c.tenantId,
      domain: c.domain,
      companyName: c.companyName,
      ...(c.relationshipToPartner === undefined ? {} : { relationshipToPartner: c.relationshipToPartner }),
      optima: optima === undefined ? "not-checked" : orgs.length > 0 ? "known" : "unknown",
      optimaOrgs: orgs,
      ...(org === undefined ? {} : { configuredOrgId: org }),
    };
  });

  const goneTenants = unique([
    ...(configured ?? []).map((e) => e.tenantId).filter((t) => !listed.includes(key(t))),
    ...(optima?.connects ?? []).map((c) => c.customerTenantId).filter((t) => !listed.includes(key(t))),
  ]);
  const gone: GoneCustomer[] = goneTenants.map((tenantId) => {
    const org = configuredOrg(tenantId);
    return { tenantId, ...(org === undefined ? {} : { configuredOrgId: org }), optimaOrgs: orgsOf(tenantId) };
  });

  // Judged only with the list and the orgs both known: without the list every connect would look unmanaged.
  const judged = optima !== undefined && configured !== undefined && webAppClientId !== undefined;
  const configuredKeys = (configured ?? []).map((e) => key(e.tenantId));
  const unmanaged: UnmanagedConnect[] = judged
    ? (optima?.connects ?? [])
        .filter(
          (c) =>
            c.applicationId !== undefined &&
            key(c.applicationId) === key(webAppClientId) &&
            !configuredKeys.includes(key(c.customerTenantId)),
        )
        .map((c) => ({ orgId: c.orgId, id: c.id, customerTenantId: c.customerTenantId }))
    : [];

  const unknown = rows.filter((r) => r.optima === "unknown").length;
  const pending = sync !== undefined && !sync.written && sync.added.length > 0;
  const unassigned = sync?.unassigned.length ?? 0;
  const problems = [
    unknown > 0 ? `${unknown} customer${unknown === 1 ? "" : "s"} Optima does not know` : undefined,
    gone.length > 0 ? `${gone.length} gone from Partner Center` : undefined,
    unmanaged.length > 0
      ? `${unmanaged.length} bill connect${unmanaged.length === 1 ? "" : "s"} on the Web App not in ${CUSTOMERS_CONFIG_KEY} (not rotated)`
      : undefined,
    pending ? `${sync.added.length} to add to ${CUSTOMERS_CONFIG_KEY} (not written)` : undefined,
    unassigned > 0 ? `${unassigned} new without an org (--org-for)` : undefined,
  ].filter((p): p is string => p !== undefined);
  const summary = `${customers.length} Partner Center customer${customers.length === 1 ? "" : "s"}`;
  return {
    partnerCenter: { customers: customers.length, pages },
    optima: { lookedIn: optima?.orgs ?? [], lookedFor: LOOKED_FOR },
    customers: rows,
    gone,
    ...(judged ? { unmanaged, unmanagedScope: UNMANAGED_SCOPE } : {}),
    ...(sync === undefined ? {} : { sync }),
    verdict: problems.length > 0 ? "warning" : "ok",
    exitCode: problems.length > 0 ? 1 : 0,
    headline:
      problems.length > 0
        ? `${summary}: ${problems.join("; ")}.`
        : optima === undefined
          ? `${summary}; Optima was not looked in.`
          : `${summary}, every one known to Optima.`,
  };
}

/**
 * `--sync`: the proposed `optimaCustomers` value and the commands that make it. Never removes an
 * entry; never guesses an org. `orgFor` keys are lower-cased tenant IDs.
 */
export function proposeSync(
  customers: readonly PartnerCenterCustomer[],
  configured: readonly CustomerEntry[],
  orgFor: Readonly<Record<string, string>>,
  stack: string | undefined,
  stored: { readonly jsonText?: boolean } = {},
): SyncProposal {
  const listed = customers.map((c) => key(c.tenantId));
  const configuredKeys = configured.map((e) => key(e.tenantId));
  const added: (CustomerEntry & { readonly orgId: string })[] = [];
  const unassigned: string[] = [];
  for (const customer of customers) {
    if (configuredKeys.includes(key(customer.tenantId))) {
      continue;
    }
    const org = orgFor[key(customer.tenantId)];
    if (org === undefined) {
      unassigned.push(customer.tenantId);
    } else {
      added.push({ tenantId: customer.tenantId, orgId: org });
    }
  }
  const ignored = Object.entries(orgFor)
    .filter(([tenant]) => configuredKeys.includes(tenant) || !listed.includes(tenant))
    .map(([tenant, org]) => {
      const entry = configured.find((e) => key(e.tenantId) === tenant);
      return {
        tenantId: tenant,
        reason:
          entry !== undefined
            ? entry.orgId === undefined
              ? `already in ${CUSTOMERS_CONFIG_KEY} with a child org of its own (childOrg): its bill connect goes there`
              : entry.orgId === org
                ? `already in ${CUSTOMERS_CONFIG_KEY} with org ${org}`
                : `already in ${CUSTOMERS_CONFIG_KEY} with org ${entry.orgId}: moving a customer to org ${org} replaces its bill connect; change it yourself with pulumi config set --path`
            : "not a Partner Center customer of this partner",
      };
    });
  const stackFlag = stack === undefined ? [] : ["--stack", stack];
  // A value stored as JSON text is set whole: `--path` into it would replace it (CustomerConfig.jsonText).
  const wholeValue = (): string[][] => [
    [
      "pulumi",
      "config",
      "set",
      CUSTOMERS_CONFIG_KEY,
      JSON.stringify([...configured, ...added]),
      ...stackFlag,
    ],
  ];
  const commands =
    stored.jsonText === true && added.length > 0
      ? wholeValue()
      : added.flatMap((entry, i) => {
          const index = configured.length + i;
          const set = (field: string, value: string): string[] => [
            "pulumi",
            "config",
            "set",
            "--path",
            `${CUSTOMERS_CONFIG_KEY}[${index}].${field}`,
            value,
            "--type",
            "string",
            ...(stack === undefined ? [] : ["--stack", stack]),
          ];
          return [set("tenantId", entry.tenantId), set("orgId", entry.orgId)];
        });
  return {
    entries: [...configured, ...added],
    added,
    keptGone: configured.filter((e) => !listed.includes(key(e.tenantId))).map((e) => e.tenantId),
    unassigned,
    ignored,
    commands,
    written: false,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

function optimaCell(row: CustomerRow): string {
  switch (row.optima) {
    case "known":
      return `known (org ${row.optimaOrgs.join(", ")})`;
    case "unknown":
      return "NOT KNOWN";
    case "not-checked":
      return "not checked";
  }
}

/** The human output: the customers, what is gone, the sync proposal, what was looked in, and the verdict last. */
export function renderText(report: CustomersReport): string {
  const lines: string[] = [];
  lines.push(
    ...table([
      ["TENANT ID", "DOMAIN", "COMPANY", "OPTIMA", "CONFIG"],
      ...report.customers.map((r) => [
        escapeText(r.tenantId),
        escapeText(r.domain) || "-",
        escapeText(r.companyName) || "-",
        optimaCell(r),
        r.configuredOrgId === undefined ? "-" : `org ${r.configuredOrgId}`,
      ]),
    ]),
  );
  if (report.gone.length > 0) {
    lines.push("", "Gone from Partner Center (kept; nothing is removed for you):");
    for (const g of report.gone) {
      const where = [
        g.configuredOrgId === undefined
          ? undefined
          : `in ${CUSTOMERS_CONFIG_KEY} for org ${g.configuredOrgId}`,
        g.optimaOrgs.length > 0
          ? `Optima holds its bill connect in org ${g.optimaOrgs.join(", ")}`
          : undefined,
      ].filter((w) => w !== undefined);
      lines.push(`- ${escapeText(g.tenantId)}: ${where.join("; ")}`);
    }
    lines.push(
      `  If the customer really left, remove its entry with \`pulumi config rm --path '${CUSTOMERS_CONFIG_KEY}[N]'\` and review \`pulumi preview\`.`,
    );
  }
  if (report.unmanaged !== undefined && report.unmanaged.length > 0) {
    lines.push("", `On the Web App but not in ${CUSTOMERS_CONFIG_KEY}: this stack hands them no new key:`);
    for (const u of report.unmanaged) {
      lines.push(
        `- ${escapeText(u.customerTenantId)}: bill connect ${escapeText(u.id)} in org ${escapeText(u.orgId)}`,
      );
    }
    lines.push(
      "  If the key one holds is one of this stack's, the rotation that replaces its slot deletes it (at most two",
      "  rotation periods later) and that customer's costs stop. Add the customer to optimaCustomers (with that org:",
      "  the bill connect is adopted), or delete the bill connect in Flexera One.",
    );
  }
  if (report.sync !== undefined) {
    lines.push("", ...syncLines(report.sync));
  }
  lines.push("");
  lines.push(
    report.optima.lookedIn.length > 0
      ? `Optima: looked in org ${report.optima.lookedIn.join(", ")} for ${report.optima.lookedFor}.`
      : "Optima: not looked in (no --org, no optimaOrgId output, no configured customer names an org).",
  );
  if (report.unmanagedScope !== undefined) {
    lines.push(`Bill connects on the Web App outside ${CUSTOMERS_CONFIG_KEY}: ${report.unmanagedScope}.`);
  }
  lines.push(
    `Partner Center: ${report.partnerCenter.customers} customers in ${report.partnerCenter.pages} page(s).`,
  );
  lines.push("");
  lines.push(`${report.verdict === "ok" ? "OK" : "WARNING"} (exit ${report.exitCode}): ${report.headline}`);
  return `${lines.join("\n")}\n`;
}

function syncLines(sync: SyncProposal): string[] {
  const lines = [`Proposed ${CUSTOMERS_CONFIG_KEY} (${sync.entries.length} entries; nothing removed):`];
  for (const entry of sync.added) {
    lines.push(`+ ${escapeText(entry.tenantId)} in org ${entry.orgId}`);
  }
  for (const tenant of sync.keptGone) {
    lines.push(`= ${escapeText(tenant)} kept, although Partner Center no longer lists it`);
  }
  for (const tenant of sync.unassigned) {
    lines.push(
      `? ${escapeText(tenant)} is new in Partner Center: not added; give --org-for ${escapeText(tenant)}=ORG`,
    );
  }
  for (const item of sync.ignored) {
    lines.push(`! --org-for ${escapeText(item.tenantId)} not used: ${escapeText(item.reason)}`);
  }
  if (sync.added.length === 0) {
    lines.push("No entry to add.");
  } else if (sync.written) {
    lines.push(
      "Written to the stack's config. Review with `pulumi preview`: it shows one bill connect per added customer.",
    );
  } else {
    lines.push("To add them (then review with `pulumi preview`), run, or re-run with --write:");
    lines.push(...sync.commands.map((command) => `  ${escapeText(command.map(shellWord).join(" "))}`));
  }
  lines.push(`Value: ${escapeText(JSON.stringify(sync.entries))}`);
  return lines;
}

/** A word for a POSIX shell: quoted unless it is plain. (Values here are GUIDs, digits and fixed words.) */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`;
}

/** The machine output. */
export function renderJson(report: CustomersReport): string {
  return safeJson(report);
}

/** `--legacy`: the items as Optima returned them, escaped, and the field names they use. */
export interface LegacyListing {
  readonly orgId: string;
  readonly partnerId: string;
  readonly path: string;
  readonly fieldNames: readonly string[];
  readonly items: unknown;
}

/** The field names of a list of objects (first level), sorted; none when the answer is not an array of objects. */
export function fieldNamesOf(items: unknown): string[] {
  if (!Array.isArray(items)) {
    return [];
  }
  const names: string[] = [];
  for (const item of items) {
    if (typeof item === "object" && item !== null && !Array.isArray(item)) {
      for (const name of Object.keys(item)) {
        if (!names.includes(name)) {
          names.push(name);
        }
      }
    }
  }
  return names.sort();
}

export function renderLegacy(listing: LegacyListing, json: boolean): string {
  if (json) {
    return safeJson(listing);
  }
  const count = Array.isArray(listing.items) ? `${listing.items.length} item(s)` : "not a JSON array";
  return [
    `Legacy AzureCSPCustomers of partnership ${listing.partnerId} in org ${listing.orgId} (GET ${listing.path}; the path is inferred): ${count}.`,
    `Field names: ${listing.fieldNames.length > 0 ? listing.fieldNames.map(escapeText).join(", ") : "(none)"}`,
    "As Optima returned them (escaped):",
    safeJson(listing.items).trimEnd(),
    "",
  ].join("\n");
}

function unique(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    if (!out.some((v) => key(v) === key(value))) {
      out.push(value);
    }
  }
  return out;
}
