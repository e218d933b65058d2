#!/usr/bin/env bash
# Compiles the browser shell to wasm and generates its JS glue in pkg/ (webpack bundles it from there), with
# wasm-pack: `cargo build --lib` for wasm32 + the wasm-bindgen CLI of Cargo.lock (`--target bundler`).
# `--mode no-install` makes wasm-pack use the tools on PATH and fail rather than download one; its own wasm-opt
# step is off (Cargo.toml, [package.metadata.wasm-pack.profile.*]) because it would fetch binaryen from GitHub.
# `release` then shrinks the wasm with binaryen's wasm-opt from npm.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
profile="${1:-release}"
cd "$ROOT"
rm -rf pkg
if [ "$profile" = release ]; then
  wasm-pack build --target bundler --mode no-install --release --out-dir pkg .
  # --converge repeats -Oz while it still shrinks; producers/debug sections are of no use in the page.
  wasm-opt -Oz --converge --strip-producers --strip-debug --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext --enable-mutable-globals \
    --enable-reference-types --enable-multivalue \
    pkg/connect_cif_bridge_bg.wasm -o pkg/connect_cif_bridge_bg.wasm
else
  wasm-pack build --target bundler --mode no-install --dev --out-dir pkg .
fi
