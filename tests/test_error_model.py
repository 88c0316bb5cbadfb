"""The error model: a correct backward pass is never blamed, at any step; a bug is blamed on
exactly the arrays it corrupts; every part of a report tells the same story."""

import dataclasses
import re

import numpy as np
import pytest

from gradcheck_lib import assignment, gradient_check
from gradcheck_lib.bugs import CATALOG, DROPOUT_KEEP_PROB, DROPOUT_SEED, check_network
from gradcheck_lib.compare import Verdict, worst_first
from gradcheck_lib.diagnostics import describe_mismatch
from gradcheck_lib.lab import bug_lab, diagnosis_text, verdict_html
from gradcheck_lib.network import DEFAULT_SETTINGS, NetworkSettings

STEPS = np.logspace(-10, -1, 10)
#: Words that send a learner looking for a bug.
BLAME_WORDS = (
    "a term is wrong",
    "look for a small",
    "too large",
    "too small",
    "wrong sign",
    "transposed",
    "is wrong",
    "never computed",
    "used in the cost",
    "Look at",
)


def assert_not_blamed(report):
    """No array blamed, and no part of the report, the lab banner or its why-line blames."""
    assert report.diagnosis == {}, report.diagnosis
    texts = [
        report.meaning(),
        *report.advice(),
        str(report),
        report._repr_html_(),
        verdict_html(report),
        diagnosis_text(report),
    ]
    for text in texts:
        text = re.sub(r"step( ε=\S+)? is too large", "", text)  # the step's, not the code's
        for words in BLAME_WORDS:
            assert words not in text, (words, text)
    if not report.passed:  # the cause is named where the headline speaks
        assert report.causes
        assert report.meaning() != report.verdict.meaning
        assert report.meaning() in verdict_html(report)
        if report.kinks:  # the advice lists kinks: the headline names them too
            assert "kink" in report.meaning()
    if not report.kinks:  # and no sentence speaks of kinks that are not there
        assert "kink" not in " ".join([report.meaning(), *report.advice()])


def assignment_case():
    X, Y, parameters = assignment.gradient_check_n_test_case()
    _, cache = assignment.forward_propagation_n(X, Y, parameters)
    gradients = assignment.backward_propagation_n(X, Y, cache, fixed=True)
    return assignment.cost_function_n(X, Y), parameters, gradients


NETWORKS = {
    "tanh": NetworkSettings(activation="tanh", lambd=0.0),
    "tanh λ=0.1": NetworkSettings(activation="tanh", lambd=0.1),
    "relu": NetworkSettings(activation="relu", lambd=0.0),
    "relu λ=0.1": NetworkSettings(activation="relu", lambd=0.1),
    "dropout, fixed mask": NetworkSettings(keep_prob=DROPOUT_KEEP_PROB, dropout_seed=DROPOUT_SEED),
    "relu dropout": NetworkSettings(
        activation="relu", keep_prob=DROPOUT_KEEP_PROB, dropout_seed=DROPOUT_SEED
    ),
}


@pytest.mark.parametrize("epsilon", STEPS, ids=lambda e: f"{e:.0e}")
@pytest.mark.parametrize("network", list(NETWORKS))
def test_correct_reference_network_is_never_blamed(network, epsilon):
    assert_not_blamed(check_network(NETWORKS[network], epsilon=epsilon))


@pytest.mark.parametrize("epsilon", STEPS, ids=lambda e: f"{e:.0e}")
def test_correct_assignment_network_is_never_blamed(epsilon):
    cost, parameters, gradients = assignment_case()
    assert_not_blamed(gradient_check(cost, parameters, gradients, epsilon=epsilon))


@pytest.mark.parametrize("mode", ["directional", "sample"])
@pytest.mark.parametrize("epsilon", STEPS[::3], ids=lambda e: f"{e:.0e}")
@pytest.mark.parametrize("network", ["tanh", "relu λ=0.1"])
def test_cheap_modes_never_blame_a_correct_network(network, epsilon, mode):
    assert_not_blamed(check_network(NETWORKS[network], epsilon=epsilon, mode=mode))


