"""Adversarial input: each gets a correct answer or a clear error that names the argument,
and the caller's arrays (values, masks, flags) come back untouched."""

import numpy as np
import pytest

from gradcheck_lib import gradient_check

W0 = np.array([[0.3, -0.2], [0.1, 0.5]])


def square(p):
    return float(np.sum(p["W"] ** 2))


def fingerprint(mapping):
    out = {}
    for name, value in mapping.items():
        if isinstance(value, np.ndarray):
            mask = np.ma.getmaskarray(value).tobytes() if np.ma.isMaskedArray(value) else None
            out[name] = (id(value), np.asarray(value).tobytes(), mask, value.flags.writeable)
    return out


class FakeTensor:
    """Mimics a torch tensor with requires_grad=True: numpy conversion raises, as torch's
    does, until .detach() is called (torch itself is not installed here)."""

    def __init__(self, values):
        self.values = values
        self.requires_grad = True

    def __array__(self, *args, **kwargs):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")

    def numpy(self):
        raise RuntimeError("Can't call numpy() on Tensor that requires grad.")

    def detach(self):
        return _Detached(self.values)


class _Detached:
    def __init__(self, values):
        self.values = values
        self.ndim = np.ndim(values)

    def numpy(self):
        return np.asarray(self.values)

    def cpu(self):
        return self

    def item(self):
        return float(self.values)


def case(cost=square, parameters=None, gradients=None, **kwargs):
    parameters = {"W": W0.copy()} if parameters is None else parameters
    gradients = {"dW": 2 * W0} if gradients is None else gradients
    return cost, parameters, gradients, kwargs


def read_only():
    W = W0.copy()
    W.setflags(write=False)
    return W


def writer(p):
    p["W"] += 1e-3
    return square(p)


def big_int_cost(p):
    return 3


CLOSURE = {"W": read_only()}

