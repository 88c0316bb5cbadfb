"""Every exercise of the course has its progressive hints, collapsed, right above its cell."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from gradcheck_lib.exercises import HINTS, hints_markdown

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "notebooks" / "solutions").glob("0[0-6]_*.ipynb"))
BEGIN = re.compile(r"### BEGIN SOLUTION Exercise (\d+\.\d+):")


def exercises(path: Path):
    """(exercise number, the cell just above the exercise cell) for every exercise of a notebook."""
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "code" and "exercise" in cell.metadata.get("tags", []):
            for number in BEGIN.findall(cell.source):
                yield number, notebook.cells[index - 1]


@pytest.mark.parametrize("path", SOLUTIONS, ids=[path.stem for path in SOLUTIONS])
def test_each_exercise_has_its_hints_right_above_it(path):
    for number, above in exercises(path):
        assert number in HINTS, f"{path.name}: Exercise {number} has no entry in HINTS"
        assert above.cell_type == "markdown", f"{path.name}: no hint cell above Exercise {number}"
        assert above.source == hints_markdown(number), (
            f"{path.name}: the cell above Exercise {number} is not its hints "
            "(regenerate it from gradcheck_lib.exercises.hints_markdown)"
        )


def test_every_exercise_with_hints_exists_in_a_notebook():
    """No stale hints: each HINTS entry belongs to an exercise of notebooks 00-06."""
    numbers = {number for path in SOLUTIONS for number, _ in exercises(path)}
    assert numbers == set(HINTS)


@pytest.mark.parametrize("path", SOLUTIONS, ids=[path.stem for path in SOLUTIONS])
def test_learner_copies_keep_the_hints(path):
    learner = REPO / "notebooks" / path.name
    if not learner.exists():
        pytest.skip("no learner copy")
    text = learner.read_text(encoding="utf-8")
    for number, _ in exercises(path):
        assert f"Stuck on Exercise {number}?" in text, (
            f"{learner.name} lost Exercise {number}'s hints"
        )
