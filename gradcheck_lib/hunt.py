"""Mystery mode of the lab: one hidden catalog bug per round; read the check and name the culprit.

``bug_hunt(seed=0)`` returns a :class:`BugHunt` that displays itself in a notebook (JupyterLab,
Voilà). Each round injects one catalog bug, drawn by the seed (:func:`~gradcheck_lib.hunt_rules.
round_bug`), into the same network, and shows what the check shows: the verdict, the diagnosis,
the three figures of the lab and the full report, never the bug's title, line, hint or name.
The learner picks a culprit among the catalog's titles and submits; the hunt says whether it is
right and, when it is not, which clue in the report points elsewhere
(:func:`~gradcheck_lib.hunt_rules.judge`). A wrong guess may be followed by another one; the
wrong and right lines appear when the round is solved or revealed. The score counts a round as
played once (at its first answer, or at a reveal) and as won when its first answer is right.

Every click updates the widgets synchronously, inside the callback, so tests can click a button
and read the result on the next line. Before a round is solved or revealed its secret is in no
widget's value (the guess list holds every title, and its value is empty).
"""

from __future__ import annotations

import contextlib
import html

import ipywidgets as widgets

from .bugs import CATALOG
from .compare import Verdict
from .hunt_rules import (
    HUNT_SETTINGS,
    Judgement,
    evidence_text,
    judge,
    lookalike_groups,
    round_bug,
    round_report,
)
from .lab_text import (
    SYMBOL_FONTS,
    bug_lines_html,
    diagnosis_html,
    settings_text,
    symbol,
    verdict_html,
)
from .lab_views import FigurePanel, errors_shown
from .numeric import DEFAULT_EPSILON
from .plots import RENDER_DPI
from .report import GradCheckReport

__all__ = ["BugHunt", "bug_hunt"]


_ROUND_OVER = "This round is over: click <b>Next round</b> for a new bug."


def _box(text: str, colour: str) -> str:
    return (
        f'<div style="border-left:6px solid {colour};padding:4px 10px;margin:4px 0;'
        f'font-family:{SYMBOL_FONTS}">{text}</div>'
    )


