"""Checkers for notebook 05's challenges, recomputed with bugs.check_network at the lab's
defaults, so they need neither ipywidgets nor a running lab."""

from __future__ import annotations

import dataclasses

import numpy as np

from .. import bugs as _bugs
from ..compare import Verdict
from ..network import DEFAULT_SETTINGS, NetworkSettings
from ._common import ExerciseError, _answer, _returned_none

__all__ = [
    "LAB_EPSILON_STEP_DECADES",
    "QUIET_BUG_SETTINGS",
    "check_quiet_bugs",
    "check_excellent_window",
]

#: One step of the lab's ε slider, in decades (gradcheck_lib.lab uses the same value).
LAB_EPSILON_STEP_DECADES = 0.1
_QUIET = (Verdict.WARNING, Verdict.ERROR)


def _lab_verdicts(settings: NetworkSettings = DEFAULT_SETTINGS) -> dict[str, tuple[Verdict, float]]:
    """Each catalog bug's verdict and difference under ``settings`` (ε = 1e-7)."""
    return {
        name: (report.verdict, report.difference)
        for name, report in (
            (name, _bugs.check_network(settings, bugs=[name])) for name in _bugs.CATALOG
        )
    }


#: The settings Exercise 5.1's function is run on: the lab's defaults, and two the notebook never
#: shows (a strong L2 term, where most regularization bugs turn critical; another dataset and
#: initialization), so that each has its own quiet set.
QUIET_BUG_SETTINGS: dict[str, NetworkSettings] = {
    "the lab's defaults": DEFAULT_SETTINGS,
    "a strong L2 term (λ = 3)": dataclasses.replace(DEFAULT_SETTINGS, lambd=3.0),
    "another dataset (seed 3)": dataclasses.replace(DEFAULT_SETTINGS, seed=3),
}


def check_quiet_bugs(quiet_bugs: object) -> str:
    """Exercise 5.1: the catalog bugs whose verdict is warning or error.

    Parameters
    ----------
    quiet_bugs : callable or iterable of str
        The learner's ``find_quiet_bugs(settings)``, which returns the catalog names (the keys
        of ``lab.bug_boxes``) of the quiet bugs under any
        :class:`~gradcheck_lib.network.NetworkSettings`. It is run on the lab's defaults and on
        the settings of :data:`QUIET_BUG_SETTINGS` that the notebook never shows, so the
        names cannot be copied from a table. A plain collection of names is checked against
        the defaults only.

    Returns
    -------
    str
        A confirmation naming the quiet bugs at the defaults, the same whatever order they were
        given in.

    Raises
    ------
    ExerciseError
        If the answer is not a collection of names, uses titles instead of names, names a bug
        twice or one that is not in the catalog, includes a critical bug, or misses a quiet one,
        naming the settings it happened under.
    """
    if not callable(quiet_bugs):
        return _judge_quiet_bugs(quiet_bugs, DEFAULT_SETTINGS, "")
    message = ""
    for label, settings in QUIET_BUG_SETTINGS.items():
        answer = _answer(quiet_bugs, "find_quiet_bugs", settings)
        judged = _judge_quiet_bugs(answer, settings, f"under {label}: ")
        message = message or judged
    others = " and ".join(list(QUIET_BUG_SETTINGS)[1:])
    return f"{message} Right under {others} too."


