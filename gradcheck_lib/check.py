"""gradient_check: compare a backward pass with central differences, and explain the result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

from .compare import classify, relative_difference
from .diagnostics import (
    ErrorModel,
    Pass,
    explain,
    low_precision_note,
    precision_forecast,
    sweep_estimates,
)
from .numeric import DEFAULT_EPSILON, as_cost_value, check_epsilon
from .probes import DirectionProbes, EntryProbes, Probes
from .report import GradCheckReport
from .vectors import ParamLayout, _check_parameters_mapping, gradient_vector

__all__ = ["gradient_check", "epsilon_sweep", "error_estimates", "MODES"]

#: The ways to check: every entry, random directions per array, or a few random entries.
MODES = ("full", "directional", "sample")

#: Two evaluations of the cost at the same θ must agree to this relative tolerance.
DETERMINISM_RTOL = 1e-12


def _working_arrays(parameters: Mapping, epsilon: float) -> tuple[dict[str, NDArray], list[str]]:
    """Validate the parameters; return the dict the cost will see (the caller's own arrays,
    perturbed in place and restored exactly), and notes."""
    _check_parameters_mapping(parameters)
    work: dict[str, NDArray] = {}
    notes: list[str] = []
    for name, value in parameters.items():
        what = f"`parameters['{name}']`"
        _check_parameter(what, name, value, epsilon)
        if value.dtype.itemsize < 8:
            low_precision_note(what, value.dtype, epsilon)  # raises below resolution
        work[name] = value
    if not any(value.size for value in work.values()):
        shapes = ", ".join(f"{name} {value.shape}" for name, value in work.items())
        raise ValueError(
            f"every array in `parameters` is empty ({shapes}): there is nothing to check"
        )
    names = list(work)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if np.shares_memory(work[first], work[second]):
                raise ValueError(
                    f"parameters '{first}' and '{second}' share memory, so perturbing one moves "
                    "the other; pass separate arrays (e.g. .copy())"
                )
    return work, notes


def _check_parameter(what: str, name: str, value: object, epsilon: float) -> None:
    """Raise a clear error for a parameter the check cannot perturb faithfully."""
    if not isinstance(value, np.ndarray):
        hint = ".detach().numpy()" if hasattr(value, "detach") else f"np.asarray({name})"
        raise TypeError(
            f"{what} is a {type(value).__name__}, not a numpy array; "
            f"`parameters` must hold the numpy arrays the cost reads (e.g. {hint})"
        )
    if isinstance(value, np.ma.MaskedArray):
        raise TypeError(
            f"{what} is a masked array: perturbing it would ignore or change its mask; pass "
            f"the plain array the cost reads ({name}.filled(...) or np.asarray({name}))"
        )
    if isinstance(value, np.matrix):
        raise TypeError(
            f"{what} is an np.matrix, whose * is a matrix product and whose entries index as "
            f"rows; pass np.asarray({name}) and write the cost with @"
        )
    if type(value) is not np.ndarray and not isinstance(value, np.memmap):
        raise TypeError(
            f"{what} is a {type(value).__name__} (a subclass of numpy.ndarray); pass a plain "
            f"array, np.asarray({name})"
        )
    if value.dtype == bool or value.dtype.kind in "iu":
        raise TypeError(
            f"{what} has dtype {value.dtype}: a step of ε={epsilon:g} would be "
            f"truncated away; convert it with {name}.astype(np.float64)"
        )
    if value.dtype.kind == "c":
        raise TypeError(f"{what} is complex ({value.dtype}); expected real floats")
    if value.dtype.kind != "f":
        raise TypeError(f"{what} has dtype {value.dtype}; expected float64")
    if not np.all(np.isfinite(value)):
        raise ValueError(f"{what} contains NaN or inf; initialize it with finite values")
    if value.size > 1 and any(
        stride == 0 for stride, size in zip(value.strides, value.shape, strict=True) if size > 1
    ):
        raise ValueError(
            f"{what} is a broadcast view (its entries share memory), so perturbing one entry "
            f"would move others; pass a real array ({name}.copy(), read by the cost)"
        )
    if not value.flags.writeable and not _can_unlock(value):
        raise ValueError(
            f"{what} is read-only and cannot be made writable (a broadcast view or a "
            "read-only buffer); a copy would not be seen by a cost that reads its own "
            f"arrays, so pass a writable array ({name}.copy(), and let the cost read that one)"
        )
    _check_step_resolution(what, value, epsilon)


def _can_unlock(value: NDArray) -> bool:
    """Whether a read-only array may be made writable for the check (and locked again)."""
    try:
        value.setflags(write=True)
    except ValueError:
        return False
    value.setflags(write=False)
    return True


def _check_step_resolution(what: str, value: NDArray, epsilon: float) -> None:
    """Refuse a step that rounds away: θ + ε == θ for some entry, in θ's own dtype."""
    if not value.size:
        return
    t = value.astype(np.float64).reshape(-1)
    up = (t + epsilon).astype(value.dtype) == value.reshape(-1)
    down = (t - epsilon).astype(value.dtype) == value.reshape(-1)
    lost = np.flatnonzero(up | down)
    if lost.size:
        j = int(lost[np.argmax(np.abs(t[lost]))])
        index = [int(k) for k in np.unravel_index(j, value.shape)]
        spacing = float(np.spacing(np.abs(value.reshape(-1)[j])))
        raise ValueError(
            f"{what}{index} is {t[j]:.3g}: ε={epsilon:g} is below its resolution (neighbouring "
            f"{value.dtype} numbers there are {spacing:.2g} apart), so θ ± ε == θ and the "
            f"numerical gradient would be 0 ({lost.size} such entries). Use a step relative to "
            f"|θ|, such as epsilon={max(1e-6 * abs(t[j]), 1e3 * spacing):.0e}, or rescale the "
            "parameter"
        )


