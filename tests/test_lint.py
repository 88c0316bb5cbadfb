"""ruff (lint and format) covers the package, the tests, the tools and the notebooks."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def ruff(*args: str) -> subprocess.CompletedProcess:
    executable = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if executable is None:
        pytest.fail("ruff is missing: install the test extra (pip install -e '.[test]')")
    return subprocess.run([executable, *args], cwd=REPO, capture_output=True, text=True)


def test_ruff_check_passes():
    result = ruff("check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_leaves_everything_unchanged():
    result = ruff("format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr
