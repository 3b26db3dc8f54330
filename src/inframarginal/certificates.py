"""A sweep's or a path's certification from the certificates of a sample of its points.

The general equilibrium among the listed structures is certified against all structures
(:func:`inframarginal.search.certify`) at a few points per region: :func:`sweep_sample`
picks them, :func:`sample_advice` says what their certificates show.  Certificates are
kept in the disk cache (:func:`inframarginal.bundle.store_certificate`), so a sweep run
again reads them (:func:`kept_sample_advice`) without the LP, SciPy or SymPy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from inframarginal.bundle import stored_certificate
from inframarginal.errors import Advice

if TYPE_CHECKING:
    from inframarginal.outline import SweepModel
    from inframarginal.results import Certification

#: Points certified per region of a sweep (points with the same listed GE), and in all.
SWEEP_SAMPLES_PER_REGION = 4
SWEEP_SAMPLES = 64


def sweep_sample(codes: np.ndarray, per_region: int = SWEEP_SAMPLES_PER_REGION,
                 total: int = SWEEP_SAMPLES) -> list[tuple[int, ...]]:
    """Grid indices to certify: up to ``per_region`` evenly spread points of each GE code, ``total`` in all."""
    out: list[tuple[int, ...]] = []
    flat = codes.ravel()
    if flat.size and int(flat.max()) - int(flat.min()) <= 64:  # a few codes: one comparison each
        values = [v for v in range(int(flat.min()), int(flat.max()) + 1) if (flat == v).any()]
    else:
        values = np.unique(flat).tolist()
    each = max(1, min(per_region, total // max(1, len(values))))
    for v in values:
        mask = flat == v
        count = int(np.count_nonzero(mask))
        ranks = np.linspace(0, count - 1, min(each, count)).round().astype(int)
        pick = _positions(mask, ranks)
        # ascending: drop the repeats rounding made (numpy.unique would import numpy.ma, 10 ms)
        pick = pick[np.diff(pick, prepend=-1) != 0]
        out.extend(tuple(int(i) for i in np.unravel_index(j, codes.shape)) for j in pick)
    return out[:total]


def _positions(mask: np.ndarray, ranks: np.ndarray, block: int = 1 << 16) -> np.ndarray:
    """The positions of the ``ranks``-th true values of ``mask`` (``np.flatnonzero(mask)[ranks]``),
    without listing every true value: counted by blocks, listed in the blocks that hold a rank."""
    starts = range(0, len(mask), block)
    before = np.cumsum([0, *(np.count_nonzero(mask[s:s + block]) for s in starts)])
    out = np.empty(len(ranks), dtype=np.int64)
    for i, r in enumerate(ranks.tolist()):
        b = int(np.searchsorted(before, r, side="right")) - 1
        out[i] = starts[b] + np.flatnonzero(mask[starts[b]:starts[b] + block])[r - before[b]]
    return out


def sample_advice(points: Sequence[Mapping[str, float]], regions: Sequence[str],
                  certificates: Sequence[Certification]) -> Advice:
    """One line on the certification of a sweep or a path, from the certificates of sample points.

    ``points`` are full parameter points, ``regions`` the listed GE at each (the structure
    region it stands for), ``certificates`` their certifications.  Says at how many points
    the listed GE was certified, names the unlisted structures that beat the listed ones
    (with one point each), or why not certified (with the settings that would help:
    :class:`inframarginal.errors.Advice`).
    """
    beaten: dict[str, Mapping[str, float]] = {}
    failed: list[Advice] = []
    for point, cert in zip(points, certificates, strict=True):
        if not cert.certified:
            failed.append(cert.reason)
        elif cert.unlisted_beats and cert.general_equilibrium is not None:
            beaten.setdefault(cert.general_equilibrium, point)
    head = (f"certified against all structures at {len(points)} sampled points "
            f"({len(set(regions))} regions of the listed general equilibrium; a sample, not every point)")
    if failed:
        return Advice(f"{head}: not certified at {len(failed)} of them: {failed[0].body}", failed[0].use)
    if not beaten:
        return Advice(f"{head}: the listed general equilibrium is the general equilibrium over all structures at each")
    shown = "; ".join(f"{name} (e.g. at " + ", ".join(f"{k}={v:.6g}" for k, v in point.items()) + ")"
                      for name, point in list(beaten.items())[:3])
    return Advice(f"{head}: an unlisted structure beats the listed ones at some: {shown}")


def kept_sample_advice(model: SweepModel, points: Sequence[Mapping[str, float]],
                       regions: Sequence[str]) -> Advice | None:
    """:func:`sample_advice` where every point's certificate is kept in the disk cache, else ``None``
    (the caller certifies them: :func:`inframarginal.search.certify_sample`)."""
    kept = []
    for point in points:
        cert = stored_certificate(model, point)
        if cert is None:
            return None
        kept.append(cert)
    return sample_advice(points, regions, kept)
