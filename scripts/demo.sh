#!/usr/bin/env bash
# Set up and run the main job on the bundled reference set (nl-referentie, newest: 2026.2):
#  1. list the bundled sets, validate them and show the newest reference set;
#  2. write a blank dashboard for an example municipality;
#  3. simulate a small FICTIONAL region (12 gemeenten, 3 yearly measurements each);
#  4. run `piramide progress` on it: the overview workbook and the CSV.
# Everything is written to workbooks/demo/ (replaced on every run).
set -euo pipefail
source "$(dirname "$0")/_venv.sh"
cd "$ROOT"
P="$VENV/bin/piramide"
OUT=workbooks/demo
"$P" sets list
"$P" sets validate
"$P" sets show nl-referentie | head -n 16
mkdir -p "$OUT"
"$P" new --gemeente "Voorbeeldgemeente" --regio "Voorbeeldregio" --out "$OUT/Voorbeeldgemeente.xlsx" --force
"$VENV/bin/python" scripts/simulate_region.py --out "$OUT/regio" --n 12 --measurements 3 --force
"$P" progress "$OUT/regio" --xlsx "$OUT/voortgang.xlsx" --csv "$OUT/voortgang.csv" --force --today "$(date +%F)" \
  > "$OUT/voortgang.txt" || status=$?
head -n 16 "$OUT/voortgang.txt"
[ "${status:-0}" -le 1 ] || exit "$status"
echo
echo "Done. In $OUT: a blank dashboard (Voorbeeldgemeente.xlsx), a fictional region (regio/),"
echo "its overview workbook (voortgang.xlsx), CSV (voortgang.csv) and the full report (voortgang.txt)."
