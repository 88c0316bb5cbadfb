"""Tests of the reference network: shapes, the cost, and backprop against independent oracles."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pytest

from gradcheck_lib import gradient_check, relative_difference
from gradcheck_lib import network as net
from gradcheck_lib.bugs import CATALOG, check_network
from gradcheck_lib.network import (
    BACKWARD_LINES,
    DEFAULT_SETTINGS,
    backward_propagation,
    compute_cost,
    cost_function,
    forward_propagation,
    init_parameters,
    make_dataset,
)

PARAMETER_NAMES = ("W1", "b1", "W2", "b2")


def small_problem(m: int = 30, hidden: int = 3, seed: int = 0):
    X, Y = make_dataset(m=m, seed=seed)
    return X, Y, init_parameters(n_x=2, n_h=hidden, n_y=1, seed=seed)


def grads_of(X, Y, parameters, *, activation="tanh", lambd=0.0, keep_prob=1.0, dropout_seed=None):
    _, cache = forward_propagation(X, parameters, activation, keep_prob, dropout_seed)
    return backward_propagation(X, Y, cache, parameters, lambd=lambd)


# ---------------------------------------------------------------- data and parameters


def test_make_dataset_shapes_labels_and_seed():
    X, Y = make_dataset(m=50, seed=3)
    assert X.shape == (2, 50) and Y.shape == (1, 50)
    assert X.dtype == np.float64 and Y.dtype == np.float64
    assert set(np.unique(Y)) == {0.0, 1.0}  # both classes present, nothing else
    X_again, Y_again = make_dataset(m=50, seed=3)
    assert np.array_equal(X, X_again) and np.array_equal(Y, Y_again)
    assert not np.array_equal(X, make_dataset(m=50, seed=4)[0])


def test_make_dataset_labels_follow_the_sine_boundary():
    X, Y = make_dataset(m=100)
    assert np.array_equal(Y[0] == 1.0, X[1] > np.sin(1.5 * X[0]))


@pytest.mark.parametrize("m", [0, -3, 2.5])
def test_make_dataset_rejects_bad_m(m):
    with pytest.raises(ValueError, match="m must be a positive integer"):
        make_dataset(m=m)


def test_make_dataset_leaves_global_random_state_alone():
    state = np.random.get_state()[1].copy()  # noqa: NPY002 (the legacy global state)
    make_dataset(m=10)
    init_parameters()
    assert np.array_equal(np.random.get_state()[1], state)  # noqa: NPY002


def test_init_parameters_shapes_order_and_nonzero_biases():
    parameters = init_parameters(n_x=2, n_h=5, n_y=1, seed=1)
    assert list(parameters) == list(PARAMETER_NAMES)
    assert {k: v.shape for k, v in parameters.items()} == {
        "W1": (5, 2),
        "b1": (5, 1),
        "W2": (1, 5),
        "b2": (1, 1),
    }
    # zero biases would hide bugs that multiply b (regularizing the biases)
    assert np.all(parameters["b1"] != 0) and np.all(parameters["b2"] != 0)
    assert np.array_equal(parameters["W1"], init_parameters(n_x=2, n_h=5, n_y=1, seed=1)["W1"])


# ---------------------------------------------------------------- forward pass and cost


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_forward_shapes_and_cache(activation):
    X, Y, parameters = small_problem(m=7, hidden=3)
    A2, cache = forward_propagation(X, parameters, activation)
    assert A2.shape == (1, 7)
    assert np.all((A2 > 0) & (A2 < 1))
    for key in ("Z1", "A1", "D1", "A1_drop"):
        assert cache[key].shape == (3, 7), key
    assert cache["Z2"].shape == (1, 7)
    assert np.all(cache["D1"] == 1.0) and np.array_equal(cache["A1_drop"], cache["A1"])
    expected_A1 = np.tanh(cache["Z1"]) if activation == "tanh" else np.maximum(cache["Z1"], 0)
    assert np.array_equal(cache["A1"], expected_A1)
    assert np.allclose(A2, 1 / (1 + np.exp(-cache["Z2"])), rtol=1e-14, atol=0)


def test_forward_rejects_unknown_activation_and_keep_prob():
    X, _, parameters = small_problem()
    with pytest.raises(ValueError, match="activation must be one of"):
        forward_propagation(X, parameters, "sigmoid")
    with pytest.raises(ValueError, match="keep_prob must be in"):
        forward_propagation(X, parameters, keep_prob=0.0)


def test_dropout_mask_fixed_by_seed_redrawn_without():
    X, _, parameters = small_problem(m=40, hidden=4)
    _, first = forward_propagation(X, parameters, keep_prob=0.5, dropout_seed=7)
    _, second = forward_propagation(X, parameters, keep_prob=0.5, dropout_seed=7)
    assert np.array_equal(first["D1"], second["D1"])
    assert 0 < first["D1"].sum() < first["D1"].size  # some units dropped, some kept
    assert np.allclose(first["A1_drop"], first["A1"] * first["D1"] / 0.5)
    _, fresh_one = forward_propagation(X, parameters, keep_prob=0.5, dropout_seed=None)
    _, fresh_two = forward_propagation(X, parameters, keep_prob=0.5, dropout_seed=None)
    assert not np.array_equal(fresh_one["D1"], fresh_two["D1"])  # 160 coin flips


def test_compute_cost_matches_formula_and_penalizes_weights_only():
    X, Y, parameters = small_problem()
    A2, _ = forward_propagation(X, parameters)
    m = Y.shape[1]
    cross_entropy = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    assert compute_cost(A2, Y) == pytest.approx(cross_entropy, rel=1e-14)
    penalty = 0.3 / (2 * m) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2))
    assert compute_cost(A2, Y, parameters, lambd=0.3) == pytest.approx(
        cross_entropy + penalty, rel=1e-14
    )
    bigger_biases = {**parameters, "b1": 10 * parameters["b1"], "b2": 10 * parameters["b2"]}
    assert compute_cost(A2, Y, bigger_biases, 0.3) == compute_cost(A2, Y, parameters, 0.3)
    assert isinstance(compute_cost(A2, Y), float)


def test_compute_cost_needs_parameters_for_the_l2_term():
    X, Y, parameters = small_problem()
    A2, _ = forward_propagation(X, parameters)
    with pytest.raises(ValueError, match="needs the parameters"):
        compute_cost(A2, Y, lambd=0.1)


def test_cost_function_is_forward_plus_cost():
    X, Y, parameters = small_problem()
    cost = cost_function(X, Y, activation="relu", lambd=0.2)
    A2, _ = forward_propagation(X, parameters, "relu")
    assert cost(parameters) == compute_cost(A2, Y, parameters, 0.2)


# ---------------------------------------------------------------- backward pass


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_gradients_have_the_parameters_shapes(activation):
    X, Y, parameters = small_problem(m=9, hidden=5)
    grads = grads_of(
        X, Y, parameters, activation=activation, lambd=0.1, keep_prob=0.8, dropout_seed=0
    )
    for name in PARAMETER_NAMES:
        assert grads["d" + name].shape == parameters[name].shape, name
    assert grads["dZ2"].shape == (1, 9) and grads["dZ1"].shape == (5, 9)


def test_backward_refuses_settings_that_differ_from_the_forward_pass():
    X, Y, parameters = small_problem()
    _, cache = forward_propagation(X, parameters, "tanh", keep_prob=0.9, dropout_seed=0)
    with pytest.raises(ValueError, match="forward pass used activation='tanh'"):
        backward_propagation(X, Y, cache, parameters, activation="relu")
    with pytest.raises(ValueError, match="keep_prob"):
        backward_propagation(X, Y, cache, parameters, keep_prob=1.0)


def test_backward_lines_follow_the_forward_pass_in_reverse():
    assert list(BACKWARD_LINES) == ["dZ2", "dW2", "db2", "dA1_drop", "dA1", "dZ1", "dW1", "db1"]


def test_a_replacement_changes_its_own_line_and_what_depends_on_it():
    """Bugs are data: any object naming a line replaces that line, and nothing else."""
    X, Y, parameters = small_problem()
    _, cache = forward_propagation(X, parameters)
    correct = backward_propagation(X, Y, cache, parameters, lambd=0.1)
    zero_db2 = SimpleNamespace(name="zero", replaces="db2", compute=lambda v: np.zeros((1, 1)))
    buggy = backward_propagation(X, Y, cache, parameters, lambd=0.1, bugs=[zero_db2])
    assert np.all(buggy["db2"] == 0)
    for name in ("dZ2", "dW2", "dA1_drop", "dA1", "dZ1", "dW1", "db1"):
        assert np.array_equal(buggy[name], correct[name]), name
    # an upstream line propagates to the lines that read it
    double_dZ1 = SimpleNamespace(
        name="x2", replaces="dZ1", compute=lambda v: 2 * v.dA1 * (1 - v.A1**2)
    )
    doubled = backward_propagation(X, Y, cache, parameters, bugs=[double_dZ1])
    assert np.allclose(doubled["db1"], 2 * correct["db1"], rtol=1e-13, atol=0)


def test_replacement_of_an_unknown_line_or_twice_the_same_line_is_refused():
    X, Y, parameters = small_problem()
    _, cache = forward_propagation(X, parameters)
    ghost = SimpleNamespace(name="ghost", replaces="dA2", compute=lambda v: v.A2)
    with pytest.raises(ValueError, match="'dA2', which is not a backward line"):
        backward_propagation(X, Y, cache, parameters, bugs=[ghost])
    both = [CATALOG["tanh_prime_from_Z1"], CATALOG["sigmoid_prime_for_tanh"]]
    with pytest.raises(ValueError, match="both replace line 'dZ1'"):
        backward_propagation(X, Y, cache, parameters, bugs=both)


# ---------------------------------------------------------------- oracle: complex step


def complex_step_gradient(cost, parameters, h=1e-30):
    """dJ/dθ_i = Im J(θ + i h e_i) / h: no subtraction, so exact to machine precision."""
    gradient = {}
    for name, array in parameters.items():
        values = np.empty_like(array)
        for index in np.ndindex(array.shape):
            shifted = {k: v.astype(np.complex128) for k, v in parameters.items()}
            shifted[name][index] += 1j * h
            values[index] = cost(shifted).imag / h
        gradient[name] = values
    return gradient


@pytest.mark.parametrize(
    ("lambd", "keep_prob"),
    [(0.0, 1.0), (0.1, 1.0), (2.0, 1.0), (0.1, 0.7)],
    ids=["lambd0", "lambd0.1", "lambd2", "lambd0.1-dropout"],
)
def test_backprop_matches_complex_step_to_1e_12(lambd, keep_prob):
    X, Y, parameters = small_problem(m=25, hidden=4, seed=2)

    def complex_cost(p):
        A2, _ = forward_propagation(X, p, "tanh", keep_prob, dropout_seed=5)
        return net._cost(A2, Y, p, lambd)

    oracle = complex_step_gradient(complex_cost, parameters)
    grads = grads_of(X, Y, parameters, lambd=lambd, keep_prob=keep_prob, dropout_seed=5)
    analytical = np.concatenate([grads["d" + k].ravel() for k in PARAMETER_NAMES])
    exact = np.concatenate([oracle[k].ravel() for k in PARAMETER_NAMES])
    assert relative_difference(analytical, exact) <= 1e-12
    for name in PARAMETER_NAMES:
        assert relative_difference(grads["d" + name], oracle[name]) <= 1e-12, name


def test_complex_step_oracle_catches_a_wrong_gradient():
    """The oracle itself can fail: a gradient off by 1e-9 relative is far above its noise."""
    X, Y, parameters = small_problem(m=25, hidden=4, seed=2)
    oracle = complex_step_gradient(
        lambda p: net._cost(forward_propagation(X, p)[0], Y, p, 0.0), parameters
    )
    grads = grads_of(X, Y, parameters)
    assert relative_difference(grads["dW1"] * (1 + 1e-9), oracle["W1"]) > 1e-12


# ---------------------------------------------------------------- gradient_check on the network


@pytest.mark.parametrize("lambd", [0.0, 0.1, 1.0])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_correct_network_is_excellent(activation, lambd):
    settings = dataclasses.replace(DEFAULT_SETTINGS, activation=activation, lambd=lambd)
    report = check_network(settings)
    assert report.verdict == "excellent", str(report)
    assert report.difference < 1e-8  # well inside the band, not at its edge
    assert not report.kinks


def test_relu_network_passes_gradient_check_directly():
    X, Y, parameters = small_problem(m=60, hidden=6, seed=4)
    grads = grads_of(X, Y, parameters, activation="relu", lambd=0.5)
    cost = cost_function(X, Y, activation="relu", lambd=0.5)
    assert gradient_check(cost, parameters, grads).verdict == "excellent"


def test_redrawn_dropout_mask_is_refused():
    settings = dataclasses.replace(DEFAULT_SETTINGS, keep_prob=0.8, dropout_seed=None)
    with pytest.raises(ValueError, match="(?i)dropout|determinis"):
        check_network(settings)


def test_redrawn_mask_refused_by_gradient_check_on_the_cost_function():
    X, Y, parameters = small_problem()
    grads = grads_of(X, Y, parameters, keep_prob=0.8, dropout_seed=0)
    cost = cost_function(X, Y, keep_prob=0.8, dropout_seed=None)
    with pytest.raises(ValueError, match="(?i)dropout|determinis"):
        gradient_check(cost, parameters, grads)


def test_fixed_dropout_mask_passes_and_the_dropout_bug_is_caught():
    settings = dataclasses.replace(DEFAULT_SETTINGS, keep_prob=0.8, dropout_seed=3)
    assert check_network(settings).verdict == "excellent"
    caught = check_network(settings, bugs=["dropout_mask_not_applied"])
    assert caught.verdict != "excellent"
    assert max(caught.by_parameter, key=caught.by_parameter.get) in ("W1", "b1")


def test_gradients_for_another_mask_fail_the_check():
    """The mask in backward must be the mask of the cost: a different seed is caught."""
    X, Y, parameters = small_problem(m=60, hidden=4)
    grads = grads_of(X, Y, parameters, keep_prob=0.8, dropout_seed=1)
    cost = cost_function(X, Y, keep_prob=0.8, dropout_seed=2)
    assert gradient_check(cost, parameters, grads).verdict == "critical"


# ---------------------------------------------------------------- defaults stay small


def test_default_check_is_small():
    """Cheap by construction: few parameters, a small batch, 2n + 2 cost calls when it passes."""
    calls = []
    X, Y = make_dataset(DEFAULT_SETTINGS.m, DEFAULT_SETTINGS.seed)
    cost = cost_function(X, Y, lambd=DEFAULT_SETTINGS.lambd)
    parameters = init_parameters(n_h=DEFAULT_SETTINGS.hidden, seed=DEFAULT_SETTINGS.seed)
    n = sum(a.size for a in parameters.values())
    grads = grads_of(X, Y, parameters, lambd=DEFAULT_SETTINGS.lambd)
    report = gradient_check(lambda p: calls.append(1) or cost(p), parameters, grads)
    assert n <= 32 and DEFAULT_SETTINGS.m <= 256
    assert len(calls) == report.evaluations == 2 * n + 2
    assert check_network().evaluations == 2 * n + 2


def test_default_settings_make_regularization_visible():
    assert DEFAULT_SETTINGS.lambd > 0
    assert DEFAULT_SETTINGS.activation == "tanh"
    assert DEFAULT_SETTINGS.keep_prob == 1.0 and isinstance(DEFAULT_SETTINGS.dropout_seed, int)
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_SETTINGS.lambd = 0.0  # type: ignore[misc]


def test_check_network_leaves_its_cached_problem_untouched():
    first = check_network(bugs=["dW2_doubled"])
    second = check_network(bugs=["dW2_doubled"])
    assert first.difference == second.difference
    assert check_network().verdict == "excellent"  # toggled off: back to excellent
