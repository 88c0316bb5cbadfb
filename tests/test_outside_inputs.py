"""Held-out adversarial inputs: a correct answer or a clear error naming the argument, and the
caller's arrays (values, masks, flags, dtypes, identity) unchanged bit for bit, even on raise."""

from collections import OrderedDict

import numpy as np
import pytest
from outside import cs231n_layers as L

from gradcheck_lib import check_layer, gradient_check

W = np.array([[0.3, -0.2], [0.1, 0.5]])


def sq(p):
    return float(np.sum(p["W"] ** 2))


def state(objects):
    out = []
    for value in objects:
        if isinstance(value, np.ndarray):
            mask = np.ma.getmaskarray(value).tobytes() if np.ma.isMaskedArray(value) else None
            flags = (value.flags.writeable, value.flags.c_contiguous, value.flags.f_contiguous)
            out.append((id(value), np.asarray(value).tobytes(), mask, flags, value.dtype))
    return out


class Dict(dict):
    pass


class RaisesAt:
    def __init__(self, k):
        self.k, self.calls = k, 0

    def __call__(self, p):
        self.calls += 1
        if self.calls == self.k:
            raise RuntimeError("boom")
        return sq(p)


def _mutating(p):
    p["W"] += 1e-3
    return sq(p)


def masked(mask):
    return np.ma.MaskedArray(W.copy(), mask=mask)


def closure_readonly():
    own = {"W": W.copy()}
    own["W"].setflags(write=False)
    return (lambda _: sq(own)), own, {"dW": 2 * W}


def view_case():
    base = np.arange(12.0).reshape(3, 4) / 10
    view = base[:, ::2]
    return sq, {"W": view}, {"dW": 2 * view.copy(), "base": base}, {}


