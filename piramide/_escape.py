"""Text from files and people, made safe for where it goes: XML parts of a workbook, a terminal.

A name or note may hold any character someone pasted or a hostile file
carried. XML 1.0 cannot hold most control characters (Excel then shows its
repair dialog), and a terminal runs escape sequences. Both functions here
keep every other character as it is.
"""

from __future__ import annotations

import re

# Not allowed in XML 1.0 at all: C0 controls other than tab, newline and carriage return; U+FFFE, U+FFFF and
# lone surrogates.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# Text that Excel would read as an escape (``_x000B_``) must itself be escaped, as Excel writes it.
_XML_ESCAPE_LIKE = re.compile("_(x[0-9A-Fa-f]{4}_)")
# Shown literally at a terminal: C0 controls but newline and tab, DEL, C1 controls (ESC, CSI, ...), bidi overrides.
_TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_TERMINAL_BAD_ASCII = bytes([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F])
"""What :data:`_TERMINAL_BAD` matches in ASCII text."""
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
"""Any control character: refused in names (gemeente, regio, code)."""


def xml_safe(text: str) -> str:
    """``text`` as an Excel cell value in XML: control characters as Excel writes them (``_x000B_``).

    Excel and LibreOffice read ``_xHHHH_`` back as the character; text that
    already looks like such an escape gets its underscore escaped
    (``_x005F_``), so it reads back unchanged.
    """
    if "_x" in text:
        text = _XML_ESCAPE_LIKE.sub(r"_x005F_\1", text)
    return _XML_BAD.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def xml_plain(text: str) -> str:
    """``text`` for XML that is not a cell value (document properties, sheet names): control characters removed."""
    return _XML_BAD.sub("", text)


def printable(text: str) -> str:
    """``text`` for a terminal: control characters and bidi overrides shown as escapes (``\\x1b``), never run."""
    return _TERMINAL_BAD.sub(lambda m: _escape(m.group()), text)


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def json_terminal_safe(text: str) -> str:
    """JSON text with DEL, C1 controls and bidi overrides written as JSON escapes such as ``\\u009b``.

    They only occur inside strings, where the escape means the same character.
    """
    if text.isascii():  # the usual case, checked three times faster than by the pattern (the JSON of a region: MBs)
        raw = text.encode("ascii")
        if len(raw.translate(None, _TERMINAL_BAD_ASCII)) == len(raw):
            return text
    return _TERMINAL_BAD.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def control_problem(what: str, value: str | None) -> str | None:
    """Why a name typed for a new dashboard cannot be used (it holds a control character), or None."""
    bad = CONTROL.search(value or "")
    if bad is None:
        return None
    return f"the {what} '{printable(value or '')}' holds a control character (U+{ord(bad.group()):04X}); type it without"
