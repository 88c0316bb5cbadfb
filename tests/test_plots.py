"""Tests for gradcheck_lib.plots: figures are returned, labelled, and show the data given."""

from __future__ import annotations

import io
import math
import warnings

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from gradcheck_lib import plots
from gradcheck_lib.compare import THRESHOLDS, Verdict

BY_PARAMETER = {"W1": 3.0e-11, "b1": 2.5e-2, "W2": 4.0e-4, "b2": 0.0}


def all_text(figure: Figure) -> str:
    """Every visible string of a figure: titles, axis labels, texts, tick labels, legends."""
    strings = [text.get_text() for text in figure.findobj(matplotlib.text.Text)]
    return "\n".join(s for s in strings if s)


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) in pixels of PNG bytes; fails if they are not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    image = imread(io.BytesIO(data), format="png")
    return image.shape[1], image.shape[0]


def assert_same_picture(fast: np.ndarray, full: np.ndarray) -> None:
    """Equal images, up to a few anti-aliased edge pixels."""
    fast, full = fast[..., :3], full[..., :3]  # live renders are RGB, full renders RGBA
    assert fast.shape == full.shape
    differing = np.any(np.abs(fast - full) > 1 / 255, axis=-1)
    assert differing.mean() < 0.001


@pytest.fixture(autouse=True)
def no_pyplot_figures():
    """No function of plots.py may register a figure with pyplot (nothing global, nothing shown)."""
    import matplotlib.pyplot as plt

    before = set(plt.get_fignums())
    yield
    assert set(plt.get_fignums()) == before


def test_bands_follow_the_thresholds_and_cover_the_axis():
    bands = plots.band_limits()
    assert [verdict for verdict, _, _ in bands] == list(Verdict)
    assert bands[0][1] == plots.AXIS_FLOOR
    assert bands[-1][2] == plots.AXIS_CEILING
    for (_, _, high), (_, low, _) in zip(bands, bands[1:], strict=False):
        assert high == low
    assert [high for _, _, high in bands[:3]] == [THRESHOLDS[v] for v in list(Verdict)[:3]]
    assert len(set(plots.BAND_COLOURS.values())) == 4


@pytest.mark.parametrize("difference", [2e-12, 1.19e-7, 3e-5, 5e-4, 0.3])
def test_ladder_marker_sits_at_the_difference_and_names_its_band(difference):
    figure = plots.threshold_ladder(difference)
    assert isinstance(figure, Figure)
    axis = figure.axes[0]
    assert axis.get_xscale() == "log"
    assert axis.get_xlim() == (plots.AXIS_FLOOR, plots.AXIS_CEILING)
    marker = next(line for line in axis.lines if line.get_marker() == "D")
    assert marker.get_xdata()[0] == pytest.approx(difference)
    text = all_text(figure)
    verdict = plots.classify(difference)
    assert f"d = {difference:.2e}  {verdict.symbol} {verdict.value}" in text


def test_ladder_names_every_band_with_its_symbol_and_labels_its_axis():
    figure = plots.threshold_ladder()
    text = all_text(figure)
    for verdict in Verdict:
        assert f"{verdict.symbol} {verdict.value}" in text
    axis = figure.axes[0]
    assert "relative difference" in axis.get_xlabel()
    assert "log" in axis.get_xlabel()
    assert figure.get_suptitle()
    # The thresholds are tick labels, so the band edges can be read off the axis.
    figure.canvas.draw()
    ticks = {label.get_text() for label in axis.get_xticklabels()}
    assert {"1e-7", "1e-4", "1e-3"} <= ticks


def test_ladder_without_difference_hides_the_marker():
    ladder = plots.ThresholdLadder(None)
    assert not ladder.marker.get_visible()
    ladder.update(1e-5)
    assert ladder.marker.get_visible()
    assert ladder.difference == 1e-5


def test_ladder_clips_zero_onto_the_axis_but_keeps_the_true_value_in_its_label():
    ladder = plots.ThresholdLadder(0.0)
    assert ladder.marker.get_xdata()[0] == plots.AXIS_FLOOR
    assert "d = 0.00e+00" in ladder.label.get_text()


def test_ladder_update_moves_the_same_marker():
    ladder = plots.ThresholdLadder(1e-9)
    marker = ladder.marker
    ladder.update(2e-2)
    assert ladder.marker is marker
    assert marker.get_xdata()[0] == pytest.approx(2e-2)
    assert "⊗ critical" in ladder.label.get_text()
    # The label stays inside the axes: left of a marker on the right half.
    assert ladder.label.get_horizontalalignment() == "right"
    assert ladder.label.get_position()[0] < 2e-2


