"""The layers a learner writes, each backward pass beside its forward pass, and their bug catalog.

The conventions are CS231n's: one example per *row*, every forward returns ``(out, cache)`` and
every backward takes ``(dout, cache)`` and returns the gradients of the layer's inputs, in the
order the forward takes them. Each backward is its forward read in reverse, one statement per
forward statement, each a named *line* (``"dx"``, ``"dgamma"``, ...; see :data:`BACKWARD_LINES`),
so that a :class:`LayerBug` from :data:`LAYER_CATALOG` replaces exactly one line and nothing else
(``bugs=`` argument of every backward, as in :func:`~gradcheck_lib.network.backward_propagation`).

Every forward is complex-safe where the layer is analytic (the complex-step tests rely on it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from .line_tables import with_replaced_lines

if TYPE_CHECKING:
    from .layer_bugs import LayerBug

__all__ = [
    "BACKWARD_LINES",
    "CORRECT_LINES",
    "LAYERS",
    "LAYER_CATALOG",  # noqa: F822  (served by __getattr__ from layer_bugs)
    "Layer",
    "LayerBug",
    "affine_backward",
    "affine_forward",
    "batchnorm_backward",
    "batchnorm_forward",
    "dropout_backward",
    "dropout_forward",
    "example_inputs",
    "relu_backward",
    "relu_forward",
    "sigmoid_backward",
    "sigmoid_forward",
    "softmax_backward",
    "softmax_forward",
    "softmax_loss",
    "tanh_backward",
    "tanh_forward",
]

Array = NDArray[np.float64]
Line = Callable[[SimpleNamespace], Array]

#: The generator of :func:`example_inputs` is ``default_rng([INPUT_STREAM, seed])``.
INPUT_STREAM = 7

#: The default epsilon of batch normalization, as in CS231n.
BATCHNORM_EPS = 1e-5

#: Each layer's backward lines: line name -> (the correct code, a function computing it from
#: the namespace ``v`` of the cache, the upstream gradient and the lines computed so far).
BACKWARD_LINES: dict[str, dict[str, tuple[str, Line]]] = {}


def _lines(layer: str, lines: dict[str, tuple[str, Line]]) -> None:
    BACKWARD_LINES[layer] = lines


def _with_bugs(layer: str, bugs: Iterable[LayerBug | str]) -> dict[str, Line]:
    """The layer's backward lines with each bug (a catalog name or a LayerBug) swapped in."""
    lines = {name: compute for name, (_, compute) in BACKWARD_LINES[layer].items()}
    from .layer_bugs import LAYER_CATALOG  # the catalog reads BACKWARD_LINES: imported on use

    resolved = []
    for bug in bugs:
        if isinstance(bug, str):
            if bug not in LAYER_CATALOG:
                raise KeyError(f"no layer bug named {bug!r}; the catalog has {list(LAYER_CATALOG)}")
            bug = LAYER_CATALOG[bug]
        owner = getattr(bug, "layer", None)
        if owner is None:
            raise ValueError(
                f"bug {bug.name!r} is a bug of the reference network (gradcheck_lib.bugs), not of "
                f"a layer; pass it to network.backward_propagation(..., bugs=[...])"
            )
        if owner != layer:
            raise ValueError(
                f"bug {bug.name!r} belongs to the {owner!r} layer, not to {layer!r}; pass it "
                f"to {owner}_backward"
            )
        resolved.append(bug)
    return with_replaced_lines(lines, resolved)


# --------------------------------------------------------------------------------------- affine


def affine_forward(x: Array, w: Array, b: Array) -> tuple[Array, tuple]:
    """Fully connected layer: ``out = x w + b``, each example's input flattened to a row.

    Parameters
    ----------
    x : ndarray of shape (N, d_1, ..., d_k)
        A minibatch of N examples, each of D = d_1 * ... * d_k values.
    w : ndarray of shape (D, M)
        Weights.
    b : ndarray of shape (M,)
        Biases.

    Returns
    -------
    out : ndarray of shape (N, M)
    cache : tuple
        ``(x, w, b)``.
    """
    x2d = x.reshape(x.shape[0], -1)  # x2d = x as (N, D)
    out = x2d @ w + b  # out = x2d w + b
    return out, (x, w, b)