@contextmanager
def _writable(work: dict[str, NDArray]):
    """Make read-only arrays writable during the check (a closure may read them), and lock
    them again on exit."""
    locked = [array for array in work.values() if not array.flags.writeable]
    for array in locked:
        array.setflags(write=True)
    try:
        yield
    finally:
        for array in locked:
            array.setflags(write=False)


@contextmanager
def _restored(work: dict[str, NDArray]):
    """Put every array back bit for bit on exit, and refuse a cost that changed one."""
    snapshot = {name: array.copy() for name, array in work.items()}
    changed = []
    try:
        yield
    finally:
        for name, array in work.items():
            if not np.array_equal(array, snapshot[name]):
                changed.append(name)
            np.copyto(array, snapshot[name])
    if changed:
        raise ValueError(
            f"`cost` changed `parameters['{changed[0]}']` in place; it must only read the "
            "parameters (the arrays have been restored)"
        )


def _cost_at_theta(cost: Callable, work: dict[str, NDArray]) -> tuple[float, ErrorModel]:
    """J(θ), evaluated twice to make sure the cost is a deterministic function of θ that only
    reads the parameters; and the error model of the value it returns."""
    snapshot = {name: array.copy() for name, array in work.items()}
    raw = cost(work)
    first = as_cost_value(raw, "at θ")
    for name, array in work.items():
        if not np.array_equal(array, snapshot[name]):
            raise ValueError(
                f"`cost` changed `parameters['{name}']` in place on its first call; it must "
                "only read the parameters (an update step or an in-place += inside the cost "
                "does this; the arrays have been restored)"
            )
    second = as_cost_value(cost(work), "at θ (second call)")
    if abs(first - second) > DETERMINISM_RTOL * max(abs(first), abs(second)):
        raise ValueError(
            f"`cost` returned two different values at the same θ ({first!r}, then {second!r}): "
            "it is not a deterministic function of the parameters, so no gradient can be checked. "
            "A dropout mask drawn anew on every call does this: turn dropout off (keep_prob=1) "
            "while checking, or fix the mask's seed so that every call uses the same mask. "
            "Random sampling inside the cost does the same: seed it."
        )
    dtypes = [array.dtype for array in work.values()]
    return first, ErrorModel.for_cost(raw, dtypes)


def _cost_type_notes(model: ErrorModel) -> list[str]:
    """What the type of the cost's value does to the check."""
    notes = []
    if model.kind.kind == "f" and model.kind.itemsize < 8:
        notes.append(
            f"`cost` returns {model.kind}: its values are rounded to about "
            f"{float(np.finfo(model.kind).eps):.0e} of |J|, which the error model allows for; "
            "return a float64 (e.g. float(np.sum(..., dtype=np.float64))) for a sharper check"
        )
    if model.kind.kind in "iu":
        notes.append(
            "`cost` returns whole numbers: a change smaller than 1 cannot show, which the "
            "error model allows for; return the cost as a float"
        )
    return notes


def _probes(mode: str, layout: ParamLayout, *, directions: int, samples: int, seed) -> Probes:
    """What to perturb: every entry, a few random entries per array, or random directions."""
    if mode == "full":
        return EntryProbes(layout, np.arange(layout.size))
    rng = np.random.default_rng(seed)
    if mode == "sample":
        picks = [
            part.start + np.sort(rng.choice(part.stop - part.start, size=samples, replace=False))
            if part.stop - part.start > samples
            else np.arange(part.start, part.stop)
            for _, _, part in layout
        ]
        return EntryProbes(layout, np.concatenate(picks).astype(np.intp))
    return DirectionProbes.random(layout, directions, rng)


