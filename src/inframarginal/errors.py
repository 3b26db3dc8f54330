"""Errors raised for user mistakes.

Every error names the thing that is wrong, the offending value and what was
expected, so the CLI can print it on one line and exit with status 2.
"""

from __future__ import annotations


class InframarginalError(ValueError):
    """Base class of every user-facing error of the package."""


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
    """

    def __init__(self, message: str, source: str | None = None, key: str | None = None):
        where = ": ".join(part for part in (source, key) if part)
        super().__init__(f"{where}: {message}" if where else message)
        self.source = source
        self.key = key


class ExpressionError(InframarginalError):
    """A formula uses an operator or name outside the whitelist, or is not valid syntax."""


class ParameterError(InframarginalError):
    """An unknown parameter, or a value outside its admissible domain."""


class UnknownModelError(InframarginalError):
    """A model name that is neither built in nor a readable file."""


class SweepError(InframarginalError):
    """A malformed axis, an empty or reversed range, a grid too large, a bad output."""
