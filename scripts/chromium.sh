#!/usr/bin/env bash
# Installs Debian's `chromium` with apt when /usr/bin/chromium is missing: the UI browser tests
# (tests/Aiops.UiTests) drive it headless through Playwright, which cannot download a browser of its own here.
#   scripts/chromium.sh   -> prints nothing when chromium is already there; exits non-zero if the install fails
set -euo pipefail

if [ -x /usr/bin/chromium ]; then exit 0; fi
echo "chromium.sh: installing chromium (Debian package) with apt" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
[ -x /usr/bin/chromium ] || { echo "chromium.sh: /usr/bin/chromium still missing after apt-get install" >&2; exit 1; }
