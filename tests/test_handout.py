"""`make handout`: the learners' folder and zip: what make lab and make check need, no solutions.

The `make check` tests run make inside freshly built handouts. Their .venv is made of links to the
environment running the tests (no install), and ``PYTHONPATH`` points at the handout, so the
kernels import the handout's own gradcheck_lib, not an editable install of the repository's; a
handout whose library is broken proves it. One test does what a learner does, from the zip and
with a venv of its own (pip installs from the package index); it is opt-in:
GRADCHECK_HANDOUT_FROM_SCRATCH=1.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.test_learner_copies import answers_from, capstone_numbers, fill, stub_numbers
from tools.handout import build

ROOT = Path(__file__).resolve().parent.parent
INSTRUCTOR_TARGETS = (
    "test",
    "grade",
    "handout",
    "solutions",
    "learner",
    "nbgrader-course",
    "screenshots",
    "app",
    "lint",
)
LIBRARY_MARK = "this handout's own gradcheck_lib was imported"
FROM_SCRATCH = "GRADCHECK_HANDOUT_FROM_SCRATCH"  # =1 runs the slow, downloading learner's test


@pytest.fixture(scope="module")
def handout(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("out")
    build(output)
    return output


def test_handout_holds_what_make_lab_and_make_check_need(handout):
    folder = handout / "handout"
    for name in ("Makefile", "pyproject.toml", "conftest.py", "environment.yml", "README.md"):
        assert (folder / name).is_file(), name
    assert (folder / "tools" / "check_summary.py").is_file()
    assert (folder / "tools" / "nbval_sanitize.cfg").is_file()
    assert (folder / "gradcheck_lib" / "__init__.py").is_file()
    learner = sorted(p.name for p in (ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert sorted(p.name for p in (folder / "notebooks").glob("*.ipynb")) == learner
    assert not (folder / "notebooks" / "solutions").exists()


def test_the_handouts_makefile_is_learner_mk_which_the_repositorys_makefile_includes(handout):
    shipped = (handout / "handout" / "Makefile").read_bytes()
    assert shipped == (ROOT / "learner.mk").read_bytes()
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^include learner\.mk$", makefile, re.M)


def test_the_readme_says_what_to_run_what_is_needed_and_whom_to_ask(tmp_path):
    readme = (build(tmp_path, help_contact="the #gradcheck channel") / "README.md").read_text()
    for words in ("`make lab`", "`make check`", "NOTEBOOKS=notebooks/", "Python 3.10", ".venv"):
        assert words in readme, words
    assert "ask the #gradcheck channel." in " ".join(readme.split())
    with zipfile.ZipFile(tmp_path / "handout.zip") as archive:
        assert archive.read("handout/README.md").decode("utf-8") == readme


# --------------------------------------------------------------------------------------------
# make, inside a handout
# --------------------------------------------------------------------------------------------


def link_test_environment(folder: Path) -> None:
    """Give the handout a .venv of links to the running interpreter's environment, stamped as
    installed (the stamp is newer than the handout's pyproject.toml), so make installs nothing."""
    venv = folder / ".venv"
    venv.mkdir()
    prefix = Path(sys.prefix)
    for name in ("bin", "lib", "lib64", "include", "pyvenv.cfg"):
        if (prefix / name).exists():
            (venv / name).symlink_to(prefix / name)
    (venv / ".installed-runtime").touch()


def make(folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    """Run make in the handout, its Python path on the handout (kernels inherit it), without the
    variables of a make that may be running the tests (MAKEFLAGS carries its command line)."""
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    }
    environment["PYTHONPATH"] = str(folder)
    return subprocess.run(
        ["make", *arguments],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )


def make_check(folder: Path, *arguments: str) -> subprocess.CompletedProcess:
    """``make check`` in the handout, after making sure it would install nothing (through the
    linked .venv, an install would land in the environment running the tests)."""
    question = make(folder, "--question", ".venv/.installed-runtime")
    assert question.returncode == 0, "make would reinstall .venv; refusing to run make check"
    result = make(folder, "check", *arguments)
    assert "pip install" not in result.stdout, result.stdout[:2000]
    return result


def summary_of(output: str) -> dict[str, list[str]]:
    """What make check's summary says per notebook: name -> [headline, detail lines...]."""
    assert "Summary of your notebooks" in output, output[-4000:]
    blocks: dict[str, list[str]] = {}
    for line in output.split("Summary of your notebooks", 1)[1].splitlines():
        headline = re.match(r"(\d\d_\w+\.ipynb): (.*)$", line)
        if headline:
            blocks[headline[1]] = [headline[2]]
        elif line.startswith("    ") and blocks:
            blocks[next(reversed(blocks))].append(line.strip())
    return blocks


def learner_copies(folder: Path) -> list[Path]:
    return sorted((folder / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def fill_with_solutions(folder: Path) -> None:
    """Answer every exercise of the handout's notebooks with the solution notebooks' code."""
    for path in learner_copies(folder):
        answers = answers_from(ROOT / "notebooks" / "solutions" / path.name)
        nbformat.write(fill(nbformat.read(path, as_version=4), answers), path)


def handout_with_test_environment(output: Path, *, solved: bool = False) -> Path:
    folder = build(output)
    if solved:
        fill_with_solutions(folder)
    link_test_environment(folder)
    return folder


@pytest.fixture(scope="module")
def untouched(tmp_path_factory) -> Path:
    return handout_with_test_environment(tmp_path_factory.mktemp("untouched"))


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> Path:
    return handout_with_test_environment(tmp_path_factory.mktemp("solved"), solved=True)


def test_the_handouts_make_help_lists_only_lab_and_check(untouched):
    result = make(untouched, "help")
    assert result.returncode == 0, result.stderr
    assert re.findall(r"^make (\S+)", result.stdout, re.M) == ["lab", "check"]
    lab = make(untouched, "--dry-run", "lab")
    assert lab.returncode == 0, lab.stderr
    assert re.search(r"^\.venv/bin/jupyter lab .*notebooks/00_start_here\.ipynb$", lab.stdout, re.M)
    for target in INSTRUCTOR_TARGETS:
        result = make(untouched, "--dry-run", target)
        assert result.returncode != 0, f"the handout's Makefile has the instructor's `{target}`"
        assert "No rule to make target" in result.stderr, result.stderr


def assert_every_exercise_to_do(folder: Path, result: subprocess.CompletedProcess) -> None:
    """make check failed and named each stub "to do" and the capstone's check, nothing else."""
    assert result.returncode != 0, result.stdout[-4000:]
    summary = summary_of(result.stdout)
    assert sorted(summary) == [path.name for path in learner_copies(folder)]
    reported = 0
    for path in learner_copies(folder):
        notebook = nbformat.read(path, as_version=4)
        stubs, capstone = stub_numbers(notebook), capstone_numbers(notebook)
        lines = summary[path.name]
        to_do = [m[1] for line in lines if (m := re.match(r"to do\s+Exercise (\d+\.\d+):", line))]
        fails = [m[1] for line in lines if (m := re.match(r"check fails Exercise (\S+)'s", line))]
        assert (to_do, fails) == (stubs, capstone), f"{path.name}: {lines}"
        assert not [line for line in lines if line.startswith("fails ")], f"{path.name}: {lines}"
        if stubs or capstone:
            assert "done" not in lines[0], f"{path.name}: {lines}"
        reported += len(to_do) + len(fails)
    assert reported >= 8, summary  # the course's exercises, all found


def assert_every_notebook_done(folder: Path, result: subprocess.CompletedProcess) -> None:
    """make check passed and said "<name>: done, N cells pass ✓" of each notebook."""
    assert result.returncode == 0, result.stdout[-4000:]
    summary = summary_of(result.stdout)
    assert sorted(summary) == [path.name for path in learner_copies(folder)]
    for name, lines in summary.items():
        assert len(lines) == 1 and re.fullmatch(r"done, [1-9]\d* cells pass ✓", lines[0]), (
            name,
            lines,
        )


@pytest.mark.slow
def test_make_check_in_an_untouched_handout_lists_every_exercise_to_do(untouched):
    assert_every_exercise_to_do(untouched, make_check(untouched))


@pytest.mark.slow
def test_make_check_in_a_solved_handout_says_done_for_every_notebook(solved):
    assert_every_notebook_done(solved, make_check(solved))


@pytest.mark.slow
def test_make_check_runs_the_handouts_own_library(solved, tmp_path):
    """Negative control: the solved handout, its gradcheck_lib broken, fails make check."""
    broken = tmp_path / "handout"
    shutil.copytree(solved, broken, ignore=shutil.ignore_patterns(".venv"))
    link_test_environment(broken)
    imported = subprocess.run(  # from notebooks/, as a kernel starts
        [broken / ".venv/bin/python", "-c", "import gradcheck_lib; print(gradcheck_lib.__file__)"],
        cwd=broken / "notebooks",
        env={**os.environ, "PYTHONPATH": str(broken)},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(imported.stdout.strip()) == broken / "gradcheck_lib" / "__init__.py"
    with (broken / "gradcheck_lib" / "__init__.py").open("a", encoding="utf-8") as library:
        library.write(f"\nraise ImportError({LIBRARY_MARK!r})\n")
    notebook = learner_copies(broken)[1].relative_to(broken).as_posix()
    result = make_check(broken, f"NOTEBOOKS={notebook}")
    assert result.returncode != 0, result.stdout[-4000:]
    (lines,) = summary_of(result.stdout).values()
    assert any(LIBRARY_MARK in line for line in lines), lines


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get(FROM_SCRATCH) != "1",
    reason=f"opt-in ({FROM_SCRATCH}=1): downloads about 430 MB from the package index",
)
def test_make_check_from_the_unzipped_handout_with_a_venv_of_its_own(handout, tmp_path):
    """As a learner: unzip, make check (python3 -m venv, pip install), fill in, make check."""
    with zipfile.ZipFile(handout / "handout.zip") as archive:
        archive.extractall(tmp_path)
    folder = tmp_path / "handout"
    own_bin = str(Path(sys.prefix) / "bin")
    path = os.pathsep.join(p for p in os.environ["PATH"].split(os.pathsep) if p != own_bin)
    outside = ("PYTHONPATH", "VIRTUAL_ENV", "MAKEFLAGS", "MFLAGS", "MAKELEVEL")
    environment = {k: v for k, v in os.environ.items() if k not in outside} | {"PATH": path}

    def learner_make_check() -> subprocess.CompletedProcess:
        return subprocess.run(
            ["make", "check"],
            cwd=folder,
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    first = learner_make_check()
    assert "pip install -e ." in first.stdout, first.stdout[-4000:]
    assert_every_exercise_to_do(folder, first)
    imported = subprocess.run(  # from notebooks/, as a kernel starts
        [folder / ".venv/bin/python", "-c", "import gradcheck_lib; print(gradcheck_lib.__file__)"],
        cwd=folder / "notebooks",
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(imported.stdout.strip()) == folder / "gradcheck_lib" / "__init__.py"
    fill_with_solutions(folder)
    second = learner_make_check()
    assert "pip install" not in second.stdout, "the second make check set .venv up again"
    assert_every_notebook_done(folder, second)
