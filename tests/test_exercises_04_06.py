"""Checkers of notebooks 04 and 06: each rejects the stub and wrong answers, accepts the solution.

Every wrong answer below is a mistake a learner makes; the test asserts that the checker's message
names it in words, not only that it fails.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_lib import (
    dictionary_to_vector,
    gradient_check,
    gradients_to_vector,
    vector_to_dictionary,
)
from gradcheck_lib.bugs import CATALOG
from gradcheck_lib.exercises import (
    GRADIENT_CHECK_MISTAKES,
    ExerciseError,
    check_buggy_parameters,
    check_gradient_check_n,
    check_regularized_cost,
    check_spot_check,
)
from gradcheck_lib.exercises.checking import _seed_gradient_check
from gradcheck_lib.network import (
    backward_propagation,
    compute_cost,
    cost_function,
    forward_propagation,
    init_parameters,
    make_dataset,
)


def stub(*args, **kwargs):
    """What a learner copy's exercise function does until it is written."""
    raise NotImplementedError("Exercise N.M: write your code here")


def rejects(checker, *answers, words: tuple[str, ...], **options) -> str:
    """Assert that ``checker(*answers)`` fails with a message holding every one of ``words``."""
    with pytest.raises(ExerciseError) as failure:
        checker(*answers, **options)
    message = str(failure.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


# --- Exercise 4.1: gradient_check_n --------------------------------------------------------


def gradient_check_n(cost, parameters, gradients, epsilon=1e-7):
    """The solution of notebooks/solutions/04_checking_a_network.ipynb."""
    theta, layout = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients, layout)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.size):
        theta_plus = np.copy(theta)
        theta_plus[i] = theta_plus[i] + epsilon
        J_plus = cost(vector_to_dictionary(theta_plus, layout))
        theta_minus = np.copy(theta)
        theta_minus[i] = theta_minus[i] - epsilon
        J_minus = cost(vector_to_dictionary(theta_minus, layout))
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return numerator / denominator


def in_place_restored(cost, parameters, gradients, epsilon=1e-7):
    """Another correct answer: perturb θ in place and put each entry back."""
    theta, layout = dictionary_to_vector(parameters)
    grad = gradients_to_vector(gradients, layout)
    gradapprox = np.zeros_like(theta)
    for i in range(theta.size):
        old = theta[i]
        theta[i] = old + epsilon
        J_plus = cost(vector_to_dictionary(theta, layout))
        theta[i] = old - epsilon
        J_minus = cost(vector_to_dictionary(theta, layout))
        theta[i] = old
        gradapprox[i] = (J_plus - J_minus) / 2 / epsilon
    return float(
        np.linalg.norm(gradapprox - grad) / (np.linalg.norm(gradapprox) + np.linalg.norm(grad))
    )


def slipped(mistake):
    """A learner's function that makes one of the catalogued slips."""

    def answer(cost, parameters, gradients, epsilon=1e-7):
        return _seed_gradient_check(cost, parameters, gradients, epsilon, mistake)

    return answer


def test_gradient_check_n_accepts_the_solution():
    assert "✓ Exercise 4.1" in check_gradient_check_n(gradient_check_n)


def test_gradient_check_n_accepts_an_in_place_loop_that_restores():
    assert "✓ Exercise 4.1" in check_gradient_check_n(in_place_restored)


def test_gradient_check_n_rejects_the_stub():
    with pytest.raises(NotImplementedError, match="Exercise"):
        check_gradient_check_n(stub)


@pytest.mark.parametrize(
    ("mistake", "words"),
    [
        ("divided_by_epsilon", ("divide J⁺ − J⁻ by ε", "2 * epsilon")),
        ("operator_precedence", ("a / 2 * b", "(2 * epsilon)")),
        ("one_sided", ("one-sided", "O(ε²)")),
        ("not_restored", ("do not put θ_i back",)),
        ("no_copy", ("makes no copy", "np.copy(theta)")),
        ("cost_at_unperturbed_parameters", ("gradapprox is zero", "vector_to_dictionary")),
        ("every_entry_moved", ("every entry of θ at once",)),
        ("epsilon_ignored", ("ignores its epsilon argument",)),
        ("difference_of_norms", ("norm of the difference",)),
        ("norm_of_sum", ("‖grad‖ + ‖gradapprox‖", "not ‖grad + gradapprox‖")),
        ("squared_norms", ("squared norms",)),
        ("no_denominator", ("without dividing",)),
    ],
)
def test_gradient_check_n_names_each_slip(mistake, words):
    message = rejects(check_gradient_check_n, slipped(mistake), words=words)
    assert "the library's gradient_check gives" in message


