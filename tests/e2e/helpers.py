"""Helpers for the browser journeys: axe-core checks, navigating with a check, logging in."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "app" / "static" / "vendor" / "axe" / "axe.min.js"
DEMO_PASSWORD = "samenspel-demo"
DEMO_TOTP_SECRET = "SAMENSPELDEMOTOTPSAMENSPELDEMOTO"  # the demo beheerders' key (README)
MAX_NODES = 5  # elements listed per rule in a failure message
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

RUN_AXE = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({target: n.target, summary: n.failureSummary})),
  }));
}"""


def _describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v['helpUrl']}>")
        for node in v["nodes"][:MAX_NODES]:
            target = " ".join(str(part) for part in node["target"])
            summary = " ".join((node["summary"] or "").split())
            lines.append(f"    {target}: {summary}")
        if len(v["nodes"]) > MAX_NODES:
            lines.append(f"    ... and {len(v['nodes']) - MAX_NODES} more elements")
    return "\n".join(lines)


def check_accessibility(page: Page) -> None:
    """Run axe-core (WCAG 2.1 A and AA rules) on the current page; fail on any violation."""
    assert AXE.exists(), f"{AXE} is missing: run `bash scripts/vendor.sh`"
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    violations = page.evaluate(RUN_AXE, WCAG_TAGS)
    assert not violations, (
        f"axe found {len(violations)} accessibility violation(s) on {page.url}:\n"
        + _describe(violations)
    )


def visit(page: Page, path: str, status: int = 200) -> None:
    """Open a page, check its HTTP status and check it with axe."""
    response = page.goto(path)
    assert response is not None and response.status == status, (
        f"GET {path}: expected {status}, got {response.status if response else 'no response'}"
    )
    check_accessibility(page)


def log_in(page: Page, email: str) -> None:
    """Log in through the login form; checks the login page on the way."""
    visit(page, "/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEMO_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    if page.url.endswith("/login/code"):
        check_accessibility(page)
        page.locator("#code").fill(next_code(DEMO_TOTP_SECRET))
        page.locator("main form button[type=submit]").click()
    expect(page.locator("header form[action='/logout'] button")).to_be_visible()
    check_accessibility(page)


_used_steps: dict[str, int] = {}


def next_code(secret: str) -> str:
    """A code the server accepts: the current time step's, or (after a login in this same
    step) the next step's, which the server accepts as clock drift."""
    import time

    import pyotp

    step = int(time.time() // 30)
    if _used_steps.get(secret, -1) >= step:
        step = _used_steps[secret] + 1
    _used_steps[secret] = step
    return pyotp.TOTP(secret).at(step * 30)
