#!/bin/sh
# Debian's Chromium for the browser tests (tests/test_service_browser.py): Playwright drives it;
# Playwright's own browser download cannot work here. Idempotent: does nothing when
# /usr/bin/chromium is there. Reuses scripts/report-deps.sh (which installs chromium among the
# report's packages) when present; else `apt-get update` once and `apt-get install chromium`.
# Exit 0 when installed, 3 when it cannot be installed here (the tests then skip).
set -eu
[ -x /usr/bin/chromium ] && exit 0
HERE="$(cd "$(dirname "$0")" && pwd)"
if [ -f "$HERE/report-deps.sh" ]; then
    sh "$HERE/report-deps.sh" all
    [ -x /usr/bin/chromium ] && exit 0
fi
if ! command -v apt-get >/dev/null 2>&1 || [ "$(id -u)" != "0" ]; then
    echo "browser-deps.sh: no /usr/bin/chromium and no apt-get as root to install it" >&2
    exit 3
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium >&2
[ -x /usr/bin/chromium ] || { echo "browser-deps.sh: chromium did not install" >&2; exit 3; }
