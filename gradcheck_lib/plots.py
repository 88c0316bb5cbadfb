"""Matplotlib figures for the course: threshold ladder, ε sweep, per-parameter bars, gap heatmaps.

Every function returns a :class:`matplotlib.figure.Figure` built without pyplot, so no figure is
registered globally and nothing is shown as a side effect. A notebook displays the returned figure
as its last expression. The lab keeps figures alive and updates their artists in place through the
``ThresholdLadder``, ``ParameterBars`` and ``GapHeatmap`` classes, then renders them with
:func:`render_png`.

The four verdict bands use the Okabe-Ito colour-blind-safe palette, and each band is also named in
text with its symbol, so no information is carried by colour alone.
"""

from __future__ import annotations

import io
import math
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import PIL.Image
from matplotlib import colormaps
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter
from matplotlib.transforms import blended_transform_factory
from numpy.typing import ArrayLike, NDArray

from gradcheck_lib.compare import THRESHOLDS, Verdict, classify

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

#: Smallest relative difference drawn: float64 rounding (u ≈ 2.2e-16) puts a floor near here.
AXIS_FLOOR = 1e-16
#: Largest relative difference drawn: ||a-b|| / (||a|| + ||b||) never exceeds 1.
AXIS_CEILING = 1.0
#: Default figure size in inches: fits a notebook column without scrolling.
FIGURE_SIZE = (6.0, 2.5)
#: Resolution of the figures made here, in dots per inch (a 6 inch figure is 576 pixels wide).
RENDER_DPI = 96
#: Fast PNG compression: a lab image is small and rendered often.
_PNG_OPTIONS = {"compress_level": 1}
#: Static backgrounds a live figure keeps (one per parameter shape for a heatmap).
_BACKGROUND_CACHE_SIZE = 8

#: Okabe-Ito colours, one per band: bluish green, yellow, orange, vermillion.
BAND_COLOURS: dict[Verdict, str] = {
    Verdict.EXCELLENT: "#009E73",
    Verdict.WARNING: "#F0E442",
    Verdict.ERROR: "#E69F00",
    Verdict.CRITICAL: "#D55E00",
}
_BAND_ALPHA = 0.35
_INK = "#222222"
_BAR_COLOUR = "#3A3A3A"
#: Okabe-Ito blue, reddish purple, black, sky blue: lines of an ε sweep.
_SERIES_COLOURS = ["#0072B2", "#CC79A7", "#000000", "#56B4E9"]
#: A dot at or beyond this difference gets its label on its left, to stay inside the axes.
_LABEL_LEFT_FROM = 1e-3
#: Where the parameter plot's stems start: the upper edge of the excellent band.
EXCELLENT_LINE = THRESHOLDS[Verdict.EXCELLENT]
#: Slope guides keep one line style per slope in every figure (notebook 02's, the lab
#: notebook's V curve); none is dotted, the ε marker's style.
_GUIDE_STYLES = {1.0: "--", 2.0: "-.", -1.0: (0, (6, 2, 1, 2, 1, 2))}
_OTHER_GUIDE_STYLE = (0, (3, 1))
_MARK_STYLE = ":"
#: The error model's estimates: broad, pale grey solid lines under the data.
_ESTIMATE_COLOUR = "#888888"
#: The lab's fixed colour range for gaps: rounding noise (~1e-12) to a wrong sign (~1).
GAP_LIMITS = (1e-13, 1.0)
_MISSING_COLOUR = "#BBBBBB"
_COLOUR_BAR_WIDTH = 0.02  # of the figure's width


def band_limits() -> list[tuple[Verdict, float, float]]:
    """Return the four verdict bands as ``(verdict, low, high)`` on the drawn axis.

    Returns
    -------
    list of tuple
        ``(Verdict, low, high)`` from excellent to critical. The lowest band starts at
        :data:`AXIS_FLOOR` and the highest ends at :data:`AXIS_CEILING`; the inner limits are
        :data:`gradcheck_lib.compare.THRESHOLDS`.

    Examples
    --------
    >>> [(str(v), lo, hi) for v, lo, hi in band_limits()][1]
    ('warning', 1e-07, 0.0001)
    """
    order = [Verdict.EXCELLENT, Verdict.WARNING, Verdict.ERROR, Verdict.CRITICAL]
    bands = []
    low = AXIS_FLOOR
    for verdict in order:
        high = THRESHOLDS.get(verdict, AXIS_CEILING)
        bands.append((verdict, low, high))
        low = high
    return bands


