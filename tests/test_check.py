"""Tests of gradient_check: positive and negative controls, modes, evaluations, the report."""

import dataclasses

import numpy as np
import pytest

from gradcheck_lib import GradCheckReport, Verdict, gradient_check, gradients_to_vector
from gradcheck_lib.vectors import ParamLayout

MODES = ["full", "directional", "sample"]


class Counting:
    """Wrap a cost and count its calls."""

    def __init__(self, cost):
        self.cost = cost
        self.calls = 0

    def __call__(self, parameters):
        self.calls += 1
        return self.cost(parameters)


def sum_sin_cost(parameters):
    return float(sum(np.sum(np.sin(array)) for array in parameters.values()))


def sum_sin_case(seed=0):
    rng = np.random.default_rng(seed)
    parameters = {
        "W1": rng.uniform(-2, 2, size=(5, 4)),
        "b1": rng.uniform(-2, 2, size=(5, 1)),
        "W2": rng.uniform(-2, 2, size=(3, 5)),
        "b2": rng.uniform(-2, 2, size=(3, 1)),
    }
    gradients = {"d" + name: np.cos(array) for name, array in parameters.items()}
    return sum_sin_cost, parameters, gradients


def quadratic_case(seed=0):
    """J = xᵀAx + tr(WᵀMW) + c·s²: gradients (A + Aᵀ)x, (M + Mᵀ)W and 2cs."""
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((6, 6))
    M = rng.standard_normal((4, 4))
    parameters = {
        "x": rng.standard_normal((6, 1)),
        "W": rng.standard_normal((4, 3)),
        "s": np.array(0.8),
    }

    def cost(p):
        x, W, s = p["x"], p["W"], p["s"]
        return float((x.T @ A @ x)[0, 0] + np.trace(W.T @ M @ W) + 3.0 * s**2)

    gradients = {
        "dx": (A + A.T) @ parameters["x"],
        "dW": (M + M.T) @ parameters["W"],
        "ds": np.array(6.0 * parameters["s"]),
    }
    return cost, parameters, gradients


