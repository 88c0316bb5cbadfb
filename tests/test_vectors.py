"""Tests of gradcheck_lib.vectors: θ <-> dictionary round trips, layouts, gradients by name."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck_lib import (
    ParamLayout,
    dictionary_to_vector,
    gradients_to_vector,
    vector_to_dictionary,
)


def bits(array):
    """The exact bytes of a float64 array (so -0.0 and NaN payloads count)."""
    return np.ascontiguousarray(array, dtype=np.float64).tobytes()


def assignment_like_parameters():
    rng = np.random.default_rng(0)
    return {
        "W1": rng.standard_normal((5, 4)),
        "b1": rng.standard_normal((5, 1)),
        "W2": rng.standard_normal((3, 5)),
        "b2": rng.standard_normal((3, 1)),
    }


# ---------------------------------------------------------------- round trips (Hypothesis)

names = st.text(alphabet="abcdefghWbZ0123456789_", min_size=1, max_size=4)
float_arrays = hnp.arrays(
    dtype=np.float64,
    shape=hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4),
    elements=st.floats(allow_nan=True, allow_infinity=True, width=64),
)
parameter_dicts = st.dictionaries(names, float_arrays, min_size=1, max_size=5)

PINNED = {
    "W1": np.arange(20.0).reshape(5, 4),
    "b1": np.array([[1.5], [-0.0], [np.pi], [1e-300]]),  # (4, 1), a negative zero, a subnormal
    "s": np.array(-0.0),  # 0-d
    "empty": np.empty((0, 3)),
    "e": np.empty((0,)),
}


@settings(max_examples=200, deadline=None)
@given(parameter_dicts)
@example(PINNED)
@example({"only": np.array(2.5)})
@example({"z": np.zeros((0, 0))})
def test_round_trip_returns_the_same_dictionary(parameters):
    theta, layout = dictionary_to_vector(parameters)
    assert theta.ndim == 1
    assert theta.dtype == np.float64
    assert theta.size == sum(a.size for a in parameters.values())
    back = vector_to_dictionary(theta, layout)
    assert list(back) == list(parameters)  # same names, same order
    for name, original in parameters.items():
        assert back[name].shape == original.shape
        assert back[name].dtype == np.float64
        assert bits(back[name]) == bits(original)  # bit-equal, NaN and -0.0 included


def test_round_trip_keeps_0d_empty_and_column_shapes():
    theta, layout = dictionary_to_vector(PINNED)
    back = vector_to_dictionary(theta, layout)
    assert back["s"].shape == ()
    assert back["empty"].shape == (0, 3)
    assert back["e"].shape == (0,)
    assert back["b1"].shape == (4, 1)
    assert np.signbit(back["s"])  # -0.0 kept
    assert layout.shapes == ((5, 4), (4, 1), (), (0, 3), (0,))


def test_theta_follows_dict_order_and_c_order():
    parameters = {"b": np.array([[7.0], [8.0]]), "W": np.array([[1.0, 2.0], [3.0, 4.0]])}
    theta, layout = dictionary_to_vector(parameters)
    np.testing.assert_array_equal(theta, [7.0, 8.0, 1.0, 2.0, 3.0, 4.0])
    assert layout.names == ("b", "W")


def test_fortran_and_strided_arrays_flatten_in_c_order():
    base = np.arange(24.0).reshape(4, 6)
    fortran = np.asfortranarray(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    view = base[::2, 1::2]  # non-contiguous (2, 3)
    theta, layout = dictionary_to_vector({"F": fortran, "V": view})
    np.testing.assert_array_equal(theta[:6], [1, 2, 3, 4, 5, 6])
    np.testing.assert_array_equal(theta[6:], view.reshape(-1))
    back = vector_to_dictionary(theta, layout)
    np.testing.assert_array_equal(back["F"], fortran)
    np.testing.assert_array_equal(back["V"], view)


def test_integer_parameters_are_converted_to_float64():
    theta, _ = dictionary_to_vector({"n": np.array([1, 2, 3])})
    assert theta.dtype == np.float64
    np.testing.assert_array_equal(theta, [1.0, 2.0, 3.0])


# ------------------------------------------------------------------------------ copies


def test_dictionary_to_vector_returns_a_copy():
    parameters = assignment_like_parameters()
    saved = {name: array.copy() for name, array in parameters.items()}
    theta, _ = dictionary_to_vector(parameters)
    theta[:] = 12345.0
    for name in parameters:
        np.testing.assert_array_equal(parameters[name], saved[name])


def test_dictionary_to_vector_copies_even_a_single_flat_array():
    # A lone contiguous float64 vector is where a lazy implementation would return a view.
    w = np.array([1.0, 2.0, 3.0])
    theta, _ = dictionary_to_vector({"w": w})
    theta[0] = -1.0
    assert w[0] == 1.0
    assert not np.shares_memory(theta, w)


def test_vector_to_dictionary_returns_new_arrays():
    theta = np.arange(6.0)
    layout = ParamLayout.of({"a": np.zeros((2, 2)), "b": np.zeros(2)})
    back = vector_to_dictionary(theta, layout)
    back["a"][0, 0] = 99.0
    assert theta[0] == 0.0
    for array in back.values():
        assert not np.shares_memory(array, theta)


def test_wrong_length_theta_names_both_lengths():
    _, layout = dictionary_to_vector(assignment_like_parameters())  # 20 + 5 + 15 + 3 = 43
    assert layout.size == 43
    with pytest.raises(ValueError, match="theta") as info:
        vector_to_dictionary(np.zeros(42), layout)
    assert "42" in str(info.value) and "43" in str(info.value)
    with pytest.raises(ValueError) as info:
        vector_to_dictionary(np.zeros(44), layout)
    assert "44" in str(info.value) and "43" in str(info.value)


def test_two_dimensional_theta_is_refused():
    _, layout = dictionary_to_vector({"a": np.zeros(3)})
    with pytest.raises(ValueError, match="1-D"):
        vector_to_dictionary(np.zeros((3, 1)), layout)


# ------------------------------------------------------------------------------ layout


def test_layout_names_shapes_offsets():
    _, layout = dictionary_to_vector(assignment_like_parameters())
    assert layout.names == ("W1", "b1", "W2", "b2")
    assert layout.shapes == ((5, 4), (5, 1), (3, 5), (3, 1))
    assert layout.offsets == (0, 20, 25, 40, 43)
    assert layout.size == 43
    assert layout.slice("W2") == slice(25, 40)
    assert [(n, s, p) for n, s, p in layout] == [
        ("W1", (5, 4), slice(0, 20)),
        ("b1", (5, 1), slice(20, 25)),
        ("W2", (3, 5), slice(25, 40)),
        ("b2", (3, 1), slice(40, 43)),
    ]


@pytest.mark.parametrize(
    ("position", "expected"),
    [
        (0, ("W1", (0, 0))),
        (9, ("W1", (2, 1))),
        (19, ("W1", (4, 3))),
        (20, ("b1", (0, 0))),
        (22, ("b1", (2, 0))),
        (25, ("W2", (0, 0))),
        (31, ("W2", (1, 1))),
        (42, ("b2", (2, 0))),
    ],
)
def test_locate_gives_name_and_index_tuple(position, expected):
    _, layout = dictionary_to_vector(assignment_like_parameters())
    assert layout.locate(position) == expected
    name, index = layout.locate(position)
    assert all(type(k) is int for k in index)


def test_locate_agrees_with_theta_everywhere():
    parameters = assignment_like_parameters()
    parameters["s"] = np.array(3.25)
    theta, layout = dictionary_to_vector(parameters)
    for position in range(layout.size):
        name, index = layout.locate(position)
        assert parameters[name][index] == theta[position]
    assert layout.locate(layout.size - 1) == ("s", ())


def test_locate_skips_empty_arrays():
    _, layout = dictionary_to_vector({"a": np.zeros(2), "e": np.empty((0, 4)), "b": np.zeros(1)})
    assert layout.offsets == (0, 2, 2, 3)
    assert layout.locate(2) == ("b", (0,))


@pytest.mark.parametrize("position", [-1, 43, 100])
def test_locate_outside_theta_raises(position):
    _, layout = dictionary_to_vector(assignment_like_parameters())
    with pytest.raises(IndexError):
        layout.locate(position)


def test_layout_is_frozen():
    _, layout = dictionary_to_vector({"a": np.zeros(2)})
    with pytest.raises(AttributeError):
        layout.names = ("b",)


# --------------------------------------------------------------------- gradients by name


def test_gradients_matched_by_name_not_order():
    parameters = assignment_like_parameters()
    _, layout = dictionary_to_vector(parameters)
    gradients = {"d" + name: array * 10 for name, array in parameters.items()}
    reversed_order = dict(reversed(list(gradients.items())))
    expected = np.concatenate([10 * a.reshape(-1) for a in parameters.values()])
    np.testing.assert_array_equal(gradients_to_vector(reversed_order, layout), expected)
    np.testing.assert_array_equal(gradients_to_vector(gradients, layout), expected)


def test_gradients_keyed_like_the_parameters():
    parameters = assignment_like_parameters()
    _, layout = dictionary_to_vector(parameters)
    plain = {name: -array for name, array in reversed(list(parameters.items()))}
    expected = np.concatenate([-a.reshape(-1) for a in parameters.values()])
    np.testing.assert_array_equal(gradients_to_vector(plain, layout), expected)


def test_same_shaped_gradients_in_another_order_are_not_swapped():
    # W and V have the same shape: matching by position would silently swap them.
    parameters = {"W": np.zeros((2, 2)), "V": np.zeros((2, 2))}
    _, layout = dictionary_to_vector(parameters)
    gradients = {"dV": np.full((2, 2), 2.0), "dW": np.full((2, 2), 1.0)}
    np.testing.assert_array_equal(gradients_to_vector(gradients, layout), [1] * 4 + [2] * 4)


def test_extra_gradient_entries_are_ignored():
    parameters = assignment_like_parameters()
    _, layout = dictionary_to_vector(parameters)
    gradients = {"d" + name: array for name, array in parameters.items()}
    with_extras = {
        "dZ1": np.full((5, 3), np.nan),  # NaN and odd shapes: must not even be looked at
        "dA2": np.ones((7, 7)),
        **gradients,
        "dZ2": "not an array",
    }
    np.testing.assert_array_equal(
        gradients_to_vector(with_extras, layout), gradients_to_vector(gradients, layout)
    )


def test_gradient_vector_is_float64_and_a_copy():
    parameters = {"w": np.zeros(3)}
    _, layout = dictionary_to_vector(parameters)
    dw = np.array([1, 2, 3], dtype=np.float32)
    vector = gradients_to_vector({"dw": dw}, layout)
    assert vector.dtype == np.float64
    vector[0] = 50
    assert dw[0] == 1


def test_missing_gradient_names_the_parameter():
    parameters = assignment_like_parameters()
    _, layout = dictionary_to_vector(parameters)
    gradients = {"d" + name: array for name, array in parameters.items() if name != "b2"}
    with pytest.raises(KeyError, match="b2"):
        gradients_to_vector(gradients, layout)


def test_gradient_of_wrong_shape_is_refused():
    _, layout = dictionary_to_vector({"b1": np.zeros((4, 1))})
    with pytest.raises(ValueError, match="keepdims"):
        gradients_to_vector({"db1": np.zeros(4)}, layout)
