"""Closed forms compiled to NumPy functions of the base parameters.

Everything is compiled in logarithms (log income, log prices, log quantities),
which are sums of ``exponent * log(atom)``: cheap to evaluate, vectorized over
arrays of parameter values, and free of overflow.  Used for single solves, for
the total cost-benefit check and for sweeps over parameter grids.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import sympy as sp

from inframarginal.configurations import Configuration, Structure
from inframarginal.expressions import to_function
from inframarginal.individual import labour_of, log_price_symbol
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.primal import parameter_function
from inframarginal.results import Condition
from inframarginal.symbolic import (
    ConfigurationClosedForm,
    cached_configuration_closed_form,
    structure_closed_form,
)

Function = Callable[..., np.ndarray]


@model_cache
def _lambdify(model: Model, expr: sp.Expr, extra: tuple[sp.Symbol, ...] = ()) -> Function:
    # Kept per model: structures repeat their configurations' conditions, and configurations
    # recur across structures, so one cold solve compiles each distinct formula once, not twice.
    if not extra:
        return parameter_function(model, sp.sympify(expr))
    expr = sp.sympify(expr).xreplace(model.derived_substitution())
    args = [p.symbol for p in model.parameters] + list(extra)
    return to_function(args, expr, modules="numpy")


@dataclass(frozen=True)
class CompiledConfiguration:
    """A configuration's optimum as functions of (parameters..., log prices of traded goods...)."""

    configuration: Configuration
    price_goods: tuple[str, ...]
    log_utility: Function
    log_values: dict[str, Function]
    fixed_costs: dict[str, Function]
    conditions: tuple[tuple[Function, Condition], ...]


@dataclass(frozen=True)
class CompiledStructure:
    """A structure's corner equilibrium as functions of the parameters."""

    structure: Structure
    numeraire: str | None
    log_income: Function
    log_prices: dict[str, Function]
    shares: tuple[Function, ...]
    conditions: tuple[tuple[Function, Condition], ...]


def _compile_config(model: Model, form: ConfigurationClosedForm) -> CompiledConfiguration:
    config = form.configuration
    goods = tuple(g for g in model.good_names if g == config.sells or g in config.buys)
    lps = tuple(log_price_symbol(g) for g in goods)
    return CompiledConfiguration(
        config,
        goods,
        _lambdify(model, form.log_utility, lps),
        {name: _lambdify(model, v, lps) for name, v in form.log_values},
        {g: _lambdify(model, labour_of(model, config, g)) for g in config.produces},
        tuple((_lambdify(model, c), condition) for c, condition in form.conditions),
    )


@model_cache
def compile_configuration(model: Model, config: Configuration) -> CompiledConfiguration | None:
    """Compiled closed form of one configuration (``None`` if it has none); cached on disk
    (:mod:`inframarginal.compiled_cache`)."""
    from inframarginal import compiled_cache

    cached = compiled_cache.load_configuration(model, config, CompiledConfiguration)
    if not isinstance(cached, compiled_cache._Missing):
        return cached
    form = cached_configuration_closed_form(model, config)
    compiled = None if form is None else _compile_config(model, form)
    compiled_cache.store_configuration(model, config, compiled)
    return compiled


@model_cache
def compile_structure(model: Model, structure: Structure) -> CompiledStructure | None:
    """Compiled closed-form corner equilibrium of a structure (``None`` if it has none); cached
    on disk (:mod:`inframarginal.compiled_cache`)."""
    from inframarginal import compiled_cache

    cached = compiled_cache.load_structure(model, structure, CompiledStructure)
    if not isinstance(cached, compiled_cache._Missing):
        return cached
    compiled = _compile_structure(model, structure)
    compiled_cache.store_structure(model, structure, compiled)
    return compiled


def _compile_structure(model: Model, structure: Structure) -> CompiledStructure | None:
    form = structure_closed_form(model, structure)
    if form is None:
        return None
    return CompiledStructure(
        structure,
        form.numeraire,
        _lambdify(model, form.log_income),
        {g: _lambdify(model, v) for g, v in form.log_prices},
        tuple(_lambdify(model, s) for s in form.shares),
        tuple((_lambdify(model, c), condition) for c, condition in form.conditions),
    )


def evaluate(function: Function, model: Model, values: dict[str, float], *extra: float) -> float:
    """Evaluate a compiled function at one point, as a float (NaN on domain errors)."""
    # NumPy scalars, not floats: 0.0 ** -1 at a boundary (beta = 1, say) gives inf, not an error
    args = [np.float64(values[p.name]) for p in model.parameters] + [np.float64(v) for v in extra]
    with np.errstate(all="ignore"):
        return float(np.asarray(function(*args), dtype=float))


def evaluate_structure(model: Model, structure: Structure, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Vectorized corner equilibrium of ``structure`` over arrays of parameter values.

    Parameters
    ----------
    values : dict
        One array (or scalar) per base parameter; arrays broadcast against each other.

    Returns
    -------
    dict
        ``exists`` (bool), ``per_capita_real_income`` (NaN where it does not exist),
        ``price_<good>`` for each traded good and ``share_<i>`` for each configuration
        (in the structure's order), all broadcast to a common shape.
    """
    compiled = compile_structure(model, structure)
    if compiled is None:
        raise ValueError(f"structure {structure.name} has no closed form; use the numeric path")
    args = [np.asarray(values[p.name], dtype=float) for p in model.parameters]
    shape = np.broadcast_shapes(*(a.shape for a in args))
    with np.errstate(all="ignore"):
        exists = np.ones(shape, dtype=bool)
        for function, _ in compiled.conditions:
            exists &= np.broadcast_to(np.asarray(function(*args), dtype=float) > 0, shape)
        income = np.broadcast_to(np.exp(np.asarray(compiled.log_income(*args), dtype=float)), shape)
        out = {"exists": exists, "per_capita_real_income": np.where(exists, income, np.nan)}
        for g, f in compiled.log_prices.items():
            out[f"price_{g}"] = np.where(exists, np.broadcast_to(np.exp(np.asarray(f(*args), dtype=float)), shape), np.nan)
        for i, f in enumerate(compiled.shares):
            out[f"share_{i}"] = np.where(exists, np.broadcast_to(np.asarray(f(*args), dtype=float), shape), np.nan)
    return out
