"""The V curve: the error model's estimates follow the measured sweep, and the figure keeps
its guides, marker, label and legend apart."""

import numpy as np
import pytest
from matplotlib.transforms import Bbox

from gradcheck_lib import assignment, epsilon_sweep, plots
from gradcheck_lib.bugs import _problem
from gradcheck_lib.check import error_estimates
from gradcheck_lib.network import (
    DEFAULT_SETTINGS,
    backward_propagation,
    cost_function,
    forward_propagation,
)

STEPS = np.logspace(-10, -1, 10)


def reference():
    s = DEFAULT_SETTINGS
    X, Y, cached = _problem(s.m, s.hidden, s.seed)
    p = {k: v.copy() for k, v in cached.items()}
    _, cache = forward_propagation(X, p, s.activation)
    g = backward_propagation(X, Y, cache, p, lambd=s.lambd)
    return cost_function(X, Y, lambd=s.lambd), p, g


def assignment_network():
    X, Y, p = assignment.gradient_check_n_test_case()
    _, cache = assignment.forward_propagation_n(X, Y, p)
    return (
        assignment.cost_function_n(X, Y),
        p,
        assignment.backward_propagation_n(X, Y, cache, fixed=True),
    )


@pytest.mark.parametrize("build", [reference, assignment_network], ids=["reference", "assignment"])
def test_estimates_follow_the_measured_v_curve(build):
    cost, p, g = build()
    measured = epsilon_sweep(cost, p, g, STEPS)
    parts = error_estimates(cost, p, g, STEPS)
    forecast = parts["rounding"] + parts["truncation"]
    smooth = STEPS <= 1e-2  # at 0.1 the assignment's ReLU kinks add to truncation
    ratio = measured[smooth] / forecast[smooth]
    assert np.all((ratio > 1 / 5) & (ratio < 5)), ratio
    assert np.argmin(forecast) in range(np.argmin(measured) - 2, np.argmin(measured) + 3)


def figure_parts(reference_slopes, mark=1e-7):
    steps = np.logspace(-13, -1, 25)
    errors = {"a": steps**2 + 1e-16 / steps, "b": steps + 1e-16 / steps}
    figure = plots.epsilon_sweep_figure(
        steps, errors, reference_slopes=reference_slopes, mark_epsilon=mark
    )
    return figure, figure.axes[0]


def guide_styles(axis):
    return {
        line.get_label().split(":")[0]: (line.get_linestyle(), str(line._unscaled_dash_pattern))
        for line in axis.get_lines()
        if line.get_label().startswith("slope")
    }


def test_guide_styles_are_the_same_in_every_figure_and_never_dotted():
    _, first = figure_parts((1, 2, -1))
    _, second = figure_parts((2, -1))
    styles, again = guide_styles(first), guide_styles(second)
    assert styles["slope 2"] == again["slope 2"] and styles["slope -1"] == again["slope -1"]
    assert len(set(styles.values())) == 3
    marker = [line for line in first.get_lines() if line.get_label().startswith("_")]
    dotted = {line.get_linestyle() for line in marker}
    assert ":" in dotted and ":" not in {style for style, _ in styles.values()}


def test_the_epsilon_label_is_not_crossed_by_a_guide():
    figure, axis = figure_parts((1, 2, -1))
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    label = next(t for t in axis.texts if "ε = 1e-7" in t.get_text())
    box = label.get_window_extent(renderer)
    for line in axis.get_lines():
        if line.get_label().startswith("slope"):
            points = axis.transData.transform(line.get_xydata())
            inside = [Bbox.from_extents(*box.extents).contains(*pt) for pt in points]
            segments = line.get_path().transformed(axis.transData)
            assert not any(inside)
            assert not segments.intersects_bbox(box), line.get_label()


def test_the_legend_stays_out_of_the_plot():
    figure, axis = figure_parts((1, 2, -1))
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    legend = axis.get_legend().get_window_extent(renderer)
    plot = axis.get_window_extent(renderer)
    assert legend.y1 <= plot.y0  # below the axes, not over the top third


def test_estimates_are_drawn_and_checked():
    steps = np.logspace(-8, -2, 7)
    figure = plots.epsilon_sweep_figure(
        steps, {"d": steps}, estimates={"rounding": 1e-16 / steps, "truncation": steps**2}
    )
    labels = [line.get_label() for line in figure.axes[0].get_lines()]
    assert "error model: rounding and truncation" in labels
    with pytest.raises(ValueError, match="estimate 'rounding'"):
        plots.epsilon_sweep_figure(steps, {"d": steps}, estimates={"rounding": steps[:3]})
