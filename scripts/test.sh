#!/usr/bin/env bash
# Every test of the project, in order of cost: native core tests (with property tests), lints,
# wasm-bindgen tests in headless Chromium (wasm-pack test), the release page build, the deployment kit's tests, then
# end-to-end tests in the workbench.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started=$(date +%s)
ensure_all
cd "$ROOT"

step "formatting (cargo fmt --all --check)"
cargo fmt --all --check

step "native tests (cargo test --workspace)"
cargo test --workspace --locked

step "phone metadata drift (node --test tests/phone/)"
node --test tests/phone/

step "lints (cargo clippy, native and wasm32)"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p connect-cif-bridge --all-targets --target "$WASM_TARGET" --locked -- -D warnings

step "browser tests (wasm-pack test: wasm-bindgen-test in headless Chromium)"
# Debian's chromedriver (lib.sh exports CHROMEDRIVER); --mode no-install: use the wasm-bindgen-test-runner of the
# installed CLI, never download one. The runner itself starts Chromium with --headless, --no-sandbox (root).
wasm-pack test --headless --chrome --chromedriver "$CHROMEDRIVER" --mode no-install -- --locked

build_page

step "deployment kit tests (provisioning against a local Dataverse stand-in, smoke-test contact flow)"
node --test tests/deploy/

step "end-to-end tests (Playwright + Debian chromium, through the workbench)"
node --test --test-concurrency=2 tests/e2e/

step "all tests passed in $(( $(date +%s) - started )) s"
