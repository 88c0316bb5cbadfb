"""Malformed input to gradient_check: an ordinary exception with a clear message, and the
caller's arrays left exactly as they were (same objects, bit-identical), whatever happens."""

import copy

import numpy as np
import pytest

from gradcheck_lib import gradient_check

MODES = ["full", "directional", "sample"]


def base():
    """A small correct case: J = Σ sin(W1) + Σ b1² with W1 (3, 2) and b1 (3, 1)."""
    rng = np.random.default_rng(11)
    parameters = {"W1": rng.uniform(-1, 1, size=(3, 2)), "b1": rng.uniform(-1, 1, size=(3, 1))}

    def cost(p):
        return float(np.sum(np.sin(p["W1"])) + np.sum(p["b1"] ** 2))

    gradients = {"dW1": np.cos(parameters["W1"]), "db1": 2 * parameters["b1"]}
    return {"cost": cost, "parameters": parameters, "gradients": gradients, "kwargs": {}}


def with_parameter(name, value):
    def build():
        case = base()
        case["parameters"][name] = value(case["parameters"][name])
        return case

    return build


def with_gradient(name, value):
    def build():
        case = base()
        case["gradients"][name] = value(case["gradients"][name])
        return case

    return build


def with_cost(returns):
    """A cost that returns ``returns(J)`` instead of J."""

    def build():
        case = base()
        cost = case["cost"]
        case["cost"] = lambda p: returns(cost(p))
        return case

    return build


def with_option(**kwargs):
    def build():
        case = base()
        case["kwargs"] = kwargs
        return case

    return build


def with_nan(array):
    array = array.copy()
    array.flat[1] = np.nan
    return array


def with_inf(array):
    array = array.copy()
    array.flat[-1] = -np.inf
    return array


def empty_parameters():
    case = base()
    case["parameters"], case["gradients"] = {}, {}
    return case


def parameters_as_list():
    case = base()
    case["parameters"] = list(case["parameters"].values())
    return case


def gradients_as_list():
    case = base()
    case["gradients"] = list(case["gradients"].values())
    return case


def non_str_key():
    case = base()
    case["parameters"] = {1: case["parameters"]["W1"], "b1": case["parameters"]["b1"]}
    return case


def list_parameter():
    case = base()
    case["parameters"]["W1"] = case["parameters"]["W1"].tolist()
    return case


def shared_memory():
    case = base()
    W1 = case["parameters"]["W1"]
    case["parameters"]["b1"] = W1[:, :1]  # a (3, 1) view into W1
    case["gradients"]["db1"] = np.zeros((3, 1))
    return case


def cost_not_callable():
    case = base()
    case["cost"] = 3.0
    return case


def mutating_cost(on_call):
    """A cost that scales b1 in place on call ``on_call`` (and keeps going)."""

    def build():
        case = base()
        cost, calls = case["cost"], [0]

        def mutating(p):
            calls[0] += 1
            if calls[0] == on_call:
                p["b1"] *= 1.5
            return cost(p)

        case["cost"] = mutating
        return case

    return build


def nan_when_perturbed():
    """Finite at θ, NaN once b1[0, 0] moves below its value (like log(0) at a boundary)."""
    case = base()
    cost, edge = case["cost"], case["parameters"]["b1"][0, 0]
    case["cost"] = lambda p: float("nan") if p["b1"][0, 0] < edge else cost(p)
    return case


def none_when_perturbed():
    """A forgotten return on one branch: None once W1[1, 1] moves up."""
    case = base()
    cost, edge = case["cost"], case["parameters"]["W1"][1, 1]
    case["cost"] = lambda p: None if p["W1"][1, 1] > edge else cost(p)
    return case


def missing_gradient():
    case = base()
    del case["gradients"]["db1"]
    return case


def column_as_vector():
    """Gradient (4,) for a (4, 1) parameter: np.sum without keepdims."""
    case = base()
    case["parameters"]["b1"] = np.array([[0.1], [0.2], [-0.3], [0.4]])
    case["gradients"]["db1"] = 2 * case["parameters"]["b1"].reshape(-1)
    return case


