"""The bundled sets by name, and the checks that keep every bundled set honest.

Every bundled set is checked: statements do not mention the instrument, are
not questions, fit three lines of the workbook's column, have ids that match
their pillar and phase, are not near copies of each other, and use
``0-meting`` in its one meaning. Version 2026.1 is released and frozen: its
known faults are listed here, exactly (a check that finds more or fewer
fails), and are corrected in 2026.2.
"""

from __future__ import annotations

import difflib
import re

import pytest

from helpers import REF_2026_1
from piramide import InputError, SetError, bundled_set, bundled_sets, load_set, reference_set
from piramide.sets import find_bundled, version_key
from piramide.sheets.book import row_height
from piramide.sheets.questionnaire import TEXT_WIDTH

BUNDLED = {b.name: b for b in bundled_sets()}
NAMES = sorted(BUNDLED)

#: Faults of the released (frozen) 2026.1, per check: corrected in 2026.2, listed so that nothing new slips in.
KNOWN_FAULTS = {
    REF_2026_1: {
        "instrument": {"BO-1.06", "BO-3.04", "BO-4.01"},
        "0-meting": {"BO-1.06", "BO-2.02"},
    },
}


def faults(name: str, check: str) -> set[str]:
    return KNOWN_FAULTS.get(name, {}).get(check, set())


@pytest.fixture(scope="module", params=NAMES)
def bundled(request):
    """(name, resolved set) of every bundled set."""
    return request.param, BUNDLED[request.param].load()


# --- the bundle --------------------------------------------------------------------------


def test_the_bundle_holds_both_reference_versions_and_the_example():
    """The package ships nl-referentie 2026.1 and 2026.2 and the example variant."""
    assert NAMES == ["nl-referentie@2026.1", "nl-referentie@2026.2", "riec-voorbeeld@2026.2-voorbeeld.1"]


def test_the_id_and_version_read_from_a_file_are_those_of_its_resolved_set(bundled):
    """The names in the bundle (read from the top of each file) are the resolved sets' own."""
    name, s = bundled
    assert f"{s.id}@{s.version}" == name


def test_an_id_alone_names_the_newest_version():
    """'nl-referentie' is 2026.2; the newest is found by version number, not by text (2026.10 > 2026.9)."""
    assert reference_set().version == "2026.2"
    assert load_set("nl-referentie") == bundled_set("nl-referentie@2026.2") == reference_set()
    assert version_key("2026.10") > version_key("2026.9") > version_key("2026.2")


def test_a_released_version_is_named_with_at():
    """'nl-referentie@2026.1' is the frozen first release: 105 indicators, BO-4.01 still in it."""
    s = load_set(REF_2026_1)
    assert (s.id, s.version, len(s.indicators)) == ("nl-referentie", "2026.1", 105)
    assert "BO-4.01" in s.by_id


def test_2026_1_is_kept_byte_for_byte():
    """The file of 2026.1 is the released one: its fingerprint is the one published with it."""
    assert load_set(REF_2026_1).fingerprint == (
        "sha256:8b35a22d632ffb1d06db88fe35e28c3c1250f51a0ce8e03c2fb0f36a25453cf0"
    )


@pytest.mark.parametrize("name", ["nl-ref", "nl-referentie@2099.1", "NL-REFERENTIE", "nl-referentie@"])
def test_an_unknown_name_is_an_error_that_lists_the_bundled_sets(name):
    """A name that is no file and no bundled set: one error naming every bundled set."""
    with pytest.raises(InputError) as err:
        load_set(name)
    assert str(err.value).startswith(f"{name}: no such YAML file, and no bundled set has this name")
    assert "nl-referentie@2026.1, nl-referentie@2026.2" in str(err.value)
    assert find_bundled(name) is None


