"""The bug-hunt lab: tick realistic backprop bugs and watch the gradient check's verdict move.

Thin glue over :mod:`gradcheck_lib.bugs` (what to check), :mod:`gradcheck_lib.check` (the check)
and :mod:`gradcheck_lib.plots` (the figures), in ipywidgets. ``bug_lab()`` returns a
:class:`BugLab` that displays itself as the last expression of a notebook cell.

Every widget change re-runs the check and redraws everything synchronously, inside the callback,
so code (tests, notebook challenges) can set a widget's value and read the result on the next
line. The figures are kept alive and re-rendered to PNG by redrawing only what changed, so a
toggle takes well under 150 ms.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import math
import time
from collections.abc import Iterator

import ipywidgets as widgets

from . import bugs as bug_catalog
from .bugs import CATALOG, settings_for
from .lab_text import bug_lines_html, diagnosis_html, diagnosis_text, settings_text, verdict_html
from .lab_views import FigurePanel, errors_shown
from .network import ACTIVATIONS, DEFAULT_SETTINGS, NetworkSettings
from .numeric import DEFAULT_EPSILON
from .plots import RENDER_DPI
from .report import GradCheckReport

__all__ = [
    "EPSILON_RANGE",
    "LAMBDA_RANGE",
    "BugHunt",  # noqa: F822 - re-exported lazily from gradcheck_lib.hunt
    "BugLab",
    "bug_hunt",  # noqa: F822 - re-exported lazily from gradcheck_lib.hunt
    "bug_lab",
    "diagnosis_html",
    "diagnosis_text",
    "settings_text",
    "verdict_html",
]

#: The ε slider's range, as (lowest, highest): from deep in rounding noise to a coarse step.
EPSILON_RANGE = (1e-10, 1e-1)
#: The λ slider's range and step: up to where the regularization bugs change band.
LAMBDA_RANGE = (0.0, 5.0, 0.05)
#: Steps of the ε slider, in decades (0.1 decade is about 26 %).
EPSILON_STEP_DECADES = 0.1


def _lines_html(names: list[str]) -> str:
    """The wrong line and the right line of each ticked bug, as HTML."""
    if not names:
        return (
            "<i>No bug is on: the backward pass is the correct one. Tick a bug above to "
            "inject it.</i>"
        )
    return bug_lines_html(names)


class BugLab:
    """The bug-hunt lab: one checkbox per catalog bug, controls, verdict, text and figures.

    Parameters
    ----------
    settings : NetworkSettings, optional
        The network's default settings (λ and activation seed the controls; reset returns here).
    epsilon : float, optional
        The default step ε.
    dpi : float, optional
        Resolution of the three figures.

    Attributes
    ----------
    bug_boxes : dict of str to ipywidgets.Checkbox
        Catalog name -> checkbox whose description is the bug's title, in catalog order.
    epsilon_slider : ipywidgets.FloatLogSlider
        The step ε, from 1e-10 to 1e-1.
    lambd_slider : ipywidgets.FloatSlider
        The L2 strength λ.
    activation_toggle : ipywidgets.ToggleButtons
        The hidden activation, "tanh" or "relu".
    reset_button : ipywidgets.Button
        Restores every control to its default.
    report : GradCheckReport
        The current check (re-computed on every change).
    verdict_view : ipywidgets.HTML
        Verdict word and symbol, and the difference in scientific notation; it carries the DOM
        class ``gradcheck-verdict``.
    diagnosis_view, settings_view, lines_view, error_view : ipywidgets.HTML
        Which parameter to look at first; the network checked; the wrong and right lines of the
        ticked bugs; the last callback's error (empty when none).
    ladder, bars, heatmap : ThresholdLadder, ParameterBars, GapHeatmap
        The live figures, shown as PNG in ``ladder_image``, ``bars_image`` and ``heatmap_image``.
    checks : int
        Gradient checks run so far: one per change (tests count work with it).
    last_update_ms : float
        Duration of the last update, from the change to the last figure rendered.
    root : ipywidgets.VBox
        The whole lab, what a notebook displays.

    Examples
    --------
    >>> lab = BugLab()
    >>> lab.bug_boxes["dW2_doubled"].value = True
    >>> lab.report.verdict
    <Verdict.CRITICAL: 'critical'>
    """

    def __init__(
        self,
        settings: NetworkSettings = DEFAULT_SETTINGS,
        *,
        epsilon: float = DEFAULT_EPSILON,
        dpi: float = RENDER_DPI,
    ) -> None:
        self.default_settings = settings
        self.default_epsilon = float(epsilon)
        self.checks = 0
        self.last_update_ms = 0.0
        self.report: GradCheckReport | None = None
        self._holding = False
        self._build_controls()
        self._build_views(dpi)
        self.root = self._layout()
        self.update()
        self._prepare_heatmap_backgrounds()

    # -- construction ---------------------------------------------------------------------------

    def _build_controls(self) -> None:
        self.bug_boxes: dict[str, widgets.Checkbox] = {}
        for name, bug in CATALOG.items():
            box = widgets.Checkbox(
                value=False,
                description=bug.title,
                indent=False,
                tooltip=f"{name}: corrupts {', '.join('d' + p for p in bug.affects)}",
                layout=widgets.Layout(width="auto", margin="0 12px 0 0"),
            )
            box.add_class("gradcheck-bug")
            box.observe(self._on_change, names="value")
            self.bug_boxes[name] = box
        low, high = EPSILON_RANGE
        self.epsilon_slider = widgets.FloatLogSlider(
            value=self.default_epsilon,
            base=10,
            min=round(math.log10(low)),
            max=round(math.log10(high)),
            step=EPSILON_STEP_DECADES,
            description="step ε",
            readout_format=".1e",
            continuous_update=False,
            style={"description_width": "60px"},
            layout=widgets.Layout(width="380px"),
        )
        self.lambd_slider = widgets.FloatSlider(
            value=self.default_settings.lambd,
            min=LAMBDA_RANGE[0],
            max=LAMBDA_RANGE[1],
            step=LAMBDA_RANGE[2],
            description="L2 λ",
            readout_format=".2f",
            continuous_update=False,
            style={"description_width": "60px"},
            layout=widgets.Layout(width="380px"),
        )
        self.activation_toggle = widgets.ToggleButtons(
            options=list(ACTIVATIONS),
            value=self.default_settings.activation,
            description="activation",
            style={"description_width": "70px", "button_width": "70px"},
        )
        self.reset_button = widgets.Button(
            description="Reset", icon="undo", tooltip="untick every bug, restore ε, λ, activation"
        )
        for control in (self.epsilon_slider, self.lambd_slider, self.activation_toggle):
            control.observe(self._on_change, names="value")
        self.reset_button.on_click(self._on_reset)

    def _build_views(self, dpi: float) -> None:
        self.verdict_view = widgets.HTML()
        self.verdict_view.add_class("gradcheck-verdict")
        self.diagnosis_view = widgets.HTML()
        self.diagnosis_view.add_class("gradcheck-diagnosis")
        self.settings_view = widgets.HTML()
        self.lines_view = widgets.HTML()
        self.lines_view.add_class("gradcheck-lines")
        self.error_view = widgets.HTML()
        self.error_view.add_class("gradcheck-error")
        self.report_view = widgets.HTML()
        self.figures = FigurePanel(dpi)
        self.ladder, self.bars, self.heatmap = (
            self.figures.ladder,
            self.figures.bars,
            self.figures.heatmap,
        )
        self.ladder_image = self.figures.ladder_image
        self.bars_image = self.figures.bars_image
        self.heatmap_image = self.figures.heatmap_image

    def _layout(self) -> widgets.VBox:
        heading = widgets.HTML(
            "<b>Bugs</b>: tick one or more to inject them into the backward pass "
            "(each replaces one line)."
        )
        grid = widgets.GridBox(
            list(self.bug_boxes.values()),
            layout=widgets.Layout(
                grid_template_columns="repeat(auto-fill, minmax(300px, 1fr))",
                grid_gap="0 8px",
            ),
        )
        controls = widgets.HBox(
            [self.epsilon_slider, self.lambd_slider, self.activation_toggle, self.reset_button],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        full_report = widgets.Accordion([self.report_view], titles=("Full report",))
        full_report.selected_index = None
        root = widgets.VBox(
            [
                heading,
                grid,
                controls,
                self.error_view,
                self.verdict_view,
                self.diagnosis_view,
                self.settings_view,
                self.lines_view,
                self.figures.box,
                full_report,
            ],
            layout=widgets.Layout(width="100%"),
        )
        root.add_class("gradcheck-lab")
        return root

    def _prepare_heatmap_backgrounds(self) -> None:
        """Draw the heatmap's background once per parameter shape now, not on the first toggle."""
        if self.report is not None:
            self.figures.prepare_heatmap_backgrounds(self.report)

    # -- state ----------------------------------------------------------------------------------

    @property
    def active_bugs(self) -> list[str]:
        """Names of the ticked bugs, in catalog order."""
        return [name for name, box in self.bug_boxes.items() if box.value]

    @property
    def settings(self) -> NetworkSettings:
        """The network settings the controls ask for (before any bug's needs)."""
        return dataclasses.replace(
            self.default_settings,
            lambd=float(self.lambd_slider.value),
            activation=str(self.activation_toggle.value),
        )

    @contextlib.contextmanager
    def hold(self) -> Iterator[None]:
        """Change several widgets with a single update at the end.

        Examples
        --------
        >>> lab = BugLab()
        >>> with lab.hold():
        ...     lab.bug_boxes["dW2_doubled"].value = True
        ...     lab.lambd_slider.value = 1.0
        >>> lab.checks
        2
        """
        outer = self._holding
        self._holding = True
        try:
            yield
        finally:
            self._holding = outer
            if not outer:
                self.update()

    def reset(self) -> None:
        """Untick every bug and restore ε, λ and the activation to their defaults."""
        with self.hold():
            for box in self.bug_boxes.values():
                box.value = False
            self.epsilon_slider.value = self.default_epsilon
            self.lambd_slider.value = self.default_settings.lambd
            self.activation_toggle.value = self.default_settings.activation

    # -- callbacks ------------------------------------------------------------------------------

    def _on_change(self, _change: dict) -> None:
        if not self._holding:
            self.update()

    def _on_reset(self, _button: widgets.Button) -> None:
        with self._errors_shown():
            self.reset()

    def _errors_shown(self) -> contextlib.AbstractContextManager[None]:
        """Show any exception in the lab's error area instead of losing it in the kernel log."""
        return errors_shown(self.error_view, "The lab")

    def update(self) -> None:
        """Re-run the check for the current controls and redraw the text and figures.

        Any exception is shown in :attr:`error_view`; the previous report stays on screen.
        """
        if self._holding:
            return
        with self._errors_shown():
            start = time.perf_counter()
            bugs = self.active_bugs
            requested = self.settings
            effective = settings_for(bugs, requested)
            report = bug_catalog.check_network(
                requested, bugs, epsilon=float(self.epsilon_slider.value)
            )
            self.checks += 1
            self.report = report
            self._show(report, requested, effective, bugs)
            self.error_view.value = ""
            self.last_update_ms = (time.perf_counter() - start) * 1000.0

    def _show(
        self,
        report: GradCheckReport,
        requested: NetworkSettings,
        effective: NetworkSettings,
        bugs: list[str],
    ) -> None:
        self.verdict_view.value = verdict_html(report)
        self.diagnosis_view.value = diagnosis_html(report)
        self.settings_view.value = (
            f"<div style='color:#333'>{html.escape(settings_text(requested, effective, bugs))}"
            "</div>"
        )
        self.lines_view.value = _lines_html(bugs)
        self.report_view.value = report._repr_html_()
        self.figures.show(report)

    # -- display --------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        """Display the lab's root widget (JupyterLab, Voilà, VS Code)."""
        return self.root._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        verdict = "no report" if self.report is None else self.report.summary()
        on = ", ".join(self.active_bugs) or "no bug"
        return f"<BugLab: {on}; {verdict}>"


def bug_lab(
    settings: NetworkSettings = DEFAULT_SETTINGS, *, epsilon: float = DEFAULT_EPSILON
) -> BugLab:
    """Build the bug-hunt lab; display it by making it a cell's last expression.

    Parameters
    ----------
    settings : NetworkSettings, optional
        Default network settings. The course's defaults (λ = 0.1, tanh, a fixed dropout seed)
        make every catalog bug visible on its own.
    epsilon : float, optional
        Default step ε (1e-7).

    Returns
    -------
    BugLab
        The lab, already showing the check of the correct network.

    Examples
    --------
    >>> lab = bug_lab()
    >>> lab.report.verdict
    <Verdict.EXCELLENT: 'excellent'>
    """
    return BugLab(settings, epsilon=epsilon)


def __getattr__(name: str) -> object:
    """Re-export the hunt (gradcheck_lib.hunt builds on this module, so it is imported lazily)."""
    if name in ("BugHunt", "bug_hunt"):
        from . import hunt

        return getattr(hunt, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
