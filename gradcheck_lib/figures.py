"""Shared figure machinery and style: pyplot-free figures, live re-rendering, verdict bands.

Every figure of the course is a :class:`CourseFigure` made without pyplot, so nothing is registered
globally or shown as a side effect. :class:`_LiveFigure` keeps a figure alive and redraws only its
changing artists. The four verdict bands use the Okabe-Ito colour-blind-safe palette, and each band
is also named in text with its symbol, so no information is carried by colour alone.
"""

from __future__ import annotations

import io
import math
from collections.abc import Hashable

import PIL.Image
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
from matplotlib.transforms import blended_transform_factory

from gradcheck_lib.compare import THRESHOLDS, Verdict, classify

__all__ = [
    "AXIS_CEILING",
    "AXIS_FLOOR",
    "BAND_COLOURS",
    "EXCELLENT_LINE",
    "FIGURE_SIZE",
    "GAP_LIMITS",
    "RENDER_DPI",
    "CourseFigure",
    "band_limits",
    "render_png",
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
