"""The error model of a central difference: what rounding, truncation and kinks explain.

A numerical gradient (J(θ+ε) − J(θ−ε)) / 2ε is not the true derivative. Its error has four
sources, each estimated here for every checked value:

- **rounding of the cost**: each J carries an evaluation error of about ``COST_NOISE_ULPS``·u·|J|
  (u: the unit roundoff of the cost's own type), so the quotient is off by about that over ε;
- **rounding of the step**: θ+ε is rounded to θ's type, so the step actually taken differs from ε
  by up to u·|θ|; this is computed exactly from θ and ε;
- **truncation**: O(ε²) for a smooth cost, seen in how a value moves when ε is halved;
- **kinks** (ReLU at 0, max, abs): a step that crosses one measures an average of two slopes.

An array is *blamed* only when its mismatch exceeds what this model explains; otherwise the
model names the cause. A check that passes costs nothing extra. A check that fails re-checks
its worst values at two other steps (the budget: :data:`RECHECK_VALUES` values): halving a large
ε shows truncation falling as ε², and moving a tiny ε up to :data:`RECHECK_STEP` shows rounding
falling as 1/ε, while a bug stays put. Richardson extrapolation of the two steps gives an
estimate of the true derivative with an error bar, and the analytical value is judged against it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .compare import THRESHOLDS, Verdict, relative_difference
from .wording import SHORT_CAUSES, cause_notes, describe_mismatch

__all__ = [
    "COST_NOISE_ULPS",
    "RECHECK_STEP",
    "RECHECK_VALUES",
    "Explanation",
    "ErrorModel",
    "explain",
    "find_kinks",
    "low_precision_note",
    "sweep_estimates",
]

#: Evaluation error of one cost value, in units of u·|J|. A forward pass rounds each value
#: several times in a row; measured: at most 2 for the float64 reference network, about 7 for
#: the float32 assignment network of notebook 06.
COST_NOISE_ULPS = 8.0
#: A mismatch blames its array only when it exceeds the model's error bar this many times.
BLAME_MARGIN = 4.0
#: ... and is larger than this fraction of the value (below it no bug is visible anyway).
RELATIVE_FLOOR = 1e-8
#: A tiny step is re-checked here and at half of it: rounding is then about u/1e-4, truncation
#: (for parameters and data of order 1) about 1e-8 of the gradient.
RECHECK_STEP = 1e-4
#: At most this many values are re-checked, at two steps: 4 × 64 = 256 cost evaluations.
RECHECK_VALUES = 64
#: For a smooth cost, halving the step divides the second difference J(θ+ε)+J(θ−ε)−2J(θ) by 4
#: (it is ε²·J''). A kink makes it fall by 2 at most (it is about ε·jump), or jump; anything
#: outside this range, well above the noise, is a kink.
SMOOTH_RATIO = (2.5, 20.0)
#: Between ε and the re-check step the second difference of a smooth cost scales as ε²; its
#: ε⁴ term can move it by more at ε = 0.1, so only a ratio outside this range is a kink.
SMOOTH_AT_EPSILON = (1 / 16, 16.0)
#: A second difference must exceed this many times its own noise to count as a kink.
KINK_NOISE = 40.0
#: The cause names, in the order a headline lists them.
CAUSES = ("kinks", "zero gradient", "rounding", "step rounding", "truncation", "resolution")


@dataclass(frozen=True)
class ErrorModel:
    """What one evaluation of the cost can get wrong: ``relative``·|J| + ``absolute``.

    ``relative`` is ``COST_NOISE_ULPS`` times the unit roundoff of the type the cost returns
    (float32 costs carry float32 rounding); ``absolute`` is 0.5 for a cost that returns whole
    numbers (a Python int), whose values are spaced 1 apart.
    """

    relative: float
    absolute: float = 0.0
    kind: np.dtype = np.dtype(np.float64)

    @classmethod
    def for_cost(cls, value: object, parameter_dtypes) -> ErrorModel:
        """The model for a cost that returned ``value`` on parameters of these dtypes."""
        try:
            kind = np.asarray(value).dtype
        except (RuntimeError, TypeError, ValueError):  # e.g. a tensor that refuses numpy()
            kind = np.dtype(np.float64)
        resolutions = [float(np.finfo(np.float64).eps)]
        resolutions += [float(np.finfo(d).eps) for d in parameter_dtypes if d.kind == "f"]
        if kind.kind == "f":
            resolutions.append(float(np.finfo(kind).eps))
        absolute = 0.5 if kind.kind in "iu" else 0.0
        return cls(COST_NOISE_ULPS * max(resolutions), absolute, kind)

    def noise(self, *costs) -> NDArray[np.float64]:
        """Evaluation error of the largest of the given cost values, value by value."""
        largest = np.max(np.abs(np.broadcast_arrays(*costs)), axis=0)
        return self.relative * largest + self.absolute

    def rounding(self, plus, minus, j0: float, step: float) -> NDArray[np.float64]:
        """Rounding error of (J+ − J−) / 2·step from the cost's evaluation error."""
        return self.noise(plus, minus, j0) / step