def test_every_slip_is_tested():
    tested = test_gradient_check_n_names_each_slip.pytestmark[0].args[1]
    assert {mistake for mistake, _ in tested} == set(GRADIENT_CHECK_MISTAKES)


def test_gradient_check_n_rejects_a_function_that_moves_the_callers_parameters():
    def perturbs_the_dictionary(cost, parameters, gradients, epsilon=1e-7):
        for array in parameters.values():
            array += epsilon  # never put back
        return gradient_check_n(cost, parameters, gradients, epsilon)

    rejects(check_gradient_check_n, perturbs_the_dictionary, words=("changed the caller's",))


@pytest.mark.parametrize(
    ("returned", "words"),
    [
        (lambda grad, approx: None, ("returned None", "return")),
        (lambda grad, approx: grad - approx, ("array of shape",)),
    ],
)
def test_gradient_check_n_rejects_what_is_not_one_number(returned, words):
    def answer(cost, parameters, gradients, epsilon=1e-7):
        theta, layout = dictionary_to_vector(parameters)
        grad = gradients_to_vector(gradients, layout)
        return returned(grad, grad)

    rejects(check_gradient_check_n, answer, words=words)


def test_gradient_check_n_unknown_mistake_gets_the_formulas():
    def off_by_a_bit(cost, parameters, gradients, epsilon=1e-7):
        return gradient_check_n(cost, parameters, gradients, epsilon) + 0.01

    rejects(check_gradient_check_n, off_by_a_bit, words=("θ⁺ = θ + ε·e_i", "On a correct"))


# --- Exercise 4.2: the buggy parameters of the assignment ----------------------------------


def test_buggy_parameters_accepts_the_solution():
    message = check_buggy_parameters({"W2", "b1"})
    assert "✓ Exercise 4.2" in message
    assert "dW2 is 2.00× too large (fix layer 2)" in message
    assert "db1 is 4.00× too large (fix layer 1)" in message


def test_buggy_parameters_accepts_gradient_names():
    assert "✓" in check_buggy_parameters(["dW2", "db1"])


def test_buggy_parameters_rejects_the_stub():
    # the learner copy starts from buggy_parameters = None
    with pytest.raises(NotImplementedError, match="Exercise 4.2"):
        check_buggy_parameters(None)


@pytest.mark.parametrize("placeholder", [set(), ..., 3])
def test_buggy_parameters_rejects_placeholders(placeholder):
    with pytest.raises(ExerciseError):
        check_buggy_parameters(placeholder)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        ({"W2"}, ("W2 is right", "2 wrong gradients")),
        ({"W2", "b1", "W1"}, ("W1 (1.6e-07)", "rounding")),
        ({"W2", "b1", "b3"}, ("b3 (2.5e-07)", "rounding")),
        ({"W2", "dZ1"}, ("'dZ1' is not a parameter", "intermediate values")),
        ("W2", ("in a set",)),
        (set(), ("empty",)),
        ({2}, ("as strings",)),
    ],
)
def test_buggy_parameters_names_the_mistake(answer, words):
    rejects(check_buggy_parameters, answer, words=words)


# --- Exercise 6.1: the regularized cost ----------------------------------------------------

X, Y = make_dataset(m=200, seed=0)
LAMBD = 0.7
M = X.shape[1]


def regularized_cost(parameters):
    """The solution of notebooks/solutions/06_in_practice.ipynb."""
    A2, _ = forward_propagation(X, parameters)
    cross_entropy = compute_cost(A2, Y)
    l2_term = LAMBD / (2 * M) * (np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2))
    return cross_entropy + l2_term


def cost_with(l2):
    """A learner's cost whose L2 term is ``l2(parameters)``."""

    def cost(parameters):
        A2, _ = forward_propagation(X, parameters)
        return compute_cost(A2, Y) + l2(parameters)

    return cost


