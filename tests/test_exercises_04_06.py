"""Checkers of notebooks 04 and 06: each rejects the stub and wrong answers, accepts the solution.

Every wrong answer below is a mistake a learner makes; the test asserts that the checker's message
names it in words, not only that it fails.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_exercises_00_03 import numerical_gradient  # a learner's Exercise 2.1

from gradcheck_lib import (
    THRESHOLDS,
    Verdict,
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
        ("wrong_sign", ("wrong sign", "(J_plus - J_minus)")),
        ("l1_norm", ("L1 norm", "Euclidean")),
        ("gradients_by_position", ("not in θ's order", "gradients_to_vector")),
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


def _with_gradient(make_grad, make_gradapprox=None):
    """A learner's gradient_check_n built from their own pieces (2.1's loop, 3.1's formula)."""

    def answer(cost, parameters, gradients, epsilon=1e-7):
        theta, layout = dictionary_to_vector(parameters)
        grad = make_grad(gradients, layout)
        if make_gradapprox is not None:
            gradapprox = make_gradapprox(cost, theta, layout, epsilon)
        else:
            gradapprox = numerical_gradient(
                lambda t: cost(vector_to_dictionary(t, layout)), theta, epsilon
            )
        return own_relative_difference(grad, gradapprox)

    return answer


def own_relative_difference(a, b):
    """A learner's Exercise 3.1."""
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denominator == 0 else float(np.linalg.norm(a - b) / denominator)


def test_gradient_check_n_accepts_one_built_on_exercises_2_1_and_3_1():
    by_name = lambda gradients, layout: gradients_to_vector(gradients, layout)  # noqa: E731
    assert "✓ Exercise 4.1" in check_gradient_check_n(_with_gradient(by_name))


def test_gradient_check_n_accepts_the_librarys_building_blocks():
    from gradcheck_lib import central_difference, relative_difference

    def answer(cost, parameters, gradients, epsilon=1e-7):
        theta, layout = dictionary_to_vector(parameters)
        grad = gradients_to_vector(gradients, layout)
        approx = central_difference(lambda t: cost(vector_to_dictionary(t, layout)), theta, epsilon)
        return relative_difference(grad, approx)

    assert "✓" in check_gradient_check_n(answer)


@pytest.mark.parametrize(
    "one_line",
    [
        lambda c, p, g, e=1e-7: gradient_check(c, p, g, epsilon=e).difference,
        lambda c, p, g, e=1e-7: (
            __import__("gradcheck_lib").gradient_check(c, p, g, epsilon=e).difference
        ),
    ],
    ids=["imported", "module-attribute"],
)
def test_gradient_check_n_refuses_the_library_doing_the_work(one_line):
    rejects(check_gradient_check_n, one_line, words=("gradient_check", "the library did the work"))


def test_gradient_check_n_names_a_flat_theta_passed_to_the_cost():
    def bare_theta(cost, theta, layout, epsilon):
        return numerical_gradient(cost, theta, epsilon)

    by_name = lambda gradients, layout: gradients_to_vector(gradients, layout)  # noqa: E731
    message = rejects(
        check_gradient_check_n,
        _with_gradient(by_name, bare_theta),
        words=("flat vector", "vector_to_dictionary"),
    )
    assert "IndexError" not in message


def test_gradient_check_n_names_every_gradient_concatenated_by_position():
    everything = lambda gradients, layout: np.concatenate(  # noqa: E731
        [value.reshape(-1) for value in gradients.values()]
    )
    message = rejects(
        check_gradient_check_n,
        _with_gradient(everything),
        words=("lengths", "dZ1", "gradients_to_vector"),
    )
    assert "operands could not be broadcast" not in message


def test_gradient_check_n_names_dw_db_concatenated_by_position():
    """The checker's gradients are not in layout order, so pairing by position shows."""
    by_position = lambda gradients, layout: np.concatenate(  # noqa: E731
        [v.reshape(-1) for k, v in gradients.items() if k.startswith(("dW", "db"))]
    )
    rejects(check_gradient_check_n, _with_gradient(by_position), words=("not in θ's order",))


