// A Pulumi program in Go that uses optima-csp through its generated SDK (sdk/go).
// tests/package/sdks.test.ts builds and vets it, and runs it under Pulumi's Go mocks
// (wire_test.go); README.md, "Use from another language", shows the same calls.
package main

import (
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"optima-csp.local/sdk/go/optimacsp/azure"
	"optima-csp.local/sdk/go/optimacsp/optima"
)

func program(ctx *pulumi.Context) error {
	target := optima.RegistrationTargetCspPartner
	keyExpiresAfterDays := 180
	retain := true
	connection, err := azure.NewCspConnection(ctx, "csp", &azure.CspConnectionArgs{
		WebApp:              azure.WebAppArgs{ClientId: pulumi.String("0f5a8f5e-3b1a-4c55-9d8e-1a2b3c4d5e6f")},
		MpnId:               pulumi.String("1234567"),
		Optima:              azure.OptimaArgs{OrgId: pulumi.String("12345"), Target: &target},
		KeyExpiresAfterDays: &keyExpiresAfterDays,
		Customers: []azure.CustomerArgs{{
			TenantId:       "9d2f7c1e-5a4b-4c3d-8e9f-0a1b2c3d4e5f",
			OrgId:          pulumi.StringRef("23456"),
			RetainOnDelete: &retain,
		}},
	})
	if err != nil {
		return err
	}
	ctx.Export("activeKeyId", connection.ActiveKeyId)
	ctx.Export("nextRotationAt", connection.NextRotationAt)
	ctx.Export("customerRegistrationIds", connection.CustomerRegistrationIds)
	return nil
}

func main() {
	pulumi.Run(program)
}
