"""Checkers for notebook 04: Exercise 4.1 (a gradient check written by hand) and 4.2 (naming
the buggy parameters from a report)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import numpy as np

from .. import assignment as _assignment
from .. import bugs as _bugs
from .. import network as _network
from ..check import epsilon_sweep as _epsilon_sweep
from ..check import gradient_check as _gradient_check
from ..report import GradCheckReport as _GradCheckReport
from ..vectors import dictionary_to_vector
from ..vectors import gradients_to_vector as _gradients_to_vector
from ..vectors import vector_to_dictionary as _vector_to_dictionary
from ._common import ExerciseError, _answer, _as_number, _names, _returned_none

__all__ = [
    "GRADIENT_CHECK_MISTAKES",
    "check_gradient_check_n",
    "check_buggy_parameters",
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
    "wrong_sign": (
        "your gradapprox has the wrong sign: (J_minus - J_plus) / (2 * epsilon) is the slope "
        "downhill. The slope is J(θ + ε·e_i) − J(θ − ε·e_i), the right value minus the left "
        "one: (J_plus - J_minus) / (2 * epsilon)"
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
    "l1_norm": (
        "you use the L1 norm (sums of absolute values, or np.linalg.norm(..., 1)); the "
        "course's relative difference uses the Euclidean norm, np.linalg.norm(v), whose bands "
        "the verdict is read from"
    ),
    "gradients_by_position": (
        "you take the gradients in the order the backward pass put them in the dictionary, "
        "not in θ's order: dW1 must line up with W1, db1 with b1, whatever order `gradients` "
        "has. Look each one up by its parameter's name: gradients_to_vector(gradients, layout), "
        "or np.concatenate([gradients['d' + name].reshape(-1) for name in layout.names])"
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
    if mistake == "gradients_by_position":
        grad = np.concatenate(
            [value.reshape(-1) for key, value in gradients.items() if key[1:] in parameters]
        )
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
        elif mistake == "wrong_sign":
            gradapprox[i] = (J_minus - J_plus) / (2 * epsilon)
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
    elif mistake == "l1_norm":
        numerator = np.sum(np.abs(grad - gradapprox))
    else:
        numerator = norm(grad - gradapprox)
    if mistake == "norm_of_sum":
        denominator = norm(grad + gradapprox)
    elif mistake == "squared_norms":
        denominator = np.sum(grad**2) + np.sum(gradapprox**2)
    elif mistake == "no_denominator":
        denominator = 1.0
    elif mistake == "l1_norm":
        denominator = np.sum(np.abs(grad)) + np.sum(np.abs(gradapprox))
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
    cost = _guarded_cost(_network.cost_function(X, Y))
    correct, buggy = _out_of_layout_order(correct), _out_of_layout_order(buggy)
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


def _out_of_layout_order(gradients: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The same gradients, keys in reverse (db2, dW2, ..., dZ1 between them).

    The backward pass fills its dictionary in whatever order it computes things; a check that
    pairs gradients with parameters by position instead of by name must show up as wrong.
    """
    return dict(reversed(list(gradients.items())))


def _guarded_cost(cost: Callable) -> Callable:
    """``cost``, refusing a flat θ with the sentence that says what to do instead."""

    def cost_of_parameters(parameters):
        if isinstance(parameters, np.ndarray):
            raise ExerciseError(
                f"your gradient_check_n called cost with a flat vector of shape "
                f"{parameters.shape}; cost takes the dictionary of parameters. Turn θ back "
                "into one first: cost(vector_to_dictionary(theta_plus, layout))"
            )
        return cost(parameters)

    return cost_of_parameters


def _explain_gradient_check_crash(error: Exception) -> str | None:
    """Name the slip behind a crash of the learner's gradient_check_n, when it is a known one."""
    if isinstance(error, KeyError) and str(error).strip("'\"")[:1] in ("W", "b"):
        name = str(error).strip("'\"")
        return (
            f"your gradient_check_n looked up gradients[{name!r}], but the backward pass names "
            f"the gradient of {name} 'd{name}'. Let gradients_to_vector(gradients, layout) "
            "find each one by name, or look up gradients['d' + name]"
        )
    if isinstance(error, ValueError) and "broadcast" in str(error):
        sizes = " and ".join(re.findall(r"\((\d+),\)", str(error))) or "two sizes"
        return (
            f"your gradient_check_n crashed comparing grad with gradapprox: their lengths "
            f"differ ({sizes}). Did you concatenate every array of `gradients` by position? It "
            "also holds dZ1, dA1, dZ2 (the backward pass keeps them), which are no parameters. "
            "Take the gradient of each parameter by its name, in θ's order: "
            "gradients_to_vector(gradients, layout)"
        )
    return None


#: Library functions that would do Exercise 4.1's work in one call. The learner's own
#: numerical_gradient and relative_difference (Exercises 2.1 and 3.1), or the library's
#: central_difference and relative_difference, are the building blocks it may use.
_WHOLE_CHECKS = {
    "gradient_check": _gradient_check,
    "epsilon_sweep": _epsilon_sweep,
    "check_network": _bugs.check_network,
}


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
        result = _answer(
            gradient_check_n,
            name,
            cost,
            given,
            gradients,
            epsilon,
            explain=_explain_gradient_check_crash,
            refuse=_WHOLE_CHECKS,
            exercise="that Exercise 4.1 asks you to do (perturb θ, compare the gradients)",
        )
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


