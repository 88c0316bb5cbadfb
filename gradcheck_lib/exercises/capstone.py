"""Checker for notebook 08, the capstone: the learner's fixed backward pass, on unseen networks.

The learner's copy holds the backward pass of :mod:`gradcheck_lib.capstone` with the bugs of one
seed. :func:`check_capstone` compares the learner's five functions with the reference on layers and
networks that the notebook never shows (other sizes, depths, seeds and L2 strengths), so a patch
that only fits the notebook's network does not pass. It says what is still wrong, by function and
array, without saying how to fix it; it counts the planted bugs still there; and it recognizes the
untouched copy and a fix that special-cases the notebook's inputs.
"""

from __future__ import annotations

import copy
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import capstone as _capstone
from ..compare import relative_difference as _relative_difference
from ..layers import affine_forward, batchnorm_forward, relu_forward, softmax_forward
from ._common import ExerciseError

__all__ = ["AGREEMENT", "check_capstone"]

#: Two backward passes agree when every array's relative difference is at most this: far above
#: the rounding of a different but correct formula (about 1e-15), far below any bug.
AGREEMENT = 1e-8

#: Held-out layer inputs come from ``default_rng([CHECK_STREAM, case])``, a stream of their own.
CHECK_STREAM = 80

_LAYER_FUNCTIONS = _capstone.BACKWARD_FUNCTIONS[:-1]
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

    def arguments(self) -> tuple:
        X, y = _capstone.make_spirals(per_class=7 + self.seed, classes=self.classes, seed=self.seed)
        parameters = _capstone.init_parameters(self.hidden, classes=self.classes, seed=self.seed)
        _, caches = _capstone.forward(X, y, parameters, self.reg)
        return caches, parameters, self.reg

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


def _notebook_arguments() -> tuple:
    problem = _capstone.NOTEBOOK_PROBLEM
    X, y = problem.data()
    _, caches = _capstone.forward(X, y, problem.parameters(), problem.reg)
    return caches, problem.parameters(), problem.reg


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


def _network_finding(
    network_backward: Callable, reference: Mapping[str, Callable], networks
) -> _Finding | None:
    """The glue alone: the learner's network_backward calling the reference layer functions."""
    glue = _with_layers(network_backward, reference)
    for network in networks:
        arguments = network.arguments()
        expected = reference["network_backward"](*_copied(arguments))
        got = _call(glue, "network_backward", network.described, arguments)
        if not isinstance(got, Mapping):
            raise ExerciseError(
                f"Exercise 8.1: your network_backward should return the dict grads, but it "
                f"returned {type(got).__name__}"
            )
        order = ["d" + name for name in arguments[1]]  # the parameters' order: dW1, dgamma1, ...
        wrong = sorted(_wrong_arrays(got, expected), key=order.index)
        if wrong:
            right = tuple(name for name in order if name not in wrong)
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


def _findings(functions: Mapping[str, Callable], reference: Mapping[str, Callable], networks):
    findings = {}
    for name in _LAYER_FUNCTIONS:
        finding = _layer_finding(name, functions[name], reference[name])
        if finding:
            findings[name] = finding
    glue = _network_finding(functions["network_backward"], reference, networks)
    if glue:
        findings["network_backward"] = glue
    return findings


def _whole_network_right(functions: Mapping[str, Callable], reference, arguments) -> bool:
    expected = reference["network_backward"](*_copied(arguments))
    try:
        with np.errstate(all="ignore"):
            got = functions["network_backward"](*_copied(arguments))
    except Exception:  # noqa: BLE001 - any crash means "not right"
        return False
    return isinstance(got, Mapping) and not _wrong_arrays(got, expected)


def _same_as_handed_out(functions: Mapping[str, Callable], seed: int) -> bool:
    """True when every function still computes what the handed-out code computes."""
    handed_out = _capstone.compile_backward(_capstone.learner_code(seed))
    for name in _LAYER_FUNCTIONS:
        for case in _layer_cases(name):
            names = _OUTPUTS[name]
            expected = _as_arrays(handed_out[name](*_copied(case.arguments)), names, name)
            got = _as_arrays(
                _call(functions[name], name, case.described, case.arguments), names, name
            )
            if _wrong_arrays(got, expected):
                return False
    for network in HELD_OUT_NETWORKS:
        arguments = network.arguments()
        expected = handed_out["network_backward"](*_copied(arguments))
        got = _call(functions["network_backward"], "network_backward", network.described, arguments)
        if not isinstance(got, Mapping) or _wrong_arrays(got, expected):
            return False
    return True


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
        A confirmation, when every function agrees with the reference on every held-out case.

    Raises
    ------
    ExerciseError
        Saying which functions and arrays are still wrong, and how many of the planted bugs
        remain; that the code is the copy as handed out; or that it fits the notebook's network
        only.
    """
    functions = _learner_functions(network_backward)
    reference = _capstone.compile_backward()
    planted = _capstone.planted_bugs(seed)
    findings = _findings(functions, reference, HELD_OUT_NETWORKS)
    whole_ok = all(
        _whole_network_right(functions, reference, network.arguments())
        for network in HELD_OUT_NETWORKS
    )
    if not findings and whole_ok:
        return (
            f"✓ Exercise 8.1: your backward pass is right. All five functions agree with the "
            f"reference on layers and {len(HELD_OUT_NETWORKS)} networks that the notebook never "
            "shows (other depths, widths, batch sizes and L2 strengths): "
            f"all {len(planted)} bugs are fixed."
        )
    if _whole_network_right(functions, reference, _notebook_arguments()):
        shown = "; ".join(finding.sentence() for finding in findings.values()) or (
            "the gradients of network_backward differ from the reference on "
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
    planted_functions = {bug.function for bug in planted}
    remaining = sum(1 for function in planted_functions if function in findings)
    advice = (
        "\nLocalize with gradient_check and report.by_parameter, then check_layer on each layer "
        "function, and fix the line that does not differentiate the forward statement in its "
        "comment."
    )
    if _same_as_handed_out(functions, seed):
        raise ExerciseError(
            f"Exercise 8.1: this is still the backward pass as handed out, with its "
            f"{len(planted)} bugs. What is wrong:\n{still}{advice}"
        )
    fixed = len(planted) - remaining
    unplanted = [name for name in findings if name not in planted_functions]
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
