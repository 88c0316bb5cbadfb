"""Checkers of notebooks 00-03: each rejects the stub and wrong answers, and accepts the solution.

Every wrong answer below is a mistake a learner makes; the test asserts that the checker's message
names it in words, not only that it fails.
"""

from __future__ import annotations

import numpy as np
import pytest

import gradcheck_lib
from gradcheck_lib import THRESHOLDS, Verdict
from gradcheck_lib import classify as library_classify
from gradcheck_lib import relative_difference as library_relative_difference
from gradcheck_lib.compare import classify as classify_from_compare
from gradcheck_lib.exercises import (
    ExerciseError,
    check_classify,
    check_cube_derivative,
    check_environment,
    check_flatten,
    check_numerical_gradient,
    check_relative_difference,
    check_unflatten,
)
from gradcheck_lib.exercises import warmup as exercises
from gradcheck_lib.numeric import central_difference as library_central_difference


def stub(*args, **kwargs):
    """What a learner copy's exercise function does until it is written."""
    raise NotImplementedError("Exercise N.M: write your code here")


def rejects(checker, *answers, words: tuple[str, ...]) -> str:
    """Assert that ``checker(*answers)`` fails with a message holding every one of ``words``."""
    with pytest.raises(ExerciseError) as failure:
        checker(*answers)
    message = str(failure.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    return message


# --- the solutions, as written in notebooks/solutions --------------------------------------


def derivative(x):
    return 3 * x**2


def flatten(parameters):
    return np.concatenate([np.reshape(parameters[name], -1) for name in parameters])


def unflatten(theta, names, shapes):
    parameters = {}
    start = 0
    for name, shape in zip(names, shapes, strict=True):
        size = int(np.prod(shape))
        parameters[name] = theta[start : start + size].reshape(shape)
        start += size
    return parameters


def numerical_gradient(f, x, epsilon=1e-7):
    gradient = np.zeros_like(x, dtype=float)
    for i in range(x.size):
        old = x[i]
        x[i] = old + epsilon
        plus = f(x)
        x[i] = old - epsilon
        minus = f(x)
        x[i] = old
        gradient[i] = (plus - minus) / (2 * epsilon)
    return gradient


def relative_difference(a, b):
    numerator = np.linalg.norm(a - b)
    denominator = np.linalg.norm(a) + np.linalg.norm(b)
    if denominator == 0:
        return 0.0
    return numerator / denominator


def classify(d):
    if d <= 1e-7:
        return "excellent"
    if d <= 1e-4:
        return "warning"
    if d <= 1e-3:
        return "error"
    return "critical"


# --- environment (notebook 00) --------------------------------------------------------------


def test_environment_passes_here_with_text_free_of_versions():
    text = check_environment()
    assert "✓ numpy 1.24 or newer" in text
    versions = exercises.environment_versions()
    assert set(versions) == set(exercises.MINIMUM_VERSIONS)
    for version in versions.values():
        assert version not in text


def test_environment_names_a_package_that_is_too_old(monkeypatch):
    real = exercises.environment_versions

    def old_numpy():
        return {**real(), "numpy": "1.21.6"}

    monkeypatch.setattr(exercises, "environment_versions", old_numpy)
    rejects(check_environment, words=("numpy is 1.21.6", "older than the 1.24", "make lab"))


def test_environment_names_a_missing_package(monkeypatch):
    real = exercises.environment_versions
    monkeypatch.setattr(
        exercises, "environment_versions", lambda: {**real(), "ipywidgets": "not installed"}
    )
    rejects(check_environment, words=("ipywidgets is not installed",))


@pytest.mark.parametrize(
    ("version", "release"),
    [("2.1.0", (2, 1, 0)), ("3.12.3", (3, 12, 3)), ("2.1.0rc1", (2, 1, 0)), ("8.1.dev0", (8, 1))],
)
def test_release_numbers(version, release):
    assert exercises._release(version) == release


# --- Exercise 0.1 ---------------------------------------------------------------------------


def test_cube_derivative_accepts_the_solution():
    assert "Exercise 0.1" in check_cube_derivative(derivative)


def test_cube_derivative_rejects_the_stub():
    with pytest.raises(NotImplementedError, match="Exercise"):
        check_cube_derivative(stub)


@pytest.mark.parametrize(
    ("answer", "words"),
    [
        (lambda x: x**3, ("the function itself",)),
        (lambda x: 3 * x, ("3x", "square x")),
        (lambda x: x**2, ("as a factor, 3x²",)),
        (lambda x: 2 * x**2, ("the slope of x³ there is 12", "central difference measures")),
        (lambda x: None, ("returned None", "return")),
    ],
    ids=["the function itself", "3x", "x squared", "other", "no return"],
)
def test_cube_derivative_names_the_mistake(answer, words):
    rejects(check_cube_derivative, answer, words=words)


def test_a_crash_in_learner_code_is_reported_plainly():
    message = rejects(check_cube_derivative, lambda x: x.missing, words=("raised AttributeError",))
    assert "derivative" in message


def test_passing_a_call_result_instead_of_the_function():
    rejects(check_cube_derivative, 12.0, words=("pass the function itself", "float"))


# --- Exercise 1.1 ---------------------------------------------------------------------------


def test_flatten_accepts_the_solution():
    assert "Exercise 1.1" in check_flatten(flatten)


def test_flatten_rejects_the_stub():
    with pytest.raises(NotImplementedError):
        check_flatten(stub)


FLATTEN_MISTAKES = {
    "skips the last bias": (
        lambda p: np.concatenate([p[n].reshape(-1) for n in list(p)[:-1]]),
        ("your vector has 40 entries; the parameters have 43", "did you skip b3?"),
    ),
    "skips the last layer": (
        lambda p: np.concatenate([p[n].reshape(-1) for n in list(p)[:-2]]),
        ("did you skip W3 and b3?",),
    ),
    "sorted names": (
        lambda p: np.concatenate([p[n].reshape(-1) for n in sorted(p)]),
        ("alphabetical order", "sorted(...)"),
    ),
    "column order": (
        lambda p: np.concatenate([p[n].reshape(-1, order="F") for n in p]),
        ("column by column", "row by row"),
    ),
    "transposed": (
        lambda p: np.concatenate([p[n].T.reshape(-1) for n in p]),
        ("column by column",),
    ),
    "2-D column": (
        lambda p: np.concatenate([p[n].reshape(-1, 1) for n in p]),
        ("shape (43, 1)", "must be 1-D", ".reshape(-1)"),
    ),
    "reversed": (
        lambda p: np.concatenate([p[n].reshape(-1) for n in reversed(list(p))]),
        ("in the order b3, W3", "dictionary's order"),
    ),
    "twice": (
        lambda p: np.concatenate([p[n].reshape(-1) for n in [*p, "b1"]]),
        ("47 entries", "b1 in twice"),
    ),
    "a list": (lambda p: [float(v) for n in p for v in p[n].reshape(-1)], ("numpy array",)),
    "no return": (lambda p: None, ("returned None",)),
    "writes into the input": (
        lambda p: np.concatenate([p[n].reshape(-1) for n in p if p[n].fill(0) or True]),
        ("changed W1, b1", "never write"),
    ),
}


@pytest.mark.parametrize(("answer", "words"), FLATTEN_MISTAKES.values(), ids=list(FLATTEN_MISTAKES))
def test_flatten_names_the_mistake(answer, words):
    rejects(check_flatten, answer, words=words)


def test_flatten_locates_a_wrong_entry_by_name_and_index():
    def off_by_one_number(p):
        theta = flatten(p)
        theta[21] += 1.0
        return theta

    rejects(check_flatten, off_by_one_number, words=("entry 21", "b1[1, 0]"))


# --- Exercise 1.2 ---------------------------------------------------------------------------


def test_unflatten_accepts_the_solution():
    assert "Exercise 1.2" in check_unflatten(unflatten)


def test_unflatten_accepts_copies_as_well_as_views():
    copies = lambda t, n, s: {k: v.copy() for k, v in unflatten(t, n, s).items()}  # noqa: E731
    check_unflatten(copies)


def test_unflatten_rejects_the_stub():
    with pytest.raises(NotImplementedError):
        check_unflatten(stub)


def _unflatten_variant(*, order="C", advance=True, flat_bias=False, extra=0):
    def answer(theta, names, shapes):
        parameters, start = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            size = int(np.prod(shape))
            piece = theta[start + extra : start + extra + size]
            if flat_bias and name.startswith("b"):
                parameters[name] = piece
            elif piece.size == size:
                parameters[name] = piece.reshape(shape, order=order)
            else:
                parameters[name] = piece
            if advance:
                start += size
        return parameters

    return answer


UNFLATTEN_MISTAKES = {
    "(4,) bias": (_unflatten_variant(flat_bias=True), ("'b1' has shape (4,)", "(4, 1)")),
    "column order": (_unflatten_variant(order="F"), ("'W1' is filled column by column",)),
    "start never moves": (
        _unflatten_variant(advance=False),
        ("'b1' holds θ[0:4] but should hold θ[20:24]", "first entries again"),
    ),
    "off by one": (_unflatten_variant(extra=1), ("should hold θ[0:20]", "off by one")),
    "sorted keys": (
        lambda t, n, s: dict(sorted(unflatten(t, n, s).items())),
        ("keep the order of `names`",),
    ),
    "last key missing": (
        lambda t, n, s: dict(list(unflatten(t, n, s).items())[:-1]),
        ("has no 'b3'",),
    ),
    "a list": (lambda t, n, s: list(unflatten(t, n, s).values()), ("return a dict",)),
    "reshape error": (
        lambda t, n, s: {k: t[:3].reshape(shape) for k, shape in zip(n, s, strict=True)},
        ("only 3 of its 20 entries", "start + size"),
    ),
    "transposed": (
        lambda t, n, s: {k: v.T if v.ndim == 2 else v for k, v in unflatten(t, n, s).items()},
        ("'W1' has shape (5, 4)", "transposed"),
    ),
}


@pytest.mark.parametrize(
    ("answer", "words"), UNFLATTEN_MISTAKES.values(), ids=list(UNFLATTEN_MISTAKES)
)
def test_unflatten_names_the_mistake(answer, words):
    rejects(check_unflatten, answer, words=words)


def test_unflatten_works_for_any_shapes_not_only_matrices():
    def two_d_only(theta, names, shapes):
        parameters, start = {}, 0
        for name, shape in zip(names, shapes, strict=True):
            size = shape[0] * shape[1]
            parameters[name] = theta[start : start + size].reshape(shape)
            start += size
        return parameters

    rejects(
        check_unflatten,
        two_d_only,
        words=("on a 3-D array and a plain vector", "shape[0] * shape[1]", "np.prod(shape)"),
    )


def test_flatten_works_for_any_shapes_not_only_matrices():
    two_d = lambda p: np.concatenate([np.asarray(p[n])[:, :].reshape(-1) for n in p])  # noqa: E731
    rejects(check_flatten, two_d, words=("raised IndexError",))


# --- Exercise 2.1 ---------------------------------------------------------------------------


def test_numerical_gradient_accepts_the_solution():
    assert "Exercise 2.1" in check_numerical_gradient(numerical_gradient)


def test_numerical_gradient_accepts_perturbing_a_copy():
    def on_copies(f, x, epsilon=1e-7):
        gradient = np.zeros(x.shape)
        for i in range(x.size):
            step = np.zeros(x.shape)
            step[i] = epsilon
            gradient[i] = (f(x + step) - f(x - step)) / (2 * epsilon)
        return gradient

    check_numerical_gradient(on_copies)


def test_numerical_gradient_rejects_the_stub():
    with pytest.raises(NotImplementedError):
        check_numerical_gradient(stub)


def _gradient_variant(*, formula="central", restore="exact", step_override=None):
    def answer(f, x, epsilon=1e-7):
        epsilon = step_override or epsilon
        gradient = np.zeros(x.shape)
        for i in range(x.size):
            old = x[i]
            base = f(x)
            x[i] = old + epsilon
            plus = f(x)
            if restore == "subtract":
                x[i] -= 2 * epsilon
            else:
                x[i] = old - epsilon
            minus = f(x)
            if restore == "exact":
                x[i] = old
            elif restore == "subtract":
                x[i] += epsilon
            gradient[i] = {
                "central": (plus - minus) / (2 * epsilon),
                "forward": (plus - base) / epsilon,
                "backward": (base - minus) / epsilon,
                "by epsilon": (plus - minus) / epsilon,
                "precedence": (plus - minus) / 2 * epsilon,
                "sign flipped": (minus - plus) / (2 * epsilon),
            }[formula]
        return gradient

    return answer


GRADIENT_MISTAKES = {
    "one-sided forward": (_gradient_variant(formula="forward"), ("one-sided", "O(ε²)")),
    "one-sided backward": (
        _gradient_variant(formula="backward"),
        ("one-sided", "(f(x) − f(x − ε))"),
    ),
    "divides by epsilon": (
        _gradient_variant(formula="by epsilon"),
        ("twice too large", "divide by 2 * epsilon"),
    ),
    "precedence": (
        _gradient_variant(formula="precedence"),
        ("ε² times too small", "(2 * epsilon)"),
    ),
    "forgets to restore x": (
        _gradient_variant(restore="never"),
        ("x[0] is", "did not restore x"),
    ),
    "ignores epsilon": (_gradient_variant(step_override=1e-7), ("ignores its epsilon argument",)),
    "moves every entry": (
        lambda f, x, epsilon=1e-7: np.full(
            x.shape, (f(x + epsilon) - f(x - epsilon)) / (2 * epsilon)
        ),
        ("moved all entries of x at once",),
    ),
    "returns a scalar": (
        lambda f, x, epsilon=1e-7: (f(x + epsilon) - f(x - epsilon)) / (2 * epsilon),
        ("shape ()", "one partial derivative per entry"),
    ),
    "no return": (lambda f, x, epsilon=1e-7: None, ("returned None",)),
}


@pytest.mark.parametrize(
    ("answer", "words"), GRADIENT_MISTAKES.values(), ids=list(GRADIENT_MISTAKES)
)
def test_numerical_gradient_names_the_mistake(answer, words):
    rejects(check_numerical_gradient, answer, words=words)


def test_restoring_by_subtraction_is_accepted_only_when_exact():
    answer = _gradient_variant(restore="subtract")
    try:
        check_numerical_gradient(answer)
    except ExerciseError as error:
        assert "rounding error" in str(error) and "x[i] = old" in str(error)


# --- Exercise 3.1 ---------------------------------------------------------------------------


def test_relative_difference_accepts_the_solution():
    assert "Exercise 3.1" in check_relative_difference(relative_difference)


def test_relative_difference_rejects_the_stub():
    with pytest.raises(NotImplementedError):
        check_relative_difference(stub)


norm = np.linalg.norm

RELATIVE_MISTAKES = {
    "no denominator": (lambda a, b: norm(a - b), ("‖a − b‖ alone", "divide it by ‖a‖ + ‖b‖")),
    "squared norms": (
        lambda a, b: norm(a - b) ** 2 / (norm(a) ** 2 + norm(b) ** 2),
        ("squared the norms",),
    ),
    "norm of the sum": (
        lambda a, b: norm(a - b) / norm(a + b),
        ("not the norm of the sum",),
    ),
    "only the analytical norm": (lambda a, b: norm(a - b) / norm(a), ("not by ‖a‖ alone",)),
    "absolute sums": (
        lambda a, b: np.sum(np.abs(a - b)) / (np.sum(np.abs(a)) + np.sum(np.abs(b))),
        ("Euclidean norm",),
    ),
    "0/0 gives nan": (
        lambda a, b: norm(a - b) / (norm(a) + norm(b)),
        ("two zero vectors", "returns nan", "return 0.0"),
    ),
    "0/0 divides python floats": (
        lambda a, b: float(norm(a - b)) / (float(norm(a)) + float(norm(b))),
        ("ZeroDivisionError", "return 0.0"),
    ),
    "0/0 returns one": (
        lambda a, b: 1.0 if not (a.any() or b.any()) else norm(a - b) / (norm(a) + norm(b)),
        ("returns 1", "agree perfectly"),
    ),
    "element-wise": (
        lambda a, b: np.abs(a - b) / (np.abs(a) + np.abs(b)),
        ("array of shape (2,)", "one number"),
    ),
}


@pytest.mark.parametrize(
    ("answer", "words"), RELATIVE_MISTAKES.values(), ids=list(RELATIVE_MISTAKES)
)
def test_relative_difference_names_the_mistake(answer, words):
    rejects(check_relative_difference, answer, words=words)


def test_relative_difference_check_does_not_leak_warnings():
    with np.errstate(all="raise"):  # a warning turned into an error would escape the checker
        rejects(
            check_relative_difference,
            lambda a, b: norm(a - b) / (norm(a) + norm(b)),
            words=("nan",),
        )


# --- Exercise 3.2 ---------------------------------------------------------------------------


def test_classify_accepts_the_solution_and_verdicts():
    assert "Exercise 3.2" in check_classify(classify)
    check_classify(lambda d: Verdict(classify(d)))  # Verdict members count as words


def test_classify_may_read_the_librarys_thresholds():
    edges = [THRESHOLDS[v] for v in (Verdict.EXCELLENT, Verdict.WARNING, Verdict.ERROR)]
    assert "✓" in check_classify(_classify_with(*edges))


def test_classify_rejects_the_stub():
    with pytest.raises(NotImplementedError):
        check_classify(stub)


def _classify_with(*edges, strict=False):
    def answer(d):
        for word, edge in zip(("excellent", "warning", "error"), edges, strict=True):
            if (d < edge) if strict else (d <= edge):
                return word
        return "critical"

    return answer


CLASSIFY_MISTAKES = {
    "< instead of <=": (
        _classify_with(1e-7, 1e-4, 1e-3, strict=True),
        ("classify(1e-7) returned 'warning'", "includes its upper edge", "<="),
    ),
    "the seed's 1e-5": (
        _classify_with(1e-7, 1e-5, 1e-3),
        ("classify(5e-5) returned 'error'; expected 'warning'", "warning 1e-7 < d ≤ 1e-4"),
    ),
    "bands shifted": (
        _classify_with(1e-8, 1e-4, 1e-3),
        ("classify(5e-8) returned 'warning'; expected 'excellent'",),
    ),
    "capitalised": (
        lambda d: classify(d).capitalize(),
        ("returned 'Excellent'", "lower case"),
    ),
    "a boolean": (lambda d: d <= 1e-7, ("returned True", "one of the words")),
    "another word": (
        lambda d: "ok" if d <= 1e-7 else classify(d),
        ("'ok', which is not one of the words",),
    ),
}


@pytest.mark.parametrize(
    ("answer", "words"), CLASSIFY_MISTAKES.values(), ids=list(CLASSIFY_MISTAKES)
)
def test_classify_names_the_mistake(answer, words):
    rejects(check_classify, answer, words=words)


def test_classify_explains_a_value_one_float_above_an_edge():
    def rounds_edges(d):
        return classify(float(f"{d:.6g}"))

    rejects(check_classify, rounds_edges, words=("even by a hair", "above 1e-7"))


def test_minimum_versions_follow_pyproject():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    from pathlib import Path

    pyproject = Path(__file__).resolve().parents[1] / "pyproject.toml"
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    declared = {}
    for requirement in project["dependencies"]:
        name, _, version = requirement.partition(">=")
        declared[name.strip()] = exercises._release(version.strip())
    declared["python"] = exercises._release(project["requires-python"].removeprefix(">="))
    for name, minimum in exercises.MINIMUM_VERSIONS.items():
        assert declared[name] == minimum, f"{name}: pyproject says {declared[name]}"


# --- the library must not do the exercise's work --------------------------------------------

LIBRARY_SHORTCUTS = {
    "1.1 dictionary_to_vector": (
        check_flatten,
        lambda parameters: gradcheck_lib.dictionary_to_vector(parameters)[0],
        "dictionary_to_vector",
    ),
    "1.2 vector_to_dictionary": (
        check_unflatten,
        lambda theta, names, shapes: gradcheck_lib.vector_to_dictionary(
            theta,
            gradcheck_lib.dictionary_to_vector(
                {n: np.zeros(s) for n, s in zip(names, shapes, strict=True)}
            )[1],
        ),
        "vector_to_dictionary",
    ),
    "2.1 central_difference": (
        check_numerical_gradient,
        lambda f, x, epsilon=1e-7: library_central_difference(f, x, epsilon),
        "central_difference",
    ),
    "2.1 via the package": (
        check_numerical_gradient,
        lambda f, x, epsilon=1e-7: gradcheck_lib.central_difference(f, x, epsilon),
        "central_difference",
    ),
    "2.1 forward_difference": (
        check_numerical_gradient,
        lambda f, x, epsilon=1e-7: gradcheck_lib.forward_difference(f, x, epsilon),
        "forward_difference",
    ),
    "3.1 relative_difference": (
        check_relative_difference,
        lambda a, b: library_relative_difference(a, b),
        "relative_difference",
    ),
    "3.1 the function itself": (
        check_relative_difference,
        library_relative_difference,
        "relative_difference",
    ),
    "3.2 classify(d).value": (check_classify, lambda d: library_classify(d).value, "classify"),
    "3.2 renamed import": (check_classify, lambda d: str(classify_from_compare(d)), "classify"),
    "3.2 the function itself": (check_classify, library_classify, "classify"),
}


@pytest.mark.parametrize(
    ("checker", "answer", "function"), LIBRARY_SHORTCUTS.values(), ids=list(LIBRARY_SHORTCUTS)
)
def test_a_one_line_library_call_is_refused(checker, answer, function):
    message = rejects(checker, answer, words=(f"gradcheck_lib's own {function}", "did the work"))
    assert "✓" not in message


def test_the_watch_does_not_trip_on_numpy_or_on_the_learners_own_helpers():
    def my_norm(v):
        return float(np.sqrt(np.sum(np.asarray(v) ** 2)))

    def with_helper(a, b):
        denominator = my_norm(a) + my_norm(b)
        return 0.0 if denominator == 0 else my_norm(a - b) / denominator

    assert "✓" in check_relative_difference(with_helper)


def test_the_watch_keeps_an_existing_profiler_and_removes_itself():
    import sys

    seen = []

    def outer(frame, event, arg):
        seen.append(event)

    sys.setprofile(outer)
    try:
        check_relative_difference(relative_difference)
        assert sys.getprofile() is outer
    finally:
        sys.setprofile(None)
    assert "call" in seen


# --- mistakes named since the learner's review (issue 11) -----------------------------------


_sign_flipped = _gradient_variant(formula="sign flipped")


def _aliased(f, x, epsilon=1e-7):
    gradient = np.zeros(x.shape)
    for i in range(x.size):
        x_plus = x
        x_plus[i] = x_plus[i] + epsilon
        f_plus = f(x_plus)
        x_minus = x
        x_minus[i] = x_minus[i] - epsilon
        f_minus = f(x_minus)
        gradient[i] = (f_plus - f_minus) / (2 * epsilon)
    return gradient


def _aliased_both_first(f, x, epsilon=1e-7):
    gradient = np.zeros(x.shape)
    for i in range(x.size):
        x_plus, x_minus = x, x
        x_plus[i] += epsilon
        x_minus[i] -= epsilon
        gradient[i] = (f(x_plus) - f(x_minus)) / (2 * epsilon)
    return gradient


NEW_MISTAKES = {
    "2.1 wrong sign": (
        check_numerical_gradient,
        _gradient_variant(formula="sign flipped"),
        ("wrong sign", "f_plus - f_minus"),
    ),
    "2.1 aliased, in turn": (
        check_numerical_gradient,
        _aliased,
        ("makes no copy", "(f(x + ε) − f(x)) / 2ε", "x.copy()"),
    ),
    "2.1 aliased, both first": (
        check_numerical_gradient,
        _aliased_both_first,
        ("makes no copy", "every entry of your gradient is 0"),
    ),
    "2.1 no division": (
        check_numerical_gradient,
        lambda f, x, epsilon=1e-7: _sign_flipped(f, x, epsilon) * (-2 * epsilon),
        ("2ε times too small", "(2 * epsilon)"),
    ),
    "3.1 difference of norms": (
        check_relative_difference,
        lambda a, b: abs(norm(a) - norm(b)) / (norm(a) + norm(b)) if norm(a) + norm(b) else 0.0,
        ("subtracted the norms", "np.linalg.norm(a - b)"),
    ),
    "3.1 sum of the difference": (
        check_relative_difference,
        lambda a, b: np.sum(a - b) / (norm(a) + norm(b)) if norm(a) + norm(b) else 0.0,
        ("sums the entries of a − b", "cancel"),
    ),
    "3.1 absolute sum of the difference": (
        check_relative_difference,
        lambda a, b: abs(np.sum(a - b)) / (norm(a) + norm(b)) if norm(a) + norm(b) else 0.0,
        ("sums the entries of a − b",),
    ),
    "1.2 gap after each piece": (
        check_unflatten,
        lambda t, n, s: _unflatten_moving(t, n, s, gap=1),
        ("only 5 of its 6 entries", "start = start + size"),
    ),
    "1.2 two-dimensional size": (
        check_unflatten,
        lambda t, n, s: _unflatten_moving(t, n, s, size=lambda shape: shape[0] * shape[1]),
        ("shape[0] * shape[1]", "int(np.prod(shape))", "(2, 3, 4)"),
    ),
    "1.2 two-dimensional size on a (5,) shape": (
        check_unflatten,
        lambda t, n, s: _unflatten_moving(
            t, n, s, size=lambda shape: 24 if len(shape) == 3 else shape[0] * shape[1]
        ),
        ("'v' has shape (5,)", "shape[1] does not exist", "int(np.prod(shape))"),
    ),
}


def _unflatten_moving(theta, names, shapes, *, gap=0, size=lambda shape: int(np.prod(shape))):
    parameters, start = {}, 0
    for name, shape in zip(names, shapes, strict=True):
        count = size(shape)
        parameters[name] = theta[start : start + count].reshape(shape)
        start += count + gap
    return parameters


@pytest.mark.parametrize(
    ("checker", "answer", "words"), NEW_MISTAKES.values(), ids=list(NEW_MISTAKES)
)
def test_the_mistakes_of_the_review_are_named_in_words(checker, answer, words):
    message = rejects(checker, answer, words=words)
    for raw in ("raised ValueError", "raised IndexError", "entry 2 of your gradient is"):
        assert raw not in message
