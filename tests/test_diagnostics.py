"""Tests of what gradient_check explains: rounding noise, scale factors, transposes, kinks,
determinism and the epsilon sweep."""

import re

import numpy as np
import pytest

from gradcheck_lib import Verdict, assignment, epsilon_sweep, gradient_check, network

# ------------------------------------------------------------------- a small MLP, by hand


class MLP:
    """LINEAR -> (TANH|RELU) -> ... -> LINEAR -> SIGMOID, mean cross-entropy (+ offset).

    ``offset`` adds a constant to the cost: the gradient does not change, but the rounding
    error of J(θ ± ε) grows with |J|.
    """

    def __init__(self, dims, activation="tanh", m=8, seed=0, scale=1.0, offset=0.0):
        rng = np.random.default_rng(seed)
        self.X = rng.standard_normal((dims[0], m))
        self.Y = (rng.random((1, m)) > 0.5).astype(float)
        self.activation = activation
        self.offset = offset
        self.L = len(dims) - 1
        self.parameters = {}
        for layer in range(1, self.L + 1):
            self.parameters[f"W{layer}"] = scale * rng.standard_normal(
                (dims[layer], dims[layer - 1])
            )
            self.parameters[f"b{layer}"] = 0.1 * rng.standard_normal((dims[layer], 1))

    def g(self, Z):
        return np.tanh(Z) if self.activation == "tanh" else np.maximum(0, Z)

    def g_prime(self, Z, A):
        return 1 - A**2 if self.activation == "tanh" else (Z > 0).astype(float)

    def forward(self, p):
        A, caches = self.X, []
        for layer in range(1, self.L + 1):
            Z = p[f"W{layer}"] @ A + p[f"b{layer}"]
            A_prev, A = A, (self.g(Z) if layer < self.L else 1 / (1 + np.exp(-Z)))
            caches.append((A_prev, Z, A))
        m, Y = self.X.shape[1], self.Y
        cost = -np.sum(Y * np.log(A) + (1 - Y) * np.log(1 - A)) / m + self.offset
        return cost, caches

    def cost(self, p):
        return self.forward(p)[0]

    def gradients(self):
        p, m = self.parameters, self.X.shape[1]
        _, caches = self.forward(p)
        grads = {}
        dZ = caches[-1][2] - self.Y
        for layer in range(self.L, 0, -1):
            A_prev, _, _ = caches[layer - 1]
            grads[f"dW{layer}"] = dZ @ A_prev.T / m
            grads[f"db{layer}"] = dZ.sum(axis=1, keepdims=True) / m
            if layer > 1:
                _, Z_prev, A_prev_act = caches[layer - 2]
                dZ = (p[f"W{layer}"].T @ dZ) * self.g_prime(Z_prev, A_prev_act)
        return grads

    def check(self, gradients=None, **kwargs):
        gradients = self.gradients() if gradients is None else gradients
        return gradient_check(self.cost, self.parameters, gradients, **kwargs)


def with_bug(net, name, change):
    gradients = net.gradients()
    gradients["d" + name] = change(gradients["d" + name])
    return gradients


def n_entries(parameters):
    return sum(a.size for a in parameters.values())


def text_and_html(report):
    return str(report), report._repr_html_()


# --------------------------------------------------------------------------- rounding


def correct_networks_above_the_band():
    """Correct networks whose difference at ε=1e-7 is above 1e-7 from rounding alone."""
    return {
        "constant offset 300": MLP([6, 8, 1], offset=300.0, m=10),
        "constant offset 1000": MLP([4, 5, 3, 1], offset=1000.0, seed=3),
        "5k parameters": MLP([100, 50, 1], m=50, seed=1, scale=0.02),
    }


@pytest.fixture(scope="module", params=list(correct_networks_above_the_band()))
def noisy(request):
    net = correct_networks_above_the_band()[request.param]
    return net, net.check()


def test_rounding_noise_on_a_correct_network_above_1e_7(noisy):
    net, report = noisy
    assert report.verdict != "excellent"  # the bands stay the seed's
    assert report.difference > 1e-7
    assert report.rounding_noise is True
    # And it really is rounding: a larger step is excellent.
    assert net.check(epsilon=1e-5).passed


def test_rounding_noise_is_said_plainly_with_the_step_to_use(noisy):
    _, report = noisy
    for text in text_and_html(report):
        assert "rounding" in text.lower()
        assert re.search(r"(ε|epsilon)\s*=\s*1e-0?[4-6]", text), text
        assert "too large" not in text and "wrong sign" not in text  # no bug named


