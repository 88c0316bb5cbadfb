"""The bug-hunt lab, driven as a learner would: set widget values, read what the lab shows.

ipywidgets work without a frontend, so most tests set values in this process; one test runs the
same steps through a real kernel with nbclient. Tests count work (gradient checks, background
redraws); they never time it (benchmarks/bench_lab.py does).
"""

from __future__ import annotations

import html
import io
import json
import re

import ipywidgets as widgets
import nbformat
import numpy as np
import pytest
from matplotlib.image import imread

from gradcheck_lib import bugs as bug_module
from gradcheck_lib.bugs import CATALOG
from gradcheck_lib.compare import Verdict
from gradcheck_lib.lab import EPSILON_RANGE, BugLab, bug_lab, diagnosis_text
from gradcheck_lib.network import DEFAULT_SETTINGS
from gradcheck_lib.plots import GAP_LIMITS

SYMBOLS = {verdict.symbol for verdict in Verdict}


@pytest.fixture(scope="module")
def lab() -> BugLab:
    """One lab for the module (building one draws every figure); each test leaves it reset."""
    return bug_lab()


@pytest.fixture(autouse=True)
def reset_after(lab):
    yield
    lab.reset()


def worst_parameter(report) -> str:
    return max(report.by_parameter, key=report.by_parameter.get)


