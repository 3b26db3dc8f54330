import pytest


@pytest.fixture
def small_report(monkeypatch):
    """Shrink grids and samples so that a whole report runs in seconds (same code paths)."""
    shrink(monkeypatch)


def shrink(monkeypatch):
    from inframarginal.report import claims, domain, table1, table2

    monkeypatch.setattr(table2, "GRID", 30)
    monkeypatch.setattr(table2, "PATHS", table2.PATHS[:1])
    monkeypatch.setattr(claims, "SIGN_SAMPLES", 1500)
    monkeypatch.setattr(claims, "APPEAR_SAMPLES", 3000)
    monkeypatch.setattr(claims, "LINES", 20)
    monkeypatch.setattr(claims, "STEPS", 30)
    monkeypatch.setattr(domain, "DOMAIN_SAMPLES", 3000)
    monkeypatch.setattr(table1, "SAMPLES", 16)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory):
    """One small report of the seed model, shared by the tests of a module."""
    from inframarginal.report import write_report

    out = tmp_path_factory.mktemp("report") / "a"
    with pytest.MonkeyPatch.context() as mp:
        shrink(mp)
        write_report("li-ke-2020", out, progress=False)
    return out
