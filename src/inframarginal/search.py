"""The certified general equilibrium: the best corner equilibrium over ALL structures of a model.

Method (see the README): every structure of the model is visited by the streaming
bitmask enumeration (:mod:`inframarginal.enumeration`); with ``method="search"`` only one
representative per orbit of the model's symmetry group (:mod:`inframarginal.symmetry`)
is solved, since symmetric structures have the same corner equilibrium up to
relabelling; with ``method="exhaustive"`` every structure is solved.  Corner
equilibria come from the stacked exact solver of :mod:`inframarginal.loglinear`.  The
general equilibrium is the corner equilibrium with the highest per-capita real income
(Sun, Yang and Zhou 2004); it is then checked by the total cost-benefit (deviation)
test: at its prices, no configuration of the model gives a higher utility.  Because
nothing is left out, the answer is what exhaustive enumeration gives, and the
certificate says over how many structures (or orbit representatives) it was taken.

References
----------
Sun, G., Yang, X. and Zhou, L. (2004). General equilibria in large economies with
endogenous structure of division of labor. *Journal of Economic Behavior and
Organization* 55(2), 237-256.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from inframarginal.budget import DEFAULT_SEARCH_LIMIT
from inframarginal.configurations import Structure, named_structures
from inframarginal.enumeration import (
    EnumerationInterrupted,
    autarky_indices,
    check_budget,
    configuration_table,
    count_structures,
    progress_bar,
    structure_blocks,
    structure_from_indices,
)
from inframarginal.errors import Advice, InframarginalError
from inframarginal.loglinear import (
    ConfigurationArrays,
    NotPowerFormError,
    configuration_arrays,
    reason,
    solve_block,
    solve_structure,
)
from inframarginal.model import Model
from inframarginal.results import Certification, ConditionKind
from inframarginal.symmetry import SymmetryGroup, autarky_orbits, orbit_blocks, symmetry_group
from inframarginal.welfare import BoundSearch, bound_search

#: Above this many (permutations x configurations) the symmetry group is not listed for the bound's output.
CHEAP_GROUP_WORK = 1_000_000

#: Incomes within this relative distance are reported as ties.
TIE_TOLERANCE = 1e-10


@dataclass(frozen=True)
class Ranked:
    """A structure in the ranking: its name, configurations, income and orbit size."""

    name: str
    configurations: tuple[str, ...]
    per_capita_real_income: float
    orbit_size: int
    listed: bool


@dataclass(frozen=True)
class FastDeviation:
    """Total cost-benefit check at the general equilibrium's prices, from the affine log utilities."""

    passed: bool
    best_configuration: str | None
    best_utility: float | None
    gain: float | None
    checked: int
    skipped: int


@dataclass(frozen=True)
class CertifiedEquilibrium:
    """The general equilibrium over every structure of a model, with how it is known.

    ``certificate`` says over what the maximum was taken; ``ranking`` holds the top
    structures (orbit representatives under ``method="search"``); ``ties`` names the
    structures with the same income as the general equilibrium (symmetric images
    included); ``listed`` compares with the structures the model file lists.
    """

    model: str
    parameters: dict[str, float]
    method: str
    general_equilibrium: str | None
    configurations: tuple[str, ...]
    per_capita_real_income: float | None
    prices: dict[str, float]
    shares: dict[str, float]
    certificate: str
    ranking: tuple[Ranked, ...]
    ties: tuple[str, ...]
    deviation: FastDeviation | None
    structures: int
    solved: int
    existing: int
    symmetry: str
    listed: str = ""
    engine_deviation: Any = field(default=None, compare=False)
    #: How the maximum is known: "bound" (welfare-theorem bound reached), "orbits" or "exhaustive".
    how: str = "exhaustive"
    #: The welfare bound on every structure's income and its relative gap to the result (None if not used).
    bound: float | None = None
    gap: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "parameters": self.parameters, "method": self.method,
            "general_equilibrium": self.general_equilibrium, "configurations": list(self.configurations),
            "per_capita_real_income": self.per_capita_real_income, "prices": self.prices, "shares": self.shares,
            "certificate": self.certificate, "symmetry": self.symmetry, "ties": list(self.ties),
            "ranking": [r.__dict__ | {"configurations": list(r.configurations)} for r in self.ranking],
            "deviation_check": None if self.deviation is None else self.deviation.__dict__,
            "structures": self.structures, "solved": self.solved, "existing": self.existing,
            "listed": self.listed, "certified_by": self.how, "bound": self.bound, "bound_gap": self.gap,
        }

    def __repr__(self) -> str:
        head = (f"Certified general equilibrium of {self.model} at "
                + ", ".join(f"{k}={v:.6g}" for k, v in self.parameters.items()))
        lines = [head, f"certificate: {self.certificate}", f"symmetry: {self.symmetry}"]
        if self.general_equilibrium is None:
            lines.append("no structure has a corner equilibrium here")
            return "\n".join(lines)
        lines.append(f"general equilibrium: {self.general_equilibrium}  per-capita real income "
                     f"{self.per_capita_real_income:.10g}")
        if self.prices:
            lines.append("  prices: " + ", ".join(f"p_{g}={p:.6g}" for g, p in self.prices.items()))
        if len(self.ties) > 1:
            lines.append(f"  tie among {len(self.ties)} structures: {'; '.join(self.ties[:8])}"
                         + (" ..." if len(self.ties) > 8 else ""))
        d = self.deviation
        lines.append(f"deviation check {'passed' if d.passed else 'FAILED'}: best alternative "
                     f"{d.best_configuration}, gain {d.gain:.3g} ({d.checked} configurations checked)")
        if self.listed:
            lines.append(self.listed)
        lines.append(f"top {len(self.ranking)}:")
        for i, r in enumerate(self.ranking, 1):
            orbit = f" (x{r.orbit_size} by symmetry)" if r.orbit_size > 1 else ""
            mark = " [listed]" if r.listed else ""
            lines.append(f" {i:>3}. {r.per_capita_real_income:.10g}  {r.name}{orbit}{mark}")
        return "\n".join(lines)


