#!/usr/bin/env bash
# Set up and run the whole test suite.
# The real-spreadsheet tests need LibreOffice (soffice); as root on Debian/Ubuntu this
# script installs it. Without it those tests are skipped, unless
# PIRAMIDE_REQUIRE_SOFFICE=1 (as in CI), which turns a missing soffice into a failure.
set -euo pipefail
PIRAMIDE_EXTRAS="[test]"
source "$(dirname "$0")/_venv.sh"
cd "$ROOT"
if ! command -v soffice >/dev/null 2>&1 || ! /usr/bin/python3 -c "import uno" >/dev/null 2>&1 \
  || ! command -v pdftoppm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing LibreOffice (libreoffice-calc-nogui) for the real-spreadsheet tests..." >&2
    apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q libreoffice-calc-nogui python3-uno poppler-utils >/dev/null
  else
    echo "soffice not found: the real-spreadsheet tests will be skipped (install LibreOffice to run them)." >&2
  fi
fi
exec "$VENV/bin/python" -m pytest "$@"
