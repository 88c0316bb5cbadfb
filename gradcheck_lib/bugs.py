"""The catalog of realistic backprop bugs to inject into the reference network, and the lab's check.

A :class:`Bug` is data: the name of the one backward line it replaces (a key of
:data:`~gradcheck_lib.network.BACKWARD_LINES`), the wrong code as a learner writes it, and a
function computing that wrong line. :func:`~gradcheck_lib.network.backward_propagation` swaps
the lines in one place; nothing else in the package knows about individual bugs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

import numpy as np
from numpy.typing import NDArray

from .check import GradCheckReport, gradient_check
from .network import (
    DEFAULT_SETTINGS,
    NetworkSettings,
    backward_propagation,
    cost_function,
    forward_propagation,
    init_parameters,
    make_dataset,
)

__all__ = [
    "CATALOG",
    "CORRECT_LINES",
    "DROPOUT_KEEP_PROB",
    "Bug",
    "check_network",
    "resolve_bugs",
    "settings_for",
]

Array = NDArray[np.float64]

#: The keep probability a dropout-only bug switches on when the settings have dropout off.
DROPOUT_KEEP_PROB = 0.8
#: The mask seed used when a bug switches dropout on and the settings give no seed.
DROPOUT_SEED = 1

#: Each backward line as correct code, in the names of the network (tanh activation).
CORRECT_LINES: dict[str, str] = {
    "dZ2": "dZ2 = A2 - Y",
    "dW2": "dW2 = 1 / m * dZ2 @ A1_drop.T + lambd / m * W2",
    "db2": "db2 = 1 / m * np.sum(dZ2, axis=1, keepdims=True)",
    "dA1_drop": "dA1_drop = W2.T @ dZ2",
    "dA1": "dA1 = dA1_drop * D1 / keep_prob",
    "dZ1": "dZ1 = dA1 * (1 - A1 ** 2)",
    "dW1": "dW1 = 1 / m * dZ1 @ X.T + lambd / m * W1",
    "db1": "db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True)",
}


@dataclass(frozen=True)
class Bug:
    """One realistic backprop mistake: a single line of the backward pass, written wrong.

    Attributes
    ----------
    name : str
        Key in :data:`CATALOG`, e.g. ``"dW2_doubled"``.
    title : str
        Short label (the lab's checkbox).
    replaces : str
        The backward line it replaces, a key of :data:`~gradcheck_lib.network.BACKWARD_LINES`.
    line : str
        The wrong line as a learner would write it.
    correct : str
        The right line, to show beside it.
    affects : tuple of str
        The parameters whose gradients it corrupts, e.g. ``("W2",)``.
    hint : str
        A nudge for the learner who has found the parameter but not the mistake.
    compute : callable
        ``compute(v) -> ndarray``: the wrong line, reading the same namespace as the correct one.
    activation : str or None
        The activation the bug exists under (``"tanh"`` for the tanh-derivative bugs), or None.
    needs_dropout : bool
        True when the bug only exists with dropout on (keep_prob < 1).
    """

    name: str
    title: str
    replaces: str
    line: str
    affects: tuple[str, ...]
    hint: str
    compute: Callable[[SimpleNamespace], Array] = dataclasses.field(repr=False)
    activation: str | None = None
    needs_dropout: bool = False

    @property
    def correct(self) -> str:
        """The right version of :attr:`line`."""
        return CORRECT_LINES[self.replaces]


def _bug(
    name: str,
    title: str,
    line: str,
    compute: Callable[[SimpleNamespace], Array],
    affects: tuple[str, ...],
    hint: str,
    **requires: object,
) -> Bug:
    replaces = line.split("=", 1)[0].strip()
    return Bug(name, title, replaces, line, affects, hint, compute, **requires)  # type: ignore[arg-type]


_CATALOG_LIST = [
    _bug(
        "dW2_doubled",
        "dW2 multiplied by 2",
        "dW2 = 1 / m * dZ2 @ A1_drop.T * 2 + lambd / m * W2",
        lambda v: 2 * (v.dZ2 @ v.A1_drop.T) / v.m + v.lambd / v.m * v.W2,
        ("W2",),
        "Only W2 is off, and by a constant factor: look at report.scale_factors['W2'].",
    ),
    _bug(
        "db1_four_over_m",
        "db1 computed with 4/m",
        "db1 = 4 / m * np.sum(dZ1, axis=1, keepdims=True)",
        lambda v: 4 * np.sum(v.dZ1, axis=1, keepdims=True) / v.m,
        ("b1",),
        "b1's analytical gradient is a fixed multiple of the numerical one: check the constant.",
    ),
    _bug(
        "db2_missing_one_over_m",
        "db2 without the 1/m",
        "db2 = np.sum(dZ2, axis=1, keepdims=True)",
        lambda v: np.sum(v.dZ2, axis=1, keepdims=True),
        ("b2",),
        "The cost is a mean over the m examples, so every gradient is one too.",
    ),
    _bug(
        "dW1_divided_by_m_minus_1",
        "dW1 divided by m - 1",
        "dW1 = 1 / (m - 1) * dZ1 @ X.T + lambd / m * W1",
        lambda v: (v.dZ1 @ v.X.T) / (v.m - 1) + v.lambd / v.m * v.W1,
        ("W1",),
        "Almost right: W1 is off by a factor close to 1. The cost averages over m examples, "
        "not m - 1 (this is not a sample variance).",
    ),
    _bug(
        "dZ2_sign_flipped",
        "dZ2 with the sign flipped",
        "dZ2 = Y - A2",
        lambda v: v.Y - v.A2,
        ("W1", "b1", "W2", "b2"),
        "Every gradient is wrong, most of them pointing the opposite way: re-derive "
        "dJ/dZ2 from J = -mean(Y log A2 + (1 - Y) log(1 - A2)).",
    ),
    _bug(
        "tanh_prime_from_Z1",
        "tanh' computed from Z1 instead of A1",
        "dZ1 = dA1 * (1 - Z1 ** 2)",
        lambda v: v.dA1 * (1 - v.Z1**2),
        ("W1", "b1"),
        "The derivative of tanh(z) is 1 - tanh(z)^2: square the activation, not its input.",
        activation="tanh",
    ),
    _bug(
        "sigmoid_prime_for_tanh",
        "sigmoid' used in place of tanh'",
        "dZ1 = dA1 * A1 * (1 - A1)",
        lambda v: v.dA1 * v.A1 * (1 - v.A1),
        ("W1", "b1"),
        "A1 * (1 - A1) is the derivative of the sigmoid; the hidden layer uses tanh.",
        activation="tanh",
    ),
    _bug(
        "dZ1_from_wrong_layer",
        "dZ1 uses the cached A2 instead of A1",
        "dZ1 = dA1 * (1 - A2 ** 2)",
        lambda v: v.dA1 * (1 - v.A2**2),
        ("W1", "b1"),
        "The derivative of layer 1's activation needs layer 1's cache: which A did you read?",
        activation="tanh",
    ),
    _bug(
        "dW1_regularization_forgotten",
        "regularization gradient forgotten in dW1",
        "dW1 = 1 / m * dZ1 @ X.T",
        lambda v: (v.dZ1 @ v.X.T) / v.m,
        ("W1",),
        "The cost has an L2 term in W1; its gradient lambd/m * W1 belongs in dW1. "
        "Set lambd to 0 and watch this bug disappear.",
    ),
    _bug(
        "dW2_half_regularization",
        "lambd/(2m) instead of lambd/m in dW2",
        "dW2 = 1 / m * dZ2 @ A1_drop.T + lambd / (2 * m) * W2",
        lambda v: (v.dZ2 @ v.A1_drop.T) / v.m + v.lambd / (2 * v.m) * v.W2,
        ("W2",),
        "d/dW of lambd/(2m) * W^2 is lambd/m * W: the 2 of the square cancels the 1/2. "
        "The gap grows with lambd.",
    ),
    _bug(
        "db1_regularized",
        "regularization applied to the biases",
        "db1 = 1 / m * np.sum(dZ1, axis=1, keepdims=True) + lambd / m * b1",
        lambda v: np.sum(v.dZ1, axis=1, keepdims=True) / v.m + v.lambd / v.m * v.b1,
        ("b1",),
        "The L2 term of the cost sums the weights only. The gap is small because the biases "
        "are small: a warning is not a pass.",
    ),
    _bug(
        "dropout_mask_not_applied",
        "dropout mask not applied in backward",
        "dA1 = dA1_drop / keep_prob",
        lambda v: v.dA1_drop / v.keep_prob,
        ("W1", "b1"),
        "A dropped unit did not reach the output, so no gradient flows back through it: "
        "multiply by the same mask D1 as the forward pass.",
        needs_dropout=True,
    ),
    _bug(
        "dropout_not_rescaled",
        "dropout mask applied without / keep_prob",
        "dA1 = dA1_drop * D1",
        lambda v: v.dA1_drop * v.D1,
        ("W1", "b1"),
        "The forward pass divided the kept units by keep_prob (inverted dropout); the backward "
        "pass must too.",
        needs_dropout=True,
    ),
    _bug(
        "dW2_from_A1_before_dropout",
        "dW2 uses A1 from before dropout",
        "dW2 = 1 / m * dZ2 @ A1.T + lambd / m * W2",
        lambda v: (v.dZ2 @ v.A1.T) / v.m + v.lambd / v.m * v.W2,
        ("W2",),
        "Layer 2 saw the activations after dropout; dW2 must use the same cached array.",
        needs_dropout=True,
    ),
    _bug(
        "sigmoid_prime_applied_twice",
        "sigmoid' applied on top of A2 - Y",
        "dZ2 = (A2 - Y) * A2 * (1 - A2)",
        lambda v: (v.A2 - v.Y) * v.A2 * (1 - v.A2),
        ("W1", "b1", "W2", "b2"),
        "A2 - Y already is dJ/dZ2: the sigmoid's derivative cancelled against the "
        "cross-entropy's. Multiplying by A2 (1 - A2) counts it twice.",
    ),
]

#: Every catalog bug by name, in teaching order.
CATALOG: dict[str, Bug] = {bug.name: bug for bug in _CATALOG_LIST}


def resolve_bugs(bugs: Iterable[str | Bug]) -> tuple[Bug, ...]:
    """Turn bug names (or Bugs) into Bugs; an unknown name raises KeyError listing the catalog."""
    resolved = []
    for bug in bugs:
        if isinstance(bug, Bug):
            resolved.append(bug)
        elif bug in CATALOG:
            resolved.append(CATALOG[bug])
        else:
            raise KeyError(f"no bug named {bug!r}; the catalog has {list(CATALOG)}")
    return tuple(resolved)


def settings_for(
    bugs: Iterable[str | Bug], settings: NetworkSettings = DEFAULT_SETTINGS
) -> NetworkSettings:
    """The settings under which the given bugs exist.

    A tanh-only bug switches the activation to tanh; a dropout-only bug switches dropout on
    (``keep_prob = DROPOUT_KEEP_PROB``) with a fixed mask when it was off. Settings that already
    meet a bug's needs are kept.
    """
    for bug in resolve_bugs(bugs):
        if bug.activation is not None and settings.activation != bug.activation:
            settings = dataclasses.replace(settings, activation=bug.activation)
        if bug.needs_dropout and settings.keep_prob == 1.0:
            seed = DROPOUT_SEED if settings.dropout_seed is None else settings.dropout_seed
            settings = dataclasses.replace(settings, keep_prob=DROPOUT_KEEP_PROB, dropout_seed=seed)
    return settings


@lru_cache(maxsize=16)
def _problem(m: int, hidden: int, seed: int) -> tuple[Array, Array, dict[str, Array]]:
    X, Y = make_dataset(m=m, seed=seed)
    parameters = init_parameters(n_x=X.shape[0], n_h=hidden, n_y=1, seed=seed)
    for array in (X, Y, *parameters.values()):
        array.setflags(write=False)
    return X, Y, parameters


def check_network(
    settings: NetworkSettings = DEFAULT_SETTINGS,
    bugs: Iterable[str | Bug] = (),
    epsilon: float = 1e-7,
    mode: str = "full",
) -> GradCheckReport:
    """Gradient-check the reference network with some catalog bugs switched on.

    Parameters
    ----------
    settings : NetworkSettings
        Network and data settings; each bug's needs are applied on top (see :func:`settings_for`).
    bugs : iterable of str or Bug
        Bug names from :data:`CATALOG` (or Bug objects) to inject into the backward pass.
    epsilon : float
        Step of the central difference.
    mode : {"full", "directional", "sample"}
        Passed to :func:`~gradcheck_lib.gradient_check`.

    Returns
    -------
    report : GradCheckReport
        The verdict, the difference and the per-parameter breakdown.

    Examples
    --------
    >>> check_network().verdict
    <Verdict.EXCELLENT: 'excellent'>
    >>> check_network(bugs=["dW2_doubled"]).worst(1)[0].name
    'W2'
    """
    bugs = resolve_bugs(bugs)
    settings = settings_for(bugs, settings)
    X, Y, cached = _problem(settings.m, settings.hidden, settings.seed)
    parameters = {name: array.copy() for name, array in cached.items()}
    _, cache = forward_propagation(
        X, parameters, settings.activation, settings.keep_prob, settings.dropout_seed
    )
    grads = backward_propagation(X, Y, cache, parameters, lambd=settings.lambd, bugs=bugs)
    cost = cost_function(
        X,
        Y,
        activation=settings.activation,
        lambd=settings.lambd,
        keep_prob=settings.keep_prob,
        dropout_seed=settings.dropout_seed,
    )
    return gradient_check(cost, parameters, grads, epsilon=epsilon, mode=mode)