def _check_method(method: str) -> None:
    if method not in ("search", "orbits", "exhaustive"):
        raise InframarginalError(f"method={method!r} is not known (expected 'search', 'orbits' or 'exhaustive')")


def certified_equilibrium(model: Model, values: Mapping[str, float] | None = None, *, method: str = "search",
                          top: int = 10, limit: int | None = DEFAULT_SEARCH_LIMIT, progress: bool = False,
                          verify: bool = False) -> CertifiedEquilibrium:
    """The general equilibrium over every structure of ``model`` at one parameter point.

    Parameters
    ----------
    model : Model
        A model whose technologies are all of power form.
    values : mapping, optional
        Parameter values (defaults fill the rest; each is checked against its domain).
    method : {"search", "orbits", "exhaustive"}
        ``"search"``: the welfare bound (:mod:`inframarginal.welfare`) and its few candidate
        structures first; where no candidate reaches the bound, as ``"orbits"``: one
        representative per symmetry orbit.  ``"exhaustive"``: every structure.
    top : int
        Length of the ranked list.
    limit : int, optional
        Budget of structures solved (orbit representatives under ``"search"``); beyond it,
        :class:`StructureBudgetError` and no result.
    progress : bool
        Show a progress bar.
    verify : bool
        Also run the engine's own deviation check
        (:func:`inframarginal.equilibrium.deviation_check`) on the numeric corner
        equilibrium of the result (slow for large models).
    """
    _check_method(method)
    checked = model.check_parameters(values or {})
    total = count_structures(model)
    if method == "exhaustive":
        check_budget(total, limit, use=(("method", "search"),))  # one structure per symmetry class
    arrays = configuration_arrays(model, checked)
    group, found = None, None
    if method == "search":  # the welfare bound first: a few candidates, no enumeration
        found = bound_search(model, arrays, keep=top)
        if found.certified:
            return _bound_result(model, checked, arrays, found, total, top, verify)
    if method != "exhaustive":
        # Even under every permutation of the goods there are at least total / n! orbits:
        # refuse before listing the group (40,320 permutations at 8 goods) if that is over budget.
        hint = ("" if found is None or found.bound is None else
                f"; the welfare bound did not certify a structure here (it exceeds the best "
                f"candidate by a relative {found.gap:.3g})")
        n_goods = len(model.good_names)
        check_budget(-(-total // math.factorial(n_goods)), limit,
                     what=f"structures up to symmetry at least (of {total:,})", note=hint)
        group = symmetry_group(model)
        # At least total / |G| orbits: refuse before starting if even that is over budget.
        check_budget(-(-total // group.order), limit, what=f"structures up to symmetry at least (of {total:,})",
                     note=hint)
    best: list[tuple[float, np.ndarray, int]] = []  # (income, indices, orbit size)
    solved = existing = 0
    bar = progress_bar(total, progress, "structures")
    try:
        if group is not None:
            aut, asizes = autarky_orbits(model)
        else:
            aut = autarky_indices(model)
            asizes = np.ones(len(aut), dtype=np.int64)
        for c, size in zip(aut.tolist(), asizes.tolist(), strict=True):
            solved += 1
            if arrays.exists[c]:
                existing += 1
                best.append((float(np.exp(arrays.log_utility[c])), np.array([c]), size))
        bar.update(len(autarky_indices(model)))
        blocks = (orbit_blocks(model) if group is not None
                  else ((traded, block, None) for traded, block in structure_blocks(model)))
        for traded, block, sizes in blocks:
            bar.update(len(block) if sizes is None else int(sizes.sum()))
            if sizes is None:
                sizes = np.ones(len(block), dtype=np.int64)
            if not len(block):
                continue
            sol = solve_block(arrays, traded, block)
            solved += len(block)
            if limit is not None and solved > limit:
                check_budget(solved, limit, what=f"structures to solve at least (of {total:,})")
            ok = np.flatnonzero(sol.status == 0)
            existing += len(ok)
            if not len(ok):
                continue
            k = min(top, len(ok))
            pick = ok[np.argpartition(-sol.income[ok], k - 1)[:k]] if len(ok) > k else ok
            # Keep the ties of the best too, so that none is dropped silently.
            level = sol.income[pick].max()
            pick = np.union1d(pick, ok[sol.income[ok] >= level * (1 - TIE_TOLERANCE)])
            best.extend((float(sol.income[i]), block[i], int(sizes[i])) for i in pick)
            best.sort(key=lambda item: -item[0])
            cut = top
            while cut < len(best) and best[cut][0] >= best[0][0] * (1 - TIE_TOLERANCE):
                cut += 1
            del best[max(cut, top):]
    except KeyboardInterrupt:
        raise EnumerationInterrupted(
            f"interrupted after {solved:,} of {total:,} structures: no general equilibrium is certified") from None
    finally:
        bar.close()
    what = (f"{solved:,} orbit representatives of {total:,} structures" if method != "exhaustive"
            else f"all {total:,} structures")
    certificate = f"exhaustive over {what}; {existing:,} of them have a corner equilibrium here"
    return _result(model, checked, method, arrays, best, total, solved, existing, top, verify, certificate,
                   "orbits" if method != "exhaustive" else "exhaustive")


def cheap_symmetry_group(model: Model) -> SymmetryGroup | None:
    """The symmetry group where listing it is cheap (its action on configurations is |G| x configurations)."""
    n = len(model.good_names)
    if math.factorial(n) * len(configuration_table(model).configurations) > CHEAP_GROUP_WORK:
        return None
    return symmetry_group(model)


def _bound_result(model: Model, checked: dict[str, float], arrays: ConfigurationArrays, found: BoundSearch,
                  total: int, top: int, verify: bool) -> CertifiedEquilibrium:
    group = cheap_symmetry_group(model)
    best = []
    for income, idx in found.best:
        size = 1
        if group is not None and len(idx) > 0:
            size = len({frozenset(cmap[idx].tolist()) for cmap in group.configuration_maps})
        best.append((income, idx, size))
    assert found.bound is not None
    certificate = (
        f"welfare bound (first welfare theorem; Sun, Yang and Zhou 2004): at one price vector for all goods no "
        f"configuration gives more than {found.bound.bound:.10g}, so no corner equilibrium of any of the "
        f"{total:,} structures does; the general equilibrium reaches it (relative gap {found.gap:.1e}); "
        f"{found.solved:,} candidate structure{'' if found.solved == 1 else 's'} solved")
    result = _result(model, checked, "search", arrays, best, total, found.solved,
                     len(found.best), top, verify, certificate, "bound", group)
    return replace(result, bound=found.bound.bound, gap=found.gap)


def _result(model: Model, checked: dict[str, float], method: str, arrays: ConfigurationArrays,
            best: list, total: int, solved: int, existing: int, top: int, verify: bool, certificate: str,
            how: str, group: SymmetryGroup | None | bool = True) -> CertifiedEquilibrium:
    if group is True:
        group = symmetry_group(model)
    listed = {frozenset(s.labels): s.name for s in named_structures(model)}
    symmetry = (group.describe() if isinstance(group, SymmetryGroup)
                else "not listed (the welfare bound does not need it)")
    ranking = []
    for income, idx, size in best[:top]:
        s = structure_from_indices(model, idx)
        ranking.append(Ranked(s.name, s.labels, income, size, frozenset(s.labels) in listed))
    if not best:
        return CertifiedEquilibrium(model.name, checked, method, None, (), None, {}, {}, certificate,
                                    (), (), None, total, solved, existing, symmetry, how=how)
    income, idx, _ = best[0]
    ge = structure_from_indices(model, idx)
    ties = _ties(model, best, method if isinstance(group, SymmetryGroup) else "exhaustive")
    # Among structures tied with the best (symmetric images, or listed ones with the same
    # income), name a listed one where there is one.
    by_name = {s.name: s for s in named_structures(model)}
    if ge.name not in by_name:
        for s in by_name.values():
            sol = solve_structure(arrays, model, s)
            if sol.status[0] == 0 and sol.income[0] >= income * (1 - TIE_TOLERANCE):
                ties = (*ties, s.name) if s.name not in ties else ties
                ge = s
                break
    sol = solve_structure(arrays, model, ge)
    goods = model.good_names
    prices = {goods[g]: float(np.exp(sol.log_prices[0, j])) for j, g in enumerate(sol.traded)}
    shares = ({c.label: float(s) for c, s in zip(_sorted(ge, model), sol.shares[0], strict=True)}
              if sol.traded else {ge.labels[0]: 1.0})
    deviation = fast_deviation_check(model, arrays, prices, income)
    note = _listed_note(model, checked, arrays, ge, income, listed)
    engine = None
    if verify:
        from inframarginal.equilibrium import corner_equilibrium, deviation_check

        engine = deviation_check(model, corner_equilibrium(model, ge, checked, "numeric"), checked)
    return CertifiedEquilibrium(model.name, checked, method, ge.name, ge.labels, income, prices, shares,
                                certificate, tuple(ranking), ties, deviation, total, solved, existing, symmetry,
                                note, engine, how)


def _sorted(structure: Structure, model: Model):
    goods = model.good_names
    return sorted(structure.configurations, key=lambda c: goods.index(c.sells))


def _ties(model: Model, best: list, method: str) -> tuple[str, ...]:
    """Every structure with the general equilibrium's income: symmetric images and exact ties."""
    group = symmetry_group(model) if method != "exhaustive" else None
    level = best[0][0]
    names: list[str] = []
    for income, idx, _size in best:
        if income < level * (1 - TIE_TOLERANCE):
            break
        images = [idx] if group is None else [cmap[idx] for cmap in group.configuration_maps]
        seen = set()
        for image in images:
            key = frozenset(image.tolist())
            if key not in seen:
                seen.add(key)
                names.append(structure_from_indices(model, sorted(image.tolist(), key=_seller_order(model))).name)
    return tuple(dict.fromkeys(names))


def _seller_order(model: Model):
    table = configuration_table(model)
    return lambda c: int(table.sells[c])


def _listed_note(model: Model, checked, arrays: ConfigurationArrays, ge: Structure, income: float,
                 listed: dict) -> str:
    """Where the model lists structures: is the GE among them, or which unlisted one beats them."""
    named = named_structures(model)
    if not named:
        return ""
    if frozenset(ge.labels) in listed:
        return f"the general equilibrium {listed[frozenset(ge.labels)]} is one of the {len(named)} listed structures"
    best_name, best_income = None, -math.inf
    for s in named:
        sol = solve_structure(arrays, model, s)
        if sol.status[0] == 0 and sol.income[0] > best_income:
            best_name, best_income = s.name, float(sol.income[0])
    if best_name is None:
        return (f"no listed structure has a corner equilibrium here; the general equilibrium is the "
                f"unlisted {ge.name}")
    if income <= best_income * (1 + TIE_TOLERANCE):
        return (f"the listed {best_name} ties with the general equilibrium {ge.name} "
                f"(per-capita real income {best_income:.10g})")
    return (f"an unlisted structure beats the listed ones: {ge.name} gives {income:.10g}, "
            f"{income / best_income - 1:.3%} above the best listed structure {best_name} ({best_income:.10g})")


#: Orbit representatives the per-point certification may solve where the welfare bound is not reached.
CERTIFY_LIMIT = 20_000


def certify(model: Model, values: Mapping[str, float] | None = None, *, limit: int = CERTIFY_LIMIT) -> Certification:
    """Certify the general equilibrium over ALL structures of ``model`` at one point (cheap; never raises on budget).

    The single rule the edges (solve, sweeps, paths, the report, the explorer) call next
    to their choice among the listed structures: the welfare bound first (milliseconds),
    then the orbit search if it needs at most ``limit`` representatives; otherwise, or
    for technologies not of power form, "not certified" with the reason.
    """
    checked = model.check_parameters(values or {})
    try:
        arrays = configuration_arrays(model, checked)
    except NotPowerFormError as err:
        return Certification(False, None, None, None, None, False, "", None,
                             Advice(f"the exact solver needs technologies of power form ({err})"))
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as err:
        return Certification(False, None, None, None, None, False, "", None,
                             Advice(f"the exact solver failed here ({type(err).__name__}: {err})"))
    try:
        return _certify(model, checked, arrays, limit)
    except (ArithmeticError, ValueError, np.linalg.LinAlgError) as err:  # never break the edge that asked
        return Certification(False, None, None, None, None, False, "", None,
                             Advice(f"the exact solver failed here ({type(err).__name__}: {err})"))


def _certify(model: Model, checked: dict[str, float], arrays: ConfigurationArrays, limit: int) -> Certification:
    found = bound_search(model, arrays, keep=1)
    if found.certified:  # compared in logs: incomes of large models underflow
        level, idx = found.log_incomes[0], found.best[0][1]
        ge_name, how, gap = structure_from_indices(model, idx).name, "bound", found.gap
    else:
        try:
            check_budget(-(-count_structures(model) // math.factorial(len(model.good_names))), limit,
                         what="structures up to symmetry at least")
            result = certified_equilibrium(model, checked, method="orbits", top=1, limit=limit)
        except InframarginalError as err:
            gap_text = ("" if not math.isfinite(found.gap)
                        else f"the welfare bound exceeds the best candidate by {found.gap:.3g}; ")
            # The limit here is the certification's own, which no caller of solve sets: the search
            # method (its larger budget, the caller's) is what helps, in each edge's words.
            return Certification(False, None, None, None, None, False, "", found.gap,
                                 Advice(f"{gap_text}{_without_settings(err)}", use=(("method", "search"),)))
        if result.general_equilibrium is None:
            return Certification(True, None, None, None, None, False, "orbits", None,
                                 Advice("no structure has a corner equilibrium here"))
        income = float(result.per_capita_real_income or 0.0)
        level, how, gap = (math.log(income) if income > 0 else -math.inf), "orbits", None
        ge_name = result.general_equilibrium
    best_name, best = None, -math.inf
    for structure in named_structures(model):
        sol = solve_structure(arrays, model, structure)
        if sol.status[0] == 0 and sol.log_income is not None and sol.log_income[0] > best:
            best_name, best = structure.name, float(sol.log_income[0])
    if best_name is not None and best >= level + math.log1p(-TIE_TOLERANCE):
        return Certification(True, best_name, math.exp(best), best_name, math.exp(best), False, how, gap)
    unlisted = bool(named_structures(model))
    return Certification(True, ge_name, math.exp(level), best_name, None if best_name is None else math.exp(best),
                         unlisted, how, gap)


def _without_settings(err: InframarginalError) -> str:
    """The message of ``err`` without the settings it suggests (they are the caller's to choose)."""
    return f"{err.field} {err.value}: {err.detail}" if err.field is not None else err.detail


def certify_kept(model: Model, values: Mapping[str, float]) -> Certification:
    """:func:`certify` at a full parameter point, read from the disk cache of certificates that
    warm solves read (:func:`inframarginal.bundle.stored_certificate`), or computed and kept there:
    a sweep or path run again certifies its sample without the LP (nor SciPy)."""
    from inframarginal.bundle import store_certificate, stored_certificate

    stored = stored_certificate(model, values)  # None where absent or not what to_dict gave
    if stored is not None:
        return stored
    cert = certify(model, values)
    store_certificate(model, values, cert)
    return cert


#: Points certified per region of a sweep (points with the same listed GE), and in all.
SWEEP_SAMPLES_PER_REGION = 4
SWEEP_SAMPLES = 64


def certify_sample(model: Model, points: list[dict[str, float]], regions: list[str]) -> Advice:
    """One line on the certification of a sweep or a path, from certified sample points.

    ``points`` are full parameter points, ``regions`` the listed GE at each (the structure
    region it stands for).  Says at how many points the listed GE was certified, names the
    unlisted structures that beat the listed ones (with one point each), or why not certified
    (with the settings that would help: :class:`inframarginal.errors.Advice`).
    """
    beaten: dict[str, dict[str, float]] = {}
    failed: list[Advice] = []
    for point in points:
        cert = certify_kept(model, point)
        if not cert.certified:
            failed.append(cert.reason)
        elif cert.unlisted_beats and cert.general_equilibrium is not None:
            beaten.setdefault(cert.general_equilibrium, point)
    head = (f"certified against all structures at {len(points)} sampled points "
            f"({len(set(regions))} regions of the listed general equilibrium; a sample, not every point)")
    if failed:
        return Advice(f"{head}: not certified at {len(failed)} of them: {failed[0].body}", failed[0].use)
    if not beaten:
        return Advice(f"{head}: the listed general equilibrium is the general equilibrium over all structures at each")
    shown = "; ".join(f"{name} (e.g. at " + ", ".join(f"{k}={v:.6g}" for k, v in point.items()) + ")"
                      for name, point in list(beaten.items())[:3])
    return Advice(f"{head}: an unlisted structure beats the listed ones at some: {shown}")


def sweep_sample(codes: np.ndarray, per_region: int = SWEEP_SAMPLES_PER_REGION,
                 total: int = SWEEP_SAMPLES) -> list[tuple[int, ...]]:
    """Grid indices to certify: up to ``per_region`` evenly spread points of each GE code, ``total`` in all."""
    out: list[tuple[int, ...]] = []
    flat = codes.ravel()
    if flat.size and int(flat.max()) - int(flat.min()) <= 64:  # a few codes: one comparison each
        values = [v for v in range(int(flat.min()), int(flat.max()) + 1) if (flat == v).any()]
    else:
        values = np.unique(flat).tolist()
    each = max(1, min(per_region, total // max(1, len(values))))
    for v in values:
        mask = flat == v
        count = int(np.count_nonzero(mask))
        ranks = np.linspace(0, count - 1, min(each, count)).round().astype(int)
        pick = _positions(mask, ranks)
        out.extend(tuple(int(i) for i in np.unravel_index(j, codes.shape)) for j in np.unique(pick))
    return out[:total]


def _positions(mask: np.ndarray, ranks: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """The positions of the ``ranks``-th true values of ``mask`` (``np.flatnonzero(mask)[ranks]``),
    without listing every true value: counted by blocks, listed in the blocks that hold a rank."""
    starts = range(0, len(mask), block)
    before = np.cumsum([0, *(np.count_nonzero(mask[s:s + block]) for s in starts)])
    out = np.empty(len(ranks), dtype=np.int64)
    for i, r in enumerate(ranks.tolist()):
        b = int(np.searchsorted(before, r, side="right")) - 1
        out[i] = starts[b] + np.flatnonzero(mask[starts[b]:starts[b] + block])[r - before[b]]
    return out


def fast_deviation_check(model: Model, arrays: ConfigurationArrays, prices: Mapping[str, float],
                         income: float) -> FastDeviation:
    """Total cost-benefit check: the best configuration at ``prices`` (those trading only priced goods).

    A configuration whose optimum is unbounded counts as an infinite gain; one whose
    fixed costs exceed the endowment is not feasible and is skipped.
    """
    table = configuration_table(model)
    goods = model.good_names
    priced = sum(1 << goods.index(g) for g in prices)
    lp = np.zeros(len(goods))
    for g, p in prices.items():
        lp[goods.index(g)] = math.log(p)
    sells_mask = np.where(table.sells >= 0, 1 << np.maximum(table.sells, 0), 0)
    usable = ((table.buys | sells_mask) & ~priced) == 0
    best, best_u, checked, skipped = None, -math.inf, 0, 0
    for c in np.flatnonzero(usable).tolist():
        if not arrays.exists[c]:
            failure = arrays.failures[c]
            if failure is not None and failure.kind is ConditionKind.DUAL_WEIGHT:  # unbounded utility
                best, best_u = table.configurations[c].label, math.inf
                checked += 1
            else:
                skipped += 1
            continue
        checked += 1
        u = float(np.exp(arrays.log_utility[c] + arrays.utility_slope[c] @ lp))
        if u > best_u:
            best, best_u = table.configurations[c].label, u
    gain = best_u / income - 1.0
    return FastDeviation(bool(gain <= 1e-9), best, best_u, gain, checked,
                         skipped + int((~usable).sum()))


__all__ = ["CERTIFY_LIMIT", "CertifiedEquilibrium", "Certification", "DEFAULT_SEARCH_LIMIT", "FastDeviation",
           "Ranked", "certified_equilibrium", "certify", "fast_deviation_check", "reason",
           "certify_sample", "sweep_sample"]
