"""check_layer: gradient-check one layer's backward pass through the scalar ⟨dout, f(x)⟩.

For a layer ``out = f(x, w, ...)`` and any fixed upstream gradient ``dout``, the scalar
``J = sum(dout * f(x, w, ...))`` has the gradient ``dJ/dx = dout`` pulled back through the
layer, which is exactly what ``backward(dout, cache)`` claims to return. So one call to
:func:`~gradcheck_lib.gradient_check` on ``J`` checks dx, dw, ... at once, with every guarantee
and explanation of that check.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .check import gradient_check
from .numeric import DEFAULT_EPSILON
from .report import GradCheckReport

__all__ = ["check_layer"]


def _is_checked(value: Any) -> bool:
    """Float arrays are checked; everything else (labels, masks, dicts, scalars) passes through."""
    return isinstance(value, np.ndarray) and value.dtype.kind == "f"


def _split_inputs(inputs: Any) -> tuple[list[str], list[str]]:
    if not isinstance(inputs, Mapping):
        raise TypeError(
            f"`inputs` must be a dict of name -> value in forward's positional order, e.g. "
            f"{{'x': x, 'w': w, 'b': b}}, not a {type(inputs).__name__}"
        )
    if not inputs:
        raise ValueError("`inputs` is empty; give the layer's inputs, e.g. {'x': x, 'w': w}")
    for name, value in inputs.items():
        if not isinstance(name, str):
            raise TypeError(f"`inputs` keys must be strings (the input names), got {name!r}")
        if isinstance(value, np.ndarray) and value.dtype.kind == "c":
            raise TypeError(
                f"input {name!r} is complex ({value.dtype}); check_layer checks real float arrays"
            )
    checked = [name for name, value in inputs.items() if _is_checked(value)]
    passed = [name for name in inputs if name not in checked]
    if not checked:
        raise ValueError(
            f"`inputs` has no float array to check ({_described(inputs, passed)}); a layer's "
            "inputs x, w, ... must be float arrays, e.g. x.astype(np.float64)"
        )
    return checked, passed


def _described(inputs: Mapping, names: list[str]) -> str:
    parts = []
    for name in names:
        value = inputs[name]
        if isinstance(value, np.ndarray):
            parts.append(f"'{name}' ({value.dtype} array {value.shape})")
        else:
            parts.append(f"'{name}' ({type(value).__name__})")
    return ", ".join(parts)


def _call_forward(forward: Callable, arguments: list) -> tuple[Any, Any, bool]:
    """``forward(*arguments)`` as (out, cache, has_cache)."""
    result = forward(*arguments)
    if isinstance(result, tuple):
        if len(result) != 2:
            raise TypeError(
                f"`forward` returned a tuple of {len(result)} items; it must return out or "
                "(out, cache)"
            )
        return result[0], result[1], True
    return result, None, False


def _as_output(out: Any) -> NDArray[np.float64]:
    if isinstance(out, (bool, np.bool_)) or not isinstance(out, (np.ndarray, float, np.floating)):
        raise TypeError(
            f"`forward` returned {type(out).__name__} as its output; it must return a float "
            "array (or a float loss), or (out, cache)"
        )
    array = np.asarray(out)
    if array.dtype.kind != "f":
        raise TypeError(f"`forward`'s output has dtype {array.dtype}; expected floats")
    if not np.all(np.isfinite(array)):
        raise ValueError("`forward`'s output contains NaN or inf at the given inputs")
    return array


def _upstream(upstream: Any, out: NDArray, seed: int | None) -> NDArray[np.float64]:
    if upstream is None:
        return np.random.default_rng(seed).standard_normal(out.shape)
    dout = np.array(upstream, dtype=np.float64, copy=True)
    if dout.shape != out.shape:
        raise ValueError(
            f"`upstream` has shape {dout.shape} but the layer's output has shape {out.shape}; "
            "give one upstream gradient per output value (a scalar for a loss)"
        )
    if not np.all(np.isfinite(dout)):
        raise ValueError("`upstream` contains NaN or inf")
    return dout


def _gradients(returned: Any, checked: list[str], inputs: Mapping) -> dict[str, NDArray]:
    """The backward's gradients keyed by input name, whatever form backward returned them in."""
    if isinstance(returned, Mapping):
        gradients = {}
        for name in checked:
            key = name if name in returned else f"d{name}"
            if key not in returned:
                raise KeyError(
                    f"`backward` returned a dict without a gradient for input '{name}' (key "
                    f"'d{name}' or '{name}'); its keys are {list(returned)}"
                )
            gradients[name] = returned[key]
    else:
        if isinstance(returned, (tuple, list)):
            values = list(returned)
        elif len(checked) == 1:
            values = [returned]
        else:
            raise TypeError(
                f"`backward` returned a {type(returned).__name__}; the layer has "
                f"{len(checked)} float inputs ({', '.join(checked)}), so return their gradients "
                "as a tuple in that order, or a dict keyed 'd' + name"
            )
        if len(values) != len(checked):
            raise ValueError(
                f"`backward` returned {len(values)} gradients but the layer has {len(checked)} "
                f"float inputs ({', '.join(checked)}); return one gradient per float input, in "
                "forward's order (inputs that are not float arrays get none)"
            )
        gradients = dict(zip(checked, values, strict=True))
    for position, name in enumerate(checked, start=1):
        gradient = gradients[name]
        if gradient is None:
            raise ValueError(f"`backward` returned None as the gradient of input '{name}'")
        array = np.asarray(gradient)
        if array.dtype.kind not in "fiu":
            raise TypeError(
                f"`backward`'s gradient of input '{name}' has dtype {array.dtype}; expected floats"
            )
        if array.shape != inputs[name].shape:
            raise ValueError(
                f"`backward`'s gradient of input '{name}' (number {position} of {len(checked)}) "
                f"has shape {array.shape} but '{name}' has shape {inputs[name].shape}; "
                f"d{name} must have {name}'s shape"
            )
        gradients[name] = np.array(array, dtype=np.float64, copy=True)
    return gradients


