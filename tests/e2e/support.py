"""Helpers shared by the browser tests: axe-core checks and page measurements."""

from __future__ import annotations

from typing import Any

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
BLOCKING_IMPACTS = {"minor", "moderate", "serious", "critical"}  # clean means clean


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is now, of any impact."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        targets = [", ".join(node["target"]) for node in v["nodes"]][:5]
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} -> {targets}")
    return "\n".join(lines)


def assert_accessible(page: Any) -> None:
    violations = serious_violations(page)
    assert not violations, f"axe-core found on {page.url}:\n{describe(violations)}"


def page_width(page: Any) -> int:
    """The document's scroll width: at most the viewport width when nothing overflows."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


# Controls people tap: every one must be at least 44 CSS pixels high (WCAG 2.5.5 target size,
# which GOV.UK and the Vietnamese e-government guidelines both follow). Links inside running
# text are exempt, as WCAG exempts inline targets.
TAP_TARGETS = (
    "header a, header button, nav a, main button, main input:not([type=hidden]), main select, "
    ".pagination a"
)


def small_tap_targets(page: Any, minimum: float = 44) -> list[str]:
    return list(page.evaluate(
        """([selector, minimum]) => Array.from(document.querySelectorAll(selector))
            .filter(el => el.offsetParent !== null)
            .map(el => [el, el.getBoundingClientRect()])
            .filter(([el, r]) => r.height < minimum - 0.5)
            .map(([el, r]) => `${el.tagName.toLowerCase()} "${(el.innerText || el.name || '').trim()}" ${Math.round(r.width)}x${Math.round(r.height)}`)""",
        [TAP_TARGETS, minimum],
    ))


def snap(page: Any, directory: Any, name: str) -> None:
    """Save a full-page screenshot for a human to look at, when a directory was given."""
    if directory is None:
        return
    width = page.viewport_size["width"] if page.viewport_size else 0
    lang = page.locator("html").get_attribute("lang")
    page.screenshot(path=str(directory / f"{name}-{lang}-{width}.png"), full_page=True)


def click_and_wait(page: Any, locator: Any) -> None:
    """Click something that loads a new page (a link, a submit button) and wait until it has."""
    with page.expect_navigation():
        locator.click()
