// Command codegen writes optima-csp's SDKs for other languages from provider/schema.json, with
// Pulumi's own code generators (github.com/pulumi/pulumi/pkg/v3, pinned in go.mod to the version
// of the Pulumi CLI this repository builds and tests with), as pulumi-awsx and pulumi-eks do.
//
// It owns three steps, each failing the run with the schema's own diagnostics:
//  1. validate the file, as written, against Pulumi's package metaschema
//     (pkg/codegen/schema/pulumi.json, embedded in the module as schema.MetaSchema), and decode it
//     refusing unknown fields (a misspelled field would otherwise vanish silently);
//  2. bind it (schema.BindSpec: the semantic checks, e.g. that every $ref resolves);
//  3. generate each language into <out>/<language>, replacing what was there, so a member removed
//     from the schema leaves no file behind.
//
// Languages: python (pkg/codegen/python) and go (pkg/codegen/go). The .NET generator is not in
// pkg/v3 at this version (it moved to github.com/pulumi/pulumi-dotnet, module
// pulumi-language-dotnet/v3), so "dotnet" is refused with that reason rather than skipped.
//
// Usage (from the repository root; npm run gen:sdks): go run ./provider/codegen -schema
// provider/schema.json -out sdk
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	"github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// tool is the name the generators write into each file's "do not edit" header.
const tool = "optima-csp codegen (provider/codegen)"

var generators = map[string]func(*schema.Package) (map[string][]byte, error){
	"python": func(pkg *schema.Package) (map[string][]byte, error) {
		return python.GeneratePackage(tool, pkg, nil, noReferences{})
	},
	"go": func(pkg *schema.Package) (map[string][]byte, error) {
		return gogen.GeneratePackage(tool, pkg, nil)
	},
}

func main() {
	schemaPath := flag.String("schema", "provider/schema.json", "the package schema")
	out := flag.String("out", "sdk", "the folder that receives one folder per language")
	languages := flag.String("languages", "python,go", "comma-separated: python, go")
	flag.Parse()

	if err := run(*schemaPath, *out, strings.Split(*languages, ",")); err != nil {
		fmt.Fprintf(os.Stderr, "codegen: %v\n", err)
		os.Exit(1)
	}
}

func run(schemaPath, out string, languages []string) error {
	for _, language := range languages {
		if language == "dotnet" {
			return fmt.Errorf("no .NET generator: it is not in github.com/pulumi/pulumi/pkg/v3 at this version " +
				"(it lives in github.com/pulumi/pulumi-dotnet, pulumi-language-dotnet/v3)")
		}
		if generators[language] == nil {
			return fmt.Errorf("unknown language %q (python, go)", language)
		}
	}
	for _, language := range languages {
		// Bound anew for each language: the generators write their own names into the bound
		// package (pkg/codegen/go gen.go sets each enum element's Name to its Go constant), so a
		// package shared between languages would give the second one the first one's names.
		pkg, err := load(schemaPath)
		if err != nil {
			return err
		}
		files, err := generators[language](pkg)
		if err != nil {
			return fmt.Errorf("generating %s: %w", language, err)
		}
		if err := write(filepath.Join(out, language), files); err != nil {
			return err
		}
		fmt.Printf("%s: %d files in %s\n", language, len(files), filepath.Join(out, language))
	}
	return nil
}

// load validates, decodes and binds the schema.
func load(schemaPath string) (*schema.Package, error) {
	raw, err := os.ReadFile(schemaPath)
	if err != nil {
		return nil, err
	}
	var document any
	if err := json.Unmarshal(raw, &document); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	if err := schema.MetaSchema.Validate(document); err != nil {
		return nil, fmt.Errorf("%s does not match Pulumi's package metaschema: %w", schemaPath, err)
	}
	var spec schema.PackageSpec
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&spec); err != nil {
		return nil, fmt.Errorf("%s: %w", schemaPath, err)
	}
	pkg, diags, err := schema.BindSpec(spec, noReferences{}, schema.ValidationOptions{})
	if err != nil {
		return nil, fmt.Errorf("binding %s: %w", schemaPath, err)
	}
	if diags.HasErrors() {
		return nil, fmt.Errorf("%s: %s", schemaPath, diags.Error())
	}
	return pkg, nil
}

// write replaces dir with exactly files.
func write(dir string, files map[string][]byte) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		target := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(target, files[name], 0o644); err != nil {
			return err
		}
	}
	return nil
}

// noReferences is the loader of a schema that references no other package (optima-csp's types
// are its own): any lookup is a mistake in the schema, reported by name.
type noReferences struct{}

func (noReferences) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, fmt.Errorf("the schema references the package %q; optima-csp's schema references none", name)
}

func (l noReferences) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return l.LoadPackage(d.Name, nil)
}

func (l noReferences) LoadPackageReference(name string, v *semver.Version) (schema.PackageReference, error) {
	_, err := l.LoadPackage(name, v)
	return nil, err
}

func (l noReferences) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return l.LoadPackageReference(d.Name, nil)
}
