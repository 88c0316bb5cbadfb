"""Learner copies: built right, committed fresh, failing only at the stubs, gradable by nbval.

The first tests exercise tools/build_learner_copies.py and tools/check_summary.py on small notebooks
made here; the rest run on the course's real notebooks.
"""

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from tools import build_learner_copies as builder
from tools import check_summary
from tools.execute_solutions import execute_notebook

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = builder.solution_notebooks()
MINIMUM_EXERCISES = 8
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
STUB_BLOCK = re.compile(
    r'^(?P<indent>[ \t]*)# YOUR CODE HERE\n[ \t]*raise NotImplementedError\(\s*"Exercise '
    r'(?P<number>\d+\.\d+):[^"\n]*"\s*\)',
    re.M,
)
# Plausible wrong answers, by exercise, with a phrase the checker's message must contain.
# An exercise missing here gets the generic mistake "forgot the return statement".
WRONG_ANSWERS = {
    "1.1": (
        "columns = [np.reshape(array, -1, order='F') for array in parameters.values()]\n"
        "return np.concatenate(columns)",
        "column by column",
    ),
}

# --------------------------------------------------------------------------------------------
# The builder, on a notebook made here
# --------------------------------------------------------------------------------------------

EXERCISE_SOURCE = '''def flatten(parameters):
    """Return theta."""
    ### BEGIN SOLUTION Exercise 1.1: flatten the parameters into one vector
    pieces = [array.reshape(-1) for array in parameters.values()]
    return np.concatenate(pieces)
    ### END SOLUTION'''


EXERCISE = "exercise"


def small_solution_notebook():
    cells = [
        nbformat.v4.new_code_cell("import numpy as np", execution_count=1),
        nbformat.v4.new_code_cell(
            EXERCISE_SOURCE, execution_count=2, metadata={"tags": ["exercise"], "points": 2}
        ),
        nbformat.v4.new_code_cell(
            "print(check_flatten(flatten))",
            execution_count=3,
            metadata={"tags": ["exercise-check"]},
            outputs=[nbformat.v4.new_output("stream", text="✓ right\n")],
        ),
        nbformat.v4.new_code_cell(
            'print(f"{0.5:.2f}")',
            execution_count=4,
            metadata={"tags": ["nbval-check-output"], "execution": {"iopub.status.idle": "t"}},
            outputs=[nbformat.v4.new_output("stream", text="0.50\n")],
        ),
        nbformat.v4.new_code_cell(
            "lab",
            execution_count=5,
            outputs=[
                nbformat.v4.new_output(
                    "display_data",
                    data={"text/plain": "BugLab()", builder.WIDGET_VIEW_MIME: {"model_id": "x"}},
                )
            ],
        ),
    ]
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return notebook


def test_stub_replaces_the_block_at_its_indentation_with_the_exercise_text():
    assert builder.stub_source(EXERCISE_SOURCE) == (
        "def flatten(parameters):\n"
        '    """Return theta."""\n'
        "    # YOUR CODE HERE\n"
        '    raise NotImplementedError("Exercise 1.1: flatten the parameters into one vector")'
    )


def test_solution_blocks_give_number_task_and_dedented_body():
    (block,) = builder.solution_blocks(EXERCISE_SOURCE)
    assert (block.number, block.indent, block.start, block.stop) == ("1.1", "    ", 2, 5)
    assert block.task == "Exercise 1.1: flatten the parameters into one vector"
    assert block.body.splitlines()[-1] == "return np.concatenate(pieces)"


