"""The bug hunt's rules: the bug each round hides, what a report shows of it, how to judge a guess.

Numpy only; :mod:`gradcheck_lib.hunt` puts these rules into widgets.

Every round checks the same network, :data:`HUNT_SETTINGS` (tanh, λ = 0.1, dropout with a fixed
mask), under which every catalog bug exists, so the network described on screen says nothing about
the bug. A learner reads the report through its *clues*: which arrays it blames, each array's
band, and the shape of each mismatch (a constant factor, and which one; or a wrong term, with a
best-fit factor above 1, below 1 or negative). Two bugs whose reports give the same clues cannot
be told apart from the report (:func:`lookalike_groups`): naming either wins the round.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np

from .bugs import CATALOG, check_network, settings_for
from .compare import Verdict, classify, relative_difference
from .network import DEFAULT_SETTINGS, NetworkSettings
from .numeric import DEFAULT_EPSILON
from .report import GradCheckReport

__all__ = [
    "HUNT_SETTINGS",
    "Clue",
    "Judgement",
    "clues",
    "evidence_text",
    "judge",
    "lookalike_groups",
    "round_bug",
    "round_report",
]

#: The network of every round: the course's defaults with tanh and a fixed dropout mask, so every
#: catalog bug exists and the settings shown give nothing away.
HUNT_SETTINGS: NetworkSettings = settings_for(CATALOG, DEFAULT_SETTINGS)
#: A mismatch that a constant factor explains this well (relative difference after scaling)
#: reads as "k× too large"; the report's own diagnosis uses the same cut.
_CONSTANT_FACTOR_RESIDUAL = 1e-3
#: A best-fit factor this close to 1 means a small wrong term, not a factor.
_NEAR_ONE = 1e-3


@dataclass(frozen=True)
class Clue:
    """What a report shows about one blamed array, in the terms a learner can read off it.

    Attributes
    ----------
    name : str
        The parameter, e.g. ``"W2"``.
    verdict : Verdict
        The band of the array's own relative difference.
    shape : str
        ``"factor"`` (off by a constant factor), ``"small term"`` (slightly off, best fit ≈ 1),
        or ``"term"`` (off by more than a constant factor).
    direction : str
        For a factor, the factor itself to two decimals (``"2.00"``); otherwise where the best
        fit lies: ``"above 1"``, ``"below 1"``, ``"negative"`` or ``"about 1"``.
    """

    name: str
    verdict: Verdict
    shape: str
    direction: str

    def describe(self) -> str:
        """The clue in words, e.g. ``"dW2 critical, exactly 2.00× the numerical gradient"``."""
        if self.shape == "factor":
            what = f"exactly {self.direction}× the numerical gradient"
        elif self.shape == "small term":
            what = "slightly off (a small wrong term)"
        else:
            what = f"off by a wrong term (best-fit factor {self.direction})"
        return f"d{self.name} {self.verdict.value}, {what}"


def _direction(k: float) -> str:
    if k < 0:
        return "negative"
    if abs(k - 1) < _NEAR_ONE:
        return "about 1"
    return "above 1" if k > 1 else "below 1"


def clues(report: GradCheckReport) -> dict[str, Clue]:
    """The clues of a full-mode report: one per array it blames (``report.diagnosis``).

    Parameters
    ----------
    report : GradCheckReport
        A full-mode check.

    Returns
    -------
    dict of str to Clue
        Blamed array name -> its clue, in layout order.
    """
    found = {}
    for name in report.layout.names:
        if name not in report.diagnosis:
            continue
        where = report.layout.slice(name)
        analytical, numerical = report.analytical[where], report.numerical[where]
        k = report.scale_factors[name]
        verdict = classify(report.by_parameter[name])
        if np.isfinite(k) and abs(k - 1) < _NEAR_ONE:
            shape, direction = "small term", "about 1"
        elif (
            np.isfinite(k)
            and k != 0
            and (relative_difference(analytical, k * numerical) <= _CONSTANT_FACTOR_RESIDUAL)
        ):
            shape, direction = "factor", f"{k:.2f}"
        else:
            shape, direction = "term", _direction(k)
        found[name] = Clue(name, verdict, shape, direction)
    return found


def round_bug(seed: int, round_number: int) -> str:
    """The catalog name of the bug hidden in round ``round_number`` of the hunt with ``seed``.

    Each run of ``len(CATALOG)`` rounds shows every bug once, in an order drawn from
    ``numpy.random.default_rng([seed, run])``: the same seed gives the same rounds on every
    machine ("everyone gets round 3").

    Parameters
    ----------
    seed : int
        Non-negative seed of the sequence.
    round_number : int
        1 for the first round.

    Examples
    --------
    >>> round_bug(0, 3) == round_bug(0, 3)
    True
    >>> len({round_bug(0, k) for k in range(1, len(CATALOG) + 1)}) == len(CATALOG)
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer; got {seed!r}")
    if (
        isinstance(round_number, bool)
        or not isinstance(round_number, (int, np.integer))
        or round_number < 1
    ):
        raise ValueError(
            f"round_number must be an integer >= 1 (1 is the first); got {round_number!r}"
        )
    names = list(CATALOG)
    run, position = divmod(int(round_number) - 1, len(names))
    order = np.random.default_rng([int(seed), run]).permutation(len(names))
    return names[int(order[position])]


