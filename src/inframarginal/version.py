"""The package's version, in a module of its own.

Submodules read it from here rather than from the package root, so that no module
imports the package that contains it (the root is a facade above every layer).
"""

__version__ = "0.1.0"
