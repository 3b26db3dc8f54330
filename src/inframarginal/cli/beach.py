"""``inframarginal beach`` (location games) and ``inframarginal data`` (the seed's tables).

Every command bounds its work: the limits are stated in ``--help`` and a request beyond
them is refused in one line (exit 2) before any work starts, as are usage mistakes
(a bad option value, a missing option) and unusable output paths.  Long computations
show a progress bar on stderr and say in one line when they are interrupted.
"""

from __future__ import annotations

import contextlib
import json
import re
import sys
import time
from collections.abc import Iterator

import click

from inframarginal.location.bruteforce import MAX_WORK as CROSSCHECK_WORK
from inframarginal.location.dynamics import MAX_ROUNDS
from inframarginal.location.dynamics import MAX_SELLERS as DYNAMICS_SELLERS
from inframarginal.location.dynamics import MAX_WORK as DYNAMICS_WORK
from inframarginal.location.equilibria import MAX_SELLERS

MAX_POSITIONS = 1000
"""Most positions ``shares`` and ``best-response`` accept (each is exact arithmetic)."""

BAR_AFTER = 0.5
"""Seconds of work after which a progress bar appears (on a terminal)."""


def _usage_line(err: click.UsageError) -> str:
    """A usage mistake as one line naming the option, the value and what was expected."""
    param = getattr(err, "param", None)
    if isinstance(err, click.MissingParameter) and param is not None:
        name = max(param.opts, key=len) if param.opts else param.name
        if isinstance(param.type, _Int):
            return f"{name}: missing, expected an integer in {param.type.lo}..{param.type.hi}"
        return f"{name}: missing, expected a value (see --help)"
    if isinstance(err, click.BadParameter) and param is not None:
        name = max(param.opts, key=len) if param.opts else param.name
        return f"{name}: {err.message}"
    if isinstance(err, click.NoSuchOption):
        known = sorted(
            o for p in (err.ctx.command.params if err.ctx else []) for o in p.opts if "--" in o
        )
        return f"{err.option_name}: unknown option, expected one of {', '.join(known)}"
    text = " ".join(err.format_message().split())
    extra = re.fullmatch(r"Got unexpected extra arguments? \((.*)\)", text)
    if extra:
        return f"arguments: got {extra.group(1)!r}, expected options only (see --help)"
    return text


class _OneLineGroup(click.Group):
    """A group whose sub-commands report usage mistakes as ``error: ...`` on one line (exit 2)."""

    def resolve_command(self, ctx: click.Context, args: list[str]):
        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            shown = name if len(name) <= 40 else name[:40] + "..."
            raise click.UsageError(
                f"command: got {shown!r}, expected one of {', '.join(self.list_commands(ctx))}"
            )
        return super().resolve_command(ctx, args)

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except click.UsageError as err:
            click.echo(f"error: {_usage_line(err)}", err=True)
            sys.exit(2)


class _Int(click.ParamType):
    """An integer in ``lo..hi`` (the limit is part of the message)."""

    name = "integer"

    def __init__(self, lo: int, hi: int):
        self.lo, self.hi = lo, hi

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            shown = text if len(text) <= 40 else text[:40] + "..."
            self.fail(f"got {shown!r}, expected an integer in {self.lo}..{self.hi}", param, ctx)
        v = int(text)
        if not self.lo <= v <= self.hi:
            self.fail(f"got {v}, expected an integer in {self.lo}..{self.hi}", param, ctx)
        return v


class _OneOf(click.Choice):
    """``click.Choice`` with a one-line ``got ..., expected one of ...`` message."""

    def convert(self, value, param, ctx):
        if value in self.choices:
            return value
        shown = str(value) if len(str(value)) <= 40 else str(value)[:40] + "..."
        self.fail(f"got {shown!r}, expected one of {', '.join(self.choices)}", param, ctx)


FORMATS = _OneOf(["table", "json"])
SELLERS = _Int(1, MAX_SELLERS)
SELLERS_HELP = (
    f"Number of sellers, 1..{MAX_SELLERS} (every multiplicity pattern is certified by exact "
    f"best responses; n = {MAX_SELLERS} takes a few seconds)."
)
FRACTIONS_HELP = (
    "Show exact results as fractions (1/3). By default they are decimals (0.3; 12 digits "
    "when not terminating) unless an input is written as a fraction."
)


