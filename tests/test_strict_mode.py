"""``pytest --nbval`` compares every cell; a bare ``pytest`` (and ``--nbval-lax``) only the tagged.

conftest.py adds ``--nbval-lax`` only when neither mode is given on the command line.
"""

import re
import subprocess
import sys

import nbformat
import pytest

CHECKED = {"tags": ["nbval-check-output"]}


def sandbox_notebook(checked_output: str, untagged_output: str):
    """Two cells printing "1" and "2", stored as having printed the given texts."""
    cells = [
        nbformat.v4.new_code_cell("print(1)", execution_count=1, metadata=CHECKED),
        nbformat.v4.new_code_cell("print(2)", execution_count=2),
    ]
    for cell, text in zip(cells, (checked_output, untagged_output), strict=True):
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
    return nbformat.v4.new_notebook(cells=cells)


def run_pytest(sandbox, notebook, *mode: str) -> subprocess.CompletedProcess:
    nbformat.write(notebook, sandbox / "sample.ipynb")
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--color=no",
            *mode,
            "sample.ipynb",
        ],
        cwd=sandbox,
        capture_output=True,
        text=True,
        check=False,
    )


def failed_cells(result) -> list[str]:
    return re.findall(r"^FAILED sample\.ipynb::(Cell \d+)", result.stdout, re.M)


@pytest.mark.slow
@pytest.mark.parametrize("mode", [(), ("--nbval-lax",)], ids=["bare-pytest", "nbval-lax"])
def test_lax_mode_ignores_an_untagged_cell_but_compares_a_tagged_one(nbval_sandbox, mode):
    changed_untagged = run_pytest(nbval_sandbox, sandbox_notebook("1\n", "3\n"), *mode)
    assert changed_untagged.returncode == 0, changed_untagged.stdout[-3000:]
    assert "2 passed" in changed_untagged.stdout
    changed_checked = run_pytest(nbval_sandbox, sandbox_notebook("3\n", "2\n"), *mode)
    assert failed_cells(changed_checked) == ["Cell 0"], changed_checked.stdout[-3000:]


@pytest.mark.slow
def test_strict_mode_compares_every_cell(nbval_sandbox):
    changed_untagged = run_pytest(nbval_sandbox, sandbox_notebook("1\n", "3\n"), "--nbval")
    assert failed_cells(changed_untagged) == ["Cell 1"], changed_untagged.stdout[-3000:]
    unchanged = run_pytest(nbval_sandbox, sandbox_notebook("1\n", "2\n"), "--nbval")
    assert unchanged.returncode == 0, unchanged.stdout[-3000:]
    assert "2 passed" in unchanged.stdout
