"""Indicator sets: the reference set, every schema error with its line, variants, hostile files."""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from helpers import SMALL_SET, edit, line_of
from piramide import IndicatorSet, InputError, SetError, load_set, reference_path, reference_set
from piramide import _yaml

EXAMPLE_VARIANT = Path(__file__).resolve().parents[1] / "indicators" / "regio-voorbeeld.yaml"

PILLARS = {
    "BO": "Bewustwording en organisatie",
    "IP": "Informatiepositie",
    "BH": "Beleid en handhaving",
    "IV": "Integere en veilige werkomgeving",
    "CO": "Communicatie intern en extern",
}
PHASES = {1: "Bewust", 2: "Georganiseerd", 3: "Fit", 4: "Proactief"}


def problems_of(path: Path) -> list[tuple[str, int | None, str]]:
    """Load ``path``, expect a SetError, and flatten it to ``[(file, line, message), ...]``."""
    with pytest.raises(SetError) as info:
        load_set(path)
    return [(p.file, p.line, p.message) for p in info.value.problems]


def only_problem(path: Path) -> tuple[int | None, str]:
    """The one problem in ``path``: ``(line, message)``; fails if there are more."""
    found = problems_of(path)
    assert len(found) == 1, found
    file, line, message = found[0]
    assert file == str(path)
    return line, message


APPENDED = """\
  - id: {id}
    pillar: {pillar}
    phase: {phase}
    text: Een extra stelling.
    handvat: Doe iets extra.
"""


def with_indicator(id: str, pillar: str = "AA", phase: int = 1) -> str:
    """SMALL_SET with one more indicator at the end (its '- id:' line is the 45th)."""
    return SMALL_SET + APPENDED.format(id=id, pillar=pillar, phase=phase)


# --- the bundled reference set -------------------------------------------------


def test_reference_has_105_indicators(reference):
    """The reference set has 105 indicators with unique ids."""
    assert len(reference.indicators) == 105
    assert len({i.id for i in reference.indicators}) == 105


def test_reference_pillars(reference):
    """The reference set has the five pillars of the domain, in order, with their names."""
    assert [(p.code, p.name) for p in reference.pillars] == list(PILLARS.items())


def test_reference_phases(reference):
    """The reference set has phases 1-4: Bewust, Georganiseerd, Fit, Proactief."""
    assert [(p.number, p.name) for p in reference.phases] == list(PHASES.items())


def test_reference_is_a_pyramid(reference):
    """Every pillar has 8, 6, 4 and 3 indicators in phases 1 to 4."""
    for code in PILLARS:
        assert reference.per_phase(code) == {1: 8, 2: 6, 3: 4, 4: 3}, code


def test_reference_threshold(reference):
    """The reference threshold is exactly 0.75."""
    assert reference.threshold == Decimal("0.75")


def test_reference_answer_scale(reference):
    """The scale is ja 1, deels 0.5, nee 0 and n.v.t. (not applicable)."""
    scale = [(a.label, a.points, a.applicable) for a in reference.answers]
    assert scale == [
        ("ja", Decimal("1"), True),
        ("deels", Decimal("0.5"), True),
        ("nee", Decimal("0"), True),
        ("n.v.t.", None, False),
    ]


def test_reference_ids_name_pillar_and_phase(reference):
    """Every id is <PILLAR>-<phase>.<nn> and matches the indicator's own pillar and phase."""
    for i in reference.indicators:
        assert re.fullmatch(rf"{i.pillar}-{i.phase}\.\d\d", i.id), i.id


def test_reference_is_ordered_by_pillar_then_phase(reference):
    """The resolved order is pillar by pillar, phase by phase."""
    keys = [(list(PILLARS).index(i.pillar), i.phase) for i in reference.indicators]
    assert keys == sorted(keys)


def test_reference_texts_and_handvatten_are_filled(reference):
    """Every indicator has a statement and a handvat."""
    for i in reference.indicators:
        assert i.text.strip() and i.handvat.strip(), i.id


def test_reference_path_is_the_newest_bundled_reference_file():
    """reference_path() points at the bundled file of the newest nl-referentie."""
    assert reference_path().name == "nl-referentie-2026.2.yaml"
    assert reference_path().is_file()
    assert load_set(reference_path()) == reference_set()


# --- fingerprint and canonical JSON --------------------------------------------


def test_fingerprint_format(reference):
    """The fingerprint is 'sha256:' and 64 hex digits."""
    assert re.fullmatch(r"sha256:[0-9a-f]{64}", reference.fingerprint)


def test_fingerprint_is_stable_across_loads():
    """Two loads of the same file give the same fingerprint."""
    assert load_set(None).fingerprint == load_set(reference_path()).fingerprint


def test_fingerprint_is_sha256_of_canonical_json(reference):
    """The fingerprint is the SHA-256 of the canonical JSON, as UTF-8."""
    digest = hashlib.sha256(reference.canonical_json().encode("utf-8")).hexdigest()
    assert reference.fingerprint == f"sha256:{digest}"


