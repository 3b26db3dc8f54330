"""Reading model files (TOML) and finding built-in models.

A model file is TOML with the sections ``model``, ``parameters``, ``derived``,
``constraints``, ``goods``, ``utility``, ``technologies``, ``labour`` and ``structures``; the
built-in models in ``inframarginal/models/`` are examples.  Building and checking
happen in :func:`inframarginal.model.build_model`, shared with the Python API.

Files come from anyone, so their size (:data:`MAX_FILE_BYTES`) and the nesting of
their arrays and inline tables (:data:`MAX_NESTING`) are checked before the TOML is
parsed: :mod:`tomllib` parses nested values recursively and would otherwise fail
with a ``RecursionError`` deep in the parser.
"""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inframarginal.errors import ModelFileError, UnknownModelError, quote

if TYPE_CHECKING:
    from inframarginal.model import Model

#: Largest model file, in bytes (and largest model text, in characters).
MAX_FILE_BYTES = 1_000_000
#: Deepest nesting of arrays and inline tables in the TOML text.
MAX_NESTING = 32
#: Most parts of a dotted key (``a.b.c`` has 3); tomllib's work grows with its square.
MAX_KEY_PARTS = 16

# Strings and comments (whose brackets do not nest) and the brackets that do.
_TOKENS = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'.*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'[^\'\n]*\'|#[^\n]*|[\[\]{}.]',
    re.DOTALL)
# What may stand between the dots of a dotted key: a bare key part.
_BARE_PART = re.compile(r"[ \t]*[A-Za-z0-9_-]*[ \t]*\Z")


def builtin_models() -> dict[str, str]:
    """Names of the built-in models and their titles (read from the files: no model is built)."""
    return {name: _builtin_title(name, "inframarginal.models") for name in _builtin_names()}


def _builtin_title(name: str, package: str) -> str:
    section = tomllib.loads(resources.files(package).joinpath(f"{name}.toml").read_text("utf-8"))["model"]
    return str(section.get("title", name))


@cache
def _load_builtin(name: str, package: str = "inframarginal.models") -> Model:
    text = resources.files(package).joinpath(f"{name}.toml").read_text("utf-8")
    return read_model_text(text, source=f"<built-in {name}>")


def parse_toml(text: str, source: str = "<text>") -> dict[str, Any]:
    """The TOML of a model file, read within the limits that keep its reader's work small.

    Raises
    ------
    ModelFileError
        If the text is too large (:data:`MAX_FILE_BYTES`), nests too deep
        (:data:`MAX_NESTING`), has a dotted key of too many parts (:data:`MAX_KEY_PARTS`) or
        is not valid TOML.
    """
    if len(text) > MAX_FILE_BYTES:
        raise ModelFileError(f"the model is {len(text)} characters long; at most {MAX_FILE_BYTES} are read", source)
    depth, parts, line = nesting_depth(text)
    if depth > MAX_NESTING:
        raise ModelFileError(
            f"arrays and inline tables nest more than {MAX_NESTING} deep (line {line})", source)
    if parts > MAX_KEY_PARTS:
        raise ModelFileError(f"a dotted key has more than {MAX_KEY_PARTS} parts (line {line})", source)
    try:
        spec = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ModelFileError(f"not valid TOML: {err}", source) from None
    except RecursionError:  # a nesting the scan above did not see
        raise ModelFileError(f"arrays and inline tables nest too deep (at most {MAX_NESTING})", source) from None
    return spec


def read_model_text(text: str, source: str = "<text>") -> Model:
    """Parse the TOML text of a model file.

    Raises
    ------
    ModelFileError
        If the text is too large (:data:`MAX_FILE_BYTES`), nests too deep
        (:data:`MAX_NESTING`), is not valid TOML or not a valid model.
    """
    spec = parse_toml(text, source)
    declared = _declared_symmetry(spec.pop("symmetry", None), source)
    model: Model
    if "types" in spec:  # people who differ: the typed model is a Model with its types
        from inframarginal.heterogeneous.spec import build_typed_model

        model = build_typed_model(spec, source=source)
    else:
        from inframarginal.model import build_model  # SymPy: not needed to list the models

        model = build_model(spec, source=source)
        from inframarginal.lemma1 import check_named_structures

        check_named_structures(model)  # every bad structure label fails at load time
    if declared:
        from inframarginal.symmetry import SymmetryError, check_declared_symmetry

        for goods in declared:
            try:
                check_declared_symmetry(model, goods)
            except SymmetryError as err:
                raise ModelFileError(str(err).removeprefix("symmetry: "), source, "symmetry.interchangeable") from None
    return model


