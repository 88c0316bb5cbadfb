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


# ---------------------------------------------------------------------------------------------
# Notebooks 04 and 06 (checking a network, practice)
# ---------------------------------------------------------------------------------------------


# ---------------------------------------------------------------------------------------------
# Notebook 05 (the bug-hunt lab)
# ---------------------------------------------------------------------------------------------
