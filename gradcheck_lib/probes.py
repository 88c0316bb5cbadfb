"""What gradient_check perturbs: single entries of θ, or random unit directions per array.

Both kinds evaluate J(θ+ε·v) and J(θ−ε·v) for each probe v, in place on the arrays the cost
reads, and put every array back bit for bit, even when the cost raises.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from .numeric import as_cost_value
from .report import CheckedEntry
from .vectors import ParamLayout

__all__ = ["EntryProbes", "DirectionProbes", "Probes"]


def _as_values(raw: list, label: Callable[[int], str]) -> NDArray[np.float64]:
    """The costs collected in ``raw`` as a float array; a clear error names a bad one."""
    try:
        values = np.array(raw)
    except (ValueError, RuntimeError, TypeError):  # costs of different shapes, tensors
        values = None
    if values is None or values.ndim != 1 or values.dtype.kind not in "fiu":
        values = np.array([as_cost_value(value, label(j)) for j, value in enumerate(raw)])
    return values.astype(np.float64)


def _perturb_entries(cost, work, name: str, local: NDArray, epsilon: float, plus, minus) -> None:
    """Append J at θ ± ε on entries ``local`` (flat, C order) of ``name`` to ``plus``/``minus``.

    The loop is kept lean: no copies and no calls but the cost's, one in-place write per
    step, and the entry restored in ``finally``. Checking the values is done afterwards.
    """
    array = work[name]
    if array.flags.c_contiguous:
        target, keys = array.reshape(-1), local.tolist()
    else:
        target, keys = array, list(zip(*np.unravel_index(local, array.shape), strict=True))
    add_plus, add_minus = plus.append, minus.append
    for key in keys:
        old = target.item(key)
        try:
            target[key] = old + epsilon
            add_plus(cost(work))
            target[key] = old - epsilon
            add_minus(cost(work))
        finally:
            target[key] = old


def _checked(plus: list, minus: list, label: Callable[[int], str], epsilon: float):
    """The collected costs as arrays, after checking that each is a finite number."""
    plus = _as_values(plus, lambda j: f"with {label(j)} moved by +ε={epsilon:g}")
    minus = _as_values(minus, lambda j: f"with {label(j)} moved by −ε={epsilon:g}")
    bad = np.flatnonzero(~(np.isfinite(plus) & np.isfinite(minus)))
    if bad.size:
        raise ValueError(
            f"`cost` returned NaN or inf when {label(int(bad[0]))} was moved by ±ε={epsilon:g} "
            f"({bad.size} such steps); look for log(0), division by zero or overflow in the cost"
        )
    return plus, minus


@dataclass(frozen=True)
class EntryProbes:
    """Single entries of θ, given by their positions in θ (sorted)."""

    layout: ParamLayout
    positions: NDArray[np.intp]
    has_entries = True

    def __len__(self) -> int:
        return len(self.positions)

    def evaluate(self, cost, work, epsilon: float) -> tuple[NDArray, NDArray]:
        """J(θ + ε·e_i) and J(θ − ε·e_i) for every probed entry i."""
        plus, minus = [], []
        for name, _, part in self.layout:
            lo, hi = np.searchsorted(self.positions, [part.start, part.stop])
            if hi > lo:
                local = self.positions[lo:hi] - part.start
                _perturb_entries(cost, work, name, local, epsilon, plus, minus)
        return _checked(plus, minus, self._label, epsilon)

    def _label(self, j: int) -> str:
        name, index = self.layout.locate(int(self.positions[j]))
        return f"{name}{list(index)}"

    def steps_taken(self, work, epsilon: float) -> tuple[NDArray, NDArray, NDArray]:
        """θ at each probe, and the steps really taken up and down once θ ± ε is rounded to
        the array's dtype (exact: the difference of two nearby floats)."""
        theta, up, down = [], [], []
        for name, _, part in self.layout:
            lo, hi = np.searchsorted(self.positions, [part.start, part.stop])
            if hi > lo:
                array = work[name]
                values = array.reshape(-1, order="C")[self.positions[lo:hi] - part.start]
                t = values.astype(np.float64)
                theta.append(t)
                up.append((t + epsilon).astype(array.dtype).astype(np.float64) - t)
                down.append(t - (t - epsilon).astype(array.dtype).astype(np.float64))
        if not theta:
            return (np.empty(0),) * 3
        return np.concatenate(theta), np.concatenate(up), np.concatenate(down)

    def step_error(self, work, epsilon: float) -> NDArray[np.float64]:
        """|1 − (step up + step down) / 2ε|: the relative error of the step, per probe."""
        _, up, down = self.steps_taken(work, epsilon)
        return np.abs(1 - (up + down) / (2 * epsilon))

    def analytical(self, gradient: NDArray) -> NDArray:
        """The analytical gradient at the probed entries."""
        return gradient[self.positions]

    def owners(self) -> NDArray[np.intp]:
        """Which parameter array (its number in the layout) each probe belongs to."""
        return np.searchsorted(self.layout.offsets, self.positions, side="right") - 1

    def subset(self, chosen: NDArray[np.intp]) -> EntryProbes:
        """The probes at indices ``chosen`` (sorted, so positions stay sorted)."""
        return EntryProbes(self.layout, self.positions[np.sort(chosen)])

    def entry(self, j: int, numerical: float, analytical: float) -> CheckedEntry:
        name, index = self.layout.locate(int(self.positions[j]))
        return CheckedEntry(name, index, float(numerical), float(analytical))

    def gaps(self, name: str, gaps: NDArray) -> NDArray:
        """Per-entry gaps of ``name`` shaped like it; NaN where the entry was not probed."""
        part = self.layout.slice(name)
        shape = self.layout.shapes[self.layout.names.index(name)]
        full = np.full(part.stop - part.start, np.nan)
        mine = (self.positions >= part.start) & (self.positions < part.stop)
        full[self.positions[mine] - part.start] = gaps[mine]
        return full.reshape(shape)