_lines(
    "affine",
    {
        # out = x2d w + b  ->  db = sum_n dout
        "db": ("db = np.sum(dout, axis=0)", lambda v: np.sum(v.dout, axis=0)),
        #                  ->  dw = x2d^T dout
        "dw": ("dw = x2d.T @ dout", lambda v: v.x2d.T @ v.dout),
        #                  ->  dx2d = dout w^T
        "dx2d": ("dx2d = dout @ w.T", lambda v: v.dout @ v.w.T),
        # x2d = x as (N, D)  ->  dx = dx2d shaped like x
        "dx": ("dx = dx2d.reshape(x.shape)", lambda v: v.dx2d.reshape(v.x.shape)),
    },
)


def affine_backward(
    dout: Array, cache: tuple, bugs: Iterable[LayerBug | str] = ()
) -> tuple[Array, Array, Array]:
    """Backward pass of :func:`affine_forward`.

    Parameters
    ----------
    dout : ndarray of shape (N, M)
        Upstream gradient dL/dout.
    cache : tuple
        From :func:`affine_forward`.
    bugs : iterable of LayerBug or str
        Catalog bugs of the affine layer to inject (each replaces one line).

    Returns
    -------
    dx : ndarray shaped like x
    dw : ndarray of shape (D, M)
    db : ndarray of shape (M,)
    """
    line = _with_bugs("affine", bugs)
    x, w, b = cache
    v = SimpleNamespace(dout=dout, x=x, x2d=x.reshape(x.shape[0], -1), w=w, b=b)
    v.db = line["db"](v)  # db = sum_n dout
    v.dw = line["dw"](v)  # dw = x2d^T dout
    v.dx2d = line["dx2d"](v)  # dx2d = dout w^T
    v.dx = line["dx"](v)  # dx = dx2d reshaped like x
    return v.dx, v.dw, v.db


# ---------------------------------------------------------------------------------- activations


def relu_forward(x: Array) -> tuple[Array, Array]:
    """Rectified linear unit, elementwise: ``out = max(x, 0)``.

    Returns
    -------
    out : ndarray shaped like x
    cache : ndarray
        ``x``.
    """
    out = np.maximum(x, 0.0)  # out = max(x, 0)
    return out, x


_lines(
    "relu",
    {
        # out = max(x, 0)  ->  dx = dout * [x > 0]
        "dx": ("dx = dout * (x > 0)", lambda v: v.dout * (v.x > 0)),
    },
)


def relu_backward(dout: Array, cache: Array, bugs: Iterable[LayerBug | str] = ()) -> Array:
    """Backward pass of :func:`relu_forward`: ``dx`` (shaped like x), as CS231n returns it."""
    line = _with_bugs("relu", bugs)
    v = SimpleNamespace(dout=dout, x=cache)
    v.dx = line["dx"](v)  # dx = dout * [x > 0]
    return v.dx


def tanh_forward(x: Array) -> tuple[Array, tuple[Array, Array]]:
    """Hyperbolic tangent, elementwise: ``out = tanh(x)``; cache ``(x, out)``."""
    out = np.tanh(x)  # out = tanh(x)
    return out, (x, out)


_lines(
    "tanh",
    {
        # out = tanh(x)  ->  dx = dout * (1 - tanh(x)^2) = dout * (1 - out^2)
        "dx": ("dx = dout * (1 - out ** 2)", lambda v: v.dout * (1 - v.out**2)),
    },
)


def tanh_backward(dout: Array, cache: tuple, bugs: Iterable[LayerBug | str] = ()) -> Array:
    """Backward pass of :func:`tanh_forward`: ``dx`` shaped like x."""
    line = _with_bugs("tanh", bugs)
    x, out = cache
    v = SimpleNamespace(dout=dout, x=x, out=out)
    v.dx = line["dx"](v)  # dx = dout * (1 - out^2)
    return v.dx


