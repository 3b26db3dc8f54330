"""Why a corner equilibrium does not exist, in economics words.

The engine states the failed condition as the solver sees it (a dual weight of the
individual's geometric programme, a labour balance, a share of the population).  The
explorer shows an economist's reading first (whose demand for which good is
unbounded, and why; which fixed costs do not fit in a person's labour) and keeps the
engine's text as the technical detail.
"""

from __future__ import annotations

import re

from inframarginal.configurations import Configuration, find_structure
from inframarginal.model import Model

_DUAL = re.compile(r"dual weight of '(?P<term>[^']*)' \((?P<constraint>[^)]*)\) in (?P<config>\S+) is (?P<value>\S+)")
_DUAL_NUMERIC = re.compile(r"no optimum in (?P<config>\S+): utility rises without bound \(dual weight of "
                           r"'(?P<term>[^']*)' is (?P<value>\S+)")
_LABOUR = re.compile(r"fixed costs of (?P<config>\S+) \(labour left (?P<value>[^)]*)\)")


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


def explain(model: Model, structure: str, reason: str) -> str:
    """An economist's reading of ``reason`` (why ``structure`` has no corner equilibrium), or
    ``reason`` itself when it already is one."""
    m = _DUAL.search(reason) or _DUAL_NUMERIC.search(reason)
    if m:
        config = _configuration(model, structure, m["config"])
        if config is None:
            return reason
        term = m["term"]
        used = re.search(r"in (\w+)$", term)
        good = used.group(1) if used else ""
        inputs = _inputs(model, config, good)
        if inputs:
            bought = _goods(inputs)
            tech = dict(config.technology).get(good, "")
            how = f"the {tech} technology of {good}" if tech else f"the technology of {good}"
            return (f"No best plan exists for {_who(config)} ({m['config']}): buying more {bought} and "
                    f"working more in {good} always raises utility, so this person's demand for {bought} "
                    f"is unbounded. The returns to {bought} in {how} are not diminishing at these "
                    f"parameters (an exponent of {bought} of 1 or more).")
        return (f"No best plan exists for {_who(config)} ({m['config']}): more "
                f"{term} always raises utility without bound (returns are not diminishing).")
    m = _LABOUR.search(reason)
    if m:
        config = _configuration(model, structure, m["config"])
        who = _who(config) if config is not None else "a person"
        return (f"The fixed learning and entry costs of everything {who} ({m['config']}) must produce "
                f"exceed the one unit of labour each person has (labour left: {m['value']}): "
                "nobody can take up that occupation.")
    if "cannot be evaluated in floating point" in reason:
        return ("The parameters are too close to a bound of their domain for this structure's "
                "equilibrium to be computed in floating point.")
    return reason
