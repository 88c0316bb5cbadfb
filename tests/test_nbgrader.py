"""nbgrader out of the box: the real nbgrader generates, autogrades and gives feedback.

tools/nbgrader_course.py lays out a course directory from notebook 01; nbgrader releases it and
autogrades a class in one run: correct, one exercise wrong, untouched, and the hostile kinds (an
edited check cell, a deleted one, an endless loop, one that ignores the interrupt, a notebook that
raises at import, an empty file, a file that is no notebook). The gradebook must hold each
exercise's points as its answer cell declares them, and one bad submission must not stop the rest.
"""

from __future__ import annotations

import csv
import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import repo_copy
from repo_copy import copy_repository

from tools.build_learner_copies import SOLUTIONS_DIR, learner_notebook, solution_blocks
from tools.exercise_cells import exercises
from tools.nbgrader_course import lay_out

pytestmark = pytest.mark.slow
nbgrader_api = pytest.importorskip("nbgrader.api", reason="pip install -e '.[nbgrader]'")

ASSIGNMENT = "01_reshaping_parameters"
NAME = f"{ASSIGNMENT}.ipynb"
SOLUTION = nbformat.read(SOLUTIONS_DIR / NAME, as_version=4)
EXERCISES = exercises(SOLUTION, NAME)
WRONG = "1.2"  # the partly wrong student's wrong exercise
REPO = Path(__file__).resolve().parents[1]


def alembic_command(folder: Path) -> Path:
    """A folder holding an `alembic` that runs this interpreter's alembic module.

    nbgrader runs `alembic` from PATH. The venv's own script may name an interpreter that is gone
    (a venv shared between worktrees keeps the shebang of the one that installed it).
    """
    folder.mkdir(exist_ok=True)
    script = folder / "alembic"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m alembic "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return folder


def nbgrader(course: Path, *args: str, status: int = 0) -> subprocess.CompletedProcess:
    """Run the nbgrader command line on the course, with its gradebook in the course directory."""
    env = dict(os.environ)
    # nbgrader runs `alembic` from PATH; the kernels import gradcheck_lib from the worktree.
    alembic = alembic_command(course.parent / f"{course.name}-bin")
    env["PATH"] = os.pathsep.join([str(alembic), str(Path(sys.executable).parent), env["PATH"]])
    env["PYTHONPATH"] = f"{REPO}{os.pathsep}{env.get('PYTHONPATH', '')}"
    command = [sys.executable, "-m", "nbgrader", *args, f"--CourseDirectory.root={course}"]
    command.append(f"--CourseDirectory.db_url=sqlite:///{course / 'gradebook.db'}")
    result = subprocess.run(command, cwd=course, env=env, capture_output=True, text=True)
    assert result.returncode == status, (
        f"nbgrader {' '.join(args)} exited with {result.returncode}:\n{result.stderr[-3000:]}"
    )
    return result


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


