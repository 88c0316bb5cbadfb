"""The widgets the lab and the hunt share: the three live figures and the error box.

:class:`~gradcheck_lib.lab.BugLab` and :class:`~gradcheck_lib.hunt.BugHunt` both show a check as
the threshold ladder, the per-parameter plot and the gap heatmap of the worst array
(:class:`FigurePanel`), and both put a callback's exception on screen instead of losing it in the
kernel log (:func:`errors_shown`). What they say is :mod:`gradcheck_lib.lab_text`'s.
"""

from __future__ import annotations

import contextlib
import html
import traceback
from collections.abc import Iterator

import ipywidgets as widgets

from .compare import Verdict, worst_first
from .lab_text import symbol
from .plots import GAP_LIMITS, RENDER_DPI, GapHeatmap, ParameterBars, ThresholdLadder
from .report import GradCheckReport

__all__ = ["FigurePanel", "errors_shown"]


@contextlib.contextmanager
def errors_shown(view: widgets.HTML, what: str = "The lab") -> Iterator[None]:
    """Show any exception raised inside the block in ``view``, with its traceback folded.

    Parameters
    ----------
    view : ipywidgets.HTML
        Where the error goes (a widget value, so the browser and tests both see it).
    what : str, optional
        The subject of the message, e.g. ``"The hunt"`` ("The hunt hit an error: ...").
    """
    try:
        yield
    except Exception as error:  # noqa: BLE001 - every error must reach the learner
        trace = "".join(traceback.format_exception(error))
        view.value = (
            "<div style='background:#fbdcc4;border-left:6px solid #D55E00;padding:4px 8px'>"
            f"<b>{symbol(Verdict.CRITICAL)} {html.escape(what)} hit an error:</b> "
            f"{html.escape(type(error).__name__)}: {html.escape(str(error))}"
            f"<details><summary>traceback</summary><pre>{html.escape(trace)}</pre>"
            "</details></div>"
        )


class FigurePanel:
    """The threshold ladder, the per-parameter plot and the worst array's gap heatmap, as PNGs.

    The figures stay alive between checks and are re-rendered by redrawing only what changed
    (see :mod:`gradcheck_lib.plots`).

    Parameters
    ----------
    dpi : float, optional
        Resolution of the three figures.

    Attributes
    ----------
    ladder, bars, heatmap : ThresholdLadder, ParameterBars, GapHeatmap
        The live figures.
    ladder_image, bars_image, heatmap_image : ipywidgets.Image
        Their latest renders.
    box : ipywidgets.Box
        The three images, side by side, wrapping on a narrow page.
    """

    def __init__(self, dpi: float = RENDER_DPI) -> None:
        self.ladder = ThresholdLadder(None, dpi=dpi)
        self.bars = ParameterBars({}, dpi=dpi)
        self.heatmap = GapHeatmap([[1.0]], "W1", limits=GAP_LIMITS, dpi=dpi)
        image_layout = widgets.Layout(max_width="100%", height="auto")
        self.ladder_image = widgets.Image(format="png", layout=image_layout)
        self.bars_image = widgets.Image(format="png", layout=image_layout)
        self.heatmap_image = widgets.Image(format="png", layout=image_layout)
        self.box = widgets.Box(
            [self.ladder_image, self.bars_image, self.heatmap_image],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start"),
        )

    def show(self, report: GradCheckReport) -> None:
        """Draw ``report``: its difference, each array's, and the gaps of the worst array."""
        worst = worst_first(report.by_parameter)[0]
        self.ladder.update(report.difference)
        self.bars.update(report.by_parameter)
        self.heatmap.update(report.gaps(worst), worst)
        self.ladder_image.value = self.ladder.png()
        self.bars_image.value = self.bars.png()
        self.heatmap_image.value = self.heatmap.png()

    def prepare_heatmap_backgrounds(self, report: GradCheckReport) -> None:
        """Draw the heatmap's background once per parameter shape now, not on the first change."""
        shown = self.heatmap.name
        for name in report.layout.names:
            self.heatmap.update(report.gaps(name), name)
            self.heatmap.png()
        self.heatmap.update(report.gaps(shown), shown)
