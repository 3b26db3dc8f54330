import pytest

import inframarginal as im


@pytest.fixture(scope="session")
def seed():
    return im.load_model("li-ke-2020")
