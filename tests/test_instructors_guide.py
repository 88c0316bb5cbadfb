"""docs/INSTRUCTORS.md: every command in its shell blocks is run by a test, as written.

A command counts as run when a test under tests/ passes it to a function called ``run`` (or
``run_...``), or when it is a line of a Makefile recipe whose target such a command runs. The test
may add only the make variables of ALLOWED_EXTRAS after it. What no test runs is listed in NOT_RUN
with the reason. The second half of this file runs the guide's commands that no other test
runs, in a copy of the repository (tests/repo_copy.py).
"""

from __future__ import annotations

import ast
import contextlib
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import repo_copy
from browser_support import free_port
from repo_copy import REPO, copy_repository, makefiles, run

GUIDE = REPO / "docs" / "INSTRUCTORS.md"
SHELL_BLOCK = re.compile(r"^```(bash|sh|shell|console)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
RUNNER = re.compile(r"^run(_\w+)?$")  # the functions whose arguments are commands run
COMPOUND_END = {"while": "done", "until": "done", "for": "done", "if": "fi", "case": "esac"}

NOT_RUN = {
    "make test": "is the whole suite, which runs this test (.ci/run runs `make test`)",
    """make test PYTEST_ARGS='-m "not slow and not browser"'""": "is the suite itself, fewer tests",
    "make app": "serves Voilà until stopped and opens a browser; the same recipe is run below "
    "with the guide's APP_ARGS",
}
GUIDE_SECTIONS = ("make grade", "make handout", "nbgrader autograde", "--capstone-student")
# The guide's `make app` line; the test serves it on a port that nothing else holds.
APP = 'make app APP_ARGS="--no-browser --port=8866"'
ALLOWED_EXTRAS = {  # make variables a test may add after the guide's command, and why
    "TIMEOUT=3": "tests/test_grade.py's infinite loops are cut after 3 s, not the default 60",
    "JOBS=2": "tests/test_grade.py grades two notebooks at once, to be quicker",
}


# -------------------------------------------------------------------------- reading commands


def without_comment(line: str) -> str:
    """``line`` up to a ``#`` that starts a word outside quotes."""
    quote = None
    for index, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return line[:index]
        elif char == "\\" and index + 1 < len(line) and line[index + 1] == "#":
            return line  # an escaped '#' is text; keep it simple: no comment on this line
    return line


def script_commands(script: str, prompts: bool = False) -> list[str]:
    """The commands of a shell script, each with its whitespace collapsed.

    Comments are dropped and ``\\`` continuations joined; a loop or ``if`` is one command, up to
    its ``done`` or ``fi``. ``cd`` lines are left out: they only say where the next commands run,
    and the tests run those from the same directory. With ``prompts`` (a console block), only
    lines after ``$ `` (and their continuations) are commands, the rest is output.
    """
    lines, pending = [], None
    for raw in script.splitlines():
        if prompts and pending is None:
            if not raw.startswith("$ "):
                continue
            raw = raw[2:]
        elif prompts and raw.startswith("> "):
            raw = raw[2:]
        line = without_comment(raw).rstrip()
        if line.endswith("\\"):
            pending = (pending or "") + line[:-1] + " "
            continue
        line, pending = (pending or "") + line, None
        if line.strip():
            lines.append(" ".join(line.split()))
    commands, open_words, current = [], [], []
    for line in lines:
        first = line.split()[0]
        if first in COMPOUND_END:
            open_words.append(COMPOUND_END[first])
        if open_words:
            current.append(line)
            if first == open_words[-1] or line.startswith(open_words[-1] + " "):
                open_words.pop()
                if not open_words:
                    commands.append(" ".join(current))
                    current = []
        else:
            commands.append(line)
    return [command for command in commands if command.split()[0] != "cd"]


def guide_commands(markdown: str) -> list[str]:
    """Every command of the markdown's bash, sh, shell and console blocks, in order."""
    return [
        command
        for language, body in SHELL_BLOCK.findall(markdown)
        for command in script_commands(body, prompts=language == "console")
    ]


def _called(function: ast.expr) -> str:
    return getattr(function, "id", getattr(function, "attr", ""))


def strings_in_test_file(source: str) -> list[str]:
    """The strings a Python test file passes to a function called ``run`` or ``run_...``
    (``subprocess.run``, ``repo_copy.run``...): the literals in the call's arguments, and those of
    the values given to the names there."""
    tree = ast.parse(source)
    constants: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants.setdefault(target.id, []).append(node.value)

    def leaves(node: ast.AST, seen: set[str]) -> list[str]:
        found = []
        for leaf in ast.walk(node):
            if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str):
                found.append(leaf.value)
            elif isinstance(leaf, ast.Name) and leaf.id in constants and leaf.id not in seen:
                seen.add(leaf.id)
                found += [text for value in constants[leaf.id] for text in leaves(value, seen)]
        return found

    strings = []
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and RUNNER.match(_called(call.func)):
            for argument in [*call.args, *(keyword.value for keyword in call.keywords)]:
                strings += leaves(argument, set())
    return strings


