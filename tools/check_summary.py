"""Summarize a ``make check`` run: per notebook, the exercises still to do and the checks that fail.

``make check`` runs ``pytest --nbval-lax --junitxml=REPORT notebooks/NN_*.ipynb`` and then::

    python tools/check_summary.py REPORT notebooks/NN_*.ipynb

nbval names each test ``Cell K``: code cell K of the notebook, counted from 0. A cell that
raised ``NotImplementedError("Exercise N.M: ...")`` is an exercise still to do; a failing cell
tagged ``exercise-check`` (or calling a checker) is a check that fails, with the checker's message.
"""

from __future__ import annotations

import re
import sys
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.exercise_cells import (  # noqa: E402
    cell_index_of_code_cell,
    exercise_number,
    is_answer_cell,
)

CHECK_TAG = "exercise-check"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_EXCEPTION = re.compile(r"^(?P<name>[A-Za-z_][\w.]*(?:Error|Exception|Exit)): ?(?P<text>.*)$")
_CHECK_CALL = re.compile(r"(?<![\w.])(?:check_\w+|exercises\.\w+)\s*\(")
_CELL = re.compile(r"Cell (\d+)$")
_EXERCISE = re.compile(r"Exercise \d+\.\d+")
_TIMEOUT = re.compile(r"Timeout of (?P<seconds>\d+(?:\.\d+)?) seconds exceeded")


@dataclass
class NotebookResult:
    """What one notebook's run says, in the learner's terms."""

    name: str
    passed: int = 0
    to_do: list[str] = field(default_factory=list)
    failing_checks: list[str] = field(default_factory=list)
    other_failures: list[str] = field(default_factory=list)


def failure_text(testcase: ElementTree.Element) -> str | None:
    """Return the plain failure text of a junit testcase, or None when it passed or was skipped."""
    for tag in ("failure", "error"):
        element = testcase.find(tag)
        if element is not None:
            text = (element.text or element.get("message", "")).replace("#x1B", "\x1b")
            return _ANSI.sub("", text)
    return None


def exception_of(text: str) -> tuple[str, str] | None:
    """Find the exception that ended a cell in nbval's failure text.

    Returns
    -------
    tuple of str or None
        ``(name, message)``, the message with its continuation lines; None if none is found.
    """
    lines = text.rstrip().splitlines()
    for index in range(len(lines) - 1, -1, -1):
        match = _EXCEPTION.match(lines[index].strip())
        if match:
            rest = [line.strip() for line in lines[index + 1 :] if line.strip()]
            return match["name"], " ".join([match["text"], *rest]).strip()
    return None


def _code_cells(path: Path) -> list[nbformat.NotebookNode]:
    notebook = nbformat.read(path, as_version=4)
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def _is_check(cell: nbformat.NotebookNode) -> bool:
    return CHECK_TAG in cell.metadata.get("tags", []) or bool(_CHECK_CALL.search(cell.source))


