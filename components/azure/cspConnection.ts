/**
 * OptimaCspConnection: connects an Azure CSP partner tenant to Flexera Optima and keeps the
 * Partner Center Web App's client secret rotated, so that a rotation is just a scheduled
 * `pulumi up`.
 *
 * What it builds (children are named `${name}-…` and parented to the component):
 *
 *   ${name}-deployment-id     random.RandomId: a stable suffix in key display names, so a person in
 *                             the portal sees which deployment owns which key
 *   ${name}-web-app           azuread.ApplicationRegistration, read (never imported, never changed)
 *                             into state, only with webApp.adopt (./webApp)
 *   ${name}-key-w{k}          azuread.ApplicationPassword, one per rotation window k: the current
 *                             window's (the active key) and the previous one's (./rotation), in
 *                             slots a and b by the window's parity; each aliases its slot's old
 *                             name (${name}-key-a|b), so stacks made before keep their keys
 *   ${name}-key-verification  KeyVerification of the active key (./keyVerification), unless disabled
 *   ${name}-registration      OptimaRegistration with the active key, after the verification
 *   ${name}-customer-{tenant} one OptimaRegistration per CSP customer (./customers): a bill connect
 *                             with scope "Customer Tenant" in the customer's Flexera org, holding the
 *                             active key like the partnership's, after the same verification
 *   ${name}-child-org-{tenant}  a FlexeraChildOrg per customer with `childOrg` (made or adopted by
 *                             externalId under the MSP parent; retained on delete unless told
 *                             otherwise); that customer's bill connect goes into it
 *   ${name}-key-vault-secret  azure-native Key Vault secret with the active key, when keyVault is set
 *
 * Hand-off order. Every holder of the key (the registration and each customer's) takes the
 * active window's key and depends on that key's verification, so all get it in the same run, and
 * the key two windows old, no longer declared, is deleted only at the end of a run in which every
 * one of them succeeded. At a boundary Pulumi creates the new window's password, then the
 * verification, then updates the holders, and deletes the password that left the program last:
 * deletes run at the end of a run, and only in a run that got that far. The key deleted is one
 * Optima no longer holds; if verification or Optima fails, the run stops and Optima keeps a working
 * key. A failed run deletes nothing, even when it missed a whole window (two keys made, two to
 * delete): the engine generates deletes only after every step succeeded (pulumi/pulumi
 * `pkg/resource/deploy/deployment_executor.go`), and the keys it left are deleted at the END of the
 * next successful run, after that run handed Optima its new key (Pulumi 3.46.0 CHANGELOG: "Pending
 * deletes are no longer executed before everything else"). Why one resource per window, not two
 * slots replaced in turn: under `--continue-on-error` the engine keeps what a failed holder's
 * recorded state depends on, by URN (v3.274.1 `deployment_executor.go` `performPostSteps`,
 * `erroredDeps`); a replaced slot's old key shares its URN with the slot's new one, and
 * `pkg/resource/graph/dependency_graph.go` `TransitiveDependenciesOf` resolves that URN to the new
 * key once the old one is pending delete, so the next such run deleted the key the holder still
 * held. A window's URN names only its own key (tests/engine/customers.test.ts, two such runs).
 * A hand-off the engine skips (the new key or its verification failed) protects nothing: README,
 * "Connecting CSP customers".
 * The engine scenario tests/engine/failures.test.ts ("daily runs while Optima refuses every
 * hand-off (403) for more than a whole window") shows the failed runs under the real CLI:
 * Optima's key is never deleted and keeps working through the failed runs, and the recovering run's
 * deletes all come after its registration update.
 *
 * One deployment per registration. Before any key is made, at preview too, the component asks
 * Optima for the registration it would adopt and, if there is one, Microsoft Graph for the Web
 * App's key names: another optima-csp deployment's live keys together with that registration stop
 * the run (./ownership has the rules, ./ownershipCheck the reads), unless `optima.takeOverFrom`
 * names that deployment. Every key's `applicationId` waits for that answer, so a refusal leaves
 * nothing behind in Entra ID or Optima (only the deployment ID, a random value in state). The
 * stack taken from cannot delete a taken-over registration: its delete runs without the program,
 * with its state's outputs, so the guard lives in the registration provider's delete (it leaves a
 * registration Optima shows written since its own last write: ../optima/runtime `remove`).
 *
 * Nothing here reads the clock except to pick the rotation window (`now`, default the real
 * time): a slot's `endDate`, display name and `rotateWhenChanged` are functions of its window.
 */

