#!/bin/sh
# Install the Debian packages the compliance report needs (docs/report.md), for `make demo`,
# the tests and CI on a clean machine:
#   WeasyPrint (the PDF):      libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
#   the PDF checks:            poppler-utils (pdftoppm, pdftotext, pdfinfo)
#   the HTML check (browser):  chromium
# Idempotent and quick when everything is present: `apt-get update` runs only when something
# is missing. Usage: report-deps.sh [pdf|all] (default all; `pdf` skips poppler and chromium,
# which only the tests use). Exit 0 when installed, 3 when apt-get is not available.
set -eu
WANT="${1:-all}"
missing=""
have_lib() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_lib 'libpango-1\.0\.so\.0' || missing="$missing libpango-1.0-0"
have_lib 'libpangoft2-1\.0\.so\.0' || missing="$missing libpangoft2-1.0-0"
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$missing fonts-dejavu-core"
if [ "$WANT" = "all" ]; then
    command -v pdftoppm >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 \
        || missing="$missing poppler-utils"
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
fi
[ -z "$missing" ] && exit 0
if ! command -v apt-get >/dev/null 2>&1; then
    echo "report-deps.sh: apt-get is not available; install:$missing" >&2
    exit 3
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "report-deps.sh: not root and no sudo; cannot install:$missing" >&2
        exit 3
    fi
fi
echo "report-deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
