"""``solve --elasticities``: the solution followed by every structure's elasticities.

The option is added by a decorator on the ``solve`` command (:func:`elasticities_option`),
so the command's own body stays as it is: with the flag, the decorator solves and prints
(:func:`inframarginal.elasticities.with_solution`); without it, the command runs unchanged.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import click

from inframarginal.errors import BudgetExceeded, ParameterError

HELP = ("Also the elasticities of income, relative prices and relative numbers in each structure with respect "
        "to every parameter (closed form, or the implicit function theorem on the numeric equilibrium).")


def elasticities_option(parse_settings: Callable[[tuple[str, ...]], dict[str, float]]
                        ) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Decorate the ``solve`` command with ``--elasticities``; ``parse_settings`` reads ``--set``."""

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(command)
        def wrapper(*args: Any, with_elasticities: bool = False, **kwargs: Any) -> None:
            if not with_elasticities:
                command(*args, **kwargs)
                return
            solve_with_elasticities(parse_settings(kwargs["settings"]), **kwargs)

        return click.option("--elasticities", "with_elasticities", is_flag=True, help=HELP)(wrapper)

    return decorate


def solve_with_elasticities(values: dict[str, float], *, model: str, structure: str | None, all_structures: bool,
                            method: str, fmt: str, **_: Any) -> None:
    """Solve ``model`` at ``values`` and print the solution with its elasticities (table or JSON)."""
    if method not in ("symbolic", "numeric") or fmt == "latex":
        raise ParameterError(f"--elasticities takes --method symbolic or numeric and --format table or json "
                             f"(got --method {method} --format {fmt})")
    from inframarginal.elasticities import with_solution
    from inframarginal.equilibrium import solve
    from inframarginal.modelfile import load_model

    m = load_model(model)
    try:
        sol = solve(m, values, method=method, structures="all" if all_structures else "studied",
                    structure=structure)
        click.echo(with_solution(m, sol, method, fmt == "json"))
    except BudgetExceeded as err:  # the closed forms ran out of time: the numeric path needs none
        raise BudgetExceeded(f"{err}, or solve with --method numeric") from None
