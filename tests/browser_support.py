"""Machinery shared by tests/test_browser.py and tools/screenshots.py.

Starts JupyterLab or Voilà on a private port with a random token, in a throw-away root folder and
with throw-away Jupyter settings, and drives Debian's Chromium (``/usr/bin/chromium``) with
PyPI's playwright, which cannot download a browser of its own here. Everything a learner would
do goes through the page: the menu, the checkboxes, the rendered verdict.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LEARNER_NOTEBOOK = REPO / "notebooks" / "05_bug_hunt_lab.ipynb"
SOLUTION_NOTEBOOK = REPO / "notebooks" / "solutions" / "05_bug_hunt_lab.ipynb"
CHROMIUM = Path(os.environ.get("GRADCHECK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_SECONDS = 90
VERDICT = ".gradcheck-verdict"
LAB = ".gradcheck-lab"
#: A bug whose verdict is critical at the lab's defaults, ticked by its title as a learner would.
BUG_TITLE = "dW2 multiplied by 2"


def missing_browser_reason() -> str | None:
    """Why the browser tests cannot run here, or None when Chromium and playwright are present."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (Debian: apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Server:
    """A running Jupyter server: where to point the browser, and its log."""

    url: str
    token: str
    process: subprocess.Popen
    log: Path

    def page_url(self, path: str) -> str:
        return f"{self.url}{path}?token={self.token}"

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return "\n".join(text.splitlines()[-lines:])


def _jupyter_environment(workdir: Path) -> dict[str, str]:
    """Environment with private Jupyter config, runtime and settings (no news pop-up)."""
    settings = workdir / "lab-settings"
    notification = settings / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True, exist_ok=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8"
    )
    environment = dict(os.environ)
    environment.update(
        JUPYTER_CONFIG_DIR=str(workdir / "config"),
        JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(workdir / "workspaces"),
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), environment.get("PYTHONPATH", "")])),
    )
    environment.pop("JUPYTER_TOKEN", None)
    return environment


