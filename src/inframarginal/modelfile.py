"""Reading model files (TOML) and finding built-in models.

A model file is TOML with the sections ``model``, ``parameters``, ``derived``,
``goods``, ``utility``, ``technologies``, ``labour`` and ``structures``; the
built-in models in ``inframarginal/models/`` are examples.  Building and checking
happen in :func:`inframarginal.model.build_model`, shared with the Python API.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources
from pathlib import Path

from inframarginal.errors import ModelFileError, UnknownModelError
from inframarginal.model import Model, build_model


def builtin_models() -> dict[str, str]:
    """Names of the built-in models and their titles."""
    out = {}
    for entry in sorted(resources.files("inframarginal.models").iterdir(), key=lambda p: p.name):
        if entry.name.endswith(".toml"):
            model = _load_builtin(entry.name[:-5])
            out[model.name] = model.title
    return out


@cache
def _load_builtin(name: str) -> Model:
    text = resources.files("inframarginal.models").joinpath(f"{name}.toml").read_text("utf-8")
    return read_model_text(text, source=f"<built-in {name}>")


def read_model_text(text: str, source: str = "<text>") -> Model:
    """Parse the TOML text of a model file."""
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ModelFileError(f"not valid TOML: {err}", source) from None
    return build_model(spec, source=source)


def load_model(name_or_path: str | Path) -> Model:
    """Load a built-in model by name or a model file by path.

    Parameters
    ----------
    name_or_path : str or pathlib.Path
        A built-in name such as ``"li-ke-2020"`` or the path of a ``.toml`` file.

    Raises
    ------
    UnknownModelError
        If it is neither.
    ModelFileError
        If the file is malformed (the message names file, key and problem).
    """
    text = str(name_or_path)
    if text in _builtin_names():  # a lookup by name: user text never becomes a package path
        return _load_builtin(text)
    path = Path(text)
    if path.is_file():
        try:
            content = path.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ModelFileError(f"cannot read the file: {err}", str(path)) from None
        return read_model_text(content, source=str(path))
    known = ", ".join(_builtin_names())
    raise UnknownModelError(f"unknown model {text!r}: not a built-in model ({known}) nor an existing file")


def _builtin_names() -> list[str]:
    return sorted(e.name[:-5] for e in resources.files("inframarginal.models").iterdir() if e.name.endswith(".toml"))
