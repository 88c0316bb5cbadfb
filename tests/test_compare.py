"""Tests of gradcheck_lib.compare: the relative difference, the bands and the verdicts."""

import math
import unicodedata

import numpy as np
import pytest

from gradcheck_lib import THRESHOLDS, Verdict, classify, relative_difference, worst_first


def independent_relative_difference(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖) with Python floats and math.fsum, no numpy."""
    a = [float(v) for v in np.ravel(a)]
    b = [float(v) for v in np.ravel(b)]
    numerator = math.sqrt(math.fsum((x - y) ** 2 for x, y in zip(a, b, strict=True)))
    denominator = math.sqrt(math.fsum(x * x for x in a)) + math.sqrt(math.fsum(y * y for y in b))
    return numerator / denominator


PAIRS = {
    "close": (np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0 + 1e-6])),
    "factor two": (np.array([[2.0, -4.0], [6.0, 0.5]]), np.array([[1.0, -2.0], [3.0, 0.25]])),
    "sign": (np.array([1.0, -2.0]), np.array([-1.0, 2.0])),
    "random": (
        np.random.default_rng(0).standard_normal(50),
        np.random.default_rng(1).standard_normal(50),
    ),
    "one zero": (np.zeros(3), np.array([0.0, 1.0, 0.0])),
}


@pytest.mark.parametrize("pair", list(PAIRS))
def test_formula_matches_independent_computation(pair):
    a, b = PAIRS[pair]
    assert relative_difference(a, b) == pytest.approx(
        independent_relative_difference(a, b), rel=1e-12
    )


def test_known_values():
    assert relative_difference([2.0], [1.0]) == pytest.approx(1 / 3)
    assert relative_difference([1.0, -2.0], [-1.0, 2.0]) == pytest.approx(1.0)
    assert relative_difference(np.zeros(3), [0.0, 5.0, 0.0]) == 1.0
    assert relative_difference([3.0, 4.0], [3.0, 4.0]) == 0.0


def test_both_zero_gives_zero_not_nan():
    d = relative_difference(np.zeros((3, 2)), np.zeros((3, 2)))
    assert d == 0.0
    assert isinstance(d, float)


def test_returns_python_float():
    assert type(relative_difference([1.0, 2.0], [1.0, 2.5])) is float


@pytest.mark.parametrize("pair", list(PAIRS))
def test_symmetric(pair):
    a, b = PAIRS[pair]
    assert relative_difference(a, b) == relative_difference(b, a)


@pytest.mark.parametrize("pair", list(PAIRS))
@pytest.mark.parametrize("scale", [1e6, 1e-6, 3.0])
def test_scale_invariant(pair, scale):
    a, b = PAIRS[pair]
    assert relative_difference(scale * a, scale * b) == pytest.approx(
        relative_difference(a, b), rel=1e-12
    )


def test_absolute_gap_is_not_what_is_measured():
    # A cost ×1e6 makes the absolute gap 1e6 times larger but not the relative difference.
    a, b = PAIRS["close"]
    assert np.linalg.norm(1e6 * a - 1e6 * b) > 0.5
    assert relative_difference(1e6 * a, 1e6 * b) < 1e-6


def test_shapes_must_agree():
    with pytest.raises(ValueError, match="shape"):
        relative_difference(np.zeros(3), np.zeros(4))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_refused(bad):
    with pytest.raises(ValueError, match="NaN or inf"):
        relative_difference([1.0, bad], [1.0, 2.0])
    with pytest.raises(ValueError, match="NaN or inf"):
        relative_difference([1.0, 2.0], [bad, 2.0])


# ------------------------------------------------------------------------------ bands


def above(x):
    return float(np.nextafter(x, np.inf))


@pytest.mark.parametrize(
    ("difference", "verdict"),
    [
        (0.0, "excellent"),
        (1e-12, "excellent"),
        (1e-7, "excellent"),
        (above(1e-7), "warning"),
        (1e-5, "warning"),
        (1e-4, "warning"),
        (above(1e-4), "error"),
        (5e-4, "error"),
        (1e-3, "error"),
        (above(1e-3), "critical"),
        (0.2850931567761623, "critical"),
        (1.0, "critical"),
    ],
)
def test_classify_band_edges(difference, verdict):
    result = classify(difference)
    assert isinstance(result, Verdict)
    assert result == verdict


def test_classify_accepts_numpy_floats():
    assert classify(np.float64(1e-9)) == "excellent"
    assert classify(np.float32(1e-2)) == "critical"


@pytest.mark.parametrize("bad", [-1e-9, float("nan"), float("inf")])
def test_classify_refuses_impossible_differences(bad):
    with pytest.raises(ValueError, match="difference"):
        classify(bad)


def test_classify_refuses_non_numbers():
    with pytest.raises(TypeError, match="difference"):
        classify("1e-7")


def test_thresholds():
    assert THRESHOLDS == {Verdict.EXCELLENT: 1e-7, Verdict.WARNING: 1e-4, Verdict.ERROR: 1e-3}
    assert list(THRESHOLDS.values()) == sorted(THRESHOLDS.values())
    # 1e-4 is the geometric middle of the table's "~1e-5 warning" and "~1e-3 error".
    assert THRESHOLDS[Verdict.WARNING] == pytest.approx(math.sqrt(1e-5 * 1e-3))


# ---------------------------------------------------------------------------- Verdict


def test_verdict_is_a_str():
    for verdict in Verdict:
        assert isinstance(verdict, str)
    assert Verdict.EXCELLENT == "excellent"
    assert Verdict.WARNING == "warning"
    assert Verdict.ERROR == "error"
    assert Verdict.CRITICAL == "critical"
    assert str(Verdict.EXCELLENT) == "excellent"
    assert f"{Verdict.CRITICAL}" == "critical"
    assert f"{Verdict.ERROR:>7}" == "  error"
    assert Verdict("warning") is Verdict.WARNING
    assert [v.value for v in Verdict] == ["excellent", "warning", "error", "critical"]


@pytest.mark.parametrize(
    ("verdict", "symbol"),
    [
        (Verdict.EXCELLENT, "✓"),
        (Verdict.WARNING, "⚠"),
        (Verdict.ERROR, "✗"),
        (Verdict.CRITICAL, "⊗"),
    ],
)
def test_symbol_and_label(verdict, symbol):
    assert verdict.symbol == symbol
    assert symbol in verdict.label
    assert verdict.value in verdict.label
    assert verdict.meaning  # a sentence for the report


def test_symbols_are_distinct():
    assert len({v.symbol for v in Verdict}) == 4


def test_error_and_critical_glyphs_differ_in_shape_not_only_in_weight():
    """✗ and ✘ (BALLOT X, HEAVY BALLOT X) differ only in stroke weight: too close at a glance."""
    names = {
        verdict: unicodedata.name(verdict.symbol).replace("HEAVY ", "").replace("LIGHT ", "")
        for verdict in (Verdict.ERROR, Verdict.CRITICAL)
    }
    assert names[Verdict.ERROR] != names[Verdict.CRITICAL], names


def test_worst_first_breaks_an_exact_tie_by_layout_order():
    assert worst_first({"W1": 0.5, "b1": 1.0, "W2": 1.0, "b2": 0.1}) == ["b1", "W2", "W1", "b2"]
    assert worst_first({"W2": 1.0, "b1": 1.0}) == ["W2", "b1"]


def test_worst_first_treats_a_rounding_level_gap_as_a_tie_and_a_real_gap_as_an_order():
    # b1 = 0.9999999999999999 against b2 = 1.0: the sign flip of dZ2, told apart by rounding only
    near_tie = {"W1": 0.3, "b1": 0.9999999999999999, "W2": 0.3, "b2": 1.0}
    assert worst_first(near_tie) == ["b1", "b2", "W1", "W2"]
    assert worst_first({"b1": 1.0 - 1e-6, "b2": 1.0}) == ["b2", "b1"]
    assert worst_first({"b1": 1.0 - 1e-10, "b2": 1.0}) == ["b1", "b2"]


def test_a_report_names_the_same_worst_array_whichever_way_rounding_splits_a_tie():
    import dataclasses

    from gradcheck_lib.bugs import check_network
    from gradcheck_lib.lab import diagnosis_text

    report = check_network(bugs=["dZ2_sign_flipped"])
    tied = [name for name, d in report.by_parameter.items() if d > 0.5]
    assert len(tied) >= 2, report.by_parameter
    texts = set()
    for bigger in tied:
        by_parameter = dict(report.by_parameter)
        for name in tied:
            by_parameter[name] = 1.0 if name == bigger else 0.9999999999999999
        machine = dataclasses.replace(report, by_parameter=by_parameter)
        assert machine._ranked()[: len(tied)] == tied
        texts.add((diagnosis_text(machine), machine.meaning(), tuple(machine.advice())))
    assert len(texts) == 1, texts