import type * as keyvault from "@pulumi/azure-native/keyvault";
import * as azuread from "@pulumi/azuread";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import type { OptimaRegistration } from "../optima/provider";
import type { FlexeraChildOrg } from "../optima/childOrgProvider";
import {
  constructOptimaConfig,
  newChildOrg,
  newKeyVerification,
  newOptimaRegistration,
} from "../plugin/children";
import { quotedList, type RegistrationField } from "../optima/targets";
import {
  DEFAULT_TARGET,
  REGISTRATION_TARGETS,
  isRegistrationTarget,
  type RegistrationTarget,
} from "../optima/types";
import { partnerCenterScopeFor, scopeProblem } from "./clouds";
import { CSP_CONNECTION_TYPE } from "./connectionType";
import {
  type Customer,
  type CustomerArgs,
  checkCustomers,
  childOrgResourceName,
  customerResourceName,
} from "./customers";
import { registrationFieldProblem } from "../optima/validation";
import type { KeyVerification } from "./keyVerification";
import {
  DEFAULT_AUTHORITY_HOST,
  DEFAULT_VERIFY_TIMEOUT_SECONDS,
  authorityHostProblem,
  timeoutSecondsProblem,
} from "./keyVerificationRules";
import {
  RotationPlan,
  SlotName,
  keyDisplayName,
  keyResourceName,
  legacySlotResourceName,
  planRotation,
} from "./rotation";
import { programError } from "../programError";
import { takeOverFromProblem } from "./ownership";
import { checkOwnership, settledValue } from "./ownershipCheck";
import {
  ResolvedWebApp,
  SignedInAs,
  WebAppArgs,
  adoptWebApp,
  firstLine,
  lookUpWebApp,
  signedInAs,
  validateWebAppArgs,
} from "./webApp";

export type { WebAppArgs } from "./webApp";
export type { CustomerArgs } from "./customers";

/** The component's type token (./connectionType, which code reading a state imports alone). */
export { CSP_CONNECTION_TYPE };

/**
 * Which of the tenant's domains Optima is given when `domain` is not set:
 * - `"initial"` (the default): the `*.onmicrosoft.com` domain the tenant was created with. It is
 *   the domain Partner Center shows and the one Flexera's guide asks for
 *   (`contoso.onmicrosoft.com`), it can be neither removed nor renamed, and no admin setting
 *   changes it, so the registration never changes under a run.
 * - `"default"`: Entra ID's default domain, which an admin may set to a custom domain
 *   (contoso.com) at any time; the next run then updates the registration to it.
 */
export type DomainSource = "initial" | "default";

const DOMAIN_SOURCES: readonly DomainSource[] = ["initial", "default"];

export interface OptimaArgs {
  /** The Flexera organization ID the partnership is registered in. */
  readonly orgId: pulumi.Input<string>;
  /** Which Optima API holds the registration. Default `"csp-partner"`. */
  readonly target?: RegistrationTarget;
  /** `bill-connect` only, optional: the MCA billing account (`GUID:GUID_YYYY-MM-DD`). */
  readonly billingAccountId?: pulumi.Input<string>;
  /**
   * Keep the registration in Optima when the component is deleted (`pulumi destroy`), and keep
   * the key it holds (the active slot's) in Azure AD too, so a retained registration never holds
   * a deleted key. Retention follows the active slot from window to window, so rotations still
   * delete the previous key. Pulumi retains on replacement too: an emergency `--replace` of the
   * active key (or a run that missed a whole window) leaves the old active key in Azure AD until
   * its end date. Default false: destroy removes the registration and both keys.
   */
  readonly retainOnDelete?: boolean;
  /**
   * Take the registration over from another optima-csp deployment on the same Web App and org:
   * its deployment ID, the 8 hex digits after `optima-csp` in its keys' descriptions. Without it,
   * a deployment that finds another deployment's live keys on the Web App AND the registration it
   * would adopt in Optima refuses before anything is written (./ownership). After a takeover the
   * other deployment's runs are refused and its destroy leaves the registration in place. Keep it
   * set until the other stack is destroyed (its keys are live until then). Default: not set.
   */
  readonly takeOverFrom?: string;
}

