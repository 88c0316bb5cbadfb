"""deeplearning.ai "Improving Deep Neural Networks" models: examples in columns, parameters
{"W1": (n1, n0), "b1": (n1, 1), ...}, gradients keyed "dW1" next to dZ1, dA1 kept as they are.

- the 3-layer net with L2 regularization (cost + λ/2m·ΣW²),
- the 3-layer net with inverted dropout, here with fixed masks D1, D2,
- gradient_check_n's net (relu, relu, sigmoid; the cost's mean cross-entropy), with the
  assignment's own planted bugs (dW2 doubled, db1 times 4) among others.
"""

import numpy as np

NO_BUGS = frozenset()


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def relu(z):
    return np.maximum(0, z)


def init(layer_dims, seed):
    rng = np.random.default_rng(seed)
    parameters = {}
    for i in range(1, len(layer_dims)):
        scale = np.sqrt(2 / layer_dims[i - 1])
        parameters[f"W{i}"] = scale * rng.standard_normal((layer_dims[i], layer_dims[i - 1]))
        parameters[f"b{i}"] = 0.1 * rng.standard_normal((layer_dims[i], 1))
    return parameters


def cross_entropy(A3, Y):
    m = Y.shape[1]
    logprobs = np.multiply(-np.log(A3), Y) + np.multiply(-np.log(1 - A3), 1 - Y)
    return float(np.sum(logprobs) / m)


def forward_propagation(X, parameters, D1=None, D2=None, keep_prob=1.0):
    p = parameters
    Z1 = p["W1"] @ X + p["b1"]
    A1 = relu(Z1)
    if D1 is not None:
        A1 = A1 * D1 / keep_prob
    Z2 = p["W2"] @ A1 + p["b2"]
    A2 = relu(Z2)
    if D2 is not None:
        A2 = A2 * D2 / keep_prob
    Z3 = p["W3"] @ A2 + p["b3"]
    A3 = sigmoid(Z3)
    return A3, (Z1, A1, Z2, A2, Z3, A3)


def compute_cost_with_regularization(A3, Y, parameters, lambd):
    m = Y.shape[1]
    squares = sum(np.sum(np.square(parameters[f"W{i}"])) for i in (1, 2, 3))
    return cross_entropy(A3, Y) + lambd / (2 * m) * float(squares)


def backward_propagation_with_regularization(X, Y, parameters, cache, lambd, bugs=NO_BUGS):
    m = X.shape[1]
    W1, W2, W3 = parameters["W1"], parameters["W2"], parameters["W3"]
    Z1, A1, Z2, A2, Z3, A3 = cache
    reg = lambd / (2 * m) if "reg_half" in bugs else lambd / m  # d/dW of λ/2m·W² is λ/m·W
    dZ3 = A3 - Y
    dW3 = 1 / m * dZ3 @ A2.T + (0 if "reg_forgotten_dW3" in bugs else reg * W3)
    db3 = 1 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = W3.T @ dZ3
    dZ2 = dA2 * ((A1 if "relu_mask_wrong_layer" in bugs else A2) > 0)
    dW2 = 1 / m * dZ2 @ A1.T + reg * W2
    db2 = (1 if "db2_no_mean" in bugs else 1 / m) * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = W2.T @ dZ2
    dZ1 = dA1 * (A1 > 0)
    dW1 = 1 / m * dZ1 @ X.T + reg * W1
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}  # fmt: skip


def backward_propagation_with_dropout(X, Y, parameters, cache, D1, D2, keep_prob, bugs=NO_BUGS):
    m = X.shape[1]
    Z1, A1, Z2, A2, Z3, A3 = cache
    dZ3 = (Y - A3) if "sign_dZ3" in bugs else (A3 - Y)
    dW3 = 1 / m * dZ3 @ A2.T
    db3 = 1 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = parameters["W3"].T @ dZ3
    dA2 = dA2 * D2
    if "dropout_keep_prob_multiplied" in bugs:
        dA2 = dA2 * keep_prob
    elif "dropout_no_rescale_dA2" not in bugs:
        dA2 = dA2 / keep_prob
    dZ2 = dA2 * (A2 > 0)
    dW2 = 1 / m * dZ2 @ A1.T
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = parameters["W2"].T @ dZ2
    dA1 = dA1 * D1
    if "dropout_no_rescale_dA1" not in bugs:
        dA1 = dA1 / keep_prob
    dZ1 = dA1 * (A1 > 0)
    dW1 = 1 / m * dZ1 @ X.T
    db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}  # fmt: skip


def forward_propagation_n(X, Y, parameters):
    A3, cache = forward_propagation(X, parameters)
    return cross_entropy(A3, Y), (X, *cache)


def backward_propagation_n(X, Y, cache, parameters, bugs=NO_BUGS):
    m = X.shape[1]
    _, Z1, A1, Z2, A2, Z3, A3 = cache
    dZ3 = A3 - Y
    dW3 = (1 if "dW3_no_mean" in bugs else 1 / m) * dZ3 @ A2.T
    db3 = 1 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = parameters["W3"].T @ dZ3
    dZ2 = dA2 * (A2 > 0)
    dW2 = 1 / m * dZ2 @ A1.T * (2 if "dW2_times_2" in bugs else 1)
    db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = parameters["W2"].T @ dZ2
    dZ1 = dA1 * (A1 > 0)
    dW1 = 1 / m * dZ1 @ X.T
    db1 = (4 if "db1_times_4" in bugs else 1) / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dZ3": dZ3, "dW3": dW3, "db3": db3, "dA2": dA2, "dZ2": dZ2, "dW2": dW2,
            "db2": db2, "dA1": dA1, "dZ1": dZ1, "dW1": dW1, "db1": db1}  # fmt: skip
