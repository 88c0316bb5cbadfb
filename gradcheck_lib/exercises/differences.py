"""Checkers for notebooks 02 and 03: Exercise 2.1 (the central difference), 3.1 (the relative
difference) and 3.2 (its verdict)."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from ..compare import THRESHOLDS, Verdict, classify, relative_difference
from ..numeric import central_difference, forward_difference
from ._common import ExerciseError, _answer, _as_number, _returned_none

__all__ = ["check_numerical_gradient", "check_relative_difference", "check_classify"]

# --- Exercise 2.1: the central difference of a vector function (notebook 02) ----------------

#: The function the checks differentiate: f(x) = Σ wᵢ exp(xᵢ) + x₀x₁, smooth, with non-zero
#: second and third derivatives in every entry (so every wrong formula shows), and not
#: separable (so moving every entry at once shows).
_WEIGHTS = np.array([1.0, -2.0, 3.0, 0.5])
_POINT = np.array([0.3, -0.7, 1.1, 0.05])


def _test_function(x: np.ndarray) -> float:
    return float(np.sum(_WEIGHTS * np.exp(x)) + x[0] * x[1])


def _diagnose_gradient(got: np.ndarray, x: np.ndarray, epsilon: float, expected: np.ndarray) -> str:
    """Name the formula the learner's wrong gradient matches, if a common one."""
    f = _test_function
    forward = forward_difference(f, x.copy(), epsilon)
    step = np.full_like(x, epsilon)
    at_once = np.full_like(x, (f(x + step) - f(x - step)) / (2 * epsilon))
    candidates = [
        (
            -expected,
            "your gradient has the wrong sign: you computed (f(x − ε) − f(x + ε)) / 2ε. The "
            "slope is the value on the right minus the value on the left: f_plus - f_minus",
        ),
        (
            forward,
            "you used the one-sided difference (f(x + ε) − f(x)) / ε; use the two-sided "
            "(f(x + ε) − f(x − ε)) / 2ε, whose error is O(ε²) instead of O(ε)",
        ),
        (
            2 * expected - forward,
            "you used the one-sided difference (f(x) − f(x − ε)) / ε; use the two-sided "
            "(f(x + ε) − f(x − ε)) / 2ε, whose error is O(ε²) instead of O(ε)",
        ),
        (
            expected * 2 * epsilon,
            "your gradient is 2ε times too small: f(x + ε) − f(x − ε) is only the rise; divide "
            "it by the run, the distance 2ε between the two points: (f_plus - f_minus) / "
            "(2 * epsilon)",
        ),
        (
            2 * expected,
            "your gradient is twice too large: the two points x + ε and x − ε are 2ε apart, "
            "so divide by 2 * epsilon, not by epsilon",
        ),
        (
            expected / 2,
            "your gradient is half the right size: divide by 2 * epsilon (the distance "
            "between x + ε and x − ε), not by 4 * epsilon",
        ),
        (
            expected * epsilon**2,
            "your gradient is ε² times too small: (plus - minus) / 2 * epsilon divides by 2 "
            "and then multiplies by ε; write (plus - minus) / (2 * epsilon)",
        ),
        (
            central_difference(f, x.copy(), 1e-7),
            f"your function ignores its epsilon argument: it was called with epsilon={epsilon:g} "
            "but stepped by 1e-7; use the epsilon it is given",
        ),
        (
            at_once,
            "every entry of your gradient is the same number: you moved all entries of x at "
            "once. Perturb one entry at a time: x[i] + ε, keeping the others where they are",
        ),
    ]
    for candidate, message in candidates:
        if relative_difference(got, candidate) < 1e-7:
            return message
    worst = int(np.argmax(np.abs(got - expected)))
    return (
        f"entry {worst} of your gradient is {got[worst]:.8g}, but the central difference "
        f"(f(x + ε·e{worst}) − f(x − ε·e{worst})) / 2ε with ε={epsilon:g} is "
        f"{expected[worst]:.8g}"
    )


_NO_COPY = (
    "x_plus = x (or x_minus = x) makes no copy, only a second name for the same array: "
    "changing x_minus[i] changes x_plus too, so "
)


