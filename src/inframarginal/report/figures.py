"""Saving figures reproducibly: PNG and SVG, no dates, fixed SVG ids."""

from __future__ import annotations

from pathlib import Path

import matplotlib
from matplotlib.figure import Figure

# No matplotlib.use() and no global rcParams: importing the report must not change the
# user's backend or style; the SVG settings apply only while a figure is saved.


def save_figure(fig: Figure, out_dir: Path, stem: str, formats: tuple[str, ...] = ("png", "svg")) -> str:
    """Write ``stem.png`` and ``stem.svg`` (or only ``formats``) under ``out_dir/figures``; returns
    the relative path of the first format written."""
    folder = Path(out_dir) / "figures"
    folder.mkdir(parents=True, exist_ok=True)
    for ax in fig.axes:  # a 200 x 200 mesh as 40 000 SVG paths is slow and heavy: raster it
        for collection in ax.collections:
            if len(collection.get_paths()) > 500 or type(collection).__name__ == "QuadMesh":
                collection.set_rasterized(True)
    with matplotlib.rc_context({"svg.hashsalt": "inframarginal", "svg.fonttype": "path"}):
        for fmt in formats:
            if fmt == "png":
                fig.savefig(folder / f"{stem}.png", dpi=110, metadata={"Software": None})
            else:
                fig.savefig(folder / f"{stem}.svg", metadata={"Date": None, "Creator": None})
    return f"figures/{stem}.{formats[0]}"