def _answers(server: Server, probe_path: str | None) -> bool:
    """Whether the server answers: ``probe_path`` gives 200, or (None) the port accepts."""
    if probe_path is None:
        host, port = server.url.removeprefix("http://").split(":")
        with contextlib.suppress(OSError), socket.create_connection((host, int(port)), timeout=2):
            return True
        return False
    try:
        with urllib.request.urlopen(server.page_url(probe_path), timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _wait_until_up(server: Server, probe_path: str | None) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the server exited early:\n{server.log_tail()}")
        if _answers(server, probe_path):
            return
        time.sleep(0.5)
    raise RuntimeError(
        f"the server did not answer in {SERVER_START_SECONDS} s:\n{server.log_tail()}"
    )


def _stop(process: subprocess.Popen) -> None:
    """Stop the server we started, and its kernels (they share its process group)."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=15)


@contextlib.contextmanager
def _serve(command: list[str], workdir: Path, probe_path: str | None, port: int, token: str):
    log = workdir / "server.log"
    with log.open("w", encoding="utf-8") as handle:
        process = subprocess.Popen(
            command,
            cwd=workdir,
            stdout=handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_jupyter_environment(workdir),
            start_new_session=True,  # its own process group: stopping it stops its kernels
        )
    server = Server(f"http://127.0.0.1:{port}", token, process, log)
    try:
        _wait_until_up(server, probe_path)
        yield server
    finally:
        _stop(process)


def _stage(notebook: Path, workdir: Path) -> tuple[Path, int, str]:
    """Copy ``notebook`` into a fresh server root; pick a free port and a random token."""
    root = workdir / "root"
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy(notebook, root / notebook.name)
    return root, free_port(), secrets.token_hex(16)


@contextlib.contextmanager
def jupyterlab(notebook: Path, workdir: Path) -> Iterator[tuple[Server, str]]:
    """JupyterLab serving a copy of ``notebook``; yields the server and the notebook's name."""
    root, port, token = _stage(notebook, workdir)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--allow-root",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    with _serve(command, workdir, "/api/status", port, token) as server:
        yield server, notebook.name


@contextlib.contextmanager
def voila(notebook: Path, workdir: Path) -> Iterator[Server]:
    """Voilà serving a copy of ``notebook`` as a page with the code hidden."""
    root, port, token = _stage(notebook, workdir)
    command = [
        sys.executable,
        "-m",
        "voila",
        "--no-browser",
        f"--port={port}",
        "--Voila.ip=127.0.0.1",
        f"--token={token}",
        str(root / notebook.name),
    ]
    # Voilà has no status endpoint, and its page runs the notebook: probe the port only.
    with _serve(command, workdir, None, port, token) as server:
        yield server


@contextlib.contextmanager
def chromium_page(width: int = VIEWPORT["width"], height: int = VIEWPORT["height"]):
    """A fresh page in headless Debian Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            yield page
        finally:
            browser.close()


# -- what a learner does in JupyterLab ------------------------------------------------------------


@contextlib.contextmanager
def evidence_on_failure(page, server: Server, screenshot: Path, *, full_page: bool = False):
    """On any exception inside: screenshot the page to ``screenshot``, print where it is and the
    tail of the server's log, and re-raise."""
    try:
        yield
    except Exception:
        page.screenshot(path=screenshot, full_page=full_page)
        print(f"screenshots in {screenshot.parent}\nserver log:\n{server.log_tail()}")
        raise


def open_notebook(page, server: Server, name: str) -> None:
    """Open the notebook in JupyterLab and wait until its kernel is idle."""
    page.goto(server.page_url(f"/lab/tree/{name}"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook", timeout=120_000)
    wait_for_idle_kernel(page)


def wait_for_idle_kernel(page, timeout: float = 120_000) -> None:
    """Wait until the status bar says the kernel is connected and idle.

    The toolbar's execution indicator says "idle" before any kernel exists, so the status bar's
    "Python 3 (ipykernel) | Idle" is what counts.
    """
    page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$")).first.wait_for(
        timeout=timeout
    )
    page.wait_for_selector(
        ".jp-NotebookPanel .jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout
    )


def run_all_cells(page) -> None:
    """Run ▸ Run All Cells, from the menu bar."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def wait_for_run_all(page, stop_text: str, timeout: float = 240_000) -> None:
    """Wait until Run All has reached the cell whose output shows ``stop_text``, then idle."""
    page.locator(".jp-OutputArea-output", has_text=stop_text).first.wait_for(timeout=timeout)
    wait_for_idle_kernel(page, timeout)


def rendered_text(page, selector: str) -> str:
    """The rendered text of the first ``selector``. JupyterLab skips rendering cells out of
    view (content-visibility), and their innerText is empty, so scroll it into view first."""
    element = page.locator(selector).first
    element.scroll_into_view_if_needed()
    return element.inner_text()


def verdict_text(page) -> str:
    return rendered_text(page, VERDICT)


def bug_checkbox(page, title: str = BUG_TITLE):
    return page.locator(LAB).get_by_role("checkbox", name=title, exact=True)


def images_loaded(page, timeout: float = 10_000) -> list[int]:
    """Natural widths of the lab's figures (0 for an image that failed to load).

    A figure that was just re-rendered is briefly 0 wide while its new PNG decodes, so wait
    (up to ``timeout`` ms) for every image to finish loading before reading the widths.
    """
    images = page.locator(f"{LAB} img")
    try:
        images.first.wait_for(state="attached", timeout=timeout)
        page.wait_for_function(
            f"""() => [...document.querySelectorAll('{LAB} img')]
                .every(i => i.complete && i.naturalWidth > 0)""",
            timeout=timeout,
        )
    except Exception:  # report the widths as they are; the caller's assertion says what failed
        pass
    return images.evaluate_all("images => images.map(i => i.naturalWidth)")


# -- the bug hunt (mystery mode) ------------------------------------------------------------------

HUNT = ".gradcheck-bug-hunt"
HUNT_VERDICT = ".gradcheck-hunt"
HUNT_FEEDBACK = ".gradcheck-hunt-feedback"
#: The seed of notebook 05's hunt, ``bug_hunt(seed=0)``.
HUNT_SEED = 0


@dataclass
class HuntRound:
    """What one round of the hunt showed, as read from the page."""

    number: int
    hidden: str  # catalog name, from the seed (never read from the page)
    verdict: str
    shown_before_answer: str  # the verdict, diagnosis and lines views before any right answer
    wrong_guess: str | None
    wrong_feedback: str | None
    right_feedback: str
    lines: str
    score: str


def wrong_guess_for(hidden: str) -> str:
    """A title the hunt must reject for ``hidden``: a bug outside its look-alike group that
    touches the same arrays when there is one (the hardest wrong guess to explain)."""
    from gradcheck_lib.bugs import CATALOG
    from gradcheck_lib.hunt_rules import lookalike_groups, round_report

    groups = lookalike_groups({name: round_report(name) for name in CATALOG})
    group = next((g for g in groups if hidden in g), frozenset({hidden}))
    outside = [name for name in CATALOG if name not in group]
    same = [name for name in outside if set(CATALOG[name].affects) == set(CATALOG[hidden].affects)]
    return CATALOG[(same or outside)[0]].title


def hunt_text(page, selector: str) -> str:
    return rendered_text(page, f"{HUNT} {selector}")


def play_hunt(page, rounds: int, timeout: float = 60_000, screenshot=None) -> list[HuntRound]:
    """Play ``rounds`` rounds by clicking, as a learner would: in odd rounds a wrong guess
    first (its feedback is kept), then the right one; then "Next round".

    The right answer comes from the seed (:func:`gradcheck_lib.hunt_rules.round_bug`), never
    from the page. ``screenshot(name)``, if given, is called after round 1's wrong guess and
    after its right answer.
    """
    from playwright.sync_api import expect

    from gradcheck_lib.bugs import CATALOG
    from gradcheck_lib.hunt_rules import round_bug

    hunt = page.locator(HUNT).first
    hunt.scroll_into_view_if_needed()
    feedback = hunt.locator(HUNT_FEEDBACK)
    select = hunt.locator(".gradcheck-hunt-guess select")
    played = []
    for number in range(1, rounds + 1):
        expect(hunt.locator(".gradcheck-hunt-round")).to_contain_text(
            f"Round {number} (", timeout=timeout
        )
        hidden = round_bug(HUNT_SEED, number)
        verdict = hunt_text(page, HUNT_VERDICT)
        before = [verdict, hunt_text(page, ".gradcheck-hunt-diagnosis")]
        wrong = wrong_feedback = None
        if number % 2:
            wrong = wrong_guess_for(hidden)
            select.select_option(label=wrong)
            hunt.get_by_role("button", name="Submit guess").click()
            expect(feedback).to_contain_text("Wrong", timeout=timeout)
            wrong_feedback = hunt_text(page, HUNT_FEEDBACK)
            before.append(hunt.locator(".gradcheck-hunt-lines").inner_text())
            if screenshot is not None and number == 1:
                screenshot("wrong")
        select.select_option(label=CATALOG[hidden].title)
        hunt.get_by_role("button", name="Submit guess").click()
        expect(feedback).to_contain_text("Right", timeout=timeout)
        expect(hunt.locator(".gradcheck-hunt-lines")).to_contain_text("wrong:", timeout=timeout)
        if screenshot is not None and number == 1:
            screenshot("right")
        played.append(
            HuntRound(
                number,
                hidden,
                verdict,
                "\n".join(before),
                wrong,
                wrong_feedback,
                hunt_text(page, HUNT_FEEDBACK),
                hunt_text(page, ".gradcheck-hunt-lines"),
                hunt_text(page, ".gradcheck-hunt-score"),
            )
        )
        hunt.get_by_role("button", name="Next round").click()
    return played
