"""A certification's reason carries its suggestion as structured advice, written at each edge:
Python words from the API, flags on the command line (text and JSON), plain words in the explorer.

The certification fails here on purpose: a welfare bound that no candidate reaches (forced)
and a certification budget of 0 orbit representatives, so that the orbit search is refused.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from click.testing import CliRunner

import inframarginal as im
import inframarginal.search as search
from inframarginal.cli import main
from inframarginal.cli.flags import flag_words
from inframarginal.errors import LARGER, Advice, SweepError
from inframarginal.results import Certification
from inframarginal.web.words import error_in_plain_words, in_plain_words, plain_words

#: A point of yang-2001-roundabout where a structure outside the studied four is the GE
#: (tests/test_invariants.py): its deviation note suggests every structure.
OUTSIDE = {"k": 0.6701003044670395, "a": 1.0553097317404574, "alpha": 0.6080520693272814}


@pytest.fixture
def uncertified(monkeypatch):
    """``search.certify`` fails for lack of budget wherever an edge calls it."""
    real_bound, real_certify = search.bound_search, search.certify

    def unreached(model, arrays, keep=10):
        return dataclasses.replace(real_bound(model, arrays, keep), gap=0.05)

    monkeypatch.setattr(search, "bound_search", unreached)
    monkeypatch.setattr(search, "certify", lambda model, values=None, **kw: real_certify(model, values, limit=0))
    monkeypatch.setenv("INFRAMARGINAL_NUMERIC_CACHE", "0")  # no stored certificate answers instead


def test_the_reason_is_advice_in_python_words(uncertified):
    cert = search.certify(im.load_model("yang-2001-roundabout"))
    assert not cert.certified and isinstance(cert.reason, Advice)
    assert cert.reason.use == (("method", "search"),)  # the certification's own limit is nobody's to raise
    assert cert.reason.body.startswith("the welfare bound exceeds the best candidate by 0.05; the model has ")
    assert cert.summary().endswith("more than the limit of 0; use method='search'")
    assert "method='search'" in repr(cert)
    assert cert.summary(flag_words).endswith("; use --method search")
    assert cert.to_dict(plain_words)["summary"].endswith("; use the search method")


def test_a_stored_certification_reads_back_the_same(uncertified):
    cert = search.certify(im.load_model("yang-2001-roundabout"))
    back = Certification.from_dict(json.loads(json.dumps(cert.to_dict())))
    assert back == cert and back.reason.use == cert.reason.use
    assert back.summary(flag_words) == cert.summary(flag_words)
    with pytest.raises(ValueError):  # stored before the reason was advice: not read, recomputed
        Certification.from_dict({k: v for k, v in cert.to_dict().items() if k != "advice"})


def test_advice_with_a_limit_to_raise_survives_json():
    note = Advice("too many", use=(("limit", LARGER), ("method", "search")))
    back = Advice.from_dict(json.loads(json.dumps(note.to_dict())))
    assert back == note and back.use == note.use and back.use[0][1] is LARGER
    with pytest.raises(ValueError):
        Advice.from_dict({"text": "x", "use": [["method"]]})


def test_the_command_line_writes_the_certification_with_its_flags(uncertified):
    out = CliRunner().invoke(main, ["solve", "yang-2001-roundabout"])
    assert out.exit_code == 0, out.output
    line = next(x for x in out.output.splitlines() if x.startswith("certification: "))
    assert line.startswith("certification: not certified: the welfare bound exceeds")
    assert line.endswith("; use --method search") and "method='search'" not in out.output
    out = CliRunner().invoke(main, ["solve", "yang-2001-roundabout", "--format", "json"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)["certification"]
    assert data["summary"].endswith("; use --method search") and data["reason"].endswith("; use --method search")
    assert data["advice"]["use"] == [["method", "search"]]


def test_notes_in_json_name_the_flag():
    args = ["solve", "yang-2001-roundabout", "--format", "json",
            *[x for k, v in OUTSIDE.items() for x in ("--set", f"{k}={v!r}")]]
    out = CliRunner().invoke(main, args)
    assert out.exit_code == 0, out.output
    notes = json.loads(out.output)["general_equilibrium"]["notes"]
    assert any(n.endswith("structure not studied here; use --all-structures") for n in notes), notes
    assert "structures='all'" not in out.output
    # The API's dict keeps Python words.
    sol = im.load_model("yang-2001-roundabout").solve(**OUTSIDE)
    assert any(n.endswith("use structures='all'") for n in sol.to_dict()["general_equilibrium"]["notes"])


def test_the_explorer_writes_settings_in_plain_words(uncertified):
    from inframarginal.web.payloads import solution_payload

    model = im.load_model("yang-2001-roundabout")
    payload = solution_payload(model, model.solve())
    summary = payload["certification"]["summary"]
    assert summary.endswith("; use the search method")
    assert "method=" not in summary and "--method" not in summary
    assert in_plain_words(Advice("not studied", use=(("structures", "all"),))) == (
        "not studied; use all structures of the model")
    assert error_in_plain_words(SweepError("too many", field="points", value=9, use=(("limit", LARGER),))) == (
        "points 9: too many; use a larger limit of structures")


def test_a_path_writes_its_certification_in_each_edges_words(uncertified):
    from inframarginal.path import structure_path

    path = structure_path(im.load_model("yang-2001-roundabout"), "k", 0.5, 0.9, points=5)
    assert isinstance(path.certification, Advice)
    assert repr(path).endswith("; use method='search'")
    assert path.to_dict(flag_words)["certification"].endswith("; use --method search")
    out = CliRunner().invoke(main, ["path", "yang-2001-roundabout", "--vary", "k=0.5:0.9", "--points", "5"])
    assert out.exit_code == 0, out.output
    assert out.output.rstrip().endswith("; use --method search") and "method='search'" not in out.output


def test_a_sweep_keeps_text_attributes_and_its_advice_for_the_explorer(uncertified, tmp_path):
    import numpy as np

    from inframarginal.sweep import write_netcdf

    ds = im.load_model("yang-2001-roundabout").sweep({"k": np.linspace(0.5, 0.9, 3)})
    assert type(ds.attrs["certification"]) is str and ds.attrs["certification"].endswith("; use method='search'")
    write_netcdf(ds, tmp_path / "s.nc")  # NetCDF holds text only
    explorer = in_plain_words(ds.attrs["certification"], ds.attrs["certification_advice"])
    assert explorer.endswith("; use the search method") and explorer.startswith("certified against all structures")


def test_a_reason_given_as_plain_text_is_advice_without_settings():
    cert = Certification(False, None, None, None, None, False, "", None, "no reason to suggest anything")
    assert isinstance(cert.reason, Advice) and cert.reason.use == ()
    assert cert.summary(flag_words) == cert.summary() == "not certified: no reason to suggest anything"