export interface VerifyArgs {
  /** Prove each new key at Entra ID before Optima gets it. Default true. */
  readonly enabled?: boolean;
  /** Entra ID authority host (sovereign clouds, the local emulator). Default `https://login.microsoftonline.com`. */
  readonly authorityHost?: string;
  /**
   * The scope of the verification's token request: the Partner Center resource of the tenant's
   * cloud, followed by `/.default`. Default: derived from `authorityHost` where Microsoft
   * publishes a Partner Center for it (`https://api.partnercenter.microsoft.com/.default` for the
   * public and US Government clouds, `https://partner.partnercenterapi.microsoftonline.cn/.default`
   * for 21Vianet; see ./clouds); required for any other authority host.
   */
  readonly scope?: string;
  /** How long to keep trying while Entra ID refuses a new key, in whole seconds (1–3600). Default 900. */
  readonly timeoutSeconds?: number;
}

export interface KeyVaultArgs {
  /** The resource group of the vault. */
  readonly resourceGroupName: pulumi.Input<string>;
  /** The vault's name. */
  readonly vaultName: pulumi.Input<string>;
  /** The secret's name (1–127 letters, digits and dashes). Default `${name}-web-app-key`, from the component's name. */
  readonly secretName?: string;
}

export interface OptimaCspConnectionArgs {
  /** The Partner Center Web App: looked up by client ID (default), or adopted. */
  readonly webApp: WebAppArgs;
  /** The partner's MPN ID (digits). Required for the `csp-partner` target; ignored for `bill-connect`. */
  readonly mpnId?: pulumi.Input<string>;
  /**
   * The partner tenant's domain Optima is given (e.g. `contoso.onmicrosoft.com`), for
   * `csp-partner`. Default: read from Entra ID (`azuread.getDomains`, which needs
   * `Domain.Read.All`), as `domainSource` says.
   */
  readonly domain?: pulumi.Input<string>;
  /**
   * Which domain is read when `domain` is not set: `"initial"` (the tenant's `*.onmicrosoft.com`
   * domain, what Partner Center shows) or `"default"` (Entra ID's default domain, which may be a
   * custom one). Default `"initial"`.
   */
  readonly domainSource?: DomainSource;
  /** Lifetime of each key in whole days, 3–730. Default 180. */
  readonly keyExpiresAfterDays?: number;
  /** Rotation period in whole days, less than half of `keyExpiresAfterDays`. Default: a third of it, rounded down (60). */
  readonly rotateAfterDays?: number;
  /** The ISO instant rotation windows count from (not in the future). Default `2024-01-01T00:00:00Z`. */
  readonly rotationAnchor?: string;
  /** Where Optima holds the registration: the Flexera org, the target, and what a destroy keeps. */
  readonly optima: OptimaArgs;
  /** Verification of new keys at Entra ID. */
  readonly verify?: VerifyArgs;
  /** Also keep the active key in Azure Key Vault, with its expiry. Default: not kept. */
  readonly keyVault?: KeyVaultArgs;
  /**
   * CSP customers, each connected to the Flexera org that shows its costs by a bill connect of its
   * own (FinOps Onboarding azure-csp, scope "Customer Tenant") that holds the Web App's key and is
   * rotated with it. Changing a customer's org, billing profile or billing account replaces its
   * bill connect. Kept in Flexera when removed or destroyed unless its `retainOnDelete` is false.
   */
  readonly customers?: readonly CustomerArgs[];
  /**
   * The clock, for previews of a future date and for tests (through the provider plugin: an RFC
   * 3339 instant). Default: the real time.
   */
  readonly now?: Date;
}

/**
 * The CSP partnership between an Azure CSP partner tenant and Flexera Optima, with the Partner
 * Center Web App's key rotated on a fixed schedule and each new key proven before Optima gets it.
 */