def make_recipes(makefile: str) -> dict[str, list[str]]:
    """Target -> its recipe lines (``@`` and ``-`` dropped); and each variable, as "$NAME"."""
    recipes: dict[str, list[str]] = {}
    target = None
    for line in makefile.splitlines():
        if line.startswith("\t") and target:
            recipes[target].append(line.strip().lstrip("@-"))
        elif match := re.match(r"^([A-Za-z_][\w.-]*)\s*(?::=|\?=|=)\s*(.*)$", line):
            recipes[f"${match[1]}"] = [match[2].strip()]
            target = None
        elif match := re.match(r"^([\w.-]+)\s*:(?!=)", line):
            target = match[1]
            recipes[target] = []
        elif not line.startswith("\t"):
            target = None
    return recipes


def expand(text: str, variables: dict[str, str]) -> str:
    """Expand ``$(NAME)`` from ``variables``; unknown ones are left as they are."""
    for _ in range(10):
        expanded = re.sub(r"\$\((\w+)\)", lambda m: variables.get(m[1], m[0]), text)
        if expanded == text:
            break
        text = expanded
    return text


def recipe_commands(commands: list[str], makefile: str) -> list[str]:
    """The recipe lines of each target that one of ``commands`` runs with make, expanded."""
    recipes = make_recipes(makefile)
    defaults = {name[1:]: lines[0] for name, lines in recipes.items() if name.startswith("$")}
    lines = []
    for command in commands:
        words = command.split()
        if words[:1] != ["make"]:
            continue
        given = dict(word.split("=", 1) for word in words[1:] if "=" in word)
        for target in (word for word in words[1:] if "=" not in word and word[0] != "-"):
            for line in recipes.get(target, []):
                lines.append(" ".join(expand(line, {**defaults, **given}).split()))
    return lines


def commands_run(test_sources: dict[str, str], makefile_text: str) -> list[str]:
    """Every command that the tests' strings hold, and the recipe lines of the targets they run."""
    commands = [
        command
        for source in test_sources.values()
        for text in strings_in_test_file(source)
        for command in script_commands(text)
    ]
    return commands + recipe_commands(commands, makefile_text)


def is_run(command: str, run_commands: list[str], extras: dict[str, str]) -> bool:
    """Whether a test runs ``command`` as written, with at most ``extras`` after it."""
    return any(
        ran == command
        or (ran.startswith(command + " ") and set(ran[len(command) :].split()) <= set(extras))
        for ran in run_commands
    )


def unrun(commands: list[str], run_commands: list[str], not_run: dict[str, str], extras):
    """The guide's commands that no test runs and no exception names."""
    return [c for c in commands if c not in not_run and not is_run(c, run_commands, extras)]


def the_suite() -> tuple[list[str], list[str]]:
    sources = {
        path.name: path.read_text(encoding="utf-8") for path in (REPO / "tests").glob("*.py")
    }
    makefile = "\n".join(path.read_text(encoding="utf-8") for path in makefiles() if path.exists())
    return guide_commands(GUIDE.read_text(encoding="utf-8")), commands_run(sources, makefile)


