"""Checker for notebook 08, the capstone: the learner's fixed backward pass, on unseen networks.

The learner's copy holds the backward pass of :mod:`gradcheck_lib.capstone` with the bugs of one
seed. :func:`check_capstone` tests the learner's five functions on layers and networks that the
notebook never shows (other sizes, depths, seeds and L2 strengths), so a patch that only fits the
notebook's network does not pass. It needs no answer key: each layer function is compared with the
library's layer (:mod:`gradcheck_lib.layers`, which notebook 07 checks against central
differences), and ``network_backward`` is judged by :func:`~gradcheck_lib.gradient_check` itself,
first with the library's layers in place of the learner's (the code between the layers alone), then
as it is. It says what is still wrong, by function and array, without saying how to fix it; it
counts the planted bugs still there (it knows which functions hold one, not what they are); and it
recognizes a fix that special-cases the notebook's inputs.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import capstone as _capstone
from .. import layers as _layers
from ..check import gradient_check as _gradient_check
from ..compare import relative_difference as _relative_difference
from ..layers import affine_forward, batchnorm_forward, relu_forward, softmax_forward
from ._common import ExerciseError

__all__ = ["AGREEMENT", "HELD_OUT_NETWORKS", "REFERENCE_LAYERS", "check_capstone"]

#: Two backward passes agree when every array's relative difference is at most this: far above
#: the rounding of a different but correct formula (about 1e-15), far below any bug.
AGREEMENT = 1e-8

#: Held-out layer inputs come from ``default_rng([CHECK_STREAM, case])``, a stream of their own.
CHECK_STREAM = 80

_LAYER_FUNCTIONS = _capstone.BACKWARD_FUNCTIONS[:-1]

#: What each layer function is compared with: the library's layers, checked in notebook 07.
REFERENCE_LAYERS: dict[str, Callable] = {
    "affine_backward": _layers.affine_backward,
    "batchnorm_backward": _layers.batchnorm_backward,
    "relu_backward": _layers.relu_backward,
    "softmax_backward": _layers.softmax_backward,
}
_OUTPUTS = {
    "affine_backward": ("dx", "dw", "db"),
    "batchnorm_backward": ("dx", "dgamma", "dbeta"),
    "relu_backward": ("dx",),
    "softmax_backward": ("dscores",),
}


@dataclass(frozen=True)
class _Case:
    """One held-out call: the arguments, and how to name them in a message."""

    arguments: tuple
    described: str


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    x = rng.standard_normal(shape)
    return np.sign(x) * (0.1 + np.abs(x))


def _layer_cases(function: str) -> list[_Case]:
    """Inputs of other sizes than the notebook's, for one layer's backward."""
    cases = []
    for case, (n, d, m) in enumerate(((7, 5, 3), (4, 6, 9))):
        rng = np.random.default_rng([CHECK_STREAM, case])
        if function == "affine_backward":
            x, w, b = rng.standard_normal((n, d)), rng.standard_normal((d, m)), rng.normal(size=m)
            out, cache = affine_forward(x, w, b)
            what = f"x of shape {x.shape} and w of shape {w.shape}"
        elif function == "batchnorm_backward":
            x = 2.0 * rng.standard_normal((n, d)) + 1.0
            gamma, beta = 1.0 + 0.5 * rng.standard_normal(d), rng.standard_normal(d)
            out, cache = batchnorm_forward(x, gamma, beta)
            what = f"a batch of {n} examples of {d} features"
        elif function == "relu_backward":
            out, cache = relu_forward(_away_from_zero(rng, (n, d)))
            what = f"x of shape {(n, d)}"
        else:
            scores, labels = rng.standard_normal((n, m)), rng.integers(0, m, size=n)
            out, cache = softmax_forward(scores, labels)
            dloss = 0.5 + rng.random()
            cases.append(
                _Case((dloss, cache), f"{n} examples of {m} classes and dloss = {dloss:.2f}")
            )
            continue
        cases.append(_Case((rng.standard_normal(np.shape(out)), cache), what))
    return cases


@dataclass(frozen=True)
class _Network:
    """A held-out network: its sizes, data, parameters and caches at one point."""

    hidden: tuple[int, ...]
    classes: int
    reg: float
    seed: int

    def problem(self) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], float]:
        """X, y, the parameters at initialization, and reg."""
        X, y = _capstone.make_spirals(per_class=7 + self.seed, classes=self.classes, seed=self.seed)
        parameters = _capstone.init_parameters(self.hidden, classes=self.classes, seed=self.seed)
        return X, y, parameters, self.reg

    def arguments(self) -> tuple:
        """``(caches, parameters, reg)``: what network_backward receives on this network."""
        return _arguments(*self.problem())

    @property
    def described(self) -> str:
        widths = ", ".join(map(str, self.hidden))
        return (
            f"a network of {len(self.hidden) + 1} layers (hidden widths {widths}), "
            f"{self.classes} classes, {self.classes * (7 + self.seed)} examples, reg = {self.reg}"
        )


#: Networks the notebook never shows: other depths, widths, class counts, batch sizes and reg.
HELD_OUT_NETWORKS = (
    _Network((5, 7), classes=4, reg=0.03, seed=3),
    _Network((6, 4, 5, 3), classes=3, reg=0.02, seed=5),
    _Network((9,), classes=2, reg=0.05, seed=2),
)


def _arguments(X: np.ndarray, y: np.ndarray, parameters: dict, reg: float) -> tuple:
    _, caches = _capstone.forward(X, y, parameters, reg)
    return caches, parameters, reg


def _notebook_problem() -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray], float]:
    problem = _capstone.NOTEBOOK_PROBLEM
    return (*problem.data(), problem.parameters(), problem.reg)


def _shown() -> str:
    problem = _capstone.NOTEBOOK_PROBLEM
    examples = problem.data()[0].shape[0]
    return f"its batch of {examples}, its {len(problem.hidden) + 1} layers, its widths"


def _call(function: Callable, name: str, case_described: str, arguments: tuple) -> Any:
    try:
        with np.errstate(all="ignore"):
            return function(*_copied(arguments))
    except NotImplementedError:
        raise
    except Exception as error:  # the learner's code crashed: say where, keep the cause
        raise ExerciseError(
            f"Exercise 8.1: your {name} raised {type(error).__name__}: {error} (on "
            f"{case_described}, which the notebook does not show). A backward pass must work "
            "for every size: does your code assume the notebook's sizes?"
        ) from error


def _copied(arguments: tuple) -> tuple:
    return copy.deepcopy(arguments)


def _as_arrays(returned: Any, names: tuple[str, ...], function: str) -> dict[str, Any]:
    if len(names) == 1:
        return {names[0]: returned}
    if not isinstance(returned, tuple | list) or len(returned) != len(names):
        raise ExerciseError(
            f"Exercise 8.1: your {function} should return {', '.join(names)} (a tuple of "
            f"{len(names)}), but it returned {type(returned).__name__}"
            + (f" of {len(returned)} items" if isinstance(returned, tuple | list) else "")
        )
    return dict(zip(names, returned, strict=True))


def _wrong_arrays(got: Mapping[str, Any], expected: Mapping[str, np.ndarray]) -> list[str]:
    """Names whose arrays differ from the expected ones (missing, misshapen or other values)."""
    wrong = []
    for name, value in expected.items():
        array = got.get(name)
        try:
            array = np.asarray(array, dtype=np.float64)
        except (TypeError, ValueError):
            wrong.append(name)
            continue
        if array.shape != np.shape(value) or not _agree(array, value):
            wrong.append(name)
    return wrong


def _agree(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(np.isfinite(a))) and _relative_difference(a, b) <= AGREEMENT


@dataclass(frozen=True)
class _Finding:
    """What one function gets wrong on the first held-out case where it is wrong."""

    function: str
    wrong: tuple[str, ...]
    right: tuple[str, ...]
    described: str

    def sentence(self) -> str:
        verb = "is" if len(self.wrong) == 1 else "are"
        if self.function == "network_backward":
            right = "; its other gradients are right" if self.right else ""
            return (
                f"network_backward, in the code between the layers: even with correct layer "
                f"functions, its {_listed(self.wrong)} {verb} wrong on {self.described}{right}"
            )
        right = ""
        if self.right:
            right = f"; its {_listed(self.right)} {'is' if len(self.right) == 1 else 'are'} right"
        return f"{self.function} returns a wrong {_listed(self.wrong)} on {self.described}{right}"


def _listed(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _layer_finding(function: str, candidate: Callable, reference: Callable) -> _Finding | None:
    names = _OUTPUTS[function]
    for case in _layer_cases(function):
        expected = _as_arrays(reference(*_copied(case.arguments)), names, function)
        got = _as_arrays(
            _call(candidate, function, case.described, case.arguments), names, function
        )
        wrong = _wrong_arrays(got, expected)
        if wrong:
            right = tuple(name for name in names if name not in wrong)
            return _Finding(function, tuple(wrong), right, case.described)
    return None


def _wrong_gradients(network_backward: Callable, problem: tuple, described: str) -> list[str]:
    """The gradients of ``network_backward`` that :func:`gradient_check` blames on ``problem``.

    A gradient that is missing, misshapen or not finite counts as wrong without a check (zeros
    stand in for it, so the others can still be checked). Names in the parameters' order.
    """
    X, y, parameters, reg = problem
    got = _call(network_backward, "network_backward", described, _arguments(X, y, parameters, reg))
    if not isinstance(got, Mapping):
        raise ExerciseError(
            f"Exercise 8.1: your network_backward should return the dict grads, but it "
            f"returned {type(got).__name__}"
        )
    gradients, unusable = {}, set()
    for name, value in parameters.items():
        try:
            array = np.asarray(got.get("d" + name), dtype=np.float64)
        except (TypeError, ValueError):
            array = np.empty(0)
        if array.shape != value.shape or not np.all(np.isfinite(array)):
            unusable.add(name)
            array = np.zeros_like(value)
        gradients["d" + name] = array
    report = _gradient_check(_capstone.cost_function(X, y, reg), parameters, gradients)
    return ["d" + name for name in parameters if name in unusable or name in report.diagnosis]


def _network_finding(network_backward: Callable, networks) -> _Finding | None:
    """The glue alone: the learner's network_backward calling the library's layer functions."""
    glue = _with_layers(network_backward, REFERENCE_LAYERS)
    for network in networks:
        problem = network.problem()
        wrong = _wrong_gradients(glue, problem, network.described)
        if wrong:
            right = tuple("d" + name for name in problem[2] if "d" + name not in wrong)
            return _Finding("network_backward", tuple(wrong), right, network.described)
    return None


def _with_layers(network_backward: Callable, layers: Mapping[str, Callable]) -> Callable:
    """A copy of ``network_backward`` that finds ``layers`` under the layer functions' names."""
    if not isinstance(network_backward, types.FunctionType):
        return network_backward
    namespace = {**network_backward.__globals__, **{n: layers[n] for n in _LAYER_FUNCTIONS}}
    return types.FunctionType(
        network_backward.__code__,
        namespace,
        network_backward.__name__,
        network_backward.__defaults__,
        network_backward.__closure__,
    )


