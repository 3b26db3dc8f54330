"""The explorer's words for the settings the engine suggests.

A web page has neither flags nor keyword arguments: where a note or a reason suggests a
setting (``("method", "search")``, see :class:`inframarginal.errors.Advice`), the explorer
names it in plain words ("the search method"), as the command line names its flag
(:mod:`inframarginal.cli.flags`) and Python its argument.
"""

from __future__ import annotations

import json

from inframarginal.errors import LARGER, Advice, InframarginalError

#: Plain words of a setting whose value is the whole of it.
SETTINGS = {
    ("structures", "all"): "all structures of the model",
    ("structures", "studied"): "the studied structures",
}

#: Plain words of a field, for a value of the user's choice (a limit to raise).
FIELDS = {
    "limit": "limit of structures",
    "points": "number of points",
    "workers": "number of workers",
}


def plain_words(field: str, value: object) -> str:
    """A suggested setting in plain words.

    Examples
    --------
    >>> plain_words("method", "search"), plain_words("structures", "all"), plain_words("limit", LARGER)
    ('the search method', 'all structures of the model', 'a larger limit of structures')
    """
    if isinstance(value, str) and (field, value) in SETTINGS:
        return SETTINGS[(field, value)]
    words = FIELDS.get(field, field.replace("_", " "))
    if value is LARGER:
        return f"a larger {words}"
    if field in ("method", "backend"):
        return f"the {value} {field}"
    return f"{words} {value}"


def in_plain_words(text: str, stored: object = None) -> str:
    """``text`` (a note, a reason) with the settings it suggests in plain words, where it is advice
    or comes with its advice as JSON (``stored``, :meth:`inframarginal.errors.Advice.to_dict`:
    a sweep's ``certification_advice`` attribute)."""
    if isinstance(stored, str):
        try:
            return Advice.from_dict(json.loads(stored)).text(plain_words)
        except ValueError:  # not advice after all: the text stands
            pass
    return text.text(plain_words) if isinstance(text, Advice) else text


def error_in_plain_words(error: InframarginalError) -> str:
    """The message of a user's mistake with the settings it suggests in plain words."""
    return error.text(plain_words)


__all__ = ["FIELDS", "SETTINGS", "error_in_plain_words", "in_plain_words", "plain_words"]
