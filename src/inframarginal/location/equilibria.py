r"""Exact pure-strategy Nash equilibria of the location game (uniform consumers).

Characterisation
----------------
Let the sellers occupy distinct locations :math:`y_1 < \dots < y_k` with
multiplicities :math:`c_j`, and call *half-gaps* :math:`h_j = (y_{j+1}-y_j)/2`
(on the line also the hinterlands :math:`h_0 = y_1`, :math:`h_k = 1-y_k`).  With
uniform consumers a deviating seller can get, given the others, at most the
largest of the others' half-gaps and hinterlands (the supremum over a gap is
half its length, over a hinterland its length; joining a location with
:math:`c \ge 1` sellers yields its market over :math:`c+1`, never more than the
larger half-gap next to it).  Comparing payoffs with this bound gives, for
:math:`n \ge 2` sellers and :math:`H = \max_j h_j`:

1. no location holds more than two sellers;
2. on the line both peripheral locations hold exactly two sellers (a lone
   peripheral seller gains by moving toward its neighbour);
3. both half-gaps next to a *paired* location equal :math:`H` (its payoff is
   their mean, the deviation bound is :math:`H`);
4. the two half-gaps next to a *single* seller sum to at least :math:`H`
   (its payoff is that sum; leaving merges the two gaps).

Conversely every profile satisfying 1-4 is an equilibrium.  Enumerating the
multiplicity patterns :math:`(c_1, \dots, c_k)` and solving 3-4 yields all
equilibria: a pattern whose half-gaps are all pinned to :math:`H` gives one
equilibrium (:math:`y_j = (2j-1)/(2k)` on the line); free half-gaps give a
continuum.  Each reported profile carries a certificate: every seller's exact
payoff next to its exact best-response supremum
(:func:`inframarginal.location.best_response.best_response`), an independent
computation.

References
----------
.. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
   (1929) 41-57.
.. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum differentiation
   reconsidered: some new developments in the theory of spatial competition",
   Review of Economic Studies 42 (1975) 27-49.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from inframarginal.display import escape, table
from inframarginal.location.arithmetic import LocationError, Number, at_least, fmt, to_json
from inframarginal.location.best_response import best_response
from inframarginal.location.figures import beach_svg, number_text
from inframarginal.location.shares import market_shares
from inframarginal.location.topology import check_positions, check_sellers, topology_name

MAX_SELLERS = 14
"""Largest ``n`` handled: the patterns grow like Fibonacci numbers and each is certified by
exact best responses, so n = 14 takes a few seconds (89 patterns on the line, 64 on the circle)."""

Progress = Callable[[int, int], None]
"""``progress(done, total)``: called as long computations advance."""


@dataclass(frozen=True)
class SellerCertificate:
    """One seller's payoff against its exact best-response supremum."""

    position: Number
    payoff: Number
    best_response: Number
    attained: bool
    description: str

    @property
    def ok(self) -> bool:
        """True when no deviation does strictly better (payoff >= supremum)."""
        return at_least(self.payoff, self.best_response)


@dataclass(frozen=True)
class Equilibrium:
    """A pure-strategy profile (positions sorted) with shares and certificate."""

    positions: tuple[Number, ...]
    shares: tuple[Number, ...]
    certificate: tuple[SellerCertificate, ...]

    @property
    def verified(self) -> bool:
        """True when every seller's certificate holds."""
        return all(c.ok for c in self.certificate)

    def to_dict(self) -> dict:
        """JSON-ready form: positions and shares as exact strings."""
        return {
            "positions": [to_json(x) for x in self.positions],
            "shares": [to_json(s) for s in self.shares],
        }

    def _repr_html_(self) -> str:
        """Jupyter's display: the beach, positions, shares and certificates."""
        return equilibrium_html(self)