def sigmoid_forward(x: Array) -> tuple[Array, tuple[Array, Array]]:
    """Logistic sigmoid, elementwise: ``out = 1 / (1 + e^-x)``; cache ``(x, out)``."""
    # sigma(x) = 1 / (1 + e^-x), written as (1 + tanh(x/2)) / 2: no overflow, complex-safe
    out = 0.5 * (1.0 + np.tanh(0.5 * x))
    return out, (x, out)


_lines(
    "sigmoid",
    {
        # out = sigma(x)  ->  dx = dout * sigma(x) (1 - sigma(x)) = dout * out * (1 - out)
        "dx": ("dx = dout * out * (1 - out)", lambda v: v.dout * v.out * (1 - v.out)),
    },
)


def sigmoid_backward(dout: Array, cache: tuple, bugs: Iterable[LayerBug | str] = ()) -> Array:
    """Backward pass of :func:`sigmoid_forward`: ``dx`` shaped like x."""
    line = _with_bugs("sigmoid", bugs)
    x, out = cache
    v = SimpleNamespace(dout=dout, x=x, out=out)
    v.dx = line["dx"](v)  # dx = dout * out * (1 - out)
    return v.dx


# -------------------------------------------------------------------------------- softmax loss


def softmax_forward(x: Array, y: NDArray[np.integer]) -> tuple[Any, tuple]:
    """Softmax with the mean cross-entropy loss.

    Parameters
    ----------
    x : ndarray of shape (N, C)
        Class scores; ``x[i, j]`` is the score of class j for example i.
    y : ndarray of shape (N,)
        Integer labels, ``0 <= y[i] < C``.

    Returns
    -------
    loss : float
        ``-1/N sum_i log softmax(x_i)[y_i]`` (a NumPy scalar; complex for complex x).
    cache : tuple
        ``(probs, y)``, the softmax probabilities (N, C) and the labels.
    """
    y = _labels(y, x)
    # shift each row by its (real) maximum: softmax is unchanged, exp cannot overflow
    shifted = x - np.max(x.real, axis=1, keepdims=True)
    # log p = shifted - log sum_j exp(shifted_j)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[np.arange(len(y)), y])  # L = -1/N sum_i log p[i, y_i]
    return loss, (np.exp(log_probs), y)


def _labels(y: Any, x: Array) -> NDArray[np.intp]:
    labels = np.asarray(y)
    if labels.dtype.kind not in "iu":
        raise TypeError(f"`y` must hold integer class labels, got dtype {labels.dtype}")
    if labels.shape != x.shape[:1] or x.ndim != 2:
        raise ValueError(
            f"`y` has shape {labels.shape} and `x` {x.shape}; expected x (N, C) and y (N,)"
        )
    if labels.size and (labels.min() < 0 or labels.max() >= x.shape[1]):
        raise ValueError(f"`y` holds labels outside 0..{x.shape[1] - 1}")
    return labels


def _one_hot(y: NDArray[np.intp], classes: int) -> Array:
    return np.eye(classes)[y]


_lines(
    "softmax",
    {
        # L = -1/N sum_i log softmax(x_i)[y_i]  ->  dx = dloss * (p - onehot(y)) / N
        # (softmax and cross-entropy together, as sigmoid and cross-entropy in network.py)
        "dx": (
            "dx = dloss * (probs - one_hot(y)) / N",
            lambda v: v.dloss * (v.probs - _one_hot(v.y, v.C)) / v.N,
        ),
    },
)


def softmax_backward(dloss: float, cache: tuple, bugs: Iterable[LayerBug | str] = ()) -> Array:
    """Backward pass of :func:`softmax_forward`: ``dx`` of shape (N, C) for upstream ``dloss``."""
    line = _with_bugs("softmax", bugs)
    probs, y = cache
    v = SimpleNamespace(dloss=dloss, probs=probs, y=y, N=probs.shape[0], C=probs.shape[1])
    v.dx = line["dx"](v)  # dx = dloss * (probs - onehot(y)) / N
    return v.dx