@dataclass(frozen=True)
class Pass:
    """The cost at θ ± step for some checked values, and what the model says of them."""

    step: float
    plus: NDArray[np.float64]
    minus: NDArray[np.float64]
    numerical: NDArray[np.float64]
    rounding: NDArray[np.float64]  # from the cost's evaluation error
    stepping: NDArray[np.float64]  # from the rounding of θ ± step
    second: NDArray[np.float64]  # J(θ+ε) + J(θ−ε) − 2J(θ)
    noise: NDArray[np.float64]  # evaluation error of one cost value

    @classmethod
    def of(cls, probes, work, model: ErrorModel, j0: float, step: float, plus, minus) -> Pass:
        numerical = (plus - minus) / (2 * step)
        rounding = model.rounding(plus, minus, j0, step)
        stepping = probes.step_error(work, step) * np.abs(numerical)
        second = plus + minus - 2 * j0
        noise = model.noise(plus, minus, j0)
        return cls(step, plus, minus, numerical, rounding, stepping, second, noise)

    @property
    def explained(self) -> NDArray[np.float64]:
        """What rounding (of the cost and of the step) explains, value by value."""
        return self.rounding + self.stepping

    @property
    def truncation(self) -> NDArray[np.float64]:
        """A one-pass guess of the O(ε²) truncation, ε²·|J'''|/6, taking |J'''| ≈ |J''| (a
        length scale of 1 in θ); only the re-check's halving of ε measures it."""
        return np.abs(self.second) / 6


def find_kinks(first: Pass, j0: float) -> NDArray[np.intp]:
    """Checked values whose ±ε step crossed a kink, from one pass (no extra evaluations).

    The one-sided slopes (J(θ+ε) − J(θ))/ε and (J(θ) − J(θ−ε))/ε differ by about ε·J'' on a
    smooth cost, but by the jump in slope at a kink. Without a second step J'' is unknown, so
    only jumps above 1e-3 (and 1e3·ε) of the largest gradient count; smaller ones, and kinks at
    large steps, are found when a failing check re-checks its values (:func:`explain`).
    """
    slope_jump = np.abs(first.second) / first.step
    scale = np.max(np.abs(first.numerical), initial=0.0)
    threshold = np.maximum(max(1e-3, 1e3 * first.step) * scale, 1e3 * first.noise / first.step)
    return np.flatnonzero(slope_jump > threshold)


def _smooth(wide: NDArray, narrow: NDArray, noise: NDArray) -> NDArray[np.bool_]:
    """Whether second differences at a step and at half of it behave as ε²·J'' does."""
    low, high = SMOOTH_RATIO
    loud = np.abs(wide) > KINK_NOISE * 4 * noise
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = wide / narrow
    return ~loud | ((ratio >= low) & (ratio <= high))


@dataclass(frozen=True)
class Recheck:
    """Re-checked values: the best estimate of each derivative, its error bar, and kinks.

    ``kinks_at_epsilon`` marks values whose first step crossed a kink (their second
    difference does not scale as ε² down to the re-check steps); ``unreliable`` marks values
    that cross a kink even at the re-check steps, whose estimate cannot be trusted.
    """

    chosen: NDArray[np.intp]
    steps: tuple[float, ...]
    estimate: NDArray[np.float64]
    error_bar: NDArray[np.float64]
    kinks_at_epsilon: NDArray[np.bool_]
    unreliable: NDArray[np.bool_]
    evaluations: int