def test_canonical_json_form(reference):
    """Canonical JSON: a format tag, sorted keys, no spaces, decimals as normalised text."""
    text = reference.canonical_json()
    data = json.loads(text)
    assert data["format"] == "piramide-set/1"
    assert text == json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert data["threshold"] == "0.75"
    assert [a.get("points") for a in data["answers"]] == ["1", "0.5", "0", None]
    assert "replaces" not in data["indicators"][0]  # fields at their default are left out


def test_fingerprint_changes_with_every_indicator_text(reference):
    """Changing the text of any one indicator changes the fingerprint."""
    data = reference.model_dump()
    seen = {reference.fingerprint}
    for n in range(len(data["indicators"])):
        changed = json.loads(json.dumps(data, default=str))
        changed["indicators"][n]["text"] += " "
        seen.add(IndicatorSet.model_validate(changed).fingerprint)
    assert len(seen) == 1 + len(data["indicators"])


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["indicators"][0].update(handvat=d["indicators"][0]["handvat"] + "."),
        lambda d: d["indicators"][0].update(source="elders"),
        lambda d: d["phases"][3].update(name="Voorlopend"),
        lambda d: d["pillars"][0].update(description=""),
        lambda d: d["answers"][1].update(points="0.4"),
        lambda d: d.update(threshold="0.7"),
        lambda d: d.update(version="2026.2"),
    ],
    ids=["handvat", "source", "phase name", "pillar description", "points", "threshold", "version"],
)
def test_fingerprint_changes_with_any_field(reference, change):
    """Changing any field of the set changes the fingerprint."""
    data = json.loads(reference.canonical_json())
    data.pop("format")
    change(data)
    assert IndicatorSet.model_validate(data).fingerprint != reference.fingerprint


def test_fingerprint_ignores_yaml_layout(write_set):
    """The same set written with other quoting, comments and flow style has the same fingerprint."""
    other = edit(SMALL_SET, 'version: "1"', "version: '1'  # quoted differently")
    other = edit(other, "  - label: ja\n    points: 1\n", "  - {label: ja, points: 1.0}\n")
    assert load_set(write_set(SMALL_SET, "a.yaml")).fingerprint == load_set(write_set(other, "b.yaml")).fingerprint


def test_copy_with_a_change_has_a_new_fingerprint(reference):
    """model_copy(update=...) does not carry over the fingerprint of the original."""
    assert reference.fingerprint  # computed and cached on the original
    copy = reference.model_copy(update={"threshold": Decimal("0.5")})
    assert copy.fingerprint != reference.fingerprint
    assert copy.threshold_fraction == Decimal("0.5")


@pytest.mark.parametrize("path", [None, EXAMPLE_VARIANT], ids=["reference", "variant"])
def test_canonical_json_round_trip(path):
    """A set rebuilt from its canonical JSON equals it and has the same fingerprint."""
    original = load_set(path)
    rebuilt = IndicatorSet.from_canonical_json(original.canonical_json())
    assert rebuilt == original
    assert rebuilt.fingerprint == original.fingerprint


def test_canonical_json_needs_the_format_tag(reference):
    """JSON without the piramide-set/1 tag is refused."""
    data = json.loads(reference.canonical_json())
    data["format"] = "piramide-set/0"
    with pytest.raises(ValueError, match="piramide-set/1"):
        IndicatorSet.from_canonical_json(json.dumps(data))


# --- schema errors: each with FILE:LINE ----------------------------------------


def test_small_set_is_valid(write_set):
    """The small set the error tests start from is itself valid."""
    s = load_set(write_set(SMALL_SET))
    assert [i.id for i in s.indicators] == ["AA-1.01", "AA-2.01", "BB-1.01", "BB-2.01"]


def test_problem_text_is_file_line_message(write_set):
    """A problem prints as FILE:LINE: message."""
    path = write_set(edit(SMALL_SET, "threshold: 0.75", "threshold: 2"))
    with pytest.raises(SetError) as info:
        load_set(path)
    assert str(info.value) == f"{path}:4: threshold 2 is outside (0, 1]; use a share such as 0.75"


def test_duplicate_indicator_id(write_set):
    """A duplicate id is reported on its own line, naming the line of the first."""
    text = edit(SMALL_SET, "- id: BB-1.01", "- id: AA-1.01")
    line, message = only_problem(write_set(text))
    assert line == line_of(SMALL_SET, "- id: BB-1.01")
    assert message == f"duplicate indicator id 'AA-1.01' (first at line {line_of(SMALL_SET, '- id: AA-1.01')}); every id must be unique"


def test_unknown_pillar(write_set):
    """An indicator in a pillar that is not listed is reported on its 'pillar' line."""
    line, message = only_problem(write_set(with_indicator("CC-1.01", pillar="CC")))
    assert line == 46
    assert message == "indicator CC-1.01: unknown pillar 'CC'; use one of AA, BB"