@pytest.mark.parametrize(
    ("bug", "name", "change"),
    [
        ("×2", "W2", lambda g: 2 * g),
        ("sign", "b1", lambda g: -g),
        ("warning-band constant", "W1", lambda g: g + 3e-6),
        ("just above 1e-7", "W1", lambda g: g * (1 + 1e-6)),
    ],
)
def test_no_rounding_noise_on_real_bugs(bug, name, change):
    net = MLP([6, 8, 1], m=10)
    report = net.check(with_bug(net, name, change))
    assert report.verdict != "excellent"
    assert report.rounding_noise is False
    assert type(report.rounding_noise) is bool
    assert max(report.by_parameter, key=report.by_parameter.get) == name
    if bug == "warning-band constant":
        assert report.verdict == "warning"


def test_no_rounding_noise_on_a_real_bug_hidden_in_a_noisy_network():
    net = MLP([6, 8, 1], offset=300.0, m=10)
    report = net.check(with_bug(net, "b2", lambda g: 1.01 * g))
    assert report.rounding_noise is False
    assert max(report.by_parameter, key=report.by_parameter.get) == "b2"


def test_rounding_noise_is_a_python_bool_when_passing():
    report = MLP([3, 4, 1]).check()
    assert report.passed
    assert report.rounding_noise is False
    assert type(report.rounding_noise) is bool


def assignment_report(fixed):
    X, Y, parameters = assignment.gradient_check_n_test_case()
    _, cache = assignment.forward_propagation_n(X, Y, parameters)
    gradients = assignment.backward_propagation_n(X, Y, cache, fixed=fixed)
    return gradient_check(assignment.cost_function_n(X, Y), parameters, gradients)


def test_assignment_fixed_network_is_rounding_noise():
    report = assignment_report(fixed=True)
    assert report.verdict == "warning"
    assert report.rounding_noise is True


def test_assignment_buggy_network_is_not_rounding_noise():
    report = assignment_report(fixed=False)
    assert report.verdict == "critical"
    assert report.rounding_noise is False


def test_only_the_arrays_worth_looking_at_are_diagnosed():
    # W1 and b3 sit just above 1e-7 from rounding; only the two planted bugs get a diagnosis.
    report = assignment_report(fixed=False)
    assert report.by_parameter["W1"] > 1e-7 and report.by_parameter["b3"] > 1e-7
    assert set(report.diagnosis) == {"W2", "b1"}
    assert report.diagnosis["b1"] == "db1 is 4.00× too large"


def test_rounding_noise_is_what_the_report_says_first():
    report = assignment_report(fixed=True)
    assert report.diagnosis == {}
    assert "rounding" in report.meaning()
    assert "rounding" in str(report).splitlines()[1]


def test_rounding_recheck_costs_nothing_when_the_check_passes():
    net = MLP([5, 6, 1])
    calls = [0]

    def counting(p):
        calls[0] += 1
        return net.cost(p)

    report = gradient_check(counting, net.parameters, net.gradients())
    assert report.passed
    assert calls[0] == report.evaluations == 2 * n_entries(net.parameters) + 2


def test_rounding_recheck_is_counted_when_it_runs():
    # The assignment's fixed network at ε=1e-7 is above the band by rounding that the
    # one-pass model does not fully explain, so its worst values are re-checked.
    X, Y, parameters = assignment.gradient_check_n_test_case()
    _, cache = assignment.forward_propagation_n(X, Y, parameters)
    gradients = assignment.backward_propagation_n(X, Y, cache, fixed=True)
    cost, calls = assignment.cost_function_n(X, Y), [0]

    def counting(p):
        calls[0] += 1
        return cost(p)

    report = gradient_check(counting, parameters, gradients)
    assert report.rounding_noise is True
    n = n_entries(parameters)
    assert calls[0] == report.evaluations
    assert 2 * n + 2 < report.evaluations <= 2 * n + 4 + 256


# ---------------------------------------------------------------------- scale factors

TANH = dict(dims=[5, 6, 3, 1], m=10, seed=2)


