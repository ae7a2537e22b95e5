/**
 * optima-csp: connect an Azure CSP partner tenant to Flexera Optima and keep its key rotated.
 *
 * This file is the package's public surface; it only re-exports.
 */
export * from "./optima/provider";
export { FlexeraChildOrg, flexeraChildOrgProvider } from "./optima/childOrgProvider";
export type {
  FlexeraChildOrgArgs,
  ChildOrgInputs,
  ChildOrgOutputs,
  ChildOrgOwnerInput,
} from "./optima/childOrgProvider";
export * from "./optima/types";
export * from "./azure/rotation";
export * from "./azure/keyVerification";
export * from "./azure/cspConnection";
export {
  MAX_CUSTOMERS,
  DEFAULT_CHILD_ORG_CAPABILITIES,
  checkCustomers,
  checkCustomerEntries,
  childOrgResourceName,
  customerResourceName,
} from "./azure/customers";
export type { Customer, CustomerEntry, ChildOrg, ChildOrgArgs, ChildOrgOwner } from "./azure/customers";
