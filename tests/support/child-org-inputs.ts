/**
 * The child org the child org tests make (in process, through the real host and through the
 * provider plugin): one customer's org under one MSP parent, with one owner and two capabilities
 * (components/optima/childOrgRules.ts `ChildOrgInputs`). Each test file brings its own parent and
 * customer tenant.
 */
import type { ChildOrgInputs, ChildOrgOwnerInput } from "../../components/optima/childOrgRules";

/** The org's one owner. */
export const OWNER: ChildOrgOwnerInput = {
  email: "finops@partner.example",
  firstName: "Fin",
  lastName: "Ops",
};

/** The inputs of the child org of customer tenant `customerTenantId` under `parentOrgId`. */
export function childOrgInputs(parentOrgId: string, customerTenantId: string) {
  return {
    parentOrgId,
    customerTenantId,
    name: "Contoso Ltd",
    owners: [OWNER],
    capabilities: ["optima", "policy"],
  } satisfies ChildOrgInputs;
}
