"""Lay out an nbgrader course directory from the solution notebooks.

One assignment per notebook, named as the notebook (``01_reshaping_parameters``), as nbgrader
instructors expect: each notebook is released, collected and graded on its own.

::

    python tools/nbgrader_course.py COURSE [--notebooks 01_reshaping_parameters ...]

writes ``COURSE/source/<assignment>/<assignment>.ipynb`` and ``COURSE/nbgrader_config.py``.
Then, from COURSE (gradcheck_lib must be importable: the instructor's environment has it
installed, ``pip install -e .`` or ``make test``)::

    nbgrader generate_assignment 01_reshaping_parameters
    nbgrader autograde 01_reshaping_parameters
    nbgrader generate_feedback 01_reshaping_parameters
    nbgrader export

The source notebooks differ from the solutions in two ways, both taken from the learner copies
(tools/build_learner_copies.py decides them):

- outputs: each cell keeps the learner copy's outputs (the lesson's figures and numbers), and
  the cells whose output would reveal a solution come without it. nbgrader's ClearOutput is
  switched off in nbgrader_config.py, so the release keeps the lesson's outputs;
- the capstone (notebook 08): its answer cell holds the learner copy's buggy code between the
  markers, and the configured stub writer leaves cells tagged ``capstone`` as they are, so the
  release hands out the bugs to fix, as the learner copy does.

nbgrader_config.py replaces ClearSolutions by :class:`CourseStubs` (defined in the file itself,
so the course directory needs nothing from this repository): each solution block becomes the
course's own stub, ``# YOUR CODE HERE`` and ``raise NotImplementedError("Exercise N.M: ...")``,
with the text of the block's ``### BEGIN SOLUTION Exercise N.M: ...`` line.

It also makes ``nbgrader autograde`` grade a whole class, one bad submission costing only its
own points (tests/test_nbgrader.py autogrades such a class):

- a cell has 60 s (``--Execute.timeout=N`` to change it); then it is interrupted and fails with a
  ``CellTimeoutError`` saying so, and the next cells still run. A cell that ignores the interrupt
  gets the kernel restarted (:class:`CourseExecute`), instead of failing the whole submission;
- a check cell the student deleted is put back from the source and run
  (``OverwriteCells.add_missing_cells``, through :class:`CourseOverwriteCells`, which also copes
  with a deleted answer cell); an edited one is overwritten by nbgrader itself, since check cells
  are locked;
- a file that is no notebook (empty, not JSON) is named in the log, with the reason, before
  nbgrader fails on it: that student keeps 0 points and gets no feedback, and autograde goes on
  with the next student (and exits with status 1 at the end).
"""

from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import nbformat

from tools.build_learner_copies import (
    SOLUTIONS_DIR,
    is_capstone_cell,
    learner_notebook,
    solution_notebooks,
)

