"""End-to-end fixtures: the real service on loopback over an index of the bundled corpus, and Debian's Chromium.

Skips (with the reason) when Chromium or Playwright is missing: ``make browser`` installs Chromium, the ``dev``
extra installs Playwright. Playwright's own browser download is never used (the machines have no internet).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, ViewportSize

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "corpus"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
    "--lang=vi-VN",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}
READY_TIMEOUT_S = 30.0


def chromium_path() -> str:
    """Debian's chromium, or skip: the e2e tests need a real browser."""
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("chromium is not installed (run 'make browser' or 'apt-get install chromium')")
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(base_url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /readyz until the service has opened its index; fail with its log if it dies or never gets there."""
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the service exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    pytest.fail(f"the service was not ready after {READY_TIMEOUT_S} s:\n{log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def chromium() -> str:
    path = chromium_path()
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')")
    return path


@pytest.fixture(scope="session")
def e2e_index(chromium: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled corpus indexed by the real CLI (after the browser check, so a skip costs nothing)."""
    root = tmp_path_factory.mktemp("e2e-index")
    subprocess.run(
        [sys.executable, "-m", "newssearch", "index", str(CORPUS), "--index", str(root), "--quiet"],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return root


def start_service(index: Path, workdir: Path) -> tuple[str, subprocess.Popen[bytes], Path]:
    """``newssearch serve`` on a free loopback port; returns its base URL, process and log file."""
    port = free_port()
    log = workdir / "serve.log"
    # NEWSSEARCH_INDEX_DIR as well as --index: `serve --index` alone is ignored with one worker (the settings are
    # cached before the option is copied to the environment). The working directory holds no `index` folder, so a
    # service that ignored both would answer 503 rather than serve some other index.
    env = {**os.environ, "NEWSSEARCH_INDEX_DIR": str(index), "NEWSSEARCH_LOG_JSON": "true"}
    command = [sys.executable, "-m", "newssearch", "serve", "--index", str(index), "--host", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen([*command, "--port", str(port)], cwd=workdir, env=env, stdout=out, stderr=out)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base_url, process, log)
    except BaseException:
        stop_service(process)
        raise
    return base_url, process, log


def stop_service(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def base_url(e2e_index: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real service, started once for the session and stopped at its end."""
    url, process, _ = start_service(e2e_index, tmp_path_factory.mktemp("e2e-serve"))
    yield url
    stop_service(process)


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Browser]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def _new_page(browser: Browser, base_url: str, viewport: ViewportSize) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url, locale="vi-VN", viewport=viewport)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[Any] = []
    page.on("pageerror", lambda error: errors.append(error))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh desktop-width page (own context: no shared history or cache); fails on any JavaScript error."""
    yield from _new_page(browser, base_url, DESKTOP)


@pytest.fixture
def phone_page(browser: Browser, base_url: str) -> Iterator[Page]:
    """A fresh phone-width page."""
    yield from _new_page(browser, base_url, PHONE)
