"""Tests of the bug catalog: every bug is realistic, shape-preserving, caught and localized."""

from __future__ import annotations

import dataclasses
import inspect

import numpy as np
import pytest

from gradcheck_lib import network as net
from gradcheck_lib.bugs import (
    CATALOG,
    CORRECT_LINES,
    DROPOUT_KEEP_PROB,
    Bug,
    check_network,
    resolve_bugs,
    settings_for,
)
from gradcheck_lib.network import (
    BACKWARD_LINES,
    DEFAULT_SETTINGS,
    backward_propagation,
    forward_propagation,
    init_parameters,
    make_dataset,
)

BUGS = list(CATALOG.values())
PARAMETER_NAMES = ("W1", "b1", "W2", "b2")
BAND_EDGES = (1e-7, 1e-4, 1e-3)

#: The mistakes the issue asks for, each mapped to the catalog entry that makes it.
REQUIRED = {
    "dW2 doubled": "dW2_doubled",
    "db1 with 4/m": "db1_four_over_m",
    "a missing 1/m": "db2_missing_one_over_m",
    "dividing by m-1": "dW1_divided_by_m_minus_1",
    "a sign flip": "dZ2_sign_flipped",
    "tanh' from Z instead of A": "tanh_prime_from_Z1",
    "sigmoid' in place of tanh'": "sigmoid_prime_for_tanh",
    "regularization gradient forgotten": "dW1_regularization_forgotten",
    "regularization on the biases": "db1_regularized",
    "lambd/(2m) instead of lambd/m": "dW2_half_regularization",
    "dropout mask not applied in backward": "dropout_mask_not_applied",
    "cached activation from the wrong layer": "dZ1_from_wrong_layer",
}


@pytest.fixture(scope="module")
def reports():
    return {name: check_network(bugs=[name]) for name in CATALOG}


def gradients_with(bugs, settings=DEFAULT_SETTINGS):
    settings = settings_for(bugs, settings)
    X, Y = make_dataset(settings.m, settings.seed)
    parameters = init_parameters(n_h=settings.hidden, seed=settings.seed)
    _, cache = forward_propagation(
        X, parameters, settings.activation, settings.keep_prob, settings.dropout_seed
    )
    return backward_propagation(
        X, Y, cache, parameters, lambd=settings.lambd, bugs=resolve_bugs(bugs)
    )


# ---------------------------------------------------------------- the catalog's form


def test_catalog_has_at_least_12_bugs_keyed_by_name():
    assert len(CATALOG) >= 12
    assert all(isinstance(bug, Bug) and key == bug.name for key, bug in CATALOG.items())


@pytest.mark.parametrize("mistake", sorted(REQUIRED))
def test_catalog_holds_every_mistake_the_issue_lists(mistake):
    assert REQUIRED[mistake] in CATALOG


@pytest.mark.parametrize("bug", BUGS, ids=list(CATALOG))
def test_bug_fields_are_filled_in(bug):
    assert bug.title and len(bug.title) <= 45  # a checkbox label
    assert bug.hint.strip() and bug.hint.rstrip().endswith((".", "?", ")"))
    assert bug.affects and set(bug.affects) <= set(PARAMETER_NAMES)
    assert bug.activation in (None, *net.ACTIVATIONS)
    with pytest.raises(dataclasses.FrozenInstanceError):
        bug.title = "changed"  # type: ignore[misc]


def test_titles_are_unique():
    titles = [bug.title for bug in BUGS]
    assert len(set(titles)) == len(titles)


@pytest.mark.parametrize("bug", BUGS, ids=list(CATALOG))
def test_bug_line_names_a_real_backward_statement(bug):
    """A bug replaces one named line: its wrong and right code assign that same variable."""
    assert bug.replaces in BACKWARD_LINES
    assert bug.line.split("=", 1)[0].strip() == bug.replaces
    assert bug.correct.split("=", 1)[0].strip() == bug.replaces
    assert bug.line.replace(" ", "") != bug.correct.replace(" ", "")


def test_correct_lines_cover_every_backward_line_in_order():
    assert list(CORRECT_LINES) == list(BACKWARD_LINES)
    for name, code in CORRECT_LINES.items():
        assert code.startswith(f"{name} = ")


def test_network_knows_no_bug_by_name():
    """Bugs are data applied in one place: network.py never branches on a bug's name."""
    source = inspect.getsource(net)
    for name in CATALOG:
        assert name not in source, name


# ---------------------------------------------------------------- every bug, one by one


@pytest.mark.parametrize("bug", BUGS, ids=list(CATALOG))
def test_bug_keeps_every_gradient_shape(bug):
    settings = settings_for([bug])
    correct = gradients_with([], settings)
    buggy = gradients_with([bug], settings)
    assert buggy.keys() == correct.keys()
    for key in correct:
        assert buggy[key].shape == correct[key].shape, key
        assert buggy[key].dtype == np.float64, key


