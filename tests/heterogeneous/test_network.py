"""The report's network of a corner equilibrium with types: nodes coloured by type."""

from __future__ import annotations

from inframarginal import load_model
from inframarginal.report.networks import TYPE_COLOURS, plot_typed_network


def test_nodes_coloured_by_type_and_arrows_per_market():
    model = load_model("yang-two-country-dual")
    sol = model.solve(k1=0.8, k2=0.6, k0=0.4, a=1.5)
    ce = sol.corner("home (x/y) (y/x) | foreign (x/y) (y/x)")
    fig = plot_typed_network(model, ce)
    ax = fig.axes[0]
    boxes = [t for t in ax.texts if t.get_bbox_patch() is not None]
    assert len(boxes) == 4
    colours = {t.get_text().split("\n")[0]: t.get_color() for t in boxes}
    assert colours == {"home": TYPE_COLOURS[0], "foreign": TYPE_COLOURS[1]}
    # each country's two specialists trade with each other only: 4 arrows, labelled by market
    assert len(ax.patches) == 4
    labels = sorted(t.get_text() for t in ax.texts if t.get_bbox_patch() is None)
    assert labels == ["x@foreign", "x@home", "y@foreign", "y@home"]
