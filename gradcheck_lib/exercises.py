"""Checkers for the course's exercises: each says in plain words what is wrong, or confirms.

A check cell calls one of these with the learner's answer. A checker raises
:class:`ExerciseError` (an AssertionError, so nbval and pytest report it as a failure) whose
message names the mistake, e.g. "your vector has 46 entries; the parameters have 47 — did you
skip b3?". On success it returns a short confirmation string for the cell to print.
"""

from __future__ import annotations

__all__ = ["ExerciseError"]


class ExerciseError(AssertionError):
    """The learner's answer is wrong; the message says how, in plain words."""


# ---------------------------------------------------------------------------------------------
# Notebooks 00-03 (reshaping, central difference, relative difference)
# ---------------------------------------------------------------------------------------------

import platform  # noqa: E402
import re  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402
from importlib import metadata  # noqa: E402

import numpy as np  # noqa: E402

from .compare import THRESHOLDS, Verdict, classify, relative_difference  # noqa: E402
from .numeric import central_difference, forward_difference  # noqa: E402
from .vectors import ParamLayout, dictionary_to_vector  # noqa: E402

__all__ += [
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


def _answer(function: Callable, name: str, *args, hint: str = ""):
    """Call the learner's ``function``; turn a crash into a plain ExerciseError.

    NotImplementedError (the exercise stub) goes through unchanged: it already says which
    exercise is still to do.
    """
    if not callable(function):
        raise ExerciseError(
            f"pass the function itself ({name}, without parentheses), not a "
            f"{type(function).__name__}"
        )
    try:
        with np.errstate(all="ignore"):
            return function(*args)
    except NotImplementedError:
        raise
    except Exception as error:  # the learner's code crashed: say where, keep the cause
        raise ExerciseError(
            f"your {name} raised {type(error).__name__}: {error}" + (f". {hint}" if hint else "")
        ) from error


def _returned_none(name: str) -> ExerciseError:
    return ExerciseError(f"your {name} returned None: did you forget the `return` statement?")


def _as_number(value: object, name: str, what: str) -> float:
    """The learner's result as a float, or an ExerciseError saying why it is not one number."""
    if value is None:
        raise _returned_none(name)
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ExerciseError(f"your {name} returned {value!r}; it should return {what}")
    if array.size != 1:
        raise ExerciseError(
            f"your {name} returned an array of shape {array.shape}; it should return {what}"
        )
    return float(array.reshape(-1)[0])


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


# ---------------------------------------------------------------------------------------------
# Notebooks 04 and 06 (checking a network, practice)
# ---------------------------------------------------------------------------------------------

from . import assignment as _assignment  # noqa: E402
from . import bugs as _bugs  # noqa: E402
from . import network as _network  # noqa: E402
from .check import gradient_check as _gradient_check  # noqa: E402
from .report import GradCheckReport as _GradCheckReport  # noqa: E402
from .vectors import gradients_to_vector as _gradients_to_vector  # noqa: E402
from .vectors import vector_to_dictionary as _vector_to_dictionary  # noqa: E402

__all__ += [
    "GRADIENT_CHECK_MISTAKES",
    "check_gradient_check_n",
    "check_buggy_parameters",
    "check_regularized_cost",
    "check_spot_check",
]


# --- Exercise 4.1: the gradient check, written by hand (notebook 04) ------------------------

#: The slips of a hand-written gradient check that :func:`check_gradient_check_n` recognizes,
#: each with what to tell the learner.
GRADIENT_CHECK_MISTAKES: dict[str, str] = {
    "divided_by_epsilon": (
        "you divide J⁺ − J⁻ by ε, but the two points are 2ε apart: "
        "gradapprox = (J_plus - J_minus) / (2 * epsilon)"
    ),
    "operator_precedence": (
        "(J_plus - J_minus) / 2 * epsilon multiplies by ε instead of dividing: Python reads "
        "a / 2 * b as (a / 2) * b. Write (J_plus - J_minus) / (2 * epsilon)"
    ),
    "one_sided": (
        "you use the one-sided difference (J(θ + ε·e_i) − J(θ)) / ε, whose error is O(ε). "
        "Use the two-sided one, (J(θ + ε·e_i) − J(θ − ε·e_i)) / (2ε), whose error is O(ε²)"
    ),
    "not_restored": (
        "you do not put θ_i back after perturbing it, so every later entry is checked at a "
        "shifted θ. Restore it after computing J_minus, or perturb copies: "
        "theta_plus = np.copy(theta)"
    ),
    "no_copy": (
        "theta_plus = theta (or theta_minus = theta) makes no copy, only a second name for the "
        "same array: subtracting ε from theta_minus[i] undoes the +ε, so J_minus is computed at "
        "θ instead of θ − ε·e_i. Use theta_plus = np.copy(theta), and the same for theta_minus"
    ),
    "cost_at_unperturbed_parameters": (
        "your gradapprox is zero: J_plus and J_minus are computed from the unchanged "
        "parameters. Evaluate the cost at vector_to_dictionary(theta_plus, layout) and "
        "vector_to_dictionary(theta_minus, layout)"
    ),
    "every_entry_moved": (
        "you move every entry of θ at once (theta + epsilon); the central difference for "
        "entry i moves that entry only: theta_plus[i] = theta_plus[i] + epsilon"
    ),
    "epsilon_ignored": (
        "your function ignores its epsilon argument (it gives the same result whatever ε is "
        "passed): use the epsilon parameter, not a number written into the loop"
    ),
    "difference_of_norms": (
        "the numerator must be the norm of the difference, ‖grad − gradapprox‖ "
        "(np.linalg.norm(grad - gradapprox)), not the difference of the norms"
    ),
    "norm_of_sum": (
        "the denominator must be ‖grad‖ + ‖gradapprox‖ (two norms added), not ‖grad + gradapprox‖"
    ),
    "squared_norms": (
        "you use squared norms (sums of squares); the formula uses the norms themselves: "
        "np.linalg.norm(...)"
    ),
    "no_denominator": (
        "you return ‖grad − gradapprox‖ without dividing by ‖grad‖ + ‖gradapprox‖: only the "
        "relative difference can be compared with the thresholds, whatever the scale of the cost"
    ),
}


def _seed_gradient_check(cost, parameters, gradients, epsilon, mistake=None) -> float:
    """The seed's gradient check, with one of :data:`GRADIENT_CHECK_MISTAKES` made on purpose.

    ``mistake=None`` is the correct loop. The checker compares the learner's results with these,
    so that it can name the slip instead of only saying "wrong".
    """
    theta, layout = dictionary_to_vector(parameters)
    grad = _gradients_to_vector(gradients, layout)
    if mistake == "epsilon_ignored":
        epsilon = 1e-7
    J = float(cost(_vector_to_dictionary(theta, layout)))
    gradapprox = np.zeros_like(theta)
    for i in range(theta.size):
        if mistake == "not_restored":
            theta[i] += epsilon
            J_plus = float(cost(_vector_to_dictionary(theta, layout)))
            theta[i] -= 2 * epsilon
            J_minus = float(cost(_vector_to_dictionary(theta, layout)))
        elif mistake == "no_copy":
            theta_plus = theta
            theta_plus[i] += epsilon
            J_plus = float(cost(_vector_to_dictionary(theta_plus, layout)))
            theta_minus = theta
            theta_minus[i] -= epsilon
            J_minus = float(cost(_vector_to_dictionary(theta_minus, layout)))
        elif mistake == "every_entry_moved":
            J_plus = float(cost(_vector_to_dictionary(theta + epsilon, layout)))
            J_minus = float(cost(_vector_to_dictionary(theta - epsilon, layout)))
        elif mistake == "cost_at_unperturbed_parameters":
            J_plus = J_minus = J
        else:
            theta_plus, theta_minus = np.copy(theta), np.copy(theta)
            theta_plus[i] += epsilon
            theta_minus[i] -= epsilon
            J_plus = float(cost(_vector_to_dictionary(theta_plus, layout)))
            J_minus = float(cost(_vector_to_dictionary(theta_minus, layout)))
        if mistake == "one_sided":
            gradapprox[i] = (J_plus - J) / epsilon
        elif mistake == "divided_by_epsilon":
            gradapprox[i] = (J_plus - J_minus) / epsilon
        elif mistake == "operator_precedence":
            gradapprox[i] = (J_plus - J_minus) / 2 * epsilon
        else:
            gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    norm = np.linalg.norm
    if mistake == "difference_of_norms":
        numerator = abs(norm(grad) - norm(gradapprox))
    elif mistake == "squared_norms":
        numerator = np.sum((grad - gradapprox) ** 2)
    else:
        numerator = norm(grad - gradapprox)
    if mistake == "norm_of_sum":
        denominator = norm(grad + gradapprox)
    elif mistake == "squared_norms":
        denominator = np.sum(grad**2) + np.sum(gradapprox**2)
    elif mistake == "no_denominator":
        denominator = 1.0
    else:
        denominator = norm(grad) + norm(gradapprox)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / denominator)


