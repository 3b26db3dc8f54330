import pytest

from inframarginal.report.settings import ReportSettings

#: Small grids and samples: a whole report in seconds, the same code paths.
SMALL = ReportSettings.small()


@pytest.fixture
def small_settings():
    return SMALL


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """One small report of the seed model, shared by the tests of a module."""
    from inframarginal.reporting import write_report

    out = tmp_path_factory.mktemp("report") / "a"
    write_report("li-ke-2020", out, progress=False, settings=SMALL)
    return out
