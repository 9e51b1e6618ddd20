#!/usr/bin/env bash
# `npm test`: installs what the tests need (redis-server, influxd, postgresql, chromium, npm
# dependencies), builds the web interfaces when their build is missing or stale, then runs
# the whole vitest suite. The tests start their own servers on free ports in temporary folders.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/prerequisites.sh
need_node
need_servers
need_test_tools
need_modules
need_web_build
exec npx vitest run "$@"
