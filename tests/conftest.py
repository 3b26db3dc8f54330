import os
import tempfile

import pytest

import inframarginal as im

# Keep the closed-form cache of the test run out of the user's home.
os.environ.setdefault("INFRAMARGINAL_CACHE", os.path.join(tempfile.gettempdir(), "inframarginal-test-cache"))

# The two-good model of Yang (2001, ch. 4) with its technology as a parameter: 'l**a' has a
# closed form, 'exp(a * log(l))' (the same function) only the numeric path.
TWIN = {
    "model": {"name": "twin"},
    "parameters": {
        "k": {"default": 0.5, "domain": "(0, 1]", "description": "trading efficiency"},
        "a": {"default": 1.5, "domain": "(1, 3)", "description": "economies of specialization"},
    },
    "goods": {"x": {"trading_efficiency": "k"}, "y": {"trading_efficiency": "k"}},
    "utility": {"weights": {"x": 1, "y": 1}},
    "structures": {"A": ["(xy)"], "D": ["(x/y)", "(y/x)"]},
}


def twin(output: str = "l**a"):
    """Yang (2001, ch. 4): u_A = 2^(-2a), u_D = k/4, so D wins above k = 4^(1 - a)."""
    return im.build_model(dict(TWIN, technologies={"x": [{"output": output}], "y": [{"output": output}]}))


@pytest.fixture(scope="session")
def twin_model():
    return twin
