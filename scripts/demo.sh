#!/usr/bin/env bash
# `npm run demo`: the invoice robot against the demo site. Starts `casare demo-site` in the
# background, runs examples/invoice-robot (durable on SQLite in .casare/casare.db, or on DBOS when
# CASARE_DATABASE_URL is set),
# then stops the site. Needs `npm run build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=packages/cli/dist/bin.js
if [ ! -f "$bin" ]; then
  echo "demo: $bin is missing; run npm run build first" >&2
  exit 1
fi

log=$(mktemp)
node "$bin" demo-site --port "${CASARE_DEMO_PORT:-8787}" >"$log" 2>&1 &
site=$!
trap 'kill "$site" 2>/dev/null || true; wait "$site" 2>/dev/null || true; rm -f "$log"' EXIT

url=""
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Demo site on \(http[^ ]*\).*/\1/p' "$log")
  [ -n "$url" ] && break
  if ! kill -0 "$site" 2>/dev/null; then
    echo "demo: the demo site did not start:" >&2
    cat "$log" >&2
    exit 1
  fi
  sleep 0.1
done
if [ -z "$url" ]; then
  echo "demo: the demo site did not answer within 10 s" >&2
  exit 1
fi
echo "demo: demo site on $url"

# The robot signs in with the secret DEMO_PASSWORD, read from CASARE_SECRET_DEMO_PASSWORD.
export CASARE_SECRET_DEMO_PASSWORD="${CASARE_SECRET_DEMO_PASSWORD:-demo-password}"
node "$bin" run examples/invoice-robot/invoice-robot.json \
  --var "base_url=$url" \
  --var invoices_file=examples/invoice-robot/invoices.csv \
  "$@"