def _learner_functions(network_backward: Callable) -> dict[str, Callable]:
    """The learner's five functions: network_backward, and the layers it calls by name."""
    if not callable(network_backward):
        raise ExerciseError(
            "Exercise 8.1: pass your function itself, check_capstone(network_backward, ...), "
            f"not a {type(network_backward).__name__}"
        )
    namespace = getattr(network_backward, "__globals__", {})
    functions = {"network_backward": network_backward}
    for name in _LAYER_FUNCTIONS:
        if not callable(namespace.get(name)):
            raise ExerciseError(
                f"Exercise 8.1: there is no function {name} where network_backward was defined; "
                "run the Exercise 8.1 cell, and keep the names of its five functions"
            )
        functions[name] = namespace[name]
    return functions


def _findings(functions: Mapping[str, Callable], networks) -> dict[str, _Finding]:
    findings = {}
    for name in _LAYER_FUNCTIONS:
        finding = _layer_finding(name, functions[name], REFERENCE_LAYERS[name])
        if finding:
            findings[name] = finding
    glue = _network_finding(functions["network_backward"], networks)
    if glue:
        findings["network_backward"] = glue
    return findings


def _whole_network_right(functions: Mapping[str, Callable], problem: tuple) -> bool:
    try:
        return not _wrong_gradients(functions["network_backward"], problem, "")
    except ExerciseError:  # it crashed or returned no dict: not right
        return False


