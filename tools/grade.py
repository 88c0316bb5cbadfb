"""Grade a class: DIR/<student>/<notebook>.ipynb into DIR/grades.csv and each feedback.md.

``make grade SUBMISSIONS=DIR`` runs::

    python tools/grade.py DIR [--timeout 60] [--jobs 2]

DIR holds one folder per student, each with any of the course's learner notebooks, named as in
``notebooks/`` (for instance ``DIR/alice/03_relative_difference.ipynb``). Each one is graded by
tools/grade_notebook.py against the instructor's own check cells, in this environment. Files that
are not named like a course notebook are listed in the student's feedback, not graded.

grades.csv has the header ``student,exercise,points,max_points,message``: one row per student and
exercise of each submitted notebook (an unreadable notebook included, with 0 points), no totals.
The message is the checker's own text, verbatim, as is the feedback.
"""

from __future__ import annotations

import argparse
import csv
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.grade_notebook import DEFAULT_TIMEOUT, ExerciseResult, grade_notebook

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS_DIR = REPO / "notebooks" / "solutions"
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
GRADES_FILE = "grades.csv"
FEEDBACK_FILE = "feedback.md"
HEADER = ("student", "exercise", "points", "max_points", "message")


def students(submissions: Path) -> list[Path]:
    """The student folders of DIR, by name (hidden folders skipped)."""
    return sorted(
        path for path in submissions.iterdir() if path.is_dir() and not path.name.startswith(".")
    )


def submitted(student: Path, solutions: dict[str, Path]) -> tuple[list[Path], list[str]]:
    """Split a student's files into course notebooks (course order) and the names of the rest."""
    files = sorted(path for path in student.iterdir() if path.is_file())
    order = list(solutions)
    graded = sorted(
        (path for path in files if path.name in solutions), key=lambda path: order.index(path.name)
    )
    ignored = [
        path.name for path in files if path.name not in solutions and path.name != FEEDBACK_FILE
    ]
    return graded, ignored


def feedback(student: str, results: list[ExerciseResult], ignored: list[str]) -> str:
    """Return the Markdown feedback of one student."""
    earned = sum(result.points for result in results)
    possible = sum(result.max_points for result in results)
    lines = [f"# Feedback for {student}", ""]
    if results:
        lines += [f"{earned} of {possible} points for the notebooks you handed in.", ""]
    else:
        lines += ["No course notebook was found in your folder, so nothing was graded.", ""]
    notebook = None
    for result in results:
        if result.notebook != notebook:
            notebook = result.notebook
            if lines[-1]:  # Markdown wants a blank line before a heading
                lines.append("")
            lines += [f"## {notebook}", ""]
        mark = "✓" if result.points == result.max_points else "✗"
        lines.append(f"- {mark} Exercise {result.number}: {result.points} of {result.max_points}")
        lines += [f"  > {line}" if line else "  >" for line in result.message.splitlines()]
    if ignored:
        lines += ["", "Not graded (not named like a course notebook): " + ", ".join(ignored)]
    return "\n".join(lines).rstrip() + "\n"


def _grade_one(job: tuple[Path, Path, int]) -> list[ExerciseResult]:
    path, solution, timeout = job
    return grade_notebook(path, solution, timeout)


def grade_class(
    submissions: Path,
    solutions_dir: Path = SOLUTIONS_DIR,
    timeout: int = DEFAULT_TIMEOUT,
    jobs: int = 1,
) -> list[tuple[str, ExerciseResult]]:
    """Grade every student folder of ``submissions``; write grades.csv and each feedback.md.

    Parameters
    ----------
    submissions : pathlib.Path
        DIR, holding DIR/<student>/<notebook>.ipynb.
    solutions_dir : pathlib.Path
        The instructor's solution notebooks.
    timeout : int
        Seconds each cell may run.
    jobs : int
        Notebooks graded at the same time, each in its own process and kernel.

    Returns
    -------
    list of (student, ExerciseResult)
        The rows of grades.csv.
    """
    solutions = {path.name: path for path in sorted(solutions_dir.glob(NOTEBOOK_GLOB))}
    plan = {student.name: submitted(student, solutions) for student in students(submissions)}
    work = [(path, solutions[path.name], timeout) for files, _ in plan.values() for path in files]
    if jobs > 1 and len(work) > 1:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            outcomes = dict(
                zip(map(str, (job[0] for job in work)), pool.map(_grade_one, work), strict=True)
            )
    else:
        outcomes = {str(job[0]): _grade_one(job) for job in work}
    rows = []
    for name, (files, ignored) in plan.items():
        results = [result for path in files for result in outcomes[str(path)]]
        (submissions / name / FEEDBACK_FILE).write_text(
            feedback(name, results, ignored), encoding="utf-8"
        )
        rows += [(name, result) for result in results]
    with open(submissions / GRADES_FILE, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for name, result in rows:
            writer.writerow([name, result.number, result.points, result.max_points, result.message])
    return rows


def main(argv: list[str] | None = None) -> int:
    """Grade the class in SUBMISSIONS; return the exit status (0 once the files are written)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("submissions", type=Path, help="DIR with DIR/<student>/<notebook>.ipynb")
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds per cell")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at the same time")
    parser.add_argument("--solutions-dir", type=Path, default=SOLUTIONS_DIR)
    args = parser.parse_args(argv)
    if not args.submissions.is_dir():
        print(f"SUBMISSIONS={args.submissions} is not a folder", file=sys.stderr)
        return 2
    if args.timeout <= 0 or args.jobs <= 0:
        print("--timeout and --jobs must be positive integers", file=sys.stderr)
        return 2
    rows = grade_class(args.submissions, args.solutions_dir, args.timeout, args.jobs)
    names = {name for name, _ in rows}
    print(
        f"graded {len(names)} student(s), {len(rows)} exercise(s): "
        f"{args.submissions / GRADES_FILE} and {args.submissions}/<student>/{FEEDBACK_FILE}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
