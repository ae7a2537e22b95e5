#!/usr/bin/env bash
# Builds the Pulumi YAML language host (`pulumi-language-yaml`) the YAML engine scenario runs
# (tests/engine/yaml.test.ts), from its Go module, into the cache of the pinned CLI
# (tools/engine/build-pulumi.sh), and prints the binary's path on the last line of stdout.
#
# Why a build: the official CLI ships this host beside `pulumi`; the pinned build has none, and
# release binaries cannot be downloaded here. The Go module proxy serves
# github.com/pulumi/pulumi-yaml, whose cmd/pulumi-language-yaml is the host. It takes about
# 2.5 minutes on 2 cores, once: a later call finds the binary and returns at once.
#
# v1.25.0 is pinned: its language host has no `Link` (the engine's `pulumi package add` step for a
# YAML program), so a YAML project names the provider plugin in `packages:` of its Pulumi.yaml by
# hand (README, "Use from another language").
#
# Callers: .ci/run; tests/support/engine/workspace.ts puts the binary's folder on the engine's PATH.
# Environment: OPTIMA_CSP_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp),
# PULUMI_YAML_BUILD_VERSION (default v1.25.0).
set -euo pipefail

# shellcheck source=tools/engine/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build.sh"

version="${PULUMI_YAML_BUILD_VERSION:-v1.25.0}"
target="$cache/pulumi-yaml-$version/bin/pulumi-language-yaml"

go_build_begin pulumi-language-yaml "$version" "$target" pulumi-language-yaml
t=$(date +%s)
echo "build-pulumi-yaml: building pulumi-language-yaml $version from the Go module proxy" >&2
mkdir -p "$(dirname "$target")"
# `go install` into a temporary GOBIN, then one rename: a build stopped half-way leaves no binary
# that a later call would take as cached. Go's own output goes to a log, printed only on failure.
GOBIN="$work/bin" go_quiet go install "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$version"
mv "$work/bin/pulumi-language-yaml" "$target"
echo "build-pulumi-yaml: pulumi-language-yaml $version built in $(( $(date +%s) - t )) s" >&2
echo "$target"
