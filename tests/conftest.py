import os
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
