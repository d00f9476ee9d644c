"""The README's commands set up once and are quiet after: scripts/_venv.sh installs only when needed.

`_venv.sh` runs here against a copy of the project's root (its own
pyproject.toml and version) and a stand-in Python that records what it is
asked to do instead of installing anything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: A stand-in for python3 and the venv's python: logs its arguments (after two environment variables that
#: silence pip and setuptools); `-m venv DIR` makes DIR/bin with copies of itself.
FAKE_PYTHON = """#!/bin/sh
echo "${PYTHONWARNINGS:-}|${PIP_DISABLE_PIP_VERSION_CHECK:-}|$*" >> "$FAKE_LOG"
case "$1" in
  -V) echo "Python 3.11.9" ;;
  -m) if [ "$2" = venv ]; then mkdir -p "$3/bin"; cp "$0" "$3/bin/python"; cp "$0" "$3/bin/piramide"; fi ;;
esac
exit 0
"""


@pytest.fixture
def project(tmp_path) -> dict:
    """A project root with scripts/_venv.sh, pyproject.toml and a version; a stand-in python; no venv yet."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    (root / "piramide").mkdir()
    shutil.copy(ROOT / "scripts" / "_venv.sh", root / "scripts" / "_venv.sh")
    (root / "pyproject.toml").write_text('[project]\nname = "piramide"\n', encoding="utf-8")
    (root / "piramide" / "_version.py").write_text('__version__ = "0.1.0"\n', encoding="utf-8")
    python = tmp_path / "python3"
    python.write_text(FAKE_PYTHON, encoding="utf-8")
    python.chmod(0o755)
    return {"root": root, "python": python, "log": tmp_path / "calls.log", "venv": root / ".venv"}


def _source(project: dict, extras: str = "") -> tuple[str, str, list[str]]:
    """Source _venv.sh as the scripts do; return stdout, stderr and the stand-in's calls (other than checks)."""
    log: Path = project["log"]
    log.write_text("", encoding="utf-8")
    env = {**os.environ, "PYTHON": str(project["python"]), "FAKE_LOG": str(log), "PIRAMIDE_EXTRAS": extras}
    env.pop("PIRAMIDE_VENV", None)
    done = subprocess.run(
        ["bash", "-c", f'source "{project["root"]}/scripts/_venv.sh" && echo ready'],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    calls = [line.split("|", 2) for line in log.read_text(encoding="utf-8").splitlines()]
    return done.stdout, done.stderr, [args for *_, args in calls if args.startswith(("-m venv", "-m pip"))]


def test_first_run_says_what_it_does_and_installs_editable(project):
    """No venv: it says it is setting up (a slow first run), makes the venv and installs the project editable."""
    out, err, calls = _source(project)
    assert out == "ready\n"
    assert err.startswith(f"Setting up {project['venv']} (first run only)")
    assert calls[0] == f"-m venv {project['venv']}"
    assert calls[-1] == f"-m pip install -qq -e {project['root']}"


def test_second_run_is_quiet_and_installs_nothing(project):
    """An unchanged project: nothing printed, pip never called."""
    _source(project)
    assert _source(project) == ("ready\n", "", [])


def test_a_changed_pyproject_or_version_reinstalls_once(project):
    """Editing pyproject.toml (or the version) reinstalls, saying why; the run after is quiet again."""
    _source(project)
    with open(project["root"] / "pyproject.toml", "a", encoding="utf-8") as f:
        f.write('dependencies = ["click>=8.1"]\n')
    out, err, calls = _source(project)
    assert "changed" in err and calls == [f"-m pip install -qq -e {project['root']}"]
    (project["root"] / "piramide" / "_version.py").write_text('__version__ = "0.2.0"\n', encoding="utf-8")
    assert _source(project)[2] == [f"-m pip install -qq -e {project['root']}"]
    assert _source(project) == ("ready\n", "", [])


def test_a_code_change_needs_no_reinstall(project):
    """A new or changed module is used through the editable install: no reinstall."""
    _source(project)
    (project["root"] / "piramide" / "new_module.py").write_text("x = 1\n", encoding="utf-8")
    assert _source(project) == ("ready\n", "", [])


def test_test_extras_serve_the_demo_too(project):
    """After test.sh ([test] extras) the demo (no extras) installs nothing; the other way round it installs [test]."""
    _, _, calls = _source(project, "[test]")
    assert calls[-1] == f"-m pip install -qq -e {project['root']}[test]"
    assert _source(project) == ("ready\n", "", [])
    assert _source(project, "[test]") == ("ready\n", "", [])


def test_install_noise_is_switched_off(project):
    """pip runs with Python warnings off (setuptools' editable-install box) and without its version check."""
    _source(project)
    installs = [line for line in project["log"].read_text(encoding="utf-8").splitlines() if "|-m pip install" in line]
    assert installs and all(line.startswith("ignore|1|") for line in installs)
