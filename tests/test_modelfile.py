import copy
import tomllib
from importlib import resources

import pytest

import inframarginal as im
from inframarginal.api import read_model_text  # the facade: models with .solve()
from inframarginal.errors import ModelFileError, ParameterError, UnknownModelError

SEED = resources.files("inframarginal.models").joinpath("li-ke-2020.toml").read_text("utf-8")


def spec():
    return tomllib.loads(SEED)


def test_python_api_and_model_file_build_the_same_model():
    from_file = im.load_model("li-ke-2020")
    from_python = im.build_model(spec(), source="<built-in li-ke-2020>")
    assert from_python == from_file


def test_parameters_have_names_defaults_domains_and_descriptions():
    model = im.load_model("li-ke-2020")
    assert [p.name for p in model.parameters] == ["K", "t", "alpha", "b", "F", "e", "theta"]
    assert all(p.description for p in model.parameters)
    values = model.check_parameters(K=0.5, t=0.5, alpha=0.4, e=0.2, theta=0.1)
    assert values["k"] == pytest.approx(0.25)
    assert values["beta"] == pytest.approx(0.5)


@pytest.mark.parametrize("change, key, fragment", [
    (lambda s: s["technologies"]["x"][1].update(output="z**alpha * (l - G)"), "technologies.x[1].output", "unknown name 'G'"),
    (lambda s: s["technologies"].pop("y"), "technologies.y", "has no technology"),
    (lambda s: s["parameters"]["K"].update(domain="(1, 0)"), "parameters.K.domain", "empty"),
    (lambda s: s["parameters"]["K"].update(default=3), "parameters.K.default", "outside the domain"),
    (lambda s: s["derived"].update(k="(1 - t) * * K"), "derived.k", "not a valid formula"),
    (lambda s: s["structures"].update(PC=["(x/q)"]), "structures.PC", "not a configuration"),
    (lambda s: s["structures"].update(PC=["(x/y)", "(x/yz)[x=cluster]"]), "structures.PC", "one kind of seller"),
    (lambda s: s["technologies"]["x"][0].update(output="F"), "technologies.x[0].output", "own labour"),
    (lambda s: s.update(extra={}), "extra", "unknown section"),
])
def test_mistakes_name_file_key_text_and_expectation(change, key, fragment):
    bad = copy.deepcopy(spec())
    change(bad)
    with pytest.raises(ModelFileError) as err:
        im.build_model(bad, source="my.toml")
    message = str(err.value)
    assert message.startswith(f"my.toml: {key}")
    assert fragment in message


def test_broken_toml_is_reported_with_its_source():
    with pytest.raises(ModelFileError, match="bad.toml: not valid TOML"):
        read_model_text("[model\nname=", source="bad.toml")


def test_unknown_model_and_bad_values():
    with pytest.raises(UnknownModelError, match="unknown model 'nope'"):
        im.load_model("nope")
    model = im.load_model("li-ke-2020")
    with pytest.raises(ParameterError, match=r"K=1.5 is outside its domain \(0, 1\]"):
        model.check_parameters(K=1.5)
    with pytest.raises(ParameterError, match="unknown parameter 'Q'"):
        model.check_parameters(Q=1)
    with pytest.raises(ParameterError, match="not a number"):
        model.check_parameters(K="a lot")


