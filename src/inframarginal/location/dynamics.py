"""Best-response dynamics of the location game, with a plot and an animated GIF.

Starting from any profile, sellers repeatedly move to a best response --
one at a time (``"sequential"``) or all together (``"simultaneous"``).
When the best response is not attained (the supremum is approached beside
a rival) the seller steps to ``epsilon`` beside that rival (at most half the
gap), which is how the seed's two merchants "gradually move their stalls
toward each other until they each arrive at the middle point of the beach".
A seller moves only when the move strictly raises its share; the run stops
when a whole round passes without a move, when a state repeats (a cycle) or
after ``max_rounds`` rounds.

References
----------
.. [1] H. Hotelling, "Stability in competition", The Economic Journal 39
   (1929) 41-57.
.. [2] B. C. Eaton and R. G. Lipsey, "The principle of minimum differentiation
   reconsidered", Review of Economic Studies 42 (1975) 27-49.
"""

from __future__ import annotations

import math
import os
import pathlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction

from inframarginal.display import escape, table
from inframarginal.location.arithmetic import (
    LocationError,
    Number,
    as_number,
    fmt,
    is_exact,
    to_json,
)
from inframarginal.location.best_response import best_response, payoff_at
from inframarginal.location.figures import beach_svg, number_text
from inframarginal.location.shares import market_shares
from inframarginal.location.topology import check_positions, topology_name

MODES = ("sequential", "simultaneous")

MAX_SELLERS = 24
"""Most sellers a run of the dynamics accepts."""

MAX_ROUNDS = 1000
"""Most rounds a run accepts."""

MAX_WORK = 10_000
"""Most ``rounds x sellers^2`` a run accepts: a round costs one exact best response per
seller, each linear in the sellers, so this keeps a run to seconds."""


def round_limit(sellers: int) -> int:
    """The most rounds the command line lets a run with ``sellers`` sellers ask for (>= 1)."""
    return max(1, min(MAX_ROUNDS, MAX_WORK // (sellers * sellers)))


def check_run_size(sellers: int, max_rounds: int | None) -> int:
    """Validate the size of a run for the command line; return the rounds to run.

    ``None`` gives ``min(500, round_limit(sellers))``.

    Raises
    ------
    LocationError
        With more than :data:`MAX_SELLERS` sellers or more than :func:`round_limit` rounds.
    """
    if sellers > MAX_SELLERS:
        raise LocationError(f"start: got {sellers} sellers, expected at most {MAX_SELLERS}")
    limit = round_limit(sellers)
    if max_rounds is None:
        return min(500, limit)
    if max_rounds > limit:
        raise LocationError(
            f"max_rounds: got {max_rounds} for {sellers} sellers, expected at most {limit} "
            f"(rounds x sellers^2 <= {MAX_WORK}, rounds <= {MAX_ROUNDS})"
        )
    return max_rounds


@dataclass(frozen=True)
class Step:
    """One recorded state of the dynamics.

    Attributes
    ----------
    index : int
        0 for the start, then one per move (sequential) or per round (simultaneous).
    mover : int or None
        Index of the seller who moved (sequential); None for the start and simultaneous rounds.
    positions, shares : tuple of Number
        State after the move, sellers in their original order.
    """

    index: int
    mover: int | None
    positions: tuple[Number, ...]
    shares: tuple[Number, ...]

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "step": self.index,
            "mover": self.mover,
            "positions": [to_json(x) for x in self.positions],
            "shares": [to_json(s) for s in self.shares],
        }


@dataclass(frozen=True)
class Trajectory:
    """A run of best-response dynamics.

    Attributes
    ----------
    topology, mode : str
        ``"line"``/``"circle"`` and ``"sequential"``/``"simultaneous"``.
    epsilon : Number
        Step beside a rival when the best response is not attained.
    steps : tuple of Step
        The recorded states, start first.
    converged : bool
        True when a whole round passed with no profitable move.
    reason : str
        Why the run stopped.
    """

    topology: str
    mode: str
    epsilon: Number
    steps: tuple[Step, ...]
    converged: bool
    reason: str

    @property
    def final(self) -> tuple[Number, ...]:
        """Positions at the end of the run."""
        return self.steps[-1].positions

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "topology": self.topology,
            "mode": self.mode,
            "epsilon": to_json(self.epsilon),
            "converged": self.converged,
            "reason": self.reason,
            "final": [to_json(x) for x in self.final],
            "steps": [s.to_dict() for s in self.steps],
        }

    def _repr_html_(self) -> str:
        """Jupyter's display: the final beach and the steps."""
        return trajectory_html(self)


