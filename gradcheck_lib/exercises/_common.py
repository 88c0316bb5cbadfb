"""What every checker shares: the error it raises, calling the learner's code safely, and
noticing when the library's own function did the work."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import numpy as np


class ExerciseError(AssertionError):
    """The learner's answer is wrong; the message says how, in plain words."""


def _answer(
    function: Callable,
    name: str,
    *args,
    hint: str = "",
    explain: Callable[[Exception], str | None] | None = None,
    refuse: Mapping[str, Callable | tuple[Callable, Callable]] | None = None,
    exercise: str = "",
):
    """Call the learner's ``function``; turn a crash into a plain ExerciseError.

    NotImplementedError (the exercise stub) and ExerciseError (raised by a checker's own
    stand-in, such as a guarded cost function) go through unchanged. ``explain`` may turn a
    known crash into a sentence; ``refuse`` names library functions the exercise asks the
    learner to write: if the learner's code calls one, the answer is refused (see
    :func:`_refusing`).
    """
    if not callable(function):
        raise ExerciseError(
            f"pass the function itself ({name}, without parentheses), not a "
            f"{type(function).__name__}"
        )
    with _refusing(refuse or {}) as called:
        try:
            with np.errstate(all="ignore"):
                result = function(*args)
        except (NotImplementedError, ExerciseError):
            raise
        except Exception as error:  # the learner's code crashed: say where, keep the cause
            if called:
                raise _library_did_it(name, called[0], exercise) from error
            known = explain(error) if explain is not None else None
            if known:
                raise ExerciseError(known) from error
            raise ExerciseError(
                f"your {name} raised {type(error).__name__}: {error}"
                + (f". {hint}" if hint else "")
            ) from error
    if called:
        raise _library_did_it(name, called[0], exercise)
    return result


def _library_did_it(name: str, library_function: str, exercise: str) -> ExerciseError:
    return ExerciseError(
        f"your {name} calls gradcheck_lib's own {library_function}, so the library did the work "
        f"{exercise or 'this exercise asks you to do'}. Write it yourself; the "
        "library's version is there to compare with afterwards."
    )


@contextmanager
def _refusing(
    functions: Mapping[str, Callable | tuple[Callable, Callable]],
) -> Iterator[list[str]]:
    """Record which of ``functions`` (name -> library function) run inside the block.

    A value may also be ``(function, condition)``: the call counts only when
    ``condition(arguments)`` is true, e.g. the library's cost only when it adds the L2 term.

    A profile hook watches for calls to those functions' code objects, so it sees them however
    they were imported or renamed (``import gradcheck_lib as g; g.relative_difference``,
    ``from gradcheck_lib.compare import classify as c``), and nothing else trips it. The hook
    that was installed before (a debugger, coverage) keeps running.
    """
    codes, conditions = {}, {}
    for name, watched in functions.items():
        function, condition = watched if isinstance(watched, tuple) else (watched, None)
        codes[function.__code__] = name
        conditions[name] = condition
    called: list[str] = []
    if not codes:
        yield called
        return
    previous = sys.getprofile()

    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes and codes[frame.f_code] not in called:
            name = codes[frame.f_code]
            condition = conditions[name]
            if condition is None or condition(frame.f_locals):
                called.append(name)
        if previous is not None:
            previous(frame, event, arg)

    sys.setprofile(profile)
    try:
        yield called
    finally:
        sys.setprofile(previous)


def _returned_none(name: str) -> ExerciseError:
    return ExerciseError(f"your {name} returned None: did you forget the `return` statement?")


def _as_number(value: object, name: str, what: str) -> float:
    """The learner's result as a float, or an ExerciseError saying why it is not one number."""
    if value is None:
        raise _returned_none(name)
    if isinstance(value, (tuple, list)):
        raise ExerciseError(
            f"your {name} returned a {type(value).__name__} of {len(value)} values; it should "
            f"return {what} alone (return difference, not difference and something else)"
        )
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ExerciseError(f"your {name} returned {value!r}; it should return {what}")
    if array.size != 1:
        raise ExerciseError(
            f"your {name} returned an array of shape {array.shape}; it should return {what}"
        )
    return float(array.reshape(-1)[0])


def _names(names) -> str:
    """``["W1", "b1", "W2"]`` -> ``"W1, b1 and W2"``."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
