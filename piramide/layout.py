"""The dashboard workbook's layout: one description shared by writer and reader.

Sheet names, rows, columns, header texts, defined names and metadata keys
live here and nowhere else. ``docs/workbook-format.md`` documents the same
contract for analysts; change both together, and bump
:data:`LAYOUT_VERSION` (with a migration note) when a reader of an older
file would be misled.

Rows and columns here are 0-based (as XlsxWriter and python-calamine count);
:func:`cell` turns them into ``A1`` references.
"""

from __future__ import annotations

from dataclasses import dataclass

LAYOUT_VERSION = 1

# --- sheets -------------------------------------------------------------------
COVER = "Voorblad"
QUESTIONS = "Vragenlijst"
ACTIONS = "Actieplan"
INSTRUCTIONS = "Instructie"
CALCULATION = "Berekening"
LISTS = "Lijsten"
METADATA = "Metadata"
SHEET_ORDER = (COVER, QUESTIONS, ACTIONS, INSTRUCTIONS, CALCULATION, LISTS, METADATA)
HIDDEN_SHEETS = (CALCULATION, LISTS, METADATA)  # hidden sheets never print; Berekening can be shown again

# --- kinds of workbook (metadata `kind`) ----------------------------------------------
KIND_DASHBOARD = "dashboard"
KIND_PART = "deelvragenlijst"  # one respondent's part of one measurement (piramide split)
PART_SHEET_ORDER = (QUESTIONS, ACTIONS, INSTRUCTIONS, LISTS, METADATA)  # a part has no cover and no calculation

MAX_SLOTS = 20
DEFAULT_SLOTS = 5


def slot_label(slot: int) -> str:
    """``0-meting`` for slot 0, then ``Meting 1``, ``Meting 2``, ..."""
    return "0-meting" if slot == 0 else f"Meting {slot}"


# --- Vragenlijst ------------------------------------------------------------------
Q_ROW_TITLE = 0
Q_ROW_DATE = 1  # per slot: the date of the measurement, in the slot's answer column
Q_ROW_BY = 2  # per slot: who filled it in ("ingevuld door")
Q_ROW_HEADER = 3
Q_FIRST_ROW = 4  # first pillar heading row; indicator rows follow
Q_COL_ID, Q_COL_PILLAR, Q_COL_PHASE, Q_COL_TEXT, Q_COL_HANDVAT = range(5)
Q_FIXED_HEADERS = ("ID", "Pijler", "Fase", "Indicator", "Handvat")
Q_FIRST_SLOT_COL = 5
# Above the header, columns A-E (up to Q_FIRST_SLOT_COL) hold fixed text: the title, labels and hints;
# the slot columns hold only each slot's date and name (in its answer column). Any other cell holds
# nothing the reader reads, so a value there is reported (cell-unread / answers-unread).
Q_LABEL_DATE = "Datum meting"
Q_LABEL_BY = "Ingevuld door"


def answer_col(slot: int) -> int:
    return Q_FIRST_SLOT_COL + 2 * slot


def note_col(slot: int) -> int:
    return Q_FIRST_SLOT_COL + 2 * slot + 1


def answer_header(slot: int) -> str:
    return f"Antwoord {slot_label(slot)}"


def note_header(slot: int) -> str:
    return f"Toelichting {slot_label(slot)}"


def previous_answer_header(slot: int) -> str:
    """A part's read-only column with an earlier measurement's answer (never starts with ``Antwoord``)."""
    return f"Vorig antwoord ({slot_label(slot)})"


def previous_note_header(slot: int) -> str:
    return f"Vorige toelichting ({slot_label(slot)})"


@dataclass(frozen=True)
class QuestionColumns:
    """The columns of Vragenlijst after the fixed ones: per slot an answer and a note column.

    A dashboard has every slot (:func:`dashboard_columns`); a part
    (deelvragenlijst) has one slot, after the read-only answer and note of
    an earlier measurement when there is one (:func:`part_columns`).
    """

    slots: tuple[int, ...]
    previous: int | None = None

    @property
    def _first(self) -> int:
        return Q_FIRST_SLOT_COL + (2 if self.previous is not None else 0)

    def answer_col(self, slot: int) -> int:
        return self._first + 2 * self.slots.index(slot)

    def note_col(self, slot: int) -> int:
        return self.answer_col(slot) + 1

    @property
    def previous_answer_col(self) -> int:
        assert self.previous is not None
        return Q_FIRST_SLOT_COL

    @property
    def previous_note_col(self) -> int:
        return self.previous_answer_col + 1

    @property
    def last_col(self) -> int:
        return self.note_col(self.slots[-1])

    def headers(self) -> list[str]:
        headers = list(Q_FIXED_HEADERS)
        if self.previous is not None:
            headers += [previous_answer_header(self.previous), previous_note_header(self.previous)]
        for s in self.slots:
            headers += [answer_header(s), note_header(s)]
        return headers


