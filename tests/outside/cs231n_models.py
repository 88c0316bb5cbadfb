"""CS231n-style models (classifiers/fc_net.py, cnn.py, rnn.py): ``model.params`` holds the
arrays, ``model.loss(X, y, bugs=...)`` returns (loss, grads) with grads keyed like params."""

import numpy as np

from . import cs231n_layers as L


class FullyConnectedNet:
    """{affine - batchnorm - relu - dropout} x (layers - 1) - affine - softmax; L2 0.5·reg·ΣW²."""

    def __init__(self, hidden_dims, input_dim, num_classes, *, keep=0.75, reg=0.1, seed=0):
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        self.reg, self.layers = reg, len(dims) - 1
        self.params = {}
        for i in range(self.layers):
            self.params[f"W{i + 1}"] = rng.standard_normal((dims[i], dims[i + 1])) / np.sqrt(
                dims[i]
            )
            self.params[f"b{i + 1}"] = 0.1 * rng.standard_normal(dims[i + 1])
            if i < self.layers - 1:
                self.params[f"gamma{i + 1}"] = 1 + 0.1 * rng.standard_normal(dims[i + 1])
                self.params[f"beta{i + 1}"] = 0.1 * rng.standard_normal(dims[i + 1])
        self.bn_params = [{"mode": "train"} for _ in range(self.layers - 1)]
        self.dropout_param = {"mode": "train", "p": keep, "seed": 123}

    def loss(self, X, y, bugs=L.NO_BUGS):
        p, caches, h = self.params, [], X
        for i in range(1, self.layers):
            h, affine = L.affine_forward(h, p[f"W{i}"], p[f"b{i}"])
            h, bn = L.batchnorm_forward(h, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1])
            h, relu = L.relu_forward(h)
            h, drop = L.dropout_forward(h, {**self.dropout_param, "seed": 123 + i})
            caches.append((affine, bn, relu, drop))
        scores, last = L.affine_forward(h, p[f"W{self.layers}"], p[f"b{self.layers}"])
        loss, dscores = L.softmax_loss(scores, y, bugs)
        weights = [p[f"W{i}"] for i in range(1, self.layers + 1)]
        loss += 0.5 * self.reg * sum(float(np.sum(w * w)) for w in weights)
        grads = {}
        dh, grads[f"W{self.layers}"], grads[f"b{self.layers}"] = L.affine_backward(
            dscores, last, bugs
        )
        for i in reversed(range(1, self.layers)):
            affine, bn, relu, drop = caches[i - 1]
            dh = L.dropout_backward(dh, drop, bugs)
            dh = L.relu_backward(dh, relu, bugs)
            dh, grads[f"gamma{i}"], grads[f"beta{i}"] = L.batchnorm_backward(dh, bn, bugs)
            dh, grads[f"W{i}"], grads[f"b{i}"] = L.affine_backward(dh, affine, bugs)
        for i in range(1, self.layers + 1):
            if "reg_forgotten" in bugs:
                continue
            factor = 2 if "reg_factor_2" in bugs else 1  # d(0.5·reg·W²) written as 2·reg·W
            grads[f"W{i}"] = grads[f"W{i}"] + factor * self.reg * p[f"W{i}"]
        return loss, grads


