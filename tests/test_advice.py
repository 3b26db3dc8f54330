"""Engine messages in neutral words: Python users read arguments, command-line users flags.

The engine names a field (``points``) and suggests settings (``method='search'``); the
command line (``inframarginal.cli.flags``) writes the same messages with its flags.  Each
pair of tests below meets one message from both sides.
"""

from __future__ import annotations

import pickle

import pytest
from click.testing import CliRunner

import inframarginal as im
from inframarginal.cli import main
from inframarginal.cli.flags import FLAGS, flag_words, in_flags
from inframarginal.errors import (
    LARGER,
    Advice,
    InframarginalError,
    ModelFileError,
    SweepError,
    advise,
)
from inframarginal.path import structure_path
from inframarginal.sweep import parse_variables

#: A point of yang-2001-roundabout where a structure outside the studied four is the GE
#: (tests/test_invariants.py).
OUTSIDE = {"k": 0.6701003044670395, "a": 1.0553097317404574, "alpha": 0.6080520693272814}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_a_setting_is_written_in_python_or_with_its_flag():
    error = SweepError("too many", field="points", value="5", use=(("limit", LARGER), ("method", "search")))
    assert str(error) == "points 5: too many; use a larger limit or method='search'"
    assert in_flags(error) == "--points 5: too many; use a larger --max-structures or --method search"
    # The parts stay readable for code that handles the error.
    assert (error.field, error.value, error.detail) == ("points", "5", "too many")
    assert error.use == (("limit", LARGER), ("method", "search"))


def test_a_switch_and_a_field_without_a_flag():
    assert flag_words("structures", "all") == "--all-structures"
    # Only the switch's own value has a flag: another value keeps its Python words.
    assert flag_words("structures", "studied") == "structures='studied'"
    # A field the command line has no flag for keeps its Python words.
    assert "top_k" not in FLAGS and flag_words("top_k", 3) == "top_k=3"
    assert in_flags(InframarginalError("plain")) == "plain"


def test_errors_without_settings_and_foreign_errors_are_printed_as_they_are():
    assert in_flags(ModelFileError("bad key", source="m.toml", key="goods.x")) == "m.toml: goods.x: bad key"
    assert in_flags(RuntimeError("boom")) == "boom"
    assert advise("text", ()) == "text"


def test_an_error_with_settings_survives_a_worker_process():
    """The explorer's workers send errors back pickled: the settings must come along."""
    error = SweepError("too slow", field="points", value=7, use=(("backend", "numpy"),))
    back = pickle.loads(pickle.dumps(error))
    assert str(back) == str(error) and in_flags(back) == "--points 7: too slow; use --backend numpy"


def test_advice_is_a_string_in_python_words_with_a_flag_rendering():
    note = Advice("not studied here", use=(("structures", "all"),))
    assert note == "not studied here; use structures='all'" and isinstance(note, str)
    assert note.text(flag_words) == "not studied here; use --all-structures" == in_flags(note)


def test_a_general_equilibrium_outside_the_studied_structures_names_the_argument_or_the_flag():
    sol = im.load_model("yang-2001-roundabout").solve(**OUTSIDE)
    assert not sol.deviation.passed
    assert "use structures='all'" in repr(sol) and "--all-structures" not in repr(sol)
    out = run("solve", "yang-2001-roundabout", *[x for k, v in OUTSIDE.items() for x in ("--set", f"{k}={v!r}")])
    assert out.exit_code == 0, out.output
    assert "structure not studied here; use --all-structures" in out.output
    assert "structures='all'" not in out.output


def test_the_points_of_a_path():
    model = im.load_model("yang-2001-specialization")
    with pytest.raises(SweepError) as err:
        structure_path(model, "k", 0.1, 1.0, points=10**9)
    assert str(err.value).startswith("points 1,000,000,000: expected between 3 and")
    out = run("path", "yang-2001-specialization", "--vary", "k=0.1:1", "--points", "1000000000")
    assert out.exit_code == 2 and out.output.startswith("error: --points 1,000,000,000: expected between 3 and")


def test_the_variables_of_a_sweep():
    with pytest.raises(SweepError) as err:
        parse_variables("core,wages")
    assert str(err.value).startswith("variables 'core,wages': 'wages' is not a group of variables")


def test_a_structure_with_types():
    from inframarginal.heterogeneous.structures import find_typed_structure

    model = im.load_model("cheng-sachs-yang-2000-ricardian")
    with pytest.raises(InframarginalError) as err:
        find_typed_structure(model, "home (z/y)")
    assert str(err.value).startswith("structure 'home (z/y)': not a structure of")
    out = run("solve", "cheng-sachs-yang-2000-ricardian", "--structure", "home (z/y)")
    assert out.exit_code == 2 and out.output.startswith("error: --structure 'home (z/y)': not a structure of")


def test_the_numpy_backend_instead_of_a_missing_jax():
    try:
        import jax  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("JAX is installed: nothing is missing")
    from inframarginal.backends import check_backend

    with pytest.raises(InframarginalError) as err:
        check_backend("jax")
    assert str(err.value).endswith("; use backend='numpy'")
    assert in_flags(err.value).endswith("; use --backend numpy")


def test_a_sweep_with_types_over_its_limit_says_what_to_change():
    import numpy as np

    from inframarginal.heterogeneous.phase import typed_sweep

    model = im.load_model("cheng-sachs-yang-2000-ricardian")
    with pytest.raises(SweepError) as err:
        typed_sweep(model, {"M2": np.linspace(0.5, 3, 4), "k": np.linspace(0.5, 1, 3)}, limit=11)
    assert str(err.value) == ("the grid has 12 points, more than the limit of 11 of a sweep with types; "
                              "use fewer points per axis")
