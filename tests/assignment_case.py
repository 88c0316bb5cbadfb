"""The deeplearning.ai Gradient Checking assignment's N-layer test case, as published.

LINEAR -> RELU -> LINEAR -> RELU -> LINEAR -> SIGMOID on 3 examples. Its backward pass has two
planted bugs (dW2 multiplied by 2; db1 computed with 4/m) that ``fixed=True`` removes.
Published differences at ε = 1e-7: 0.2850931567761623 with the bugs, 1.1890913022840002e-07
without.
"""

import numpy as np

BUGGY_DIFFERENCE = 0.2850931567761623
FIXED_DIFFERENCE = 1.1890913022840002e-07


def test_case():
    """``(X, Y, parameters)`` drawn as the assignment draws them (legacy seed 1)."""
    np.random.seed(1)
    x = np.random.randn(4, 3)
    y = np.array([1, 1, 0])
    parameters = {}
    for name, shape in [("W1", (5, 4)), ("b1", (5, 1)), ("W2", (3, 5)), ("b2", (3, 1)),
                        ("W3", (1, 3)), ("b3", (1, 1))]:
        parameters[name] = np.random.randn(*shape)
    return x, y, parameters


def forward(X, Y, parameters):
    """Cost and cache of the assignment's forward pass."""
    m = X.shape[1]
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    Z2 = np.dot(W2, A1) + b2
    A2 = np.maximum(0, Z2)
    Z3 = np.dot(W3, A2) + b3
    A3 = 1 / (1 + np.exp(-Z3))
    log_probs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    cost = 1.0 / m * np.sum(log_probs)
    return cost, (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3)


def cost(X, Y):
    """``cost(parameters)`` for gradient_check."""
    return lambda parameters: forward(X, Y, parameters)[0]


def backward(X, Y, cache, fixed=False):
    """The assignment's backward pass: one dict with dZ/dA entries as well as dW/db."""
    m = X.shape[1]
    (Z1, A1, W1, b1, Z2, A2, W2, b2, Z3, A3, W3, b3) = cache
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T) * (1 if fixed else 2)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = (1.0 if fixed else 4.0) / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}
