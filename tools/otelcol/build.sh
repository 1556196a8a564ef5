#!/usr/bin/env bash
# A real OpenTelemetry Collector for the tests, built with the collector builder (ocb)
# from tools/otelcol/builder-config.yaml: OTLP receiver, batch processor, file exporter.
# It is built once into a cache outside the repo, keyed by the collector version, and
# reused afterwards (Backend/test/observability-e2e.spec.ts runs it).
#
#   tools/otelcol/build.sh [build]  build unless the cache already holds this exact build;
#                                   prints the collector's path
#   tools/otelcol/build.sh path     print the collector's path (builds nothing)
#   tools/otelcol/build.sh bin-dir  print the cache's bin directory (builds nothing)
#   tools/otelcol/build.sh status   exit 0 when the cached collector matches the manifest
#   tools/otelcol/build.sh tidy     after editing builder-config.yaml: let ocb resolve the
#                                   modules again (go mod tidy, network) and rewrite
#                                   tools/otelcol/go/go.mod and go.sum
#
# The build compiles with -mod=readonly against the committed go/go.mod and go/go.sum, so
# the module graph is the reviewed one; only module downloads need the Go module proxy.
#
# Environment:
#   KRYPTOVAULT_TOOLS_CACHE  cache root (default ${XDG_CACHE_HOME:-$HOME/.cache}/kryptovault-tools);
#                            the collector lives in <root>/otelcol-v0.161.0/bin
#   OTELCOL_GO_PARALLEL      go build -p (default 2)
set -euo pipefail

OTELCOL_VERSION=v0.161.0
BUILDER_MODULE=go.opentelemetry.io/collector/cmd/builder
BINARY_NAME=otelcol-kryptovault

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MANIFEST="$HERE/builder-config.yaml"
GO_MOD_DIR="$HERE/go"
CACHE_ROOT="${KRYPTOVAULT_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kryptovault-tools}"
INSTALL_DIR="$CACHE_ROOT/otelcol-$OTELCOL_VERSION"
BIN_DIR="$INSTALL_DIR/bin"
STAMP="$INSTALL_DIR/inputs.sha256"
GO_PARALLEL="${OTELCOL_GO_PARALLEL:-2}"

