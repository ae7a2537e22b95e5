#!/usr/bin/env bash
# Builds the Pulumi CLI the engine scenarios run (tests/engine), from its Go modules, into a cache
# outside the repository, and prints the binary's path on the last line of stdout.
#
# Why a build: the CLI's installers download release binaries, which this project's machines
# cannot reach; the Go module proxy serves github.com/pulumi/pulumi/pkg/v3 and sdk/v3. The build
# needs Go (1.26 here) and about 3.5 GB of module and build cache; it takes about 9 minutes on 2
# cores, once: a later call finds the binary and returns at once.
#
# Nothing of Pulumi is written into the repository: the wrapper module is generated in a temporary
# folder and thrown away.
#
# The binary serves the rehearsal and the tests only. It is the `pulumi` command alone: the official
# CLI ships its language hosts beside it, this build has none, so `pulumi preview` of a real project
# fails with "no language plugin 'pulumi-language-nodejs' found in the workspace or on your $PATH"
# (the engine scenarios bring their own, tests/support/engine/language-host.ts). Deploy with the
# official CLI.
#
# Callers: .ci/run, and `npm run rehearsal` when it finds no CLI and Go is on PATH
# (tools/engine/build-pulumi.ts); both read the binary's path from the last line of stdout, and
# show the phases this script writes to stderr.
#
# Environment: OPTIMA_CSP_CACHE_DIR (default ${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp),
# PULUMI_BUILD_VERSION (default v3.274.1, the version CI pins).
set -euo pipefail

# shellcheck source=tools/engine/go-build.sh
source "$(dirname "${BASH_SOURCE[0]}")/go-build.sh"

version="${PULUMI_BUILD_VERSION:-v3.274.1}"
target="$cache/pulumi-$version/bin/pulumi"

go_build_begin pulumi "$version" "$target" "the Pulumi CLI"
phase() { echo "build-pulumi: $1 in $(( $(date +%s) - $2 )) s" >&2; }

cd "$work"
cat > go.mod <<MOD
module optima-csp.local/pulumi-cli

go 1.26
MOD

t=$(date +%s)
echo "build-pulumi: fetching the modules of pulumi $version from the Go module proxy" >&2
# Go's own output goes to a log, printed only when a step fails.
go_quiet go get "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi@$version" "github.com/pulumi/pulumi/sdk/v3@$version"
phase "modules of pulumi $version fetched" "$t"

t=$(date +%s)
echo "build-pulumi: compiling pulumi $version" >&2
mkdir -p "$(dirname "$target")"
go_quiet go build -o "$target.partial" \
  -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$version" \
  github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
mv "$target.partial" "$target"
phase "pulumi $version built" "$t"

PULUMI_SKIP_UPDATE_CHECK=true "$target" version >&2
echo "$target"