def test_gradient_check_n_names_gradients_looked_up_without_their_d():
    without_d = lambda gradients, layout: np.concatenate(  # noqa: E731
        [gradients[name].reshape(-1) for name in layout.names]
    )
    message = rejects(
        check_gradient_check_n, _with_gradient(without_d), words=("gradients['W1']", "'dW1'")
    )
    assert "KeyError" not in message


def test_gradient_check_n_names_a_tuple_returned():
    def with_gradapprox(cost, parameters, gradients, epsilon=1e-7):
        return gradient_check_n(cost, parameters, gradients, epsilon), np.zeros(3)

    message = rejects(check_gradient_check_n, with_gradapprox, words=("tuple of 2 values",))
    assert "ValueError" not in message


def test_gradient_check_n_unknown_mistake_gets_the_formulas():
    def off_by_a_bit(cost, parameters, gradients, epsilon=1e-7):
        return gradient_check_n(cost, parameters, gradients, epsilon) + 0.01

    rejects(check_gradient_check_n, off_by_a_bit, words=("θ⁺ = θ + ε·e_i", "On a correct"))


# --- Exercise 4.2: the buggy parameters, read from a report -------------------------------


def find_buggy_parameters(report):
    """The solution of notebooks/solutions/04_checking_a_network.ipynb."""
    return {name for name, d in report.by_parameter.items() if d > THRESHOLDS[Verdict.ERROR]}


def test_buggy_parameters_accepts_the_solution():
    message = check_buggy_parameters(find_buggy_parameters)
    assert "✓ Exercise 4.2" in message
    assert "dW2 is 2.00× too large (fix layer 2)" in message
    assert "db1 is 4.00× too large (fix layer 1)" in message


def test_buggy_parameters_accepts_gradient_names():
    answer = lambda report: {"d" + name for name in find_buggy_parameters(report)}  # noqa: E731
    assert "✓" in check_buggy_parameters(answer)


def test_buggy_parameters_rejects_the_stub():
    with pytest.raises(NotImplementedError, match="Exercise"):
        check_buggy_parameters(stub)


def test_buggy_parameters_refuses_the_names_printed_above():
    """The assignment's answer, copied from the notebook, fails on the networks it never shows."""
    message = rejects(
        check_buggy_parameters,
        lambda report: {"W2", "b1"},
        words=("a network you have not seen", "not buggy"),
    )
    assert "the assignment's network" not in message


@pytest.mark.parametrize("placeholder", [set(), ..., 3, {"W2", "b1"}])
def test_buggy_parameters_rejects_placeholders(placeholder):
    with pytest.raises(ExerciseError):
        check_buggy_parameters(placeholder)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            lambda r: {max(r.by_parameter, key=r.by_parameter.get)},
            ("leaves out W2", "not only the worst one"),
        ),
        (
            lambda r: {n for n, d in r.by_parameter.items() if d > 1e-8},
            ("W1, b2, W3 and b3", "rounding"),
        ),
        (lambda r: find_buggy_parameters(r) | {"dZ1"}, ("'dZ1' is not a parameter",)),
        (lambda r: "W2, b1", ("single string 'W2, b1'", "{'W2', 'b1'}")),
        (lambda r: None, ("returned None", "return")),
        (lambda r: {2}, ("as strings",)),
        (lambda r: dict(r.by_parameter), ("returned a dict",)),
        (lambda r: {"W2", "b1"} & set(r.by_parameter), ("not buggy",)),
    ],
    ids=[
        "worst-only",
        "rounding-level",
        "intermediate",
        "one-string",
        "none",
        "number",
        "dict",
        "copied",
    ],
)
def test_buggy_parameters_names_the_mistake(answer, words):
    rejects(check_buggy_parameters, answer, words=words)


def test_buggy_parameters_string_suggestion_never_echoes_the_string():
    message = rejects(check_buggy_parameters, lambda r: "W2, b1", words=("W2",))
    assert "'W2, b1', ..." not in message and "{'W2, b1'" not in message


def test_buggy_parameters_hidden_cases_match_the_threshold_rule():
    """Each hidden case's answer is what the course's rule reads off its report."""
    from gradcheck_lib.exercises.checking import _buggy_parameter_cases

    cases = _buggy_parameter_cases()
    assert any(not wrong for _, _, wrong in cases)  # a correct network is among them
    for label, report, wrong in cases:
        assert find_buggy_parameters(report) == wrong, label


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


