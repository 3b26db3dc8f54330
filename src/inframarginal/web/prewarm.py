"""Pre-warming of the explorer's workers, run by importing this module.

The worker pool's forkserver imports it once, before forking any worker: every
built-in model is solved at its defaults (deriving and compiling its closed forms,
read back from the disk cache when present) and the server's default model gets its
first phase diagram; every built-in model's explorer kernel
(:func:`inframarginal.web.kernels.model_kernel`) and the seed paper's printed formulas
are compiled.  Each worker forked afterwards starts warm, so that a
replaced or recycled worker answers built-in models in milliseconds.  The server
itself never imports this module.
"""

from __future__ import annotations

import logging
import os

log = logging.getLogger("inframarginal.web.prewarm")

#: Environment variable naming the model whose first phase diagram is compiled (the
#: server's default model); the forkserver inherits it when it starts.
WARM_PHASE_ENV = "INFRAMARGINAL_WEB_WARM_PHASE"

#: Points per axis of the pre-warmed phase diagram (as the page asks).
WARM_AXIS_POINTS = 200


def prewarm(phase_model: str = "") -> None:
    """Solve every built-in model at its defaults, and compile one phase diagram.

    A failure here only makes the first request of that model slower.
    """
    from inframarginal.equilibrium import solve
    from inframarginal.modelfile import builtin_models, load_model
    from inframarginal.web import kernels
    from inframarginal.web.payloads import slider_range
    from inframarginal.web.worker import op_phase

    names = builtin_models()
    for name in names:
        try:
            model = load_model(name)
            solve(model, {})
            kernels.model_kernel(model)  # every phase diagram and path of the model evaluates it
        except Exception:
            log.debug("pre-warming %s failed", name, exc_info=True)
    _prewarm_printed()
    if phase_model not in names:
        return
    try:
        model = load_model(phase_model)
        if len(model.parameters) >= 2:
            axes = []
            for p in model.parameters[:2]:
                r = slider_range(p)
                axes.append({"name": p.name, "lo": r["min"], "hi": r["max"], "n": WARM_AXIS_POINTS})
            op_phase(model, axes[0], axes[1], {})
    except Exception:
        log.debug("pre-warming the phase diagram of %s failed", phase_model, exc_info=True)


def _prewarm_printed() -> None:
    """Compile the seed paper's printed formulas (the printed-vs-derived view)."""
    from inframarginal.audit.printed import has_printed_results
    from inframarginal.modelfile import builtin_models, load_model
    from inframarginal.web import views
    from inframarginal.web.payloads import slider_range

    for name in builtin_models():
        try:
            if not has_printed_results(name):
                continue
            model = load_model(name)
            axes = []
            for p in model.parameters[:2]:
                r = slider_range(p)
                axes.append({"name": p.name, "lo": r["min"], "hi": r["max"], "n": 2})
            views.printed(model, axes[0], axes[1], axes[0], {})
        except Exception:
            log.debug("pre-warming the printed results of %s failed", name, exc_info=True)


prewarm(os.environ.get(WARM_PHASE_ENV, ""))
