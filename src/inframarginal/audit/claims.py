"""The paper's claims, evaluated from the model: holds, fails, or holds only where.

A claim is data (:class:`Claim`): its printed text and the computable checks that
together make it (see the ``[[claims]]`` tables of the transcription file).  Each
check is decided by computation on the derived closed forms:

* ``sign``: the sign of a derivative.  SymPy first tries a proof: the log-derivative
  is factored and every factor's sign is established (a number, a parameter with a
  positive domain, a factor of the closed form, which is positive wherever the
  corner equilibrium exists, the ``where`` condition, or SymPy's assumptions after
  mapping each parameter's interval onto the positive reals).  Where a factor's
  sign is not established, dense random sampling decides, with the sample size
  stated and a counterexample point reported.
* ``positive``: the sign of a quantity, likewise.
* ``appears``/``monotone``: properties of the general equilibrium, by sampling.

A claim *holds* when every check holds, *fails* when some check holds nowhere it
was tested, and otherwise *holds only where* the stated conditions hold.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import numpy as np
import sympy as sp

from inframarginal.audit.printed import compiled_function, data_name, has_printed_results
from inframarginal.audit.table1 import derived_forms, log_atoms
from inframarginal.compiled import evaluate_structure
from inframarginal.configurations import find_structure, studied_structures
from inframarginal.disk_cache import read_entry, write_entry
from inframarginal.equilibrium import general_equilibrium_at
from inframarginal.errors import InframarginalError, ModelFileError
from inframarginal.expressions import parse_expression
from inframarginal.memo import model_cache
from inframarginal.model import Model
from inframarginal.report.settings import DEFAULT_SETTINGS, ReportSettings
from inframarginal.sampling import UNBOUNDED_CAP, sample_points

#: Expressions larger than this (SymPy operation count) go straight to sampling.
MAX_PROOF_OPS = 150
#: Upper end of the sampled interval for parameters whose domain is unbounded.


@dataclass(frozen=True)
class Check:
    """One computable part of a claim (see the module docstring for the kinds)."""

    kind: str
    quantity: str = ""
    parameter: str = ""
    sign: int = 0
    where: str = ""
    structures: tuple[str, ...] = ()
    measure: str = ""
    direction: int = 0

    def describe(self) -> str:
        where = f" where {self.where} > 0" if self.where else ""
        if self.kind == "sign":
            rel = ">" if self.sign > 0 else "<"
            return f"d({self.quantity})/d{self.parameter} {rel} 0{where}"
        if self.kind == "positive":
            return f"{self.quantity} > 0{where}"
        if self.kind == "appears":
            return f"one of {', '.join(self.structures)} is the general equilibrium somewhere{where}"
        if self.kind == "monotone":
            way = "rises" if self.direction > 0 else "falls"
            return f"the general equilibrium's {self.measure.replace('_', ' ')} never falls as {self.parameter} {way}"
        return self.kind


@dataclass(frozen=True)
class Claim:
    """A claim of the paper: id (``P1.i``, ``S2.3``...), printed text and its checks."""

    id: str
    text: str
    checks: tuple[Check, ...]


@dataclass
class CheckResult:
    check: Check
    verdict: str  # holds / fails / holds-only-where
    method: str
    evidence: str
    condition: str = ""
    counterexample: dict[str, float] = field(default_factory=dict)
    values: dict[str, float] = field(default_factory=dict)
    tested: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check.describe(), "verdict": self.verdict, "method": self.method,
            "evidence": self.evidence, "condition": self.condition,
            "counterexample": self.counterexample or None, "values": self.values or None,
            "tested": self.tested,
        }


@dataclass
class ClaimResult:
    claim: Claim
    verdict: str
    method: str
    evidence: str
    checks: list[CheckResult]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.claim.id, "text": self.claim.text, "verdict": self.verdict,
            "method": self.method, "evidence": self.evidence,
            "checks": [c.to_dict() for c in self.checks],
        }


# -- loading ---------------------------------------------------------------------------------


def claims_from_records(records: Sequence[Mapping[str, Any]]) -> list[Claim]:
    """Build claims from plain records (as in the TOML file); bad records raise a named error."""
    out = []
    for i, rec in enumerate(records):
        try:
            checks = tuple(
                Check(kind=c["kind"], quantity=c.get("quantity", ""), parameter=c.get("parameter", ""),
                      sign=int(c.get("sign", 0)), where=c.get("where", ""),
                      structures=tuple(c.get("structures", ())), measure=c.get("measure", ""),
                      direction=int(c.get("direction", 0)))
                for c in rec["checks"])
            out.append(Claim(rec["id"], rec["text"], checks))
        except KeyError as err:
            raise ModelFileError(f"claim record {i} lacks the key {err.args[0]!r}", "claims", f"claims[{i}]") from None
    for claim in out:
        for c in claim.checks:
            if c.kind not in ("sign", "positive", "appears", "monotone"):
                raise ModelFileError(f"claim {claim.id}: check kind {c.kind!r} is not known "
                                     "(expected sign, positive, appears or monotone)", "claims", claim.id)
            if c.kind == "sign" and c.sign not in (-1, 1):
                raise ModelFileError(f"claim {claim.id}: sign must be 1 or -1, got {c.sign}", "claims", claim.id)
    return out


def paper_claims(model: Model) -> list[Claim]:
    """The claims transcribed for ``model`` (empty when none are)."""
    if not has_printed_results(model.name):
        return []
    raw = tomllib.loads(resources.files("inframarginal.audit.transcriptions").joinpath(data_name(model.name)).read_text("utf-8"))
    return claims_from_records(raw.get("claims", []))


# -- the derived quantities ------------------------------------------------------------------


def _key(quantity: str) -> str:
    return "u" if quantity == "per-capita real income" else quantity.replace("/", "_")


@model_cache
def quantity_names(model: Model) -> dict[str, sp.Expr]:
    """Names usable in a claim's quantity: parameters and ``<quantity>_<structure>``."""
    names: dict[str, sp.Expr] = {p.name: p.symbol for p in model.parameters}
    for s in studied_structures(model):
        for q, expr in derived_forms(model, s.name).items():
            names[f"{_key(q)}_{s.name}"] = expr
    return names


