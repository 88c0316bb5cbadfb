"""The ε-sweep figure: error against step size on log-log axes (the V curve)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory
from numpy.typing import ArrayLike, NDArray

from gradcheck_lib.figures import (
    _ESTIMATE_COLOUR,
    _GUIDE_STYLES,
    _INK,
    _MARK_STYLE,
    _OTHER_GUIDE_STYLE,
    _SERIES_COLOURS,
    AXIS_CEILING,
    AXIS_FLOOR,
    FIGURE_SIZE,
    _new_figure,
    _shade_bands,
    _style_log_difference_axis,
)

__all__ = ["epsilon_sweep_figure"]


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
