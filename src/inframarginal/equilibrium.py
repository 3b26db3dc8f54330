"""Steps 2 and 3: corner equilibria of structures and the general equilibrium.

:func:`corner_equilibrium` solves one structure at one parameter point, from the
compiled closed forms (``method="symbolic"``) or by the numeric path
(``method="numeric"``), and reports residuals of utility equalization and market
clearing.  :func:`general_equilibrium` picks the corner equilibrium with the
highest per-capita real income (Yang's theorem, Sun, Yang and Zhou 2004) and
confirms it with the total cost-benefit check: at its prices, no configuration of
the full enumeration gives a higher utility.

References
----------
Sun, G., Yang, X. and Zhou, L. (2004). General equilibria in large economies with
endogenous structure of division of labor. *Journal of Economic Behavior and
Organization* 55(2), 237-256.
Yang, X. (2001). *Economics: New Classical Versus Neoclassical Frameworks*.
Blackwell, ch. 4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from inframarginal.compiled import compile_configuration, compile_structure, evaluate
from inframarginal.configurations import (
    Configuration,
    Structure,
    configurations,
    enumerate_structures,
    structure_defect,
    studied_structures,
)
from inframarginal.errors import InframarginalError
from inframarginal.model import Model
from inframarginal.numeric import individual_optimum, numeric_corner_equilibrium
from inframarginal.results import (  # noqa: F401  (re-exported: the result types were defined here)
    RESIDUAL_NOTE,
    CornerEquilibrium,
    Deviation,
    Plan,
    Solution,
    _deviation_notes,
    _exp,
    _income_text,
    _jsonable,
    _log_income,
    _plan,
    _relative_numbers,
    assemble_deviation,
    closed_form_corner,
    closed_form_log_utility,
    general_equilibrium_at,
    general_equilibrium_of,
)
from inframarginal.symbolic import numeraire as numeraire_of

__all__ = ["RESIDUAL_NOTE", "CornerEquilibrium", "Deviation", "Plan", "Solution", "configuration_log_utility",
           "configuration_utility", "corner_equilibrium", "deviation_check", "general_equilibrium_at", "solve"]


def corner_equilibrium(model: Model, structure: Structure, values: Mapping[str, float],
                       method: str = "symbolic") -> CornerEquilibrium:
    """The corner equilibrium of ``structure`` at the (checked) parameter ``values``.

    Parameters
    ----------
    model : Model
    structure : Structure
    values : mapping
        All parameter values, as returned by :meth:`Model.check_parameters`.
    method : {"symbolic", "numeric"}
        Closed forms (falls back to numeric where a structure has none) or the
        independent numeric path.
    """
    if method not in ("symbolic", "numeric"):
        raise InframarginalError(f"method={method!r} is not known (expected 'symbolic' or 'numeric')")
    defect = structure_defect(structure)  # split or leaking buy graphs: decided exactly, before solving
    if defect:
        return CornerEquilibrium(structure.name, structure.labels, False, defect, method=method)
    num = numeraire_of(structure, model)
    compiled = compile_structure(model, structure) if method == "symbolic" else None
    if compiled is None:
        return _numeric(model, structure, values, num)
    base = dict(values)
    return closed_form_corner(structure, num, compiled, lambda config: compile_configuration(model, config),
                              model.good_names, lambda function, *extra: evaluate(function, model, base, *extra))


def _numeric(model: Model, structure: Structure, values: Mapping[str, float], num: str | None) -> CornerEquilibrium:
    result = numeric_corner_equilibrium(model, structure, dict(values), num)
    if not result.exists:
        return CornerEquilibrium(structure.name, structure.labels, False, result.reason, method="numeric")
    plans = tuple(
        _plan(model.good_names, o.configuration, s, o.utility, o.values, {})
        for o, s in zip(result.optima, result.shares, strict=True)
    )
    return CornerEquilibrium(
        structure.name, structure.labels, True, "", num, result.prices,
        dict(zip(structure.labels, result.shares, strict=True)),
        _relative_numbers(structure, result.shares, num),
        result.per_capita_real_income, plans, result.residuals, "numeric",
        math.log(result.per_capita_real_income) if result.per_capita_real_income > 0 else -math.inf,
        _numeric_notes(result.residuals),
    )


def _numeric_notes(residuals: Mapping[str, float]) -> tuple[str, ...]:
    """A note where the numeric path stopped short of solving the equilibrium conditions."""
    worst = max(residuals.values(), default=0.0)
    if not worst > RESIDUAL_NOTE:
        return ()
    which = max(residuals, key=lambda k: residuals[k])
    return (f"{which} residual {worst:.3g}: the numeric path found no exact solution here (parameters near "
            "a bound of their domain); the values are inaccurate",)


def configuration_utility(model: Model, config: Configuration, values: Mapping[str, float],
                          prices: Mapping[str, float]) -> float:
    """Best utility in ``config`` at the given prices (``inf`` if unbounded)."""
    return _exp(configuration_log_utility(model, config, values, prices))


def configuration_log_utility(model: Model, config: Configuration, values: Mapping[str, float],
                              prices: Mapping[str, float]) -> float:
    """Log of the best utility in ``config`` at the given prices (``inf`` if unbounded, ``-inf`` if none)."""
    cc = compile_configuration(model, config)
    if cc is None:
        optimum = individual_optimum(model, config, dict(values), dict(prices))
        if not optimum.bounded:
            return math.inf
        return math.log(optimum.utility) if optimum.utility > 0 else -math.inf
    base = dict(values)
    return closed_form_log_utility(cc, prices, lambda function, *extra: evaluate(function, model, base, *extra))


def deviation_check(model: Model, ce: CornerEquilibrium, values: Mapping[str, float]) -> Deviation:
    """Total cost-benefit check: the best configuration at ``ce``'s prices.

    Configurations that trade a good without a market in the structure are skipped
    (they have no price), and listed.  Utilities are compared in logs (they may lie
    outside floating-point range).
    """
    return assemble_deviation(configurations(model), ce,
                              lambda config: configuration_log_utility(model, config, values, ce.prices))


def solve(model: Model, values: Mapping[str, float] | None = None, *, structures: str = "studied",
          method: str = "symbolic", structure: str | None = None) -> Solution:
    """Corner equilibria of the studied structures and the general equilibrium.

    Parameters
    ----------
    model : Model
    values : mapping, optional
        Parameter values; defaults fill the rest; each is checked against its domain.
    structures : {"studied", "all"}
        The model's named structures, or every enumerated structure.
    method : {"symbolic", "numeric"}
    structure : str, optional
        Solve only this structure (no general equilibrium is then chosen).
    """
    checked = model.check_parameters(values or {})
    if structures not in ("studied", "all"):
        raise InframarginalError(f"structures={structures!r} is not known (expected 'studied' or 'all')")
    candidates = studied_structures(model) if structures == "studied" else enumerate_structures(model)
    if structure is not None:
        from inframarginal.configurations import find_structure

        candidates = (find_structure(model, structure),)
    results = {s.name: corner_equilibrium(model, s, checked, method) for s in candidates}
    name = general_equilibrium_of(results)
    if structure is not None or name is None:
        return Solution(model.name, checked, results, None, None, None)
    ge = results[name]
    deviation = deviation_check(model, ge, checked)
    return Solution(model.name, checked, results, name, ge.per_capita_real_income, deviation,
                    _deviation_notes(name, deviation, structures == "all"))
