"""The shortcuts `piramide progress` takes for speed (issue 15) decide exactly as the long way round.

- a folder scan looks for piramide's own outputs in the end of each file
  (``_surely_absent``) before it opens the package with :mod:`zipfile`;
- ``json_terminal_safe`` checks ASCII text without its pattern;
- the files go to the worker processes in shrinking chunks;
- the garbage collector: paused while ``progress`` runs (and enabled again
  after), the inherited heap frozen in each worker.
"""

from __future__ import annotations

import gc
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from piramide import _outputs
from piramide import layout as L
from piramide._escape import _TERMINAL_BAD, json_terminal_safe
from piramide._outputs import OUTPUT_PROPERTY, _surely_absent, is_dashboard, is_piramide_output
from piramide._pool import worker_pool
from piramide.progress import CHUNK_SHARE, chunk_sizes

WANTED = ("docProps/custom.xml", "xl/workbook.xml")


CONTENT = {
    "docProps/custom.xml": f'<Properties><property name="{OUTPUT_PROPERTY}"/></Properties>',
    "xl/workbook.xml": f'<workbook><sheets><sheet name="{L.METADATA}"/></sheets></workbook>',
}
"""What makes a package an output (:func:`is_piramide_output`) or a dashboard (:func:`is_dashboard`)."""


def _zip(names: list[str], comment: bytes = b"", prefix: bytes = b"", zip64: bool = False, monkeypatch=None) -> bytes:
    buffer = io.BytesIO()
    buffer.write(prefix)
    if zip64:  # as if the package had more parts than a plain end record counts: zipfile writes the zip64 records
        monkeypatch.setattr(zipfile, "ZIP_FILECOUNT_LIMIT", 1)
    with zipfile.ZipFile(buffer, "a" if prefix else "w") as archive:
        for name in names:
            archive.writestr(name, CONTENT.get(name, "<x/>"))
        archive.comment = comment
    if zip64:
        monkeypatch.undo()
    return buffer.getvalue()


def _zipfile_has(path: Path, name: str) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            archive.getinfo(name)
        return True
    except (KeyError, zipfile.BadZipFile, OSError, ValueError):
        return False


def _cases(monkeypatch) -> dict[str, bytes]:
    plain = ["[Content_Types].xml", "xl/workbook.xml", "docProps/core.xml"]
    output = [*plain, "docProps/custom.xml"]
    return {
        "dashboard-like": _zip(plain),
        "output-like": _zip(output),
        "name inside a longer one": _zip([*plain, "old/docProps/custom.xml.bak"]),
        "with a comment": _zip(output, comment=b"PK\x05\x06 looks like an end record"),
        "without, with a comment": _zip(plain, comment=b"a comment"),
        "data before the zip": _zip(output, prefix=b"#!/bin/sh\n" * 50),
        "zip64 end records": _zip(output, zip64=True, monkeypatch=monkeypatch),
        "zip64 end records, without": _zip(plain, zip64=True, monkeypatch=monkeypatch),
        "large central directory": _zip([f"xl/media/image{k}.png" for k in range(400)] + output),
        "large central directory, without": _zip([f"xl/media/image{k}.png" for k in range(400)] + plain),
        "truncated": _zip(output)[:-5],
        "end record only": b"PK\x05\x06" + bytes(18),
        "end record claiming a large directory": b"PK\x05\x06" + bytes(8) + (10**6).to_bytes(4, "little") + bytes(6),
        "empty": b"",
        "text": b"gemeente;code\nUtrecht;GM0344\n",
    }


def test_surely_absent_never_contradicts_zipfile(tmp_path, monkeypatch):
    """Only a part that zipfile would not find either is called absent; and the shortcut is taken where it can be."""
    taken = set()
    for label, data in _cases(monkeypatch).items():
        path = tmp_path / f"{label}.xlsx"
        path.write_bytes(data)
        for name in WANTED:
            if _surely_absent(path, name):
                assert not _zipfile_has(path, name), (label, name)
                taken.add((label, name))
    # Everywhere else it is unsure (a comment, zip64, a large or broken directory, the name in another name).
    assert taken == {
        ("dashboard-like", "docProps/custom.xml"),
        ("end record only", "docProps/custom.xml"),
        ("end record only", "xl/workbook.xml"),
    }


