"""Numerical gradients by finite differences: the two-sided and the one-sided formula."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

__all__ = ["DEFAULT_EPSILON", "central_difference", "forward_difference", "check_epsilon"]

#: The course's default step. Near the float64 optimum u**(1/3) ≈ 6e-6 in spirit,
#: small enough that O(ε²) truncation is negligible for smooth costs.
DEFAULT_EPSILON = 1e-7


def check_epsilon(epsilon: object) -> float:
    """Return ``epsilon`` as a float, or raise if it is not a finite number > 0."""
    if isinstance(epsilon, bool) or not isinstance(epsilon, (int, float, np.floating, np.integer)):
        raise TypeError(f"`epsilon` must be a number such as 1e-7, not {type(epsilon).__name__}")
    if not np.isfinite(epsilon) or epsilon <= 0:
        raise ValueError(f"`epsilon` must be a finite number > 0, got {epsilon}")
    return float(epsilon)


def as_cost_value(value: object, where: str) -> float:
    """Check that a cost returned a finite real scalar and return it as a float.

    ``where`` says when the cost was called, e.g. ``"at θ"``.
    """
    if not isinstance(value, np.ndarray) and hasattr(value, "detach"):  # a tensor library's scalar
        value = value.detach()
        value = value.item() if getattr(value, "ndim", 1) == 0 else value.numpy()
    if value is None or isinstance(value, (bool, np.bool_, str, bytes)):
        raise TypeError(
            f"`cost` returned {value!r} {where}; it must return the cost as one real number"
        )
    array = np.asarray(value)
    if array.ndim > 0:
        raise TypeError(
            f"`cost` returned an array of shape {array.shape} {where}; it must return one "
            "number (use float(...) or np.squeeze(...) on it, or sum/average the per-example costs)"
        )
    if not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(
            f"`cost` returned {value!r} ({array.dtype}) {where}; expected a real number"
        )
    result = float(array)
    if not np.isfinite(result):
        raise ValueError(
            f"`cost` returned {result} {where}; check for log(0) or overflow in the forward pass"
        )
    return result


def _perturbable(x: object, name: str) -> NDArray:
    """A float array that may be perturbed: ``x`` itself if it is a writable float array."""
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.flags.writeable:
        return x
    array = np.asarray(x)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise TypeError(f"`{name}` must hold real numbers, not {array.dtype}")
    return array.astype(np.float64, copy=True)


def _differences(f: Callable, x: object, epsilon: float, *, central: bool) -> NDArray[np.float64]:
    epsilon = check_epsilon(epsilon)
    point = _perturbable(x, "x")
    gradient = np.empty(point.shape, dtype=np.float64)
    base = None if central else as_cost_value(f(point), "at x")
    for index in np.ndindex(point.shape):
        old = point[index]
        try:
            point[index] = old + epsilon
            plus = as_cost_value(f(point), f"at x + ε·e{list(index)}")
            if central:
                point[index] = old - epsilon
                minus = as_cost_value(f(point), f"at x − ε·e{list(index)}")
                gradient[index] = (plus - minus) / (2 * epsilon)
            else:
                gradient[index] = (plus - base) / epsilon
        finally:
            point[index] = old
    return gradient


def central_difference(
    f: Callable[[NDArray], float], x: NDArray, epsilon: float = DEFAULT_EPSILON
) -> NDArray[np.float64]:
    """Numerical gradient by the two-sided difference (f(x + ε) − f(x − ε)) / 2ε.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, a scalar function of an array.
    x : ndarray
        The point, of any shape. It is perturbed one entry at a time and restored exactly,
        even if ``f`` raises.
    epsilon : float, default 1e-7
        The step ε.

    Returns
    -------
    ndarray
        The gradient, same shape as ``x``. Uses 2·x.size calls to ``f``.

    Notes
    -----
    By Taylor's theorem the error of the two-sided formula is O(ε²), against O(ε) for the
    one-sided :func:`forward_difference`. Rounding adds about u·|f|/ε (u ≈ 2.2e-16), so the
    best step for float64 is near u**(1/3) ≈ 6e-6.

    Examples
    --------
    >>> g = central_difference(lambda v: float(np.sum(v**2)), np.array([1.0, -2.0]))
    >>> np.allclose(g, [2.0, -4.0])
    True
    """
    return _differences(f, x, epsilon, central=True)


def forward_difference(
    f: Callable[[NDArray], float], x: NDArray, epsilon: float = DEFAULT_EPSILON
) -> NDArray[np.float64]:
    """Numerical gradient by the one-sided difference (f(x + ε) − f(x)) / ε.

    Parameters
    ----------
    f : callable
        ``f(x) -> float``, a scalar function of an array.
    x : ndarray
        The point, of any shape; restored exactly afterwards, even if ``f`` raises.
    epsilon : float, default 1e-7
        The step ε.

    Returns
    -------
    ndarray
        The gradient, same shape as ``x``. Its error is O(ε): shown for the lesson, prefer
        :func:`central_difference`.
    """
    return _differences(f, x, epsilon, central=False)
