"""Browser fixtures: the demo app served on loopback from its own SQLite file, and Chromium."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("SAMENSPEL_SECRET_KEY", "e2e-secret-key-not-for-production")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # the tests may run as root
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    # tryfirst: the marker must be there before `-m` deselects.
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(autouse=True)
def clean_database():
    """Override tests/conftest.py's fixture: the browser tests use their own database."""
    yield


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture(scope="session")
def live_server(tmp_path_factory) -> Iterator[LiveServer]:
    """The app with the demo data, served by a threaded werkzeug server on 127.0.0.1.

    One per process: under pytest-xdist every worker serves its own copy of the demo on
    its own port, and the files of a test module run in order on one worker (loadfile)."""
    from flask_migrate import upgrade
    from werkzeug.serving import WSGIRequestHandler, make_server

    from app import create_app
    from app.extensions import db
    from app.seeds import load_demo

    database = tmp_path_factory.mktemp("e2e") / "samenspel.db"
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{database}",
            "MAIL_ECHO": False,
            "MAIL_HOST": "",
            "SAMENSPEL_PASSWORD_METHOD": "pbkdf2:sha256:1",  # the demo's passwords, cheaply
        }
    )
    with app.app_context():
        upgrade()
        load_demo()

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs) -> None:
            pass  # the access log only adds noise to a failing test's output

    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietHandler)
    url = f"http://127.0.0.1:{server.server_port}"
    app.config["SAMENSPEL_BASE_URL"] = url
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(url=url, app=app)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        message = f"Chromium is not installed at {CHROMIUM}; the browser tests need it"
        if os.environ.get("CI"):
            pytest.fail(f"{message} (CI is set, so this is an error)", pytrace=False)
        pytest.skip(f"{message} (install the Debian package 'chromium')")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


def _new_page(browser, live_server: LiveServer, **options):
    # bypass_csp: the app's CSP forbids inline script, which is how axe gets injected.
    context = browser.new_context(base_url=live_server.url, bypass_csp=True, **options)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return context, page, errors


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) per test; fails on uncaught JavaScript errors."""
    context, page, errors = _new_page(browser, live_server)
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def narrow_page(browser, live_server):
    """Like `page`, at 320 CSS pixels wide (WCAG 1.4.10 reflow)."""
    context, page, errors = _new_page(browser, live_server, viewport={"width": 320, "height": 640})
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