def check_capstone(network_backward: Callable, seed: int = _capstone.DEFAULT_SEED) -> str:
    """Check Exercise 8.1: the learner's backward pass, fixed, on networks the notebook never shows.

    Parameters
    ----------
    network_backward : callable
        The learner's ``network_backward(caches, parameters, reg) -> grads``. The four layer
        functions it calls (``affine_backward``, ``batchnorm_backward``, ``relu_backward``,
        ``softmax_backward``) are found by name where it was defined, as it finds them itself.
    seed : int
        The capstone seed of the learner's copy (``CAPSTONE_SEED``): which bugs were planted.

    Returns
    -------
    str
        A confirmation, when every layer function agrees with the library's layer and
        gradient_check blames no gradient of network_backward, on every held-out case.

    Raises
    ------
    ExerciseError
        Saying which functions and arrays are still wrong, and how many of the planted bugs
        remain (none fixed yet, or some); or that it fits the notebook's network only.
    """
    functions = _learner_functions(network_backward)
    planted = _capstone.planted_functions(seed)
    findings = _findings(functions, HELD_OUT_NETWORKS)
    whole_ok = all(
        _whole_network_right(functions, network.problem()) for network in HELD_OUT_NETWORKS
    )
    if not findings and whole_ok:
        return (
            f"✓ Exercise 8.1: your backward pass is right. All five functions give the right "
            f"gradients on layers and {len(HELD_OUT_NETWORKS)} networks that the notebook never "
            "shows (other depths, widths, batch sizes and L2 strengths): "
            f"all {len(planted)} bugs are fixed."
        )
    if _whole_network_right(functions, _notebook_problem()):
        shown = "; ".join(finding.sentence() for finding in findings.values()) or (
            "gradient_check blames the gradients of network_backward on "
            + HELD_OUT_NETWORKS[0].described
        )
        raise ExerciseError(
            "Exercise 8.1: your backward pass gives the right gradients for the notebook's "
            f"network, but not for other networks: {shown}. The fix must hold for every input, "
            f"not only the one shown: look for numbers that fit only the notebook ({_shown()}) "
            "or for code that reads the notebook's variables instead of the cache."
        )
    still = "\n".join(f"  - {finding.sentence()}" for finding in findings.values())
    if not still:
        still = "  - the layers are right one by one, but network_backward does not combine them"
    remaining = sum(1 for function in planted if function in findings)
    fixed = len(planted) - remaining
    unplanted = [name for name in findings if name not in planted]
    advice = (
        "\nLocalize with gradient_check and report.by_parameter, then check_layer on each layer "
        "function, and fix the line that does not differentiate the forward statement in its "
        "comment."
    )
    if fixed == 0 and not unplanted:
        raise ExerciseError(
            f"Exercise 8.1: none of the {len(planted)} bugs is fixed yet. What is wrong:\n"
            f"{still}{advice}"
        )
    changed = (
        f"\n({', '.join(unplanted)} had no bug as handed out: undo what you changed there.)"
        if unplanted
        else ""
    )
    raise ExerciseError(
        f"Exercise 8.1: you have fixed {fixed} of the {len(planted)} bugs; "
        f"{remaining} {'is' if remaining == 1 else 'are'} still there. What is wrong:\n"
        f"{still}{changed}{advice}"
    )