export class OptimaCspConnection extends pulumi.ComponentResource {
  /** The Web App registration's object ID. */
  public readonly applicationObjectId: pulumi.Output<string>;
  /** Key ID of the active key (the one Optima holds). */
  public readonly activeKeyId: pulumi.Output<string>;
  /** When the active key expires (RFC 3339). */
  public readonly activeKeyExpiresAt: pulumi.Output<string>;
  /** Key ID of the previous key, valid until the next rotation replaces it. */
  public readonly previousKeyId: pulumi.Output<string>;
  /** When the next rotation is due: the first run at or after it rotates (RFC 3339). */
  public readonly nextRotationAt: pulumi.Output<string>;
  /** Optima's ID of the registration. */
  public readonly registrationId: pulumi.Output<string>;
  /** The active key's value; always a secret. */
  public readonly activeKeySecret: pulumi.Output<string>;
  /** URN of the active key's password: `pulumi up --replace <it>` is an emergency rotation. */
  public readonly activeKeyUrn: pulumi.Output<string>;
  /** The rotation plan this run used (plain data, known at construction). */
  public readonly rotation: RotationPlan;
  /** The two passwords this run declares, by slot: the current window's and the previous one's. */
  public readonly passwords: Readonly<Record<SlotName, azuread.ApplicationPassword>>;
  /** The verification of the active key, unless verification is disabled. */
  public readonly verification?: KeyVerification;
  public readonly registration: OptimaRegistration;
  /** Each CSP customer's bill connect, by customer tenant ID (lower case). */
  public readonly customerRegistrations: Readonly<Record<string, OptimaRegistration>>;
  /** Each CSP customer's bill connect ID, by customer tenant ID (lower case). */
  public readonly customerRegistrationIds: pulumi.Output<Record<string, string>>;
  /** The child org of each customer with `childOrg`, by customer tenant ID (lower case). */
  public readonly customerChildOrgs: Readonly<Record<string, FlexeraChildOrg>>;