OK = "ok"
# (id, builder -> (cost, parameters, gradients, kwargs), expected, words the message must hold)
CASES = [
    ("masked_param", lambda: (sq, {"W": masked([[0, 1], [0, 0]])}, {"dW": 2 * W}, {}),
     TypeError, ("parameters", "W")),
    ("masked_param_no_masked_entry",
     lambda: (sq, {"W": masked([[0, 0], [0, 0]])}, {"dW": 2 * W}, {}), (OK, TypeError), ("W",)),
    ("masked_gradient", lambda: (sq, {"W": W.copy()},
     {"dW": np.ma.MaskedArray(2 * W, mask=[[1, 0], [0, 0]])}, {}), ValueError, ("dW",)),
    ("matrix_param", lambda: (sq, {"W": np.matrix(W.copy())}, {"dW": 2 * W}, {}),
     TypeError, ("W",)),
    ("matrix_gradient", lambda: (sq, {"W": W.copy()}, {"dW": np.matrix(2 * W)}, {}),
     (OK, TypeError, ValueError), ("dW",)),
    ("readonly_closure", lambda: (*closure_readonly(), {}), OK, ()),
    ("readonly_unlockable", lambda: (lambda p: float(np.sum(p["W"] ** 2)),
     {"W": np.frombuffer(W.tobytes(), dtype=np.float64).reshape(2, 2)}, {"dW": 2 * W}, {}),
     (OK, ValueError), ("W",)),
    ("huge_values", lambda: (sq, {"W": W * 1e150}, {"dW": 2 * W * 1e150}, {}),
     (OK, ValueError), ("W", "epsilon")),
    ("tiny_gradient", lambda: (lambda p: 1.0 + 1e-20 * float(np.sum(p["W"])), {"W": W.copy()},
     {"dW": np.full((2, 2), 1e-20)}, {}), OK, ()),
    ("float32_cost", lambda: (lambda p: np.float32(sq(p)), {"W": W.copy()}, {"dW": 2 * W}, {}),
     OK, ()),
    ("int_cost", lambda: (lambda p: int(1e12 * sq(p)), {"W": W.copy()}, {"dW": 2e12 * W}, {}),
     OK, ()),
    ("float32_param_small_eps", lambda: (sq, {"W": W.astype(np.float32)}, {"dW": 2 * W}, {}),
     (OK, ValueError), ("W",)),
    ("float32_param_eps_1e-2", lambda: (sq, {"W": W.astype(np.float32)}, {"dW": 2 * W},
     {"epsilon": 1e-2}), OK, ()),
    ("int_param", lambda: (sq, {"W": np.array([[1, 2], [3, 4]])}, {"dW": 2 * W}, {}),
     TypeError, ("W",)),
    ("bool_param", lambda: (sq, {"W": W > 0}, {"dW": 2 * W}, {}), TypeError, ("W",)),
    ("dW_and_W_equal", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W, "W": 2 * W}, {}), OK, ()),
    ("dW_and_W_different", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W, "W": W}, {}),
     (OK, ValueError), ("dW",)),
    ("t_and_dt_d_style", lambda: (lambda p: float(np.sum(p["t"] ** 2) + np.sum(np.sin(p["dt"]))),
     {"t": W.copy(), "dt": W.copy()}, {"dt": 2 * W, "ddt": np.cos(W)}, {}), OK, ()),
    ("t_and_dt_own_style", lambda: (lambda p: float(np.sum(p["t"] ** 2) + np.sum(np.sin(p["dt"]))),
     {"t": W.copy(), "dt": W.copy()}, {"t": 2 * W, "dt": np.cos(W)}, {}), OK, ()),
    ("only_empty", lambda: (lambda p: 0.0, {"W": np.zeros((0, 3))}, {"dW": np.zeros((0, 3))}, {}),
     ValueError, ("parameters",)),
    ("empty_and_real", lambda: (sq, {"E": np.zeros(0), "W": W.copy()},
     {"dE": np.zeros(0), "dW": 2 * W}, {}), OK, ()),
    ("noncontiguous_view", view_case, OK, ()),
    ("fortran_order", lambda: (sq, {"W": np.asfortranarray(W.copy())}, {"dW": 2 * W}, {}), OK, ()),
    ("zero_d", lambda: (lambda p: float(p["W"] ** 3), {"W": np.array(0.7)},
     {"dW": np.array(3 * 0.49)}, {}), OK, ()),
    ("python_scalar", lambda: (lambda p: p["W"] ** 2, {"W": 0.7}, {"dW": 1.4}, {}),
     TypeError, ("W",)),
    ("list_param", lambda: (sq, {"W": W.tolist()}, {"dW": 2 * W}, {}), TypeError, ("W",)),
    ("list_gradient", lambda: (sq, {"W": W.copy()}, {"dW": (2 * W).tolist()}, {}),
     (OK, TypeError), ("dW",)),
    ("nan_gradient", lambda: (sq, {"W": W.copy()}, {"dW": np.where(W > 0.4, np.nan, 2 * W)}, {}),
     ValueError, ("dW",)),
    ("inf_gradient", lambda: (sq, {"W": W.copy()}, {"dW": np.where(W > 0.4, np.inf, 2 * W)}, {}),
     ValueError, ("dW",)),
    ("gradient_extra_dim", lambda: (sq, {"W": W.copy()}, {"dW": (2 * W)[..., None]}, {}),
     ValueError, ("dW", "shape")),
    ("missing_gradient", lambda: (sq, {"W": W.copy()}, {"dV": 2 * W}, {}), KeyError, ("W",)),
    ("complex_gradient", lambda: (sq, {"W": W.copy()}, {"dW": (2 * W).astype(complex)}, {}),
     TypeError, ("dW",)),
    ("cost_raises_midway", lambda: (RaisesAt(5), {"W": W.copy()}, {"dW": 2 * W}, {}),
     RuntimeError, ("boom",)),
    ("cost_shape_1", lambda: (lambda p: np.array([sq(p)]), {"W": W.copy()}, {"dW": 2 * W}, {}),
     (OK, TypeError), ("cost",)),
    ("cost_shape_0d", lambda: (lambda p: np.array(sq(p)), {"W": W.copy()}, {"dW": 2 * W}, {}),
     OK, ()),
    ("cost_none", lambda: (lambda p: None, {"W": W.copy()}, {"dW": 2 * W}, {}),
     TypeError, ("cost",)),
    ("cost_nan_at_step", lambda: (lambda p: sq(p) if p["W"][0, 0] <= 0.3 else np.nan,
     {"W": W.copy()}, {"dW": 2 * W}, {}), ValueError, ("cost",)),
    ("cost_mutates", lambda: (_mutating, {"W": W.copy()}, {"dW": 2 * W}, {}),
     ValueError, ("cost",)),
    ("generator_params", lambda: (sq, (x for x in [W.copy()]), {"dW": 2 * W}, {}),
     TypeError, ("parameters",)),
    ("ordered_dict", lambda: (sq, OrderedDict(W=W.copy()), OrderedDict(dW=2 * W), {}), OK, ()),
    ("dict_subclass", lambda: (sq, Dict(W=W.copy()), Dict(dW=2 * W), {}), OK, ()),
    ("aliasing", lambda: (lambda p: sq(p) + float(np.sum(p["V"] ** 2)), {"W": (a := W.copy()),
     "V": a}, {"dW": 2 * W, "dV": 2 * W}, {}), ValueError, ("W", "V")),
    ("overlapping_views", lambda: (lambda p: float(np.sum(p["A"] ** 2) + np.sum(p["B"] ** 2)),
     {"A": (b := np.arange(4.0))[:3], "B": b[1:]}, {"dA": 2 * b[:3], "dB": 2 * b[1:]}, {}),
     ValueError, ("A", "B")),
    ("broadcast_view", lambda: (sq, {"W": np.broadcast_to(np.array([0.3, 0.1]), (2, 2))},
     {"dW": 2 * np.broadcast_to(np.array([0.3, 0.1]), (2, 2))}, {}), ValueError, ("W",)),
    ("huge_epsilon", lambda: (lambda p: float(np.sum(np.sin(p["W"]))), {"W": W.copy()},
     {"dW": np.cos(W)}, {"epsilon": 1e3}), (OK, ValueError), ("epsilon",)),
    ("negative_epsilon", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W}, {"epsilon": -1e-7}),
     ValueError, ("epsilon",)),
    ("zero_epsilon", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W}, {"epsilon": 0.0}),
     ValueError, ("epsilon",)),
    ("nan_epsilon", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W}, {"epsilon": float("nan")}),
     ValueError, ("epsilon",)),
    ("string_epsilon", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W}, {"epsilon": "1e-7"}),
     TypeError, ("epsilon",)),
    ("bad_mode", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W}, {"mode": "fast"}),
     ValueError, ("mode",)),
    ("zero_directions", lambda: (sq, {"W": W.copy()}, {"dW": 2 * W},
     {"mode": "directional", "directions": 0}), ValueError, ("directions",)),
    ("cost_not_callable", lambda: (3.0, {"W": W.copy()}, {"dW": 2 * W}, {}),
     TypeError, ("cost",)),
    ("gradients_list", lambda: (sq, {"W": W.copy()}, [2 * W], {}), TypeError, ("gradients",)),
    ("non_str_key", lambda: (sq, {1: W.copy()}, {"d1": 2 * W}, {}), TypeError, ("parameters",)),
]  # fmt: skip


