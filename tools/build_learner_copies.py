"""Build the learner copies notebooks/NN_*.ipynb from the solutions in notebooks/solutions/.

Conventions (docs/INSTRUCTORS.md explains them for instructors):

- Solution code sits between nbgrader's markers. The BEGIN line also says what to do::

      ### BEGIN SOLUTION Exercise 1.1: flatten the parameters into one vector
      theta = ...
      ### END SOLUTION

  The learner copy replaces the whole block, at the same indentation, by::

      # YOUR CODE HERE
      raise NotImplementedError("Exercise 1.1: flatten the parameters into one vector")

- Cells holding a block are tagged ``exercise``; the cells that call a checker of
  ``gradcheck_lib.exercises`` on the learner's answer are tagged ``exercise-check``. The tags are
  the source of truth (a cell holding a marker counts as an exercise even untagged; the guard tests
  catch a missing tag). The learner copy clears the outputs and execution counts of both, drops
  widget outputs and the stored widget state, and keeps every other output.

- The capstone (notebook 08) is the exception: its exercise cell, tagged ``capstone`` as well,
  keeps its markers and holds the solution with the bugs of one seed planted in it
  (:func:`capstone_exception`), and the cell tagged ``capstone-seed`` says which seed.

Usage::

    python tools/build_learner_copies.py            # write notebooks/NN_*.ipynb
    python tools/build_learner_copies.py --check    # exit 1 if a committed copy is stale
    python tools/build_learner_copies.py --capstone-student "Ada Lovelace" --output-dir out/ada

- Each answer cell declares its points as the integer ``"points"`` key of its metadata; the build
  refuses an exercise without them (``make grade`` and nbgrader's metadata read the same key).

Outside the project's virtual environment (no nbformat), the script re-runs itself with
``.venv/bin/python`` when that exists.
"""

from __future__ import annotations

