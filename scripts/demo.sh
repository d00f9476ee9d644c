#!/usr/bin/env bash
# Set up and run the main job on the bundled reference set:
# validate it, show it, and generate a blank dashboard in workbooks/demo/.
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
cd "$ROOT"
P="$VENV/bin/piramide"
"$P" sets validate
"$P" sets show | head -n 16
mkdir -p workbooks/demo
"$P" new --gemeente "Voorbeeldgemeente" --regio "Voorbeeldregio" --out workbooks/demo/Voorbeeldgemeente.xlsx --force
echo "Open workbooks/demo/Voorbeeldgemeente.xlsx in Excel or LibreOffice."
