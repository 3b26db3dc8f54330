"""Why a corner equilibrium does not exist, in economics words.

The engine states the failed condition as the solver sees it (a dual weight of the
individual's geometric programme, a labour balance, a share of the population).  The
explorer shows an economist's reading first (whose demand for which good is
unbounded, and why; which fixed costs do not fit in a person's labour) and keeps the
engine's text as the technical detail.  The reading is made from the failed condition as
an object (:class:`inframarginal.results.Failure`: its kind, configuration, term, good and
value), never by parsing the engine's text.
"""

from __future__ import annotations

import math

from inframarginal.configurations import Configuration, find_structure
from inframarginal.individual import TermRole
from inframarginal.model import Model
from inframarginal.results import ConditionKind, Failure


def _goods(names: list[str] | tuple[str, ...]) -> str:
    names = list(names)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _configuration(model: Model, structure: str, label: str) -> Configuration | None:
    try:
        found = find_structure(model, structure)
    except Exception:  # an unknown name: no reading, the technical text stands
        return None
    for config in found.configurations:
        if config.label == label:
            return config
    return None


def _inputs(model: Model, config: Configuration, good: str) -> list[str]:
    """The goods ``config`` buys that enter its technology of ``good``."""
    tech = dict(config.technology).get(good)
    used: set[str] = set()
    for t in model.technologies_of(good) if good else ():
        if tech is None or t.name == tech:
            used |= set(t.inputs)
    return [g for g in config.buys if g in used]


def _who(config: Configuration) -> str:
    produced = _goods(list(config.produces))
    bought = _goods(list(config.buys))
    who = f"a person who produces {produced}" if produced else "a person"
    return f"{who} and buys {bought}" if bought else who


def explain(model: Model, structure: str, reason: str, failure: Failure | None = None) -> str:
    """An economist's reading of why ``structure`` has no corner equilibrium, from the failed
    condition as an object (``failure``, :attr:`CornerEquilibrium.failure`), or ``reason``
    itself where there is none to read (the numeric path's reasons already are readings)."""
    if failure is None or math.isnan(failure.value):
        if failure is not None or "cannot be evaluated in floating point" in reason:
            return ("The parameters are too close to a bound of their domain for this structure's "
                    "equilibrium to be computed in floating point.")
        return reason
    condition = failure.condition
    label = condition.configuration
    if condition.kind is ConditionKind.DUAL_WEIGHT:
        config = _configuration(model, structure, label)
        if config is None:
            return reason
        # The labour weight of a good produced: its bought inputs' returns are not diminishing.
        good = condition.good if condition.role == TermRole.LABOUR.value else ""
        inputs = _inputs(model, config, good)
        if inputs:
            bought = _goods(inputs)
            tech = dict(config.technology).get(good, "")
            how = f"the {tech} technology of {good}" if tech else f"the technology of {good}"
            return (f"No best plan exists for {_who(config)} ({label}): buying more {bought} and "
                    f"working more in {good} always raises utility, so this person's demand for {bought} "
                    f"is unbounded. The returns to {bought} in {how} are not diminishing at these "
                    f"parameters (an exponent of {bought} of 1 or more).")
        return (f"No best plan exists for {_who(config)} ({label}): more "
                f"{condition.term} always raises utility without bound (returns are not diminishing).")
    if condition.kind is ConditionKind.LABOUR:
        config = _configuration(model, structure, label)
        who = _who(config) if config is not None else "a person"
        return (f"The fixed learning and entry costs of everything {who} ({label}) must produce "
                f"exceed the one unit of labour each person has (labour left: {failure.value:.6g}): "
                "nobody can take up that occupation.")
    return reason
