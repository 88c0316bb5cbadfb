"""Write nbgrader's cell metadata into the solution notebooks, generated from the points.

The points live in one place, the ``"points"`` key of each answer cell's metadata. This tool
derives nbgrader's metadata from them, so that ``nbgrader generate_assignment`` accepts the
notebooks as they are:

- each answer cell (tagged ``exercise``) becomes an "Autograded answer", grade id ``exercise-3-2``;
- each check cell (tagged ``exercise-check``) becomes locked "Autograder tests" worth the
  exercise's points, grade id ``exercise-3-2-check``;
- the setup cell (the first code cell, which imports the checkers) becomes "Read-only", so the
  autograder always runs the course's own imports.

Run it again after adding a notebook or changing points (tests/test_grading_metadata.py fails
until then)::

    python tools/nbgrader_metadata.py            # rewrite notebooks/solutions/NN_*.ipynb
    python tools/nbgrader_metadata.py --check    # exit 1 and name each stale cell
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat

from tools.exercise_cells import declared_points, exercises

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS_DIR = REPO / "notebooks" / "solutions"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
SCHEMA_VERSION = 3
SETUP_GRADE_ID = "setup"


def _cell_metadata(grade_id: str, *, solution: bool, grade: bool, locked: bool) -> dict:
    return {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": SCHEMA_VERSION,
        "solution": solution,
        "task": False,
    }


def nbgrader_cells(notebook: nbformat.NotebookNode, name: str) -> dict[int, dict]:
    """Return the nbgrader metadata each cell should carry, by cell index.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A solution notebook.
    name : str
        Its file name, for error messages.

    Returns
    -------
    dict
        Cell index -> the value of ``metadata["nbgrader"]``; cells not listed carry none.

    Raises
    ------
    tools.exercise_cells.ExerciseCellError
        When an answer cell declares no points or has no check cell.
    """
    wanted = {}
    code = [index for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    if code:
        wanted[code[0]] = _cell_metadata(SETUP_GRADE_ID, solution=False, grade=False, locked=True)
    for exercise in exercises(notebook, name):
        where = f"{name}, cell {exercise.answer + 1}"
        points = declared_points(notebook.cells[exercise.answer], where)
        wanted[exercise.answer] = _cell_metadata(
            exercise.grade_id, solution=True, grade=False, locked=False
        )
        wanted[exercise.check] = {
            **_cell_metadata(exercise.check_grade_id, solution=False, grade=True, locked=True),
            "points": points,
        }
    return wanted


def stale_cells(notebook: nbformat.NotebookNode, name: str) -> list[str]:
    """Name each cell whose nbgrader metadata differs from the generated one."""
    wanted = nbgrader_cells(notebook, name)
    problems = []
    for index, cell in enumerate(notebook.cells):
        if cell.metadata.get("nbgrader") != wanted.get(index):
            problems.append(f"{name}, cell {index + 1} (id {cell.get('id')}): nbgrader metadata")
    return problems


def apply(notebook: nbformat.NotebookNode, name: str) -> bool:
    """Write the generated metadata into the notebook; return whether anything changed."""
    wanted = nbgrader_cells(notebook, name)
    changed = False
    for index, cell in enumerate(notebook.cells):
        if cell.metadata.get("nbgrader") == wanted.get(index):
            continue
        changed = True
        if index in wanted:
            cell.metadata["nbgrader"] = wanted[index]
        else:
            cell.metadata.pop("nbgrader", None)
    return changed


def main(argv: list[str] | None = None) -> int:
    """Rewrite or check the nbgrader metadata of the solution notebooks; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale metadata")
    parser.add_argument("--solutions-dir", type=Path, default=SOLUTIONS_DIR)
    args = parser.parse_args(argv)
    problems = []
    for path in sorted(args.solutions_dir.glob(NOTEBOOK_GLOB)):
        notebook = nbformat.read(path, as_version=4)
        if args.check:
            problems += stale_cells(notebook, path.name)
        elif apply(notebook, path.name):
            nbformat.write(notebook, path, version=4)
            print(f"wrote {path}")
    for problem in problems:
        print(problem)
    if problems:
        print("Regenerate with `python tools/nbgrader_metadata.py`, then `make learner`.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