def recheck_steps(epsilon: float, entries: bool) -> tuple[float, ...]:
    """The steps of a re-check: RECHECK_STEP and its half, where rounding (about u/1e-4) and
    truncation (about 1e-8 for parameters of order 1) are both small and few values cross a
    kink; a quarter of ε and its half when ε itself is near RECHECK_STEP. Directional mode has
    room for one step only."""
    first = epsilon / 4 if RECHECK_STEP / 2 < epsilon < 4 * RECHECK_STEP else RECHECK_STEP
    steps = (first, first / 2)
    return steps if entries else steps[:1]


def _recheck(cost, work, probes, model, j0, first: Pass, chosen, scale) -> Recheck:
    """Evaluate the ``chosen`` values at the re-check steps and extrapolate to ε → 0.

    ``scale`` is the largest gradient of each chosen value's array: a slope jump below 1e-3
    of it is not called a kink at ε (a smooth cost's ε⁴ terms can reach that far).
    """
    subset = probes.subset(chosen)
    steps = recheck_steps(first.step, probes.has_entries)
    passes = []
    for step in steps:
        plus, minus = subset.evaluate(cost, work, step)
        passes.append(Pass.of(subset, work, model, j0, step, plus, minus))
    one = passes[0]
    if len(passes) == 2:
        two = passes[1]
        estimate = (4 * two.numerical - one.numerical) / 3  # Richardson: the ε² terms cancel
        error_bar = (4 * two.explained + one.explained) / 3
        error_bar += np.abs(one.numerical - two.numerical) / 4  # the rest, generously
        unreliable = ~_smooth(one.second, two.second, two.noise)
    else:
        estimate = one.numerical
        error_bar = one.explained + one.truncation
        unreliable = np.zeros(len(chosen), dtype=bool)
    # At ε the second difference should be (ε/step)² times the one at the re-check step.
    q0, noise0 = first.second[chosen], first.noise[chosen]
    predicted = one.second * (first.step / one.step) ** 2
    reliable_prediction = np.abs(one.second) > KINK_NOISE * 4 * one.noise
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = q0 / predicted
    loud = (np.abs(q0) > KINK_NOISE * 4 * noise0) & (np.abs(q0) / first.step > 1e-3 * scale)
    low, high = SMOOTH_AT_EPSILON
    kinks_at_epsilon = loud & reliable_prediction & ~((ratio >= low) & (ratio <= high))
    # A flat second difference at the re-check step cannot grow past this at ε if smooth.
    ceiling = high * (first.step / one.step) ** 2 * KINK_NOISE * 4 * one.noise
    kinks_at_epsilon |= loud & ~reliable_prediction & (np.abs(q0) > ceiling)
    kinks_at_epsilon |= unreliable
    return Recheck(
        chosen,
        steps,
        estimate,
        error_bar,
        kinks_at_epsilon,
        unreliable,
        2 * len(chosen) * len(steps),
    )


def _choose(owners, gaps, limit: int) -> NDArray[np.intp]:
    """The values to re-check: each array's worst, in turns, up to ``limit`` values."""
    per_array = [np.flatnonzero(owners == i) for i in np.unique(owners)]
    per_array = [ix[np.argsort(-gaps[ix], kind="stable")] for ix in per_array]
    chosen, depth = [], 0
    while len(chosen) < limit and any(depth < len(ix) for ix in per_array):
        for ix in per_array:
            if depth < len(ix) and len(chosen) < limit:
                chosen.append(ix[depth])
        depth += 1
    return np.sort(np.array(chosen, dtype=np.intp))


@dataclass(frozen=True)
class Explanation:
    """What the model concludes about one check."""

    by_parameter: dict[str, float]
    scale_factors: dict[str, float]
    diagnosis: dict[str, str]
    explanations: dict[str, str]
    notes: tuple[str, ...]
    causes: tuple[str, ...]
    kinks: NDArray[np.intp]
    rounding_noise: bool
    recheck: tuple[float, float] | None
    evaluations: int = 0
    unexplained: tuple[str, ...] = field(default=())