import argparse
import copy
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _run_in_the_project_venv() -> None:
    """Re-run this script with .venv/bin/python when the current Python lacks nbformat."""
    venv_python = REPO / ".venv" / "bin" / "python"
    if venv_python.exists() and Path(sys.executable).absolute() != venv_python.absolute():
        os.execv(venv_python, [str(venv_python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit("nbformat is missing: run `make learner`, which sets up .venv first")


try:
    import nbformat
except ModuleNotFoundError:  # pragma: no cover - exercised by a subprocess test
    if __name__ != "__main__":
        raise
    _run_in_the_project_venv()

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(REPO))

from gradcheck_lib import capstone  # noqa: E402
from tools import capstone_key  # noqa: E402
from tools.exercise_cells import declared_points, is_answer_cell  # noqa: E402

SOLUTIONS_DIR = REPO / "notebooks" / "solutions"
LEARNER_DIR = REPO / "notebooks"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"

BEGIN_MARKER = "### BEGIN SOLUTION"
END_MARKER = "### END SOLUTION"
STUB_COMMENT = "# YOUR CODE HERE"
EXERCISE_TAG = "exercise"
CHECK_TAG = "exercise-check"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
LINE_LENGTH = 100

_BEGIN = re.compile(r"^(?P<indent>[ \t]*)### BEGIN SOLUTION(?P<task>.*)$")
_END = re.compile(r"^[ \t]*### END SOLUTION[ \t]*$")
_TASK = re.compile(r"^Exercise (?P<number>\d+\.\d+): \S.*$")


class MarkerError(ValueError):
    """A solution marker is malformed: unpaired, nested, or without its exercise text."""


@dataclass(frozen=True)
class SolutionBlock:
    """One ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` block of a cell.

    Attributes
    ----------
    number : str
        The exercise number, e.g. ``"1.1"``.
    task : str
        The marker's text, e.g. ``"Exercise 1.1: flatten the parameters into one vector"``.
    indent : str
        The indentation of the BEGIN marker, which the stub keeps.
    start, stop : int
        Line indices of the BEGIN and END markers in the cell source.
    body : str
        The solution code between the markers, with the marker's indentation removed.
    """

    number: str
    task: str
    indent: str
    start: int
    stop: int
    body: str


def solution_blocks(source: str, where: str = "cell") -> list[SolutionBlock]:
    """Find the solution blocks of one cell's source.

    Parameters
    ----------
    source : str
        The code of one cell.
    where : str
        Names the cell in error messages, e.g. ``"01_reshaping.ipynb, cell 7"``.

    Returns
    -------
    list of SolutionBlock
        In source order; empty when the cell has no marker.

    Raises
    ------
    MarkerError
        On an END without BEGIN, a BEGIN without END, nested blocks, or a BEGIN line whose text
        is not ``Exercise N.M: <what to do>``.
    """
    lines = source.splitlines()
    blocks = []
    open_at = None
    for index, line in enumerate(lines):
        begin, end = _BEGIN.match(line), _END.match(line)
        if begin:
            if open_at is not None:
                raise MarkerError(f"{where}, line {index + 1}: nested {BEGIN_MARKER}")
            task = begin["task"].strip()
            if not _TASK.match(task):
                raise MarkerError(
                    f"{where}, line {index + 1}: write what to do after the marker, as in "
                    f"'{BEGIN_MARKER} Exercise 1.1: flatten the parameters into one vector'"
                )
            open_at, indent = index, begin["indent"]
        elif end:
            if open_at is None:
                raise MarkerError(f"{where}, line {index + 1}: {END_MARKER} without a BEGIN")
            body = "\n".join(_dedent(text, indent) for text in lines[open_at + 1 : index])
            number = _TASK.match(task)["number"]
            blocks.append(SolutionBlock(number, task, indent, open_at, index, body))
            open_at = None
        elif BEGIN_MARKER in line or END_MARKER in line:
            raise MarkerError(f"{where}, line {index + 1}: a marker must stand on its own line")
    if open_at is not None:
        raise MarkerError(f"{where}, line {open_at + 1}: {BEGIN_MARKER} without an END")
    return blocks


def _dedent(line: str, indent: str) -> str:
    return line[len(indent) :] if line.startswith(indent) else line.lstrip(" \t")


def stub_lines(indent: str, task: str) -> list[str]:
    """Return the stub that replaces a block, wrapped as ``ruff format`` would wrap it.

    Parameters
    ----------
    indent : str
        Indentation of the replaced block.
    task : str
        The exercise text, e.g. ``"Exercise 1.1: flatten the parameters into one vector"``.

    Returns
    -------
    list of str
        ``# YOUR CODE HERE`` and the ``raise NotImplementedError(...)`` statement.
    """
    literal = '"' + task.replace("\\", "\\\\").replace('"', '\\"') + '"'
    one_line = f"{indent}raise NotImplementedError({literal})"
    if len(one_line) <= LINE_LENGTH:
        return [indent + STUB_COMMENT, one_line]
    return [
        indent + STUB_COMMENT,
        f"{indent}raise NotImplementedError(",
        f"{indent}    {literal}",
        f"{indent})",
    ]


def stub_source(source: str, where: str = "cell") -> str:
    """Replace every solution block of a cell's source by its stub.

    Parameters
    ----------
    source : str
        The code of one solution cell.
    where : str
        Names the cell in error messages.

    Returns
    -------
    str
        The learner's version of the cell; unchanged when it has no marker.
    """
    blocks = solution_blocks(source, where)
    if not blocks:
        return source
    lines = source.splitlines()
    for block in reversed(blocks):
        lines[block.start : block.stop + 1] = stub_lines(block.indent, block.task)
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def is_exercise_cell(cell: nbformat.NotebookNode) -> bool:
    """Tell whether a cell is an exercise: tagged ``exercise`` or holding a marker."""
    tags = cell.get("metadata", {}).get("tags", [])
    return cell.cell_type == "code" and (EXERCISE_TAG in tags or BEGIN_MARKER in cell.source)


def is_check_cell(cell: nbformat.NotebookNode) -> bool:
    """Tell whether a cell checks an exercise: tagged ``exercise-check``."""
    return cell.cell_type == "code" and CHECK_TAG in cell.get("metadata", {}).get("tags", [])


def learner_notebook(
    solution: nbformat.NotebookNode, name: str, capstone_seed: int = capstone.DEFAULT_SEED
) -> nbformat.NotebookNode:
    """Turn a solution notebook into its learner copy (the input is left unchanged).

    Parameters
    ----------
    solution : nbformat.NotebookNode
        An executed solution notebook.
    name : str
        The notebook's file name, for error messages.
    capstone_seed : int
        The seed whose bugs the capstone's learner copy holds (see :func:`capstone_exception`).

    Returns
    -------
    nbformat.NotebookNode
        The learner copy.
    """
    check_points(solution, name)
    notebook = copy.deepcopy(solution)
    notebook.metadata.pop("widgets", None)
    for index, cell in enumerate(notebook.cells):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        clear = is_exercise_cell(cell) or is_check_cell(cell)
        cell.source = stub_source(cell.source, f"{name}, cell {index}")
        if clear:
            cell.outputs = []
            cell.execution_count = None
        else:
            cell.outputs = [out for out in cell.outputs if not _is_widget_view(out)]
    return capstone_exception(notebook, solution, name, capstone_seed)


def check_points(solution: nbformat.NotebookNode, name: str) -> None:
    """Refuse a solution notebook whose answer cells do not each declare their points.

    Raises
    ------
    tools.exercise_cells.ExerciseCellError
        Naming the cell, when ``metadata["points"]`` is missing or not a positive integer.
    """
    for index, cell in enumerate(solution.cells):
        if is_answer_cell(cell):
            declared_points(cell, f"{name}, cell {index + 1}")


def _is_widget_view(output: nbformat.NotebookNode) -> bool:
    # Without the stored widget state a widget output shows "model not found"; drop it.
    return WIDGET_VIEW_MIME in output.get("data", {})


def build(solution_path: Path, capstone_seed: int = capstone.DEFAULT_SEED) -> str:
    """Return the text of the learner copy of one solution notebook (same bytes on every run).

    Parameters
    ----------
    solution_path : pathlib.Path
        A notebook in notebooks/solutions/.
    capstone_seed : int
        The seed of the capstone's bugs.

    Returns
    -------
    str
        The learner copy as nbformat v4 JSON, ending with a newline.
    """
    solution = nbformat.read(solution_path, as_version=4)
    learner = learner_notebook(solution, solution_path.name, capstone_seed)
    return nbformat.writes(learner, version=4) + "\n"


# ------------------------------------------------------------------------ the capstone exception

CAPSTONE_TAG = "capstone"
CAPSTONE_SEED_TAG = "capstone-seed"
_SEED_ASSIGNMENT = re.compile(r"^(?P<name>CAPSTONE_SEED\s*=\s*)\d+", re.M)


def is_capstone_cell(cell: nbformat.NotebookNode) -> bool:
    """Tell whether a cell is the capstone's answer cell: tagged ``exercise`` and ``capstone``."""
    tags = cell.get("metadata", {}).get("tags", [])
    return is_exercise_cell(cell) and CAPSTONE_TAG in tags


def capstone_source(source: str, seed: int, where: str = "cell") -> str:
    """The capstone cell of the learner copy: each block's solution with the seed's bugs planted.

    The markers stay, so the learner (and a grader) can see which code is theirs to fix.
    """
    lines = source.splitlines()
    bugs = capstone_key.planted_bugs(seed)
    for block in reversed(solution_blocks(source, where)):
        buggy = capstone_key.plant_bugs(block.body, bugs).split("\n")
        indented = [block.indent + line if line.strip() else line for line in buggy]
        lines[block.start + 1 : block.stop] = indented
    return "\n".join(lines) + ("\n" if source.endswith("\n") else "")


def capstone_exception(
    learner: nbformat.NotebookNode, solution: nbformat.NotebookNode, name: str, seed: int
) -> nbformat.NotebookNode:
    """Apply the capstone's exception to a learner copy built by the rules above.

    In a notebook with a cell tagged ``capstone``: that cell holds the seed's buggy code instead
    of a stub; every code cell after it runs the learner's code, so its stored (solution)
    outputs are cleared; and the cell tagged ``capstone-seed`` assigns ``CAPSTONE_SEED = seed``,
    which the checker reads. Other notebooks come back unchanged.
    """
    cells = [(mine, theirs) for mine, theirs in zip(learner.cells, solution.cells, strict=True)]
    answers = [index for index, (_, cell) in enumerate(cells) if is_capstone_cell(cell)]
    if not answers:
        return learner
    for index, (cell, original) in enumerate(cells):
        if cell.cell_type != "code":
            continue
        if index in answers:
            cell.source = capstone_source(original.source, seed, f"{name}, cell {index}")
        if CAPSTONE_SEED_TAG in cell.metadata.get("tags", []):
            if not _SEED_ASSIGNMENT.search(cell.source):
                raise MarkerError(f"{name}, cell {index}: write the seed as CAPSTONE_SEED = 0")
            cell.source = _SEED_ASSIGNMENT.sub(rf"\g<name>{seed}", cell.source)
        if index >= answers[0]:
            cell.outputs = []
            cell.execution_count = None
    return learner


def solution_notebooks(solutions_dir: Path = SOLUTIONS_DIR) -> list[Path]:
    """Return the solution notebooks ``NN_*.ipynb`` in course order."""
    return sorted(solutions_dir.glob(NOTEBOOK_GLOB))


def stale_copies(solutions_dir: Path = SOLUTIONS_DIR, learner_dir: Path = LEARNER_DIR) -> list[str]:
    """List the learner copies that differ from a fresh build, are missing, or have no solution.

    Returns
    -------
    list of str
        One plain sentence per problem; empty when every copy is fresh.
    """
    problems = []
    solutions = solution_notebooks(solutions_dir)
    for path in solutions:
        target = learner_dir / path.name
        if not target.exists():
            problems.append(f"{_shown(target)} is missing")
        elif target.read_text(encoding="utf-8") != build(path):
            problems.append(f"{_shown(target)} differs from a fresh build of {_shown(path)}")
    names = {path.name for path in solutions}
    for target in sorted(learner_dir.glob(NOTEBOOK_GLOB)):
        if target.name not in names:
            problems.append(f"{_shown(target)} has no solution notebook in {_shown(solutions_dir)}")
    return problems


def _shown(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(path)


def main(argv: list[str] | None = None) -> int:
    """Build or check the learner copies; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale copies")
    parser.add_argument("--solutions-dir", type=Path, default=SOLUTIONS_DIR)
    parser.add_argument("--output-dir", type=Path, default=LEARNER_DIR)
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument(
        "--capstone-seed",
        type=int,
        default=capstone.DEFAULT_SEED,
        metavar="N",
        help="plant the capstone bugs of seed N (a non-negative integer; default 0)",
    )
    seeds.add_argument(
        "--capstone-student",
        metavar="ID",
        help="plant the capstone bugs of this student (the seed is derived from the id)",
    )
    args = parser.parse_args(argv)
    seed = args.capstone_seed
    if args.capstone_student is not None:
        seed = capstone.seed_for_student(args.capstone_student)
    if seed < 0:
        parser.error(f"--capstone-seed must be a non-negative integer, got {seed}")
    if args.check:
        problems = stale_copies(args.solutions_dir, args.output_dir)
        for problem in problems:
            print(problem)
        if problems:
            print("Rebuild with `make learner` and commit the result.")
        return 1 if problems else 0
    solutions = solution_notebooks(args.solutions_dir)
    if not solutions:
        print(f"no {NOTEBOOK_GLOB} in {args.solutions_dir}", file=sys.stderr)
        return 1
    args.output_dir.mkdir(parents=True, exist_ok=True)
    for path in solutions:
        target = args.output_dir / path.name
        target.write_text(build(path, seed), encoding="utf-8")
        print(f"wrote {target}")
    if seed != capstone.DEFAULT_SEED:
        print(f"capstone seed {seed}: the checker reads it from the notebook's CAPSTONE_SEED cell")
    return 0


if __name__ == "__main__":
    sys.exit(main())