def _emit(payload: dict, fmt: str, table: str) -> None:
    click.echo(json.dumps(payload, indent=2) if fmt == "json" else table)


def _positions(text: str, field: str, limit: int = MAX_POSITIONS):
    from inframarginal.location.arithmetic import parse_numbers

    return parse_numbers(text, field, limit)


def _join(xs) -> str:
    from inframarginal.location.arithmetic import fmt

    return ", ".join(fmt(x) for x in xs)


def _display(force: bool, *texts: str | None):
    """Fractions when asked for or when an input was written as one, else decimals."""
    from inframarginal.location.arithmetic import display_fractions, written_as_fraction

    return display_fractions(force or written_as_fraction(*texts))


class _Progress:
    """``progress(done, total)`` callback: a progress bar on a terminal's stderr once the
    work has run for :data:`BAR_AFTER` seconds (quick runs and pipes stay quiet)."""

    def __init__(self, label: str):
        self.label = label
        self.done, self.total, self.bar = 0, 0, None
        self.started = time.monotonic()
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None and self.tty and time.monotonic() - self.started >= BAR_AFTER:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
            self.bar.update(done)
        elif self.bar is not None:
            self.bar.update(done - self.done)
        self.done, self.total = done, total

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@contextlib.contextmanager
def _working(label: str, unit: str) -> Iterator[_Progress]:
    """Run a long computation with a progress bar; Ctrl-C stops it with a one-line message."""
    progress = _Progress(label)
    try:
        yield progress
    except KeyboardInterrupt:
        progress.close()
        where = f" after {progress.done} of {progress.total} {unit}" if progress.total else ""
        click.echo(f"stopped: interrupted{where}", err=True)
        sys.exit(130)
    finally:
        progress.close()


@click.group("beach", cls=_OneLineGroup)
def beach() -> None:
    """Sellers on a beach: Hotelling's location game on a line or a circle."""


@beach.command("equilibria")
@click.option("--sellers", "-n", type=SELLERS, required=True, help=SELLERS_HELP)
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option(
    "--certificate", is_flag=True, help="Show each seller's payoff and best-response supremum."
)
def equilibria_cmd(sellers: int, circle: bool, fmt: str, certificate: bool) -> None:
    """All pure-strategy Nash equilibria (up to permutation), exact, with certificate.

    One-parameter continua on the line are printed with their explicit positions as
    functions of the largest half-gap H and the range of H.
    """
    from inframarginal.location.equilibria import find_equilibria

    with _working("certifying patterns", "patterns") as progress:
        res = find_equilibria(sellers, circle, progress)
    lines = [
        f"{res.sellers} sellers on the {res.topology}: equilibria exist: {res.exists}",
        res.reason,
    ]
    for e in res.equilibria:
        lines.append(f"  positions {_join(e.positions)}   shares {_join(e.shares)}")
        if certificate:
            for c in e.certificate:
                lines.append(
                    f"    seller at {_join([c.position])}: payoff {_join([c.payoff])}; {c.description}"
                )
    for f in res.continuum:
        lines.append(f"  continuum ({f.dimension} parameter(s)): {f.description}")
    payload = res.to_dict()
    if certificate:
        for entry, e in zip(payload["equilibria"], res.equilibria, strict=True):
            entry["certificate"] = [
                {
                    "payoff": str(c.payoff),
                    "best_response": str(c.best_response),
                    "attained": c.attained,
                }
                for c in e.certificate
            ]
    _emit(payload, fmt, "\n".join(lines))


