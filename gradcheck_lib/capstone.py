"""The capstone: an L-layer softmax classifier built from layers.py, whose backward pass has bugs.

The network, on a seeded spiral data set of three classes (one example per *row*, as in
:mod:`gradcheck_lib.layers`)::

    (affine -> batchnorm -> relu) x (L - 1)  ->  affine  ->  softmax loss  (+ reg/2 sum ||W_l||^2)

The hidden affine layers have no bias: batch normalization subtracts the batch mean, so a bias
before it has a gradient of exactly zero, and its numerical gradient would be pure rounding noise.
Each ``beta_l`` does the bias's job.

The forward pass is the library's (:func:`forward`). The backward pass is the learner's: the text
:data:`SOLUTION_CODE`, written in the course's style (one statement per forward statement, in
reverse, each with its equation), defines ``affine_backward``, ``batchnorm_backward``,
``relu_backward``, ``softmax_backward`` and ``network_backward``. The learner's copy of notebook 08
holds that code with the bugs of one seed planted in it (:func:`learner_code`): each
:class:`CapstoneBug` replaces exactly one line. A seed picks one bug from each of three groups
(:data:`BUG_GROUPS`), so every seed gives three bugs in three different functions;
:func:`seed_for_student` turns a student id into a seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .layers import affine_forward, batchnorm_forward, relu_forward, softmax_forward

__all__ = [
    "BACKWARD_FUNCTIONS",
    "BUG_GROUPS",
    "CAPSTONE_BUGS",
    "DEFAULT_SEED",
    "NOTEBOOK_PROBLEM",
    "SOLUTION_CODE",
    "CapstoneBug",
    "CapstoneProblem",
    "Descent",
    "compile_backward",
    "cost_function",
    "descent_step",
    "forward",
    "init_parameters",
    "layer_count",
    "learner_code",
    "make_spirals",
    "plant_bugs",
    "planted_bugs",
    "seed_for_student",
    "train",
]

Array = NDArray[np.float64]
Parameters = dict[str, Array]
Backward = Callable[[Mapping[str, Any], Mapping[str, Array], float], dict[str, Array]]

#: The seed of the committed learner copy (``tools/build_learner_copies.py`` without options).
DEFAULT_SEED = 0

#: The generator that picks a seed's bugs is ``default_rng([BUG_STREAM, seed])``.
BUG_STREAM = 8


# ------------------------------------------------------------------------------- the data set


def make_spirals(per_class: int = 30, classes: int = 3, seed: int = 0) -> tuple[Array, NDArray]:
    """Make the spiral data set of CS231n: ``classes`` arms of a spiral in the plane.

    Parameters
    ----------
    per_class : int
        Examples per class, at least 2.
    classes : int
        Number of classes (spiral arms), at least 2.
    seed : int
        Seed of a local random generator (the angles' noise).

    Returns
    -------
    X : ndarray of shape (per_class * classes, 2)
        One example per row, inside the unit disc.
    y : ndarray of int of shape (per_class * classes,)
        The class of each example, ``0 .. classes - 1``.

    Examples
    --------
    >>> X, y = make_spirals(per_class=5)
    >>> X.shape, y.shape, sorted(set(y.tolist()))
    ((15, 2), (15,), [0, 1, 2])
    """
    for name, value in (("per_class", per_class), ("classes", classes)):
        if int(value) != value or value < 2:
            raise ValueError(f"{name} must be an integer of at least 2, got {value!r}")
    rng = np.random.default_rng(seed)
    radius = np.tile(np.linspace(0.1, 1.0, per_class), classes)
    y = np.repeat(np.arange(classes), per_class)
    angle = 4.0 * (y + radius) + 0.2 * rng.standard_normal(y.size)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    return X, y


# --------------------------------------------------------------------------------- the network


def init_parameters(
    hidden: tuple[int, ...] = (12, 10, 8), n_in: int = 2, classes: int = 3, seed: int = 0
) -> Parameters:
    """Draw the parameters of an L-layer network, ``L = len(hidden) + 1``.

    Parameters
    ----------
    hidden : tuple of int
        Widths of the hidden layers, at least one.
    n_in, classes : int
        Input features and classes.
    seed : int
        Seed of a local random generator.

    Returns
    -------
    parameters : dict of str to ndarray
        For each hidden layer l: ``"W{l}"`` (fan_in, width), ``"gamma{l}"`` and ``"beta{l}"``
        (width,); then ``"W{L}"`` (hidden[-1], classes) and ``"b{L}"`` (classes,).

    Notes
    -----
    Weights are He-scaled normals. ``gamma`` starts near 1 and ``beta`` and ``b`` near 0, but not
    *at* 1 and 0: at gamma = 1 a backward pass that forgets to multiply by gamma is still right.
    """
    if not hidden or any(int(width) != width or width < 1 for width in hidden):
        raise ValueError(f"hidden must be a non-empty tuple of positive widths, got {hidden!r}")
    rng = np.random.default_rng(seed)
    sizes = (n_in, *hidden, classes)
    parameters: Parameters = {}
    for layer, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True), start=1):
        parameters[f"W{layer}"] = rng.standard_normal((fan_in, fan_out)) * np.sqrt(2.0 / fan_in)
        if layer < len(sizes) - 1:
            parameters[f"gamma{layer}"] = 1.0 + 0.1 * rng.standard_normal(fan_out)
            parameters[f"beta{layer}"] = 0.1 * rng.standard_normal(fan_out)
        else:
            parameters[f"b{layer}"] = 0.01 * rng.standard_normal(fan_out)
    return parameters


def layer_count(parameters: Mapping[str, Array]) -> int:
    """L, the number of affine layers: one per weight matrix ``W1 .. WL``."""
    return sum(1 for name in parameters if name.startswith("W"))


def forward(
    X: Array, y: NDArray, parameters: Mapping[str, Array], reg: float = 0.0
) -> tuple[float, dict[str, Any]]:
    """Run the forward pass and the loss, keeping every layer's cache.

    Parameters
    ----------
    X : ndarray of shape (N, n_in)
    y : ndarray of int of shape (N,)
    parameters : dict
        As :func:`init_parameters` makes them.
    reg : float
        L2 strength: the loss gains ``reg / 2 * sum_l sum(W_l ** 2)``.

    Returns
    -------
    loss : float
    caches : dict
        ``"affine{l}"``, ``"batchnorm{l}"``, ``"relu{l}"`` for each hidden layer l, ``"affine{L}"``
        and ``"softmax"``: the caches of :mod:`gradcheck_lib.layers`' forward functions, which
        the learner's ``network_backward(caches, parameters, reg)`` reads.
    """
    L = layer_count(parameters)
    caches: dict[str, Any] = {}
    a = X
    for layer in range(1, L):
        no_bias = np.zeros(parameters[f"W{layer}"].shape[1])
        z, caches[f"affine{layer}"] = affine_forward(a, parameters[f"W{layer}"], no_bias)  # z = a W
        gamma, beta = parameters[f"gamma{layer}"], parameters[f"beta{layer}"]
        h, caches[f"batchnorm{layer}"] = batchnorm_forward(z, gamma, beta)  # h = batchnorm(z)
        a, caches[f"relu{layer}"] = relu_forward(h)  # a = max(h, 0)
    scores, caches[f"affine{L}"] = affine_forward(a, parameters[f"W{L}"], parameters[f"b{L}"])
    data_loss, caches["softmax"] = softmax_forward(scores, y)  # -1/N sum log softmax[y]
    weights = sum(np.sum(parameters[f"W{layer}"] ** 2) for layer in range(1, L + 1))
    return float(data_loss + 0.5 * reg * weights), caches


def cost_function(X: Array, y: NDArray, reg: float = 0.0) -> Callable[[Mapping[str, Array]], float]:
    """Close over the data: the ``cost(parameters) -> float`` that a gradient check needs."""

    def cost(parameters: Mapping[str, Array]) -> float:
        return forward(X, y, parameters, reg)[0]

    return cost


def train(
    parameters: Mapping[str, Array],
    X: Array,
    y: NDArray,
    backward: Backward,
    *,
    reg: float = 0.0,
    steps: int = 300,
    learning_rate: float = 0.5,
) -> tuple[Parameters, Array]:
    """Plain gradient descent with the given backward pass.

    Parameters
    ----------
    parameters : dict
        The starting point (left unchanged; training works on copies).
    X, y, reg
        As in :func:`forward`.
    backward : callable
        ``backward(caches, parameters, reg) -> grads`` with keys ``"d" + name``: the learner's
        ``network_backward``.
    steps : int
        Gradient steps.
    learning_rate : float
        Step size.

    Returns
    -------
    parameters : dict
        The trained parameters.
    costs : ndarray of shape (steps + 1,)
        The loss before each step, and after the last one.
    """
    current = {name: np.array(value, dtype=np.float64) for name, value in parameters.items()}
    costs = np.empty(steps + 1)
    for step in range(steps):
        costs[step], caches = forward(X, y, current, reg)
        grads = backward(caches, current, reg)
        current = {
            name: value - learning_rate * grads["d" + name] for name, value in current.items()
        }
    costs[steps] = forward(X, y, current, reg)[0]
    return current, costs


@dataclass(frozen=True)
class Descent:
    """What one small step along -gradient did to the cost, and what it should have done.

    Attributes
    ----------
    step : float
        The step size eta.
    predicted : float
        ``eta * ||g||^2``: the first-order decrease, ``J(θ) - J(θ - eta g) ≈ eta ||g||^2``,
        when g is the true gradient.
    actual : float
        The decrease measured, ``J(θ) - J(θ - eta g)``.
    """

    step: float
    predicted: float
    actual: float

    @property
    def ratio(self) -> float:
        """actual / predicted: 1 up to O(eta) when g is the gradient."""
        return self.actual / self.predicted if self.predicted else float("nan")


def descent_step(
    cost: Callable[[Mapping[str, Array]], float],
    parameters: Mapping[str, Array],
    gradients: Mapping[str, Array],
    step: float = 1e-3,
) -> Descent:
    """Take one step along -gradient and compare the decrease of the cost with eta ||g||^2.

    Parameters
    ----------
    cost : callable
        ``cost(parameters) -> float``.
    parameters : dict
        The point θ (left unchanged).
    gradients : dict
        ``"d" + name`` for every parameter: the gradient g to test.
    step : float
        eta, small enough for the first-order term to dominate.

    Returns
    -------
    Descent

    Notes
    -----
    ``J(θ - eta g) = J(θ) - eta <∇J, g> + O(eta^2)``. When g = ∇J the decrease is
    ``eta ||g||^2``; a wrong g predicts a decrease that the cost does not make.
    """
    if not step > 0:
        raise ValueError(f"step must be positive, got {step!r}")
    moved = {name: value - step * gradients["d" + name] for name, value in parameters.items()}
    squared = sum(float(np.sum(gradients["d" + name] ** 2)) for name in parameters)
    return Descent(step, step * squared, cost(parameters) - cost(moved))


@dataclass(frozen=True)
class CapstoneProblem:
    """The network that notebook 08 shows: data, sizes, seeds, L2 strength and training."""

    per_class: int = 30
    hidden: tuple[int, ...] = (12, 10, 8)
    data_seed: int = 0
    init_seed: int = 1
    reg: float = 0.01
    steps: int = 300
    learning_rate: float = 0.1

    def data(self) -> tuple[Array, NDArray]:
        """X (90, 2) and y (90,), the notebook's spirals."""
        return make_spirals(self.per_class, seed=self.data_seed)

    def parameters(self) -> Parameters:
        """The notebook's initial parameters."""
        return init_parameters(self.hidden, seed=self.init_seed)


#: The problem notebook 08 works on; the checker of Exercise 8.1 tests on others.
NOTEBOOK_PROBLEM = CapstoneProblem()


# ------------------------------------------------------------------ the learner's backward pass

#: The functions the learner's code defines, in the order it defines them.
BACKWARD_FUNCTIONS = (
    "affine_backward",
    "batchnorm_backward",
    "relu_backward",
    "softmax_backward",
    "network_backward",
)

#: The backward pass as the learner writes it, correct: the solution of Exercise 8.1.
SOLUTION_CODE = '''\
def affine_backward(dout, cache):
    """Backward pass of out = x w + b, for x (N, D), w (D, M), b (M,). Returns dx, dw, db."""
    x, w, b = cache
    db = np.sum(dout, axis=0)  # out = x w + b, with respect to b
    dw = x.T @ dout  # out = x w + b, with respect to w
    dx = dout @ w.T  # out = x w + b, with respect to x
    return dx, dw, db


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization (training mode). Returns dx, dgamma, dbeta."""
    xc, std, xhat, gamma = cache
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)  # out = gamma xhat + beta, with respect to beta
    dgamma = np.sum(dout * xhat, axis=0)  # out = gamma xhat + beta, with respect to gamma
    dxhat = dout * gamma  # out = gamma xhat + beta, with respect to xhat
    dstd = -np.sum(dxhat * xc, axis=0) / std**2  # xhat = xc / std, with respect to std
    dvar = dstd / (2 * std)  # std = sqrt(var + eps)
    dxc = dxhat / std + 2 * xc * dvar / N  # xhat = xc / std and var = 1/N sum_n xc^2
    dmu = -np.sum(dxc, axis=0)  # xc = x - mu, with respect to mu
    dx = dxc + dmu / N  # xc = x - mu and mu = 1/N sum_n x, with respect to x
    return dx, dgamma, dbeta


def relu_backward(dout, cache):
    """Backward pass of out = max(x, 0), elementwise. Returns dx."""
    x = cache
    dx = dout * (x > 0)  # out = max(x, 0)
    return dx


def softmax_backward(dloss, cache):
    """Backward pass of the softmax loss, p = softmax(scores). Returns dscores."""
    probs, y = cache
    N = probs.shape[0]
    one_hot = np.eye(probs.shape[1])[y]  # one_hot[n, c] = 1 where c == y[n], else 0
    dscores = dloss * (probs - one_hot) / N  # loss = -1/N sum_n log p[n, y[n]]
    return dscores


def network_backward(caches, parameters, reg):
    """The forward pass read in reverse. Returns grads: "dW1", "dgamma1", ..., "dWL", "dbL"."""
    L = sum(1 for name in parameters if name.startswith("W"))  # number of affine layers
    grads = {}
    dscores = softmax_backward(1.0, caches["softmax"])  # loss = softmax_loss(scores, y)
    cache = caches[f"affine{L}"]  # scores = a W_L + b_L
    da, grads[f"dW{L}"], grads[f"db{L}"] = affine_backward(dscores, cache)
    for layer in range(L - 1, 0, -1):
        dh = relu_backward(da, caches[f"relu{layer}"])  # a = max(h, 0)
        cache = caches[f"batchnorm{layer}"]  # h = batchnorm(z, gamma_l, beta_l)
        dz, grads[f"dgamma{layer}"], grads[f"dbeta{layer}"] = batchnorm_backward(dh, cache)
        da, grads[f"dW{layer}"], _ = affine_backward(dz, caches[f"affine{layer}"])  # z = a W_l
    for layer in range(1, L + 1):
        grads[f"dW{layer}"] += reg * parameters[f"W{layer}"]  # loss += reg/2 ||W_l||^2
    return grads
'''


def compile_backward(code: str = SOLUTION_CODE) -> dict[str, Callable]:
    """Run the text of a backward pass and return the functions it defines.

    Parameters
    ----------
    code : str
        Code in the form of :data:`SOLUTION_CODE` (``np`` is available to it).

    Returns
    -------
    dict of str to callable
        The functions of :data:`BACKWARD_FUNCTIONS`, by name. They find each other through the
        namespace the code ran in, as the learner's functions do in the notebook.
    """
    namespace: dict[str, Any] = {"np": np, "__name__": "capstone_learner"}
    exec(compile(code, "<capstone backward pass>", "exec"), namespace)  # noqa: S102
    missing = [name for name in BACKWARD_FUNCTIONS if not callable(namespace.get(name))]
    if missing:
        raise ValueError(f"the code does not define {', '.join(missing)}")
    return {name: namespace[name] for name in BACKWARD_FUNCTIONS}


# ------------------------------------------------------------------------------- the bugs


@dataclass(frozen=True)
class CapstoneBug:
    """One line of :data:`SOLUTION_CODE`, written wrong.

    Attributes
    ----------
    name : str
        Key in :data:`CAPSTONE_BUGS`.
    function : str
        The function whose line it replaces, one of :data:`BACKWARD_FUNCTIONS`.
    correct : str
        The statement as the solution writes it (the line's code, without its comment).
    wrong : str
        The statement with the bug.
    affects : tuple of str
        The outputs of ``function`` that come out wrong: ``("dx",)`` for a layer, or the
        gradient names (``"dW"`` for every dW_l, ``"dWL"`` for the last one) for the network.
    """

    name: str
    function: str
    correct: str
    wrong: str
    affects: tuple[str, ...]


_BUGS = (
    CapstoneBug(
        "affine_dw_averaged", "affine_backward", "dw = x.T @ dout", "dw = x.T @ dout / len(x)",
        ("dw",),
    ),
    CapstoneBug(
        "affine_db_mean", "affine_backward", "db = np.sum(dout, axis=0)",
        "db = np.mean(dout, axis=0)", ("db",),
    ),
    CapstoneBug(
        "relu_mask_from_dout", "relu_backward", "dx = dout * (x > 0)", "dx = dout * (dout > 0)",
        ("dx",),
    ),
    CapstoneBug(
        "softmax_label_not_subtracted", "softmax_backward",
        "dscores = dloss * (probs - one_hot) / N", "dscores = dloss * probs / N", ("dscores",),
    ),
    CapstoneBug(
        "softmax_mean_forgotten", "softmax_backward", "dscores = dloss * (probs - one_hot) / N",
        "dscores = dloss * (probs - one_hot)", ("dscores",),
    ),
    CapstoneBug(
        "batchnorm_dgamma_sum_dout", "batchnorm_backward",
        "dgamma = np.sum(dout * xhat, axis=0)", "dgamma = np.sum(dout, axis=0)", ("dgamma",),
    ),
    CapstoneBug(
        "batchnorm_gamma_forgotten", "batchnorm_backward", "dxhat = dout * gamma",
        "dxhat = dout", ("dx",),
    ),
    CapstoneBug(
        "batchnorm_sqrt_derivative", "batchnorm_backward", "dvar = dstd / (2 * std)",
        "dvar = dstd / std", ("dx",),
    ),
    CapstoneBug(
        "batchnorm_variance_term_forgotten", "batchnorm_backward",
        "dxc = dxhat / std + 2 * xc * dvar / N", "dxc = dxhat / std", ("dx",),
    ),
    CapstoneBug(
        "batchnorm_mean_term_forgotten", "batchnorm_backward", "dx = dxc + dmu / N", "dx = dxc",
        ("dx",),
    ),
    CapstoneBug(
        "l2_half_forgotten", "network_backward",
        'grads[f"dW{layer}"] += reg * parameters[f"W{layer}"]',
        'grads[f"dW{layer}"] += 2 * reg * parameters[f"W{layer}"]', ("dW",),
    ),
    CapstoneBug(
        "l2_last_layer_skipped", "network_backward", "for layer in range(1, L + 1):",
        "for layer in range(1, L):", ("dWL",),
    ),
)  # fmt: skip

#: Every capstone bug by name.
CAPSTONE_BUGS: dict[str, CapstoneBug] = {bug.name: bug for bug in _BUGS}

#: A seed picks one bug from each group, so its three bugs sit in three different functions:
#: batch normalization (the course's highlight), another layer, and the glue of network_backward.
BUG_GROUPS: dict[str, tuple[str, ...]] = {
    "batchnorm": tuple(bug.name for bug in _BUGS if bug.function == "batchnorm_backward"),
    "layer": tuple(
        bug.name for bug in _BUGS if bug.function in ("affine_backward", "relu_backward")
    )
    + tuple(bug.name for bug in _BUGS if bug.function == "softmax_backward"),
    "network": tuple(bug.name for bug in _BUGS if bug.function == "network_backward"),
}


def planted_bugs(seed: int = DEFAULT_SEED) -> tuple[CapstoneBug, ...]:
    """The bugs that seed ``seed`` plants: one per group of :data:`BUG_GROUPS`, in code order.

    Parameters
    ----------
    seed : int
        A non-negative integer (:func:`seed_for_student` makes one from a student id).

    Returns
    -------
    tuple of CapstoneBug
        Three bugs, in the order their functions appear in :data:`SOLUTION_CODE`.
    """
    if isinstance(seed, bool) or int(seed) != seed or seed < 0:
        raise ValueError(f"the capstone seed must be a non-negative integer, got {seed!r}")
    rng = np.random.default_rng([BUG_STREAM, int(seed)])
    names = [group[rng.integers(len(group))] for group in BUG_GROUPS.values()]
    chosen = [CAPSTONE_BUGS[name] for name in names]
    return tuple(sorted(chosen, key=lambda bug: BACKWARD_FUNCTIONS.index(bug.function)))


def plant_bugs(code: str, bugs: tuple[CapstoneBug, ...]) -> str:
    """Replace each bug's correct statement in ``code`` by its wrong one, keeping the comment.

    Raises
    ------
    ValueError
        When a bug's statement is not on exactly one line of ``code`` (the code was edited
        so that the bug no longer fits).
    """
    lines = code.split("\n")
    for bug in bugs:
        where = [i for i, line in enumerate(lines) if _statement(line) == bug.correct]
        if len(where) != 1:
            raise ValueError(
                f"bug {bug.name!r} replaces the statement {bug.correct!r}, which is on "
                f"{len(where)} lines of the code instead of one"
            )
        line = lines[where[0]]
        indent = line[: len(line) - len(line.lstrip())]
        comment = line[len(indent) + len(bug.correct) :]
        lines[where[0]] = _aligned(indent + bug.wrong, comment)
    return "\n".join(lines)


def _statement(line: str) -> str:
    return line.split("  #", 1)[0].strip()


def _aligned(code: str, comment: str) -> str:
    # ruff format keeps a comment's own spacing after "#" but puts two spaces before it
    comment = comment.strip()
    return f"{code}  {comment}" if comment else code


def learner_code(seed: int = DEFAULT_SEED) -> str:
    """:data:`SOLUTION_CODE` with the bugs of ``seed`` planted: the learner's Exercise 8.1."""
    return plant_bugs(SOLUTION_CODE, planted_bugs(seed))


def seed_for_student(student: str) -> int:
    """A stable capstone seed from a student id (case and surrounding spaces ignored).

    Examples
    --------
    >>> seed_for_student("Ada Lovelace") == seed_for_student(" ada lovelace ")
    True
    """
    if not isinstance(student, str) or not student.strip():
        raise ValueError(f"the student id must be a non-empty string, got {student!r}")
    digest = hashlib.sha256(student.strip().lower().encode("utf-8")).hexdigest()
    return int(digest[:8], 16) % 1_000_000