def test_bar_lengths_equal_by_parameter():
    figure = plots.parameter_bars(BY_PARAMETER)
    assert isinstance(figure, Figure)
    axis = figure.axes[0]
    dots = [line for line in axis.lines if line.get_marker() == "o"]
    # Zero cannot sit on a log axis: its dot sits on the floor, its label keeps the true value.
    drawn = {**BY_PARAMETER, "b2": plots.AXIS_FLOOR}
    assert [float(dot.get_xdata()[0]) for dot in dots] == list(drawn.values())
    assert "0.0e+00" in all_text(figure)
    assert [label.get_text() for label in axis.get_yticklabels()] == list(BY_PARAMETER)
    assert axis.get_xscale() == "log"
    assert "relative difference" in axis.get_xlabel()
    assert axis.get_ylabel() == "parameter"
    text = all_text(figure)
    for verdict in Verdict:
        assert f"{verdict.symbol} {verdict.value}" in text
    assert "2.5e-02 ⊗" in text
    assert "4.0e-04 ✗" in text


def test_bars_update_in_place_and_rebuild_only_for_new_names():
    bars = plots.ParameterBars(BY_PARAMETER)
    first = list(bars.dots)
    changed = dict(BY_PARAMETER, b1=1e-10, b2=2e-9)
    bars.update(changed)
    assert bars.dots == first
    assert bars.values() == changed
    bars.update({"W1": 1e-3, "b1": 1e-4, "W2": 1e-5, "b2": 1e-6, "W3": 1e-2})
    assert bars.names == ["W1", "b1", "W2", "b2", "W3"]
    assert len([line for line in bars.axis.lines if line.get_marker() == "o"]) == 5
    assert bars.values()["W3"] == 1e-2


def test_stems_start_at_the_excellent_line_so_correct_arrays_look_correct():
    """A correct array's stem points left, into the excellent band, and is short; a broken
    array's stem runs right. Bars from the 1e-16 floor drew 2e-9 half as long as 0.3."""
    bars = plots.ParameterBars({"W1": 2e-9, "W2": 0.3})
    excellent = THRESHOLDS[Verdict.EXCELLENT]
    (w1_start, w1_end), (w2_start, w2_end) = (stem.get_xdata() for stem in bars.stems)
    assert w1_start == w2_start == excellent
    assert w1_end == 2e-9 < excellent < w2_end == 0.3
    decades = {name: abs(math.log10(end / excellent)) for name, end in [("W1", 2e-9), ("W2", 0.3)]}
    assert decades["W1"] < 2 < decades["W2"]  # about 1.7 decades left, 6.5 decades right


@pytest.mark.parametrize("shape", [(5, 1), (4, 2), (1, 4), (20, 30)])
def test_heatmap_cells_are_square_so_a_column_is_drawn_as_a_column(shape):
    """A (5, 1) gradient drawn with aspect="auto" filled the figure with five wide stripes."""
    heatmap = plots.GapHeatmap(np.ones((2, 2)), "W1", limits=plots.GAP_LIMITS)
    heatmap.update(np.full(shape, 1e-5), "b1")
    heatmap.png()
    box = heatmap.axis.get_window_extent()
    cell_width, cell_height = box.width / shape[1], box.height / shape[0]
    assert cell_width == pytest.approx(cell_height, rel=0.05)
    # The colour bar stays next to the cells, not at the far edge of the figure.
    colour_bar = heatmap.colorbar.ax.get_window_extent()
    assert 0 < colour_bar.x0 - box.x1 < 0.05 * heatmap.figure.bbox.width


def test_heatmap_shows_the_gaps_on_a_log_scale_with_a_labelled_colorbar():
    gaps = np.full((5, 3), 1e-11)
    gaps[2, 1] = 3e-2
    figure = plots.gap_heatmap(gaps, "W1")
    assert isinstance(figure, Figure)
    axis, colorbar_axis = figure.axes
    image = axis.images[0]
    np.testing.assert_array_equal(np.asarray(image.get_array()), gaps)
    assert isinstance(image.norm, matplotlib.colors.LogNorm)
    assert "gap" in colorbar_axis.get_ylabel()
    assert axis.get_xlabel() == "column index"
    assert axis.get_ylabel() == "row index"
    assert "dW1" in axis.get_title()
    assert "[2, 1]" in axis.get_title()
    assert "|analytical − numerical|" in figure.get_suptitle()


def test_heatmap_update_changes_shape_and_keeps_zeros_and_unchecked_entries_visible():
    heatmap = plots.GapHeatmap(np.ones((4, 2)) * 1e-3, "W1", limits=plots.GAP_LIMITS)
    image = heatmap.image
    column = np.array([[0.0], [1e-9], [np.nan], [2e-4]])
    heatmap.update(column, "b1")
    assert heatmap.image is image
    shown = image.get_array()
    assert shown.shape == (4, 1)
    assert shown[0, 0] == plots.GAP_LIMITS[0]  # a zero gap is drawn at the bottom of the scale
    assert np.ma.is_masked(shown[2, 0])  # NaN: not checked, drawn in the "bad" grey
    assert heatmap.axis.get_xlim() == (-0.5, 0.5)
    assert "db1" in heatmap.axis.get_title()
    assert heatmap.worst_box.get_xy() == (-0.5, 2.5)
    assert (image.norm.vmin, image.norm.vmax) == plots.GAP_LIMITS