def _aliasing_slips(got: np.ndarray, x: np.ndarray, epsilon: float) -> list[tuple[np.ndarray, str]]:
    """What a loop gives when x_plus and x_minus are the same array as x (no copy)."""
    f = _test_function
    one_sided_halved = forward_difference(f, x.copy(), epsilon) / 2
    return [
        (
            one_sided_halved,
            _NO_COPY + "f(x_minus) is evaluated at x itself (the −ε undid the +ε), and your "
            "gradient is (f(x + ε) − f(x)) / 2ε. Use x_plus = x.copy() and x_minus = x.copy(), "
            "or save the old value and put it back",
        ),
        (
            np.zeros_like(got),
            _NO_COPY + "by the time f is called both names see x + ε − ε = x, and every entry of "
            "your gradient is 0. Use x_plus = x.copy() and x_minus = x.copy()",
        ),
    ]


def _aliased(got: object, x: np.ndarray, epsilon: float) -> str | None:
    """The no-copy message, when the learner's result is what aliasing x gives."""
    try:
        values = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return None
    if values.shape != x.shape:
        return None
    for candidate, message in _aliasing_slips(values, _POINT.copy(), epsilon):
        if relative_difference(values, candidate) < 1e-7:
            return message
    return None


def check_numerical_gradient(numerical_gradient: Callable) -> str:
    """Check Exercise 2.1: ``numerical_gradient(f, x, epsilon)`` is the central difference.

    Parameters
    ----------
    numerical_gradient : callable
        The learner's function: ``f`` (1-D array -> float), a 1-D ``x`` and a step
        ``epsilon`` -> the central-difference gradient, shape of ``x``, with ``x`` restored.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the mistake: one-sided formula, dividing by ε instead of 2ε, x not restored,
        epsilon ignored, all entries moved at once...
    """
    name = "numerical_gradient"
    for epsilon in (1e-2, 1e-6):
        x = _POINT.copy()
        got = _answer(
            numerical_gradient,
            name,
            _test_function,
            x,
            epsilon,
            refuse={
                "central_difference": central_difference,
                "forward_difference": forward_difference,
            },
            exercise="that Exercise 2.1 asks you to do (the loop over the entries of x)",
        )
        aliased = _aliased(got, x, epsilon)
        if aliased:
            raise ExerciseError(aliased)
        if not np.array_equal(x, _POINT):
            where = int(np.flatnonzero(x != _POINT)[0])
            if np.allclose(x, _POINT, rtol=1e-12, atol=0):
                raise ExerciseError(
                    f"after your function ran, x[{where}] is {float(x[where])!r} instead of "
                    f"{float(_POINT[where])!r}: adding and subtracting ε leaves rounding error. "
                    "Save the old value (old = x[i]) and put it back (x[i] = old)"
                )
            raise ExerciseError(
                f"after your function ran, x[{where}] is {x[where]:.10g} instead of "
                f"{_POINT[where]:.10g}: you did not restore x. After evaluating f(x − ε), put "
                "the entry back (x[i] = old), or perturb a copy of x"
            )
        if got is None:
            raise _returned_none(name)
        got = np.asarray(got, dtype=float)
        if got.shape != x.shape:
            raise ExerciseError(
                f"your gradient has shape {got.shape}; it must have the shape of x, {x.shape} — "
                "one partial derivative per entry"
            )
        expected = central_difference(_test_function, x.copy(), epsilon)
        if relative_difference(got, expected) > 1e-9:
            raise ExerciseError(_diagnose_gradient(got, x, epsilon, expected))
    return (
        "✓ Exercise 2.1: your numerical_gradient is the central difference, and leaves x as it was."
    )


# --- Exercises 3.1 and 3.2: relative difference and verdict (notebook 03) -------------------