def test_a_long_stub_is_wrapped_as_ruff_format_wraps_it(tmp_path):
    task = "Exercise 2.1: compute the central difference of f at every entry of x, one at a time"
    source = f"def g(x):\n    ### BEGIN SOLUTION {task}\n    return x\n    ### END SOLUTION\n"
    stub = builder.stub_source(source)
    assert len(stub.splitlines()) == 5, "a stub longer than the line should be wrapped"
    assert max(len(line) for line in stub.splitlines()) <= builder.LINE_LENGTH
    (tmp_path / "stub.py").write_text(stub, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "format", "--check", "--line-length=100", "stub.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "source, complaint",
    [
        ("### BEGIN SOLUTION Exercise 1.1: do it\nx = 1", "without an END"),
        ("x = 1\n### END SOLUTION", "without a BEGIN"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION", "write what to do"),
        ("### BEGIN SOLUTION Exercise one: do it\nx = 1\n### END SOLUTION", "write what to do"),
        (
            "### BEGIN SOLUTION Exercise 1.1: a\n### BEGIN SOLUTION Exercise 1.2: b\n"
            "### END SOLUTION\n### END SOLUTION",
            "nested",
        ),
        ("x = 1  ### BEGIN SOLUTION Exercise 1.1: do it", "own line"),
    ],
    ids=["no-end", "no-begin", "no-text", "not-numbered", "nested", "inline"],
)
def test_malformed_markers_are_refused_with_the_line(source, complaint):
    with pytest.raises(builder.MarkerError, match=complaint) as error:
        builder.stub_source(source, "nb.ipynb, cell 3")
    assert "nb.ipynb, cell 3, line" in str(error.value)


def test_learner_notebook_clears_exercises_and_checks_and_keeps_other_outputs():
    solution = small_solution_notebook()
    before = nbformat.writes(solution)
    learner = builder.learner_notebook(solution, "01_demo.ipynb")
    assert nbformat.writes(solution) == before, "the solution notebook was modified"
    setup, exercise, check, checked, widget = learner.cells
    assert "widgets" not in learner.metadata
    assert (setup.execution_count, checked.execution_count) == (1, 4)
    assert checked.outputs[0].text == "0.50\n"
    assert "execution" not in checked.metadata
    for cell in (exercise, check):
        assert (cell.outputs, cell.execution_count) == ([], None)
    assert "### BEGIN SOLUTION" not in exercise.source and "NotImplementedError" in exercise.source
    assert widget.outputs == [], "a widget output without its state shows 'model not found'"


def test_build_is_byte_for_byte_repeatable_and_check_reports_stale_copies(tmp_path, capsys):
    solutions, learner = tmp_path / "solutions", tmp_path / "learner"
    solutions.mkdir()
    nbformat.write(small_solution_notebook(), solutions / "01_demo.ipynb")
    dirs = ["--solutions-dir", str(solutions), "--output-dir", str(learner)]
    assert builder.main(dirs) == 0
    first = (learner / "01_demo.ipynb").read_bytes()
    assert first.endswith(b"}\n")
    assert builder.main(dirs) == 0
    assert (learner / "01_demo.ipynb").read_bytes() == first
    assert builder.main(["--check", *dirs]) == 0

    (learner / "01_demo.ipynb").write_bytes(first.replace(b"0.50", b"0.51"))
    (learner / "02_orphan.ipynb").write_bytes(first)
    capsys.readouterr()
    assert builder.main(["--check", *dirs]) == 1
    printed = capsys.readouterr().out
    assert "01_demo.ipynb differs from a fresh build" in printed
    assert "02_orphan.ipynb has no solution notebook" in printed


def test_check_summary_reads_nbval_failures_from_a_junit_report(tmp_path):
    notebook = small_solution_notebook()
    nbformat.write(notebook, tmp_path / "01_demo.ipynb")
    esc = "#x1B[31m"  # how pytest's junit report spells ANSI colours
    report = tmp_path / "report.xml"
    report.write_text(
        textwrap.dedent(f"""\
        <testsuites><testsuite>
        <testcase classname="01_demo.ipynb" name="Cell 0"/>
        <testcase classname="01_demo.ipynb" name="Cell 2"><failure message="m">Traceback:
        {esc}NotImplementedError{esc}: Exercise 1.1: flatten the parameters</failure></testcase>
        <testcase classname="01_demo.ipynb" name="Cell 2"><failure message="m">Traceback:
        NotImplementedError: Exercise 1.1: you have not written flatten yet</failure></testcase>
        <testcase classname="01_demo.ipynb" name="Cell 3"><failure message="m">Traceback:
        ExerciseError: your vector has 46 entries; the parameters have 47
        - did you skip b3?</failure></testcase>
        </testsuite></testsuites>"""),
        encoding="utf-8",
    )
    (result,) = check_summary.summarize(report, [tmp_path / "01_demo.ipynb"])
    assert result.passed == 1
    assert result.to_do == ["Exercise 1.1: flatten the parameters"]
    assert result.other_failures == [
        "Cell 3 ExerciseError: your vector has 46 entries; the parameters have 47 "
        "- did you skip b3?"
    ]
    assert "1 exercise(s) to do" in check_summary.render([result])


# --------------------------------------------------------------------------------------------
# The course's notebooks
# --------------------------------------------------------------------------------------------


def learner_path(solution: Path) -> Path:
    return REPO / "notebooks" / solution.name


def stub_numbers(notebook) -> list[str]:
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    return [match["number"] for source in sources for match in STUB_BLOCK.finditer(source)]


def test_committed_learner_copies_are_fresh():
    problems = builder.stale_copies()
    assert not problems, "\n".join(problems + ["rebuild with `make learner` and commit"])


def test_the_course_has_at_least_eight_exercise_stubs():
    learner_copies = [learner_path(path) for path in SOLUTIONS if learner_path(path).exists()]
    stubs = [n for path in learner_copies for n in stub_numbers(nbformat.read(path, as_version=4))]
    assert len(stubs) >= MINIMUM_EXERCISES, f"{len(stubs)} exercise stubs in all: {stubs}"


@pytest.mark.slow
@pytest.mark.parametrize("solution", SOLUTIONS, ids=[path.name for path in SOLUTIONS])
def test_learner_copy_fails_only_with_not_implemented_error(solution):
    path = learner_path(solution)
    notebook = nbformat.read(path, as_version=4)
    stubs = stub_numbers(notebook)
    execute_notebook(notebook, path.parent, allow_errors=True)
    errors = [
        (index, output)
        for index, cell in enumerate(c for c in notebook.cells if c.cell_type == "code")
        for output in cell.outputs
        if output.output_type == "error"
    ]
    # The capstone's exception: its answer cell holds buggy code, so its checks fail, with the
    # checker's message (ExerciseError) naming the exercise, instead of a stub raising.
    capstone = capstone_numbers(notebook)
    checks = [builder.is_check_cell(c) for c in notebook.cells if c.cell_type == "code"]
    wrong = [
        f"cell [{index + 1}] {out.ename}: {out.evalue}"
        for index, out in errors
        if out.ename != "NotImplementedError"
        and not (capstone and out.ename == "ExerciseError" and checks[index])
    ]
    assert not wrong, f"{path.name} fails with more than the exercise stubs: {wrong}"
    failing = {
        m
        for _, out in errors
        if out.ename == "ExerciseError"
        for m in re.findall(r"Exercise (\d+\.\d+):", out.evalue)
    }
    assert set(capstone) <= failing, f"{path.name}: the capstone checks should fail: {failing}"
    raised = {
        m
        for _, out in errors
        if out.ename == "NotImplementedError"
        for m in re.findall(r"Exercise (\d+\.\d+):", out.evalue)
    }
    assert raised == set(stubs), (
        f"{path.name}: the stubs {stubs} should each be reached by a check cell; "
        f"raised: {sorted(raised)}"
    )


def grader_notebook():
    """The learner copy and solution of notebook 01, the first notebook with exercises."""
    matches = sorted((REPO / "notebooks" / "solutions").glob("01_*.ipynb"))
    if not matches or not learner_path(matches[0]).exists():
        pytest.skip("notebooks/solutions/01_*.ipynb and its learner copy have not landed yet")
    return nbformat.read(learner_path(matches[0]), as_version=4), matches[0]


def answers_from(solution: Path) -> dict[str, str]:
    notebook = nbformat.read(solution, as_version=4)
    return {
        block.number: block.body
        for cell in notebook.cells
        if cell.cell_type == "code"
        for block in builder.solution_blocks(cell.source)
    }


def capstone_numbers(notebook) -> list[str]:
    """The exercises whose learner copy holds buggy code between its markers (the capstone)."""
    return [
        block.number
        for cell in notebook.cells
        if builder.is_capstone_cell(cell)
        for block in builder.solution_blocks(cell.source)
    ]


def fill(notebook, answers: dict[str, str]):
    """Replace each stub of a learner copy by the given code, as a learner would; in the
    capstone's answer cell, replace the buggy code between the markers by the given code."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.source = STUB_BLOCK.sub(
                lambda match: textwrap.indent(answers[match["number"]], match["indent"]),
                cell.source,
            )
        if builder.is_capstone_cell(cell):
            lines = cell.source.split("\n")
            for block in reversed(builder.solution_blocks(cell.source)):
                body = textwrap.indent(answers[block.number], block.indent).split("\n")
                lines[block.start + 1 : block.stop] = body
            cell.source = "\n".join(lines)
    return notebook


def forgot_return(body: str) -> str | None:
    """The classic slip: compute the answer and forget to return it (None if there's no return)."""
    lines = body.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        if re.match(r"return\s+\S", lines[index]):
            lines[index] = lines[index][len("return") :].lstrip()
            return "\n".join(lines)
    return None


def run_nbval(sandbox: Path, notebooks: dict, *extra: str) -> subprocess.CompletedProcess:
    """Write the notebooks (file name -> notebook) into sandbox/notebooks and run nbval on them."""
    (sandbox / "notebooks").mkdir(exist_ok=True)
    for name, notebook in notebooks.items():
        nbformat.write(notebook, sandbox / "notebooks" / name)
    command = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "--color=no"]
    return subprocess.run(
        [*command, "-p", "no:cacheprovider", *extra, *(f"notebooks/{name}" for name in notebooks)],
        cwd=sandbox,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.slow
def test_grader_path_passes_when_the_learner_writes_the_solutions(nbval_sandbox):
    grader_notebook()  # skips until notebook 01 has landed
    filled = {
        solution.name: fill(nbformat.read(learner_path(solution), 4), answers_from(solution))
        for solution in SOLUTIONS
        if learner_path(solution).exists()
    }
    result = run_nbval(nbval_sandbox, filled)
    failed = re.findall(r"^FAILED (\S+)", result.stdout, re.M)
    assert result.returncode == 0, f"failing cells: {failed}\n" + result.stdout[-4000:]


@pytest.mark.slow
def test_grader_path_fails_on_a_wrong_answer_with_the_checkers_message(nbval_sandbox):
    learner, solution = grader_notebook()
    answers = answers_from(solution)
    number = stub_numbers(learner)[0]
    wrong, phrase = WRONG_ANSWERS.get(number, (forgot_return(answers[number]), "None"))
    assert wrong, f"add a wrong answer for exercise {number} to WRONG_ANSWERS"
    report = nbval_sandbox / "report.xml"
    notebook = fill(learner, {**answers, number: wrong})
    result = run_nbval(nbval_sandbox, {solution.name: notebook}, f"--junitxml={report}")
    output = ANSI.sub("", result.stdout)
    assert result.returncode == 1, output[-4000:]

    (summary,) = check_summary.summarize(report, [nbval_sandbox / "notebooks" / solution.name])
    # The first failing check is the wrong exercise's (later checks may depend on it too).
    assert not summary.to_do and summary.failing_checks, check_summary.render([summary])
    message = summary.failing_checks[0].split(": ", 1)[1]
    assert phrase in message, f"the checker's message {message!r} does not mention {phrase!r}"
    assert " ".join(message.split())[:60] in " ".join(output.split()), output[-4000:]


@pytest.mark.slow
def test_make_check_summary_lists_every_exercise_still_to_do(nbval_sandbox):
    learner, solution = grader_notebook()
    report = nbval_sandbox / "report.xml"
    result = run_nbval(nbval_sandbox, {solution.name: learner}, f"--junitxml={report}")
    assert result.returncode == 1
    (summary,) = check_summary.summarize(report, [nbval_sandbox / "notebooks" / solution.name])
    to_do = [re.match(r"Exercise (\d+\.\d+):", task)[1] for task in summary.to_do]
    assert to_do == stub_numbers(learner), check_summary.render([summary])


@pytest.mark.slow
def test_make_check_summary_says_which_exercise_ran_out_of_time(nbval_sandbox):
    """A learner's endless loop is stopped by the cell timeout; the summary names the exercise and
    the timeout, not "Notebook cell execution failed"."""
    notebook = small_solution_notebook()
    endless = "while True:\n    pass\n"
    notebook.cells[
        1
    ].source = f"### BEGIN SOLUTION Exercise 1.1: flatten\n{endless}### END SOLUTION\n"
    report = nbval_sandbox / "report.xml"
    result = run_nbval(
        nbval_sandbox, {"01_demo.ipynb": notebook}, f"--junitxml={report}", "--nbval-cell-timeout=2"
    )
    assert result.returncode == 1, result.stdout[-3000:]
    (summary,) = check_summary.summarize(report, [nbval_sandbox / "notebooks" / "01_demo.ipynb"])
    assert summary.other_failures[0] == (
        "Exercise 1.1 (cell 2 in JupyterLab, nbval's Cell 1) ran longer than 2 s and was "
        "stopped: does it loop forever? (make check TIMEOUT=120 gives each cell 120 s)"
    ), check_summary.render([summary])
