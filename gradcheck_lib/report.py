"""GradCheckReport: the result of a gradient check, as numbers, a text table and HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .compare import Verdict, classify, worst_first
from .vectors import ParamLayout
from .wording import headline, kinks_sentence

__all__ = ["CheckedEntry", "GradCheckReport"]

#: Background colours of the verdicts (Okabe-Ito, colour-blind safe, lightened). The
#: verdict is always written too: colour is never the only signal.
VERDICT_COLOURS = {
    Verdict.EXCELLENT: "#d9f2e6",
    Verdict.WARNING: "#fdf0c8",
    Verdict.ERROR: "#fbdcc4",
    Verdict.CRITICAL: "#f4c9de",
}


@dataclass(frozen=True)
class CheckedEntry:
    """One checked value: an entry ``name[index]``, or a direction in array ``name``.

    ``index`` is an index tuple into the parameter array, e.g. ``(2, 0)``, or ``None``
    for a random direction (directional mode).
    """

    name: str
    index: tuple[int, ...] | None
    numerical: float
    analytical: float

    @property
    def gap(self) -> float:
        """|analytical − numerical|."""
        return abs(self.analytical - self.numerical)

    @property
    def where(self) -> str:
        """``"W1[2, 0]"``, or ``"W1 (direction)"``."""
        if self.index is None:
            return f"{self.name} (direction)"
        return f"{self.name}[{', '.join(map(str, self.index))}]"


@dataclass(frozen=True, repr=False)
class GradCheckReport:
    """The result of :func:`gradient_check`.

    Attributes
    ----------
    difference : float
        ‖a − n‖ / (‖a‖ + ‖n‖) over every checked value.
    verdict : Verdict
        The band of ``difference``: excellent, warning, error or critical.
    by_parameter : dict of str to float
        The relative difference of each parameter array (keys "W1", not "dW1").
    numerical, analytical : ndarray
        The checked values: every entry of θ (full mode), the sampled entries, or the
        directional derivatives.
    epsilon : float
        The step ε.
    mode : str
        "full", "directional" or "sample".
    evaluations : int
        Calls made to the cost.
    rounding_noise : bool
        True when the check is above the excellent band only because of floating-point
        rounding (of the cost or of the step), as the error model finds: no array is blamed
        and rounding explains every array that is off.
    scale_factors : dict of str to float
        k = ⟨a, n⟩ / ⟨n, n⟩ per array: 2.0 for a gradient twice too large, -1.0 for a sign
        flip, 1.0 when correct.
    kinks : list of CheckedEntry
        Entries whose ±ε step crossed a kink of the cost (ReLU at 0): their numerical
        gradient is unreliable, and a mismatch there does not blame the backward pass.
    notes : tuple of str
        Plain sentences: why an array that is not blamed looks off (rounding, truncation,
        kinks, a zero gradient), which gradient key was used, what was converted.
    diagnosis : dict of str to str
        One sentence for each array the report blames: its mismatch exceeds what the error
        model (:mod:`gradcheck_lib.diagnostics`) explains. Empty for a correct backward pass.
    layout : ParamLayout
        Names, shapes and offsets of the parameters.
    recheck : tuple of float, or None
        ``(step, difference)``: the smallest re-check step, and the difference once the
        re-checked values are replaced by their extrapolated estimates, when a re-check ran.
    explanations : dict of str to str
        For each array that is off but not blamed, the cause in a few words (the table's
        diagnosis column).
    causes : tuple of str
        The causes the error model found for what is not blamed: "kinks", "zero gradient",
        "rounding", "step rounding", "truncation", "resolution".
    """

    difference: float
    verdict: Verdict
    by_parameter: dict[str, float]
    numerical: NDArray[np.float64]
    analytical: NDArray[np.float64]
    epsilon: float
    mode: str
    evaluations: int
    rounding_noise: bool
    scale_factors: dict[str, float]
    kinks: list[CheckedEntry]
    notes: tuple[str, ...]
    diagnosis: dict[str, str]
    layout: ParamLayout
    probes: Any = field(compare=False)
    recheck: tuple[float, float] | None = None
    explanations: dict[str, str] = field(default_factory=dict)
    causes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """True when the verdict is excellent."""
        return self.verdict is Verdict.EXCELLENT

    def worst(self, k: int = 5) -> list[CheckedEntry]:
        """The ``k`` checked values with the largest |analytical − numerical|, largest first."""
        order = np.argsort(-np.abs(self.analytical - self.numerical), kind="stable")[:k]
        return [self.probes.entry(j, self.numerical[j], self.analytical[j]) for j in order]

    def gaps(self, name: str) -> NDArray[np.float64]:
        """|analytical − numerical| of each entry of parameter ``name``, shaped like it.

        NaN marks entries a sample check did not look at. Not available in directional mode.
        """
        if name not in self.layout.names:
            raise KeyError(
                f"no parameter named {name!r}; the parameters are {list(self.layout.names)}"
            )
        return self.probes.gaps(name, np.abs(self.analytical - self.numerical))

    def summary(self) -> str:
        """One line: verdict, difference, step, mode and cost."""
        return (
            f"{self.verdict.label}: difference {self.difference:.2e} "
            f"(ε={self.epsilon:g}, {self.mode} mode, {self.evaluations} cost evaluations)"
        )

    def meaning(self) -> str:
        """What the result says about the backward pass, in one sentence that agrees with the
        diagnosis: a blamed array is named; otherwise the cause the error model found."""
        return headline(self.verdict, self.diagnosis, self.causes, self._ranked())

    def advice(self) -> list[str]:
        """What to look at, in order: the diagnosis sentences (verbatim, worst array first),
        then kinks, then notes."""
        lines = [self.diagnosis[name] for name in self._ranked() if name in self.diagnosis]
        if self.kinks:
            lines.append(kinks_sentence([entry.where for entry in self.kinks]))
        return lines + list(self.notes)

    def _ranked(self) -> list[str]:
        return worst_first(self.by_parameter)

    def _rows(self) -> list[tuple[str, str, str, Verdict, str, str]]:
        """(name, shape, difference, verdict for the colour, verdict label, diagnosis).

        An array that is off but explained by the error model is labelled "✓ explained", on
        the excellent colour, with the cause beside it: a row never blames what the
        headline does not.
        """
        rows = []
        for name, shape in zip(self.layout.names, self.layout.shapes, strict=False):
            d = self.by_parameter[name]
            verdict = classify(d)
            label, text = verdict.label, self.diagnosis.get(name, "")
            if name not in self.diagnosis and verdict is not Verdict.EXCELLENT:
                verdict = Verdict.EXCELLENT
                label = f"{Verdict.EXCELLENT.symbol} explained"
                text = self.explanations.get(name, "not blamed")
            rows.append((name, str(shape), f"{d:.2e}", verdict, label, text))
        return rows

    def __str__(self) -> str:
        lines = [f"Gradient check {self.summary()}", f"  {self.meaning()}", ""]
        lines.append(
            f"  {'parameter':<10}{'shape':<11}{'difference':>10}   {'verdict':<12}diagnosis"
        )
        for name, shape, d, _, label, note in self._rows():
            lines.append(f"  {name:<10}{shape:<11}{d:>10}   {label:<12}{note}".rstrip())
        if not self.passed:
            lines += ["", "  worst entries:        numerical      analytical"]
            for entry in self.worst(3):
                lines.append(
                    f"  {entry.where:<18}{entry.numerical:>14.6e}  {entry.analytical:>14.6e}"
                )
        extra = [line for line in self.advice() if line not in self.diagnosis.values()]
        if extra:
            lines += [""] + [f"  note: {line}" for line in extra]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<GradCheckReport {self.summary()}>"

    def _repr_html_(self) -> str:
        def cell(text: str, verdict: Verdict | None = None, tag: str = "td") -> str:
            style = "padding:2px 8px;text-align:left;"
            if verdict is not None:
                style += f"background:{VERDICT_COLOURS[verdict]};"
            return f'<{tag} style="{style}">{html.escape(text)}</{tag}>'

        header = "".join(
            cell(t, tag="th") for t in ("parameter", "shape", "difference", "verdict", "diagnosis")
        )
        body = "".join(
            "<tr>" + cell(n) + cell(s) + cell(d) + cell(label, v) + cell(note) + "</tr>"
            for n, s, d, v, label, note in self._rows()
        )
        extra = [line for line in self.advice() if line not in self.diagnosis.values()]
        notes = "".join(f"<li>{html.escape(line)}</li>" for line in extra)
        worst = ""
        if not self.passed:
            items = "".join(
                f"<li><code>{html.escape(e.where)}</code>: numerical {e.numerical:.6e}, "
                f"analytical {e.analytical:.6e}</li>"
                for e in self.worst(3)
            )
            worst = f"<p style='margin:4px 0'>Worst entries:</p><ul style='margin:0'>{items}</ul>"
        colour = VERDICT_COLOURS[self.verdict]
        return (
            f'<div class="gradcheck-report">'
            f'<p style="background:{colour};padding:4px 8px;margin:0 0 4px 0">'
            f"<b>{html.escape(self.summary())}</b> — {html.escape(self.meaning())}</p>"
            f'<table style="border-collapse:collapse">'
            f"<tr>{header}</tr>{body}</table>{worst}"
            + (f"<ul style='margin:4px 0'>{notes}</ul>" if notes else "")
            + "</div>"
        )
