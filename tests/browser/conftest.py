"""Playwright on Debian's Chromium, with no request allowed to leave the machine."""

import shutil
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.contrib.contenttypes.models import ContentType

from tests.articles.public_site import build_story, furnish_site
from tests.conftest import require

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=http://127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
# How long a closed page's last requests may take to be answered before the test's database is emptied.
SETTLE_SECONDS = 10


def chromium_path():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    require(executable, "Debian's chromium is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class RequestsInFlight:
    """The live server's application, counting the requests it is answering.

    On SQLite the live server shares the test's connection: a request still reading when the test's
    database is emptied breaks that connection's transaction for every test after it. A page's
    background requests (autosave, presence, a live page's polls) can be in flight when it closes."""

    def __init__(self, app):
        self.app = app
        self.answering = 0
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        with self.lock:
            self.answering += 1
        try:
            return self.app(environ, start_response)
        finally:
            with self.lock:
                self.answering -= 1

    def wait_until_idle(self):
        # A request accepted as the page closed reaches the application a moment later.
        time.sleep(0.1)
        deadline = time.monotonic() + SETTLE_SECONDS
        while self.answering and time.monotonic() < deadline:
            time.sleep(0.02)


def requests_in_flight(live_server):
    server = live_server.thread.httpd
    if not isinstance(server.get_app(), RequestsInFlight):
        server.set_app(RequestsInFlight(server.get_app()))
    return server.get_app()


@pytest.fixture
def new_page(browser, live_server):
    """Open pages that may talk to the test server only; collects console errors."""
    contexts = []
    allowed = urlsplit(live_server.url).netloc

    def open_page(width=1366, height=900, javascript=True):
        context = browser.new_context(viewport={"width": width, "height": height}, java_script_enabled=javascript)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.outside_requests = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda error: page.console_errors.append(str(error)))

        def guard(route):
            url = urlsplit(route.request.url)
            if url.scheme in ("data", "blob") or url.netloc == allowed:
                route.continue_()
            else:
                page.outside_requests.append(route.request.url)
                route.abort()

        page.route("**/*", guard)
        return page

    in_flight = requests_in_flight(live_server)
    yield open_page
    for context in contexts:
        context.close()
    in_flight.wait_until_idle()


@pytest.fixture
def screenshot_dir():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def story(make_article, section, author):
    """The furnished site's story with every part a reader sees (tests/articles/public_site.py)."""
    # The flush after an earlier live-server test recreates content types under
    # new ids; tagging must not use the ids cached before it.
    ContentType.objects.clear_cache()
    furnish_site()
    return build_story(make_article, section, author)