# -------------------------------------------------------------------------- the guide's commands


def test_the_guide_has_commands_in_each_section():
    commands, _ = the_suite()
    assert len(commands) >= 20, commands
    for wanted in GUIDE_SECTIONS:
        assert any(wanted in command for command in commands), wanted


def test_every_command_in_the_guide_is_run_by_a_test():
    commands, run_commands = the_suite()
    missing = unrun(commands, run_commands, NOT_RUN, ALLOWED_EXTRAS)
    assert not missing, (
        "docs/INSTRUCTORS.md gives commands that no test runs as written; run them in a test "
        f"(tests/repo_copy.py runs them in a copy) or say in NOT_RUN why not: {missing}"
    )


def test_every_exception_is_in_the_guide_and_not_run_after_all():
    commands, run_commands = the_suite()
    assert set(NOT_RUN) <= set(commands), f"stale: {sorted(set(NOT_RUN) - set(commands))}"
    run_anyway = [c for c in NOT_RUN if is_run(c, run_commands, ALLOWED_EXTRAS)]
    assert not run_anyway, f"a test runs these; drop them from NOT_RUN: {run_anyway}"


@pytest.mark.parametrize("exception", sorted(NOT_RUN))
def test_each_exception_is_needed(exception):
    commands, run_commands = the_suite()
    fewer = {name: why for name, why in NOT_RUN.items() if name != exception}
    assert unrun(commands, run_commands, fewer, ALLOWED_EXTRAS) == [exception]


@pytest.mark.parametrize("extra", sorted(ALLOWED_EXTRAS))
def test_each_allowed_extra_is_needed(extra):
    commands, run_commands = the_suite()
    fewer = {name: why for name, why in ALLOWED_EXTRAS.items() if name != extra}
    assert unrun(commands, run_commands, NOT_RUN, fewer), f"{extra} is allowed for no reason"


# -------------------------------------------------------------------------- the checker itself

SYNTHETIC_GUIDE = """
Text with `make inline` that is not a block.

```bash
make grade SUBMISSIONS=submissions    # comment
.venv/bin/python tools/build_learner_copies.py \\
    --capstone-seed 17 --output-dir "handouts/a b"
cd course
while read -r s; do
    echo "$s # not a comment"
done < students.txt
make frobnicate ALL=1
```

```console
$ make check NOTEBOOKS=x.ipynb
summary output, not a command
$ make \\
> learner
```

```python
make this_is_python
```
"""
SYNTHETIC_COMMANDS = [
    "make grade SUBMISSIONS=submissions",
    '.venv/bin/python tools/build_learner_copies.py --capstone-seed 17 --output-dir "handouts/a b"',
    'while read -r s; do echo "$s # not a comment" done < students.txt',
    "make frobnicate ALL=1",
    "make check NOTEBOOKS=x.ipynb",
    "make learner",
]
SYNTHETIC_TEST = '''
"""make learner (a docstring does not count)"""
import subprocess

NOTE = "make learner"  # named, never run


def test_it():
    # make check NOTEBOOKS=x.ipynb (a comment does not count)
    run("make grade SUBMISSIONS=submissions TIMEOUT=3")
    run(""".venv/bin/python tools/build_learner_copies.py --capstone-seed 17 \\\\
        --output-dir "handouts/a b"
    while read -r s; do
        echo "$s # not a comment"
    done < students.txt""")
    run("make check NOTEBOOKS=x.ipynb.bak")
    run("make build")
'''
SYNTHETIC_MAKEFILE = "BIN := .venv/bin\nbuild:\n\t@$(BIN)/python tools/build.py $(OUT)\n"
SYNTHETIC_RECIPE = ".venv/bin/python tools/build.py $(OUT)"


def test_commands_are_read_from_shell_blocks_with_prompts_continuations_and_loops():
    assert guide_commands(SYNTHETIC_GUIDE) == SYNTHETIC_COMMANDS


