"""What every checker shares: the error it raises, and calling the learner's code safely."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class ExerciseError(AssertionError):
    """The learner's answer is wrong; the message says how, in plain words."""


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
