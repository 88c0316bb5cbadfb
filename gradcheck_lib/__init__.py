"""Gradient checking: verify backpropagation by comparing it with central differences.

The core needs numpy only; ``plots`` and ``lab`` add matplotlib and ipywidgets.
"""

from .check import MODES, epsilon_sweep, gradient_check
from .compare import THRESHOLDS, Verdict, classify, relative_difference, worst_first
from .layer_check import check_layer
from .numeric import DEFAULT_EPSILON, central_difference, forward_difference
from .report import CheckedEntry, GradCheckReport
from .vectors import ParamLayout, dictionary_to_vector, gradients_to_vector, vector_to_dictionary

__all__ = [
    "ParamLayout",
    "dictionary_to_vector",
    "vector_to_dictionary",
    "gradients_to_vector",
    "central_difference",
    "forward_difference",
    "DEFAULT_EPSILON",
    "relative_difference",
    "Verdict",
    "THRESHOLDS",
    "classify",
    "worst_first",
    "gradient_check",
    "epsilon_sweep",
    "check_layer",
    "GradCheckReport",
    "CheckedEntry",
    "MODES",
]
