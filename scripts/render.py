"""Render the workbooks as pictures, for anyone reviewing a change to how they look.

    python scripts/render.py [--out workbooks/render] [--dpi 60]

Writes six workbooks, prints each with LibreOffice to PDF (as Excel would
print it: page setup, print areas, hidden sheets left out) and turns every
page into a PNG (``pdftoppm``):

- ``blank``: a blank dashboard (5 slots);
- ``filled``: three complete measurements, one with a regression (CO 3 -> 2);
- ``running``: the same, and a fourth measurement with 15 of 105 answers;
- ``fase0``: one complete measurement with every pillar in fase 0;
- ``slots20``: 20 slots and a 100-character name;
- ``overview``: the overview workbook of ``piramide progress`` over the others.

Needs ``soffice`` (LibreOffice) and ``pdftoppm`` (poppler-utils). The
measurements are fictional.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from piramide.progress import region_progress  # noqa: E402
from piramide.progress_out import overview_bytes  # noqa: E402
from piramide.sets import reference_set  # noqa: E402
from piramide.writer import SlotContent, build_workbook  # noqa: E402

LONG_NAME = ("Gemeente " + "Lange Naam aan de Rivier en de Zee " * 3)[:100]


def at_phases(phases: dict[str, int], deels: int = 0) -> dict[str, str]:
    """Complete answers that put each pillar exactly in the phase given; ``deels`` quarters of its next level `ja`."""
    s = reference_set()
    answers = {}
    for code in s.pillar_codes:
        for level in s.phase_numbers:
            for n, ind in enumerate(s.indicators_of(code, level)):
                reached = level <= phases[code]
                nxt = level == phases[code] + 1 and n < len(s.indicators_of(code, level)) * deels // 4
                answers[ind.id] = "ja" if reached or nxt else "nee"
    return answers


def measurements() -> list[SlotContent]:
    """Three yearly measurements: growth, then CO falls back from 3 to 2."""
    grids = [
        ({"BO": 1, "IP": 1, "BH": 0, "IV": 2, "CO": 1}, dt.date(2024, 3, 1), "J. Jansen"),
        ({"BO": 2, "IP": 2, "BH": 1, "IV": 2, "CO": 3}, dt.date(2025, 3, 3), "J. Jansen"),
        ({"BO": 3, "IP": 2, "BH": 2, "IV": 3, "CO": 2}, dt.date(2026, 3, 2), "A. de Vries"),
    ]
    return [SlotContent(answers=at_phases(p, deels=2), date=d, ingevuld_door=who) for p, d, who in grids]


def running() -> SlotContent:
    """A fourth measurement that has only been started: 15 of 105 answers."""
    s = reference_set()
    ids = [i.id for i in s.indicators]
    return SlotContent(answers=dict.fromkeys(ids[:15], "ja"), date=dt.date(2026, 11, 2), ingevuld_door="A. de Vries")


def situations(folder: Path) -> list[Path]:
    s = reference_set()
    made = [
        build_workbook(folder / "blank.xlsx", gemeente="Voorbeeldgemeente", regio="RIEC Noord-Nederland", force=True),
        build_workbook(folder / "filled.xlsx", gemeente="Teststad", regio="Midden-Nederland",
                       content=measurements(), force=True),
        build_workbook(folder / "running.xlsx", gemeente="Loopdorp", regio="Midden-Nederland",
                       content=[*measurements(), running()], force=True),
        build_workbook(folder / "fase0.xlsx", gemeente="Nuldorp", regio="Oost-Nederland",
                       content=[SlotContent(answers={i.id: "nee" for i in s.indicators}, date=dt.date(2026, 1, 5))],
                       force=True),
        build_workbook(folder / "slots20.xlsx", gemeente=LONG_NAME, regio="Zeeland-West-Brabant", slots=20,
                       content=[*measurements(), running()], force=True),
    ]  # fmt: skip
    report = region_progress(made, today=dt.date(2026, 11, 29))
    overview = folder / "overview.xlsx"
    overview.write_bytes(overview_bytes(report))
    return [*made, overview]


def render(files: list[Path], out: Path, dpi: int) -> list[Path]:
    """PDF per workbook (LibreOffice, private profile) and a PNG per page."""
    soffice, pdftoppm = shutil.which("soffice"), shutil.which("pdftoppm")
    if not soffice or not pdftoppm:
        raise SystemExit("render.py needs soffice (LibreOffice) and pdftoppm (poppler-utils)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [soffice, f"-env:UserInstallation={Path(profile).as_uri()}", "--headless", "--norestore",
             "--convert-to", "pdf", "--outdir", str(out), *map(str, files)],
            check=True, capture_output=True, timeout=600,
        )  # fmt: skip
    pngs = []
    for f in files:
        pdf = out / f"{f.stem}.pdf"
        subprocess.run([pdftoppm, "-png", "-r", str(dpi), str(pdf), str(out / f.stem)], check=True)
        pngs += sorted(out.glob(f"{f.stem}-*.png"))
    return pngs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "workbooks" / "render")
    parser.add_argument("--dpi", type=int, default=60)
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.png"):
        old.unlink()
    pngs = render(situations(args.out), args.out, args.dpi)
    print(f"{len(pngs)} pages in {args.out}:")
    for png in pngs:
        print(f"  {png.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
