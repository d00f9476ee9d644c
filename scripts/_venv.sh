# Sourced by the other scripts: make (or reuse) the project's virtual environment.
# PYTHON picks the interpreter (default: python3, which must be 3.11 or newer).
#
# The project is installed editable, so a change to the code needs no reinstall. It is
# (re)installed only when the venv is new or the project changed: a stamp file in the venv
# holds a checksum of pyproject.toml, the version and the interpreter, one per set of extras
# (PIRAMIDE_EXTRAS, e.g. "[test]"). A second run is quiet and takes no time here.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${PIRAMIDE_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3}"
EXTRAS="${PIRAMIDE_EXTRAS:-}"
if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "piramide needs Python 3.11 or newer ($PY is $("$PY" --version 2>&1 || echo missing))" >&2
  exit 2
fi
_piramide_hash() {
  { cat "$ROOT/pyproject.toml" "$ROOT/piramide/_version.py"; "$PY" -V; } | cksum
}
_piramide_stamp() { echo "$VENV/.piramide-installed${1:+-$(echo "$1" | tr -cd 'a-z0-9,')}"; }
WANT="$(_piramide_hash)"
# Up to date when this set of extras, or the test extras (a superset), was installed from this project.
for _stamp in "$(_piramide_stamp "$EXTRAS")" "$(_piramide_stamp "[test]")"; do
  if [ -x "$VENV/bin/piramide" ] && [ "$(cat "$_stamp" 2>/dev/null)" = "$WANT" ]; then
    return 0 2>/dev/null || exit 0
  fi
done
if [ ! -x "$VENV/bin/python" ]; then
  echo "Setting up $VENV (first run only): piramide${EXTRAS} and its dependencies; this takes a minute..." >&2
  "$PY" -m venv "$VENV"
else
  echo "The project changed since $VENV was set up: reinstalling piramide${EXTRAS}..." >&2
fi
# pip's and setuptools' notices and warnings (the editable-install box) are noise here; errors still show.
export PIP_DISABLE_PIP_VERSION_CHECK=1
if ! "$VENV/bin/python" -c 'import sys, pip; sys.exit(tuple(map(int, pip.__version__.split(".")[:2])) < (23, 1))' 2>/dev/null; then
  PYTHONWARNINGS=ignore "$VENV/bin/python" -m pip install -qq --upgrade "pip>=23.1" >/dev/null
fi
PYTHONWARNINGS=ignore "$VENV/bin/python" -m pip install -qq -e "$ROOT$EXTRAS"
echo "$WANT" >"$(_piramide_stamp "$EXTRAS")"
echo "Set up: $VENV" >&2