def render_png(figure: Figure, dpi: float | None = None) -> bytes:
    """Render a whole figure to PNG bytes, as laid out, without a tight bounding box.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The figure to draw. Its layout is whatever its artists say; nothing is recomputed.
    dpi : float, optional
        Dots per inch; defaults to the figure's own (:data:`RENDER_DPI` for figures made here).

    Returns
    -------
    bytes
        The PNG file's content, ready for ``ipywidgets.Image(value=...)`` or a file.

    Notes
    -----
    ``bbox_inches="tight"`` (what the inline backend uses) draws the figure twice; skipping it
    keeps a render fast. The figures in this module are laid out to fit their canvas. The
    ``Live*`` classes below render faster still by redrawing only what changed.
    """
    buffer = io.BytesIO()
    figure.savefig(
        buffer, format="png", dpi=figure.dpi if dpi is None else dpi, pil_kwargs=_PNG_OPTIONS
    )
    return buffer.getvalue()


class CourseFigure(Figure):
    """A pyplot-free :class:`~matplotlib.figure.Figure` that displays itself in a notebook.

    Jupyter shows a figure made without pyplot only if it has ``_repr_png_``; this adds it.
    Everything else is an ordinary Figure.
    """

    def _repr_png_(self) -> bytes:
        """Return the figure as PNG bytes for Jupyter's display machinery."""
        return render_png(self)