@pytest.mark.parametrize("name", ["W1", "b1", "W2", "b3"])
@pytest.mark.parametrize(
    ("factor", "words"),
    [
        (2.0, "is 2.00× too large"),
        (4.0, "is 4.00× too large"),
        (-1.0, "has the wrong sign"),
        (0.5, "is 0.50× too small"),
        (-2.0, "has the wrong sign and is 2.00× too large"),
    ],
)
def test_scale_factor_of_a_planted_bug_is_exact(name, factor, words):
    net = MLP(**TANH)
    report = net.check(with_bug(net, name, lambda g: factor * g))
    assert set(report.scale_factors) == set(net.parameters)  # "W2", not "dW2"
    assert report.scale_factors[name] == pytest.approx(factor, abs=1e-6)
    for other, k in report.scale_factors.items():
        if other != name:
            assert k == pytest.approx(1.0, abs=1e-5), other
    for text in text_and_html(report):
        assert f"d{name} {words}" in text, text


@pytest.mark.parametrize("mode", ["directional", "sample"])
def test_scale_factor_in_the_cheap_modes(mode):
    net = MLP(**TANH)
    report = net.check(with_bug(net, "W2", lambda g: 2 * g), mode=mode)
    assert report.scale_factors["W2"] == pytest.approx(2.0, abs=1e-5)
    assert "dW2 is 2.00× too large" in str(report)


def test_scale_factors_not_shown_for_excellent_arrays():
    net = MLP(**TANH)
    text = str(net.check(with_bug(net, "W2", lambda g: 2 * g)))
    assert "dW1 is" not in text and "db1 is" not in text


def test_transposed_square_gradient_is_diagnosed():
    net = MLP([3, 4, 4, 1], m=10, seed=5)  # W2 is (4, 4)
    gradients = with_bug(net, "W2", lambda g: g.T.copy())
    assert not np.allclose(gradients["dW2"], gradients["dW2"].T)
    report = net.check(gradients)
    assert not report.passed
    assert max(report.by_parameter, key=report.by_parameter.get) == "W2"
    for text in text_and_html(report):
        assert "dW2 looks transposed" in text


def test_a_scaled_square_gradient_is_not_called_transposed():
    net = MLP([3, 4, 4, 1], m=10, seed=5)
    text = str(net.check(with_bug(net, "W2", lambda g: 2 * g)))
    assert "transposed" not in text
    assert "dW2 is 2.00× too large" in text


# ------------------------------------------------------------------------------ kinks

EPSILON = 1e-7
KINK_UNIT, KINK_EXAMPLE = 3, 2
KINK_COLUMN = np.array([1.5, -0.8, 0.003, 2.0])  # |x_k|·ε vs 1e-9: crosses, crosses, no, crosses


def relu_network(near_kink):
    """A ReLU network; with ``near_kink``, unit 3's pre-activation is 1e-9 on example 2."""
    net = MLP([4, 5, 1], activation="relu", m=6, seed=3)
    net.X[:, KINK_EXAMPLE] = KINK_COLUMN
    p = net.parameters
    if near_kink:
        p["b1"][KINK_UNIT, 0] = 1e-9 - p["W1"][KINK_UNIT] @ net.X[:, KINK_EXAMPLE]
    return net


def expected_kinks(net, epsilon):
    """Entries whose ±ε step moves some pre-activation Z1[j, i] across 0, derived by hand.

    Moving W1[j, k] by ε moves Z1[j, i] by ε·X[k, i] for every example i; moving b1[j]
    moves Z1[j, :] by ε. W2 and b2 act after the ReLU: no kink.
    """
    Z1 = net.parameters["W1"] @ net.X + net.parameters["b1"]
    kinks = set()
    for j in range(Z1.shape[0]):
        if np.any(np.abs(Z1[j]) < epsilon):
            kinks.add(("b1", (j, 0)))
        for k in range(net.X.shape[0]):
            if np.any(np.abs(Z1[j]) < epsilon * np.abs(net.X[k])):
                kinks.add(("W1", (j, k)))
    return kinks


def test_the_kink_network_is_built_as_described():
    net = relu_network(near_kink=True)
    Z1 = net.parameters["W1"] @ net.X + net.parameters["b1"]
    assert Z1[KINK_UNIT, KINK_EXAMPLE] == pytest.approx(1e-9, rel=1e-3)
    others = np.delete(np.abs(Z1).ravel(), KINK_UNIT * Z1.shape[1] + KINK_EXAMPLE)
    assert others.min() > 1e-3  # every other unit is far from its kink
    assert expected_kinks(net, EPSILON) == {
        ("b1", (3, 0)),
        ("W1", (3, 0)),
        ("W1", (3, 1)),
        ("W1", (3, 3)),
    }
    assert expected_kinks(relu_network(near_kink=False), EPSILON) == set()