def _gradient_check_cases() -> list[tuple[str, Callable, dict, dict, float]]:
    """The test cases: (what it is, cost, parameters, gradients, epsilon).

    A small reference network (13 parameters), its correct gradients and a catalog bug, at the
    course's ε and at larger ones; and two made-up gradients (all doubled, all negated) that
    tell the normalization slips apart.
    """
    X, Y = _network.make_dataset(m=20, seed=1)
    parameters = _network.init_parameters(n_x=2, n_h=3, seed=1)
    _, cache = _network.forward_propagation(X, parameters)
    correct = _network.backward_propagation(X, Y, cache, parameters)
    buggy = _network.backward_propagation(
        X, Y, cache, parameters, bugs=[_bugs.CATALOG["dW2_doubled"]]
    )
    cost = _network.cost_function(X, Y)
    doubled = {key: 2 * value for key, value in correct.items()}
    negated = {key: -value for key, value in correct.items()}
    return [
        ("a correct network at ε = 1e-7", cost, parameters, correct, 1e-7),
        ("a network whose dW2 is doubled, at ε = 1e-7", cost, parameters, buggy, 1e-7),
        ("a correct network at ε = 1e-2", cost, parameters, correct, 1e-2),
        ("a correct network at ε = 0.1", cost, parameters, correct, 0.1),
        ("gradients all doubled, at ε = 1e-7", cost, parameters, doubled, 1e-7),
        ("gradients all negated, at ε = 1e-7", cost, parameters, negated, 1e-7),
    ]


