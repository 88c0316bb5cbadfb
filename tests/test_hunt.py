"""Mystery mode, played in this process as a learner would: set the guess, click, read the widgets.

ipywidgets work without a frontend; ``Button.click()`` runs the callbacks synchronously. The secret
of a round (its bug's name, title, line and hint) is looked for in the serialized state of every
widget the hunt displays, as the browser and a saved notebook receive it.
"""

from __future__ import annotations

import html
import itertools
import json
import re

import ipywidgets as widgets
import pytest

from gradcheck_lib import hunt as hunt_module
from gradcheck_lib.bugs import CATALOG
from gradcheck_lib.compare import Verdict
from gradcheck_lib.hunt_rules import (
    HUNT_SETTINGS,
    clues,
    judge,
    lookalike_groups,
    round_bug,
    round_report,
)
from gradcheck_lib.lab import BugHunt, bug_hunt

TITLES = {bug.title: name for name, bug in CATALOG.items()}


@pytest.fixture(scope="module")
def reports():
    return {name: round_report(name) for name in CATALOG}


@pytest.fixture(scope="module")
def groups(reports):
    return lookalike_groups(reports)


def group_of(name: str, groups) -> frozenset[str]:
    return next((group for group in groups if name in group), frozenset({name}))


def visible_text(fragment: str) -> str:
    """The text of an HTML fragment, as a browser shows it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def hidden_name(hunt: BugHunt) -> str:
    """The round's bug, from the seed alone (as a classroom handout would list it)."""
    return round_bug(hunt.seed, hunt.round)


def a_wrong_guess(name: str, groups) -> str:
    """The title of a bug outside ``name``'s look-alike group, touching the same arrays if any."""
    same_arrays = [
        other
        for other in CATALOG
        if other not in group_of(name, groups)
        and set(CATALOG[other].affects) == set(CATALOG[name].affects)
    ]
    others = same_arrays or [other for other in CATALOG if other not in group_of(name, groups)]
    return CATALOG[others[0]].title


def reachable_widgets(root: widgets.Widget) -> list[widgets.Widget]:
    """Every widget the root references through its synced traits (children, layout, style...)."""
    seen: dict[str, widgets.Widget] = {}
    todo = [root]
    while todo:
        widget = todo.pop()
        if widget.model_id in seen:
            continue
        seen[widget.model_id] = widget
        for key in widget.keys:
            value = getattr(widget, key)
            values = value if isinstance(value, (list, tuple)) else [value]
            todo.extend(item for item in values if isinstance(item, widgets.Widget))
    return list(seen.values())


def serialized_state(hunt: BugHunt, *, skip_guess_options: bool) -> str:
    """The saved widget state of everything the hunt shows, as text (PNG bytes as latin-1).

    With ``skip_guess_options``, the guess list's labels (every title, which says nothing about
    which one is hidden) are left out, after checking that the selected one is not the secret.
    """
    state = widgets.Widget.get_manager_state(widgets=reachable_widgets(hunt.root))["state"]
    if skip_guess_options:
        guess = state[hunt.guess.model_id]["state"]
        selected = guess["index"]
        secret = CATALOG[hidden_name(hunt)].title
        assert selected is None or guess["_options_labels"][selected] != secret
        guess["_options_labels"] = []
    return json.dumps(state, default=lambda item: bytes(item).decode("latin-1"))


def secrets_of(name: str) -> list[str]:
    bug = CATALOG[name]
    pieces = [bug.name, bug.title, bug.line, bug.hint]
    return pieces + [html.escape(piece) for piece in pieces]


# -- the contract ---------------------------------------------------------------------------------


def test_hunt_exposes_the_contract():
    hunt = bug_hunt(seed=0)
    assert isinstance(hunt, BugHunt)
    assert isinstance(hunt.guess, widgets.Dropdown)
    assert list(hunt.guess.options) == [bug.title for bug in CATALOG.values()]
    assert hunt.guess.value is None  # nothing is pre-selected, so nothing is hinted
    for button in (hunt.submit, hunt.reveal, hunt.next_round):
        assert isinstance(button, widgets.Button)
    assert isinstance(hunt.feedback, widgets.HTML) and hunt.feedback.value == ""
    assert hunt.score == (0, 0)
    assert hunt.report.verdict is not Verdict.EXCELLENT
    # Its own banner class, not the lab's (browser tests tell them apart).
    assert "gradcheck-hunt" in hunt.verdict_view._dom_classes
    assert "gradcheck-verdict" not in hunt.verdict_view._dom_classes
    assert "gradcheck-lab" not in hunt.root._dom_classes
    assert hunt.report.verdict.value in visible_text(hunt.verdict_view.value)
    bundle = hunt._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle


