"""A backward pass as a table of named lines, and the one place where a bug replaces one of them.

The reference network (:mod:`gradcheck_lib.network`) and each layer (:mod:`gradcheck_lib.layers`)
write their backward pass as ``{line name: compute(v)}``, one entry per forward statement read in
reverse; a catalog bug names the line it replaces and brings its own ``compute``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any, Protocol

__all__ = ["Line", "LineReplacement", "with_replaced_lines"]

Line = Callable[[SimpleNamespace], Any]


class LineReplacement(Protocol):
    """What a backward pass needs from a bug: its name, which line, and its wrong code."""

    name: str
    replaces: str
    compute: Line


def with_replaced_lines(
    lines: Mapping[str, Line], bugs: Iterable[LineReplacement]
) -> dict[str, Line]:
    """``lines`` with each bug's ``compute`` in place of the line it replaces.

    Raises
    ------
    ValueError
        When a bug replaces a line that is not in ``lines``, or two bugs replace the same line.

    Examples
    --------
    >>> from types import SimpleNamespace as Bug
    >>> lines = {"dx": lambda v: 2 * v.x}
    >>> wrong = Bug(name="doubled", replaces="dx", compute=lambda v: 4 * v.x)
    >>> with_replaced_lines(lines, [wrong])["dx"](SimpleNamespace(x=1.0))
    4.0
    """
    swapped = dict(lines)
    replaced_by: dict[str, str] = {}
    for bug in bugs:
        if bug.replaces not in swapped:
            raise ValueError(
                f"bug {bug.name!r} replaces line {bug.replaces!r}, which is not a backward line; "
                f"the lines are {list(lines)}"
            )
        if bug.replaces in replaced_by:
            raise ValueError(
                f"bugs {replaced_by[bug.replaces]!r} and {bug.name!r} both replace line "
                f"{bug.replaces!r}; a line can hold one bug at a time, so switch one of them off"
            )
        replaced_by[bug.replaces] = bug.name
        swapped[bug.replaces] = bug.compute
    return swapped