def check_relative_difference(relative_difference_answer: Callable) -> str:
    """Check Exercise 3.1: ``relative_difference(a, b)`` = ‖a − b‖ / (‖a‖ + ‖b‖), 0 for 0/0.

    Parameters
    ----------
    relative_difference_answer : callable
        The learner's function of two gradient vectors, returning one number.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the mistake: no denominator, squared norms, a wrong denominator, sums of
        absolute values, nan or a crash on two zero vectors...
    """
    name = "relative_difference"
    what = "one number, ‖a − b‖ / (‖a‖ + ‖b‖)"
    rng = np.random.default_rng(31)
    a = rng.standard_normal(6)
    pairs = [
        (np.array([3.0, 4.0]), np.array([-3.0, 0.5])),
        (np.array([1.0, 2.0]), np.array([1.0, 2.0])),
        (a, a + 1e-3 * rng.standard_normal(6)),
        (a, 2 * a),
    ]
    for analytical, numerical in pairs:
        got = _as_number(
            _answer(
                relative_difference_answer,
                name,
                analytical.copy(),
                numerical.copy(),
                refuse={"relative_difference": relative_difference},
                exercise="that Exercise 3.1 asks you to do (the formula with two norms)",
            ),
            name,
            what,
        )
        expected = relative_difference(analytical, numerical)
        if np.isclose(got, expected, rtol=1e-9, atol=1e-15):
            continue
        gap = np.linalg.norm(analytical - numerical)
        norm_a, norm_n = np.linalg.norm(analytical), np.linalg.norm(numerical)
        slips = [
            (
                abs(norm_a - norm_n) / (norm_a + norm_n),
                "you subtracted the norms, ‖a‖ − ‖b‖; the numerator is the norm of the "
                "difference, ‖a − b‖ = np.linalg.norm(a - b). Two gradients of the same length "
                "that point in different directions have ‖a‖ − ‖b‖ = 0 but are far apart",
            ),
            (
                (norm_a - norm_n) / (norm_a + norm_n),
                "you subtracted the norms, ‖a‖ − ‖b‖; the numerator is the norm of the "
                "difference, ‖a − b‖ = np.linalg.norm(a - b)",
            ),
            (
                abs(np.sum(analytical - numerical)) / (norm_a + norm_n),
                "your numerator sums the entries of a − b, so a gap of +1 in one entry and −1 "
                "in another cancel; it is the norm of the difference, np.linalg.norm(a - b)",
            ),
            (
                np.sum(analytical - numerical) / (norm_a + norm_n),
                "your numerator sums the entries of a − b, so a gap of +1 in one entry and −1 "
                "in another cancel; it is the norm of the difference, np.linalg.norm(a - b)",
            ),
            (
                gap,
                "that is ‖a − b‖ alone: divide it by ‖a‖ + ‖b‖, so the result does not "
                "depend on the scale of the cost",
            ),
            (
                gap**2 / (norm_a**2 + norm_n**2),
                "you squared the norms: use ‖·‖ itself (np.linalg.norm), not its square",
            ),
            (gap**2 / (norm_a + norm_n), "you squared the numerator: use ‖a − b‖ itself"),
            (
                gap / np.linalg.norm(analytical + numerical),
                "the denominator is ‖a‖ + ‖b‖, the sum of two norms, "
                "not the norm of the sum ‖a + b‖",
            ),
            (gap / norm_a, "divide by ‖a‖ + ‖b‖, not by ‖a‖ alone"),
            (gap / norm_n, "divide by ‖a‖ + ‖b‖, not by ‖b‖ alone"),
            (gap / max(norm_a, norm_n), "divide by ‖a‖ + ‖b‖, not by the larger norm"),
            (
                np.sum(np.abs(analytical - numerical))
                / (np.sum(np.abs(analytical)) + np.sum(np.abs(numerical))),
                "you summed absolute values: use the Euclidean norm, np.linalg.norm",
            ),
        ]
        hint = next((text for value, text in slips if np.isclose(got, value, rtol=1e-9)), "")
        raise ExerciseError(
            f"for a = {np.round(analytical, 3).tolist()} and b = {np.round(numerical, 3).tolist()} "
            f"your function gives {got:.6g}; the relative difference is {expected:.6g}"
            + (f": {hint}" if hint else "")
        )
    zeros = np.zeros(3)
    try:
        with np.errstate(all="ignore"):
            result = relative_difference_answer(zeros.copy(), zeros.copy())
    except ZeroDivisionError as error:
        raise ExerciseError(
            "for two zero vectors your function divides 0 by 0 (ZeroDivisionError). Two zero "
            "gradients agree perfectly: return 0.0 when ‖a‖ + ‖b‖ is 0"
        ) from error
    except NotImplementedError:
        raise
    except Exception as error:
        raise ExerciseError(
            f"for two zero vectors your function raised {type(error).__name__}: {error}. "
            "Return 0.0 when ‖a‖ + ‖b‖ is 0"
        ) from error
    got = _as_number(result, name, what)
    if np.isnan(got):
        raise ExerciseError(
            "for two zero vectors your function returns nan (0 divided by 0). Two zero "
            "gradients agree perfectly: return 0.0 when ‖a‖ + ‖b‖ is 0"
        )
    if got != 0.0:
        raise ExerciseError(
            f"for two zero vectors your function returns {got:g}; they agree perfectly, so "
            "the relative difference is 0.0"
        )
    return (
        f"✓ Exercise 3.1: your relative_difference is right on {len(pairs)} pairs, and gives 0.0 "
        "for two zeros."
    )