def test_every_round_checks_the_same_network_where_every_bug_exists():
    assert HUNT_SETTINGS.activation == "tanh" and HUNT_SETTINGS.keep_prob < 1
    assert HUNT_SETTINGS.dropout_seed is not None  # a fixed mask: the cost is deterministic
    hunt = bug_hunt(seed=0)
    shown = hunt.settings_view.value
    for round_number in range(1, len(CATALOG) + 1):
        hunt.go_to_round(round_number)
        assert hunt.settings_view.value == shown
        assert hunt.report.difference == round_report(hidden_name(hunt)).difference


# -- score ----------------------------------------------------------------------------------------


def test_score_counts_a_round_once_and_wins_only_on_a_right_first_answer(groups):
    hunt = bug_hunt(seed=0)
    name = hidden_name(hunt)
    right = CATALOG[name].title

    hunt.submit.click()  # no guess yet: asked to pick one, nothing counted
    assert hunt.score == (0, 0)
    assert "Pick the culprit" in visible_text(hunt.feedback.value)

    hunt.guess.value = a_wrong_guess(name, groups)
    hunt.submit.click()
    assert hunt.score == (0, 1)
    assert "Wrong" in visible_text(hunt.feedback.value)
    assert not hunt.over and hunt.lines_view.value == ""  # a second try is allowed

    hunt.guess.value = right
    hunt.submit.click()
    assert hunt.score == (0, 1)  # played once, not won: the first answer was wrong
    assert "Right" in visible_text(hunt.feedback.value)
    assert "not your first answer" in visible_text(hunt.feedback.value)
    assert hunt.over and hunt.culprit == right

    hunt.reveal.click()
    hunt.submit.click()
    hunt.submit.click()
    assert hunt.score == (0, 1)  # an over round never counts again
    assert visible_text(hunt.feedback.value).count("This round is over") == 1

    hunt.next_round.click()
    assert hunt.round == 2 and hunt.score == (0, 1) and not hunt.over
    assert hunt.guess.value is None and hunt.feedback.value == "" and hunt.lines_view.value == ""
    hunt.guess.value = CATALOG[hidden_name(hunt)].title
    hunt.submit.click()
    assert hunt.score == (1, 2)

    hunt.next_round.click()
    hunt.next_round.click()  # a skipped round is not played
    assert hunt.score == (1, 2)
    hunt.reveal.click()
    assert hunt.score == (1, 3)
    assert hunt.submit.disabled and hunt.reveal.disabled
    hunt.next_round.click()
    assert not hunt.submit.disabled and not hunt.reveal.disabled


def test_reveal_shows_the_culprit_its_lines_and_what_points_at_it():
    hunt = bug_hunt(seed=0, start_round=4)
    name = hidden_name(hunt)
    bug = CATALOG[name]
    hunt.reveal.click()
    feedback = visible_text(hunt.feedback.value)
    assert f"The culprit was “{bug.title}”" in feedback
    assert all(f"d{array}" in feedback for array in bug.affects)
    lines = visible_text(hunt.lines_view.value)
    assert f"wrong: {bug.line}" in lines and f"right: {bug.correct}" in lines
    assert hunt.error_view.value == ""


# -- seeds and rounds -----------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_rounds_and_start_round_jumps_to_one():
    first, second = bug_hunt(seed=7), bug_hunt(seed=7)
    sequence = []
    for _ in range(20):
        assert first.report.difference == second.report.difference
        assert first.verdict_view.value == second.verdict_view.value
        sequence.append(hidden_name(first))
        first.next_round.click()
        second.next_round.click()
    assert bug_hunt(seed=7, start_round=3).report.difference == round_report(sequence[2]).difference
    jumped = bug_hunt(seed=7)
    jumped.go_to_round(18)
    assert jumped.round == 18 and hidden_name(jumped) == sequence[17]
    # Another seed gives another order (a negative control for the test above).
    assert [round_bug(8, k) for k in range(1, 21)] != sequence


def test_every_run_of_rounds_shows_each_bug_once():
    for seed in (0, 1, 2):
        for run in range(3):
            rounds = range(run * len(CATALOG) + 1, (run + 1) * len(CATALOG) + 1)
            assert sorted(round_bug(seed, k) for k in rounds) == sorted(CATALOG)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"seed": -1}, "seed must be a non-negative integer"),
        ({"seed": 1.5}, "seed must be a non-negative integer"),
        ({"start_round": 0}, "round_number must be an integer >= 1"),
    ],
)
def test_bad_arguments_say_which_and_why(arguments, message):
    with pytest.raises(ValueError, match=message):
        bug_hunt(**arguments)


# -- the secret -----------------------------------------------------------------------------------


