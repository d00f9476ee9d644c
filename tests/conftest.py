"""Fixtures shared by all tests. Plain helper functions live in ``helpers.py``."""

from __future__ import annotations

import pytest

import helpers
from piramide import IndicatorSet, reference_set


@pytest.fixture(scope="session")
def reference() -> IndicatorSet:
    """The bundled reference set, loaded once (sets are immutable)."""
    return reference_set()


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