def test_unknown_phase(write_set):
    """An indicator in a phase that is not listed is reported on its 'phase' line."""
    line, message = only_problem(write_set(with_indicator("AA-3.01", phase=3)))
    assert line == 47
    assert message == "indicator AA-3.01: unknown phase 3; use one of 1, 2"


@pytest.mark.parametrize("blank", ['""', "'   '"])
def test_empty_statement(write_set, blank):
    """An empty or blank statement is reported on its 'text' line."""
    text = edit(SMALL_SET, "text: Er is een aanspreekpunt benoemd.", f"text: {blank}")
    line, message = only_problem(write_set(text))
    assert line == line_of(SMALL_SET, "text: Er is een aanspreekpunt benoemd.")
    assert message == "indicator BB-1.01: the statement ('text') is empty"


def test_empty_handvat(write_set):
    """An empty handvat is reported on its line."""
    text = edit(SMALL_SET, "handvat: Stel het beleid vast.", 'handvat: ""')
    line, message = only_problem(write_set(text))
    assert line == line_of(SMALL_SET, "handvat: Stel het beleid vast.")
    assert message.startswith("indicator AA-2.01: the handvat is empty")


def test_phase_without_indicators_in_a_pillar(write_set):
    """A pillar with no indicator in some phase is reported on the pillar's line."""
    text = edit(SMALL_SET, "  - id: BB-2.01\n    pillar: BB\n    phase: 2", "  - id: BB-2.01\n    pillar: BB\n    phase: 1")
    line, message = only_problem(write_set(text))
    assert line == line_of(SMALL_SET, "- code: BB")
    assert message == (
        "pillar BB has no indicator in phase 2 (Georganiseerd); "
        "every pillar needs at least one indicator in every phase"
    )


@pytest.mark.parametrize("value", ["0", "1.5", "-1", "0.0"])
def test_threshold_outside_range(write_set, value):
    """A threshold outside (0, 1] is reported on its line."""
    line, message = only_problem(write_set(edit(SMALL_SET, "threshold: 0.75", f"threshold: {value}")))
    assert line == 4
    assert message == f"threshold {float(value) if '.' in value else int(value)} is outside (0, 1]; use a share such as 0.75"


@pytest.mark.parametrize("value", ["hoog", '"0.75"', "true", "[0.75]", "null"])
def test_threshold_not_a_number(write_set, value):
    """A threshold that is not a number is reported on its line."""
    line, message = only_problem(write_set(edit(SMALL_SET, "threshold: 0.75", f"threshold: {value}")))
    assert line == 4
    assert message.startswith("'threshold' must be a number in (0, 1], such as 0.75, not ")


@pytest.mark.parametrize("value", ["1", "0.01", "1.0"])
def test_threshold_edges_accepted(write_set, value):
    """A threshold of 1 or a small share is accepted."""
    s = load_set(write_set(edit(SMALL_SET, "threshold: 0.75", f"threshold: {value}")))
    assert s.threshold == Decimal(value)


def test_threshold_missing(write_set):
    """A set without a threshold is reported."""
    line, message = only_problem(write_set(edit(SMALL_SET, "threshold: 0.75\n", "")))
    assert line == 1
    assert message.startswith("key 'threshold' is missing")


def test_answer_scale_without_applicable_answer(write_set):
    """A scale where no answer is applicable is reported on the 'answers' list."""
    text = SMALL_SET
    for points in ("points: 1\n", "points: 0.5\n", "points: 0\n"):
        text = edit(text, points, "applicable: false\n")
    line, message = only_problem(write_set(text))
    assert line == line_of(SMALL_SET, "- label: ja")
    assert message.startswith("the answer scale has no applicable answer")


def test_answer_points_outside_range(write_set):
    """Points outside 0..1 are reported on their line."""
    line, message = only_problem(write_set(edit(SMALL_SET, "points: 0.5", "points: 5")))
    assert line == line_of(SMALL_SET, "points: 0.5")
    assert message == "answer 'deels' has points 5; points go from 0 to 1"


def test_answer_labels_that_type_the_same(write_set):
    """Two labels that differ only in case or dots are reported."""
    line, message = only_problem(write_set(edit(SMALL_SET, "label: nee", "label: J.A")))
    assert line == line_of(SMALL_SET, "label: nee")
    assert message.startswith("answer 'J.A' is the same as 'ja' when typed")


@pytest.mark.parametrize(
    ("old", "new", "problem_on"),
    [
        ("text: Er is een aanspreekpunt benoemd.", "text: Er is: een aanspreekpunt benoemd.", "Er is: een"),
        ("    name: Bewust", "   name: Bewust", "name: Bewust"),
        ("    name: Bewust", "\tname: Bewust", "name: Bewust"),
        ("name: Bewust", 'name: "Bewust', 'name: "Bewust'),
    ],
    ids=["colon in text", "bad indent", "tab", "unclosed quote"],
)
def test_yaml_syntax_error(write_set, old, new, problem_on):
    """A YAML syntax error is reported with the line where it is."""
    text = edit(SMALL_SET, old, new)
    line, message = only_problem(write_set(text))
    assert line == line_of(text, problem_on)
    assert message.startswith("YAML syntax error: ")


