// Pulumi component and dynamic provider that connect an Azure CSP partner tenant to Flexera Optima and keep its Web App key rotated.
package optimacsp