def _same_difference(a: float, b: float) -> bool:
    """Do two relative differences agree (both at rounding level, or within 0.1%)?"""
    if not (np.isfinite(a) and np.isfinite(b)):
        return bool(np.isnan(a) and np.isnan(b)) or a == b
    if max(abs(a), abs(b)) <= 1e-7:
        return True
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b))


def check_gradient_check_n(gradient_check_n: object) -> str:
    """Check Exercise 4.1: ``gradient_check_n(cost, parameters, gradients, epsilon)``.

    The learner's function is run on six cases (a correct and a buggy network, several ε) and
    compared with the library's :func:`~gradcheck_lib.gradient_check`. When it disagrees, its
    results are compared with those of the slips in :data:`GRADIENT_CHECK_MISTAKES` (dividing
    by ε, a one-sided difference, not restoring θ_i, a wrong norm, ...) to name the mistake.

    Parameters
    ----------
    gradient_check_n : callable
        The learner's function; it must return the relative difference as one number.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the mistake, the case where it shows, and both numbers.
    NotImplementedError
        From the exercise stub, unchanged.
    """
    name = "gradient_check_n"
    cases = _gradient_check_cases()
    answers = []
    for _, cost, parameters, gradients, epsilon in cases:
        given = {key: value.copy() for key, value in parameters.items()}
        result = _answer(gradient_check_n, name, cost, given, gradients, epsilon)
        for key, value in given.items():
            if not np.array_equal(value, parameters[key]):
                raise ExerciseError(
                    f"your {name} changed the caller's parameter '{key}': perturbing θ in place "
                    "and not putting θ_i back leaves the network moved. Restore each entry after "
                    "computing J_minus, or work on copies (theta_plus = np.copy(theta))."
                )
        answers.append(
            _as_number(
                result,
                name,
                "one number, the relative difference ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)",
            )
        )
    expected = [
        _gradient_check(
            cost, {key: v.copy() for key, v in parameters.items()}, gradients, epsilon=epsilon
        ).difference
        for _, cost, parameters, gradients, epsilon in cases
    ]
    wrong = [
        i
        for i, (a, e) in enumerate(zip(answers, expected, strict=True))
        if not _same_difference(a, e)
    ]
    if not wrong:
        return (
            f"✓ Exercise 4.1: your {name} agrees with the library's gradient_check on "
            f"{len(cases)} cases, among them a correct network and one whose dW2 is doubled."
        )
    first = wrong[0]
    where = (
        f"On {cases[first][0]}, your {name} returns {answers[first]:.3e}, but the library's "
        f"gradient_check gives {expected[first]:.3e}."
    )
    for mistake, advice in GRADIENT_CHECK_MISTAKES.items():
        slipped = [
            _seed_gradient_check(cost, parameters, gradients, epsilon, mistake)
            for _, cost, parameters, gradients, epsilon in cases
        ]
        if all(_same_difference(a, s) for a, s in zip(answers, slipped, strict=True)):
            raise ExerciseError(f"{advice}. {where}")
    raise ExerciseError(
        f"{where} Walk through one entry by hand as in the demo above: θ⁺ = θ + ε·e_i, "
        "θ⁻ = θ − ε·e_i, gradapprox_i = (J(θ⁺) − J(θ⁻)) / (2ε); then difference = "
        "‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)."
    )


