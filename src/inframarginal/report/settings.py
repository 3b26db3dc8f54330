"""The report's sizes: sample counts and grid sizes, as one explicit, frozen argument.

Every sampled check, grid and comparison of the report reads its size from a
:class:`ReportSettings` passed down from :func:`inframarginal.reporting.write_report`,
so that a small report (tests, a quick look) runs the same code paths as the full one.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from inframarginal.errors import InframarginalError


class ReportSettingsError(InframarginalError):
    """A report size that is not a positive integer (or out of its range)."""


@dataclass(frozen=True)
class ReportSettings:
    """Sizes of the report's grids and samples.

    Attributes
    ----------
    grid : int
        Points per axis of each phase diagram.
    paths : int
        How many of the seed paper's settings of the paths in K are drawn (1 to 3).
    table1_samples : int
        Random points at which each Table 1 entry is compared.
    sign_samples : int
        Random points for a sign that SymPy does not prove.
    appear_samples : int
        Random points for "structure S is the general equilibrium somewhere".
    lines, steps : int
        Random lines, and values along each, for monotonicity of the general equilibrium.
    domain_samples : int
        Random points per region of the domain notes.
    """

    grid: int = 200
    paths: int = 3
    table1_samples: int = 64
    sign_samples: int = 20_000
    appear_samples: int = 60_000
    lines: int = 300
    steps: int = 120
    domain_samples: int = 40_000

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ReportSettingsError(f"report setting {f.name}={value!r}: expected a positive integer")
        if self.grid < 4:
            raise ReportSettingsError(f"report setting grid={self.grid}: expected at least 4 points per axis")
        if self.paths > 3:
            raise ReportSettingsError(f"report setting paths={self.paths}: expected 1, 2 or 3 (the paper's settings)")

    @classmethod
    def small(cls) -> ReportSettings:
        """Small grids and samples: the whole report in seconds, the same code paths (for tests)."""
        return cls(grid=30, paths=1, table1_samples=16, sign_samples=1500, appear_samples=3000, lines=20,
                   steps=30, domain_samples=3000)


#: The full report's sizes.
DEFAULT_SETTINGS = ReportSettings()
