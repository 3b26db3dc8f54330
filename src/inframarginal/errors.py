"""Errors raised for user mistakes.

Every error names the thing that is wrong, the offending value and what was
expected, so the CLI can print it on one line and exit with status 2.
"""

from __future__ import annotations

import re
from collections.abc import Callable

#: Longest error message (characters) a model file or formula can produce.
MAX_MESSAGE = 300
#: Longest quote of user text (a formula, a key) inside a message.
MAX_QUOTE = 60

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def quote(text: object, limit: int = MAX_QUOTE) -> str:
    """``repr`` of user text, cut to about ``limit`` characters so that messages stay readable."""
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return repr(text[:limit]) + f"... ({len(text)} characters)"


def one_line(message: str, limit: int = MAX_MESSAGE) -> str:
    """``message`` on one line (control characters become spaces), cut to ``limit`` characters."""
    message = _CONTROL.sub(" ", message)
    return message if len(message) <= limit else message[: limit - 3] + "..."


#: A suggested setting: the argument's name in Python and the value to give it.
Setting = tuple[str, object]


class _Larger:
    """The value of a suggested setting the user chooses: one larger than the limit that was hit."""

    def __repr__(self) -> str:
        return "LARGER"


#: Value of a suggested setting meaning "a larger one" (a limit to raise), see :func:`python_words`.
LARGER = _Larger()


def python_words(field: str, value: object) -> str:
    """A suggested setting as a Python user writes it: ``method='search'``, ``a larger limit``."""
    return f"a larger {field}" if value is LARGER else f"{field}={value!r}"


def advise(text: str, use: tuple[Setting, ...],
           write: Callable[[str, object], str] = python_words) -> str:
    """``text`` followed by the settings of ``use`` as alternatives, each written by ``write``.

    Examples
    --------
    >>> advise("no closed form here", (("method", "numeric"),))
    "no closed form here; use method='numeric'"
    >>> advise("too many structures", (("limit", LARGER), ("method", "search")))
    "too many structures; use a larger limit or method='search'"
    """
    if not use:
        return text
    return f"{text}; use {' or '.join(write(field, value) for field, value in use)}"


class Advice(str):
    """A text in neutral words followed by settings that would help (a note in a result).

    The string itself names them in Python words (``...; use structures='all'``);
    :meth:`text` writes them otherwise (the command line: with its flags, see
    :func:`inframarginal.cli.flags.in_flags`).
    """

    body: str
    use: tuple[Setting, ...]

    def __new__(cls, body: str, use: tuple[Setting, ...] = ()) -> Advice:
        advice = super().__new__(cls, advise(body, use))
        advice.body, advice.use = body, use
        return advice

    def text(self, write: Callable[[str, object], str] = python_words) -> str:
        """The advice with each setting written by ``write(field, value)``."""
        return advise(self.body, self.use, write)

    def to_dict(self) -> dict[str, object]:
        """The advice as JSON: ``{"text": body, "use": [[field, value], ...]}`` (``value`` null
        for :data:`LARGER`), so that a stored note is written in any words once read back."""
        return {"text": self.body, "use": [[f, None if v is LARGER else v] for f, v in self.use]}

    @classmethod
    def from_dict(cls, data: object) -> Advice:
        """The advice of :meth:`to_dict`; ``ValueError`` where ``data`` is not of that form."""
        if not isinstance(data, dict) or not isinstance(data.get("text"), str) or not isinstance(
                data.get("use"), list):
            raise ValueError("not a stored advice")
        use: list[Setting] = []
        for pair in data["use"]:
            if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
                raise ValueError("not a stored setting")
            use.append((pair[0], LARGER if pair[1] is None else pair[1]))
        return cls(data["text"], tuple(use))


class InframarginalError(ValueError):
    """Base class of every user-facing error of the package.

    An error about one argument may name it in neutral words: ``field`` (the argument's
    name in Python, e.g. ``chunk_points``) and ``value`` (what was given); its message is
    then ``"{field} {value}: {detail}"``.  An error may also suggest settings that avoid
    it, ``use``: alternatives, each ``(field, value)`` (``value`` :data:`LARGER` for a limit
    to raise); the message ends with them in Python words (``"; use method='search'"``).
    The command line prints flags instead (``--chunk 1: ...``, ``; use --method search``,
    see :func:`inframarginal.cli.flags.in_flags`), so the engine never speaks the command
    line's language.
    """

    def __init__(self, message: str = "", *, field: str | None = None, value: object = None,
                 use: tuple[Setting, ...] = ()):
        self.field, self.value, self.detail, self.use = field, value, message, use
        super().__init__(self.text(python_words))

    def text(self, write: Callable[[str, object], str] = python_words,
             name: Callable[[str], str] = str) -> str:
        """The message with the field written by ``name`` and each suggested setting by ``write``."""
        text = advise(self.detail, self.use, write)
        return f"{name(self.field)} {self.value}: {text}" if self.field is not None else text


class ModelFileError(InframarginalError):
    """A model file (or an equivalent Python model definition) is malformed.

    Parameters
    ----------
    message : str
        What is wrong and what was expected.
    source : str, optional
        The file (or ``<python>``) the definition came from.
    key : str, optional
        The dotted key inside the file, e.g. ``technologies.x[1].output``.

    Attributes
    ----------
    errors : tuple of ModelFileError
        Every mistake found, each with its ``source`` and ``key``; ``(self,)`` for a
        single one.  Built by :meth:`combine` when a check finds several.
    """

    def __init__(self, message: str, source: str | None = None, key: str | None = None):
        # A key or a path comes from the user and may be huge: cut each part, then the whole.
        parts = [p if len(p) <= 2 * MAX_QUOTE else p[: 2 * MAX_QUOTE] + "..." for p in (source, key) if p]
        where = ": ".join(parts)
        super().__init__(one_line(f"{where}: {message}" if where else message))
        self.source = source
        self.key = key
        self.errors: tuple[ModelFileError, ...] = (self,)

    @classmethod
    def combine(cls, errors: list[ModelFileError] | tuple[ModelFileError, ...]) -> ModelFileError:
        """One error holding ``errors`` (at least one): its message is the first one's, plus a count
        where that fits in :data:`MAX_MESSAGE` characters.

        The ``source`` and ``key`` are the first error's, so code that reads one error
        still sees the first mistake.
        """
        flat = tuple(e for err in errors for e in err.errors)
        if len(flat) == 1:
            return flat[0]
        first = flat[0]
        # The count is added only where the message stays within MAX_MESSAGE: never cut the first.
        more = f" (and {len(flat) - 1} more error{'s' if len(flat) > 2 else ''})"
        message = str(first)
        combined = cls.__new__(cls)
        InframarginalError.__init__(combined, message + more if len(message + more) <= MAX_MESSAGE else message)
        combined.source, combined.key, combined.errors = first.source, first.key, flat
        return combined


class ExpressionError(InframarginalError):
    """A formula uses an operator or name outside the whitelist, is not valid syntax, or
    exceeds a size limit."""

    def __init__(self, message: str):
        super().__init__(one_line(message))


class ParameterError(InframarginalError):
    """An unknown parameter, or a value outside its admissible domain."""


class UnknownModelError(InframarginalError):
    """A model name that is neither built in nor a readable file."""


class SweepError(InframarginalError):
    """A malformed axis, an empty or reversed range, a grid too large, a bad output."""


class BudgetExceeded(InframarginalError):
    """Work ran past its time budget (see :mod:`inframarginal.budget`).

    The message names the work, the limit and how to raise it; ``budget`` is the
    :class:`inframarginal.budget.Budget` that ran out.
    """

    budget: object = None