def _check_options(cost, mode, directions, samples) -> None:
    if not callable(cost):
        raise TypeError(
            f"`cost` must be a function cost(parameters) -> float, not {type(cost).__name__}"
        )
    if mode not in MODES:
        raise ValueError(f"`mode` must be one of {MODES}, got {mode!r}")
    for name, value in (("directions", directions), ("samples", samples)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"`{name}` must be a whole number >= 1, got {value!r}")


def gradient_check(
    cost: Callable[[dict[str, NDArray]], float],
    parameters: Mapping[str, NDArray],
    gradients: Mapping[str, NDArray],
    *,
    epsilon: float = DEFAULT_EPSILON,
    mode: str = "full",
    directions: int = 2,
    seed: int | None = 0,
    samples: int = 5,
) -> GradCheckReport:
    """Check analytical gradients against central differences of the cost.

    Parameters
    ----------
    cost : callable
        ``cost(parameters) -> float``: the forward pass plus the cost, including any
        regularization term. It must be deterministic (fix dropout masks).
    parameters : dict of str to ndarray
        Float64 parameter arrays, e.g. ``{"W1": (n_h, n_x), "b1": (n_h, 1), ...}``. They are
        perturbed in place, one entry at a time, and restored bit for bit, even if ``cost``
        raises.
    gradients : dict of str to ndarray
        The backward pass's output, keyed ``"dW1"`` or ``"W1"`` and matched by name (one
        convention for the whole dict: see :func:`~gradcheck_lib.vectors.gradient_keys`).
        Extra entries such as ``"dZ1"`` are ignored; tensors are read with ``.detach()``.
    epsilon : float, default 1e-7
        The step ε of the central difference (J(θ+ε) − J(θ−ε)) / 2ε. It must move every
        entry: a step below an entry's resolution (θ ± ε == θ) is refused.
    mode : {"full", "directional", "sample"}, default "full"
        ``"full"`` perturbs every entry (2n + 2 cost evaluations when the check passes).
        ``"directional"`` checks ``directions`` random unit directions per array
        (2 × arrays × directions + 2 evaluations, whatever n). ``"sample"`` checks ``samples``
        random entries per array.
    directions : int, default 2
        Random directions per array in directional mode.
    seed : int or None, default 0
        Seed of the local random generator (directional and sample modes).
    samples : int, default 5
        Entries per array in sample mode.

    Returns
    -------
    GradCheckReport
        The difference, verdict, per-parameter differences, worst entries and diagnostics:
        rounding noise, scale factors and kinks. It prints as a table.

    Raises
    ------
    TypeError, ValueError, KeyError
        On bad input, with a message that names the parameter and what is wrong; on a cost
        that is not deterministic; on float32 parameters with a step below their resolution.

    Notes
    -----
    Every checked value is judged against an error model (:mod:`gradcheck_lib.diagnostics`):
    the rounding of the cost (about u·|J|/ε) and of the step (about u·|θ|/ε), truncation
    (O(ε²)) and kinks. A passing check costs nothing extra and blames nothing. A failing one
    re-checks its worst values at ε = 1e-4 and 5e-5 (at most 256 more evaluations; the worst
    value of each array in sample mode; one direction in directional mode, within
    2 × arrays × directions + 4 in all) and blames an array (``report.diagnosis``) only when a
    gap survives the re-check; otherwise the report names the cause. Read-only arrays are made
    writable for the check (a cost may read them through a closure) and locked again.

    Examples
    --------
    >>> W = np.array([[1.0, 2.0]])
    >>> report = gradient_check(lambda p: float(np.sum(p["W"] ** 2)), {"W": W}, {"dW": 2 * W})
    >>> report.verdict
    <Verdict.EXCELLENT: 'excellent'>
    """
    epsilon = check_epsilon(epsilon)
    _check_options(cost, mode, directions, samples)
    work, notes = _working_arrays(parameters, epsilon)
    layout = ParamLayout.of(work)
    gradient, key_notes = gradient_vector(gradients, layout)

    with _writable(work), _restored(work):
        # 1. J(θ), twice: the cost must be a deterministic function of θ.
        j0, model = _cost_at_theta(cost, work)
        # 2. J(θ ± ε) for every probe, and the central difference.
        probes = _probes(mode, layout, directions=directions, samples=samples, seed=seed)
        plus, minus = probes.evaluate(cost, work, epsilon)
        first = Pass.of(probes, work, model, j0, epsilon, plus, minus)
        analytical = probes.analytical(gradient)
        # 3. Compare: the relative difference and the seed's band.
        difference = relative_difference(analytical, first.numerical)
        verdict = classify(difference)
        # 4. Explain: what the error model accounts for, and what is left to blame.
        found = explain(
            cost,
            work,
            probes,
            model,
            j0,
            first,
            analytical,
            layout,
            verdict=verdict,
            full=mode == "full",
        )
    low = [name for name, array in work.items() if array.dtype.itemsize < 8]
    if low:
        dtype = min((work[name].dtype for name in low), key=lambda d: d.itemsize)
        what = ", ".join(f"`parameters['{name}']`" for name in low)
        forecast = "" if found.diagnosis else ": " + precision_forecast(first, analytical, dtype)
        notes.append(f"{what} {'is' if len(low) == 1 else 'are'} {dtype}{forecast}")
    return GradCheckReport(
        difference=difference,
        verdict=verdict,
        by_parameter=found.by_parameter,
        numerical=first.numerical,
        analytical=analytical,
        epsilon=epsilon,
        mode=mode,
        evaluations=2 + 2 * len(probes) + found.evaluations,
        rounding_noise=found.rounding_noise,
        scale_factors=found.scale_factors,
        kinks=[probes.entry(j, first.numerical[j], analytical[j]) for j in found.kinks],
        notes=tuple(key_notes + _cost_type_notes(model) + list(found.notes) + notes),
        diagnosis=found.diagnosis,
        layout=layout,
        probes=probes,
        recheck=found.recheck,
        explanations=found.explanations,
        causes=found.causes,
    )


