"""check_layer's contract: every return form, pass-through inputs, bad input, arrays restored,
and CS231n's own layers (written here as CS231n writes them) checked unchanged."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import gradcheck_lib
from gradcheck_lib import check_layer, gradient_check
from gradcheck_lib import layers as L
from gradcheck_lib.layers import example_inputs


@pytest.fixture
def affine():
    return example_inputs("affine", 1)


def snapshot(inputs):
    return copy.deepcopy(dict(inputs))


def assert_unchanged(inputs, before):
    for name, value in before.items():
        if isinstance(value, np.ndarray):
            assert inputs[name].tobytes() == value.tobytes(), name
        else:
            assert inputs[name] == value, name


def test_check_layer_is_exported():
    assert "check_layer" in gradcheck_lib.__all__
    assert gradcheck_lib.check_layer is check_layer


# ------------------------------------------------------------------------- the return forms


def as_dict(keys, order=(0, 1, 2)):
    def backward(dout, cache):
        named = list(zip(keys, L.affine_backward(dout, cache), strict=True))
        return dict(named[i] for i in order)

    return backward


@pytest.mark.parametrize(
    "backward",
    [
        L.affine_backward,
        lambda dout, cache: list(L.affine_backward(dout, cache)),
        as_dict(["dx", "dw", "db"]),
        as_dict(["x", "w", "b"]),
        as_dict(["dx", "dw", "db"], order=(2, 0, 1)),  # matched by name, not by order
    ],
    ids=["tuple", "list", "dict-d-names", "dict-names", "dict-any-order"],
)
def test_every_return_form_of_backward_is_understood(affine, backward):
    report = check_layer(L.affine_forward, backward, affine)
    assert report.verdict == "excellent"
    assert list(report.by_parameter) == ["x", "w", "b"]


def test_a_bare_array_is_the_gradient_of_the_one_float_input():
    report = check_layer(L.relu_forward, L.relu_backward, example_inputs("relu"))
    assert report.passed and list(report.by_parameter) == ["x"]


def test_without_a_cache_backward_gets_the_inputs():
    def forward(x, w):
        return np.tanh(x @ w)

    def backward(dout, x, w):
        dz = dout * (1 - np.tanh(x @ w) ** 2)
        return dz @ w.T, x.T @ dz

    rng = np.random.default_rng(4)
    inputs = {"x": rng.standard_normal((3, 2)), "w": rng.standard_normal((2, 4))}
    assert check_layer(forward, backward, inputs).passed

    def doubled_dw(dout, x, w):
        dx, dw = backward(dout, x, w)
        return dx, 2 * dw

    wrong = check_layer(forward, doubled_dw, inputs)
    assert set(wrong.diagnosis) == {"w"}
    assert wrong.scale_factors["w"] == pytest.approx(2.0, rel=1e-6)


def test_a_scalar_loss_gets_a_scalar_dout(affine):
    inputs = example_inputs("softmax", 2)
    received = []

    def backward(dloss, cache):
        received.append(dloss)
        return L.softmax_backward(dloss, cache)

    report = check_layer(L.softmax_forward, backward, inputs, seed=3)
    assert report.passed
    assert np.ndim(received[0]) == 0
    assert received[0] == np.random.default_rng(3).standard_normal(())


def test_dout_comes_from_the_seed_unless_upstream_is_given(affine):
    out, _ = L.affine_forward(*affine.values())
    seen = {}

    def backward(dout, cache):
        seen["dout"] = dout.copy()
        return L.affine_backward(dout, cache)

    check_layer(L.affine_forward, backward, affine, seed=11)
    np.testing.assert_array_equal(
        seen["dout"], np.random.default_rng(11).standard_normal(out.shape)
    )
    given = np.arange(out.size, dtype=float).reshape(out.shape)
    check_layer(L.affine_forward, backward, affine, upstream=given)
    np.testing.assert_array_equal(seen["dout"], given)


def test_the_check_is_gradient_check_of_the_inner_product(affine):
    out, cache = L.affine_forward(*affine.values())
    dout = np.random.default_rng(0).standard_normal(out.shape)
    dx, dw, db = L.affine_backward(dout, cache)
    direct = gradient_check(
        lambda p: float(np.sum(dout * L.affine_forward(p["x"], p["w"], p["b"])[0])),
        {name: value.copy() for name, value in affine.items()},
        {"dx": dx, "dw": dw, "db": db},
    )
    report = check_layer(L.affine_forward, L.affine_backward, affine)
    np.testing.assert_array_equal(report.numerical, direct.numerical)
    np.testing.assert_array_equal(report.analytical, direct.analytical)
    assert report.evaluations == direct.evaluations


# ---------------------------------------------------------------------------- pass-through


@pytest.mark.parametrize(
    ("layer", "passed"),
    [
        ("softmax", ["'y' (int64"]),
        ("batchnorm", ["'bn_param' (dict)"]),
        ("dropout", ["'mask' (bool", "'keep_prob' (float)"]),
    ],
)
def test_inputs_that_are_not_float_arrays_pass_through_and_are_named(layer, passed):
    report = check_layer(L.LAYERS[layer].forward, L.LAYERS[layer].backward, example_inputs(layer))
    assert report.passed
    note = next(note for note in report.notes if "unchecked" in note)
    for text in passed:
        assert text in note
    assert all(name not in report.by_parameter for name in ("y", "bn_param", "mask", "keep_prob"))
    assert note in report.advice() and note in str(report)


def test_a_report_without_pass_through_inputs_has_no_such_note(affine):
    report = check_layer(L.affine_forward, L.affine_backward, affine)
    assert not any("unchecked" in note for note in report.notes)


def test_a_dout_that_repeats_an_input_is_pointed_out():
    rng = np.random.default_rng(0)  # the same stream check_layer draws dout from
    inputs = {"x": rng.standard_normal((4, 4)), "w": rng.standard_normal((4, 4)), "b": np.ones(4)}
    report = check_layer(L.affine_forward, L.affine_backward, inputs)
    assert any("repeats the values of input 'x'" in note for note in report.notes)
    other = check_layer(L.affine_forward, L.affine_backward, inputs, seed=1)
    assert not any("repeats" in note for note in other.notes)


# ------------------------------------------------------------------------------ bad input


def test_bad_inputs_are_refused_with_the_argument_named(affine):
    f, b = L.affine_forward, L.affine_backward
    with pytest.raises(TypeError, match="`inputs` must be a dict"):
        check_layer(f, b, list(affine.values()))
    with pytest.raises(ValueError, match="`inputs` is empty"):
        check_layer(f, b, {})
    with pytest.raises(ValueError, match=r"no float array.*'x' \(int64"):
        check_layer(f, b, {"x": np.arange(3)})
    with pytest.raises(TypeError, match="complex"):
        check_layer(f, b, {**affine, "x": affine["x"] + 0j})
    with pytest.raises(TypeError, match="`forward` must be a function"):
        check_layer(None, b, affine)
    with pytest.raises(TypeError, match="`backward` must be a function"):
        check_layer(f, "affine_backward", affine)


def test_a_forward_that_returns_no_array_is_refused(affine):
    with pytest.raises(TypeError, match="`forward` returned str"):
        check_layer(lambda x, w, b: "out", L.affine_backward, affine)
    with pytest.raises(TypeError, match="tuple of 3"):
        check_layer(lambda x, w, b: (1.0, 2.0, 3.0), L.affine_backward, affine)
    with pytest.raises(TypeError, match="dtype int"):
        check_layer(lambda x, w, b: (np.arange(3), None), L.affine_backward, affine)


@pytest.mark.parametrize(
    ("backward", "error", "message"),
    [
        (
            lambda d, c: L.affine_backward(d, c)[:2],
            ValueError,
            r"returned 2 gradients .* 3 float inputs \(x, w, b\)",
        ),
        (lambda d, c: L.affine_backward(d, c)[1], TypeError, "returned a ndarray; the layer has 3"),
        (lambda d, c: {"dx": 0, "dw": 0}, KeyError, "without a gradient for input 'b'"),
        (
            lambda d, c: (*L.affine_backward(d, c)[:2], np.zeros(5)),
            ValueError,
            r"input 'b' \(number 3 of 3\) has shape \(5,\)",
        ),
        (
            lambda d, c: (L.affine_backward(d, c)[0], None, None),
            ValueError,
            "None as the gradient of input 'w'",
        ),
    ],
    ids=["too-few", "bare-array-for-three", "dict-missing", "wrong-shape", "none"],
)
def test_a_backward_with_the_wrong_gradients_is_refused_by_name(affine, backward, error, message):
    before = snapshot(affine)
    with pytest.raises(error, match=message):
        check_layer(L.affine_forward, backward, affine)
    assert_unchanged(affine, before)


def test_an_upstream_of_the_wrong_shape_is_refused(affine):
    with pytest.raises(ValueError, match=r"`upstream` has shape \(3,\) but .* \(4, 4\)"):
        check_layer(L.affine_forward, L.affine_backward, affine, upstream=np.ones(3))
    with pytest.raises(ValueError, match="`upstream` contains NaN"):
        check_layer(L.affine_forward, L.affine_backward, affine, upstream=np.full((4, 4), np.nan))


def test_a_forward_that_changes_its_input_in_place_is_refused(affine):
    def forward(x, w, b):
        x *= 2
        return L.affine_forward(x, w, b)

    before = snapshot(affine)
    with pytest.raises(ValueError, match="`forward` changed input 'x' in place"):
        check_layer(forward, L.affine_backward, affine)
    assert_unchanged(affine, before)


# ---------------------------------------------------------------------- arrays come back


def test_the_callers_objects_are_bit_identical_after_a_check(affine):
    inputs = example_inputs("batchnorm")
    for given in (affine, inputs):
        before = snapshot(given)
        layer = L.LAYERS["affine" if given is affine else "batchnorm"]
        check_layer(layer.forward, layer.backward, given)
        assert_unchanged(given, before)


def test_the_callers_arrays_are_bit_identical_when_forward_raises_midway(affine):
    calls = []

    def forward(x, w, b):
        calls.append(1)
        if len(calls) == 9:
            raise RuntimeError("boom in the middle of the check")
        return L.affine_forward(x, w, b)

    before = snapshot(affine)
    originals = dict(affine)
    with pytest.raises(RuntimeError, match="boom"):
        check_layer(forward, L.affine_backward, affine)
    assert_unchanged(affine, before)
    assert all(affine[name] is originals[name] for name in affine)


# ------------------------------------------------------------------------ the step and noise


@pytest.mark.parametrize("epsilon", [1e-10, 1e-9, 1e-5, 1e-4])
@pytest.mark.parametrize("layer", ["affine", "batchnorm", "softmax"])
def test_a_correct_layer_is_never_blamed_at_other_steps(layer, epsilon):
    report = check_layer(
        L.LAYERS[layer].forward, L.LAYERS[layer].backward, example_inputs(layer), epsilon=epsilon
    )
    assert report.diagnosis == {}
    assert report.epsilon == epsilon


# -------------------------------------------------------- CS231n's layers, as CS231n writes them


def cs231n_affine_forward(x, w, b):
    out = None
    N = x.shape[0]
    out = x.reshape(N, -1).dot(w) + b
    cache = (x, w, b)
    return out, cache


def cs231n_affine_backward(dout, cache):
    x, w, b = cache
    dx, dw, db = None, None, None
    N = x.shape[0]
    dx = dout.dot(w.T).reshape(x.shape)
    dw = x.reshape(N, -1).T.dot(dout)
    db = np.sum(dout, axis=0)
    return dx, dw, db


def cs231n_relu_forward(x):
    out = np.maximum(0, x)
    cache = x
    return out, cache


def cs231n_relu_backward(dout, cache):
    dx, x = None, cache
    dx = dout * (x > 0)
    return dx


def cs231n_batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        sample_mean = np.mean(x, axis=0)
        sample_var = np.var(x, axis=0)
        x_hat = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_hat + beta
        cache = (x, x_hat, sample_mean, sample_var, gamma, beta, eps)
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean
        running_var = momentum * running_var + (1 - momentum) * sample_var
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
    else:
        raise ValueError(f'Invalid forward batchnorm mode "{mode}"')
    # CS231n stores the running averages back into bn_param
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def cs231n_batchnorm_backward_alt(dout, cache):
    x, x_hat, mean, var, gamma, beta, eps = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = np.sum(dout * x_hat, axis=0)
    dx_hat = dout * gamma
    dx = N * dx_hat - dx_hat.sum(axis=0) - x_hat * np.sum(dx_hat * x_hat, axis=0)
    dx /= N * np.sqrt(var + eps)
    return dx, dgamma, dbeta


def cs231n_softmax_loss(x, y):
    shifted_logits = x - np.max(x, axis=1, keepdims=True)
    Z = np.sum(np.exp(shifted_logits), axis=1, keepdims=True)
    log_probs = shifted_logits - np.log(Z)
    probs = np.exp(log_probs)
    N = x.shape[0]
    loss = -np.sum(log_probs[np.arange(N), y]) / N
    dx = probs.copy()
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx


def test_cs231n_affine_and_relu_work_unchanged():
    rng = np.random.default_rng(8)
    inputs = {
        "x": rng.standard_normal((2, 4, 5, 6)),
        "w": rng.standard_normal((120, 3)),
        "b": rng.standard_normal(3),
    }
    assert check_layer(cs231n_affine_forward, cs231n_affine_backward, inputs).passed
    relu = check_layer(cs231n_relu_forward, cs231n_relu_backward, example_inputs("relu"))
    assert relu.passed


def test_cs231n_batchnorm_works_unchanged_and_its_bn_param_is_left_alone():
    rng = np.random.default_rng(9)
    bn_param = {"mode": "train"}
    inputs = {
        "x": 4 * rng.standard_normal((8, 5)) + 10,
        "gamma": rng.standard_normal(5),
        "beta": rng.standard_normal(5),
        "bn_param": bn_param,
    }
    report = check_layer(cs231n_batchnorm_forward, cs231n_batchnorm_backward_alt, inputs)
    assert report.passed
    assert bn_param == {"mode": "train"}  # CS231n's forward wrote running means into copies
    assert any("'bn_param' (dict)" in note for note in report.notes)


def test_cs231n_softmax_loss_works_with_its_gradient_as_the_cache():
    inputs = example_inputs("softmax", 4)
    report = check_layer(cs231n_softmax_loss, lambda dloss, dx: dloss * dx, inputs)
    assert report.passed
    wrong = check_layer(cs231n_softmax_loss, lambda dloss, dx: dx, inputs)  # dloss ignored
    assert set(wrong.diagnosis) == {"x"}


def test_a_cs231n_bug_is_caught_and_localized():
    def backward(dout, cache):
        dx, dgamma, dbeta = cs231n_batchnorm_backward_alt(dout, cache)
        return dx, dout.sum(axis=0), dbeta  # the classic: dgamma = sum(dout)

    inputs = {**example_inputs("batchnorm"), "bn_param": {"mode": "train"}}
    report = check_layer(cs231n_batchnorm_forward, backward, inputs)
    assert report.verdict == "critical" and set(report.diagnosis) == {"gamma"}


def test_a_float32_input_is_checked_in_float64_and_the_report_says_so():
    inputs = {key: value.astype(np.float32) for key, value in example_inputs("tanh").items()}
    before = snapshot(inputs)
    report = check_layer(L.tanh_forward, L.tanh_backward, inputs)
    assert report.passed
    assert any("'x' (float32 array (4, 5)) as float64 copies" in note for note in report.notes)
    assert_unchanged(inputs, before)
    assert inputs["x"].dtype == np.float32


def test_a_forward_that_is_not_deterministic_is_refused_in_check_layers_words():
    rng = np.random.default_rng(0)

    def dropout_with_a_fresh_mask(x):
        return x * (rng.random(x.shape) < 0.5) / 0.5

    with pytest.raises(ValueError, match=r"two different values.*in check_layer, `cost` is sum"):
        check_layer(dropout_with_a_fresh_mask, lambda dout, x: dout, example_inputs("tanh"))
