"""Real Varnish (Debian's varnishd with varnish-modules' xkey) running deploy/varnish.vcl.

In front of `make serve` on the throwaway PostgreSQL of `make test-postgres`, with VARNISH_URL pointing
at it: anonymous pages come from Varnish, edits are seen through it within 2 s, comments are posted and
their receipts read through it, nothing personal is stored, and a page seen once is served while the app
is stopped. The rules of the VCL that the app never exercises (a shareable page with Set-Cookie, a 5xx
from the backend) are checked against a small backend in this process.
"""

import re
import subprocess
import threading
import time
import urllib.error
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connections

from articles.models import Article
from comments.models import Comment
from tests.admin_forms import read_form, with_changes
from tests.comments.conftest import POST_URL
from tests.conftest import require
from tests.figures import record
from tests.servers import (
    SERVER_TEST_MARKS,
    VARNISH_VCL,
    Browser,
    MakeServe,
    VarnishServer,
    postgres_ctl,
    recreate_migrated_rows,
    running,
    set_password_for_servers,
    varnishd,
)

pytestmark = SERVER_TEST_MARKS

PASSWORD = "correct horse battery"
EDIT_VISIBLE_WITHIN_SECONDS = 2


def test_the_vcl_compiles(tmp_path):
    """What `varnishd -C -f deploy/varnish.vcl` checks: the VCL, its vmods (std, and xkey from varnish-modules)."""
    command = varnishd()
    require(command, "varnishd is needed (Debian: apt-get install varnish varnish-modules)")
    result = subprocess.run(
        # No jail: as root, varnishd would read the file as its own user, who may not enter this checkout.
        [command, "-C", "-j", "none", "-f", str(VARNISH_VCL), "-n", str(tmp_path / "compile")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "libvmod_xkey" in result.stderr


def from_cache(answer):
    """Varnish answered from its cache: its X-Varnish names this request and the one that stored the copy."""
    return answer.headers.get("X-Cache") == "hit" and len(answer.headers.get("X-Varnish", "").split()) == 2


def passed(answer):
    return answer.headers.get("X-Cache") == "pass" and len(answer.headers.get("X-Varnish", "").split()) == 1


@pytest.fixture
def stack(tmp_path, make_article):
    """`make serve` behind Varnish, started afresh for each test (the flush after a test renumbers the
    content types a running server keeps)."""
    recreate_migrated_rows()
    article = make_article(headline="Lighthouse keepers vote to stay on the island")
    app = MakeServe("app", tmp_path)
    varnish = VarnishServer(tmp_path, backend_port=app.port)
    app.environment["VARNISH_URL"] = varnish.url
    # The app first: Varnish's probe finds it up from the start.
    with running(app, varnish):
        yield app, varnish, article


def seen_within(browser, url, text, seconds):
    """How long after now `text` is on the page at `url`, asked again every 50 ms; None if not within `seconds`."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if text in browser.get(url).text:
            return time.monotonic() - started
        time.sleep(0.05)
    return None


def test_an_anonymous_page_is_served_from_varnish_the_second_time(stack):
    app, varnish, article = stack
    reader = Browser()
    first = reader.get(varnish.url + article.get_absolute_url())
    second = reader.get(varnish.url + article.get_absolute_url())
    assert first.status == second.status == 200
    assert "Lighthouse keepers vote" in second.text
    assert not from_cache(first) and from_cache(second)
    assert "xkey" not in {name.lower() for name in second.headers}, "the cache keys are for Varnish only"
    stylesheet = re.search(r'href="(/static/[^"]+\.css)"', second.text).group(1)
    assert reader.get(varnish.url + stylesheet).status == 200
    assert from_cache(reader.get(varnish.url + stylesheet))


def test_an_edit_saved_by_another_process_is_seen_through_varnish_within_2_seconds(stack):
    app, varnish, article = stack
    url = varnish.url + article.get_absolute_url()
    reader = Browser()
    reader.get(url)
    assert from_cache(reader.get(url))
    app.manage(
        "shell",
        "-c",
        "from articles.models import Article; "
        f"article = Article.objects.get(pk={article.pk}); "
        "article.headline = 'Lighthouse keepers agree to leave the island'; article.save()",
    )
    seconds = seen_within(reader, url, "Lighthouse keepers agree to leave", EDIT_VISIBLE_WITHIN_SECONDS)
    assert seconds is not None, "the edit was not seen through Varnish within 2 s"
    record("seconds until an edit saved by manage.py shell was seen through Varnish", round(seconds, 3))


def test_an_editor_works_through_varnish_and_nothing_of_theirs_is_stored(stack, editor):
    app, varnish, article = stack
    url = varnish.url + article.get_absolute_url()
    reader = Browser()
    reader.get(url)
    assert from_cache(reader.get(url))

    set_password_for_servers(editor, PASSWORD)
    desk = Browser()
    assert desk.log_in(varnish, editor.username, PASSWORD).status == 302
    dashboard = desk.get(varnish.url + "/admin/")
    assert dashboard.status == 200 and editor.username in dashboard.text and passed(dashboard)
    # Signed in, even a public page is the app's own answer, and not kept.
    assert passed(desk.get(url)) and passed(desk.get(varnish.url + "/"))

    change_url = f"{varnish.url}/admin/articles/article/{article.pk}/change/"
    form = desk.get(change_url)
    assert passed(form)
    edit = with_changes(read_form(form), headline="Lighthouse keepers sign a ten-year lease")
    assert desk.post(change_url, edit).status == 302
    seconds = seen_within(reader, url, "Lighthouse keepers sign a ten-year lease", EDIT_VISIBLE_WITHIN_SECONDS)
    assert seconds is not None, "the edit saved in the admin was not seen through Varnish within 2 s"
    record("seconds until an edit saved in the admin was seen through Varnish", round(seconds, 3))

    for path in ("/admin/", f"/admin/articles/article/{article.pk}/change/"):
        anonymous = Browser().get(varnish.url + path)
        assert passed(anonymous), path
        assert anonymous.status == 302 and "/admin/login/" in anonymous.headers["Location"], path
        assert editor.username not in anonymous.text
    assert "Set-Cookie" not in reader.get(url).headers


def test_a_comment_is_posted_through_varnish_and_its_receipt_never_stored(stack):
    app, varnish, article = stack
    url = varnish.url + article.get_absolute_url()
    reader = Browser()
    page = reader.get(url)
    assert from_cache(reader.get(url))
    time.sleep(4)  # a form sent back faster than a person types is refused
    text = "Will the lighthouse keep its keepers through the winter storms?"
    form = {
        "comment": text,
        "name": "Morgan Reader",
        "email": "morgan@example.net",
        "website": "",
        "phone": "",
        "article": Browser.form_field(page, "article"),
        "parent": "",
        "token": Browser.form_field(page, "token"),
    }
    posted = reader.post(varnish.url + POST_URL, form)
    assert posted.status == 303, posted.text[:500]
    assert passed(posted)
    landing = posted.headers["Location"]
    assert "pending=" in landing
    comment = Comment.objects.get(author_email="morgan@example.net")
    assert comment.status == Comment.Status.PENDING

    receipt_url = varnish.url + landing.split("#")[0]
    receipts = [reader.get(receipt_url), Browser().get(receipt_url)]
    for receipt in receipts:
        assert receipt.status == 200
        assert text in receipt.text and "awaiting moderation" in receipt.text
        assert passed(receipt), "a receipt went through the cache"
        assert "public" not in receipt.headers.get("Cache-Control", "")
    anonymous = Browser().get(url)
    assert text not in anonymous.text, "a reader's pending comment was shown to another"
    assert not Article.objects.get(pk=article.pk).comments.exclude(status=Comment.Status.PENDING).exists()


def test_a_page_seen_once_is_served_by_varnish_while_the_app_is_stopped(stack):
    app, varnish, article = stack
    reader = Browser()
    paths = ["/", article.get_absolute_url()]
    for path in paths:
        assert reader.get(varnish.url + path).status == 200
    app.stop()
    # As an edit made just before would: the pages are out of date, and still the best there is.
    assert varnish.purge("site") == (200, "Purged 2")
    answers = [reader.get(varnish.url + path) for path in paths * 3]
    assert [answer.status for answer in answers] == [200] * len(answers)
    assert all("Lighthouse keepers vote" in answer.text for answer in answers)
    never_seen = Browser().get(varnish.url + "/search/?q=lighthouse")
    assert never_seen.status == 503 and "Back in a moment" in never_seen.text
    record("pages served by Varnish with make serve stopped (all 200)", len(answers))


def test_a_page_seen_once_is_served_by_varnish_while_the_database_is_stopped(stack):
    app, varnish, article = stack
    reader = Browser()
    url = varnish.url + article.get_absolute_url()
    assert reader.get(url).status == 200

    postgres_ctl("stop")
    try:
        # Out of date in Varnish (as after an edit) and gone from the app's own cache: only Varnish has it.
        app.manage("shell", "-c", "from django.core.cache import cache; cache.clear()")
        assert varnish.purge("site") == (200, "Purged 1")
        answers = [reader.get(url) for _ in range(3)]
        never_seen = reader.get(varnish.url + "/search/?q=lighthouse")
    finally:
        postgres_ctl("start")
        # The test's own connection died with the server; teardown needs a new one.
        connections.close_all()

    assert [answer.status for answer in answers] == [200] * 3
    assert all("Lighthouse keepers vote" in answer.text for answer in answers)
    assert never_seen.status == 503 and "Back in a moment" in never_seen.text
    assert seen_within(reader, varnish.url + "/search/?q=lighthouse", "Lighthouse keepers vote", 15) is not None


class ScriptedBackend(ThreadingHTTPServer):
    """A backend whose answers each test writes: path → (status, headers, body). Records what it was asked."""

    def __init__(self):
        self.answers = {}
        self.requests = []
        super().__init__(("127.0.0.1", 0), ScriptedHandler)
        self.port = self.server_address[1]


class ScriptedHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/robots.txt":
            answer = (200, {"Cache-Control": "private, no-cache"}, b"ok")
        else:
            self.server.requests.append((self.path, self.headers.get("Cookie")))
            answer = self.server.answers.get(self.path, (404, {}, b"not here"))
        status, headers, body = answer
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted(tmp_path):
    backend = ScriptedBackend()
    thread = threading.Thread(target=backend.serve_forever, daemon=True)
    thread.start()
    varnish = VarnishServer(tmp_path, backend_port=backend.port)
    try:
        with running(varnish):
            yield backend, varnish
    finally:
        backend.shutdown()
        backend.server_close()


SHAREABLE = {"Cache-Control": "public, max-age=60", "xkey": "site article-1"}


def test_responses_that_set_a_cookie_or_say_private_are_never_stored(scripted):
    backend, varnish = scripted
    backend.answers = {
        "/cookie/": (200, {**SHAREABLE, "Set-Cookie": "reader=42; Path=/"}, b"yours"),
        "/private/": (200, {"Cache-Control": "private, no-store"}, b"yours"),
        "/unsaid/": (200, {}, b"no Cache-Control"),
        "/shared/": (200, SHAREABLE, b"everyone's"),
    }
    for path in backend.answers:
        answers = [Browser().get(varnish.url + path) for _ in range(3)]
        assert [answer.status for answer in answers] == [200] * 3
        assert from_cache(answers[-1]) == (path == "/shared/"), path
    assert [path for path, _cookie in backend.requests].count("/cookie/") == 3
    assert [path for path, _cookie in backend.requests].count("/shared/") == 1


def test_cookies_are_stripped_from_anonymous_pages_and_a_session_goes_to_the_app(scripted):
    backend, varnish = scripted
    backend.answers = {"/page/": (200, SHAREABLE, b"page"), "/page/?a=1&b=2": (200, SHAREABLE, b"page")}
    Browser().get(varnish.url + "/page/", headers={"Cookie": "csrftoken=abc; _ga=1"})
    signed_in = Browser().get(varnish.url + "/page/", headers={"Cookie": "csrftoken=abc; sessionid=xyz"})
    assert passed(signed_in)
    assert backend.requests == [("/page/", None), ("/page/", "csrftoken=abc; sessionid=xyz")]
    # Tracking parameters and the order of the others do not make another page.
    assert from_cache(Browser().get(varnish.url + "/page/?utm_source=mail&fbclid=x"))
    Browser().get(varnish.url + "/page/?b=2&utm_campaign=spring&a=1")
    assert from_cache(Browser().get(varnish.url + "/page/?a=1&b=2"))


def test_purges_by_key_from_this_machine_only_with_a_key(scripted):
    backend, varnish = scripted
    backend.answers = {
        "/one/": (200, {**SHAREABLE, "xkey": "site article-1"}, b"one"),
        "/two/": (200, {**SHAREABLE, "xkey": "site article-2"}, b"two"),
    }
    for path in ("/one/", "/two/", "/one/", "/two/"):
        Browser().get(varnish.url + path)
    assert varnish.purge("article-1") == (200, "Purged 1")
    assert not from_cache(Browser().get(varnish.url + "/one/"))
    assert from_cache(Browser().get(varnish.url + "/two/"))
    assert varnish.purge("site") == (200, "Purged 2")
    with pytest.raises(urllib.error.HTTPError) as refused:
        varnish.purge()
    assert refused.value.code == 400


def test_a_stale_copy_is_served_when_the_backend_fails_or_stops(scripted):
    backend, varnish = scripted
    backend.answers = {"/story/": (200, {**SHAREABLE, "Cache-Control": "public, max-age=1"}, b"the story")}
    assert Browser().get(varnish.url + "/story/").text == "the story"
    time.sleep(1.5)
    backend.answers = {"/story/": (503, {"Retry-After": "30"}, b"database down")}
    during_failure = [Browser().get(varnish.url + "/story/") for _ in range(3)]
    assert [(answer.status, answer.text) for answer in during_failure] == [(200, "the story")] * 3
    backend.answers = {"/story/": (200, {**SHAREABLE, "Cache-Control": "public, max-age=1"}, b"the new story")}
    assert seen_within(Browser(), varnish.url + "/story/", "the new story", 5) is not None

    backend.shutdown()
    backend.server_close()
    time.sleep(1.5)
    answer = Browser().get(varnish.url + "/story/")
    assert (answer.status, answer.text) == (200, "the new story")
    never_seen = Browser().get(varnish.url + "/never-seen/")
    assert never_seen.status == 503 and "Back in a moment" in never_seen.text
    assert never_seen.headers["Retry-After"] == "30"


def test_a_live_storys_answers_come_from_varnish_until_an_update_is_posted(stack):
    """The readers' script asks Varnish: the same answer, or a 304 to its ETag, until an update posted by
    another process purges it; then the new update is in the answer within 2 s."""
    app, varnish, article = stack
    app.manage(
        "shell",
        "-c",
        "from django.utils import timezone; from articles.models import Article, LiveUpdate; "
        f"article = Article.objects.get(pk={article.pk}); article.live_from = timezone.now(); article.save(); "
        "LiveUpdate.objects.create(article=article, status='published', body='<p>Keepers meet at noon.</p>')",
    )
    newest = article.live_updates.get()
    url = f"{varnish.url}{article.get_absolute_url()}live/updates/?after={newest.pk}"
    reader = Browser()
    first = reader.get(url)
    assert first.status == 200 and '"count":0' in first.text
    assert from_cache(reader.get(url))
    unchanged = reader.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status == 304 and from_cache(unchanged)
    app.manage(
        "shell",
        "-c",
        "from articles.models import LiveUpdate; "
        f"LiveUpdate.objects.create(article_id={article.pk}, status='published', body='<p>The vote is in.</p>')",
    )
    seconds = seen_within(reader, url, "The vote is in.", EDIT_VISIBLE_WITHIN_SECONDS)
    assert seconds is not None, "the new update was not in the answer through Varnish within 2 s"
