# Shared helpers for the project's scripts: sourced, never run on its own.
# Everything here is idempotent: a second run on a ready machine only checks versions.

set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export PATH="$CARGO_HOME/bin:$ROOT/node_modules/.bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}" CARGO_NET_RETRY=5 DEBIAN_FRONTEND=noninteractive
# Exact tool versions (the wasm-bindgen CLI's comes from Cargo.lock, so it always matches the crate).
WASM_TARGET=wasm32-unknown-unknown
WASM_PACK_VERSION=0.15.1
CHROMIUM_PACKAGES="chromium chromium-driver"

step() { printf '\n==> %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Retries a flaky network step (registries time out now and then); gives up after three tries.
retry() {
  local n=1
  until "$@"; do
    [ "$n" -ge 3 ] && return 1
    printf 'retrying (%s/3): %s\n' "$((n + 1))" "$*" >&2
    n=$((n + 1)); sleep 5
  done
}

wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock"
}

ensure_rust_target() {
  if ! rustup target list --installed | grep -x "$WASM_TARGET" >/dev/null; then
    step "rustup target add $WASM_TARGET"
    retry rustup target add "$WASM_TARGET"
  fi
}

ensure_wasm_bindgen_cli() {
  local want have
  want="$(wasm_bindgen_version)"
  have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$want" ]; then
    step "cargo install wasm-bindgen-cli $want (found: ${have:-none})"
    retry cargo install wasm-bindgen-cli --version "=$want" --locked --force \
      || cargo install wasm-bindgen-cli --version "=$want" --force
  fi
}

# wasm-pack drives the build and the browser tests. Installed from crates.io; every call passes `--mode no-install`
# and Cargo.toml turns its wasm-opt off, so it never downloads anything: it uses the wasm-bindgen CLI above and
# Debian's chromedriver (scripts/build-wasm.sh runs npm's wasm-opt itself).
ensure_wasm_pack() {
  local have
  have="$(wasm-pack --version 2>/dev/null | awk '{print $2}' || true)"
  if [ "$have" != "$WASM_PACK_VERSION" ]; then
    step "cargo install wasm-pack $WASM_PACK_VERSION (found: ${have:-none})"
    retry cargo install wasm-pack --version "=$WASM_PACK_VERSION" --locked --force
  fi
  # wasm-pack also asks crates.io's web API for a newer wasm-pack once a day (the registry here does not answer
  # that, so it warns "failed to get wasm-pack version"); a fresh stamp beside the binary, which it reads first,
  # naming the pinned version keeps it from asking.
  printf 'created %s\nversion %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%N+00:00)" "$WASM_PACK_VERSION" \
    > "$(readlink -f "$(command -v wasm-pack)").stamp" 2>/dev/null || true
}

ensure_chromium() {
  if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
    step "apt-get install $CHROMIUM_PACKAGES (Debian's browser, for the headless tests)"
    retry as_root apt-get update -qq
    # shellcheck disable=SC2086
    retry as_root apt-get install -y -qq --no-install-recommends $CHROMIUM_PACKAGES
  fi
  export CHROMEDRIVER="${CHROMEDRIVER:-$(command -v chromedriver)}"
  export CHROME_BIN="${CHROME_BIN:-$(command -v chromium)}"
}

ensure_npm_packages() {
  local stamp="$ROOT/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$ROOT/package-lock.json" -nt "$stamp" ]; then
    step "npm ci"
    (cd "$ROOT" && retry npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Everything a command needs on a fresh machine; `--no-browser` skips Chromium (the workbench alone needs none).
ensure_all() {
  ensure_rust_target
  ensure_wasm_bindgen_cli
  ensure_wasm_pack
  ensure_npm_packages
  [ "${1:-}" = "--no-browser" ] || ensure_chromium
}

# Builds the channel provider page into dist/: wasm (release, size-optimised) + webpack bundle.
build_page() {
  step "build the channel provider page (dist/)"
  (cd "$ROOT" && bash scripts/build-wasm.sh release && webpack --mode production --no-stats)
  ls -l "$ROOT/dist" | sed 's/^/    /'
}
