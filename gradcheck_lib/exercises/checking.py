"""Checkers for notebooks 04 and 06: a hand-written gradient check, naming the buggy
parameters, the regularized cost, and a spot check of a big network."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .. import assignment as _assignment
from .. import bugs as _bugs
from .. import network as _network
from ..check import gradient_check as _gradient_check
from ..report import GradCheckReport as _GradCheckReport
from ..vectors import dictionary_to_vector
from ..vectors import gradients_to_vector as _gradients_to_vector
from ..vectors import vector_to_dictionary as _vector_to_dictionary
from ._common import ExerciseError, _answer, _as_number

__all__ = [
    "GRADIENT_CHECK_MISTAKES",
    "check_gradient_check_n",
    "check_buggy_parameters",
    "check_regularized_cost",
    "check_spot_check",
]

# --- Exercise 4.1: the gradient check, written by hand (notebook 04) ------------------------

#: The slips of a hand-written gradient check that :func:`check_gradient_check_n` recognizes,
#: each with what to tell the learner.
GRADIENT_CHECK_MISTAKES: dict[str, str] = {
    "divided_by_epsilon": (
        "you divide J⁺ − J⁻ by ε, but the two points are 2ε apart: "
        "gradapprox = (J_plus - J_minus) / (2 * epsilon)"
    ),
    "operator_precedence": (
        "(J_plus - J_minus) / 2 * epsilon multiplies by ε instead of dividing: Python reads "
        "a / 2 * b as (a / 2) * b. Write (J_plus - J_minus) / (2 * epsilon)"
    ),
    "one_sided": (
        "you use the one-sided difference (J(θ + ε·e_i) − J(θ)) / ε, whose error is O(ε). "
        "Use the two-sided one, (J(θ + ε·e_i) − J(θ − ε·e_i)) / (2ε), whose error is O(ε²)"
    ),
    "not_restored": (
        "you do not put θ_i back after perturbing it, so every later entry is checked at a "
        "shifted θ. Restore it after computing J_minus, or perturb copies: "
        "theta_plus = np.copy(theta)"
    ),
    "no_copy": (
        "theta_plus = theta (or theta_minus = theta) makes no copy, only a second name for the "
        "same array: subtracting ε from theta_minus[i] undoes the +ε, so J_minus is computed at "
        "θ instead of θ − ε·e_i. Use theta_plus = np.copy(theta), and the same for theta_minus"
    ),
    "cost_at_unperturbed_parameters": (
        "your gradapprox is zero: J_plus and J_minus are computed from the unchanged "
        "parameters. Evaluate the cost at vector_to_dictionary(theta_plus, layout) and "
        "vector_to_dictionary(theta_minus, layout)"
    ),
    "every_entry_moved": (
        "you move every entry of θ at once (theta + epsilon); the central difference for "
        "entry i moves that entry only: theta_plus[i] = theta_plus[i] + epsilon"
    ),
    "epsilon_ignored": (
        "your function ignores its epsilon argument (it gives the same result whatever ε is "
        "passed): use the epsilon parameter, not a number written into the loop"
    ),
    "difference_of_norms": (
        "the numerator must be the norm of the difference, ‖grad − gradapprox‖ "
        "(np.linalg.norm(grad - gradapprox)), not the difference of the norms"
    ),
    "norm_of_sum": (
        "the denominator must be ‖grad‖ + ‖gradapprox‖ (two norms added), not ‖grad + gradapprox‖"
    ),
    "squared_norms": (
        "you use squared norms (sums of squares); the formula uses the norms themselves: "
        "np.linalg.norm(...)"
    ),
    "no_denominator": (
        "you return ‖grad − gradapprox‖ without dividing by ‖grad‖ + ‖gradapprox‖: only the "
        "relative difference can be compared with the thresholds, whatever the scale of the cost"
    ),
}


def _seed_gradient_check(cost, parameters, gradients, epsilon, mistake=None) -> float:
    """The seed's gradient check, with one of :data:`GRADIENT_CHECK_MISTAKES` made on purpose.

    ``mistake=None`` is the correct loop. The checker compares the learner's results with these,
    so that it can name the slip instead of only saying "wrong".
    """
    theta, layout = dictionary_to_vector(parameters)
    grad = _gradients_to_vector(gradients, layout)
    if mistake == "epsilon_ignored":
        epsilon = 1e-7
    J = float(cost(_vector_to_dictionary(theta, layout)))
    gradapprox = np.zeros_like(theta)
    for i in range(theta.size):
        if mistake == "not_restored":
            theta[i] += epsilon
            J_plus = float(cost(_vector_to_dictionary(theta, layout)))
            theta[i] -= 2 * epsilon
            J_minus = float(cost(_vector_to_dictionary(theta, layout)))
        elif mistake == "no_copy":
            theta_plus = theta
            theta_plus[i] += epsilon
            J_plus = float(cost(_vector_to_dictionary(theta_plus, layout)))
            theta_minus = theta
            theta_minus[i] -= epsilon
            J_minus = float(cost(_vector_to_dictionary(theta_minus, layout)))
        elif mistake == "every_entry_moved":
            J_plus = float(cost(_vector_to_dictionary(theta + epsilon, layout)))
            J_minus = float(cost(_vector_to_dictionary(theta - epsilon, layout)))
        elif mistake == "cost_at_unperturbed_parameters":
            J_plus = J_minus = J
        else:
            theta_plus, theta_minus = np.copy(theta), np.copy(theta)
            theta_plus[i] += epsilon
            theta_minus[i] -= epsilon
            J_plus = float(cost(_vector_to_dictionary(theta_plus, layout)))
            J_minus = float(cost(_vector_to_dictionary(theta_minus, layout)))
        if mistake == "one_sided":
            gradapprox[i] = (J_plus - J) / epsilon
        elif mistake == "divided_by_epsilon":
            gradapprox[i] = (J_plus - J_minus) / epsilon
        elif mistake == "operator_precedence":
            gradapprox[i] = (J_plus - J_minus) / 2 * epsilon
        else:
            gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    norm = np.linalg.norm
    if mistake == "difference_of_norms":
        numerator = abs(norm(grad) - norm(gradapprox))
    elif mistake == "squared_norms":
        numerator = np.sum((grad - gradapprox) ** 2)
    else:
        numerator = norm(grad - gradapprox)
    if mistake == "norm_of_sum":
        denominator = norm(grad + gradapprox)
    elif mistake == "squared_norms":
        denominator = np.sum(grad**2) + np.sum(gradapprox**2)
    elif mistake == "no_denominator":
        denominator = 1.0
    else:
        denominator = norm(grad) + norm(gradapprox)
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(numerator) / denominator)


def _gradient_check_cases() -> list[tuple[str, Callable, dict, dict, float]]:
    """The test cases: (what it is, cost, parameters, gradients, epsilon).

    A small reference network (13 parameters), its correct gradients and a catalog bug, at the
    course's ε and at larger ones; and two made-up gradients (all doubled, all negated) that
    tell the normalization slips apart.
    """
    X, Y = _network.make_dataset(m=20, seed=1)
    parameters = _network.init_parameters(n_x=2, n_h=3, seed=1)
    _, cache = _network.forward_propagation(X, parameters)
    correct = _network.backward_propagation(X, Y, cache, parameters)
    buggy = _network.backward_propagation(
        X, Y, cache, parameters, bugs=[_bugs.CATALOG["dW2_doubled"]]
    )
    cost = _network.cost_function(X, Y)
    doubled = {key: 2 * value for key, value in correct.items()}
    negated = {key: -value for key, value in correct.items()}
    return [
        ("a correct network at ε = 1e-7", cost, parameters, correct, 1e-7),
        ("a network whose dW2 is doubled, at ε = 1e-7", cost, parameters, buggy, 1e-7),
        ("a correct network at ε = 1e-2", cost, parameters, correct, 1e-2),
        ("a correct network at ε = 0.1", cost, parameters, correct, 0.1),
        ("gradients all doubled, at ε = 1e-7", cost, parameters, doubled, 1e-7),
        ("gradients all negated, at ε = 1e-7", cost, parameters, negated, 1e-7),
    ]


def _same_difference(a: float, b: float) -> bool:
    """Do two relative differences agree (both at rounding level, or within 0.1%)?"""
    if not (np.isfinite(a) and np.isfinite(b)):
        return bool(np.isnan(a) and np.isnan(b)) or a == b
    if max(abs(a), abs(b)) <= 1e-7:
        return True
    return abs(a - b) <= 1e-3 * max(abs(a), abs(b))


def check_gradient_check_n(gradient_check_n: object) -> str:
    """Check Exercise 4.1: ``gradient_check_n(cost, parameters, gradients, epsilon)``.

    The learner's function is run on six cases (a correct and a buggy network, several ε) and
    compared with the library's :func:`~gradcheck_lib.gradient_check`. When it disagrees, its
    results are compared with those of the slips in :data:`GRADIENT_CHECK_MISTAKES` (dividing
    by ε, a one-sided difference, not restoring θ_i, a wrong norm, ...) to name the mistake.

    Parameters
    ----------
    gradient_check_n : callable
        The learner's function; it must return the relative difference as one number.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        Naming the mistake, the case where it shows, and both numbers.
    NotImplementedError
        From the exercise stub, unchanged.
    """
    name = "gradient_check_n"
    cases = _gradient_check_cases()
    answers = []
    for _, cost, parameters, gradients, epsilon in cases:
        given = {key: value.copy() for key, value in parameters.items()}
        result = _answer(gradient_check_n, name, cost, given, gradients, epsilon)
        for key, value in given.items():
            if not np.array_equal(value, parameters[key]):
                raise ExerciseError(
                    f"your {name} changed the caller's parameter '{key}': perturbing θ in place "
                    "and not putting θ_i back leaves the network moved. Restore each entry after "
                    "computing J_minus, or work on copies (theta_plus = np.copy(theta))."
                )
        answers.append(
            _as_number(
                result,
                name,
                "one number, the relative difference ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)",
            )
        )
    expected = [
        _gradient_check(
            cost, {key: v.copy() for key, v in parameters.items()}, gradients, epsilon=epsilon
        ).difference
        for _, cost, parameters, gradients, epsilon in cases
    ]
    wrong = [
        i
        for i, (a, e) in enumerate(zip(answers, expected, strict=True))
        if not _same_difference(a, e)
    ]
    if not wrong:
        return (
            f"✓ Exercise 4.1: your {name} agrees with the library's gradient_check on "
            f"{len(cases)} cases, among them a correct network and one whose dW2 is doubled."
        )
    first = wrong[0]
    where = (
        f"On {cases[first][0]}, your {name} returns {answers[first]:.3e}, but the library's "
        f"gradient_check gives {expected[first]:.3e}."
    )
    for mistake, advice in GRADIENT_CHECK_MISTAKES.items():
        slipped = [
            _seed_gradient_check(cost, parameters, gradients, epsilon, mistake)
            for _, cost, parameters, gradients, epsilon in cases
        ]
        if all(_same_difference(a, s) for a, s in zip(answers, slipped, strict=True)):
            raise ExerciseError(f"{advice}. {where}")
    raise ExerciseError(
        f"{where} Walk through one entry by hand as in the demo above: θ⁺ = θ + ε·e_i, "
        "θ⁻ = θ − ε·e_i, gradapprox_i = (J(θ⁺) − J(θ⁻)) / (2ε); then difference = "
        "‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)."
    )


# --- Exercise 4.2: name the buggy parameters of the assignment (notebook 04) ---------------


def _assignment_report():
    """The gradient check of the assignment's case with its two planted bugs."""
    X, Y, parameters = _assignment.gradient_check_n_test_case()
    _, cache = _assignment.forward_propagation_n(X, Y, parameters)
    gradients = _assignment.backward_propagation_n(X, Y, cache)
    return _gradient_check(_assignment.cost_function_n(X, Y), parameters, gradients)


