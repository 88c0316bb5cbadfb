"""`make handout` holds no answer: no solution notebook, no line of a solution region, no key.

A line of a solution region (between ``### BEGIN SOLUTION`` and ``### END SOLUTION``) is a leak
wherever it appears in the handout, unless the learner is given it anyway: the lessons show it
(outside the regions), or it is the capstone's code as handed out (notebook 08's answer cell holds
the buggy code by design). Two libraries' lines are allowed by name, each with its reason, in
``ALLOWED``; the test fails on any other line, and on an allowance that is no longer needed.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from gradcheck_lib import capstone
from gradcheck_lib.layers import CORRECT_LINES
from tools import capstone_key
from tools.handout import build

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "notebooks" / "solutions"
MIN_LINE = 20  # shorter lines ("return x", "dx = dout") say nothing of their own

#: Files that may hold solution lines, which lines, and why.
ALLOWED: dict[str, tuple[frozenset[str], str]] = {
    "gradcheck_lib/layers.py": (
        frozenset(CORRECT_LINES["batchnorm"].values()),
        "the library's batch-normalization layer, which notebook 07 checks in its lesson (and"
        " whose formulas it derives) before Exercise 7.1 asks the learner to write it, and which"
        " the capstone's checker compares the learner's layer with",
    ),
}


def _regions(source: str) -> tuple[list[str], list[str]]:
    """The lines inside solution regions, and the others."""
    inside, outside, within = [], [], False
    for line in source.splitlines():
        if "### BEGIN SOLUTION" in line:
            within = True
        elif "### END SOLUTION" in line:
            within = False
        else:
            (inside if within else outside).append(line)
    return inside, outside


def solution_lines(seed: int = capstone.DEFAULT_SEED) -> set[str]:
    """Stripped lines of meaningful length that the solution regions hold and no code gives away:
    not the lessons' code cells, not the capstone's code as handed out with the bugs of ``seed``."""
    lines, given = set(), [capstone_key.learner_code(seed)]
    for path in sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            inside, outside = _regions(cell.source)
            lines |= {line.strip() for line in inside if len(line.strip()) >= MIN_LINE}
            if cell.cell_type == "code":  # what markdown quotes (a hint) is no excuse
                given.append("\n".join(outside))
    shown = "\n".join(given)
    return {line for line in lines if line not in shown}


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        value = list(value.values())
    return [text for item in value for text in _strings(item)] if isinstance(value, list) else []


def _text(name: str, data: bytes) -> str:
    """A file as text; a notebook as its strings, unescaped (JSON writes \\" for a quote)."""
    text = data.decode("utf-8", errors="replace")
    if name.endswith(".ipynb"):
        return "".join(_strings(json.loads(text)))
    return text


def handout_texts(output: Path) -> dict[str, str]:
    """Every file of the handout folder and of its zip, by relative name, as text."""
    folder = output / "handout"
    texts = {
        str(path.relative_to(folder)): _text(path.name, path.read_bytes())
        for path in folder.rglob("*")
        if path.is_file()
    }
    with zipfile.ZipFile(output / "handout.zip") as archive:
        for name in archive.namelist():
            if not name.endswith("/"):
                texts[f"handout.zip:{name}"] = _text(name, archive.read(name))
    return texts


def leaks(texts: dict[str, str], lines: set[str]) -> dict[str, set[str]]:
    """File -> the solution lines it holds."""
    found: dict[str, set[str]] = {}
    for name, text in texts.items():
        hits = {line for line in lines if line in text}
        if hits:
            found[name] = hits
    return found


def _unzipped(name: str) -> str:
    return name.split(":", 1)[1].split("/", 1)[1] if name.startswith("handout.zip:") else name


#: The committed copies' capstone seed, and a student's.
SEEDS = {"seed 0": capstone.DEFAULT_SEED, "ada.lovelace": capstone.seed_for_student("ada.lovelace")}


@pytest.fixture(scope="module", params=list(SEEDS))
def seed(request) -> int:
    return SEEDS[request.param]


@pytest.fixture(scope="module")
def handout(tmp_path_factory, seed) -> Path:
    output = tmp_path_factory.mktemp("out")
    build(output, capstone_seed=seed)
    return output


@pytest.fixture(scope="module")
def lines(seed) -> set[str]:
    return solution_lines(seed)


def test_the_scan_finds_the_solutions_lines_and_the_capstones_fixes(lines, seed):
    assert len(lines) > 30
    assert "x[i] = old + epsilon" in lines  # Exercise 2.1, whose hint no longer quotes it
    fixes = [bug.correct for bug in capstone_key.planted_bugs(seed) if len(bug.correct) >= MIN_LINE]
    assert fixes and all(any(fix in line for line in lines) for fix in fixes)
    assert solution_lines(SEEDS["seed 0"]) != solution_lines(SEEDS["ada.lovelace"])


def test_no_solution_line_is_in_the_handout_but_the_allowed_ones(handout, lines):
    found: dict[str, set[str]] = {}
    for name, hits in leaks(handout_texts(handout), lines).items():
        found.setdefault(_unzipped(name), set()).update(hits)
    leaked = {name: hits - ALLOWED.get(name, (frozenset(), ""))[0] for name, hits in found.items()}
    assert {name: hits for name, hits in leaked.items() if hits} == {}
    assert set(found) == set(ALLOWED), "an allowance is no longer needed: remove it"


def test_the_handout_holds_no_solution_notebook_and_no_answer_key(handout, seed):
    names = set(map(_unzipped, handout_texts(handout)))
    assert not [name for name in names if "solutions" in Path(name).parts]
    assert "tools/capstone_key.py" not in names and "tools/build_learner_copies.py" not in names
    library = "\n".join(
        text for name, text in handout_texts(handout).items() if name.endswith(".py")
    )
    assert "SOLUTION_CODE" not in library
    everything = "\n".join(handout_texts(handout).values())
    for bug in capstone_key.planted_bugs(seed):  # the fix of the glue's bug: nowhere
        if bug.function == "network_backward":
            assert bug.wrong in everything and bug.correct not in everything


def test_the_scan_catches_a_leak_planted_in_a_copy_of_the_handout(handout, lines, tmp_path):
    copy = tmp_path / "leaky"
    shutil.copytree(handout, copy)
    shutil.copy2(SOLUTIONS / "03_relative_difference.ipynb", copy / "handout" / "notebooks")
    (copy / "handout" / "gradcheck_lib" / "extra.py").write_text(capstone_key.SOLUTION_CODE)
    found = {_unzipped(name) for name in leaks(handout_texts(copy), lines)}
    assert {"notebooks/03_relative_difference.ipynb", "gradcheck_lib/extra.py"} <= found