def test_a_made_up_command_and_near_misses_are_reported_as_not_run():
    ran = commands_run({"test_synthetic.py": SYNTHETIC_TEST}, SYNTHETIC_MAKEFILE)
    missing = unrun(guide_commands(SYNTHETIC_GUIDE), ran, {}, {"TIMEOUT=3": "quick"})
    # the made-up one; a longer file name is another command; what is not passed to run()
    assert missing == [SYNTHETIC_COMMANDS[i] for i in (3, 4, 5)]
    assert SYNTHETIC_RECIPE in ran, "the recipes of the targets a test runs count"


SYNTHETIC_RAN = ["make grade SUBMISSIONS=class TIMEOUT=3", "make check NOTEBOOKS=x.ipynb"]
SYNTHETIC_GRADE = "make grade SUBMISSIONS=class"
SYNTHETIC_SHORTER = "make grade SUBMISSIONS=cl"
SYNTHETIC_CHECK = "make check"


def test_extra_arguments_count_only_where_allowed():
    quick = {"TIMEOUT=3": "quick"}
    assert is_run(SYNTHETIC_GRADE, SYNTHETIC_RAN, quick)
    assert not is_run(SYNTHETIC_GRADE, SYNTHETIC_RAN, {})
    assert not is_run(SYNTHETIC_CHECK, SYNTHETIC_RAN, quick), "NOTEBOOKS= is no allowed extra"
    assert not is_run(SYNTHETIC_SHORTER, SYNTHETIC_RAN, quick)


def test_an_exception_is_what_keeps_a_command_from_failing():
    ran = commands_run({"test_synthetic.py": SYNTHETIC_TEST}, SYNTHETIC_MAKEFILE)
    commands = guide_commands(SYNTHETIC_GUIDE)
    not_run = {c: "reason" for c in unrun(commands, ran, {}, {"TIMEOUT=3": "quick"})}
    assert unrun(commands, ran, not_run, {"TIMEOUT=3": "quick"}) == []
    del not_run[SYNTHETIC_COMMANDS[-1]]
    assert unrun(commands, ran, not_run, {"TIMEOUT=3": "quick"}) == SYNTHETIC_COMMANDS[-1:]


# -------------------------------------------------------------------------- running the commands
# The commands below are typed as docs/INSTRUCTORS.md gives them.

LEARNER_COPIES = sorted((REPO / "notebooks").glob("[0-9][0-9]_*.ipynb"))


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    return copy_repository(tmp_path / "repo")


