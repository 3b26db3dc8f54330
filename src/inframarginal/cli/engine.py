"""Engine commands: ``models``, ``show``, ``solve``."""

from __future__ import annotations

import json
import math

import click

from inframarginal.budget import DEFAULT_SEARCH_LIMIT, DEFAULT_STRUCTURE_LIMIT
from inframarginal.cli.flags import flag_words
from inframarginal.errors import BudgetExceeded, ParameterError

FORMATS = click.Choice(["table", "json"])


def parse_settings(settings: tuple[str, ...]) -> dict[str, float]:
    """Parse ``NAME=VALUE`` pairs given with ``--set``."""
    out: dict[str, float] = {}
    for item in settings:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ParameterError(f"--set {item!r} is not NAME=VALUE (for example --set K=0.5)")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise ParameterError(f"--set {item!r}: value {value!r} is not a number") from None
    return out


def _number(value: float | None) -> float | str | None:
    if value is None:
        return None
    return value if math.isfinite(value) else str(value)


def enumeration_counts(configs, structures, studied) -> dict[str, object]:
    """Counts of step 1 at several levels of detail, to compare with a paper's counts.

    A paper usually does not tell configurations apart by the technology they use, and
    often counts the configurations drawn in its figure of structures once per
    structure.  For li-ke-2020 the paper's "14 configurations" and "7 structures" are
    those of its figure: 1 + 1 + 2 + 2 + 2 + 3 + 3 = 14 configuration slots in the 7
    studied structures (10 distinct configurations), while Lemma 1 allows 18
    configurations (11 once the technology of x is ignored) and 56 structures close
    (18 once the technology is ignored).
    """
    patterns = {c.pattern for c in configs}
    structure_patterns = {frozenset(c.pattern for c in s.configurations) for s in structures}
    studied_patterns = {frozenset(c.pattern for c in s.configurations) for s in studied}
    used = {c.label for s in studied for c in s.configurations}
    slots = [len(s.configurations) for s in studied]
    not_studied = len(structure_patterns - studied_patterns)
    by_pattern: dict[frozenset, list[str]] = {}
    for s in studied:
        by_pattern.setdefault(frozenset(c.pattern for c in s.configurations), []).append(s.name)
    twins = [names for names in by_pattern.values() if len(names) > 1]
    text = (
        f"Lemma 1 allows {len(configs)} configurations, {len(patterns)} once those that differ only in "
        f"the technology used are merged; the {len(studied)} studied structures use {len(used)} distinct "
        f"configurations, {sum(slots)} counted once per structure as a paper's figure of structures "
        f"counts them ({' + '.join(map(str, slots))}). {len(structures)} structures close, "
        f"{len(structure_patterns)} once merged by technology; the {len(studied)} studied structures are "
        f"{len(studied_patterns)} of these {len(structure_patterns)}"
        + "".join(f"; {' and '.join(names)} differ only in technology" for names in twins)
        + (f"; the other {not_studied} are not studied (solve --all-structures solves them too)."
           if not_studied else ".")
    )
    return {
        "configurations": len(configs),
        "configurations_merged_by_technology": len(patterns),
        "configurations_in_studied_structures": len(used),
        "configuration_slots_in_studied_structures": sum(slots),
        "enumerated_structures": len(structures),
        "structures_merged_by_technology": len(structure_patterns),
        "studied_structures": len(studied),
        "studied_structures_merged_by_technology": len(studied_patterns),
        "explanation": text,
    }


