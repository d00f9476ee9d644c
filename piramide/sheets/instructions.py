"""Instructie: how to fill the workbook in, the answers, the phases, the rule and the pillars."""

from __future__ import annotations

from .. import layout as L
from .._text import dutch_list, dutch_number, points, riec, sentence
from .._version import __version__
from .book import Book, print_footer, row_height
from .questionnaire import print_slot

WIDTH = 72  # one column narrower than A4 portrait also with a wide fallback font (LibreOffice prints a single
# column that is too wide cut off, it does not scale it down)

_Lines = list[tuple[str, object]]


def write_instructions(book: Book) -> None:
    ws, f = book.sheets[L.INSTRUCTIONS], book.f
    intro = _intro(book) if book.part is None else _part_intro(book)
    lines = intro + _scale(book) + _closing(book)
    ws.set_column(0, 0, WIDTH)
    sizes = {f.title: 16, f.subtitle: 12, f.small: 8}
    for r, (text, fmt) in enumerate(lines):
        if not text:
            continue
        ws.write_string(r, 0, text, fmt)
        if fmt in (f.wrap, f.small):
            # LibreOffice does not fit row heights: set them, or wrapped lines print over each other.
            size = sizes.get(fmt, 10)
            ws.set_row(r, row_height(text, WIDTH * 10 / size) * size / 10)
        elif fmt in sizes:
            ws.set_row(r, sizes[fmt] * 1.6)
    ws.set_portrait()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.6, top=0.6, bottom=0.7)
    print_footer(ws, margin=0.3)
    ws.hide_gridlines(2)


def _intro(book: Book) -> _Lines:
    spec, f = book.spec, book.f
    return [
        ("Instructie Piramide Fitte Gemeenten", f.title),
        (f"Gemeente: {spec.gemeente}" + (f" – regio {spec.regio}" if spec.regio else ""), f.label),
        ("", None),
        ("Wat is dit?", f.subtitle),
        (
            "Met dit dashboard meet de gemeente samen met het RIEC hoe weerbaar zij is tegen ondermijning, per pijler. "
            "De eerste meting is de 0-meting; daarna meet u (meestal jaarlijks) opnieuw in de volgende kolommen, "
            "zodat de groei zichtbaar wordt op het Voorblad.",
            f.wrap,
        ),
        ("", None),
        *_steps(book),
    ]


def _steps(book: Book) -> _Lines:
    """How to fill it in, numbered."""
    f = book.f
    return [
        ("Hoe vult u het in?", f.subtitle),
        ("1. Ga naar het blad Vragenlijst. Vul boven de kolom van de meting de datum en uw naam in.", f.wrap),
        _answer_step(book),
        (
            "3. Laat een antwoord leeg als u het nog niet weet: het telt dan als 0 punten en de fase van die pijler "
            "is voorlopig.",
            f.wrap,
        ),
        (
            "4. Het Voorblad toont de stand van de laatste meting waarvan de fasen vaststaan: de fase per pijler, de "
            "piramide, wat de volgende fase tegenhoudt en het verloop. Een meting die nog loopt (open vragen die een "
            "fase nog kunnen veranderen) staat er apart bij. Print het Voorblad voor de burgemeester (1 pagina A4 "
            "liggend).",
            f.wrap,
        ),
        (
            "5. Alleen de gele cellen zijn in te vullen; de rest is beveiligd zodat de berekening klopt. Filteren kan; "
            "sorteren kan niet, zodat een antwoord altijd bij zijn indicator blijft.",
            f.wrap,
        ),
        (
            "6. Oranje gemarkeerde indicatoren houden een pijler tegen om de volgende fase te bereiken: ze hebben "
            "in de meting op het Voorblad nog geen 'ja'. De kolom Handvat zegt wat de gemeente kan doen.",
            f.wrap,
        ),
        (
            "7. Afdrukken: de Vragenlijst drukt op A4 staand per indicator het antwoord en de toelichting van één "
            f"meting af ({L.slot_label(print_slot(book))}). Voor een andere meting kiest u bij Pagina-indeling een "
            "ander afdrukbereik (de kolommen Antwoord en Toelichting van die meting).",
            f.wrap,
        ),
        (
            "7. Leg op het blad Actieplan per indicator vast wie wat doet en wanneer: Actie, Eigenaar, Deadline en "
            "Status. Het Voorblad telt per pijler hoeveel tegenhoudende indicatoren een eigenaar hebben.",
            f.wrap,
        ),
        ("", None),
    ]


def _answer_step(book: Book) -> tuple[str, object]:
    labels = dutch_list([a.label for a in book.set.answers])
    return (
        f"2. Kies per indicator een antwoord uit de lijst: {sentence(labels)} Licht uw antwoord toe in de kolom "
        "Toelichting (waar staat het bewijs: besluit, document, registratie).",
        book.f.wrap,
    )


