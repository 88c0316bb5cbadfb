"""`make grade`: a simulated class, each kind of bad submission, graded right and said plainly.

The class hands in notebooks 01 and 03 (two exercises each, 2 points each); tools/grade.py must
grade every student even when one submission loops forever, raises, or is not a notebook at all.
"""

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
import repo_copy
from repo_copy import copy_repository
from test_learner_copies import answers_from, fill, learner_path

from tools import grade
from tools.exercise_cells import exercises
from tools.grade_notebook import ExerciseResult, read_submission, restore_checks

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = REPO / "notebooks" / "solutions"
NOTEBOOK_01 = "01_reshaping_parameters.ipynb"
NOTEBOOK_03 = "03_relative_difference.ipynb"
TIMEOUT = 3
STUBBORN_LOOP = (
    "import signal\n\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass"
)
WRONG_FLATTEN = (
    "columns = [np.reshape(array, -1, order='F') for array in parameters.values()]\n"
    "return np.concatenate(columns)"
)


def solution(name):
    return nbformat.read(SOLUTIONS / name, as_version=4)


def filled(name, **changes):
    """The learner copy of `name`, filled with the solutions, some exercises answered otherwise."""
    answers = {**answers_from(SOLUTIONS / name), **changes}
    return fill(nbformat.read(learner_path(SOLUTIONS / name), as_version=4), answers)


def check_cell(notebook, number):
    """Index in `notebook` of exercise `number`'s check cell (01's or 03's), found by its id."""
    name = NOTEBOOK_01 if number.startswith("1.") else NOTEBOOK_03
    (exercise,) = [ex for ex in exercises(solution(name)) if ex.number == number]
    return next(i for i, cell in enumerate(notebook.cells) if cell.get("id") == exercise.check_id)


def write(folder: Path, name: str, notebook) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, folder / name)


def simulated_class(submissions: Path) -> None:
    # alice: everything right.
    write(submissions / "alice", NOTEBOOK_01, filled(NOTEBOOK_01))
    write(submissions / "alice", NOTEBOOK_03, filled(NOTEBOOK_03))
    # bob: 1.1 wrong; 3.1 forgets its return and the check cell is edited to always pass.
    write(submissions / "bob", NOTEBOOK_01, filled(NOTEBOOK_01, **{"1.1": WRONG_FLATTEN}))
    forgot = answers_from(SOLUTIONS / NOTEBOOK_03)["3.1"].replace("return ", "", 1)
    edited = filled(NOTEBOOK_03, **{"3.1": forgot})
    edited.cells[check_cell(edited, "3.1")].source = 'print("✓ Exercise 3.1: all good")'
    write(submissions / "bob", NOTEBOOK_03, edited)
    # carol: 1.2 wrong and its check cell deleted; 3.2 loops forever.
    deleted = filled(NOTEBOOK_01, **{"1.2": "return dict(zip(names, shapes))"})
    del deleted.cells[check_cell(deleted, "1.2")]
    write(submissions / "carol", NOTEBOOK_01, deleted)
    write(
        submissions / "carol", NOTEBOOK_03, filled(NOTEBOOK_03, **{"3.2": "while True:\n    pass"})
    )
    # frank: a cell of his own loops and ignores the interrupt; the kernel is restarted.
    stubborn = filled(NOTEBOOK_01)
    stubborn.cells.insert(check_cell(stubborn, "1.2"), nbformat.v4.new_code_cell(STUBBORN_LOOP))
    write(submissions / "frank", NOTEBOOK_01, stubborn)
    # dave: 1.1's cell imports a module the grader lacks; 03 raises in a cell of his own.
    missing = filled(NOTEBOOK_01)
    index = check_cell(missing, "1.1") - 1
    missing.cells[index].source = "import no_such_module\n\n" + missing.cells[index].source
    write(submissions / "dave", NOTEBOOK_01, missing)
    raising = filled(NOTEBOOK_03)
    raising.cells.insert(2, nbformat.v4.new_code_cell('raise RuntimeError("my own experiment")'))
    write(submissions / "dave", NOTEBOOK_03, raising)
    # erin: an empty file, a text file named like a notebook, and notes the grader ignores.
    (submissions / "erin").mkdir()
    (submissions / "erin" / NOTEBOOK_01).write_bytes(b"")
    (submissions / "erin" / NOTEBOOK_03).write_text("my answers are on paper\n", encoding="utf-8")
    (submissions / "erin" / "notes.txt").write_text("hello\n", encoding="utf-8")