def dashboard_columns(slots: int) -> QuestionColumns:
    return QuestionColumns(tuple(range(slots)))


def part_columns(slot: int, previous: int | None) -> QuestionColumns:
    return QuestionColumns((slot,), previous)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def counted_label(value: str, labels: tuple[str, ...] | list[str]) -> str | None:
    """The label the dashboard's formulas count an answer cell holding ``value`` as, or ``None``.

    The formulas on Berekening compare each answer cell with each label of
    the scale (``antwoord_0="ja"``). Excel and LibreOffice compare text that
    way ignoring letter case, and nothing else: a trailing or non-breaking
    space, a missing dot (``nvt``) or a full-width letter makes a cell that
    no label equals, which the formulas count as 0 points and not as blank.
    Only ASCII letters are folded here (what both engines surely fold); a
    reader that accepts a value must find its label through this function,
    so that it counts exactly what the workbook counts.
    """
    key = value.translate(_ASCII_LOWER)
    for label in labels:
        if label.translate(_ASCII_LOWER) == key:
            return label
    return None


def question_headers(slots: int) -> list[str]:
    return dashboard_columns(slots).headers()


# --- defined names (a contract; see docs/workbook-format.md) ------------------------


def name_phase(pillar: str, slot: int) -> str:
    """The phase (0..N) of one pillar in one measurement slot: ``fase_BO_0``."""
    return f"fase_{pillar}_{slot}"


def name_overall(slot: int) -> str:
    """The overall phase (lowest pillar phase) of a slot: ``fase_totaal_0``."""
    return f"fase_totaal_{slot}"


def name_date(slot: int) -> str:
    """The date of a measurement (the input cell in Vragenlijst): ``datum_0``."""
    return f"datum_{slot}"


def name_answers(slot: int) -> str:
    """The answer column of a slot (indicator rows only): ``antwoord_0``."""
    return f"antwoord_{slot}"


NAME_ANSWER_LIST = "antwoorden"  # the answer scale, source of the dropdowns
NAME_THRESHOLD = "drempel"
NAME_IDS = "vl_id"
NAME_PILLARS = "vl_pijler"
NAME_PHASES = "vl_fase"
NAME_LATEST = "laatste_meting"  # slot index of the latest measurement with answers, -1 if none
NAME_LATEST_PHASES = "laatste_fasen"  # per pillar, the phase in the latest measurement with answers
NAME_PILLAR_CODES = "pijlers"  # the pillar codes, in the order of laatste_fasen
NAME_COVER = "meting_voorblad"  # slot the cover describes: the latest settled measurement with answers, -1 if none
NAME_COVER_PHASES = "voorblad_fasen"  # per pillar, the phase in meting_voorblad (-1 when none)

# --- Actieplan ---------------------------------------------------------------------
# One row per indicator, in the Vragenlijst's order (no pillar heading rows).
A_ROW_TITLE = 0
A_ROW_LEGEND = 1
A_ROW_HEADER = 2
A_FIRST_ROW = 3
(
    A_COL_ID,
    A_COL_PILLAR,
    A_COL_PHASE,
    A_COL_TEXT,
    A_COL_HANDVAT,
    A_COL_ANSWER,
    A_COL_BLOCKS,
    A_COL_ACTION,
    A_COL_OWNER,
    A_COL_DEADLINE,
    A_COL_STATUS,
    A_COL_NOTE,
    A_COL_OVERDUE,
) = range(13)
A_HEADERS = (
    "ID",
    "Pijler",
    "Fase",
    "Indicator",
    "Handvat",
    "Laatste antwoord",
    "Houdt volgende fase tegen",
    "Actie",
    "Eigenaar",
    "Deadline",
    "Status",
    "Toelichting",
    "Verlopen",
)
A_INPUT_COLS = (A_COL_ACTION, A_COL_OWNER, A_COL_DEADLINE, A_COL_STATUS, A_COL_NOTE)
A_FIELDS = {  # the input columns by their field in the reading JSON (``plan``)
    "actie": A_COL_ACTION,
    "eigenaar": A_COL_OWNER,
    "deadline": A_COL_DEADLINE,
    "status": A_COL_STATUS,
    "toelichting": A_COL_NOTE,
}
A_YES = "ja"  # the value of `Houdt volgende fase tegen` on a blocking row
A_OVERDUE = "verlopen"  # the value of `Verlopen` on an action past its deadline and not closed
NAME_STATUS_LIST = "actiestatus"  # the statuses of an action, source of the Status dropdown
NAME_PLAN_IDS = "ap_id"
NAME_PLAN_PILLARS = "ap_pijler"
NAME_PLAN_BLOCKS = "ap_tegen"
NAME_PLAN_OWNERS = "ap_eigenaar"
NAME_PLAN_DEADLINES = "ap_deadline"
NAME_PLAN_STATUS = "ap_status"
PLAN_NAMES = (
    NAME_PLAN_IDS,
    NAME_PLAN_PILLARS,
    NAME_PLAN_BLOCKS,
    NAME_PLAN_OWNERS,
    NAME_PLAN_DEADLINES,
    NAME_PLAN_STATUS,
)