@pytest.mark.parametrize("value", ["2026-13-45", "!!int abc", "!!float x", "!!binary xyz", "!!timestamp nope"])
def test_value_yaml_cannot_build(write_set, value):
    """A value YAML cannot build (an impossible date, a bad tag) is a problem on its line, not a crash."""
    line, message = only_problem(write_set(edit(SMALL_SET, 'version: "1"', f"version: {value}")))
    assert line == 3
    assert message.startswith("bad value ")
    assert "\n" not in message
    assert message.endswith("put it in quotes if it is text")


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        ("phase: 1\n    text: Het onderwerp", "phase: een\n    text: Het onderwerp", "phase: een",
         "indicator AA-1.01: 'phase' must be a whole number, not text ('een')"),
        ("text: Het college heeft beleid vastgesteld.", "text: 12", "text: 12",
         "indicator AA-2.01: 'text' must be text, not a number (12)"),
        ("points: 0.5", "points: veel", "points: veel",
         "answer deels: 'points' must be a number, not text ('veel')"),
        ("name: Bewust", "name: [Bewust]", "name: [Bewust]",
         "phase 1: 'name' must be text, not a list (['Bewust'])"),
        ("applicable: false", "applicable: nee", "applicable: nee",
         "answer n.v.t.: 'applicable' must be true or false, not text ('nee')"),
        ("name: Kleine set", "name: 7", "name: 7", "'name' must be text, not a number (7)"),
        ("  - code: BB\n    name: Tweede pijler\n", "  - BB\n", "  - BB",
         "pillar must be a mapping of keys to values, not text"),
    ],
    ids=["phase", "text", "points", "phase name", "applicable", "set name", "pillar entry"],
)
def test_wrong_type(write_set, old, new, needle, message):
    """A value of the wrong type is reported on its line, saying what was expected."""
    text = edit(SMALL_SET, old, new)
    line, found = only_problem(write_set(text))
    assert (line, found) == (line_of(text, needle), message)


def test_list_that_is_not_a_list(write_set):
    """A key that must hold a list but holds text is reported on its line."""
    text = SMALL_SET.replace("phases:\n  - number: 1\n    name: Bewust\n  - number: 2\n    name: Georganiseerd\n", "phases: Bewust\n")
    found = problems_of(write_set(text))
    assert found[0][1:] == (line_of(text, "phases: Bewust"), "'phases' must be a list of phases, not text")


def test_unknown_key_at_top(write_set):
    """An unknown top-level key is reported on its line, listing the allowed keys."""
    text = edit(SMALL_SET, "threshold: 0.75\n", "threshold: 0.75\ndrempel: 0.7\n")
    line, message = only_problem(write_set(text))
    assert line == 5
    assert message.startswith("unknown key 'drempel' in an indicator set; allowed keys are id, name, version,")


def test_unknown_key_in_indicator(write_set):
    """An unknown key in an indicator is reported on its line, listing the allowed keys."""
    text = edit(SMALL_SET, "handvat: Zet het onderwerp op de agenda.\n", "handvat: Zet het onderwerp op de agenda.\n    bron: APV\n")
    line, message = only_problem(write_set(text))
    assert line == line_of(text, "bron: APV")
    assert message.startswith("indicator AA-1.01: unknown key 'bron'; allowed keys are id, pillar, phase, text, handvat, source")


def test_missing_key_at_top(write_set):
    """A missing top-level key is reported (at the top of the file)."""
    line, message = only_problem(write_set(edit(SMALL_SET, "name: Kleine set\n", "")))
    assert (line, message) == (1, "key 'name' is missing")


def test_missing_key_in_indicator(write_set):
    """A missing key in an indicator is reported on the indicator's first line."""
    text = edit(SMALL_SET, "    handvat: Stel het beleid vast.\n", "")
    line, message = only_problem(write_set(text))
    assert (line, message) == (line_of(text, "- id: AA-2.01"), "indicator AA-2.01: key 'handvat' is missing")


def test_missing_list(write_set):
    """A set without a list of indicators is reported."""
    text = SMALL_SET[: SMALL_SET.index("indicators:")]
    line, message = only_problem(write_set(text))
    assert (line, message) == (1, "key 'indicators' is missing; it lists the indicators")


def test_duplicate_yaml_key_in_indicator(write_set):
    """A key given twice in one mapping is reported on the second one's line."""
    text = edit(SMALL_SET, "text: Er is een vastgestelde meldroute.\n", "text: Er is een vastgestelde meldroute.\n    text: Nogmaals.\n")
    line, message = only_problem(write_set(text))
    assert (line, message) == (line_of(text, "text: Nogmaals."), "duplicate key 'text'; give each key once")


def test_duplicate_yaml_key_at_top(write_set):
    """A top-level key given twice is reported on the second one's line."""
    text = edit(SMALL_SET, 'version: "1"\n', 'version: "1"\nid: tweede\n')
    line, message = only_problem(write_set(text))
    assert (line, message) == (4, "duplicate key 'id'; give each key once")


