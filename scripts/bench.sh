#!/usr/bin/env bash
# The benchmark: builds the release page, runs the native engine micro-benchmark, then measures the page
# in headless Chromium through the workbench (screen-pop latency, the bridge's share, start-up, size, memory).
# Writes bench/out/report.json and prints a table; targets are reported, never asserted. See bench/README.md.
# Extra arguments go to bench/bench.mjs (e.g. --quick, --voice 200, --memory 2000).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
started=$(date +%s)
ensure_all
build_page
cd "$ROOT"
mkdir -p bench/out

step "engine micro-benchmark (native, release)"
BENCH_ENGINE_JSON="$ROOT/bench/out/engine.json" cargo bench -p bridge-core --bench engine

step "page benchmark (headless Chromium, workbench, real amazon-connect-streams)"
node bench/bench.mjs --engine-json "$ROOT/bench/out/engine.json" "$@"

step "bench finished in $(( $(date +%s) - started )) s"
