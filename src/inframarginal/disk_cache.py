"""The on-disk cache of derived results, safe to read back.

Entries live in ``cache_root() / "v1" / <model hash> / <kind>-<entry hash>.json``.  No
part of a path comes from user text: the model's folder is a hash of its content and
of the versions of this package and SymPy, an entry's file a hash of its key.  Each
entry is JSON (never ``pickle``) with a format tag, the versions, its key and a
SHA-256 checksum of the payload; an entry that is corrupt, foreign or stale is
ignored and rebuilt.  Caching is an optimisation: a read-only or full disk never
stops a computation.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inframarginal.version import __version__

if TYPE_CHECKING:  # not imported at run time: the warm command line reads entries without SymPy
    from inframarginal.model import Model

_FORMAT = "inframarginal-cache"
_LAYOUT = "v1"
#: Part of every model folder's hash: bumped when the derivations store different closed forms,
#: so that entries written before are not read back (2: shares from market clearing on flows
#: divided by one of them, in lowest terms; 3: conditions stored as objects beside their texts).
DERIVATION = "3"
#: Entries larger than this are neither written nor read (a planted huge file costs nothing).
MAX_ENTRY_BYTES = 64 * 2**20


@cache
def sympy_version() -> str:
    """SymPy's version, read from its installed metadata (importing SymPy takes a second)."""
    found = installed_version("sympy")
    if found is not None:
        return found
    from importlib import metadata  # its import alone takes longer than a warm command's work

    try:
        return metadata.version("sympy")
    except metadata.PackageNotFoundError:  # not installed as a distribution: ask the module
        import sympy

        return str(sympy.__version__)


def installed_version(package: str) -> str | None:
    """The ``Version`` of the one ``PACKAGE-*.dist-info`` next to the package (what
    :func:`importlib.metadata.version` reads), or ``None`` where that is not the layout."""
    from importlib.util import find_spec

    try:
        spec = find_spec(package)
        if spec is None or spec.origin is None:
            return None
        folders = list(Path(spec.origin).parent.parent.glob(f"{package}-*.dist-info"))
        if len(folders) != 1:
            return None
        with (folders[0] / "METADATA").open(encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("Version:"):
                    return line.removeprefix("Version:").strip()
                if not line.strip():  # the end of the headers
                    return None
    except (OSError, ValueError, ImportError):
        return None
    return None


#: Set to ``0`` to turn off the compiled numeric caches (:mod:`inframarginal.bundle`,
#: :mod:`inframarginal.kernel_cache`): every command then compiles with SymPy, as the
#: benchmarks' baseline does.
NUMERIC_SWITCH = "INFRAMARGINAL_NUMERIC_CACHE"


@cache
def code_fingerprint() -> str:
    """A hash of this package's top-level modules, part of every compiled numeric entry's key:
    compiled functions follow the code that derives and compiles them, which can change
    within one version (a development checkout), and are cheap to rebuild."""
    return files_fingerprint(sorted(Path(__file__).parent.glob("*.py")))


def files_fingerprint(paths: Iterable[Path], seed: str = "") -> str:
    """A short hash of ``seed`` and the names and contents of ``paths`` (an unreadable file
    counts as ``?``)."""
    digest = hashlib.sha256(seed.encode())
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"?")
    return digest.hexdigest()[:16]


def numeric_cache_enabled() -> bool:
    """Whether compiled numeric entries are read and written (see :data:`NUMERIC_SWITCH`)."""
    return os.environ.get(NUMERIC_SWITCH, "1") != "0"


def cache_root() -> Path:
    """Where derived results are cached: ``$INFRAMARGINAL_CACHE`` or ``~/.cache/inframarginal``."""
    root = os.environ.get("INFRAMARGINAL_CACHE")
    return Path(root) if root else Path.home() / ".cache" / "inframarginal"


def model_folder(model: Model | str) -> Path:
    """The folder of a model's entries (``model``: the model or its content hash): a hash of
    its content and of the software versions."""
    content_hash = model if isinstance(model, str) else model.content_hash
    text = f"{__version__}|sympy {sympy_version()}|derivation {DERIVATION}|{content_hash}"
    return cache_root() / _LAYOUT / hashlib.sha256(text.encode()).hexdigest()[:24]


def _entry_path(model: Model | str, kind: str, key: str) -> Path:
    digest = hashlib.sha256(f"{kind}|{key}".encode()).hexdigest()[:24]
    return model_folder(model) / f"{digest}.json"


def _checksum(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def read_entry(model: Model | str, kind: str, key: str) -> Any | None:
    """The payload stored for ``(kind, key)``, or ``None`` if absent or not trustworthy."""
    path = _entry_path(model, kind, key)
    try:
        if not path.is_file() or path.stat().st_size > MAX_ENTRY_BYTES:
            return None
        document = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    expected = {"format": _FORMAT, "package": __version__, "sympy": sympy_version(), "kind": kind, "key": key}
    if not isinstance(document, dict) or any(document.get(k) != v for k, v in expected.items()):
        return None
    payload = document.get("payload")
    try:
        if document.get("sha256") != _checksum(payload):
            return None
    except (TypeError, ValueError, RecursionError):
        return None
    return payload


def write_entry(model: Model | str, kind: str, key: str, payload: Any) -> None:
    """Store ``payload`` (JSON-able) for ``(kind, key)``, atomically; errors are ignored."""
    path = _entry_path(model, kind, key)
    document = {"format": _FORMAT, "package": __version__, "sympy": sympy_version(), "kind": kind, "key": key,
                "model": model if isinstance(model, str) else model.name, "payload": payload, "sha256": _checksum(payload)}
    text = json.dumps(document, sort_keys=True)
    if len(text) > MAX_ENTRY_BYTES:
        return
    tmp = path.with_name(f"{path.stem}.{os.getpid()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, "utf-8")
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


def remove_model(model: Model | str) -> None:
    """Delete every entry of a model, given as the model or its content hash (used when an
    uploaded model is evicted)."""
    shutil.rmtree(model_folder(model), ignore_errors=True)


def clear() -> tuple[int, int]:
    """Delete every entry (only this package's own folder); returns (files, bytes) removed."""
    folder = cache_root() / _LAYOUT
    entries = [f for f in folder.rglob("*") if f.is_file()] if folder.is_dir() else []
    size = sum(f.stat().st_size for f in entries)
    shutil.rmtree(folder, ignore_errors=True)
    return len(entries), size


def usage() -> tuple[Path, int, int]:
    """The cache folder, and the number and total size of its entries."""
    root = cache_root() / _LAYOUT
    entries = [f for f in root.rglob("*.json") if f.is_file()] if root.is_dir() else []
    return cache_root(), len(entries), sum(f.stat().st_size for f in entries)