# --- Exercise 4.2: name the buggy parameters of the assignment (notebook 04) ---------------


def _assignment_report():
    """The gradient check of the assignment's case with its two planted bugs."""
    X, Y, parameters = _assignment.gradient_check_n_test_case()
    _, cache = _assignment.forward_propagation_n(X, Y, parameters)
    gradients = _assignment.backward_propagation_n(X, Y, cache)
    return _gradient_check(_assignment.cost_function_n(X, Y), parameters, gradients)


def check_buggy_parameters(buggy_parameters: object) -> str:
    """Check Exercise 4.2: the set of parameters whose gradients the assignment gets wrong.

    Parameters
    ----------
    buggy_parameters : set of str
        Parameter names such as ``{"W1", "b3"}``; gradient names (``"dW1"``) are accepted too.

    Returns
    -------
    str
        A confirmation to print, saying which layer's backward step to fix.

    Raises
    ------
    ExerciseError
        For an empty set, a name that is no parameter, an array whose difference is only
        rounding, or a bug left out.
    NotImplementedError
        For ``None``, the placeholder of the learner copy: the exercise is still to do.
    """
    report = _assignment_report()
    by_parameter = report.by_parameter
    names = list(by_parameter)
    planted = set(_assignment.PLANTED_BUGS)
    example = "{'W1', 'b3'}"
    if isinstance(buggy_parameters, str):
        raise ExerciseError(
            f"put the names in a set, e.g. {{'{buggy_parameters}', ...}}, not a single string."
        )
    if buggy_parameters is None:
        raise NotImplementedError(
            "Exercise 4.2: put the names of the parameters with a wrong gradient in the set "
            "buggy_parameters, then run this cell again"
        )
    if not hasattr(buggy_parameters, "__iter__"):
        raise ExerciseError(
            f"buggy_parameters should be a set of parameter names such as {example}, "
            f"not {buggy_parameters!r}."
        )
    answer = set()
    for item in buggy_parameters:
        if not isinstance(item, str):
            raise ExerciseError(
                f"buggy_parameters holds {item!r}; write parameter names as strings, "
                f"such as {example}."
            )
        name = item[1:] if item.startswith("d") and item[1:] in by_parameter else item
        if name not in by_parameter:
            extra = (
                " dZ and dA entries are intermediate values of the backward pass, not "
                "parameters: the check ignores them."
                if item.startswith(("dZ", "dA"))
                else ""
            )
            raise ExerciseError(
                f"'{item}' is not a parameter of this network; its parameters are "
                f"{', '.join(names)}.{extra}"
            )
        answer.add(name)
    if not answer:
        raise ExerciseError(
            "your set is empty: which arrays does report.by_parameter mark critical?"
        )
    innocent = [name for name in names if name in answer - planted]
    if innocent:
        details = ", ".join(f"{name} ({by_parameter[name]:.1e})" for name in innocent)
        verb = "is" if len(innocent) == 1 else "are"
        raise ExerciseError(
            f"{' and '.join(innocent)} {verb} not buggy: {details} sits near 1e-7, which is what "
            "rounding alone gives, and it stays there once the bugs are fixed. A planted bug "
            "shows as a critical difference, above 1e-3."
        )
    missing = planted - answer
    if missing:
        found = " and ".join(name for name in names if name in answer)
        raise ExerciseError(
            f"{found} is right, but the backward pass has {len(planted)} wrong gradients: look "
            "for the other critical array in report.by_parameter or report.worst(5)."
        )
    fixes = " and ".join(
        f"d{name} is {report.scale_factors[name]:.2f}× too large (fix layer {name[1:]})"
        for name in names
        if name in planted
    )
    return f"✓ Exercise 4.2: {fixes}."


