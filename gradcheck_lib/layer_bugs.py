"""The layer-bug catalog: one-line mistakes in the backward passes of :mod:`gradcheck_lib.layers`.

Each :class:`LayerBug` replaces exactly one named line of ``BACKWARD_LINES[layer]`` and nothing
else; pass it (or its name) to the layer's backward as ``bugs=[...]``. :data:`LAYER_CATALOG` holds
them all by name, grouped by layer in the order of :data:`~gradcheck_lib.layers.LAYERS`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .bugs import Bug
from .layers import BACKWARD_LINES, CORRECT_LINES, Line, _one_hot

__all__ = ["LAYER_CATALOG", "LayerBug"]


@dataclass(frozen=True)
class LayerBug(Bug):
    """A :class:`~gradcheck_lib.bugs.Bug` in one layer's backward pass.

    ``replaces`` names a line of ``BACKWARD_LINES[layer]``; ``affects`` names the layer's inputs
    whose gradients it corrupts (``("gamma",)``, ``("x",)``).
    """

    layer: str = ""

    @property
    def correct(self) -> str:
        """The right version of :attr:`line`."""
        return CORRECT_LINES[self.layer][self.replaces]


def _layer_bug(
    layer: str, name: str, title: str, line: str, compute: Line, affects: tuple, hint: str
) -> LayerBug:
    replaces = line.split("=", 1)[0].strip()
    if replaces not in BACKWARD_LINES[layer]:
        raise ValueError(f"bug {name!r}: {layer} has no backward line {replaces!r}")
    return LayerBug(name, title, replaces, line, affects, hint, compute, layer=layer)


_LAYER_BUGS = [
    _layer_bug(
        "affine",
        "affine_dw_transposed",
        "affine dw computed as dout^T x",
        "dw = dout.T @ x2d",
        lambda v: v.dout.T @ v.x2d,
        ("w",),
        "dw must have w's shape (D, M): x2d.T @ dout. With a square w the wrong order still "
        "has the right shape, so only a check sees it.",
    ),
    _layer_bug(
        "affine",
        "affine_db_wrong_axis",
        "affine db summed over the features",
        "db = np.sum(dout, axis=1)",
        lambda v: np.sum(v.dout, axis=1),
        ("b",),
        "b is added to every example (row), so db sums dout over the examples: axis=0.",
    ),
    _layer_bug(
        "affine",
        "affine_dx_not_transposed",
        "affine dx uses w instead of w^T",
        "dx2d = dout @ w",
        lambda v: v.dout @ v.w,
        ("x",),
        "out = x w maps D inputs to M outputs; the way back multiplies by w.T.",
    ),
    # A mask from the output, out > 0, is not among them: it equals x > 0 except at x == 0,
    # where ReLU has no derivative, so no check could tell it from the right line.
    _layer_bug(
        "relu",
        "relu_mask_from_dout",
        "ReLU mask taken from dout instead of x",
        "dx = dout * (dout > 0)",
        lambda v: v.dout * (v.dout > 0),
        ("x",),
        "The gradient flows where the *input* was positive; the sign of dout does not matter.",
    ),
    _layer_bug(
        "relu",
        "relu_chain_rule_forgotten",
        "ReLU backward returns the mask, without dout",
        "dx = 1.0 * (x > 0)",
        lambda v: 1.0 * (v.x > 0),
        ("x",),
        "The local derivative [x > 0] still has to be multiplied by the upstream gradient dout.",
    ),
    _layer_bug(
        "tanh",
        "tanh_prime_from_input",
        "tanh' computed from x instead of the output",
        "dx = dout * (1 - x ** 2)",
        lambda v: v.dout * (1 - v.x**2),
        ("x",),
        "d tanh(x)/dx = 1 - tanh(x)^2: square the output, not the input.",
    ),
    _layer_bug(
        "sigmoid",
        "sigmoid_prime_missing_factor",
        "sigmoid' written as s instead of s (1 - s)",
        "dx = dout * out",
        lambda v: v.dout * v.out,
        ("x",),
        "d sigma(x)/dx = sigma(x) (1 - sigma(x)): one factor is missing.",
    ),
    _layer_bug(
        "softmax",
        "softmax_label_not_subtracted",
        "softmax dx without subtracting the one-hot label",
        "dx = dloss * probs / N",
        lambda v: v.dloss * v.probs / v.N,
        ("x",),
        "dL/dx = (p - onehot(y)) / N: the correct class's score also gets -1/N.",
    ),
    _layer_bug(
        "softmax",
        "softmax_missing_one_over_n",
        "softmax dx without the 1/N of the mean",
        "dx = dloss * (probs - one_hot(y))",
        lambda v: v.dloss * (v.probs - _one_hot(v.y, v.C)),
        ("x",),
        "The loss is a mean over the N examples, so its gradient carries 1/N.",
    ),
    _layer_bug(
        "batchnorm",
        "batchnorm_dgamma_sum_dout",
        "batchnorm dgamma written as sum(dout)",
        "dgamma = np.sum(dout, axis=0)",
        lambda v: np.sum(v.dout, axis=0),
        ("gamma",),
        "gamma multiplies xhat, so dgamma = sum(dout * xhat); sum(dout) is dbeta.",
    ),
    _layer_bug(
        "batchnorm",
        "batchnorm_variance_term_forgotten",
        "batchnorm dx without the variance term",
        "dxc = dxhat / std",
        lambda v: v.dxhat / v.std,
        ("x",),
        "x reaches the output through the variance too: add the path xc -> var -> std -> xhat.",
    ),
    _layer_bug(
        "batchnorm",
        "batchnorm_mean_term_forgotten",
        "batchnorm dx without the mean term",
        "dx = dxc",
        lambda v: v.dxc,
        ("x",),
        "x also moves the batch mean mu: every example gets the extra -1/N sum(dxc).",
    ),
    _layer_bug(
        "batchnorm",
        "batchnorm_sqrt_derivative",
        "batchnorm d sqrt(var + eps) without the 1/2",
        "dvar = dstd / std",
        lambda v: v.dstd / v.std,
        ("x",),
        "d sqrt(u)/du = 1 / (2 sqrt(u)): the 2 is easy to drop.",
    ),
    _layer_bug(
        "dropout",
        "dropout_not_rescaled",
        "dropout backward without / keep_prob",
        "dx = dout * mask",
        lambda v: v.dout * v.mask,
        ("x",),
        "Inverted dropout divided the kept units by keep_prob on the way forward; so must "
        "the way back.",
    ),
    _layer_bug(
        "dropout",
        "dropout_mask_not_applied",
        "dropout backward without the mask",
        "dx = dout / keep_prob",
        lambda v: v.dout / v.keep_prob,
        ("x",),
        "A dropped unit did not reach the output, so no gradient flows back through it.",
    ),
]

#: Every layer bug by name, grouped by layer in the order of :data:`LAYERS`.
LAYER_CATALOG: dict[str, LayerBug] = {bug.name: bug for bug in _LAYER_BUGS}
