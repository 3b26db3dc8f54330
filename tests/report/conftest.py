import pytest


@pytest.fixture
def small_report(monkeypatch):
    """Shrink grids and samples so that a whole report runs in seconds (same code paths)."""
    from inframarginal.report import claims, domain, table1, table2

    monkeypatch.setattr(table2, "GRID", 30)
    monkeypatch.setattr(table2, "PATHS", table2.PATHS[:1])
    monkeypatch.setattr(claims, "SIGN_SAMPLES", 1500)
    monkeypatch.setattr(claims, "APPEAR_SAMPLES", 3000)
    monkeypatch.setattr(claims, "LINES", 20)
    monkeypatch.setattr(claims, "STEPS", 30)
    monkeypatch.setattr(domain, "DOMAIN_SAMPLES", 3000)
    monkeypatch.setattr(table1, "SAMPLES", 16)