  constructor(name: string, args: OptimaCspConnectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super(CSP_CONNECTION_TYPE, name, {}, opts);

    // 1. Validate, synchronously and before any child exists.
    const settings = validateArgs(name, args);
    const keyVaultModule = args.keyVault ? loadKeyVault() : undefined;
    const now = args.now ?? new Date();
    const plan = planRotation({
      now,
      anchor: args.rotationAnchor,
      keyExpiresAfterDays: args.keyExpiresAfterDays,
      rotateAfterDays: args.rotateAfterDays,
    });
    this.rotation = plan;

    // 2. Children.
    const deploymentId = new random.RandomId(`${name}-deployment-id`, { byteLength: 4 }, { parent: this });

    const webApp: ResolvedWebApp = args.webApp.adopt
      ? adoptWebApp(name, args.webApp, this)
      : lookUpWebApp(args.webApp, this);

    let tenantId: pulumi.Output<string> | undefined;
    const tenant = (): pulumi.Output<string> =>
      (tenantId ??= pulumi.output(azuread.getClientConfig({ parent: this })).tenantId);

    // One deployment per registration (./ownership), decided before anything is written: every
    // key waits for it (and the verification, the registration and the Key Vault copy wait for a
    // key), so a refusal stops the run, at preview too, with nothing made in Entra ID or Optima.
    const target = settings.target;
    const cleared = pulumi
      .all([
        webApp.clientId,
        args.optima.orgId,
        target === "csp-partner" ? args.mpnId : undefined,
        target === "bill-connect" ? tenant() : undefined,
      ])
      .apply(async ([clientId, orgId, mpnId, tenantIdValue]) => {
        const result = await checkOwnership({
          clientId,
          own: await settledValue(deploymentId.hex),
          takeOverFrom: args.optima.takeOverFrom,
          target,
          orgId,
          mpnId,
          tenantId: tenantIdValue,
          authorityHost: settings.verify?.authorityHost ?? DEFAULT_AUTHORITY_HOST,
          now,
          config: constructOptimaConfig(),
          env: process.env,
        });
        switch (result.kind) {
          case "refused":
            throw programError(result.message, this);
          case "undecided":
            await pulumi.log.warn(result.reason, this);
            break;
          case "taking-over":
            await pulumi.log.info(
              `Taking the registration ${result.registrationId} over from the optima-csp deployment ${result.from} ` +
                "(optima.takeOverFrom): destroy that stack once this run succeeded; its destroy leaves the registration.",
              this,
            );
            break;
          default:
            if (result.note !== undefined) {
              await pulumi.log.warn(result.note, this);
            }
        }
        return true;
      });
    const keyedApplicationId = pulumi.all([webApp.applicationId, cleared]).apply(([id]) => id);

    const retain = args.optima.retainOnDelete === true;
    // The active key outlives the component whenever a registration holding it does.
    const retainKey = retain || settings.customers.some((customer) => customer.retainOnDelete);
    // One password per window (see the head of this file): the previous window's and the current
    // one's. A window's key is made when its window begins and deleted when it leaves the program.
    const passwords = {} as Record<SlotName, azuread.ApplicationPassword>;
    for (const slot of [plan.previousSlot, plan.activeSlot]) {
      const slotPlan = plan.slots[slot];
      passwords[slot] = new azuread.ApplicationPassword(
        keyResourceName(name, slotPlan.window),
        {
          applicationId: keyedApplicationId,
          displayName: deploymentId.hex.apply((id) => keyDisplayName(slotPlan, id)),
          endDate: slotPlan.endDate,
          rotateWhenChanged: { ...slotPlan.rotateWhenChanged },
        },
        {
          parent: this,
          // A stack made when the slots were resources (`${name}-key-a|b`) keeps both keys.
          aliases: [{ name: legacySlotResourceName(name, slot) }],
          // The active key outlives the component like the registration holding it. Pulumi decides
          // retention from the state of the resource being deleted, and the run after a boundary
          // records the previous window's key as not retained, so a rotation still deletes the key
          // two windows old.
          ...(retainKey ? { retainOnDelete: slot === plan.activeSlot } : {}),
        },
      );
    }
    const active = passwords[plan.activeSlot];
    const previous = passwords[plan.previousSlot];

    const verification = settings.verify
      ? newKeyVerification(
          `${name}-key-verification`,
          {
            tenantId: tenant(),
            clientId: webApp.clientId,
            keyId: active.keyId,
            secret: active.value,
            authorityHost: settings.verify.authorityHost,
            timeoutSeconds: settings.verify.timeoutSeconds,
            scope: settings.verify.scope,
          },
          { parent: this },
        )
      : undefined;
    const afterVerification = verification ? [verification] : [];

    const registration = newOptimaRegistration(
      `${name}-registration`,
      {
        target,
        orgId: args.optima.orgId,
        applicationId: webApp.clientId,
        applicationSecret: active.value,
        // Which key Optima holds, in the registration's own state (never sent): `optima-csp status`.
        keyId: active.keyId,
        ...(target === "csp-partner"
          ? { mpnId: args.mpnId, domain: args.domain ?? tenantDomain(settings.domainSource, this) }
          : {
              tenantId: tenant(),
              ...(args.optima.billingAccountId !== undefined
                ? { billingAccountId: args.optima.billingAccountId }
                : {}),
            }),
      },
      { parent: this, dependsOn: afterVerification, ...(retain ? { retainOnDelete: true } : {}) },
    );

    // Each customer's bill connect holds the same key, after the same verification: a rotation hands
    // the new key to every holder before the replaced one can be deleted.
    const customerRegistrations: Record<string, OptimaRegistration> = {};
    const customerChildOrgs: Record<string, FlexeraChildOrg> = {};
    for (const customer of settings.customers) {
      const child = customer.childOrg;
      if (child !== undefined) {
        customerChildOrgs[customer.tenantId] = newChildOrg(
          childOrgResourceName(name, customer.tenantId),
          {
            parentOrgId: child.parentOrgId ?? args.optima.orgId,
            customerTenantId: customer.tenantId,
            name: child.name,
            ...(child.description === undefined ? {} : { description: child.description }),
            owners: child.owners,
            capabilities: child.capabilities,
          },
          // Retained unless the user said otherwise: deleting an org deletes all its data and access.
          { parent: this, retainOnDelete: child.retainOnDelete },
        );
      }
      const orgId = customerChildOrgs[customer.tenantId]?.orgId ?? customer.orgId;
      if (orgId === undefined) {
        throw new Error(`customer ${customer.tenantId} has neither orgId nor childOrg.`); // checkCustomers refused it already
      }
      customerRegistrations[customer.tenantId] = customerRegistration(name, customer, orgId, {
        applicationId: webApp.clientId,
        applicationSecret: active.value,
        keyId: active.keyId,
        tenantId: tenant(),
        opts: { parent: this, dependsOn: afterVerification },
      });
    }

    if (args.keyVault && keyVaultModule) {
      new keyVaultModule.Secret(
        `${name}-key-vault-secret`,
        {
          resourceGroupName: args.keyVault.resourceGroupName,
          vaultName: args.keyVault.vaultName,
          secretName: settings.keyVaultSecretName,
          properties: {
            value: active.value,
            contentType: pulumi.interpolate`client secret of Azure AD app ${webApp.clientId}`,
            attributes: { enabled: true, expires: Math.floor(Date.parse(plan.activeKeyExpiresAt) / 1000) },
          },
          tags: { "optima-csp-client-id": webApp.clientId, "optima-csp-key-id": active.keyId },
        },
        { parent: this, dependsOn: afterVerification },
      );
    }

    // 3. Public outputs.
    this.passwords = passwords;
    this.verification = verification;
    this.registration = registration;
    this.customerRegistrations = customerRegistrations;
    this.customerChildOrgs = customerChildOrgs;
    this.customerRegistrationIds = pulumi
      .all(Object.fromEntries(Object.entries(customerRegistrations).map(([t, r]) => [t, r.id])))
      .apply((ids) => ({ ...ids }));
    this.applicationObjectId = webApp.objectId;
    this.activeKeyId = active.keyId;
    this.activeKeyExpiresAt = pulumi.output(plan.activeKeyExpiresAt);
    this.previousKeyId = previous.keyId;
    this.nextRotationAt = pulumi.output(plan.nextRotationAt);
    this.registrationId = registration.id;
    this.activeKeySecret = pulumi.secret(active.value);
    this.activeKeyUrn = active.urn;

    this.registerOutputs({
      applicationObjectId: this.applicationObjectId,
      activeKeyId: this.activeKeyId,
      activeKeyExpiresAt: this.activeKeyExpiresAt,
      previousKeyId: this.previousKeyId,
      nextRotationAt: this.nextRotationAt,
      registrationId: this.registrationId,
      activeKeySecret: this.activeKeySecret,
      activeKeyUrn: this.activeKeyUrn,
      customerRegistrationIds: this.customerRegistrationIds,
    });
  }
}

