"""The audit's new parts: settings, notation, proofs, the LaTeX Table 1, all structures, cost-benefit."""

import shutil
import subprocess

import numpy as np
import pytest
import sympy as sp

import inframarginal as im
from inframarginal.audit import proofs as P
from inframarginal.audit.latex import standalone
from inframarginal.configurations import find_structure
from inframarginal.errors import InframarginalError
from inframarginal.report.equilibria import all_structures, cost_benefit
from inframarginal.report.notation import in_paper_symbols, paper_form
from inframarginal.report.render import Math
from inframarginal.report.settings import ReportSettings


@pytest.fixture(scope="module")
def model():
    return im.load_model("li-ke-2020")


def _sym(model, name):
    return next(s for s in [p.symbol for p in model.parameters] + [d.symbol for d in model.derived] if s.name == name)


def test_settings_reject_bad_sizes_naming_the_field():
    with pytest.raises(InframarginalError, match="grid=0"):
        ReportSettings(grid=0)
    with pytest.raises(InframarginalError, match="sign_samples='many'"):
        ReportSettings(sign_samples="many")
    with pytest.raises(InframarginalError, match="paths=4"):
        ReportSettings(paths=4)
    with pytest.raises(AttributeError):
        ReportSettings().grid = 5  # frozen


def test_paper_form_orders_terms_like_the_paper(model):
    b, F = _sym(model, "b"), _sym(model, "F")
    text = Math(paper_form(model, (-F - b + 1) ** 2 / 4)).latex()
    assert "1 - b - F" in text and "- F - b + 1" not in text


def test_paper_form_cancels_square_roots_and_keeps_the_value(model):
    k, beta = _sym(model, "k"), _sym(model, "beta")
    s = sp.sqrt(k)
    messy = -(beta - 1) * (beta * s - beta + s + 1) / (beta * (-beta * s + beta * k + s + k))
    tidy = paper_form(model, messy)
    assert sp.simplify(tidy - (1 - beta) / (beta * s)) == 0
    assert sp.count_ops(tidy) < sp.count_ops(messy)


def test_printed_formula_rewritten_in_k(model):
    K, t = _sym(model, "K"), _sym(model, "t")
    out = in_paper_symbols(model, ((1 - t) * K) ** sp.Rational(1, 2) * (1 - t))
    assert out.free_symbols == {_sym(model, "k"), t}


def test_b_below_a_is_proved_and_the_statement_is_true(model):
    from inframarginal.symbolic import display_forms

    ua = display_forms(model, find_structure(model, "A"))["per-capita real income"]
    ub = display_forms(model, find_structure(model, "B"))["per-capita real income"]
    proof = P.autarky_with_intermediate_below_autarky(model, ua, ub)
    assert proof.proved and len(proof.steps) == 3
    # the statement itself, checked by hand at points where B exists: u_B = a^a ((1-2b-F)/(2+a))^(2+a)
    for a, b, F in [(0.5, 0.1, 0.2), (3.0, 0.05, 0.05), (0.01, 0.3, 0.3)]:
        assert a**a * ((1 - 2 * b - F) / (2 + a)) ** (2 + a) < (1 - b - F) ** 2 / 4


def test_ratio_proof_refuses_a_false_ordering(model):
    k, b = _sym(model, "k"), _sym(model, "b")
    intervals = P.model_intervals(model, {"k": (0, 1)})
    assert P.ratio_below_one(model, k * (1 - b), k, intervals, ("S", "T")).proved
    assert not P.ratio_below_one(model, k, k * (1 - b), intervals, ("T", "S")).proved


def test_switch_point_is_where_incomes_are_equal(model):
    k, b, F = _sym(model, "k"), _sym(model, "b"), _sym(model, "F")
    kstar = P.switch_point(model, (1 - b - F) ** 2 / 4, k * (1 - b) * (1 - F) / 4, k)
    value = float(kstar.xreplace({b: 0.1, F: 0.2}))
    assert value == pytest.approx(0.7**2 / (0.9 * 0.8))


def test_cost_benefit_at_cca_names_a_switcher(model):
    point = {"K": 1.0, "t": 0.01, "alpha": 0.85, "b": 0.02, "F": 0.05}
    cb = cost_benefit(model, find_structure(model, "CCA"), point)
    assert cb.exists and not cb.passed
    best = cb.switchers[0]
    # a (x/y) specialist with plain technology at CCA's prices: sells x, buys y
    values = model.check_parameters(point)
    k = values["K"] * (1 - values["t"])
    px, py = cb.prices["x"], cb.prices["y"]
    by_hand = (1 - values["F"]) ** 2 * k * px / py / 4  # Cobb-Douglas: half the income on each good
    assert best.configuration == "(x/y)[x=plain]"
    assert best.utility == pytest.approx(by_hand, rel=1e-6)
    assert best.gain == pytest.approx(by_hand / cb.income - 1, rel=1e-6)


def test_all_structures_ranks_every_structure(model):
    (r,) = all_structures(model, [("defaults", {})])
    assert r.solved == 56
    incomes = [x.income for x in r.ranking]
    assert incomes == sorted(incomes, reverse=True)
    assert r.best.name == "A" and r.best.income == pytest.approx(0.7**2 / 4)
    assert not r.beating_listed()


def test_table1_tex_compiles_with_pdflatex(report_dir, tmp_path):
    text = (report_dir / "table1.tex").read_text()
    assert "Relative price" in text and "\\dagger" in text and "**" not in text and "$$" not in text
    pc = next(line for line in text.splitlines() if line.startswith("\\textbf{PC}"))
    cells = pc.split(" & ")
    assert "p_x/p_y" in cells[1] and "M_x/M_y" in cells[3]
    assert "p_" not in cells[2] and "frac{k" in cells[2]  # the income column holds the income only
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed (Debian: apt-get install texlive-latex-base)")
    (tmp_path / "doc.tex").write_text(standalone(text))
    result = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-2000:]
    assert (tmp_path / "doc.pdf").stat().st_size > 1000
    assert "Overfull \\hbox" not in result.stdout  # fits the page


def test_summary_comes_first_with_kstar_and_contents(report_dir):
    md = (report_dir / "report.md").read_text()
    summary, contents, model = md.index("## Summary"), md.index("## Contents"), md.index("## 1. The model")
    assert summary < contents < model
    head = md[summary:contents]
    assert "k^{*}" in head and "Three things went wrong" in head
    assert "only A and PC are ever the general equilibrium" in head
    html = (report_dir / "report.html").read_text()
    assert 'href="#s-3--table-1--derived-against-printed"' in html


def test_one_colour_per_structure_in_every_figure():
    from inframarginal.phase import structure_colour

    assert structure_colour("PC") != structure_colour("CCA")
    assert structure_colour("some unlisted structure") == structure_colour("some unlisted structure")
    names = ["A", "B", "PA", "PB", "PC", "CCA", "CCB"]
    assert len({structure_colour(n) for n in names}) == len(names)


def test_switch_labels_do_not_overlap():
    from inframarginal.phase import _staggered

    rows = _staggered([0.50, 0.51, 0.52, 0.9], [0.08, 0.08, 0.08, 0.08])
    assert rows[:3] == [0, 1, 2] and rows[3] == 0
    assert np.unique(rows[:3]).size == 3