def _new_figure(size: tuple[float, float], dpi: float = RENDER_DPI) -> CourseFigure:
    """Return a pyplot-free figure with an Agg canvas attached."""
    figure = CourseFigure(figsize=size, dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


class _LiveFigure:
    """A figure kept alive and re-rendered by redrawing only its changing ("dynamic") artists.

    The static part (bands, ticks, labels) is drawn once and cached as a bitmap; each render
    restores that bitmap and draws the dynamic artists over it (matplotlib's blitting). A
    subclass marks its dynamic artists with :meth:`_dynamic` (they are drawn in z-order, spines
    included where a dynamic artist would cover them) and, if the static part depends on
    the data (a heatmap's shape), returns a key for it from :meth:`_static_key`; the background
    of each key is drawn once and cached.
    """

    figure: CourseFigure

    def __init__(self, size: tuple[float, float], dpi: float) -> None:
        self.figure = _new_figure(size, dpi)
        self._dynamic_artists: list[Artist] = []
        # One cached background per static state (a heatmap has one per parameter shape).
        self._backgrounds: dict[Hashable, object] = {}
        #: How many times the static background was drawn (tests count work with it).
        self.full_draws = 0

    def _dynamic(self, *artists: Artist) -> None:
        """Mark artists that change on update: they are drawn over the cached background."""
        for artist in artists:
            artist.set_animated(True)
            self._dynamic_artists.append(artist)

    def _forget_dynamic(self, artist: Artist) -> None:
        """Stop tracking a dynamic artist (before removing it from the figure)."""
        self._dynamic_artists.remove(artist)

    def _static_key(self) -> Hashable:
        """Return what the static background depends on; a new key forces a full draw."""
        return None

    def png(self) -> bytes:
        """Render the figure to PNG bytes at its own dpi, redrawing only what changed.

        Returns
        -------
        bytes
            PNG file content, identical in layout to :func:`render_png` of the same figure.
        """
        canvas = self.figure.canvas
        key = (self._static_key(), self.figure.dpi, tuple(self.figure.get_size_inches()))
        background = self._backgrounds.get(key)
        if background is None:
            canvas.draw()  # draws everything except the dynamic (animated) artists
            if len(self._backgrounds) >= _BACKGROUND_CACHE_SIZE:
                self._backgrounds.pop(next(iter(self._backgrounds)))
            self._backgrounds[key] = canvas.copy_from_bbox(self.figure.bbox)
            self.full_draws += 1
        else:
            canvas.restore_region(background)
        for artist in sorted(self._dynamic_artists, key=lambda artist: artist.get_zorder()):
            if artist.get_visible():
                self.figure.draw_artist(artist)
        # Encode as RGB (the figures are opaque): PNG compression of 3 channels is twice as fast.
        width, height = canvas.get_width_height()
        rgba = PIL.Image.frombuffer(
            "RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1
        )
        buffer = io.BytesIO()
        rgba.convert("RGB").save(buffer, format="png", **_PNG_OPTIONS)
        return buffer.getvalue()

    def _repr_png_(self) -> bytes:
        """Display the live figure in a notebook."""
        return self.png()


def _decade_label(value: float, _position: object = None) -> str:
    """Label a decade tick as plain text, ``"1e-7"`` (mathtext would be slower to draw)."""
    if value <= 0:
        return ""
    exponent = round(math.log10(value))
    return "1" if exponent == 0 else f"1e{exponent}"


def _style_log_difference_axis(
    axis, which: str, *, every: int = 1, thresholds: bool = True
) -> None:
    """Put plain decade ticks (every ``every`` decades, plus the thresholds) on a log axis.

    Parameters
    ----------
    axis : matplotlib.axes.Axes
        The axes whose x or y axis is a log difference axis from AXIS_FLOOR to AXIS_CEILING.
    which : {"x", "y"}
        Which of its axes to style.
    every : int, optional
        Label every ``every``-th decade.
    thresholds : bool, optional
        Also label the band limits 1e-7, 1e-4 and 1e-3, and the floor 1e-16.
    """
    low = round(math.log10(AXIS_FLOOR))
    high = round(math.log10(AXIS_CEILING))
    limits = {round(math.log10(limit)) for limit in THRESHOLDS.values()} | {low}
    exponents = sorted({*range(high, low - 1, -every), *(limits if thresholds else ())})
    target = axis.xaxis if which == "x" else axis.yaxis
    target.set_major_locator(FixedLocator([10.0**e for e in exponents]))
    target.set_major_formatter(FuncFormatter(_decade_label))
    target.set_minor_locator(FixedLocator([10.0**e for e in range(low, high + 1)]))
    target.set_minor_formatter(NullFormatter())


def _shade_bands(axis, orientation: str, *, labels: bool, fontsize: float = 8.0) -> None:
    """Shade the four verdict bands along ``orientation`` ("x" or "y") and optionally name them."""
    for verdict, low, high in band_limits():
        colour = BAND_COLOURS[verdict]
        if orientation == "x":
            axis.axvspan(low, high, color=colour, alpha=_BAND_ALPHA, linewidth=0, zorder=0)
        else:
            axis.axhspan(low, high, color=colour, alpha=_BAND_ALPHA, linewidth=0, zorder=0)
        if not labels:
            continue
        middle = math.sqrt(low * high)
        text = f"{verdict.symbol} {verdict.value}"
        if orientation == "x":
            transform = blended_transform_factory(axis.transData, axis.transAxes)
            axis.text(
                middle,
                1.02,
                text,
                transform=transform,
                ha="center",
                va="bottom",
                fontsize=fontsize,
                color=_INK,
            )
        else:
            transform = blended_transform_factory(axis.transAxes, axis.transData)
            axis.text(
                1.01, middle, text, transform=transform, ha="left", va="center", fontsize=fontsize
            )


def _clip_difference(difference: float) -> float:
    """Keep a difference inside the drawn axis (0 sits on the floor)."""
    return float(min(max(difference, AXIS_FLOOR), AXIS_CEILING))


def _describe(difference: float) -> str:
    """Return ``"d = 1.23e-05  ⚠ warning"`` for a difference."""
    verdict = classify(difference)
    return f"d = {difference:.2e}  {verdict.symbol} {verdict.value}"


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


def _heatmap_limits(values: NDArray[np.float64]) -> tuple[float, float]:
    """Pick a log colour range for the data: 2 to 12 decades below its largest gap."""
    positive = values[np.isfinite(values) & (values > 0)]
    if positive.size == 0:
        return AXIS_FLOOR, AXIS_FLOOR * 100
    high = float(positive.max())
    low = max(float(positive.min()), high * 1e-12, np.finfo(np.float64).tiny)
    return min(low, high / 100.0), high


class GapHeatmap(_LiveFigure):
    """Per-entry gap |analytical - numerical| of one parameter array, on a log colour scale.

    Parameters
    ----------
    gaps : array_like
        Gaps shaped like the parameter (a column vector ``b1`` of shape (4, 1) draws one column).
        NaN marks an entry that was not checked and is drawn grey.
    name : str
        The parameter's name, for example ``"W1"``.
    limits : tuple of float, optional
        Fixed colour range ``(low, high)``, so colours mean the same gap from one update to the
        next (the lab's choice, :data:`GAP_LIMITS`). ``None`` fits the range to the data.
    size : tuple of float, optional
        Figure size in inches.
    dpi : float, optional
        Resolution of the figure and of :meth:`png`.

    Attributes
    ----------
    figure : CourseFigure
        The figure; call :meth:`update` to show another parameter.
    image : matplotlib.image.AxesImage
        The heatmap; ``image.get_array()`` holds the drawn gaps.
    name : str
        The parameter shown.
    """

    def __init__(
        self,
        gaps: ArrayLike,
        name: str,
        *,
        limits: tuple[float, float] | None = None,
        size: tuple[float, float] = FIGURE_SIZE,
        dpi: float = RENDER_DPI,
    ) -> None:
        super().__init__(size, dpi)
        if limits is not None and not (0 < limits[0] < limits[1]):
            raise ValueError(f"limits must satisfy 0 < low < high; got {limits!r}")
        self.limits = limits
        self.figure.subplots_adjust(left=0.09, right=0.87, top=0.80, bottom=0.19)
        axis = self.figure.add_subplot()
        self.axis = axis
        self.image = axis.imshow(
            np.ones((1, 1)),
            cmap=colormaps["viridis"].with_extremes(bad=_MISSING_COLOUR),
            norm=LogNorm(vmin=AXIS_FLOOR, vmax=1.0),
            aspect="auto",
            interpolation="nearest",
        )
        self.colorbar = self.figure.colorbar(self.image, ax=axis, pad=0.02, fraction=0.05)
        self._full_position = axis.get_position()
        self.colorbar.set_label("gap (log scale)", fontsize=8)
        self.colorbar.ax.tick_params(labelsize=7.5)
        self.figure.suptitle("Per-entry gap |analytical − numerical|", fontsize=10, y=0.98)
        axis.set_xlabel("column index", fontsize=9)
        axis.set_ylabel("row index", fontsize=9)
        axis.tick_params(labelsize=8)
        self.worst_box = Rectangle(
            (-0.5, -0.5), 1.0, 1.0, fill=False, edgecolor="white", linewidth=2.0, zorder=3
        )
        axis.add_patch(self.worst_box)
        self._dynamic(self.image, self.worst_box, axis.title, *axis.spines.values())
        self.name = name
        self._shape: tuple[int, int] = (0, 0)
        self.update(gaps, name)

    def _static_key(self) -> Hashable:
        return (self._shape, self.image.norm.vmin, self.image.norm.vmax)

    def update(self, gaps: ArrayLike, name: str) -> None:
        """Show the gaps of parameter ``name``, reusing the figure's artists.

        Parameters
        ----------
        gaps : array_like
            Per-entry gaps shaped like the parameter; 1-D arrays are drawn as one column.
        name : str
            The parameter's name, used in the title.
        """
        values = np.asarray(gaps, dtype=np.float64)
        if values.ndim == 0:
            values = values.reshape(1, 1)
        elif values.ndim == 1:
            values = values.reshape(-1, 1)
        elif values.ndim > 2:
            values = values.reshape(values.shape[0], -1)
        rows, columns = values.shape
        low, high = self.limits if self.limits is not None else _heatmap_limits(values)
        # Exact zeros would vanish on a log scale; draw them at the bottom of the range instead.
        shown = np.where(np.isfinite(values), np.maximum(values, low), np.nan)
        self.image.set_data(np.ma.masked_invalid(shown))
        if (low, high) != (self.image.norm.vmin, self.image.norm.vmax):
            self.image.norm.vmin, self.image.norm.vmax = low, high
            self.colorbar.ax.yaxis.set_major_formatter(FuncFormatter(_decade_label))
            self.colorbar.ax.yaxis.set_minor_formatter(NullFormatter())
        if (rows, columns) != self._shape:
            self._shape = (rows, columns)
            self.image.set_extent((-0.5, columns - 0.5, rows - 0.5, -0.5))
            # Square cells: a (5, 1) column is drawn as a column, not as five wide stripes.
            self.axis.set_xlim(-0.5, columns - 0.5)
            self.axis.set_ylim(rows - 0.5, -0.5)
            for target, count in ((self.axis.xaxis, columns), (self.axis.yaxis, rows)):
                if count <= 12:
                    target.set_major_locator(FixedLocator(list(range(count))))
                else:
                    target.set_major_locator(MaxNLocator(nbins=8, integer=True))
            # Square cells: a (5, 1) column is drawn as a column, not as five wide stripes.
            self.axis.set_aspect("equal", adjustable="box", anchor="C")
            self._colour_bar_beside_the_cells()
        self.name = name
        if np.isfinite(values).any():
            row, column = np.unravel_index(int(np.nanargmax(values)), values.shape)
            self.worst_box.set_xy((column - 0.5, row - 0.5))
            self.worst_box.set_visible(True)
            worst = f"largest {values[row, column]:.1e} at [{row}, {column}], boxed"
        else:
            self.worst_box.set_visible(False)
            worst = "no entry checked (grey)"
        self.axis.set_title(f"d{name}: {worst}", fontsize=9)

    def _colour_bar_beside_the_cells(self) -> None:
        """Move the colour bar next to the (shrunk, square-celled) heatmap."""
        self.axis.set_position(self._full_position)
        self.axis.apply_aspect()
        cells = self.axis.get_position(original=False)
        self.colorbar.ax.set_position([cells.x1 + 0.02, cells.y0, _COLOUR_BAR_WIDTH, cells.height])


def gap_heatmap(gaps: ArrayLike, name: str, *, limits: tuple[float, float] | None = None) -> Figure:
    """Draw the per-entry gap |analytical - numerical| of one parameter on a log colour scale.

    Parameters
    ----------
    gaps : array_like
        Gaps shaped like the parameter, for example ``report.gaps("W1")``. NaN entries (not
        checked, in sample mode) are drawn grey.
    name : str
        The parameter's name, for the title.
    limits : tuple of float, optional
        Fixed colour range ``(low, high)``; by default fitted to the data.

    Returns
    -------
    matplotlib.figure.Figure
        The heatmap with a labelled colour bar; the largest gap is outlined in white.

    Examples
    --------
    >>> figure = gap_heatmap([[1e-10, 2e-3], [3e-11, 4e-11]], "W2")
    >>> figure.axes[0].images[0].get_array().shape
    (2, 2)
    """
    return GapHeatmap(gaps, name, limits=limits).figure


def _order_name(slope: float) -> str:
    """Return ``"O(ε²)"`` for slope 2, ``"O(1/ε)"`` for slope -1, and so on."""
    names = {1.0: "O(ε)", 2.0: "O(ε²)", 3.0: "O(ε³)", -1.0: "O(1/ε)"}
    return names.get(float(slope), f"O(ε^{slope:g})")


def _short_number(value: float) -> str:
    """Return ``"1e-7"`` for 1e-7 and ``"2.5e-3"`` for 0.0025 (no padded exponent)."""
    mantissa, exponent = f"{value:.1e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _end_slope(epsilons: NDArray[np.float64], errors: NDArray[np.float64], large: bool) -> float:
    """Log-log slope of a series between its two largest (or smallest) usable steps."""
    usable = np.isfinite(errors) & (errors > 0)
    steps, values = epsilons[usable], errors[usable]
    if steps.size < 2:
        return math.nan
    order = np.argsort(steps)
    pair = order[-2:] if large else order[:2]
    (e0, e1), (v0, v1) = steps[pair], values[pair]
    return float(math.log(v1 / v0) / math.log(e1 / e0))


def epsilon_sweep_figure(
    epsilons: ArrayLike,
    errors: ArrayLike | Mapping[str, ArrayLike],
    *,
    reference_slopes: Sequence[float] = (),
    mark_epsilon: float | None = 1e-7,
    ylabel: str = "error of the estimate",
    title: str = "Error against the step ε: the V curve",
    show_bands: bool = False,
    estimates: Mapping[str, ArrayLike] | None = None,
) -> Figure:
    """Draw error against step size on log-log axes (the V curve), one line per series.

    Parameters
    ----------
    epsilons : array_like
        The steps ε, shape (m,).
    errors : array_like or Mapping[str, array_like]
        One series of errors, shape (m,), or a mapping label -> series (for example
        ``{"forward difference": ..., "central difference": ...}``). Zero or NaN errors are
        left out of the line.
    reference_slopes : sequence of float, optional
        Slopes p to draw as dashed guides C·ε^p. A positive slope (truncation error, O(ε^p)) is
        anchored at the large-ε end of the series whose end slope is nearest p; a negative slope
        (rounding error, O(1/ε)) at the small-ε end.
    mark_epsilon : float or None, optional
        A step to mark with a vertical line (default 1e-7, the course's choice); None for none.
    ylabel : str, optional
        Label of the error axis.
    title : str, optional
        Figure title.
    show_bands : bool, optional
        Shade the verdict bands behind the lines, for sweeps of the relative difference.
    estimates : Mapping[str, array_like], optional
        The error model's forecast, e.g. :func:`~gradcheck_lib.check.error_estimates`'s
        ``{"rounding": ..., "truncation": ...}``: broad pale grey lines under the data.

    Notes
    -----
    Each guide slope keeps its line style in every figure (slope 1 dashed, 2 dash-dotted,
    -1 dash-dot-dotted); the ε marker alone is dotted. Guides cover the outer third of the
    ε range, clear of the marker's label. The legend sits outside the axes, below them.

    Returns
    -------
    matplotlib.figure.Figure
        A 6 x 2.5 inch log-log figure with labelled axes and a legend.

    Examples
    --------
    >>> steps = np.logspace(-10, -1, 10)
    >>> figure = epsilon_sweep_figure(steps, {"central": steps**2 + 1e-16 / steps},
    ...                               reference_slopes=(2,))
    >>> figure.axes[0].get_xscale(), figure.axes[0].get_yscale()
    ('log', 'log')
    """
    steps = np.asarray(epsilons, dtype=np.float64).ravel()
    if steps.size == 0 or np.any(~np.isfinite(steps)) or np.any(steps <= 0):
        raise ValueError(f"epsilons must be positive finite numbers; got {steps!r}")
    if isinstance(errors, Mapping):
        series = {
            str(label): np.asarray(values, dtype=np.float64).ravel()
            for label, values in errors.items()
        }
    else:
        series = {ylabel: np.asarray(errors, dtype=np.float64).ravel()}
    for label, values in series.items():
        if values.shape != steps.shape:
            raise ValueError(
                f"series {label!r} has {values.size} errors but there are {steps.size} epsilons;"
                " give one error per epsilon"
            )

    figure = _new_figure(FIGURE_SIZE)
    figure.subplots_adjust(left=0.12, right=0.82 if show_bands else 0.97, top=0.87, bottom=0.19)
    axis = figure.add_subplot()
    axis.set_xscale("log")
    axis.set_yscale("log")
    if show_bands:
        _shade_bands(axis, "y", labels=True, fontsize=7.5)
    markers = ["o", "s", "^", "v", "D"]
    for number, (label, values) in enumerate(series.items()):
        shown = np.where(np.isfinite(values) & (values > 0), values, np.nan)
        axis.plot(
            steps,
            shown,
            color=_SERIES_COLOURS[number % len(_SERIES_COLOURS)],
            marker=markers[number % len(markers)],
            markersize=4,
            linewidth=1.5,
            label=label,
            zorder=3,
        )
    low, high = math.log10(steps.min()), math.log10(steps.max())
    for slope in reference_slopes:
        large = slope > 0
        ends = {label: _end_slope(steps, values, large) for label, values in series.items()}
        candidates = {label: s for label, s in ends.items() if math.isfinite(s)}
        if not candidates:
            continue
        anchor_label = min(candidates, key=lambda label: abs(candidates[label] - slope))
        values = series[anchor_label]
        usable = np.isfinite(values) & (values > 0)
        anchor_index = np.flatnonzero(usable)[
            np.argmax(steps[usable]) if large else np.argmin(steps[usable])
        ]
        anchor_step, anchor_value = steps[anchor_index], values[anchor_index]
        # Draw the guide over the outer third of the ε range (in decades) on the anchor's
        # side, so it keeps clear of the V's bottom and of the ε marker's label.
        third = (high - low) / 3
        span = np.logspace(high - third, high, 20) if large else np.logspace(low, low + third, 20)
        # One decade below the data, so the guide runs parallel to the line instead of over it.
        guide = 0.1 * anchor_value * (span / anchor_step) ** slope
        kind = "truncation" if large else "rounding"
        axis.plot(
            span,
            guide,
            linestyle=_GUIDE_STYLES.get(float(slope), _OTHER_GUIDE_STYLE),
            linewidth=1.2,
            color="#555555",
            label=f"slope {slope:g}: {_order_name(slope)} {kind}",
            zorder=2,
        )
    together = "error model: " + " and ".join(estimates or {})
    for number, (label, values) in enumerate((estimates or {}).items()):
        values = np.asarray(values, dtype=np.float64).ravel()
        if values.shape != steps.shape:
            raise ValueError(
                f"estimate {label!r} has {values.size} values but there are {steps.size} "
                "epsilons; give one value per epsilon"
            )
        shown = np.where(np.isfinite(values) & (values > 0), values, np.nan)
        axis.plot(
            steps,
            shown,
            color=_ESTIMATE_COLOUR,
            linewidth=2.5,
            alpha=0.6,
            solid_capstyle="butt",
            label=together if number == 0 else None,
            zorder=2,
        )
    if mark_epsilon is not None:
        axis.axvline(mark_epsilon, color=_INK, linestyle=_MARK_STYLE, linewidth=1.0, zorder=1)
        axis.text(
            mark_epsilon,
            0.03,
            f" ε = {_short_number(mark_epsilon)}",
            transform=blended_transform_factory(axis.transData, axis.transAxes),
            fontsize=8,
            va="bottom",
        )
    axis.set_xlabel("step ε (log scale)", fontsize=9)
    axis.set_ylabel(ylabel, fontsize=9)
    axis.set_title(title, fontsize=10)
    axis.tick_params(labelsize=8)
    if show_bands:
        drawn = np.concatenate(
            [values[np.isfinite(values) & (values > 0)] for values in series.values()]
        )
        low_y = min(AXIS_FLOOR, drawn.min()) if drawn.size else AXIS_FLOOR
        high_y = max(AXIS_CEILING, drawn.max()) if drawn.size else AXIS_CEILING
        axis.set_ylim(low_y, high_y)
        _style_log_difference_axis(axis, "y", every=3, thresholds=False)
    handles, _ = axis.get_legend_handles_labels()
    rows = math.ceil(len(handles) / 2)
    figure.set_size_inches(FIGURE_SIZE[0], FIGURE_SIZE[1] + 0.17 * rows)
    bottom = (0.45 + 0.17 * rows) / (FIGURE_SIZE[1] + 0.17 * rows)
    figure.subplots_adjust(bottom=bottom, top=1 - 0.33 / (FIGURE_SIZE[1] + 0.17 * rows))
    axis.legend(
        fontsize=7.5,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16 - 0.02 * rows),
        ncols=2,
        frameon=False,
    )
    return figure