def test_kinks_found_exactly():
    net = relu_network(near_kink=True)
    report = net.check()
    found = {(entry.name, entry.index) for entry in report.kinks}
    assert found == expected_kinks(net, EPSILON)
    for entry in report.kinks:
        assert isinstance(entry.index, tuple)
        assert entry.analytical == net.gradients()["d" + entry.name][entry.index]
        assert np.isfinite(entry.numerical)
    for text in text_and_html(report):
        assert "kink" in text.lower()


def test_kinks_do_not_blame_the_backward_pass():
    net = relu_network(near_kink=True)
    report = net.check()
    assert report.rounding_noise is False
    assert "too large" not in str(report) and "wrong sign" not in str(report)
    assert "kink" in report.meaning() and report.meaning() != report.verdict.meaning
    assert report.diagnosis == {}  # nothing is blamed ...
    assert "kink" in report.explanations["b1"]  # ... and the row says why b1 looks off
    assert "kink" in str(report).splitlines()[1]


def test_a_real_bug_next_to_kinks_is_still_blamed():
    net = relu_network(near_kink=True)
    report = net.check(with_bug(net, "W2", lambda g: 2 * g))
    assert report.meaning().startswith(report.verdict.meaning) and "dW2" in report.meaning()
    assert report.diagnosis == {"W2": "dW2 is 2.00× too large"}


def test_kinks_found_next_to_a_real_bug_elsewhere():
    net = relu_network(near_kink=True)
    report = net.check(with_bug(net, "W2", lambda g: 2 * g))
    assert {(e.name, e.index) for e in report.kinks} == expected_kinks(net, EPSILON)
    assert max(report.by_parameter, key=report.by_parameter.get) == "W2"
    assert report.scale_factors["W2"] == pytest.approx(2.0, rel=1e-3)


def test_no_kinks_on_the_relu_network_away_from_kinks():
    report = relu_network(near_kink=False).check()
    assert report.kinks == []
    assert report.passed


@pytest.mark.parametrize("epsilon", [1e-7, 1e-5, 1e-3, 1e-1])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_no_kinks_on_tanh_networks(seed, epsilon):
    net = MLP([4, 6, 3, 1], m=12, seed=seed, scale=1.5)
    assert net.check(epsilon=epsilon).kinks == []


def test_no_kinks_on_a_noisy_tanh_network(noisy):
    _, report = noisy
    assert report.kinks == []


# ------------------------------------------------------------------------ determinism


def dropout_network(seed_per_call):
    net = MLP([4, 6, 1], m=8, seed=0)
    rng = np.random.default_rng(0)
    keep_prob = 0.8

    def cost(p):
        generator = np.random.default_rng(42) if seed_per_call else rng
        Z1 = p["W1"] @ net.X + p["b1"]
        mask = generator.random(Z1.shape) < keep_prob
        A1 = np.tanh(Z1) * mask / keep_prob
        A2 = 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"])))
        Y, m = net.Y, net.X.shape[1]
        return -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / m

    return net, cost


def test_dropout_mask_redrawn_per_call_is_refused():
    net, cost = dropout_network(seed_per_call=False)
    saved = {n: (a, a.tobytes()) for n, a in net.parameters.items()}
    with pytest.raises(ValueError) as info:
        gradient_check(cost, net.parameters, net.gradients())
    message = str(info.value).lower()
    assert "dropout" in message
    assert "seed" in message
    for name, (array, data) in saved.items():
        assert net.parameters[name] is array and array.tobytes() == data


def test_random_sampling_in_the_cost_is_refused():
    net = MLP([3, 4, 1])
    rng = np.random.default_rng(1)

    def sampled(p):
        return net.cost(p) + 1e-3 * rng.standard_normal()

    with pytest.raises(ValueError, match="determinis"):
        gradient_check(sampled, net.parameters, net.gradients())