def test_heatmap_fitted_range_spans_at_least_two_decades():
    figure = plots.gap_heatmap(np.full((2, 2), 5e-10), "W2")
    norm = figure.axes[0].images[0].norm
    assert norm.vmax / norm.vmin >= 100


def test_heatmap_rejects_bad_limits():
    with pytest.raises(ValueError, match="limits"):
        plots.GapHeatmap(np.ones((2, 2)), "W1", limits=(1.0, 1e-3))


def test_epsilon_sweep_is_log_log_with_labels_legend_and_guides():
    steps = np.logspace(-12, -1, 23)
    forward = steps + 1e-16 / steps
    central = steps**2 + 1e-16 / steps
    figure = plots.epsilon_sweep_figure(
        steps, {"forward": forward, "central": central}, reference_slopes=(1, 2, -1)
    )
    assert isinstance(figure, Figure)
    axis = figure.axes[0]
    assert (axis.get_xscale(), axis.get_yscale()) == ("log", "log")
    assert "ε" in axis.get_xlabel()
    assert axis.get_ylabel()
    assert axis.get_title()
    legend = [text.get_text() for text in axis.get_legend().get_texts()]
    assert legend[:2] == ["forward", "central"]
    assert any("slope 2" in entry and "O(ε²)" in entry for entry in legend)
    assert any("slope -1" in entry and "rounding" in entry for entry in legend)
    # Each guide has the slope it claims.
    for line in axis.lines:
        label = line.get_label()
        if label.startswith("slope"):
            claimed = float(label.split()[1].rstrip(":"))
            x, y = line.get_xdata(), line.get_ydata()
            measured = math.log(y[-1] / y[0]) / math.log(x[-1] / x[0])
            assert measured == pytest.approx(claimed)
    assert "ε = 1e-7" in all_text(figure)


def test_epsilon_sweep_accepts_one_series_and_skips_zero_errors():
    steps = np.logspace(-8, -2, 4)
    figure = plots.epsilon_sweep_figure(steps, [1e-3, 0.0, 1e-5, 1e-4], show_bands=True)
    data = figure.axes[0].lines[0].get_ydata()
    assert np.isnan(data[1])
    assert data[0] == 1e-3


@pytest.mark.parametrize(
    ("epsilons", "errors", "message"),
    [
        ([1e-3, 0.0], [1.0, 1.0], "positive"),
        ([1e-3, 1e-4], [1.0], "one error per epsilon"),
    ],
)
def test_epsilon_sweep_rejects_bad_input(epsilons, errors, message):
    with pytest.raises(ValueError, match=message):
        plots.epsilon_sweep_figure(epsilons, errors)


def test_figures_fit_a_notebook_and_render_as_png():
    for figure in [
        plots.threshold_ladder(1e-5),
        plots.parameter_bars(BY_PARAMETER),
        plots.gap_heatmap(np.ones((3, 3)), "W1"),
        plots.epsilon_sweep_figure([1e-7, 1e-6], [1e-9, 1e-8]),
    ]:
        width, height = figure.get_size_inches()
        assert width <= 6.5 and height <= 3.0
        assert png_size(plots.render_png(figure)) == (
            round(width * figure.dpi),
            round(height * figure.dpi),
        )
        # Figures display themselves in Jupyter without pyplot.
        assert figure._repr_png_()[:4] == b"\x89PNG"


def test_symbols_render_without_missing_glyph_warnings():
    """DejaVu Sans (matplotlib's default font) has ✓ ⚠ ✗ ⊗; a missing glyph would warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for difference in (1e-9, 1e-5, 5e-4, 0.2):
            plots.render_png(plots.threshold_ladder(difference))


def test_live_png_equals_a_full_render_and_redraws_the_background_only_when_needed():
    bars = plots.ParameterBars(BY_PARAMETER)
    bars.png()
    bars.update(dict(BY_PARAMETER, W1=0.5))
    fast = imread(io.BytesIO(bars.png()), format="png")
    full = imread(io.BytesIO(plots.render_png(bars.figure)), format="png")
    assert_same_picture(fast, full)
    assert bars.full_draws == 1

    heatmap = plots.GapHeatmap(np.ones((2, 2)), "W1", limits=plots.GAP_LIMITS)
    heatmap.png()
    heatmap.update(np.full((2, 2), 1e-9), "W2")
    heatmap.png()
    assert heatmap.full_draws == 1
    heatmap.update(np.ones((3, 1)), "b1")  # a new shape changes the ticks: redraw
    fast = imread(io.BytesIO(heatmap.png()), format="png")
    full = imread(io.BytesIO(plots.render_png(heatmap.figure)), format="png")
    assert_same_picture(fast, full)
    assert heatmap.full_draws == 2


def test_library_code_does_not_use_pyplot():
    from gradcheck_lib import figures, graph_plot, sweep_plot

    text = ""
    for module in (plots, figures, sweep_plot, graph_plot):
        with open(module.__file__, encoding="utf-8") as handle:
            text += handle.read()
    for forbidden in (
        "import matplotlib.pyplot",
        "from matplotlib import pyplot",
        "plt.",
        ".show(",
    ):
        assert forbidden not in text