EXPECTED = {  # (student, exercise) -> (points, a phrase the message must hold)
    ("alice", "1.1"): (2, "✓ Exercise 1.1"),
    ("alice", "1.2"): (2, "✓ Exercise 1.2"),
    ("alice", "3.1"): (2, "✓ Exercise 3.1"),
    ("alice", "3.2"): (2, "✓ Exercise 3.2"),
    ("bob", "1.1"): (0, "column by column"),
    ("bob", "1.2"): (2, "✓ Exercise 1.2"),
    ("bob", "3.1"): (0, "had been edited"),
    ("bob", "3.2"): (2, "✓ Exercise 3.2"),
    ("carol", "1.1"): (2, "✓ Exercise 1.1"),
    ("carol", "1.2"): (0, "had been deleted"),
    ("carol", "3.1"): (2, "✓ Exercise 3.1"),
    ("carol", "3.2"): (0, "ran longer than 3 s (timeout)"),
    ("dave", "1.1"): (0, "No module named 'no_such_module'"),
    ("dave", "1.2"): (2, "✓ Exercise 1.2"),
    ("dave", "3.1"): (2, "✓ Exercise 3.1"),
    ("dave", "3.2"): (2, "✓ Exercise 3.2"),
    ("erin", "1.1"): (0, "is empty"),
    ("erin", "1.2"): (0, "is empty"),
    ("erin", "3.1"): (0, "not valid JSON"),
    ("erin", "3.2"): (0, "not valid JSON"),
    ("frank", "1.1"): (2, "✓ Exercise 1.1"),
    ("frank", "1.2"): (0, "ran longer than 3 s (timeout)"),
}


# docs/INSTRUCTORS.md's command, run from a copy of the repository (tests/repo_copy.py).
MAKE_GRADE = "make grade SUBMISSIONS=submissions TIMEOUT=3 JOBS=2"


