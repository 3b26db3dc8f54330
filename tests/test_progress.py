"""Progress bars appear on long work only (inframarginal.progress)."""

import time

from inframarginal import progress
from inframarginal.progress import Progress


def test_quick_work_draws_nothing(capsys):
    with Progress(1000, unit="pt", desc="quick") as bar:
        for _ in range(10):
            bar.update(100)
    assert bar.done == 1000
    assert capsys.readouterr().err == ""


def test_long_work_draws_a_bar_from_where_it_is(capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.05)
    with Progress(10, unit="pt", desc="long") as bar:
        bar.update(3)  # before the delay: nothing drawn
        assert capsys.readouterr().err == ""
        time.sleep(0.06)
        bar.update(1)  # the bar appears at 4 of 10
        bar.update(6)
    err = capsys.readouterr().err
    assert "long" in err and "10/10" in err and "4/10" in err


def test_disabled_never_draws(capsys, monkeypatch):
    monkeypatch.setattr(progress, "DELAY", 0.0)
    with Progress(10, enabled=False) as bar:
        bar.update(5)
    assert capsys.readouterr().err == ""