def test_an_existing_file_wins_over_a_bundled_name(tmp_path, monkeypatch):
    """A file that happens to be called 'nl-referentie' in the working folder is that file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "nl-referentie").write_text("id: eigen\n", encoding="utf-8")
    with pytest.raises(SetError):
        load_set("nl-referentie")


def test_a_variant_extends_a_bundled_set_by_name(write_set):
    """'extend: nl-referentie@2026.1' works from any folder, without a path into the package."""
    path = write_set('extend: nl-referentie@2026.1\nid: regio\nversion: "1"\nremove: [BO-4.01]\n')
    s = load_set(path)
    assert len(s.indicators) == 104 and "BO-1.08" in s.by_id
    newest = load_set(write_set('extend: nl-referentie\nid: regio\nversion: "2"\n', "nieuw.yaml"))
    assert newest.indicators == reference_set().indicators


def test_a_variant_that_extends_an_unknown_name_says_so(write_set):
    """'extend: nl-refrentie' (a typo) is a problem at its line that lists the bundled sets."""
    path = write_set('id: regio\nversion: "1"\nextend: nl-refrentie\n')
    with pytest.raises(SetError) as err:
        load_set(path)
    (problem,) = err.value.problems
    assert problem.line == 3
    assert problem.message.startswith("'extend: nl-refrentie': no such file next to this one, and no bundled set")


def test_the_example_variant_extends_the_reference_by_name():
    """indicators/regio-voorbeeld.yaml says 'extend: nl-referentie', no path."""
    text = BUNDLED["riec-voorbeeld@2026.2-voorbeeld.1"].path.read_text(encoding="utf-8")
    assert re.search(r"^extend: nl-referentie$", text, re.MULTILINE)


def test_new_dashboards_use_the_newest_reference_set(tmp_path):
    """build_workbook without a set writes nl-referentie 2026.2."""
    from piramide import build_workbook, read_workbook

    reading = read_workbook(build_workbook(tmp_path / "a.xlsx", gemeente="Nieuwdorp"))
    assert (reading.set.id, reading.set.version) == ("nl-referentie", "2026.2")
    assert reading.issues == []


def test_the_2026_2_structure():
    """2026.2: 105 = 5 x 21, per pillar 8/6/4/3, threshold 0.75, a Dutch provenance."""
    s = reference_set()
    assert len(s.indicators) == 105 and float(s.threshold) == 0.75
    assert all(s.per_phase(p) == {1: 8, 2: 6, 3: 4, 4: 3} for p in s.pillar_codes)
    assert s.pillar_codes == ("BO", "IP", "BH", "IV", "CO")
    assert "Referentieset" in s.provenance and "niet de officiële" in s.provenance.lower()


# --- checks over every bundled set ---------------------------------------------------------------

INSTRUMENT = re.compile(r"piramide|dashboard|0-meting|herhaalmeting|vragenlijst|deze (meting|indicator)", re.I)


def test_no_statement_mentions_the_instrument(bundled):
    """A statement is about the gemeente, never about this dashboard or its measurements."""
    name, s = bundled
    found = {i.id for i in s.indicators if INSTRUMENT.search(i.text)}
    assert found == faults(name, "instrument")


def test_no_statement_is_a_question(bundled):
    """Statements are answered with ja/deels/nee: none is a question."""
    _, s = bundled
    assert [i.id for i in s.indicators if "?" in i.text] == []


def lines_in_column(text: str) -> int:
    """Lines the statement takes in the Vragenlijst's statement column (the writer's own estimate)."""
    return round((row_height(text, TEXT_WIDTH) - 2) / 13.5)


def test_the_line_estimate_counts_lines():
    """The estimate behind the next check: one short line is 1, 75 characters of words wrap to 2."""
    assert lines_in_column("Kort.") == 1
    assert lines_in_column("woord " * 20) == 2


def test_every_statement_fits_three_lines_of_its_column(bundled):
    """No statement is longer than three lines of the workbook's statement column."""
    _, s = bundled
    assert [(i.id, lines_in_column(i.text)) for i in s.indicators if lines_in_column(i.text) > 3] == []


def test_ids_match_their_pillar_and_phase(bundled):
    """An id reads <PILLAR>-<phase>.<two digits>: BO-1.01 is in BO, phase 1."""
    _, s = bundled
    wrong = [i.id for i in s.indicators if not re.fullmatch(rf"{i.pillar}-{i.phase}\.\d\d", i.id)]
    assert wrong == []


