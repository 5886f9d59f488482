"""Accessibility and phone layout, checked in the browser: axe-core's WCAG 2.2 A/AA rules, no sideways scrolling
at a 390 px viewport, and buttons of at least 44 × 44 px.

`assert_accessible(page, "what")` runs all three on what the page shows now. axe-core comes from the pinned
`axe-playwright-python` wheel (its bundled `axe.min.js`), injected through Playwright, so no browser download and
no network is involved.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, ViewportSize

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
# WCAG 2.0, 2.1 and 2.2, levels A and AA: the standard government sites in Indonesia are held to.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
MIN_TARGET_PX = 44
# What a person taps to act. Links inside running text are exempt (WCAG 2.5.8 allows inline targets).
TARGETS = "button, input[type=submit], input[type=button], input[type=reset], a.button, [role=button]"


def _axe_source() -> str:
    from axe_playwright_python.base import AXE_SCRIPT

    return AXE_SCRIPT


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.2 A/AA violations on the page as it is now, with the elements they concern."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's Content-Security-Policy does not apply to it.
        page.evaluate(_axe_source())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = page.evaluate(f"() => axe.run(document, {json.dumps(options)})")
    return list(result["violations"])


def sideways_overflow(page: Page) -> int:
    """How many CSS pixels the page is wider than its viewport (0 when it does not scroll sideways)."""
    return int(
        page.evaluate(
            "() => Math.max(document.documentElement.scrollWidth, document.body ? document.body.scrollWidth : 0)"
            " - document.documentElement.clientWidth"
        )
    )


def small_targets(page: Page) -> list[str]:
    """Visible buttons smaller than 44 × 44 px, described as `tag "text" WxH`."""
    found: list[str] = page.evaluate(
        """([selector, minimum]) => [...document.querySelectorAll(selector)]
            .filter(el => {
              const style = getComputedStyle(el);
              const box = el.getBoundingClientRect();
              return style.visibility !== 'hidden' && style.display !== 'none' && box.width > 0 && box.height > 0
                && (box.width < minimum || box.height < minimum);
            })
            .map(el => {
              const box = el.getBoundingClientRect();
              const text = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
              return `${el.tagName.toLowerCase()} "${text}" ${Math.round(box.width)}x${Math.round(box.height)}`;
            })""",
        [TARGETS, MIN_TARGET_PX],
    )
    return found


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation.get('impact')}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node.get('failureSummary', '')[:200]}")
    return "\n".join(lines)


def assert_accessible(page: Page, what: str) -> None:
    """No WCAG 2.2 A/AA violation, no sideways scrolling and no button under 44 × 44 px on the current page."""
    violations = axe_violations(page)
    assert not violations, f"{what}: axe-core found\n{describe(violations)}"
    overflow = sideways_overflow(page)
    assert overflow <= 0, f"{what}: {overflow} px wider than the {page.viewport_size} viewport"
    small = small_targets(page)
    assert not small, f"{what}: buttons under {MIN_TARGET_PX} × {MIN_TARGET_PX} px: {small}"
