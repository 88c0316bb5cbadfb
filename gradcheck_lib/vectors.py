"""Reshape a dictionary of parameter arrays (W1, b1, ...) into one vector θ and back."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "ParamLayout",
    "dictionary_to_vector",
    "vector_to_dictionary",
    "gradients_to_vector",
    "gradient_vector",
    "gradient_keys",
]


@dataclass(frozen=True)
class ParamLayout:
    """Where each parameter array lives inside the flat vector θ.

    Attributes
    ----------
    names : tuple of str
        Parameter names, in the order of the dictionary they came from.
    shapes : tuple of tuple of int
        The shape of each parameter array.
    offsets : tuple of int
        Start of each array in θ; ``offsets[i + 1] - offsets[i]`` is its size.
        Has one more entry than ``names``: the last one is the length of θ.
    """

    names: tuple[str, ...]
    shapes: tuple[tuple[int, ...], ...]
    offsets: tuple[int, ...]

    @classmethod
    def of(cls, parameters: Mapping[str, NDArray]) -> ParamLayout:
        """Build the layout of a parameter dictionary (validated by the caller)."""
        names = tuple(parameters)
        shapes = tuple(tuple(np.shape(parameters[name])) for name in names)
        sizes = [int(np.prod(shape, dtype=np.int64)) for shape in shapes]
        offsets = tuple(int(x) for x in np.concatenate([[0], np.cumsum(sizes)]))
        return cls(names, shapes, offsets)

    @property
    def size(self) -> int:
        """Length of θ (total number of parameters)."""
        return self.offsets[-1]

    def slice(self, name: str) -> slice:
        """The slice of θ that holds parameter ``name``."""
        i = self.names.index(name)
        return slice(self.offsets[i], self.offsets[i + 1])

    def __iter__(self) -> Iterator[tuple[str, tuple[int, ...], slice]]:
        """Yield ``(name, shape, slice)`` for each parameter, in order."""
        for i, name in enumerate(self.names):
            yield name, self.shapes[i], slice(self.offsets[i], self.offsets[i + 1])

    def locate(self, position: int) -> tuple[str, tuple[int, ...]]:
        """Name and index tuple of entry ``position`` of θ, e.g. ``("W1", (2, 0))``."""
        if not 0 <= position < self.size:
            raise IndexError(f"position {position} is outside θ, which has {self.size} entries")
        i = int(np.searchsorted(self.offsets, position, side="right")) - 1
        index = np.unravel_index(position - self.offsets[i], self.shapes[i])
        return self.names[i], tuple(int(k) for k in index)

    def describe(self) -> str:
        """A small text table: name, shape and θ range of each parameter."""
        rows = [f"{'name':<8}{'shape':<12}{'θ entries':<12}"]
        for name, shape, part in self:
            rows.append(f"{name:<8}{str(shape):<12}{part.start}..{part.stop - 1}")
        rows.append(f"θ has {self.size} entries")
        return "\n".join(rows)


def _real_array(value: object, what: str) -> NDArray:
    """``value`` as a real numeric array, or a TypeError that names ``what``."""
    array = np.asarray(value)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        raise TypeError(f"{what} has dtype {array.dtype}; expected real floating-point numbers")
    if np.iscomplexobj(array):
        raise TypeError(
            f"{what} is complex ({array.dtype}); gradients of a real cost are real, "
            "so take the real part only if you are sure the imaginary part is zero"
        )
    return array


def _check_parameters_mapping(parameters: object) -> None:
    if not isinstance(parameters, Mapping):
        raise TypeError(
            f"`parameters` must be a dict of arrays such as {{'W1': ..., 'b1': ...}}, "
            f"not {type(parameters).__name__}"
        )
    if len(parameters) == 0:
        raise ValueError("`parameters` is empty: there is nothing to check")
    for name in parameters:
        if not isinstance(name, str):
            raise TypeError(f"`parameters` keys must be strings such as 'W1', not {name!r}")


def dictionary_to_vector(
    parameters: Mapping[str, NDArray],
) -> tuple[NDArray[np.float64], ParamLayout]:
    """Flatten a parameter dictionary into one vector θ.

    Parameters
    ----------
    parameters : dict of str to ndarray
        Parameter arrays, e.g. ``{"W1": (n_h, n_x), "b1": (n_h, 1), ...}``.

    Returns
    -------
    theta : ndarray of shape (n,)
        A float64 copy of every entry, array after array in dictionary order, each array
        flattened in row-major (C) order.
    layout : ParamLayout
        Names, shapes and offsets, to turn θ (or a gradient vector) back into arrays.

    Examples
    --------
    >>> theta, layout = dictionary_to_vector({"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))})
    >>> theta.shape, layout.names
    ((8,), ('W1', 'b1'))
    """
    _check_parameters_mapping(parameters)
    arrays = [_real_array(parameters[name], f"`parameters['{name}']`") for name in parameters]
    layout = ParamLayout.of(parameters)
    theta = np.concatenate([a.reshape(-1) for a in arrays]).astype(np.float64, copy=True)
    return theta, layout


def vector_to_dictionary(theta: NDArray, layout: ParamLayout) -> dict[str, NDArray[np.float64]]:
    """Turn a vector θ back into a parameter dictionary.

    Parameters
    ----------
    theta : ndarray of shape (n,)
        A vector laid out as ``layout`` says, e.g. from :func:`dictionary_to_vector`.
    layout : ParamLayout
        The layout returned with θ.

    Returns
    -------
    dict of str to ndarray
        New float64 arrays with the original names and shapes.

    Raises
    ------
    ValueError
        If θ is not 1-D or its length differs from ``layout.size``.
    """
    if not isinstance(layout, ParamLayout):
        raise TypeError(f"`layout` must be a ParamLayout, not {type(layout).__name__}")
    theta = _real_array(theta, "`theta`")
    if theta.ndim != 1:
        raise ValueError(f"`theta` must be a 1-D vector, but it has shape {theta.shape}")
    if theta.size != layout.size:
        raise ValueError(
            f"`theta` has {theta.size} entries but the layout needs {layout.size} "
            f"({', '.join(f'{n} {s}' for n, s in zip(layout.names, layout.shapes, strict=False))})"
        )
    theta = theta.astype(np.float64)
    return {name: theta[part].reshape(shape).copy() for name, shape, part in layout}


def gradient_keys(gradients: Mapping, layout: ParamLayout) -> tuple[dict[str, str], list[str]]:
    """Which key of ``gradients`` holds each parameter's gradient, and notes on the choice.

    The rule: keys follow one convention for the whole dictionary. If every parameter has a
    ``"d" + name`` key (deeplearning.ai), those are used; else, if every parameter has a key of
    its own name (CS231n), those are; else each parameter takes ``"d" + name``, or its own
    name, but never a key that is itself a parameter's name read as ``"d" + other`` (with
    parameters ``t`` and ``dt``, ``gradients['dt']`` is the gradient of ``dt``, not of ``t``,
    unless ``gradients['ddt']`` exists). When a parameter could be read from two keys holding
    different values, the choice is refused; when they agree, a note says which one was used.
    """
    names = set(layout.names)
    d_style = all("d" + name in gradients for name in layout.names)
    own_style = all(name in gradients for name in layout.names)
    keys, notes = {}, []
    for name in layout.names:
        if d_style:
            key = "d" + name
        elif own_style:
            key = name
        elif "d" + name in gradients and "d" + name not in names:
            key = "d" + name
        elif name in gradients:
            key = name
        else:
            named = sorted(
                k for k in gradients if isinstance(k, str) and not k.startswith(("dZ", "dA"))
            )
            raise KeyError(
                f"`gradients` has no entry for parameter '{name}' (looked for 'd{name}' and "
                f"'{name}'); it has {named or sorted(map(str, gradients))}"
            )
        keys[name] = key
    used = set(keys.values())
    for name, key in keys.items():
        other = name if key == "d" + name else "d" + name
        if other in gradients and other not in used:
            if not _same(gradients[key], gradients[other]):
                raise ValueError(
                    f"`gradients` has both '{key}' and '{other}' for parameter '{name}', with "
                    "different values; keep only one of them"
                )
            notes.append(f"`gradients` has both '{key}' and '{other}' (equal); '{key}' was used")
    return keys, notes


def _same(first: object, second: object) -> bool:
    try:
        return bool(np.array_equal(_plain(first, ""), _plain(second, "")))
    except (TypeError, ValueError):
        return False


def _plain(value: object, what: str) -> object:
    """A torch tensor's values (detached from its graph, on the CPU); a masked array with
    masked entries refused; anything else as it is."""
    if isinstance(value, np.ma.MaskedArray):
        if np.ma.getmaskarray(value).any():
            raise ValueError(
                f"{what} is a masked array with masked entries: a gradient has a value for "
                "every entry; fill them (e.g. .filled(0.0)) if that is what you mean"
            )
        return np.asarray(value.data)
    if not isinstance(value, np.ndarray) and hasattr(value, "detach") and hasattr(value, "numpy"):
        detached = value.detach()
        return np.asarray(detached.cpu().numpy() if hasattr(detached, "cpu") else detached.numpy())
    return value


def _shape_advice(shape: tuple[int, ...], got: tuple[int, ...]) -> str:
    if len(shape) == 2 and got == shape[::-1]:
        return "it looks transposed; check the order of the factors in its matrix product"
    if int(np.prod(got)) == int(np.prod(shape)):
        if len(shape) == 2 and shape[1] == 1:
            return "keep the column shape with keepdims=True"
        return "reshape it to the parameter's shape"
    return "it must have one entry per parameter entry"


def _gradient_array(gradients: Mapping, key: str, name: str, shape: tuple[int, ...]) -> NDArray:
    """Validate and return the gradient ``gradients[key]`` of ``name`` (expected ``shape``)."""
    what = f"`gradients['{key}']`"
    try:
        array = _real_array(_plain(gradients[key], what), what)
    except RuntimeError as error:  # e.g. a tensor library refusing the conversion
        raise TypeError(f"{what} could not be read as numbers ({error})") from None
    if array.shape != shape:
        raise ValueError(
            f"{what} has shape {array.shape} but parameter '{name}' has shape {shape}; "
            f"{_shape_advice(shape, array.shape)}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{what} contains NaN or inf; fix the backward pass first")
    return array


def gradients_to_vector(
    gradients: Mapping[str, NDArray], layout: ParamLayout
) -> NDArray[np.float64]:
    """Flatten a gradient dictionary in the same order as θ.

    Parameters
    ----------
    gradients : dict of str to ndarray
        One gradient per parameter, keyed ``"dW1"`` or ``"W1"``. Gradients are matched to
        parameters by name, never by position; entries that name no parameter
        (``"dZ1"``, ``"dA2"``, ...) are ignored.
    layout : ParamLayout
        The layout of θ, from :func:`dictionary_to_vector`.

    Returns
    -------
    ndarray of shape (n,)
        A float64 vector aligned with θ.

    Raises
    ------
    KeyError
        If a parameter has no gradient.
    ValueError
        If a gradient's shape differs from its parameter's, or it holds NaN or inf.
    TypeError
        If a gradient is complex or not numeric.
    """
    return gradient_vector(gradients, layout)[0]


def gradient_vector(
    gradients: Mapping, layout: ParamLayout
) -> tuple[NDArray[np.float64], list[str]]:
    """:func:`gradients_to_vector`, and notes on which keys were used or what was converted."""
    if not isinstance(gradients, Mapping):
        raise TypeError(
            f"`gradients` must be a dict of arrays such as {{'dW1': ..., 'db1': ...}}, "
            f"not {type(gradients).__name__}"
        )
    if not isinstance(layout, ParamLayout):
        raise TypeError(f"`layout` must be a ParamLayout, not {type(layout).__name__}")
    keys, notes = gradient_keys(gradients, layout)
    vector = np.empty(layout.size, dtype=np.float64)
    for name, shape, part in layout:
        key = keys[name]
        if not isinstance(gradients[key], np.ndarray) and hasattr(gradients[key], "detach"):
            notes.append(f"`gradients['{key}']` is a tensor: its values were read with .detach()")
        vector[part] = _gradient_array(gradients, key, name, shape).reshape(-1)
    return vector, notes
