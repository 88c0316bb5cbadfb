"""Time gradient_check against bare cost evaluations, the seed's loop and SciPy's check_grad.

Run with ``.venv/bin/python benchmarks/bench_check.py`` (needs the ``bench`` extra for SciPy).
It prints two Markdown tables and writes them to ``benchmarks/results_check.md``:

1. full mode at n ≈ 33, 1.1k and 10k parameters: gradient_check / 2n bare cost evaluations,
   the seed's copy-θ-and-rebuild-the-dict loop / gradient_check, scipy check_grad / gradient_check;
2. full, sample and directional modes (and the seed's loop, and check_grad) at 1.1k and 10k
   parameters: cost evaluations, time, and how many catalog bugs each catches.

One BLAS thread; each ratio is the median over alternating pairs of runs.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from functools import partial  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from scipy.optimize import check_grad  # noqa: E402  (the bench extra)

from gradcheck_lib import (  # noqa: E402
    dictionary_to_vector,
    gradient_check,
    gradients_to_vector,
    relative_difference,
    vector_to_dictionary,
)
from gradcheck_lib.bugs import CATALOG, check_network  # noqa: E402
from gradcheck_lib.network import (  # noqa: E402
    NetworkSettings,
    backward_propagation,
    cost_function,
    forward_propagation,
    init_parameters,
    make_dataset,
)

#: Hidden sizes giving n = 4h + 1 parameters on 2-D inputs: 33, 1.1k and 10k.
SIZES = {"33": 8, "1.1k": 275, "10k": 2500}
EXAMPLES = 16
RESULTS = Path(__file__).with_name("results_check.md")


def problem(hidden: int):
    """Cost, parameters and correct gradients of the reference network with ``hidden`` units."""
    X, Y = make_dataset(m=EXAMPLES, seed=0)
    parameters = init_parameters(n_x=2, n_h=hidden, seed=0)
    _, cache = forward_propagation(X, parameters)
    gradients = backward_propagation(X, Y, cache, parameters)
    return cost_function(X, Y), parameters, gradients


def seed_loop(cost, parameters, gradients, epsilon=1e-7):
    """The seed's gradient check: copy θ and rebuild the dictionary at every step."""
    theta, layout = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients, layout)
    approx = np.zeros_like(theta)
    for i in range(theta.size):
        plus = np.copy(theta)
        plus[i] += epsilon
        minus = np.copy(theta)
        minus[i] -= epsilon
        j_plus = cost(vector_to_dictionary(plus, layout))
        j_minus = cost(vector_to_dictionary(minus, layout))
        approx[i] = (j_plus - j_minus) / (2 * epsilon)
    return relative_difference(grad, approx)


def scipy_check(cost, parameters, gradients):
    """scipy.optimize.check_grad on the same problem (forward differences, returns a norm)."""
    theta, layout = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients, layout)
    return check_grad(lambda t: cost(vector_to_dictionary(t, layout)), lambda t: grad, theta)


def seconds(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def paired_ratio(numerator, denominator, pairs: int) -> float:
    """Median of time(numerator) / time(denominator) over alternating pairs."""
    return statistics.median(seconds(numerator) / seconds(denominator) for _ in range(pairs))


def bare_evaluations(cost, parameters, count: int) -> None:
    """``count`` plain calls of the cost: the floor any checker has to pay."""
    for _ in range(count):
        cost(parameters)


def runners(hidden: int) -> tuple[int, dict]:
    """n, and the four ways of spending 2n-ish cost evaluations on the same problem."""
    cost, parameters, gradients = problem(hidden)
    n = dictionary_to_vector(parameters)[0].size
    return n, {
        "check": partial(gradient_check, cost, parameters, gradients),
        "bare": partial(bare_evaluations, cost, parameters, 2 * n),
        "seed": partial(seed_loop, cost, parameters, gradients),
        "scipy": partial(scipy_check, cost, parameters, gradients),
    }


def speed_table() -> list[str]:
    rows = [
        "| n | gradient_check / 2n bare evaluations | seed loop / gradient_check "
        "| scipy check_grad / gradient_check |",
        "|---|---|---|---|",
    ]
    for label, hidden in SIZES.items():
        n, run = runners(hidden)
        pairs = 5 if n < 2000 else 2
        bare_ratio = paired_ratio(run["check"], run["bare"], pairs)
        seed_ratio = paired_ratio(run["seed"], run["check"], pairs)
        scipy_ratio = paired_ratio(run["scipy"], run["check"], pairs)
        rows.append(f"| {n} ({label}) | {bare_ratio:.3f} | {seed_ratio:.2f} | {scipy_ratio:.2f} |")
        print(rows[-1], flush=True)
    return rows


def modes_table() -> list[str]:
    """Each method timed once on the same problem, back to back; then which bugs each catches."""
    rows = [
        "| n | method | cost evaluations | time (s) | catalog bugs caught |",
        "|---|---|---|---|---|",
    ]
    for label in ("1.1k", "10k"):
        n, run = runners(SIZES[label])
        settings = NetworkSettings(hidden=SIZES[label], m=EXAMPLES)
        for mode in ("full", "sample", "directional"):
            start = time.perf_counter()
            report = run["check"](mode=mode)
            elapsed = time.perf_counter() - start
            caught = sum(
                check_network(settings, bugs=[name], mode=mode).verdict != "excellent"
                for name in CATALOG
            )
            rows.append(
                f"| {label} | gradient_check mode={mode} | {report.evaluations} | "
                f"{elapsed:.3f} | {caught}/{len(CATALOG)} |"
            )
            print(rows[-1], flush=True)
        for method, key, evaluations in (
            ("seed loop (copy θ, rebuild dict)", "seed", 2 * n),
            ("scipy check_grad", "scipy", n + 1),
        ):
            rows.append(f"| {label} | {method} | {evaluations} | {seconds(run[key]):.3f} | — |")
        print("\n".join(rows[-2:]), flush=True)
    return rows


def main() -> None:
    header = (
        f"Measured on {platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, one BLAS thread, {os.cpu_count()} cores, m = {EXAMPLES}."
    )
    print(header)
    speed = speed_table()
    modes = modes_table()
    RESULTS.write_text(
        "# gradient_check benchmarks\n\n"
        + header
        + "\n\n## Full mode\n\n"
        + "\n".join(speed)
        + "\n\n## Modes\n\n"
        + "\n".join(modes)
        + "\n"
    )
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