@pytest.mark.parametrize(
    "library_l2",
    [
        cost_function(X, Y, lambd=LAMBD),
        lambda p: compute_cost(forward_propagation(X, p)[0], Y, p, LAMBD),
        lambda p: cost_function(X, Y, lambd=LAMBD)(p),
    ],
    ids=["closure", "compute_cost", "cost_function"],
)
def test_regularized_cost_refuses_the_librarys_l2_term(library_l2):
    rejects(
        check_regularized_cost, library_l2, X, Y, LAMBD, words=("library did the work", "L2 term")
    )


def test_regularized_cost_may_use_the_librarys_cross_entropy():
    """compute_cost without lambd, or cost_function(X, Y), is the part the exercise gives."""

    def answer(parameters):
        penalty = np.sum(parameters["W1"] ** 2) + np.sum(parameters["W2"] ** 2)
        return cost_function(X, Y)(parameters) + LAMBD / (2 * M) * penalty

    assert "✓" in check_regularized_cost(answer, X, Y, LAMBD)


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


# --- Exercise 6.2: spot checks of big networks within a budget ----------------------------


def spot_check(cost, parameters, gradients, budget):
    """The solution of notebooks/solutions/06_in_practice.ipynb."""
    directions = max(1, (budget - 4) // (2 * len(parameters)))
    return gradient_check(cost, parameters, gradients, mode="directional", directions=directions)


def test_spot_check_accepts_the_solution():
    message = check_spot_check(spot_check)
    assert "✓ Exercise 6.2" in message and "60, 24, 14" in message


def test_spot_check_accepts_a_sample_mode_sized_by_the_budget():
    def by_samples(cost, parameters, gradients, budget):
        samples = max(1, (budget - 4) // (2 * len(parameters)))
        return gradient_check(cost, parameters, gradients, mode="sample", samples=samples)

    assert "✓" in check_spot_check(by_samples)


def test_spot_check_rejects_the_stub():
    with pytest.raises(NotImplementedError, match="Exercise"):
        check_spot_check(stub)


BIG = init_parameters(n_h=50, seed=0)
_, BIG_CACHE = forward_propagation(X, BIG)
DEMO_GRADIENTS = backward_propagation(X, Y, BIG_CACHE, BIG, bugs=[CATALOG["dW2_doubled"]])


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (
            lambda c, p, g, b: gradient_check(c, p, g, mode="directional", directions=7),
            ("budget of 24", "called the cost 60 times", "2 × arrays × directions"),
        ),
        (
            lambda c, p, g, b: gradient_check(c, p, g, mode="directional"),
            ("only 20 times", "half of the budget"),
        ),
        (
            lambda c, p, g, b: gradient_check(c, p, g, mode="sample", samples=1),
            ("called the cost only", "half of the budget"),
        ),
        (lambda c, p, g, b: spot_check(c, p, g, b).difference, ("return the whole report",)),
        (lambda c, p, g, b: None, ("returned None",)),
        (
            lambda c, p, g, b: gradient_check(
                c, p, g, mode="directional", directions=(b - 4) // 8, epsilon=1e-2
            ),
            ("ε = 0.01 is large",),
        ),
        (
            lambda c, p, g, b: gradient_check(
                cost_function(X, Y), BIG, DEMO_GRADIENTS, mode="directional", directions=7
            ),
            ("checks a network of 201 parameters", "buggy_gradients"),
        ),
        (
            lambda c, p, g, b: spot_check(
                c,
                p,
                {k: v for k, v in g.items() if k not in ("dW1", "db1")}
                | {"dW1": spot_case_correct(p)["dW1"], "db1": spot_case_correct(p)["db1"]},
                b,
            ),
            ("your check passed", "bug in W1 and b1"),
        ),
    ],
    ids=[
        "too-dear",
        "default-too-cheap",
        "too-cheap",
        "difference",
        "none",
        "large-epsilon",
        "demo",
        "missed",
    ],
)
def test_spot_check_names_the_mistake(answer, words):
    rejects(check_spot_check, answer, words=words)