def _part_intro(book: Book) -> _Lines:
    """For a respondent of a deelvragenlijst: what it is, how to fill it in, and what happens next."""
    spec, f, part = book.spec, book.f, book.part
    assert part is not None
    label = L.slot_label(part.slot)
    lines: _Lines = [
        ("Instructie deelvragenlijst Piramide Fitte Gemeenten", f.title),
        (f"Gemeente: {spec.gemeente}" + (f" – regio {spec.regio}" if spec.regio else ""), f.label),
        (f"Meting: {label} – voor: {part.respondent} – {len(book.indicators)} indicatoren", f.label),
        ("", None),
        ("Wat is dit?", f.subtitle),
        (
            "Met de Piramide Fitte Gemeenten meet de gemeente hoe weerbaar zij is tegen ondermijning. Niet één "
            "persoon vult alles in: deze deelvragenlijst bevat alleen de indicatoren waar u het meeste zicht op "
            "heeft. De adviseur (OOV of RIEC) voegt de deelvragenlijsten samen tot één meting in het dashboard "
            "van de gemeente.",
            f.wrap,
        ),
        ("", None),
        ("Hoe vult u het in?", f.subtitle),
        ("1. Ga naar het blad Vragenlijst. Vul bovenaan de datum en uw naam in (Ingevuld door).", f.wrap),
        _answer_step(book),
        ("3. Weet u een antwoord niet? Laat het leeg; de adviseur ziet welke indicatoren nog open staan.", f.wrap),
    ]
    if part.previous_slot is not None:
        lines.append(
            (
                f"4. De grijze kolommen tonen het antwoord en de toelichting van de vorige meting "
                f"({L.slot_label(part.previous_slot)}), zodat u ziet wat er toen is gezegd. Ze zijn alleen ter "
                "informatie en tellen niet mee.",
                f.wrap,
            )
        )
    lines.append(
        (
            f"{5 if part.previous_slot is not None else 4}. Op het blad Actieplan staan uw indicatoren met de acties "
            "die het dashboard al heeft. Vul aan of pas aan wie wat doet en wanneer: Actie, Eigenaar, Deadline en "
            "Status. Een veld dat u leegmaakt, blijft in het dashboard staan; laat de adviseur het daar wissen.",
            f.wrap,
        )
    )
    lines += [
        (
            "Alleen de gele cellen zijn in te vullen; de rest is beveiligd. Verander de bestandsnaam gerust, maar "
            "niet de bladen of de kolommen: het bestand hoort bij het dashboard van de gemeente en wordt daarmee "
            "gecontroleerd.",
            f.wrap,
        ),
        ("Sla het bestand op (Excel-werkmap, .xlsx) en stuur het terug naar de adviseur die het u stuurde.", f.wrap),
        ("", None),
    ]
    return lines


def _scale(book: Book) -> _Lines:
    """The answers, the phases and the rule."""
    s, f = book.set, book.f
    lines: _Lines = [("De antwoorden", f.subtitle)]
    for a in s.answers:
        pts = points(a.points) if a.applicable else "telt niet mee"
        lines.append((f"{a.label} ({pts}): {a.description}", f.wrap))
    lines += [("", None), ("De fasen", f.subtitle), ("0 Startfase: nog geen fase bereikt.", f.wrap)]
    for p in s.phases:
        lines.append((f"{p.number} {p.name}: {p.description}", f.wrap))
    pct = dutch_number(s.threshold * 100)
    lines += [
        ("", None),
        ("De rekenregel", f.subtitle),
        (
            f"Per pijler en per fase: score = punten van de toepasbare indicatoren / aantal toepasbare indicatoren "
            f"(n.v.t. telt niet mee). Een fase is gehaald bij een score van ten minste {pct}%, of als er in die "
            "fase niets toepasbaar is.",
            f.wrap,
        ),
        (
            "De fase van een pijler is de hoogste fase waarvoor alle lagere fasen ook gehaald zijn: een gat in "
            "de basis begrenst de pijler. De totale fase van de gemeente is de laagste fase van alle pijlers.",
            f.wrap,
        ),
        ("", None),
    ]
    return lines


def _closing(book: Book) -> _Lines:
    """The pillars, whom to ask, and where the set comes from."""
    s, spec, f = book.set, book.spec, book.f
    lines: _Lines = [("Pijlers", f.subtitle)]
    for p in book.pillars:
        lines.append((f"{p.code} {p.name}: {p.description}", f.wrap))
    lines += [
        ("", None),
        ("Contact", f.subtitle),
        # One line, not wrapped: its row height must not depend on the regio (piramide.blank fills it in).
        (f"Vragen over de piramide of de indicatoren? Neem contact op met {riec(spec.regio)}.", f.text),
        ("", None),
        (f"Indicatorset: {s.name}, versie {s.version} ({s.id}).", f.small),
        *([(f"Herkomst: {s.provenance}", f.small)] if s.provenance else []),
        (
            f"Gemaakt met piramide {__version__}. Dit bestand bevat gevoelige informatie: deel het alleen "
            "met wie het nodig heeft.",
            f.small,
        ),
    ]
    return lines
