#!/usr/bin/env bash
# Builds the channel provider page into dist/ (release wasm + webpack bundle) on a fresh machine too: installs
# what the build needs first (Rust target, wasm-bindgen CLI, wasm-pack, npm packages; no browser), idempotently.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_all --no-browser
build_page