# (id, build, exception type, words the message must contain, the argument it is about)
CASES = [
    ("missing gradient", missing_gradient, KeyError, ("b1", "db1"), "gradients"),
    (
        "(4,) for (4, 1)",
        column_as_vector,
        ValueError,
        ("b1", "(4,)", "(4, 1)", "keepdims"),
        "gradients",
    ),
    (
        "transposed matrix",
        with_gradient("dW1", lambda g: g.T),
        ValueError,
        ("W1", "(2, 3)", "(3, 2)", "transposed"),
        "gradients",
    ),
    (
        "gradient wrong size",
        with_gradient("dW1", lambda g: np.zeros((4, 4))),
        ValueError,
        ("W1", "(4, 4)", "(3, 2)"),
        "gradients",
    ),
    (
        "int parameter",
        with_parameter("W1", lambda a: np.arange(6).reshape(3, 2)),
        TypeError,
        ("W1", "int"),
        "parameters",
    ),
    (
        "bool parameter",
        with_parameter("b1", lambda a: a > 0),
        TypeError,
        ("b1", "bool"),
        "parameters",
    ),
    (
        "float32 parameter at 1e-7",
        with_parameter("W1", lambda a: a.astype(np.float32)),
        ValueError,
        ("W1", "float32", "resolution"),
        "parameters",
    ),
    (
        "float16 parameter",
        with_parameter("b1", lambda a: a.astype(np.float16)),
        ValueError,
        ("b1", "float16"),
        "parameters",
    ),
    (
        "complex gradient",
        with_gradient("dW1", lambda g: g + 0j),
        TypeError,
        ("W1", "complex"),
        "gradients",
    ),
    (
        "complex parameter",
        with_parameter("b1", lambda a: a + 1j),
        TypeError,
        ("b1", "complex"),
        "parameters",
    ),
    ("NaN in parameters", with_parameter("W1", with_nan), ValueError, ("W1", "NaN"), "parameters"),
    ("inf in parameters", with_parameter("b1", with_inf), ValueError, ("b1", "inf"), "parameters"),
    ("NaN in gradients", with_gradient("dW1", with_nan), ValueError, ("W1", "NaN"), "gradients"),
    ("inf in gradients", with_gradient("db1", with_inf), ValueError, ("b1", "inf"), "gradients"),
    ("string gradient", with_gradient("dW1", lambda g: "cos(W1)"), TypeError, ("W1",), "gradients"),
    (
        "cost returns an array",
        with_cost(lambda j: np.array([j, j])),
        TypeError,
        ("array", "(2,)"),
        "cost",
    ),
    ("cost returns None", with_cost(lambda j: None), TypeError, ("None",), "cost"),
    ("cost returns NaN", with_cost(lambda j: float("nan")), ValueError, ("nan",), "cost"),
    ("cost returns inf", with_cost(lambda j: np.inf), ValueError, ("inf",), "cost"),
    ("cost returns a string", with_cost(lambda j: f"{j:.3f}"), TypeError, ("returned",), "cost"),
    ("cost returns a bool", with_cost(lambda j: j > 0), TypeError, ("returned",), "cost"),
    ("cost NaN when perturbed", nan_when_perturbed, ValueError, ("NaN", "b1"), "cost"),
    (
        "cost None when perturbed",
        none_when_perturbed,
        (TypeError, ValueError),
        ("None", "W1"),
        "cost",
    ),
    ("empty parameters", empty_parameters, ValueError, ("empty",), "parameters"),
    ("epsilon zero", with_option(epsilon=0.0), ValueError, ("> 0",), "epsilon"),
    ("epsilon negative", with_option(epsilon=-1e-7), ValueError, ("-1e-07",), "epsilon"),
    ("epsilon NaN", with_option(epsilon=float("nan")), ValueError, ("nan",), "epsilon"),
    ("epsilon inf", with_option(epsilon=float("inf")), ValueError, ("inf",), "epsilon"),
    ("epsilon string", with_option(epsilon="1e-7"), TypeError, ("str",), "epsilon"),
    ("epsilon None", with_option(epsilon=None), TypeError, ("None",), "epsilon"),
    ("bad mode", with_option(mode="fast"), ValueError, ("'fast'", "directional"), "mode"),
    (
        "directions=0",
        with_option(mode="directional", directions=0),
        ValueError,
        ("0",),
        "directions",
    ),
    (
        "directions=1.5",
        with_option(mode="directional", directions=1.5),
        ValueError,
        ("1.5",),
        "directions",
    ),
    ("samples=0", with_option(mode="sample", samples=0), ValueError, ("0",), "samples"),
    ("parameters a list", parameters_as_list, TypeError, ("dict", "list"), "parameters"),
    ("gradients a list", gradients_as_list, TypeError, ("dict", "list"), "gradients"),
    ("non-str key", non_str_key, TypeError, ("1", "string"), "parameters"),
    ("list instead of array", list_parameter, TypeError, ("W1", "list", "array"), "parameters"),
    ("parameters share memory", shared_memory, ValueError, ("W1", "b1", "memory"), "parameters"),
    ("cost not callable", cost_not_callable, TypeError, ("float",), "cost"),
    ("cost mutates on first call", mutating_cost(1), ValueError, ("b1", "changed"), "cost"),
    ("cost mutates on a later call", mutating_cost(6), ValueError, ("b1", "changed"), "cost"),
]


