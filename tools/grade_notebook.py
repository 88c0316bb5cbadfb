"""Grade one submitted notebook against the instructor's solution notebook: one result per exercise.

What the grade rests on is the instructor's, not the student's:

- the check cells (and the setup cell of imports) are put back from the solution notebook, matched
  by cell id or nbgrader grade id; a check cell the student deleted is inserted after its answer;
- every stored output of the submission is dropped and every cell re-executed, in a fresh kernel
  of the instructor's environment, in a temporary folder;
- each cell has a timeout; a cell that runs longer is interrupted, and the rest still runs, so an
  infinite loop costs the exercises it breaks, not the notebook.

A file that cannot be read as a notebook (empty, not JSON, not nbformat) gets one result per
exercise, 0 points, with a message that says why.
"""

from __future__ import annotations

import copy
import json
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import ensure_async
from nbclient import NotebookClient

from tools.execute_solutions import CURRENT_ENV_KERNEL, _CurrentEnvKernelSpecs
from tools.exercise_cells import Exercise, exercises

DEFAULT_TIMEOUT = 60
INTERRUPTED = "KeyboardInterrupt"
TIMED_OUT = "CellTimeout"


class _TimeoutRestartingClient(NotebookClient):
    """A client that, when a cell outlives its timeout, interrupts the kernel and, if the
    interrupt does not stop the cell within one more timeout, restarts the kernel.

    With ipykernel 7 the interrupt's SIGINT may never become a KeyboardInterrupt in a busy cell
    (``while True: pass`` ran on for more than 10 minutes): nbclient then waits forever, one
    interrupt per timeout. Here the cell gets an error output named ``CellTimeout`` and the run goes
    on with the next cell, in a fresh kernel.
    """

    _interrupted_cell: object = None

    async def _async_handle_timeout(self, timeout, cell=None):
        if cell is None or self._interrupted_cell is not cell:
            self._interrupted_cell = cell
            return await super()._async_handle_timeout(timeout, cell)
        self._interrupted_cell = None
        await ensure_async(self.km.restart_kernel(now=True))
        cell.outputs.append(
            nbformat.v4.new_output(
                "error", ename=TIMED_OUT, evalue=f"longer than {timeout} s", traceback=[]
            )
        )
        return {"content": {"status": "error", "ename": TIMED_OUT, "evalue": "", "traceback": []}}


@dataclass(frozen=True)
class ExerciseResult:
    """The grade of one exercise of one submission."""

    notebook: str
    number: str
    points: int
    max_points: int
    message: str


def read_submission(path: Path) -> tuple[nbformat.NotebookNode | None, str]:
    """Read a submitted file as a notebook.

    Returns
    -------
    tuple
        ``(notebook, "")``, or ``(None, why)`` with a plain sentence saying why it is no notebook.
    """
    data = path.read_bytes()
    if not data.strip():
        return None, f"{path.name} is empty ({len(data)} bytes): nothing to grade"
    try:
        text = data.decode("utf-8")
        content = json.loads(text)
    except UnicodeDecodeError:
        return None, f"{path.name} is not a notebook: it is not UTF-8 text"
    except json.JSONDecodeError as error:
        return None, (
            f"{path.name} is not a notebook: it is not valid JSON ({error.msg} at line "
            f"{error.lineno}); was it saved from JupyterLab?"
        )
    if not isinstance(content, dict) or "cells" not in content:
        return None, f"{path.name} is not a notebook: its JSON has no list of cells"
    try:
        notebook = nbformat.reads(text, as_version=4)
        nbformat.validate(notebook)
    except Exception as error:  # nbformat raises several kinds of errors for a broken file
        summary = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        return None, f"{path.name} is not a valid notebook ({summary})"
    return notebook, ""


def _find(cells: list, cell_id: str, grade_id: str) -> int | None:
    for index, cell in enumerate(cells):
        if cell.get("id") == cell_id:
            return index
    for index, cell in enumerate(cells):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return index
    return None


def restore_checks(
    submission: nbformat.NotebookNode, solution: nbformat.NotebookNode, name: str
) -> tuple[nbformat.NotebookNode, dict[str, tuple[int, str]]]:
    """Return the notebook to run: the submission with the solution's setup and check cells.

    Returns
    -------
    tuple
        The notebook (outputs cleared) and, per exercise number, the index of its check cell in
        that notebook and a note on what was put back ("" when the student's copy was intact).
    """
    graded = copy.deepcopy(submission)
    for cell in graded.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    code = [index for index, cell in enumerate(solution.cells) if cell.cell_type == "code"]
    if code:
        setup = solution.cells[code[0]]
        found = _find(graded.cells, setup.get("id", ""), "setup")
        if found is not None:
            graded.cells[found].source = setup.source
    notes = {}
    course = exercises(solution, name)
    for exercise in course:
        original = copy.deepcopy(solution.cells[exercise.check])
        original.outputs, original.execution_count = [], None
        found = _find(graded.cells, exercise.check_id, exercise.check_grade_id)
        if found is not None:
            notes[exercise.number] = (
                "" if graded.cells[found].source == original.source else "edited"
            )
            graded.cells[found] = original
        else:
            answer = _find(graded.cells, exercise.answer_id, exercise.grade_id)
            at = answer + 1 if answer is not None else min(exercise.check, len(graded.cells))
            graded.cells.insert(at, original)
            notes[exercise.number] = "deleted"
    # Insertions move later cells: find each restored check cell again, by the solution's id.
    return graded, {
        ex.number: (_find(graded.cells, ex.check_id, ex.check_grade_id), notes[ex.number])
        for ex in course
    }


