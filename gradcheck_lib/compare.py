"""Compare an analytical gradient with a numerical one: relative difference and verdict."""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Verdict", "THRESHOLDS", "relative_difference", "classify", "worst_first", "TIE_RTOL"]

# Two arrays' relative differences within this relative distance are a tie: the last bits of a
# cost, which differ between machines, must not decide which array a report names first.
TIE_RTOL = 1e-9


class Verdict(str, Enum):
    """How well two gradients agree, from the relative difference (a ``str``).

    ``Verdict.EXCELLENT == "excellent"`` holds. Each verdict has a symbol that
    common fonts (DejaVu) draw, so it never relies on colour alone.
    """

    EXCELLENT = "excellent"
    WARNING = "warning"
    ERROR = "error"
    CRITICAL = "critical"

    def __str__(self) -> str:
        return self.value

    def __format__(self, spec: str) -> str:
        return format(self.value, spec)

    @property
    def symbol(self) -> str:
        """One glyph: ✓ excellent, ⚠ warning, ✗ error, ⊗ critical.

        Error (a cross) and critical (a circled cross) differ in outline, not only in stroke
        weight, so the two bands are told apart at a glance.
        """
        return _SYMBOLS[self]

    @property
    def label(self) -> str:
        """Symbol and word, e.g. ``"✓ excellent"``."""
        return f"{self.symbol} {self.value}"

    @property
    def meaning(self) -> str:
        """What the verdict means for the backward pass, in one sentence."""
        return _MEANINGS[self]


_SYMBOLS = {
    Verdict.EXCELLENT: "✓",
    Verdict.WARNING: "⚠",
    Verdict.ERROR: "✗",
    Verdict.CRITICAL: "⊗",
}

_MEANINGS = {
    Verdict.EXCELLENT: "the backward pass is almost certainly correct",
    Verdict.WARNING: "suspicious: look for a small mistake (a constant, a regularization term)",
    Verdict.ERROR: "there is probably a bug in the backward pass",
    Verdict.CRITICAL: "the backward pass is wrong",
}

#: Upper bound of each band; anything above ``THRESHOLDS[Verdict.ERROR]`` is critical.
#: 1e-4 is the geometric middle between the course's "~1e-5 warning" and "~1e-3 error".
THRESHOLDS: dict[Verdict, float] = {
    Verdict.EXCELLENT: 1e-7,
    Verdict.WARNING: 1e-4,
    Verdict.ERROR: 1e-3,
}


def relative_difference(analytical: ArrayLike, numerical: ArrayLike) -> float:
    """Relative difference ‖a − n‖ / (‖a‖ + ‖n‖) of two gradients.

    Parameters
    ----------
    analytical, numerical : array_like
        Two gradients of the same shape (scalars are allowed).

    Returns
    -------
    float
        A number in [0, 1]; ``0.0`` when both are zero (the 0/0 case).

    Raises
    ------
    ValueError
        If the shapes differ or an input holds NaN or inf.

    Notes
    -----
    Dividing by ‖a‖ + ‖n‖ makes the number independent of the scale of the cost:
    multiply the cost by 1e6 and the absolute gap grows 1e6-fold, but this does not.

    Examples
    --------
    >>> relative_difference([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> round(relative_difference([2.0], [1.0]), 4)
    0.3333
    """
    a = np.asarray(analytical, dtype=np.float64)
    n = np.asarray(numerical, dtype=np.float64)
    if a.shape != n.shape:
        raise ValueError(f"shapes differ: analytical {a.shape} vs numerical {n.shape}")
    for name, x in (("analytical", a), ("numerical", n)):
        if not np.all(np.isfinite(x)):
            raise ValueError(f"the {name} gradient contains NaN or inf")
    a, n = a.reshape(-1), n.reshape(-1)
    numerator = np.linalg.norm(a - n)
    denominator = np.linalg.norm(a) + np.linalg.norm(n)
    return 0.0 if denominator == 0 else float(numerator / denominator)


def classify(difference: float) -> Verdict:
    """The verdict for a relative difference.

    Parameters
    ----------
    difference : float
        A relative difference, >= 0.

    Returns
    -------
    Verdict
        EXCELLENT for d <= 1e-7, WARNING for d <= 1e-4, ERROR for d <= 1e-3, else CRITICAL.

    Examples
    --------
    >>> classify(1e-9), classify(1e-5), classify(5e-4), classify(0.3)
    (<Verdict.EXCELLENT: 'excellent'>, <Verdict.WARNING: 'warning'>, \
<Verdict.ERROR: 'error'>, <Verdict.CRITICAL: 'critical'>)
    """
    if isinstance(difference, bool) or not isinstance(difference, (int, float, np.number)):
        raise TypeError(f"`difference` must be a number, not {type(difference).__name__}")
    if not np.isfinite(difference) or difference < 0:
        raise ValueError(f"`difference` must be a finite number >= 0, got {difference}")
    for verdict, upper in THRESHOLDS.items():
        if difference <= upper:
            return verdict
    return Verdict.CRITICAL


def worst_first(by_parameter: Mapping[str, float]) -> list[str]:
    """The array names ranked from the largest relative difference down, ties in layout order.

    The rule, applied at each rank: among the remaining arrays whose difference is within a
    relative ``TIE_RTOL`` (1e-9) of the largest, the first in layout order (the order of
    ``by_parameter``) comes first. So the name a report gives as "worst" is the same on every
    machine when rounding alone tells two arrays apart (a sign flip that sets several to d = 1).

    Parameters
    ----------
    by_parameter : mapping of str to float
        Each array's relative difference, in layout order (``CheckReport.by_parameter``).

    Returns
    -------
    list of str
        Every name of ``by_parameter``, worst first.

    Examples
    --------
    >>> worst_first({"W1": 0.2, "b1": 0.9999999999999999, "W2": 0.5, "b2": 1.0})
    ['b1', 'b2', 'W2', 'W1']
    """
    remaining = dict(by_parameter)
    ranked = []
    while remaining:
        largest = max(remaining.values())
        name = next(n for n, d in remaining.items() if d >= largest * (1 - TIE_RTOL))
        ranked.append(name)
        del remaining[name]
    return ranked