#: name -> (case, expected): "ok" (a correct backward pass: not blamed), "bug" (blamed on
#: W), or (exception type, words the message must hold).
CASES = {
    "masked array parameter": (
        lambda: case(parameters={"W": np.ma.array(W0.copy(), mask=[[0, 1], [0, 0]])}),
        (TypeError, "parameters['W']` is a masked array"),
    ),
    "np.matrix parameter": (
        lambda: case(parameters={"W": np.matrix(W0.copy())}),
        (TypeError, "np.matrix"),
    ),
    "read-only parameter read through a closure": (
        lambda: case(cost=lambda _: float(np.sum(CLOSURE["W"] ** 2)), parameters=CLOSURE),
        "ok",
    ),
    "read-only broadcast view": (
        lambda: case(parameters={"W": np.broadcast_to(np.array([0.3, -0.2]), (2, 2))}),
        (ValueError, "broadcast view"),
    ),
    "values near 1e150": (
        lambda: case(
            cost=lambda p: float(np.sum(p["W"] * 1e-150)),
            parameters={"W": np.array([1e150, -2e150])},
            gradients={"dW": np.full(2, 1e-150)},
        ),
        (ValueError, "below its resolution"),
    ),
    "a 1e-20 gradient on a cost of 1": (
        lambda: case(
            cost=lambda p: 1.0 + 1e-20 * float(np.sum(p["W"])),
            gradients={"dW": np.full((2, 2), 1e-20)},
        ),
        "ok",
    ),
    "cost returns np.float32": (lambda: case(cost=lambda p: np.float32(square(p))), "ok"),
    "cost returns a Python int": (
        lambda: case(cost=big_int_cost, gradients={"dW": np.zeros((2, 2))}),
        "ok",
    ),
    "both dW and W, equal": (lambda: case(gradients={"dW": 2 * W0, "W": 2 * W0}), "ok"),
    "both dW and W, different": (
        lambda: case(gradients={"dW": 2 * W0, "W": W0}),
        (ValueError, "both 'dW' and 'W'"),
    ),
    "parameters t and dt, CS231n keys": (
        lambda: case(
            cost=lambda p: float(np.sum(p["t"] ** 2) + 5 * np.sum(p["dt"] ** 2)),
            parameters={"t": np.array([1.0, 2.0]), "dt": np.array([3.0])},
            gradients={"t": np.array([2.0, 4.0]), "dt": np.array([30.0])},
        ),
        "ok",
    ),
    "parameters t and dt, d-prefixed keys": (
        lambda: case(
            cost=lambda p: float(np.sum(p["t"] ** 2) + 5 * np.sum(p["dt"] ** 2)),
            parameters={"t": np.array([1.0, 2.0]), "dt": np.array([3.0])},
            gradients={"dt": np.array([2.0, 4.0]), "ddt": np.array([30.0])},
        ),
        "ok",
    ),
    "only size-0 parameters": (
        lambda: case(
            cost=lambda p: 0.0,
            parameters={"e": np.empty((0, 3))},
            gradients={"de": np.empty((0, 3))},
        ),
        (ValueError, "nothing to check"),
    ),
    "all-zero analytic gradient": (lambda: case(gradients={"dW": np.zeros((2, 2))}), "bug"),
    "a cost that writes into its parameters": (
        lambda: case(cost=writer),
        (ValueError, "changed `parameters['W']` in place"),
    ),
    "torch-like gradient with requires_grad": (
        lambda: case(gradients={"dW": FakeTensor(2 * W0)}),
        "ok",
    ),
    "torch-like parameter": (
        lambda: case(parameters={"W": FakeTensor(W0.copy())}),
        (TypeError, ".detach().numpy()"),
    ),
    "torch-like scalar cost": (lambda: case(cost=lambda p: FakeTensor(square(p))), "ok"),
    # ---- twenty more of the same kind
    "masked gradient with a masked entry": (
        lambda: case(gradients={"dW": np.ma.array(2 * W0, mask=[[1, 0], [0, 0]])}),
        (ValueError, "masked"),
    ),
    "masked gradient without masked entries": (
        lambda: case(gradients={"dW": np.ma.array(2 * W0, mask=False)}),
        "ok",
    ),
    "gradient is the parameter array itself": (
        lambda: (lambda W: case(parameters={"W": W}, gradients={"dW": W}))(W0.copy()),
        "bug",
    ),
    "gradient shares memory with the parameter, correct": (
        lambda: (
            lambda W: case(
                cost=lambda p: float(np.sum(p["W"] ** 2) / 2),
                parameters={"W": W},
                gradients={"dW": W},
            )
        )(W0.copy()),
        "ok",
    ),
    "gradient as nested lists": (lambda: case(gradients={"dW": (2 * W0).tolist()}), "ok"),
    "integer gradient of an integer-valued slope": (
        lambda: case(
            cost=lambda p: float(np.sum(3 * p["W"])), gradients={"dW": np.full((2, 2), 3)}
        ),
        "ok",
    ),
    "big-endian parameter": (
        lambda: case(parameters={"W": W0.astype(">f8")}),
        "ok",
    ),
    "Fortran-ordered parameter": (lambda: case(parameters={"W": np.asfortranarray(W0)}), "ok"),
    "strided view parameter": (
        lambda: case(parameters={"W": np.repeat(W0, 2, axis=1)[:, ::2]}),
        "ok",
    ),
    "float16 parameter at the default step": (
        lambda: case(parameters={"W": W0.astype(np.float16)}),
        (ValueError, "float16"),
    ),
    "longdouble parameter": (
        lambda: case(
            cost=lambda p: float(np.sum(p["W"].astype(np.float64) ** 2)),
            parameters={"W": W0.astype(np.longdouble)},
        ),
        "ok",
    ),
    "complex gradient": (
        lambda: case(gradients={"dW": (2 * W0).astype(complex)}),
        (TypeError, "complex"),
    ),
    "gradient with NaN": (
        lambda: case(gradients={"dW": np.where(W0 > 0.4, np.nan, 2 * W0)}),
        (ValueError, "NaN"),
    ),
    "cost returns a one-element array": (
        lambda: case(cost=lambda p: np.array([square(p)])),
        (TypeError, "shape (1,)"),
    ),
    "cost returns None": (lambda: case(cost=lambda p: None), (TypeError, "None")),
    "cost returns NaN after a step": (
        lambda: case(cost=lambda p: float(np.sum(np.log(p["W"] + 0.2000001)))),
        (ValueError, "NaN or inf"),
    ),
    "epsilon is a numpy float": (lambda: case(epsilon=np.float32(1e-6)), "ok"),
    "epsilon is zero": (lambda: case(epsilon=0.0), (ValueError, "epsilon")),
    "epsilon is a string": (lambda: case(epsilon="1e-7"), (TypeError, "epsilon")),
    "epsilon far too large": (lambda: case(epsilon=10.0), "ok"),
    "gradients keyed by integers only": (
        lambda: case(gradients={0: 2 * W0}),
        (KeyError, "no entry for parameter 'W'"),
    ),
    "gradient of the wrong shape": (
        lambda: case(gradients={"dW": (2 * W0).T[:1]}),
        (ValueError, "shape"),
    ),
    "a parameter that the cost ignores, gradient zero": (
        lambda: case(
            parameters={"W": W0.copy(), "u": np.ones(3)},
            gradients={"dW": 2 * W0, "du": np.zeros(3)},
        ),
        "ok",
    ),
    "huge cost offset": (
        lambda: case(cost=lambda p: 1e12 + square(p)),
        "ok",
    ),
    "raw pixel-sized values": (
        lambda: case(
            cost=lambda p: float(np.sum(p["W"] ** 2) * 1e-6),
            parameters={"W": np.array([[255.0, 128.0], [3e5, 7e4]])},
            gradients={"dW": 2e-6 * np.array([[255.0, 128.0], [3e5, 7e4]])},
        ),
        "ok",
    ),
}