def defined_names(pillars: tuple[str, ...] | list[str], slots: int = MAX_SLOTS) -> list[str]:
    """Every defined name of a dashboard with these pillar codes and slots (Excel compares them ignoring case)."""
    names = [NAME_ANSWER_LIST, NAME_THRESHOLD, NAME_IDS, NAME_PILLARS, NAME_PHASES, NAME_LATEST]
    names += [NAME_LATEST_PHASES, NAME_PILLAR_CODES, NAME_STATUS_LIST, *PLAN_NAMES]
    for slot in range(slots):
        names += [name_date(slot), name_answers(slot), name_overall(slot)]
        names += [name_phase(pillar, slot) for pillar in pillars]
    return names

# --- Berekening ---------------------------------------------------------------------
# Two tables, one under the other: per slot (the phase grid, which carries the
# fase_* names), then per slot and pillar (the score per level, the phase).
C_ROW_TITLE = 0
C_ROW_THRESHOLD = 1  # label in column A, value in column B (named `drempel`)
C_ROW_LATEST = 2  # label in column A, value in column B (named `laatste_meting`)
C_ROW_COVER = 3  # label in column A, value in column B (named `meting_voorblad`)
C_SLOT_HEADER_ROW = 4
C_SLOT_FIXED = ("Meting", "Datum", "Ingevuld door", "Beantwoord", "Totaal")
C_SLOT_COL_ANSWERED = 3
C_SLOT_COL_TOTAL = 4
C_SLOT_FIRST_PILLAR_COL = 5
C_LATEST_LABEL = "Laatste meting"
C_COVER_LABEL = "Meting voorblad"
C_SLOT_EXTRA = ("Vast", "Totaal max", "Grafiek")  # after Totaal: settled (1/0), the overall phase_max, chart data