def succeeded(result) -> str:
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def python_outside_the_venv(folder: Path) -> dict[str, str]:
    """PATH with a `python` that is the venv's base interpreter, first."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    folder.mkdir()
    (folder / "python").symlink_to(base)
    return {"PATH": f"{folder}{os.pathsep}{os.environ['PATH']}"}


def test_make_learner_rebuilds_the_committed_copies_and_check_finds_a_stale_one(copy, tmp_path):
    succeeded(run("make learner", copy))
    for path in LEARNER_COPIES:
        assert (copy / "notebooks" / path.name).read_bytes() == path.read_bytes(), path.name
    outside = python_outside_the_venv(tmp_path / "outside")
    probe = run('python -c "import nbformat"', copy, env=outside)
    if probe.returncode == 0:
        pytest.skip("the base interpreter has nbformat: there is no outside of the venv here")
    succeeded(run("python tools/build_learner_copies.py --check", copy, env=outside))
    stale = copy / "notebooks" / "01_reshaping_parameters.ipynb"
    stale.write_text(stale.read_text(encoding="utf-8").replace("YOUR CODE HERE", "mine", 1))
    result = run("python tools/build_learner_copies.py --check", copy, env=outside)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "01_reshaping_parameters.ipynb" in result.stdout + result.stderr


def checked_outputs(notebook: nbformat.NotebookNode) -> list:
    return [
        cell.outputs
        for cell in notebook.cells
        if "nbval-check-output" in cell.metadata.get("tags", [])
    ]


SOLUTIONS = sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))


def clear_outputs(path: Path) -> nbformat.NotebookNode:
    """Clear the outputs of the notebook at ``path``; return it as it was."""
    committed = nbformat.read(path, as_version=4)
    bare = nbformat.from_dict(committed)
    for cell in bare.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    nbformat.write(bare, path)
    return committed


def assert_re_executed(path: Path, committed: nbformat.NotebookNode) -> None:
    """Same sources, counts 1..N, and the checked outputs (what every machine prints) as stored."""
    again = nbformat.read(path, as_version=4)
    assert [c.source for c in again.cells] == [c.source for c in committed.cells], path.name
    counts = [c.execution_count for c in again.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), path.name
    assert checked_outputs(again) == checked_outputs(committed), path.name
    assert any(checked_outputs(again)), path.name


@pytest.mark.slow
def test_execute_solutions_restores_one_notebooks_outputs(copy):
    path = copy / "notebooks" / "solutions" / "03_relative_difference.ipynb"
    committed = clear_outputs(path)
    untouched = copy / "notebooks" / "solutions" / "02_central_difference.ipynb"
    before = untouched.read_bytes()
    succeeded(run(".venv/bin/python tools/execute_solutions.py 03", copy))
    assert_re_executed(path, committed)
    assert untouched.read_bytes() == before, "only notebook 03 is re-executed"


@pytest.mark.slow
def test_make_solutions_re_executes_every_solution_notebook(copy):
    committed = {path.name: clear_outputs(copy / path.relative_to(REPO)) for path in SOLUTIONS}
    succeeded(run("make solutions", copy))
    for path in SOLUTIONS:
        assert_re_executed(copy / path.relative_to(REPO), committed[path.name])


@pytest.mark.slow
def test_make_check_summarizes_every_untouched_learner_copy(copy):
    result = run("make check", copy)
    assert result.returncode != 0, "untouched learner copies fail their checks"
    summary = result.stdout.split("Summary of your notebooks")[-1]
    for path in LEARNER_COPIES:
        (line,) = [line for line in summary.splitlines() if line.startswith(f"{path.name}: ")]
        assert "to do" in line or "fail" in line, line


@pytest.mark.slow
def test_make_check_and_nbval_on_one_notebook_untouched_and_solved(copy):
    check = "make check NOTEBOOKS=notebooks/01_reshaping_parameters.ipynb"
    nbval = ".venv/bin/python -m pytest --nbval-lax notebooks/01_reshaping_parameters.ipynb"
    untouched = run(check, copy)
    assert untouched.returncode != 0
    assert "01_reshaping_parameters.ipynb: 2 exercise(s) to do" in untouched.stdout
    assert re.search(r"to do\s+Exercise 1\.1: ", untouched.stdout), untouched.stdout[-2000:]
    result = run(nbval, copy)
    plain = re.sub(r"\x1b\[[0-9;]*m", "", result.stdout)  # nbval colours its report
    assert result.returncode != 0 and "NotImplementedError: Exercise 1.2" in plain
    solution = REPO / "notebooks" / "solutions" / "01_reshaping_parameters.ipynb"
    (copy / "notebooks" / solution.name).write_bytes(solution.read_bytes())
    assert "01_reshaping_parameters.ipynb: done, " in succeeded(run(check, copy))
    succeeded(run(nbval, copy))


def test_make_nbgrader_course_lays_out_every_notebook(copy):
    succeeded(run("make nbgrader-course COURSE=course", copy))
    assert (copy / "course" / "nbgrader_config.py").is_file()
    for path in sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb")):
        assert (copy / "course" / "source" / path.stem / path.name).is_file(), path.stem


def test_nbgrader_metadata_check_finds_a_stale_cell_and_the_tool_regenerates_it(copy):
    succeeded(run(".venv/bin/python tools/nbgrader_metadata.py --check", copy))
    path = copy / "notebooks" / "solutions" / "01_reshaping_parameters.ipynb"
    committed = path.read_bytes()
    notebook = nbformat.read(path, as_version=4)
    (graded,) = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade")][:1]
    graded.metadata["nbgrader"]["points"] = 99
    nbformat.write(notebook, path)
    result = run(".venv/bin/python tools/nbgrader_metadata.py --check", copy)
    assert result.returncode == 1 and "01_reshaping_parameters.ipynb" in result.stdout, result
    succeeded(run(".venv/bin/python tools/nbgrader_metadata.py\nmake learner", copy))
    assert path.read_bytes() == committed, "regenerated from the points, as committed"
    for learner in LEARNER_COPIES:
        assert (copy / "notebooks" / learner.name).read_bytes() == learner.read_bytes()


def test_make_handout_builds_the_folder_and_zip_without_solutions(copy):
    succeeded(run("make handout", copy))
    folder = copy / "handout"
    for path in LEARNER_COPIES:
        assert (folder / "notebooks" / path.name).read_bytes() == path.read_bytes(), path.name
    names = zipfile.ZipFile(copy / "handout.zip").namelist()
    assert {f"handout/notebooks/{path.name}" for path in LEARNER_COPIES} <= set(names)
    assert not [name for name in names if "solutions" in name]
    assert not list(folder.rglob("solutions"))
    for target, recipe in {"lab": "jupyter lab", "check": "check_summary.py"}.items():
        # a dry run (make -n) only prints what the learner's make would do, .venv set-up first
        dry = subprocess.run(["make", "-n", target], cwd=folder, capture_output=True, text=True)
        assert dry.returncode == 0 and recipe in dry.stdout, (target, dry.stdout + dry.stderr)
    assert (folder / "README.md").is_file()


def capstone_seed(folder: Path) -> str:
    notebook = nbformat.read(folder / "08_capstone.ipynb", as_version=4)
    (cell,) = [c for c in notebook.cells if "capstone-seed" in c.metadata.get("tags", [])]
    return re.match(r"CAPSTONE_SEED = (\d+)", cell.source)[1]


@pytest.mark.slow
def test_capstone_copies_per_student_per_seed_and_per_class(copy):
    from gradcheck_lib.capstone import seed_for_student

    out = succeeded(
        run(
            '.venv/bin/python tools/build_learner_copies.py --capstone-student "ada.lovelace"'
            " --output-dir handouts/ada.lovelace\n"
            ".venv/bin/python tools/build_learner_copies.py --capstone-seed 17"
            " --output-dir handouts/group-17",
            copy,
        )
    )
    ada = str(seed_for_student("ada.lovelace"))
    assert f"seed {ada}" in out and capstone_seed(copy / "handouts" / "ada.lovelace") == ada
    assert capstone_seed(copy / "handouts" / "group-17") == "17"
    for path in LEARNER_COPIES:
        if path.name != "08_capstone.ipynb":
            assert (copy / "handouts" / "group-17" / path.name).read_bytes() == path.read_bytes()
    (copy / "students.txt").write_text("alan.turing\n  Grace.Hopper \n", encoding="utf-8")
    succeeded(
        run(
            """while read -r student; do
    .venv/bin/python tools/build_learner_copies.py --capstone-student "$student" --output-dir "handouts/$student"