def run(build):
    cost, parameters, gradients, kwargs = build()
    before = fingerprint(parameters), fingerprint(gradients)
    try:
        return gradient_check(cost, parameters, gradients, **kwargs), None
    except Exception as error:  # noqa: BLE001 - the test inspects it
        return None, error
    finally:
        assert (fingerprint(parameters), fingerprint(gradients)) == before


@pytest.mark.filterwarnings("ignore::PendingDeprecationWarning")  # np.matrix's own
@pytest.mark.filterwarnings("ignore:invalid value encountered in log")
@pytest.mark.parametrize("mode", ["full", "directional", "sample"])
@pytest.mark.parametrize("name", list(CASES))
def test_adversarial_input(name, mode):
    build, expected = CASES[name]

    def with_mode():
        cost, parameters, gradients, kwargs = build()
        return cost, parameters, gradients, {**kwargs, "mode": mode}

    report, error = run(with_mode)
    if isinstance(expected, tuple):
        kind, words = expected
        assert isinstance(error, kind), (name, error)
        assert words in str(error), str(error)
        return
    assert error is None, f"{name}: {type(error).__name__}: {error}"
    if expected == "ok":
        assert report.diagnosis == {}, report.diagnosis
        assert not any(w in report.meaning() for w in ("wrong", "mistake", "Look at"))
    else:
        assert set(report.diagnosis) == {"W"}


def test_the_mask_and_flags_survive():
    masked = np.ma.array(W0.copy(), mask=[[0, 1], [0, 0]])
    with pytest.raises(TypeError):
        gradient_check(square, {"W": masked}, {"dW": 2 * W0})
    assert masked.mask.tolist() == [[False, True], [False, False]]
    locked = read_only()
    gradient_check(square, {"W": locked}, {"dW": 2 * W0})
    assert not locked.flags.writeable


def test_a_read_only_array_read_through_a_closure_is_really_checked():
    locked = read_only()
    report = gradient_check(lambda _: float(np.sum(locked**2)), {"W": locked}, {"dW": 3 * W0})
    assert set(report.diagnosis) == {"W"} and "1.50× too large" in report.diagnosis["W"]


def test_notes_say_which_key_and_what_was_converted():
    report = gradient_check(square, {"W": W0.copy()}, {"dW": 2 * W0, "W": 2 * W0})
    assert any("'dW' was used" in note for note in report.notes)
    report = gradient_check(square, {"W": W0.copy()}, {"dW": FakeTensor(2 * W0)})
    assert any(".detach()" in note for note in report.notes)


def test_the_t_and_dt_rule():
    """With parameters t and dt, 'dt' is t's gradient only when every parameter has a
    d-prefixed key ('ddt' too); otherwise it is dt's own gradient (CS231n's convention)."""
    t, dt = np.array([1.0, 2.0]), np.array([3.0])

    def cost(p):
        return float(np.sum(p["t"] ** 2) + 5 * np.sum(p["dt"] ** 2))

    wrong_way = {"t": np.array([2.0, 4.0]), "dt": np.array([2.0, 4.0])}  # shape (2,) for dt
    with pytest.raises(ValueError, match=r"gradients\['dt'\]` has shape \(2,\)"):
        gradient_check(cost, {"t": t, "dt": dt}, wrong_way)


def test_a_cost_writing_into_its_parameters_is_not_called_dropout():
    with pytest.raises(ValueError) as error:
        gradient_check(writer, {"W": W0.copy()}, {"dW": 2 * W0})
    assert "dropout" not in str(error.value)


def test_float32_cost_adds_no_false_kink():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((4, 4))
    report = gradient_check(
        lambda p: np.float32(np.sum(np.sin(p["W"]))), {"W": W}, {"dW": np.cos(W)}, epsilon=1e-3
    )
    assert report.kinks == [] and report.diagnosis == {}
    assert any("float32" in note for note in report.notes)