def _judge_quiet_bugs(quiet_bugs: object, settings: NetworkSettings, where: str) -> str:
    """The confirmation for one settings, or an ExerciseError starting with ``where``."""
    if quiet_bugs is None or quiet_bugs is Ellipsis:
        raise ExerciseError(
            where + "got None instead of a list of bug names: did find_quiet_bugs forget to "
            "`return` the list of the bugs whose verdict is 'warning' or 'error'?"
        )
    if isinstance(quiet_bugs, str) or not hasattr(quiet_bugs, "__iter__"):
        raise ExerciseError(
            f"{where}quiet_bugs should be a list of bug names, like ['dW2_doubled'], not a "
            f"{type(quiet_bugs).__name__}"
        )
    answer = list(quiet_bugs)
    titles = {bug.title: name for name, bug in _bugs.CATALOG.items()}
    as_titles = [item for item in answer if item in titles]
    if as_titles:
        raise ExerciseError(
            f"{where}use the catalog names (the keys of lab.bug_boxes), not the checkbox "
            f"titles: {as_titles[0]!r} is called {titles[as_titles[0]]!r}"
        )
    unknown = [item for item in answer if item not in _bugs.CATALOG]
    if unknown:
        raise ExerciseError(
            f"{where}{unknown[0]!r} is not a bug of the catalog; the names are the keys of "
            "lab.bug_boxes"
        )
    repeated = sorted({name for name in answer if answer.count(name) > 1})
    if repeated:
        raise ExerciseError(f"{where}{repeated[0]!r} appears more than once: name each bug once")
    verdicts = _lab_verdicts(settings)
    loud = [name for name in answer if verdicts[name][0] not in _QUIET]
    if loud:
        verdict, difference = verdicts[loud[0]]
        advice = (
            "Were ε, λ and the activation at their defaults? Press Reset and tick one bug at a "
            "time."
            if not where
            else "Check each bug under the settings your function is given: "
            "check_network(settings, bugs=[name])."
        )
        raise ExerciseError(
            f"{where}{loud[0]!r} is not quiet: its verdict is {verdict.value} "
            f"(d = {difference:.1e}). {advice}"
        )
    missed = [name for name, (verdict, _) in verdicts.items() if verdict in _QUIET]
    missed = [name for name in missed if name not in answer]
    if missed:
        verdict, difference = verdicts[missed[0]]
        raise ExerciseError(
            f"{where}you missed {missed[0]!r}: its verdict is {verdict.value} "
            f"(d = {difference:.1e}). Count the warning band and the error band, "
            f"{len(missed) + len(answer)} bugs in all."
        )
    listed = ", ".join(sorted(answer))
    return (
        f"✓ Exercise 5.1: {len(answer)} quiet bugs ({listed}). Each one gets a small term "
        "wrong (regularization), so its gap is small next to the whole gradient: a warning is "
        "not a pass."
    )


def _window_from(excellent_window: object) -> tuple[object, object]:
    """The two bounds the learner's ``excellent_window()`` returns, or why it returned none."""
    result = _answer(excellent_window, "excellent_window")
    if result is None:
        raise _returned_none("excellent_window")
    if isinstance(result, (int, float, np.number)) and not isinstance(result, bool):
        raise ExerciseError(
            f"your excellent_window returned one number ({float(result):.2e}); return two, the "
            "smallest and the largest excellent ε: `return smallest, largest`"
        )
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise ExerciseError(
            f"your excellent_window returned {result!r}; return two numbers, the smallest and "
            "the largest excellent ε: `return smallest, largest`"
        )
    return result[0], result[1]


def check_excellent_window(smallest: object, largest: object = None) -> str:
    """Exercise 5.2: the smallest and largest ε at which the correct network is excellent.

    Parameters
    ----------
    smallest : callable or float
        The learner's ``excellent_window()`` (called with no arguments, it returns
        ``(smallest, largest)``), or the smallest step itself.
    largest : float, optional
        The largest step, when ``smallest`` is a number. Both steps may come from the lab's
        slider or from any search; each must be excellent itself, and one slider step further
        out (0.1 decade, about 26 %) must not be.

    Returns
    -------
    str
        A confirmation with the window's width in decades.

    Raises
    ------
    ExerciseError
        If the function returns nothing or one number, a bound is missing or not a positive
        number, the bounds are swapped, a bound is not
        excellent, or a bound could be pushed one slider step further out.
    """
    if callable(smallest) and largest is None:
        smallest, largest = _window_from(smallest)
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
