"""Sphinx configuration of the inframarginal documentation.

Why these extensions:

* ``sphinx.ext.autodoc`` + ``sphinx.ext.napoleon``: the API reference comes from the
  docstrings, which are written in the numpydoc style; napoleon reads that style without
  numpydoc's strict validation, so a docstring that is clear but not formally complete
  does not fail the build (warnings are errors here).
* ``myst_nb``: the narrative pages are Markdown (MyST) and the example notebooks are
  executed during every build (``nb_execution_mode = "force"``), so a notebook that no
  longer runs fails the build; nbsphinx would need pandoc, which pip cannot install.
* ``sphinx_click``: the command-line reference is generated from the click commands, so
  it cannot drift from ``inframarginal --help``.
* ``sphinx.ext.doctest`` is not used: the docstring examples run under pytest
  (``tests/quality/test_doctests.py``), which the README's test command runs.
"""

from __future__ import annotations

import os
import re
import tempfile
from importlib.metadata import version as _version

project = "inframarginal"
author = "The inframarginal maintainers"
copyright = "2026, The inframarginal maintainers"
release = _version("inframarginal")
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "myst_nb",
    "sphinx_click",
]

source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**.ipynb_checkpoints", "jupyter_execute"]
root_doc = "index"

# -- autodoc / napoleon ------------------------------------------------------------------
autodoc_default_options = {"members": True, "member-order": "bysource", "show-inheritance": True}
autodoc_typehints = "description"
autodoc_typehints_format = "short"
autodoc_preserve_defaults = True
napoleon_google_docstring = False
napoleon_numpy_docstring = True
napoleon_use_rtype = False
# A docstring's reference list may hold entries its own text does not cite (see the hook below).
suppress_warnings = ["ref.citation"]

# -- MyST and notebooks ------------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
nb_execution_mode = "force"  # run every notebook on every build: a broken one fails it
nb_execution_raises_on_error = True
nb_execution_timeout = 180
nb_merge_streams = True
# The closed forms are cached on disk; keep the docs build's cache out of the user's home.
os.environ.setdefault("INFRAMARGINAL_CACHE", os.path.join(tempfile.gettempdir(), "inframarginal-docs-cache"))

# -- HTML ----------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"inframarginal {release}"
html_static_path: list[str] = []
html_theme_options = {"description": "Infra-marginal general-equilibrium analysis", "fixed_sidebar": True}


# -- numpydoc-style references ---------------------------------------------------------------
# Docstrings cite their References as ``[1]_`` with ``.. [1]`` targets. Several docstrings on
# one page would define the same target (a duplicate), and a function may cite its module's
# list: give each docstring's targets its own names, and leave unmatched citations as text.
_TARGET = re.compile(r"^(\s*)\.\. \[([^\]]+)\]", re.MULTILINE)
_CITE = re.compile(r"\[([0-9A-Za-z]+)\]_")


def _own_citations(app, what, name, obj, options, lines):  # noqa: ARG001 (Sphinx's signature)
    text = "\n".join(lines)
    prefix = re.sub(r"\W+", "-", name)
    labels = {m.group(2) for m in _TARGET.finditer(text)}
    text = _TARGET.sub(lambda m: f"{m.group(1)}.. [{prefix}-{m.group(2)}]", text)
    text = _CITE.sub(lambda m: f"[{prefix}-{m.group(1)}]_" if m.group(1) in labels else f"[{m.group(1)}]", text)
    lines[:] = text.split("\n")


def setup(app):
    app.connect("autodoc-process-docstring", _own_citations)