def visible_text(fragment: str) -> str:
    """The text of an HTML fragment, as a browser would show it (tags dropped, entities decoded)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def png_pixels(data: bytes) -> np.ndarray:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return imread(io.BytesIO(data), format="png")


# -- the contract ---------------------------------------------------------------------------------


def test_lab_starts_excellent_and_exposes_the_contract(lab):
    assert lab.report.verdict == "excellent"
    assert list(lab.bug_boxes) == list(CATALOG)
    for name, box in lab.bug_boxes.items():
        assert isinstance(box, widgets.Checkbox)
        assert box.description == CATALOG[name].title
        assert box.value is False
    assert isinstance(lab.epsilon_slider, widgets.FloatLogSlider)
    assert lab.epsilon_slider.value == pytest.approx(1e-7)
    low, high = EPSILON_RANGE
    assert lab.epsilon_slider.base**lab.epsilon_slider.min == pytest.approx(low)
    assert lab.epsilon_slider.base**lab.epsilon_slider.max == pytest.approx(high)
    assert isinstance(lab.verdict_view, widgets.HTML)
    assert "gradcheck-verdict" in lab.verdict_view._dom_classes
    text = visible_text(lab.verdict_view.value)
    assert "✓" in text and "excellent" in text
    assert f"d = {lab.report.difference:.2e}" in text
    assert lab.lambd_slider.value == DEFAULT_SETTINGS.lambd
    assert lab.activation_toggle.value == DEFAULT_SETTINGS.activation


def test_bug_boxes_come_first_in_the_layout(lab):
    children = lab.root.children
    grid_position = next(
        i
        for i, child in enumerate(children)
        if lab.bug_boxes["dW2_doubled"] in getattr(child, "children", ())
    )
    verdict_position = children.index(lab.verdict_view)
    assert grid_position < verdict_position
    assert all(
        not isinstance(child, (widgets.HTML, widgets.Image)) or "Bugs" in child.value
        for child in children[:grid_position]
    )


def test_lab_displays_as_its_root_widget(lab):
    bundle = lab._repr_mimebundle_()
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == lab.root.model_id


# -- every catalog bug, ticked and unticked -------------------------------------------------------


@pytest.mark.parametrize("name", list(CATALOG), ids=list(CATALOG))
def test_ticking_a_bug_moves_everything_and_unticking_brings_excellent_back(lab, name):
    bug = CATALOG[name]
    checks = lab.checks
    images = (lab.ladder_image.value, lab.bars_image.value, lab.heatmap_image.value)

    lab.bug_boxes[name].value = True

    report = lab.report
    assert lab.checks == checks + 1  # one change, one check
    assert report.verdict != "excellent"
    verdict_text = visible_text(lab.verdict_view.value)
    assert report.verdict.value in verdict_text
    assert report.verdict.symbol in verdict_text
    assert f"{report.difference:.2e}" in verdict_text
    worst = worst_parameter(report)
    assert worst in bug.affects
    # The figures show this report.
    assert lab.bars.values() == report.by_parameter
    assert float(lab.ladder.marker.get_xdata()[0]) == pytest.approx(report.difference)
    assert lab.heatmap.name == worst
    shown = np.asarray(lab.heatmap.image.get_array())
    expected = np.maximum(report.gaps(worst), GAP_LIMITS[0]).reshape(shown.shape)
    np.testing.assert_allclose(shown, expected)
    # ...and were re-rendered.
    new_images = (lab.ladder_image.value, lab.bars_image.value, lab.heatmap_image.value)
    for old, new in zip(images, new_images, strict=True):
        assert new != old
        png_pixels(new)
    # The wrong and the right line of the bug are shown; the diagnosis names the worst array.
    lines = visible_text(lab.lines_view.value)
    assert bug.line in lines and bug.correct in lines
    assert f"Look at d{worst} first" in visible_text(lab.diagnosis_view.value)
    assert lab.error_view.value == ""

    lab.bug_boxes[name].value = False

    assert lab.checks == checks + 2
    assert lab.report.verdict == "excellent"
    assert "excellent" in visible_text(lab.verdict_view.value)
    assert "No bug is on" in visible_text(lab.lines_view.value)


def test_the_catalog_reaches_every_non_excellent_band(lab):
    reached = set()
    for box in lab.bug_boxes.values():
        box.value = True
        reached.add(lab.report.verdict)
        box.value = False
    assert reached == {Verdict.WARNING, Verdict.ERROR, Verdict.CRITICAL}


def test_notebook_05s_catalog_table_keeps_its_order_on_every_machine(lab):
    """Notebook 05 prints the catalog sorted by d, in a checked cell: no two bugs' d may be close
    enough (relative 1e-6, a million times rounding) for another CPU to swap their rows."""
    differences = []
    for box in lab.bug_boxes.values():
        box.value = True
        differences.append(lab.report.difference)
        box.value = False
    ranked = sorted(differences, reverse=True)
    gaps = [(high - low) / high for high, low in zip(ranked, ranked[1:], strict=False)]
    assert len(gaps) == len(CATALOG) - 1 and min(gaps) > 1e-6


def test_two_bugs_at_once_show_both_lines(lab):
    with lab.hold():
        lab.bug_boxes["dW2_doubled"].value = True
        lab.bug_boxes["db1_four_over_m"].value = True
    lines = visible_text(lab.lines_view.value)
    assert "dW2 multiplied by 2" in lines and "db1 computed with 4/m" in lines
    diagnosis = visible_text(lab.diagnosis_view.value)
    assert "Also off" in diagnosis


# -- the other controls ---------------------------------------------------------------------------


def test_epsilon_slider_moves_the_difference_into_rounding_noise(lab):
    before = lab.report.difference
    lab.epsilon_slider.value = 1e-10
    assert lab.report.epsilon == pytest.approx(1e-10)
    assert lab.report.difference > 100 * before
    assert lab.report.verdict == "warning"
    assert "rounding" in visible_text(lab.diagnosis_view.value)
    assert "1.0e-10" in visible_text(lab.verdict_view.value)
    assert float(lab.ladder.marker.get_xdata()[0]) == pytest.approx(lab.report.difference)


def test_lambda_slider_grows_the_regularization_bug(lab):
    lab.bug_boxes["db1_regularized"].value = True
    differences = []
    for lambd in (0.0, 0.5, 1.0, 4.0):
        lab.lambd_slider.value = lambd
        differences.append(lab.report.difference)
    assert differences[0] < 1e-7  # no L2 term: the bug does nothing
    assert differences[1] < differences[2] < differences[3]
    assert "λ = 4.00" in visible_text(lab.settings_view.value)


def test_activation_toggle_rechecks_with_relu_and_explains_tanh_only_bugs(lab):
    tanh_difference = lab.report.difference
    lab.activation_toggle.value = "relu"
    assert lab.report.passed
    assert lab.report.difference != tanh_difference
    assert "Network: relu" in visible_text(lab.settings_view.value)
    lab.bug_boxes["tanh_prime_from_Z1"].value = True
    settings = visible_text(lab.settings_view.value)
    assert "Checked with tanh, not relu" in settings
    assert lab.report.verdict != "excellent"


def test_dropout_bug_says_dropout_was_switched_on(lab):
    lab.bug_boxes["dropout_not_rescaled"].value = True
    assert "Dropout switched on" in visible_text(lab.settings_view.value)


def test_reset_restores_every_default_with_one_check(lab):
    lab.bug_boxes["dW2_doubled"].value = True
    lab.bug_boxes["db1_regularized"].value = True
    lab.epsilon_slider.value = 1e-3
    lab.lambd_slider.value = 2.0
    lab.activation_toggle.value = "relu"
    checks = lab.checks

    lab.reset_button.click()

    assert lab.checks == checks + 1
    assert not any(box.value for box in lab.bug_boxes.values())
    assert lab.epsilon_slider.value == pytest.approx(1e-7)
    assert lab.lambd_slider.value == DEFAULT_SETTINGS.lambd
    assert lab.activation_toggle.value == DEFAULT_SETTINGS.activation
    assert lab.report.passed
    assert lab.report.epsilon == pytest.approx(1e-7)


def test_toggling_draws_no_new_background(lab):
    """Figures are updated in place: after warm-up, a toggle redraws only the changing artists."""
    draws = [figure.full_draws for figure in (lab.ladder, lab.bars, lab.heatmap)]
    for name in ("dW2_doubled", "db1_four_over_m", "db2_missing_one_over_m", "dZ2_sign_flipped"):
        lab.bug_boxes[name].value = True
        lab.bug_boxes[name].value = False
    assert [figure.full_draws for figure in (lab.ladder, lab.bars, lab.heatmap)] == draws


# -- errors and glyphs ----------------------------------------------------------------------------


def test_an_exception_in_a_callback_shows_in_the_lab(lab, monkeypatch):
    report = lab.report

    def broken(*args, **kwargs):
        raise RuntimeError("the cost function exploded")

    monkeypatch.setattr(bug_module, "check_network", broken)
    lab.bug_boxes["dW2_doubled"].value = True
    shown = visible_text(lab.error_view.value)
    assert "RuntimeError: the cost function exploded" in shown
    assert "Traceback" in shown
    assert lab.report is report  # the last good report stays on screen

    monkeypatch.undo()
    lab.bug_boxes["dW2_doubled"].value = False
    assert lab.error_view.value == ""
    assert lab.report.passed


def test_an_exception_in_reset_shows_in_the_lab(lab, monkeypatch):
    def broken():
        raise ValueError("reset failed")

    monkeypatch.setattr(lab, "reset", broken)
    lab.reset_button.click()
    assert "ValueError: reset failed" in visible_text(lab.error_view.value)


@pytest.mark.parametrize("name", ["dW2_doubled", "db1_regularized", "dW1_regularization_forgotten"])
def test_views_use_text_symbols_not_emoji(lab, name):
    lab.bug_boxes[name].value = True
    for view in (lab.verdict_view, lab.diagnosis_view, lab.lines_view, lab.settings_view):
        assert not any(ord(character) >= 0x1F000 for character in view.value)
    assert any(symbol in lab.verdict_view.value for symbol in SYMBOLS)
    assert "DejaVu Sans" in lab.verdict_view.value


def test_diagnosis_text_for_a_passing_check():
    assert diagnosis_text(bug_module.check_network()).startswith("Nothing to fix")


# -- a real kernel --------------------------------------------------------------------------------


@pytest.mark.slow
def test_lab_in_a_real_kernel():
    """The same steps through ipykernel and nbclient: widget comms, display, callbacks."""
    from nbclient import NotebookClient

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("from gradcheck_lib.lab import bug_lab\nlab = bug_lab()\nlab"),
        nbformat.v4.new_code_cell(
            "import json\n"
            "results = {}\n"
            "for name, box in lab.bug_boxes.items():\n"
            "    box.value = True\n"
            "    on = (lab.report.verdict.value, lab.verdict_view.value)\n"
            "    worst = max(lab.report.by_parameter, key=lab.report.by_parameter.get)\n"
            "    box.value = False\n"
            "    results[name] = {'on': on[0], 'text_has_verdict': on[0] in on[1],\n"
            "                     'worst': worst, 'off': lab.report.verdict.value}\n"
            "print(json.dumps({'results': results, 'checks': lab.checks,\n"
            "                  'errors': lab.error_view.value}))"
        ),
    ]
    NotebookClient(notebook, timeout=300, kernel_name="python3").execute()

    display = notebook.cells[0].outputs
    assert any("application/vnd.jupyter.widget-view+json" in out.get("data", {}) for out in display)
    stdout = "".join(out.get("text", "") for out in notebook.cells[1].outputs)
    data = json.loads(stdout)
    assert data["errors"] == ""
    assert data["checks"] == 1 + 2 * len(CATALOG)  # one check per click, none wasted
    for name, result in data["results"].items():
        assert result["on"] != "excellent", name
        assert result["text_has_verdict"], name
        assert result["worst"] in CATALOG[name].affects, name
        assert result["off"] == "excellent", name
    assert {result["on"] for result in data["results"].values()} == {
        "warning",
        "error",
        "critical",
    }


# -- the exercise checkers of notebook 05 ---------------------------------------------------------

QUIET = ["db1_regularized", "dW1_regularization_forgotten", "dW2_half_regularization"]


def test_lab_and_checker_share_the_slider_step():
    from gradcheck_lib.exercises import LAB_EPSILON_STEP_DECADES
    from gradcheck_lib.lab import EPSILON_STEP_DECADES

    assert EPSILON_STEP_DECADES == LAB_EPSILON_STEP_DECADES


def test_check_quiet_bugs_accepts_the_solution_in_any_order():
    from gradcheck_lib.exercises import check_quiet_bugs

    message = check_quiet_bugs(list(reversed(QUIET)))
    assert message.startswith("✓ Exercise 5.1")
    assert message == check_quiet_bugs(QUIET)


@pytest.mark.parametrize(
    ("answer", "mistake"),
    [
        (None, "None"),  # the stub never assigned it
        ("db1_regularized", "list of bug names"),
        (["regularization applied to the biases"], "not the checkbox titles"),
        (["db1_regularized", "dW2_doubled"] + QUIET[1:], "'dW2_doubled' is not quiet"),
        (QUIET[:2], "you missed 'dW2_half_regularization'"),
        (QUIET + ["no_such_bug"], "not a bug of the catalog"),
        (QUIET + QUIET[:1], "more than once"),
    ],
    ids=["stub", "string", "titles", "critical-included", "one-missed", "unknown", "repeated"],
)
def test_check_quiet_bugs_names_the_mistake(answer, mistake):
    from gradcheck_lib.exercises import ExerciseError, check_quiet_bugs

    with pytest.raises(ExerciseError, match=re.escape(mistake)):
        check_quiet_bugs(answer)


def test_check_excellent_window_accepts_the_slider_bounds():
    from gradcheck_lib.exercises import check_excellent_window

    smallest, largest = window_on_the_slider_grid()
    message = check_excellent_window(smallest, largest)
    assert message.startswith("✓ Exercise 5.2")


def window_on_the_slider_grid() -> tuple[float, float]:
    """The solution of Exercise 5.2, computed the way the notebook does."""
    grid, first, last = slider_grid_window()
    return grid[first], grid[last]


def slider_grid_window() -> tuple[list[float], int, int]:
    """The slider's grid and the indices of its first and last excellent step, on this machine."""
    steps = [10 ** (k / 10) for k in range(-100, -9)]
    excellent = [i for i, step in enumerate(steps) if bug_module.check_network(epsilon=step).passed]
    return steps, excellent[0], excellent[-1]


