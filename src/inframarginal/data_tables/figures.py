"""Figures of the seed's tables (matplotlib, Agg canvas, no global pyplot state)."""

from __future__ import annotations

import pathlib

from inframarginal.data_tables import load_gdp_composition, load_us_china_trade


def _figure(size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size)
    FigureCanvasAgg(fig)
    return fig


def _save(fig, path: pathlib.Path) -> pathlib.Path:
    path = pathlib.Path(path)
    fig.savefig(path, metadata={"Software": None} if path.suffix.lower() == ".png" else None)
    return path


def plot_trade_balance(path: pathlib.Path) -> pathlib.Path:
    """U.S. exports to, imports from and balance with China by year (Table 2).

    Values as read from the printed table (millions of U.S. dollars, shown in
    billions); the 2009 bar covers January-July only and its balance was
    printed malformed (``-123.468.2``), so it is hatched and labelled.

    Parameters
    ----------
    path : pathlib.Path
        Output ``.png`` or ``.svg`` file.

    Returns
    -------
    pathlib.Path
    """
    df = load_us_china_trade()
    df = df[~df["is_total"]].sort_values("year")
    years = [int(y) for y in df["year"]]
    labels = [
        f"{y}\n(Jan-Jul)" if m < 12 else str(y) for y, m in zip(years, df["months"], strict=True)
    ]
    fig = _figure((7, 4))
    ax = fig.add_subplot()
    xs = range(len(years))
    w = 0.28
    ax.bar([x - w for x in xs], df["exports"] / 1000, w, label="exports to China", color="C0")
    ax.bar(list(xs), df["imports"] / 1000, w, label="imports from China", color="C1")
    bars = ax.bar([x + w for x in xs], df["balance"] / 1000, w, label="balance", color="C3")
    for bar, doubtful, partial in zip(bars, df["balance_doubtful"], df["months"] < 12, strict=True):
        if doubtful or partial:
            bar.set_hatch("//")
            bar.set_edgecolor("black")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xticks(list(xs), labels, fontsize=8)
    ax.set_ylabel("billions of U.S. dollars")
    ax.set_title("U.S. trade in goods with China (seed Table 2)")
    ax.legend(fontsize=8, loc="lower left")
    ax.annotate(
        "hatched: partial year; balance printed '-123.468.2'",
        xy=(0.99, 0.98),
        xycoords="axes fraction",
        ha="right",
        va="top",
        fontsize=7,
    )
    fig.tight_layout()
    return _save(fig, path)


def plot_gdp_composition(path: pathlib.Path) -> pathlib.Path:
    """Sector composition of GDP by country, as printed (Table 3).

    Stacked bars of the printed percentages; rows whose shares do not add to
    100 show it (Russia's printed ``53%`` agriculture gives a 147.8% bar,
    marked doubtful).

    Parameters
    ----------
    path : pathlib.Path
        Output ``.png`` or ``.svg`` file.

    Returns
    -------
    pathlib.Path
    """
    df = load_gdp_composition().iloc[::-1]
    names = [
        c + (" (printed 53% agri., doubtful)" if d else "")
        for c, d in zip(df["country"], df["agriculture_pct_doubtful"], strict=True)
    ]
    fig = _figure((7.5, 6))
    ax = fig.add_subplot()
    left = [0.0] * len(df)
    for sector, color in (("agriculture", "C2"), ("industry", "C7"), ("services", "C0")):
        vals = list(df[f"{sector}_pct"])
        ax.barh(names, vals, left=left, color=color, label=sector)
        left = [a + b for a, b in zip(left, vals, strict=True)]
    ax.axvline(100, color="black", lw=0.8, ls="--")
    ax.set_xlabel("percent of GDP (as printed)")
    ax.set_title("Nominal GDP sector composition, 2008 (seed Table 3)")
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return _save(fig, path)