def test_merge_keys_refused(write_set):
    """YAML merge keys ('<<') are refused with their line."""
    text = edit(SMALL_SET, "  - code: BB\n    name: Tweede pijler\n", "  - <<: {code: BB}\n    name: Tweede pijler\n")
    found = problems_of(write_set(text))
    assert (found[0][1], found[0][2]) == (line_of(text, "<<:"), "keys must be plain words (no merge keys)")


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the file is empty"), ("# alleen commentaar\n", "the file is empty"), ("- een\n- lijst\n", "an indicator set is a YAML mapping")],
    ids=["empty", "comment only", "a list"],
)
def test_not_a_mapping(write_set, text, message):
    """An empty file, or one that is not a mapping, is one clear problem."""
    found = problems_of(write_set(text))
    assert len(found) == 1 and found[0][2].startswith(message)


def test_bad_ids_and_codes(write_set):
    """A pillar code or indicator id outside its pattern is reported on its line."""
    text = edit(SMALL_SET, "- id: AA-2.01", "- id: AA 2.01")
    text = edit(text, "- code: BB", "- code: bb")
    text = text.replace("pillar: BB", "pillar: bb")
    found = problems_of(write_set(text))
    assert [(line, msg.split(";")[0]) for _, line, msg in found] == [
        (line_of(text, "- code: bb"), "pillar code 'bb' is not allowed"),
        (line_of(text, "- id: AA 2.01"), "indicator id 'AA 2.01' is not allowed"),
    ]


def test_five_mistakes_in_one_run(write_set):
    """A file with five different mistakes lists all five, each with its line, in one run."""
    text = """\
        id: vijf-fouten
        name: Vijf fouten
        version: "1"
        threshold: 1.5
        answers:
          - {label: ja, points: 1}
          - {label: nee, points: 0}
        phases:
          - {number: 1, name: Bewust}
        pillars:
          - {code: AA, name: Eerste pijler}
          - {code: BB, name: Tweede pijler}
        indicators:
          - id: AA-1.01
            pillar: AA
            phase: 1
            text: Het onderwerp staat op de agenda.
            handvat: Zet het op de agenda.
            bron: APV
          - id: AA-1.01
            pillar: AA
            phase: 1
            text: Er is een aanspreekpunt.
            handvat: Wijs er een aan.
          - id: BB-1.01
            pillar: CC
            phase: 1
            text: Er is beleid.
            handvat: Stel beleid vast.
          - id: BB-1.02
            pillar: BB
            phase: 1
            text: ""
            handvat: Stel een meldroute vast.
        """
    path = write_set(text)
    found = problems_of(path)
    assert [(file, line, message.split(";")[0]) for file, line, message in found] == [
        (str(path), 4, "threshold 1.5 is outside (0, 1]"),
        (str(path), 19, "indicator AA-1.01: unknown key 'bron'"),
        (str(path), 20, "duplicate indicator id 'AA-1.01' (first at line 14)"),
        (str(path), 26, "indicator BB-1.01: unknown pillar 'CC'"),
        (str(path), 33, "indicator BB-1.02: the statement ('text') is empty"),
    ]


def test_no_follow_up_problem_for_an_entry_left_out(write_set):
    """An indicator with a wrong type is reported once, not also as a gap in its pillar."""
    text = edit(SMALL_SET, "text: Het college heeft beleid vastgesteld.", "text: 12")
    assert len(problems_of(write_set(text))) == 1


def test_no_follow_up_unknown_pillar_for_a_broken_pillar(write_set):
    """A pillar entry with a mistake is reported once, not again for each of its indicators."""
    text = edit(SMALL_SET, "name: Tweede pijler", "naam: Tweede pijler")
    found = problems_of(write_set(text))
    assert [m for _, _, m in found] == [
        "pillar BB: key 'name' is missing",
        "pillar BB: unknown key 'naam'; allowed keys are code, name, description",
    ]


# --- variants ------------------------------------------------------------------


@pytest.fixture(scope="module")
def example():
    """The bundled example variant, resolved."""
    return load_set(EXAMPLE_VARIANT)


@pytest.fixture(scope="module")
def base():
    """What the example variant extends: 'nl-referentie', by name, so the newest bundled version."""
    return reference_set()


def test_example_variant_has_its_own_identity(example, base):
    """The example variant has its own id, version and fingerprint."""
    assert example.id == "riec-voorbeeld"
    assert example.version != base.version
    assert example.fingerprint != base.fingerprint
    assert "fictional" in example.provenance.lower()


def test_example_variant_threshold(example):
    """The example variant changes the threshold to 0.7."""
    assert example.threshold == Decimal("0.7")


def test_example_variant_renames_phase_4(example, base):
    """The example variant renames phase 4 and keeps phases 1-3 as they are."""
    assert example.phases[3].name == "Voorlopend"
    assert example.phases[3].description and example.phases[3].description != base.phases[3].description
    assert example.phases[:3] == base.phases[:3]


