"""gradcheck_lib.assignment: the deeplearning.ai N-layer case reproduces its published numbers."""

import numpy as np
import pytest

from gradcheck_lib import central_difference, gradient_check
from gradcheck_lib.assignment import (
    PLANTED_BUGS,
    PUBLISHED_DIFFERENCE_FIXED,
    PUBLISHED_DIFFERENCE_WITH_BUGS,
    backward_propagation_n,
    cost_function_n,
    forward_propagation_n,
    gradient_check_n_test_case,
)


def _check(fixed, dtype=None, epsilon=1e-7):
    X, Y, parameters = gradient_check_n_test_case(dtype)
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n(X, Y, cache, fixed=fixed)
    return gradient_check(cost_function_n(X, Y), parameters, gradients, epsilon=epsilon)


def test_draws_match_the_published_global_seed_sequence():
    # As published: legacy seed 1, then x, W1, b1, W2, b2, W3, b3 drawn in this order.
    state = np.random.get_state()  # noqa: NPY002
    np.random.seed(1)  # noqa: NPY002
    expected_X = np.random.randn(4, 3)  # noqa: NPY002
    shapes = {"W1": (5, 4), "b1": (5, 1), "W2": (3, 5), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    expected = {name: np.random.randn(*shape) for name, shape in shapes.items()}  # noqa: NPY002
    np.random.set_state(state)  # noqa: NPY002
    X, Y, parameters = gradient_check_n_test_case()
    np.testing.assert_array_equal(X, expected_X)
    np.testing.assert_array_equal(Y, [1, 1, 0])
    assert list(parameters) == list(shapes)
    for name, array in expected.items():
        np.testing.assert_array_equal(parameters[name], array)


def test_global_random_state_is_left_alone():
    # the legacy global state is what the published case seeds; the module must not touch it
    np.random.seed(123)  # noqa: NPY002
    before = np.random.get_state()[1].copy()  # noqa: NPY002
    gradient_check_n_test_case()
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_published_difference_with_the_two_bugs():
    report = _check(fixed=False)
    assert report.difference == pytest.approx(PUBLISHED_DIFFERENCE_WITH_BUGS, rel=1e-9)
    assert not report.rounding_noise


def test_published_difference_once_fixed_is_rounding_noise():
    report = _check(fixed=True)
    assert report.difference == pytest.approx(PUBLISHED_DIFFERENCE_FIXED, rel=1e-3)
    assert report.verdict == "warning"
    assert report.rounding_noise is True
    assert _check(fixed=True, epsilon=1e-5).passed


def test_planted_bugs_are_exactly_the_arrays_off_by_a_constant():
    report = _check(fixed=False)
    critical = {name for name, d in report.by_parameter.items() if d > 1e-3}
    assert critical == set(PLANTED_BUGS) == {"W2", "b1"}
    assert report.scale_factors["W2"] == pytest.approx(2.0, rel=1e-5)
    assert report.scale_factors["b1"] == pytest.approx(4.0, rel=1e-5)


def test_fixed_backward_matches_central_differences_of_each_parameter():
    X, Y, parameters = gradient_check_n_test_case()
    _, cache = forward_propagation_n(X, Y, parameters)
    gradients = backward_propagation_n(X, Y, cache, fixed=True)
    cost = cost_function_n(X, Y)
    for name, array in parameters.items():
        numerical = central_difference(
            lambda value, name=name: cost({**parameters, name: value}), array, epsilon=1e-5
        )
        np.testing.assert_allclose(gradients["d" + name], numerical, rtol=1e-6, atol=1e-9)


def test_float32_case_stays_float32_through_the_cost():
    X, Y, parameters = gradient_check_n_test_case(np.float32)
    assert X.dtype == Y.dtype == np.float32
    assert all(array.dtype == np.float32 for array in parameters.values())
    cost, _ = forward_propagation_n(X, Y, parameters)
    assert np.asarray(cost).dtype == np.float32


def test_float32_case_is_refused_at_the_default_step():
    with pytest.raises(ValueError, match="float32"):
        _check(fixed=True, dtype=np.float32)
