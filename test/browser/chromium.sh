#!/usr/bin/env bash
# Headless Chromium for the status-page browser test (test/browser/status-page.test.ts), from
# Debian's `chromium` package: playwright-core drives it, no browser is downloaded from
# elsewhere.
#
#   chromium.sh install   installs the package when no chromium is on PATH (root; apt-get)
#   chromium.sh path      prints the browser's path, or fails saying it is missing
#
# .ci/run starts `install` in the background while npm ci runs; the test runs it itself
# where the browser is still missing, and skips with the reason when it cannot be installed.
set -euo pipefail

find_() {
  local candidate
  for candidate in "${REGIONCTL_CHROMIUM:-}" chromium chromium-browser; do
    [ -n "$candidate" ] && command -v "$candidate" 2>/dev/null && return 0
  done
  return 1
}

install_() {
  find_ >/dev/null && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "chromium.sh: chromium is missing and this is not root: cannot install it (apt-get install chromium, or set REGIONCTL_CHROMIUM)" >&2
    return 1
  fi
  if ! command -v apt-get >/dev/null; then
    echo "chromium.sh: chromium is missing and there is no apt-get to install Debian's package" >&2
    return 1
  fi
  # .ci/run installs the image builder at the same time: wait for apt's locks instead of failing.
  local tries=0
  until apt-get update -qq; do
    tries=$((tries + 1))
    [ "$tries" -ge 60 ] && return 1
    sleep 5
  done
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
  find_ >/dev/null
}

case "${1:-}" in
  install) install_ ;;
  path) find_ || { echo "chromium.sh: no chromium on PATH (run: bash test/browser/chromium.sh install)" >&2; exit 1; } ;;
  *) echo "usage: chromium.sh install|path" >&2; exit 2 ;;
esac