def test_example_variant_keeps_pillars_and_answers(example, base):
    """The example variant keeps the base pillars and answer scale."""
    assert example.pillars == base.pillars
    assert example.answers == base.answers


def test_example_variant_removes(example, base):
    """The removed indicator is gone; the rest stays."""
    removed = set(base.by_id) - set(example.by_id)
    assert removed == {"CO-1.08"}


def test_example_variant_replaces_in_place(example, base):
    """The replaced indicator has its new text and handvat, in the same pillar, phase and place."""
    old, new = base.by_id["BH-1.04"], example.by_id["BH-1.04"]
    assert (new.text, new.handvat) != (old.text, old.handvat)
    assert "regionale model-APV" in new.text
    assert (new.pillar, new.phase, new.source) == (old.pillar, old.phase, old.source)
    ids = [i.id for i in example.indicators]
    assert ids[ids.index("BH-1.04") - 1 : ids.index("BH-1.04") + 2] == ["BH-1.03", "BH-1.04", "BH-1.08"]


def test_example_variant_adds_after_their_phase(example):
    """The added indicators sit at the end of their pillar and phase."""
    ids = [i.id for i in example.indicators]
    assert ids[ids.index("BH-2.08") + 1] == "BH-2.07"
    assert ids[ids.index("IP-3.04") + 1] == "IP-3.05"
    assert (example.by_id["BH-2.07"].pillar, example.by_id["BH-2.07"].phase) == ("BH", 2)
    assert "vakantiepark" in example.by_id["BH-2.07"].text
    assert "drugsafval" in example.by_id["IP-3.05"].text


def test_example_variant_counts(example):
    """The example variant has 106 indicators and no empty pillar phase."""
    assert len(example.indicators) == 105 - 1 + 2
    for p in example.pillars:
        assert all(n > 0 for n in example.per_phase(p.code).values()), p.code


def test_example_variant_leaves_the_rest_unchanged(example, base):
    """Indicators that the variant does not touch are identical to the base's."""
    untouched = set(base.by_id) - {"CO-1.08", "BH-1.04"}
    assert all(example.by_id[i] == base.by_id[i] for i in untouched)


BASE_FILE = "base.yaml"


def write_variant(write_set, body: str) -> Path:
    """Write SMALL_SET as base.yaml and a variant extending it; return the variant's path."""
    write_set(SMALL_SET, BASE_FILE)
    return write_set('extend: base.yaml\nid: variant\nversion: "2"\n' + body, "variant.yaml")


def test_variant_without_changes(write_set):
    """A variant with only extend, id and version is the base under a new id."""
    base = load_set(write_set(SMALL_SET, BASE_FILE))
    v = load_set(write_variant(write_set, ""))
    assert (v.id, v.version, v.name) == ("variant", "2", base.name)
    assert v.indicators == base.indicators
    assert v.fingerprint != base.fingerprint


def test_variant_empty_change_lists(write_set):
    """Empty lists of renames, removals, replacements and additions change nothing."""
    v = load_set(write_variant(write_set, "phases: []\npillars: []\nremove: []\nreplace: []\nadd: []\n"))
    assert len(v.indicators) == 4


def test_variant_renames_pillar(write_set):
    """A variant can rename a pillar by its code."""
    v = load_set(write_variant(write_set, "pillars:\n  - code: BB\n    name: Andere naam\n"))
    assert [(p.code, p.name) for p in v.pillars] == [("AA", "Eerste pijler"), ("BB", "Andere naam")]


def test_variant_replace_changes_only_given_fields(write_set):
    """Replace changes the fields it gives and keeps the others."""
    v = load_set(write_variant(write_set, "replace:\n  - id: AA-1.01\n    text: Nieuwe stelling.\n"))
    assert v.by_id["AA-1.01"].text == "Nieuwe stelling."
    assert v.by_id["AA-1.01"].handvat == "Zet het onderwerp op de agenda."


def test_variant_replaces_answer_scale(write_set):
    """A variant's 'answers' replaces the whole scale."""
    v = load_set(write_variant(write_set, "answers:\n  - {label: ja, points: 1}\n  - {label: nee, points: 0}\n"))
    assert [a.label for a in v.answers] == ["ja", "nee"]


def test_variant_of_a_variant(write_set):
    """A variant can extend a variant."""
    write_variant(write_set, "threshold: 0.6\n")
    third = write_set('extend: variant.yaml\nid: derde\nversion: "3"\nremove: [BB-2.01]\nadd:\n'
                      "  - {id: BB-2.02, pillar: BB, phase: 2, text: Nieuw., handvat: Doe het.}\n", "third.yaml")
    v = load_set(third)
    assert (v.id, v.threshold) == ("derde", Decimal("0.6"))
    assert [i.id for i in v.indicators] == ["AA-1.01", "AA-2.01", "BB-1.01", "BB-2.02"]


def test_variant_remove_unknown_id(write_set):
    """Removing an id the base does not have is reported on its line."""
    path = write_variant(write_set, "remove:\n  - XX-1.01\n")
    line, message = only_problem(path)
    assert (line, message) == (5, "cannot remove 'XX-1.01': the set it extends has no such indicator")


