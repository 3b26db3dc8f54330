"""The examples in the docstrings run and give what they say (the doctests of every module)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import inframarginal
from inframarginal.extras import missing_extra

MODULES = sorted(m.name for m in pkgutil.walk_packages(inframarginal.__path__, "inframarginal."))


def test_every_module_is_listed():
    # a guard against walk_packages finding nothing (the doctests would pass vacuously)
    assert {"inframarginal.model", "inframarginal.sweep", "inframarginal.location.shares"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    try:
        module = importlib.import_module(name)
    except ImportError as err:
        if missing_extra(err) is None:
            raise
        pytest.skip(str(missing_extra(err)))
    finder = doctest.DocTestFinder(exclude_empty=True)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures = []
    for test in finder.find(module, name):
        if not test.examples:
            continue
        runner.run(test, out=failures.append)
    assert not failures, "".join(failures)
