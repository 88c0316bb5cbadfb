"""The reference two-layer network whose backpropagation the course checks.

LINEAR -> TANH (or RELU) -> [inverted dropout] -> LINEAR -> SIGMOID, with the mean cross-entropy
cost and an optional L2 penalty on the weights. Shapes follow the column convention of the
course: one example per column, so ``X`` is ``(n_x, m)`` and every bias is a column ``(n, 1)``.

The backward pass is the forward pass read in reverse, one statement per forward statement. Every
statement is a named *line* (``"dZ2"``, ``"dW2"``, ... see :data:`BACKWARD_LINES`), and
:func:`backward_propagation` computes each one through a single lookup, so a bug from
:mod:`gradcheck_lib.bugs` swaps exactly one line and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .line_tables import Line, LineReplacement, with_replaced_lines

__all__ = [
    "ACTIVATIONS",
    "BACKWARD_LINES",
    "DEFAULT_SETTINGS",
    "NetworkSettings",
    "backward_propagation",
    "compute_cost",
    "cost_function",
    "forward_propagation",
    "init_parameters",
    "make_dataset",
]

Array = NDArray[np.float64]
Parameters = dict[str, Array]

#: The hidden-layer activations the network knows.
ACTIVATIONS: tuple[str, ...] = ("tanh", "relu")


@dataclass(frozen=True)
class NetworkSettings:
    """Everything that defines one gradient-checking problem on the reference network.

    Attributes
    ----------
    activation : {"tanh", "relu"}
        Hidden-layer activation.
    lambd : float
        L2 strength; the cost gains ``lambd / (2 m) * (sum(W1**2) + sum(W2**2))``.
    keep_prob : float
        Probability of keeping a hidden unit under inverted dropout; 1.0 switches dropout off.
    dropout_seed : int or None
        Seed of the dropout mask. An int fixes the mask, so the cost is a function of the
        parameters; None redraws it on every call, and a gradient check must refuse it.
    hidden : int
        Number of hidden units ``n_h``.
    m : int
        Number of examples.
    seed : int
        Seed of the dataset and of the initial parameters.
    """

    activation: str = "tanh"
    lambd: float = 0.1
    keep_prob: float = 1.0
    dropout_seed: int | None = 1
    hidden: int = 4
    m: int = 200
    seed: int = 0


#: The lab's settings: small enough for a full check in a few milliseconds, with lambd > 0 so the
#: regularization bugs show, and a fixed dropout seed ready for the bugs that need dropout.
DEFAULT_SETTINGS = NetworkSettings()


def make_dataset(m: int = 200, seed: int = 0) -> tuple[Array, Array]:
    """Make a small 2-D binary classification set: is the point above a sine wave?

    Parameters
    ----------
    m : int
        Number of examples, at least 1.
    seed : int
        Seed of a local random generator; the global NumPy state is never touched.

    Returns
    -------
    X : ndarray of shape (2, m)
        Inputs, one example per column, drawn from a standard normal.
    Y : ndarray of shape (1, m)
        Labels in {0.0, 1.0}: 1 where ``x1 > sin(1.5 * x0)``. The boundary is curved, so the
        hidden layer has something to do, and the two coordinates plot directly.

    Examples
    --------
    >>> X, Y = make_dataset(m=5)
    >>> X.shape, Y.shape
    ((2, 5), (1, 5))
    """
    if int(m) != m or m < 1:
        raise ValueError(f"m must be a positive integer, got {m!r}")
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((2, int(m)))
    Y = (X[1:2] > np.sin(1.5 * X[0:1])).astype(np.float64)
    return X, Y


def init_parameters(n_x: int = 2, n_h: int = 4, n_y: int = 1, seed: int = 0) -> Parameters:
    """Draw the initial weights and biases of the network.

    Parameters
    ----------
    n_x, n_h, n_y : int
        Sizes of the input, hidden and output layers.
    seed : int
        Seed of a local random generator.

    Returns
    -------
    parameters : dict of str to ndarray
        ``"W1"`` of shape (n_h, n_x), ``"b1"`` (n_h, 1), ``"W2"`` (n_y, n_h), ``"b2"`` (n_y, 1),
        in that order (the order :func:`~gradcheck_lib.dictionary_to_vector` flattens them in).

    Notes
    -----
    Weights are Xavier-scaled normals (standard deviation ``1/sqrt(fan_in)``), not the ``0.01``
    of the classic assignment: tiny weights give tiny gradients, and a tiny gradient drowns in the
    rounding noise of the central difference. Biases start small but *not zero*: at ``b = 0`` a
    bug that multiplies the biases (regularizing them, say) changes nothing, so no check could
    see it.
    """
    rng = np.random.default_rng(seed)
    return {
        "W1": rng.standard_normal((n_h, n_x)) / np.sqrt(n_x),
        "b1": 0.01 * rng.standard_normal((n_h, 1)),
        "W2": rng.standard_normal((n_y, n_h)) / np.sqrt(n_h),
        "b2": 0.01 * rng.standard_normal((n_y, 1)),
    }


def _sigmoid(Z: Array) -> Array:
    # sigma(z) = 1 / (1 + e^-z), written as (1 + tanh(z/2)) / 2: no overflow, and complex-safe
    return 0.5 * (1.0 + np.tanh(0.5 * Z))


def _activation(Z1: Array, activation: str) -> Array:
    if activation == "tanh":
        return np.tanh(Z1)
    return np.maximum(Z1, 0.0)


def _check_activation(activation: str) -> None:
    if activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")


def _check_keep_prob(keep_prob: float) -> None:
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(
            f"keep_prob must be in (0, 1], got {keep_prob!r}; 1.0 switches dropout off"
        )


def _dropout_mask(shape: tuple[int, ...], keep_prob: float, dropout_seed: int | None) -> Array:
    if keep_prob == 1.0:
        return np.ones(shape)
    if dropout_seed is None:
        # fresh entropy: a different mask on every call, so the cost is not a function of theta
        return _draw_mask(np.random.default_rng(), shape, keep_prob)
    return _fixed_mask(shape, keep_prob, dropout_seed)


def _draw_mask(rng: np.random.Generator, shape: tuple[int, ...], keep_prob: float) -> Array:
    return (rng.random(shape) < keep_prob).astype(np.float64)


@lru_cache(maxsize=32)
def _fixed_mask(shape: tuple[int, ...], keep_prob: float, dropout_seed: int) -> Array:
    # the same seed gives the same mask on every call; cached (read-only) because a gradient
    # check calls the cost 2n times and drawing a generator each time would dominate the cost
    mask = _draw_mask(np.random.default_rng(dropout_seed), shape, keep_prob)
    mask.setflags(write=False)
    return mask


def forward_propagation(
    X: Array,
    parameters: Mapping[str, Array],
    activation: str = "tanh",
    keep_prob: float = 1.0,
    dropout_seed: int | None = None,
) -> tuple[Array, dict[str, Any]]:
    """Run the forward pass.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        Inputs, one example per column.
    parameters : dict
        ``"W1"`` (n_h, n_x), ``"b1"`` (n_h, 1), ``"W2"`` (1, n_h), ``"b2"`` (1, 1). Complex arrays
        are accepted and stay complex (the complex-step test relies on it).
    activation : {"tanh", "relu"}
        Hidden-layer activation.
    keep_prob : float
        Inverted-dropout keep probability for the hidden layer; 1.0 means no dropout.
    dropout_seed : int or None
        An int gives the same mask on every call; None draws a new mask on every call.

    Returns
    -------
    A2 : ndarray of shape (1, m)
        Output probabilities.
    cache : dict
        ``"Z1"``, ``"A1"`` (n_h, m); ``"D1"`` (n_h, m) the 0/1 dropout mask (all ones without
        dropout; read-only when ``dropout_seed`` fixes it); ``"A1_drop"`` (n_h, m) =
        A1 * D1 / keep_prob; ``"Z2"``, ``"A2"`` (1, m); and the ``"activation"`` and
        ``"keep_prob"`` used.
    """
    _check_activation(activation)
    _check_keep_prob(keep_prob)
    W1, b1, W2, b2 = (parameters[name] for name in ("W1", "b1", "W2", "b2"))
    Z1 = W1 @ X + b1  # Z1 = W1 X + b1
    A1 = _activation(Z1, activation)  # A1 = g(Z1)
    D1 = _dropout_mask(A1.shape, keep_prob, dropout_seed)
    A1_drop = A1 * D1 / keep_prob  # A1_drop = A1 * D1 / keep_prob   (inverted dropout)
    Z2 = W2 @ A1_drop + b2  # Z2 = W2 A1_drop + b2
    A2 = _sigmoid(Z2)  # A2 = sigma(Z2)
    cache = {
        "Z1": Z1,
        "A1": A1,
        "D1": D1,
        "A1_drop": A1_drop,
        "Z2": Z2,
        "A2": A2,
        "activation": activation,
        "keep_prob": keep_prob,
    }
    return A2, cache


def _cost(A2: Array, Y: Array, parameters: Mapping[str, Array] | None, lambd: float) -> Any:
    m = Y.shape[1]
    # J = -1/m sum(Y log A2 + (1 - Y) log(1 - A2)) + lambd/(2m) (||W1||^2 + ||W2||^2)
    cross_entropy = -np.sum(Y * np.log(A2) + (1.0 - Y) * np.log(1.0 - A2)) / m
    if lambd == 0.0:
        return cross_entropy
    if parameters is None:
        raise ValueError("compute_cost needs the parameters when lambd > 0, to add the L2 term")
    # sum of squares as W * W (not abs): stays analytic for complex-step differentiation
    weights = np.sum(parameters["W1"] * parameters["W1"]) + np.sum(
        parameters["W2"] * parameters["W2"]
    )
    return cross_entropy + lambd / (2 * m) * weights


def compute_cost(
    A2: Array, Y: Array, parameters: Mapping[str, Array] | None = None, lambd: float = 0.0
) -> float:
    """Mean cross-entropy, plus the L2 penalty on the weights when ``lambd > 0``.

    Parameters
    ----------
    A2 : ndarray of shape (1, m)
        Output probabilities from :func:`forward_propagation`.
    Y : ndarray of shape (1, m)
        Labels in {0, 1}.
    parameters : dict, optional
        Needed only when ``lambd > 0``: ``"W1"`` and ``"W2"`` enter the penalty (biases do not).
    lambd : float
        L2 strength.

    Returns
    -------
    cost : float
        ``-1/m sum(Y log A2 + (1 - Y) log(1 - A2)) + lambd/(2m) (sum(W1**2) + sum(W2**2))``.
    """
    return float(_cost(A2, Y, parameters, lambd))


def _d_activation(v: SimpleNamespace) -> Array:
    # g'(Z1): tanh' = 1 - tanh^2 = 1 - A1^2 (from the cached activation); relu' = 1 where Z1 > 0
    if v.activation == "tanh":
        return 1.0 - v.A1**2
    return (v.Z1 > 0).astype(np.float64)


#: The correct backward pass, line by line, in the order it runs (the forward pass reversed). Each
#: line reads the values computed so far from a namespace ``v`` (X, Y, m, lambd, keep_prob,
#: activation, the parameters, the cache and the earlier lines) and returns one array.
BACKWARD_LINES: dict[str, Callable[[SimpleNamespace], Array]] = {
    # J = CE(sigma(Z2), Y)  ->  dZ2 = A2 - Y   (sigmoid and cross-entropy together)
    "dZ2": lambda v: v.A2 - v.Y,
    # Z2 = W2 A1_drop + b2  ->  dW2 = 1/m dZ2 A1_drop^T + lambd/m W2
    "dW2": lambda v: (v.dZ2 @ v.A1_drop.T) / v.m + (v.lambd / v.m) * v.W2,
    #                       ->  db2 = 1/m sum_columns(dZ2)
    "db2": lambda v: np.sum(v.dZ2, axis=1, keepdims=True) / v.m,
    #                       ->  dA1_drop = W2^T dZ2
    "dA1_drop": lambda v: v.W2.T @ v.dZ2,
    # A1_drop = A1 * D1 / keep_prob  ->  dA1 = dA1_drop * D1 / keep_prob
    "dA1": lambda v: v.dA1_drop * v.D1 / v.keep_prob,
    # A1 = g(Z1)  ->  dZ1 = dA1 * g'(Z1)
    "dZ1": lambda v: v.dA1 * _d_activation(v),
    # Z1 = W1 X + b1  ->  dW1 = 1/m dZ1 X^T + lambd/m W1
    "dW1": lambda v: (v.dZ1 @ v.X.T) / v.m + (v.lambd / v.m) * v.W1,
    #                 ->  db1 = 1/m sum_columns(dZ1)
    "db1": lambda v: np.sum(v.dZ1, axis=1, keepdims=True) / v.m,
}


def _backward_lines(bugs: Iterable[LineReplacement]) -> dict[str, Line]:
    """The backward lines with each bug's replacement swapped in."""
    return with_replaced_lines(BACKWARD_LINES, bugs)