# --- Exercise 6.1: include the L2 term in the cost (notebook 06) ---------------------------


def check_regularized_cost(
    regularized_cost: object, X: np.ndarray, Y: np.ndarray, lambd: float
) -> str:
    """Check Exercise 6.1: the cost of the reference network with its L2 term.

    Parameters
    ----------
    regularized_cost : callable
        The learner's ``regularized_cost(parameters) -> float`` on the data ``X``, ``Y``.
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m)
        The data the learner's cost uses.
    lambd : float
        The L2 strength, the same as the backward pass's.

    Returns
    -------
    str
        A confirmation to print, with the verdict of the gradient check it makes possible.

    Raises
    ------
    ExerciseError
        Naming the slip: no L2 term, λ/m instead of λ/(2m), no 1/m, biases regularized, a
        weight left out, norms instead of squares.
    """
    name = "regularized_cost"
    m = X.shape[1]
    cross_entropy = _network.cost_function(X, Y)
    for seed in (1, 2):
        parameters = _network.init_parameters(n_x=X.shape[0], n_h=4, seed=seed)
        parameters["b1"] = parameters["b1"] + 0.5  # biases far from 0, so regularizing them shows
        parameters["b2"] = parameters["b2"] - 0.3
        given = {key: value.copy() for key, value in parameters.items()}
        got = _as_number(
            _answer(regularized_cost, name, given), name, "one number, the regularized cost"
        )
        for key, value in given.items():
            if not np.array_equal(value, parameters[key]):
                raise ExerciseError(
                    f"your {name} changed parameter '{key}'; a cost only reads them."
                )
        W1, b1, W2, b2 = (parameters[key] for key in ("W1", "b1", "W2", "b2"))
        ce = cross_entropy(parameters)
        squares = np.sum(W1**2) + np.sum(W2**2)
        expected = ce + lambd / (2 * m) * squares
        if np.isclose(got, expected, rtol=1e-9, atol=0.0):
            continue
        slips = [
            (
                ce,
                "your cost has no L2 term: add λ/(2m)·(ΣW1² + ΣW2²), the term whose gradient "
                "λ/m·W the backward pass adds",
            ),
            (
                ce + lambd / m * squares,
                "your L2 term is twice too large: it is λ/(2m)·ΣW², whose "
                "gradient is λ/m·W (the 2 of the square cancels the 1/2)",
            ),
            (
                ce + lambd / 2 * squares,
                "your L2 term lacks the 1/m: the cost is a mean over the m "
                "examples, and so is its penalty, λ/(2m)·ΣW²",
            ),
            (
                ce + lambd / (2 * m) * (squares + np.sum(b1**2) + np.sum(b2**2)),
                "you regularized the biases too: the L2 term sums the weights W1 and W2 only",
            ),
            (ce + lambd / (2 * m) * np.sum(W1**2), "your L2 term leaves out W2"),
            (ce + lambd / (2 * m) * np.sum(W2**2), "your L2 term leaves out W1"),
            (
                ce + lambd / (2 * m) * (np.linalg.norm(W1) + np.linalg.norm(W2)),
                "your L2 term adds the norms ‖W‖; it adds their squares, ΣW² = np.sum(W ** 2)",
            ),
            (
                ce + lambd / (2 * m) * (np.sum(W1) + np.sum(W2)),
                "your L2 term sums the weights themselves; it sums their squares, np.sum(W ** 2)",
            ),
            (ce - lambd / (2 * m) * squares, "you subtract the L2 term; the penalty is added"),
        ]
        for value, advice in slips:
            if np.isclose(got, value, rtol=1e-9, atol=0.0):
                raise ExerciseError(f"{advice}. (Your cost: {got:.6f}; expected: {expected:.6f}.)")
        raise ExerciseError(
            f"your {name} gives {got:.6f}, but cross-entropy plus L2 gives {expected:.6f} "
            f"(cross-entropy alone: {ce:.6f}). The cost is J + λ/(2m)·(ΣW1² + ΣW2²)."
        )
    _, cache = _network.forward_propagation(X, parameters)
    gradients = _network.backward_propagation(X, Y, cache, parameters, lambd=lambd)
    report = _gradient_check(regularized_cost, parameters, gradients)
    return (
        f"✓ Exercise 6.1: your cost includes the L2 term, and the check of the regularized "
        f"backward pass against it says {report.verdict.label}."
    )


