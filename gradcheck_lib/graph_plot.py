"""The batch-normalization graph figure: forward equations and the backward line of each edge."""

from __future__ import annotations

from matplotlib.figure import Figure

from gradcheck_lib.figures import _INK, _new_figure

__all__ = ["batchnorm_graph_figure"]


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