def backward_propagation(
    X: Array,
    Y: Array,
    cache: Mapping[str, Any],
    parameters: Mapping[str, Array],
    *,
    activation: str | None = None,
    lambd: float = 0.0,
    keep_prob: float | None = None,
    bugs: Iterable[LineReplacement] = (),
) -> dict[str, Array]:
    """Backpropagate through the network: the forward pass read in reverse, line by line.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
        Inputs given to :func:`forward_propagation`.
    Y : ndarray of shape (1, m)
        Labels.
    cache : dict
        The cache returned by :func:`forward_propagation`.
    parameters : dict
        ``"W1"`` (n_h, n_x), ``"b1"`` (n_h, 1), ``"W2"`` (1, n_h), ``"b2"`` (1, 1).
    activation : {"tanh", "relu"}, optional
        Defaults to the activation of the forward pass; a different value raises ValueError.
    lambd : float
        L2 strength, the same as in the cost.
    keep_prob : float, optional
        Defaults to the keep probability of the forward pass; a different value raises.
    bugs : iterable of Bug
        Catalog bugs (:data:`gradcheck_lib.bugs.CATALOG` values) to inject. Each replaces one
        named line of :data:`BACKWARD_LINES`; two bugs on the same line raise ValueError.

    Returns
    -------
    grads : dict of str to ndarray
        ``"dW1"``, ``"db1"``, ``"dW2"``, ``"db2"`` shaped like W1, b1, W2, b2, plus the
        intermediates ``"dZ2"`` (1, m), ``"dA1_drop"``, ``"dA1"``, ``"dZ1"`` (n_h, m), which
        :func:`~gradcheck_lib.gradient_check` ignores.
    """
    for name, given in (("activation", activation), ("keep_prob", keep_prob)):
        if given is not None and given != cache[name]:
            raise ValueError(
                f"{name}={given!r} but the forward pass used {name}={cache[name]!r}; "
                "backpropagate with the settings of the forward pass that made the cache"
            )
    line = _backward_lines(bugs)
    v = SimpleNamespace(X=X, Y=Y, m=X.shape[1], lambd=lambd, **cache, **parameters)

    v.dZ2 = line["dZ2"](v)  # dZ2 = A2 - Y
    v.dW2 = line["dW2"](v)  # dW2 = 1/m dZ2 A1_drop^T + lambd/m W2
    v.db2 = line["db2"](v)  # db2 = 1/m sum(dZ2)
    v.dA1_drop = line["dA1_drop"](v)  # dA1_drop = W2^T dZ2
    v.dA1 = line["dA1"](v)  # dA1 = dA1_drop * D1 / keep_prob
    v.dZ1 = line["dZ1"](v)  # dZ1 = dA1 * g'(Z1)
    v.dW1 = line["dW1"](v)  # dW1 = 1/m dZ1 X^T + lambd/m W1
    v.db1 = line["db1"](v)  # db1 = 1/m sum(dZ1)

    return {name: getattr(v, name) for name in ("dW1", "db1", "dW2", "db2", *_INTERMEDIATES)}


