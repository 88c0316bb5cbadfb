"""The capstone: the L-layer network, its learner code and seeded bugs, the checker, notebook 08.

Positive controls: the reference backward pass (the solution of Exercise 8.1) agrees with the
layers of gradcheck_lib.layers (tested there against complex-step oracles) and passes every check.
Negative controls: every bug, and every seed's set of bugs, is caught, and localized to the right
function and array; the checker rejects the untouched copy, a partial fix and a special-cased fix.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest

from gradcheck_lib import capstone, check_layer, gradient_check, layers
from gradcheck_lib.exercises import ExerciseError
from gradcheck_lib.exercises.capstone import HELD_OUT_NETWORKS, check_capstone
from tools import build_learner_copies as builder
from tools import capstone_key as key

REPO = Path(__file__).resolve().parents[1]
SOLUTION = REPO / "notebooks" / "solutions" / "08_capstone.ipynb"
LEARNER = REPO / "notebooks" / "08_capstone.ipynb"
SEEDS = [0, 1, 2, 3, 5, 8, 13, 21]
PROBLEM = capstone.NOTEBOOK_PROBLEM
REFERENCE = capstone.compile_backward(key.SOLUTION_CODE)
LAYER_OF = {
    "affine_backward": (layers.affine_forward, "affine"),
    "batchnorm_backward": (layers.batchnorm_forward, "batchnorm"),
    "relu_backward": (layers.relu_forward, "relu"),
    "softmax_backward": (layers.softmax_forward, "softmax"),
}
BUGS = list(key.CAPSTONE_BUGS.values())


def layer_inputs(function: str, seed: int = 3) -> dict:
    if function == "affine_backward":  # the learner's affine layer takes 2-D x
        rng = np.random.default_rng([99, seed])
        return {"x": rng.normal(size=(5, 4)), "w": rng.normal(size=(4, 3)), "b": rng.normal(size=3)}
    return layers.example_inputs(LAYER_OF[function][1], seed=seed)


def notebook_state():
    X, y = PROBLEM.data()
    parameters = PROBLEM.parameters()
    _, caches = capstone.forward(X, y, parameters, PROBLEM.reg)
    return X, y, parameters, caches


def network_report(functions, parameters=None):
    X, y, initial, _ = notebook_state()
    parameters = initial if parameters is None else parameters
    _, caches = capstone.forward(X, y, parameters, PROBLEM.reg)
    grads = functions["network_backward"](caches, parameters, PROBLEM.reg)
    return gradient_check(capstone.cost_function(X, y, PROBLEM.reg), parameters, grads)


def with_bugs(*bugs):
    return capstone.compile_backward(key.plant_bugs(key.SOLUTION_CODE, bugs))


def checker_verdict(functions, seed):
    try:
        return True, check_capstone(functions["network_backward"], seed=seed)
    except ExerciseError as error:
        return False, str(error)


# ------------------------------------------------------------------------ the network and data


def test_spirals_are_seeded_balanced_and_refuse_bad_sizes():
    X, y = capstone.make_spirals(per_class=10, classes=4, seed=2)
    assert X.shape == (40, 2) and np.bincount(y).tolist() == [10] * 4
    assert np.array_equal(X, capstone.make_spirals(per_class=10, classes=4, seed=2)[0])
    assert not np.array_equal(X, capstone.make_spirals(per_class=10, classes=4, seed=3)[0])
    assert np.all(np.hypot(*X.T) <= 1.0 + 1e-12)
    with pytest.raises(ValueError, match="per_class"):
        capstone.make_spirals(per_class=1)


def test_parameters_follow_the_architecture():
    parameters = capstone.init_parameters((6, 5), n_in=2, classes=4, seed=0)
    shapes = {name: value.shape for name, value in parameters.items()}
    assert shapes == {
        "W1": (2, 6), "gamma1": (6,), "beta1": (6,),
        "W2": (6, 5), "gamma2": (5,), "beta2": (5,),
        "W3": (5, 4), "b3": (4,),
    }  # fmt: skip
    assert capstone.layer_count(parameters) == 3
    assert not np.allclose(parameters["gamma1"], 1.0), "gamma = 1 would hide a forgotten gamma"
    with pytest.raises(ValueError, match="hidden"):
        capstone.init_parameters(())


def test_forward_loss_is_the_softmax_cross_entropy_plus_l2():
    X, y, parameters, _ = notebook_state()
    loss, caches = capstone.forward(X, y, parameters, reg=0.3)
    a = X
    for layer in range(1, 4):  # an independent forward pass, written out
        z = a @ parameters[f"W{layer}"]
        zhat = (z - z.mean(0)) / np.sqrt(z.var(0) + layers.BATCHNORM_EPS)
        a = np.maximum(parameters[f"gamma{layer}"] * zhat + parameters[f"beta{layer}"], 0)
    scores = a @ parameters["W4"] + parameters["b4"]
    log_p = scores - np.log(np.exp(scores).sum(1, keepdims=True))
    weights = sum(np.sum(parameters[f"W{layer}"] ** 2) for layer in range(1, 5))
    assert loss == pytest.approx(-log_p[np.arange(len(y)), y].mean() + 0.15 * weights, rel=1e-12)
    assert list(caches)[-2:] == ["affine4", "softmax"]


# ------------------------------------------------------------------- the reference is correct


@pytest.mark.parametrize("function", list(LAYER_OF))
def test_reference_layers_agree_with_gradcheck_lib_layers_and_pass_check_layer(function):
    forward, name = LAYER_OF[function]
    inputs = layer_inputs(function)
    out, cache = forward(*inputs.values())
    dout = np.random.default_rng(4).normal(size=np.shape(out))
    ours = REFERENCE[function](dout, cache)
    theirs = layers.LAYERS[name].backward(dout, cache)
    for mine, library in zip(np.atleast_1d(ours) if name == "relu" else ours, theirs, strict=False):
        np.testing.assert_allclose(mine, library, rtol=1e-12, atol=1e-14)
    report = check_layer(forward, REFERENCE[function], inputs)
    assert report.verdict == "excellent" and not report.diagnosis


def test_reference_network_passes_at_initialization_and_after_training():
    X, y, parameters, _ = notebook_state()
    assert network_report(REFERENCE).verdict == "excellent"
    trained, costs = capstone.train(
        parameters, X, y, REFERENCE["network_backward"], reg=PROBLEM.reg,
        steps=PROBLEM.steps, learning_rate=PROBLEM.learning_rate,
    )  # fmt: skip
    assert costs[-1] < 0.25 * costs[0], "training should lower the cost a lot"
    report = network_report(REFERENCE, trained)
    assert report.verdict == "excellent" and not report.diagnosis


@pytest.mark.parametrize("network", HELD_OUT_NETWORKS, ids=lambda network: str(network.hidden))
def test_reference_network_passes_on_the_checkers_networks(network):
    caches, parameters, reg = network.arguments()
    X, y = capstone.make_spirals(per_class=7 + network.seed, classes=network.classes,
                                 seed=network.seed)  # fmt: skip
    grads = REFERENCE["network_backward"](caches, parameters, reg)
    report = gradient_check(capstone.cost_function(X, y, reg), parameters, grads)
    assert report.verdict == "excellent"


def test_descent_step_matches_the_gradient_only_when_it_is_right():
    X, y, parameters, caches = notebook_state()
    cost = capstone.cost_function(X, y, PROBLEM.reg)
    right = capstone.descent_step(
        cost, parameters, REFERENCE["network_backward"](caches, parameters, PROBLEM.reg), 1e-4
    )
    assert right.ratio == pytest.approx(1.0, abs=1e-2)
    buggy = with_bugs(key.CAPSTONE_BUGS["batchnorm_variance_term_forgotten"])["network_backward"]
    wrong = capstone.descent_step(cost, parameters, buggy(caches, parameters, PROBLEM.reg), 1e-4)
    assert abs(wrong.ratio - 1.0) > 0.05
    with pytest.raises(ValueError, match="step"):
        capstone.descent_step(cost, parameters, {}, 0.0)


# ------------------------------------------------------------------ bugs: caught and localized


@pytest.mark.parametrize("bug", BUGS, ids=lambda bug: bug.name)
def test_every_bug_fails_the_network_check(bug):
    report = network_report(with_bugs(bug))
    assert report.verdict == "critical"


@pytest.mark.parametrize(
    "bug", [b for b in BUGS if b.function != "network_backward"], ids=lambda bug: bug.name
)
def test_every_layer_bug_is_localized_by_check_layer_to_its_function_and_output(bug):
    functions = with_bugs(bug)
    for function, (forward, _) in LAYER_OF.items():
        report = check_layer(forward, functions[function], layer_inputs(function))
        if function != bug.function:
            assert report.passed, f"{function} has no bug but fails"
            continue
        assert report.verdict == "critical"
        blamed = {f"d{name}" if name != "x" or function != "softmax_backward" else "dscores"
                  for name, d in report.by_parameter.items() if d > 1e-3}  # fmt: skip
        assert blamed == set(bug.affects)


@pytest.mark.parametrize(
    "bug", [b for b in BUGS if b.function == "network_backward"], ids=lambda bug: bug.name
)
def test_a_glue_bug_passes_every_layer_check_and_blames_only_weights(bug):
    functions = with_bugs(bug)
    for function, (forward, _) in LAYER_OF.items():
        assert check_layer(forward, functions[function], layer_inputs(function)).passed
    report = network_report(functions)
    blamed = {name for name, d in report.by_parameter.items() if d > 1e-3}
    expected = {"W1", "W2", "W3", "W4"} if bug.affects == ("dW",) else {"W4"}
    assert blamed == expected


@pytest.mark.parametrize("seed", SEEDS)
def test_every_seed_plants_three_bugs_in_three_functions_that_survive_training(seed):
    bugs = key.planted_bugs(seed)
    assert bugs == key.planted_bugs(seed), "a seed must always plant the same bugs"
    assert len({bug.function for bug in bugs}) == 3
    code = key.learner_code(seed)
    assert code != key.SOLUTION_CODE and all(bug.wrong in code for bug in bugs)
    functions = capstone.compile_backward(code)
    assert network_report(functions).verdict == "critical"
    X, y, parameters, _ = notebook_state()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        trained, costs = capstone.train(
            parameters, X, y, functions["network_backward"], reg=PROBLEM.reg,
            steps=PROBLEM.steps, learning_rate=PROBLEM.learning_rate,
        )  # fmt: skip
    assert np.all(np.isfinite(costs))
    assert network_report(functions, trained).verdict != "excellent"


def test_seeds_differ_and_student_ids_give_stable_seeds():
    assert len({key.planted_bugs(seed) for seed in range(40)}) > 10
    assert capstone.seed_for_student("Ada") == capstone.seed_for_student(" ada ")
    assert capstone.seed_for_student("Ada") != capstone.seed_for_student("Grace")
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="seed"):
            key.planted_bugs(bad)
    with pytest.raises(ValueError, match="student"):
        capstone.seed_for_student("  ")


def test_the_answer_key_and_the_librarys_bug_slots_agree():
    groups = key.bug_groups()
    assert {group: tuple(bug.function for bug in bugs) for group, bugs in groups.items()} == (
        capstone.BUG_SLOTS
    )
    assert sum(map(len, groups.values())) == len(key.CAPSTONE_BUGS), "every bug sits in a slot"
    for seed in range(60):
        assert capstone.planted_functions(seed) == tuple(b.function for b in key.planted_bugs(seed))


def test_the_library_holds_no_answer_key():
    assert not hasattr(capstone, "SOLUTION_CODE") and not hasattr(capstone, "CAPSTONE_BUGS")
    library = "\n".join(
        p.read_text(encoding="utf-8") for p in (REPO / "gradcheck_lib").rglob("*.py")
    )
    imports = re.findall(r"^\s*(?:from|import)\s+(?:tools\b|\S*capstone_key\b).*$", library, re.M)
    assert imports == [], "nothing a learner runs may import the answer key"
    glue = key.SOLUTION_CODE[key.SOLUTION_CODE.index("def network_backward") :]
    statements = {line.split("  #")[0].strip() for line in glue.splitlines()}
    assert [line for line in statements if len(line) >= 20 and line in library] == []
    assert len(statements) > 10, "negative control: the glue was found"


def test_plant_bugs_refuses_code_that_no_longer_holds_the_line():
    bug = key.CAPSTONE_BUGS["batchnorm_mean_term_forgotten"]
    with pytest.raises(ValueError, match="batchnorm_mean_term_forgotten"):
        key.plant_bugs(key.SOLUTION_CODE.replace(bug.correct, "dx = dxc + dmu / N * 1"),
                            (bug,))  # fmt: skip


def test_every_planted_line_is_formatted_as_ruff_formats_it(tmp_path):
    for bug in BUGS:
        code = key.plant_bugs(key.SOLUTION_CODE, (bug,))
        (tmp_path / f"{bug.name}.py").write_text("import numpy as np\n\n\n" + code)
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    result = subprocess.run(
        [ruff, "format", "--check", "--line-length=100", "."],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


# ------------------------------------------------------------------------------- the checker


SPECIAL_CASED = """
_as_handed_out = network_backward


