"""A command loads only what it uses (issue 15, point 4): the behaviour, not the time.

Each case runs the command line in a fresh interpreter and lists the
modules it ended up importing. ``--version`` and ``--help`` need neither
the pydantic models nor XlsxWriter nor python-calamine; ``read`` needs the
reader but never the writer or a process pool. The time itself is measured
by ``scripts/bench_cli.py``, not here. (``read`` may load YAML: it
compares the workbook's set with the bundled set of that name.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import piramide

#: Heavy modules: the pydantic models, the writer, the parser, YAML, process pools.
HEAVY = ("pydantic", "xlsxwriter", "python_calamine", "yaml", "multiprocessing", "concurrent.futures")

_PROBE = """
import json, sys
from piramide.cli import run
code = run(sys.argv[1:])
print(json.dumps({"code": code, "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def _modules_after(*args: str, cwd: Path | None = None) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )
    last = done.stderr.strip().splitlines()[-1]
    report = json.loads(last)
    assert report["code"] == 0, done.stderr
    return set(report["modules"])


def _loaded(modules: set[str], heavy: str) -> bool:
    return heavy in modules or any(m.startswith(heavy + ".") for m in modules)


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("read", "--help"), ("progress", "--help")])
def test_version_and_help_load_no_heavy_module(args):
    modules = _modules_after(*args)
    assert "piramide.cli" in modules  # the probe did run the command line
    loaded = [h for h in HEAVY if _loaded(modules, h)]
    assert loaded == [], f"piramide {' '.join(args)} imports {loaded}"


def test_read_loads_the_reader_but_not_the_writer(tmp_path, reference):
    from piramide import build_workbook

    path = build_workbook(tmp_path / "Ede.xlsx", gemeente="Ede", indicator_set=reference)
    modules = _modules_after("read", str(path))
    assert "piramide.reader" in modules and _loaded(modules, "python_calamine")
    loaded = [h for h in ("xlsxwriter", "multiprocessing", "concurrent.futures") if _loaded(modules, h)]
    assert loaded == [], f"piramide read imports {loaded}"
    assert not any(m.startswith(("piramide.writer", "piramide.sheets", "piramide.batch")) for m in modules)


def test_the_public_api_is_whole_though_loaded_on_use():
    probe = "import json, sys, piramide; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    modules = set(json.loads(done.stdout))
    assert not _loaded(modules, "pydantic") and not _loaded(modules, "xlsxwriter")
    for name in piramide.__all__:
        assert getattr(piramide, name) is not None, name
    assert set(piramide.__all__) <= set(dir(piramide))
    from piramide import IndicatorSet, read_workbook  # noqa: F401  (the import form of the README)
    from piramide.model import IndicatorSet as Same

    assert IndicatorSet is Same
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        piramide.nonsense  # noqa: B018
