"""Wording shared by every recipe message: what a value is, what a name may have meant."""

from __future__ import annotations

import difflib
from typing import Any


def describe(value: Any) -> str:
    """Say what ``value`` is, for an error message."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text {value!r}"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def did_you_mean(word: str, choices: Any) -> str:
    """Return ``"; did you mean 'x'?"`` when a choice is close to ``word``, else ``""``."""
    close = difflib.get_close_matches(str(word), [str(choice) for choice in choices], n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""