def softmax_loss(x: Array, y: NDArray[np.integer]) -> tuple[Any, Array]:
    """CS231n's ``softmax_loss``: the loss and its gradient ``dx`` in one call.

    Returns
    -------
    loss : float
        As :func:`softmax_forward`.
    dx : ndarray of shape (N, C)
        dL/dx, i.e. :func:`softmax_backward` with ``dloss = 1``.
    """
    loss, cache = softmax_forward(x, y)
    return loss, softmax_backward(1.0, cache)


# ---------------------------------------------------------------------------------- batchnorm


def batchnorm_forward(
    x: Array, gamma: Array, beta: Array, bn_param: Mapping[str, Any] | None = None
) -> tuple[Array, tuple]:
    """Batch normalization in training mode: normalize each feature over the minibatch.

    Parameters
    ----------
    x : ndarray of shape (N, D)
    gamma, beta : ndarray of shape (D,)
        Scale and shift.
    bn_param : dict, optional
        ``"eps"`` (default 1e-5) keeps the division safe; ``"mode"``, when given, must be
        ``"train"``. The running averages of CS231n's version are not kept (and ``bn_param``
        is never changed).

    Returns
    -------
    out : ndarray of shape (N, D)
        ``gamma * (x - mu) / sqrt(var + eps) + beta``, mu and var per feature.
    cache : tuple
        ``(xc, std, xhat, gamma)``.
    """
    bn_param = {} if bn_param is None else bn_param
    if bn_param.get("mode", "train") != "train":
        raise ValueError(
            f"bn_param['mode'] is {bn_param['mode']!r}; this batchnorm_forward is the training "
            "mode only (the one with a gradient worth checking)"
        )
    eps = bn_param.get("eps", BATCHNORM_EPS)
    mu = np.mean(x, axis=0)  # mu = 1/N sum_n x
    xc = x - mu  # xc = x - mu
    var = np.mean(xc * xc, axis=0)  # var = 1/N sum_n xc^2
    std = np.sqrt(var + eps)  # std = sqrt(var + eps)
    xhat = xc / std  # xhat = xc / std
    out = gamma * xhat + beta  # out = gamma xhat + beta
    return out, (xc, std, xhat, gamma)


_lines(
    "batchnorm",
    {
        # out = gamma xhat + beta  ->  dbeta = sum_n dout
        "dbeta": ("dbeta = np.sum(dout, axis=0)", lambda v: np.sum(v.dout, axis=0)),
        #                          ->  dgamma = sum_n dout * xhat
        "dgamma": (
            "dgamma = np.sum(dout * xhat, axis=0)",
            lambda v: np.sum(v.dout * v.xhat, axis=0),
        ),
        #                          ->  dxhat = dout * gamma
        "dxhat": ("dxhat = dout * gamma", lambda v: v.dout * v.gamma),
        # xhat = xc / std  ->  dstd = -sum_n dxhat * xc / std^2
        "dstd": (
            "dstd = -np.sum(dxhat * xc, axis=0) / std ** 2",
            lambda v: -np.sum(v.dxhat * v.xc, axis=0) / v.std**2,
        ),
        # std = sqrt(var + eps)  ->  dvar = dstd / (2 std)
        "dvar": ("dvar = dstd / (2 * std)", lambda v: v.dstd / (2 * v.std)),
        # var = 1/N sum xc^2, xhat = xc / std  ->  dxc = dxhat / std + 2 xc dvar / N
        "dxc": (
            "dxc = dxhat / std + 2 * xc * dvar / N",
            lambda v: v.dxhat / v.std + 2 * v.xc * v.dvar / v.N,
        ),
        # xc = x - mu  ->  dmu = -sum_n dxc
        "dmu": ("dmu = -np.sum(dxc, axis=0)", lambda v: -np.sum(v.dxc, axis=0)),
        # mu = 1/N sum x, xc = x - mu  ->  dx = dxc + dmu / N
        "dx": ("dx = dxc + dmu / N", lambda v: v.dxc + v.dmu / v.N),
    },
)