def summarize(report: Path, notebooks: list[Path]) -> list[NotebookResult]:
    """Read the junit report of an nbval run and sort its failures per notebook.

    Parameters
    ----------
    report : pathlib.Path
        The file written by ``pytest --junitxml``.
    notebooks : list of pathlib.Path
        The notebooks that were run, in the order to report them.

    Returns
    -------
    list of NotebookResult
        One per notebook.
    """
    results = {path: NotebookResult(path.name) for path in notebooks}
    cells = {path: _code_cells(path) for path in notebooks}
    for testcase in ElementTree.parse(report).iter("testcase"):
        path = _notebook_of(testcase.get("classname", ""), notebooks)
        number = _CELL.search(testcase.get("name", ""))
        if path is None or number is None:
            continue
        result, index = results[path], int(number.group(1))
        text = failure_text(testcase)
        if text is None:
            result.passed += testcase.find("skipped") is None
            continue
        exception = exception_of(text)
        where = f"Cell {index}"
        timeout = _TIMEOUT.search(text)
        cell = cells[path][index] if index < len(cells[path]) else None
        if timeout:
            if cell is not None and (_is_check(cell) or is_answer_cell(cell)):
                where = _check_where(path, cell, index)
            stopped = (
                f"{where} ran longer than {timeout['seconds']} s and was stopped: does it loop "
                "forever? (make check TIMEOUT=120 gives each cell 120 s)"
            )
            if cell is not None and _is_check(cell):
                result.failing_checks.append(stopped)
            else:
                result.other_failures.append(stopped)
        elif exception and exception[0] == "NotImplementedError":
            task = exception[1] or f"the exercise in {where}"
            if _exercise_of(task) not in {_exercise_of(done) for done in result.to_do}:
                result.to_do.append(task)
        elif exception and cell is not None and _is_check(cell):
            where = _check_where(path, cell, index)
            result.failing_checks.append(f"{where} {exception[0]}: {exception[1]}")
        elif exception:
            result.other_failures.append(f"{where} {exception[0]}: {exception[1]}")
        elif "reference_output == test_output" in text:
            result.other_failures.append(f"{where} prints something else than the stored output")
        else:
            result.other_failures.append(f"{where} failed: {text.strip().splitlines()[0]}")
    return list(results.values())


def _check_where(path: Path, cell: nbformat.NotebookNode, index: int) -> str:
    """``"Exercise 3.2's check (cell 19 in JupyterLab, nbval's Cell 11)"``, or for an answer cell
    ``"Exercise 3.2 (cell 18 in JupyterLab, nbval's Cell 10)"``."""
    notebook = nbformat.read(path, as_version=4)
    number = exercise_number(cell)
    position = cell_index_of_code_cell(notebook, index)
    if is_answer_cell(cell):
        label = f"Exercise {number}" if number else "An exercise"
    else:
        label = f"Exercise {number}'s check" if number else "A check"
    lab = f"cell {position + 1} in JupyterLab, " if position is not None else ""
    return f"{label} ({lab}nbval's Cell {index})"


def _exercise_of(task: str) -> str:
    """``"Exercise 4.2"`` for any message about exercise 4.2 (a stub's or a checker's)."""
    match = _EXERCISE.match(task)
    return match.group(0) if match else task


def _notebook_of(classname: str, notebooks: list[Path]) -> Path | None:
    for path in notebooks:
        if classname == path.as_posix().replace("/", "."):
            return path
    for path in notebooks:
        if classname.endswith(path.name):
            return path
    return None


def render(results: list[NotebookResult]) -> str:
    """Return the plain-text summary printed at the end of ``make check``."""
    lines = ["", "Summary of your notebooks", "========================="]
    for result in results:
        problems = result.to_do or result.failing_checks or result.other_failures
        if not problems:
            lines.append(f"{result.name}: done, {result.passed} cells pass ✓")
            continue
        counts = [
            f"{len(result.to_do)} exercise(s) to do" if result.to_do else "",
            f"{len(result.failing_checks)} check(s) fail" if result.failing_checks else "",
            f"{len(result.other_failures)} other cell(s) fail" if result.other_failures else "",
        ]
        lines.append(f"{result.name}: " + ", ".join(count for count in counts if count))
        lines += [f"    to do       {task}" for task in result.to_do]
        lines += [f"    check fails {message}" for message in result.failing_checks]
        lines += [f"    fails       {message}" for message in result.other_failures]
        if result.to_do and result.other_failures:
            lines.append("    (later cells may fail only because an exercise is not done yet)")
    lines.append("Cell numbers are nbval's: code cells counted from 0 at the top of the notebook.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the summary; return 1 only when the report is missing."""
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: check_summary.py REPORT.xml NOTEBOOK...", file=sys.stderr)
        return 2
    report, notebooks = Path(args[0]), [Path(name) for name in args[1:]]
    if not report.is_file():
        print(f"no report at {report}: pytest stopped before the notebooks", file=sys.stderr)
        return 1
    print(render(summarize(report, notebooks)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