def test_model_file_on_disk(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text(SEED.replace('name = "li-ke-2020"', 'name = "mine"'))
    assert im.load_model(path).name == "mine"


# -- limits (attacker review): each of these used to hang, exhaust memory or end in a traceback


def one_line_error(text, source="evil.toml"):
    with pytest.raises(ModelFileError) as err:
        read_model_text(text, source=source)
    message = str(err.value)
    assert "\n" not in message and len(message) <= 300, message
    return message


@pytest.mark.parametrize("old, new, key, fragment", [
    ('output = "l - F"', 'output = "l**(10**10**10)"', "technologies.x[0].output", "exponent 10000000000 is too large"),
    ('output = "l - F"', 'output = "l**(k**(10**9))"', "technologies.x[0].output", "exponent 1000000000 is too large"),
    ('output = "l - F"', 'output = "l**1e308"', "technologies.x[0].output", "'1e308' is out of range"),
    ('output = "l - F"', 'output = "l**1e400"', "technologies.x[0].output", "'1e400' is not finite"),
    ('output = "l - F"', 'output = "l * 1e400"', "technologies.x[0].output", "'1e400' is not finite"),
    ('output = "l - F"', 'output = "l**(2**2**2**2**2)"', "technologies.x[0].output", "exponent 65536 is too large"),
    ('formula = "(1 - t) * K"', 'formula = "9**9**9"', "derived.k", "exponent 387420489 is too large"),
    ('trading_efficiency = "k"\ndescription = "final good (high-end)"',
     'trading_efficiency = "9**9**9"\ndescription = "final good (high-end)"',
     "goods.x.trading_efficiency", "exponent 387420489 is too large"),
    ("weights = { x = 1, y = 1 }", "weights = { x = -1, y = 1 }", "utility.weights.x", "must be a non-negative number"),
    ("weights = { x = 1, y = 1 }", "weights = { x = 1, y = '1 - 2*K' }", "utility.weights.y", "at the default parameters"),
    ('formula = "(1 - t) * K"', 'formula = "log(t - 0.2)"', "derived.k", "not a finite real number"),
    ('formula = "(1 - t) * K"', 'formula = "sqrt(t - 0.5)"', "derived.k", "not a finite real number"),
    ('description = "final good"', "description = [[[[[[[[1]]]]]]]]", "goods.y.description[0][0][0][0][0]",
     "nest more than 8 deep"),
    ('description = "final good"', "description = 1", "goods.y.description", "expected a string"),
    ('name = "plain"\noutput = "l - F"', 'name = "a]b"\noutput = "l - F"', "technologies.x[0].name", "not allowed"),
])
def test_model_file_limits_and_checks_name_the_key(old, new, key, fragment):
    assert old in SEED
    message = one_line_error(SEED.replace(old, new, 1))
    assert message.startswith(f"evil.toml: {key}: ")
    assert fragment in message


def test_nested_parentheses_in_a_formula_give_a_short_error_naming_key_and_limit():
    formula = "(" * 100_000 + "l" + ")" * 100_000
    message = one_line_error(SEED.replace('output = "l - F"', f'output = "{formula}"', 1))
    assert message.startswith("evil.toml: technologies.x[0].output: ")
    assert "too long: 200001 characters (at most 1000)" in message


@pytest.mark.parametrize("text, fragment", [
    ("a = " + "[" * 100_000 + "]" * 100_000, "nest more than 32 deep (line 1)"),
    ("a = " + "{b = " * 10_000 + "1" + "}" * 10_000, "nest more than 32 deep (line 1)"),
    ("[model]\n" + "a" + ".a" * 100_000 + " = 1", "dotted key has more than 16 parts (line 2)"),
    ("[" + "a." * 10_000 + "a]", "dotted key has more than 16 parts"),
])
def test_deeply_nested_toml_is_refused_before_tomllib_recurses(text, fragment):
    assert fragment in one_line_error(text)


def test_brackets_and_dots_in_strings_and_comments_do_not_count_as_nesting():
    text = SEED.replace('description = "final good"', 'description = "[[[[a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r" # {{{{{{', 1)
    assert read_model_text(text).good("y").description.startswith("[[[[")


def test_a_50_megabyte_file_is_refused_before_it_is_read(tmp_path):
    path = tmp_path / "huge.toml"
    with path.open("w") as fh:
        fh.write(SEED)
        fh.write("# padding\n" * 5_000_000)
    with pytest.raises(ModelFileError) as err:
        im.load_model(path)
    assert "at most 1000000 are read" in str(err.value) and "50" in str(err.value)
    with pytest.raises(ModelFileError, match="at most 1000000 are read"):
        read_model_text(SEED + "#" * 1_000_000)


def goods_spec(n_goods, n_tech=1):
    goods = [f"g{i}" for i in range(n_goods)]
    return {
        "model": {"name": "many"},
        "parameters": {"b": {"default": 0.01, "domain": "(0, 0.1)"}, "k": {"default": 0.5, "domain": "(0, 1]"}},
        "goods": {g: {"trading_efficiency": "k"} for g in goods},
        "utility": {"weights": {g: 1 for g in goods}},
        "technologies": {g: [{"name": f"t{j}", "output": "l - b"} for j in range(n_tech)] for g in goods},
    }


@pytest.mark.parametrize("n_goods, n_tech, key, fragment", [
    (11, 1, "goods", "11 goods; a model may have at most 10"),
    (3, 11, "technologies", "33 technologies; a model may have at most 32"),
    (8, 2, "goods", "configurations; a model may allow at most 200000"),
])
def test_models_too_large_to_enumerate_are_refused_before_enumerating(n_goods, n_tech, key, fragment):
    with pytest.raises(ModelFileError) as err:
        im.build_model(goods_spec(n_goods, n_tech), source="big.toml")
    assert str(err.value).startswith(f"big.toml: {key}: ")
    assert fragment in str(err.value)


def test_four_goods_are_still_allowed():
    from inframarginal.configurations import configurations

    # All 4 goods consumed, one technology each: autarky, or produce a set P of k < 4 goods, sell
    # one of them (k ways) and buy the rest: 1 + sum_k C(4, k) * k = 1 + 4 + 12 + 12 = 29.
    assert len(configurations(im.build_model(goods_spec(4)))) == 29


def test_derived_parameter_that_is_not_finite_at_a_point_is_a_parameter_error():
    text = SEED.replace('formula = "(1 - t) * K"', 'formula = "K / (0.5 - t)"', 1)
    model = read_model_text(text)
    with pytest.raises(ParameterError, match=r"derived parameter k = 'K / \(0.5 - t\)' is not a finite real number"):
        model.check_parameters(t=0.5)


def test_cli_reports_a_hostile_model_file_on_one_line(tmp_path):
    from click.testing import CliRunner

    from inframarginal.cli import main

    path = tmp_path / "evil.toml"
    path.write_text(SEED.replace('output = "l - F"', 'output = "l**(10**10**10)"', 1))
    result = CliRunner().invoke(main, ["solve", str(path)])
    assert result.exit_code == 2
    assert result.output.startswith("error: ") and result.output.count("\n") == 1
    assert "technologies.x[0].output" in result.output and "at most 100" in result.output


CONSTRAINED = SEED.replace("[goods.x]", '[constraints]\nfixed_costs = "F + 2*b < 1"\n\n[goods.x]', 1)


def test_constraints_across_parameters_are_checked_with_every_parameter_check(tmp_path):
    model = read_model_text(CONSTRAINED, source="c.toml")
    assert model.check_parameters(F=0.5, b=0.2)["b"] == 0.2  # 0.9 < 1
    with pytest.raises(ParameterError) as err:
        model.check_parameters(F=0.5, b=0.25)  # 1.0 < 1 fails: the bound is strict
    assert str(err.value) == (
        "constraint fixed_costs ('F + 2*b < 1') does not hold: 1 < 1 is false at F=0.5, b=0.25")
    with pytest.raises(ParameterError, match="constraint fixed_costs"):
        model.solve(F=0.9, b=0.3)
    from click.testing import CliRunner

    from inframarginal.cli import main

    path = tmp_path / "c.toml"
    path.write_text(CONSTRAINED.replace('name = "li-ke-2020"', 'name = "constrained"'))
    result = CliRunner().invoke(main, ["solve", str(path), "--set", "F=0.9", "--set", "b=0.3"])
    assert result.exit_code == 2
    assert result.output.startswith("error: constraint fixed_costs ('F + 2*b < 1') does not hold: 1.5 < 1")


@pytest.mark.parametrize("constraint, fragment", [
    ('"F + 2*b"', "is not one comparison with < <= > or >="),
    ('"F < b < 1"', "is not one comparison"),
    ('"F == 1"', "is not one comparison"),
    ('"G < 1"', "unknown name 'G'"),
    ("3", "must be an inequality string"),
    ('"F + 2*b > 1"', "the default values break it: constraint fixed_costs ('F + 2*b > 1') does not hold: 0.4 > 1"),
])
def test_malformed_constraints_name_the_constraint(constraint, fragment):
    text = SEED.replace("[goods.x]", f"[constraints]\nfixed_costs = {constraint}\n\n[goods.x]", 1)
    message = one_line_error(text, source="c.toml")
    assert message.startswith("c.toml: constraints.fixed_costs: ")
    assert fragment in message


def test_show_lists_the_constraints(tmp_path):
    import json

    from click.testing import CliRunner

    from inframarginal.cli import main

    path = tmp_path / "c.toml"
    path.write_text(CONSTRAINED.replace('name = "li-ke-2020"', 'name = "constrained"'))
    result = CliRunner().invoke(main, ["show", str(path), "--format", "json"])
    assert json.loads(result.output)["constraints"] == {"fixed_costs": "F + 2*b < 1"}
    assert "constraint fixed_costs: F + 2*b < 1" in CliRunner().invoke(main, ["show", str(path)]).output


# -- every mistake at once


def three_mistakes():
    bad = copy.deepcopy(spec())
    bad["parameters"]["K"]["domain"] = "0 to 1"          # not an interval
    bad["goods"]["y"]["colour"] = "red"                   # unknown key
    bad["utility"]["weights"]["x"] = -1                   # negative weight
    return bad


def test_independent_mistakes_are_all_reported_each_with_its_key():
    with pytest.raises(ModelFileError) as err:
        im.build_model(three_mistakes(), source="my.toml")
    errors = err.value.errors
    # In file order: parameters, then goods (x's weight is checked with good x, before y).
    assert [e.key for e in errors] == ["parameters.K.domain", "utility.weights.x", "goods.y.colour"]
    assert all(e.source == "my.toml" for e in errors)
    assert "is not an interval" in str(errors[0])
    assert "non-negative" in str(errors[1])
    assert "unknown key (expected trading_efficiency, description)" in str(errors[2])
    # The message starts with the first mistake, as a single mistake's would.
    assert str(err.value) == f"{errors[0]} (and 2 more errors)"
    assert (err.value.source, err.value.key) == ("my.toml", "parameters.K.domain")


def test_a_single_mistake_is_its_own_list():
    bad = copy.deepcopy(spec())
    bad["goods"]["y"]["colour"] = "red"
    with pytest.raises(ModelFileError) as err:
        im.build_model(bad, source="my.toml")
    assert err.value.errors == (err.value,)
    assert str(err.value) == "my.toml: goods.y.colour: unknown key (expected trading_efficiency, description)"


def test_a_failed_entry_does_not_cascade_into_its_users():
    bad = copy.deepcopy(spec())
    # K is broken; the derived k = (1 - t) * K and every good's trading efficiency k use it,
    # and t is broken too: none of them may add an "unknown name" or a value error.
    bad["parameters"]["K"]["default"] = "high"
    bad["parameters"]["t"]["domain"] = "[1, 0)"
    with pytest.raises(ModelFileError) as err:
        im.build_model(bad, source="my.toml")
    assert [e.key for e in err.value.errors] == ["parameters.K.default", "parameters.t.domain"]


def test_a_failed_technology_does_not_report_its_good_as_without_technology():
    bad = copy.deepcopy(spec())
    bad["technologies"]["y"][0]["output"] = "b"  # no l
    bad["technologies"]["z"][0]["speed"] = 2
    with pytest.raises(ModelFileError) as err:
        im.build_model(bad, source="my.toml")
    assert [e.key for e in err.value.errors] == ["technologies.y[0].output", "technologies.z[0].speed"]


def test_limits_still_stop_at_once_with_what_was_found_before():
    bad = copy.deepcopy(spec())
    bad["extra"] = {}
    bad["parameters"] = {f"p{i}": {"default": 1, "domain": "nonsense"} for i in range(101)}
    with pytest.raises(ModelFileError) as err:
        im.build_model(bad, source="my.toml")
    # The 101 bad domains are not checked one by one: the count stops the build.
    assert [e.key for e in err.value.errors] == ["extra", "parameters"]
    assert "at most 100" in str(err.value.errors[1])


def test_cli_prints_one_line_per_mistake(tmp_path):
    from click.testing import CliRunner

    from inframarginal.cli import main

    path = tmp_path / "three.toml"
    text = (SEED.replace('domain = "(0, 1]"', 'domain = "0 to 1"', 1)
            .replace('description = "final good"\n', 'description = "final good"\ncolour = "red"\n', 1)
            .replace("weights = { x = 1, y = 1 }", "weights = { x = -1, y = 1 }"))
    path.write_text(text)
    result = CliRunner().invoke(main, ["show", str(path)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert [line.split(": ")[2] for line in lines] == ["parameters.K.domain", "utility.weights.x", "goods.y.colour"]
    assert all(line.startswith(f"error: {path}: ") for line in lines)


def test_cli_prints_at_most_twenty_mistakes(tmp_path):
    from click.testing import CliRunner

    from inframarginal.cli import main

    extra = "".join(f'\n[parameters.p{i}]\ndefault = 1\ndomain = "bad"\n' for i in range(25))
    path = tmp_path / "many.toml"
    path.write_text(SEED.replace("\n[derived]", extra + "\n[derived]", 1))
    result = CliRunner().invoke(main, ["show", str(path)])
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert len(lines) == 21
    assert lines[0].startswith(f"error: {path}: parameters.p0.domain: ")
    assert lines[19].startswith(f"error: {path}: parameters.p19.domain: ")
    assert lines[20] == "error: ... and 5 more"


def test_several_mistakes_keep_the_message_on_one_short_line():
    from inframarginal.errors import MAX_MESSAGE

    long = ModelFileError("w" * 280, "my.toml", "parameters.K")  # 280 + 24 characters: cut to 300
    short = ModelFileError("missing", "my.toml", "goods.x.trading_efficiency")
    assert len(str(long)) == MAX_MESSAGE
    # No room for the count after a long first message: the first message is not cut further.
    assert str(ModelFileError.combine([long, short])) == str(long)
    assert str(ModelFileError.combine([short, long])) == f"{short} (and 1 more error)"
    # Combining flattens: an error holding several contributes each.
    both = ModelFileError.combine([short, long])
    assert ModelFileError.combine([both, short]).errors == (short, long, short)


def test_every_bad_structure_is_reported():
    bad = copy.deepcopy(spec())
    bad["structures"]["PC"] = ["(x/q)"]
    bad["structures"]["CCA"] = ["(x/yz)[x=cluster]", "(x/y)"]
    with pytest.raises(ModelFileError) as err:
        im.build_model(bad, source="my.toml")
    assert [e.key for e in err.value.errors] == ["structures.PC", "structures.CCA"]
    assert "not a configuration" in str(err.value.errors[0])
    assert "one kind of seller" in str(err.value.errors[1])


@pytest.mark.parametrize("efficiency", ["0", "-0.5", "k - 2"])
def test_a_trading_efficiency_that_is_not_positive_is_refused(efficiency):
    # found by the fuzzer: trading_efficiency = 0 reached the numeric path as log(0)
    text = resources.files("inframarginal.models").joinpath("yang-2001-specialization.toml").read_text("utf-8")
    text = text.replace('trading_efficiency = "k"', f'trading_efficiency = "{efficiency}"', 1)
    with pytest.raises(ModelFileError, match=r"goods\.x\.trading_efficiency: .*must be positive"):
        read_model_text(text)