def check_buggy_parameters(buggy_parameters: object) -> str:
    """Check Exercise 4.2: the set of parameters whose gradients the assignment gets wrong.

    Parameters
    ----------
    buggy_parameters : set of str
        Parameter names such as ``{"W1", "b3"}``; gradient names (``"dW1"``) are accepted too.

    Returns
    -------
    str
        A confirmation to print, saying which layer's backward step to fix.

    Raises
    ------
    ExerciseError
        For an empty set, a name that is no parameter, an array whose difference is only
        rounding, or a bug left out.
    NotImplementedError
        For ``None``, the placeholder of the learner copy: the exercise is still to do.
    """
    report = _assignment_report()
    by_parameter = report.by_parameter
    names = list(by_parameter)
    planted = set(_assignment.PLANTED_BUGS)
    example = "{'W1', 'b3'}"
    if isinstance(buggy_parameters, str):
        raise ExerciseError(
            f"put the names in a set, e.g. {{'{buggy_parameters}', ...}}, not a single string."
        )
    if buggy_parameters is None:
        raise NotImplementedError(
            "Exercise 4.2: put the names of the parameters with a wrong gradient in the set "
            "buggy_parameters, then run this cell again"
        )
    if not hasattr(buggy_parameters, "__iter__"):
        raise ExerciseError(
            f"buggy_parameters should be a set of parameter names such as {example}, "
            f"not {buggy_parameters!r}."
        )
    answer = set()
    for item in buggy_parameters:
        if not isinstance(item, str):
            raise ExerciseError(
                f"buggy_parameters holds {item!r}; write parameter names as strings, "
                f"such as {example}."
            )
        name = item[1:] if item.startswith("d") and item[1:] in by_parameter else item
        if name not in by_parameter:
            extra = (
                " dZ and dA entries are intermediate values of the backward pass, not "
                "parameters: the check ignores them."
                if item.startswith(("dZ", "dA"))
                else ""
            )
            raise ExerciseError(
                f"'{item}' is not a parameter of this network; its parameters are "
                f"{', '.join(names)}.{extra}"
            )
        answer.add(name)
    if not answer:
        raise ExerciseError(
            "your set is empty: which arrays does report.by_parameter mark critical?"
        )
    innocent = [name for name in names if name in answer - planted]
    if innocent:
        details = ", ".join(f"{name} ({by_parameter[name]:.1e})" for name in innocent)
        verb = "is" if len(innocent) == 1 else "are"
        raise ExerciseError(
            f"{' and '.join(innocent)} {verb} not buggy: {details} sits near 1e-7, which is what "
            "rounding alone gives, and it stays there once the bugs are fixed. A planted bug "
            "shows as a critical difference, above 1e-3."
        )
    missing = planted - answer
    if missing:
        found = " and ".join(name for name in names if name in answer)
        raise ExerciseError(
            f"{found} is right, but the backward pass has {len(planted)} wrong gradients: look "
            "for the other critical array in report.by_parameter or report.worst(5)."
        )
    fixes = " and ".join(
        f"d{name} is {report.scale_factors[name]:.2f}× too large (fix layer {name[1:]})"
        for name in names
        if name in planted
    )
    return f"✓ Exercise 4.2: {fixes}."


