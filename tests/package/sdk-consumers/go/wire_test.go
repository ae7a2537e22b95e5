package main

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// recorder keeps each resource the program registers (type token, name, inputs as sent): what
// the optima-csp provider plugin's construct receives.
type recorder struct{ registered []map[string]any }

func (r *recorder) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	r.registered = append(r.registered, map[string]any{
		"type": args.TypeToken, "name": args.Name, "inputs": args.Inputs.Mappable(),
	})
	return args.Name + "-id", resource.PropertyMap{"activeKeyId": resource.NewStringProperty("key-id")}, nil
}

func (r *recorder) Call(args pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return nil, fmt.Errorf("Mock call not implemented: %s", args.Token)
}

// TestWire prints the registrations as JSON on a line of its own, for tests/package/sdks.test.ts.
func TestWire(t *testing.T) {
	r := &recorder{}
	if err := pulumi.RunErr(program, pulumi.WithMocks("consumer", "test", r)); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(r.registered)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("REGISTERED %s\n", out)
}
