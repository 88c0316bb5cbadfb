"""Progressive hints for every exercise: the first points to the idea, the last almost gives
the line. The notebooks show them in collapsed ``<details>`` cells rendered by
:func:`hints_markdown`, so a learner opens them one at a time, only when stuck."""

from __future__ import annotations

__all__ = ["HINTS", "hints_markdown"]

#: Exercise number -> its hints, in the order a stuck learner should open them (markdown).
HINTS: dict[str, tuple[str, ...]] = {
    "0.1": (
        "The slope of $x^n$ is given by the power rule: bring the exponent down as a factor, "
        "and lower the exponent by one.",
        "For $n = 3$ the factor is 3 and the new exponent is 2. In Python, `x ** 2` squares.",
        "The whole body is one `return` of 3 times x squared.",
    ),
    "1.1": (
        "Every array becomes a flat run of numbers; θ is those runs one after the other, in "
        "the order the dictionary lists them.",
        "`array.reshape(-1)` reads an array row by row into a 1-D run; `np.concatenate` joins "
        "a list of runs.",
        "Build the list with a comprehension over `parameters` (not `sorted(parameters)`), "
        "reshaping each `parameters[name]`, and return `np.concatenate` of it.",
    ),
    "1.2": (
        "Walk along θ with a position `start`: each array takes the next `prod(shape)` "
        "entries, then `start` moves on by exactly that many.",
        "`int(np.prod(shape))` counts the entries of any shape, (4, 5), (4, 1) or (5,); "
        "`shape[0] * shape[1]` only works for matrices.",
        "In the loop over `zip(names, shapes)`: slice `theta[start : start + size]`, "
        "`.reshape(shape)` it into the dictionary, then `start += size`.",
    ),
    "2.1": (
        "Move one entry of x at a time, by +ε and by −ε, evaluate f at both points, and put "
        "the entry back before moving to the next one.",
        "Save the entry as `old`; set the entry to `old` plus ε and call f, then to `old` "
        "minus ε and call f, then put `old` back. (`x_plus = x` makes no copy: it is the same "
        "array.)",
        "Entry i of the gradient is the right value minus the left one over the distance "
        "between the points: `(f_plus - f_minus) / (2 * epsilon)`, parentheses included.",
    ),
    "3.1": (
        "The numerator measures how far apart the two vectors are; the denominator measures "
        "how large they are, so that the ratio does not depend on the cost's scale.",
        "`np.linalg.norm(v)` is the Euclidean length ‖v‖. The numerator is the norm of the "
        "difference, not the difference of the norms.",
        "Compute `np.linalg.norm(analytical - numerical)` and "
        "`np.linalg.norm(analytical) + np.linalg.norm(numerical)`; return 0.0 when the "
        "denominator is 0, the ratio otherwise.",
    ),
    "3.2": (
        "Compare d with the band edges from the smallest up: the first edge it does not "
        "exceed names its band.",
        "Each band includes its upper edge: 1e-7 itself is still excellent, so compare with `<=`.",
        "Three `if difference <= edge: return word` lines (1e-7, 1e-4, 1e-3), then "
        '`return "critical"`.',
    ),
    "4.1": (
        "You have written both halves already: flatten the parameters into θ, take the "
        "central difference of θ ↦ J (Exercise 2.1), and compare it with the backward "
        "pass's gradient (Exercise 3.1).",
        "The cost takes a dictionary, your numerical gradient a function of a vector: wrap "
        "it, `lambda t: cost(vector_to_dictionary(t, layout))`. Take `grad` by name with "
        "`gradients_to_vector(gradients, layout)`, never by the dictionary's order.",
        "`gradapprox = numerical_gradient(lambda t: ..., theta, epsilon)`, then "
        "`return relative_difference(grad, gradapprox)`: one number.",
    ),
    "4.2": (
        "A report's `by_parameter` maps each array's name to its own relative difference. "
        "A wrong gradient stands out by orders of magnitude; rounding sits near 1e-7.",
        "A buggy array is critical: its difference is above `THRESHOLDS[Verdict.ERROR]` "
        "(1e-3). A correct network has none, so the answer can be the empty set.",
        "Return a set comprehension over `report.by_parameter.items()` that keeps the "
        "names whose difference is above that edge.",
    ),
    "5.1": (
        "Check each catalog bug on its own, under the settings the function is given, and "
        "keep those whose verdict is neither excellent nor critical.",
        "`check_network(settings, bugs=[name])` returns the report of one bug; its "
        "`.verdict` compares with `Verdict.WARNING` and `Verdict.ERROR`.",
        "Loop over `lab.bug_boxes` (the catalog names), append a name when "
        "`report.verdict in (Verdict.WARNING, Verdict.ERROR)`, and return the list.",
    ),
    "5.2": (
        "Too small a step drowns in rounding; too large a step in truncation. Between them "
        "lies the window; search it on the slider's own steps, 0.1 decade apart.",
        "The slider's steps are `10 ** (k / 10)` for whole k; `check_network(epsilon=step)` "
        "says whether the correct network `.passed` at each.",
        "Keep the steps that pass in a list, and return its smallest and its largest step: "
        "two numbers.",
    ),
    "6.1": (
        "The cost you check must be the cost the backward pass differentiates: the "
        "cross-entropy plus the L2 penalty on the weights.",
        "The penalty is $\\frac{\\lambda}{2m}$ times the sum of the squared entries of `W1` "
        "and of `W2`; the biases are not penalized.",
        "`compute_cost(A2, Y) + lambd / (2 * m) * (np.sum(parameters['W1'] ** 2) + "
        "np.sum(parameters['W2'] ** 2))`, with `A2` from `forward_propagation`.",
    ),
    "6.2": (
        "A full check costs 2n + 2 evaluations, far beyond any of these budgets; "
        "directional (or sample) mode costs a number that depends on the arrays, not on n.",
        "Directional mode makes 2 × arrays × directions evaluations, 2 more at θ and 2 more "
        "to re-check a failure. Solve for the most directions that fit the budget.",
        "`directions = (budget - 4) // (2 * len(parameters))` (at least 1), then return "
        "`gradient_check(cost, parameters, gradients, mode='directional', "
        "directions=directions)`.",
    ),
}


def hints_markdown(number: str) -> str:
    """The markdown of the collapsed hint cell of Exercise ``number``.

    Parameters
    ----------
    number : str
        The exercise number, e.g. ``"4.1"``; a key of :data:`HINTS`.

    Returns
    -------
    str
        One ``<details>`` block per hint; each opens on its own, so the learner reads the
        first before choosing to read the next.

    Raises
    ------
    KeyError
        For an exercise that has no hints, naming the ones that do.
    """
    if number not in HINTS:
        raise KeyError(f"no hints for Exercise {number!r}; the exercises are {', '.join(HINTS)}")
    hints = HINTS[number]
    blocks = [f"**Stuck on Exercise {number}?** Open one hint at a time."]
    for level, text in enumerate(hints, start=1):
        label = "last hint, almost the answer" if level == len(hints) else f"hint {level}"
        blocks.append(f"<details><summary>{label}</summary>\n\n{text}\n\n</details>")
    return "\n\n".join(blocks)