@beach.command("optimum")
@click.option("--sellers", "-n", type=SELLERS, required=True, help=SELLERS_HELP)
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def optimum_cmd(sellers: int, circle: bool, fmt: str) -> None:
    """Social optimum, clustering agreement and the welfare gap to competition."""
    from inframarginal.location.arithmetic import to_json
    from inframarginal.location.welfare import welfare_comparison

    with _working("certifying patterns", "patterns") as progress:
        w = welfare_comparison(sellers, circle, progress)
    payload = {
        "sellers": w.sellers,
        "topology": w.topology,
        "positions": [to_json(x) for x in w.optimum.positions],
        "average_distance": to_json(w.optimum.average_distance),
        "agreement": w.agreement.to_dict(),
        "equilibria": [e.to_dict() for e in w.equilibria],
        "welfare_gap": None if w.gap is None else to_json(w.gap),
        "description": w.description,
    }
    lines = [
        f"social optimum: {_join(w.optimum.positions)} (average distance {_join([w.optimum.average_distance])})",
        f"clustering agreement: same positions, shares {_join(w.agreement.shares)}",
    ]
    for e in w.equilibria:
        lines.append(
            f"{e.label}: {_join(e.positions)} (average distance {_join([e.average_distance])})"
        )
    lines.append(w.description)
    _emit(payload, fmt, "\n".join(lines))


@beach.command("shares")
@click.option(
    "--positions",
    required=True,
    help=f"Comma-separated positions in [0, 1], e.g. 1/4,3/4 or 0.2,0.5 (at most {MAX_POSITIONS}).",
)
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--fractions", is_flag=True, help=FRACTIONS_HELP)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def shares_cmd(positions: str, circle: bool, fractions: bool, fmt: str) -> None:
    """Exact market shares of sellers at the given positions."""
    with _display(fractions, positions):
        _shares(positions, circle, fmt)


def _shares(positions: str, circle: bool, fmt: str) -> None:
    from inframarginal.location.arithmetic import to_json
    from inframarginal.location.shares import market_shares
    from inframarginal.location.welfare import average_distance

    xs = _positions(positions, "positions")
    sh = market_shares(xs, circle)
    dist = average_distance(xs, circle)
    payload = {
        "positions": [to_json(x) for x in xs],
        "shares": [to_json(s) for s in sh],
        "average_distance": to_json(dist),
    }
    rows = [
        f"seller {i + 1}: position {_join([x])}  share {_join([s])}"
        for i, (x, s) in enumerate(zip(xs, sh, strict=True))
    ]
    rows.append(f"average distance to the nearest seller: {_join([dist])}")
    _emit(payload, fmt, "\n".join(rows))


@beach.command("best-response")
@click.option(
    "--others",
    required=True,
    help=f"Comma-separated positions of the other sellers (at most {MAX_POSITIONS}).",
)
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--fractions", is_flag=True, help=FRACTIONS_HELP)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def best_response_cmd(others: str, circle: bool, fractions: bool, fmt: str) -> None:
    """Best response to the others' positions (supremum; attained or approached).

    On the circle positions are read mod 1: an arc through 0 is shown as two pieces.
    """
    with _display(fractions, others):
        _best_response(others, circle, fmt)


def _best_response(others: str, circle: bool, fmt: str) -> None:
    from inframarginal.location.arithmetic import to_json
    from inframarginal.location.best_response import best_response

    br = best_response(_positions(others, "others"), circle)
    payload = {
        "value": to_json(br.value),
        "attained": br.attained,
        "maximizers": [str(i) for i in br.maximizers],
        "approached": [{"point": to_json(a.point), "side": a.side} for a in br.approached],
        "description": br.description,
    }
    _emit(payload, fmt, br.description)


@beach.command("dynamics")
@click.option(
    "--start",
    required=True,
    help=f"Comma-separated start positions, e.g. 0.1,0.9 (at most {DYNAMICS_SELLERS} sellers).",
)
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option(
    "--mode",
    type=_OneOf(["sequential", "simultaneous"]),
    default="sequential",
    show_default=True,
)
@click.option(
    "--epsilon",
    default="1/100",
    show_default=True,
    help="Step beside a rival when the best response is not attained.",
)
@click.option(
    "--max-rounds",
    type=_Int(1, MAX_ROUNDS),
    help=(
        f"Stop after this many rounds: default 500 and at most {MAX_ROUNDS}, with "
        f"rounds x sellers^2 <= {DYNAMICS_WORK} (e.g. at most 17 rounds for 24 sellers)."
    ),
)
@click.option(
    "--plot",
    help="Write a .png/.svg plot or an animated .gif (its folder must exist and be writable).",
)
@click.option("--fractions", is_flag=True, help=FRACTIONS_HELP)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def dynamics_cmd(
    start: str,
    circle: bool,
    mode: str,
    epsilon: str,
    max_rounds: int | None,
    plot: str | None,
    fractions: bool,
    fmt: str,
) -> None:
    """Best-response dynamics from a start profile, recorded as a trajectory."""
    # Only an explicit --epsilon counts as input written as a fraction (its default is 1/100).
    source = click.get_current_context().get_parameter_source("epsilon")
    eps_text = epsilon if source is not click.core.ParameterSource.DEFAULT else None
    with _display(fractions, start, eps_text):
        _dynamics(start, circle, mode, epsilon, max_rounds, plot, fmt)