def _values(built):
    cost, parameters, gradients, _ = built
    objects = []
    for mapping in (parameters, gradients):
        if isinstance(mapping, dict):
            objects += list(mapping.values())
    if callable(cost) and cost is not sq and getattr(cost, "__closure__", None):
        for cell in cost.__closure__:
            if isinstance(cell.cell_contents, dict):
                objects += list(cell.cell_contents.values())
    return objects


@pytest.mark.parametrize(("label", "build", "expected", "words"), CASES, ids=[c[0] for c in CASES])
def test_adversarial_gradient_check(label, build, expected, words):
    built = build()
    cost, parameters, gradients, kwargs = built
    objects = _values(built)
    before = state(objects)
    allowed = expected if isinstance(expected, tuple) else (expected,)
    errors = tuple(e for e in allowed if e is not OK)
    try:
        report = gradient_check(cost, parameters, gradients, **kwargs)
    except errors as error:
        message = str(error)
        assert any(word in message for word in words), f"{message!r} names none of {words}"
    else:
        assert OK in allowed, f"expected {allowed}, got a report: {report.summary()}"
        assert not report.diagnosis, f"a correct gradient is blamed: {report.diagnosis}"
        assert "used in the cost" not in report.meaning() + " ".join(report.advice())
        if label == "float32_cost":
            assert not report.kinks, "float32 rounding read as a kink"
        if label in ("dW_and_W_equal", "dW_and_W_different"):
            assert any("dW" in note for note in report.notes)
        if label.startswith(("readonly", "t_and", "ordered", "dict_sub", "noncontig", "fortran",
                             "zero_d", "cost_shape_0d", "empty_and")):  # fmt: skip
            assert report.passed, report.summary()
    assert state(objects) == before, "the caller's arrays changed"


def test_check_layer_refuses_a_forward_that_writes_its_input():
    x = np.random.default_rng(0).standard_normal((3, 2))
    before = x.copy()

    def forward(x):
        x *= 2
        return x, None

    with pytest.raises(ValueError, match="forward"):
        check_layer(forward, lambda dout, cache: dout, {"x": x})
    assert np.array_equal(x, before)


@pytest.mark.parametrize(
    ("inputs", "kwargs", "error", "word"),
    [
        ([np.ones((2, 2))], {}, TypeError, "inputs"),
        ({}, {}, ValueError, "inputs"),
        ({"y": np.array([0, 1])}, {}, ValueError, "inputs"),
        ({"x": np.ones((2, 2))}, {"upstream": np.ones(3)}, ValueError, "upstream"),
        ({"x": np.ones((2, 2))}, {"epsilon": "big"}, TypeError, "epsilon"),
    ],
)
def test_check_layer_bad_arguments_name_them(inputs, kwargs, error, word):
    with pytest.raises(error, match=word):
        check_layer(L.relu_forward, L.relu_backward, inputs, **kwargs)


def test_check_layer_wrong_gradient_count_names_backward():
    x, w, b = np.ones((2, 3)), np.ones((3, 2)), np.ones(2)
    with pytest.raises(ValueError, match="backward"):
        check_layer(L.affine_forward, lambda d, c: L.affine_backward(d, c)[:2],
                    {"x": x, "w": w, "b": b})  # fmt: skip


def test_check_layer_float32_and_masked_inputs_leave_the_caller_alone():
    rng = np.random.default_rng(1)
    x32 = rng.standard_normal((3, 4)).astype(np.float32)
    xm = np.ma.MaskedArray(rng.standard_normal((3, 4)), mask=np.eye(3, 4, dtype=bool))
    for x in (x32, xm):
        before = state([x])
        try:
            report = check_layer(L.relu_forward, L.relu_backward, {"x": x})
        except (TypeError, ValueError) as error:
            assert "x" in str(error)
        else:
            assert not report.diagnosis
        assert state([x]) == before
