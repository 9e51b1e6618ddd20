#!/usr/bin/env bash
# `npm run demo`: installs what is missing, builds the web interfaces if needed, then runs
# scripts/demo.ts (servers, platform, demo company, simulated fleet). Ctrl-C stops everything cleanly.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
need_node
need_modules
need_web_build
need_servers
exec node --import tsx scripts/demo.ts "$@"
