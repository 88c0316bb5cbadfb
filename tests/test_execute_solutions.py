"""tools/execute_solutions.py stores the same bytes on every run."""

import nbformat
import pytest

from tools.execute_solutions import execute_notebook, merge_streams, resolve

SOLUTIONS = resolve([])


def stream(name, text):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_consecutive_streams_of_one_name_are_merged_in_order():
    outputs = [stream("stdout", "a\n"), stream("stdout", "b\n"), stream("stderr", "w\n")]
    outputs.append(nbformat.v4.new_output("execute_result", data={"text/plain": "1"}))
    outputs.append(stream("stdout", "c\n"))
    merged = merge_streams(outputs)
    assert [out.output_type for out in merged] == ["stream", "stream", "execute_result", "stream"]
    assert [out.get("text") for out in merged] == ["a\nb\n", "w\n", None, "c\n"]


def test_a_split_and_an_unsplit_run_store_the_same_outputs():
    split = merge_streams([stream("stdout", "x = 1\n"), stream("stdout", "y = 2\n")])
    whole = merge_streams([stream("stdout", "x = 1\ny = 2\n")])
    assert split == whole


@pytest.mark.slow
@pytest.mark.parametrize("solution", SOLUTIONS, ids=[path.name for path in SOLUTIONS])
def test_two_runs_of_a_solution_notebook_store_the_same_bytes(solution):
    runs = []
    for _ in range(2):
        notebook = nbformat.read(solution, as_version=4)
        execute_notebook(notebook, solution.parent)
        runs.append(nbformat.writes(notebook, version=4))
    first, second = (run.splitlines() for run in runs)
    changed = [f"{a!r} -> {b!r}" for a, b in zip(first, second, strict=False) if a != b]
    assert runs[0] == runs[1], f"{solution.name}: {changed[:5]}"