def test_the_causes_are_the_right_ones():
    tanh = NETWORKS["tanh"]
    assert check_network(tanh, epsilon=1e-10).causes == ("rounding",)
    assert check_network(tanh, epsilon=1e-10).rounding_noise is True
    assert check_network(tanh, epsilon=1e-1).causes == ("truncation",)
    assert check_network(tanh, epsilon=1e-1).rounding_noise is False
    assert "kinks" in check_network(NETWORKS["relu"], epsilon=1e-3).causes


@pytest.mark.parametrize("epsilon", [1e-3, 1e-2, 1e-1])
def test_relu_kinks_are_found_at_large_steps(epsilon):
    assert check_network(NETWORKS["relu"], epsilon=epsilon).kinks
    assert check_network(NETWORKS["tanh"], epsilon=epsilon).kinks == []


def test_smooth_cost_at_a_large_step_is_truncation_not_a_scale():
    W = np.array([[0.3, -1.2], [0.7, 2.0]])
    report = gradient_check(
        lambda p: float(np.sum(np.sin(p["W"]))), {"W": W}, {"dW": np.cos(W)}, epsilon=0.1
    )
    assert report.verdict is not Verdict.EXCELLENT
    assert_not_blamed(report)
    assert "1.00×" not in str(report) and "truncation" in report.meaning()


# ------------------------------------------------------------ clean reports: special arrays