/** One CSP customer's bill connect: a `bill-connect` registration scoped to the customer tenant. */
function customerRegistration(
  component: string,
  customer: Customer,
  orgId: pulumi.Input<string>,
  holds: {
    readonly applicationId: pulumi.Input<string>;
    readonly applicationSecret: pulumi.Input<string>;
    readonly keyId: pulumi.Input<string>;
    readonly tenantId: pulumi.Input<string>;
    readonly opts: pulumi.CustomResourceOptions;
  },
): OptimaRegistration {
  return newOptimaRegistration(
    customerResourceName(component, customer.tenantId),
    {
      target: "bill-connect",
      orgId,
      applicationId: holds.applicationId,
      applicationSecret: holds.applicationSecret,
      keyId: holds.keyId,
      tenantId: holds.tenantId,
      customerTenantId: customer.tenantId,
      ...(customer.billingProfileId === undefined ? {} : { billingProfileId: customer.billingProfileId }),
      ...(customer.billingAccountId === undefined ? {} : { billingAccountId: customer.billingAccountId }),
    },
    // Retained by default: deleting a customer's bill connect deletes what its org sees.
    { ...holds.opts, retainOnDelete: customer.retainOnDelete },
  );
}

/** The validated, defaulted settings the constructor needs besides the rotation plan. */
interface ConnectionSettings {
  readonly target: RegistrationTarget;
  readonly verify?: {
    readonly authorityHost: string;
    readonly timeoutSeconds: number;
    readonly scope: string;
  };
  readonly keyVaultSecretName?: string;
  readonly domainSource: DomainSource;
  readonly customers: readonly Customer[];
}

