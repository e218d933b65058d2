#!/usr/bin/env bash
# The product's main job on this machine: builds the channel provider page and serves the workbench
# (a Dynamics stand-in around the real page, the real Streams library and a fake CCP) until Ctrl-C.
#   scripts/workbench.sh [--host localhost] [--port 8080]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ensure_all --no-browser
build_page
cd "$ROOT"
exec node www/workbench/server.mjs --dist dist "$@"
