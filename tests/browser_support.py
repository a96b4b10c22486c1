"""Launch Debian's Chromium under Playwright, and keep pages off the network.

Playwright's own browser download (`playwright install`) cannot work on these
machines, so tests drive the system Chromium (`apt-get install chromium`)::

    from playwright.sync_api import sync_playwright
    from browser_support import block_external, launch_chromium

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page()
        page.route("**/*", block_external)
        page.goto(f"http://127.0.0.1:{port}/")

`python tests/browser_support.py` launches it once and prints its version
(.ci/run does this before the tests, so a broken browser fails early and clearly).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from server_support import free_port, stop_process

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright, Route

#: The browser the tests drive; IPKG_CHROMIUM points elsewhere on a machine without Debian's.
CHROMIUM = os.environ.get("IPKG_CHROMIUM", "/usr/bin/chromium")

#: Flags as root in a sandbox with no network: --no-sandbox because root cannot use
#: Chromium's sandbox; the rest stop the background calls to Google's services,
#: which this machine's closed network refuses, many at a time, at every start.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)

LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})

# Schemes with no host that never leave the page (inlined pyvis assets, blobs).
_LOCAL_SCHEMES = frozenset({"data", "blob", "about"})


def launch_chromium(playwright: Playwright, **kwargs) -> Browser:
    """Launch the system Chromium headless through Playwright.

    Args:
        playwright: The object `sync_playwright()` yields.
        **kwargs: Passed on to `playwright.chromium.launch` (e.g. `slow_mo`).

    Returns:
        A Playwright `Browser`; the caller closes it.
    """
    return playwright.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=list(CHROMIUM_ARGS), **kwargs
    )


def is_local(url: str) -> bool:
    """Whether a request for `url` stays on this machine."""
    parts = urlsplit(url)
    return parts.scheme in _LOCAL_SCHEMES or parts.hostname in LOCAL_HOSTS


def block_external(route: Route) -> None:
    """Playwright route handler: abort every request whose host is not localhost.

    Use as `page.route("**/*", block_external)`, so a page that reaches for a CDN
    fails visibly in the test instead of hanging on the closed network.
    """
    if is_local(route.request.url):
        route.continue_()
    else:
        route.abort("blockedbyclient")


if __name__ == "__main__":
    from playwright.sync_api import sync_playwright

    if not os.access(CHROMIUM, os.X_OK):
        sys.exit(f"{CHROMIUM} not found: apt-get install chromium fonts-noto-cjk")
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        page = browser.new_page()
        page.route("**/*", block_external)
        page.set_content("<h1>知识产权</h1>")
        assert page.inner_text("h1") == "知识产权"
        print(f"Chromium {browser.version} at {CHROMIUM} launches under Playwright")
        browser.close()


def run_app(env: dict[str, str], log_path: str | os.PathLike[str], *, timeout_s: float = 60):
    """Start `streamlit run app.py` on a free localhost port with `env` (IPKG_* variables
    of the caller's environment dropped); a context manager yielding (base URL, process)."""
    import contextlib
    import subprocess
    import time
    import urllib.request
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent

    @contextlib.contextmanager
    def running():
        port = free_port()
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("IPKG_")} | env
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "streamlit", "run", str(root / "app.py"), "--server.headless", "true",
                 "--server.port", str(port), "--server.address", "127.0.0.1",
                 "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                cwd=root, env=full_env, stdout=log, stderr=subprocess.STDOUT,
            )
            url = f"http://127.0.0.1:{port}"
            try:
                deadline = time.monotonic() + timeout_s
                while True:
                    try:
                        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                            if resp.status == 200:
                                break
                    except OSError:
                        if time.monotonic() > deadline:
                            raise RuntimeError(f"streamlit did not start on {url}; see {log_path}") from None
                        time.sleep(0.3)
                yield url, proc
            finally:
                stop_process(proc)

    return running()