# Each wrong answer is made from this machine's own window (rounding moves its edges), as the
# checker judges it: a bound one grid step outside the window, or one inside it.
WINDOW_MISTAKES = {
    "stub": (lambda grid, lo, hi: (None, grid[hi]), "smallest is None"),
    "string": (lambda grid, lo, hi: (str(grid[lo]), grid[hi]), "one number"),
    "too-coarse": (lambda grid, lo, hi: (grid[lo + 1], grid[hi]), "one slider step further down"),
    "too-small": (lambda grid, lo, hi: (grid[lo - 1], grid[hi]), "rounding error is too large"),
    "too-large": (lambda grid, lo, hi: (grid[lo], grid[hi + 1]), "truncation error is too large"),
    "swapped": (lambda grid, lo, hi: (grid[hi], grid[lo]), "did you swap them"),
}


@pytest.fixture(scope="module")
def slider_window():
    return slider_grid_window()


@pytest.mark.parametrize("case", list(WINDOW_MISTAKES), ids=list(WINDOW_MISTAKES))
def test_check_excellent_window_names_the_mistake(case, slider_window):
    from gradcheck_lib.exercises import ExerciseError, check_excellent_window

    make_bounds, mistake = WINDOW_MISTAKES[case]
    grid, lo, hi = slider_window
    assert 0 < lo < hi < len(grid) - 1, "the window should lie inside the slider's range"
    with pytest.raises(ExerciseError, match=re.escape(mistake)):
        check_excellent_window(*make_bounds(grid, lo, hi))
