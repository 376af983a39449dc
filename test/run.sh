#!/usr/bin/env bash
# The test command: makes sure the real servers the tests start are installed, then runs vitest.
# Tests start their own nats-server and S3 server on free loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nats-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing nats-server (Debian package)..."
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  elif command -v sudo >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    sudo apt-get update -qq >/dev/null 2>&1 || true
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server >/dev/null
  else
    echo "nats-server is missing and cannot be installed here: install it (Debian: apt-get install nats-server)" >&2
    exit 1
  fi
fi
# The ruler's end-to-end test talks to a real Prometheus (remote write) and Alertmanager.
if ! command -v prometheus >/dev/null 2>&1 || ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing prometheus and prometheus-alertmanager (Debian packages)..."
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus prometheus-alertmanager >/dev/null
  else
    echo "prometheus or prometheus-alertmanager is missing: the ruler's end-to-end test will be skipped (Debian: apt-get install prometheus prometheus-alertmanager)" >&2
  fi
fi
# The web UI's tests drive a real headless Chromium (Debian's package; no browser is downloaded).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian package)..."
    apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null || echo "chromium could not be installed: the browser tests will be skipped" >&2
  else
    echo "chromium is missing: the browser tests will be skipped (Debian: apt-get install chromium)" >&2
  fi
fi
if [ ! -d node_modules ]; then npm ci; fi
# Test what ships: type-check everything (tests included), check the layering, and build from a
# clean dist/ every time, so the tests that spawn `norn` never run an older build.
npm run --silent typecheck
npm run --silent lint:deps
npm run --silent build

# vitest's own exit code is the verdict; the JSON report only adds a plain closing line.
report="$(mktemp -t norn-vitest-XXXXXX.json)"
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || status=$?
if [ -s "$report" ]; then
  node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);' "$report" || true
fi
rm -f "$report"
exit "$status"
