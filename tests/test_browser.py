"""The lab in a real browser: JupyterLab and Voilà in headless Debian Chromium, via playwright.

A learner's path: open the learner copy of notebook 05, Run All Cells from the menu (it stops at
the first exercise stub, after the lab), read ``.gradcheck-verdict``, tick a bug by its title and
watch the verdict leave "excellent", untick it and watch "excellent" come back. Screenshots go to
pytest's tmp_path, so a test run never changes the repository (``make screenshots`` refreshes
docs/). Without Chromium or playwright these tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os

import browser_support as support
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

STEP_TIMEOUT = 60_000  # ms for the verdict to follow a click (a toggle takes ~0.1 s)


@pytest.fixture(scope="module", autouse=True)
def browser_available():
    reason = support.missing_browser_reason()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI needs the browser tests: {reason}", pytrace=False)
        pytest.skip(reason)


def expect_verdict(page, *, contains: str | None = None, lacks: str | None = None) -> str:
    """Wait until the rendered verdict contains / lacks a word; return its text."""
    from playwright.sync_api import expect

    verdict = page.locator(support.VERDICT).first
    if contains is not None:
        expect(verdict).to_contain_text(contains, timeout=STEP_TIMEOUT)
    if lacks is not None:
        expect(verdict).not_to_contain_text(lacks, timeout=STEP_TIMEOUT)
    return support.verdict_text(page)


def toggle_a_bug_and_back(page, screenshots, prefix: str) -> None:
    """Tick the bug by its title, expect a non-excellent verdict, untick, expect excellent."""
    lab = page.locator(support.LAB).first
    lab.scroll_into_view_if_needed()
    assert "excellent" in expect_verdict(page, contains="excellent")
    assert "✓" in support.verdict_text(page)
    lab.screenshot(path=screenshots / f"{prefix}_excellent.png")

    box = support.bug_checkbox(page)
    box.check()
    text = expect_verdict(page, lacks="excellent")
    assert "critical" in text and "⊗" in text, text
    assert "d = " in text
    lines = support.rendered_text(page, ".gradcheck-lines")
    assert "wrong:" in lines and "right:" in lines
    diagnosis = support.rendered_text(page, ".gradcheck-diagnosis")
    assert "Look at dW2 first" in diagnosis
    lab.screenshot(path=screenshots / f"{prefix}_bug.png")

    box.uncheck()
    expect_verdict(page, contains="excellent")
    assert support.rendered_text(page, ".gradcheck-error").strip() == ""
    widths = support.images_loaded(page)
    assert len(widths) == 3 and all(width > 0 for width in widths), widths


@pytest.fixture
def screenshots(tmp_path):
    folder = tmp_path / "screenshots"
    folder.mkdir()
    return folder


def test_learner_runs_all_cells_in_jupyterlab_and_toggles_a_bug(tmp_path, screenshots):
    with (
        support.jupyterlab(support.LEARNER_NOTEBOOK, tmp_path) as (server, name),
        support.chromium_page() as page,
        support.evidence_on_failure(page, server, screenshots / "jupyterlab_failure.png"),
    ):
        support.open_notebook(page, server, name)
        support.run_all_cells(page)
        # Run All stops at the first exercise stub, after the lab and the challenges.
        support.wait_for_run_all(page, "NotImplementedError")
        page.screenshot(path=screenshots / "jupyterlab.png")
        assert page.locator(support.LAB).count() == 1
        toggle_a_bug_and_back(page, screenshots, "jupyterlab")


def test_voila_page_shows_the_lab_and_ticking_works(tmp_path, screenshots):
    failure = screenshots / "voila_failure.png"
    with (
        support.voila(support.SOLUTION_NOTEBOOK, tmp_path) as server,
        support.chromium_page() as page,
        support.evidence_on_failure(page, server, failure, full_page=True),
    ):
        page.goto(server.page_url("/"), timeout=180_000)
        # Voilà runs every cell; the last one prints the check of Exercise 5.2 (the markdown
        # above it also says "Exercise 5.2:", so wait for the checker's ✓).
        page.get_by_text("✓ Exercise 5.2:").first.wait_for(timeout=240_000)
        assert page.get_by_text("import bug_lab").count() == 0  # the code is hidden
        toggle_a_bug_and_back(page, screenshots, "voila")


def check_ten_rounds(rounds) -> None:
    """Every round was won by its right title; every wrong guess got a reason from the report;
    nothing shown before the answer named the bug; the score counts first answers."""
    from gradcheck_lib.bugs import CATALOG

    assert [r.number for r in rounds] == list(range(1, 11))
    assert len({r.hidden for r in rounds}) == 10  # ten different bugs (15 per run of rounds)
    for played in rounds:
        bug = CATALOG[played.hidden]
        assert any(word in played.verdict for word in ("warning", "error", "critical"))
        assert "d = " in played.verdict
        assert bug.title not in played.shown_before_answer, played
        assert bug.line not in played.shown_before_answer, played
        if played.wrong_guess is not None:
            reason = played.wrong_feedback
            assert f"Wrong: not “{played.wrong_guess}”" in reason, reason
            assert ", but the report" in reason, reason
            assert any(f"d{name}" in reason for name in ("W1", "b1", "W2", "b2")), reason
        assert "Right" in played.right_feedback
        assert f"wrong: {bug.line}" in played.lines and f"right: {bug.correct}" in played.lines
    assert rounds[-1].score == "Score: 5 won of 10 played"


def play_ten_rounds(page, screenshots, prefix: str) -> None:
    """Play ten rounds of the hunt on the page by clicking, screenshot each step, check them."""
    hunt = page.locator(support.HUNT).first

    def shot(label: str) -> None:
        hunt.screenshot(path=screenshots / f"{prefix}_hunt_{label}.png")

    check_ten_rounds(support.play_hunt(page, 10, screenshot=shot))
    assert support.rendered_text(page, ".gradcheck-hunt-error").strip() == ""


def test_hunt_in_jupyterlab_ten_rounds_by_clicking(tmp_path, screenshots):
    with (
        support.jupyterlab(support.SOLUTION_NOTEBOOK, tmp_path) as (server, name),
        support.chromium_page() as page,
        support.evidence_on_failure(page, server, screenshots / "jupyterlab_hunt_failure.png"),
    ):
        support.open_notebook(page, server, name)
        support.run_all_cells(page)
        page.locator(support.HUNT_VERDICT).first.wait_for(timeout=240_000)
        support.wait_for_idle_kernel(page, 240_000)
        assert page.locator(support.HUNT).count() == 1
        assert page.locator(support.LAB).count() == 1  # the lab and the hunt side by side
        play_ten_rounds(page, screenshots, "jupyterlab")


def test_hunt_in_voila_ten_rounds_by_clicking(tmp_path, screenshots):
    failure = screenshots / "voila_hunt_failure.png"
    with (
        support.voila(support.SOLUTION_NOTEBOOK, tmp_path) as server,
        support.chromium_page() as page,
        support.evidence_on_failure(page, server, failure, full_page=True),
    ):
        page.goto(server.page_url("/"), timeout=180_000)
        page.locator(support.HUNT_VERDICT).first.wait_for(timeout=240_000)
        assert page.get_by_text("hunt = bug_hunt(seed=0)").count() == 0  # the code is hidden
        play_ten_rounds(page, screenshots, "voila")