def _dynamics(
    start: str,
    circle: bool,
    mode: str,
    epsilon: str,
    max_rounds: int | None,
    plot: str | None,
    fmt: str,
) -> None:
    import pathlib

    from inframarginal.location.arithmetic import parse_number
    from inframarginal.location.dynamics import (
        best_response_dynamics,
        check_plot_path,
        check_run_size,
        plot_trajectory,
    )

    xs = _positions(start, "start", DYNAMICS_SELLERS)
    eps = parse_number(epsilon, "epsilon")
    rounds = check_run_size(len(xs), max_rounds)
    # Checked before the run: a bad output path must not cost the computation.
    out = None if plot is None else check_plot_path(pathlib.Path(plot))
    with _working("best-response dynamics", "rounds") as progress:
        traj = best_response_dynamics(xs, circle, mode, eps, rounds, progress)
    if out is not None:
        plot_trajectory(traj, out)
    payload = traj.to_dict()
    if out is not None:
        payload["plot"] = str(out)
    lines = [f"step {s.index}: {_join(s.positions)}" for s in traj.steps]
    lines.append(("converged: " if traj.converged else "not converged: ") + traj.reason)
    if out is not None:
        lines.append(f"wrote {out}")
    _emit(payload, fmt, "\n".join(lines))


@beach.command("pricing")
@click.option(
    "--cost",
    type=_OneOf(["quadratic", "linear"]),
    default="quadratic",
    show_default=True,
    help="Transport cost t*d^2 or t*d.",
)
@click.option("--locations", help="x1,x2 for the price subgame; omit for the two-stage game.")
@click.option("--rate", default="1", show_default=True, help="Transport cost rate t > 0.")
@click.option("--marginal-cost", default="0", show_default=True, help="Marginal cost c >= 0.")
@click.option("--fractions", is_flag=True, help=FRACTIONS_HELP)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def pricing_cmd(
    cost: str, locations: str | None, rate: str, marginal_cost: str, fractions: bool, fmt: str
) -> None:
    """Hotelling duopoly: locations then prices (linear or quadratic transport costs)."""
    with _display(fractions, locations, rate, marginal_cost):
        _pricing(cost, locations, rate, marginal_cost, fmt)


def _pricing(cost: str, locations: str | None, rate: str, marginal_cost: str, fmt: str) -> None:
    from inframarginal.location.arithmetic import parse_number
    from inframarginal.location.pricing import price_equilibrium, two_stage_equilibrium

    t = parse_number(rate, "rate")
    c = parse_number(marginal_cost, "marginal_cost")
    if locations:
        res = price_equilibrium(_positions(locations, "locations", 2), cost, t, c)
        text = [f"price subgame at {_join(res.market.locations)} ({cost} transport costs)"]
        sub = res
    else:
        two = two_stage_equilibrium(cost, t, c)
        text = [f"locations then prices ({cost} transport costs): equilibrium exists: {two.exists}"]
        if two.locations is not None:
            text.append(f"locations {_join(two.locations)}")
        text.append(two.reason)
        sub = two.subgame
        res = two
    if sub is not None and sub.exists:
        text.append(
            f"prices {_join(sub.prices)}; profits {_join(sub.profits)}; demands {_join(sub.demands)}"
        )
    if locations:
        text.append(res.reason)
    _emit(res.to_dict(), fmt, "\n".join(text))