# --- Exercise 6.1: include the L2 term in the cost (notebook 06) ---------------------------


def check_regularized_cost(
    regularized_cost: object, X: np.ndarray, Y: np.ndarray, lambd: float
) -> str:
    """Check Exercise 6.1: the cost of the reference network with its L2 term.

    Parameters
    ----------
    regularized_cost : callable
        The learner's ``regularized_cost(parameters) -> float`` on the data ``X``, ``Y``.
    X : ndarray of shape (n_x, m)
    Y : ndarray of shape (1, m)
        The data the learner's cost uses.
    lambd : float
        The L2 strength, the same as the backward pass's.

    Returns
    -------
    str
        A confirmation to print, with the verdict of the gradient check it makes possible.

    Raises
    ------
    ExerciseError
        Naming the slip: no L2 term, λ/m instead of λ/(2m), no 1/m, biases regularized, a
        weight left out, norms instead of squares.
    """
    name = "regularized_cost"
    m = X.shape[1]
    cross_entropy = _network.cost_function(X, Y)
    for seed in (1, 2):
        parameters = _network.init_parameters(n_x=X.shape[0], n_h=4, seed=seed)
        parameters["b1"] = parameters["b1"] + 0.5  # biases far from 0, so regularizing them shows
        parameters["b2"] = parameters["b2"] - 0.3
        given = {key: value.copy() for key, value in parameters.items()}
        got = _as_number(
            _answer(regularized_cost, name, given), name, "one number, the regularized cost"
        )
        for key, value in given.items():
            if not np.array_equal(value, parameters[key]):
                raise ExerciseError(
                    f"your {name} changed parameter '{key}'; a cost only reads them."
                )
        W1, b1, W2, b2 = (parameters[key] for key in ("W1", "b1", "W2", "b2"))
        ce = cross_entropy(parameters)
        squares = np.sum(W1**2) + np.sum(W2**2)
        expected = ce + lambd / (2 * m) * squares
        if np.isclose(got, expected, rtol=1e-9, atol=0.0):
            continue
        slips = [
            (
                ce,
                "your cost has no L2 term: add λ/(2m)·(ΣW1² + ΣW2²), the term whose gradient "
                "λ/m·W the backward pass adds",
            ),
            (
                ce + lambd / m * squares,
                "your L2 term is twice too large: it is λ/(2m)·ΣW², whose "
                "gradient is λ/m·W (the 2 of the square cancels the 1/2)",
            ),
            (
                ce + lambd / 2 * squares,
                "your L2 term lacks the 1/m: the cost is a mean over the m "
                "examples, and so is its penalty, λ/(2m)·ΣW²",
            ),
            (
                ce + lambd / (2 * m) * (squares + np.sum(b1**2) + np.sum(b2**2)),
                "you regularized the biases too: the L2 term sums the weights W1 and W2 only",
            ),
            (ce + lambd / (2 * m) * np.sum(W1**2), "your L2 term leaves out W2"),
            (ce + lambd / (2 * m) * np.sum(W2**2), "your L2 term leaves out W1"),
            (
                ce + lambd / (2 * m) * (np.linalg.norm(W1) + np.linalg.norm(W2)),
                "your L2 term adds the norms ‖W‖; it adds their squares, ΣW² = np.sum(W ** 2)",
            ),
            (
                ce + lambd / (2 * m) * (np.sum(W1) + np.sum(W2)),
                "your L2 term sums the weights themselves; it sums their squares, np.sum(W ** 2)",
            ),
            (ce - lambd / (2 * m) * squares, "you subtract the L2 term; the penalty is added"),
        ]
        for value, advice in slips:
            if np.isclose(got, value, rtol=1e-9, atol=0.0):
                raise ExerciseError(f"{advice}. (Your cost: {got:.6f}; expected: {expected:.6f}.)")
        raise ExerciseError(
            f"your {name} gives {got:.6f}, but cross-entropy plus L2 gives {expected:.6f} "
            f"(cross-entropy alone: {ce:.6f}). The cost is J + λ/(2m)·(ΣW1² + ΣW2²)."
        )
    _, cache = _network.forward_propagation(X, parameters)
    gradients = _network.backward_propagation(X, Y, cache, parameters, lambd=lambd)
    report = _gradient_check(regularized_cost, parameters, gradients)
    return (
        f"✓ Exercise 6.1: your cost includes the L2 term, and the check of the regularized "
        f"backward pass against it says {report.verdict.label}."
    )