class NaiveConvNet:
    """conv (3x3, pad 1) - relu - 2x2 max pool - affine - relu - affine - softmax, L2 on W."""

    def __init__(self, input_dim=(1, 5, 5), filters=2, hidden=4, classes=3, *, reg=0.05, seed=0):
        rng = np.random.default_rng(seed)
        c, height, width = input_dim
        pooled = filters * (height // 2) * (width // 2)
        self.reg = reg
        self.params = {
            "W1": 0.5 * rng.standard_normal((filters, c, 3, 3)),
            "b1": 0.1 * rng.standard_normal(filters),
            "W2": rng.standard_normal((pooled, hidden)) / np.sqrt(pooled),
            "b2": 0.1 * rng.standard_normal(hidden),
            "W3": rng.standard_normal((hidden, classes)) / np.sqrt(hidden),
            "b3": 0.1 * rng.standard_normal(classes),
        }
        self.conv_param = {"stride": 1, "pad": 1}
        self.pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

    def loss(self, X, y, bugs=L.NO_BUGS):
        p = self.params
        h, conv = L.conv_forward_naive(X, p["W1"], p["b1"], self.conv_param)
        h, relu1 = L.relu_forward(h)
        h, pool = L.max_pool_forward_naive(h, self.pool_param)
        h, affine2 = L.affine_forward(h, p["W2"], p["b2"])
        h, relu2 = L.relu_forward(h)
        scores, affine3 = L.affine_forward(h, p["W3"], p["b3"])
        loss, dscores = L.softmax_loss(scores, y, bugs)
        loss += 0.5 * self.reg * sum(float(np.sum(p[k] ** 2)) for k in ("W1", "W2", "W3"))
        grads = {}
        dh, grads["W3"], grads["b3"] = L.affine_backward(dscores, affine3, bugs)
        dh = L.relu_backward(dh, relu2, bugs)
        dh, grads["W2"], grads["b2"] = L.affine_backward(dh, affine2, bugs)
        dh = L.max_pool_backward_naive(dh, pool, bugs)
        dh = L.relu_backward(dh, relu1, bugs)
        _, grads["W1"], grads["b1"] = L.conv_backward_naive(dh, conv, bugs)
        for k in ("W1", "W2", "W3"):
            if not (k == "W1" and "reg_forgotten_W1" in bugs):
                grads[k] = grads[k] + self.reg * p[k]
        return loss, grads


class CaptioningRNN:
    """features -> h0 (affine); words -> embedding; vanilla RNN; temporal affine; temporal
    softmax loss that skips <NULL> (word 0). Captions start with <START> (word 1)."""

    def __init__(self, feature_dim=4, wordvec_dim=3, hidden_dim=3, vocab=5, *, seed=0):
        rng = np.random.default_rng(seed)
        self.params = {
            "W_embed": rng.standard_normal((vocab, wordvec_dim)),
            "W_proj": rng.standard_normal((feature_dim, hidden_dim)) / np.sqrt(feature_dim),
            "b_proj": 0.1 * rng.standard_normal(hidden_dim),
            "Wx": rng.standard_normal((wordvec_dim, hidden_dim)) / np.sqrt(wordvec_dim),
            "Wh": rng.standard_normal((hidden_dim, hidden_dim)) / np.sqrt(hidden_dim),
            "b": 0.1 * rng.standard_normal(hidden_dim),
            "W_vocab": rng.standard_normal((hidden_dim, vocab)) / np.sqrt(hidden_dim),
            "b_vocab": 0.1 * rng.standard_normal(vocab),
        }

    def loss(self, features, captions, bugs=L.NO_BUGS):
        p = self.params
        captions_in, captions_out = captions[:, :-1], captions[:, 1:]
        mask = captions_out != 0
        h0, proj = L.affine_forward(features, p["W_proj"], p["b_proj"])
        x, embed = L.word_embedding_forward(captions_in, p["W_embed"])
        h, rnn = L.rnn_forward(x, h0, p["Wx"], p["Wh"], p["b"])
        scores, vocab = L.temporal_affine_forward(h, p["W_vocab"], p["b_vocab"])
        loss, dscores = L.temporal_softmax_loss(scores, captions_out, mask, bugs)
        grads = {}
        dh, grads["W_vocab"], grads["b_vocab"] = L.temporal_affine_backward(dscores, vocab, bugs)
        dx, dh0, grads["Wx"], grads["Wh"], grads["b"] = L.rnn_backward(dh, rnn, bugs)
        grads["W_embed"] = L.word_embedding_backward(dx, embed, bugs)
        _, grads["W_proj"], grads["b_proj"] = L.affine_backward(dh0, proj, bugs)
        return loss, grads
