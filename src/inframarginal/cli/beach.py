"""``inframarginal beach`` (location games) and ``inframarginal data`` (the seed's tables)."""

from __future__ import annotations

import json
import pathlib

import click

FORMATS = click.Choice(["table", "json"])


def _emit(payload: dict, fmt: str, table: str) -> None:
    click.echo(json.dumps(payload, indent=2) if fmt == "json" else table)


def _positions(text: str, field: str):
    from inframarginal.location.arithmetic import parse_numbers

    return parse_numbers(text, field)


def _join(xs) -> str:
    from inframarginal.location.arithmetic import fmt

    return ", ".join(fmt(x) for x in xs)


@click.group("beach")
def beach() -> None:
    """Sellers on a beach: Hotelling's location game on a line or a circle."""


@beach.command("equilibria")
@click.option("--sellers", "-n", type=int, required=True, help="Number of sellers (>= 1).")
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
@click.option(
    "--certificate", is_flag=True, help="Show each seller's payoff and best-response supremum."
)
def equilibria_cmd(sellers: int, circle: bool, fmt: str, certificate: bool) -> None:
    """All pure-strategy Nash equilibria (up to permutation), exact, with certificate."""
    from inframarginal.location.equilibria import find_equilibria

    res = find_equilibria(sellers, circle)
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
@click.option("--sellers", "-n", type=int, required=True, help="Number of sellers (>= 1).")
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def optimum_cmd(sellers: int, circle: bool, fmt: str) -> None:
    """Social optimum, clustering agreement and the welfare gap to competition."""
    from inframarginal.location.arithmetic import to_json
    from inframarginal.location.welfare import welfare_comparison

    w = welfare_comparison(sellers, circle)
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
    "--positions", required=True, help="Comma-separated positions, e.g. 1/4,3/4 or 0.2,0.5."
)
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def shares_cmd(positions: str, circle: bool, fmt: str) -> None:
    """Exact market shares of sellers at the given positions."""
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
@click.option("--others", required=True, help="Comma-separated positions of the other sellers.")
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def best_response_cmd(others: str, circle: bool, fmt: str) -> None:
    """Best response to the others' positions (supremum; attained or approached)."""
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
@click.option("--start", required=True, help="Comma-separated start positions, e.g. 0.1,0.9.")
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option(
    "--mode",
    type=click.Choice(["sequential", "simultaneous"]),
    default="sequential",
    show_default=True,
)
@click.option(
    "--epsilon",
    default="1/100",
    show_default=True,
    help="Step beside a rival when the best response is not attained.",
)
@click.option("--max-rounds", type=int, default=500, show_default=True)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False, path_type=pathlib.Path),
    help="Write a .png/.svg plot or an animated .gif.",
)
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def dynamics_cmd(
    start: str, circle: bool, mode: str, epsilon: str, max_rounds: int, plot, fmt: str
) -> None:
    """Best-response dynamics from a start profile, recorded as a trajectory."""
    from inframarginal.location.arithmetic import parse_number
    from inframarginal.location.dynamics import best_response_dynamics, plot_trajectory

    traj = best_response_dynamics(
        _positions(start, "start"), circle, mode, parse_number(epsilon, "epsilon"), max_rounds
    )
    if plot is not None:
        plot_trajectory(traj, plot)
    payload = traj.to_dict()
    if plot is not None:
        payload["plot"] = str(plot)
    lines = [f"step {s.index}: {_join(s.positions)}" for s in traj.steps]
    lines.append(("converged: " if traj.converged else "not converged: ") + traj.reason)
    if plot is not None:
        lines.append(f"wrote {plot}")
    _emit(payload, fmt, "\n".join(lines))


@beach.command("pricing")
@click.option(
    "--cost",
    type=click.Choice(["quadratic", "linear"]),
    default="quadratic",
    show_default=True,
    help="Transport cost t*d^2 or t*d.",
)
@click.option("--locations", help="x1,x2 for the price subgame; omit for the two-stage game.")
@click.option("--rate", default="1", show_default=True, help="Transport cost rate t > 0.")
@click.option("--marginal-cost", default="0", show_default=True, help="Marginal cost c >= 0.")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def pricing_cmd(cost: str, locations: str | None, rate: str, marginal_cost: str, fmt: str) -> None:
    """Hotelling duopoly: locations then prices (linear or quadratic transport costs)."""
    from inframarginal.location.arithmetic import parse_number
    from inframarginal.location.pricing import price_equilibrium, two_stage_equilibrium

    t = parse_number(rate, "rate")
    c = parse_number(marginal_cost, "marginal_cost")
    if locations:
        res = price_equilibrium(_positions(locations, "locations"), cost, t, c)
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
@click.option("--sellers", "-n", type=int, required=True, help="Number of sellers (>= 1).")
@click.option(
    "--circle", is_flag=True, help="Circle of circumference 1 instead of the line [0, 1]."
)
@click.option("--grid", "grids", type=int, multiple=True, help="Grid denominator m (repeatable).")
@click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
def crosscheck_cmd(sellers: int, circle: bool, grids: tuple[int, ...], fmt: str) -> None:
    """Grid brute force (exact fractions) against the exact equilibrium characterisation."""
    from inframarginal.location.bruteforce import cross_check

    res = cross_check(sellers, circle, grids or None)
    payload = {
        "sellers": res.sellers,
        "topology": res.topology,
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
    lines = [f"{res.sellers} sellers on the {res.topology}: agree = {res.agree}"]
    for g in res.grids:
        lines.append(
            f"  grid 1/{g.grid}: {g.profiles} profiles, {len(g.brute_force)} equilibria on the grid, agree = {g.agree}"
        )
    _emit(payload, fmt, "\n".join(lines))


DATA_FORMATS = click.Choice(["table", "json", "csv"])


@click.group("data")
def data() -> None:
    """The seed's data tables (Tables 1-3): list, show, validate."""


@data.command("list")
@click.option("--format", "fmt", type=DATA_FORMATS, default="table", show_default=True)
def data_list(fmt: str) -> None:
    """List the shipped tables with their source and units."""
    import pandas as pd

    from inframarginal.datasets import datasets

    df = pd.DataFrame([d.__dict__ for d in datasets()])
    _frame_out(df[["name", "table", "title", "units", "source"]] if fmt == "table" else df, fmt)


@data.command("show")
@click.argument("name")
@click.option("--format", "fmt", type=DATA_FORMATS, default="table", show_default=True)
@click.option("--printed", is_flag=True, help="Only the cells as printed (text).")
def data_show(name: str, fmt: str, printed: bool) -> None:
    """Show table NAME (cluster_shares, us_china_trade, gdp_composition)."""
    from inframarginal.datasets import load, printed_table

    _frame_out(printed_table(name) if printed else load(name), fmt)


@data.command("validate")
@click.argument("name", required=False)
@click.option("--format", "fmt", type=DATA_FORMATS, default="table", show_default=True)
def data_validate(name: str | None, fmt: str) -> None:
    """Recompute totals, balances and percentages; list every inconsistency."""
    from inframarginal.datasets.validation import validate

    rep = validate(name)
    df = rep.to_frame()
    if fmt == "table":
        click.echo(rep.summary())
        for f in rep.findings:
            click.echo(f"[{f.severity}] {f.table}: {f.message}")
        return
    if fmt == "json":
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
        return
    click.echo(df.to_csv(index=False), nl=False)


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