# --- Exercise 6.2: spot-check a big network within a budget (notebook 06) ------------------


def check_spot_check(spot_report: object, *, parameter_count: int, budget: int) -> str:
    """Check Exercise 6.2: a cheap check of a big network that still catches its bug.

    Parameters
    ----------
    spot_report : GradCheckReport
        What the learner's call to :func:`~gradcheck_lib.gradient_check` returned.
    parameter_count : int
        n, the number of parameters of the big network (a full check costs 2n + 2).
    budget : int
        The most cost evaluations allowed.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        When it is no report, checks another network, costs more than the budget, uses a large
        ε, or misses the bug.
    NotImplementedError
        For ``None``, the placeholder of the learner copy: the exercise is still to do.
    """
    full = 2 * parameter_count + 2
    if spot_report is None:
        raise NotImplementedError(
            "Exercise 6.2: spot_report is still None; set it to what gradient_check(big_cost, "
            "big_parameters, big_gradients, ...) returns, then run this cell again"
        )
    if not isinstance(spot_report, _GradCheckReport):
        raise ExerciseError(
            f"spot_report is a {type(spot_report).__name__}; keep the whole report that "
            "gradient_check returns (not only its .difference), so its mode and cost can be read."
        )
    if spot_report.layout.size != parameter_count:
        raise ExerciseError(
            f"your report checks a network of {spot_report.layout.size} parameters; check the big "
            f"one, big_parameters, which has {parameter_count}."
        )
    if spot_report.evaluations > budget:
        raise ExerciseError(
            f"your check made {spot_report.evaluations} cost evaluations ({spot_report.mode} "
            f"mode); the budget is {budget}. A full check makes at least 2n + 2 = {full}: pass "
            "mode='sample' or mode='directional', which cost a few evaluations per array "
            "whatever n is."
        )
    if spot_report.epsilon > 1e-4:
        raise ExerciseError(
            f"ε = {spot_report.epsilon:g} is large: the central difference's O(ε²) error would "
            "hide small bugs. Keep the default ε = 1e-7."
        )
    if spot_report.passed:
        raise ExerciseError(
            "your check passed, but big_gradients has a planted bug: did you pass big_gradients? "
            "If you did, your sample missed it: check more entries or directions."
        )
    worst = max(spot_report.by_parameter, key=spot_report.by_parameter.get)
    return (
        f"✓ Exercise 6.2: {spot_report.mode} mode caught the bug with {spot_report.evaluations} "
        f"cost evaluations instead of {full}; the worst array is {worst}."
    )