# --- Exercise 6.2: spot-check a big network within a budget (notebook 06) ------------------


def check_spot_check(spot_report: object, *, parameter_count: int, budget: int) -> str:
    """Check Exercise 6.2: a cheap check of a big network that still catches its bug.

    Parameters
    ----------
    spot_report : GradCheckReport
        What the learner's call to :func:`~gradcheck_lib.gradient_check` returned.
    parameter_count : int
        n, the number of parameters of the big network (a full check costs 2n + 2).
    budget : int
        The most cost evaluations allowed.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        When it is no report, checks another network, costs more than the budget, uses a large
        ε, or misses the bug.
    NotImplementedError
        For ``None``, the placeholder of the learner copy: the exercise is still to do.
    """
    full = 2 * parameter_count + 2
    if spot_report is None:
        raise NotImplementedError(
            "Exercise 6.2: spot_report is still None; set it to what gradient_check(big_cost, "
            "big_parameters, big_gradients, ...) returns, then run this cell again"
        )
    if not isinstance(spot_report, _GradCheckReport):
        raise ExerciseError(
            f"spot_report is a {type(spot_report).__name__}; keep the whole report that "
            "gradient_check returns (not only its .difference), so its mode and cost can be read."
        )
    if spot_report.layout.size != parameter_count:
        raise ExerciseError(
            f"your report checks a network of {spot_report.layout.size} parameters; check the big "
            f"one, big_parameters, which has {parameter_count}."
        )
    if spot_report.evaluations > budget:
        raise ExerciseError(
            f"your check made {spot_report.evaluations} cost evaluations ({spot_report.mode} "
            f"mode); the budget is {budget}. A full check makes at least 2n + 2 = {full}: pass "
            "mode='sample' or mode='directional', which cost a few evaluations per array "
            "whatever n is."
        )
    if spot_report.epsilon > 1e-4:
        raise ExerciseError(
            f"ε = {spot_report.epsilon:g} is large: the central difference's O(ε²) error would "
            "hide small bugs. Keep the default ε = 1e-7."
        )
    if spot_report.passed:
        raise ExerciseError(
            "your check passed, but big_gradients has a planted bug: did you pass big_gradients? "
            "If you did, your sample missed it: check more entries or directions."
        )
    worst = max(spot_report.by_parameter, key=spot_report.by_parameter.get)
    return (
        f"✓ Exercise 6.2: {spot_report.mode} mode caught the bug with {spot_report.evaluations} "
        f"cost evaluations instead of {full}; the worst array is {worst}."
    )
