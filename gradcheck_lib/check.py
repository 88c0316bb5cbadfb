"""gradient_check: compare a backward pass with central differences, and explain the result."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from contextlib import contextmanager

import numpy as np
from numpy.typing import NDArray

from .compare import THRESHOLDS, Verdict, classify, relative_difference
from .numeric import DEFAULT_EPSILON, as_cost_value, check_epsilon
from .probes import DirectionProbes, EntryProbes, Probes
from .report import KINK_ONLY, GradCheckReport, diagnose
from .vectors import ParamLayout, _check_parameters_mapping, gradients_to_vector

__all__ = ["gradient_check", "epsilon_sweep", "MODES"]

#: The ways to check: every entry, random directions per array, or a few random entries.
MODES = ("full", "directional", "sample")

#: The larger steps at which a failing check is re-done on its worst entries: rounding noise
#: (about u·|J|/ε) falls 100-fold at the first, while a real bug stays put. The second is
#: tried only when the noise fell but not yet below 1e-7 (very small gradients).
ROUNDING_RECHECK_EPSILONS = (1e-5, 1e-4)
#: A fall at least this large at the first re-check is the signature of rounding noise.
ROUNDING_NOISE_DROP = 30
#: At most this many of the worst entries (or directions) are re-checked.
ROUNDING_RECHECK_MAX = 64
#: Two evaluations of the cost at the same θ must agree to this relative tolerance.
DETERMINISM_RTOL = 1e-12
_U = np.finfo(np.float64).eps


def _working_arrays(parameters: Mapping, epsilon: float) -> tuple[dict[str, NDArray], list[str]]:
    """Validate the parameters; return the dict the cost will see, and notes.

    The dict holds the caller's own arrays (perturbed in place, restored exactly), except
    read-only ones, which are replaced by writable copies.
    """
    _check_parameters_mapping(parameters)
    work: dict[str, NDArray] = {}
    notes: list[str] = []
    for name, value in parameters.items():
        what = f"`parameters['{name}']`"
        if not isinstance(value, np.ndarray):
            raise TypeError(
                f"{what} is a {type(value).__name__}, not a numpy array; "
                f"`parameters` must hold arrays, e.g. np.asarray({name})"
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
        if value.dtype.itemsize < 8:
            notes.append(_low_precision_note(what, value.dtype, epsilon))
        work[name] = value if value.flags.writeable else value.copy()
    names = list(work)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            if np.shares_memory(work[first], work[second]):
                raise ValueError(
                    f"parameters '{first}' and '{second}' share memory, so perturbing one moves "
                    "the other; pass separate arrays (e.g. .copy())"
                )
    return work, notes


def _low_precision_note(what: str, dtype: np.dtype, epsilon: float) -> str:
    """What to expect from a check in float32 (or float16); raise if ε is below resolution."""
    resolution = float(np.finfo(dtype).eps)
    step, expected = resolution ** (1 / 3), 3 * resolution ** (2 / 3)
    if epsilon < step / 5:
        raise ValueError(
            f"{what} is {dtype}: ε={epsilon:g} is below {dtype} resolution (about "
            f"{resolution:.1e} relative to |θ|), so θ±ε barely differs from θ and the numerical "
            f"gradient is rounding noise. Use float64 (.astype(np.float64)), or ε≈{step:.0e} "
            f"and expect a difference near {expected:.0e} at best"
        )
    return (
        f"{what} is {dtype}: expect a difference near {expected:.0e} at best, even for a correct "
        "backward pass; the bands are made for float64"
    )


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


def _cost_at_theta(cost: Callable, work: dict[str, NDArray]) -> float:
    """J(θ), evaluated twice to make sure the cost is a deterministic function of θ."""
    first = as_cost_value(cost(work), "at θ")
    second = as_cost_value(cost(work), "at θ (second call)")
    if abs(first - second) > DETERMINISM_RTOL * max(abs(first), abs(second)):
        raise ValueError(
            f"`cost` returned two different values at the same θ ({first!r}, then {second!r}): "
            "it is not a deterministic function of the parameters, so no gradient can be checked. "
            "A dropout mask drawn anew on every call does this: turn dropout off (keep_prob=1) "
            "while checking, or fix the mask's seed so that every call uses the same mask. "
            "Random sampling inside the cost does the same: seed it."
        )
    return first


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


def _kinks(plus, minus, j0: float, numerical, epsilon: float) -> NDArray[np.intp]:
    """Checked values whose ±ε step crossed a point where the cost has a kink.

    The one-sided slopes (J(θ+ε) − J(θ))/ε and (J(θ) − J(θ−ε))/ε differ by about ε·J'' on a
    smooth cost, but by the jump in slope at a kink (ReLU at 0, max, abs).
    """
    slope_jump = np.abs(plus + minus - 2 * j0) / epsilon
    scale = np.max(np.abs(numerical), initial=0.0)
    threshold = max(max(1e-3, 1e3 * epsilon) * scale, 1e3 * _U * abs(j0) / epsilon)
    return np.flatnonzero(slope_jump > threshold)


def _per_parameter(layout, probes, analytical, numerical, kinks, *, full: bool):
    """Relative difference and scale factor of each array, and a diagnosis of the arrays worth
    looking at: not excellent, and within a factor 1000 of the worst."""
    owners = probes.owners()
    reliable = np.ones(len(owners), dtype=bool)
    reliable[kinks] = False
    by_parameter, scale_factors, diagnosis = {}, {}, {}
    for i, name in enumerate(layout.names):
        a, n = analytical[owners == i], numerical[owners == i]
        by_parameter[name] = relative_difference(a, n)
        nn = float(n @ n)
        scale_factors[name] = float(a @ n) / nn if nn > 0 else (1.0 if not a.any() else np.inf)
    bar = max(THRESHOLDS[Verdict.EXCELLENT], 1e-3 * max(by_parameter.values()))
    for i, (name, shape) in enumerate(zip(layout.names, layout.shapes, strict=True)):
        if by_parameter[name] <= bar:
            continue
        mine = owners == i
        clean = mine & reliable
        if (
            not reliable[mine].all()
            and relative_difference(analytical[clean], numerical[clean])
            <= THRESHOLDS[Verdict.EXCELLENT]
        ):
            diagnosis[name] = f"d{name} {KINK_ONLY}"
        else:
            a, n = analytical[mine], numerical[mine]
            diagnosis[name] = diagnose(name, a, n, scale_factors[name], shape if full else None)
    return by_parameter, scale_factors, diagnosis


def _recheck(cost, work, probes: Probes, analytical, numerical, kinks, step: float):
    """Re-check the worst values at ``step``. Returns (difference there, evaluations).

    Values not re-checked are assumed to shrink by the same factor as the re-checked ones.
    Directional mode re-checks its single worst direction, so that it stays within
    2 × arrays × 3 + 4 calls.
    """
    gaps = np.abs(analytical - numerical)
    gaps[kinks] = 0.0
    order = np.argsort(-gaps, kind="stable")
    share = np.cumsum(gaps[order] ** 2)
    limit = ROUNDING_RECHECK_MAX if probes.has_entries else 1
    count = min(int(np.searchsorted(share, 0.99 * share[-1])) + 1, limit)
    chosen = np.sort(order[:count])
    plus, minus = probes.subset(chosen).evaluate(cost, work, step)
    rechecked = numerical.copy()
    rechecked[chosen] = (plus - minus) / (2 * step)
    before = np.linalg.norm(gaps[chosen])
    after = np.linalg.norm(analytical[chosen] - rechecked[chosen])
    shrink = min(1.0, after / before) if before > 0 else 1.0
    rest = np.linalg.norm(np.delete(analytical - numerical, chosen)) * shrink
    scale = np.linalg.norm(analytical) + np.linalg.norm(rechecked)
    difference = float(np.hypot(after, rest) / scale) if scale > 0 else 0.0
    return difference, 2 * count


def _rounding_recheck(cost, work, probes: Probes, analytical, numerical, kinks, difference):
    """Tell rounding noise from a bug by re-checking at larger steps.

    Returns (is it rounding noise, the step and difference of the last re-check, evaluations).
    Noise falls roughly as 1/ε, 100-fold from ε=1e-7 to 1e-5; a bug does not move. It is
    noise if a re-check falls to 1e-7, or if the first one falls at least
    ``ROUNDING_NOISE_DROP``-fold (very small gradients, where the O(ε²) truncation of the
    larger steps keeps the difference above 1e-7: the bug, if any, is under 1/30 of it).
    A second, larger step is tried only when the first one cut the difference tenfold.
    """
    steps = ROUNDING_RECHECK_EPSILONS if probes.has_entries else ROUNDING_RECHECK_EPSILONS[:1]
    evaluations, results = 0, []
    for step in steps:
        rechecked, extra = _recheck(cost, work, probes, analytical, numerical, kinks, step)
        evaluations += extra
        results.append((step, rechecked))
        if rechecked <= THRESHOLDS[Verdict.EXCELLENT] or rechecked > difference / 10:
            break
    best = min(results, key=lambda result: result[1])
    first_drop = difference / max(results[0][1], np.finfo(float).tiny)
    noise = best[1] <= THRESHOLDS[Verdict.EXCELLENT] or first_drop >= ROUNDING_NOISE_DROP
    return bool(noise), best, evaluations


def _rounding_note(step: float, rechecked: float, difference: float) -> str:
    if rechecked <= THRESHOLDS[Verdict.EXCELLENT]:
        fall = f"falls to {rechecked:.1e}"
    else:
        fall = (
            f"falls {difference / rechecked:.0f}-fold, to {rechecked:.1e} (the gradient is so "
            "small that any step leaves a visible error)"
        )
    return (
        f"This mismatch is floating-point rounding, not a bug: at ε={step:g} the difference "
        f"{fall}. Use epsilon={step:g} to confirm."
    )


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
        The backward pass's output, keyed ``"dW1"`` or ``"W1"`` and matched by name. Extra
        entries such as ``"dZ1"`` are ignored.
    epsilon : float, default 1e-7
        The step ε of the central difference (J(θ+ε) − J(θ−ε)) / 2ε.
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
    When the verdict is not excellent (and no kink is involved), the worst entries are
    re-checked at ε=1e-5, then 1e-4 if needed, to tell rounding noise (which falls) from a
    bug (which stays); this costs at most 256 extra evaluations (2 in directional mode).
    A passing check costs nothing extra.

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
    gradient = gradients_to_vector(gradients, layout)

    with _restored(work):
        j0 = _cost_at_theta(cost, work)
        probes = _probes(mode, layout, directions=directions, samples=samples, seed=seed)
        plus, minus = probes.evaluate(cost, work, epsilon)
        numerical = (plus - minus) / (2 * epsilon)
        analytical = probes.analytical(gradient)
        difference = relative_difference(analytical, numerical)
        verdict = classify(difference)
        kinks = _kinks(plus, minus, j0, numerical, epsilon) if probes.has_entries else []
        rounding_noise, recheck, extra = False, None, 0
        if (
            verdict is not Verdict.EXCELLENT
            and epsilon < ROUNDING_RECHECK_EPSILONS[0]
            and not len(kinks)
        ):
            rounding_noise, recheck, extra = _rounding_recheck(
                cost, work, probes, analytical, numerical, kinks, difference
            )
    evaluations = 2 + 2 * len(probes) + extra

    by_parameter, scale_factors, diagnosis = _per_parameter(
        layout, probes, analytical, numerical, kinks, full=mode == "full"
    )
    if len(kinks):
        reliable = np.delete(np.arange(len(numerical)), kinks)
        clean = relative_difference(analytical[reliable], numerical[reliable])
        notes.append(
            f"Leaving out the {len(kinks)} entries at kinks, the difference is {clean:.2e} "
            f"({classify(clean).label})"
        )
    if rounding_noise:
        notes.append(_rounding_note(*recheck, difference))
        diagnosis = {}  # the per-array mismatches are noise: no bug to describe
    return GradCheckReport(
        difference=difference,
        verdict=verdict,
        by_parameter=by_parameter,
        numerical=numerical,
        analytical=analytical,
        epsilon=epsilon,
        mode=mode,
        evaluations=evaluations,
        rounding_noise=bool(rounding_noise),
        scale_factors=scale_factors,
        kinks=[probes.entry(j, numerical[j], analytical[j]) for j in kinks],
        notes=tuple(notes),
        diagnosis=diagnosis,
        layout=layout,
        probes=probes,
        recheck=recheck,
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
    gradient = gradients_to_vector(gradients, layout)
    _cost_at_theta(cost, work)
    probes = EntryProbes(layout, np.arange(layout.size))
    differences = []
    for step in steps:
        plus, minus = probes.evaluate(cost, work, step)
        differences.append(relative_difference(gradient, (plus - minus) / (2 * step)))
    return np.array(differences)