@pytest.fixture(scope="module")
def graded_class(tmp_path_factory):
    assert f"TIMEOUT={TIMEOUT}" in MAKE_GRADE.split()
    root = copy_repository(tmp_path_factory.mktemp("course") / "repo")
    submissions = root / "submissions"
    submissions.mkdir()
    simulated_class(submissions)
    result = repo_copy.run(MAKE_GRADE, root)
    assert result.returncode == 0, result.stdout + result.stderr
    with open(submissions / "grades.csv", newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    return submissions, rows


@pytest.mark.slow
def test_grades_csv_has_one_row_per_student_and_exercise_and_no_totals(graded_class):
    _, rows = graded_class
    assert rows[0] == ["student", "exercise", "points", "max_points", "message"]
    keys = [(student, exercise) for student, exercise, *_ in rows[1:]]
    assert keys == list(EXPECTED), "one row per student and exercise, in course order"
    assert all(row[3] == "2" for row in rows[1:])


@pytest.mark.slow
@pytest.mark.parametrize("key", list(EXPECTED), ids=["-".join(key) for key in EXPECTED])
def test_every_grade_is_right_and_the_message_says_why(graded_class, key):
    _, rows = graded_class
    (row,) = [row for row in rows[1:] if (row[0], row[1]) == key]
    points, phrase = EXPECTED[key]
    assert int(row[2]) == points, row
    assert phrase in row[4], row


@pytest.mark.slow
def test_failing_checks_name_the_exercise_and_the_jupyterlab_cell(graded_class):
    _, rows = graded_class
    (bob,) = [row for row in rows if row[:2] == ["bob", "1.1"]]
    index = check_cell(solution(NOTEBOOK_01), "1.1")
    assert f"Exercise 1.1's check (cell {index + 1} in JupyterLab) fails: ExerciseError:" in bob[4]


@pytest.mark.slow
def test_the_checkers_message_is_quoted_verbatim(graded_class):
    submissions, rows = graded_class
    alice = [row[4] for row in rows if row[0] == "alice"]
    stored = [
        "".join(out.text for out in solution(name).cells[ex.check].outputs).strip()
        for name in (NOTEBOOK_01, NOTEBOOK_03)
        for ex in exercises(solution(name))
    ]
    assert alice == stored
    text = (submissions / "alice" / "feedback.md").read_text(encoding="utf-8")
    assert all(f"  > {message}" in text for message in stored), text


@pytest.mark.slow
def test_a_put_back_check_cell_is_said_on_a_line_of_its_own(graded_class):
    submissions, rows = graded_class
    notes = {
        ("bob", "3.1"): "Exercise 3.1's check had been edited; it ran as the course wrote it.",
        ("carol", "1.2"): "Exercise 1.2's check had been deleted; it was put back and run.",
    }
    for (student, number), note in notes.items():
        (message,) = [row[4] for row in rows if row[:2] == [student, number]]
        *checker, last = message.splitlines()
        assert last == note, message
        assert checker and "fails: ExerciseError:" in checker[0], message
        feedback = (submissions / student / "feedback.md").read_text(encoding="utf-8")
        assert f"  > {note}" in feedback
    carol = [row[4] for row in rows if row[:2] == ["carol", "1.2"]][0]
    assert not carol.splitlines()[0].endswith("."), "a checker's text without a full stop"


@pytest.mark.slow
def test_feedback_gives_points_and_lists_what_was_not_graded(graded_class):
    submissions, _ = graded_class
    bob = (submissions / "bob" / "feedback.md").read_text(encoding="utf-8")
    assert "4 of 8 points" in bob and "## 01_reshaping_parameters.ipynb" in bob
    assert "✗ Exercise 1.1: 0 of 2" in bob and "column by column" in bob
    erin = (submissions / "erin" / "feedback.md").read_text(encoding="utf-8")
    assert "0 of 8 points" in erin and "notes.txt" in erin
    for text in (bob, erin):  # Markdown: every heading after a blank line
        lines = text.splitlines()
        assert all(lines[i - 1] == "" for i, line in enumerate(lines) if line.startswith("#") and i)


def test_feedback_of_two_notebooks_puts_a_blank_line_before_each_heading():
    results = [
        ExerciseResult("01_a.ipynb", "1.1", 2, 2, "✓ right"),
        ExerciseResult("02_b.ipynb", "2.1", 0, 3, "wrong"),
    ]
    lines = grade.feedback("ada", results, []).splitlines()
    headings = [i for i, line in enumerate(lines) if line.startswith("## ")]
    assert len(headings) == 2 and all(lines[i - 1] == "" for i in headings), lines


# --------------------------------------------------------------------------------------------
# Fast tests: reading submissions and putting check cells back
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, phrase",
    [
        (b"", "is empty"),
        (b"\n  \n", "is empty"),
        (b"print('hi')", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "no list of cells"),
        (json.dumps({"cells": "x", "nbformat": 4}).encode(), "not a valid notebook"),
    ],
    ids=["empty", "blank", "python", "binary", "list", "broken"],
)
def test_an_unreadable_submission_is_named_with_the_reason(tmp_path, content, phrase):
    path = tmp_path / NOTEBOOK_01
    path.write_bytes(content)
    notebook, why = read_submission(path)
    assert notebook is None and phrase in why and NOTEBOOK_01 in why


def test_restored_checks_are_the_solutions_and_stored_outputs_are_dropped():
    notebook = filled(NOTEBOOK_01)
    exercise_1, exercise_2 = exercises(solution(NOTEBOOK_01))
    notebook.cells[check_cell(notebook, "1.1")].source = "pass"
    del notebook.cells[check_cell(notebook, "1.2")]
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", text="forged\n")]
    graded, checks = restore_checks(notebook, solution(NOTEBOOK_01), NOTEBOOK_01)
    assert checks["1.1"][1] == "edited" and checks["1.2"][1] == "deleted"
    for exercise in (exercise_1, exercise_2):
        index = checks[exercise.number][0]
        assert graded.cells[index].source == solution(NOTEBOOK_01).cells[exercise.check].source
        assert graded.cells[index - 1].get("id") == exercise.answer_id
    assert not any(cell.get("outputs") for cell in graded.cells)
    assert len(graded.cells) == len(solution(NOTEBOOK_01).cells)


def test_grade_refuses_a_missing_folder_with_its_name(tmp_path, capsys):
    assert grade.main([str(tmp_path / "nowhere")]) == 2
    assert re.search(r"SUBMISSIONS=\S*nowhere is not a folder", capsys.readouterr().err)