def test_fixed_dropout_mask_is_checked_normally():
    net, cost = dropout_network(seed_per_call=True)
    p, X, Y, m, keep_prob = net.parameters, net.X, net.Y, net.X.shape[1], 0.8
    Z1 = p["W1"] @ X + p["b1"]
    mask = np.random.default_rng(42).random(Z1.shape) < keep_prob
    A1 = np.tanh(Z1) * mask / keep_prob
    dZ2 = 1 / (1 + np.exp(-(p["W2"] @ A1 + p["b2"]))) - Y
    dZ1 = (p["W2"].T @ dZ2) * mask / keep_prob * (1 - np.tanh(Z1) ** 2)
    gradients = {
        "dW1": dZ1 @ X.T / m,
        "db1": dZ1.sum(axis=1, keepdims=True) / m,
        "dW2": dZ2 @ A1.T / m,
        "db2": dZ2.sum(axis=1, keepdims=True) / m,
    }
    assert gradient_check(cost, p, gradients).passed
    # and forgetting the mask in the backward pass is caught, not refused
    assert gradient_check(cost, p, net.gradients()).verdict is Verdict.CRITICAL


# ---------------------------------------------------------------------- epsilon sweep

STEPS = np.logspace(-12, -1, 12)


def test_epsilon_sweep_draws_a_v():
    net = MLP([4, 5, 1], m=8, seed=0)
    differences = epsilon_sweep(net.cost, net.parameters, net.gradients(), STEPS)
    assert differences.shape == (len(STEPS),)
    assert np.all(np.isfinite(differences)) and np.all(differences >= 0)
    at = dict(zip(STEPS.round(14), differences, strict=True))
    middle = at[1e-5]
    assert middle < 1e-9
    assert at[1e-1] > 1e-5 and at[1e-1] > 1000 * middle  # truncation, O(ε²)
    assert at[1e-12] > 1e-6 and at[1e-12] > 1000 * middle  # rounding, ~u/ε
    best = STEPS[np.argmin(differences)]
    assert 1e-7 <= best <= 1e-3
    # Left arm falls and right arm rises, as steps move away from the bottom.
    assert differences[0] > differences[3] > middle
    assert differences[-1] > differences[-3] > middle


def test_epsilon_sweep_agrees_with_gradient_check():
    net = MLP([4, 5, 1], m=8, seed=0)
    steps = [1e-3, 1e-7]
    differences = epsilon_sweep(net.cost, net.parameters, net.gradients(), steps)
    for step, difference in zip(steps, differences, strict=True):
        assert difference == net.check(epsilon=step).difference


def test_epsilon_sweep_leaves_the_parameters_alone():
    net = MLP([4, 5, 1], m=8, seed=0)
    saved = {n: (a, a.tobytes()) for n, a in net.parameters.items()}
    epsilon_sweep(net.cost, net.parameters, net.gradients(), STEPS)
    for name, (array, data) in saved.items():
        assert net.parameters[name] is array and array.tobytes() == data


@pytest.mark.parametrize("steps", [[], [1e-3, 0.0], [1e-3, -1e-5]])
def test_epsilon_sweep_refuses_bad_steps(steps):
    net = MLP([3, 4, 1])
    with pytest.raises(ValueError, match="epsilon"):
        epsilon_sweep(net.cost, net.parameters, net.gradients(), steps)


def trained_to_a_tiny_gradient():
    """The reference network after 2000 steps: ‖g‖ ≈ 3.6e-5, so rounding lands near 1e-5."""
    X, Y = network.make_dataset(m=50, seed=0)
    parameters = network.init_parameters(n_h=4, seed=0)
    for _ in range(2000):
        _, cache = network.forward_propagation(X, parameters)
        grads = network.backward_propagation(X, Y, cache, parameters, lambd=0.5)
        parameters = {k: v - 1.0 * grads["d" + k] for k, v in parameters.items()}
    _, cache = network.forward_propagation(X, parameters)
    grads = network.backward_propagation(X, Y, cache, parameters, lambd=0.5)
    return network.cost_function(X, Y, lambd=0.5), parameters, grads


def test_rounding_noise_on_a_network_trained_to_a_tiny_gradient():
    cost, parameters, grads = trained_to_a_tiny_gradient()
    report = gradient_check(cost, parameters, grads)
    assert report.difference > 1e-6  # far above the band, from rounding alone
    assert report.rounding_noise is True
    assert report.diagnosis == {}, "a correct backward pass is blamed"
    assert "rounding" in report.meaning() and "rounding" in str(report).splitlines()[1]


def test_a_small_bug_on_a_tiny_gradient_is_not_called_rounding():
    cost, parameters, grads = trained_to_a_tiny_gradient()
    grads["dW2"] = 1.001 * grads["dW2"]
    assert gradient_check(cost, parameters, grads).rounding_noise is False
