"""Browser fixtures: Debian's Chromium driven by Playwright, and the checks every visited page gets.

``pages.check(name)`` looks at the current page as people do: at 1280 px and 390 px wide (and 360 px for
overflow), in light and dark colours. It records a problem when the page scrolls sideways, when axe-core
(pinned in package.json, ``make e2e-deps``) finds a serious or critical violation, or when Chromium
refused something under the Content-Security-Policy. Screenshots go to tests/e2e/screenshots/.
axe-core is injected through the DevTools protocol (an init script), never as a page script, so the
portal's strict CSP stays as it is in production.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
HERE = Path(__file__).parent
SCREENSHOTS = HERE / "screenshots"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
WIDE, PHONE, SMALL_PHONE = 1280, 390, 360
FAILING_IMPACTS = ("serious", "critical")

OVERFLOW_JS = r"""() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const element of document.querySelectorAll('body *')) {
    const box = element.getBoundingClientRect();
    if (box.width && box.right > width + 1) {
      const classes = typeof element.className === 'string' ? element.className.trim() : '';
      wide.push(element.tagName.toLowerCase() + (element.id ? '#' + element.id : '')
        + (classes ? '.' + classes.split(/\s+/).join('.') : ''));
    }
  }
  return {width, scrollWidth: document.documentElement.scrollWidth, wide: wide.slice(0, 6)};
}"""

# A function, not an expression: Playwright would eval() an expression, which the CSP refuses.
DARK_JS = "() => document.documentElement.getAttribute('data-bs-theme') === 'dark'"
AXE_JS = """async () => {
  // preload: false keeps axe from copying stylesheets into inline <style> elements (refused by the CSP).
  const result = await axe.run(document, {resultTypes: ['violations'], preload: false});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
  }));
}"""


def _axe_source() -> str:
    if not AXE.exists():
        message = f"browser test cannot check accessibility: {AXE} is missing (run make e2e-deps)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text()


pytestmark = pytest.mark.e2e


@dataclass
class PageChecks:
    """Runs the checks on the current page and keeps every problem, so one run reports them all."""

    page: object
    problems: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)

    def check(self, name: str, *, dark: bool = True) -> None:
        page = self.page
        page.wait_for_load_state("load")
        self.visited.append(name)
        original = page.viewport_size
        try:
            for width in (WIDE, PHONE, SMALL_PHONE):
                page.set_viewport_size({"width": width, "height": 900})
                overflow = page.evaluate(OVERFLOW_JS)
                if overflow["scrollWidth"] > overflow["width"]:
                    self.problems.append(
                        f"{name} @{width}px: the page is {overflow['scrollWidth']} px wide; "
                        f"too wide: {', '.join(overflow['wide'])}"
                    )
                if width == SMALL_PHONE:
                    continue
                self._axe(f"{name} @{width}px")
                page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            if dark:
                page.set_viewport_size({"width": WIDE, "height": 900})
                page.emulate_media(color_scheme="dark")
                try:
                    if page.evaluate("document.documentElement.getAttribute('data-colour-mode')") == "auto":
                        try:
                            page.wait_for_function(DARK_JS, polling=100, timeout=5000)
                        except Exception:  # Playwright's TimeoutError
                            self.problems.append(f"{name}: a dark system setting left the page light")
                    # The admin's links animate colour changes (0.15 s) whatever the motion setting:
                    # measure contrast once they have settled.
                    page.wait_for_timeout(200)
                    self._axe(f"{name} dark")
                    page.screenshot(path=str(SCREENSHOTS / f"{name}-dark.png"), full_page=True)
                finally:
                    page.emulate_media(color_scheme="light")
        finally:
            page.set_viewport_size(original)
        self.problems.extend(f"{name}: CSP refused: {v}" for v in page.csp_violations)
        page.csp_violations.clear()

    def _axe(self, where: str) -> None:
        if not self.page.evaluate("typeof window.axe === 'object'"):
            self.problems.append(f"{where}: axe-core is not loaded on this page")
            return
        for violation in self.page.evaluate(AXE_JS):
            if violation["impact"] in FAILING_IMPACTS:
                self.problems.append(
                    f"{where}: axe {violation['impact']} {violation['id']} ({violation['help']}) "
                    f"at {violation['targets']}"
                )


def _launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


@pytest.fixture(scope="module")
def chromium():
    """One Chromium per test module (and xdist worker): launching one costs 1-2 s, a new context ~50 ms."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"browser test skipped: no Chromium at {CHROMIUM} (apt-get install chromium)")
    # Playwright's sync API runs an event loop in this thread; the Django code it drives runs in the live
    # server's thread, but the test's own ORM reads would trip Django's async guard without this.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="browser test skipped: playwright not installed"
    )
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = _launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


def header_refusal(text: str) -> bool:
    """True for a console message in which Chromium reports a CSP refusal or a Permissions-Policy header
    it cannot parse (an unrecognised feature is such an error on every page)."""
    return "Content Security Policy" in text or "Permissions-Policy header" in text


@pytest.fixture
def browser_page(chromium):
    """A fresh Chromium page (1100 by 900 px, its own context) that records CSP refusals in
    ``page.csp_violations``."""
    # Reduced motion: Bootstrap then animates nothing, so colours are final when axe measures contrast.
    context = chromium.new_context(
        viewport={"width": 1100, "height": 900}, locale="en-GB", reduced_motion="reduce"
    )
    # Through the DevTools protocol, before any page script: CSP does not apply to it.
    context.add_init_script(script=_axe_source())
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Every message in which Chromium reports a Content-Security-Policy refusal or an error in the
    # Permissions-Policy header, for the tests to check.
    page.csp_violations = []
    page.on(
        "console",
        lambda message: (
            header_refusal(message.text) and page.csp_violations.append(f"{page.url}: {message.text}")
        ),
    )
    try:
        yield page
    finally:
        context.close()


@pytest.fixture
def pages(browser_page) -> PageChecks:
    return PageChecks(browser_page)


def shot(page, name: str) -> None:
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