def _structures_in(model: Model, text: str) -> list[str]:
    import re

    found = []
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_]*", text):
        if "_" in token:
            s = token.rsplit("_", 1)[1]
            if s in {x.name for x in studied_structures(model)} and s not in found:
                found.append(s)
    return found


def _box_description(model: Model) -> str:
    parts = []
    for p in model.parameters:
        hi = p.domain.upper
        text = str(p.domain) if math.isfinite(hi) else f"{str(p.domain).split(',')[0]}, {max(UNBOUNDED_CAP, p.domain.lower + UNBOUNDED_CAP):g})"
        parts.append(f"{p.name} in {text}")
    return ", ".join(parts)


def _point(values: Mapping[str, np.ndarray], i: int) -> dict[str, float]:
    return {k: float(v[i]) for k, v in values.items()}


def _fmt(point: Mapping[str, float]) -> str:
    return ", ".join(f"{k}={v:.4g}" for k, v in point.items())


def _cut(text: str, limit: int = 160) -> str:
    """Text cut where it would not be read (the full text stays in the JSON fields)."""
    return text if len(text) <= limit else f"{text[:limit - 20]}... ({len(text)} characters)"


def _short(expr: sp.Expr, limit: int = 160) -> str:
    """A formula as text, cut where it would not be read."""
    return _cut(sp.sstr(expr), limit)


# -- sign proofs -----------------------------------------------------------------------------


def _positive_substitution(model: Model) -> dict[sp.Symbol, sp.Expr]:
    """Map each parameter's interval onto the positive reals (u > 0), for SymPy's assumptions."""
    subs = {}
    for p in model.parameters:
        u = sp.Symbol(f"u_{p.name}", positive=True)
        lo, hi = sp.nsimplify(p.domain.lower), p.domain.upper
        subs[p.symbol] = lo + u if not math.isfinite(hi) else lo + (sp.nsimplify(hi) - lo) * u / (1 + u)
    return subs


def _factor_sign(f: sp.Expr, positive_atoms: list[sp.Expr], where: sp.Expr | None,
                 subs: dict[sp.Symbol, sp.Expr]) -> int:
    """+1, -1 or 0 (unknown) for one factor on the region where the quantity exists."""
    if f.is_number:
        return int(sp.sign(f))
    base, exponent = f.as_base_exp()
    if exponent.is_number and exponent.is_integer and int(exponent) % 2 == 0 and exponent != 0:
        return 1
    if exponent.is_number and exponent.is_integer and int(exponent) % 2 == 1 and base is not f:
        return _factor_sign(base, positive_atoms, where, subs)
    if exponent.is_number and exponent.is_integer and int(exponent) < 0:
        return _factor_sign(base ** (-exponent), positive_atoms, where, subs)
    for atom in positive_atoms:
        if sp.expand(f - atom) == 0:
            return 1
        if sp.expand(f + atom) == 0:
            return -1
    if where is not None:
        ratio = sp.cancel(f / where)
        if ratio.is_number and ratio != 0:
            return int(sp.sign(ratio))
    if sp.count_ops(f) > 40:
        return 0
    g = sp.factor(sp.together(f.xreplace(subs)))
    if g.is_positive:
        return 1
    if g.is_negative:
        return -1
    return 0


