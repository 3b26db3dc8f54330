import os
import subprocess
import sys
import tempfile

import pytest

import inframarginal as im

# Keep the closed-form cache of the test run out of the user's home.
os.environ.setdefault("INFRAMARGINAL_CACHE", os.path.join(tempfile.gettempdir(), "inframarginal-test-cache"))


def twin(output: str = "l**a"):
    """The built-in yang-2001-specialization with its technology as a parameter: 'l**a' has a
    closed form, 'exp(a * log(l))' (the same function) only the numeric path.

    Yang (2001, ch. 4): u_A = 2^(-2a), u_D = k/4, so D wins above k = 4^(1 - a).
    """
    spec = dict(im.load_model("yang-2001-specialization").spec)
    spec.update(model={"name": "twin"}, technologies={"x": [{"output": output}], "y": [{"output": output}]})
    return im.build_model(spec)


@pytest.fixture(scope="session")
def twin_model():
    return twin


def run_cli(*args: str, env: dict[str, str], watch: tuple[str, ...] = ("sympy", "scipy")):
    """``inframarginal ARGS`` in a fresh process; its stderr ends with ``MODULES [...]``: which of
    the top-level packages ``watch`` it imported."""
    code = ("import sys; from inframarginal.cli import main\n"
            "try:\n    main(sys.argv[1:], standalone_mode=False)\n"
            f"finally:\n    print('MODULES', sorted({{m.split('.')[0] for m in sys.modules}} & {set(watch)!r}),"
            " file=sys.stderr)")
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env,
                          timeout=300, check=True)


@pytest.fixture(scope="session")
def cli_modules():
    """:func:`run_cli`: a command in a fresh process, with the watched packages it imported."""
    return run_cli
