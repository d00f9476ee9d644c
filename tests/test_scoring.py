"""The phase rule: boundaries, blanks, n.v.t., caps, normalisation, and properties against an oracle."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers import SetSpec, oracle, set_yaml
from piramide import AnswerError, load_set, normalise_answers, reference_set, score_measurement
from piramide.scoring import cover_slot

LEVELS = (1, 2, 3, 4)


def answers_for(reference, pillar: str, level: int, *labels: str | None) -> dict[str, str | None]:
    """Answers for one pillar's level, in indicator order; ``labels`` must cover every indicator."""
    ids = [i.id for i in reference.indicators_of(pillar, level)]
    assert len(ids) == len(labels), f"{pillar} level {level} has {len(ids)} indicators"
    return dict(zip(ids, labels, strict=True))


def all_answered(reference, label: str | None) -> dict[str, str | None]:
    """The same answer for every indicator of the set."""
    return {i.id: label for i in reference.indicators}


def phase_of(reference, answers, pillar: str = "BO") -> int:
    return score_measurement(reference, answers).pillars[pillar].phase


# --- the threshold, exactly ----------------------------------------------------


@pytest.mark.parametrize(
    ("level", "labels"),
    [
        (1, ["ja"] * 6 + ["nee"] * 2),  # 6/8
        (1, ["ja"] * 5 + ["deels"] * 2 + ["nee"]),  # 6/8
        (2, ["ja"] * 4 + ["deels", "nee"]),  # 4.5/6
        (3, ["ja"] * 3 + ["nee"]),  # 3/4
        (3, ["ja", "ja", "deels", "deels"]),  # 3/4
        (2, ["ja"] * 3 + ["nee"] + ["n.v.t."] * 2),  # 3/4 of the applicable
    ],
    ids=["6 of 8", "5 ja 2 deels of 8", "4.5 of 6", "3 of 4", "2 ja 2 deels of 4", "3 of 4 applicable"],
)
def test_exactly_the_threshold_reaches(reference, level, labels):
    """A score of exactly 0.75 reaches the level."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BO", level, *labels)
    result = score_measurement(reference, answers).pillars["BO"]
    assert result.levels[level - 1].score == Fraction(3, 4)
    assert result.reached[level - 1] is True
    assert result.phase == 4


@pytest.mark.parametrize(
    ("level", "labels", "score"),
    [
        (1, ["ja"] * 5 + ["deels"] + ["nee"] * 2, Fraction(11, 16)),
        (2, ["ja"] * 4 + ["nee"] * 2, Fraction(2, 3)),
        (3, ["ja"] * 2 + ["deels"] * 1 + ["nee"], Fraction(5, 8)),
        (4, ["ja", "deels", "deels"], Fraction(2, 3)),
    ],
    ids=["5.5 of 8", "4 of 6", "2.5 of 4", "2 of 3"],
)
def test_just_below_the_threshold_does_not_reach(reference, level, labels, score):
    """A score just below 0.75 does not reach the level, and caps the pillar below it."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BO", level, *labels)
    result = score_measurement(reference, answers).pillars["BO"]
    assert result.levels[level - 1].score == score
    assert result.reached[level - 1] is False
    assert result.phase == level - 1


@pytest.mark.parametrize(
    ("threshold", "reached", "of", "reaches"),
    [
        ("0.7", 7, 10, True),
        ("0.7", 6, 10, False),
        ("0.3", 3, 10, True),
        ("0.3", 2, 10, False),
        ("0.6", 3, 5, True),
        ("0.28", 7, 25, True),  # in floats 0.28 * 25 is 7.000000000000001
        ("0.28", 6, 25, False),
        ("0.1", 1, 10, True),
        ("1", 10, 10, True),
        ("1", 9, 10, False),
    ],
)
def test_other_thresholds_are_exact(write_set, threshold, reached, of, reaches):
    """With another threshold the boundary is exact too (7 of 25 reaches 0.28: no float error)."""
    s = load_set(write_set(set_yaml(threshold=threshold, pillars=("AA",), per_phase=(of,))))
    ids = [i.id for i in s.indicators]
    answers = {i: ("ja" if n < reached else "nee") for n, i in enumerate(ids)}
    assert score_measurement(s, answers).pillars["AA"].phase == (1 if reaches else 0)


