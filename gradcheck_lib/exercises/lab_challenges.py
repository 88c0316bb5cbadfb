"""Checkers for notebook 05's challenges, recomputed with bugs.check_network at the lab's
defaults, so they need neither ipywidgets nor a running lab."""

from __future__ import annotations

import numpy as np

from .. import bugs as _bugs
from ..compare import Verdict
from ._common import ExerciseError

__all__ = ["LAB_EPSILON_STEP_DECADES", "check_quiet_bugs", "check_excellent_window"]

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