def batchnorm_backward(
    dout: Array, cache: tuple, bugs: Iterable[LayerBug | str] = ()
) -> tuple[Array, Array, Array]:
    """Backward pass of :func:`batchnorm_forward`, one statement per forward statement.

    Parameters
    ----------
    dout : ndarray of shape (N, D)
    cache : tuple
        From :func:`batchnorm_forward`.
    bugs : iterable of LayerBug or str
        Catalog bugs of the batchnorm layer to inject.

    Returns
    -------
    dx : ndarray of shape (N, D)
    dgamma, dbeta : ndarray of shape (D,)
    """
    line = _with_bugs("batchnorm", bugs)
    xc, std, xhat, gamma = cache
    v = SimpleNamespace(dout=dout, xc=xc, std=std, xhat=xhat, gamma=gamma, N=xc.shape[0])
    v.dbeta = line["dbeta"](v)  # dbeta = sum_n dout
    v.dgamma = line["dgamma"](v)  # dgamma = sum_n dout * xhat
    v.dxhat = line["dxhat"](v)  # dxhat = dout * gamma
    v.dstd = line["dstd"](v)  # dstd = -sum_n dxhat * xc / std^2
    v.dvar = line["dvar"](v)  # dvar = dstd / (2 std)
    v.dxc = line["dxc"](v)  # dxc = dxhat / std + 2 xc dvar / N
    v.dmu = line["dmu"](v)  # dmu = -sum_n dxc
    v.dx = line["dx"](v)  # dx = dxc + dmu / N
    return v.dx, v.dgamma, v.dbeta


# ------------------------------------------------------------------------------------ dropout


def dropout_forward(x: Array, mask: NDArray, keep_prob: float) -> tuple[Array, tuple]:
    """Inverted dropout with a given mask: ``out = x * mask / keep_prob``.

    Parameters
    ----------
    x : ndarray
    mask : ndarray of bool, shaped like x
        True where a unit is kept. A given mask makes the layer a deterministic function of x,
        so it can be checked (draw it once, e.g. ``rng.random(x.shape) < keep_prob``).
    keep_prob : float
        Probability of keeping a unit, in (0, 1].

    Returns
    -------
    out : ndarray shaped like x
    cache : tuple
        ``(mask, keep_prob)``.
    """
    if not 0.0 < keep_prob <= 1.0:
        raise ValueError(f"`keep_prob` must be in (0, 1], got {keep_prob!r}")
    if np.shape(mask) != np.shape(x):
        raise ValueError(f"`mask` has shape {np.shape(mask)} but `x` has {np.shape(x)}")
    out = x * mask / keep_prob  # out = x * mask / keep_prob
    return out, (mask, keep_prob)


_lines(
    "dropout",
    {
        # out = x * mask / keep_prob  ->  dx = dout * mask / keep_prob
        "dx": ("dx = dout * mask / keep_prob", lambda v: v.dout * v.mask / v.keep_prob),
    },
)


def dropout_backward(dout: Array, cache: tuple, bugs: Iterable[LayerBug | str] = ()) -> Array:
    """Backward pass of :func:`dropout_forward`: ``dx`` shaped like x."""
    line = _with_bugs("dropout", bugs)
    mask, keep_prob = cache
    v = SimpleNamespace(dout=dout, mask=mask, keep_prob=keep_prob)
    v.dx = line["dx"](v)  # dx = dout * mask / keep_prob
    return v.dx


#: Each backward line as correct code: layer -> line name -> code.
CORRECT_LINES: dict[str, dict[str, str]] = {
    layer: {name: code for name, (code, _) in lines.items()}
    for layer, lines in BACKWARD_LINES.items()
}


