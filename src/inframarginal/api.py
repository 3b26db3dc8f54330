"""The facade: a model with the three steps of infra-marginal analysis as methods.

:class:`inframarginal.model.Model` is the specification alone and imports nothing above
it.  This module sits above the engine (configurations, equilibria, sweeps) and gives the
README's style, ``im.load_model(...).solve(...)``, through :class:`AnalysedModel`, a
subclass that adds methods and no data: it equals and hashes like the specification it
wraps, so every cache keyed by a model treats both alike.  :func:`inframarginal.load_model`
and :func:`inframarginal.build_model` are the functions of this module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from inframarginal import model as _spec
from inframarginal import modelfile as _modelfile
from inframarginal.configurations import enumerate_structures, studied_structures
from inframarginal.display import escape, table
from inframarginal.equilibrium import Solution
from inframarginal.equilibrium import solve as _solve
from inframarginal.heterogeneous.spec import TypedModel
from inframarginal.lemma1 import Configuration, Structure, check_named_structures, configurations
from inframarginal.memo import model_store

if TYPE_CHECKING:
    import xarray as xr
    from numpy.typing import ArrayLike

__all__ = ["AnalysedModel", "AnalysedTypedModel", "analysed", "build_model", "load_model", "model_html",
           "read_model_text"]


def model_html(model: _spec.Model, configs: Sequence[Configuration]) -> str:
    """Parameters (default, domain, description), goods, technologies and step-1 counts.

    ``configs`` are the model's configurations (step 1).
    """
    sellers: dict[str, int] = {}
    for c in configs:
        key = c.sells or "autarky"
        sellers[key] = sellers.get(key, 0) + 1
    counts = ", ".join(f"{n} {'autarky' if k == 'autarky' else 'selling ' + k}" for k, n in sellers.items())
    parts = [
        f"<div class=\"inframarginal-model\"><p><b>{escape(model.title)}</b> "
        f"(<code>{escape(model.name)}</code>)</p>",
        table(["parameter", "default", "domain", "description"],
              [(p.name, f"{p.default:g}", str(p.domain), p.description) for p in model.parameters],
              "parameters"),
    ]
    if model.derived:
        parts.append(table(["derived", "formula", "description"],
                           [(d.name, d.text, d.description) for d in model.derived], "derived parameters"))
    parts.append(table(["good", "utility weight", "trading efficiency", "description"],
                       [(g.name, str(g.weight), str(g.trading_efficiency), g.description)
                        for g in model.goods], "goods"))
    parts.append(table(["good", "technology", "output", "closed form"],
                       [(t.good, t.name, t.text, "yes" if t.power_form is not None else "numeric only")
                        for t in model.technologies], "technologies"))
    parts.append(table(["structure", "configurations", "description"],
                       [(s.name, " ".join(s.configurations), s.description)
                        for s in model.named_structures], "structures studied"))
    parts.append(f"<p>Step 1 (Lemma 1): {len(configs)} configurations ({escape(counts)}); "
                 f"{len(model.named_structures)} structures studied.</p></div>")
    return "".join(parts)


class AnalysedModel(_spec.Model):
    """A :class:`~inframarginal.model.Model` with the three steps as methods.

    Build with :func:`build_model` or :func:`load_model` (``inframarginal.build_model``,
    ``inframarginal.load_model``); :func:`analysed` wraps a model built otherwise.
    """

    def configurations(self) -> tuple[Configuration, ...]:
        """Every configuration Lemma 1 allows (step 1)."""
        return configurations(self)

    def structures(self, which: str = "studied") -> tuple[Structure, ...]:
        """The named structures (``"studied"``), or every enumerated one (``"all"``)."""
        return studied_structures(self) if which == "studied" else enumerate_structures(self)

    def solve(self, values: Mapping[str, float] | None = None, /, *, method: str = "symbolic",
              structures: str = "studied", structure: str | None = None, **params: float) -> Solution:
        """Corner equilibria and the general equilibrium at a parameter point (steps 2 and 3).

        Examples
        --------
        >>> from inframarginal import load_model
        >>> sol = load_model("li-ke-2020").solve(K=1.0, t=0.0, F=0.05, b=0.05)
        >>> sol.general_equilibrium
        'PC'
        """
        return _solve(self, {**(values or {}), **params}, method=method, structures=structures,
                      structure=structure)

    def sweep(self, axes: Mapping[str, ArrayLike], fixed: Mapping[str, float] | None = None,
              **kw: Any) -> xr.Dataset:
        """General equilibrium over a grid of parameters (see :func:`inframarginal.sweep.sweep`)."""
        from inframarginal.sweep import sweep as _sweep  # on first use: xarray is slow to import

        return _sweep(self, axes, fixed, **kw)

    def _repr_html_(self) -> str:
        """Jupyter's display: parameters with domains and descriptions, goods, technologies."""
        return model_html(self, configurations(self))


class AnalysedTypedModel(TypedModel, AnalysedModel):
    """A model with types of people (:mod:`inframarginal.heterogeneous`) with the steps as methods:
    corner equilibria and the general equilibria by Yang's definition, phase diagrams."""

    def solve(self, values: Mapping[str, float] | None = None, /, *, method: str = "numeric",
              structures: str = "all", structure: str | None = None, **params: float) -> Any:
        """Corner equilibria of every structure and the general equilibria (Yang's definition)."""
        from inframarginal.heterogeneous.general import solve_typed

        return solve_typed(self, {**(values or {}), **params}, only=structure)

    def sweep(self, axes: Any, fixed: Mapping[str, float] | None = None, **kw: Any) -> Any:
        """A phase diagram over parameters (see :func:`inframarginal.heterogeneous.phase.typed_sweep`)."""
        from inframarginal.heterogeneous.phase import typed_sweep

        return typed_sweep(self, axes, fixed, **kw)


@lru_cache(maxsize=64)  # bounded: a built-in model is wrapped once, uploads come and go
def _wrap(model: _spec.Model) -> AnalysedModel:
    model_store(model)  # created first, so that both objects share one cache (inframarginal.memo)
    wrapped = object.__new__(AnalysedTypedModel if isinstance(model, TypedModel) else AnalysedModel)
    wrapped.__dict__.update(model.__dict__)  # the same fields (frozen: no __setattr__)
    return wrapped


def analysed(model: _spec.Model) -> AnalysedModel:
    """``model`` with the three steps as methods (itself if it has them already)."""
    return model if isinstance(model, AnalysedModel) else _wrap(model)


def build_model(spec: Mapping[str, Any], source: str = "<python>") -> AnalysedModel:
    """Build and validate a model from a nested mapping, its structure labels included.

    See :func:`inframarginal.model.build_model` for the mapping and the errors.
    """
    model = _spec.build_model(spec, source=source)
    check_named_structures(model)  # every bad structure label fails at build time
    return analysed(model)


def load_model(name_or_path: str | Path) -> AnalysedModel:
    """Load a built-in model by name or a model file by path (see :func:`inframarginal.modelfile.load_model`).

    Examples
    --------
    >>> load_model("yang-2001-specialization").structures()[1].name
    'D'
    """
    return analysed(_modelfile.load_model(name_or_path))


def read_model_text(text: str, source: str = "<text>") -> AnalysedModel:
    """Parse the TOML text of a model file (see :func:`inframarginal.modelfile.read_model_text`)."""
    return analysed(_modelfile.read_model_text(text, source))