def prove_sign(model: Model, expr: sp.Expr, atoms_of: sp.Expr, where: sp.Expr | None) -> tuple[int | None, list[sp.Expr]]:
    """Try to prove the sign of ``expr`` where the quantity ``atoms_of`` exists.

    Returns ``(sign, unknown_factors)``: ``sign`` is +1, -1, 0 (identically zero) or
    ``None`` when some factors' signs are not established (they are returned).
    """
    if sp.count_ops(expr) > MAX_PROOF_OPS:
        return None, [expr]  # too large for a readable proof: sampling decides
    expr = sp.together(sp.expand(expr))
    if expr == 0 or sp.cancel(expr) == 0:
        return 0, []
    point = {p.symbol: sp.Float(p.default) for p in model.parameters}
    try:
        positive_atoms = list(log_atoms(atoms_of, point))
    except Exception:
        positive_atoms = []
    positive_atoms += [p.symbol for p in model.parameters if p.domain.lower >= 0]
    subs = _positive_substitution(model)
    num, den = sp.fraction(sp.factor(expr))
    sign, unknown = 1, []
    for part in (num, den):
        for f in sp.Mul.make_args(part):
            s = _factor_sign(f, positive_atoms, where, subs)
            if s == 0:
                unknown.append(f)
            else:
                sign *= s
    return (None, unknown) if unknown else (sign, [])


# -- evaluating checks -----------------------------------------------------------------------