def spot_case_correct(parameters):
    """The correct gradients of the first hidden case (its bug, tanh', is in W1 and b1)."""
    X1, Y1 = make_dataset(m=200, seed=1)
    _, cache = forward_propagation(X1, parameters)
    return backward_propagation(X1, Y1, cache, parameters)


def test_spot_check_counts_the_calls_itself():
    """A report whose evaluations were under-reported cannot pass: the checker counts."""
    import dataclasses

    def under_reported(cost, parameters, gradients, budget):
        report = gradient_check(cost, parameters, gradients, mode="directional", directions=7)
        return dataclasses.replace(report, evaluations=budget)

    rejects(check_spot_check, under_reported, words=("budget of 24", "called the cost"))


# --- Exercises 5.1 and 5.2: functions the checkers run themselves ---------------------------


def find_quiet_bugs(settings):
    """The solution of notebooks/solutions/05_bug_hunt_lab.ipynb (lab.bug_boxes = the catalog)."""
    from gradcheck_lib.bugs import check_network

    quiet = (Verdict.WARNING, Verdict.ERROR)
    return [name for name in CATALOG if check_network(settings, bugs=[name]).verdict in quiet]


def test_quiet_bugs_accepts_the_solution_function():
    from gradcheck_lib.exercises import check_quiet_bugs

    message = check_quiet_bugs(find_quiet_bugs)
    assert "✓ Exercise 5.1" in message and "λ = 3" in message


def test_quiet_bugs_hidden_settings_have_other_answers():
    """Copying the defaults' answer must fail: each hidden setting has its own quiet set."""
    from gradcheck_lib.exercises import QUIET_BUG_SETTINGS

    answers = [frozenset(find_quiet_bugs(s)) for s in QUIET_BUG_SETTINGS.values()]
    assert len(set(answers)) == len(answers)


def test_quiet_bugs_refuses_the_defaults_copied():
    from gradcheck_lib.exercises import check_quiet_bugs
    from gradcheck_lib.network import DEFAULT_SETTINGS

    copied = find_quiet_bugs(DEFAULT_SETTINGS)
    rejects(
        check_quiet_bugs, lambda settings: copied, words=("under a strong L2 term", "not quiet")
    )


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda settings: None, ("forget to `return`",)),
        (lambda settings: "db1_regularized", ("list of bug names",)),
        (stub, ()),
    ],
    ids=["none", "string", "stub"],
)
def test_quiet_bugs_names_what_the_function_returned(answer, words):
    from gradcheck_lib.exercises import check_quiet_bugs

    if answer is stub:
        with pytest.raises(NotImplementedError):
            check_quiet_bugs(answer)
    else:
        rejects(check_quiet_bugs, answer, words=words)


def excellent_window():
    from gradcheck_lib.bugs import check_network

    steps = [10 ** (k / 10) for k in range(-100, -9)]
    excellent = [epsilon for epsilon in steps if check_network(epsilon=epsilon).passed]
    return min(excellent), max(excellent)


def test_excellent_window_accepts_the_function():
    from gradcheck_lib.exercises import check_excellent_window

    assert "✓ Exercise 5.2" in check_excellent_window(excellent_window)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda: None, ("returned None", "`return`")),
        (lambda: 1e-8, ("returned one number", "return smallest, largest")),
        (lambda: (1e-8, 1e-5, 1e-3), ("return two numbers",)),
    ],
    ids=["forgotten-return", "one-number", "three-numbers"],
)
def test_excellent_window_names_what_the_function_returned(answer, words):
    from gradcheck_lib.exercises import check_excellent_window

    message = rejects(check_excellent_window, answer, words=words)
    assert "TypeError" not in message


# --- hints ---------------------------------------------------------------------------------


def test_every_hint_set_has_two_or_three_hints_and_renders_collapsed():
    from gradcheck_lib.exercises import HINTS, hints_markdown

    for number, hints in HINTS.items():
        assert 2 <= len(hints) <= 3, number
        markdown = hints_markdown(number)
        assert markdown.count("<details>") == len(hints) == markdown.count("</details>")
        assert "almost the answer" in markdown
        assert "BEGIN SOLUTION" not in markdown


def test_hints_for_an_unknown_exercise_name_the_known_ones():
    from gradcheck_lib.exercises import hints_markdown

    with pytest.raises(KeyError, match="4.1"):
        hints_markdown("9.9")
