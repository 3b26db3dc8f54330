"""Self-describing sweep files: CF-style attributes and where the numbers came from.

:func:`describe` gives every coordinate and variable of a sweep's Dataset the
attributes of the CF conventions that tools read (``long_name``, ``units``, and a
``description``); parameters come with the description and domain their model file
gives them.  :func:`provenance` records which model produced a sweep: its name, the
SHA-256 of its model file (of the file's bytes when the model came from a file,
otherwise of the model's specification as canonical JSON), and the package version.

References
----------
CF Conventions 1.10, section 3 (description of the data): https://cfconventions.org/
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inframarginal.memo import model_cache

if TYPE_CHECKING:
    import xarray as xr

    from inframarginal.model import Model

#: Units of every sweep variable: parameters, incomes, prices and shares are pure numbers.
DIMENSIONLESS = "1"

_VARIABLES: dict[str, tuple[str, str | None]] = {
    # name: (description, units; None for text and flags, which CF gives no units)
    "general_equilibrium": ("name of the structure with the highest per-capita real income among those "
                            "whose corner equilibrium exists", None),
    "equilibrium_income": ("per-capita real income (utility) of the general equilibrium", DIMENSIONLESS),
    "per_capita_real_income": ("per-capita real income (utility) of each structure's corner equilibrium",
                               DIMENSIONLESS),
    "exists": ("whether the structure's corner equilibrium exists (every share in (0, 1), "
               "every plan feasible)", None),
    "admissible": ("whether every parameter is inside the domain its model file declares", None),
    "price": ("price of each good at the general equilibrium, the numeraire's price being 1", DIMENSIONLESS),
    "numeraire": ("the good whose price is 1 at the general equilibrium", None),
    "specialists": ("share of the population selling each good at the general equilibrium", DIMENSIONLESS),
}


@model_cache
def model_sha256(model: Model) -> tuple[str, str]:
    """The SHA-256 of the model's file and what was hashed (``"file"`` or ``"specification"``).

    The file is hashed only when reading it again gives the specification the model was
    built from (it may have changed since); otherwise the specification is hashed as
    canonical JSON, which is the same for equal models.

    Examples
    --------
    >>> from inframarginal import load_model
    >>> digest, of = model_sha256(load_model("yang-2001-specialization"))
    >>> len(digest), of
    (64, 'file')
    """
    data = _file_bytes(model)
    if data is not None:
        try:
            read = tomllib.loads(data.decode("utf-8"))
            read.pop("symmetry", None)  # checked on load (modelfile), not part of the specification
            if read == dict(model.spec):
                return hashlib.sha256(data).hexdigest(), "file"
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            pass
    return model.content_hash, "specification"


def _file_bytes(model: Model) -> bytes | None:
    source = str(model.source)
    if source.startswith("<built-in ") and source.endswith(">"):
        # the name of one of our own resources, as modelfile wrote it, never user text
        entry = resources.files("inframarginal.models").joinpath(f"{source[10:-1]}.toml")
        return entry.read_bytes() if entry.is_file() else None
    if source.startswith("<"):
        return None  # built in Python or from text: there is no file
    path = Path(source)  # the path the user loaded the model from
    try:
        return path.read_bytes() if path.is_file() else None
    except OSError:
        return None


def provenance(model: Model) -> dict[str, str]:
    """Attributes that say which model and which version produced a file."""
    from inframarginal.version import __version__

    digest, of = model_sha256(model)
    return {
        "Conventions": "CF-1.10",
        "source": f"inframarginal {__version__}",
        "model_sha256": digest,
        "model_sha256_of": of,
    }


def _parameter_attrs(model: Model, name: str) -> dict[str, str]:
    for p in model.parameters:
        if p.name == name:
            text = p.description or f"parameter {name}"
            return {"long_name": text, "units": DIMENSIONLESS,
                    "description": f"model parameter {name} ({text}); domain {p.domain}, default {p.default:g}"}
    for d in model.derived:
        if d.name == name:
            text = d.description or f"derived parameter {name}"
            return {"long_name": text, "units": DIMENSIONLESS,
                    "description": f"derived parameter {name} = {d.text}"}
    return {"long_name": name, "units": DIMENSIONLESS, "description": f"axis {name}"}


def coordinate_attrs(model: Model, name: str) -> dict[str, str]:
    """CF-style attributes of a sweep's coordinate ``name`` (an axis, ``structure`` or ``good``)."""
    if name == "structure":
        return {"long_name": "structure", "description": "structures compared (named in the model file or enumerated)"}
    if name == "good":
        return {"long_name": "good",
                "description": ", ".join(f"{g.name}: {g.description or g.name}" for g in model.goods)}
    return _parameter_attrs(model, name)


def variable_attrs(name: str, attrs: Mapping[str, Any]) -> dict[str, Any]:
    """The attributes ``attrs`` of a sweep's data variable ``name`` with CF-style ones added.

    An existing ``long_name`` is kept; ``units`` is ``"1"`` for every number (the models'
    quantities are dimensionless) and absent for text and flags.
    """
    text, units = _VARIABLES.get(name, (name, None))
    added: dict[str, Any] = {"description": text}
    added.setdefault("long_name", attrs.get("long_name", text))
    if units is not None:
        added["units"] = units
    return {**attrs, **added}


def describe(ds: xr.Dataset, model: Model, axes: tuple[str, ...] | list[str]) -> xr.Dataset:
    """Give the coordinates and variables of a sweep ``ds`` CF-style attributes (in place).

    Existing ``long_name`` attributes are kept; ``units`` is ``"1"`` for every number
    (the models' quantities are dimensionless) and absent for text and flags.

    Returns
    -------
    xarray.Dataset
        ``ds`` itself, for chaining.
    """
    for name in [*axes, "structure", "good"]:
        if name in ds.coords:
            ds.coords[name].attrs.update(coordinate_attrs(model, name))
    for key, var in ds.data_vars.items():
        var.attrs.update(variable_attrs(str(key), var.attrs))
    return ds
