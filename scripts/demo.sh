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
echo "== The bundled sets (nl-referentie: the newest version, 2026.2)"
"$P" sets list
"$P" sets validate
# The newest reference set without its 105 statements (those: piramide sets show nl-referentie).
"$P" sets show nl-referentie | awk '/^Indicators \(/ { n = $2; gsub(/[():]/, "", n); print "(and " n " indicators: piramide sets show lists them)"; exit } { print }'
echo
echo "== A blank dashboard, a fictional region and its progress"
mkdir -p "$OUT"
"$P" new --gemeente "Voorbeeldgemeente" --regio "Voorbeeldregio" --out "$OUT/Voorbeeldgemeente.xlsx" --force
"$VENV/bin/python" scripts/simulate_region.py --out "$OUT/regio" --n 12 --measurements 3 --force
"$P" progress "$OUT/regio" --xlsx "$OUT/voortgang.xlsx" --csv "$OUT/voortgang.csv" --force --today "$(date +%F)" \
  > "$OUT/voortgang.txt" || status=$?
[ "${status:-0}" -le 1 ] || exit "$status"
echo
# The region table: the report up to its second blank line (the rest is in voortgang.txt).
awk 'NF == 0 && ++blank == 2 { exit } { print }' "$OUT/voortgang.txt"
echo
echo "Done. In $OUT: a blank dashboard (Voorbeeldgemeente.xlsx), a fictional region (regio/),"
echo "its overview workbook (voortgang.xlsx), CSV (voortgang.csv) and the full report (voortgang.txt)."
