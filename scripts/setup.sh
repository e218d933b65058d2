#!/usr/bin/env bash
# Installs everything the workbench and the tests need, and only what is missing:
# the wasm32 target, the wasm-bindgen CLI matching Cargo.lock, npm packages, Debian's chromium + chromedriver.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_all "$@"