def batchnorm_case():
    """h = X W + b; h − mean(h); J = Σ tanh(h)²: b cancels, its gradient is exactly zero."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((10, 3))
    parameters = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal(4)}

    def cost(p):
        h = X @ p["W"] + p["b"]
        return float(np.sum(np.tanh(h - h.mean(0)) ** 2))

    h = X @ parameters["W"] + parameters["b"]
    t = np.tanh(h - h.mean(0))
    dh = 2 * t * (1 - t**2)
    dh = dh - dh.mean(0)
    return cost, parameters, {"dW": X.T @ dh, "db": np.zeros(4)}


@pytest.mark.parametrize("epsilon", STEPS, ids=lambda e: f"{e:.0e}")
def test_zero_gradient_biases_before_a_normalization_are_not_blamed(epsilon):
    cost, parameters, gradients = batchnorm_case()
    report = gradient_check(cost, parameters, gradients, epsilon=epsilon)
    assert_not_blamed(report)
    assert "critical" not in str(report).split("\n", 3)[-1].split("worst")[0]  # no row says it


def test_a_bug_next_to_zero_gradient_biases_is_blamed_alone():
    cost, parameters, gradients = batchnorm_case()
    report = gradient_check(cost, parameters, {**gradients, "dW": 1.5 * gradients["dW"]})
    assert set(report.diagnosis) == {"W"}
    assert report.advice()[0] == report.diagnosis["W"]


def test_one_tiny_gradient_array_is_not_blamed():
    rng = np.random.default_rng(1)
    A, t = rng.standard_normal((3, 3)), rng.standard_normal(4)

    def cost(p):
        return float(np.sum(np.tanh(p["A"]) ** 2) + 1e-9 * np.sum(np.sin(p["t"])))

    gradients = {"dA": 2 * np.tanh(A) * (1 - np.tanh(A) ** 2), "dt": 1e-9 * np.cos(t)}
    for epsilon in STEPS:
        report = gradient_check(cost, {"A": A, "t": t}, gradients, epsilon=epsilon)
        assert_not_blamed(report)


@pytest.mark.parametrize("epsilon", STEPS, ids=lambda e: f"{e:.0e}")
def test_relu_with_pre_activations_within_epsilon_of_zero_is_not_blamed(epsilon):
    A = np.array([3.0, -2.0, 4.0])
    b = np.array([5e-8, -2e-3, 1e-3])

    def cost(p):
        return float(np.sum(p["A"] ** 2) + 0.01 * np.sum(np.maximum(p["b"], 0)))

    report = gradient_check(
        cost, {"A": A, "b": b}, {"dA": 2 * A, "db": 0.01 * (b > 0)}, epsilon=epsilon
    )
    assert_not_blamed(report)
    if report.verdict is not Verdict.EXCELLENT:
        assert "kinks" in report.causes


def test_excellent_checks_carry_no_off_rows():
    for network in NETWORKS.values():
        report = check_network(network)
        if report.passed:
            assert "warning" not in str(report) and "slightly off" not in str(report)


# ------------------------------------------------------------------- bugs: exactly localized


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
@pytest.mark.parametrize("name", list(CATALOG))
def test_every_catalog_bug_is_blamed_on_exactly_its_arrays(name, mode):
    report = check_network(bugs=[name], mode=mode)
    assert not report.passed
    assert set(report.diagnosis) == set(CATALOG[name].affects)
    # worst first; ties (d within 1e-9, e.g. the sign flip's b1 and b2) in layout order
    ranked = [name for name in worst_first(report.by_parameter) if name in report.diagnosis]
    assert report.advice()[: len(ranked)] == [report.diagnosis[n] for n in ranked]
    assert "d" + ranked[0] in report.meaning()
    assert "a constant, a regularization term" not in report.meaning()


def test_catalog_bugs_are_found_by_the_lab_too():
    lab = bug_lab()
    for name, box in lab.bug_boxes.items():
        box.value = True
        assert set(lab.report.diagnosis) == set(CATALOG[name].affects), name
        assert "Look at d" in lab.diagnosis_view.value
        box.value = False
    assert lab.report.diagnosis == {}


@pytest.mark.parametrize("epsilon", [1e-3, 1e-1])
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_the_lab_at_large_steps_blames_nothing(activation, epsilon):
    lab = bug_lab()
    lab.epsilon_slider.value = epsilon
    if activation == "relu":
        lab.activation_toggle.value = "relu"
    assert lab.report.diagnosis == {}
    for text in (lab.verdict_view.value, lab.diagnosis_view.value):
        text = re.sub(r"step( ε=\S+)? is too large", "", text)
        for words in BLAME_WORDS:
            assert words not in text, text


# --------------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("k", "words"),
    [
        (1.001, "0.1% too large"),
        (0.996, "0.4% too small"),
        (1.03, "3% too large"),
        (2.0, "2.00× too large"),
        (-1.0, "the wrong sign"),
    ],
)
def test_a_scale_factor_is_said_in_words_that_fit(k, words):
    rng = np.random.default_rng(2)
    n = rng.standard_normal(20)
    text = describe_mismatch("W", k * n, n, k, None)
    assert words in text, text
    assert "1.00×" not in text and "a term is wrong" not in text


def test_a_term_is_wrong_never_comes_with_a_best_fit_of_one():
    rng = np.random.default_rng(3)
    n = rng.standard_normal(20)
    a = n + 0.3 * rng.standard_normal(20) * np.abs(n).mean()
    k = float(a @ n / (n @ n))
    text = describe_mismatch("W", a, n, k, None)
    assert "1.00×" not in text


def test_an_all_zero_gradient_is_said_to_be_zero():
    W = np.array([[0.3, -0.2], [0.1, 0.5]])
    report = gradient_check(lambda p: float(np.sum(p["W"] ** 2)), {"W": W}, {"dW": 0 * W})
    assert "zero" in report.diagnosis["W"] and "never computed" in report.diagnosis["W"]
    assert "0.00×" not in str(report)


# ------------------------------------------------------------------------------- budgets


def test_budgets():
    cost, parameters, gradients = assignment_case()
    n = sum(a.size for a in parameters.values())
    for epsilon in STEPS:
        report = gradient_check(cost, parameters, gradients, epsilon=epsilon)
        limit = 2 * n + 4 + (0 if report.passed else 256)
        assert report.evaluations <= limit
        for directions in (1, 2, 3):
            report = gradient_check(
                cost,
                parameters,
                gradients,
                epsilon=epsilon,
                mode="directional",
                directions=directions,
            )
            assert report.evaluations <= 2 * len(parameters) * directions + 4


# ---------------------------------------------------------------------------------- float32


def test_float32_advice_matches_the_course_run():
    X, Y, parameters = assignment.gradient_check_n_test_case(np.float32)
    _, cache = assignment.forward_propagation_n(X, Y, parameters)
    gradients = assignment.backward_propagation_n(X, Y, cache, fixed=True)
    cost = assignment.cost_function_n(X, Y)
    report = gradient_check(cost, parameters, gradients, epsilon=5e-3)
    note = next(note for note in report.notes if "float32" in note and "best near" in note)
    here = float(note.split("makes the difference about ")[1].split(" ")[0])
    assert here / 2 <= report.difference <= 2 * here  # the forecast at this step
    steps = np.logspace(-3, -1, 17)
    from gradcheck_lib import epsilon_sweep

    measured = epsilon_sweep(cost, parameters, gradients, steps)
    low, high = (float(x) for x in note.split("at about ")[1].split(",")[0].split(" to "))
    assert low / 2 <= measured.min() <= 2 * high
    step_low, step_high = (
        float(x.rstrip(",")) for x in note.split("best near ε≈")[1].split(", at")[0].split(" to ")
    )
    assert step_low / 2 <= steps[np.argmin(measured)] <= 2 * step_high
    assert_not_blamed(report)


def test_default_settings_are_the_labs():
    assert dataclasses.asdict(DEFAULT_SETTINGS)["lambd"] > 0


# ------------------------------------------------------------- random networks, both ways


def random_network(seed):
    from test_diagnostics import MLP

    rng = np.random.default_rng(seed)
    dims = [int(rng.integers(2, 8)), int(rng.integers(2, 10)), int(rng.integers(1, 5)), 1]
    return MLP(
        dims[: 3 + seed % 2] + ([1] if seed % 2 == 0 else []),
        activation=["tanh", "relu"][seed % 2],
        m=int(rng.integers(3, 40)),
        seed=seed,
        scale=float(rng.choice([0.1, 1, 3])),
        offset=float(rng.choice([0, 100])),
    )


@pytest.mark.parametrize("mode", ["full", "sample", "directional"])
@pytest.mark.parametrize("seed", range(6))
def test_random_correct_networks_are_never_blamed(seed, mode):
    net = random_network(seed)
    for epsilon in STEPS:
        report = net.check(epsilon=epsilon, mode=mode)
        assert report.diagnosis == {}, (epsilon, report.diagnosis)


@pytest.mark.parametrize("seed", range(6))
def test_random_networks_with_one_bug_blame_exactly_it(seed):
    net = random_network(seed)
    gradients = net.gradients()
    alive = sorted(n for n in net.parameters if np.abs(gradients["d" + n]).max() > 1e-6)
    name = alive[seed % len(alive)]  # an array whose gradient is not (nearly) zero
    g = gradients["d" + name]
    gradients["d" + name] = 1.01 * g + 1e-3 * np.abs(g).max()
    report = net.check(gradients)
    assert set(report.diagnosis) == {name}, str(report)


@pytest.mark.parametrize(
    "where, words",
    [(["W1[1, 1]"], "1 value crossed a kink of the cost (W1[1, 1]): its numerical"),
     (["W1[0, 0]", "b1[0, 0]"], "2 values crossed a kink of the cost (W1[0, 0], b1[0, 0]): their"),
     ([f"W1[{i}, 0]" for i in range(7)], "W1[4, 0] and 2 more): their")],
)  # fmt: skip
def test_the_kink_sentence_counts_in_words_that_agree(where, words):
    from gradcheck_lib.wording import kinks_sentence

    assert words in kinks_sentence(where)