CONFIG = '''\
"""nbgrader configuration of the gradient-checking course (written by tools/nbgrader_course.py)."""

import json
import logging
import re
from pathlib import Path

from queue import Empty

from jupyter_core.utils import ensure_async
from nbgrader.converters import Autograde, GenerateAssignment
from nbgrader.preprocessors import ClearSolutions, Execute, OverwriteCells

c = get_config()  # noqa: F821

# The released copies keep the lesson's outputs; the source notebooks hold none that reveal a
# solution (tools/nbgrader_course.py cleared them).
c.ClearOutput.enabled = False

# Autograding a class: one bad submission costs its own points, never the rest.
# - A cell that runs longer than this is interrupted and fails; the next cells still run, so an
#   endless loop costs the exercise whose cells it stops, not the notebook or the class.
c.Execute.timeout = 60  # seconds, as `make grade` (its TIMEOUT); or autograde --Execute.timeout=N
c.Execute.interrupt_on_timeout = True
c.Execute.error_on_timeout = {
    "ename": "CellTimeoutError",
    "evalue": "this cell ran longer than the time limit per cell and was stopped",
    "traceback": [
        "CellTimeoutError: this cell ran longer than the time limit per cell and was stopped "
        "(an endless loop?); the cells after it still ran"
    ],
}
# - A check cell the student deleted is put back from the source and run (nbgrader says so at
#   the top of the cell); without this nbgrader leaves the exercise ungraded ("needs manual
#   grade"). An edited check cell is put back by nbgrader anyway: check cells are locked.
c.OverwriteCells.add_missing_cells = True


class CourseOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, which puts a deleted check cell back even when the student
    deleted its answer cell too: after the nearest earlier cell of the source that is there.

    nbgrader 0.9.6 puts it after the cell just before it in the source, and raises KeyError
    when that one is gone as well, which fails the whole submission.
    """

    def add_missing_grade_cells(self, nb, resources):
        source = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        names = [cell.name for cell in source.source_cells]
        grade_cells = {cell.name: cell for cell in source.grade_cells}
        solutions = {cell.name for cell in source.solution_cells}
        for position, name in enumerate(names):
            there = {
                cell.metadata.get("nbgrader", {}).get("grade_id"): index
                for index, cell in enumerate(nb.cells)
            }
            if name not in grade_cells or name in there:
                continue
            self.log.warning(f"Missing grade cell {name} encountered, adding to notebook")
            earlier = [there[before] for before in names[:position] if before in there]
            cell = self.missing_cell_transform(
                source.source_cells[position],
                grade_cells[name].max_score,
                is_solution=name in solutions,
            )
            nb.cells.insert(max(earlier) + 1 if earlier else 0, cell)
        return nb, resources


class CourseExecute(Execute):
    """nbgrader's Execute, which restarts the kernel when the timeout's interrupt is ignored.

    A loop that ignores SIGINT (or C code that never checks for it, such as a runaway regular
    expression) keeps the kernel busy after the interrupt; nbgrader would then fail the whole
    submission ("Timeout waiting for IOPub output"). Here the kernel is restarted and the next
    cells run in it, so the loop costs the exercises from there on, not the earlier ones.
    """

    interrupt_grace = 5  # seconds an interrupted cell has to stop before the kernel restarts

    async def _async_handle_timeout(self, timeout, cell=None):
        reply = await super()._async_handle_timeout(timeout, cell)
        try:  # the interrupted cell's own reply: the kernel stopped it
            await ensure_async(self.kc.shell_channel.get_msg(timeout=self.interrupt_grace))
        except Empty:
            self.log.error("The interrupt did not stop the cell; restarting the kernel")
            await ensure_async(self.km.restart_kernel(now=True))
            self.raise_on_iopub_timeout = False  # the old kernel's last output never comes
            why = (
                "this cell ran longer than the time limit per cell and ignored the interrupt; "
                "the kernel was restarted, so the cells after it ran without the earlier cells' "
                "imports and results"
            )
            content = {"status": "error", "ename": "CellTimeoutError"}
            content.update((reply or {}).get("content", {}))
            content.update(evalue=why, traceback=[f"CellTimeoutError: {why}"])
            reply = {"content": content}
        return reply


c.Autograde.sanitize_preprocessors = [
    CourseOverwriteCells if step is OverwriteCells else step
    for step in Autograde.class_traits()["sanitize_preprocessors"].default()
]
c.Autograde.autograde_preprocessors = [
    CourseExecute if step is Execute else step
    for step in Autograde.class_traits()["autograde_preprocessors"].default()
]


def _unreadable(path):
    """Why the file at `path` is no notebook, or "" when it reads as one."""
    data = Path(path).read_bytes()
    if not data.strip():
        return f"it is empty ({len(data)} bytes)"
    try:
        content = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        return f"it is not notebook JSON ({error})"
    if not isinstance(content, dict) or "cells" not in content:
        return "its JSON has no list of cells"
    return ""


def say_why_a_submission_is_no_notebook(assignment, student, notebooks):
    """Before autograding a submission, name each file that is no notebook, in plain words.

    nbgrader then fails on that file, logs its traceback, goes on with the next student and
    leaves this one at 0 points, with no autograded copy and no feedback.
    """
    log = logging.getLogger("AutogradeApp")
    for path in notebooks:
        why = _unreadable(path)
        if why:
            log.error("%s is not a notebook: %s; it gets 0 points and no feedback", path, why)


c.Autograde.pre_convert_hook = say_why_a_submission_is_no_notebook

_BEGIN = re.compile(r"^(?P<indent>[ \\t]*)### BEGIN SOLUTION (?P<task>Exercise \\d+\\.\\d+: .*\\S)")
_END = re.compile(r"^[ \\t]*### END SOLUTION")


class CourseStubs(ClearSolutions):
    """Replace each solution block by the course's stub, which names the exercise."""

    def _replace_solution_region(self, cell, language):
        if "capstone" in cell.metadata.get("tags", []):
            return True  # the capstone hands out its buggy code, markers and all
        if cell.cell_type != "code":
            return super()._replace_solution_region(cell, language)
        lines, inside, replaced = [], False, False
        for line in cell.source.split("\\n"):
            begin = _BEGIN.match(line)
            if begin:
                indent, task = begin["indent"], begin["task"].replace('"', '\\\\"')
                lines.append(indent + "# YOUR CODE HERE")
                lines.append(f'{indent}raise NotImplementedError("{task}")')
                inside = replaced = True
            elif _END.match(line):
                inside = False
            elif not inside:
                lines.append(line)
        cell.source = "\\n".join(lines)
        if inside or super()._replace_solution_region(cell, language):
            raise RuntimeError("a solution block without its 'Exercise N.M: ...' text or its END")
        return replaced


c.GenerateAssignment.preprocessors = [
    CourseStubs if step is ClearSolutions else step
    for step in GenerateAssignment.class_traits()["preprocessors"].default()
]
'''


