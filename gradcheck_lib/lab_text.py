"""What the lab and the hunt say: the verdict banner, the "why" line, the settings, a bug's lines.

Each function turns a :class:`~gradcheck_lib.report.GradCheckReport` (or the lab's settings)
into the HTML or text an ipywidgets.HTML shows. They speak the report's own words
(:meth:`~gradcheck_lib.report.GradCheckReport.meaning`, ``diagnosis``, ``notes``), so the banner
never tells another story than the report.
"""

from __future__ import annotations

import html
from collections.abc import Iterable

from .bugs import CATALOG
from .compare import Verdict, worst_first
from .network import NetworkSettings
from .report import VERDICT_COLOURS, GradCheckReport

__all__ = [
    "SYMBOL_FONTS",
    "bug_lines_html",
    "diagnosis_html",
    "diagnosis_text",
    "settings_text",
    "symbol",
    "verdict_html",
]

#: Fonts that have ✓ ⚠ ✗ ⊗ as text glyphs, so no browser falls back to a colour-emoji font.
SYMBOL_FONTS = "'DejaVu Sans', 'Noto Sans Symbols 2', 'Segoe UI Symbol', sans-serif"
_TEXT_PRESENTATION = "\ufe0e"  # variation selector 15: "draw the preceding symbol as text"


def symbol(verdict: Verdict) -> str:
    """The verdict's symbol, asking for its text (not emoji) form."""
    return verdict.symbol + _TEXT_PRESENTATION


def bug_lines_html(names: Iterable[str]) -> str:
    """The title, wrong line, right line and hint of each named catalog bug, as HTML.

    Parameters
    ----------
    names : iterable of str
        Catalog names, in the order to show them.

    Returns
    -------
    str
        One block per bug: its title and the arrays it corrupts, ``wrong:`` and ``right:``
        lines of code, and why. Empty when ``names`` is.
    """
    rows = []
    for name in names:
        bug = CATALOG[name]
        rows.append(
            f"<div style='margin:2px 0 6px 0'><b>{html.escape(bug.title)}</b> "
            f"<span style='color:#555'>(corrupts {', '.join('d' + p for p in bug.affects)})"
            f"</span><br>"
            f"<code style='white-space:pre'>{symbol(Verdict.CRITICAL)} wrong: "
            f"{html.escape(bug.line)}</code><br>"
            f"<code style='white-space:pre'>{symbol(Verdict.EXCELLENT)} right: "
            f"{html.escape(bug.correct)}</code><br>"
            f"<span style='color:#333'>Why: {html.escape(bug.hint)}</span></div>"
        )
    if not rows:
        return ""
    return f'<div style="font-family:{SYMBOL_FONTS}">{"".join(rows)}</div>'


def verdict_html(report: GradCheckReport) -> str:
    """The verdict line of the lab: word, symbol, difference in scientific notation, ε.

    Parameters
    ----------
    report : GradCheckReport
        The current check.

    Returns
    -------
    str
        An HTML fragment, e.g. ``... ✓ excellent ... d = 2.30e-09 ...``, on the verdict's
        colour-blind-safe background (the word and symbol carry the meaning, not the colour).

    Examples
    --------
    >>> from gradcheck_lib.bugs import check_network
    >>> "excellent" in verdict_html(check_network())
    True
    """
    verdict = report.verdict
    return (
        f'<div style="background:{VERDICT_COLOURS[verdict]};padding:6px 10px;'
        f'border-left:6px solid #222;font-family:{SYMBOL_FONTS};line-height:1.4">'
        f'<span style="font-size:1.5em;font-weight:bold">{symbol(verdict)} {verdict.value}'
        f"</span>&ensp;relative difference <b>d = {report.difference:.2e}</b>"
        f"&ensp;(ε = {report.epsilon:.1e})<br>"
        f"<span>{html.escape(report.meaning())}</span></div>"
    )


def diagnosis_text(report: GradCheckReport) -> str:
    """One plain sentence: which parameter's gradient to look at first, and why.

    Parameters
    ----------
    report : GradCheckReport
        The current check.

    Returns
    -------
    str
        The blamed array (``report.diagnosis``) with the largest relative difference, and its
        diagnosis; or, when nothing is blamed, that nothing needs fixing and why the numbers
        are off (the report's meaning and its first note: rounding, truncation, kinks).

    Examples
    --------
    >>> from gradcheck_lib.bugs import check_network
    >>> diagnosis_text(check_network(bugs=["dW2_doubled"]))
    'Look at dW2 first (its own relative difference is 3.3e-01): dW2 is 2.00× too large.'
    """
    by_parameter = report.by_parameter
    ranked_all = worst_first(by_parameter)
    worst = ranked_all[0]
    if report.diagnosis:
        ranked = [name for name in ranked_all if name in report.diagnosis]
        first, others = ranked[0], ranked[1:]
        also = f" Also off: {', '.join('d' + name for name in others)}." if others else ""
        text = (
            f"Look at d{first} first (its own relative difference is "
            f"{by_parameter[first]:.1e}): {report.diagnosis[first]}.{also}"
        )
    elif report.passed:
        text = (
            f"Nothing to fix: every gradient agrees with its numerical estimate "
            f"(the largest relative difference is d{worst}'s, {by_parameter[worst]:.1e})."
        )
    else:
        why = [note for note in report.notes if "not the code" in note or "not a bug" in note]
        text = f"Nothing to fix in the backward pass: {report.meaning()}."
        if why:
            text += f" {why[0]}."
    if report.kinks:
        many = len(report.kinks) > 1
        count = f"{len(report.kinks)} value" + ("s sit" if many else " sits")
        whose = "their" if many else "its"
        text += f" {count} on a kink of ReLU: {whose} numerical gradient is unreliable there."
    return text


def diagnosis_html(report: GradCheckReport) -> str:
    """:func:`diagnosis_text` as the lab's and the hunt's "Diagnosis:" line, in HTML."""
    return (
        f'<div style="font-family:{SYMBOL_FONTS}"><b>Diagnosis:</b> '
        f"{html.escape(diagnosis_text(report))}</div>"
    )


def settings_text(requested: NetworkSettings, effective: NetworkSettings, bugs: list[str]) -> str:
    """Describe the network actually checked, and why it differs from the controls, if it does.

    Parameters
    ----------
    requested : NetworkSettings
        What the controls say.
    effective : NetworkSettings
        What the check ran with, after each ticked bug's needs
        (:func:`~gradcheck_lib.bugs.settings_for`).
    bugs : list of str
        The ticked bugs' names.

    Returns
    -------
    str
        For example ``"Network: tanh, λ = 0.10, dropout off, 200 examples, 4 hidden units."``,
        plus a sentence for each setting a bug switched.
    """
    dropout = (
        "dropout off"
        if effective.keep_prob == 1.0
        else f"dropout keep_prob = {effective.keep_prob:g} with a fixed mask"
    )
    text = (
        f"Network: {effective.activation}, λ = {effective.lambd:.2f}, {dropout}, "
        f"{effective.m} examples, {effective.hidden} hidden units."
    )
    chosen = [CATALOG[name] for name in bugs]
    if effective.activation != requested.activation:
        needing = [bug.title for bug in chosen if bug.activation == effective.activation]
        text += (
            f" Checked with {effective.activation}, not {requested.activation}: "
            f"“{needing[0]}” only exists with {effective.activation}."
        )
    if effective.keep_prob != requested.keep_prob:
        needing = [bug.title for bug in chosen if bug.needs_dropout]
        text += f" Dropout switched on because “{needing[0]}” only exists with dropout."
    return text
