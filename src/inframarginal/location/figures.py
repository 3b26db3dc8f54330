"""The beach as a small inline SVG: sellers on the line [0, 1] or on a circle of circumference 1.

Jupyter's display of equilibria and of best-response dynamics draws it (no Matplotlib,
no files).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from inframarginal.display import escape


def number_text(value: Any) -> str:
    """An exact fraction as ``p/q``, any other number with 12 significant digits."""
    return str(value) if isinstance(value, Fraction) else f"{float(value):.12g}"


def beach_svg(positions: Sequence[Any], circle: bool = False, width: int = 360) -> str:
    """Sellers on the beach [0, 1] (a line) or on a circle of circumference 1, as SVG."""
    dots = []
    if circle:
        r, c = 46.0, 60.0
        base = f'<circle cx="{c}" cy="{c}" r="{r}" fill="none" stroke="#c2a25f" stroke-width="6"/>'
        for i, p in enumerate(positions):
            angle = 2 * math.pi * float(p) - math.pi / 2
            dots.append(f'<circle cx="{c + r * math.cos(angle):.2f}" cy="{c + r * math.sin(angle):.2f}" '
                        f'r="6" fill="#b03a2e"><title>seller {i + 1} at {escape(number_text(p))}</title></circle>')
        return (f'<svg xmlns="http://www.w3.org/2000/svg" width="120" height="120" viewBox="0 0 120 120" '
                f'role="img" aria-label="sellers on a circle">{base}{"".join(dots)}</svg>')
    pad, y = 12.0, 22.0
    span = width - 2 * pad
    base = (f'<line x1="{pad}" y1="{y}" x2="{width - pad}" y2="{y}" stroke="#c2a25f" stroke-width="6"/>'
            f'<text x="{pad}" y="{y + 22}" font-size="11" text-anchor="middle">0</text>'
            f'<text x="{width - pad}" y="{y + 22}" font-size="11" text-anchor="middle">1</text>')
    stacked: dict[float, int] = {}
    for i, p in enumerate(positions):
        level = stacked.get(float(p), 0)
        stacked[float(p)] = level + 1
        dots.append(f'<circle cx="{pad + float(p) * span:.2f}" cy="{y - 10 * level:.2f}" r="5" fill="#b03a2e">'
                    f'<title>seller {i + 1} at {escape(number_text(p))}</title></circle>')
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="48" viewBox="0 0 {width} 48" '
            f'role="img" aria-label="sellers on the beach">{base}{"".join(dots)}</svg>')


__all__ = ["beach_svg", "number_text"]
