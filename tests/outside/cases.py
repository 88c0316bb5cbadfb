"""The held-out cases: each model or layer, wired as its own course would wire it, with its
planted bugs; and which arrays a bug corrupts, found by comparing gradients."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from . import cs231n_layers as L
from . import dlai_models as D
from .cs231n_models import CaptioningRNN, FullyConnectedNet, NaiveConvNet

#: A gradient array counts as corrupted when the buggy one differs from the correct one by more
#: than this, relative to the array's gradient (or, for an array whose true gradient is
#: rounding-level zero, relative to 1e-2 of the whole gradient, so rounding noise never counts).
CORRUPTION = 1e-10


def corrupted(correct: dict, buggy: dict, names) -> set[str]:
    """The names whose gradient the bug changes beyond CORRUPTION (relative)."""
    total = np.sqrt(sum(float(np.sum(np.square(correct[n]))) for n in names))
    found = set()
    for name in names:
        a, b = np.asarray(correct[name], float), np.asarray(buggy[name], float)
        gap = float(np.linalg.norm(a - b))
        scale = max(float(np.linalg.norm(a)), float(np.linalg.norm(b)), 1e-2 * total)
        if gap > CORRUPTION * scale:
            found.add(name)
    return found


@dataclass
class ModelCase:
    """A model: ``cost(parameters) -> float`` as its course writes it, the parameters the
    check perturbs, ``gradients(bugs)`` (the backward pass, keys as its course has them)."""

    name: str
    parameters: dict
    cost: Callable
    gradients: Callable
    bugs: tuple[str, ...]
    key: Callable[[str], str] = staticmethod(lambda name: name)  # param name -> gradient key

    def corrupted_by(self, bug: str) -> set[str]:
        correct, buggy = self.gradients(L.NO_BUGS), self.gradients(frozenset([bug]))
        names = list(self.parameters)
        keyed_ok = {n: correct[self.key(n)] for n in names}
        keyed_bug = {n: buggy[self.key(n)] for n in names}
        return corrupted(keyed_ok, keyed_bug, names)


def cs231n_case(name: str, model, inputs: tuple, bugs: tuple[str, ...]) -> ModelCase:
    """A CS231n-style model: ``model.loss(*inputs, bugs) -> (loss, grads)``, and a cost that is
    CS231n's closure (the model reads its own ``params``, which the check perturbs in place)."""
    return ModelCase(
        name,
        model.params,
        lambda _: model.loss(*inputs)[0],
        lambda planted: model.loss(*inputs, planted)[1],
        bugs,
    )


def fc_net() -> ModelCase:
    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((5, 4)), np.array([0, 1, 2, 1, 0])
    model = FullyConnectedNet([4, 3], input_dim=4, num_classes=3, keep=0.75, reg=0.1)
    return cs231n_case(
        "cs231n_fc_batchnorm_dropout",
        model,
        (X, y),
        (
            "reg_forgotten",
            "reg_factor_2",
            "bn_dgamma_sum",
            "bn_no_variance_term",
            "dropout_no_rescale",
        ),  # fmt: skip
    )


def conv_net() -> ModelCase:
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((3, 1, 5, 5)), np.array([0, 2, 1])
    model = NaiveConvNet(reg=0.05)
    return cs231n_case(
        "cs231n_naive_convnet",
        model,
        (X, y),
        (
            "pool_top_left",
            "pool_argmax_transposed",
            "conv_dw_flipped",
            "conv_db_first_example",
            "reg_forgotten_W1",
        ),  # fmt: skip
    )


def captioning_rnn() -> ModelCase:
    rng = np.random.default_rng(3)
    features = rng.standard_normal((2, 4))
    captions = np.array([[1, 2, 3, 2, 0], [1, 4, 4, 2, 0]])  # repeated words, <NULL> at the end
    model = CaptioningRNN()
    return cs231n_case(
        "cs231n_captioning_rnn",
        model,
        (features, captions),
        (
            "rnn_tanh_derivative",
            "rnn_no_carry",
            "rnn_dWh_transposed",
            "embedding_no_accumulate",
            "temporal_softmax_mask_ignored",
        ),  # fmt: skip
    )


def _labels(rng, m):
    return (rng.random((1, m)) < 0.5).astype(float)


