"""Browser tests: the app served from a thread on a file database, driven by headless Chromium.

Every test here is marked `e2e`. A missing Chromium fails the run with the install command: these
tests are never skipped. The database is the one of tests/conftest.py (`database_url`): a SQLite
file in the test's tmp_path, or PostgreSQL when TEST_DATABASE_URL is set.
"""

import os
import threading
import traceback
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import DEMO_PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
INSTALL_HINT = "apt-get install -y chromium"
ROOT = Path(__file__).resolve().parents[2]
PHONE = {"width": 375, "height": 812}


def pytest_collection_modifyitems(items):
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.e2e)


def _closing(body):
    """The response body, closed once it has been sent or dropped. Werkzeug's server closes it in a
    `finally` that first reads what the client left on a socket it may already have reset (a page
    the browser left mid-load), so a dropped response could keep its file open (a ResourceWarning,
    an error under filterwarnings=error); a generator's `finally` runs when it is exhausted or
    garbage-collected."""
    try:
        yield from body
    finally:
        if hasattr(body, "close"):
            body.close()


class LiveServer:
    """The app on 127.0.0.1 and a free port, one thread per request, like a real deployment."""

    def __init__(self, app):
        self.errors = []
        self._server = make_server("127.0.0.1", 0, self._recording(app), threaded=True)
        # Request threads are waited for at stop: one still serving the browser when the test ends
        # would hold a database connection past the engine's dispose, and its garbage collection
        # later fails another test with psycopg's "deleted while still open" ResourceWarning.
        self._server.daemon_threads = False
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="live-server", daemon=True)

    def _recording(self, app):
        # TESTING propagates exceptions to the server, which would only log them; keep them so the
        # test fails with the traceback instead of a puzzling "element not found".
        def wsgi(environ, start_response):
            try:
                return _closing(app(environ, start_response))
            except Exception:
                self.errors.append(f"{environ['REQUEST_METHOD']} {environ['PATH_INFO']}\n"
                                   + traceback.format_exc())
                raise

        return wsgi

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._thread.join(timeout=10)
        for request in list(getattr(self._server, "_threads", None) or []):
            request.join(timeout=10)
        self._server.server_close()


@pytest.fixture
def live_server(app, demo):
    """The `app` fixture (fresh database, reference data) with the demo district, served over HTTP.

    The test keeps `app`'s context for its own database work; each request runs in its own thread
    and app context, with its own session, as under gunicorn.
    """
    server = LiveServer(app).start()
    yield server
    server.stop()
    if server.errors:
        pytest.fail("the server raised:\n" + "\n".join(server.errors), pytrace=False)


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"{CHROMIUM} is missing: browser tests need Debian's Chromium. Install it with "
                    f"`{INSTALL_HINT}` (as root), then run the tests again.", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Exception as error:
            pytest.fail(f"{CHROMIUM} did not start ({error}). Reinstall it with `{INSTALL_HINT}`.",
                        pytrace=False)
        yield browser
        browser.close()


def _page(browser, live_server, **context_options):
    context = browser.new_context(base_url=live_server.url, locale="vi-VN", **context_options)
    context.set_default_timeout(10_000)
    page = context.new_page()
    problems = []
    # Pages that answered an error status (a 404 page, a refused form's 422) and refusals a page's
    # script shows (an upload's 422): the console reports each as a failed load, but the status is
    # the answer, which the test checks itself. A failed script, style or image still fails.
    error_pages = set()

    def on_response(response):
        kind = response.request.resource_type
        if (kind == "document" and response.status >= 400) or (kind in ("xhr", "fetch")
                                                               and 400 <= response.status < 500):
            error_pages.add(response.url)

    # A CSP violation (an inline script or style slipped into a template) or a JavaScript error
    # shows up only in the console; fail the test on it rather than let the page half-work.
    # The browser's own /favicon.ico probe is not the page's doing (there is no icon yet).
    def on_console(msg):
        url = msg.location.get("url", "")
        if msg.type != "error" or url.endswith("/favicon.ico"):
            return
        if msg.text.startswith("Failed to load resource: the server responded with a status of") \
                and url in error_pages:
            return
        problems.append(f"console: {msg.text} ({url})")

    page.on("response", on_response)
    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return context, page, problems


@pytest.fixture
def page(browser, live_server):
    """A fresh browser context (no cookies) on the live server: `page.goto("/login")`."""
    context, page, problems = _page(browser, live_server)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def phone_page(browser, live_server):
    """The same on a phone-sized touch screen (375×812)."""
    context, page, problems = _page(browser, live_server, viewport=PHONE, is_mobile=True, has_touch=True)
    yield page
    context.close()
    assert not problems, "\n".join(problems)


@pytest.fixture
def sign_in():
    """Sign in through the real login form: `sign_in(page, "gv.toan")`."""

    def _sign_in(page, username, password=DEMO_PASSWORD):
        page.goto("/login")
        page.locator("input[name=username]").fill(username)
        page.locator("input[name=password]").fill(password)
        page.locator("main button[type=submit]").click()
        page.wait_for_url(lambda url: "/login" not in url)
        return page

    return _sign_in


def press(locator, key="Space"):
    """Tick a box or radio (Space) or press a button (Enter) with the keyboard. On a page with a
    PDF, Chromium's viewer takes the focus and may scroll the page once it has loaded, so a mouse
    click can land on a moving target under load; the keyboard does what a keyboard user would."""
    locator.focus()
    locator.press(key)
