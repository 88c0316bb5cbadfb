"""Checkers for notebooks 00-03: warm-up, reshaping, central difference, relative difference."""

from __future__ import annotations

import platform
import re
from collections.abc import Callable, Mapping
from importlib import metadata

import numpy as np

from ..compare import THRESHOLDS, Verdict, classify, relative_difference
from ..numeric import central_difference, forward_difference
from ..vectors import ParamLayout, dictionary_to_vector
from ._common import ExerciseError, _answer, _as_number, _returned_none

__all__ = [
    "MINIMUM_VERSIONS",
    "environment_versions",
    "check_environment",
    "check_cube_derivative",
    "check_flatten",
    "check_unflatten",
    "check_numerical_gradient",
    "check_relative_difference",
    "check_classify",
]

#: What the course needs, as in pyproject.toml: distribution name -> oldest version that works.
MINIMUM_VERSIONS: dict[str, tuple[int, ...]] = {
    "python": (3, 10),
    "numpy": (1, 24),
    "matplotlib": (3, 7),
    "ipywidgets": (8, 0),
    "nbval": (0, 11),
}


def environment_versions() -> dict[str, str]:
    """The installed version of Python and of each package in :data:`MINIMUM_VERSIONS`.

    Returns
    -------
    dict of str to str
        Name -> version string, or ``"not installed"``. Reads package metadata only, so
        nothing is imported.
    """
    versions = {"python": platform.python_version()}
    for name in MINIMUM_VERSIONS:
        if name == "python":
            continue
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def _release(version: str) -> tuple[int, ...]:
    """The leading numbers of a version string: ``"2.1.0rc1"`` -> ``(2, 1, 0)``."""
    numbers = []
    for part in version.split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.group() != part:
            break
    return tuple(numbers)


def check_environment() -> str:
    """Check that Python and the course's packages are installed and recent enough.

    Returns
    -------
    str
        One line per requirement, the same on every machine that passes (no version numbers),
        so a notebook can compare it.

    Raises
    ------
    ExerciseError
        Naming what is missing or too old, and how to fix it.
    """
    versions = environment_versions()
    lines, problems = [], []
    for name, minimum in MINIMUM_VERSIONS.items():
        wanted = ".".join(map(str, minimum))
        found = versions[name]
        if found == "not installed":
            problems.append(f"{name} is not installed")
        elif _release(found) < minimum:
            problems.append(f"{name} is {found}, older than the {wanted} the course needs")
        else:
            lines.append(f"✓ {name} {wanted} or newer")
    if problems:
        raise ExerciseError(
            "; ".join(problems) + ". Run `make lab` from the repository's folder (it installs "
            "everything into .venv), or `pip install -e .` in your own environment, then "
            "restart the kernel."
        )
    return "\n".join(lines)


# --- Exercise 0.1: the derivative of x³ (notebook 00) ---------------------------------------


def check_cube_derivative(derivative: Callable[[float], float]) -> str:
    """Check Exercise 0.1: ``derivative(x)`` returns the slope of f(x) = x³ at x, i.e. 3x².

    Parameters
    ----------
    derivative : callable
        The learner's function of one number.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the mistake (returning x³ itself, 3x, x², ...).
    """
    points = [2.0, -1.5, 0.5, 3.0]
    name = "derivative"
    for x in points:
        got = _as_number(_answer(derivative, name, x), name, "one number, the slope 3x² at x")
        numerical = float(central_difference(lambda v: float(v**3), np.array(x), 1e-5))
        if abs(got - 3 * x**2) <= 1e-9 * max(1.0, 3 * x**2):
            continue
        slip = ""
        if np.isclose(got, x**3):
            slip = " That is x³, the function itself: the slope is its derivative."
        elif np.isclose(got, 3 * x):
            slip = " That is 3x: the power rule gives d/dx x³ = 3x², so square x."
        elif np.isclose(got, x**2):
            slip = " That is x²: the power rule brings the exponent down as a factor, 3x²."
        elif np.isclose(got, 3 * x**3):
            slip = " That is 3x³: lower the exponent by one, 3x²."
        raise ExerciseError(
            f"at x = {x:g} your derivative gives {got:g}, but the slope of x³ there is "
            f"{3 * x**2:g} (a central difference measures {numerical:.6f}).{slip}"
        )
    return (
        "✓ Exercise 0.1: your derivative 3x² matches the numerical slope of x³ at "
        f"{len(points)} points."
    )


# --- Exercises 1.1 and 1.2: flattening and unflattening (notebook 01) -----------------------

#: The layout the flattening checks use: every array has its own size, the dictionary's order
#: is not alphabetical, and the matrices are not square (so row- and column-order differ).
_FLATTEN_SHAPES = {
    "W1": (4, 5),
    "b1": (4, 1),
    "W2": (2, 4),
    "b2": (2, 1),
    "W3": (3, 2),
    "b3": (3, 1),
}