def test_threshold_boundary_with_deels(write_set):
    """6 ja and 2 deels of 10 is exactly 0.7 and reaches a 0.7 threshold."""
    s = load_set(write_set(set_yaml(threshold="0.7", pillars=("AA",), per_phase=(10,))))
    labels = ["ja"] * 6 + ["deels"] * 2 + ["nee"] * 2
    answers = dict(zip((i.id for i in s.indicators), labels, strict=True))
    level = score_measurement(s, answers).pillars["AA"].levels[0]
    assert level.score == Fraction(7, 10)
    assert level.reached(s.threshold_fraction)


# --- n.v.t., blanks, deels, caps -------------------------------------------------


def test_all_not_applicable_gives_the_top_phase(reference):
    """With every answer n.v.t., every pillar and the municipality are in phase 4."""
    result = score_measurement(reference, all_answered(reference, "n.v.t."))
    assert {p.phase for p in result.pillars.values()} == {4}
    assert result.phase == 4


def test_all_not_applicable_has_no_score(reference):
    """A level with no applicable indicator has no score (None), not 0 or 1."""
    result = score_measurement(reference, all_answered(reference, "n.v.t."))
    assert all(lv.score is None for lv in result.pillars["IP"].levels)
    assert result.pillars["IP"].scores() == {"1": None, "2": None, "3": None, "4": None}


def test_not_applicable_level_is_passed_over(reference):
    """A level with only n.v.t. answers is reached, so the levels above it count."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BO", 2, *["n.v.t."] * 6)
    assert phase_of(reference, answers) == 4


def test_all_ja_gives_phase_4(reference):
    """With every answer ja, every pillar is in phase 4 with scores of 1."""
    result = score_measurement(reference, all_answered(reference, "ja"))
    assert result.phase == 4
    assert result.pillars["CO"].scores() == {"1": 1.0, "2": 1.0, "3": 1.0, "4": 1.0}


def test_all_nee_gives_phase_0(reference):
    """With every answer nee, every pillar is in phase 0."""
    result = score_measurement(reference, all_answered(reference, "nee"))
    assert {p.phase for p in result.pillars.values()} == {0}


def test_blank_counts_as_zero(reference):
    """A blank counts as an applicable answer with 0 points."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BO", 3, "ja", "ja", "ja", None)
    level = score_measurement(reference, answers).pillars["BO"].levels[2]
    assert (level.score, level.blank, level.applicable) == (Fraction(3, 4), 1, 4)


def test_missing_answer_is_a_blank(reference):
    """An indicator left out of the answers counts as a blank."""
    answers = all_answered(reference, "ja")
    del answers["BO-3.01"]
    result = score_measurement(reference, answers)
    assert result.pillars["BO"].levels[2].blank == 1
    assert result.pillars["BO"].provisional


def test_blank_makes_the_pillar_provisional(reference):
    """A blank makes its pillar provisional, and the measurement, but not the other pillars."""
    answers = all_answered(reference, "ja") | {"IV-4.03": None}
    result = score_measurement(reference, answers)
    assert result.pillars["IV"].provisional
    assert not any(p.provisional for code, p in result.pillars.items() if code != "IV")
    assert result.provisional


def test_no_blank_is_not_provisional(reference):
    """Without blanks nothing is provisional."""
    result = score_measurement(reference, all_answered(reference, "nee"))
    assert not result.provisional


def test_blanks_can_drop_a_level(reference):
    """3 blanks of 8 in level 1 (5 ja) do not reach it."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BO", 1, *["ja"] * 5, None, None, None)
    assert phase_of(reference, answers) == 0


def test_level_1_gap_caps_the_pillar(reference):
    """A pillar that misses level 1 is in phase 0 even when levels 2-4 are perfect."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BO", 1, *["nee"] * 8)
    result = score_measurement(reference, answers).pillars["BO"]
    assert result.reached == (False, True, True, True)
    assert result.phase == 0


