"""Checkers for the course's exercises: each says in plain words what is wrong, or confirms.

A check cell calls one of these with the learner's answer. A checker raises
:class:`ExerciseError` (an AssertionError, so nbval and pytest report it as a failure) whose
message names the mistake, e.g. "your vector has 46 entries; the parameters have 47 — did you
skip b3?". On success it returns a short confirmation string for the cell to print.

One module per part of the course: ``warmup`` (notebook 00), ``reshaping`` (01),
``differences`` (02 and 03), ``checking`` (04), ``lab_challenges`` (05), ``practice`` (06),
``layers`` (07) and ``capstone`` (08); ``hints`` holds every exercise's progressive hints.
"""

from ._common import ExerciseError
from .capstone import check_capstone
from .checking import GRADIENT_CHECK_MISTAKES, check_buggy_parameters, check_gradient_check_n
from .differences import check_classify, check_numerical_gradient, check_relative_difference
from .hints import HINTS, hints_markdown
from .lab_challenges import (
    LAB_EPSILON_STEP_DECADES,
    QUIET_BUG_SETTINGS,
    check_excellent_window,
    check_quiet_bugs,
)
from .layers import check_batchnorm_backward, check_faulty_layer, mystery_model
from .practice import check_regularized_cost, check_spot_check
from .reshaping import check_flatten, check_unflatten
from .warmup import MINIMUM_VERSIONS, check_cube_derivative, check_environment, environment_versions

__all__ = [
    "ExerciseError",
    "HINTS",
    "hints_markdown",
    "MINIMUM_VERSIONS",
    "environment_versions",
    "check_environment",
    "check_cube_derivative",
    "check_flatten",
    "check_unflatten",
    "check_numerical_gradient",
    "check_relative_difference",
    "check_classify",
    "GRADIENT_CHECK_MISTAKES",
    "check_gradient_check_n",
    "check_buggy_parameters",
    "check_regularized_cost",
    "check_spot_check",
    "LAB_EPSILON_STEP_DECADES",
    "QUIET_BUG_SETTINGS",
    "check_quiet_bugs",
    "check_excellent_window",
    "check_batchnorm_backward",
    "mystery_model",
    "check_faulty_layer",
    "check_capstone",
]
