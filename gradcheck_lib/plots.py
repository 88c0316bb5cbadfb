"""Matplotlib figures for the course: the lab's live figures, and the entry point to all figures.

This module draws the threshold ladder and the per-parameter plot, and re-exports the public
names of the shared machinery (:mod:`gradcheck_lib.figures`), the gap heatmap
(:mod:`gradcheck_lib.heatmap_plot`), the ε sweep (:mod:`gradcheck_lib.sweep_plot`) and the
batch-normalization graph (:mod:`gradcheck_lib.graph_plot`), so ``from gradcheck_lib.plots import
...`` reaches every figure.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so no figure is
registered globally and nothing is shown as a side effect. A notebook displays the returned figure
as its last expression. The lab keeps figures alive and updates their artists in place through the
``ThresholdLadder``, ``ParameterBars`` and ``GapHeatmap`` classes, then renders them with
:func:`render_png`.

The four verdict bands use the Okabe-Ito colour-blind-safe palette, and each band is also named in
text with its symbol, so no information is carried by colour alone.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from gradcheck_lib.compare import classify
from gradcheck_lib.figures import (
    _BAR_COLOUR,
    _INK,
    _LABEL_LEFT_FROM,
    AXIS_CEILING,
    AXIS_FLOOR,
    BAND_COLOURS,
    EXCELLENT_LINE,
    FIGURE_SIZE,
    GAP_LIMITS,
    RENDER_DPI,
    CourseFigure,
    _clip_difference,
    _describe,
    _LiveFigure,
    _shade_bands,
    _style_log_difference_axis,
    band_limits,
    render_png,
)
from gradcheck_lib.graph_plot import batchnorm_graph_figure
from gradcheck_lib.heatmap_plot import GapHeatmap, gap_heatmap
from gradcheck_lib.sweep_plot import epsilon_sweep_figure

__all__ = [
    "AXIS_CEILING",
    "AXIS_FLOOR",
    "BAND_COLOURS",
    "FIGURE_SIZE",
    "GAP_LIMITS",
    "RENDER_DPI",
    "CourseFigure",
    "GapHeatmap",
    "ParameterBars",
    "ThresholdLadder",
    "band_limits",
    "batchnorm_graph_figure",
    "epsilon_sweep_figure",
    "gap_heatmap",
    "parameter_bars",
    "render_png",
    "threshold_ladder",
]


class ThresholdLadder(_LiveFigure):
    """The four verdict bands on a log axis, with the current difference as a marker.

    Parameters
    ----------
    difference : float or None, optional
        The relative difference to mark. ``None`` draws the bands alone.
    size : tuple of float, optional
        Figure size in inches.
    dpi : float, optional
        Resolution of the figure and of :meth:`png`.

    Attributes
    ----------
    figure : CourseFigure
        The figure; keep it and call :meth:`update` to move the marker.
    marker : matplotlib.lines.Line2D
        The marker; ``marker.get_xdata()[0]`` is the marked difference (clipped to the axis).
    label : matplotlib.text.Text
        The marker's label, ``"d = 3.20e-05  ⚠ warning"``.
    difference : float or None
        The difference currently marked.

    Examples
    --------
    >>> ladder = ThresholdLadder(3e-5)
    >>> ladder.update(2e-2)
    >>> float(ladder.marker.get_xdata()[0])
    0.02
    """

    def __init__(
        self,
        difference: float | None = None,
        size: tuple[float, float] = (6.0, 1.9),
        dpi: float = RENDER_DPI,
    ) -> None:
        super().__init__(size, dpi)
        self.figure.subplots_adjust(left=0.03, right=0.97, top=0.62, bottom=0.30)
        axis = self.figure.add_subplot()
        self.axis = axis
        axis.set_xscale("log")
        axis.set_xlim(AXIS_FLOOR, AXIS_CEILING)
        axis.set_ylim(0.0, 1.0)
        axis.set_yticks([])
        _style_log_difference_axis(axis, "x")
        _shade_bands(axis, "x", labels=True)
        for _verdict, low, _high in band_limits()[1:]:
            axis.axvline(low, color=_INK, linewidth=0.8, linestyle=":", zorder=1)
        axis.set_xlabel("relative difference d (log scale, no units)", fontsize=9)
        axis.tick_params(axis="x", labelsize=7.5)
        self.figure.suptitle("Threshold ladder: which band does d fall in?", fontsize=10, y=0.97)
        self.line = axis.axvline(AXIS_FLOOR, color=_INK, linewidth=1.5, zorder=2)
        (self.marker,) = axis.plot(
            [AXIS_FLOOR],
            [0.5],
            marker="D",
            markersize=9,
            color=_INK,
            markeredgecolor="white",
            linestyle="none",
            zorder=3,
        )
        self.label = axis.text(
            AXIS_FLOOR,
            0.5,
            "",
            fontsize=9,
            va="center",
            zorder=4,
            bbox={"boxstyle": "round,pad=0.2", "facecolor": "white", "edgecolor": _INK},
        )
        self._dynamic(self.line, self.marker, self.label)
        self.difference: float | None = None
        self.update(difference)

    def update(self, difference: float | None) -> None:
        """Move the marker to ``difference`` (``None`` hides it).

        Parameters
        ----------
        difference : float or None
            The relative difference to mark; values outside the axis are drawn at its ends
            while the label keeps the true value.
        """
        self.difference = None if difference is None else float(difference)
        visible = self.difference is not None and math.isfinite(self.difference)
        for artist in (self.marker, self.line, self.label):
            artist.set_visible(visible)
        if not visible:
            return
        x = _clip_difference(self.difference)
        self.marker.set_xdata([x])
        self.line.set_xdata([x, x])
        self.label.set_text(_describe(self.difference))
        # Keep the label inside the axes: right of the marker on the left half, left of it beyond.
        on_left = math.log10(x) < -8.0
        self.label.set_x(x * (3.0 if on_left else 1 / 3.0))
        self.label.set_horizontalalignment("left" if on_left else "right")


def threshold_ladder(difference: float | None = None) -> Figure:
    """Draw the four verdict bands on a log axis, with ``difference`` as a labelled marker.

    Parameters
    ----------
    difference : float or None, optional
        Relative difference to mark; ``None`` draws the bands alone.

    Returns
    -------
    matplotlib.figure.Figure
        A 6 x 1.9 inch figure. Each band is shaded and named with its symbol; the marker's label
        gives d in scientific notation and its verdict.

    Examples
    --------
    >>> figure = threshold_ladder(1.19e-7)
    >>> figure.axes[0].get_xscale()
    'log'
    """
    return ThresholdLadder(difference).figure


class ParameterBars(_LiveFigure):
    """Each parameter array's relative difference as a dot, on a stem from the excellent line.

    The dots share the ladder's log axis, so the band a dot sits in is that array's verdict.
    Each stem starts at the excellent line (d = 1e-7) and runs to the dot: a correct array's
    short stem points left, into the excellent band, and a wrong array's stem runs right, as
    far as it is wrong. (Bars from the axis floor, 1e-16, would make a correct array at 2e-9
    look half as long as a broken one.)

    Parameters
    ----------
    by_parameter : Mapping[str, float]
        Parameter name (``"W1"``) to the relative difference of that array.
    size : tuple of float, optional
        Figure size in inches.
    dpi : float, optional
        Resolution of the figure and of :meth:`png`.

    Attributes
    ----------
    figure : CourseFigure
        The figure; call :meth:`update` with new values to move the dots in place.
    dots : list of matplotlib.lines.Line2D
        One marker per parameter, in the order of ``names``, at its difference.
    stems : list of matplotlib.lines.Line2D
        One line per parameter, from the excellent line to its dot.
    names : list of str
        Parameter names, top to bottom.
    """

    def __init__(
        self,
        by_parameter: Mapping[str, float],
        size: tuple[float, float] = FIGURE_SIZE,
        dpi: float = RENDER_DPI,
    ) -> None:
        super().__init__(size, dpi)
        self.figure.subplots_adjust(left=0.08, right=0.97, top=0.76, bottom=0.20)
        axis = self.figure.add_subplot()
        self.axis = axis
        axis.set_xscale("log")
        _style_log_difference_axis(axis, "x")
        _shade_bands(axis, "x", labels=True)
        axis.axvline(EXCELLENT_LINE, color=_INK, linewidth=1.0, zorder=1)
        axis.set_xlabel(
            "relative difference d of the array (log scale; stems start at the excellent line)",
            fontsize=9,
        )
        axis.set_ylabel("parameter", fontsize=9)
        axis.tick_params(axis="x", labelsize=7.5)
        axis.tick_params(axis="y", labelsize=9)
        self.figure.suptitle("Which parameter's gradient is off?", fontsize=10, y=0.97)
        self._dynamic(*axis.spines.values())  # drawn over the stems, as in a full render
        self.dots: list[Line2D] = []
        self.stems: list[Line2D] = []
        self.value_labels: list[Text] = []
        self.names: list[str] = []
        self.update(by_parameter)

    def _static_key(self) -> Hashable:
        return tuple(self.names)

    def _rebuild(self, names: list[str]) -> None:
        """Create one stem, dot and value label per name (only when the names change)."""
        for artist in [*self.stems, *self.dots, *self.value_labels]:
            self._forget_dynamic(artist)
            artist.remove()
        positions = np.arange(len(names))
        self.stems = [
            self.axis.plot(
                [EXCELLENT_LINE, EXCELLENT_LINE],
                [y, y],
                color=_BAR_COLOUR,
                linewidth=4.0,
                solid_capstyle="butt",
                zorder=2,
            )[0]
            for y in positions
        ]
        self.dots = [
            self.axis.plot(
                [EXCELLENT_LINE],
                [y],
                marker="o",
                markersize=8,
                color=_BAR_COLOUR,
                markeredgecolor="white",
                linestyle="none",
                zorder=3,
            )[0]
            for y in positions
        ]
        self.value_labels = [
            self.axis.text(
                EXCELLENT_LINE,
                y,
                "",
                va="center",
                fontsize=8.5,
                color=_INK,
                zorder=4,
                bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1.0},
            )
            for y in positions
        ]
        self._dynamic(*self.stems, *self.dots, *self.value_labels)
        self.axis.set_yticks(positions, labels=names)
        self.axis.set_ylim(len(names) - 0.5, -0.5)
        self.axis.set_xlim(AXIS_FLOOR, AXIS_CEILING)
        self.names = list(names)

    def update(self, by_parameter: Mapping[str, float]) -> None:
        """Move each dot to its parameter's relative difference.

        Parameters
        ----------
        by_parameter : Mapping[str, float]
            Parameter name to relative difference. New names rebuild the dots; the same names
            (the lab's case) only move them and change their labels.
        """
        names = list(by_parameter)
        if names != self.names:
            self._rebuild(names)
        for stem, dot, label, name in zip(
            self.stems, self.dots, self.value_labels, names, strict=True
        ):
            value = float(by_parameter[name])
            finite = math.isfinite(value) and value >= 0
            end = _clip_difference(value) if finite else AXIS_FLOOR
            stem.set_xdata([EXCELLENT_LINE, end])
            dot.set_xdata([value if finite and value > 0 else end])
            symbol = classify(value).symbol if finite else "?"
            label.set_text(f"{value:.1e} {symbol}")
            # Beside the dot, away from its stem; near the right edge, over the stem instead.
            if end < EXCELLENT_LINE or end >= _LABEL_LEFT_FROM:
                label.set_x(end / 4.0)
                label.set_horizontalalignment("right")
            else:
                label.set_x(end * 4.0)
                label.set_horizontalalignment("left")

    def values(self) -> dict[str, float]:
        """Return the drawn data: parameter name -> where its dot sits.

        Returns
        -------
        dict of str to float
            What the dots show, read back from the artists (for tests).
        """
        return {
            name: float(dot.get_xdata()[0]) for name, dot in zip(self.names, self.dots, strict=True)
        }


def parameter_bars(by_parameter: Mapping[str, float]) -> Figure:
    """Draw the relative difference of each parameter array as a dot on a log axis.

    Parameters
    ----------
    by_parameter : Mapping[str, float]
        Parameter name (``"W1"``) to the relative difference of that array, for example
        ``report.by_parameter``.

    Returns
    -------
    matplotlib.figure.Figure
        Dots on the bands' log axis, on stems from the excellent line, each labelled with its
        value and verdict symbol.

    Examples
    --------
    >>> figure = parameter_bars({"W1": 2e-11, "b1": 3e-2})
    >>> [float(dot.get_xdata()[0]) for dot in figure.axes[0].lines if dot.get_marker() == "o"]
    [2e-11, 0.03]
    """
    return ParameterBars(by_parameter).figure
