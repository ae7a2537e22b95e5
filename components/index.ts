/**
 * optima-csp: connect an Azure CSP partner tenant to Flexera Optima and keep its key rotated.
 *
 * This file is the package's public surface; it only re-exports.
 */
export * from "./optima/provider";
export * from "./optima/types";
export * from "./azure/rotation";
export * from "./azure/keyVerification";
export * from "./azure/cspConnection";
export { MAX_CUSTOMERS, checkCustomers, customerResourceName } from "./azure/customers";
export type { Customer } from "./azure/customers";
