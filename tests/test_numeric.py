"""Tests of gradcheck_lib.numeric: central and forward differences against known gradients."""

import numpy as np
import pytest

from gradcheck_lib import DEFAULT_EPSILON, central_difference, forward_difference

DIFFERENCES = [central_difference, forward_difference]


def sum_sin(x):
    return float(np.sum(np.sin(x)))


def quadratic(A):
    """f(x) = xᵀAx on a 1-D x, gradient (A + Aᵀ)x."""
    return lambda x: float(x @ A @ x)


def points():
    """Points of several layouts, each paired with an id."""
    rng = np.random.default_rng(7)
    base = rng.uniform(-2, 2, size=(6, 8))
    return {
        "1-D": np.array([-0.0, 1e-20, 0.5, -1.3, 1.9]),  # (x + ε) − ε != x for the first two
        "(4, 1)": rng.uniform(-2, 2, size=(4, 1)),
        "3-D": rng.uniform(-2, 2, size=(2, 3, 2)),
        "fortran": np.asfortranarray(rng.uniform(-2, 2, size=(3, 4))),
        "strided view": base[1::2, ::3],
        "transposed view": base.T[:3],
        "0-d": np.array(0.7),
    }


POINTS = points()


def test_points_have_the_layouts_they_claim():
    assert POINTS["fortran"].flags.f_contiguous and not POINTS["fortran"].flags.c_contiguous
    for kind in ("strided view", "transposed view"):
        x = POINTS[kind]
        assert x.base is not None and not x.flags.c_contiguous and not x.flags.f_contiguous
    assert POINTS["0-d"].ndim == 0


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kind", list(POINTS))
def test_gradient_of_sum_sin_is_cos(difference, kind):
    x = points()[kind]
    epsilon = 1e-5 if difference is central_difference else 1e-7
    g = difference(sum_sin, x, epsilon)
    assert g.shape == x.shape
    assert g.dtype == np.float64
    tolerance = 1e-8 if difference is central_difference else 1e-6
    np.testing.assert_allclose(g, np.cos(x), rtol=0, atol=tolerance)


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("kind", list(POINTS))
def test_point_is_restored_bit_for_bit(difference, kind):
    x = points()[kind]
    base = x.base if x.base is not None else x
    before_x, before_base = x.copy(), base.copy()
    difference(sum_sin, x, 1e-3)
    assert x.tobytes() == before_x.tobytes()
    assert base.tobytes() == before_base.tobytes()


def test_gradient_of_quadratic_form():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((6, 6))
    x = rng.standard_normal(6)
    expected = (A + A.T) @ x
    # Central differences are exact on a quadratic up to rounding.
    np.testing.assert_allclose(central_difference(quadratic(A), x, 1e-4), expected, atol=1e-9)
    # The one-sided formula is off by exactly ε·A_ii on a quadratic.
    forward = forward_difference(quadratic(A), x, 1e-4)
    np.testing.assert_allclose(forward, expected + 1e-4 * np.diag(A), atol=1e-9)
    assert np.max(np.abs(forward - expected)) > 1e-6  # and that bias is visible


def test_default_epsilon_is_1e_7():
    assert DEFAULT_EPSILON == 1e-7
    x = np.array([0.3, -1.1])
    np.testing.assert_array_equal(
        central_difference(sum_sin, x), central_difference(sum_sin, x, 1e-7)
    )


def error(difference, epsilon):
    x = np.array([0.4, 1.0, -0.7, 2.0])
    return np.linalg.norm(difference(sum_sin, x, epsilon) - np.cos(x))


def test_forward_error_is_first_order():
    ratio = error(forward_difference, 1e-2) / error(forward_difference, 1e-3)
    assert 8 < ratio < 12, ratio


def test_central_error_is_second_order():
    ratio = error(central_difference, 1e-2) / error(central_difference, 1e-3)
    assert 80 < ratio < 120, ratio


def test_central_beats_forward_at_the_same_step():
    assert error(central_difference, 1e-3) < error(forward_difference, 1e-3) / 100


def test_forward_error_is_first_order_on_a_quadratic():
    rng = np.random.default_rng(2)
    A = rng.standard_normal((4, 4)) + 4 * np.eye(4)
    x = rng.standard_normal(4)
    exact = (A + A.T) @ x
    big = np.linalg.norm(forward_difference(quadratic(A), x, 1e-2) - exact)
    small = np.linalg.norm(forward_difference(quadratic(A), x, 1e-3) - exact)
    assert big / small == pytest.approx(10, rel=1e-3)


class Boom(RuntimeError):
    pass


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("fail_on", [1, 2, 3, 4])
def test_point_restored_when_f_raises_midway(difference, fail_on):
    # -0.0 and 1e-20 do not survive (x + ε) − ε bit for bit: restoring by arithmetic fails.
    epsilon = 1e-7
    x = np.array([-0.0, 1e-20, 0.7, np.pi, 1e-3])
    assert ((x + epsilon) - epsilon).tobytes() != x.tobytes()
    before = x.copy()
    calls = 0

    def f(v):
        nonlocal calls
        calls += 1
        if calls == fail_on:
            raise Boom(f"call {calls}")
        return sum_sin(v)

    with pytest.raises(Boom, match=f"call {fail_on}"):
        difference(f, x, epsilon)
    assert calls == fail_on
    assert x.tobytes() == before.tobytes()


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
def test_read_only_point(difference):
    x = np.array([0.5, -0.25, 1.5])
    x.flags.writeable = False
    g = difference(sum_sin, x, 1e-6)
    np.testing.assert_allclose(g, np.cos(x), atol=1e-5)
    assert not x.flags.writeable
    np.testing.assert_array_equal(x, [0.5, -0.25, 1.5])


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
def test_integer_point_is_treated_as_float(difference):
    x = np.array([1, 2, 3])
    g = difference(lambda v: float(np.sum(v**2)), x, 1e-6)
    np.testing.assert_allclose(g, 2 * x, atol=1e-4)
    np.testing.assert_array_equal(x, [1, 2, 3])


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
def test_call_counts(difference):
    calls = 0

    def f(v):
        nonlocal calls
        calls += 1
        return sum_sin(v)

    difference(f, np.zeros((2, 3)), 1e-6)
    assert calls == (12 if difference is central_difference else 7)


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
def test_each_step_moves_exactly_one_entry(difference):
    x = np.arange(4.0)
    seen = []
    difference(lambda v: seen.append(v.copy()) or 0.0, x, 0.5)
    moved = [np.flatnonzero(v != np.arange(4.0)) for v in seen]
    one_entry = [m for m in moved if m.size == 1]
    assert [int(m[0]) for m in one_entry] == (
        [0, 0, 1, 1, 2, 2, 3, 3] if difference is central_difference else [0, 1, 2, 3]
    )
    assert all(m.size <= 1 for m in moved)


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
@pytest.mark.parametrize("epsilon", [0, -1e-7, float("nan"), float("inf")])
def test_bad_epsilon(difference, epsilon):
    with pytest.raises(ValueError, match="epsilon"):
        difference(sum_sin, np.zeros(2), epsilon)


@pytest.mark.parametrize("difference", DIFFERENCES, ids=lambda f: f.__name__)
def test_non_scalar_f_is_refused(difference):
    with pytest.raises(TypeError, match="shape"):
        difference(lambda v: v * 2, np.zeros(3), 1e-6)
