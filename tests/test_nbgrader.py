"""nbgrader out of the box: the real nbgrader generates, autogrades and gives feedback.

tools/nbgrader_course.py lays out a course directory from notebook 01; nbgrader releases it,
autogrades three submissions (correct, one exercise wrong, untouched) and the gradebook must hold
each exercise's points as its answer cell declares them.
"""

from __future__ import annotations

import csv
from pathlib import Path

import nbformat
import pytest
import repo_copy
from repo_copy import copy_repository

from tools.build_learner_copies import SOLUTIONS_DIR, learner_notebook, solution_blocks
from tools.exercise_cells import exercises

pytestmark = pytest.mark.slow
nbgrader_api = pytest.importorskip("nbgrader.api", reason="pip install -e '.[nbgrader]'")

ASSIGNMENT = "01_reshaping_parameters"
NAME = f"{ASSIGNMENT}.ipynb"
SOLUTION = nbformat.read(SOLUTIONS_DIR / NAME, as_version=4)
EXERCISES = exercises(SOLUTION, NAME)
WRONG = "1.2"  # the partly wrong student's wrong exercise


def submission(release: nbformat.NotebookNode, wrong: set[str]) -> nbformat.NotebookNode:
    """The release with the solution's answers typed in, and `wrong` exercises answered wrong."""
    notebook = nbformat.from_dict(release)
    by_id = {cell.id: cell for cell in SOLUTION.cells}
    for exercise in EXERCISES:
        cell = next(cell for cell in notebook.cells if cell.id == exercise.answer_id)
        cell.source = by_id[exercise.answer_id].source
        if exercise.number in wrong:
            lines = cell.source.splitlines()
            (block,) = solution_blocks(cell.source)
            lines[block.start + 1 : block.stop] = [f"{block.indent}return {{}}"]
            cell.source = "\n".join(lines)
    return notebook


# docs/INSTRUCTORS.md's commands, run as written from a copy of the repository (tests/repo_copy.py).
LAY_OUT = ".venv/bin/python tools/nbgrader_course.py course --notebooks 01_reshaping_parameters"
FROM_THE_COURSE = 'cd course\nexport PATH="$OLDPWD/.venv/bin:$PATH"\n'
GENERATE = FROM_THE_COURSE + "nbgrader generate_assignment 01_reshaping_parameters"
GRADE = FROM_THE_COURSE + (
    "nbgrader autograde 01_reshaping_parameters\n"
    "nbgrader generate_feedback 01_reshaping_parameters\n"
    "nbgrader export"
)


def run_in(root: Path, script: str) -> None:
    result = repo_copy.run(script, root)
    assert result.returncode == 0, f"{script} failed:\n{result.stderr[-3000:]}"


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    assert ASSIGNMENT in LAY_OUT.split() and GENERATE.endswith(f" {ASSIGNMENT}")
    root = copy_repository(tmp_path_factory.mktemp("course") / "repo")
    run_in(root, LAY_OUT)
    run_in(root, GENERATE)
    return root / "course"


def released(course: Path) -> nbformat.NotebookNode:
    return nbformat.read(course / "release" / ASSIGNMENT / NAME, as_version=4)


def test_the_release_keeps_the_lessons_outputs_and_only_those(course: Path) -> None:
    release, learner = released(course), learner_notebook(SOLUTION, NAME)
    kept = {cell.id: cell.outputs for cell in release.cells if cell.cell_type == "code"}
    wanted = {cell.id: cell.outputs for cell in learner.cells if cell.cell_type == "code"}
    assert any(wanted.values()), "the learner copy of 01 should keep some lesson outputs"
    assert kept == wanted


def test_the_release_holds_no_solution_and_each_stub_names_its_exercise(course: Path) -> None:
    def code_lines(notebook: nbformat.NotebookNode) -> set[str]:
        code = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
        return {line.strip() for source in code for line in source.splitlines() if line.strip()}

    release = released(course)
    shown, learner = code_lines(release), code_lines(learner_notebook(SOLUTION, NAME))
    text = "\n".join(cell.source for cell in release.cells)
    blocks = [block for cell in SOLUTION.cells for block in solution_blocks(cell.source)]
    assert len(blocks) == len(EXERCISES) == 2
    for block in blocks:
        solution = {line.strip() for line in block.body.splitlines() if line.strip()}
        leaked = sorted((solution & shown) - learner)
        assert not leaked, f"Exercise {block.number}'s solution is in the release: {leaked}"
        assert f'raise NotImplementedError("{block.task}")' in text
    assert "### BEGIN SOLUTION" not in text


def test_autograde_gives_each_student_the_declared_points(course: Path) -> None:
    release = released(course)
    students = {
        "correct": submission(release, wrong=set()),
        "partly_wrong": submission(release, wrong={WRONG}),
        "untouched": release,
    }
    for student, notebook in students.items():
        target = course / "submitted" / student / ASSIGNMENT / NAME
        target.parent.mkdir(parents=True)
        nbformat.write(notebook, target)
    run_in(course.parent, GRADE)

    expected = {
        "correct": {ex.number: ex.points for ex in EXERCISES},
        "partly_wrong": {ex.number: 0 if ex.number == WRONG else ex.points for ex in EXERCISES},
        "untouched": {ex.number: 0 for ex in EXERCISES},
    }
    assert all(ex.points > 0 for ex in EXERCISES)
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        for student in students:
            got = {
                ex.number: gradebook.find_grade(
                    f"exercise-{ex.number.replace('.', '-')}-check", ASSIGNMENT, ASSIGNMENT, student
                ).score
                for ex in EXERCISES
            }
            assert got == expected[student], student
    for student in students:
        feedback = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.exists(), f"no feedback for {student}"
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == {student: sum(points.values()) for student, points in expected.items()}


def test_the_capstone_is_released_with_its_bugs_and_graded_on_fixing_them(tmp_path: Path) -> None:
    name = "08_capstone"
    solution = nbformat.read(SOLUTIONS_DIR / f"{name}.ipynb", as_version=4)
    learner = learner_notebook(solution, f"{name}.ipynb")
    root = copy_repository(tmp_path / "repo")
    run_in(root, LAY_OUT.replace(ASSIGNMENT, name))
    run_in(root, GENERATE.replace(ASSIGNMENT, name))
    course = root / "course"
    release = nbformat.read(course / "release" / name / f"{name}.ipynb", as_version=4)
    capstone = [cell.id for cell in solution.cells if "capstone" in cell.metadata.get("tags", [])]
    assert len(capstone) == 1
    handed_out = {cell.id: cell.source for cell in release.cells}
    buggy = {cell.id: cell.source for cell in learner.cells}
    assert handed_out[capstone[0]] == buggy[capstone[0]]
    fixed = nbformat.from_dict(release)
    for cell in fixed.cells:
        if cell.id == capstone[0]:
            cell.source = next(c.source for c in solution.cells if c.id == cell.id)
    for student, notebook in {"fixed": fixed, "untouched": release}.items():
        target = course / "submitted" / student / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True)
        nbformat.write(notebook, target)
    run_in(root, FROM_THE_COURSE + f"nbgrader autograde {name}")
    points = sum(ex.points for ex in exercises(solution, name))
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        scores = {
            student: gradebook.find_submission_notebook(name, name, student).score
            for student in ("fixed", "untouched")
        }
    assert points > 0
    assert scores == {"fixed": points, "untouched": 0}
