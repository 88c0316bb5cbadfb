"""The capstone's answer key, for instructors only: the solution of Exercise 8.1 and its bugs.

Nothing a learner runs imports this module, and ``make handout`` leaves it out: it holds the
correct backward pass (:data:`SOLUTION_CODE`, which the answer cell of
notebooks/solutions/08_capstone.ipynb holds between its markers) and each bug's correct and wrong
line. The library keeps only what the checker may know (:mod:`gradcheck_lib.capstone`): which
function each bug sits in, and which of them a seed plants (``capstone.bug_slots``).
The learner-copy builder plants a seed's bugs with :func:`plant_bugs`.
"""

from __future__ import annotations

from dataclasses import dataclass

from gradcheck_lib import capstone

__all__ = [
    "CAPSTONE_BUGS",
    "SOLUTION_CODE",
    "CapstoneBug",
    "bug_groups",
    "learner_code",
    "plant_bugs",
    "planted_bugs",
]

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


@dataclass(frozen=True)
class CapstoneBug:
    """One line of :data:`SOLUTION_CODE`, written wrong.

    Attributes
    ----------
    name : str
        Key in :data:`CAPSTONE_BUGS`.
    function : str
        The function whose line it replaces, one of ``capstone.BACKWARD_FUNCTIONS``.
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

#: Every capstone bug by name, in the order of :data:`gradcheck_lib.capstone.BUG_SLOTS`.
CAPSTONE_BUGS: dict[str, CapstoneBug] = {bug.name: bug for bug in _BUGS}


def bug_groups() -> dict[str, tuple[CapstoneBug, ...]]:
    """The bugs of each group of :data:`~gradcheck_lib.capstone.BUG_SLOTS`, slot by slot."""
    functions = {group: set(slots) for group, slots in capstone.BUG_SLOTS.items()}
    return {
        group: tuple(bug for bug in _BUGS if bug.function in functions[group])
        for group in capstone.BUG_SLOTS
    }


def planted_bugs(seed: int = capstone.DEFAULT_SEED) -> tuple[CapstoneBug, ...]:
    """The bugs that seed ``seed`` plants, in code order (see :func:`capstone.bug_slots`)."""
    groups = bug_groups()
    return tuple(groups[group][slot] for group, slot in capstone.bug_slots(seed))


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


def learner_code(seed: int = capstone.DEFAULT_SEED) -> str:
    """:data:`SOLUTION_CODE` with the bugs of ``seed`` planted: the learner's Exercise 8.1."""
    return plant_bugs(SOLUTION_CODE, planted_bugs(seed))
