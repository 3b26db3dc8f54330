"""GPU benchmark (issue 4): the seed model's general equilibrium in float32 with JAX.

Run: python benchmarks/bench_gpu.py [--quick] [--points N]
(needs the `gpu` extra: pip install -e ".[gpu]", with a CUDA build of jaxlib on a GPU machine)

Times the `--backend jax` kernel (7 structures, existence, argmax) on a square (K, t) grid of
N points (default 10^8 on a GPU, 10^7 on a CPU), after a warm-up call that compiles it:
the device computation alone, and the whole call (transfer of the result to the host and the
float64 check of a random sample of points, which raises if float32 picks another structure
away from a near tie).  The baseline, measured in the same run, is the default NumPy engine
on one core over the first rows of the same grid.  Without a GPU it runs on JAX's CPU device
and says so: that is a check of the script, not the GPU figure.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np


def main() -> None:
    try:
        import jax
    except ImportError:
        print("JAX is not installed (pip install -e '.[gpu]'): GPU benchmark skipped")
        return
    import inframarginal as im
    from inframarginal.backends import (
        _jax_function,
        jax_general_equilibrium,
    )
    from inframarginal.equilibrium import general_equilibrium_at
    from inframarginal.sweep import make_grid

    device = jax.devices()[0]
    on_gpu = device.platform == "gpu"
    points = int(float(sys.argv[sys.argv.index("--points") + 1])) if "--points" in sys.argv else (
        10**8 if on_gpu else 10**6 if "--quick" in sys.argv else 10**7)
    side = math.isqrt(points)
    model = im.load_model("li-ke-2020")
    grid = make_grid(model, {"K": np.linspace(0.05, 1, side), "t": np.linspace(0, 0.9, side)})
    bound, values = grid.kernel, [v for _, v in grid.axes]

    import jax.numpy as jnp

    mesh = [jnp.asarray(values[0].astype(np.float32)[:, None]), jnp.asarray(values[1].astype(np.float32)[None, :])]
    constants = [jnp.float32(c) for c in bound.constants]
    kernel = _jax_function(bound.kernel, bound.split)
    kernel(*mesh, *constants).block_until_ready()  # compile
    device_times = []
    for _ in range(3):
        started = time.perf_counter()
        kernel(*mesh, *constants).block_until_ready()
        device_times.append(time.perf_counter() - started)
    started = time.perf_counter()
    code = jax_general_equilibrium(bound, values)  # transfer + float64 check of a sample
    whole = time.perf_counter() - started

    # baseline in the same run: the NumPy engine (float64, one core) on the first rows
    rows = max(1, 2_000_000 // side)
    started = time.perf_counter()
    reference, _ = general_equilibrium_at(*bound.log_incomes(values[0][:rows, None], values[1][None, :]))
    numpy_rate = rows * side / (time.perf_counter() - started)
    agree = float(np.mean(reference == code[:rows]))

    rate = side * side / min(device_times)

    # random points of the whole 7-D space: no axis structure for the compiler to exploit
    ranges = {"K": (0.05, 1), "t": (0, 0.9), "alpha": (0.05, 0.95), "b": (0.01, 0.4), "F": (0.01, 0.4),
              "e": (0.01, 0.5), "theta": (0.0, 0.5)}
    dense = make_grid(model, {k: np.array(r) for k, r in ranges.items()}).kernel
    rng = np.random.default_rng(0)
    sample = [rng.uniform(lo, hi, side * side).astype(np.float32) for lo, hi in ranges.values()]
    arrays = [jnp.asarray(a) for a in sample]
    dense_constants = [jnp.float32(c) for c in dense.constants]
    dense_kernel = _jax_function(dense.kernel, dense.split)
    dense_code = dense_kernel(*arrays, *dense_constants).block_until_ready()
    dense_times = []
    for _ in range(3):
        started = time.perf_counter()
        dense_kernel(*arrays, *dense_constants).block_until_ready()
        dense_times.append(time.perf_counter() - started)
    dense_rate = side * side / min(dense_times)
    check = slice(0, 200_000)
    dense_reference, _ = general_equilibrium_at(*dense.log_incomes(*[a[check].astype(np.float64) for a in sample]))
    dense_agree = float(np.mean(dense_reference == np.asarray(dense_code)[check]))
    label = f"{device.device_kind} ({device.platform})" if on_gpu else "JAX on the CPU (no GPU here: not the GPU figure)"
    print(f"JAX float32 general equilibrium, seed model, {side}x{side} = {side * side:.3g} points on {label}: "
          f"{rate:.3g} points/s on the device (target >= 2e9/s on a GPU at >= 1e8 points); whole call "
          f"with transfer and float64 sample check {side * side / whole:.3g} points/s; NumPy engine on one "
          f"core in the same run {numpy_rate:.3g} points/s ({rate / numpy_rate:.1f}x); float32 argmax equals "
          f"float64 on {agree:.6%} of the {rows * side:,} baseline points")
    print(f"JAX float32, seed model, {side * side:.3g} random points of the 7-D parameter space on {label}: "
          f"{dense_rate:.3g} points/s on the device; float32 argmax equals float64 on {dense_agree:.4%} of "
          f"{check.stop:,} of them")


if __name__ == "__main__":
    main()