def test_middle_gap_caps_the_pillar(reference):
    """A pillar that misses level 2 is in phase 1 even when levels 3 and 4 are perfect."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BH", 2, *["nee"] * 6)
    assert phase_of(reference, answers, "BH") == 1


def test_deels_only(reference):
    """With every answer deels, every level scores 0.5 and nothing is reached at 0.75."""
    result = score_measurement(reference, all_answered(reference, "deels"))
    for pillar in result.pillars.values():
        assert all(lv.score == Fraction(1, 2) for lv in pillar.levels)
        assert pillar.phase == 0


def test_overall_is_the_lowest_pillar(reference):
    """The municipality's phase is the lowest pillar phase."""
    answers = all_answered(reference, "ja")
    answers |= answers_for(reference, "IP", 3, *["nee"] * 4)  # IP: phase 2
    answers |= answers_for(reference, "CO", 4, *["nee"] * 3)  # CO: phase 3
    result = score_measurement(reference, answers)
    assert {c: p.phase for c, p in result.pillars.items()} == {"BO": 4, "IP": 2, "BH": 4, "IV": 4, "CO": 3}
    assert result.phase == 2


def test_next_level_score(reference):
    """The score of the level above the phase shows progress within the phase."""
    answers = all_answered(reference, "ja") | answers_for(reference, "BO", 2, "ja", "ja", "ja", "nee", "nee", "nee")
    result = score_measurement(reference, answers).pillars["BO"]
    assert result.phase == 1
    assert result.next_level_score == Fraction(1, 2)


def test_next_level_score_in_phase_0(reference):
    """In phase 0 the next level is level 1."""
    result = score_measurement(reference, all_answered(reference, "deels")).pillars["BO"]
    assert result.next_level_score == Fraction(1, 2)


def test_next_level_score_at_the_top(reference):
    """In the top phase there is no next level."""
    result = score_measurement(reference, all_answered(reference, "ja")).pillars["BO"]
    assert result.next_level_score is None


def test_answered_and_total(reference):
    """answered counts non-blank answers (n.v.t. included); total counts all indicators."""
    answers = {i.id: "n.v.t." for i in reference.indicators[:10]} | {i.id: "ja" for i in reference.indicators[10:40]}
    result = score_measurement(reference, answers)
    assert (result.answered, result.total) == (40, 105)


def test_level_counts(reference):
    """Each level reports its total, n.v.t. count and blanks."""
    answers = answers_for(reference, "BO", 1, "ja", "deels", "nee", "n.v.t.", "n.v.t.", None, "ja", "ja")
    level = score_measurement(reference, answers).pillars["BO"].levels[0]
    assert (level.total, level.not_applicable, level.blank, level.applicable, level.points) == (8, 2, 1, 6, Fraction(7, 2))


def test_unknown_id_raises(reference):
    """An answer for an id the set does not have raises AnswerError naming it."""
    with pytest.raises(AnswerError, match="XX-9.99"):
        score_measurement(reference, {"XX-9.99": "ja"})


@pytest.mark.parametrize("label", ["Ja", "yes", "1", "misschien"])
def test_scoring_needs_canonical_labels(reference, label):
    """score_measurement refuses a label that is not canonical (normalise first)."""
    with pytest.raises(AnswerError, match="ja, deels, nee or n.v.t."):
        score_measurement(reference, {"BO-1.01": label})