def _sample_parameters(
    shapes: Mapping[str, tuple[int, ...]] = _FLATTEN_SHAPES, seed: int = 0
) -> dict[str, np.ndarray]:
    """Parameters with distinct random values, so every number's position can be traced."""
    rng = np.random.default_rng(seed)
    return {name: rng.standard_normal(shape) for name, shape in shapes.items()}


def _names(names) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _find_run(vector: np.ndarray, run: np.ndarray) -> int | None:
    """Start of ``run`` inside ``vector`` as a contiguous piece, or None."""
    if run.size == 0 or run.size > vector.size:
        return None
    for start in np.flatnonzero(vector == run[0]):
        if start + run.size <= vector.size and np.array_equal(
            vector[start : start + run.size], run
        ):
            return int(start)
    return None


def _diagnose_flatten(theta: np.ndarray, parameters: Mapping[str, np.ndarray]) -> str:
    """Say how a wrong flat vector was built from ``parameters`` (distinct random values)."""
    expected, layout = dictionary_to_vector(parameters)
    names = list(parameters)
    row_order = {n: _find_run(theta, parameters[n].reshape(-1)) for n in names}
    column_order = {n: _find_run(theta, parameters[n].reshape(-1, order="F")) for n in names}
    found = {n for n in names if row_order[n] is not None or column_order[n] is not None}
    if theta.size != expected.size:
        missing = [n for n in names if n not in found]
        message = f"your vector has {theta.size} entries; the parameters have {expected.size}"
        if theta.size < expected.size and missing:
            return message + f" — did you skip {_names(missing)}?"
        if theta.size > expected.size:
            twice = [
                n
                for n in names
                if row_order[n] is not None
                and _find_run(theta[row_order[n] + 1 :], parameters[n].reshape(-1)) is not None
            ]
            if twice:
                return message + f" — did you put {_names(twice)} in twice?"
        return message + " — put every entry of every array in once"
    if all(row_order[n] is not None for n in names):
        order = sorted(names, key=lambda n: row_order[n])
        if order == sorted(names):
            return (
                f"your vector follows the names in alphabetical order ({', '.join(order)}); θ "
                f"follows the dictionary's order ({', '.join(names)}), the order the layout "
                "records. Loop over the dictionary as it is, not over sorted(...)"
            )
        return (
            f"your vector holds the arrays in the order {', '.join(order)}; θ follows the "
            f"dictionary's order, {', '.join(names)}"
        )
    by_column = [n for n in names if row_order[n] is None and column_order[n] is not None]
    if by_column:
        return (
            f"you flattened {_names(by_column)} column by column (order='F', or a transpose); "
            "θ reads each array row by row, as .reshape(-1) and .ravel() do by default, so "
            "that reshaping θ back puts every number where it came from"
        )
    position = int(np.flatnonzero(theta != expected)[0])
    name, index = layout.locate(position)
    return (
        f"entry {position} of your vector is {theta[position]:.6g}, but θ[{position}] should be "
        f"{name}[{', '.join(map(str, index))}] = {expected[position]:.6g}"
    )


def check_flatten(flatten: Callable[[Mapping[str, np.ndarray]], np.ndarray]) -> str:
    """Check Exercise 1.1: ``flatten(parameters)`` returns θ, as :func:`dictionary_to_vector` does.

    Parameters
    ----------
    flatten : callable
        The learner's function: a dict of arrays -> 1-D array, arrays in dictionary order,
        each read row by row.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the mistake: a skipped parameter, sorted names, column order, a 2-D column...
    """
    name = "flatten"
    layouts = [_FLATTEN_SHAPES, {"W": (3, 2)}, {"K": (2, 3, 4), "v": (5,)}]
    for number, shapes in enumerate(layouts):
        parameters = _sample_parameters(shapes, seed=number)
        originals = {key: value.copy() for key, value in parameters.items()}
        theta = _answer(flatten, name, parameters)
        changed = [k for k in originals if not np.array_equal(parameters[k], originals[k])]
        if changed:
            raise ExerciseError(
                f"your flatten changed {_names(changed)}: read the arrays, never write into them"
            )
        if theta is None:
            raise _returned_none(name)
        if not isinstance(theta, np.ndarray):
            raise ExerciseError(
                f"your flatten returned a {type(theta).__name__}; return a numpy array "
                "(np.concatenate of the flattened arrays gives one)"
            )
        expected, _ = dictionary_to_vector(parameters)
        if theta.ndim != 1:
            advice = (
                "use .reshape(-1), not .reshape(-1, 1), so that θ is flat"
                if theta.size == expected.size
                else "θ must be one flat vector"
            )
            raise ExerciseError(
                f"your vector has shape {theta.shape}; θ must be 1-D, of shape "
                f"{expected.shape}: {advice}"
            )
        if not np.array_equal(theta, expected):
            raise ExerciseError(_diagnose_flatten(theta, parameters))
    return (
        f"✓ Exercise 1.1: your flatten gives dictionary_to_vector's θ on {len(layouts)} layouts, "
        "entry for entry."
    )


