#!/usr/bin/env bash
# Install Debian's Chromium (and its driver) for the browser test of the HTML report
# (tests/test_report_browser.py). Idempotent: does nothing when chromium is on PATH.
# Exit 0 when chromium is available afterwards, 3 when apt is unavailable (the test then
# skips), other codes on failure.
set -uo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install_chromium.sh: apt-get not available" >&2
  exit 3
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else echo "install_chromium.sh: not root and no sudo" >&2; exit 3; fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends chromium chromium-driver >&2 || {
  $sudo apt-get -o DPkg::Lock::Timeout=900 update >&2 &&
  $sudo apt-get -o DPkg::Lock::Timeout=900 install -y --no-install-recommends chromium chromium-driver >&2
}
command -v chromium >/dev/null 2>&1
