# Sourced (not run) by tools/engine/build-pulumi.sh and build-pulumi-yaml.sh: the one way either
# finds its binary in the cache or gets ready to build it with Go, and runs a Go step quietly.
#
# go_build_begin NAME VERSION TARGET WHAT
#   When TARGET is an executable already, says so on stderr, prints TARGET on stdout and exits 0.
#   Else exits 1 when Go is not on PATH (WHAT names what it would build), and otherwise sets
#   `work` to a new temporary folder, removed when the script exits.
# go_quiet COMMAND...
#   Runs COMMAND with its output in "$work/go.log", printed on stderr only when it fails (then the
#   script exits 1).
#
# The cache folder of every pinned build: OPTIMA_CSP_CACHE_DIR, by default
# ${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp (set here as `cache`).

cache="${OPTIMA_CSP_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/optima-csp}"

go_build_begin() {
  local name="$1" version="$2" target="$3" what="$4"
  if [ -x "$target" ]; then
    echo "$name $version: cached at $target" >&2
    echo "$target"
    exit 0
  fi
  command -v go >/dev/null || { echo "$(basename "$0" .sh): Go is needed to build $what (none on PATH)" >&2; exit 1; }
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
}

go_quiet() {
  "$@" >"$work/go.log" 2>&1 || { cat "$work/go.log" >&2; exit 1; }
}