# --- normalisation of typed answers ------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "label"),
    [
        ("ja", "ja"), ("Ja", "ja"), (" ja ", "ja"), ("JA", "ja"), ("\u00a0ja\u00a0", "ja"), ("ja\t", "ja"),
        ("deels", "deels"), ("Deels", "deels"), ("NEE", "nee"), ("nee ", "nee"),
        ("n.v.t.", "n.v.t."), ("nvt", "n.v.t."), ("n.v.t", "n.v.t."), ("N.V.T.", "n.v.t."), ("NVT", "n.v.t."),
        ("\u00a0n.v.t.", "n.v.t."),
    ],
)  # fmt: skip
def test_unambiguous_variants_are_accepted(reference, typed, label):
    """Case, surrounding spaces (also non-breaking) and dots do not matter."""
    assert reference.normalise_answer(typed) == label


@pytest.mark.parametrize("blank", [None, "", "   ", "\u00a0"])
def test_blank_is_none(reference, blank):
    """An empty or blank cell is a blank answer (None)."""
    assert reference.normalise_answer(blank) is None


@pytest.mark.parametrize("typed", ["misschien", "j", "yes", "1", "0.5", "n/a", "nee!", "ja nee", "j.a", "ne.e", True, 1, 0.5, 0])
def test_other_values_are_refused(reference, typed):
    """Anything else raises AnswerError that quotes it and lists the labels; nothing is guessed."""
    with pytest.raises(AnswerError) as info:
        reference.normalise_answer(typed)
    assert repr(typed) in str(info.value)
    assert str(info.value).endswith("use ja, deels, nee or n.v.t.")


def test_normalise_answers_reports_each_problem(reference):
    """normalise_answers returns the canonical answers and a problem per refused value."""
    answers, problems = normalise_answers(reference, {"BO-1.01": " Ja", "BO-1.02": "misschien", "BO-1.03": "", "BO-1.04": "nvt"})
    assert answers == {"BO-1.01": "ja", "BO-1.03": None, "BO-1.04": "n.v.t."}
    assert problems == {"BO-1.02": "'misschien' is not an answer; use ja, deels, nee or n.v.t."}


def test_labels_come_from_the_set(write_set):
    """A set with its own scale accepts its own labels and lists them when refusing."""
    text = set_yaml(per_phase=(1,)).replace(
        "  - {label: ja, points: 1}\n  - {label: deels, points: 0.5}\n  - {label: nee, points: 0}\n  - {label: n.v.t., applicable: false}\n",
        "  - {label: voldoende, points: 1}\n  - {label: onvoldoende, points: 0}\n",
    )
    s = load_set(write_set(text))
    assert s.normalise_answer("Voldoende") == "voldoende"
    with pytest.raises(AnswerError, match="use voldoende or onvoldoende$"):
        s.normalise_answer("ja")


# --- properties over the reference set, against an oracle --------------------------

REF = reference_set()  # at collection: the strategies below are built from it

# The reference scale and threshold written out independently of the set file: the oracle
# (helpers.oracle, the rule written out plainly) must not read them from the code under test.
REF_SPEC = SetSpec(
    scale=(("ja", "1"), ("deels", "0.5"), ("nee", "0"), ("n.v.t.", None)),
    threshold="0.75",
    pillars=("BO", "IP", "BH", "IV", "CO"),
    per_phase={(p, n): len(REF.indicators_of(p, n)) for p in REF.pillar_codes for n in LEVELS},
    phases=4,
    named={(p, n): tuple(i.id for i in REF.indicators_of(p, n)) for p in REF.pillar_codes for n in LEVELS},
)


#: What a level's mix of answers is chosen from: ja is in six slots, so that levels are
#: reached often and every phase occurs (a uniform choice leaves nearly every pillar at 0).
SLOTS = ("ja", "ja", "ja", "ja", "ja", "ja", "deels", "nee", None, "n.v.t.")


@st.composite
def measurements(draw):
    """Answers for the whole reference set: each pillar level draws a mix of answers,
    and each of its indicators one answer from that mix."""
    answers = {}
    for pillar in REF.pillar_codes:
        for level in LEVELS:
            # Two numbers per level keep a hundred examples fast: the bits of the first
            # choose the mix; the digits of the second, in base len(mix), each indicator's answer.
            mask = draw(st.integers(1, 2 ** len(SLOTS) - 1))
            mix = [answer for bit, answer in enumerate(SLOTS) if mask >> bit & 1]
            ids = [i.id for i in REF.indicators_of(pillar, level)]
            choice = draw(st.integers(0, len(mix) ** len(ids) - 1))
            for ident in ids:
                choice, digit = divmod(choice, len(mix))
                answers[ident] = mix[digit]
    return answers