#: The nodes of the batch-normalization graph: name -> (x, y, label, forward equation, where
#: the equation goes relative to the node).
_BATCHNORM_NODES = {
    "x": (0.0, 0.0, r"$x$", "input", (0, -0.42)),
    "mu": (1.5, 1.35, r"$\mu$", r"$\mu = \frac{1}{N}\sum_n x$", (0, 0.45)),
    "xc": (3.0, 0.0, r"$x_c$", r"$x_c = x - \mu$", (0, -0.42)),
    "var": (4.5, 1.35, r"$\sigma^2$", r"$\sigma^2 = \frac{1}{N}\sum_n x_c^2$", (0, 0.45)),
    "std": (6.0, 1.35, r"$s$", r"$s = \sqrt{\sigma^2 + \epsilon}$", (0, 0.45)),
    "xhat": (7.5, 0.0, r"$\hat{x}$", r"$\hat{x} = x_c / s$", (0, -0.42)),
    "out": (9.3, 0.0, "out", r"$\gamma \hat{x} + \beta$", (0.95, 0)),
    "gamma": (9.3, 1.35, r"$\gamma$", "scale", (0.6, 0)),
    "beta": (9.3, -1.35, r"$\beta$", "shift", (0.6, 0)),
}
#: The three ways x reaches the output, each with its colour, line style and term of dx.
_BATCHNORM_PATHS = {
    "direct": ("#0072B2", "-", r"through $\hat{x}$: $d\hat{x} / s$"),
    "variance": ("#D55E00", "--", r"through $\sigma^2$: $2\, x_c\, d\sigma^2 / N$"),
    "mean": ("#CC79A7", ":", r"through $\mu$: $d\mu / N$"),
}
#: Each edge of the graph (forward direction), the path it belongs to, and its backward line.
_BATCHNORM_EDGES = [
    ("x", "xc", None, r"$dx_c$ (direct + variance)", (0, -0.28)),
    ("xc", "xhat", "direct", r"$d\hat{x} / s$", (0, -0.28)),
    ("xc", "var", "variance", r"$2 x_c d\sigma^2 / N$", (0.55, -0.05)),
    ("var", "std", "variance", r"$d\sigma^2 = ds / 2s$", (0, -0.28)),
    ("std", "xhat", "variance", r"$ds = -\sum d\hat{x}\, x_c / s^2$", (-1.0, -0.2)),
    ("x", "mu", "mean", r"$d\mu / N$", (-0.45, 0.05)),
    ("mu", "xc", "mean", r"$d\mu = -\sum dx_c$", (0.75, 0.05)),
    ("xhat", "out", None, r"$d\hat{x} = dout\, \gamma$", (0, -0.28)),
    ("gamma", "out", None, r"$d\gamma = \sum dout\, \hat{x}$", (-0.85, 0)),
    ("beta", "out", None, r"$d\beta = \sum dout$", (-0.7, 0)),
]