def source_notebook(solution: nbformat.NotebookNode, name: str) -> nbformat.NotebookNode:
    """Return the nbgrader source of one solution notebook (the input is left unchanged).

    Parameters
    ----------
    solution : nbformat.NotebookNode
        An executed solution notebook with nbgrader metadata (tools/nbgrader_metadata.py).
    name : str
        Its file name, for error messages.

    Returns
    -------
    nbformat.NotebookNode
        The solution's cells and markers, with the learner copy's outputs; the capstone's
        answer cell holds the learner copy's buggy code.
    """
    learner = learner_notebook(solution, name)
    source = copy.deepcopy(solution)
    source.metadata.pop("widgets", None)
    for cell, theirs in zip(source.cells, learner.cells, strict=True):
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.outputs, cell.execution_count = theirs.outputs, theirs.execution_count
        if is_capstone_cell(cell):
            cell.source = theirs.source
    return source


def lay_out(course: Path, names: list[str] | None = None, solutions_dir: Path = SOLUTIONS_DIR):
    """Write ``course/source/<assignment>/<assignment>.ipynb`` and ``course/nbgrader_config.py``.

    Parameters
    ----------
    course : pathlib.Path
        The course directory (created if missing).
    names : list of str, optional
        Assignments (notebook names without ``.ipynb``); all of the course's by default.
    solutions_dir : pathlib.Path
        Where the solution notebooks are.

    Returns
    -------
    list of str
        The assignments written.
    """
    paths = {path.stem: path for path in solution_notebooks(solutions_dir)}
    chosen = list(paths) if not names else [name.removesuffix(".ipynb") for name in names]
    unknown = [name for name in chosen if name not in paths]
    if unknown:
        raise SystemExit(f"--notebooks: no solution notebook {unknown}; choose from {list(paths)}")
    for name in chosen:
        target = course / "source" / name / f"{name}.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        solution = nbformat.read(paths[name], as_version=4)
        nbformat.write(source_notebook(solution, paths[name].name), target)
    (course / "nbgrader_config.py").write_text(CONFIG, encoding="utf-8")
    return chosen


def main(argv: list[str] | None = None) -> int:
    """Lay out the course directory; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("course", type=Path, help="the course directory to write")
    parser.add_argument("--notebooks", nargs="*", help="assignments to lay out (default: all)")
    parser.add_argument("--solutions-dir", type=Path, default=SOLUTIONS_DIR)
    args = parser.parse_args(argv)
    for name in lay_out(args.course, args.notebooks, args.solutions_dir):
        print(f"wrote {args.course / 'source' / name / (name + '.ipynb')}")
    print(f"wrote {args.course / 'nbgrader_config.py'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