def dlai_l2() -> ModelCase:
    rng = np.random.default_rng(4)
    X, lambd = rng.standard_normal((3, 5)), 0.7
    Y = np.array([[1.0, 0.0, 1.0, 1.0, 0.0]])
    parameters = D.init([3, 4, 4, 1], seed=4)

    def cost(p):
        A3, _ = D.forward_propagation(X, p)
        return D.compute_cost_with_regularization(A3, Y, p, lambd)

    def gradients(bugs):
        _, cache = D.forward_propagation(X, parameters)
        return D.backward_propagation_with_regularization(X, Y, parameters, cache, lambd, bugs)

    return ModelCase(
        "dlai_l2_3layer",
        parameters,
        cost,
        gradients,
        ("reg_forgotten_dW3", "reg_half", "db2_no_mean", "relu_mask_wrong_layer"),
        key=lambda name: "d" + name,
    )


def dlai_dropout() -> ModelCase:
    rng = np.random.default_rng(5)
    X, keep_prob = rng.standard_normal((3, 5)), 0.8
    Y = np.array([[0.0, 1.0, 1.0, 0.0, 1.0]])
    D1 = (np.random.default_rng(50).random((4, 5)) < keep_prob).astype(float)
    D2 = (np.random.default_rng(51).random((4, 5)) < keep_prob).astype(float)
    parameters = D.init([3, 4, 4, 1], seed=5)

    def cost(p):
        A3, _ = D.forward_propagation(X, p, D1, D2, keep_prob)
        return D.cross_entropy(A3, Y)

    def gradients(bugs):
        _, cache = D.forward_propagation(X, parameters, D1, D2, keep_prob)
        return D.backward_propagation_with_dropout(X, Y, parameters, cache, D1, D2, keep_prob, bugs)

    return ModelCase(
        "dlai_dropout_3layer",
        parameters,
        cost,
        gradients,
        (
            "dropout_no_rescale_dA1",
            "dropout_no_rescale_dA2",
            "dropout_keep_prob_multiplied",
            "sign_dZ3",
        ),  # fmt: skip
        key=lambda name: "d" + name,
    )


def dlai_gradient_check_n() -> ModelCase:
    rng = np.random.default_rng(6)
    X, Y = rng.standard_normal((4, 3)), np.array([[1.0, 1.0, 0.0]])
    parameters = D.init([4, 5, 3, 1], seed=6)

    def gradients(bugs):
        _, cache = D.forward_propagation_n(X, Y, parameters)
        return D.backward_propagation_n(X, Y, cache, parameters, bugs)

    return ModelCase(
        "dlai_gradient_check_n",
        parameters,
        lambda p: D.forward_propagation_n(X, Y, p)[0],
        gradients,
        ("dW2_times_2", "db1_times_4", "dW3_no_mean"),
        key=lambda name: "d" + name,
    )


MODELS = {
    factory().name: factory
    for factory in (fc_net, conv_net, captioning_rnn, dlai_l2, dlai_dropout, dlai_gradient_check_n)
}

MODEL_BUGS = [(model, bug) for model, factory in MODELS.items() for bug in factory().bugs]


# ---- layers, for check_layer -------------------------------------------------------------


@dataclass
class LayerCase:
    """A layer: ``functions(bugs) -> (forward, backward)`` and fresh ``inputs()``."""

    name: str
    functions: Callable
    inputs: Callable
    bugs: tuple[str, ...]

    def gradients(self, bugs, dout):
        """The backward's gradients of the float inputs (by name) for upstream ``dout``."""
        forward, backward = self.functions(bugs)
        values = self.inputs()
        out, cache = forward(*values.values())
        returned = backward(dout, cache)
        returned = returned if isinstance(returned, tuple) else (returned,)
        floats = [n for n, v in values.items() if isinstance(v, np.ndarray) and v.dtype.kind == "f"]
        return dict(zip(floats, returned, strict=True)), out

    def upstream(self):
        forward, _ = self.functions(L.NO_BUGS)
        out, _ = forward(*self.inputs().values())
        return np.random.default_rng(7).standard_normal(np.shape(out))

    def corrupted_by(self, bug: str, dout) -> set[str]:
        correct, _ = self.gradients(L.NO_BUGS, dout)
        buggy, _ = self.gradients(frozenset([bug]), dout)
        return corrupted(correct, buggy, list(correct))


def _layer(name, forward, backward, inputs, bugs):
    return LayerCase(name, lambda b: (forward, partial(backward, bugs=b)), inputs, bugs)


def _loss_layer(name, loss, inputs, bugs):
    """A loss layer returns (loss, dx); check_layer sees dx as the cache."""
    return LayerCase(
        name, lambda b: (partial(loss, bugs=b), lambda dout, dx: dout * dx), inputs, bugs
    )


def _rng(seed):
    return np.random.default_rng(seed)