@dataclass(frozen=True)
class CalcLayout:
    """Positions on the Berekening sheet for a given set shape and slot count."""

    slots: int
    pillars: tuple[str, ...]
    levels: tuple[int, ...]

    # Table 1: one row per slot, then the rows of the measurements the cover uses (each: the
    # slot in column B, the phase per pillar and overall; -1 everywhere when there is none).
    def slot_row(self, slot: int) -> int:
        return C_SLOT_HEADER_ROW + 1 + slot

    @property
    def latest_row(self) -> int:
        """The latest measurement with answers (phases only; the slot is `laatste_meting`)."""
        return self.slot_row(self.slots)

    @property
    def cover_row(self) -> int:
        """The measurement the cover describes (`meting_voorblad`)."""
        return self.latest_row + 1

    @property
    def base_row(self) -> int:
        """The first settled measurement: what the cover compares with (normally the 0-meting)."""
        return self.latest_row + 2

    @property
    def prev_row(self) -> int:
        """The settled measurement before `meting_voorblad`: where a regression is measured from."""
        return self.latest_row + 3

    @property
    def cover_next_row(self) -> int:
        """Per pillar, the score of the next level in `meting_voorblad` (0 when none)."""
        return self.latest_row + 4

    @property
    def settled_col(self) -> int:
        return self.slot_overall_col + 1

    @property
    def overall_max_col(self) -> int:
        return self.slot_overall_col + 2

    @property
    def chart_label_col(self) -> int:
        """The short slot label the cover's charts use as categories (``0``, ``1``, ...)."""
        return self.slot_overall_col + 3

    def chart_col(self, pillar: str) -> int:
        """The phase of a pillar when the slot is settled, else -1 (below the chart's axis: no point)."""
        return self.slot_overall_col + 4 + self.pillars.index(pillar)

    def slot_pillar_col(self, pillar: str) -> int:
        return C_SLOT_FIRST_PILLAR_COL + self.pillars.index(pillar)

    @property
    def slot_overall_col(self) -> int:
        return C_SLOT_FIRST_PILLAR_COL + len(self.pillars)

    # Table 2: one row per slot and pillar.
    @property
    def pillar_header_row(self) -> int:
        return self.cover_next_row + 2

    def pillar_row(self, slot: int, pillar: str) -> int:
        return self.pillar_header_row + 1 + slot * len(self.pillars) + self.pillars.index(pillar)

    def score_col(self, level: int) -> int:
        return 2 + self.levels.index(level)

    @property
    def phase_col(self) -> int:
        return 2 + len(self.levels)

    @property
    def provisional_col(self) -> int:
        return 3 + len(self.levels)

    @property
    def next_score_col(self) -> int:
        return 4 + len(self.levels)

    @property
    def phase_max_col(self) -> int:
        """The phase with every blank counted as the full-points answer (``ja``)."""
        return 5 + len(self.levels)

    def pillar_headers(self) -> list[str]:
        return [
            "Meting",
            "Pijler",
            *(f"Score fase {lv}" for lv in self.levels),
            "Fase",
            "Voorlopig",
            "Score volgende fase",
            "Fase max",
        ]

    # Table 3: one row per Vragenlijst row (indicator rows and pillar headings, in sheet
    # order): whether the row blocks the next phase in `meting_voorblad`, and the n-th such
    # row of its pillar (for the cover's list of what blocks the next phase).
    @property
    def block_header_row(self) -> int:
        return self.pillar_row(self.slots - 1, self.pillars[-1]) + 2

    def block_row(self, index: int) -> int:
        """The row for the ``index``-th row of Vragenlijst's indicator block (0 = its first row)."""
        return self.block_header_row + 1 + index


C_BLOCK_HEADERS = ("Houdt tegen", "Sleutel")  # row n here is row n of Vragenlijst's indicator block
C_BLOCK_COL_FLAG, C_BLOCK_COL_KEY = range(2)

# --- Lijsten ------------------------------------------------------------------------
L_HEADERS = ("Antwoord", "Punten", "Toepasbaar", "Toelichting")
L_FIRST_ROW = 1
L_STATUS_COL = 5  # column F: header `Status`, then the statuses of an action (named `actiestatus`)
L_STATUS_HEADER = "Status"

# --- Metadata -----------------------------------------------------------------------
# Key/value rows (key in column A, value in column B), then the set as
# canonical JSON in chunks over columns B, C, ... of the `set_json` row,
# then the indicators as written.
M_KEYS = (
    "layout_version",
    "generator",
    "generator_version",
    "created",
    "set_id",
    "set_name",
    "set_version",
    "fingerprint",
    "threshold",
    "gemeente",
    "regio",
    "code",
    "slots",
    "indicator_rows",
    "slot_sets",
    "history",
    "kind",
    "workbook_id",
    "part_slot",
    "part_respondent",
    "part_indicators",
    "part_previous_slot",
    "set_json",
)
#: Metadata keys that only a part (deelvragenlijst) fills in; empty in a dashboard.
M_PART_KEYS = ("part_slot", "part_respondent", "part_indicators", "part_previous_slot")
M_JSON_CHUNK = 30_000  # a cell holds at most 32,767 characters
M_INDICATOR_HEADER_ROW = len(M_KEYS) + 2
M_INDICATOR_HEADERS = ("id", "pijler", "fase", "indicator")
GENERATOR = "piramide"


def metadata_row(key: str) -> int:
    return M_KEYS.index(key)


# --- Voorblad -----------------------------------------------------------------------
V_TABLE_HEADER_ROW = 6
V_TABLE_FIXED = ("Meting", "Datum", "Ingevuld door", "Volledigheid")


def col_letter(col: int) -> str:
    letters = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell(row: int, col: int, absolute: bool = False) -> str:
    """``A1``-style reference of a 0-based (row, col); ``$A$1`` when absolute."""
    d = "$" if absolute else ""
    return f"{d}{col_letter(col)}{d}{row + 1}"


def sheet_ref(sheet: str, ref: str) -> str:
    """A reference on another sheet, quoted when the name needs it."""
    quoted = sheet if sheet.isalnum() else "'" + sheet.replace("'", "''") + "'"
    return f"{quoted}!{ref}"