@pytest.mark.parametrize("bug", BUGS, ids=list(CATALOG))
def test_bug_corrupts_exactly_the_parameters_it_affects(bug):
    settings = settings_for([bug])
    correct = gradients_with([], settings)
    buggy = gradients_with([bug], settings)
    changed = {
        name
        for name in PARAMETER_NAMES
        if not np.allclose(buggy["d" + name], correct["d" + name], rtol=1e-12, atol=0)
    }
    assert changed == set(bug.affects)


@pytest.mark.parametrize("bug", BUGS, ids=list(CATALOG))
def test_bug_is_caught_at_default_settings(bug, reports):
    report = reports[bug.name]
    assert report.verdict != "excellent", str(report)
    assert not report.passed
    assert not report.rounding_noise  # a real bug, not noise


@pytest.mark.parametrize("bug", BUGS, ids=list(CATALOG))
def test_bug_is_localized_to_a_parameter_it_affects(bug, reports):
    by_parameter = reports[bug.name].by_parameter
    worst = max(by_parameter, key=by_parameter.get)
    assert worst in bug.affects, by_parameter
    for name in set(PARAMETER_NAMES) - set(bug.affects):
        assert by_parameter[name] <= 1e-7, (name, by_parameter)


@pytest.mark.parametrize("bug", BUGS, ids=list(CATALOG))
def test_bug_sits_clear_of_every_band_edge(bug, reports):
    """No knife edges: each difference is at least 1.5x away from 1e-7, 1e-4 and 1e-3."""
    difference = reports[bug.name].difference
    for edge in BAND_EDGES:
        assert not edge / 1.5 < difference < edge * 1.5, (difference, edge)


def test_catalog_reaches_every_failing_band(reports):
    verdicts = {report.verdict.value for report in reports.values()}
    assert {"warning", "error", "critical"} <= verdicts


def test_switching_a_bug_off_returns_to_excellent():
    for name in CATALOG:
        assert check_network(bugs=[name]).verdict != "excellent"
        assert check_network(bugs=[]).verdict == "excellent"


def test_two_bugs_on_different_lines_combine():
    report = check_network(bugs=["dW2_doubled", "db1_four_over_m"])
    assert report.by_parameter["W2"] > 1e-3 and report.by_parameter["b1"] > 1e-3
    assert report.by_parameter["W1"] <= 1e-7


def test_regularization_bugs_vanish_without_lambd():
    """The regularization bugs live in the L2 term: with lambd = 0 they disappear."""
    no_l2 = dataclasses.replace(DEFAULT_SETTINGS, lambd=0.0)
    for name in ("dW1_regularization_forgotten", "dW2_half_regularization", "db1_regularized"):
        assert check_network(no_l2, bugs=[name]).verdict == "excellent", name


def test_half_regularization_gap_grows_with_lambd():
    differences = [
        check_network(
            dataclasses.replace(DEFAULT_SETTINGS, lambd=lambd), ["dW2_half_regularization"]
        ).difference
        for lambd in (0.01, 0.1, 1.0)
    ]
    assert differences[0] < differences[1] < differences[2]


# ---------------------------------------------------------------- settings a bug needs


def test_dropout_bug_switches_dropout_on_with_a_fixed_mask():
    settings = settings_for(["dropout_mask_not_applied"])
    assert settings.keep_prob == DROPOUT_KEEP_PROB < 1
    assert isinstance(settings.dropout_seed, int)
    no_seed = dataclasses.replace(DEFAULT_SETTINGS, dropout_seed=None)
    assert isinstance(settings_for(["dropout_not_rescaled"], no_seed).dropout_seed, int)


def test_dropout_bug_keeps_the_dropout_already_on():
    mine = dataclasses.replace(DEFAULT_SETTINGS, keep_prob=0.5, dropout_seed=9)
    assert settings_for(["dropout_mask_not_applied"], mine) == mine


def test_tanh_bug_switches_a_relu_network_to_tanh():
    relu = dataclasses.replace(DEFAULT_SETTINGS, activation="relu")
    assert settings_for(["tanh_prime_from_Z1"], relu).activation == "tanh"
    assert settings_for(["dW2_doubled"], relu) == relu
    assert check_network(relu, ["sigmoid_prime_for_tanh"]).verdict != "excellent"


def test_bugs_without_needs_leave_settings_alone():
    for bug in BUGS:
        if bug.activation is None and not bug.needs_dropout:
            assert settings_for([bug]) == DEFAULT_SETTINGS, bug.name


def test_unknown_bug_name_is_refused_with_the_catalog():
    with pytest.raises(KeyError, match="no bug named 'dW3_doubled'"):
        check_network(bugs=["dW3_doubled"])
    assert resolve_bugs(["dW2_doubled", CATALOG["db1_regularized"]]) == (
        CATALOG["dW2_doubled"],
        CATALOG["db1_regularized"],
    )
