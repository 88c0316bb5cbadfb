"""Find a notebook's exercises: each answer cell, its check cell, its points and where they sit.

The conventions (docs/INSTRUCTORS.md): an answer cell is tagged ``exercise`` and declares its
points once, as the integer ``"points"`` key of its metadata; its check cell is the first cell
tagged ``exercise-check`` after it. The exercise number comes from nbgrader's grade id
(``exercise-3-2``), from the solution marker (``### BEGIN SOLUTION Exercise 3.2: ...``) or from
the learner stub (``raise NotImplementedError("Exercise 3.2: ...")``), in that order, so it is
found in a solution, in a learner copy, and in a copy the learner has filled in.

Cells are numbered as JupyterLab counts them: every cell, markdown included, from 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nbformat

EXERCISE_TAG = "exercise"
CHECK_TAG = "exercise-check"
POINTS_KEY = "points"
ANSWER_GRADE_ID = "exercise-{}"
CHECK_GRADE_ID = "exercise-{}-check"

_GRADE_ID = re.compile(r"^exercise-(?P<major>\d+)-(?P<minor>\d+)(?:-check)?$")
_TASK = re.compile(r"Exercise (?P<number>\d+\.\d+): (?P<text>[^\"\n]*)")


class ExerciseCellError(ValueError):
    """An exercise cell lacks its points, its number or its check cell."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook.

    Attributes
    ----------
    number : str
        ``"3.2"``.
    task : str
        The marker's or stub's text, ``"Exercise 3.2: ..."``; empty when neither is left.
    points : int
        From the answer cell's metadata (0 in a copy whose metadata the learner removed).
    answer : int
        Index of the answer cell among all cells (0-based).
    check : int
        Index of its check cell among all cells (0-based).
    answer_id, check_id : str
        The cells' nbformat ids.
    """

    number: str
    task: str
    points: int
    answer: int
    check: int
    answer_id: str
    check_id: str

    @property
    def label(self) -> str:
        """``"Exercise 3.2"``."""
        return f"Exercise {self.number}"

    @property
    def check_label(self) -> str:
        """``"Exercise 3.2's check"``."""
        return f"{self.label}'s check"

    @property
    def grade_id(self) -> str:
        """nbgrader's id of the answer cell, ``"exercise-3-2"`` (nbgrader allows no dots)."""
        return ANSWER_GRADE_ID.format(self.number.replace(".", "-"))

    @property
    def check_grade_id(self) -> str:
        """nbgrader's id of the check cell, ``"exercise-3-2-check"``."""
        return CHECK_GRADE_ID.format(self.number.replace(".", "-"))


def tags(cell: nbformat.NotebookNode) -> list[str]:
    """The cell's tags (an empty list when it has none)."""
    return list(cell.get("metadata", {}).get("tags", []))


def is_answer_cell(cell: nbformat.NotebookNode) -> bool:
    """Tell whether a cell is an exercise's answer cell (tagged ``exercise``)."""
    return cell.get("cell_type") == "code" and EXERCISE_TAG in tags(cell)


def is_check_cell(cell: nbformat.NotebookNode) -> bool:
    """Tell whether a cell checks an exercise (tagged ``exercise-check``)."""
    return cell.get("cell_type") == "code" and CHECK_TAG in tags(cell)


def exercise_number(cell: nbformat.NotebookNode) -> str | None:
    """The exercise number of an answer or check cell, ``"3.2"``, or None if it shows none."""
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
    match = _GRADE_ID.match(grade_id)
    if match:
        return f"{match['major']}.{match['minor']}"
    match = _TASK.search(cell.get("source", ""))
    return match["number"] if match else None


def exercises(notebook: nbformat.NotebookNode, name: str = "notebook") -> list[Exercise]:
    """List a notebook's exercises in cell order.

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A solution notebook, a learner copy or a submission.
    name : str
        The notebook's name, for error messages.

    Returns
    -------
    list of Exercise

    Raises
    ------
    ExerciseCellError
        When an answer cell has no exercise number or no check cell after it.
    """
    cells = notebook.cells
    found = []
    for index, cell in enumerate(cells):
        if not is_answer_cell(cell):
            continue
        number = exercise_number(cell)
        if number is None:
            raise ExerciseCellError(
                f"{name}, cell {index + 1}: an 'exercise' cell should start its solution with "
                "'### BEGIN SOLUTION Exercise N.M: <what to do>'"
            )
        check = next(
            (later for later in range(index + 1, len(cells)) if is_check_cell(cells[later])),
            None,
        )
        if check is None or any(is_answer_cell(cells[k]) for k in range(index + 1, check)):
            raise ExerciseCellError(
                f"{name}, cell {index + 1}: Exercise {number} has no 'exercise-check' cell "
                "before the next exercise"
            )
        task = _TASK.search(cell.source)
        points = cell.metadata.get(POINTS_KEY, 0)
        found.append(
            Exercise(
                number=number,
                task=task.group(0).rstrip() if task else "",
                points=points if isinstance(points, int) and not isinstance(points, bool) else 0,
                answer=index,
                check=check,
                answer_id=cell.get("id", ""),
                check_id=cells[check].get("id", ""),
            )
        )
    return found


def declared_points(cell: nbformat.NotebookNode, where: str) -> int:
    """Return the points an answer cell declares, or say what is wrong with them.

    Raises
    ------
    ExerciseCellError
        When ``metadata["points"]`` is missing, not an integer, or not positive.
    """
    points = cell.get("metadata", {}).get(POINTS_KEY)
    if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
        raise ExerciseCellError(
            f"{where}: an 'exercise' cell declares its points as a positive integer in its "
            f'metadata, e.g. {{"tags": ["exercise"], "points": 2}}; found {points!r}'
        )
    return points


def code_cell_number(notebook: nbformat.NotebookNode, index: int) -> int:
    """nbval's number of the cell at ``index``: code cells counted from 0."""
    return sum(cell.cell_type == "code" for cell in notebook.cells[:index])


def cell_index_of_code_cell(notebook: nbformat.NotebookNode, code_number: int) -> int | None:
    """The index among all cells of nbval's ``Cell code_number``; None if there is no such cell."""
    seen = -1
    for index, cell in enumerate(notebook.cells):
        seen += cell.cell_type == "code"
        if cell.cell_type == "code" and seen == code_number:
            return index
    return None