def test_no_widget_holds_the_secret_before_the_answer_in_any_round(groups):
    hunt = bug_hunt(seed=0)
    for round_number in range(1, len(CATALOG) + 1):
        hunt.go_to_round(round_number)
        name = hidden_name(hunt)
        state = serialized_state(hunt, skip_guess_options=True)
        leaked = [piece for piece in secrets_of(name) if piece in state]
        assert not leaked, f"round {round_number} shows {leaked}"
        assert name not in repr(hunt)
        # A wrong answer still keeps it hidden (the learner may guess again).
        hunt.guess.value = a_wrong_guess(name, groups)
        hunt.submit.click()
        state = serialized_state(hunt, skip_guess_options=True)
        assert not [piece for piece in secrets_of(name) if piece in state]
        # Positive control: once revealed, the same search finds the title and the line.
        hunt.reveal.click()
        state = serialized_state(hunt, skip_guess_options=False)
        assert html.escape(CATALOG[name].title) in state
        assert html.escape(CATALOG[name].line) in state


# -- every round can be won, every wrong guess gets a reason --------------------------------------


def test_only_reports_that_read_the_same_are_grouped(reports, groups):
    """The look-alikes: tanh' from Z1 and from A2 both blame dW1 and db1 by a wrong term, best
    fit below 1. The other dZ1 and dropout bugs differ in a clue (a negative or above-1 fit, or
    an exact 0.80 factor), so they are not grouped."""
    assert groups == [frozenset({"tanh_prime_from_Z1", "dZ1_from_wrong_layer"})]
    for group in groups:
        assert len({tuple(clues(reports[name]).values()) for name in group}) == 1
    for first, second in itertools.combinations(CATALOG, 2):
        if group_of(first, groups) != group_of(second, groups):
            assert clues(reports[first]) != clues(reports[second]), (first, second)


@pytest.mark.parametrize("hidden", list(CATALOG))
def test_every_guess_is_judged_and_every_wrong_one_gets_a_reason(hidden, reports, groups):
    blamed = clues(reports[hidden])
    assert set(blamed) == set(CATALOG[hidden].affects)  # the report blames what the line corrupts
    for guess in CATALOG:
        judgement = judge(guess, hidden)
        assert judgement.right == (guess in group_of(hidden, groups)), (guess, hidden)
        assert judgement.exact == (guess == hidden)
        if judgement.right:
            continue
        reason = judgement.reason
        assert reason.startswith("Your guess") and ", but the report" in reason, reason
        # The reason is read off the report: it names an array and quotes its numbers.
        assert any(f"d{name}" in reason for name in blamed), reason
        assert re.search(r"\d\.\de[-+]\d\d|\d\.\d\d×", reason), reason


def test_a_wrong_guess_names_what_the_report_blames_instead():
    reason = judge("db1_four_over_m", "dW2_doubled").reason
    assert reason.startswith("Your guess corrupts db1 alone, but the report blames dW2")
    assert "dW2 is 2.00× too large" in reason and "db1 is excellent" in reason
    # Same arrays, other band: the band is the reason.
    reason = judge("dW2_half_regularization", "dW2_from_A1_before_dropout").reason
    assert "error band" in reason and "critical band" in reason
    # Same arrays and bands, another shape of mismatch.
    reason = judge("dropout_not_rescaled", "dropout_mask_not_applied").reason
    assert "exactly 0.80×" in reason and "above 1" in reason


def test_ten_rounds_clicked_through_can_all_be_won(groups):
    hunt = bug_hunt(seed=0)
    for round_number in range(1, 11):
        name = hidden_name(hunt)
        if round_number % 2:  # odd rounds: a wrong guess first, then the right one
            hunt.guess.value = a_wrong_guess(name, groups)
            hunt.submit.click()
            feedback = visible_text(hunt.feedback.value)
            assert "Wrong" in feedback and ", but the report" in feedback, feedback
        hunt.guess.value = CATALOG[name].title
        hunt.submit.click()
        assert "Right" in visible_text(hunt.feedback.value)
        assert "wrong:" in visible_text(hunt.lines_view.value)
        assert hunt.error_view.value == ""
        hunt.next_round.click()
    assert hunt.score == (5, 10)


def test_a_look_alike_guess_wins_and_names_the_hidden_bug(groups):
    (group,) = groups
    seed_round = next(
        (seed, k) for seed in range(5) for k in range(1, 16) if round_bug(seed, k) in group
    )
    hunt = bug_hunt(seed=seed_round[0], start_round=seed_round[1])
    hidden = hidden_name(hunt)
    (other,) = group - {hidden}
    hunt.guess.value = CATALOG[other].title
    hunt.submit.click()
    assert hunt.score == (1, 1)
    feedback = visible_text(hunt.feedback.value)
    assert f"the hidden bug was “{CATALOG[hidden].title}”" in feedback
    assert "reads the same" in feedback


# -- errors ---------------------------------------------------------------------------------------


def test_a_failing_callback_shows_its_error_in_the_hunt(monkeypatch):
    hunt = bug_hunt(seed=0)

    def broken(name, epsilon):
        raise RuntimeError("the check could not run")

    monkeypatch.setattr(hunt_module, "round_report", broken)
    hunt.next_round.click()
    shown = visible_text(hunt.error_view.value)
    assert "The hunt hit an error" in shown and "the check could not run" in shown
    assert "gradcheck-hunt-error" in hunt.error_view._dom_classes
