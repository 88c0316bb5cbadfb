"""Guards on the solution notebooks: the structure that nbval and the learner copies rely on.

Conventions (docs/INSTRUCTORS.md): solution code sits between ``### BEGIN SOLUTION Exercise N.M:
<what to do>`` and ``### END SOLUTION``; exercise cells are tagged ``exercise``, the cells that call
a checker ``exercise-check``; cells whose printed numbers are the lesson ``nbval-check-output``.
"""

import ast
import re
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from tools.build_learner_copies import (
    BEGIN_MARKER,
    CHECK_TAG,
    EXERCISE_TAG,
    is_capstone_cell,
    solution_blocks,
)

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
MINIMUM_NOTEBOOKS = 7
CHECK_OUTPUT_TAG = "nbval-check-output"
STUB = re.compile(r'raise NotImplementedError\(\s*"Exercise (?P<number>\d+\.\d+):[^"\n]*"\s*\)')

per_notebook = pytest.mark.parametrize("path", SOLUTIONS, ids=[path.name for path in SOLUTIONS])


def code_cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def tags(cell):
    return cell.metadata.get("tags", [])


def where(path, cell, index):
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"{path.name}, code cell [{index + 1}] ({first_line[:60]!r})"


def output_text(cell):
    texts = []
    for output in cell.outputs:
        if output.output_type == "stream":
            texts.append(output.text)
        elif "text/plain" in output.get("data", {}):
            texts.append(output.data["text/plain"])
    return "".join(texts)


def python_tree(source):
    """Parse a cell as Python, with IPython magics turned into plain calls."""
    return ast.parse(TransformerManager().transform_cell(source))


def imported_from(cells, module):
    """Names that the cells import from ``module``."""
    return [
        alias.asname or alias.name
        for cell in cells
        for node in ast.walk(python_tree(cell.source))
        if isinstance(node, ast.ImportFrom) and node.module == module
        for alias in node.names
    ]


def defined_names(cell):
    """Functions and variables that a cell defines at its top level."""
    names = []
    for node in python_tree(cell.source).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            names.append(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return names


def called_names(cell):
    tree = python_tree(cell.source)
    calls = [node.func for node in ast.walk(tree) if isinstance(node, ast.Call)]
    return [func.id for func in calls if isinstance(func, ast.Name)]


def used_names(cell):
    return [node.id for node in ast.walk(python_tree(cell.source)) if isinstance(node, ast.Name)]


def test_the_course_has_at_least_seven_solution_notebooks():
    names = [solution.name for solution in SOLUTIONS]
    assert len(SOLUTIONS) >= MINIMUM_NOTEBOOKS, (
        f"notebooks/solutions/ holds {len(SOLUTIONS)} notebooks {names}; the course needs "
        f"{MINIMUM_NOTEBOOKS}, and the notebook tests skip nothing silently"
    )


@per_notebook
def test_checked_cells_have_stored_numbers(path):
    checked = [(i, c) for i, c in enumerate(code_cells(path)) if CHECK_OUTPUT_TAG in tags(c)]
    assert checked, f"{path.name} has no cell tagged {CHECK_OUTPUT_TAG}, so nbval compares nothing"
    for index, cell in checked:
        assert output_text(cell).strip(), f"{where(path, cell, index)} has no stored text output"
    assert any(re.search(r"\d", output_text(cell)) for _, cell in checked), (
        f"no checked cell of {path.name} prints a number"
    )


@per_notebook
def test_execution_counts_run_one_to_n(path):
    counts = [cell.execution_count for cell in code_cells(path) if cell.source.strip()]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name} was not run top to bottom in a fresh kernel (counts {counts}); "
        "run `make solutions`"
    )


@per_notebook
def test_no_stored_errors_or_widget_state(path):
    notebook = nbformat.read(path, as_version=4)
    assert "widgets" not in notebook.metadata, f"{path.name} stores widget state"
    for index, cell in enumerate(code_cells(path)):
        errors = [out for out in cell.outputs if out.output_type == "error"]
        if "raises-exception" not in tags(cell):
            assert not errors, f"{where(path, cell, index)} stores an error: {errors[0].ename}"


