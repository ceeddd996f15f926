"""Screenshots of a real search for the README: ``python docs/make_screenshots.py`` (writes docs/screenshot-*.png:
the results on a desktop and a phone, and the article view).

The same way the end-to-end tests work: index the bundled corpus with the CLI into a temporary folder, serve it
on a free loopback port, and drive Debian's Chromium through Playwright (no browser download, no internet).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from playwright.sync_api import expect, sync_playwright

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
QUERY = "ha tinh"
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_ready(base_url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{base_url}/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise SystemExit("the service was not ready after 30 s")


def shoot(base_url: str, chromium: str) -> None:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        for name, viewport in (("desktop", {"width": 1280, "height": 900}), ("phone", {"width": 390, "height": 844})):
            context = browser.new_context(
                base_url=base_url,
                locale="vi-VN",
                viewport={"width": viewport["width"], "height": viewport["height"]},
                device_scale_factor=1 if name == "desktop" else 2,
            )
            page = context.new_page()
            page.goto("/")
            page.locator("#q").fill(QUERY)
            page.locator("#q").press("Enter")
            expect(page.locator("#hits .hit-title mark").first).to_have_text("Hà Tĩnh")
            page.locator("#q").blur()
            page.screenshot(path=DOCS / f"screenshot-{name}.png")
            print(f"wrote {DOCS / f'screenshot-{name}.png'}")
            if name == "desktop":
                # The article view (issue 18): the query's words marked, stepping to the next one, the results
                # either side, citation and print.
                page.locator("#hits .hit-link").first.click()
                expect(page.locator("#article-title mark")).to_have_text(["Hà Tĩnh"])
                page.locator(".match-next").click()
                page.locator(".match-next").click()
                expect(page.locator(".result-position")).to_be_visible()
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=DOCS / "screenshot-article.png")
                print(f"wrote {DOCS / 'screenshot-article.png'}")
            context.close()
        browser.close()


def main() -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        raise SystemExit("chromium is not installed (run 'make browser' or 'apt-get install chromium')")
    with tempfile.TemporaryDirectory(prefix="newssearch-shots-") as tmp:
        index = Path(tmp) / "index"
        subprocess.run(
            [sys.executable, "-m", "newssearch", "index", str(REPO / "corpus"), "--index", str(index), "--quiet"],
            check=True,
            capture_output=True,
        )
        port = free_port()
        env = {**os.environ, "NEWSSEARCH_INDEX_DIR": str(index)}
        command = [sys.executable, "-m", "newssearch", "serve", "--index", str(index), "--port", str(port)]
        with (Path(tmp) / "serve.log").open("wb") as log:
            process = subprocess.Popen(command, cwd=tmp, env=env, stdout=log, stderr=log)
        try:
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url, process)
            shoot(base_url, chromium)
        finally:
            process.terminate()
            process.wait(timeout=10)


if __name__ == "__main__":
    main()