@pytest.fixture(scope="module")
def class_course(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A course of its own for the hostile class, laid out and released by the tools directly."""
    root = tmp_path_factory.mktemp("class-course")
    lay_out(root, [ASSIGNMENT])
    nbgrader(root, "generate_assignment", ASSIGNMENT)
    return root


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


ENDLESS_LOOP = "while True:  # the student's endless loop\n    pass"
STUBBORN_LOOP = (
    "import signal\n\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
)
CELL_TIMEOUT = 10  # seconds per cell for the class run: every correct cell of 01 takes < 1 s
UNREADABLE = {"empty": b"", "not_a_notebook": b"def flatten(parameters):\n    return parameters\n"}


def cell_index(notebook: nbformat.NotebookNode, cell_id: str) -> int:
    return next(index for index, cell in enumerate(notebook.cells) if cell.id == cell_id)


def hostile_class(release: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The class's readable submissions, by student; the unreadable ones are UNREADABLE."""
    first, last = EXERCISES[0], EXERCISES[-1]
    students = {
        "correct": submission(release, wrong=set()),
        "partly_wrong": submission(release, wrong={WRONG}),
        "untouched": release,
    }
    # 1.2 wrong, and its check cell edited to print a pass / deleted.
    edited = submission(release, wrong={last.number})
    edited.cells[cell_index(edited, last.check_id)].source = 'print("✓ Exercise 1.2: all good")'
    deleted = submission(release, wrong={last.number})
    del deleted.cells[cell_index(deleted, last.check_id)]
    # 1.2's answer cell and check cell both deleted.
    both = submission(release, wrong=set())
    both.cells = [cell for cell in both.cells if cell.id not in {last.answer_id, last.check_id}]
    # flatten never returns: 1.1's check cell runs into the cell timeout.
    endless = submission(release, wrong=set())
    answer = endless.cells[cell_index(endless, first.answer_id)]
    (block,) = solution_blocks(answer.source)
    lines = answer.source.splitlines()
    lines[block.start + 1 : block.start + 1] = [
        block.indent + line for line in ENDLESS_LOOP.splitlines()
    ]
    answer.source = "\n".join(lines)
    # a cell of the student's own loops and ignores the interrupt, just before 1.2's check.
    stubborn = submission(release, wrong=set())
    stubborn.cells.insert(
        cell_index(stubborn, last.check_id), nbformat.v4.new_code_cell(STUBBORN_LOOP)
    )
    # the setup cell imports a module the grader lacks (the locked setup cell is put back), and a
    # cell of the student's own raises ModuleNotFoundError, which 1.2's answer relies on.
    raising = submission(release, wrong=set())
    setup = next(index for index, cell in enumerate(raising.cells) if cell.cell_type == "code")
    raising.cells[setup].source = "import my_own_helpers\n" + raising.cells[setup].source
    raising.cells.insert(
        setup + 1, nbformat.v4.new_code_cell("from my_helpers import unflatten_fast")
    )
    relying = raising.cells[cell_index(raising, last.answer_id)]
    relying.source = (
        "def unflatten(theta, names, shapes):\n    return unflatten_fast(theta, names, shapes)"
    )
    students |= {
        "edited_check": edited,
        "deleted_check": deleted,
        "deleted_answer_and_check": both,
        "endless_loop": endless,
        "stubborn_loop": stubborn,
        "raises_at_import": raising,
    }
    return students


def all_points(but: dict[str, int] | None = None) -> dict[str, int]:
    return {ex.number: (but or {}).get(ex.number, ex.points) for ex in EXERCISES}


EXPECTED = {  # student -> exercise -> points
    "correct": all_points(),
    "partly_wrong": all_points({WRONG: 0}),
    "untouched": all_points({"1.1": 0, "1.2": 0}),
    "edited_check": all_points({"1.2": 0}),
    "deleted_check": all_points({"1.2": 0}),
    "deleted_answer_and_check": all_points({"1.2": 0}),
    "endless_loop": all_points({"1.1": 0}),
    "stubborn_loop": all_points({"1.2": 0}),
    "raises_at_import": all_points({"1.2": 0}),
    "empty": all_points({"1.1": 0, "1.2": 0}),
    "not_a_notebook": all_points({"1.1": 0, "1.2": 0}),
}


@pytest.fixture(scope="module")
def graded_class(class_course: Path) -> tuple[Path, str]:
    """The whole class autograded in one nbgrader run; its feedback and grades.csv; the log."""
    course = class_course
    files = {
        student: nbformat.writes(notebook).encode("utf-8")
        for student, notebook in hostile_class(released(course)).items()
    }
    assert set(files | UNREADABLE) == set(EXPECTED)
    for student, data in (files | UNREADABLE).items():
        target = course / "submitted" / student / ASSIGNMENT / NAME
        target.parent.mkdir(parents=True)
        target.write_bytes(data)
    # nbgrader exits with 1 when a submission failed, after grading all the others.
    run = nbgrader(course, "autograde", ASSIGNMENT, f"--Execute.timeout={CELL_TIMEOUT}", status=1)
    nbgrader(course, "generate_feedback", ASSIGNMENT)
    nbgrader(course, "export", f"--CsvExportPlugin.to={course / 'grades.csv'}")
    return course, run.stdout + run.stderr


def grade_of(course: Path, student: str, exercise) -> tuple[float, float | None, bool]:
    with nbgrader_api.Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        grade = gradebook.find_grade(exercise.check_grade_id, ASSIGNMENT, ASSIGNMENT, student)
        return grade.score, grade.auto_score, grade.needs_manual_grade


def autograded(course: Path, student: str) -> nbformat.NotebookNode:
    return nbformat.read(course / "autograded" / student / ASSIGNMENT / NAME, as_version=4)


def errors_of(notebook: nbformat.NotebookNode, cell_id: str) -> list[str]:
    cell = notebook.cells[cell_index(notebook, cell_id)]
    return [f"{out.ename}: {out.evalue}" for out in cell.outputs if out.output_type == "error"]


def feedback_text(course: Path, student: str) -> str:
    """The text of a student's feedback page, tags dropped."""
    page = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8")))


def check_of(number: str):
    return next(ex for ex in EXERCISES if ex.number == number)


def test_autograde_gives_each_student_of_the_class_the_right_points(graded_class) -> None:
    course, _ = graded_class
    assert all(ex.points > 0 for ex in EXERCISES)
    got = {
        student: {ex.number: grade_of(course, student, ex)[0] for ex in EXERCISES}
        for student in EXPECTED
    }
    assert got == EXPECTED
    with open(course / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = {row["student_id"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == {student: sum(points.values()) for student, points in EXPECTED.items()}


def test_one_bad_submission_never_stops_the_rest_of_the_class(graded_class) -> None:
    course, log = graded_class
    failed = set(re.findall(r"error processing assignment '\S+' for student '(\w+)'", log))
    assert failed == set(UNREADABLE)
    for student in set(EXPECTED) - set(UNREADABLE):  # those after a bad one included
        feedback = course / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html"
        assert feedback.exists(), f"no feedback for {student}"
        for ex in EXERCISES:  # graded by the autograder, none left for a human
            assert grade_of(course, student, ex)[1:] == (EXPECTED[student][ex.number], False)


def test_a_file_that_is_no_notebook_is_named_in_the_log_with_its_reason(graded_class) -> None:
    course, log = graded_class
    reasons = {"empty": "it is empty (0 bytes)", "not_a_notebook": "it is not notebook JSON"}
    for student, reason in reasons.items():
        path = course / "submitted" / student / ASSIGNMENT / NAME
        assert f"{path} is not a notebook: {reason}" in log, student
        # nbgrader grades nothing of it: 0 points, flagged for a human to look at.
        assert all(grade_of(course, student, ex) == (0, None, True) for ex in EXERCISES)
        assert not (course / "feedback" / student).exists()


def test_an_edited_check_cell_runs_as_the_course_wrote_it(graded_class) -> None:
    course, log = graded_class
    check = check_of("1.2")
    notebook = autograded(course, "edited_check")
    cell = notebook.cells[cell_index(notebook, check.check_id)]
    assert cell.source == SOLUTION.cells[check.check].source
    assert errors_of(notebook, check.check_id)[0].startswith("ExerciseError")
    assert f"Attribute 'checksum' for cell {check.check_grade_id} has changed" in log


def test_a_deleted_check_cell_is_put_back_run_and_graded(graded_class) -> None:
    course, log = graded_class
    check = check_of("1.2")
    notebook = autograded(course, "deleted_check")
    restored = [
        cell for cell in notebook.cells if cell.source.endswith(SOLUTION.cells[check.check].source)
    ]
    assert len(restored) == 1
    assert "was missing from the submission. It was added back by nbgrader" in restored[0].source
    assert any(
        out.output_type == "error" and out.ename == "ExerciseError" for out in restored[0].outputs
    )
    assert f"Missing grade cell {check.check_grade_id}" in log
    assert "It was added back by nbgrader" in feedback_text(course, "deleted_check")
    # without OverwriteCells.add_missing_cells, nbgrader leaves it ungraded: (0, None, True)
    assert grade_of(course, "deleted_check", check) == (0, 0, False)
    # with its answer cell gone too, nbgrader 0.9.6's own OverwriteCells fails the submission
    # (KeyError: 'exercise-1-2'); the course's puts the check back after 1.1's.
    both = autograded(course, "deleted_answer_and_check")
    ids = [cell.metadata.get("nbgrader", {}).get("grade_id") for cell in both.cells]
    assert ids.index(check.check_grade_id) == ids.index(check_of("1.1").check_grade_id) + 1
    assert grade_of(course, "deleted_answer_and_check", check) == (0, 0, False)


def test_an_endless_loop_costs_its_exercise_and_says_so(graded_class) -> None:
    course, _ = graded_class
    notebook = autograded(course, "endless_loop")
    errors = errors_of(notebook, check_of("1.1").check_id)
    assert (
        "CellTimeoutError: this cell ran longer than the time limit per cell and was stopped"
        in errors
    )
    assert not errors_of(notebook, check_of("1.2").check_id)
    assert "ran longer than the time limit per cell and was stopped" in feedback_text(
        course, "endless_loop"
    )


def test_a_loop_that_ignores_the_interrupt_restarts_the_kernel_not_the_grading(
    graded_class,
) -> None:
    course, log = graded_class
    assert "The interrupt did not stop the cell; restarting the kernel" in log
    notebook = autograded(course, "stubborn_loop")
    loop = next(cell for cell in notebook.cells if cell.source == STUBBORN_LOOP)
    (error,) = [out for out in loop.outputs if out.output_type == "error"]
    assert "ignored the interrupt; the kernel was restarted" in error.evalue
    # 1.1 ran before the loop and keeps its points (EXPECTED); 1.2's check ran in the new kernel.
    assert errors_of(notebook, check_of("1.2").check_id) == [
        "NameError: name 'check_unflatten' is not defined"
    ]


def test_make_grade_gives_the_same_class_the_same_points(graded_class, tmp_path: Path) -> None:
    course, _ = graded_class
    for student in EXPECTED:  # make grade's layout: DIR/<student>/<notebook>.ipynb
        (tmp_path / student).mkdir()
        shutil.copy(course / "submitted" / student / ASSIGNMENT / NAME, tmp_path / student / NAME)
    command = [sys.executable, "tools/grade.py", str(tmp_path), f"--timeout={CELL_TIMEOUT}"]
    result = subprocess.run([*command, "--jobs=2"], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    got = {student: {} for student in EXPECTED}
    for row in rows:
        got[row["student"]][row["exercise"]] = int(row["points"])
    assert got == EXPECTED
    why = {(row["student"], row["exercise"]): row["message"] for row in rows}
    assert "is empty (0 bytes)" in why["empty", "1.1"]
    assert "not valid JSON" in why["not_a_notebook", "1.1"]
    assert "had been edited" in why["edited_check", "1.2"]
    assert "had been deleted" in why["deleted_check", "1.2"]
    assert f"ran longer than {CELL_TIMEOUT} s (timeout)" in why["endless_loop", "1.1"]
    assert "The kernel was restarted" in why["stubborn_loop", "1.2"]


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