def _diagnose_unflatten(
    parameters: Mapping, theta: np.ndarray, layout: ParamLayout
) -> ExerciseError | None:
    """The first thing wrong with the learner's dictionary, or None when it is right."""
    if parameters is None:
        return _returned_none("unflatten")
    if not isinstance(parameters, Mapping):
        return ExerciseError(
            f"your unflatten returned a {type(parameters).__name__}; return a dict that maps "
            "each name to its array"
        )
    keys, names = list(parameters), list(layout.names)
    missing = [n for n in names if n not in parameters]
    if missing:
        return ExerciseError(
            f"your dictionary has no {_names(repr(n) for n in missing)} (its keys are {keys}) — "
            "make one entry per name"
        )
    if keys != names:
        extra = [k for k in keys if k not in names]
        if extra:
            return ExerciseError(f"your dictionary has keys that name no parameter: {extra}")
        return ExerciseError(
            f"your dictionary's keys come in the order {keys}; keep the order of `names`, "
            f"{names}, so that flattening it again gives the same θ"
        )
    for name, shape, part in layout:
        value = np.asarray(parameters[name])
        expected = theta[part].reshape(shape)
        if value.shape != shape:
            if value.size == expected.size and len(shape) == 2 and value.shape == shape[::-1]:
                advice = "it looks transposed; reshape to shape itself, (rows, columns)"
            elif value.size == expected.size:
                advice = (
                    "reshape it to the full shape: a (n,) vector and a (n, 1) column broadcast "
                    "differently, so b1 + something would silently give the wrong shape"
                )
            else:
                advice = (
                    f"it needs {expected.size} entries: each array takes prod(shape) entries of "
                    "θ, starting right after the previous array"
                )
            return ExerciseError(
                f"'{name}' has shape {value.shape} but must have shape {shape}; {advice}"
            )
        if np.array_equal(value, expected):
            continue
        if np.array_equal(value, theta[part].reshape(shape, order="F")):
            return ExerciseError(
                f"'{name}' is filled column by column (order='F'); θ holds each array row by "
                "row, so reshape with the default order"
            )
        start = _find_run(theta, value.reshape(-1))
        if start is not None:
            stop = start + value.size
            hint = (
                "the first entries again: move the start past the arrays before it"
                if start == 0
                else "is the slice off by one?"
                if abs(start - part.start) == 1
                else f"{name} starts at entry {part.start}, where the array before it ends"
            )
            return ExerciseError(
                f"'{name}' holds θ[{start}:{stop}] but should hold θ[{part.start}:{part.stop}] — "
                f"{hint}"
            )
        return ExerciseError(
            f"'{name}' does not hold θ[{part.start}:{part.stop}] reshaped to {shape}: its "
            f"entries should come from that slice of θ, in order"
        )
    return None


#: The layouts Exercise 1.2 is checked on, besides its main one: the round trip must work for
#: any shapes, not only for matrices and columns.
_ROUND_TRIP_LAYOUTS: dict[str, dict[str, tuple[int, ...]]] = {
    "a three-layer network": _FLATTEN_SHAPES,
    "a single (1, 1) array": {"b": (1, 1)},
    "the reference network": {"W1": (4, 2), "b1": (4, 1), "W2": (1, 4), "b2": (1, 1)},
    "a 3-D array and a plain vector": {"K": (2, 3, 4), "v": (5,)},
}


def check_unflatten(unflatten: Callable[..., Mapping[str, np.ndarray]]) -> str:
    """Check Exercise 1.2: ``unflatten(theta, names, shapes)`` inverts the flattening.

    The round trip is checked both ways on several layouts: unflattening θ gives the
    dictionary θ was made from, so flattening the result gives θ again.

    Parameters
    ----------
    unflatten : callable
        The learner's function: a 1-D θ, a sequence of names and one of shapes -> a dict of
        arrays, as :func:`vector_to_dictionary` returns.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the layout and the mistake: a (4,) bias instead of (4, 1), slices that do not
        move on, column order, keys out of order...
    """
    for number, (label, shapes) in enumerate(_ROUND_TRIP_LAYOUTS.items()):
        parameters = _sample_parameters(shapes, seed=2 + number)
        theta, layout = dictionary_to_vector(parameters)
        original = theta.copy()
        try:
            result = _answer(
                unflatten,
                "unflatten",
                theta,
                layout.names,
                layout.shapes,
                hint="Each array takes prod(shape) entries of θ, right after the previous array",
            )
        except ExerciseError as error:
            raise ExerciseError(f"on {label}: {error}") from error
        if not np.array_equal(theta, original):
            raise ExerciseError("your unflatten changed θ: read its entries, never write into θ")
        problem = _diagnose_unflatten(result, theta, layout)
        if problem is not None:
            raise ExerciseError(f"on {label}: {problem}")
    return (
        "✓ Exercise 1.2: your unflatten gives every array back (name, shape, values) on "
        f"{len(_ROUND_TRIP_LAYOUTS)} layouts."
    )


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
        got = _answer(numerical_gradient, name, _test_function, x, epsilon)
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
            _answer(relative_difference_answer, name, analytical.copy(), numerical.copy()),
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
        got = _answer(classify_answer, name, d)
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