@dataclass(frozen=True)
class DirectionProbes:
    """Random unit directions, each within one parameter array."""

    layout: ParamLayout
    arrays: NDArray[np.intp]
    units: tuple[NDArray, ...]
    has_entries = False

    @classmethod
    def random(cls, layout: ParamLayout, directions: int, rng: np.random.Generator):
        """``directions`` random unit directions per non-empty array."""
        arrays, units = [], []
        for i, (_, shape, part) in enumerate(layout):
            if part.stop == part.start:
                continue
            for _ in range(directions):
                u = rng.standard_normal(shape)
                arrays.append(i)
                units.append(u / np.linalg.norm(u))
        return cls(layout, np.array(arrays, dtype=np.intp), tuple(units))

    def __len__(self) -> int:
        return len(self.units)

    def evaluate(self, cost, work, epsilon: float) -> tuple[NDArray, NDArray]:
        """J(θ + ε·u) and J(θ − ε·u) for every direction u."""
        plus, minus = [], []
        for i, u in zip(self.arrays, self.units, strict=True):
            name = self.layout.names[i]
            array = work[name]
            saved = array.copy()
            try:
                np.copyto(array, saved + epsilon * u, casting="same_kind")
                plus.append(cost(work))
                np.copyto(array, saved - epsilon * u, casting="same_kind")
                minus.append(cost(work))
            finally:
                np.copyto(array, saved)
        return _checked(plus, minus, self._label, epsilon)

    def _label(self, j: int) -> str:
        return f"{self.layout.names[self.arrays[j]]} (along a random direction)"

    def step_error(self, work, epsilon: float) -> NDArray[np.float64]:
        """A bound on the step's relative error: u·max|θ| / (ε·min|u_i| over moved entries)
        is too pessimistic, so use u·max|θ|/ε, the error of the largest entry's move."""
        errors = []
        for i in self.arrays:
            array = work[self.layout.names[i]]
            largest = float(np.max(np.abs(array), initial=0.0))
            errors.append(float(np.finfo(array.dtype).eps) * largest / epsilon)
        return np.array(errors, dtype=np.float64)

    def analytical(self, gradient: NDArray) -> NDArray:
        """The analytical directional derivatives g·u."""
        values = [
            float(np.sum(gradient[self.layout.slice(self.layout.names[i])] * u.reshape(-1)))
            for i, u in zip(self.arrays, self.units, strict=False)
        ]
        return np.array(values, dtype=np.float64)

    def owners(self) -> NDArray[np.intp]:
        return self.arrays

    def subset(self, chosen: NDArray[np.intp]) -> DirectionProbes:
        chosen = np.sort(chosen)
        return DirectionProbes(
            self.layout, self.arrays[chosen], tuple(self.units[k] for k in chosen)
        )

    def entry(self, j: int, numerical: float, analytical: float) -> CheckedEntry:
        return CheckedEntry(
            self.layout.names[self.arrays[j]], None, float(numerical), float(analytical)
        )

    def gaps(self, name: str, gaps: NDArray) -> NDArray:
        raise ValueError(
            "a directional check compares whole directions, not entries; "
            "use mode='full' (or 'sample') to see per-entry gaps"
        )


Probes = EntryProbes | DirectionProbes