def test_variant_replace_unknown_id(write_set):
    """Replacing an id the base does not have is reported on its line."""
    path = write_variant(write_set, "replace:\n  - id: XX-1.01\n    text: Nieuw.\n")
    line, message = only_problem(path)
    assert (line, message) == (5, "cannot replace 'XX-1.01': the set it extends has no such indicator (use 'add')")


def test_variant_rename_unknown_phase(write_set):
    """Renaming a phase the base does not have is reported on its line."""
    path = write_variant(write_set, "phases:\n  - number: 3\n    name: Fit\n")
    line, message = only_problem(path)
    assert line == 5
    assert message == "phase 3 is not in the set it extends (1, 2); a variant can rename phases, not add them"


def test_variant_rename_unknown_pillar(write_set):
    """Renaming a pillar the base does not have is reported on its line."""
    path = write_variant(write_set, "pillars:\n  - code: CC\n    name: Derde\n")
    line, message = only_problem(path)
    assert line == 5
    assert message.startswith("pillar 'CC' is not in the set it extends (AA, BB)")


def test_variant_add_existing_id(write_set):
    """Adding an id the base already has says so, and points at 'replace'."""
    path = write_variant(write_set, "add:\n  - {id: AA-1.01, pillar: AA, phase: 1, text: Dubbel., handvat: Niets.}\n")
    line, message = only_problem(path)
    assert line == 5
    assert message.startswith("indicator id 'AA-1.01' is already in the set it extends; use 'replace'")


def test_variant_extends_missing_file(write_set):
    """Extending a file that does not exist is reported on the 'extend' line."""
    path = write_set('id: v\nversion: "1"\nextend: nergens.yaml\n')
    line, message = only_problem(path)
    assert line == 3
    assert message.startswith("the set it extends cannot be read: ")
    assert "nergens.yaml: no such YAML file" in message


def test_variant_extend_cycle(write_set):
    """A -> B -> A is reported as a cycle, not followed forever."""
    a = write_set('extend: b.yaml\nid: a\nversion: "1"\n', "a.yaml")
    b = write_set('extend: a.yaml\nid: b\nversion: "1"\n', "b.yaml")
    found = problems_of(a)
    assert (str(b), 1, "'extend' makes a cycle: a.yaml builds on this file again") in found
    assert (str(a), 1, "the set it extends (b.yaml) has the problems listed") in found


def test_variant_extends_itself(write_set):
    """A file that extends itself is a cycle."""
    path = write_set('extend: set.yaml\nid: a\nversion: "1"\n')
    assert only_problem(path) == (1, "'extend' makes a cycle: set.yaml builds on this file again")


def test_variant_same_id_as_base(write_set):
    """A variant with the id of its base is reported on its 'id' line."""
    write_set(SMALL_SET, BASE_FILE)
    path = write_set('extend: base.yaml\nid: klein\nversion: "2"\n', "variant.yaml")
    line, message = only_problem(path)
    assert (line, message) == (2, "a variant needs an id of its own, not the id of the set it extends ('klein')")


def test_variant_unknown_key(write_set):
    """A key a variant cannot have (such as 'indicators') is reported once, on its line."""
    path = write_variant(write_set, "indicators: []\n")
    line, message = only_problem(path)
    assert line == 4
    assert message.startswith("unknown key 'indicators' in a variant set (one with 'extend'); allowed keys are")


def test_variant_missing_version(write_set):
    """A variant needs a version of its own."""
    write_set(SMALL_SET, BASE_FILE)
    path = write_set("extend: base.yaml\nid: variant\n", "variant.yaml")
    assert only_problem(path) == (1, "key 'version' is missing")


def test_variant_leaving_a_phase_empty(write_set):
    """Removing the only indicator of a pillar's phase is reported."""
    path = write_variant(write_set, "remove: [BB-2.01]\n")
    _, message = only_problem(path)
    assert message.startswith("pillar BB has no indicator in phase 2 (Georganiseerd)")


def test_variant_reports_problems_of_its_base(write_set):
    """Problems in the base are listed with the base's file and line."""
    base = write_set(edit(SMALL_SET, "threshold: 0.75", "threshold: 2"), BASE_FILE)
    path = write_set('extend: base.yaml\nid: variant\nversion: "2"\n', "variant.yaml")
    found = problems_of(path)
    assert (str(base.resolve()), 4, "threshold 2 is outside (0, 1]; use a share such as 0.75") in found
    assert (str(path), 1, "the set it extends (base.yaml) has the problems listed") in found


# --- hostile input ---------------------------------------------------------------


def _missing(tmp: Path) -> Path:
    return tmp / "bestaat-niet.yaml"


def _folder(tmp: Path) -> Path:
    (tmp / "map.yaml").mkdir()
    return tmp / "map.yaml"


def _binary(tmp: Path) -> Path:
    path = tmp / "plaatje.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    return path


