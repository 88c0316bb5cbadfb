"""What a gradient check says in words: the diagnosis of a blamed array, the notes on what
the error model explains, and the headline. Numbers come from :mod:`gradcheck_lib.diagnostics`."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from .compare import THRESHOLDS, Verdict, classify, relative_difference

__all__ = ["SHORT_CAUSES", "cause_notes", "describe_mismatch", "headline", "kinks_sentence"]


def _percent(k: float) -> str:
    """``"0.1% too large"`` for k = 1.001."""
    size = "too large" if abs(k) > 1 else "too small"
    return f"{100 * abs(abs(k) - 1):.2g}% {size}"


def describe_mismatch(name: str, analytical: NDArray, numerical: NDArray, k: float, shape) -> str:
    """One sentence on what is wrong with gradient ``d<name>``, from its scale factor ``k``.

    ``shape`` is the parameter's shape when ``analytical`` and ``numerical`` hold all of its
    entries (so a transposed matrix can be recognized), else ``None``. Called only for arrays
    whose mismatch the error model does not explain.
    """
    grad = f"d{name}"
    if not analytical.any():
        return (
            f"{grad} is zero everywhere, but the numerical gradient is not (up to "
            f"{np.max(np.abs(numerical)):.1e}): the gradient is missing, or never computed"
        )
    if shape is not None and len(shape) == 2 and shape[0] == shape[1] > 1:
        square_a, square_n = analytical.reshape(shape), numerical.reshape(shape)
        if relative_difference(square_a.T, square_n) < 0.1 * relative_difference(
            square_a, square_n
        ):
            return f"{grad} looks transposed"
    if not np.isfinite(k) or not numerical.any():
        return f"{grad} is not zero, but the numerical gradient is: is {name} used in the cost?"
    before = relative_difference(analytical, numerical)
    after = relative_difference(analytical, k * numerical)
    if k == 0 or after > 0.1 * before:  # no single factor accounts for the mismatch
        if abs(k + 1) < 0.005:
            return f"{grad} has the wrong sign, and more is off than the sign: a term is wrong"
        if abs(k - 1) < 0.005:
            return f"{grad} is slightly off, not by a constant factor: look for a small wrong term"
        return f"{grad} is off by more than a constant factor (best fit {k:.2f}×): a term is wrong"
    if abs(k + 1) < 0.01:
        return f"{grad} has the wrong sign"
    sign = "has the wrong sign and " if k < 0 else ""
    if abs(abs(k) - 1) < 0.05:
        return f"{grad} {sign}is {_percent(k)}"
    size = "too large" if abs(k) > 1 else "too small"
    return f"{grad} {sign}is {abs(k):.2f}× {size}"


def _steps(steps) -> str:
    return " and ".join(f"ε={step:.0e}" for step in steps)


def _values(count: int) -> str:
    return f"{count} value" + ("" if count == 1 else "s")


def kinks_sentence(where: list[str]) -> str:
    """The advice's line on the values whose step crossed a kink (``where``: "W1[3, 0]", ...)."""
    shown = ", ".join(where[:5]) + (f" and {len(where) - 5} more" if len(where) > 5 else "")
    its = "its" if len(where) == 1 else "their"
    return (
        f"{_values(len(where))} crossed a kink of the cost ({shown}): {its} numerical gradient "
        "is unreliable there, which does not blame the backward pass"
    )


def _names(names) -> str:
    return ", ".join("d" + name for name in names)


#: How a table row says why an array that is not blamed looks off.
SHORT_CAUSES = {
    "kinks": "not blamed: its mismatch sits at kinks",
    "zero gradient": "not blamed: its gradient is exactly zero; the numerical one is rounding",
    "rounding": "not blamed: floating-point rounding",
    "step rounding": "not blamed: ε is rounded when added to its large values",
    "truncation": "not blamed: truncation, the step is too large",
    "resolution": "not blamed: its gradient is below what this step can resolve",
}