@settings(max_examples=100, deadline=None)
@given(answers=measurements())
def test_property_phase_matches_oracle(answers):
    """Every pillar's phase and every level's score equal the plain re-implementation."""
    result = score_measurement(REF, answers)
    expected = oracle(REF_SPEC, answers)
    for code, (phase, scores) in expected.items():
        assert result.pillars[code].phase == phase
        assert [lv.score for lv in result.pillars[code].levels] == scores
    assert result.phase == min(phase for phase, _ in expected.values())


@settings(max_examples=100, deadline=None)
@given(answers=measurements())
def test_property_overall_is_min_of_pillars(answers):
    """The overall phase is the minimum of the pillar phases."""
    result = score_measurement(REF, answers)
    assert result.phase == min(p.phase for p in result.pillars.values())


@settings(max_examples=100, deadline=None)
@given(answers=measurements(), target=st.sampled_from([i.id for i in REF.indicators]))
def test_property_ja_never_lowers_a_phase(answers, target):
    """Turning any one answer into ja never lowers any pillar's phase."""
    before = score_measurement(REF, answers)
    after = score_measurement(REF, answers | {target: "ja"})
    for code in REF.pillar_codes:
        assert after.pillars[code].phase >= before.pillars[code].phase
    assert after.phase >= before.phase


@settings(max_examples=100, deadline=None)
@given(answers=measurements())
def test_property_nvt_everywhere_is_phase_4(answers):
    """Whatever was answered before, n.v.t. everywhere gives phase 4 everywhere."""
    result = score_measurement(REF, dict.fromkeys(answers, "n.v.t."))
    assert all(p.phase == 4 for p in result.pillars.values())


@settings(max_examples=100, deadline=None)
@given(answers=measurements())
def test_property_provisional_iff_blank(answers):
    """A pillar is provisional exactly when one of its answers is blank."""
    result = score_measurement(REF, answers)
    for code in REF.pillar_codes:
        blank = any(answers[i.id] is None for i in REF.indicators_of(code))
        assert result.pillars[code].provisional == blank


@settings(max_examples=100, deadline=None)
@given(answers=measurements())
def test_property_answered_counts_non_blanks(answers):
    """answered is the number of non-blank answers; total is 105."""
    result = score_measurement(REF, answers)
    assert (result.answered, result.total) == (sum(a is not None for a in answers.values()), 105)


# --- settled measurements and phase_max ----------------------------------------------


@settings(max_examples=100, deadline=None)
@given(answers=measurements())
def test_property_phase_max_is_every_blank_ja(answers):
    """phase_max is the phase with every blank answered ja; phase is the phase with every blank nee."""
    result = score_measurement(REF, answers)
    as_ja = score_measurement(REF, {k: v or "ja" for k, v in answers.items()})
    as_nee = score_measurement(REF, {k: v or "nee" for k, v in answers.items()})
    for code in REF.pillar_codes:
        assert result.pillars[code].phase_max == as_ja.pillars[code].phase
        assert result.pillars[code].phase == as_nee.pillars[code].phase
    assert result.phase_max == as_ja.phase
    assert result.settled == all(as_ja.pillars[c].phase == as_nee.pillars[c].phase for c in REF.pillar_codes)


@settings(max_examples=100, deadline=None)
@given(answers=measurements(), target=st.sampled_from([i.id for i in REF.indicators]))
def test_property_any_answer_in_a_blank_stays_in_the_range(answers, target):
    """Whatever a blank is answered with, each pillar's phase stays from phase to phase_max."""
    before = score_measurement(REF, answers | {target: None})
    for label in ("ja", "deels", "nee", "n.v.t."):
        after = score_measurement(REF, answers | {target: label})
        for code, pillar in before.pillars.items():
            assert pillar.phase <= after.pillars[code].phase <= pillar.phase_max