def _huge(tmp: Path) -> Path:
    path = tmp / "groot.yaml"
    with path.open("wb") as f:
        f.write(b"id: groot\n")
        f.truncate(50 * 1024 * 1024)  # sparse: no 50 MB written to disk
    return path


def _just_too_large(tmp: Path) -> Path:
    path = tmp / "net-te-groot.yaml"
    line = b"# " + b"x" * 97 + b"\n"
    path.write_bytes(line * (_yaml.MAX_BYTES // len(line) + 1))
    assert _yaml.MAX_BYTES < path.stat().st_size < _yaml.MAX_BYTES + 200
    return path


def _alias_bomb(tmp: Path) -> Path:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    path = tmp / "bom.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _recursive_alias(tmp: Path) -> Path:
    path = tmp / "kringetje.yaml"
    path.write_text("id: &x [*x]\n", encoding="utf-8")
    return path


def _deeply_nested(tmp: Path) -> Path:
    path = tmp / "diep.yaml"
    depth = _yaml.MAX_DEPTH + 10
    path.write_text("id: " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
    return path


def _very_deeply_nested(tmp: Path) -> Path:
    path = tmp / "heel-diep.yaml"  # deeper than Python's recursion limit (one bracket a line: fast)
    path.write_text("id: " + "[\n" * 5000 + "]\n" * 5000, encoding="utf-8")
    return path


def _latin1(tmp: Path) -> Path:
    path = tmp / "latin1.yaml"
    path.write_bytes("id: klein\nname: Café-set\n".encode("latin-1"))
    return path


def _control_character(tmp: Path) -> Path:
    path = tmp / "bel.yaml"
    path.write_text("id: klein\nname: Bel\x07set\n", encoding="utf-8")
    return path


def _utf16(tmp: Path) -> Path:
    path = tmp / "utf16.yaml"
    path.write_bytes("id: klein\n".encode("utf-16"))
    return path


HOSTILE = {
    "missing": (_missing, "no such YAML file"),
    "folder": (_folder, "is a folder, not a YAML file"),
    "binary": (_binary, "is a binary file"),
    "50 MB": (_huge, "too large for a YAML file"),
    "just over the limit": (_just_too_large, "too large for a YAML file"),
    "alias bomb": (_alias_bomb, "a YAML alias bomb?"),
    "recursive alias": (_recursive_alias, "nested too deeply"),
    "deeply nested": (_deeply_nested, "nested too deeply"),
    "very deeply nested": (_very_deeply_nested, "nested too deeply"),
    "latin-1": (_latin1, "is not UTF-8 text"),
    "control character": (_control_character, ":2: cannot be read as YAML: it contains the control character #x0007"),
    "utf-16": (_utf16, "is a binary file"),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_raises_input_error(tmp_path, case):
    """A file that cannot be used raises InputError naming the file and why."""
    make, reason = HOSTILE[case]
    path = make(tmp_path)
    with pytest.raises(InputError) as info:
        load_set(path)
    assert str(info.value).startswith(str(path) + ":")
    assert "\n" not in str(info.value)
    assert reason in str(info.value)


@pytest.mark.parametrize("command", ["validate", "show"])
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_on_the_command_line(tmp_path, cli, case, command):
    """Via the CLI a hostile file gives one 'piramide: error:' line on stderr, exit 2, no traceback."""
    make, reason = HOSTILE[case]
    result = cli("sets", command, make(tmp_path))
    assert result.code == 2
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert result.err.startswith("piramide: error: ")
    assert reason in result.err
    assert "Traceback" not in result.err


def test_utf8_with_bom_is_accepted(write_set):
    """A UTF-8 file with a byte-order mark (as Windows editors save it) loads."""
    path = write_set(SMALL_SET)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_set(path).id == "klein"


def test_windows_line_ends_keep_line_numbers(write_set):
    """CRLF line ends do not shift the reported lines."""
    path = write_set(SMALL_SET)
    path.write_bytes(edit(SMALL_SET, "threshold: 0.75", "threshold: 2").replace("\n", "\r\n").encode())
    assert only_problem(path)[0] == 4


def test_a_numeric_version_that_loses_zeros_is_refused(write_set):
    """'version: 2026.10' is a number in YAML (2026.1): it must be quoted, and the message says so."""
    path = write_set(edit(SMALL_SET, 'version: "1"', "version: 2026.10"))
    with pytest.raises(SetError) as info:
        load_set(path)
    (problem,) = info.value.problems
    assert problem.line == line_of(SMALL_SET, 'version: "1"')
    assert "put it in quotes" in problem.message


def test_many_tiny_values_are_refused_quickly(tmp_path):
    """A file of tens of thousands of tiny values is refused with one InputError, fast (no pure-Python crawl)."""
    import time

    path = tmp_path / "many.yaml"
    path.write_text("a:\n" + "  - {a: [b, c], d: e}\n" * 60_000, encoding="utf-8")
    start = time.process_time()
    with pytest.raises(InputError, match="values"):
        load_set(path)
    assert time.process_time() - start < 10
