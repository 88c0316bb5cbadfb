"""Refresh the screenshots under docs/ that the README shows (``make screenshots``).

Drives the same machinery as tests/test_browser.py (tests/browser_support.py): JupyterLab on
the learner copy of notebook 05, Run All Cells, then a bug ticked by its title; and the Voilà
page of the solution notebook. Writes:

- docs/lab.png         the lab alone, with "dW2 multiplied by 2" ticked (JupyterLab)
- docs/jupyterlab.png  the JupyterLab window with the lab in the notebook
- docs/voila.png       the standalone Voilà page (``make app``), a regularization bug ticked
- docs/hunt.png        the bug hunt (mystery mode) on the same page, after a wrong guess

Usage::

    python tools/screenshots.py [--output-dir docs]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

import browser_support as support  # noqa: E402

#: Tall enough for the whole lab to fit in the notebook panel, so an element shot is complete.
TALL_VIEWPORT = (1400, 2400)
WINDOW_VIEWPORT = (1400, 1000)
VOILA_BUG_TITLE = "regularization applied to the biases"


def wait_for_verdict(page, *, contains: str | None = None, lacks: str | None = None) -> None:
    from playwright.sync_api import expect

    verdict = page.locator(support.VERDICT).first
    if contains is not None:
        expect(verdict).to_contain_text(contains, timeout=60_000)
    if lacks is not None:
        expect(verdict).not_to_contain_text(lacks, timeout=60_000)


def jupyterlab_shots(output: Path, workdir: Path) -> list[Path]:
    """docs/lab.png and docs/jupyterlab.png from JupyterLab on the learner copy."""
    written = []
    with support.jupyterlab(support.LEARNER_NOTEBOOK, workdir) as (server, name):
        with support.chromium_page(*TALL_VIEWPORT) as page:
            support.open_notebook(page, server, name)
            support.run_all_cells(page)
            support.wait_for_run_all(page, "NotImplementedError")
            lab = page.locator(support.LAB).first
            lab.scroll_into_view_if_needed()
            wait_for_verdict(page, contains="excellent")
            support.bug_checkbox(page).check()
            wait_for_verdict(page, lacks="excellent")
            page.wait_for_timeout(500)  # let the three images swap in
            lab.screenshot(path=output / "lab.png")
            written.append(output / "lab.png")

            page.set_viewport_size(dict(zip(("width", "height"), WINDOW_VIEWPORT, strict=True)))
            page.wait_for_timeout(500)
            # Bring the lab cell to the top of the notebook panel, boxes first.
            lab.evaluate("element => element.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            page.screenshot(path=output / "jupyterlab.png")
            written.append(output / "jupyterlab.png")
    return written


def hunt_shot(page, output: Path) -> Path:
    """docs/hunt.png: round 1 of the hunt after a wrong guess, with the reason on screen."""
    from playwright.sync_api import expect

    from gradcheck_lib.hunt_rules import round_bug

    page.set_viewport_size(dict(zip(("width", "height"), TALL_VIEWPORT, strict=True)))
    hunt = page.locator(support.HUNT).first
    hunt.scroll_into_view_if_needed()
    wrong = support.wrong_guess_for(round_bug(support.HUNT_SEED, 1))
    hunt.locator(".gradcheck-hunt-guess select").select_option(label=wrong)
    hunt.get_by_role("button", name="Submit guess").click()
    expect(hunt.locator(support.HUNT_FEEDBACK)).to_contain_text("Wrong", timeout=60_000)
    page.wait_for_timeout(500)
    hunt.screenshot(path=output / "hunt.png")
    return output / "hunt.png"


def voila_shot(output: Path, workdir: Path) -> list[Path]:
    """docs/voila.png: the Voilà page with a quiet (warning) bug ticked; then docs/hunt.png."""
    with support.voila(support.SOLUTION_NOTEBOOK, workdir) as server:
        with support.chromium_page(*WINDOW_VIEWPORT) as page:
            page.goto(server.page_url("/"), timeout=180_000)
            page.get_by_text("✓ Exercise 5.2:").first.wait_for(timeout=240_000)
            lab = page.locator(support.LAB).first
            lab.scroll_into_view_if_needed()
            wait_for_verdict(page, contains="excellent")
            support.bug_checkbox(page, VOILA_BUG_TITLE).check()
            wait_for_verdict(page, contains="warning")
            page.wait_for_timeout(500)
            page.evaluate("window.scrollTo(0, 0)")
            lab.scroll_into_view_if_needed()
            page.screenshot(path=output / "voila.png")
            return [output / "voila.png", hunt_shot(page, output)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=REPO / "docs")
    args = parser.parse_args(argv)

    reason = support.missing_browser_reason()
    if reason is not None:
        print(f"cannot take screenshots: {reason}", file=sys.stderr)
        return 1
    args.output_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="gradcheck-shots-") as scratch:
        scratch = Path(scratch)
        (scratch / "lab").mkdir()
        (scratch / "voila").mkdir()
        written = jupyterlab_shots(args.output_dir, scratch / "lab")
        written.extend(voila_shot(args.output_dir, scratch / "voila"))
    for path in written:
        print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