class ClaimEvaluator:
    """Evaluates claims for one model; caches the sampled general equilibria."""

    def __init__(self, model: Model, seed: int = 2020, settings: ReportSettings = DEFAULT_SETTINGS):
        self.model = model
        self.seed = seed
        self.settings = settings
        self.names = quantity_names(model)
        self.structures = studied_structures(model)
        self._results: dict[Check, CheckResult] = {}  # claims share checks (the same seed: same result)

    # general equilibrium on arbitrary arrays of points
    def general_equilibrium(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        results = [evaluate_structure(self.model, s, dict(values)) for s in self.structures]
        with np.errstate(invalid="ignore"):
            code, _ = general_equilibrium_at([r["per_capita_real_income"] for r in results],
                                               [r["exists"] & np.isfinite(r["per_capita_real_income"]) for r in results])
        return code.astype(int)

    def _measure(self, measure: str) -> np.ndarray:
        if measure == "division_of_labour":
            levels = [len(s.traded_goods) for s in self.structures]
        elif measure == "intermediate_good":
            inter = [g for g in self.model.good_names if not self.model.good(g).consumed]
            levels = [int(any(g in c.produces or g in c.buys for c in s.configurations for g in inter))
                      for s in self.structures]
        else:
            raise InframarginalError(f"measure {measure!r} is not known (expected division_of_labour or intermediate_good)")
        return np.array(levels + [0])  # index -1: no structure exists

    def _expression(self, text: str, what: str) -> sp.Expr:
        return parse_expression(text, self.names, what=what)

    def _mask(self, values, structures, where_expr) -> np.ndarray:
        n = len(next(iter(values.values())))
        mask = np.ones(n, dtype=bool)
        for name in structures:
            mask &= evaluate_structure(self.model, find_structure(self.model, name), dict(values))["exists"]
        if where_expr is not None:
            mask &= self._numeric(where_expr, values) > 0
        return mask

    def _numeric(self, expr: sp.Expr, values) -> np.ndarray:
        f = compiled_function(self.model, expr)
        with np.errstate(all="ignore"):
            out = np.asarray(f(*[values[p.name] for p in self.model.parameters]), dtype=float)
        return np.broadcast_to(out, np.shape(values[self.model.parameters[0].name])).astype(float)

    def check(self, c: Check) -> CheckResult:
        if c not in self._results:
            # a check's result depends only on the model, the check, the seed and the sizes: kept on disk
            key = f"{self.seed}|{self.settings!r}|{c!r}"
            cached = read_entry(self.model, "report-claim-check", key)
            fields_ = ("verdict", "method", "evidence", "condition", "counterexample", "values", "tested")
            if isinstance(cached, dict) and set(cached) == set(fields_):
                self._results[c] = CheckResult(c, **cached)
            else:
                evaluate = (self._sign if c.kind in ("sign", "positive") else
                            self._appears if c.kind == "appears" else self._monotone)
                result = evaluate(c)
                self._results[c] = result
                write_entry(self.model, "report-claim-check", key, {f: getattr(result, f) for f in fields_})
        return self._results[c]

    def _sign(self, c: Check) -> CheckResult:
        model = self.model
        quantity = self._expression(c.quantity, f"quantity of check {c.describe()!r}")
        where = self._expression(c.where, "where condition") if c.where else None
        structures = _structures_in(model, c.quantity)
        if c.kind == "sign":
            if c.parameter not in {p.name for p in model.parameters}:
                raise InframarginalError(f"check {c.describe()!r}: parameter {c.parameter!r} is not a base parameter")
            symbol = model.parameter(c.parameter).symbol
            # d log q has the sign of dq where q > 0, and is far simpler for products of powers
            target = sp.diff(sp.expand_log(sp.log(quantity), force=True), symbol)
            expected = c.sign
        else:
            target, expected = quantity, 1
        sign, unknown = prove_sign(model, target, quantity, where)
        region = f"where {' and '.join(structures)} exist" if structures else "on the whole domain"
        if where is not None:
            region += f" and {c.where} > 0"
        if sign is not None:
            holds = sign == expected
            what = "identically zero" if sign == 0 else ("positive" if sign > 0 else "negative")
            evidence = (f"SymPy: {'d log q/d' + c.parameter if c.kind == 'sign' else 'the quantity'} = "
                        f"{_short(sp.factor(target))} is {what} {region}.")
            result = CheckResult(c, "holds" if holds else "fails", "symbolic sign proof", evidence)
            if not holds:
                pts = sample_points(model, 2000, self.seed)
                mask = self._mask(pts, structures, where)
                if mask.any():
                    i = int(np.argmax(mask))
                    result.counterexample = _point(pts, i)
                    result.values = {"derivative" if c.kind == "sign" else "value": float(self._numeric(target, pts)[i]),
                                     "quantity": float(self._numeric(quantity, pts)[i])}
                    result.evidence += f" Counterexample: {_fmt(result.counterexample)}: {_fmt(result.values)}."
            return result
        # sampling
        n_samples = self.settings.sign_samples
        pts = sample_points(model, n_samples, self.seed)
        mask = self._mask(pts, structures, where)
        values = self._numeric(target, pts)
        ok = mask & np.isfinite(values)
        n = int(ok.sum())
        if n == 0:
            return CheckResult(c, "fails", f"sampling (n={n_samples})",
                               f"no sampled point where the quantity exists {region} (n={n_samples} points over "
                               f"{_box_description(model)}); the claim has no content there.", tested=0)
        right = ok & (np.sign(values) == expected)
        share = right.sum() / n
        method = f"sampling (n={n} admissible of {n_samples} uniform points)"
        if share == 1:
            return CheckResult(c, "holds", method, f"sign as claimed at all {n} sampled points {region} "
                               f"(no proof found for the sign of {', '.join(_short(u, 80) for u in unknown)}).", tested=n)
        wrong = ok & ~right
        i = int(np.argmax(wrong))
        ce = _point(pts, i)
        vals = {"derivative" if c.kind == "sign" else "value": float(values[i]),
                "quantity": float(self._numeric(quantity, pts)[i])}
        if share == 0:
            return CheckResult(c, "fails", method, f"the sign is the opposite at all {n} sampled points {region}; "
                               f"e.g. {_fmt(ce)}: {_fmt(vals)}.", counterexample=ce, values=vals, tested=n)
        condition = self._condition(unknown, pts, ok, right)
        return CheckResult(c, "holds-only-where", method,
                           f"holds at {right.sum()} of {n} sampled points ({100 * share:.1f}%) {region}; "
                           f"fails e.g. at {_fmt(ce)}: {_fmt(vals)}." + (f" It holds exactly where {_cut(condition)}." if condition else ""),
                           condition=condition, counterexample=ce, values=vals, tested=n)

    def _condition(self, unknown: list[sp.Expr], pts, ok, right) -> str:
        """The factor whose sign decides the claim on the sample, if one does."""
        for f in unknown:
            v = self._numeric(f, pts)
            for rel, test in ((">", v > 0), ("<", v < 0)):
                if np.array_equal(test[ok], right[ok]):
                    return f"{sp.sstr(f)} {rel} 0"
        return ""

    def _appear_sample(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        if not hasattr(self, "_sample"):
            pts = sample_points(self.model, self.settings.appear_samples, self.seed + 1)
            self._sample = (pts, self.general_equilibrium(pts))
        return self._sample

    def _appears(self, c: Check) -> CheckResult:
        pts, best = self._appear_sample()
        where = self._expression(c.where, "where condition") if c.where else None
        mask = self._mask(pts, [], where)
        names = np.array([s.name for s in self.structures] + ["none"])
        chosen = names[best]
        hit = mask & np.isin(chosen, list(c.structures))
        n = int(mask.sum())
        counts = {str(k): int(v) for k, v in zip(*np.unique(chosen[mask], return_counts=True), strict=True)}
        method = f"sampling (n={n} uniform points over {_box_description(self.model)}" + (f", {c.where} > 0" if c.where else "") + ")"
        if hit.any():
            i = int(np.argmax(hit))
            return CheckResult(c, "holds", method, f"{chosen[i]} is the general equilibrium at {_fmt(_point(pts, i))} "
                               f"({int(hit.sum())} of {n} points); general equilibria found: {counts}.",
                               counterexample={}, tested=n)
        return CheckResult(c, "fails", method, f"none of {', '.join(c.structures)} is the general equilibrium at any "
                           f"of {n} sampled points; general equilibria found: {counts}.", tested=n)

    def _monotone(self, c: Check) -> CheckResult:
        model = self.model
        if c.parameter not in {p.name for p in model.parameters}:
            raise InframarginalError(f"check {c.describe()!r}: parameter {c.parameter!r} is not a base parameter")
        LINES, STEPS = self.settings.lines, self.settings.steps  # noqa: N806
        base = sample_points(model, LINES, self.seed + 2)
        p = model.parameter(c.parameter)
        hi = p.domain.upper if math.isfinite(p.domain.upper) else max(UNBOUNDED_CAP, p.domain.lower + UNBOUNDED_CAP)
        grid = p.domain.lower + (hi - p.domain.lower) * np.linspace(0.005, 0.995, STEPS)
        pts = {k: np.repeat(v, STEPS) for k, v in base.items()}
        pts[c.parameter] = np.tile(grid, LINES)
        best = self.general_equilibrium(pts).reshape(LINES, STEPS)
        level = self._measure(c.measure)[best]
        steps = np.diff(level, axis=1) * c.direction
        bad_lines = (steps < 0).any(axis=1)
        moved = (steps > 0).any(axis=1)
        method = f"sampling ({LINES} random lines x {STEPS} values of {c.parameter})"
        names = np.array([s.name for s in self.structures] + ["none"])
        if not bad_lines.any():
            return CheckResult(c, "holds", method, f"never moves against the claim on {LINES} lines; "
                               f"it changes at all on {int(moved.sum())} of them "
                               f"(structures met: {', '.join(sorted(set(names[best.ravel()])))}).", tested=LINES)
        line = int(np.argmax(bad_lines))
        j = int(np.argmax(steps[line] < 0))
        ce = {k: float(v[line]) for k, v in base.items()}
        ce[c.parameter] = float(grid[j + 1])
        evidence = (f"moves against the claim on {int(bad_lines.sum())} of {LINES} lines; e.g. with "
                    f"{_fmt({k: v for k, v in ce.items() if k != c.parameter})}, the general equilibrium goes from "
                    f"{names[best[line, j]]} at {c.parameter}={grid[j]:.4g} to {names[best[line, j + 1]]} at "
                    f"{c.parameter}={grid[j + 1]:.4g}.")
        verdict = "fails" if not (moved & ~bad_lines).any() else "holds-only-where"
        return CheckResult(c, verdict, method, evidence, condition="" if verdict == "fails" else
                           f"on {int((~bad_lines).sum())} of {LINES} sampled lines", counterexample=ce, tested=LINES)

    def evaluate(self, claim: Claim) -> ClaimResult:
        results = [self.check(c) for c in claim.checks]
        verdicts = [r.verdict for r in results]
        if "fails" in verdicts:
            verdict = "fails"
        elif all(v == "holds" for v in verdicts):
            verdict = "holds"
        else:
            verdict = "holds-only-where"
        methods = sorted({r.method.split(" (")[0] for r in results})
        evidence = " | ".join(f"[{r.verdict}] {r.check.describe()}: {r.evidence}" for r in results)
        return ClaimResult(claim, verdict, " + ".join(methods), evidence, results)


def evaluate_claims(model: Model, claims: Sequence[Claim] | None = None, progress=None,
                    settings: ReportSettings = DEFAULT_SETTINGS) -> list[ClaimResult]:
    """Evaluate ``claims`` (default: the paper's) for ``model`` with the sample sizes of ``settings``."""
    claims = paper_claims(model) if claims is None else list(claims)
    evaluator = ClaimEvaluator(model, settings=settings)
    out = []
    for claim in claims:
        out.append(evaluator.evaluate(claim))
        if progress is not None:
            progress.update(1)
    return out
