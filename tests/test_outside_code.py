"""Backprop code this project did not write, in the style of CS231n's assignments (layers with
``(out, cache)`` forwards and ``(dout, cache)`` backwards, ``grads`` keyed like ``params``, a cost
that reads the model's own arrays through a closure): correct models are never blamed, and a
planted bug is blamed on exactly the arrays it corrupts."""

import numpy as np
import pytest

from gradcheck_lib import gradient_check

# ------------------------------------------------------------------------------- layers


def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w)


def affine_backward(dout, cache, bug=None):
    x, w = cache
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    if bug == "dw_no_transpose_sum":
        dw = dw * 1.5
    db = dout.sum(axis=0)
    if bug == "db_mean":
        db = dout.mean(axis=0)
    return dx, dw, db


def relu_forward(x):
    return np.maximum(0, x), x


def relu_backward(dout, cache):
    return dout * (cache > 0)


def batchnorm_forward(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    return gamma * x_hat + beta, (x_hat, gamma, var, eps)


def batchnorm_backward(dout, cache, bug=None):
    x_hat, gamma, var, eps = cache
    N = dout.shape[0]
    dgamma = np.sum(dout * x_hat, axis=0)
    if bug == "dgamma_without_x_hat":
        dgamma = np.sum(dout, axis=0)
    dbeta = np.sum(dout, axis=0)
    dx_hat = dout * gamma
    dx = (N * dx_hat - dx_hat.sum(0) - x_hat * np.sum(dx_hat * x_hat, 0)) / (N * np.sqrt(var + eps))
    if bug == "dx_ignores_mean":
        dx = dx_hat / np.sqrt(var + eps)
    return dx, dgamma, dbeta


def conv_forward_naive(x, w, b, stride=1, pad=1):
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    Ho, Wo = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
    out = np.zeros((N, F, Ho, Wo))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    return out, (x, w, stride, pad)


def conv_backward_naive(dout, cache, bug=None):
    x, w, stride, pad = cache
    F, _, HH, WW = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dxp, dw = np.zeros_like(xp), np.zeros_like(w)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            window = xp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            dw += np.tensordot(dout[:, :, i, j], window, axes=([0], [0]))
            dxp[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW] += np.tensordot(
                dout[:, :, i, j], w, axes=([1], [0])
            )
    if bug == "dw_flipped_kernel":
        dw = dw[:, :, ::-1, ::-1]
    db = dout.sum(axis=(0, 2, 3))
    return dxp[:, :, pad:-pad, pad:-pad], dw, db


def max_pool_forward_naive(x, size=2):
    N, C, H, W = x.shape
    out = x.reshape(N, C, H // size, size, W // size, size).max(axis=(3, 5))
    return out, (x, size)


def max_pool_backward_naive(dout, cache, bug=None):
    x, size = cache
    dx = np.zeros_like(x)
    N, C, H, W = x.shape
    for i in range(H // size):
        for j in range(W // size):
            window = x[:, :, i * size : (i + 1) * size, j * size : (j + 1) * size]
            flat = window.reshape(N, C, -1)
            pick = np.zeros_like(flat) if bug == "route_to_first" else None
            if bug == "route_to_first":
                pick[:, :, 0] = 1  # the gradient always goes to the window's first entry
            else:
                pick = (flat == flat.max(axis=2, keepdims=True)).astype(float)
            dx[:, :, i * size : (i + 1) * size, j * size : (j + 1) * size] = (
                pick * dout[:, :, i, j][..., None]
            ).reshape(window.shape)
    return dx


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)
    return next_h, (x, prev_h, Wx, Wh, next_h)


def rnn_step_backward(dnext_h, cache, bug=None):
    x, prev_h, Wx, Wh, next_h = cache
    dz = dnext_h * (1 - next_h**2)
    if bug == "dtanh_of_prev_h":
        dz = dnext_h * (1 - prev_h**2)
    return dz @ Wx.T, dz @ Wh.T, x.T @ dz, prev_h.T @ dz, dz.sum(axis=0)


def softmax_loss(x, y):
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = x.shape[0]
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    return -log_probs[np.arange(N), y].mean(), dx / N


# ------------------------------------------------------------------------------- models


class Model:
    """``params`` and ``loss(X, y) -> (loss, grads)``, as CS231n's classifiers have."""

    def __init__(self, bug=None, seed=0, reg=0.05):
        self.rng = np.random.default_rng(seed)
        self.bug, self.reg = bug, reg
        self.params = self.init()

    def regularized(self, loss, grads):
        for name in self.params:
            if name.startswith("W"):
                loss += 0.5 * self.reg * np.sum(self.params[name] ** 2)
                grads[name] = grads[name] + self.reg * self.params[name]
        return loss, grads


class BatchnormNet(Model):
    """affine - batchnorm - relu - affine - softmax; b1 cancels in the batchnorm (gradient 0)."""

    corrupts = {
        "dw_no_transpose_sum": {"W2"},
        "dgamma_without_x_hat": {"gamma1"},
        "dx_ignores_mean": {"W1", "b1"},
        "db_mean": {"b2"},
    }
    X = np.random.default_rng(10).standard_normal((8, 5))
    y = np.random.default_rng(11).integers(0, 3, 8)

    def init(self):
        r = self.rng
        return {
            "W1": 0.5 * r.standard_normal((5, 6)),
            "b1": 0.1 * r.standard_normal(6),
            "gamma1": 1 + 0.1 * r.standard_normal(6),
            "beta1": 0.1 * r.standard_normal(6),
            "W2": 0.5 * r.standard_normal((6, 3)),
            "b2": 0.1 * r.standard_normal(3),
        }

    def loss(self, X, y):
        p = self.params
        h, c1 = affine_forward(X, p["W1"], p["b1"])
        h, c2 = batchnorm_forward(h, p["gamma1"], p["beta1"])
        h, c3 = relu_forward(h)
        scores, c4 = affine_forward(h, p["W2"], p["b2"])
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh, grads["W2"], grads["b2"] = affine_backward(dscores, c4, self.bug)
        dh = relu_backward(dh, c3)
        dh, grads["gamma1"], grads["beta1"] = batchnorm_backward(dh, c2, self.bug)
        _, grads["W1"], grads["b1"] = affine_backward(dh, c1)
        return self.regularized(loss, grads)


class ConvNet(Model):
    """conv - relu - 2x2 max pool - affine - softmax."""

    corrupts = {"dw_flipped_kernel": {"W1"}, "route_to_first": {"W1", "b1"}, "db_mean": {"b2"}}
    X = np.random.default_rng(12).standard_normal((2, 2, 4, 4))
    y = np.array([0, 2])

    def init(self):
        r = self.rng
        return {
            "W1": 0.3 * r.standard_normal((3, 2, 3, 3)),
            "b1": 0.1 * r.standard_normal(3),
            "W2": 0.3 * r.standard_normal((12, 3)),
            "b2": 0.1 * r.standard_normal(3),
        }

    def loss(self, X, y):
        p = self.params
        h, c1 = conv_forward_naive(X, p["W1"], p["b1"])
        h, c2 = relu_forward(h)
        h, c3 = max_pool_forward_naive(h)
        scores, c4 = affine_forward(h, p["W2"], p["b2"])
        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh, grads["W2"], grads["b2"] = affine_backward(dscores, c4, self.bug)
        dh = max_pool_backward_naive(dh, c3, self.bug)
        dh = relu_backward(dh, c2)
        _, grads["W1"], grads["b1"] = conv_backward_naive(dh, c1, self.bug)
        return self.regularized(loss, grads)


class RNN(Model):
    """Three vanilla RNN steps, then affine - softmax on the last hidden state."""

    corrupts = {"dtanh_of_prev_h": {"Wx", "Wh", "b", "h0"}, "dw_no_transpose_sum": {"Wy"}}
    X = np.random.default_rng(13).standard_normal((3, 4, 3))  # (T, N, D)
    y = np.array([1, 0, 2, 1])

    def init(self):
        r = self.rng
        return {
            "Wx": 0.4 * r.standard_normal((3, 5)),
            "Wh": 0.4 * r.standard_normal((5, 5)),
            "b": 0.1 * r.standard_normal(5),
            "Wy": 0.4 * r.standard_normal((5, 3)),
            "by": 0.1 * r.standard_normal(3),
            "h0": 0.1 * r.standard_normal((4, 5)),
        }

    def loss(self, X, y):
        p = self.params
        h, caches = p["h0"], []
        for x in X:
            h, cache = rnn_step_forward(x, h, p["Wx"], p["Wh"], p["b"])
            caches.append(cache)
        scores, c = affine_forward(h, p["Wy"], p["by"])
        loss, dscores = softmax_loss(scores, y)
        grads = {name: np.zeros_like(value) for name, value in p.items()}
        dh, grads["Wy"], grads["by"] = affine_backward(dscores, c, self.bug)
        for cache in reversed(caches):
            _, dh, dWx, dWh, db = rnn_step_backward(dh, cache, self.bug)
            grads["Wx"] += dWx
            grads["Wh"] += dWh
            grads["b"] += db
        grads["h0"] = dh
        return self.regularized(loss, grads)


MODELS = {"batchnorm net": BatchnormNet, "conv net": ConvNet, "rnn": RNN}


def check(model, epsilon, mode="full"):
    """CS231n style: the cost ignores its argument and reads the model's own arrays."""
    _, grads = model.loss(model.X, model.y)
    return gradient_check(
        lambda _: model.loss(model.X, model.y)[0], model.params, grads, epsilon=epsilon, mode=mode
    )


@pytest.mark.parametrize("epsilon", [1e-10, 1e-8, 1e-7, 1e-5, 1e-3, 1e-2, 1e-1])
@pytest.mark.parametrize("name", list(MODELS))
def test_correct_outside_models_are_never_blamed(name, epsilon):
    report = check(MODELS[name](), epsilon)
    assert report.diagnosis == {}, (report.diagnosis, str(report))
    if not report.passed:  # the report names why the numbers are off
        assert report.causes and report.meaning() != report.verdict.meaning


CORRUPTED = [(name, bug) for name, cls in MODELS.items() for bug in cls.corrupts]


@pytest.mark.parametrize(("name", "bug"), CORRUPTED, ids=[f"{n}-{b}" for n, b in CORRUPTED])
def test_a_planted_bug_is_blamed_on_exactly_its_arrays(name, bug):
    model = MODELS[name](bug=bug)
    report = check(model, 1e-7)
    assert not report.passed
    assert set(report.diagnosis) == model.corrupts[bug], str(report)


def test_max_pool_routing_bug_headline_does_not_point_away():
    report = check(ConvNet(bug="route_to_first"), 1e-7)
    assert "a constant, a regularization term" not in report.meaning()
    assert "dW1" in report.meaning() or "db1" in report.meaning()


@pytest.mark.parametrize("mode", ["directional", "sample"])
@pytest.mark.parametrize("name", list(MODELS))
def test_cheap_modes_on_outside_models(name, mode):
    assert check(MODELS[name](), 1e-6, mode=mode).diagnosis == {}