# ------------------------------------------------------------------------------ the registry


@dataclass(frozen=True)
class Layer:
    """One layer: its forward and backward functions and a seeded example of its inputs.

    Attributes
    ----------
    name : str
        Key in :data:`LAYERS`, e.g. ``"batchnorm"``.
    forward, backward : callable
        ``forward(*inputs.values()) -> (out, cache)``; ``backward(dout, cache, bugs=())``.
    inputs : callable
        ``inputs(rng) -> dict``: example inputs in the forward's positional order.
    """

    name: str
    forward: Callable[..., tuple[Any, Any]]
    backward: Callable[..., Any]
    inputs: Callable[[np.random.Generator], dict[str, Any]]

    def backward_with(self, bugs: Iterable[LayerBug | str]) -> Callable[..., Any]:
        """``backward`` with catalog bugs switched on: ``backward_with(bugs)(dout, cache)``."""
        return partial(self.backward, bugs=tuple(bugs))


def _away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> Array:
    # a kink at 0 (ReLU) or a tie makes the numerical gradient unreliable: keep |x| >= 0.1
    x = rng.standard_normal(shape)
    return np.sign(x) * (0.1 + np.abs(x))


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        # square w and N = M: a transposed dw or a db summed over the wrong axis keeps its shape
        Layer(
            "affine",
            affine_forward,
            affine_backward,
            lambda rng: {
                "x": rng.standard_normal((4, 2, 2)),
                "w": rng.standard_normal((4, 4)),
                "b": rng.standard_normal(4),
            },
        ),
        Layer("relu", relu_forward, relu_backward, lambda rng: {"x": _away_from_zero(rng, (4, 5))}),
        Layer("tanh", tanh_forward, tanh_backward, lambda rng: {"x": rng.standard_normal((4, 5))}),
        Layer(
            "sigmoid",
            sigmoid_forward,
            sigmoid_backward,
            lambda rng: {"x": rng.standard_normal((4, 5))},
        ),
        Layer(
            "softmax",
            softmax_forward,
            softmax_backward,
            lambda rng: {"x": rng.standard_normal((5, 4)), "y": rng.integers(0, 4, size=5)},
        ),
        Layer(
            "batchnorm",
            batchnorm_forward,
            batchnorm_backward,
            lambda rng: {
                "x": 2.0 * rng.standard_normal((6, 3)) + 1.0,
                "gamma": 1.0 + 0.5 * rng.standard_normal(3),
                "beta": rng.standard_normal(3),
                "bn_param": {"eps": BATCHNORM_EPS},
            },
        ),
        Layer(
            "dropout",
            dropout_forward,
            dropout_backward,
            lambda rng: {
                "x": rng.standard_normal((4, 5)),
                "mask": rng.random((4, 5)) < 0.7,
                "keep_prob": 0.7,
            },
        ),
    )
}


def example_inputs(layer: str, seed: int = 0) -> dict[str, Any]:
    """Seeded example inputs of one of :data:`LAYERS`, in its forward's positional order.

    Examples
    --------
    >>> sorted(example_inputs("affine"))
    ['b', 'w', 'x']
    """
    if layer not in LAYERS:
        raise KeyError(f"no layer named {layer!r}; the layers are {list(LAYERS)}")
    # a stream of its own: check_layer draws dout from default_rng(seed), and a dout equal to x
    # would hide every mistake that is symmetric in the two (dw transposed, a ReLU mask from dout)
    return LAYERS[layer].inputs(np.random.default_rng([INPUT_STREAM, seed]))


def __getattr__(name: str) -> Any:
    """Re-export the bug catalog (:mod:`gradcheck_lib.layer_bugs`), which imports this module.

    ``from gradcheck_lib.layers import LAYER_CATALOG`` keeps working in either import order.
    """
    if name in ("LAYER_CATALOG", "LayerBug"):
        from . import layer_bugs

        return getattr(layer_bugs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