LAYERS = {
    case.name: case
    for case in [
        _layer(
            "affine",
            L.affine_forward,
            L.affine_backward,
            lambda: {
                "x": _rng(10).standard_normal((3, 2, 2)),
                "w": _rng(11).standard_normal((4, 4)),
                "b": _rng(12).standard_normal(4),
            },  # fmt: skip
            ("affine_dw_transposed", "affine_db_mean"),
        ),
        _layer(
            "relu",
            L.relu_forward,
            L.relu_backward,
            lambda: {"x": _rng(13).standard_normal((4, 5))},
            ("relu_no_mask",),
        ),
        _layer(
            "batchnorm",
            L.batchnorm_forward,
            L.batchnorm_backward,
            lambda: {
                "x": 3 + 2 * _rng(14).standard_normal((5, 3)),
                "gamma": 1 + 0.2 * _rng(15).standard_normal(3),
                "beta": _rng(16).standard_normal(3),
                "bn_param": {"mode": "train"},
            },  # fmt: skip
            ("bn_dgamma_sum", "bn_no_variance_term"),
        ),
        _layer(
            "dropout",
            L.dropout_forward,
            L.dropout_backward,
            lambda: {
                "x": _rng(17).standard_normal((4, 5)),
                "dropout_param": {"mode": "train", "p": 0.7, "seed": 3},
            },  # fmt: skip
            ("dropout_no_rescale",),
        ),
        _loss_layer(
            "softmax_loss",
            L.softmax_loss,
            lambda: {"x": _rng(18).standard_normal((4, 3)), "y": np.array([0, 2, 1, 2])},
            ("softmax_no_onehot", "softmax_no_mean"),
        ),
        _layer(
            "conv_naive",
            L.conv_forward_naive,
            L.conv_backward_naive,
            lambda: {
                "x": _rng(19).standard_normal((2, 1, 5, 5)),
                "w": _rng(20).standard_normal((2, 1, 3, 3)),
                "b": _rng(21).standard_normal(2),
                "conv_param": {"stride": 1, "pad": 1},
            },  # fmt: skip
            ("conv_dw_flipped", "conv_dx_flipped", "conv_db_first_example"),
        ),
        _layer(
            "max_pool_naive",
            L.max_pool_forward_naive,
            L.max_pool_backward_naive,
            lambda: {
                "x": _rng(22).standard_normal((2, 2, 4, 4)),
                "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2},
            },  # fmt: skip
            ("pool_top_left", "pool_spread", "pool_argmax_transposed"),
        ),
        _layer(
            "rnn_step",
            L.rnn_step_forward,
            L.rnn_step_backward,
            lambda: {
                "x": _rng(23).standard_normal((3, 2)),
                "prev_h": _rng(24).standard_normal((3, 3)),
                "Wx": 0.5 * _rng(25).standard_normal((2, 3)),
                "Wh": 0.5 * _rng(26).standard_normal((3, 3)),
                "b": _rng(27).standard_normal(3),
            },  # fmt: skip
            ("rnn_tanh_derivative", "rnn_dWh_transposed"),
        ),
        _layer(
            "rnn",
            L.rnn_forward,
            L.rnn_backward,
            lambda: {
                "x": _rng(28).standard_normal((2, 3, 2)),
                "h0": _rng(29).standard_normal((2, 3)),
                "Wx": 0.5 * _rng(30).standard_normal((2, 3)),
                "Wh": 0.5 * _rng(31).standard_normal((3, 3)),
                "b": _rng(32).standard_normal(3),
            },  # fmt: skip
            ("rnn_no_carry", "rnn_tanh_derivative"),
        ),
        _layer(
            "word_embedding",
            L.word_embedding_forward,
            L.word_embedding_backward,
            lambda: {"x": np.array([[0, 3, 1], [3, 3, 2]]), "W": _rng(33).standard_normal((5, 2))},
            ("embedding_no_accumulate",),
        ),
        _layer(
            "temporal_affine",
            L.temporal_affine_forward,
            L.temporal_affine_backward,
            lambda: {
                "x": _rng(34).standard_normal((2, 3, 4)),
                "w": _rng(35).standard_normal((4, 5)),
                "b": _rng(36).standard_normal(5),
            },  # fmt: skip
            ("temporal_db_last_step",),
        ),
        _loss_layer(
            "temporal_softmax_loss",
            L.temporal_softmax_loss,
            lambda: {
                "x": _rng(37).standard_normal((2, 3, 4)),
                "y": np.array([[1, 2, 0], [3, 3, 1]]),
                "mask": np.array([[True, True, False], [True, False, False]]),
            },  # fmt: skip
            ("temporal_softmax_mask_ignored", "temporal_softmax_divide_by_NT"),
        ),
    ]
}

LAYER_BUGS = [(layer, bug) for layer, case in LAYERS.items() for bug in case.bugs]
