"""Fixtures shared by all tests. Plain helper functions live in ``helpers.py``."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

import helpers
from piramide import IndicatorSet, bundled_set

# Property tests: in CI (CI=true, as GitHub Actions and GitLab set it) every run tries the same
# examples (derandomize) and keeps no example database, so a red build is reproducible and a green
# one does not turn red on the next push by chance. Locally, Hypothesis explores as usual.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev")
_IN_CI = os.environ.get("CI", "").lower() in ("true", "1")
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if _IN_CI else "dev"))


@pytest.fixture(scope="session")
def reference() -> IndicatorSet:
    """The bundled reference set 2026.1, loaded once (sets are immutable).

    Many tests pin its ids and counts; a released version never changes, so they
    name it rather than the newest version (the checks in ``test_reference_sets.py``
    cover every bundled set).
    """
    return bundled_set(helpers.REF_2026_1)


@pytest.fixture
def write_set(tmp_path):
    """``write_set(text, name="set.yaml") -> Path``: a YAML file in this test's folder."""

    def write(text: str, name: str = "set.yaml"):
        return helpers.write_set(tmp_path, text, name)

    return write


@pytest.fixture
def cli(capsys):
    """``cli(*args) -> CliResult(code, out, err)``: the command line, run in-process."""

    def call(*args):
        return helpers.run_cli(capsys, *args)

    return call