def _number(value: float, spec: str = "g") -> str:
    """``1e-07`` -> ``"1e-7"``, ``5e-05`` -> ``"5e-5"``, ``0.285`` -> ``"0.285"``."""
    return re.sub(r"e([+-])0*(\d)", r"e\1\2", format(value, spec))


def _band_rule() -> str:
    low, middle, high = (_number(THRESHOLDS[v], ".0e") for v in list(Verdict)[:3])
    return (
        f"excellent d ≤ {low}; warning {low} < d ≤ {middle}; "
        f"error {middle} < d ≤ {high}; critical d > {high}"
    )


def check_classify(classify_answer: Callable[[float], str]) -> str:
    """Check Exercise 3.2: ``classify(d)`` returns the band word of the course's table.

    Parameters
    ----------
    classify_answer : callable
        The learner's function: a relative difference -> ``"excellent"``, ``"warning"``,
        ``"error"`` or ``"critical"`` (a :class:`Verdict` also counts).

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the value classified wrongly, and why: an edge compared with < instead of
        <=, a wrong threshold, a capitalised word...
    """
    name = "classify"
    edges = [THRESHOLDS[v] for v in (Verdict.EXCELLENT, Verdict.WARNING, Verdict.ERROR)]
    values = [0.0, 1e-12, 5e-8, 3e-6, 5e-5, 5e-4, 0.02, 0.285, 1.0]
    values += edges + [float(np.nextafter(edge, 1.0)) for edge in edges]
    words = [str(v) for v in Verdict]
    for d in sorted(values):
        got = _answer(
            classify_answer,
            name,
            d,
            refuse={"classify": classify},
            exercise="that Exercise 3.2 asks you to do (comparing d with the band edges)",
        )
        want = classify(d)
        if got is None:
            raise _returned_none(name)
        if isinstance(got, str) and got == want:
            continue
        if not isinstance(got, str):
            raise ExerciseError(
                f"classify({_number(d)}) returned {got!r}; return one of the words {words}"
            )
        if got.strip().lower() in words and got.strip().lower() == want:
            raise ExerciseError(
                f"classify({_number(d)}) returned {got!r}; write the word exactly as {str(want)!r} "
                "(lower case, no spaces)"
            )
        if got not in words:
            raise ExerciseError(
                f"classify({_number(d)}) returned {got!r}, which is not one of the words {words}"
            )
        if d in edges:
            raise ExerciseError(
                f"classify({_number(d)}) returned {got!r}, but {_number(d)} itself is still "
                f"{str(want)!r}: each band includes its upper edge. Compare with <=, not <"
            )
        if any(d == float(np.nextafter(edge, 1.0)) for edge in edges):
            raise ExerciseError(
                f"classify({d!r}) returned {got!r}, but anything above {_number(_edge_below(d))}, "
                f"even by a hair, is {str(want)!r}: compare with <=, not <, and keep the "
                "edges as they are"
            )
        raise ExerciseError(
            f"classify({_number(d)}) returned {got!r}; expected {str(want)!r}. "
            f"The bands: {_band_rule()}"
        )
    return (
        f"✓ Exercise 3.2: your classify puts all {len(values)} test values in the right band, "
        "edges included."
    )


def _edge_below(d: float) -> float:
    """The threshold just below ``d`` (``d`` sits one float above it)."""
    return max(edge for edge in THRESHOLDS.values() if edge < d)
