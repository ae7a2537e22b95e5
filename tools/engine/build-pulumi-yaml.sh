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

version="${PULUMI_YAML_BUILD_VERSION:-v1.25.0}"
cache="${OPTIMA_CSP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp}"
target="$cache/pulumi-yaml-$version/bin/pulumi-language-yaml"

if [ -x "$target" ]; then
  echo "pulumi-language-yaml $version: cached at $target" >&2
  echo "$target"
  exit 0
fi
command -v go >/dev/null || { echo "build-pulumi-yaml: Go is needed to build pulumi-language-yaml (none on PATH)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
t=$(date +%s)
echo "build-pulumi-yaml: building pulumi-language-yaml $version from the Go module proxy" >&2
mkdir -p "$(dirname "$target")"
# `go install` into a temporary GOBIN, then one rename: a build stopped half-way leaves no binary
# that a later call would take as cached. Go's own output goes to a log, printed only on failure.
GOBIN="$work/bin" go install "github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml@$version" \
  >"$work/go.log" 2>&1 || { cat "$work/go.log" >&2; exit 1; }
mv "$work/bin/pulumi-language-yaml" "$target"
echo "build-pulumi-yaml: pulumi-language-yaml $version built in $(( $(date +%s) - t )) s" >&2
echo "$target"
