"""Checkers for notebook 00: the environment check and Exercise 0.1 (the derivative of x³)."""

from __future__ import annotations

import platform
import re
from collections.abc import Callable
from importlib import metadata

import numpy as np

from ..numeric import central_difference
from ._common import ExerciseError, _answer, _as_number

__all__ = ["MINIMUM_VERSIONS", "environment_versions", "check_environment", "check_cube_derivative"]

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
