"""A throwaway copy of the repository, for running the instructors' commands exactly as written.

docs/INSTRUCTORS.md gives commands such as ``make grade SUBMISSIONS=submissions``, run from the
repository root, and they write files there. Tests run them in a copy, in bash, as typed. The
copy's ``.venv`` is the running virtual environment relocated: the same packages (symlinked),
console scripts whose ``#!`` names the copy's own python (as pip writes them), real folders where
the Makefile writes into .venv, and fresh set-up stamps, so that ``make`` goes straight to the
target's recipe. A make command that would still install something (a stamp this module does not
know of) is refused before it runs: it would install into the shared environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Written by the instructor's commands, or not part of a checkout.
NOT_COPIED = {
    ".venv",
    ".git",
    "handout",
    "handout.zip",
    "handouts",
    "submissions",
    "course",
    "nbgrader-course",
}
NOT_COPIED_ANYWHERE = shutil.ignore_patterns(
    "__pycache__", ".pytest_cache", ".ruff_cache", ".hypothesis"
)
STAMP = re.compile(r"^\w+_STAMP\s*:=\s*\$\(VENV\)/(\S+)", re.M)
VENV_FILE = re.compile(r"^\w+\s*:=\s*\$\(VENV\)/(\S+)", re.M)


def _ignore(directory: str, names: list[str]) -> set[str]:
    ignored = set(NOT_COPIED_ANYWHERE(directory, names))
    if Path(directory) == REPO:
        ignored |= NOT_COPIED & set(names)
    return ignored


def makefiles(root: Path = REPO) -> list[Path]:
    """The Makefile and the files it may include (``*.mk``)."""
    return [root / "Makefile", *sorted(root.glob("*.mk"))]


def _real_directories(venv: Path, relative: Path) -> None:
    """Make each folder on ``relative`` a real one in the copy (its entries still symlinked), so
    that what make writes there stays in the copy."""
    folder = venv
    for part in relative.parts:
        folder = folder / part
        if folder.is_symlink():
            original = folder.resolve()
            folder.unlink()
            folder.mkdir()
            for entry in original.iterdir():
                (folder / entry.name).symlink_to(entry)
        elif not folder.exists():
            folder.mkdir()


def _relocate_venv(venv: Path) -> None:
    source = Path(sys.prefix)
    if source == Path(sys.base_prefix):
        pytest.skip("the instructors' commands run in the project's .venv; run pytest from it")
    text = "\n".join(path.read_text(encoding="utf-8") for path in makefiles() if path.exists())
    written = [Path(path) for path in VENV_FILE.findall(text)]  # stamps, reports, settings
    venv.mkdir()
    for entry in source.iterdir():
        if entry.name != "bin" and Path(entry.name) not in written:
            (venv / entry.name).symlink_to(entry)
    (venv / "bin").mkdir()
    python = venv / "bin" / "python"
    for entry in (source / "bin").iterdir():
        target = venv / "bin" / entry.name
        head = entry.read_bytes()[:2] if entry.is_file() else b""
        if head == b"#!" and not entry.name.startswith("python"):
            lines = entry.read_text(encoding="utf-8").splitlines(keepends=True)
            target.write_text(f"#!{python}\n" + "".join(lines[1:]), encoding="utf-8")
            target.chmod(0o755)
        else:
            target.symlink_to(entry.resolve() if entry.name.startswith("python") else entry)
    for path in written:
        _real_directories(venv, path.parent)
    for stamp in STAMP.findall(text):
        (venv / stamp).touch()


def copy_repository(target: Path) -> Path:
    """Copy the repository (without .venv, .git and the commands' outputs) to ``target``."""
    shutil.copytree(REPO, target, ignore=_ignore, symlinks=True)
    _relocate_venv(target / ".venv")
    return target


def environment(root: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment the commands run in: the copy at ``root`` importable, ``env`` added."""
    environ = {**os.environ, "PYTHONPATH": str(root), **(env or {})}
    for name in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):  # when the suite itself runs under make
        environ.pop(name, None)
    return environ


def refuse_installs(script: str, cwd: Path, env: dict[str, str]) -> None:
    """Dry-run each ``make`` line of ``script``; fail if one would install anything."""
    for line in script.splitlines():
        if line.strip().startswith("make "):
            dry = subprocess.run(
                ["bash", "-c", line.strip().replace("make ", "make -n ", 1)],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            assert "pip install" not in dry.stdout, f"`{line}` would install: {dry.stdout}"


def run(
    script: str, cwd: Path, *, root: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """Run ``script`` in bash from ``cwd``, with the copy at ``root`` (default ``cwd``) importable
    and ``env`` added to the environment.

    bash stops at the first command that fails. Each ``make`` line is dry-run first, and refused
    if it would install anything.
    """
    environ = environment(root or cwd, env)
    refuse_installs(script, cwd, environ)
    command = ["bash", "-e", "-c", script]
    return subprocess.run(command, cwd=cwd, env=environ, capture_output=True, text=True)
