"""The explorer: ``inframarginal serve``, a local web app over the engine.

See :func:`inframarginal.web.app.create_app`.  The app (FastAPI) is imported on
first use, so that the command line can read :mod:`inframarginal.web.limits` cheaply.
"""

from __future__ import annotations

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from inframarginal.web.app import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