def _scale_factor(a: NDArray, n: NDArray) -> float:
    nn = float(n @ n)
    return float(a @ n) / nn if nn > 0 else (1.0 if not a.any() else np.inf)


def _recheck_difference(analytical, numerical, best, chosen, kinks):
    """The difference once the re-checked values are replaced by their estimates; the other
    values are assumed to shrink as much as the re-checked ones did."""
    keep = np.ones(len(numerical), dtype=bool)
    keep[kinks] = False
    gap0, gap1 = np.abs(analytical - numerical), np.abs(analytical - best)
    sel = np.zeros(len(numerical), dtype=bool)
    sel[chosen] = True
    before, after = np.linalg.norm(gap0[sel & keep]), np.linalg.norm(gap1[sel & keep])
    shrink = min(1.0, after / before) if before > 0 else 1.0
    rest = np.linalg.norm(gap0[~sel & keep]) * shrink
    scale = np.linalg.norm(analytical[keep]) + np.linalg.norm(best[keep])
    return float(np.hypot(after, rest) / scale) if scale > 0 else 0.0


def explain(
    cost,
    work,
    probes,
    model: ErrorModel,
    j0: float,
    first: Pass,
    analytical,
    layout,
    *,
    verdict: Verdict,
    full: bool,
) -> Explanation:
    """Compare each array's mismatch with what the error model explains; blame the rest.

    A check whose verdict is excellent costs nothing more and blames nothing (an array it
    cannot explain is named in a note). Otherwise the worst values the one-pass model does not
    explain are re-checked (at most :data:`RECHECK_VALUES` values at two steps; one value at one
    step in directional mode), and an array is blamed when one of its re-checked values still
    disagrees with the extrapolated derivative by more than ``BLAME_MARGIN`` error bars.
    """
    numerical = first.numerical
    owners = probes.owners()
    kink_mask = np.zeros(len(numerical), dtype=bool)
    if probes.has_entries:
        kink_mask[find_kinks(first, j0)] = True
    gaps = np.abs(analytical - numerical)
    floor = RELATIVE_FLOOR * (np.abs(analytical) + np.abs(numerical))
    candidates = (gaps > BLAME_MARGIN * first.explained + floor) & ~kink_mask
    best, error_bar = numerical.copy(), first.explained + first.truncation
    rechecked = np.zeros(len(numerical), dtype=bool)
    unreliable = kink_mask.copy()  # where no estimate can be trusted
    moved = np.zeros(len(numerical))  # |n(ε) − estimate|: what the re-check removed
    recheck, extra = None, 0
    if verdict is not Verdict.EXCELLENT and candidates.any():
        where = np.flatnonzero(candidates)
        # Full mode re-checks up to RECHECK_VALUES values; sample mode, meant to be cheap, the
        # worst of each array; directional mode the single worst direction (its budget).
        arrays = len(np.unique(owners[where]))
        limit = (RECHECK_VALUES if full else arrays) if probes.has_entries else 1
        chosen = where[_choose(owners[where], gaps[where], limit)]
        largest = np.zeros(len(layout.names))
        np.maximum.at(largest, owners, np.maximum(np.abs(numerical), np.abs(analytical)))
        done = _recheck(cost, work, probes, model, j0, first, chosen, largest[owners[chosen]])
        extra = done.evaluations
        kink_mask[chosen[done.kinks_at_epsilon]] = True
        unreliable[chosen[done.unreliable]] = True
        best[chosen] = done.estimate
        error_bar[chosen] = done.error_bar
        rechecked[chosen] = True
        moved[chosen] = np.abs(numerical[chosen] - done.estimate)
        if not probes.has_entries:  # carry what the re-check measured to the other directions
            fraction = moved[chosen] / np.maximum(np.abs(numerical[chosen]), 1e-300)
            calibration = max(1.0, float(np.max(moved[chosen] / first.explained[chosen])))
            others = ~rechecked
            error_bar[others] = 2 * calibration * first.explained[others] + first.truncation[others]
            error_bar[others] += 4 * float(fraction.max()) * np.abs(numerical[others])
        recheck = (
            done.steps[-1],
            _recheck_difference(analytical, numerical, best, chosen, np.flatnonzero(kink_mask)),
        )
    best_gaps = np.abs(analytical - best)
    floor = RELATIVE_FLOOR * (np.abs(analytical) + np.abs(best))
    unexplained = (best_gaps > BLAME_MARGIN * error_bar + floor) & ~unreliable
    if probes.has_entries:
        unexplained &= rechecked  # only a re-checked value has an error bar worth trusting
    elif first.step < RECHECK_STEP / 2:  # truncation cannot matter: rounding is calibrated
        unexplained &= rechecked | (verdict is not Verdict.EXCELLENT)
    else:  # at a large step only the re-checked direction has a trustworthy error bar
        unexplained &= rechecked

    by_parameter, scale_factors, diagnosis, explanations = {}, {}, {}, {}
    causes: dict[str, list[str]] = {cause: [] for cause in CAUSES}
    loose = []
    for i, (name, shape) in enumerate(zip(layout.names, layout.shapes, strict=True)):
        mine = owners == i
        a, n, b = analytical[mine], numerical[mine], best[mine]
        by_parameter[name] = relative_difference(a, n)
        scale_factors[name] = _scale_factor(a, b)
        if verdict is not Verdict.EXCELLENT and unexplained[mine].any():
            diagnosis[name] = describe_mismatch(
                name, a, b, scale_factors[name], shape if full else None
            )
            continue
        if by_parameter[name] <= THRESHOLDS[Verdict.EXCELLENT]:
            continue
        if verdict is Verdict.EXCELLENT and by_parameter[name] > THRESHOLDS[Verdict.WARNING]:
            if (
                (gaps[mine] > BLAME_MARGIN * error_bar[mine] + 1e-3 * np.abs(a)) & ~kink_mask[mine]
            ).any():
                loose.append(name)
        cause = _cause(a, n, gaps[mine], kink_mask[mine], first, mine, moved[mine], rechecked[mine])
        causes[cause].append(name)
        explanations[name] = SHORT_CAUSES[cause]
    notes = cause_notes(causes, loose, analytical, numerical, best, kink_mask, first, recheck)
    found = tuple(cause for cause in CAUSES if causes[cause])
    rounding_noise = (
        verdict is not Verdict.EXCELLENT
        and not diagnosis
        and bool(found)
        and set(found) <= {"rounding", "step rounding", "resolution", "zero gradient"}
    )
    if kink_mask.any() and "kinks" not in found:  # the advice lists them: so does the headline
        found = tuple(cause for cause in CAUSES if causes[cause] or cause == "kinks")
    return Explanation(
        by_parameter,
        scale_factors,
        diagnosis,
        explanations,
        tuple(notes),
        found,
        np.flatnonzero(kink_mask),
        bool(rounding_noise),
        recheck,
        extra,
    )


