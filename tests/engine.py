"""A real spreadsheet engine for the tests: LibreOffice, headless.

``recalc`` loads workbooks in LibreOffice with "recalculate on load: always"
set in a private profile, and saves them as xlsx: what comes out holds the
values LibreOffice computed, not our cached ones. ``lo_fill`` types answers
into workbooks inside LibreOffice itself (through its Python-UNO bridge).

Tests that need it call :func:`need_soffice`: without ``soffice`` they are
skipped, unless ``PIRAMIDE_REQUIRE_SOFFICE=1`` (CI), where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

SOFFICE = shutil.which("soffice")
SYSTEM_PYTHON = "/usr/bin/python3"
HERE = Path(__file__).parent

_PROFILE_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def _missing(message: str) -> None:
    """Skip, or fail when PIRAMIDE_REQUIRE_SOFFICE=1 (CI): a missing engine must not pass silently."""
    if os.environ.get("PIRAMIDE_REQUIRE_SOFFICE") == "1":
        pytest.fail(message + " (PIRAMIDE_REQUIRE_SOFFICE=1)")
    pytest.skip(message)


def need_soffice() -> None:
    """Skip (or, with PIRAMIDE_REQUIRE_SOFFICE=1, fail) when LibreOffice is missing."""
    if not SOFFICE:
        _missing("LibreOffice (soffice) is not installed; the real-spreadsheet tests need it")


def need_uno() -> None:
    need_soffice()
    ok = Path(SYSTEM_PYTHON).exists() and subprocess.run(
        [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True
    ).returncode == 0
    if not ok:
        _missing("LibreOffice's Python bridge (python3-uno) is missing")


def make_profile(folder: Path) -> Path:
    """A LibreOffice user profile that recalculates every formula on load."""
    user = folder / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(_PROFILE_XCU, encoding="utf-8")
    return folder


def _run(args: list[str], timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout)


def convert(files: list[Path], outdir: Path, profile: Path, target: str = "xlsx") -> list[Path]:
    """Load ``files`` in LibreOffice (recalculating) and save them into ``outdir`` as ``target``."""
    outdir.mkdir(parents=True, exist_ok=True)
    result = _run(
        [
            SOFFICE, f"-env:UserInstallation={profile.resolve().as_uri()}", "--headless", "--norestore",
            "--convert-to", target, "--outdir", str(outdir), *map(str, files),
        ]
    )  # fmt: skip
    suffix = target.split(":")[0]
    outs = [outdir / f"{Path(f).stem}.{suffix}" for f in files]
    missing = [o for o in outs if not o.exists()]
    assert not missing, f"LibreOffice did not convert {missing}: {result.stdout} {result.stderr}"
    return outs


def recalc(files: list[Path], outdir: Path, profile: Path) -> list[Path]:
    """The files as LibreOffice recalculates and saves them (xlsx)."""
    return convert(files, outdir, profile, "xlsx")


def lo_fill(jobs: list[dict], profile: Path, work: Path) -> None:
    """Type cells in LibreOffice and save: jobs as described in ``lo_fill.py``."""
    spec = work / "lo_jobs.json"
    spec.write_text(json.dumps({"profile": str(profile.resolve()), "jobs": jobs}), encoding="utf-8")
    result = _run([SYSTEM_PYTHON, str(HERE / "lo_fill.py"), str(spec)])
    assert result.returncode == 0, f"lo_fill failed: {result.stdout}\n{result.stderr}"