def epsilon_sweep(
    cost: Callable[[dict[str, NDArray]], float],
    parameters: Mapping[str, NDArray],
    gradients: Mapping[str, NDArray],
    epsilons,
) -> NDArray[np.float64]:
    """Relative difference of a full check at each step in ``epsilons``.

    Parameters
    ----------
    cost, parameters, gradients
        As for :func:`gradient_check`.
    epsilons : sequence of float
        Steps to try, e.g. ``np.logspace(-12, -1, 23)``.

    Returns
    -------
    ndarray
        One relative difference per step: large for big steps (truncation, O(ε²)), large
        again for tiny ones (rounding, about u/ε), lowest in between: the V curve.
    """
    steps = [check_epsilon(e) for e in np.atleast_1d(np.asarray(epsilons, dtype=float))]
    if not steps:
        raise ValueError("`epsilons` is empty; pass steps such as np.logspace(-12, -1, 23)")
    work, _ = _working_arrays(parameters, min(steps))
    layout = ParamLayout.of(work)
    gradient, _ = gradient_vector(gradients, layout)
    probes = EntryProbes(layout, np.arange(layout.size))
    differences = []
    with _writable(work), _restored(work):
        _cost_at_theta(cost, work)
        for step in steps:
            plus, minus = probes.evaluate(cost, work, step)
            differences.append(relative_difference(gradient, (plus - minus) / (2 * step)))
    return np.array(differences)


#: The steps at which :func:`error_estimates` measures the cost's noise and its curvature.
NOISE_STEP, CURVATURE_STEP = 1e-9, 1e-4


def error_estimates(
    cost: Callable[[dict[str, NDArray]], float],
    parameters: Mapping[str, NDArray],
    gradients: Mapping[str, NDArray],
    epsilons,
) -> dict[str, NDArray[np.float64]]:
    """What the error model predicts for an ε sweep: its rounding and truncation parts.

    Parameters
    ----------
    cost, parameters, gradients
        As for :func:`gradient_check`.
    epsilons : sequence of float
        Steps, as for :func:`epsilon_sweep`.

    Returns
    -------
    dict of str to ndarray
        ``"rounding"``: about σ/(2ε·‖g‖) per step, from the cost's evaluation noise σ, measured
        in the second differences at ε = 1e-9; ``"truncation"``: about ε²·|J''|/(12‖g‖), from
        the second differences at ε = 1e-4. The V curve follows their sum, within a factor of
        a few. Costs 4n + 2 evaluations.

    Examples
    --------
    >>> W = np.array([0.3, -1.2, 0.7])
    >>> parts = error_estimates(
    ...     lambda p: float(np.sum(np.sin(p["W"]))), {"W": W}, {"dW": np.cos(W)}, [1e-8, 1e-2]
    ... )
    >>> bool(parts["rounding"][0] > parts["truncation"][0])
    True
    """
    steps = [check_epsilon(e) for e in np.atleast_1d(np.asarray(epsilons, dtype=float))]
    work, _ = _working_arrays(parameters, NOISE_STEP)
    layout = ParamLayout.of(work)
    gradient, _ = gradient_vector(gradients, layout)
    probes = EntryProbes(layout, np.arange(layout.size))
    with _writable(work), _restored(work):
        j0, _ = _cost_at_theta(cost, work)
        seconds = []
        for step in (NOISE_STEP, CURVATURE_STEP):
            plus, minus = probes.evaluate(cost, work, step)
            seconds.append(plus + minus - 2 * j0)
    norm = float(np.linalg.norm(gradient))
    return sweep_estimates(seconds[0], seconds[1], CURVATURE_STEP, j0, norm, steps)