class BugHunt:
    """The bug hunt: a hidden bug per round, the check's view of it, a guess, a score.

    Parameters
    ----------
    seed : int, optional
        Seed of the sequence of rounds; the same seed gives the same bugs in the same order.
    start_round : int, optional
        The round to begin with (1 is the first): ``start_round=3`` gives everyone round 3.
    epsilon : float, optional
        The step of every round's check.
    dpi : float, optional
        Resolution of the figures.

    Attributes
    ----------
    guess : ipywidgets.Dropdown
        The culprit to submit; its options are the catalog's titles, its value starts empty.
    submit, reveal, next_round : ipywidgets.Button
        Judge the guess; show the answer (the round counts as played, not won); start the next
        round.
    feedback : ipywidgets.HTML
        Right or wrong, and why; empty until the first answer.
    report : GradCheckReport
        The current round's check.
    round_view, verdict_view, diagnosis_view, settings_view, lines_view, error_view :
    ipywidgets.HTML
        Which round; the verdict (DOM class ``gradcheck-hunt``); the diagnosis; the network
        checked (the same every round); the wrong and right lines once the round is over; the
        last callback's error (empty when none).
    score_view : ipywidgets.Label
        The score in words.
    figures : FigurePanel
        The lab's three figures of the current check.
    lookalikes : list of frozenset of str
        Groups of bugs whose reports read the same; naming any member wins.
    root : ipywidgets.VBox
        The whole hunt, what a notebook displays.

    Examples
    --------
    >>> hunt = BugHunt(seed=0)
    >>> hunt.score
    (0, 0)
    >>> hunt.reveal.click()
    >>> hunt.score
    (0, 1)
    """

    def __init__(
        self,
        seed: int = 0,
        *,
        start_round: int = 1,
        epsilon: float = DEFAULT_EPSILON,
        dpi: float = RENDER_DPI,
    ) -> None:
        round_bug(seed, start_round)  # validates both, naming the argument
        self.seed = int(seed)
        self.epsilon = float(epsilon)
        self.lookalikes = lookalike_groups(
            {name: round_report(name, self.epsilon) for name in CATALOG}
        )
        self._won = 0
        self._played = 0
        self._build(dpi)
        self.root = self._layout()
        self.go_to_round(start_round)
        self.figures.prepare_heatmap_backgrounds(self.report)

    # -- construction ---------------------------------------------------------------------------

    def _build(self, dpi: float) -> None:
        self._titles = {bug.title: name for name, bug in CATALOG.items()}
        self.guess = widgets.Dropdown(
            options=list(self._titles),
            value=None,
            description="Culprit",
            style={"description_width": "60px"},
            layout=widgets.Layout(width="420px"),
        )
        self.guess.add_class("gradcheck-hunt-guess")
        self.submit = widgets.Button(
            description="Submit guess", icon="check", button_style="primary"
        )
        self.reveal = widgets.Button(description="Reveal", icon="eye")
        self.next_round = widgets.Button(description="Next round", icon="forward")
        self.submit.on_click(self._on_submit)
        self.reveal.on_click(self._on_reveal)
        self.next_round.on_click(self._on_next_round)
        self.round_view = widgets.HTML()
        self.round_view.add_class("gradcheck-hunt-round")
        self.score_view = widgets.Label()
        self.score_view.add_class("gradcheck-hunt-score")
        self.verdict_view = widgets.HTML()
        self.verdict_view.add_class("gradcheck-hunt")
        self.diagnosis_view = widgets.HTML()
        self.diagnosis_view.add_class("gradcheck-hunt-diagnosis")
        self.settings_view = widgets.HTML(
            f"<div style='color:#333'>"
            f"{html.escape(settings_text(HUNT_SETTINGS, HUNT_SETTINGS, []))} "
            "Every round checks this same network.</div>"
        )
        self.feedback = widgets.HTML()
        self.feedback.add_class("gradcheck-hunt-feedback")
        self.lines_view = widgets.HTML()
        self.lines_view.add_class("gradcheck-hunt-lines")
        self.error_view = widgets.HTML()
        self.error_view.add_class("gradcheck-hunt-error")
        self.report_view = widgets.HTML()
        self.figures = FigurePanel(dpi)

    def _layout(self) -> widgets.VBox:
        full_report = widgets.Accordion([self.report_view], titles=("Full report",))
        full_report.selected_index = None
        answer = widgets.HBox(
            [self.guess, self.submit, self.reveal, self.next_round],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center"),
        )
        root = widgets.VBox(
            [
                widgets.HBox(
                    [self.round_view, self.score_view],
                    layout=widgets.Layout(justify_content="space-between", align_items="center"),
                ),
                self.error_view,
                self.verdict_view,
                self.diagnosis_view,
                self.settings_view,
                self.figures.box,
                full_report,
                answer,
                self.feedback,
                self.lines_view,
            ],
            layout=widgets.Layout(width="100%"),
        )
        root.add_class("gradcheck-bug-hunt")
        return root

    # -- state ----------------------------------------------------------------------------------

    @property
    def score(self) -> tuple[int, int]:
        """(rounds won, rounds played)."""
        return self._won, self._played

    @property
    def round(self) -> int:
        """The current round's number, 1 for the first."""
        return self._round

    @property
    def over(self) -> bool:
        """Whether the current round is solved or revealed (its lines are on screen)."""
        return self._over

    @property
    def culprit(self) -> str | None:
        """The hidden bug's title once the round is over, else None."""
        return CATALOG[self._hidden].title if self._over else None

    def go_to_round(self, round_number: int) -> None:
        """Start round ``round_number`` (1 is the first) of this seed's sequence.

        Parameters
        ----------
        round_number : int
            The round, e.g. 3 for "everyone gets round 3". The score is kept.
        """
        self._hidden = round_bug(self.seed, round_number)
        self._round = int(round_number)
        self._answers: list[Judgement] = []
        self._over = False
        self.report: GradCheckReport = round_report(self._hidden, self.epsilon)
        self.guess.value = None
        self.feedback.value = ""
        self.lines_view.value = ""
        self.error_view.value = ""
        self.submit.disabled = self.reveal.disabled = False
        self.round_view.value = (
            f"<b>Round {self._round}</b> (seed {self.seed}): one line of the backward pass is "
            "wrong. Read the check, then name the culprit."
        )
        self.verdict_view.value = verdict_html(self.report)
        self.diagnosis_view.value = diagnosis_html(self.report)
        self.report_view.value = self.report._repr_html_()
        self.figures.show(self.report)
        self._show_score()

    def answer(self, title: str) -> Judgement:
        """Submit ``title`` (a catalog title) as the culprit, as the Submit button does."""
        if title not in self._titles:
            raise ValueError(f"the guess must be one of the catalog's titles; got {title!r}")
        judgement = judge(self._titles[title], self._hidden, self.epsilon)
        if not self._answers and not self._over:
            self._played += 1
            self._won += judgement.right
        first = not self._answers
        self._answers.append(judgement)
        if judgement.right:
            self._finish()
        self.feedback.value = self._feedback_html(title, judgement, first)
        self._show_score()
        return judgement

    def show_answer(self) -> None:
        """Reveal the hidden bug, as Reveal does (an unanswered round counts as played, lost)."""
        if not self._answers and not self._over:
            self._played += 1
        was_over = self._over
        self._finish()
        if not was_over:
            culprit = html.escape(CATALOG[self._hidden].title)
            pointers = html.escape(evidence_text(self.report))
            self.feedback.value = _box(
                f"<b>The culprit was “{culprit}”.</b> How the report points at it: {pointers}.",
                "#0072B2",
            )
        self._show_score()

    def _finish(self) -> None:
        self._over = True
        self.submit.disabled = self.reveal.disabled = True
        self.lines_view.value = "<b>The line that was wrong:</b>" + bug_lines_html([self._hidden])

    def _feedback_html(self, title: str, judgement: Judgement, first: bool) -> str:
        culprit = CATALOG[self._hidden].title
        if judgement.right:
            heading = f"{symbol(Verdict.EXCELLENT)} Right"
            if not judgement.exact:
                heading += f": the hidden bug was “{html.escape(culprit)}”"
            note = "" if first else " (not your first answer, so this round is not won)"
            return _box(f"<b>{heading}.</b>{note} {html.escape(judgement.reason)}", "#009E73")
        retry = " Look again and guess once more, or reveal the answer."
        return _box(
            f"<b>{symbol(Verdict.ERROR)} Wrong: not “{html.escape(title)}”.</b> "
            f"{html.escape(judgement.reason)}{retry}",
            "#D55E00",
        )

    def _show_score(self) -> None:
        won, played = self.score
        self.score_view.value = f"Score: {won} won of {played} played"

    # -- callbacks ------------------------------------------------------------------------------

    def _errors_shown(self) -> contextlib.AbstractContextManager[None]:
        return errors_shown(self.error_view, "The hunt")

    def _on_submit(self, _button: widgets.Button) -> None:
        with self._errors_shown():
            self.error_view.value = ""
            if self._over:
                if _ROUND_OVER not in self.feedback.value:
                    self.feedback.value += _box(_ROUND_OVER, "#555555")
            elif self.guess.value is None:
                self.feedback.value = _box(
                    "Pick the culprit in the list first, then submit.", "#555555"
                )
            else:
                self.answer(self.guess.value)

    def _on_reveal(self, _button: widgets.Button) -> None:
        with self._errors_shown():
            self.error_view.value = ""
            self.show_answer()

    def _on_next_round(self, _button: widgets.Button) -> None:
        with self._errors_shown():
            self.go_to_round(self._round + 1)

    # -- display --------------------------------------------------------------------------------

    def _repr_mimebundle_(self, **kwargs: object) -> dict | None:
        """Display the hunt's root widget (JupyterLab, Voilà, VS Code)."""
        return self.root._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        won, played = self.score
        state = "over" if self._over else "open"
        return f"<BugHunt seed={self.seed}: round {self._round} ({state}); {won} won of {played}>"


def bug_hunt(seed: int = 0, *, start_round: int = 1, epsilon: float = DEFAULT_EPSILON) -> BugHunt:
    """Build the bug hunt; display it by making it a cell's last expression.

    Parameters
    ----------
    seed : int, optional
        Seed of the sequence of rounds. Every run of 15 rounds (the catalog's size) shows each
        catalog bug once; the same seed gives the same sequence on every machine.
    start_round : int, optional
        The first round to play: ``bug_hunt(seed=0, start_round=3)`` puts a whole class on
        round 3. ``hunt.go_to_round(k)`` jumps later on.
    epsilon : float, optional
        Step of each round's check (1e-7).

    Returns
    -------
    BugHunt
        The hunt, showing its first round.

    Examples
    --------
    >>> hunt = bug_hunt(seed=0)
    >>> hunt.score, hunt.round, hunt.culprit
    ((0, 0), 1, None)
    """
    return BugHunt(seed, start_round=start_round, epsilon=epsilon)
