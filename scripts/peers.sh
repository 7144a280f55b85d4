#!/usr/bin/env bash
# The real programs the tests, the capture script and the load benchmark start on 127.0.0.1, and the
# Debian 12 packages that provide them. This is the one list: `npm test` (scripts/test.mjs) checks it
# before any test and installs it when run as root; CI (.ci/run) runs nothing else but `npm test`.
#
#   bash scripts/peers.sh check     prints the missing packages, one a line; exit 1 if any is missing
#   bash scripts/peers.sh install   (root) installs them with apt-get, then stops the nginx that
#                                   Debian starts on port 80 (the tests start their own)
#
# PEERS_ROOT (tests only) is prefixed to the file checks, so a test can make them fail.
set -euo pipefail

# what must be present (a command on PATH, or a file) and the package that provides it
PEERS=(
  "uwsgi uwsgi-core"                                                  # uWSGI 2.0.21 and its plugins
  "/usr/lib/uwsgi/plugins/python3_plugin.so uwsgi-plugin-python3"    # the WSGI apps in fixtures/apps
  "python3 python3"                                                   # test/client: a raw answer server
  "nginx nginx-light"                                                 # nginx 1.22, uwsgi_pass/fastcgi_pass
  "php-fpm8.2 php8.2-fpm"                                             # the FastCGI baseline's peer
  "php8.2 php8.2-cli"
  "cgi-fcgi libfcgi-bin"                                              # FastCGI's reference client
  "tshark tshark"                                                     # dumpcap: npm run captures
  "wrk wrk"                                                           # npm run bench:load
  "chromium chromium"                                                 # test/browser: the core in a browser
)

missing() {
  local entry need package
  for entry in "${PEERS[@]}"; do
    need="${entry%% *}"
    package="${entry#* }"
    if [[ "$need" == /* ]]; then
      [ -e "${PEERS_ROOT:-}$need" ] || echo "$package"
    else
      command -v "$need" >/dev/null 2>&1 || echo "$package"
    fi
  done
}

packages() {
  local entry
  for entry in "${PEERS[@]}"; do echo "${entry#* }"; done
}

case "${1:-}" in
  check)
    out="$(missing)"
    [ -z "$out" ] || { echo "$out"; exit 1; }
    ;;
  install)
    if [ "$(id -u)" != 0 ]; then
      echo "installing packages needs root: sudo bash scripts/peers.sh install" >&2
      exit 1
    fi
    if ! command -v apt-get >/dev/null; then
      echo "apt-get not found: install these (Debian 12 names) with your system's packages:" >&2
      packages | tr '\n' ' ' >&2
      echo >&2
      exit 1
    fi
    mapfile -t all < <(packages)
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${all[@]}"
    # Debian starts nginx on port 80 after installing it; the tests start their own instances.
    if [ -d /run/systemd/system ]; then systemctl stop nginx 2>/dev/null || true; fi
    if [ -f /run/nginx.pid ]; then kill "$(cat /run/nginx.pid)" 2>/dev/null || true; fi
    missing_after="$(missing)"
    if [ -n "$missing_after" ]; then
      echo "still missing after apt-get: $missing_after" >&2
      exit 1
    fi
    ;;
  *)
    echo "usage: bash scripts/peers.sh check|install" >&2
    exit 2
    ;;
esac
