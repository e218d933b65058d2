#!/usr/bin/env bash
# Compiles the browser shell to wasm and generates its JS glue in pkg/ (webpack bundles it from there).
# `release` also shrinks the wasm with binaryen's wasm-opt from npm (never downloaded from GitHub).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
profile="${1:-release}"
cd "$ROOT"
if [ "$profile" = release ]; then
  cargo build --lib --release --target "$WASM_TARGET" -p connect-cif-bridge
  wasm="target/$WASM_TARGET/release/connect_cif_bridge.wasm"
else
  cargo build --lib --target "$WASM_TARGET" -p connect-cif-bridge
  wasm="target/$WASM_TARGET/debug/connect_cif_bridge.wasm"
fi
rm -rf pkg
wasm-bindgen --target bundler --out-dir pkg "$wasm"
if [ "$profile" = release ]; then
  # --converge repeats -Oz while it still shrinks; producers/debug sections are of no use in the page.
  wasm-opt -Oz --converge --strip-producers --strip-debug --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    pkg/connect_cif_bridge_bg.wasm -o pkg/connect_cif_bridge_bg.wasm
fi
