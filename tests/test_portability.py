"""The same verdicts on other machines: nbval under other numeric configurations.

Each configuration changes the last bits of every cost: another OpenBLAS kernel
(``OPENBLAS_CORETYPE``), numpy without its wider SIMD paths (``NPY_DISABLE_CPU_FEATURES``), and
another number of BLAS threads. Under each one, a single pytest subprocess runs nbval (lax, as the
suite does) on every solution notebook and on the grader's path (each learner copy filled with the
solutions), so the kernel start-up cost is paid once per configuration.

A kernel is never forced on a CPU that lacks its instructions (read from /proc/cpuinfo), and the
forced-kernel configurations are skipped, with the reason, on a CPU that is not x86-64.
"""

import os
import platform
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest

from tests.test_learner_copies import answers_from, fill, learner_path, run_nbval

REPO = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((REPO / "notebooks" / "solutions").glob("[0-9][0-9]_*.ipynb"))
# numpy's dispatch targets above X86_V2 and above X86_V3 (numpy 2.x names).
ABOVE_X86_V2 = ("X86_V3", "X86_V4", "AVX512_ICL", "AVX512_SPR")
ABOVE_X86_V3 = ("X86_V4", "AVX512_ICL", "AVX512_SPR")


@dataclass(frozen=True)
class NumericConfiguration:
    """Environment variables that imitate another machine's rounding."""

    name: str
    openblas_coretype: str | None = None
    cpu_flags_needed: tuple[str, ...] = ()
    numpy_features_disabled: tuple[str, ...] = ()
    blas_threads: int | None = None


CONFIGURATIONS = [
    NumericConfiguration(
        "sandybridge-x86_v2",
        openblas_coretype="Sandybridge",
        cpu_flags_needed=("avx",),
        numpy_features_disabled=ABOVE_X86_V2,
    ),
    NumericConfiguration(
        "haswell-x86_v3-2threads",
        openblas_coretype="Haswell",
        cpu_flags_needed=("avx2", "fma"),
        numpy_features_disabled=ABOVE_X86_V3,
        blas_threads=2,
    ),
    NumericConfiguration("own-kernels-1thread", blas_threads=1),
]


def cpu_flags() -> set[str]:
    """The instruction-set flags of this CPU, from /proc/cpuinfo (empty where it is absent)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    match = re.search(r"^flags\s*:(.*)$", text, re.M)
    return set(match[1].split()) if match else set()


def numpy_features_present(names: tuple[str, ...]) -> list[str]:
    """The names among ``names`` that numpy dispatches to on this CPU (disabling others is moot)."""
    from numpy._core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return [name for name in names if name in __cpu_dispatch__ and __cpu_features__.get(name)]


def environment_for(configuration: NumericConfiguration) -> dict[str, str]:
    """The variables to set for ``configuration``, or skip saying why it cannot run here."""
    if configuration.openblas_coretype is not None:
        if platform.machine().lower() not in ("x86_64", "amd64"):
            pytest.skip(
                f"{configuration.name}: forces an x86-64 OpenBLAS kernel, and this CPU is "
                f"{platform.machine()}"
            )
        missing = [flag for flag in configuration.cpu_flags_needed if flag not in cpu_flags()]
        if missing:
            pytest.skip(
                f"{configuration.name}: the {configuration.openblas_coretype} kernel needs "
                f"{', '.join(missing)}, which this CPU lacks"
            )
    variables = {}
    if configuration.openblas_coretype is not None:
        variables["OPENBLAS_CORETYPE"] = configuration.openblas_coretype
    disabled = numpy_features_present(configuration.numpy_features_disabled)
    if disabled:
        variables["NPY_DISABLE_CPU_FEATURES"] = " ".join(disabled)
    if configuration.blas_threads is not None:
        variables["OPENBLAS_NUM_THREADS"] = str(configuration.blas_threads)
    return variables


def numpy_dispatch_under(variables: dict[str, str]) -> list[str]:
    """The SIMD targets numpy dispatches to in a fresh interpreter with ``variables`` set."""
    code = (
        "from numpy._core._multiarray_umath import __cpu_dispatch__ as d, __cpu_features__ as f\n"
        "print(' '.join(x for x in d if f[x]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **variables},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


@pytest.mark.slow
@pytest.mark.parametrize("configuration", CONFIGURATIONS, ids=[c.name for c in CONFIGURATIONS])
def test_solutions_and_grader_path_pass_under_another_numeric_configuration(
    configuration, nbval_sandbox, monkeypatch
):
    variables = environment_for(configuration)
    # The configuration really takes effect: numpy no longer dispatches to what it disables.
    still_dispatched = set(numpy_dispatch_under(variables))
    disabled = set(variables.get("NPY_DISABLE_CPU_FEATURES", "").split())
    assert not disabled & still_dispatched, f"numpy still uses {disabled & still_dispatched}"
    for name, value in variables.items():
        monkeypatch.setenv(name, value)

    (nbval_sandbox / "notebooks" / "solutions").mkdir(parents=True)
    notebooks = {f"solutions/{path.name}": nbformat.read(path, 4) for path in SOLUTIONS}
    notebooks |= {
        path.name: fill(nbformat.read(learner_path(path), 4), answers_from(path))
        for path in SOLUTIONS
        if learner_path(path).exists()
    }
    result = run_nbval(nbval_sandbox, notebooks)
    failed = re.findall(r"^FAILED (\S+)", result.stdout, re.M)
    passed = re.search(r"(\d+) passed", result.stdout)
    assert result.returncode == 0, (
        f"under {variables}: failing cells {failed}\n" + result.stdout[-4000:]
    )
    assert passed and int(passed[1]) > len(notebooks), result.stdout[-2000:]