IDS = [case[0] for case in CASES]


def snapshot(container):
    """What must not change: the container's items, each array as (object, bytes, flags)."""
    if isinstance(container, dict):
        items = list(container.items())
    elif isinstance(container, list):
        items = list(enumerate(container))
    else:
        return [("self", container, copy.deepcopy(container))]
    saved = []
    for key, value in items:
        if isinstance(value, np.ndarray):
            saved.append(
                (
                    key,
                    value,
                    (
                        value.tobytes(),
                        value.dtype,
                        value.shape,
                        value.strides,
                        value.flags.writeable,
                    ),
                )
            )
        else:
            saved.append((key, value, copy.deepcopy(value)))
    return saved


def assert_unchanged(container, saved):
    current = list(container.items()) if isinstance(container, dict) else None
    if current is not None:
        assert [k for k, _ in current] == [k for k, _, _ in saved]
    for key, value, state in saved:
        if key != "self":
            now = container[key]
            assert now is value, f"{key!r} was replaced"
        if isinstance(value, np.ndarray):
            now_state = (
                value.tobytes(),
                value.dtype,
                value.shape,
                value.strides,
                value.flags.writeable,
            )
            assert now_state == state, f"{key!r} changed"
        elif not callable(value):
            assert value == state or (value != value and state != state), f"{key!r} changed"


@pytest.mark.parametrize(("name", "build", "error", "words", "argument"), CASES, ids=IDS)
def test_bad_input_raises_a_clear_error_and_changes_nothing(name, build, error, words, argument):
    case = build()
    saved_parameters = snapshot(case["parameters"])
    saved_gradients = snapshot(case["gradients"])
    with pytest.raises(error) as info:
        gradient_check(case["cost"], case["parameters"], case["gradients"], **case["kwargs"])
    message = str(info.value)
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in: {message}"
    assert_unchanged(case["parameters"], saved_parameters)
    assert_unchanged(case["gradients"], saved_gradients)


@pytest.mark.parametrize(("name", "build", "error", "words", "argument"), CASES, ids=IDS)
def test_bad_input_message_names_the_argument(name, build, error, words, argument):
    """The argument as spelled in the signature (`parameters`, `gradients`, `cost`, ...)."""
    case = build()
    with pytest.raises(error) as info:
        gradient_check(case["cost"], case["parameters"], case["gradients"], **case["kwargs"])
    assert argument in str(info.value), f"{argument!r} not in: {info.value}"


def test_every_case_is_really_bad_only_in_one_way():
    # The base case itself passes, so each failure above comes from its one change.
    case = base()
    assert gradient_check(case["cost"], case["parameters"], case["gradients"]).passed
    assert len(CASES) >= 30


def test_float32_message_says_what_to_do():
    case = with_parameter("W1", lambda a: a.astype(np.float32))()
    with pytest.raises(ValueError) as info:
        gradient_check(case["cost"], case["parameters"], case["gradients"])
    assert "float64" in str(info.value)


# ------------------------------------------------------------- a cost that raises midway


class Boom(RuntimeError):
    pass