@dataclass(frozen=True)
class EquilibriumFamily:
    """A continuum of equilibria sharing one multiplicity pattern.

    Attributes
    ----------
    pattern : tuple of int
        Sellers per location, left to right (on the circle from the location put at 0).
    dimension : int
        Number of free real parameters (rotation included on the circle).
    description : str
        The family in words, with its parameter range.
    representative : Equilibrium
        A verified member.
    """

    pattern: tuple[int, ...]
    dimension: int
    description: str
    representative: Equilibrium
    positions: str | None = None
    parameter_range: tuple[Fraction, Fraction] | None = None

    def member(self, h: Fraction) -> tuple[Fraction, ...]:
        """The member with largest half-gap ``h`` of a one-parameter family on the line.

        Raises
        ------
        LocationError
            If the family is not a one-parameter line family (no explicit formula).
        """
        if self.parameter_range is None:
            raise LocationError(
                f"family {','.join(map(str, self.pattern))}: has no one-parameter formula, "
                "expected a one-parameter family on the line"
            )
        return _line_member(self.pattern, Fraction(h))

    def to_dict(self) -> dict:
        """JSON-ready form."""
        out = {
            "pattern": list(self.pattern),
            "dimension": self.dimension,
            "description": self.description,
            "representative": self.representative.to_dict(),
        }
        if self.positions is not None:
            out["positions"] = self.positions
        if self.parameter_range is not None:
            lo, hi = self.parameter_range
            out["parameter_range"] = {
                "H_min": to_json(lo),
                "H_max": to_json(hi),
                "H_max_included": False,
            }
        return out


@dataclass(frozen=True)
class EquilibriumSet:
    """All pure-strategy equilibria for ``sellers`` sellers (up to permutation).

    ``equilibria`` lists the isolated ones (on the circle: those unique up to
    rotation, put with a seller at 0); ``continuum`` lists every family with a
    free parameter (on the circle every pattern, rotation being free).
    """

    sellers: int
    topology: str
    exists: bool
    reason: str
    equilibria: tuple[Equilibrium, ...]
    continuum: tuple[EquilibriumFamily, ...]

    def to_dict(self) -> dict:
        """The JSON shape of ``inframarginal beach equilibria --format json``."""
        return {
            "sellers": self.sellers,
            "topology": self.topology,
            "exists": self.exists,
            "reason": self.reason,
            "equilibria": [e.to_dict() for e in self.equilibria],
            "continuum": [f.to_dict() for f in self.continuum] or None,
        }

    def _repr_html_(self) -> str:
        """Jupyter's display: the equilibria, the families and a beach."""
        return equilibrium_set_html(self)


def certify(positions: Sequence[object], circle: bool = False) -> Equilibrium:
    """Check a profile exactly: each seller's payoff against its best-response supremum.

    Parameters
    ----------
    positions : sequence of numbers
        The profile (uniform consumers).
    circle : bool, default False
        Topology.

    Returns
    -------
    Equilibrium
        Sorted profile with shares and per-seller certificate; ``verified``
        tells whether it is a Nash equilibrium.
    """
    xs = tuple(sorted(check_positions(positions, circle)))
    shares = market_shares(xs, circle)
    cert = []
    done: dict[Number, SellerCertificate] = {}
    for i, x in enumerate(xs):
        # Sellers at one location face the same rivals: one best response serves them all.
        if x not in done:
            br = best_response(xs[:i] + xs[i + 1 :], circle)
            done[x] = SellerCertificate(x, shares[i], br.value, br.attained, br.description)
        cert.append(done[x])
    return Equilibrium(xs, shares, tuple(cert))


def _half_gaps(ys: Sequence[Number], circle: bool) -> list[Number]:
    if circle:
        ring = [*ys, ys[0] + 1]
        return [(b - a) / 2 for a, b in zip(ring, ring[1:], strict=False)]
    inner = [(b - a) / 2 for a, b in zip(ys, ys[1:], strict=False)]
    return [ys[0], *inner, 1 - ys[-1]]


def satisfies_characterization(positions: Sequence[object], circle: bool = False) -> bool:
    """Whether a profile satisfies conditions 1-4 of the module docstring.

    This is the closed-form equilibrium test (uniform consumers) that the
    pattern enumeration solves; :func:`certify` is the independent check.
    """
    xs = check_positions(positions, circle)
    if len(xs) == 1:
        return True
    counter = Counter(xs)
    ys = sorted(counter)
    cs = [counter[y] for y in ys]
    if max(cs) > 2:
        return False
    if circle and len(ys) == 1:
        return True
    if not circle and (cs[0] != 2 or cs[-1] != 2):
        return False
    h = _half_gaps(ys, circle)
    top = max(h)
    for j, c in enumerate(cs):
        left, right = (h[j - 1], h[j]) if circle else (h[j], h[j + 1])
        if c == 2 and not (left == top and right == top):
            return False
        if c == 1 and left + right < top:
            return False
    return True