const KEY_VAULT_SECRET_NAME = /^[0-9A-Za-z-]{1,127}$/;

/** Checks the arguments (except rotation, which {@link planRotation} checks); exact messages. */
function validateArgs(name: string, args: OptimaCspConnectionArgs): ConnectionSettings {
  if (!args || typeof args !== "object") {
    throw new Error("OptimaCspConnection needs its arguments: at least webApp.clientId and optima.orgId.");
  }
  validateWebAppArgs(args.webApp);

  if (!args.optima || args.optima.orgId === undefined) {
    throw new Error(
      "optima.orgId is required: the Flexera organization ID the partnership is registered in.",
    );
  }
  const target = args.optima.target ?? DEFAULT_TARGET;
  if (!isRegistrationTarget(target)) {
    throw new Error(
      `optima.target must be ${quotedList(REGISTRATION_TARGETS)}; got ${JSON.stringify(target)}.`,
    );
  }
  if (target === "csp-partner" && args.mpnId === undefined) {
    throw new Error(
      'mpnId is required for the "csp-partner" Optima target: give the partner\'s MPN ID (Partner ID, digits ' +
        'only; Partner Center → Account settings → Identifiers), or set optima.target to "bill-connect".',
    );
  }
  if (args.optima.takeOverFrom !== undefined) {
    const problem = takeOverFromProblem(args.optima.takeOverFrom);
    if (problem !== undefined) {
      throw new Error(problem);
    }
  }
  if (target === "csp-partner" && args.optima.billingAccountId !== undefined) {
    throw new Error(
      'optima.billingAccountId applies only to the "bill-connect" Optima target; remove it, or set optima.target to "bill-connect".',
    );
  }
  // Values given as plain strings are checked now, with the registration provider's own rules,
  // before any Azure AD lookup or key exists; an Output is checked by the provider when known.
  const plainInputs: readonly (readonly [string, RegistrationField, unknown])[] = [
    ["optima.orgId", "orgId", args.optima.orgId],
    ...(target === "csp-partner"
      ? ([
          ["mpnId", "mpnId", args.mpnId],
          ["domain", "domain", args.domain],
        ] as const)
      : ([["optima.billingAccountId", "billingAccountId", args.optima.billingAccountId]] as const)),
  ];
  for (const [argument, field, value] of plainInputs) {
    const problem = typeof value === "string" ? registrationFieldProblem(field, value) : undefined;
    if (problem !== undefined) {
      throw new Error(`${argument} ${problem}.`);
    }
  }

  let verify: ConnectionSettings["verify"];
  if (args.verify?.enabled !== false) {
    const authorityHost = (args.verify?.authorityHost ?? DEFAULT_AUTHORITY_HOST).replace(/\/+$/, "");
    const hostProblem = authorityHostProblem(authorityHost);
    if (hostProblem) {
      throw new Error(`verify.${hostProblem}`);
    }
    const timeoutSeconds = args.verify?.timeoutSeconds ?? DEFAULT_VERIFY_TIMEOUT_SECONDS;
    const timeoutProblem = timeoutSecondsProblem(timeoutSeconds);
    if (timeoutProblem) {
      throw new Error(`verify.${timeoutProblem}`);
    }
    const scope = args.verify?.scope ?? partnerCenterScopeFor(authorityHost);
    if (scope === undefined) {
      throw new Error(
        `verify.scope is required with verify.authorityHost ${authorityHost}: Microsoft publishes no Partner Center ` +
          "for that authority host that optima-csp knows of. Set verify.scope (stack config verifyScope) to the " +
          "Partner Center resource of the tenant's cloud followed by /.default.",
      );
    }
    const problem = scopeProblem("verify.scope", scope);
    if (problem) {
      throw new Error(problem);
    }
    verify = { authorityHost, timeoutSeconds, scope };
  }

  const domainSource = args.domainSource ?? "initial";
  if (!DOMAIN_SOURCES.includes(domainSource)) {
    throw new Error(`domainSource must be "initial" or "default"; got ${JSON.stringify(domainSource)}.`);
  }

  let keyVaultSecretName: string | undefined;
  if (args.keyVault) {
    if (args.keyVault.resourceGroupName === undefined || args.keyVault.vaultName === undefined) {
      throw new Error("keyVault needs both resourceGroupName and vaultName (or leave keyVault out).");
    }
    keyVaultSecretName = args.keyVault.secretName ?? defaultKeyVaultSecretName(name);
    if (!KEY_VAULT_SECRET_NAME.test(keyVaultSecretName)) {
      throw new Error(
        `keyVault.secretName must be 1 to 127 letters, digits and dashes; got ${JSON.stringify(keyVaultSecretName)}.`,
      );
    }
  }
  const customers = checkCustomers(args.customers, "customers");
  return { target, verify, keyVaultSecretName, domainSource, customers };
}