def register(group: click.Group) -> None:
    """Add the engine commands to ``group``."""
    from inframarginal.cli.elasticities import elasticities_option
    from inframarginal.cli.kept import kept_output

    @group.command("models")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    def models_command(fmt: str) -> None:
        """List the built-in models."""
        from inframarginal.modelfile import builtin_models

        models = builtin_models()
        if fmt == "json":
            click.echo(json.dumps([{"name": n, "title": t} for n, t in models.items()], indent=2))
        else:
            for name, title in models.items():
                click.echo(f"{name:<28} {title}")
            from inframarginal.modelfile import typed_builtin_models

            click.echo("\nwith types (people who differ; inframarginal solve):")
            for name, title in typed_builtin_models().items():
                click.echo(f"{name:<32} {title}")

    @group.command("show")
    @click.argument("model")
    @click.option("--format", "fmt", type=FORMATS, default="table", show_default=True)
    @click.option("--count", "count_only", is_flag=True,
                  help="Only count structures (by traded goods, and up to symmetry), without listing them.")
    @kept_output("show")  # a warm show prints its kept output: no SymPy
    def show_command(model: str, fmt: str, count_only: bool) -> None:
        """Show a model: parameters, goods, technologies, configurations, structures.

        MODEL is a built-in name (see `inframarginal models`) or a model file path.
        """
        from inframarginal.configurations import (
            configurations,
            enumerate_structures,
            studied_structures,
        )
        from inframarginal.enumeration import count_structures
        from inframarginal.heterogeneous.spec import TypedModel
        from inframarginal.modelfile import load_model

        m = load_model(model)
        if isinstance(m, TypedModel):
            from inframarginal.cli.typed import show_typed_command

            show_typed_command(m, "json" if fmt == "json" else "table")
            return
        if count_only or count_structures(m) > DEFAULT_STRUCTURE_LIMIT:
            _show_counts(m, fmt, listed=not count_only)
            return
        configs = configurations(m)
        structures = enumerate_structures(m)
        studied = studied_structures(m)
        counts = enumeration_counts(configs, structures, studied)
        if fmt == "json":
            click.echo(json.dumps({
                "model": m.name, "title": m.title, "source": m.source,
                "parameters": [{"name": p.name, "default": p.default, "domain": str(p.domain),
                                "description": p.description} for p in m.parameters],
                "derived": [{"name": d.name, "formula": d.text} for d in m.derived],
                "constraints": {c.name: c.text for c in m.constraints},
                "goods": [{"name": g.name, "utility_weight": str(g.weight),
                           "trading_efficiency": str(g.trading_efficiency)} for g in m.goods],
                "technologies": [{"good": t.good, "name": t.name, "output": t.text,
                                  "closed_form": t.power_form is not None} for t in m.technologies],
                "configurations": [c.label for c in configs],
                "structures": {s.name: list(s.labels) for s in studied},
                "enumerated_structures": len(structures),
                "counts": counts,
            }, indent=2))
            return
        click.echo(f"{m.title}  [{m.name}]  from {m.source}")
        click.echo("\nparameters:")
        for p in m.parameters:
            click.echo(f"  {p.name:<8} default {p.default:<8g} domain {str(p.domain):<10} {p.description}")
        for d in m.derived:
            click.echo(f"  {d.name:<8} = {d.text}")
        for c in m.constraints:
            click.echo(f"  constraint {c.name}: {c.text}")
        click.echo("\ngoods:")
        for g in m.goods:
            role = f"utility weight {g.weight}" if g.consumed else "intermediate"
            click.echo(f"  {g.name:<6} {role}; trading efficiency {g.trading_efficiency}")
        click.echo("\ntechnologies:")
        for t in m.technologies:
            click.echo(f"  {t.good} [{t.name}]: {t.text}")
        click.echo(f"\nconfigurations allowed by Lemma 1 ({len(configs)}):")
        click.echo("  " + "  ".join(c.label for c in configs))
        click.echo(f"\nstructures: {len(structures)} enumerated; studied:")
        for s in studied:
            click.echo(f"  {s.name:<8} {' '.join(s.labels)}")
        click.echo("\ncounts: " + counts["explanation"])

    @group.command("solve")
    @elasticities_option(parse_settings)
    @click.argument("model")
    @click.option("--set", "settings", multiple=True, metavar="NAME=VALUE",
                  help="Set a parameter (repeatable); others take their defaults.")
    @click.option("--structure", default=None, help="Solve only this structure.")
    @click.option("--all-structures", is_flag=True, help="Consider every enumerated structure, not only the named ones.")
    @click.option("--method", type=click.Choice(["symbolic", "numeric", "search", "orbits", "exhaustive"]),
                  default="symbolic", show_default=True,
                  help="Closed forms (SymPy, cached) or the independent numeric path, over the studied structures; "
                       "or the certified general equilibrium over ALL structures (batched exact solver): the "
                       "welfare bound, else one per symmetry class (search), one per symmetry class (orbits) or "
                       "every one (exhaustive).")
    @click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000),
                  help="search|exhaustive: length of the ranked list.")
    @click.option("--max-structures", default=DEFAULT_SEARCH_LIMIT, show_default=True, type=click.IntRange(1),
                  help="search|exhaustive: budget of structures solved (orbit representatives for search).")
    @click.option("--progress", is_flag=True, help="search|exhaustive: show a progress bar.")
    @click.option("--format", "fmt", type=click.Choice(["table", "json", "latex"]), default="table",
                  show_default=True)
    def solve_command(model: str, settings: tuple[str, ...], structure: str | None, all_structures: bool,
                      method: str, top: int, max_structures: int, progress: bool, fmt: str) -> None:
        """Corner equilibria of every structure and the general equilibrium at one point.

        Example: inframarginal solve li-ke-2020 --set K=1 --set t=0 --format json
        """
        which = "all" if all_structures else "studied"
        if method == "symbolic" and fmt != "latex" and structure is None:
            from inframarginal.bundle import quick_solve  # a warm cache answers without SymPy

            try:
                quick = quick_solve(model, parse_settings(settings), which)
            except ParameterError:  # reported below, after the model's own errors
                quick = None
            if quick is not None:  # a point solved (and certified) before
                _echo_solution(*quick, fmt)
                return
        from inframarginal.modelfile import load_model

        m = load_model(model)
        values = parse_settings(settings)
        if hasattr(m, "types"):  # people who differ: one solver, Yang's definition of the GE
            from inframarginal.cli.typed import solve_typed_command

            solve_typed_command(m, values, structure, method, fmt,
                                None if max_structures == DEFAULT_SEARCH_LIMIT else max_structures)
            return
        try:
            if method in ("search", "orbits", "exhaustive"):
                if structure or fmt == "latex":
                    raise ParameterError(f"--method {method} finds the general equilibrium over all structures; "
                                         "it takes no --structure and no --format latex")
                from inframarginal.search import certified_equilibrium

                result = certified_equilibrium(m, values, method=method, top=top, limit=max_structures,
                                               progress=progress)
                click.echo(json.dumps(result.to_dict(), indent=2, default=_number, allow_nan=False)
                           if fmt == "json" else repr(result))
                return
            if fmt == "latex":
                _latex(m, values, structure)
                return
            from inframarginal.equilibrium import solve

            sol = solve(m, values, method=method, structures=which, structure=structure)
        except BudgetExceeded as err:  # the closed forms ran out of time: the numeric path needs none
            raise BudgetExceeded(f"{err}, or solve with --method numeric") from None
        # The GE among the listed structures, certified against all structures of the model.
        cert = None
        if structure is None:
            from inframarginal.bundle import store_certificate
            from inframarginal.search import certify

            cert = certify(m, sol.parameters)
            store_certificate(m, sol.parameters, cert)
        _echo_solution(sol, cert, fmt)
        if method == "symbolic" and structure is None:
            from inframarginal.bundle import store_bundle

            store_bundle(m, which, sol)