def _compositions(total: int) -> list[tuple[int, ...]]:
    """All sequences of 1s and 2s summing to ``total`` (Fibonacci many), in a fixed order."""
    table: list[list[tuple[int, ...]]] = [[()]]
    for t in range(1, total + 1):
        table.append(
            [(1, *p) for p in table[t - 1]] + ([(2, *p) for p in table[t - 2]] if t >= 2 else [])
        )
    return table[total] if total >= 0 else []


def _line_patterns(n: int) -> list[tuple[int, ...]]:
    """Multiplicity patterns allowed by conditions 1-2: pairs at both ends, 1s and 2s inside."""
    if n == 2:
        return [(2,)]
    inner = _compositions(n - 4)
    return sorted(((2, *p, 2) for p in inner), key=lambda p: (len(p), p))


def _circle_patterns(n: int) -> list[tuple[int, ...]]:
    """Cyclic patterns of 1s and 2s summing to ``n``, each once (its largest rotation)."""
    seen: set[tuple[int, ...]] = set()
    out = []
    for pat in sorted(_compositions(n), key=lambda p: (len(p), p)):
        k = len(pat)
        canon = max(pat[i:] + pat[:i] for i in range(k))
        if canon not in seen:
            seen.add(canon)
            out.append(canon)
    return out


def _neighbours(j: int, k: int, circle: bool) -> tuple[int, int]:
    """Half-gap indices to the left and right of location ``j`` (0-based)."""
    return ((j - 1) % k, j) if circle else (j, j + 1)


def _free_half_gaps(pattern: tuple[int, ...], circle: bool) -> list[int]:
    k = len(pattern)
    count = k if circle else k + 1
    forced = set() if circle else {0, k}
    for j, c in enumerate(pattern):
        if c == 2:
            forced.update(_neighbours(j, k, circle))
    return [i for i in range(count) if i not in forced]


def _representative(pattern: tuple[int, ...], circle: bool) -> tuple[Fraction, ...]:
    k = len(pattern)
    ys = [Fraction(j, k) if circle else Fraction(2 * j + 1, 2 * k) for j in range(k)]
    return tuple(y for y, c in zip(ys, pattern, strict=True) for _ in range(c))