@per_notebook
def test_no_def_outside_solution_blocks(path):
    for index, cell in enumerate(code_cells(path)):
        blocks = solution_blocks(cell.source, path.name)
        allowed = {block.start + 1 for block in blocks}
        for node in ast.walk(python_tree(cell.source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                holds_exercise = any(node.lineno <= line <= node.end_lineno for line in allowed)
                # the capstone's exercise is whole functions: a def inside a block is the answer
                holds_exercise |= any(b.start + 1 < node.lineno <= b.stop + 1 for b in blocks)
                assert holds_exercise, (
                    f"{where(path, cell, index)} defines {node.name!r}; library logic belongs "
                    "in gradcheck_lib (with a test), and only exercise bodies are written here"
                )


@per_notebook
def test_setup_cell_imports_from_gradcheck_lib(path):
    cells = code_cells(path)
    assert cells, f"{path.name} has no code cell"
    modules = [
        node.module if isinstance(node, ast.ImportFrom) else alias.name
        for node in ast.walk(python_tree(cells[0].source))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    ]
    assert any(module and module.startswith("gradcheck_lib") for module in modules), (
        f"the first code cell of {path.name} must import from gradcheck_lib"
    )


@per_notebook
def test_no_path_hacks_installs_or_star_imports(path):
    for index, cell in enumerate(code_cells(path)):
        source = cell.source
        assert "sys.path" not in source, f"{where(path, cell, index)} edits sys.path"
        assert not re.search(r"(^|\s)[%!]?pip\s+install|%pip|!pip", source), (
            f"{where(path, cell, index)} installs packages; pyproject.toml does that"
        )
        assert not re.search(r"^\s*from\s+\S+\s+import\s+\*", source, re.M), (
            f"{where(path, cell, index)} uses a star import"
        )


@per_notebook
def test_plot_cells_end_with_plt_show_or_the_figure(path):
    for index, cell in enumerate(code_cells(path)):
        lines = [line for line in cell.source.strip().splitlines() if line.strip()]
        last = lines[-1].split("#")[0].rstrip() if lines else ""
        assert not last.endswith(";"), (
            f"{where(path, cell, index)} hides its output with a trailing ';'; end with plt.show()"
        )
        pyplot_image = any(
            out.output_type == "display_data" and "image/png" in out.get("data", {})
            for out in cell.outputs
        )
        if pyplot_image and re.search(r"\bplt\.", cell.source):
            assert last == "plt.show()", f"{where(path, cell, index)} must end with plt.show()"


@per_notebook
def test_exercises_follow_the_marker_and_tag_conventions(path):
    number = int(path.name[:2])
    cells = code_cells(path)
    checkers = set(imported_from(cells, "gradcheck_lib.exercises"))
    answers = {name for cell in cells if EXERCISE_TAG in tags(cell) for name in defined_names(cell)}
    seen = []
    for index, cell in enumerate(cells):
        blocks = solution_blocks(cell.source, f"{path.name}, code cell [{index + 1}]")
        label = where(path, cell, index)
        if blocks:
            assert EXERCISE_TAG in tags(cell), f"{label} holds an exercise; tag it {EXERCISE_TAG!r}"
            later = cells[index + 1 :]
            assert any(CHECK_TAG in tags(c) for c in later), f"{label} has no check cell after it"
        else:
            assert EXERCISE_TAG not in tags(cell), f"{label} is tagged exercise but has no marker"
        if set(called_names(cell)) & checkers and set(used_names(cell)) & answers:
            assert CHECK_TAG in tags(cell), f"{label} checks an answer; tag it {CHECK_TAG!r}"
        if blocks or CHECK_TAG in tags(cell):
            assert CHECK_OUTPUT_TAG not in tags(cell), (
                f"{label}: the learner copy clears this cell's output, so nbval cannot compare it"
            )
        for block in blocks:
            assert block.number.startswith(f"{number}."), (
                f"{label}: '{block.task}' should be numbered {number}.M in notebook {number:02d}"
            )
            assert block.number not in seen, f"{label}: exercise {block.number} appears twice"
            seen.append(block.number)


@per_notebook
def test_learner_copy_has_one_stub_per_exercise(path):
    learner = REPO / "notebooks" / path.name
    assert learner.exists(), f"{learner.name} is missing from notebooks/; run `make learner`"
    # The capstone's answer cell is the exception: it keeps its markers around the buggy code
    # (tests/test_capstone.py checks that cell).
    expected = [
        block.number
        for cell in code_cells(path)
        if not is_capstone_cell(cell)
        for block in solution_blocks(cell.source)
    ]
    stubs = [
        match["number"] for cell in code_cells(learner) for match in STUB.finditer(cell.source)
    ]
    assert stubs == expected, f"{learner.name} has stubs {stubs}, the solution has {expected}"
    assert not any(
        BEGIN_MARKER in cell.source for cell in code_cells(learner) if not is_capstone_cell(cell)
    ), f"{learner.name} still holds solution markers"