def test_a_running_measurement_is_not_settled(reference):
    """15 of 105 answered (all in BO): the phases can still move, so the measurement is not settled."""
    answers = dict.fromkeys([i.id for i in reference.indicators][:15], "ja")
    result = score_measurement(reference, answers)
    assert not result.settled
    assert [(p.phase, p.phase_max) for p in result.pillars.values()] == [(2, 4)] + [(0, 4)] * 4


def test_blanks_that_cannot_change_a_phase_leave_it_settled(reference):
    """Phase 1 with a blank in a level already out of reach: settled."""
    answers = all_answered(reference, "ja")
    answers |= answers_for(reference, "BO", 2, "nee", "nee", "nee", "nee", "ja", None)
    result = score_measurement(reference, answers)
    assert result.pillars["BO"].provisional
    assert (result.pillars["BO"].phase, result.pillars["BO"].phase_max) == (1, 1)
    assert result.settled


def test_cover_slot_is_the_latest_settled_with_answers(reference):
    """cover_slot skips empty and running slots; -1 when none is settled."""
    full = all_answered(reference, "ja")
    running = dict.fromkeys([i.id for i in reference.indicators][:15], "nee")
    results = [score_measurement(reference, a) for a in (full, {}, full, running, {})]
    assert cover_slot(results) == 2
    assert cover_slot(results[3:]) == -1
    assert cover_slot([]) == -1


def test_property_tests_are_deterministic_in_ci():
    """With CI=true the 'ci' Hypothesis profile is loaded: derandomized, no example database."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    probe = "import conftest, hypothesis; s = hypothesis.settings(); print(s.derandomize, s.database)"
    env = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"} | {"CI": "true"}
    tests = Path(__file__).parent
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tests)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "None"]
    assert 'export CI="${CI:-true}"' in (tests.parent / ".ci" / "run").read_text()  # and CI sets it


# --- properties over generated sets: other points, thresholds, levels without applicable ones ----


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_property_generated_sets_match_the_oracle(seed):
    """For random sets (points such as 0.7 and 0.25, thresholds 0.25..1, 1-5 phases, levels all n.v.t.)
    every pillar's phase, every level's score and the overall phase equal the plain oracle."""
    import random
    import tempfile
    from pathlib import Path

    from helpers import generated_answers, generated_set, write_set

    rng = random.Random(seed)
    spec = generated_set(rng)
    with tempfile.TemporaryDirectory() as folder:
        s = load_set(write_set(Path(folder), spec.yaml()))
    for _ in range(3):
        answers = generated_answers(spec, rng)
        result = score_measurement(s, answers)
        expected = oracle(spec, answers)
        for code, (phase, scores) in expected.items():
            assert [lv.score for lv in result.pillars[code].levels] == scores, (spec, answers, code)
            assert result.pillars[code].phase == phase, (spec, answers, code)
        assert result.phase == min(phase for phase, _ in expected.values())


def test_generated_sets_cover_the_cases_the_property_is_for():
    """Control: over the seeds the property draws from, the generator makes what it promises."""
    import random

    from helpers import generated_answers, generated_set

    points, thresholds, empty_levels, phases = set(), set(), 0, set()
    for seed in range(200):
        rng = random.Random(seed)
        spec = generated_set(rng)
        points |= {value for _, value in spec.scale}
        thresholds.add(spec.threshold)
        result = oracle(spec, generated_answers(spec, rng))
        empty_levels += sum(score is None for _, scores in result.values() for score in scores)
        phases |= {phase for phase, _ in result.values()}
    assert {"0.7", "0.25", None} <= points and {"0.25", "0.7", "1"} <= thresholds
    assert empty_levels > 20 and phases >= {0, 1, 2, 3, 4, 5}