def _line_h_range(pattern: tuple[int, ...], free: list[int]) -> str:
    k = len(pattern)
    forced_inner = (k - 1) - len(free)
    runs, run = [], 0
    for i in range(1, k):
        if i in free:
            run += 1
        else:
            if run:
                runs.append(run)
            run = 0
    if run:
        runs.append(run)
    least = sum(r // 2 for r in runs)
    top = Fraction(1, 2 + 2 * (forced_inner + least))
    closing = "]" if all(r % 2 == 0 for r in runs) else ")"
    return f"[{fmt(Fraction(1, 2 * k))}, {fmt(top)}{closing}"


def _line_member(pattern: tuple[int, ...], h: Fraction) -> tuple[Fraction, ...]:
    """Positions of a one-free-half-gap line pattern with largest half-gap ``h``.

    The hinterlands and every forced half-gap equal ``h``; the normalisation
    ``2h + 2 * (inner half-gaps) = 1`` fixes the free one at ``1/2 - (1 + f) h``
    (``f`` forced inner half-gaps); locations step by twice each half-gap.
    """
    k = len(pattern)
    free = _free_half_gaps(pattern, False)
    forced_inner = (k - 1) - len(free)
    y = h
    ys = [y]
    for i in range(1, k):
        y += 2 * (Fraction(1, 2) - (1 + forced_inner) * h if i in free else h)
        ys.append(y)
    return tuple(x for x, c in zip(ys, pattern, strict=True) for _ in range(c))


def _affine(const: Fraction, coef: Fraction, var: str) -> str:
    """``const + coef * var`` as text, e.g. ``1 - 3H``, ``3H``, ``H``."""
    term = "" if coef == 0 else (var if abs(coef) == 1 else f"{fmt(abs(coef))}{var}")
    if const == 0:
        return "0" if not term else ("-" if coef < 0 else "") + term
    if not term:
        return fmt(const)
    return f"{fmt(const)} {'-' if coef < 0 else '+'} {term}"


def _line_formula(pattern: tuple[int, ...]) -> tuple[str, tuple[Fraction, Fraction]]:
    """Positions of a one-parameter line family as affine functions of ``H``, and H's range."""
    # Each position is affine in H: read const and slope from the members at H = 0 and 1.
    at0, at1 = _line_member(pattern, Fraction(0)), _line_member(pattern, Fraction(1))
    text = ", ".join(_affine(a, b - a, "H") for a, b in zip(at0, at1, strict=True))
    f = (len(pattern) - 1) - len(_free_half_gaps(pattern, False))
    # free half-gap 1/2 - (1 + f)H must lie in (0, H]
    return text, (Fraction(1, 2 * (2 + f)), Fraction(1, 2 * (1 + f)))


def _family(pattern: tuple[int, ...], circle: bool, eq: Equilibrium) -> EquilibriumFamily:
    k = len(pattern)
    free = _free_half_gaps(pattern, circle)
    has_pair = 2 in pattern
    mult = ",".join(map(str, pattern))
    reps = ",".join(fmt(x) for x in eq.positions)
    if circle:
        if k == 1:
            dim, body = 1, "both sellers at one point"
        elif not has_pair:
            dim = k
            body = (
                f"{k} single sellers; any half-gaps h_1..h_{k} (summing to 1/2) such that "
                "the two half-gaps beside each seller sum to at least the largest half-gap"
            )
        else:
            dim = len(free) + 1
            body = (
                f"locations with multiplicities {mult} (cyclically); the half-gaps beside each "
                "pair equal the largest half-gap H"
            )
            if free:
                body += (
                    f", the {len(free)} other half-gap(s) lie in (0, H] and the two beside each "
                    "single seller sum to at least H"
                )
        text = f"{body}; any rotation; {dim}-parameter family, e.g. positions {reps}"
    else:
        dim = len(free)
        names = ", ".join(f"h_{i}" for i in free)
        text = (
            f"locations y_1<...<y_{k} with multiplicities {mult}; the hinterlands and the "
            f"half-gaps beside each pair equal H; the free half-gap(s) {names} lie in (0, H] "
            "with the two half-gaps beside each single seller summing to at least H; "
            f"normalisation 2H + 2*(h_1+...+h_{k - 1}) = 1 gives H in {_line_h_range(pattern, free)}; "
            f"{dim}-parameter family, e.g. positions {reps}"
        )
        if dim == 1:
            formula, (lo, hi) = _line_formula(pattern)
            text += f"; explicitly: positions ({formula}) for H in [{fmt(lo)}, {fmt(hi)})"
            return EquilibriumFamily(pattern, dim, text, eq, formula, (lo, hi))
    return EquilibriumFamily(pattern, dim, text, eq)


def find_equilibria(
    n: int, circle: bool = False, progress: Progress | None = None
) -> EquilibriumSet:
    """All pure-strategy Nash equilibria of the n-seller location game (uniform consumers).

    Parameters
    ----------
    n : int
        Number of sellers, ``1 <= n <= MAX_SELLERS``.
    circle : bool, default False
        The segment ``[0, 1]`` (Hotelling's beach) or the circle of circumference 1.
    progress : callable, optional
        Called as ``progress(done, total)`` after each multiplicity pattern is certified.

    Returns
    -------
    EquilibriumSet
        Isolated equilibria, continua (with description and a representative)
        and, when none exists, the reason.  Every listed profile is verified by
        :func:`certify`.

    Raises
    ------
    LocationError
        If ``n`` is not an integer in ``1..MAX_SELLERS``.

    Notes
    -----
    On the line: ``n = 2`` both at 1/2; ``n = 3`` none; ``n = 4`` pairs at
    1/4 and 3/4; ``n = 5`` at 1/6, 1/6, 1/2, 5/6, 5/6; ``n >= 6`` continua
    appear [2]_.  On the circle every ``n >= 2`` has continua (e.g. evenly
    spaced sellers, and every rotation).

    References
    ----------
    .. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
       (1929) 41-57.
    .. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum
       differentiation reconsidered", Review of Economic Studies 42 (1975) 27-49.
    """
    n = check_sellers(n)
    if n > MAX_SELLERS:
        raise LocationError(f"sellers: got {n}, expected at most {MAX_SELLERS}")
    topo = topology_name(circle)
    if n == 1:
        eq = certify([Fraction(1, 2)], circle)
        fam = EquilibriumFamily(
            (1,), 1, "a lone seller serves everybody wherever it stands: every position", eq
        )
        return EquilibriumSet(
            n, topo, True, "a single seller has share 1 at any position", (), (fam,)
        )
    patterns = _circle_patterns(n) if circle else _line_patterns(n)
    isolated: list[Equilibrium] = []
    families: list[EquilibriumFamily] = []
    for done, pat in enumerate(patterns, start=1):
        eq = certify(_representative(pat, circle), circle)
        if not eq.verified:  # pragma: no cover - would contradict the characterisation
            raise AssertionError(f"characterisation produced a non-equilibrium {eq.positions}")
        free = _free_half_gaps(pat, circle)
        if not free and (not circle or 2 in pat):
            isolated.append(eq)
        if free or circle:
            families.append(_family(pat, circle, eq))
        if progress is not None:
            progress(done, len(patterns))
    if not patterns:
        reason = (
            f"no pure-strategy equilibrium for n = {n}: in an equilibrium no location holds more "
            "than two sellers (a third gains by moving into the larger adjacent gap) and both "
            "peripheral locations hold exactly two (a lone peripheral seller gains by moving "
            "toward its neighbour); so n >= 4 or n = 2 (one pair)"
        )
        return EquilibriumSet(n, topo, False, reason, (), ())
    if circle:
        reason = (
            "equilibria form continua (every rotation, and free half-gaps); listed: the "
            "patterns unique up to rotation, with a seller at 0"
        )
    elif families:
        reason = (
            f"{len(isolated)} isolated equilibrium(s) and {len(families)} continuum family(ies) "
            "(Eaton-Lipsey conditions), each verified by exact best responses"
        )
    else:
        reason = (
            f"{len(isolated)} equilibrium(s) (Eaton-Lipsey conditions), each verified by exact "
            "best responses"
        )
    return EquilibriumSet(n, topo, True, reason, tuple(isolated), tuple(families))


# -- display in a notebook ---------------------------------------------------------------


def equilibrium_html(eq: Equilibrium, circle: bool = False) -> str:
    """One profile: the beach, positions, shares and each seller's certificate."""
    rows = [(i + 1, number_text(x), number_text(s), number_text(c.best_response), "yes" if c.ok else "NO")
            for i, (x, s, c) in enumerate(zip(eq.positions, eq.shares, eq.certificate, strict=False))]
    verdict = "a verified equilibrium" if eq.verified else "NOT an equilibrium"
    return (f"<div class=\"inframarginal-beach\"><p>{verdict}</p>" + beach_svg(eq.positions, circle)
            + table(["seller", "position", "share", "best response (supremum)", "no better deviation"], rows)
            + "</div>")


def equilibrium_set_html(es: EquilibriumSet) -> str:
    """Every equilibrium of the game: the isolated ones and the continuum families."""
    circle = es.topology == "circle"
    head = (f"<p><b>{es.sellers} sellers on the {escape(es.topology)}</b>: "
            + ("pure-strategy equilibria exist" if es.exists else "no pure-strategy equilibrium")
            + (f" ({escape(es.reason)})" if es.reason else "") + "</p>")
    parts = [head]
    if es.equilibria:
        parts.append(table(["#", "positions", "shares"],
                           [(i + 1, ", ".join(number_text(x) for x in e.positions), ", ".join(number_text(s) for s in e.shares))
                            for i, e in enumerate(es.equilibria)], "isolated equilibria"))
        parts.append(beach_svg(es.equilibria[0].positions, circle))
    if es.continuum:
        parts.append(table(["pattern", "free parameters", "family"],
                           [("-".join(str(k) for k in f.pattern), f.dimension, f.description)
                            for f in es.continuum], "continuum families"))
    return "<div class=\"inframarginal-beach\">" + "".join(parts) + "</div>"