def squares(parameters, *names):
    return sum(np.sum(parameters[name] ** 2) for name in names)


def test_regularized_cost_accepts_the_solution():
    message = check_regularized_cost(regularized_cost, X, Y, LAMBD)
    assert "✓ Exercise 6.1" in message
    assert "excellent" in message


def test_regularized_cost_accepts_the_library_cost():
    assert "✓" in check_regularized_cost(cost_function(X, Y, lambd=LAMBD), X, Y, LAMBD)


def test_regularized_cost_rejects_the_stub():
    with pytest.raises(NotImplementedError, match="Exercise"):
        check_regularized_cost(stub, X, Y, LAMBD)


@pytest.mark.parametrize(
    ("l2", "words"),
    [
        (lambda p: 0.0, ("no L2 term",)),
        (lambda p: LAMBD / M * squares(p, "W1", "W2"), ("twice too large",)),
        (lambda p: LAMBD / 2 * squares(p, "W1", "W2"), ("lacks the 1/m",)),
        (lambda p: LAMBD / (2 * M) * squares(p, "W1", "b1", "W2", "b2"), ("biases too",)),
        (lambda p: LAMBD / (2 * M) * squares(p, "W1"), ("leaves out W2",)),
        (
            lambda p: LAMBD / (2 * M) * (np.linalg.norm(p["W1"]) + np.linalg.norm(p["W2"])),
            ("norms", "squares"),
        ),
        (lambda p: -LAMBD / (2 * M) * squares(p, "W1", "W2"), ("subtract",)),
        (lambda p: 0.001, ("cross-entropy plus L2 gives",)),
    ],
)
def test_regularized_cost_names_the_mistake(l2, words):
    rejects(check_regularized_cost, cost_with(l2), X, Y, LAMBD, words=words)


def test_regularized_cost_rejects_an_array():
    def per_example(parameters):
        A2, _ = forward_propagation(X, parameters)
        return -(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))

    rejects(check_regularized_cost, per_example, X, Y, LAMBD, words=("array of shape",))


# --- Exercise 6.2: a spot check of a big network -------------------------------------------

BIG = init_parameters(n_h=50, seed=0)
N_BIG = dictionary_to_vector(BIG)[1].size
_, BIG_CACHE = forward_propagation(X, BIG)
BIG_GRADIENTS = backward_propagation(X, Y, BIG_CACHE, BIG, bugs=[CATALOG["tanh_prime_from_Z1"]])
BIG_COST = cost_function(X, Y)
BUDGET = 60


def spot(**options):
    return gradient_check(BIG_COST, BIG, BIG_GRADIENTS, **options)


@pytest.mark.parametrize("mode", ["directional", "sample"])
def test_spot_check_accepts_the_cheap_modes(mode):
    message = check_spot_check(spot(mode=mode), parameter_count=N_BIG, budget=BUDGET)
    assert f"✓ Exercise 6.2: {mode} mode caught the bug" in message


def test_spot_check_rejects_the_stub():
    # the learner copy starts from spot_report = None
    with pytest.raises(NotImplementedError, match="Exercise 6.2"):
        check_spot_check(None, parameter_count=N_BIG, budget=BUDGET)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda: spot(), ("budget is 60", f"2n + 2 = {2 * N_BIG + 2}", "mode='directional'")),
        (lambda: spot(mode="directional").difference, ("keep the whole report",)),
        (lambda: spot(mode="directional", epsilon=1e-2), ("ε = 0.01 is large",)),
        (
            lambda: gradient_check(
                BIG_COST,
                BIG,
                backward_propagation(X, Y, BIG_CACHE, BIG),
                mode="directional",
            ),
            ("your check passed", "big_gradients"),
        ),
        (
            lambda: gradient_check(
                cost_function(X, Y),
                init_parameters(n_h=4),
                backward_propagation(
                    X, Y, forward_propagation(X, init_parameters(n_h=4))[1], init_parameters(n_h=4)
                ),
            ),
            ("network of 17 parameters", f"which has {N_BIG}"),
        ),
    ],
)
def test_spot_check_names_the_mistake(answer, words):
    rejects(check_spot_check, answer(), words=words, parameter_count=N_BIG, budget=BUDGET)