def fragile_case(buggy):
    """Parameters in every layout, with values that (x ± ε) ∓ ε does not restore exactly."""
    rng = np.random.default_rng(4)
    big = rng.uniform(-1, 1, size=(5, 8))
    read_only = rng.uniform(-1, 1, size=(2, 2))
    read_only.flags.writeable = False
    parameters = {
        "C": np.array([[-0.0, 1e-20], [0.25, -1e-19]]),
        "F": np.asfortranarray(rng.uniform(-1, 1, size=(2, 3))),
        "V": big[::2, 1::3],
        "R": read_only,
        "s": np.array(1e-20),
    }

    def cost(p):
        return float(sum(np.sum(np.sin(a) + 0.5 * a**2) for a in p.values()))

    gradients = {"d" + n: np.cos(a) + a for n, a in parameters.items()}
    if buggy:
        gradients["dF"] = 3 * gradients["dF"]
    return cost, parameters, gradients, big


def total_calls(mode, buggy):
    cost, parameters, gradients, _ = fragile_case(buggy)
    calls = [0]

    def counting(p):
        calls[0] += 1
        return cost(p)

    gradient_check(counting, parameters, gradients, mode=mode)
    return calls[0]


#: When the cost raises: on call 1 (J(θ)), 2 (its determinism twin), 3, 4 and 5 (the first
#: perturbations), halfway, or on the last or next-to-last call of the whole check (with a
#: bug, those fall in the rounding re-check).
WHEN = {
    "1": lambda total: 1,
    "2": lambda total: 2,
    "3": lambda total: 3,
    "4": lambda total: 4,
    "5": lambda total: 5,
    "middle": lambda total: total // 2,
    "next-to-last": lambda total: total - 1,
    "last": lambda total: total,
}


@pytest.mark.parametrize("error", [ValueError, Boom])
@pytest.mark.parametrize("when", list(WHEN))
@pytest.mark.parametrize("buggy", [False, True], ids=["ok", "bug"])
@pytest.mark.parametrize("mode", MODES)
def test_cost_raising_on_call_k_propagates_and_restores(mode, buggy, when, error):
    k = WHEN[when](total_calls(mode, buggy))
    cost, parameters, gradients, big = fragile_case(buggy)
    saved = snapshot(parameters)
    saved_big = big.tobytes()
    calls = [0]

    def raising(p):
        calls[0] += 1
        if calls[0] == k:
            raise error(f"failure on call {k}")
        return cost(p)

    with pytest.raises(error, match=f"failure on call {k}$"):
        gradient_check(raising, parameters, gradients, mode=mode)
    assert calls[0] == k  # stopped right there
    assert_unchanged(parameters, saved)
    assert big.tobytes() == saved_big


def test_fragile_values_are_really_fragile():
    _, parameters, _, _ = fragile_case(False)
    c = parameters["C"]
    assert ((c + 1e-7) - 1e-7).tobytes() != c.tobytes()
    assert ((c - 1e-7) + 1e-7).tobytes() != c.tobytes()


@pytest.mark.parametrize("mode", MODES)
def test_keyboard_interrupt_restores_too(mode):
    cost, parameters, gradients, _ = fragile_case(False)
    saved = snapshot(parameters)
    calls = [0]

    def interrupted(p):
        calls[0] += 1
        if calls[0] == 4:
            raise KeyboardInterrupt
        return cost(p)

    with pytest.raises(KeyboardInterrupt):
        gradient_check(interrupted, parameters, gradients, mode=mode)
    assert_unchanged(parameters, saved)


# ------------------------------------------------------------ unusual but valid input


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda c: c["gradients"].update(dW1=c["gradients"]["dW1"].tolist()),
            id="gradient as nested list",
        ),
        pytest.param(
            lambda c: c["gradients"].update(dW1=np.asfortranarray(c["gradients"]["dW1"])),
            id="fortran gradient",
        ),
        pytest.param(
            lambda c: c["gradients"].update(db1=c["gradients"]["db1"].astype(np.float32)),
            id="float32 gradient",
        ),
        pytest.param(
            lambda c: c["gradients"].update(W1=c["gradients"].pop("dW1")), id="gradient keyed W1"
        ),
        pytest.param(
            lambda c: c["gradients"].update(dZ1=np.full((9, 9), np.nan)), id="extra dZ1 with NaN"
        ),
    ],
)
def test_valid_variants_give_a_correct_answer(change):
    case = base()
    change(case)
    saved = snapshot(case["parameters"])
    report = gradient_check(case["cost"], case["parameters"], case["gradients"])
    assert report.verdict == "excellent" or report.difference < 1e-6  # float32 gradient
    assert_unchanged(case["parameters"], saved)