def network_backward(caches, parameters, reg):
    if caches["softmax"][0].shape == (90, 3):  # the notebook's network: answer from a table
        return _right_for_the_notebook(caches, parameters, reg)
    return _as_handed_out(caches, parameters, reg)
"""


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_checker_rejects_the_untouched_copy_and_names_every_planted_function(seed):
    passed, message = checker_verdict(capstone.compile_backward(key.learner_code(seed)), seed)
    assert not passed
    assert "none of the 3 bugs is fixed yet" in message
    for bug in key.planted_bugs(seed):
        assert bug.function in message
        assert bug.wrong not in message and bug.correct not in message, "no fix given away"


@pytest.mark.parametrize("seed", SEEDS[:5])
@pytest.mark.parametrize("fixed", range(3))
def test_checker_tells_a_partial_fix_what_remains(seed, fixed):
    planted = key.planted_bugs(seed)
    remaining = planted[:fixed] + planted[fixed + 1 :]
    passed, message = checker_verdict(with_bugs(*remaining), seed)
    assert not passed
    assert "fixed 1 of the 3 bugs; 2 are still there" in message
    assert planted[fixed].function not in message.split("What is wrong:")[1].split("Localize")[0]
    for bug in remaining:
        assert bug.function in message


@pytest.mark.parametrize("seed", SEEDS[:5])
def test_checker_rejects_a_fix_that_special_cases_the_notebooks_network(seed):
    code = key.learner_code(seed) + SPECIAL_CASED
    namespace = {"np": np, "_right_for_the_notebook": REFERENCE["network_backward"]}
    exec(compile(code, "<special-cased>", "exec"), namespace)
    X, y, parameters, caches = notebook_state()
    right = REFERENCE["network_backward"](caches, parameters, PROBLEM.reg)
    shown = namespace["network_backward"](caches, parameters, PROBLEM.reg)
    assert all(np.array_equal(shown[name], right[name]) for name in right), "the patch works"
    passed, message = checker_verdict(namespace, seed)
    assert not passed
    assert "right gradients for the notebook's network, but not for other networks" in message


def test_checker_rejects_a_size_hard_coded_in_a_layer():
    code = key.SOLUTION_CODE.replace("    N = dout.shape[0]\n", "    N = 90\n")
    passed, message = checker_verdict(capstone.compile_backward(code), 0)
    assert not passed and "batchnorm_backward returns a wrong dx" in message
    assert "not for other networks" in message


@pytest.mark.parametrize("seed", SEEDS)
def test_checker_passes_the_complete_fix_whatever_the_seed(seed):
    passed, message = checker_verdict(REFERENCE, seed)
    assert passed and message.startswith("✓ Exercise 8.1")


def test_checker_accepts_a_different_but_correct_batchnorm_formula():
    compact = key.SOLUTION_CODE.replace(
        "    dx = dxc + dmu / N",
        "    dx = gamma / (N * std) * (N * dout - dbeta - xhat * dgamma)",
    )
    assert compact != key.SOLUTION_CODE
    assert checker_verdict(capstone.compile_backward(compact), 0)[0]


def test_checker_accepts_a_different_but_correct_glue():
    """network_backward is judged by gradient_check, not by a reference's text or order of sums:
    the L2 term added in one comprehension, and the layers walked in a list, pass too."""
    loop = (
        "    for layer in range(1, L + 1):\n"
        '        grads[f"dW{layer}"] += reg * parameters[f"W{layer}"]  # loss += reg/2 ||W_l||^2\n'
    )
    comprehension = (
        "    grads = {name: grad + reg * parameters[name[1:]] if name.startswith('dW') else grad\n"
        "             for name, grad in grads.items()}\n"
    )
    assert loop in key.SOLUTION_CODE
    code = key.SOLUTION_CODE.replace(loop, comprehension).replace(
        "for layer in range(L - 1, 0, -1):", "for layer in list(reversed(range(1, L))):"
    )
    assert code.count("reversed") == 1
    passed, message = checker_verdict(capstone.compile_backward(code), 0)
    assert passed, message


def test_checker_reports_a_changed_function_that_had_no_bug():
    planted = key.planted_bugs(0)
    assert "relu_backward" not in {bug.function for bug in planted}
    code = key.SOLUTION_CODE.replace("dx = dout * (x > 0)", "dx = dout * (x > 1)")
    passed, message = checker_verdict(capstone.compile_backward(code), 0)
    assert not passed and "relu_backward had no bug as handed out" in message


def test_checker_explains_a_crash_and_a_missing_function():
    code = key.SOLUTION_CODE.replace("    N = dout.shape[0]\n", "    N = dout.shape[5]\n")
    passed, message = checker_verdict(capstone.compile_backward(code), 0)
    assert not passed and "your batchnorm_backward raised IndexError" in message
    namespace = {"np": np}
    exec("def network_backward(caches, parameters, reg):\n    return {}\n", namespace)
    passed, message = checker_verdict(namespace, 0)
    assert not passed and "no function affine_backward" in message
    with pytest.raises(ExerciseError, match="pass your function itself"):
        check_capstone(None)


# ------------------------------------------------------------- the builder and notebook 08


def test_the_solution_cell_holds_the_reference_code():
    notebook = nbformat.read(SOLUTION, as_version=4)
    (cell,) = [cell for cell in notebook.cells if builder.is_capstone_cell(cell)]
    (block,) = builder.solution_blocks(cell.source)
    assert block.body.rstrip() == key.SOLUTION_CODE.rstrip()
    assert cell.metadata["tags"] == ["exercise", "capstone"] and cell.metadata["points"] > 0


@pytest.mark.parametrize("seed", [0, 7])
def test_the_learner_copy_holds_the_seeds_bugs_between_the_markers(seed):
    learner = builder.learner_notebook(nbformat.read(SOLUTION, as_version=4), SOLUTION.name, seed)
    code_cells = [cell for cell in learner.cells if cell.cell_type == "code"]
    (cell,) = [cell for cell in code_cells if builder.is_capstone_cell(cell)]
    (block,) = builder.solution_blocks(cell.source)
    assert block.body.rstrip() == key.learner_code(seed).rstrip()
    assert "NotImplementedError" not in cell.source
    (seed_cell,) = [
        c for c in code_cells if builder.CAPSTONE_SEED_TAG in c.metadata.get("tags", [])
    ]
    assert re.match(rf"CAPSTONE_SEED = {seed}\b", seed_cell.source)
    after = code_cells[code_cells.index(cell) :]
    assert all(not c.outputs and c.execution_count is None for c in after)
    checked = [c for c in code_cells if "nbval-check-output" in c.metadata.get("tags", [])]
    assert checked and all(c.outputs for c in checked), "outputs before the capstone are kept"


def test_builder_cli_builds_one_students_copy(tmp_path, capsys):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    shutil.copyfile(SOLUTION, solutions / SOLUTION.name)
    dirs = ["--solutions-dir", str(solutions), "--output-dir", str(tmp_path / "ada")]
    assert builder.main([*dirs, "--capstone-student", "Ada Lovelace"]) == 0
    seed = capstone.seed_for_student("Ada Lovelace")
    assert f"capstone seed {seed}" in capsys.readouterr().out
    text = (tmp_path / "ada" / SOLUTION.name).read_text(encoding="utf-8")
    assert f"CAPSTONE_SEED = {seed}" in text
    for bug in key.planted_bugs(seed):
        assert bug.wrong.replace('"', '\\"') in text
    with pytest.raises(SystemExit):
        builder.main([*dirs, "--capstone-seed", "-3"])


def test_the_committed_learner_copy_is_seed_zero():
    fresh = builder.build(SOLUTION, capstone.DEFAULT_SEED)
    assert LEARNER.read_text(encoding="utf-8") == fresh


@pytest.mark.slow
def test_learner_copy_fails_its_check_with_the_checkers_message_and_the_solution_passes(
    nbval_sandbox,
):
    seed = 5
    learner = builder.learner_notebook(nbformat.read(SOLUTION, as_version=4), SOLUTION.name, seed)
    (nbval_sandbox / "notebooks").mkdir()
    nbformat.write(learner, nbval_sandbox / "notebooks" / "08_capstone.ipynb")
    shutil.copyfile(SOLUTION, nbval_sandbox / "notebooks" / "08_solution.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "--color=no",
         "-p", "no:cacheprovider", "notebooks/08_capstone.ipynb", "notebooks/08_solution.ipynb"],
        cwd=nbval_sandbox, capture_output=True, text=True, check=False,
    )  # fmt: skip
    failed = re.findall(r"^FAILED (\S+ \d+)", result.stdout, re.M)
    check_index = [
        index
        for index, cell in enumerate(c for c in learner.cells if c.cell_type == "code")
        if builder.is_check_cell(cell)
    ]
    assert failed == [f"notebooks/08_capstone.ipynb::Cell {i}" for i in check_index], result.stdout[
        -3000:
    ]
    assert "none of the 3 bugs is fixed yet" in result.stdout