def batchnorm_graph_figure() -> Figure:
    """Draw batch normalization as a computational graph, with the backward line of each edge.

    The input x reaches the output along three paths (directly through x̂, through the
    variance, through the mean); the three terms of dx come from them. Each path has its own
    colour *and* line style, named in the legend, so the figure reads in grey too.

    Returns
    -------
    matplotlib.figure.Figure
        A 9 x 3.6 inch figure, nodes labelled with their forward equations.

    Examples
    --------
    >>> figure = batchnorm_graph_figure()
    >>> len(figure.axes)
    1
    """
    figure = _new_figure((9.0, 3.6))
    axis = figure.add_axes((0.01, 0.16, 0.98, 0.74))
    axis.set_xlim(-0.5, 10.6)
    axis.set_ylim(-1.85, 1.95)
    axis.set_axis_off()
    for name, (x, y, label, equation, (ex, ey)) in _BATCHNORM_NODES.items():
        parameter = name in ("gamma", "beta")
        axis.text(
            x,
            y,
            label,
            ha="center",
            va="center",
            fontsize=12,
            zorder=3,
            bbox={
                "boxstyle": "round,pad=0.35",
                "facecolor": "#F2F2F2" if parameter else "white",
                "edgecolor": _INK,
            },
        )
        axis.text(x + ex, y + ey, equation, ha="center", va="center", fontsize=8.5, color="#555555")
    for start, end, path, backward, (dx, dy) in _BATCHNORM_EDGES:
        colour, style, _ = _BATCHNORM_PATHS[path] if path else (_INK, "-", "")
        (x0, y0, *_), (x1, y1, *_) = _BATCHNORM_NODES[start], _BATCHNORM_NODES[end]
        axis.annotate(
            "",
            xy=(x1, y1),
            xytext=(x0, y0),
            arrowprops={
                "arrowstyle": "-|>",
                "color": colour,
                "linestyle": style,
                "linewidth": 2.0 if path else 1.2,
                "shrinkA": 14,
                "shrinkB": 14,
            },
            zorder=2,
        )
        axis.text(
            (x0 + x1) / 2 + dx,
            (y0 + y1) / 2 + dy,
            backward,
            ha="center",
            va="center",
            fontsize=8.5,
            color=colour,
        )
    handles = [
        axis.plot([], [], color=colour, linestyle=style, linewidth=2.0, label=label)[0]
        for colour, style, label in _BATCHNORM_PATHS.values()
    ]
    figure.legend(
        handles=handles,
        loc="lower center",
        ncols=3,
        fontsize=8.5,
        frameon=False,
        title=r"$dx = dx_c + d\mu / N$: the three terms of dx, one per path from x to out",
        title_fontsize=9,
    )
    figure.suptitle(
        "Batch normalization, forward left to right; the backward line of each edge beside it",
        fontsize=10,
        y=0.98,
    )
    return figure