def _cause(a, n, gaps, kinks, first: Pass, mine, moved, rechecked) -> str:
    """Which part of the error model explains an array that is not blamed."""
    total = float(gaps @ gaps)
    if kinks.any() and float(gaps[kinks] @ gaps[kinks]) >= 0.5 * total:
        return "kinks"
    rounding = np.linalg.norm(first.rounding[mine])
    stepping = np.linalg.norm(first.stepping[mine])
    # What the re-check removed: truncation when it went to smaller steps, else rounding.
    removed = np.linalg.norm(np.where(rechecked, moved, 0.0))
    if first.step > recheck_steps(first.step, True)[0]:
        truncation = max(removed, np.linalg.norm(first.truncation[mine]))
    else:
        truncation, rounding = np.linalg.norm(first.truncation[mine]), max(rounding, removed)
    if not a.any():
        return "zero gradient"
    if np.linalg.norm(a) < rounding:
        return "resolution"
    return max((rounding, "rounding"), (stepping, "step rounding"), (truncation, "truncation"))[1]


def sweep_estimates(
    noise_second, curvature_second, curvature_step: float, j0: float, gradient_norm: float, epsilons
) -> dict[str, NDArray[np.float64]]:
    """The error model's forecast of the relative difference at each step of a sweep.

    ``noise_second`` are the second differences J(θ+h)+J(θ−h)−2J(θ) at a tiny step h, pure
    evaluation noise there: with independent errors of size σ they have size √6·σ, and the
    central difference is off by √2·σ/2ε. ``curvature_second`` are the second differences at
    ``curvature_step`` (ε²·J''), from which truncation is ε²·|J''|/6, taking the third
    derivative as large as the second. A relative difference is the error over 2‖g‖.
    """
    steps = np.asarray(epsilons, dtype=np.float64)
    size = len(noise_second)
    noise = max(
        float(np.linalg.norm(noise_second)) / np.sqrt(3),
        float(np.finfo(np.float64).eps) * abs(j0) * np.sqrt(size),
    )
    scale = 2 * gradient_norm if gradient_norm > 0 else 1.0
    curvature = float(np.linalg.norm(curvature_second)) / curvature_step**2
    return {
        "rounding": noise / (2 * steps) / scale,
        "truncation": curvature / 6 * steps**2 / scale,
    }


