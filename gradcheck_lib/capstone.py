"""The capstone: an L-layer softmax classifier built from layers.py, whose backward pass has bugs.

The network, on a seeded spiral data set of three classes (one example per *row*, as in
:mod:`gradcheck_lib.layers`)::

    (affine -> batchnorm -> relu) x (L - 1)  ->  affine  ->  softmax loss  (+ reg/2 sum ||W_l||^2)

The hidden affine layers have no bias: batch normalization subtracts the batch mean, so a bias
before it has a gradient of exactly zero, and its numerical gradient would be pure rounding noise.
Each ``beta_l`` does the bias's job.

The forward pass is the library's (:func:`forward`). The backward pass is the learner's: five
functions, ``affine_backward``, ``batchnorm_backward``, ``relu_backward``, ``softmax_backward`` and
``network_backward`` (:data:`BACKWARD_FUNCTIONS`), written in the course's style (one statement per
forward statement, in reverse, each with its equation). The learner's copy of notebook 08 holds
them with the bugs of one seed planted, each bug one line written wrong; a seed picks one bug slot
from each of three groups (:data:`BUG_SLOTS`, :func:`bug_slots`), so every seed gives three bugs in
three different functions; :func:`seed_for_student` turns a student id into a seed. The correct code
and the bugs' lines are the instructor's answer key, tools/capstone_key.py, which no learner runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .layers import affine_forward, batchnorm_forward, relu_forward, softmax_forward

__all__ = [
    "BACKWARD_FUNCTIONS",
    "BUG_SLOTS",
    "DEFAULT_SEED",
    "NOTEBOOK_PROBLEM",
    "CapstoneProblem",
    "Descent",
    "bug_slots",
    "compile_backward",
    "cost_function",
    "descent_step",
    "forward",
    "init_parameters",
    "layer_count",
    "make_spirals",
    "planted_functions",
    "seed_for_student",
    "train",
]

Array = NDArray[np.float64]
Parameters = dict[str, Array]
Backward = Callable[[Mapping[str, Any], Mapping[str, Array], float], dict[str, Array]]

#: The seed of the committed learner copy (``tools/build_learner_copies.py`` without options).
DEFAULT_SEED = 0

#: The generator that picks a seed's bugs is ``default_rng([BUG_STREAM, seed])``.
BUG_STREAM = 8


# ------------------------------------------------------------------------------- the data set


def make_spirals(per_class: int = 30, classes: int = 3, seed: int = 0) -> tuple[Array, NDArray]:
    """Make the spiral data set of CS231n: ``classes`` arms of a spiral in the plane.

    Parameters
    ----------
    per_class : int
        Examples per class, at least 2.
    classes : int
        Number of classes (spiral arms), at least 2.
    seed : int
        Seed of a local random generator (the angles' noise).

    Returns
    -------
    X : ndarray of shape (per_class * classes, 2)
        One example per row, inside the unit disc.
    y : ndarray of int of shape (per_class * classes,)
        The class of each example, ``0 .. classes - 1``.

    Examples
    --------
    >>> X, y = make_spirals(per_class=5)
    >>> X.shape, y.shape, sorted(set(y.tolist()))
    ((15, 2), (15,), [0, 1, 2])
    """
    for name, value in (("per_class", per_class), ("classes", classes)):
        if int(value) != value or value < 2:
            raise ValueError(f"{name} must be an integer of at least 2, got {value!r}")
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.1, 1.0, per_class), classes)
    y = np.repeat(np.arange(classes), per_class)
    angle = 4.0 * (y + radius) + 0.2 * rng.standard_normal(y.size)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X, y


# --------------------------------------------------------------------------------- the network


def init_parameters(
    hidden: tuple[int, ...] = (12, 10, 8), n_in: int = 2, classes: int = 3, seed: int = 0
) -> Parameters:
    """Draw the parameters of an L-layer network, ``L = len(hidden) + 1``.

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers, at least one.
    n_in, classes : int
        Input features and classes.
    seed : int
        Seed of a local random generator.

    Returns
    -------
    parameters : dict of str to ndarray
        For each hidden layer l: ``"W{l}"`` (fan_in, width), ``"gamma{l}"`` and ``"beta{l}"``
        (width,); then ``"W{L}"`` (hidden[-1], classes) and ``"b{L}"`` (classes,).

    Notes
    -----
    Weights are He-scaled normals. ``gamma`` starts near 1 and ``beta`` and ``b`` near 0, but not
    *at* 1 and 0: at gamma = 1 a backward pass that forgets to multiply by gamma is still right.
    """
    if not hidden or any(int(width) != width or width < 1 for width in hidden):
        raise ValueError(f"hidden must be a non-empty tuple of positive widths, got {hidden!r}")
    rng = np.random.default_rng(seed)
    sizes = (n_in, *hidden, classes)
    parameters: Parameters = {}
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        parameters[f"W{layer}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        if layer < len(sizes) - 1:
            parameters[f"gamma{layer}"] = 1.0 + 0.1 * rng.standard_normal(fan_out)
            parameters[f"beta{layer}"] = 0.1 * rng.standard_normal(fan_out)
        else:
            parameters[f"b{layer}"] = 0.01 * rng.standard_normal(fan_out)
    return parameters


def layer_count(parameters: Mapping[str, Array]) -> int:
    """L, the number of affine layers: one per weight matrix ``W1 .. WL``."""
    return sum(1 for name in parameters if name.startswith("W"))


def forward(
    X: Array, y: NDArray, parameters: Mapping[str, Array], reg: float = 0.0
) -> tuple[float, dict[str, Any]]:
    """Run the forward pass and the loss, keeping every layer's cache.

    Parameters
    ----------
    X : ndarray of shape (N, n_in)
    y : ndarray of int of shape (N,)
    parameters : dict
        As :func:`init_parameters` makes them.
    reg : float
        L2 strength: the loss gains ``reg / 2 * sum_l sum(W_l ** 2)``.

    Returns
    -------
    loss : float
    caches : dict
        ``"affine{l}"``, ``"batchnorm{l}"``, ``"relu{l}"`` for each hidden layer l, ``"affine{L}"``
        and ``"softmax"``: the caches of :mod:`gradcheck_lib.layers`' forward functions, which
        the learner's ``network_backward(caches, parameters, reg)`` reads.
    """
    L = layer_count(parameters)
    caches: dict[str, Any] = {}
    a = X
    for layer in range(1, L):
        no_bias = np.zeros(parameters[f"W{layer}"].shape[1])
        z, caches[f"affine{layer}"] = affine_forward(a, parameters[f"W{layer}"], no_bias)  # z = a W
        gamma, beta = parameters[f"gamma{layer}"], parameters[f"beta{layer}"]
        h, caches[f"batchnorm{layer}"] = batchnorm_forward(z, gamma, beta)  # h = batchnorm(z)
        a, caches[f"relu{layer}"] = relu_forward(h)  # a = max(h, 0)
    scores, caches[f"affine{L}"] = affine_forward(a, parameters[f"W{L}"], parameters[f"b{L}"])
    data_loss, caches["softmax"] = softmax_forward(scores, y)  # -1/N sum log softmax[y]
    weights = sum(np.sum(parameters[f"W{layer}"] ** 2) for layer in range(1, L + 1))
    return float(data_loss + 0.5 * reg * weights), caches


def cost_function(X: Array, y: NDArray, reg: float = 0.0) -> Callable[[Mapping[str, Array]], float]:
    """Close over the data: the ``cost(parameters) -> float`` that a gradient check needs."""

    def cost(parameters: Mapping[str, Array]) -> float:
        return forward(X, y, parameters, reg)[0]

    return cost


def train(
    parameters: Mapping[str, Array],
    X: Array,
    y: NDArray,
    backward: Backward,
    *,
    reg: float = 0.0,
    steps: int = 300,
    learning_rate: float = 0.5,
) -> tuple[Parameters, Array]:
    """Plain gradient descent with the given backward pass.

    Parameters
    ----------
    parameters : dict
        The starting point (left unchanged; training works on copies).
    X, y, reg
        As in :func:`forward`.
    backward : callable
        ``backward(caches, parameters, reg) -> grads`` with keys ``"d" + name``: the learner's
        ``network_backward``.
    steps : int
        Gradient steps.
    learning_rate : float
        Step size.

    Returns
    -------
    parameters : dict
        The trained parameters.
    costs : ndarray of shape (steps + 1,)
        The loss before each step, and after the last one.
    """
    current = {name: np.array(value, dtype=np.float64) for name, value in parameters.items()}
    costs = np.empty(steps + 1)
    for step in range(steps):
        costs[step], caches = forward(X, y, current, reg)
        grads = backward(caches, current, reg)
        current = {
            name: value - learning_rate * grads["d" + name] for name, value in current.items()
        }
    costs[steps] = forward(X, y, current, reg)[0]
    return current, costs


@dataclass(frozen=True)
class Descent:
    """What one small step along -gradient did to the cost, and what it should have done.

    Attributes
    ----------
    step : float
        The step size eta.
    predicted : float
        ``eta * ||g||^2``: the first-order decrease, ``J(θ) - J(θ - eta g) ≈ eta ||g||^2``,
        when g is the true gradient.
    actual : float
        The decrease measured, ``J(θ) - J(θ - eta g)``.
    """

    step: float
    predicted: float
    actual: float

    @property
    def ratio(self) -> float:
        """actual / predicted: 1 up to O(eta) when g is the gradient."""
        return self.actual / self.predicted if self.predicted else float("nan")


def descent_step(
    cost: Callable[[Mapping[str, Array]], float],
    parameters: Mapping[str, Array],
    gradients: Mapping[str, Array],
    step: float = 1e-3,
) -> Descent:
    """Take one step along -gradient and compare the decrease of the cost with eta ||g||^2.

    Parameters
    ----------
    cost : callable
        ``cost(parameters) -> float``.
    parameters : dict
        The point θ (left unchanged).
    gradients : dict
        ``"d" + name`` for every parameter: the gradient g to test.
    step : float
        eta, small enough for the first-order term to dominate.

    Returns
    -------
    Descent

    Notes
    -----
    ``J(θ - eta g) = J(θ) - eta <∇J, g> + O(eta^2)``. When g = ∇J the decrease is
    ``eta ||g||^2``; a wrong g predicts a decrease that the cost does not make.
    """
    if not step > 0:
        raise ValueError(f"step must be positive, got {step!r}")
    moved = {name: value - step * gradients["d" + name] for name, value in parameters.items()}
    squared = sum(float(np.sum(gradients["d" + name] ** 2)) for name in parameters)
    return Descent(step, step * squared, cost(parameters) - cost(moved))


@dataclass(frozen=True)
class CapstoneProblem:
    """The network that notebook 08 shows: data, sizes, seeds, L2 strength and training."""

    per_class: int = 30
    hidden: tuple[int, ...] = (12, 10, 8)
    data_seed: int = 0
    init_seed: int = 1
    reg: float = 0.01
    steps: int = 300
    learning_rate: float = 0.1

    def data(self) -> tuple[Array, NDArray]:
        """X (90, 2) and y (90,), the notebook's spirals."""
        return make_spirals(self.per_class, seed=self.data_seed)

    def parameters(self) -> Parameters:
        """The notebook's initial parameters."""
        return init_parameters(self.hidden, seed=self.init_seed)


#: The problem notebook 08 works on; the checker of Exercise 8.1 tests on others.
NOTEBOOK_PROBLEM = CapstoneProblem()


# ------------------------------------------------------------------ the learner's backward pass

#: The functions the learner's code defines, in the order it defines them.
BACKWARD_FUNCTIONS = (
    "affine_backward",
    "batchnorm_backward",
    "relu_backward",
    "softmax_backward",
    "network_backward",
)


def compile_backward(code: str) -> dict[str, Callable]:
    """Run the text of a backward pass and return the functions it defines.

    Parameters
    ----------
    code : str
        The code of the learner's answer cell, which defines :data:`BACKWARD_FUNCTIONS`
        (``np`` is available to it).

    Returns
    -------
    dict of str to callable
        The functions of :data:`BACKWARD_FUNCTIONS`, by name. They find each other through the
        namespace the code ran in, as the learner's functions do in the notebook.
    """
    namespace: dict[str, Any] = {"np": np, "__name__": "capstone_learner"}
    exec(compile(code, "<capstone backward pass>", "exec"), namespace)  # noqa: S102
    missing = [name for name in BACKWARD_FUNCTIONS if not callable(namespace.get(name))]
    if missing:
        raise ValueError(f"the code does not define {', '.join(missing)}")
    return {name: namespace[name] for name in BACKWARD_FUNCTIONS}


# ------------------------------------------------------------------------------- the bugs

#: Where a planted bug can sit: each group lists its bugs' functions, one slot per bug. A seed
#: picks one slot of each group, so its three bugs sit in three different functions: batch
#: normalization (the course's highlight), another layer, and the glue of network_backward. Which
#: line each slot's bug changes is the instructor's answer key (tools/capstone_key.py), which the
#: handout leaves out: the checker knows where bugs were planted, not what they are.
BUG_SLOTS: dict[str, tuple[str, ...]] = {
    "batchnorm": ("batchnorm_backward",) * 5,
    "layer": ("affine_backward", "affine_backward", "relu_backward") + ("softmax_backward",) * 2,
    "network": ("network_backward",) * 2,
}


def bug_slots(seed: int = DEFAULT_SEED) -> tuple[tuple[str, int], ...]:
    """The slots that seed ``seed`` plants bugs in: ``(group, index)`` pairs, in code order.

    Parameters
    ----------
    seed : int
        A non-negative integer (:func:`seed_for_student` makes one from a student id).

    Returns
    -------
    tuple of (str, int)
        One slot of each group of :data:`BUG_SLOTS`, ordered as their functions appear in the
        learner's code (:data:`BACKWARD_FUNCTIONS`).
    """
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ValueError(f"the capstone seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng([BUG_STREAM, int(seed)])
    slots = [(group, int(rng.integers(len(slots)))) for group, slots in BUG_SLOTS.items()]
    return tuple(sorted(slots, key=lambda slot: BACKWARD_FUNCTIONS.index(_function(slot))))


def planted_functions(seed: int = DEFAULT_SEED) -> tuple[str, ...]:
    """The functions that hold a bug in the learner copy of seed ``seed``, in code order."""
    return tuple(_function(slot) for slot in bug_slots(seed))


def _function(slot: tuple[str, int]) -> str:
    group, index = slot
    return BUG_SLOTS[group][index]


def seed_for_student(student: str) -> int:
    """A stable capstone seed from a student id (case and surrounding spaces ignored).

    Examples
    --------
    >>> seed_for_student("Ada Lovelace") == seed_for_student(" ada lovelace ")
    True
    """
    if not isinstance(student, str) or not student.strip():
        raise ValueError(f"the student id must be a non-empty string, got {student!r}")
    digest = hashlib.sha256(student.strip().lower().encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 1_000_000
