"""The deeplearning.ai Gradient Checking assignment's N-layer case, as published (notebook 04).

LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID on 3 examples of 4 features. The published
backward pass has two planted bugs, which ``fixed=True`` removes. At ε = 1e-7 the assignment
reports a relative difference of 0.2850931567761623 with the bugs and 1.1890913022840002e-07
without them; :func:`gradcheck_lib.gradient_check` reproduces both.

The code keeps the assignment's names and shapes (``X`` is (4, 3), ``Y`` is (3,), the cache is a
tuple) so that a learner recognizes it; only the random draws use a local generator instead of
the global NumPy state.

Examples
--------
>>> from gradcheck_lib import gradient_check
>>> X, Y, parameters = gradient_check_n_test_case()
>>> cost, cache = forward_propagation_n(X, Y, parameters)
>>> report = gradient_check(cost_function_n(X, Y), parameters, backward_propagation_n(X, Y, cache))
>>> f"{report.difference:.6f}"
'0.285093'
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
from numpy.typing import DTypeLike, NDArray

__all__ = [
    "PUBLISHED_DIFFERENCE_WITH_BUGS",
    "PUBLISHED_DIFFERENCE_FIXED",
    "PLANTED_BUGS",
    "gradient_check_n_test_case",
    "forward_propagation_n",
    "backward_propagation_n",
    "cost_function_n",
]

#: The assignment's published difference at ε = 1e-7, with its two planted bugs.
PUBLISHED_DIFFERENCE_WITH_BUGS = 0.2850931567761623
#: The published difference once the two bugs are fixed: just above 1e-7, from rounding alone.
PUBLISHED_DIFFERENCE_FIXED = 1.1890913022840002e-07

#: The parameters whose gradients the published backward pass gets wrong, with the wrong line
#: and the right one.
PLANTED_BUGS: dict[str, tuple[str, str]] = {
    "W2": (
        "dW2 = 1.0 / m * np.dot(dZ2, A1.T) * 2",
        "dW2 = 1.0 / m * np.dot(dZ2, A1.T)",
    ),
    "b1": (
        "db1 = 4.0 / m * np.sum(dZ1, axis=1, keepdims=True)",
        "db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)",
    ),
}

#: The parameters and their shapes, in the order the assignment draws them.
_SHAPES = (
    ("W1", (5, 4)),
    ("b1", (5, 1)),
    ("W2", (3, 5)),
    ("b2", (3, 1)),
    ("W3", (1, 3)),
    ("b3", (1, 1)),
)

Cache = tuple[NDArray, ...]


def gradient_check_n_test_case(
    dtype: DTypeLike | None = None,
) -> tuple[NDArray, NDArray, dict[str, NDArray]]:
    """Draw the assignment's data and parameters, exactly as published.

    The assignment calls ``np.random.seed(1)`` and then draws, in order, ``x = randn(4, 3)``,
    ``W1 = randn(5, 4)``, ``b1 = randn(5, 1)``, ``W2 = randn(3, 5)``, ``b2 = randn(3, 1)``,
    ``W3 = randn(1, 3)`` and ``b3 = randn(1, 1)``; ``y = np.array([1, 1, 0])``. A local
    ``np.random.RandomState(1)`` gives the same numbers without touching the global state.

    Parameters
    ----------
    dtype : dtype, optional
        ``None`` (the default) returns the published arrays (float64 draws, integer labels).
        A float dtype such as ``np.float32`` casts X, Y and every parameter to it, so the whole
        forward pass runs in that precision.

    Returns
    -------
    X : ndarray of shape (4, 3)
        Three examples of four features, one per column.
    Y : ndarray of shape (3,)
        The labels 1, 1, 0.
    parameters : dict of str to ndarray
        ``"W1"`` (5, 4), ``"b1"`` (5, 1), ``"W2"`` (3, 5), ``"b2"`` (3, 1), ``"W3"`` (1, 3),
        ``"b3"`` (1, 1), in that order.
    """
    rng = np.random.RandomState(1)
    X = rng.randn(4, 3)
    Y = np.array([1, 1, 0])
    parameters = {name: rng.randn(*shape) for name, shape in _SHAPES}
    if dtype is not None:
        X, Y = X.astype(dtype), Y.astype(dtype)
        parameters = {name: array.astype(dtype) for name, array in parameters.items()}
    return X, Y, parameters


def forward_propagation_n(
    X: NDArray, Y: NDArray, parameters: Mapping[str, NDArray]
) -> tuple[float, Cache]:
    """The assignment's forward pass and cost.

    Parameters
    ----------
    X : ndarray of shape (4, m)
        Inputs, one example per column.
    Y : ndarray of shape (m,) or (1, m)
        Labels in {0, 1}.
    parameters : dict of str to ndarray
        ``"W1"`` (5, 4), ``"b1"`` (5, 1), ``"W2"`` (3, 5), ``"b2"`` (3, 1), ``"W3"`` (1, 3),
        ``"b3"`` (1, 1).

    Returns
    -------
    cost : float
        ``1/m * sum(-log(A3) * Y - log(1 - A3) * (1 - Y))``, a NumPy scalar of the arrays' dtype.
    cache : tuple
        ``(Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)``, as the assignment keeps it.
    """
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]

    Z1 = np.dot(W1, X) + b1  # Z1 = W1 X + b1
    A1 = np.maximum(0, Z1)  # A1 = relu(Z1)
    Z2 = np.dot(W2, A1) + b2  # Z2 = W2 A1 + b2
    A2 = np.maximum(0, Z2)  # A2 = relu(Z2)
    Z3 = np.dot(W3, A2) + b3  # Z3 = W3 A2 + b3
    A3 = 1 / (1 + np.exp(-Z3))  # A3 = sigmoid(Z3)

    # J = 1/m sum(-Y log A3 - (1 - Y) log(1 - A3))
    log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1.0 / m * np.sum(log_probs)
    return cost, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def backward_propagation_n(
    X: NDArray, Y: NDArray, cache: Cache, *, fixed: bool = False
) -> dict[str, NDArray]:
    """The assignment's backward pass: the forward pass read in reverse, one line per step.

    Parameters
    ----------
    X : ndarray of shape (4, m)
        Inputs given to :func:`forward_propagation_n`.
    Y : ndarray of shape (m,) or (1, m)
        Labels.
    cache : tuple
        The cache returned by :func:`forward_propagation_n`.
    fixed : bool, default False
        False runs the backward pass as published, with its two planted bugs (see
        :data:`PLANTED_BUGS`); True runs the corrected one.

    Returns
    -------
    gradients : dict of str to ndarray
        One dict, as in the assignment: ``dZ3``, ``dW3``, ``db3``, ``dA2``, ``dZ2``, ``dW2``,
        ``db2``, ``dA1``, ``dZ1``, ``dW1``, ``db1``. Pass it to
        :func:`~gradcheck_lib.gradient_check` as it is: the dZ and dA entries name no parameter
        and are ignored.
    """
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache

    dZ3 = A3 - Y  # sigmoid and cross-entropy together: dJ/dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)  # Z3 = W3 A2 + b3  ->  dW3 = 1/m dZ3 A2^T
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)  # db3 = 1/m sum(dZ3)
    dA2 = np.dot(W3.T, dZ3)  # dA2 = W3^T dZ3
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))  # A2 = relu(Z2)  ->  dZ2 = dA2 * 1[A2 > 0]
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) * (1 if fixed else 2)  # dW2 = 1/m dZ2 A1^T  (bug: * 2)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)  # db2 = 1/m sum(dZ2)
    dA1 = np.dot(W2.T, dZ2)  # dA1 = W2^T dZ2
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))  # A1 = relu(Z1)  ->  dZ1 = dA1 * 1[A1 > 0]
    dW1 = 1.0 / m * np.dot(dZ1, X.T)  # dW1 = 1/m dZ1 X^T
    db1 = (1.0 if fixed else 4.0) / m * np.sum(dZ1, axis=1, keepdims=True)  # (bug: 4/m)

    return {
        "dZ3": dZ3,
        "dW3": dW3,
        "db3": db3,
        "dA2": dA2,
        "dZ2": dZ2,
        "dW2": dW2,
        "db2": db2,
        "dA1": dA1,
        "dZ1": dZ1,
        "dW1": dW1,
        "db1": db1,
    }


def cost_function_n(X: NDArray, Y: NDArray) -> Callable[[Mapping[str, NDArray]], float]:
    """Close over the data: the ``cost(parameters) -> float`` that a gradient check needs.

    Parameters
    ----------
    X : ndarray of shape (4, m)
    Y : ndarray of shape (m,) or (1, m)

    Returns
    -------
    cost : callable
        ``cost(parameters)``: the cost of :func:`forward_propagation_n`, without its cache.
    """

    def cost(parameters: Mapping[str, NDArray]) -> float:
        return forward_propagation_n(X, Y, parameters)[0]

    return cost