NEAR_COPY = 0.8


def near_copies(texts: dict[str, str]) -> list[tuple[str, str, float]]:
    items = list(texts.items())
    found = []
    for k, (a, ta) in enumerate(items):
        for b, tb in items[k + 1 :]:
            m = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
            if m.real_quick_ratio() >= NEAR_COPY and m.quick_ratio() >= NEAR_COPY and m.ratio() >= NEAR_COPY:
                found.append((a, b, round(m.ratio(), 2)))
    return found


def test_the_similarity_measure_finds_a_near_copy():
    """Two statements that differ in one word are near copies; two different ones are not."""
    assert near_copies(
        {
            "A": "De gemeente heeft een aanspreekpunt ondermijning aangewezen.",
            "B": "De gemeente heeft een aanspreekpunt integriteit aangewezen.",
            "C": "Signalen worden per jaar geteld, naar bron en fenomeen.",
        }
    ) == [("A", "B", 0.86)]


def test_no_two_statements_are_nearly_identical(bundled):
    """No two statements of a set are near copies (difflib ratio below 0.8)."""
    _, s = bundled
    assert near_copies({i.id: i.text for i in s.indicators}) == []


def sentences(text: str) -> list[str]:
    return [part for part in re.split(r"(?<=[.;:])\s+", text) if part]


def test_0_meting_is_used_in_its_one_meaning(bundled):
    """'0-meting' is the first measurement of a series (next to 'herhaalmeting'), never a weerbaarheidsscan."""
    name, s = bundled
    found = set()
    for i in s.indicators:
        for sentence in sentences(i.text) + sentences(i.handvat):
            if "0-meting" in sentence and "herhaalmeting" not in sentence:
                found.add(i.id)
    assert found == faults(name, "0-meting")
    texts = [s.provenance] + [p.description for p in (*s.phases, *s.pillars)] + [a.description for a in s.answers]
    assert [t for t in texts if "0-meting" in t and "herhaalmeting" not in t] == []


# --- one word, one meaning: the conventions of 2026.2 (and of sets built on it) ------------------

SINCE_2026_2 = [n for n in NAMES if n != REF_2026_1]


@pytest.fixture(scope="module", params=SINCE_2026_2)
def revised(request):
    return BUNDLED[request.param].load()


def all_text(i) -> str:
    return f"{i.text} {i.handvat}"


@pytest.mark.parametrize(
    ("word", "use"),
    [
        (r"\bdirectie\b", "managementteam"),
        (r"privacy ?officer", "functionaris gegevensbescherming"),
        (r"vier-ogen|vier ogen", "vierogenprincipe"),
        (r"minstens jaarlijks|per jaar (?:besproken|gerapporteerd)", "jaarlijks"),
        (r"afgelopen (?!\d+ maanden)", "in de afgelopen N maanden"),
        (r"Weerbaarheidsscan", "weerbaarheidsscan (a common noun)"),
    ],
)
def test_one_word_for_one_thing(revised, word, use):
    """Each thing has one name in the revised sets (the list is in the header of the 2026.2 file)."""
    found = [i.id for i in revised.indicators if re.search(word, all_text(i))]
    assert found == [], f"use '{use}'"


def test_phase_1_never_names_a_phase_2_role(revised):
    """The ondermijningscoördinator is laid down in phase 2; phase 1 speaks of the aanspreekpunt ondermijning."""
    assert [i.id for i in revised.indicators if i.phase == 1 and "coördinator ondermijning" in all_text(i)] == []
    assert [i.id for i in revised.indicators if i.phase == 1 and "ondermijningscoördinator" in all_text(i)] == []


def test_art_13b_closures_are_called_damoclesbeleid(revised):
    """Where a statement is about closing premises under art. 13b Opiumwet, it names the Damoclesbeleid."""
    found = [i.id for i in revised.indicators if "13b" in i.text and "Damoclesbeleid" not in i.text]
    assert found == []


def test_every_statement_has_a_source(revised):
    """Every indicator of the revised set says where it comes from."""
    assert [i.id for i in revised.indicators if not i.source] == []