# --- Exercise 4.2: name the buggy parameters from a report (notebook 04) -----------------


def _assignment_report():
    """The gradient check of the assignment's case with its two planted bugs."""
    X, Y, parameters = _assignment.gradient_check_n_test_case()
    _, cache = _assignment.forward_propagation_n(X, Y, parameters)
    gradients = _assignment.backward_propagation_n(X, Y, cache)
    return _gradient_check(_assignment.cost_function_n(X, Y), parameters, gradients)


#: The reports Exercise 4.2 is checked on, besides the assignment's: the reference network with
#: catalog bugs the notebook never shows (one array, two arrays, every array), and a correct one.
_HIDDEN_BUGS = ("db2_missing_one_over_m", "tanh_prime_from_Z1", "dZ2_sign_flipped", None)


def _buggy_parameter_cases() -> list[tuple[str, _GradCheckReport, set[str]]]:
    """(what it is, report, the parameters whose gradients are wrong)."""
    cases = [("the assignment's network", _assignment_report(), set(_assignment.PLANTED_BUGS))]
    for name in _HIDDEN_BUGS:
        if name is None:
            cases.append(("a correct network", _bugs.check_network(), set()))
        else:
            bug = _bugs.CATALOG[name]
            label = f"a network you have not seen, with the bug '{bug.title}'"
            cases.append((label, _bugs.check_network(bugs=[name]), set(bug.affects)))
    return cases


def _names_from_string(text: str) -> list[str]:
    return [part for part in re.split(r"[\s,;{}'\"]+", text) if part]


def _as_names(answer: object, report: _GradCheckReport, function: str) -> set[str]:
    """The learner's answer as a set of parameter names, or an ExerciseError saying why not."""
    names = list(report.by_parameter)
    example = "{'W1', 'b3'}"
    if answer is None:
        raise _returned_none(function)
    if isinstance(answer, str):
        parts = _names_from_string(answer)
        suggestion = "{" + ", ".join(repr(part) for part in parts) + "}" if parts else example
        raise ExerciseError(
            f"your {function} returned the single string {answer!r}; return a set with one "
            f"string per parameter, such as {suggestion}"
        )
    if isinstance(answer, Mapping) or not hasattr(answer, "__iter__"):
        raise ExerciseError(
            f"your {function} returned a {type(answer).__name__}; return a set of parameter "
            f"names such as {example}"
        )
    result = set()
    for item in answer:
        if not isinstance(item, str):
            raise ExerciseError(
                f"your {function} returned a set holding {item!r}; write parameter names as "
                f"strings, such as {example}"
            )
        name = item[1:] if item.startswith("d") and item[1:] in names else item
        if name not in names:
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
        result.add(name)
    return result


def check_buggy_parameters(find_buggy_parameters: object) -> str:
    """Check Exercise 4.2: ``find_buggy_parameters(report)`` names the arrays a bug corrupts.

    The learner's function reads a :class:`~gradcheck_lib.GradCheckReport` and returns the
    set of parameter names whose gradients are wrong. It is run on the assignment's report,
    which the notebook shows, and on reports of networks the notebook never shows (other
    bugs, and a correct network), so copying names printed above does not pass.

    Parameters
    ----------
    find_buggy_parameters : callable
        ``report -> set of str``; gradient names (``"dW1"``) are accepted too.

    Returns
    -------
    str
        A confirmation to print, saying which layer's backward step to fix in the assignment.

    Raises
    ------
    ExerciseError
        For a string instead of a set, a name that is no parameter, an array whose difference
        is only rounding, or a buggy array left out, naming the report it happened on.
    NotImplementedError
        From the exercise stub, unchanged.
    """
    function = "find_buggy_parameters"
    for label, report, wrong in _buggy_parameter_cases():
        answer = _as_names(_answer(find_buggy_parameters, function, report), report, function)
        by_parameter = report.by_parameter
        innocent = [name for name in by_parameter if name in answer - wrong]
        if innocent:
            details = ", ".join(f"{name} at {by_parameter[name]:.1e}" for name in innocent)
            verb = "is" if len(innocent) == 1 else "are"
            raise ExerciseError(
                f"on {label}, your function names {_names(innocent)}, which {verb} not "
                f"buggy: {details} is what rounding alone gives (excellent, or a warning near "
                "1e-7). A wrong gradient shows as a critical difference, above 1e-3: compare "
                "each entry of report.by_parameter with that edge"
            )
        missing = [name for name in by_parameter if name in wrong - answer]
        if missing:
            details = ", ".join(f"{name} at {by_parameter[name]:.1e}" for name in missing)
            raise ExerciseError(
                f"on {label}, your function leaves out {_names(missing)} ({details}, "
                "critical): return every array whose difference in report.by_parameter is "
                "above 1e-3, not only the worst one"
                + (". A correct network gets the empty set, set()" if not wrong else "")
            )
    report = _assignment_report()
    fixes = " and ".join(
        f"d{name} is {report.scale_factors[name]:.2f}× too large (fix layer {name[1:]})"
        for name in report.by_parameter
        if name in _assignment.PLANTED_BUGS
    )
    return (
        f"✓ Exercise 4.2: your function names the buggy arrays of {len(_HIDDEN_BUGS) + 1} "
        f"reports, a correct network included. In the assignment, {fixes}."
    )
