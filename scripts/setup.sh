#!/usr/bin/env bash
# Installs what casare-rpa needs on a fresh machine, from the package registries only:
# npm dependencies, Debian's Chromium, Dovecot and poppler-utils (when missing and we are root on
# Debian), and a running PostgreSQL when one is installed. Never downloads a browser build of its own.
set -euo pipefail
cd "$(dirname "$0")/.."

find_chromium() {
  for candidate in "${CASARE_CHROMIUM_PATH:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$candidate" ] && [ -x "$candidate" ]; then echo "$candidate"; return 0; fi
  done
  return 1
}

# Debian packages the tests need: Chromium (browser nodes), Dovecot (the IMAP tests start one),
# poppler-utils (PDF text and page images). Installed as root on Debian when missing.
can_apt() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; }
apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -q >/dev/null; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

if ! find_chromium >/dev/null; then
  if can_apt; then
    echo "setup: installing Debian's chromium package"
    apt_install chromium
  else
    echo "setup: no Chromium found; install your distribution's chromium package (Debian: apt-get install chromium) or set CASARE_CHROMIUM_PATH" >&2
    exit 1
  fi
fi

if [ ! -x /usr/sbin/dovecot ]; then
  if can_apt; then echo "setup: installing Debian's dovecot-imapd (the IMAP node tests start it)"; apt_install dovecot-imapd
  else echo "setup: no Dovecot: the IMAP node tests skip outside CI; Debian: apt-get install dovecot-imapd" >&2; fi
fi
if ! command -v pdftotext >/dev/null; then
  if can_apt; then echo "setup: installing Debian's poppler-utils (PDF text and images)"; apt_install poppler-utils
  else echo "setup: no poppler-utils (pdftotext, pdftoppm): PDF text and image nodes will fail; Debian: apt-get install poppler-utils" >&2; fi
fi

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