def cause_notes(causes, loose, analytical, numerical, best, kink_mask, first, recheck) -> list[str]:
    """One note per cause the error model found (``causes``: cause -> array names), and one on
    the arrays an excellent check could not explain (``loose``)."""
    notes = []
    step = first.step
    if causes["kinks"]:
        keep = ~kink_mask
        clean = relative_difference(analytical[keep], numerical[keep])
        count = int(kink_mask.sum())
        rest = (
            f" ({classify(clean).label})"
            if clean <= THRESHOLDS[Verdict.EXCELLENT]
            else ", and the rest is explained by the step (see the other notes)"
        )
        notes.append(
            f"Leaving out the {_values(count)} at kinks, the difference is {clean:.2e}{rest}"
        )
    if causes["zero gradient"]:
        notes.append(
            f"{_names(causes['zero gradient'])}: the gradient is exactly zero and the "
            "numerical one is only rounding noise, so the relative difference of 1 means "
            "nothing: the parameter does not change the cost (a bias just before a "
            "normalization does this). Not a bug"
        )
    if causes["rounding"]:
        where = _steps((recheck[0] * 2, recheck[0])) if recheck else ""
        if recheck is not None and recheck[1] < THRESHOLDS[Verdict.EXCELLENT]:
            fall = f"re-checked at {where}, it falls to {recheck[1]:.1e}"
        elif recheck is not None:
            fold = max(1.0, _overall(analytical, numerical, kink_mask) / max(recheck[1], 1e-300))
            fall = (
                f"re-checked at {where}, it falls {fold:.0f}-fold, "
                f"to {recheck[1]:.1e} (the gradient is so small that any step leaves a "
                "visible error)"
            )
        else:
            fall = f"rounding alone is about u·|J|/ε = {np.max(first.rounding):.1e} per value"
        notes.append(
            f"The mismatch in {_names(causes['rounding'])} is floating-point rounding, not a "
            f"bug: {fall}. Use a step between ε=1e-06 and ε=1e-04 to confirm"
        )
    if causes["step rounding"]:
        names = causes["step rounding"]
        notes.append(
            f"The mismatch in {_names(names)} is the rounding of the step, not a bug: their "
            f"values are large, and ε={step:g} is rounded when added to them (the step taken "
            "differs from ε by up to u·|θ|). Use a step relative to |θ|, about 1e-6·|θ|"
        )
    if causes["truncation"]:
        at_kinks = ", more where the step crosses a kink" if kink_mask.any() else ""
        after = (
            f"; re-checked at {_steps((recheck[0] * 2, recheck[0]))} and extrapolated to "
            f"ε → 0, the difference falls to {recheck[1]:.1e}"
            if recheck
            else ""
        )
        notes.append(
            f"The mismatch in {_names(causes['truncation'])} comes from the step, not the code: "
            f"the step ε={step:g} is too large, and the central difference is off by O(ε²) on a "
            f"smooth cost (truncation error){at_kinks}{after}. Use a "
            "smaller step, such as epsilon=1e-7"
        )
    if causes["resolution"]:
        notes.append(
            f"The gradient of {', '.join(causes['resolution'])} is smaller than what a step of "
            f"ε={step:g} can resolve (rounding about u·|J|/ε = {np.max(first.rounding):.1e}): "
            "this check cannot judge it, and does not blame it. Scale the cost up, or check "
            "with a larger step"
        )
    if loose:
        notes.append(
            f"The check is excellent overall, but {_names(loose)} disagree by more than "
            "rounding explains at this step, behind larger gradients elsewhere; check "
            f"{'it' if len(loose) == 1 else 'them'} on its own to be sure"
        )
    return notes


def _overall(analytical, numerical, kink_mask) -> float:
    keep = ~kink_mask
    return relative_difference(analytical[keep], numerical[keep])


def headline(
    verdict: Verdict, diagnosis: dict[str, str], causes: tuple[str, ...], worst_first: list[str]
) -> str:
    """The report's one sentence: the verdict's meaning, or why the mismatch is not a bug."""
    if diagnosis:
        blamed = _names([name for name in worst_first if name in diagnosis])
        if verdict is Verdict.EXCELLENT:
            return f"excellent overall, but {blamed} disagree beyond rounding: look there"
        if verdict is Verdict.WARNING:
            return (
                f"suspicious: {blamed} disagree beyond what rounding and truncation explain; "
                "look for a small mistake there"
            )
        return f"{verdict.meaning}: look at {blamed}"
    if verdict is Verdict.EXCELLENT or not causes:
        return verdict.meaning
    if causes == ("kinks",):
        return "every mismatch sits at a kink of the cost: the backward pass looks right"
    words = {
        "kinks": "kinks of the cost",
        "zero gradient": "rounding noise on gradients that are exactly zero",
        "rounding": "floating-point rounding",
        "step rounding": "the rounding of the step",
        "truncation": "truncation error (the step is too large)",
        "resolution": "gradients below what this step can resolve",
    }
    said = " and ".join(words[cause] for cause in causes)
    if set(causes) <= {"rounding", "step rounding", "zero gradient"}:
        return f"only {said}: the backward pass is almost certainly correct"
    return f"only {said}, not a bug: the backward pass looks right"