def _echo_solution(sol, certification, fmt: str) -> None:
    """A solution and its certification (:class:`inframarginal.results.Certification` or None),
    the settings their notes and reasons suggest written as flags."""
    if fmt == "json":
        from inframarginal.results import with_certification

        data = sol.to_dict(flag_words)
        if certification is not None:
            data = with_certification(data, certification.to_dict(flag_words))
        click.echo(json.dumps(data, indent=2, default=_number, allow_nan=False))
    else:
        click.echo(sol.text(flag_words)
                   + ("" if certification is None else f"\ncertification: {certification.summary(flag_words)}"))


def _show_counts(m, fmt: str, listed: bool) -> None:
    """Counts of configurations and structures, by traded goods and up to symmetry, without listing."""
    from inframarginal.configurations import configurations
    from inframarginal.enumeration import count_by_traded_set, count_structures
    from inframarginal.symmetry import count_orbits, describe_symmetry

    by_traded = count_by_traded_set(m)
    total = count_structures(m)
    described, order = describe_symmetry(m)  # the full group is not listed (40,320 permutations at 8 goods)
    # Orbits are generated directly under the full symmetric group; otherwise every structure is visited.
    full = order == math.factorial(len(m.goods))
    feasible = total <= DEFAULT_SEARCH_LIMIT or (full and total // order <= DEFAULT_SEARCH_LIMIT)
    orbits = count_orbits(m)[1] if feasible else None
    by_size: dict[int, int] = {}
    for traded, n in by_traded.items():
        by_size[len(traded)] = by_size.get(len(traded), 0) + n
    data = {"model": m.name, "configurations": len(configurations(m)), "structures": total,
            "autarky_structures": total - sum(by_traded.values()),
            "structures_by_number_of_traded_goods": by_size, "symmetry": described,
            "symmetry_group_order": order, "orbits": orbits}
    if fmt == "json":
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"{m.title}  [{m.name}]")
    click.echo(f"configurations allowed by Lemma 1: {data['configurations']:,}")
    click.echo(f"structures: {total:,} ({data['autarky_structures']} autarky; "
               + ", ".join(f"{n:,} with {t} traded goods" for t, n in sorted(by_size.items())) + ")")
    click.echo(f"symmetry: {described}"
               + (f"; {orbits:,} structures up to symmetry" if orbits is not None else
                  f"; orbits not counted (more than {DEFAULT_SEARCH_LIMIT:,} structures)"))
    if listed:
        click.echo(f"(too many structures to list: more than {DEFAULT_STRUCTURE_LIMIT:,}; "
                   "solve --method search finds the general equilibrium over all of them)")


def _latex(model, values: dict[str, float], only: str | None) -> None:
    import sympy as sp

    from inframarginal.configurations import find_structure, studied_structures
    from inframarginal.symbolic import display_forms

    model.check_parameters(values)
    structures = [find_structure(model, only)] if only else list(studied_structures(model))
    click.echo(f"% closed-form corner equilibria of {model.name}; k and beta as defined in the model file")
    for d in model.derived:
        click.echo(f"% {d.name} = {d.text}")
    for s in structures:
        forms = display_forms(model, s)
        click.echo(f"% structure {s.name}: {' '.join(s.labels)}")
        if not forms:
            click.echo("%   no closed form (a technology is not of power form); use --method numeric")
        for quantity, expr in forms.items():
            symbol = "u" if quantity == "per-capita real income" else "/".join(
                f"{q[0]}_{{{q[1:]}}}" for q in quantity.split("/"))
            click.echo(f"% {quantity}\n\\[ \\left({symbol}\\right)_{{{s.name}}} = {sp.latex(expr)} \\]")
