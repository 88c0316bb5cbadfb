"""Checkers for notebook 07: a batch-normalization backward pass, and finding the faulty layer.

Exercise 7.1 is judged on inputs and shapes the notebook never shows; a wrong answer is compared
with the layer catalog's mistakes, so the message can name the one made. Exercise 7.2 hides one
catalog bug in a small model built from :mod:`gradcheck_lib.layers` (:func:`mystery_model`); its
network-level check blames parameter arrays, and only checking each layer names the culprit.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .. import layers as _layers
from ..check import gradient_check as _gradient_check
from ..layer_check import check_layer as _check_layer
from ..report import GradCheckReport as _GradCheckReport
from ._common import ExerciseError, _answer

__all__ = [
    "MYSTERY_BUGS",
    "LayerModel",
    "check_batchnorm_backward",
    "check_faulty_layer",
    "mystery_model",
]

Array = NDArray[np.float64]

# --- Exercise 7.1: the batch-normalization backward pass -------------------------------------

#: Shapes (N, D) and seeds the checker tries: none is the notebook's (6, 3).
_BATCHNORM_CASES = ((5, 4, 11), (9, 2, 12), (3, 7, 13))
_GRADIENT_NAMES = ("dx", "dgamma", "dbeta")
_TOLERANCE = 1e-7


def _batchnorm_case(n: int, d: int, seed: int) -> tuple[Array, tuple, tuple[Array, ...]]:
    rng = np.random.default_rng(seed)
    x = 3.0 * rng.standard_normal((n, d)) - 1.0
    gamma, beta = 1.0 + 0.5 * rng.standard_normal(d), rng.standard_normal(d)
    out, cache = _layers.batchnorm_forward(x, gamma, beta, {"eps": _layers.BATCHNORM_EPS})
    return rng.standard_normal(out.shape), cache, (x, gamma, beta)


def _close(a: Array, b: Array) -> bool:
    return bool(np.linalg.norm(a - b) <= _TOLERANCE * (np.linalg.norm(a) + np.linalg.norm(b)))


def _as_gradients(returned: Any, shapes: tuple) -> tuple[Array, ...]:
    if returned is None:
        raise ExerciseError(
            "your batchnorm_backward returned None: did you forget `return dx, dgamma, dbeta`?"
        )
    if not isinstance(returned, (tuple, list)) or len(returned) != 3:
        raise ExerciseError(
            f"your batchnorm_backward returned {type(returned).__name__}"
            + (f" of {len(returned)} items" if isinstance(returned, (tuple, list)) else "")
            + "; return the three gradients as a tuple: return dx, dgamma, dbeta"
        )
    arrays = []
    for name, value, shape in zip(_GRADIENT_NAMES, returned, shapes, strict=True):
        array = np.asarray(value, dtype=float)
        if array.shape != shape:
            raise ExerciseError(
                f"your {name} has shape {array.shape} but should have {shape}, the shape of "
                f"{name[1:]}" + (": sum over the examples, axis=0" if len(shape) == 1 else "")
            )
        arrays.append(array)
    return tuple(arrays)


def _named_mistake(name: str, got: Array, dout: Array, cache: tuple) -> str | None:
    """The catalog bug whose wrong line gives exactly ``got`` for gradient ``name``, if any."""
    position = _GRADIENT_NAMES.index(name)
    for bug in _layers.LAYER_CATALOG.values():
        if bug.layer == "batchnorm":
            wrong = _layers.batchnorm_backward(dout, cache, bugs=[bug])[position]
            if _close(got, wrong):
                return f"{bug.title} ({bug.line}). {bug.hint}"
    return None


def check_batchnorm_backward(batchnorm_backward: Callable) -> str:
    """Check Exercise 7.1: ``batchnorm_backward(dout, cache) -> (dx, dgamma, dbeta)``.

    The learner's function gets the cache of :func:`gradcheck_lib.layers.batchnorm_forward`,
    ``(xc, std, xhat, gamma)``, on three minibatches of other sizes than the notebook's. A wrong
    gradient is named, compared with the catalog's batchnorm mistakes, and otherwise described
    by :func:`~gradcheck_lib.check_layer`'s diagnosis.

    Returns
    -------
    str
        A confirmation; raises :class:`~gradcheck_lib.exercises.ExerciseError` otherwise.
    """
    for n, d, seed in _BATCHNORM_CASES:
        dout, cache, (x, gamma, beta) = _batchnorm_case(n, d, seed)
        returned = _answer(batchnorm_backward, "batchnorm_backward", dout, cache)
        got = _as_gradients(returned, (x.shape, gamma.shape, beta.shape))
        expected = _layers.batchnorm_backward(dout, cache)
        if _close(got[1], expected[2]) and _close(got[2], expected[1]):
            raise ExerciseError(
                "your dgamma and dbeta are swapped: return them in forward's order, "
                "dx, dgamma, dbeta"
            )
        for name, mine, right in zip(_GRADIENT_NAMES, got, expected, strict=True):
            if _close(mine, right):
                continue
            mistake = _named_mistake(name, mine, dout, cache)
            if mistake:
                raise ExerciseError(f"your {name} is wrong on a ({n}, {d}) minibatch: {mistake}")
            raise ExerciseError(
                f"your {name} is wrong on a ({n}, {d}) minibatch: "
                + _diagnosis(batchnorm_backward, x, gamma, beta, name)
            )
    return (
        "Exercise 7.1 ✓ dx, dgamma and dbeta are right, on three minibatches this notebook "
        "never shows"
    )


def _diagnosis(backward: Callable, x: Array, gamma: Array, beta: Array, name: str) -> str:
    inputs = {"x": x, "gamma": gamma, "beta": beta, "bn_param": {"eps": _layers.BATCHNORM_EPS}}
    report = _check_layer(_layers.batchnorm_forward, backward, inputs)
    said = report.diagnosis.get(name[1:], f"{name} differs from the numerical gradient")
    return (
        f'check_layer says "{said}" (difference {report.by_parameter[name[1:]]:.1e}). Go '
        "through the graph again: each forward statement gives one backward statement"
    )


# --- Exercise 7.2: which layer is faulty? -----------------------------------------------------

#: The bugs a mystery model may hide: each corrupts only the gradient of a layer's *input*, so
#: the network-level check blames parameters of the layers below the faulty one.
MYSTERY_BUGS: tuple[tuple[str, str], ...] = (
    ("batchnorm", "batchnorm_variance_term_forgotten"),
    ("relu", "relu_mask_from_dout"),
    ("affine2", "affine_dx_not_transposed"),
    ("batchnorm", "batchnorm_mean_term_forgotten"),
)


@dataclass(frozen=True)
class _Step:
    name: str
    layer: str
    parameters: tuple[str, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)


_STEPS = (
    _Step("affine1", "affine", ("W1", "b1")),
    _Step("relu", "relu", ()),
    _Step("batchnorm", "batchnorm", ("gamma", "beta"), {"bn_param": {"eps": 1e-5}}),
    _Step("affine2", "affine", ("W2", "b2")),
    _Step("softmax", "softmax", ()),
)


class LayerModel:
    """affine1 -> relu -> batchnorm -> affine2 -> softmax, one of whose backward passes is wrong.

    Batch normalization comes after the ReLU here: right after affine1 it would subtract the
    mean and make b1 do nothing, so its gradient would be exactly zero.

    Attributes
    ----------
    X : ndarray of shape (N, D)
    y : ndarray of shape (N,)
    parameters : dict of str to ndarray
        ``W1`` (D, H), ``b1`` (H,), ``gamma``, ``beta`` (H,), ``W2`` (H, C), ``b2`` (C,).
    layer_names : tuple of str
        The layers in forward order: affine1, relu, batchnorm, affine2, softmax.
    """

    def __init__(self, faulty: str, bug: str, seed: int) -> None:
        rng = np.random.default_rng([_layers.INPUT_STREAM, 70, seed])
        n, d, hidden, classes = 8, 3, 4, 4
        self.X = rng.standard_normal((n, d))
        self.y = rng.integers(0, classes, size=n)
        self.parameters: dict[str, Array] = {
            "W1": rng.standard_normal((d, hidden)) / np.sqrt(d),
            "b1": 0.1 * rng.standard_normal(hidden),
            "gamma": 1.0 + 0.2 * rng.standard_normal(hidden),
            "beta": 0.5 + 0.1 * rng.standard_normal(hidden),
            "W2": rng.standard_normal((hidden, classes)) / np.sqrt(hidden),
            "b2": 0.1 * rng.standard_normal(classes),
        }
        self.layer_names = tuple(step.name for step in _STEPS)
        self._faulty, self._bug = faulty, bug

    def _step(self, name: str) -> _Step:
        for step in _STEPS:
            if step.name == name:
                return step
        raise KeyError(f"no layer named {name!r}; the layers are {list(self.layer_names)}")

    def forward_of(self, name: str) -> Callable[..., tuple[Any, Any]]:
        """The forward function of layer ``name`` (e.g. ``"batchnorm"``)."""
        return _layers.LAYERS[self._step(name).layer].forward

    def backward_of(self, name: str) -> Callable[..., Any]:
        """The backward function of layer ``name``, as this model computes it."""
        backward = _layers.LAYERS[self._step(name).layer].backward
        bugs = [self._bug] if name == self._faulty else []

        def model_backward(dout, cache):
            return backward(dout, cache, bugs=bugs)

        return model_backward

    def _run(self, parameters: Mapping[str, Array]) -> tuple[Any, dict[str, dict], dict]:
        values, inputs, caches = self.X, {}, {}
        for step in _STEPS:
            given = {"x": values}
            names = _layer_input_names(step)
            given.update(zip(names, (parameters[p] for p in step.parameters), strict=True))
            given.update(step.extra)
            if step.layer == "softmax":
                given["y"] = self.y
            inputs[step.name] = given
            values, caches[step.name] = self.forward_of(step.name)(*given.values())
        return values, inputs, caches

    def loss(self, parameters: Mapping[str, Array]) -> float:
        """The mean softmax cross-entropy of the model at ``parameters``."""
        return float(self._run(parameters)[0])

    def layer_inputs(self, name: str) -> dict[str, Any]:
        """The inputs layer ``name`` receives in the forward pass, in its positional order."""
        self._step(name)
        inputs = self._run(self.parameters)[1][name]
        return {key: copy.deepcopy(value) for key, value in inputs.items()}

    def gradients(self) -> dict[str, Array]:
        """Backpropagate through every layer, last to first: ``dW1``, ``db1``, ... ``db2``."""
        _, _, caches = self._run(self.parameters)
        upstream: Any = 1.0
        gradients = {}
        for step in reversed(_STEPS):
            returned = self.backward_of(step.name)(upstream, caches[step.name])
            returned = returned if isinstance(returned, tuple) else (returned,)
            upstream = returned[0]
            for parameter, gradient in zip(step.parameters, returned[1:], strict=True):
                gradients["d" + parameter] = gradient
        return gradients

    def check(self) -> _GradCheckReport:
        """The network-level gradient check of :meth:`loss` against :meth:`gradients`."""
        parameters = {name: array.copy() for name, array in self.parameters.items()}
        return _gradient_check(self.loss, parameters, self.gradients())


def _layer_input_names(step: _Step) -> tuple[str, ...]:
    return {"affine": ("w", "b"), "batchnorm": ("gamma", "beta")}.get(step.layer, ())


def mystery_model(seed: int = 0) -> LayerModel:
    """A :class:`LayerModel` hiding one of :data:`MYSTERY_BUGS`, chosen by ``seed``."""
    faulty, bug = MYSTERY_BUGS[seed % len(MYSTERY_BUGS)]
    return LayerModel(faulty, bug, seed)


def check_faulty_layer(faulty_layer: Any, model: LayerModel) -> str:
    """Check Exercise 7.2: ``faulty_layer`` must name the model's one wrong layer.

    A wrong answer is told what that layer's own check says, so the learner learns that a
    parameter blamed at the network level (W1) may sit below the layer whose backward is wrong.

    Raises
    ------
    ExerciseError
        For a name that is no layer of the model, or a layer whose own check passes.
    NotImplementedError
        For ``None``, the placeholder of the learner copy: the exercise is still to do.
    """
    if faulty_layer is None:
        raise NotImplementedError(
            "Exercise 7.2: check every layer of the model, set faulty_layer to the name of the "
            "one that fails, then run this cell again"
        )
    if faulty_layer not in model.layer_names:
        raise ExerciseError(
            f"{faulty_layer!r} is not a layer of the model; its layers are "
            f"{', '.join(model.layer_names)}"
        )
    if faulty_layer == model._faulty:
        return (
            f"Exercise 7.2 ✓ {faulty_layer} is the faulty layer: its own check fails, while the "
            "network-level check blamed the parameters below it"
        )
    report = _check_layer(
        model.forward_of(faulty_layer),
        model.backward_of(faulty_layer),
        model.layer_inputs(faulty_layer),
    )
    raise ExerciseError(
        f"{faulty_layer}'s own check is {report.verdict.label}, so its backward pass is right. "
        "A parameter can look wrong "
        "in the network-level check because the gradient that reaches its layer from above is "
        "wrong: check every layer with check_layer on model.layer_inputs(name)"
    )