def _candidates(x: Number, others: Sequence[Number], circle: bool, eps: Number) -> list[Number]:
    br = best_response(others, circle)
    out: list[Number] = []
    for iv in br.maximizers:
        shifted = [x, x + 1] if circle else [x]
        if any(
            (iv.lo < y < iv.hi) or (y == iv.lo and iv.lo_closed) or (y == iv.hi and iv.hi_closed)
            for y in shifted
        ):
            return [x]
        width = iv.hi - iv.lo
        nudge = min(eps, width / 2)
        out.append(iv.lo if iv.lo_closed else iv.lo + nudge)
        out.append(iv.hi if iv.hi_closed else iv.hi - nudge)
    for a in br.approached:
        d = min(eps, a.room / 2)
        out.append(a.point - d if a.side == "left" else a.point + d)
    if circle:
        out = [y - math.floor(y) for y in out]
    return out


def _target(i: int, xs: tuple[Number, ...], circle: bool, eps: Number) -> Number:
    others = xs[:i] + xs[i + 1 :]
    here = payoff_at(xs[i], others, circle)
    best, best_key = xs[i], (here, 0)
    for y in _candidates(xs[i], others, circle, eps):
        key = (payoff_at(y, others, circle), -abs(y - xs[i]))
        if key[0] > here and key > best_key:
            best, best_key = y, key
    return best


def best_response_dynamics(
    start: Sequence[object],
    circle: bool = False,
    mode: str = "sequential",
    epsilon: object = Fraction(1, 100),
    max_rounds: int = 500,
    progress: Callable[[int, int], None] | None = None,
) -> Trajectory:
    """Run best-response dynamics from ``start``.

    Parameters
    ----------
    start : sequence of numbers
        Initial positions (exact run when all are ``int``/``Fraction`` and so is ``epsilon``).
    circle : bool, default False
        Topology.
    mode : {"sequential", "simultaneous"}
        One seller moves at a time (in index order), or all move together.
    epsilon : number, default 1/100
        Step beside a rival when the supremum is approached, not attained (``> 0``).
    max_rounds : int, default 500
        Stop after this many rounds (the command line caps it with :func:`check_run_size`).
    progress : callable, optional
        Called as ``progress(round, max_rounds)`` after each round.

    Returns
    -------
    Trajectory

    Raises
    ------
    LocationError
        For a bad start, mode, epsilon or max_rounds.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> t = best_response_dynamics([F(1, 10), F(9, 10)])
    >>> t.converged, [str(x) for x in t.final]
    (True, ['1/2', '1/2'])
    """
    xs = check_positions(start, circle)
    if mode not in MODES:
        raise LocationError(f"mode: got {mode!r}, expected one of {', '.join(MODES)}")
    exact = is_exact(xs) and is_exact([epsilon])
    eps = as_number(epsilon, "epsilon", exact)
    if not 0 < eps < 1:
        raise LocationError(f"epsilon: got {fmt(eps)}, expected a number in (0, 1)")
    if isinstance(max_rounds, bool) or not isinstance(max_rounds, int) or max_rounds < 1:
        raise LocationError(f"max_rounds: got {max_rounds!r}, expected an integer >= 1")
    if not exact:
        xs = tuple(float(x) for x in xs)
    steps = [Step(0, None, xs, market_shares(xs, circle))]
    seen = {xs}
    n = len(xs)
    for rnd in range(1, max_rounds + 1):
        if progress is not None:
            progress(rnd - 1, max_rounds)
        moved = False
        if mode == "sequential":
            for i in range(n):
                y = _target(i, xs, circle, eps)
                if y != xs[i]:
                    xs = xs[:i] + (y,) + xs[i + 1 :]
                    moved = True
                    steps.append(Step(len(steps), i, xs, market_shares(xs, circle)))
        else:
            new = tuple(_target(i, xs, circle, eps) for i in range(n))
            if new != xs:
                xs, moved = new, True
                steps.append(Step(len(steps), None, xs, market_shares(xs, circle)))
        topo = topology_name(circle)
        if not moved:
            reason = f"no seller can gain by more than an epsilon step: stopped at {_show(xs)}"
            return Trajectory(topo, mode, eps, tuple(steps), True, reason)
        if xs in seen:
            reason = f"cycle: the state {_show(xs)} repeats"
            return Trajectory(topo, mode, eps, tuple(steps), False, reason)
        seen.add(xs)
    reason = f"stopped after {max_rounds} rounds at {_show(xs)}"
    return Trajectory(topology_name(circle), mode, eps, tuple(steps), False, reason)


def _show(xs: Sequence[Number]) -> str:
    return "(" + ", ".join(fmt(x) for x in xs) + ")"


PLOT_SUFFIXES = (".png", ".svg", ".gif")


