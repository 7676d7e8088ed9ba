"""The writer interface: every output format renders any Result."""

from __future__ import annotations

import re
from typing import Protocol

from assay.results import Result

# C0 controls but tab and newline, DEL and C1: a terminal acts on them (ESC starts colour, cursor, title and
# hyperlink sequences), so text from a repository must never reach one raw.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: object) -> str:
    """The text with every terminal control character shown as a visible \\xNN escape."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", str(text))


class Writer(Protocol):
    """An output format: renders a result as text."""

    name: str

    def render(self, result: Result) -> str: ...
