/**
 * The type token of OptimaCspConnection, apart from the component so that code reading a state
 * (../untracked) does not load the Pulumi SDK and the providers. Re-exported by ./cspConnection.
 */
export const CSP_CONNECTION_TYPE = "optima-csp:azure:CspConnection";
