"""Checkers for notebook 06: Exercise 6.1 (the regularized cost) and 6.2 (a spot check of big
networks within a budget of cost evaluations)."""

from __future__ import annotations

import numpy as np

from .. import bugs as _bugs
from .. import network as _network
from ..check import gradient_check as _gradient_check
from ..compare import worst_first as _worst_first
from ..report import GradCheckReport as _GradCheckReport
from ..vectors import dictionary_to_vector
from ._common import ExerciseError, _answer, _as_number, _names, _returned_none

__all__ = ["check_regularized_cost", "check_spot_check"]

# --- Exercise 6.1: include the L2 term in the cost (notebook 06) ---------------------------


#: The library's cost with its own L2 term: compute_cost, cost_function's closure and both
#: reach network._cost, which adds the penalty only when lambd is not 0.
_LIBRARY_L2 = (_network._cost, lambda arguments: arguments.get("lambd", 0.0) != 0.0)


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
            _answer(
                regularized_cost,
                name,
                given,
                refuse={"L2 term (compute_cost with lambd > 0)": _LIBRARY_L2},
                exercise="that Exercise 6.1 asks you to do (the penalty on W1 and W2)",
            ),
            name,
            "one number, the regularized cost",
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

#: The big networks Exercise 6.2 is checked on: (hidden units, seed, catalog bug, budget). None
#: of them is the notebook's; the budgets go down to one a default call does not fit.
_SPOT_CASES = (
    (250, 1, "tanh_prime_from_Z1", 60),
    (120, 2, "db2_missing_one_over_m", 24),
    (300, 3, "dW2_doubled", 14),
)


def _spot_case(n_h: int, seed: int, bug: str):
    """(cost, parameters, gradients) of a big reference network with one catalog bug."""
    X, Y = _network.make_dataset(m=200, seed=seed)
    parameters = _network.init_parameters(n_h=n_h, seed=seed)
    _, cache = _network.forward_propagation(X, parameters)
    gradients = _network.backward_propagation(X, Y, cache, parameters, bugs=[_bugs.CATALOG[bug]])
    return _network.cost_function(X, Y), parameters, gradients


def _counted(cost):
    """``cost`` and a list whose length counts the calls made to it."""
    calls: list[None] = []

    def counted_cost(parameters):
        calls.append(None)
        return cost(parameters)

    return counted_cost, calls


def check_spot_check(spot_check: object) -> str:
    """Check Exercise 6.2: ``spot_check(cost, parameters, gradients, budget)`` fits the budget.

    The learner's function is run on three big networks the notebook never shows, each with a
    catalog bug, at budgets of 60, 24 and 14 cost evaluations (a full check needs thousands). It
    must return the :class:`~gradcheck_lib.GradCheckReport` of a check that calls the cost at
    most ``budget`` times, keeps a small ε, and catches the bug in the right array.

    Parameters
    ----------
    spot_check : callable
        ``(cost, parameters, gradients, budget) -> GradCheckReport``.

    Returns
    -------
    str
        A confirmation to print.

    Raises
    ------
    ExerciseError
        When it returns no report, checks another network, costs more than the budget, uses a
        large ε, misses the bug or puts it in the wrong array, naming the network and budget.
    NotImplementedError
        From the exercise stub, unchanged.
    """
    name = "spot_check"
    for n_h, seed, bug, budget in _SPOT_CASES:
        cost, parameters, gradients = _spot_case(n_h, seed, bug)
        counted_cost, calls = _counted(cost)
        n = dictionary_to_vector(parameters)[1].size
        where = f"on a network of {n} parameters with a budget of {budget} evaluations"
        report = _answer(spot_check, name, counted_cost, parameters, gradients, budget)
        if report is None:
            raise _returned_none(name)
        if not isinstance(report, _GradCheckReport):
            raise ExerciseError(
                f"your {name} returned a {type(report).__name__}; return the whole report "
                "that gradient_check returns (not only its .difference), so its mode and cost "
                "can be read"
            )
        if report.layout.size != n:
            raise ExerciseError(
                f"{where}, your report checks a network of {report.layout.size} parameters: "
                "check the cost, parameters and gradients that spot_check is given, not the "
                "notebook's big_parameters or buggy_gradients"
            )
        if len(calls) > budget:
            raise ExerciseError(
                f"{where}, your check called the cost {len(calls)} times ({report.mode} mode). "
                f"A full check would make 2n + 2 = {2 * n + 2}. Directional mode makes "
                "2 × arrays × directions evaluations, plus 2 at θ and 2 to re-check a failure: "
                "choose directions (or samples) from the budget you are given"
            )
        if 2 * len(calls) < budget:
            raise ExerciseError(
                f"{where}, your check called the cost only {len(calls)} times: spend at least "
                "half of the budget, since every extra direction (or sample) is another chance "
                "to catch a bug. Work out directions (or samples) from the budget"
            )
        if report.epsilon > 1e-4:
            raise ExerciseError(
                f"{where}, ε = {report.epsilon:g} is large: the central difference's O(ε²) "
                "error would hide small bugs. Keep the default ε = 1e-7."
            )
        affects = _bugs.CATALOG[bug].affects
        if report.passed:
            raise ExerciseError(
                f"{where}, your check passed, but those gradients have a bug in "
                f"{_names(affects)}: did you pass the gradients spot_check is given? If you "
                "did, the check looked at too little: spend more of the budget"
            )
        worst = _worst_first(report.by_parameter)[0]
        if worst not in affects:
            raise ExerciseError(
                f"{where}, your report's worst array is {worst}, but the bug is in "
                f"{_names(affects)}: check every array (sample and directional mode do)"
            )
    budgets = ", ".join(str(budget) for *_, budget in _SPOT_CASES)
    return (
        f"✓ Exercise 6.2: your spot_check caught the bug of {len(_SPOT_CASES)} big networks, "
        f"in the right array, within budgets of {budgets} cost evaluations."
    )
