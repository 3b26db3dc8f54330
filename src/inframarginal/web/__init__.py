"""The explorer: ``inframarginal serve``, a local web app over the engine.

See :func:`inframarginal.web.app.create_app`.
"""

from __future__ import annotations

from inframarginal.web.app import create_app

__all__ = ["create_app"]
