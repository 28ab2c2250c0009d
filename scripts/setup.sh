#!/usr/bin/env bash
# Installs what casare-rpa needs on a fresh machine, from the package registries only:
# npm dependencies, Debian's Chromium (when missing and we are root on Debian), and a running
# PostgreSQL when one is installed. Never downloads a browser build of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

find_chromium() {
  for candidate in "${CASARE_CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

if ! find_chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium package"
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
  else
    echo "setup: no Chromium found; install your distribution's chromium package (Debian: apt-get install chromium) or set CASARE_CHROMIUM_PATH" >&2
    exit 1
  fi
fi

command -v pdftotext >/dev/null || { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q poppler-utils >/dev/null; } || echo "setup: no poppler-utils (pdftotext, pdftoppm): PDF text and image nodes will fail; Debian: apt-get install poppler-utils" >&2

if command -v pg_isready >/dev/null && ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  if command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    echo "setup: starting PostgreSQL"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
fi

if [ ! -d node_modules ] || [ "${CASARE_SETUP_CLEAN:-}" = 1 ]; then
  npm ci
fi
