"""Browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Playwright cannot download browsers here, so we launch the system Chromium through
`executable_path`. Where it is missing, every test in this folder is skipped and the run ends
with a banner saying so: a green run without browser tests must not pass for a full one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .support import DESKTOP

# Playwright's sync API runs an event loop in the test thread; Django would otherwise refuse
# ORM calls made from the test body while that loop exists.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("TINHSO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SKIP_REASON = f"BROWSER TESTS SKIPPED: chromium not found at {CHROMIUM}"
HERE = Path(__file__).parent


def chromium_available() -> bool:
    return CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if chromium_available():
        return
    skip = pytest.mark.skip(reason=SKIP_REASON)
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(skip)


def _browser_skips(reporter: Any) -> int:
    """How many tests this run skipped for want of Chromium (deselected ones do not count)."""
    return sum(
        1 for report in reporter.stats.get("skipped", [])
        if SKIP_REASON in str(getattr(report, "longrepr", ""))
    )


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    skipped = _browser_skips(terminalreporter)
    if not skipped:
        return
    terminalreporter.write_sep("!", SKIP_REASON, red=True, bold=True)
    terminalreporter.write_line(
        f"{skipped} browser tests did not run. Install Debian's chromium "
        f"(apt-get install chromium) or point TINHSO_CHROMIUM at a Chromium binary.",
        red=True,
    )


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not chromium_available():
        pytest.skip(SKIP_REASON)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A factory: `open_page(path, lang="vi", viewport=DESKTOP)` opens the live site in a fresh
    browser context (no cookies but the language one) and returns the Playwright page.

    The browser says it prefers Vietnamese (Accept-Language vi-VN); `lang="en"` sets Django's
    language cookie as the language switch would."""
    from django.conf import settings

    contexts: list[Any] = []

    def _open(path: str = "/", *, lang: str = "vi", viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP, locale="vi-VN")
        context.set_default_timeout(10_000)
        contexts.append(context)
        if lang != "vi":
            context.add_cookies(
                [{"name": settings.LANGUAGE_COOKIE_NAME, "value": lang, "url": live_server.url}]
            )
        page = context.new_page()
        page.goto(live_server.url + path)
        return page

    yield _open
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot_dir() -> Path | None:
    """Where to save screenshots for a human to look at: $TINHSO_SCREENSHOT_DIR, if set."""
    value = os.environ.get("TINHSO_SCREENSHOT_DIR")
    if not value:
        return None
    path = Path(value)
    path.mkdir(parents=True, exist_ok=True)
    return path


def pytest_unconfigure(config: pytest.Config) -> None:
    # Repeat it after the final counts line, where people look.
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None and _browser_skips(reporter):
        reporter.write_sep("!", SKIP_REASON, red=True, bold=True)