def tanh_case(seed=0, n_x=3, n_h=4, m=6):
    """A two-layer tanh network with sigmoid output and cross-entropy cost."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    parameters = {
        "W1": rng.standard_normal((n_h, n_x)),
        "b1": rng.standard_normal((n_h, 1)),
        "W2": rng.standard_normal((1, n_h)),
        "b2": rng.standard_normal((1, 1)),
    }

    def forward(p):
        A1 = np.tanh(p["W1"] @ X + p["b1"])
        A2 = 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"])))
        cost = -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m
        return cost, A1, A2

    def cost(p):
        return forward(p)[0]

    _, A1, A2 = forward(parameters)
    dZ2 = A2 - Y
    dZ1 = (parameters["W2"].T @ dZ2) * (1 - A1**2)
    gradients = {
        "dW1": dZ1 @ X.T / m,
        "db1": dZ1.sum(axis=1, keepdims=True) / m,
        "dW2": dZ2 @ A1.T / m,
        "db2": dZ2.sum(axis=1, keepdims=True) / m,
    }
    return cost, parameters, gradients


CASES = {"sum sin": sum_sin_case, "quadratic": quadratic_case, "tanh network": tanh_case}


def snapshot(parameters):
    return {
        name: (array, array.tobytes(), array.shape, array.strides)
        for name, array in parameters.items()
    }


def assert_untouched(parameters, saved):
    assert list(parameters) == list(saved)
    for name, (array, data, shape, strides) in saved.items():
        assert parameters[name] is array, f"parameter {name!r} was replaced"
        assert array.shape == shape and array.strides == strides
        assert array.tobytes() == data, f"parameter {name!r} changed"


def n_entries(parameters):
    return sum(np.size(a) for a in parameters.values())


# ------------------------------------------------------------------- positive controls


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("mode", MODES)
def test_correct_gradients_are_excellent(case, mode):
    cost, parameters, gradients = CASES[case]()
    report = gradient_check(cost, parameters, gradients, mode=mode)
    assert report.verdict == "excellent"
    assert report.verdict is Verdict.EXCELLENT
    assert report.passed is True
    assert report.difference < 1e-8
    assert report.mode == mode
    assert report.epsilon == 1e-7
    assert set(report.by_parameter) == set(parameters)
    assert all(d <= 1e-7 for d in report.by_parameter.values())
    assert report.rounding_noise is False
    assert report.kinks == []
    for name, k in report.scale_factors.items():
        assert k == pytest.approx(1.0, abs=1e-5), name


def test_full_mode_values_line_up_with_theta():
    cost, parameters, gradients = sum_sin_case()
    report = gradient_check(cost, parameters, gradients)
    layout = ParamLayout.of(parameters)
    assert report.numerical.shape == report.analytical.shape == (layout.size,)
    np.testing.assert_array_equal(report.analytical, gradients_to_vector(gradients, layout))
    truth = np.concatenate([np.cos(a).reshape(-1) for a in parameters.values()])
    np.testing.assert_allclose(report.numerical, truth, atol=1e-7)


def test_gradients_keyed_without_d_and_in_another_order():
    cost, parameters, gradients = tanh_case()
    plain = {name[1:]: gradients[name] for name in reversed(list(gradients))}
    report = gradient_check(cost, parameters, plain)
    assert report.passed
    assert list(report.by_parameter) == list(parameters)


def test_extra_gradient_entries_are_ignored():
    cost, parameters, gradients = tanh_case()
    extras = {"dZ1": np.ones((4, 6)), "dA1": np.full((2, 2), np.nan), **gradients, "dZ2": None}
    assert gradient_check(cost, parameters, extras).passed


# ------------------------------------------------------------------- negative controls


@pytest.mark.parametrize("mode", MODES)
def test_gradient_times_one_and_a_half_is_caught(mode):
    cost, parameters, gradients = sum_sin_case()
    wrong = {name: 1.5 * g for name, g in gradients.items()}
    report = gradient_check(cost, parameters, wrong, mode=mode)
    assert report.verdict == "critical"
    assert not report.passed
    # ‖1.5g − g‖ / (‖1.5g‖ + ‖g‖) = 0.5 / 2.5
    assert report.difference == pytest.approx(0.2, rel=1e-5)
    assert report.rounding_noise is False


def test_huge_epsilon_shows_a_visible_error():
    cost, parameters, gradients = sum_sin_case()
    report = gradient_check(cost, parameters, gradients, epsilon=1e-1)
    assert report.verdict != "excellent"
    assert not report.passed
    # Truncation error of the central difference on sin: about ε²/6 relative.
    assert 1e-4 < report.difference < 1e-2
    assert report.rounding_noise is False
    assert report.epsilon == 0.1


def test_sign_error_in_one_entry_is_caught():
    cost, parameters, gradients = quadratic_case()
    gradients["dW"][1, 2] *= -1
    report = gradient_check(cost, parameters, gradients)
    assert report.verdict != "excellent"
    assert max(report.by_parameter, key=report.by_parameter.get) == "W"
    assert report.worst(1)[0].index == (1, 2)


# ------------------------------------------------------------------------ evaluations


@pytest.mark.parametrize("case", list(CASES))
def test_full_mode_passing_uses_2n_plus_2_evaluations(case):
    cost, parameters, gradients = CASES[case]()
    counting = Counting(cost)
    report = gradient_check(counting, parameters, gradients)
    assert report.passed
    assert counting.calls == report.evaluations == 2 * n_entries(parameters) + 2


@pytest.mark.parametrize("directions", [1, 2, 3])
@pytest.mark.parametrize("case", list(CASES))
def test_directional_mode_passing_evaluations(case, directions):
    cost, parameters, gradients = CASES[case]()
    counting = Counting(cost)
    report = gradient_check(
        counting, parameters, gradients, mode="directional", directions=directions
    )
    assert report.passed
    arrays = len(parameters)
    assert counting.calls == report.evaluations == 2 * arrays * directions + 2


def test_directional_mode_default_is_two_directions():
    cost, parameters, gradients = tanh_case()
    report = gradient_check(cost, parameters, gradients, mode="directional")
    assert report.evaluations == 2 * 4 * 2 + 2
    assert len(report.numerical) == len(report.analytical) == 4 * 2


def test_directional_cost_does_not_grow_with_n():
    small = tanh_case(n_x=3, n_h=4)
    big = tanh_case(n_x=30, n_h=40)
    reports = [gradient_check(*case, mode="directional") for case in (small, big)]
    assert reports[0].evaluations == reports[1].evaluations


@pytest.mark.parametrize("directions", [2, 3])
@pytest.mark.parametrize("bug", ["correct", "W1 x2", "b2 x2", "W2 sign", "b1 +1e-3"])
def test_directional_mode_stays_within_2_arrays_3_plus_4(bug, directions):
    # The held-out budget: at most 2 × arrays × 3 + 4 cost calls, buggy networks included.
    cost, parameters, gradients = tanh_case()
    if bug != "correct":
        name, change = bug.split()
        g = gradients["d" + name]
        gradients["d" + name] = {"x2": 2 * g, "sign": -g, "+1e-3": g + 1e-3}[change]
    counting = Counting(cost)
    report = gradient_check(
        counting, parameters, gradients, mode="directional", directions=directions
    )
    arrays = len(parameters)
    assert counting.calls == report.evaluations
    assert report.evaluations <= 2 * arrays * 3 + 4
    assert report.passed == (bug == "correct")


@pytest.mark.parametrize("samples", [1, 3, 5, 100])
def test_sample_mode_evaluations(samples):
    cost, parameters, gradients = tanh_case()
    counting = Counting(cost)
    report = gradient_check(
        cost=counting, parameters=parameters, gradients=gradients, mode="sample", samples=samples
    )
    assert report.passed
    checked = sum(min(samples, a.size) for a in parameters.values())
    assert counting.calls == report.evaluations == 2 * checked + 2
    assert len(report.numerical) == checked


def test_sample_mode_default_checks_five_entries_per_array():
    cost, parameters, gradients = tanh_case(n_x=5, n_h=6)  # W1 has 30 entries, W2 6
    report = gradient_check(cost, parameters, gradients, mode="sample")
    assert len(report.numerical) == 5 + 5 + 5 + 1


def test_sample_entries_are_real_entries():
    cost, parameters, gradients = tanh_case(n_x=5, n_h=6)
    report = gradient_check(cost, parameters, gradients, mode="sample")
    for entry in report.worst(100):
        assert entry.analytical == gradients["d" + entry.name][entry.index]


def test_sample_and_directional_are_reproducible_by_seed():
    cost, parameters, gradients = tanh_case(n_x=8, n_h=10)
    for mode in ("sample", "directional"):
        first = gradient_check(cost, parameters, gradients, mode=mode, seed=3)
        again = gradient_check(cost, parameters, gradients, mode=mode, seed=3)
        other = gradient_check(cost, parameters, gradients, mode=mode, seed=4)
        np.testing.assert_array_equal(first.numerical, again.numerical)
        assert not np.array_equal(first.analytical, other.analytical)


def test_checks_do_not_touch_global_random_state():
    cost, parameters, gradients = tanh_case()
    before = np.random.get_state()  # noqa: NPY002 (the legacy global state is the point)
    for mode in MODES:
        gradient_check(cost, parameters, gradients, mode=mode)
    after = np.random.get_state()  # noqa: NPY002
    assert before[0] == after[0]
    np.testing.assert_array_equal(before[1], after[1])
    assert before[2:] == after[2:]


# ----------------------------------------------------------------------- localization

TANH_ARRAYS = ["W1", "b1", "W2", "b2"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("name", TANH_ARRAYS)
@pytest.mark.parametrize("bug", ["x2", "sign", "x0.5"])
def test_by_parameter_localizes_a_bug(mode, name, bug):
    cost, parameters, gradients = tanh_case(n_x=5, n_h=6)
    factor = {"x2": 2.0, "sign": -1.0, "x0.5": 0.5}[bug]
    gradients["d" + name] = factor * gradients["d" + name]
    report = gradient_check(cost, parameters, gradients, mode=mode, directions=2)
    assert not report.passed
    assert max(report.by_parameter, key=report.by_parameter.get) == name
    for other in TANH_ARRAYS:
        if other != name:  # untouched arrays: rounding noise only (a few entries in sample mode)
            assert report.by_parameter[other] < 1e-6, other
            assert report.by_parameter[other] < 1e-4 * report.by_parameter[name], other
    assert report.scale_factors[name] == pytest.approx(factor, rel=1e-4)


def test_worst_entries():
    cost, parameters, gradients = tanh_case()
    true_value = gradients["dW1"][2, 0]
    gradients["dW1"][2, 0] += 0.5
    gradients["db1"][3, 0] += 0.1
    gradients["dW2"][0, 1] -= 0.01
    report = gradient_check(cost, parameters, gradients)
    worst = report.worst(3)
    assert [(e.name, e.index) for e in worst] == [("W1", (2, 0)), ("b1", (3, 0)), ("W2", (0, 1))]
    assert isinstance(worst[0].index, tuple)
    assert worst[0].analytical == gradients["dW1"][2, 0]
    assert worst[0].numerical == pytest.approx(true_value, abs=1e-7)
    gaps = [abs(e.analytical - e.numerical) for e in report.worst(10)]
    assert gaps == sorted(gaps, reverse=True)
    assert len(report.worst(10)) == 10
    assert len(report.worst(1000)) == n_entries(parameters)


def test_worst_default_and_types():
    cost, parameters, gradients = quadratic_case()
    gradients["dW"][3, 1] += 1.0
    entry = gradient_check(cost, parameters, gradients).worst()[0]
    assert (entry.name, entry.index) == ("W", (3, 1))
    assert type(entry.numerical) is float and type(entry.analytical) is float
    assert all(type(k) is int for k in entry.index)


def test_worst_index_of_a_0d_parameter_is_the_empty_tuple():
    cost, parameters, gradients = quadratic_case()
    gradients["ds"] = gradients["ds"] + 1.0
    entry = gradient_check(cost, parameters, gradients).worst(1)[0]
    assert (entry.name, entry.index) == ("s", ())


# ---------------------------------------------------------------------------- report


@pytest.mark.parametrize("buggy", [False, True], ids=["passing", "failing"])
@pytest.mark.parametrize("mode", MODES)
def test_text_and_html_show_verdict_and_every_parameter(buggy, mode):
    cost, parameters, gradients = tanh_case()
    if buggy:
        gradients["dW2"] = 2 * gradients["dW2"]
    report = gradient_check(cost, parameters, gradients, mode=mode)
    expected = Verdict.CRITICAL if buggy else Verdict.EXCELLENT
    assert report.verdict is expected
    for text in (str(report), report._repr_html_()):
        assert expected.value in text
        assert expected.symbol in text
        for name in parameters:
            assert name in text
    assert report._repr_html_().lstrip().startswith("<")
    assert "<table" in report._repr_html_()


def test_text_shows_each_array_verdict():
    cost, parameters, gradients = tanh_case()
    gradients["db1"] = -gradients["db1"]
    text = str(report := gradient_check(cost, parameters, gradients))
    assert "✓ excellent" in text  # the untouched arrays
    assert report.verdict.label in text


def test_report_is_frozen():
    cost, parameters, gradients = tanh_case()
    report = gradient_check(cost, parameters, gradients)
    assert isinstance(report, GradCheckReport)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.difference = 0.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.verdict = Verdict.EXCELLENT


def test_report_does_not_hold_the_callers_gradient_arrays():
    cost, parameters, gradients = tanh_case()
    report = gradient_check(cost, parameters, gradients)
    before = report.difference, report.analytical.copy()
    for g in gradients.values():
        g *= 3
    assert (report.difference, *report.analytical) == (before[0], *before[1])


# ------------------------------------------------------------ the caller's arrays


def unusual_case():
    """Fortran-ordered, strided view, read-only and 0-d parameters, with bit-fragile values."""
    rng = np.random.default_rng(5)
    big = rng.uniform(-1, 1, size=(6, 9))
    read_only = rng.uniform(-1, 1, size=(3, 2))
    read_only.flags.writeable = False
    parameters = {
        "F": np.asfortranarray(rng.uniform(-1, 1, size=(3, 4))),
        "V": big[1::2, ::4],  # (3, 3) strided view of a bigger array
        "R": read_only,
        "s": np.array(0.3),
        "c": np.array([[-0.0], [1e-20], [0.5]]),  # (x ± ε) ∓ ε != x bit for bit
    }
    weights = {name: rng.uniform(0.5, 2, size=a.shape) for name, a in parameters.items()}

    def cost(p):
        return float(sum(np.sum(weights[n] * np.sin(p[n]) + p[n] ** 2) for n in p))

    gradients = {"d" + n: weights[n] * np.cos(a) + 2 * a for n, a in parameters.items()}
    return cost, parameters, gradients, big


def test_unusual_case_has_the_layouts_it_claims():
    _, parameters, _, big = unusual_case()
    assert parameters["F"].flags.f_contiguous and not parameters["F"].flags.c_contiguous
    assert parameters["V"].base is big and not parameters["V"].flags.c_contiguous
    assert not parameters["R"].flags.writeable
    assert parameters["s"].ndim == 0
    c = parameters["c"]
    assert ((c + 1e-7) - 1e-7).tobytes() != c.tobytes()


@pytest.mark.parametrize("mode", MODES)
def test_unusual_arrays_give_correct_answers(mode):
    cost, parameters, gradients, _ = unusual_case()
    report = gradient_check(cost, parameters, gradients, mode=mode)
    assert report.passed, str(report)


@pytest.mark.parametrize(
    ("name", "index"), [("F", (1, 2)), ("V", (2, 0)), ("R", (2, 1)), ("s", ()), ("c", (1, 0))]
)
def test_unusual_arrays_localize_a_one_entry_bug(name, index):
    cost, parameters, gradients, _ = unusual_case()
    gradients["d" + name] = np.array(gradients["d" + name], copy=True)
    gradients["d" + name][index] += 0.3
    report = gradient_check(cost, parameters, gradients)
    assert not report.passed
    worst = report.worst(1)[0]
    assert (worst.name, worst.index) == (name, index)
    assert max(report.by_parameter, key=report.by_parameter.get) == name


@pytest.mark.parametrize("buggy", [False, True], ids=["passing", "failing"])
@pytest.mark.parametrize("mode", MODES)
def test_callers_arrays_are_the_same_objects_and_bit_identical(mode, buggy):
    cost, parameters, gradients, big = unusual_case()
    if buggy:
        gradients["dF"] = 2 * gradients["dF"]
    saved = snapshot(parameters)
    saved_big = big.tobytes()
    saved_gradients = snapshot(gradients)
    gradient_check(cost, parameters, gradients, mode=mode)
    assert_untouched(parameters, saved)
    assert_untouched(gradients, saved_gradients)
    assert big.tobytes() == saved_big
    assert not parameters["R"].flags.writeable


def test_cost_sees_every_step_from_the_unperturbed_point():
    # Each call must see θ with at most one entry moved, never an accumulated drift.
    cost, parameters, gradients, _ = unusual_case()
    reference = {n: a.copy() for n, a in parameters.items()}
    moved_counts = []

    def watching(p):
        moved_counts.append(sum(int(np.sum(p[n] != reference[n])) for n in p))
        return cost(p)

    gradient_check(watching, parameters, gradients)
    assert max(moved_counts) == 1
    assert moved_counts[:2] == [0, 0]  # J(θ), twice


@pytest.mark.parametrize(
    "wrap",
    [np.float64, np.array, lambda v: np.array(v).reshape(()), lambda v: np.float64(v).item()],
    ids=["numpy scalar", "0-d array", "0-d reshaped", "python float"],
)
def test_numpy_scalar_and_0d_costs_accepted(wrap):
    cost, parameters, gradients = tanh_case()
    report = gradient_check(lambda p: wrap(cost(p)), parameters, gradients)
    assert report.passed


def test_integer_valued_cost_accepted():
    # A cost that returns an int at θ (here a constant) is still a number.
    parameters = {"w": np.array([1.0, 2.0])}
    report = gradient_check(lambda p: 3, parameters, {"dw": np.zeros(2)})
    assert report.passed
    assert report.difference == 0.0


def test_float32_parameters_with_a_large_step_work_and_stay_bit_identical():
    parameters = {"w": np.array([0.3, -0.7, 1.1], dtype=np.float32)}
    saved = snapshot(parameters)
    report = gradient_check(
        lambda p: float(np.sum(p["w"].astype(np.float64) ** 2)),
        parameters,
        {"dw": 2 * parameters["w"].astype(np.float64)},
        epsilon=5e-3,
    )
    assert_untouched(parameters, saved)
    assert report.difference < 1e-3
    assert any("float32" in note for note in report.notes)


@pytest.mark.parametrize("mode", MODES)
def test_empty_parameter_array_is_harmless(mode):
    W = np.array([[0.3, -0.2], [0.1, 0.5]])
    parameters = {"W": W, "e": np.empty((0, 3))}

    def cost(p):
        return float(np.sum(np.sin(p["W"])) + np.sum(p["e"]))

    good = {"dW": np.cos(W), "de": np.empty((0, 3))}
    report = gradient_check(cost, parameters, good, mode=mode)
    assert report.passed
    assert report.by_parameter["e"] == 0.0
    bad = gradient_check(cost, parameters, {**good, "dW": 2 * np.cos(W)}, mode=mode)
    assert max(bad.by_parameter, key=bad.by_parameter.get) == "W"
