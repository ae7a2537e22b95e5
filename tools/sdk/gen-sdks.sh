#!/usr/bin/env bash
# Writes the SDKs for other languages (sdk/python, sdk/go) from provider/schema.json with
# provider/codegen (Pulumi's own generators, github.com/pulumi/pulumi/pkg/v3 at the version its
# go.mod pins), or, with --check, proves that the checked-in SDKs are exactly what the schema
# generates now (CI: .ci/run, beside the format check).
#
#   npm run gen:sdks     regenerate sdk/ after a change to provider/schema.json
#   npm run check:sdks   fail, with the difference, when sdk/ is not what the schema generates
#
# The codegen binary is built once per version of provider/codegen (a hash of its go.mod, go.sum
# and Go files) into ${OPTIMA_CSP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp}/codegen-<hash>,
# like tools/engine/build-pulumi.sh builds the CLI: a later call finds it and runs it at once. The
# build needs Go and the module proxy (the same modules as the CLI's build, so a machine that built
# the CLI has most of them compiled). GOFLAGS=-p=1 keeps the build to one core on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/../.."

mode="${1:-generate}"
case "$mode" in
  generate | --check) ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

command -v go >/dev/null || { echo "gen-sdks: Go is needed to build provider/codegen (none on PATH)" >&2; exit 1; }
cache="${OPTIMA_CSP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp}"
hash="$(cat provider/codegen/go.mod provider/codegen/go.sum provider/codegen/*.go | sha256sum | cut -c1-16)"
codegen="$cache/codegen-$hash/codegen"

if [ ! -x "$codegen" ]; then
  t=$(date +%s)
  echo "gen-sdks: building provider/codegen into $codegen" >&2
  mkdir -p "$(dirname "$codegen")"
  log="$(mktemp)"
  (cd provider/codegen && go build -o "$codegen.partial" .) >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; exit 1; }
  rm -f "$log"
  mv "$codegen.partial" "$codegen"
  # Earlier versions' binaries (about 45 MB each) are not needed again.
  find "$cache" -maxdepth 1 -name 'codegen-*' ! -name "codegen-$hash" -exec rm -rf {} +
  echo "gen-sdks: built in $(( $(date +%s) - t )) s" >&2
fi

if [ "$mode" = generate ]; then
  "$codegen" -schema provider/schema.json -out sdk
  exit 0
fi

fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
"$codegen" -schema provider/schema.json -out "$fresh" >/dev/null
status=0
# What a local `pip install sdk/python` leaves beside the sources (build/, *.egg-info) is what the
# generated .gitignore lists, and no part of the comparison.
diff -ru -X sdk/python/.gitignore sdk/python "$fresh/python" || status=1
diff -ru sdk/go "$fresh/go" || status=1
if [ "$status" -ne 0 ]; then
  echo "check:sdks: sdk/ is not what provider/schema.json generates: run \`npm run gen:sdks\` and commit sdk/." >&2
  exit 1
fi
echo "check:sdks: sdk/python and sdk/go are what provider/schema.json generates."
