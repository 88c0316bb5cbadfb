"""The gap heatmap: the gap |analytical - numerical| of each entry of one array, log colours."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
from matplotlib import colormaps
from matplotlib.colors import LogNorm
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator, NullFormatter
from numpy.typing import ArrayLike, NDArray

from gradcheck_lib.figures import (
    _COLOUR_BAR_WIDTH,
    _MISSING_COLOUR,
    AXIS_FLOOR,
    FIGURE_SIZE,
    RENDER_DPI,
    _decade_label,
    _LiveFigure,
)

__all__ = ["GapHeatmap", "gap_heatmap"]


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
