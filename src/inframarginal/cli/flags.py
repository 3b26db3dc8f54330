"""The command line's words for the engine's fields: errors name the flag, not the argument.

The engine raises errors about one argument in neutral words (``field``, ``value`` and
a detail, see :class:`inframarginal.errors.InframarginalError`) and suggests settings as
``(field, value)`` pairs; the command line prints them with the flag that sets that field.
"""

from __future__ import annotations

from inframarginal.errors import LARGER, Advice, python_words

#: Flag of each field the engine names in its errors.
FLAGS = {
    "axes": "--axis",
    "backend": "--backend",
    "chunk_points": "--chunk",
    "fixed": "--set",
    "limit": "--max-structures",
    "method": "--method",
    "out": "--out",
    "points": "--points",
    "scheduler": "--scheduler",
    "structure": "--structure",
    "variables": "--variables",
    "workers": "--workers",
}

#: Settings that a flag of its own stands for (a switch, no value).
SWITCHES = {
    ("structures", "all"): "--all-structures",
}


def flag(field: str) -> str:
    """The flag that sets ``field`` (the field itself where no flag does)."""
    return FLAGS.get(field, field)


def flag_words(field: str, value: object) -> str:
    """A suggested setting as the command line writes it.

    Examples
    --------
    >>> flag_words("method", "search"), flag_words("structures", "all"), flag_words("limit", LARGER)
    ('--method search', '--all-structures', 'a larger --max-structures')
    """
    switch = SWITCHES.get((field, value)) if isinstance(value, str) else None
    if switch is not None:
        return switch
    if field not in FLAGS:
        return python_words(field, value)
    return f"a larger {FLAGS[field]}" if value is LARGER else f"{FLAGS[field]} {value}"


def in_flags(error: BaseException | Advice) -> str:
    """The message of ``error`` (or a note), naming flags where it names fields or settings.

    Examples
    --------
    >>> from inframarginal.errors import SweepError
    >>> in_flags(SweepError("need at least 1 point per chunk", field="chunk_points", value=0))
    '--chunk 0: need at least 1 point per chunk'
    >>> in_flags(SweepError("too slow", use=(("backend", "numpy"),)))
    'too slow; use --backend numpy'
    """
    if isinstance(error, Advice):
        return error.text(flag_words)
    text = getattr(error, "text", None)
    if not callable(text) or not hasattr(error, "detail"):
        return str(error)
    return str(text(flag_words, flag))