def low_precision_note(what: str, dtype: np.dtype, epsilon: float) -> str:
    """Refuse a step below a low-precision dtype's resolution; else say what to expect.

    The bands are made for float64. The note the check adds (:func:`precision_forecast`) says
    from the check's own numbers how close a correct backward pass can get.
    """
    resolution = float(np.finfo(dtype).eps)
    floor = resolution ** (1 / 3) / 5
    if epsilon < floor:
        raise ValueError(
            f"{what} is {dtype}: ε={epsilon:g} is below {dtype} resolution (about "
            f"{resolution:.1e} relative to |θ|), so θ±ε barely differs from θ and the numerical "
            f"gradient is rounding noise. Use float64 (.astype(np.float64)), or a step between "
            f"{floor:.0e} and 1e-1 in {dtype}, where a correct backward pass still stays near "
            f"1e-4 at best: rounding (about {COST_NOISE_ULPS:g}·u·|J|/ε) falls as ε grows, "
            "truncation grows as ε²"
        )
    return f"{what} is {dtype}"


def precision_forecast(first: Pass, analytical, dtype: np.dtype) -> str:
    """What a check in a low-precision dtype can reach, from this check's own numbers.

    Rounding makes the difference about ‖R‖/‖g‖ (R = COST_NOISE_ULPS·u·|J|/ε per value), and
    truncation about ‖J(θ+ε)+J(θ−ε)−2J(θ)‖/(6‖g‖) (ε²·J''/6, taking J''' ≈ J''). They balance
    at ε* = (A / 2B)^(1/3), for rounding A/ε and truncation B·ε²; the difference there is
    A/ε* + B·ε*². The forecast gives ranges, a factor of 2 either way: the model is that rough (the
    third derivative is guessed, and in float32 the second differences carry noise too).
    """
    norm = float(np.linalg.norm(analytical))
    step = first.step
    if norm == 0:
        return ""
    here = float(np.linalg.norm(first.rounding)) / norm
    a = here * step
    # The second differences hold the cost's noise too (√6 times one value's, taken as half
    # the model's bound); what is left over is ε²·J''.
    typical = np.sqrt(6) * first.noise / 2
    curvature = np.sqrt(np.maximum(first.second**2 - typical**2, 0.0))
    b = float(np.linalg.norm(curvature)) / 6 / norm / step**2
    if b <= 0:
        return f"in {dtype}, rounding alone makes the difference about {here:.0e} at ε={step:g}"
    best_step = (a / (2 * b)) ** (1 / 3)
    best = a / best_step + b * best_step**2
    return (
        f"in {dtype}, rounding alone makes the difference about {here:.0e} at ε={step:g}; a "
        f"correct backward pass does best near ε≈{best_step / 2:.0e} to {2 * best_step:.0e}, "
        f"at about {best / 2:.0e} to {2 * best:.0e}, still above the excellent band (the bands "
        "are made for float64)"
    )
