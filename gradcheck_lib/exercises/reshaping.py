"""Checkers for notebook 01: Exercises 1.1 and 1.2, flattening and unflattening parameters."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np

from ..vectors import ParamLayout, dictionary_to_vector, vector_to_dictionary
from ._common import ExerciseError, _answer, _names, _returned_none

__all__ = ["check_flatten", "check_unflatten"]

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
        theta = _answer(
            flatten,
            name,
            parameters,
            refuse={"dictionary_to_vector": dictionary_to_vector},
            exercise="that Exercise 1.1 asks you to do (reshape and join the arrays)",
        )
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


_RESHAPE_ERROR = re.compile(r"cannot reshape array of size (\d+) into shape \(([\d, ]*)\)")


def _explain_unflatten_crash(error: Exception, layout: ParamLayout) -> str | None:
    """Name the slip behind a crash of the learner's unflatten, when it is a known one."""
    one_dimensional = [
        name for name, shape in zip(layout.names, layout.shapes, strict=True) if len(shape) < 2
    ]
    if isinstance(error, IndexError) and "tuple index" in str(error) and one_dimensional:
        shape = layout.shapes[layout.names.index(one_dimensional[0])]
        return (
            f"'{one_dimensional[0]}' has shape {shape}, with one dimension, so shape[1] does "
            "not exist: shape[0] * shape[1] only works for matrices. The number of entries of "
            "any shape is int(np.prod(shape))"
        )
    match = _RESHAPE_ERROR.search(str(error)) if isinstance(error, ValueError) else None
    if match is None:
        return None
    size = int(match.group(1))
    shape = tuple(int(part) for part in match.group(2).replace(" ", "").split(",") if part)
    needed = int(np.prod(shape))
    if len(shape) != 2 and len(shape) > 1 and size == shape[0] * shape[1]:
        return (
            f"the piece for a shape {shape} array has {size} entries, shape[0] * shape[1], but "
            f"it needs {needed}: that product only counts two dimensions. The number of "
            "entries of any shape is int(np.prod(shape))"
        )
    if size < needed:
        return (
            f"the piece of θ for a shape {shape} array has only {size} of its {needed} "
            "entries: your slices drift past the end of θ. Each piece starts exactly where the "
            "previous one stopped: theta[start : start + size], then start = start + size (no "
            "+ 1, and no start + 1 in the slice)"
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
                explain=lambda error, layout=layout: _explain_unflatten_crash(error, layout),
                refuse={"vector_to_dictionary": vector_to_dictionary},
                exercise="that Exercise 1.2 asks you to do (cut θ into pieces and reshape them)",
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