@cache
def round_report(name: str, epsilon: float = DEFAULT_EPSILON) -> GradCheckReport:
    """The check of :data:`HUNT_SETTINGS` with the one catalog bug ``name`` injected (cached)."""
    return check_network(HUNT_SETTINGS, [name], epsilon=epsilon)


def lookalike_groups(reports: Mapping[str, GradCheckReport]) -> list[frozenset[str]]:
    """Group the bugs whose reports give the same clues (groups of two or more only).

    Parameters
    ----------
    reports : Mapping of str to GradCheckReport
        Catalog name -> the report of that bug alone.

    Returns
    -------
    list of frozenset of str
        Each set holds bugs that no reading of the report can tell apart, in catalog order of
        their first member.
    """
    by_clues: dict[tuple, list[str]] = {}
    for name, report in reports.items():
        by_clues.setdefault(tuple(clues(report).values()), []).append(name)
    return [frozenset(names) for names in by_clues.values() if len(names) > 1]


@dataclass(frozen=True)
class Judgement:
    """The verdict on one guess.

    Attributes
    ----------
    right : bool
        The guess is the hidden bug, or a bug whose report reads the same.
    exact : bool
        The guess is the hidden bug itself.
    reason : str
        Why, in plain words, from the report: for a wrong guess, what in the report points
        elsewhere; for a right one, the clues that point at it.
    """

    right: bool
    exact: bool
    reason: str


def _arrays(names) -> str:
    names = [f"d{name}" for name in names]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def evidence_text(report: GradCheckReport) -> str:
    """What the report blames, in one phrase: each blamed array with its diagnosis."""
    return "; ".join(
        f"{report.diagnosis[name]} (d = {report.by_parameter[name]:.1e})" for name in clues(report)
    )


def judge(guess: str, hidden: str, epsilon: float = DEFAULT_EPSILON) -> Judgement:
    """Judge the guess ``guess`` for the round whose hidden bug is ``hidden`` (catalog names).

    A wrong guess gets the first clue that rules it out: the arrays its line corrupts
    (``CATALOG[guess].affects``) against those the report blames; else the band of an array
    in its own report against the report shown; else the shape of a mismatch (a factor and
    which one, or a wrong term and which way its best fit leans).

    Examples
    --------
    >>> judgement = judge("db1_four_over_m", "dW2_doubled")
    >>> judgement.right
    False
    >>> judgement.reason.startswith("Your guess corrupts db1 alone, but the report blames dW2")
    True
    """
    shown = round_report(hidden, epsilon)
    expected = round_report(guess, epsilon)
    seen, predicted = clues(shown), clues(expected)
    title = CATALOG[guess].title
    if guess == hidden:
        return Judgement(True, True, f"The report points at it: {evidence_text(shown)}.")
    if predicted == seen:
        return Judgement(
            True,
            False,
            f"Your guess, “{title}”, gives a report that reads the same "
            f"({'; '.join(clue.describe() for clue in seen.values())}): no reading of the "
            "check can tell the two apart, only the code can, so it counts.",
        )
    corrupts = sorted(CATALOG[guess].affects, key=list(shown.layout.names).index)
    if set(corrupts) != set(seen):
        spared = [name for name in corrupts if name not in seen]
        also = (
            f"; {_arrays(spared)} {'is' if len(spared) == 1 else 'are'} excellent"
            f" ({', '.join(f'd = {shown.by_parameter[n]:.1e}' for n in spared)})"
            if spared
            else ""
        )
        alone = " alone" if len(corrupts) == 1 else ""
        return Judgement(
            False,
            False,
            f"Your guess corrupts {_arrays(corrupts)}{alone}, but the report blames "
            f"{_arrays(seen)}: {evidence_text(shown)}{also}.",
        )
    for name, clue in seen.items():
        mine = predicted[name]
        if mine.verdict is not clue.verdict:
            return Judgement(
                False,
                False,
                f"Your guess would put d{name} in the {mine.verdict.value} band "
                f"(d = {expected.by_parameter[name]:.1e}), but the report's d{name} is in the "
                f"{clue.verdict.value} band (d = {shown.by_parameter[name]:.1e}).",
            )
        if mine != clue:
            return Judgement(
                False,
                False,
                f"Your guess would leave {mine.describe()}, but the report shows "
                f"{clue.describe()}: “{shown.diagnosis[name]}” "
                f"(d = {shown.by_parameter[name]:.1e}).",
            )
    raise AssertionError("clues differ, so some array's clue differs")  # pragma: no cover