def _refuse_in_place(inputs: Mapping, arguments: list, checked: list[str]) -> None:
    names = list(inputs)
    for name in checked:
        if not np.array_equal(arguments[names.index(name)], inputs[name]):
            raise ValueError(
                f"`forward` changed input '{name}' in place; a layer must only read its inputs "
                "(your arrays are unchanged: check_layer passed it copies)"
            )


def check_layer(
    forward: Callable[..., Any],
    backward: Callable[..., Any],
    inputs: Mapping[str, Any],
    *,
    upstream: Any = None,
    epsilon: float = DEFAULT_EPSILON,
    seed: int | None = 0,
) -> GradCheckReport:
    """Check one layer's backward pass against central differences of ⟨dout, forward(...)⟩.

    Parameters
    ----------
    forward : callable
        ``forward(*inputs.values())`` returns ``out``, or ``(out, cache)`` as CS231n's layers do.
        ``out`` is a float array, or a float for a loss layer (then ``dout`` is a scalar).
    backward : callable
        ``backward(dout, cache)`` (or ``backward(dout, *inputs.values())`` when forward returns
        no cache) returns the gradients of the float-array inputs, in forward's order: a tuple,
        a dict keyed by name or ``"d" + name``, or a bare array when there is one float input.
    inputs : dict of str to value
        The layer's inputs in forward's positional order, e.g. ``{"x": x, "w": w, "b": b}``.
        Float arrays are checked; anything else (integer labels, boolean masks, ``bn_param``
        dicts, Python floats) passes through unchecked, and the report's notes name it.
    upstream : array_like, optional
        The upstream gradient ``dout``, shaped like ``out``. Drawn from a standard normal
        with ``np.random.default_rng(seed)`` when not given.
    epsilon : float, default 1e-7
        Step of the central difference, as in :func:`~gradcheck_lib.gradient_check`.
    seed : int or None, default 0
        Seed of the local generator that draws ``dout``.

    Returns
    -------
    GradCheckReport
        The report of :func:`~gradcheck_lib.gradient_check` on ``J = sum(dout * out)`` with the
        float inputs as parameters: ``by_parameter["x"]``, ``diagnosis``, ``advice()``...

    Raises
    ------
    TypeError, ValueError, KeyError
        On bad input, naming the argument: no float input, forward returning something that is
        not an array, backward returning the wrong number of gradients or wrong shapes, an
        ``upstream`` of the wrong shape, a forward that changes its inputs in place.

    Notes
    -----
    ``∂/∂x ⟨dout, f(x)⟩ = J_f(x)ᵀ dout``, the vector-Jacobian product that backpropagation
    computes, for every ``dout``; a random one makes it unlikely that a wrong backward agrees
    by accident. The caller's objects are never changed: the check works on copies (float
    inputs copied once; pass-through inputs deep-copied for every call of ``forward``).

    Examples
    --------
    >>> from gradcheck_lib.layers import affine_forward, affine_backward, example_inputs
    >>> check_layer(affine_forward, affine_backward, example_inputs("affine")).verdict
    <Verdict.EXCELLENT: 'excellent'>
    """
    for name, function in (("forward", forward), ("backward", backward)):
        if not callable(function):
            raise TypeError(f"`{name}` must be a function, not {type(function).__name__}")
    checked, passed = _split_inputs(inputs)
    names = list(inputs)
    # float64 copies: the caller's arrays are never touched, and a float32 input is checked in
    # float64, where a step of 1e-7 is not lost to rounding (the notes say so)
    work = {name: inputs[name].astype(np.float64, copy=True) for name in checked}
    converted = [name for name in checked if inputs[name].dtype != np.float64]

    def arguments(values: Mapping[str, NDArray]) -> list:
        return [values[name] if name in values else copy.deepcopy(inputs[name]) for name in names]

    first = arguments({name: array.copy() for name, array in work.items()})
    raw_out, cache, has_cache = _call_forward(forward, first)
    _refuse_in_place(inputs, first, checked)
    out = _as_output(raw_out)
    dout = _upstream(upstream, out, seed)
    dout_argument = float(dout) if dout.ndim == 0 else dout.copy()
    if has_cache:
        returned = backward(dout_argument, cache)
    else:
        returned = backward(dout_argument, *arguments({n: a.copy() for n, a in work.items()}))
    gradients = _gradients(returned, checked, inputs)

    def inner_product(values: Mapping[str, NDArray]) -> float:
        produced, _, _ = _call_forward(forward, arguments(values))
        return float(np.sum(dout * np.asarray(produced)))

    try:
        report = gradient_check(inner_product, work, gradients, epsilon=epsilon)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{error} ({_IN_CHECK_LAYER})") from error
    notes = [_echo_note(name) for name in checked if _echoes(dout, work[name])]
    if converted:
        notes.append(
            f"Checked {_described(inputs, converted)} as float64 copies: in lower precision, "
            "rounding would swamp a step of ε. The check judges the layer's formulas, not its "
            "float32 rounding."
        )
    if passed:
        notes.append(
            f"Passed through unchecked, as they are not float arrays: {_described(inputs, passed)}."
        )
    if not notes:
        return report
    return dataclasses.replace(report, notes=(*report.notes, *notes))


#: What gradient_check's messages mean inside check_layer.
_IN_CHECK_LAYER = (
    "in check_layer, `cost` is sum(dout * forward(*inputs.values())) and `parameters` are the "
    "layer's float inputs"
)


def _echoes(dout: NDArray, value: NDArray) -> bool:
    """True when dout repeats an input's values up to scale and shift (the same seed drew both)."""
    count = min(dout.size, value.size)
    if count < 3:
        return False
    a, b = dout.reshape(-1)[:count], value.reshape(-1)[:count].astype(np.float64)
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return False
    return bool(abs(np.corrcoef(a, b)[0, 1]) > 1 - 1e-9)


def _echo_note(name: str) -> str:
    return (
        f"The upstream gradient dout repeats the values of input '{name}' (were both drawn "
        "with the same seed?): a mistake symmetric in the two, such as a transposed product, "
        "can hide. Draw the inputs from another generator, or pass another seed."
    )
