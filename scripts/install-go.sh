#!/bin/sh
# Install Go and golang.org/x/mod (sumdb/note, sumdb/tlog) from Debian's packages, for the
# interoperability test in tests/interop/. Idempotent: does nothing when both are present.
# Exit 0 when both are installed, 3 when apt-get is not available (the test then skips).
set -eu
GOCODE=/usr/share/gocode/src/golang.org/x/mod/sumdb/tlog
if command -v go >/dev/null 2>&1 && [ -d "$GOCODE" ]; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-go.sh: apt-get is not available; install golang-go and golang-golang-x-mod-dev" >&2
    exit 3
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo -n"; else
        echo "install-go.sh: not root and no sudo; cannot run apt-get" >&2
        exit 3
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends golang-go golang-golang-x-mod-dev >/dev/null
command -v go >/dev/null 2>&1 || [ -x /usr/lib/go/bin/go ]
test -d "$GOCODE"