log() { printf '[otelcol] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

find_go() {
  if command -v go >/dev/null 2>&1; then return 0; fi
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="/usr/local/go/bin:$PATH"
    return 0
  fi
  die "go is not on PATH (Go >= 1.26 builds the collector)"
}

# What the cached build was made from: the manifest and the module graph.
inputs_hash() {
  cat "$MANIFEST" "$GO_MOD_DIR/go.mod" "$GO_MOD_DIR/go.sum" | sha256sum | cut -d' ' -f1
}

is_current() {
  [[ -x "$BIN_DIR/$BINARY_NAME" && -f "$STAMP" ]] && [[ "$(cat "$STAMP")" == "$(inputs_hash)" ]]
}

install_builder() { # <bin dir>
  if [[ -x "$BIN_DIR/builder" ]] && "$BIN_DIR/builder" version 2>&1 | grep -qF "$OTELCOL_VERSION"; then
    cp "$BIN_DIR/builder" "$1/builder"
    return 0
  fi
  log "installing the collector builder $BUILDER_MODULE@$OTELCOL_VERSION"
  (cd "$1" && CGO_ENABLED=0 GOWORK=off GOBIN="$1" \
    nice -n 19 go install -p "$GO_PARALLEL" -trimpath "$BUILDER_MODULE@$OTELCOL_VERSION")
}

build() {
  if is_current; then
    log "collector $OTELCOL_VERSION already built (reused): $BIN_DIR/$BINARY_NAME"
    echo "$BIN_DIR/$BINARY_NAME"
    return 0
  fi
  find_go
  mkdir -p "$CACHE_ROOT"
  # One build at a time per cache (two `npm test` runs starting together).
  exec 9>"$CACHE_ROOT/otelcol-$OTELCOL_VERSION.lock"
  if ! flock -n 9; then
    log "another build of the collector is running; waiting for it"
    flock 9
  fi
  if is_current; then
    log "collector $OTELCOL_VERSION built by the other run: $BIN_DIR/$BINARY_NAME"
    echo "$BIN_DIR/$BINARY_NAME"
    return 0
  fi

  # Left by a build that was killed (SIGKILL, power loss): we hold the lock, nobody uses them.
  rm -rf "$CACHE_ROOT/.otelcol-$OTELCOL_VERSION.partial."*
  local started=$SECONDS staging
  # Built next to the cache and swapped in whole at the end: an interrupted build
  # leaves no half cache behind.
  staging="$(mktemp -d "$CACHE_ROOT/.otelcol-$OTELCOL_VERSION.partial.XXXXXX")"
  chmod 755 "$staging"
  # shellcheck disable=SC2064 # expand now: the trap must remove this staging dir
  trap "rm -rf '$staging' '$staging.old'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # ocb leaves an empty temp dir behind on every run: give it one that goes with the staging dir.
  mkdir -p "$staging/bin" "$staging/src/build" "$staging/tmp"
  install_builder "$staging/bin"

  log "building the collector $OTELCOL_VERSION with ocb into $INSTALL_DIR (first run: a few minutes, later runs reuse it)"
  cp "$MANIFEST" "$staging/src/builder-config.yaml"
  cp "$GO_MOD_DIR/go.mod" "$GO_MOD_DIR/go.sum" "$staging/src/build/"
  # --skip-get-modules: ocb writes main.go and components.go but keeps our go.mod and
  # go.sum and runs no `go mod tidy`; -mod=readonly makes a manifest that no longer
  # matches them fail instead of resolving something new.
  (cd "$staging/src" && CGO_ENABLED=0 GOWORK=off GOFLAGS="${GOFLAGS:-} -mod=readonly -p=$GO_PARALLEL" TMPDIR="$staging/tmp" \
    nice -n 19 "$staging/bin/builder" --config builder-config.yaml --skip-get-modules >"$staging/ocb.log" 2>&1) ||
    { cat "$staging/ocb.log" >&2; die "ocb failed (module graph out of date? run: $0 tidy)"; }
  mv "$staging/src/build/$BINARY_NAME" "$staging/bin/$BINARY_NAME"

  # Prove the binary runs and carries the components the tests configure.
  local components
  components="$("$staging/bin/$BINARY_NAME" components 2>&1)" || die "the built collector does not run: $components"
  local want
  for want in otlp batch file; do
    grep -Eq "^[[:space:]-]*name: ${want}[[:space:]]*\$" <<<"$components" || die "the built collector lacks the '$want' component"
  done
  rm -rf "$staging/src" "$staging/tmp" "$staging/ocb.log"
  inputs_hash >"$staging/inputs.sha256"

  if [[ -d "$INSTALL_DIR" ]]; then
    mv "$INSTALL_DIR" "$staging.old"
  fi
  mv "$staging" "$INSTALL_DIR"
  rm -rf "$staging.old"
  trap - EXIT
  log "built in $((SECONDS - started)) s: $("$BIN_DIR/$BINARY_NAME" --version)"
  echo "$BIN_DIR/$BINARY_NAME"
}

tidy() {
  find_go
  local work
  work="$(mktemp -d)"
  # shellcheck disable=SC2064
  trap "rm -rf '$work'" EXIT
  mkdir -p "$work/bin"
  install_builder "$work/bin"
  cp "$MANIFEST" "$work/builder-config.yaml"
  log "resolving the modules of builder-config.yaml (ocb, go mod tidy)"
  (cd "$work" && GOWORK=off TMPDIR="$work" "$work/bin/builder" --config builder-config.yaml --skip-compilation >"$work/ocb.log" 2>&1) ||
    { cat "$work/ocb.log" >&2; die "ocb failed"; }
  mkdir -p "$GO_MOD_DIR"
  cp "$work/build/go.mod" "$work/build/go.sum" "$GO_MOD_DIR/"
  log "wrote $GO_MOD_DIR/go.mod and go.sum; review and commit them, then run: $0 build"
}

case "${1:-build}" in
  build) build ;;
  path) echo "$BIN_DIR/$BINARY_NAME" ;;
  bin-dir) echo "$BIN_DIR" ;;
  status)
    if is_current; then
      log "built: $BIN_DIR/$BINARY_NAME"
    else
      log "not built (or built from another manifest): run $0 build"
      exit 1
    fi
    ;;
  tidy) tidy ;;
  *)
    echo "usage: $0 [build|path|bin-dir|status|tidy]" >&2
    exit 2
    ;;
esac