/** `${name}-web-app-key`, with anything a Key Vault secret name cannot hold turned into dashes. */
export function defaultKeyVaultSecretName(name: string): string {
  const base = name.replace(/[^0-9A-Za-z-]+/g, "-").replace(/^-+|-+$/g, "") || "optima-csp";
  return `${base.slice(0, 127 - "-web-app-key".length)}-web-app-key`;
}

/** The tenant's initial (`*.onmicrosoft.com`) or default domain, from Azure AD. */
function tenantDomain(source: DomainSource, parent: pulumi.Resource): pulumi.Output<string> {
  const query = source === "initial" ? { onlyInitial: true } : { onlyDefault: true };
  return pulumi.output(
    azuread.getDomains(query, { parent }).then(
      (result) => {
        const domain =
          result.domains.find((d) => (source === "initial" ? d.initial : d.default)) ?? result.domains[0];
        if (!domain) {
          throw new Error(
            `Azure AD returned no ${source} domain for the tenant; set domain explicitly (e.g. contoso.onmicrosoft.com).`,
          );
        }
        return domain.domainName;
      },
      async (error: unknown) => {
        throw new Error(domainLookupMessage(source, await signedInAs(parent), firstLine(error)));
      },
    ),
  );
}

/** The message of a failed domain lookup, for the kind of identity Pulumi is signed in as. */
export function domainLookupMessage(source: DomainSource, who: SignedInAs, cause?: string): string {
  const application =
    "a service principal or managed identity needs the Microsoft Graph application permission Domain.Read.All, " +
    "granted with admin consent (owning the Web App grants it nothing)";
  const person =
    "a person signed in with `az login` reads the tenant's domains as a member of it (a guest cannot)";
  const advice =
    who.kind === "application"
      ? `Pulumi is signed in as the application ${who.clientId}: ${application}.`
      : who.kind === "azure-cli"
        ? `Pulumi is signed in through the Azure CLI: ${person}; if the CLI is signed in as a service principal, ${application}.`
        : `If Pulumi is signed in as a service principal or managed identity, ${application}; ${person}.`;
  return (
    `Could not read the tenant's ${source} domain to register with Optima. ${advice} Or set domain explicitly ` +
    `(e.g. contoso.onmicrosoft.com).${cause ? ` (Azure AD said: ${cause})` : ""}`
  );
}

/**
 * `@pulumi/azure-native/keyvault`, loaded only when `keyVault` is set: `@pulumi/azure-native` is
 * large (about 136 MB), so it is an optional peer dependency that a stack without a Key Vault
 * copy need not install.
 */
function loadKeyVault(): typeof keyvault {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return require("@pulumi/azure-native/keyvault") as typeof keyvault;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException | undefined)?.code === "MODULE_NOT_FOUND";
    if (!missing) {
      throw error;
    }
    throw new Error(
      "keyVault is set, but @pulumi/azure-native is not installed: run `npm install @pulumi/azure-native` " +
        "in the stack's project (it is an optional peer dependency of optima-csp), or leave keyVault out.",
    );
  }
}
