"""The layers against independent oracles, and their bug catalog against check_layer."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from gradcheck_lib import check_layer
from gradcheck_lib import layers as L
from gradcheck_lib.bugs import CATALOG, Bug
from gradcheck_lib.layers import LAYER_CATALOG, LAYERS, example_inputs

# ------------------------------------------------------------------------------------ oracles


def float_names(inputs):
    return [
        name
        for name, value in inputs.items()
        if isinstance(value, np.ndarray) and value.dtype.kind == "f"
    ]


def complex_step_vjp(forward, inputs, dout, h=1e-30):
    """d/dθ sum(dout * forward(...)) for every float input θ, by the complex step (exact to u)."""
    gradients = {}
    for name in float_names(inputs):
        gradient = np.zeros(inputs[name].shape)
        for index in np.ndindex(inputs[name].shape):
            shifted = inputs[name].astype(np.complex128)
            shifted[index] += 1j * h
            out, _ = forward(*{**inputs, name: shifted}.values())
            gradient[index] = np.sum(dout * out).imag / h
        gradients[name] = gradient
    return gradients


def central_vjp(forward, inputs, dout, h=1e-6):
    """The same by a float64 central difference (for ReLU, which is not analytic)."""
    gradients = {}
    for name in float_names(inputs):
        gradient = np.zeros(inputs[name].shape)
        for index in np.ndindex(inputs[name].shape):
            values = []
            for sign in (1, -1):
                moved = inputs[name].copy()
                moved[index] += sign * h
                out, _ = forward(*{**inputs, name: moved}.values())
                values.append(np.sum(dout * out))
            gradient[index] = (values[0] - values[1]) / (2 * h)
        gradients[name] = gradient
    return gradients


def backward_as_dict(layer, inputs, dout, bugs=()):
    out, cache = layer.forward(*inputs.values())
    returned = layer.backward(dout, cache, bugs=bugs)
    returned = returned if isinstance(returned, tuple) else (returned,)
    return dict(zip(float_names(inputs), returned, strict=True))


def upstream(layer, inputs, seed=5):
    out, _ = layer.forward(*inputs.values())
    return np.random.default_rng(seed).standard_normal(np.shape(out))


ANALYTIC = ["affine", "tanh", "sigmoid", "softmax", "batchnorm", "dropout"]


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("name", ANALYTIC)
def test_backward_matches_the_complex_step(name, seed):
    layer, inputs = LAYERS[name], example_inputs(name, seed)
    dout = upstream(layer, inputs)
    expected = complex_step_vjp(layer.forward, inputs, dout)
    got = backward_as_dict(layer, inputs, dout)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-12, atol=1e-13, err_msg=key)


@pytest.mark.parametrize("seed", [0, 1])
def test_relu_backward_matches_a_central_difference(seed):
    layer, inputs = LAYERS["relu"], example_inputs("relu", seed)
    assert np.min(np.abs(inputs["x"])) >= 0.1  # away from the kink, where h = 1e-6 is exact
    dout = upstream(layer, inputs)
    expected = central_vjp(layer.forward, inputs, dout)
    np.testing.assert_allclose(backward_as_dict(layer, inputs, dout)["x"], expected["x"], atol=1e-9)


def test_forwards_compute_what_their_docstrings_say():
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), rng.standard_normal(5)
    np.testing.assert_allclose(L.affine_forward(x, w, b)[0], x.reshape(3, 4) @ w + b)
    z = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(L.relu_forward(z)[0], [0.0, 0.0, 3.0])
    np.testing.assert_allclose(L.sigmoid_forward(z)[0], 1 / (1 + np.exp(-z)), rtol=1e-15)
    np.testing.assert_allclose(L.tanh_forward(z)[0], np.tanh(z))
    scores, y = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    probs = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(
        L.softmax_forward(scores, y)[0], -np.mean(np.log(probs[range(4), y]))
    )
    xb = rng.standard_normal((6, 3))
    out, _ = L.batchnorm_forward(xb, np.ones(3), np.zeros(3), {"eps": 0.0})
    np.testing.assert_allclose(out, (xb - xb.mean(0)) / xb.std(0))
    mask = np.array([True, False, True])
    np.testing.assert_allclose(L.dropout_forward(z, mask, 0.5)[0], [-4.0, 0.0, 6.0])


def test_softmax_is_stable_for_large_scores_and_softmax_loss_is_forward_plus_backward():
    x, y = np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0])
    loss, dx = L.softmax_loss(x, y)
    assert np.isfinite(loss) and loss == pytest.approx(500.0)
    np.testing.assert_allclose(dx, [[0.0, 0.0], [-0.5, 0.5]], atol=1e-15)
    loss2, cache = L.softmax_forward(x, y)
    np.testing.assert_array_equal(L.softmax_backward(1.0, cache), dx)
    assert loss2 == loss


def test_layers_refuse_bad_input_with_the_argument_named():
    x = np.zeros((2, 3))
    with pytest.raises(TypeError, match="`y`"):
        L.softmax_forward(x, np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match="`y`"):
        L.softmax_forward(x, np.array([0, 3]))
    with pytest.raises(ValueError, match="keep_prob"):
        L.dropout_forward(x, x > 0, 0.0)
    with pytest.raises(ValueError, match="`mask`"):
        L.dropout_forward(x, np.ones(3, bool), 0.5)
    with pytest.raises(ValueError, match="mode"):
        L.batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "test"})


def test_batchnorm_leaves_bn_param_alone_and_defaults_eps():
    x = np.random.default_rng(0).standard_normal((5, 2))
    bn_param = {"mode": "train"}
    out, _ = L.batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    assert bn_param == {"mode": "train"}
    np.testing.assert_allclose(out, (x - x.mean(0)) / np.sqrt(x.var(0) + L.BATCHNORM_EPS))


def test_each_backward_sits_beside_its_forward_and_lists_its_lines_in_reverse_order():
    source = inspect.getsource(L)
    for name, layer in LAYERS.items():
        assert source.index(f"def {name}_forward") < source.index(f"def {name}_backward")
        body = inspect.getsource(layer.backward)
        positions = [body.index(f'line["{line}"](v)') for line in L.BACKWARD_LINES[name]]
        assert positions == sorted(positions), name


def test_example_inputs_are_seeded_and_not_the_stream_check_layer_draws_dout_from():
    first, again = example_inputs("affine", 3), example_inputs("affine", 3)
    for key in first:
        np.testing.assert_array_equal(first[key], again[key])
    dout = np.random.default_rng(3).standard_normal(first["x"].size)
    assert not np.allclose(dout, first["x"].ravel())
    with pytest.raises(KeyError, match="conv"):
        example_inputs("conv")


# ------------------------------------------------------------------------------------ catalog

BUGS = list(LAYER_CATALOG.values())
IDS = list(LAYER_CATALOG)


def test_catalog_has_the_classic_mistakes_for_every_layer():
    assert len(LAYER_CATALOG) >= 8
    assert {bug.layer for bug in BUGS} == set(LAYERS)
    for wanted in (
        "batchnorm_dgamma_sum_dout",
        "batchnorm_variance_term_forgotten",
        "softmax_label_not_subtracted",
        "relu_mask_from_dout",
        "dropout_not_rescaled",
        "tanh_prime_from_input",
        "sigmoid_prime_missing_factor",
        "affine_dw_transposed",
    ):
        assert wanted in LAYER_CATALOG


@pytest.mark.parametrize("bug", BUGS, ids=IDS)
def test_bug_is_a_bugs_py_bug_with_every_field_filled(bug):
    assert isinstance(bug, Bug)
    for field in ("name", "title", "line", "correct", "hint", "layer", "replaces"):
        assert getattr(bug, field), field
    assert bug.line != bug.correct
    compile(bug.line, bug.name, "exec")  # written as a learner would write it: valid Python
    assert bug.correct == L.CORRECT_LINES[bug.layer][bug.replaces]
    assert bug.line.split("=")[0].strip() == bug.correct.split("=")[0].strip() == bug.replaces
    float_inputs = float_names(example_inputs(bug.layer))
    assert set(bug.affects) <= set(float_inputs)


@pytest.mark.parametrize("bug", BUGS, ids=IDS)
def test_bug_changes_only_the_gradients_it_affects(bug):
    layer = LAYERS[bug.layer]
    inputs = example_inputs(bug.layer, 1)
    dout = upstream(layer, inputs)
    right, wrong = (
        backward_as_dict(layer, inputs, dout),
        backward_as_dict(layer, inputs, dout, [bug]),
    )
    for name in right:
        assert wrong[name].shape == right[name].shape
        assert np.array_equal(wrong[name], right[name]) == (name not in bug.affects), name


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("bug", BUGS, ids=IDS)
def test_check_layer_catches_the_bug_and_blames_the_input_it_affects(bug, seed):
    layer = LAYERS[bug.layer]
    report = check_layer(
        layer.forward,
        lambda dout, cache: layer.backward(dout, cache, bugs=[bug]),
        example_inputs(bug.layer, seed),
    )
    assert report.verdict == "critical"
    assert set(report.diagnosis) == set(bug.affects)
    assert max(report.by_parameter, key=report.by_parameter.get) in bug.affects
    assert not report.rounding_noise


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("name", list(LAYERS))
def test_check_layer_passes_every_correct_layer(name, seed):
    layer = LAYERS[name]
    report = check_layer(layer.forward, layer.backward, example_inputs(name, seed))
    assert report.verdict == "excellent"
    assert report.diagnosis == {}


def test_backward_refuses_a_bug_of_another_layer_or_two_on_one_line():
    inputs = example_inputs("affine")
    out, cache = L.affine_forward(*inputs.values())
    with pytest.raises(ValueError, match="batchnorm_backward"):
        L.affine_backward(out, cache, bugs=["batchnorm_dgamma_sum_dout"])
    with pytest.raises(ValueError, match="reference network"):
        L.affine_backward(out, cache, bugs=[CATALOG["dW2_doubled"]])
    with pytest.raises(KeyError, match="no layer bug named"):
        L.affine_backward(out, cache, bugs=["nope"])
    out, cache = L.dropout_forward(*example_inputs("dropout").values())
    with pytest.raises(ValueError, match="both replace line 'dx'"):
        L.dropout_backward(out, cache, bugs=["dropout_not_rescaled", "dropout_mask_not_applied"])
