"""Helpers shared by the browser tests: axe-core checks and page measurements."""

from __future__ import annotations

from typing import Any

PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
BLOCKING_IMPACTS = {"serious", "critical"}


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations of impact "serious" or "critical" on the page as it is now."""
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


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return int(page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    ))