done < students.txt""",  # noqa: E501
            copy,
        )
    )
    for student in ("alan.turing", "Grace.Hopper"):
        assert capstone_seed(copy / "handouts" / student) == str(seed_for_student(student))


@pytest.mark.slow
def test_make_handout_per_student_gives_each_their_capstone_bugs(copy):
    from gradcheck_lib.capstone import seed_for_student

    succeeded(run("make handout STUDENT=ada.lovelace", copy))
    (copy / "students.txt").write_text("alan.turing\n", encoding="utf-8")
    succeeded(
        run('while read -r student; do make handout STUDENT="$student"; done < students.txt', copy)
    )
    for student in ("ada.lovelace", "alan.turing"):
        folder = copy / "handouts" / student / "handout"
        assert capstone_seed(folder / "notebooks") == str(seed_for_student(student))
        assert (copy / "handouts" / student / "handout.zip").is_file()
        for path in LEARNER_COPIES:  # only the capstone differs from the committed copies
            if path.name != "08_capstone.ipynb":
                assert (folder / "notebooks" / path.name).read_bytes() == path.read_bytes()


def test_the_answer_key_one_liner_prints_three_bugs_in_three_functions(copy):
    out = succeeded(
        run(
            '''.venv/bin/python -c "from tools.capstone_key import planted_bugs; [print(b.function, '|', b.wrong) for b in planted_bugs(17)]"''',  # noqa: E501
            copy,
        )
    )
    functions = [line.split(" | ")[0] for line in out.splitlines()]
    assert len(functions) == len(set(functions)) == 3, out
    assert {"batchnorm_backward", "network_backward"} <= set(functions), out


SYNTHETIC_INSTALLS = "make nbgrader-course COURSE=elsewhere"


def test_repo_copy_refuses_a_make_command_that_would_install(copy):
    (copy / ".venv" / ".installed-runtime").unlink()
    with pytest.raises(AssertionError, match="would install"):
        repo_copy.run(SYNTHETIC_INSTALLS, copy)


@contextlib.contextmanager
def run_server(
    script: str, cwd: Path, port: int, env: dict[str, str] | None = None, probe: str = ""
) -> Iterator[str]:
    """Start ``script`` in bash from ``cwd`` (a server on ``port``); yield its URL once ``probe``
    answers there; stop it."""
    env = repo_copy.environment(cwd, env)
    repo_copy.refuse_installs(script, cwd, env)
    log = cwd / "server.log"
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(
            ["bash", "-c", script],
            cwd=cwd,
            env=env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group, stopped as one
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(120):
            assert process.poll() is None, log.read_text(encoding="utf-8")[-3000:]
            try:
                urllib.request.urlopen(url + probe, timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.mark.slow
def test_make_app_serves_the_lab_as_a_page_with_its_widgets_and_no_error(copy):
    port = free_port()
    with run_server(APP.replace("8866", str(port)), copy, port) as url:
        with urllib.request.urlopen(url, timeout=120) as response:
            page = response.read().decode("utf-8")
    assert "The bug-hunt lab" in page, page[-2000:]
    assert "application/vnd.jupyter.widget-view+json" in page, "the lab's widgets are on the page"
    assert "Traceback" not in page
    assert "from gradcheck_lib" not in page, "the code is hidden (the setup cell imports it)"


BROWSER = '#!/bin/sh\necho "$1" > "$0.opened"\ncat "${1#file://}" >> "$0.opened"\n'


@pytest.mark.slow
def test_make_lab_opens_the_start_notebook_without_the_news_question(copy, tmp_path):
    port, token = free_port(), secrets.token_hex(16)
    browser = tmp_path / "browser"  # writes down what JupyterLab asks it to open
    browser.write_text(BROWSER, encoding="utf-8")
    browser.chmod(0o755)
    opened = tmp_path / "browser.opened"
    # JupyterLab takes its port and token from the environment (the Makefile says so).
    env = {"JUPYTER_PORT": str(port), "JUPYTER_TOKEN": token, "BROWSER": str(browser)}
    with run_server("make lab", copy, port, env, probe=f"api/status?token={token}") as url:
        with urllib.request.urlopen(f"{url}api/contents?token={token}") as response:
            listing = json.load(response)
        notification = "lab/api/settings/@jupyterlab/apputils-extension:notification"
        with urllib.request.urlopen(f"{url}{notification}?token={token}") as response:
            fetch_news = json.load(response)["schema"]["properties"]["fetchNews"]
        for _ in range(60):
            if opened.exists() and "</html>" in opened.read_text(encoding="utf-8"):
                break
            time.sleep(0.5)
    assert "/lab/tree/00_start_here.ipynb" in opened.read_text(encoding="utf-8")
    names = {entry["name"] for entry in listing["content"]}
    assert {path.name for path in LEARNER_COPIES} | {"solutions"} <= names, "notebooks/ is its root"
    stock = Path(sys.prefix, "share/jupyter/lab/schemas/@jupyterlab/apputils-extension")
    asks = json.loads((stock / "notification.json").read_text(encoding="utf-8"))
    assert asks["properties"]["fetchNews"]["default"] == "none", "JupyterLab's own default asks"
    assert fetch_news["default"] == "false", "the Makefile's settings override answers never"