def _declared_symmetry(section: Any, source: str) -> list[tuple[str, ...]]:
    """``[symmetry] interchangeable = ["x", "y", "z"]`` (or a list of such lists): the goods declared interchangeable."""
    if section is None:
        return []
    key = "symmetry.interchangeable"
    if not isinstance(section, dict) or set(section) - {"interchangeable"}:
        raise ModelFileError("expected a table with the one key 'interchangeable'", source, "symmetry")
    value = section.get("interchangeable", [])
    if not isinstance(value, list):
        raise ModelFileError(f"{str(value)[:80]} is not a list of good names (or a list of such lists)", source, key)
    groups = value if value and all(isinstance(v, list) for v in value) else [value]
    out = []
    for group in groups:
        if not isinstance(group, list) or len(group) < 2 or not all(isinstance(g, str) for g in group):
            raise ModelFileError(f"{str(group)[:80]} is not a list of at least two good names", source, key)
        out.append(tuple(group))
    return out


def nesting_depth(text: str) -> tuple[int, int, int]:
    """How deeply TOML text nests, found without parsing it.

    Returns the deepest nesting of ``[ ]`` and ``{ }`` outside strings and comments,
    the largest number of parts of a dotted key, and the line where a limit
    (:data:`MAX_NESTING`, :data:`MAX_KEY_PARTS`) is first exceeded (else 1).  The
    scan is linear in the length of the text and stops at the first excess.
    """
    depth = deepest = parts = longest = 0
    last = 0
    for match in _TOKENS.finditer(text):
        token, gap = match.group(), text[last:match.start()]
        last = match.end()
        if token == ".":  # a dot continues a dotted key if only a bare key part precedes it
            parts = max(parts, 1) + 1 if _BARE_PART.match(gap) else 2
            longest = max(longest, parts)
        elif token[0] in "\"'" and not gap.strip():
            parts = max(parts, 1)  # a quoted part of a dotted key
        else:
            parts = 1 if token[0] in "\"'" else 0
            if token in "[{":
                depth += 1
                deepest = max(deepest, depth)
            elif token in "]}":
                depth = max(depth - 1, 0)
        if deepest > MAX_NESTING or longest > MAX_KEY_PARTS:
            return deepest, longest, text.count("\n", 0, match.start()) + 1
    return deepest, longest, 1


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
    if text in _typed_builtin_names():  # built-in models with types (kept apart: not every command takes them)
        return _load_builtin(text, "inframarginal.heterogeneous.models")
    path = Path(text)
    try:
        is_file = path.is_file()
    except OSError:  # e.g. a name too long for the file system
        is_file = False
    if is_file:
        try:
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                raise ModelFileError(f"the file is {size} bytes long; at most {MAX_FILE_BYTES} are read", str(path))
            with path.open("rb") as fh:  # read no more than the limit, should the file grow meanwhile
                content = fh.read(MAX_FILE_BYTES + 1).decode("utf-8")
        except (OSError, UnicodeDecodeError) as err:
            raise ModelFileError(f"cannot read the file: {err}", str(path)) from None
        return read_model_text(content, source=str(path))
    known = ", ".join(_builtin_names())
    raise UnknownModelError(f"unknown model {quote(text)}: not a built-in model ({known}) nor an existing file")


def typed_builtin_models() -> dict[str, str]:
    """Names and titles of the built-in models with types (``inframarginal.heterogeneous.models``)."""
    return {name: _builtin_title(name, "inframarginal.heterogeneous.models") for name in _typed_builtin_names()}


def _typed_builtin_names() -> list[str]:
    return sorted(e.name[:-5] for e in resources.files("inframarginal.heterogeneous.models").iterdir()
                  if e.name.endswith(".toml"))


def _builtin_names() -> list[str]:
    return sorted(e.name[:-5] for e in resources.files("inframarginal.models").iterdir() if e.name.endswith(".toml"))


def content_hash(name_or_path: str | Path) -> str | None:
    """The content hash :attr:`Model.content_hash` of a built-in model or model file, without
    building the model (no SymPy: the key of what the disk cache keeps for a warm ``solve`` or
    ``show``); ``None`` where the file cannot be read or parsed (the full path says why)."""
    read = read_spec(name_or_path)
    return None if read is None else spec_hash(read[1])


def spec_hash(spec: Any) -> str:
    """:attr:`Model.content_hash` of a model built from the specification ``spec``."""
    return hashlib.sha256(json.dumps(spec, sort_keys=True, default=str).encode()).hexdigest()


def read_spec(name_or_path: str | Path) -> tuple[str, dict[str, Any]] | None:
    """A built-in model's or model file's ``source`` (as :func:`load_model` names it) and its TOML,
    read within the parser's limits but not built (no SymPy); ``None`` where it cannot be read
    or parsed (the full path says why)."""
    text = str(name_or_path)
    try:
        models = resources.files("inframarginal.models")
        builtin = {e.name[:-5] for e in models.iterdir() if e.name.endswith(".toml")}
        if text in builtin:  # a lookup by name: user text never becomes a package path
            source, label = models.joinpath(f"{text}.toml").read_text("utf-8"), f"<built-in {text}>"
        else:
            path = Path(text)
            if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
                return None
            with path.open("rb") as fh:
                source, label = fh.read(MAX_FILE_BYTES + 1).decode("utf-8"), str(path)
        # the parser's limits: a hostile file is refused here as it would be there
        return label, parse_toml(source)
    except (OSError, UnicodeDecodeError, ModelFileError):
        return None