def execute(notebook: nbformat.NotebookNode, timeout: int) -> str:
    """Run every cell in a fresh kernel in a temporary folder; return "" or why the run stopped."""
    _let_the_kernel_be_interrupted()
    kernel_manager = AsyncKernelManager(
        kernel_name=CURRENT_ENV_KERNEL, kernel_spec_manager=_CurrentEnvKernelSpecs()
    )
    with tempfile.TemporaryDirectory(prefix="grade-") as folder:
        client = _TimeoutRestartingClient(
            notebook,
            km=kernel_manager,
            timeout=timeout,
            interrupt_on_timeout=True,
            allow_errors=True,
            record_timing=False,
            store_widget_state=False,
            resources={"metadata": {"path": folder}},
        )
        try:
            client.execute()
        except Exception as error:  # the kernel died or would not start: grade what ran
            return f"the notebook stopped running ({type(error).__name__}: {error})".strip()
    return ""


def _let_the_kernel_be_interrupted() -> None:
    # A process started in the background by a shell ignores SIGINT, and so would the kernel it
    # starts (an ignored signal stays ignored across exec): the timeout's interrupt would not stop
    # an infinite loop. Python's own handler here becomes the default, SIGINT-raising one there.
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def _error_of(cell: nbformat.NotebookNode) -> nbformat.NotebookNode | None:
    return next((out for out in cell.get("outputs", []) if out.output_type == "error"), None)


def _printed(cell: nbformat.NotebookNode) -> str:
    texts = [out.text for out in cell.outputs if out.output_type == "stream"]
    texts += [out.data["text/plain"] for out in cell.outputs if "text/plain" in out.get("data", {})]
    return "".join(texts).strip()


def _earlier_failure(notebook: nbformat.NotebookNode, before: int, timeout: int) -> str:
    for index in range(before):
        error = _error_of(notebook.cells[index])
        if error is not None and error.ename != "NotImplementedError":
            return f"; cell {index + 1} failed first: {_describe(error, timeout)}"
    return ""


def _describe(error: nbformat.NotebookNode, timeout: int) -> str:
    if error.ename in {INTERRUPTED, TIMED_OUT}:
        return (
            f"cell ran longer than {timeout} s (timeout) and was stopped: an infinite loop? "
            "The kernel was restarted, so later cells ran without this cell's results"
            if error.ename == TIMED_OUT
            else f"cell ran longer than {timeout} s (timeout) and was interrupted (infinite loop?)"
        )
    return f"{error.ename}: {error.evalue}"


def _then(message: str, note: str) -> str:
    """`message` as it is, then `note` on a line of its own (a checker's text may end without a
    full stop, and a note run on after it would read as part of it)."""
    return f"{message}\n{note}" if note else message


def score(
    notebook: nbformat.NotebookNode,
    exercise: Exercise,
    check: int,
    note: str,
    timeout: int,
    stopped: str,
) -> tuple[bool, str]:
    """Read the outcome of one exercise's check cell in an executed notebook."""
    cell = notebook.cells[check]
    where = f"{exercise.check_label} (cell {check + 1} in JupyterLab)"
    put_back = {
        "edited": f"{exercise.check_label} had been edited; it ran as the course wrote it.",
        "deleted": f"{exercise.check_label} had been deleted; it was put back and run.",
    }.get(note, "")
    error = _error_of(cell)
    if error is None and cell.execution_count is None:
        return False, f"{where} never ran: {stopped or 'the notebook stopped before it'}"
    if error is None:
        return True, _then(_printed(cell), put_back)
    if error.ename == "NotImplementedError":
        return False, _then(f"to do: {error.evalue or exercise.task}", put_back)
    context = (
        ""
        if error.ename in {"ExerciseError", INTERRUPTED, TIMED_OUT}
        else _earlier_failure(notebook, check, timeout)
    )
    return False, _then(f"{where} fails: {_describe(error, timeout)}{context}", put_back)


def grade_notebook(
    path: Path, solution_path: Path, timeout: int = DEFAULT_TIMEOUT
) -> list[ExerciseResult]:
    """Grade one submitted notebook.

    Parameters
    ----------
    path : pathlib.Path
        The student's file, named like the solution notebook.
    solution_path : pathlib.Path
        The instructor's notebook in notebooks/solutions/.
    timeout : int
        Seconds each cell may run before it is interrupted.

    Returns
    -------
    list of ExerciseResult
        One per exercise of the solution notebook, in order.
    """
    solution = nbformat.read(solution_path, as_version=4)
    course = exercises(solution, solution_path.name)
    submission, why = read_submission(path)
    if submission is None:
        return [
            ExerciseResult(path.name, ex.number, 0, ex.points, f"not graded: {why}")
            for ex in course
        ]
    graded, checks = restore_checks(submission, solution, solution_path.name)
    stopped = execute(graded, timeout)
    results = []
    for exercise in course:
        check, note = checks[exercise.number]
        passed, message = score(graded, exercise, check, note, timeout, stopped)
        points = exercise.points if passed else 0
        results.append(ExerciseResult(path.name, exercise.number, points, exercise.points, message))
    return results
