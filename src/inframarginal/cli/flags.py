"""The command line's words for the engine's fields: errors name the flag, not the argument.

The engine raises errors about one argument in neutral words (``field``, ``value`` and
a detail, see :class:`inframarginal.errors.InframarginalError`); the command line prints
them with the flag that sets that field.
"""

from __future__ import annotations

#: Flag of each field the engine names in its errors.
FLAGS = {
    "axes": "--axis",
    "backend": "--backend",
    "chunk_points": "--chunk",
    "fixed": "--set",
    "out": "--out",
    "scheduler": "--scheduler",
    "variables": "--variables",
    "workers": "--workers",
}


def in_flags(error: BaseException) -> str:
    """The message of ``error``, with the flag of its field where it names one.

    Examples
    --------
    >>> from inframarginal.errors import SweepError
    >>> in_flags(SweepError("need at least 1 point per chunk", field="chunk_points", value=0))
    '--chunk 0: need at least 1 point per chunk'
    """
    flag = FLAGS.get(getattr(error, "field", None) or "")
    if flag is None:
        return str(error)
    return f"{flag} {error.value}: {error.detail}"  # type: ignore[attr-defined]