def test_surely_absent_is_taken_for_a_real_dashboard_and_not_for_an_overview(cli, tmp_path):
    """On the files a folder scan meets: a dashboard (no custom properties part) and the overview progress writes."""
    dashboard = tmp_path / "Utrecht.xlsx"
    assert cli("new", "--gemeente", "Utrecht", "--out", dashboard).code == 0
    overview = tmp_path / "overzicht.xlsx"
    assert cli("progress", dashboard, "--xlsx", overview).code == 0
    assert _surely_absent(dashboard, "docProps/custom.xml") and not _zipfile_has(dashboard, "docProps/custom.xml")
    assert not _surely_absent(overview, "docProps/custom.xml")
    assert not _surely_absent(dashboard, "xl/workbook.xml")
    assert (is_piramide_output(dashboard), is_piramide_output(overview)) == (False, True)
    assert (is_dashboard(dashboard), is_dashboard(overview)) == (True, False)


def test_is_piramide_output_decides_as_zipfile_alone(tmp_path, monkeypatch):
    """With and without the shortcut, the same answers on every case."""
    paths = []
    for label, data in _cases(monkeypatch).items():
        path = tmp_path / f"{label}.xlsx"
        path.write_bytes(data)
        paths.append(path)
    fast = [(is_piramide_output(p), is_dashboard(p)) for p in paths]
    monkeypatch.setattr(_outputs, "_surely_absent", lambda path, name: False)
    assert [(is_piramide_output(p), is_dashboard(p)) for p in paths] == fast
    assert any(out for out, _ in fast) and any(dash for _, dash in fast)


def _escaped_by_the_pattern(text: str) -> str:
    return _TERMINAL_BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def test_json_terminal_safe_on_every_character_up_to_the_bidi_controls():
    for code in range(0x2070):
        for text in (chr(code), f'{{"a":"x{chr(code)}y"}}', f"[\n  1,{chr(code)}\n]"):
            assert json_terminal_safe(text) == _escaped_by_the_pattern(text), hex(code)


@given(st.text())
def test_json_terminal_safe_is_the_pattern(text):
    assert json_terminal_safe(text) == _escaped_by_the_pattern(text)


@pytest.mark.parametrize("files", [1, 2, 3, 7, 16, 100, 342, 1000])
@pytest.mark.parametrize("workers", [1, 2, 4])
def test_chunk_sizes_cover_every_file_once_shrinking_to_one(files, workers):
    sizes = chunk_sizes(files, workers)
    assert sum(sizes) == files and min(sizes) >= 1
    assert sizes == sorted(sizes, reverse=True)
    assert sizes[-1] == 1
    assert sizes[0] == max(1, files // (CHUNK_SHARE * workers))


def test_chunk_sizes_keep_round_trips_few():
    """342 files on 2 workers: about 40 chunks (not 342), the first about an eighth of the files."""
    sizes = chunk_sizes(342, 2)
    assert sizes[0] == 342 // 8 and len(sizes) < 50


def _frozen_in_worker() -> int:
    return gc.get_freeze_count()


def test_a_worker_freezes_the_heap_it_inherits():
    with worker_pool(1) as pool:
        assert pool.submit(_frozen_in_worker).result() > 1000


@pytest.mark.parametrize("enabled", [True, False])
def test_progress_leaves_the_garbage_collector_as_it_found_it(cli, tmp_path, enabled):
    dashboard = tmp_path / "Utrecht.xlsx"
    assert cli("new", "--gemeente", "Utrecht", "--out", dashboard).code == 0
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        assert cli("progress", dashboard, "--json").code == 0
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()