# ---------------------------------------------------------------------------------------------
# Notebook 05 (the bug-hunt lab)
# ---------------------------------------------------------------------------------------------
# The checkers recompute the truth with bugs.check_network at the lab's defaults, so they need
# neither ipywidgets nor a running lab.

__all__ += ["LAB_EPSILON_STEP_DECADES", "check_quiet_bugs", "check_excellent_window"]

#: One step of the lab's ε slider, in decades (gradcheck_lib.lab uses the same value).
LAB_EPSILON_STEP_DECADES = 0.1
_QUIET = (Verdict.WARNING, Verdict.ERROR)


def _lab_verdicts() -> dict[str, tuple[Verdict, float]]:
    """Each catalog bug's verdict and difference at the lab's defaults (ε = 1e-7)."""
    return {
        name: (report.verdict, report.difference)
        for name, report in ((name, _bugs.check_network(bugs=[name])) for name in _bugs.CATALOG)
    }


def check_quiet_bugs(quiet_bugs: object) -> str:
    """Exercise 5.1: the catalog bugs whose verdict at the lab's defaults is warning or error.

    Parameters
    ----------
    quiet_bugs : iterable of str
        Catalog names (the keys of ``lab.bug_boxes``), in any order.

    Returns
    -------
    str
        A confirmation naming the quiet bugs, the same whatever order they were given in.

    Raises
    ------
    ExerciseError
        If the answer is not a collection of names, uses titles instead of names, names a bug
        twice or one that is not in the catalog, includes a critical bug, or misses a quiet one.
    """
    if quiet_bugs is None or quiet_bugs is Ellipsis:
        raise ExerciseError(
            "got None instead of a list of bug names: did find_quiet_bugs forget to `return` "
            "the list of the bugs whose verdict is 'warning' or 'error'?"
        )
    if isinstance(quiet_bugs, str) or not hasattr(quiet_bugs, "__iter__"):
        raise ExerciseError(
            f"quiet_bugs should be a list of bug names, like ['dW2_doubled'], not a "
            f"{type(quiet_bugs).__name__}"
        )
    answer = list(quiet_bugs)
    titles = {bug.title: name for name, bug in _bugs.CATALOG.items()}
    as_titles = [item for item in answer if item in titles]
    if as_titles:
        raise ExerciseError(
            f"use the catalog names (the keys of lab.bug_boxes), not the checkbox titles: "
            f"{as_titles[0]!r} is called {titles[as_titles[0]]!r}"
        )
    unknown = [item for item in answer if item not in _bugs.CATALOG]
    if unknown:
        raise ExerciseError(
            f"{unknown[0]!r} is not a bug of the catalog; the names are the keys of lab.bug_boxes"
        )
    repeated = sorted({name for name in answer if answer.count(name) > 1})
    if repeated:
        raise ExerciseError(f"{repeated[0]!r} appears more than once: name each bug once")
    verdicts = _lab_verdicts()
    loud = [name for name in answer if verdicts[name][0] not in _QUIET]
    if loud:
        verdict, difference = verdicts[loud[0]]
        raise ExerciseError(
            f"{loud[0]!r} is not quiet: at the lab's defaults its verdict is {verdict.value} "
            f"(d = {difference:.1e}). Were ε, λ and the activation at their defaults? Press "
            "Reset and tick one bug at a time."
        )
    missed = [name for name, (verdict, _) in verdicts.items() if verdict in _QUIET]
    missed = [name for name in missed if name not in answer]
    if missed:
        verdict, difference = verdicts[missed[0]]
        raise ExerciseError(
            f"you missed {missed[0]!r}: its verdict is {verdict.value} (d = {difference:.1e}). "
            f"Count the warning band and the error band, {len(missed) + len(answer)} bugs in all."
        )
    listed = ", ".join(sorted(answer))
    return (
        f"✓ Exercise 5.1: {len(answer)} quiet bugs ({listed}). Each one gets a small term "
        "wrong (regularization), so its gap is small next to the whole gradient: a warning is "
        "not a pass."
    )


