#!/usr/bin/env bash
# Makes sure this machine has what Telemend needs: Node.js 20+, the npm dependencies, and the
# redis-server and influxd programs (Debian packages redis-server and influxdb). Installs what is
# missing when it can (apt-get as root or through sudo); otherwise says exactly what to install.
# Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail

say() { printf '\033[1;36m[telemend]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[telemend]\033[0m %s\n' "$*" >&2; exit 1; }

need_node() {
  command -v node >/dev/null || die "Node.js 20+ is required: install it (e.g. apt-get install nodejs npm, or from nodejs.org) and run again."
  local major
  major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || die "Node.js 20+ is required, found $(node -v)."
}

apt_install() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || return 1
    sudo="sudo"
  fi
  command -v apt-get >/dev/null || return 1
  say "installing Debian packages: $*"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || return 1
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || return 1
}

need_servers() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v influxd >/dev/null || missing+=(influxdb)
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_install "${missing[@]}" && return 0
  die "Missing ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]}), or run 'docker compose up -d redis influxdb' and set REDIS_URL/INFLUX_URL."
}

# The tests also start a throwaway PostgreSQL (multi-process scale-out), drive the dispatcher
# console in headless Chromium and ingest from an external Mosquitto 2 broker with its
# dynamic-security plugin (Debian packages postgresql, chromium and mosquitto).
need_test_tools() {
  local missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing+=(postgresql)
  command -v chromium >/dev/null || missing+=(chromium)
  command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
  [ ${#missing[@]} -eq 0 ] && return 0
  apt_install "${missing[@]}" && return 0
  die "Missing ${missing[*]} for the tests. Install them (Debian/Ubuntu: sudo apt-get install -y ${missing[*]})."
}

need_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error
  fi
}

# The web interfaces' Vite build (web/dist), served by the platform at /console, /app, /desk and
# /portal: built when missing or older than any of its sources (about a second).
need_web_build() {
  local stamp=web/dist/console/index.html
  if [ ! -f "$stamp" ] || [ -n "$(find web/src web/public web/vite.config.ts web/package.json package-lock.json -newer "$stamp" -print -quit 2>/dev/null)" ]; then
    say "building the web interfaces (npm run build:web)"
    (cd web && npx vite build --logLevel warn)
  fi
}
