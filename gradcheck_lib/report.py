"""GradCheckReport: the result of a gradient check, as numbers, a text table and HTML."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .compare import Verdict, classify, relative_difference
from .vectors import ParamLayout

__all__ = ["CheckedEntry", "GradCheckReport", "diagnose"]

#: Background colours of the verdicts (Okabe-Ito, colour-blind safe, lightened). The
#: verdict is always written too: colour is never the only signal.
VERDICT_COLOURS = {
    Verdict.EXCELLENT: "#d9f2e6",
    Verdict.WARNING: "#fdf0c8",
    Verdict.ERROR: "#fbdcc4",
    Verdict.CRITICAL: "#f4c9de",
}


#: How a diagnosis says that an array's mismatch is explained by kinks alone.
KINK_ONLY = "disagrees only at entries that cross a kink"


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


def diagnose(name: str, analytical: NDArray, numerical: NDArray, k: float, shape) -> str:
    """One sentence on what is wrong with gradient ``d<name>``, from its scale factor ``k``.

    ``shape`` is the parameter's shape when ``analytical`` and ``numerical`` hold all of its
    entries (so a transposed matrix can be recognized), else ``None``.
    """
    grad = f"d{name}"
    if shape is not None and len(shape) == 2 and shape[0] == shape[1] > 1:
        square_a, square_n = analytical.reshape(shape), numerical.reshape(shape)
        if relative_difference(square_a.T, square_n) < 0.1 * relative_difference(
            square_a, square_n
        ):
            return f"{grad} looks transposed"
    if not np.isfinite(k):
        return f"{grad} is not zero, but the numerical gradient is: is {name} used in the cost?"
    if abs(k - 1) < 1e-3:
        return f"{grad} is slightly off, not by a constant factor: look for a small wrong term"
    if k == 0 or relative_difference(analytical, k * numerical) > 1e-3:
        return f"{grad} is off by more than a constant factor (best fit {k:.2f}×): a term is wrong"
    if abs(k + 1) < 0.01:
        return f"{grad} has the wrong sign"
    sign = "has the wrong sign and " if k < 0 else ""
    size = "too large" if abs(k) > 1 else "too small"
    return f"{grad} {sign}is {abs(k):.2f}× {size}"


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
        rounding (it falls below 1e-7 when the worst values are re-checked at ε=1e-5, or
        1e-4 for very small gradients).
    scale_factors : dict of str to float
        k = ⟨a, n⟩ / ⟨n, n⟩ per array: 2.0 for a gradient twice too large, -1.0 for a sign
        flip, 1.0 when correct.
    kinks : list of CheckedEntry
        Entries whose ±ε step crossed a kink of the cost (ReLU at 0): their numerical
        gradient is unreliable, and a mismatch there does not blame the backward pass.
    notes : tuple of str
        Plain-English remarks (rounding, float32, sampling).
    diagnosis : dict of str to str
        For each array that is not excellent, what its scale factor says.
    layout : ParamLayout
        Names, shapes and offsets of the parameters.
    recheck : tuple of float, or None
        ``(step, difference)`` of the last rounding re-check, when one ran.
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
        """What the result says about the backward pass, in one sentence."""
        if self.rounding_noise:
            return "only floating-point rounding: the backward pass is almost certainly correct"
        if (
            self.kinks
            and self.diagnosis
            and all(KINK_ONLY in text for text in self.diagnosis.values())
        ):
            return "every mismatch sits at a kink of the cost: the backward pass looks right"
        return self.verdict.meaning

    def advice(self) -> list[str]:
        """What to look at, in order: per-array diagnoses, kinks, then notes."""
        lines = [self.diagnosis[name] for name in self._ranked() if name in self.diagnosis]
        if self.kinks:
            where = ", ".join(entry.where for entry in self.kinks[:5])
            more = f" and {len(self.kinks) - 5} more" if len(self.kinks) > 5 else ""
            lines.append(
                f"{len(self.kinks)} entries crossed a kink of the cost ({where}{more}): their "
                "numerical gradient is unreliable there, which does not blame the backward pass"
            )
        return lines + list(self.notes)

    def _ranked(self) -> list[str]:
        return sorted(self.by_parameter, key=self.by_parameter.get, reverse=True)

    def _rows(self) -> list[tuple[str, str, str, Verdict, str]]:
        rows = []
        for name, shape in zip(self.layout.names, self.layout.shapes, strict=False):
            d = self.by_parameter[name]
            rows.append((name, str(shape), f"{d:.2e}", classify(d), self.diagnosis.get(name, "")))
        return rows

    def __str__(self) -> str:
        lines = [f"Gradient check {self.summary()}", f"  {self.meaning()}", ""]
        lines.append(
            f"  {'parameter':<10}{'shape':<11}{'difference':>10}   {'verdict':<12}diagnosis"
        )
        for name, shape, d, verdict, note in self._rows():
            lines.append(f"  {name:<10}{shape:<11}{d:>10}   {verdict.label:<12}{note}".rstrip())
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
            "<tr>" + cell(n) + cell(s) + cell(d) + cell(v.label, v) + cell(note) + "</tr>"
            for n, s, d, v, note in self._rows()
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
