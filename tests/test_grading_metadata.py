"""Points live in one place: nbgrader's copy on each check cell agrees with the answer cell's."""

from pathlib import Path

import nbformat
import pytest

from tools import nbgrader_metadata
from tools.exercise_cells import ExerciseCellError, exercises

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
per_notebook = pytest.mark.parametrize("path", SOLUTIONS, ids=[path.name for path in SOLUTIONS])


@per_notebook
def test_nbgrader_metadata_is_generated_from_the_points(path):
    notebook = nbformat.read(path, as_version=4)
    problems = nbgrader_metadata.stale_cells(notebook, path.name)
    assert not problems, "\n".join(problems + ["run `python tools/nbgrader_metadata.py`"])
    for exercise in exercises(notebook, path.name):
        check = notebook.cells[exercise.check].metadata["nbgrader"]
        assert check["points"] == exercise.points > 0
        assert check["grade"] and check["locked"]
        assert notebook.cells[exercise.answer].metadata["nbgrader"]["solution"]


def test_a_changed_point_makes_the_metadata_stale_and_a_missing_one_is_refused():
    notebook = nbformat.read(SOLUTIONS[1], as_version=4)
    first = exercises(notebook)[0]
    notebook.cells[first.answer].metadata["points"] += 1
    assert nbgrader_metadata.stale_cells(notebook, "nb")
    assert nbgrader_metadata.apply(notebook, "nb") and not nbgrader_metadata.stale_cells(
        notebook, "nb"
    )
    del notebook.cells[first.answer].metadata["points"]
    with pytest.raises(ExerciseCellError, match="declares its points"):
        nbgrader_metadata.nbgrader_cells(notebook, "nb")