_INTERMEDIATES = ("dZ2", "dA1_drop", "dA1", "dZ1")


def cost_function(
    X: Array,
    Y: Array,
    *,
    activation: str = "tanh",
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    dropout_seed: int | None = None,
) -> Callable[[Mapping[str, Array]], float]:
    """Close over the data and settings: the ``cost(parameters) -> float`` a gradient check needs.

    Parameters
    ----------
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m)
    activation, lambd, keep_prob, dropout_seed
        As in :func:`forward_propagation` and :func:`compute_cost`. With ``keep_prob < 1`` and
        ``dropout_seed=None`` every call draws a new mask, so the cost is not a function of the
        parameters and :func:`~gradcheck_lib.gradient_check` refuses it.

    Returns
    -------
    cost : callable
        ``cost(parameters) -> float``, forward pass plus cost.

    Examples
    --------
    >>> X, Y = make_dataset(m=20)
    >>> cost = cost_function(X, Y, lambd=0.1)
    >>> cost(init_parameters()) > 0
    True
    """
    _check_activation(activation)
    _check_keep_prob(keep_prob)

    def cost(parameters: Mapping[str, Array]) -> float:
        A2, _ = forward_propagation(X, parameters, activation, keep_prob, dropout_seed)
        return compute_cost(A2, Y, parameters, lambd)

    return cost