def check_plot_path(path: pathlib.Path) -> pathlib.Path:
    """Check an output file before any work: known suffix, existing writable folder, not a folder.

    Raises
    ------
    LocationError
        Naming the path and what was expected.
    """
    path = pathlib.Path(path)
    shown = str(path)
    if path.suffix.lower() not in PLOT_SUFFIXES:
        raise LocationError(f"plot: got {shown!r}, expected a .png, .svg or .gif file")
    if path.is_dir():
        raise LocationError(f"plot: got {shown!r}, a folder, expected a file name")
    folder = path.parent
    if not folder.is_dir():
        raise LocationError(f"plot: got {shown!r}, expected an existing folder {str(folder)!r}")
    if not os.access(folder, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise LocationError(f"plot: got {shown!r}, expected a writable file")
    return path


def plot_trajectory(trajectory: Trajectory, path: pathlib.Path) -> pathlib.Path:
    """Save the trajectory as a static figure (``.png`` or ``.svg``): position against step.

    Parameters
    ----------
    trajectory : Trajectory
        A run of :func:`best_response_dynamics`.
    path : pathlib.Path
        Output file; ``.gif`` writes an animation instead (see :func:`animate_trajectory`).

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = pathlib.Path(path)
    if path.suffix.lower() == ".gif":
        return animate_trajectory(trajectory, path)
    if path.suffix.lower() not in (".png", ".svg"):
        raise LocationError(f"plot: got {str(path)!r}, expected a .png, .svg or .gif file")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    steps = [s.index for s in trajectory.steps]
    n = len(trajectory.steps[0].positions)
    for i in range(n):
        ax.step(
            steps,
            [float(s.positions[i]) for s in trajectory.steps],
            where="post",
            label=f"seller {i + 1}",
        )
    ax.axhline(0.5, color="grey", lw=0.6, ls=":")
    ax.set_xlabel("move" if trajectory.mode == "sequential" else "round")
    ax.set_ylabel("position on the beach")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title(f"Best-response dynamics ({trajectory.topology}, {trajectory.mode})")
    ax.legend(loc="best", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None} if path.suffix.lower() == ".png" else None)
    return path


def animate_trajectory(
    trajectory: Trajectory, path: pathlib.Path, fps: int = 8, max_frames: int = 60
) -> pathlib.Path:
    """Save an animated GIF of the sellers moving along the beach (matplotlib ``PillowWriter``).

    Parameters
    ----------
    trajectory : Trajectory
        A run of :func:`best_response_dynamics`.
    path : pathlib.Path
        Output ``.gif`` file.
    fps : int, default 8
        Frames per second.
    max_frames : int, default 60
        Long runs are subsampled to at most this many frames (first and last kept).

    Returns
    -------
    pathlib.Path
    """
    from matplotlib.animation import FuncAnimation, PillowWriter
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    path = pathlib.Path(path)
    steps = trajectory.steps
    count = len(steps)
    if count > max_frames:
        idx = sorted({round(k * (count - 1) / (max_frames - 1)) for k in range(max_frames)})
    else:
        idx = list(range(count))
    fig = Figure(figsize=(6, 2.2))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    n = len(steps[0].positions)
    colors = [f"C{i % 10}" for i in range(n)]
    (beach,) = ax.plot([0, 1], [0, 0], color="tan", lw=6, solid_capstyle="butt")
    del beach
    dots = ax.scatter([0.0] * n, [0.0] * n, s=120, c=colors, zorder=3)
    title = ax.set_title("")
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.5, 0.5)
    ax.set_yticks([])
    ax.set_xlabel("beach")
    fig.tight_layout()

    def update(frame: int):
        s = steps[idx[frame]]
        offsets = []
        seen: dict[float, int] = {}
        for x in s.positions:
            k = seen.get(float(x), 0)
            seen[float(x)] = k + 1
            offsets.append((float(x), 0.12 * k))
        dots.set_offsets(offsets)
        title.set_text(f"step {s.index}: " + ", ".join(fmt(x) for x in s.positions))
        return dots, title

    anim = FuncAnimation(fig, update, frames=len(idx), blit=False)
    anim.save(path, writer=PillowWriter(fps=fps))
    return path


# -- display in a notebook ---------------------------------------------------------------


def trajectory_html(tr: Trajectory) -> str:
    """A run of best-response dynamics: the final beach and the steps."""
    rows = [(s.index, "" if s.mover is None else s.mover + 1, ", ".join(number_text(x) for x in s.positions),
             ", ".join(number_text(v) for v in s.shares)) for s in tr.steps]
    return (f"<div class=\"inframarginal-beach\"><p>{escape(tr.mode)} best-response dynamics on the "
            f"{escape(tr.topology)}: {'converged' if tr.converged else 'did not converge'} ({escape(tr.reason)})</p>"
            + beach_svg(tr.final, tr.topology == "circle")
            + table(["step", "mover", "positions", "shares"], rows) + "</div>")