@beach.command("crosscheck")
@click.option("--sellers", "-n", type=SELLERS, required=True, help=SELLERS_HELP)
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option(
    "--grid",
    "grids",
    type=_Int(1, 10_000),
    multiple=True,
    help=(
        "Grid denominator m (repeatable). All grids together may need at most "
        f"{CROSSCHECK_WORK} deviation evaluations (profiles x sellers x (3m + 1)), "
        "a few seconds; the default grids are those that fit."
    ),
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def crosscheck_cmd(sellers: int, circle: bool, grids: tuple[int, ...], fmt: str) -> None:
    """Grid brute force (exact fractions) against the exact equilibrium characterisation.

    Exits 1 when the two disagree or when no grid could be compared.
    """
    from inframarginal.location.bruteforce import cross_check

    with _working("checking profiles", "profiles") as progress:
        res = cross_check(sellers, circle, grids or None, progress)
    payload = {
        "sellers": res.sellers,
        "topology": res.topology,
        "compared": res.compared,
        "agree": res.agree,
        "grids": [
            {
                "grid": g.grid,
                "profiles": g.profiles,
                "agree": g.agree,
                "equilibria": [[str(x) for x in p] for p in g.brute_force],
            }
            for g in res.grids
        ],
    }
    if res.compared:
        lines = [f"{res.sellers} sellers on the {res.topology}: agree = {res.agree}"]
    else:
        lines = [
            f"{res.sellers} sellers on the {res.topology}: no comparison made: even the "
            f"smallest default grid needs more than {CROSSCHECK_WORK} deviation evaluations; "
            "pass a small --grid"
        ]
    for g in res.grids:
        lines.append(
            f"  grid 1/{g.grid}: {g.profiles} profiles, {len(g.brute_force)} equilibria on the grid, agree = {g.agree}"
        )
    _emit(payload, fmt, "\n".join(lines))
    if not res.agree:
        sys.exit(1)


DATA_FORMATS = _OneOf(["table", "json", "csv"])


@click.group("data", cls=_OneLineGroup)
def data() -> None:
    """The seed's data tables (Tables 1-3): list, show, validate."""


@data.command("list")
@click.option("--format", "fmt", type=DATA_FORMATS, default="table", show_default=True)
def data_list(fmt: str) -> None:
    """List the shipped tables with their source and units."""
    import pandas as pd

    from inframarginal.data_tables import datasets

    df = pd.DataFrame([d.__dict__ for d in datasets()])
    _frame_out(df[["name", "table", "title", "units", "source"]] if fmt == "table" else df, fmt)


@data.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=DATA_FORMATS, default="table", show_default=True)
@click.option("--printed", is_flag=True, help="Only the cells as printed (text).")
def data_show(name: str, fmt: str, printed: bool) -> None:
    """Show table NAME (cluster_shares, us_china_trade, gdp_composition)."""
    from inframarginal.data_tables import load, printed_table

    _frame_out(printed_table(name) if printed else load(name), fmt)


@data.command("validate")
@click.argument("name", required=False)
@click.option("--format", "fmt", type=DATA_FORMATS, default="table", show_default=True)
def data_validate(name: str | None, fmt: str) -> None:
    """Recompute totals, balances and percentages; list every inconsistency.

    Exits 1 when a finding is an error (rounding differences and notes alone exit 0).
    """
    from inframarginal.data_tables.validation import validate

    rep = validate(name)
    df = rep.to_frame()
    if fmt == "table":
        click.echo(rep.summary())
        for f in rep.findings:
            click.echo(f"[{f.severity}] {f.table}: {f.message}")
    elif fmt == "json":
        click.echo(
            json.dumps(
                {
                    "summary": rep.summary(),
                    "checks": rep.checks,
                    "findings": df.to_dict(orient="records"),
                },
                indent=2,
            )
        )
    else:
        click.echo(df.to_csv(index=False), nl=False)
    if rep.count("error"):
        sys.exit(1)


def _frame_out(df, fmt: str) -> None:
    if fmt == "json":
        click.echo(df.to_json(orient="records", indent=2))
    elif fmt == "csv":
        click.echo(df.to_csv(index=False), nl=False)
    else:
        import pandas as pd

        with pd.option_context("display.max_columns", None, "display.width", 200):
            click.echo(df.to_string(index=False))


def register(group: click.Group) -> None:
    """Add the ``beach`` and ``data`` command groups to ``group``."""
    group.add_command(beach)
    group.add_command(data)
