"""Held-out judge of issues 10 and 12: outside-style models and layers (tests/outside/).

Every correct model and layer gets a clean report; every planted bug is caught and the arrays in
report.diagnosis are exactly the arrays the bug corrupts; budgets hold; an ε sweep blames nothing.
"""

import numpy as np
import pytest
from outside import cs231n_layers as L
from outside.cases import LAYER_BUGS, LAYERS, MODEL_BUGS, MODELS

from gradcheck_lib import check_layer, gradient_check
from gradcheck_lib.lab import diagnosis_text, verdict_html

#: Words that send a learner hunting for a bug; a report on correct code never says them.
BLAME = ("look for", "a term is wrong", "is wrong", "probably a bug", "used in the cost?",
         "looks transposed", "wrong sign", "× too", "% too", "never computed",
         "disagree by more than rounding", "disagree beyond")  # fmt: skip
CAUSE_WORDS = ("rounding", "truncation", "step", "kink", "zero", "resolve")


def check_model(case, bugs=frozenset(), **kwargs):
    grads = case.gradients(bugs)
    return gradient_check(case.cost, case.parameters, grads, **kwargs)


def layer_report(case, bugs=frozenset(), **kwargs):
    forward, backward = case.functions(bugs)
    return check_layer(forward, backward, case.inputs(), upstream=case.upstream(), **kwargs)


def assert_clean(report):
    texts = [report.meaning(), *report.advice(), str(report), verdict_html(report)]
    assert not report.diagnosis, f"a correct backward is blamed: {report.diagnosis}"
    for text in texts:
        for word in BLAME:
            assert word not in text, f"{word!r} in {text!r}"
    for name, d in report.by_parameter.items():
        if d > 1e-7:
            assert name in report.explanations, f"{name} at {d:.1e} is not explained"
    if not report.passed:
        assert report.causes, "a non-excellent figure without a cause"
        assert any(w in report.meaning() for w in CAUSE_WORDS), report.meaning()
        assert any(w in " ".join(report.advice()) for w in CAUSE_WORDS), report.advice()
    assert diagnosis_text(report).startswith("Nothing to fix"), diagnosis_text(report)


@pytest.mark.parametrize("name", MODELS)
def test_correct_model_gets_a_clean_report(name):
    assert_clean(check_model(MODELS[name]()))


@pytest.mark.parametrize(("name", "bug"), MODEL_BUGS, ids=[f"{m}-{b}" for m, b in MODEL_BUGS])
def test_planted_bug_is_caught_and_localized_exactly(name, bug):
    case = MODELS[name]()
    expected = case.corrupted_by(bug)
    assert expected, "the planted bug must corrupt some array (test precondition)"
    report = check_model(case, frozenset([bug]))
    assert not report.passed
    assert set(report.diagnosis) == expected, (
        f"diagnosis {sorted(report.diagnosis)} != corrupted {sorted(expected)}; "
        f"by_parameter { ({k: f'{v:.1e}' for k, v in report.by_parameter.items()}) }"
    )
    first = max(report.diagnosis, key=report.by_parameter.get)
    assert f"d{first}" in diagnosis_text(report)
    assert "Nothing to fix" not in verdict_html(report) + diagnosis_text(report)


@pytest.mark.parametrize("name", LAYERS)
def test_correct_layer_gets_a_clean_report(name):
    assert_clean(layer_report(LAYERS[name]))


@pytest.mark.parametrize(("name", "bug"), LAYER_BUGS, ids=[f"{m}-{b}" for m, b in LAYER_BUGS])
def test_planted_layer_bug_is_caught_and_localized_exactly(name, bug):
    case = LAYERS[name]
    expected = case.corrupted_by(bug, case.upstream())
    assert expected
    report = layer_report(case, frozenset([bug]))
    assert not report.passed
    assert set(report.diagnosis) == expected, (sorted(report.diagnosis), sorted(expected))


class Counted:
    def __init__(self, cost):
        self.cost, self.calls = cost, 0

    def __call__(self, parameters):
        self.calls += 1
        return self.cost(parameters)


BUDGET_CASES = [(m, None) for m in MODELS] + MODEL_BUGS


@pytest.mark.parametrize(("name", "bug"), BUDGET_CASES, ids=[f"{m}-{b}" for m, b in BUDGET_CASES])
def test_budgets(name, bug):
    case = MODELS[name]()
    bugs = frozenset([bug] if bug else [])
    grads = case.gradients(bugs)
    n = sum(a.size for a in case.parameters.values())
    arrays = sum(1 for a in case.parameters.values() if a.size)
    counted = Counted(case.cost)
    report = gradient_check(counted, case.parameters, grads)
    assert report.evaluations == counted.calls
    assert counted.calls <= 2 * n + 4 + (0 if report.passed else 256)
    for directions in (1, 3):
        counted = Counted(case.cost)
        report = gradient_check(
            counted, case.parameters, grads, mode="directional", directions=directions
        )
        assert report.evaluations == counted.calls
        assert counted.calls <= 2 * arrays * directions + 4
        if bug:
            assert not report.passed


SWEEP = np.logspace(-10, -1, 10)


@pytest.mark.parametrize("name", MODELS)
def test_epsilon_sweep_blames_no_correct_model(name):
    case = MODELS[name]()
    grads = case.gradients(L.NO_BUGS)
    failures = []
    for epsilon in SWEEP:
        report = gradient_check(case.cost, case.parameters, grads, epsilon=float(epsilon))
        try:
            assert_clean(report)
        except AssertionError as error:
            failures.append(f"ε={epsilon:.0e}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("name", LAYERS)
def test_epsilon_sweep_blames_no_correct_layer(name):
    failures = []
    for epsilon in SWEEP:
        try:
            assert_clean(layer_report(LAYERS[name], epsilon=float(epsilon)))
        except AssertionError as error:
            failures.append(f"ε={epsilon:.0e}: {error}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("name", "bug"), MODEL_BUGS[::5], ids=[f"{m}-{b}" for m, b in MODEL_BUGS[::5]]
)
def test_negative_control_assert_clean_rejects_a_buggy_report(name, bug):
    with pytest.raises(AssertionError):
        assert_clean(check_model(MODELS[name](), frozenset([bug])))


@pytest.mark.parametrize(("name", "bug"), MODEL_BUGS, ids=[f"{m}-{b}" for m, b in MODEL_BUGS])
def test_planted_bug_is_localized_in_directional_mode(name, bug):
    """Directional mode localizes to arrays too: it may miss an array, never blame a clean one."""
    case = MODELS[name]()
    expected = case.corrupted_by(bug)
    report = check_model(case, frozenset([bug]), mode="directional", directions=3)
    assert not report.passed
    assert report.diagnosis and set(report.diagnosis) <= expected, sorted(report.diagnosis)