def check_excellent_window(smallest: object, largest: object) -> str:
    """Exercise 5.2: the smallest and largest ε at which the correct network is excellent.

    Parameters
    ----------
    smallest, largest : float
        Steps ε found with the lab's slider (or by any search). Each must be excellent itself,
        and one slider step further out (0.1 decade, about 26 %) must not be.

    Returns
    -------
    str
        A confirmation with the window's width in decades.

    Raises
    ------
    ExerciseError
        If a bound is missing or not a positive number, the bounds are swapped, a bound is not
        excellent, or a bound could be pushed one slider step further out.
    """
    bounds = {}
    for name, value in (("smallest", smallest), ("largest", largest)):
        if value is None or value is Ellipsis:
            raise ExerciseError(
                f"{name} is None: return the two steps you found, as `return smallest, largest`"
            )
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise ExerciseError(
                f"{name} should be one number, the step ε, not a {type(value).__name__} "
                f"({value!r}); read it from lab.epsilon_slider.value"
            )
        number = float(value)
        if not np.isfinite(number) or number <= 0:
            raise ExerciseError(f"{name} = {number!r}: a step ε is a positive number")
        bounds[name] = number
    low, high = bounds["smallest"], bounds["largest"]
    if low >= high:
        raise ExerciseError(
            f"smallest = {low:.2e} is not below largest = {high:.2e}: did you swap them?"
        )
    step = 10.0**LAB_EPSILON_STEP_DECADES
    for name, epsilon, further, direction in (
        ("smallest", low, low / step, "down"),
        ("largest", high, high * step, "up"),
    ):
        report = _bugs.check_network(epsilon=epsilon)
        if not report.passed:
            side = "rounding error" if name == "smallest" else "the O(ε²) truncation error"
            raise ExerciseError(
                f"at {name} = {epsilon:.2e} the correct network is {report.verdict.value} "
                f"(d = {report.difference:.2e}), not excellent: {side} is too large there. "
                f"Move {'up' if direction == 'down' else 'down'}."
            )
        if _bugs.check_network(epsilon=further).passed:
            raise ExerciseError(
                f"ε = {epsilon:.2e} is excellent, but so is one slider step further "
                f"{direction}, ε = {further:.2e}: the window reaches further {direction}"
            )
    decades = np.log10(high / low)
    return (
        f"✓ Exercise 5.2: the correct network is excellent for ε from about {low:.1e} to "
        f"{high:.1e}, a window of {decades:.0f} decades; the course's ε = 1e-7 sits inside it."
    )
