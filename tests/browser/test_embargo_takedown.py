"""Embargo and takedown in a real Chromium: an editor works them through the admin, and readers see the
article nowhere until the embargo lifts, and nowhere but a 410 notice once it is taken down."""

import json
import os
import time

import pytest
from django.utils import timezone

from articles import takedown
from articles.models import Article
from tests.browser.layout import sideways_overflow
from tests.browser.test_public_pages import WIDTHS, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"
REASON = "Court order of 28 November: the story names a protected witness."
# How far ahead the editor sets the embargo: long enough to look at every output while it holds.
EMBARGO_SECONDS = 40
# The document's own status when a page is meant to answer it.
OWN_STATUS_MESSAGE = "Failed to load resource: the server responded with a status of {} ({})"


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture
def editor_page(new_page, live_server, editor):
    editor.set_password(PASSWORD)
    editor.save()

    def open_as_editor(width=1366):
        page = new_page(width=width)
        page.goto(f"{live_server.url}/admin/login/")
        page.fill("#id_username", editor.username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url("**/admin/")
        return page

    return open_as_editor


def outputs_showing(reader, live_server, story):
    """Where an anonymous reader finds the story: front page, section, search, feed, sitemap, its page."""
    shown = set()
    for name, path in {
        "front page": "/",
        "section": story.section.get_absolute_url(),
        "search": "/search/?q=ferry+contract",
    }.items():
        reader.goto(live_server.url + path)
        if reader.get_by_role("link", name=story.headline).count():
            shown.add(name)
    for name, path, text in [
        ("feed", "/feed/", story.headline),
        ("sitemap", "/sitemap-articles.xml", story.get_absolute_url()),
        ("news sitemap", "/sitemap-news.xml", story.headline),
    ]:
        response = reader.request.get(live_server.url + path)
        assert response.status == 200
        if text in response.text():
            shown.add(name)
    response = reader.goto(live_server.url + story.get_absolute_url())
    if response.status == 200:
        shown.add("its page")
    return shown


EVERY_OUTPUT = {"front page", "section", "search", "feed", "sitemap", "news sitemap", "its page"}


def test_an_embargo_set_in_the_admin_hides_the_story_until_it_lifts(
    editor_page, new_page, live_server, story, screenshot_dir
):
    reader = new_page(width=1366)
    assert outputs_showing(reader, live_server, story) == EVERY_OUTPUT

    page = editor_page()
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    lifts = timezone.localtime(timezone.now() + timezone.timedelta(seconds=EMBARGO_SECONDS))
    page.fill("#id_embargo_until_0", lifts.strftime("%Y-%m-%d"))
    page.fill("#id_embargo_until_1", lifts.strftime("%H:%M:%S"))
    page.click("input[name=_continue]")
    page.wait_for_url(f"**/admin/articles/article/{story.pk}/change/")
    notice = page.locator(".reader-notice")
    assert notice.inner_text() == f"Embargoed until {lifts.strftime('%Y-%m-%d %H:%M %Z')}"
    page.locator(".reader-notice").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "embargo-change-form-1366.png")
    page.goto(f"{live_server.url}/admin/articles/article/")
    row = page.locator("#result_list tr", has_text=story.headline)
    assert "Embargoed until" in row.inner_text()
    page.screenshot(path=screenshot_dir / "embargo-article-list-1366.png")

    assert outputs_showing(reader, live_server, story) == set()
    response = reader.goto(live_server.url + story.get_absolute_url())
    assert response.status == 404

    deadline = time.monotonic() + EMBARGO_SECONDS + 20
    while Article.objects.get(pk=story.pk).embargo_until > timezone.now():
        assert time.monotonic() < deadline
        time.sleep(1)
    # Nothing was saved since: the page cache's own schedule brings the story back.
    assert outputs_showing(reader, live_server, story) == EVERY_OUTPUT


def test_a_takedown_through_the_admin_answers_410_and_leaves_every_list(
    editor_page, new_page, live_server, story, screenshot_dir
):
    reader = new_page(width=1366)
    assert outputs_showing(reader, live_server, story) == EVERY_OUTPUT

    page = editor_page()
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/change/")
    page.get_by_role("link", name="Take down for legal reasons…").click()
    page.wait_for_url(f"**/admin/articles/article/{story.pk}/takedown/")
    page.get_by_role("button", name="Take the article down").click()
    assert page.locator(".errorlist").inner_text() == "Give the reason for the takedown."
    assert Article.objects.get(pk=story.pk).taken_down_at is None
    page.get_by_label("Reason for the takedown").fill(REASON)
    page.get_by_role("button", name="Take the article down").click()
    page.wait_for_url(f"**/admin/articles/article/{story.pk}/change/")
    assert "was taken down" in page.locator(".messagelist").inner_text()
    assert "Taken down on" in page.locator(".reader-notice").inner_text()
    assert page.get_by_role("link", name="Undo the takedown…").is_visible()
    page.locator(".reader-notice").scroll_into_view_if_needed()
    page.screenshot(path=screenshot_dir / "takedown-change-form-1366.png")

    assert outputs_showing(reader, live_server, story) == set()
    response = reader.goto(live_server.url + story.get_absolute_url())
    assert response.status == 410
    assert reader.locator("h1").inner_text() == "This story has been removed"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_410_page_reads_well_and_is_accessible(new_page, live_server, editor, story, screenshot_dir, width):
    takedown.take_down(story.pk, editor, REASON)
    reader = new_page(width=width)
    response = reader.goto(live_server.url + story.get_absolute_url())
    assert response.status == 410
    assert reader.locator("h1").is_visible() and reader.locator(".site-footer").is_visible()
    assert sideways_overflow(reader) == [], f"the 410 page scrolls sideways at {width}px"
    assert [error for error in reader.console_errors if error != OWN_STATUS_MESSAGE.format(410, "Gone")] == []
    assert reader.outside_requests == []
    violations = serious_violations(reader)
    assert violations == [], json.dumps(violations, indent=2)
    reader.screenshot(path=screenshot_dir / f"takedown-410-{width}.png", full_page=True)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_takedown_form_reads_well_and_is_accessible(editor_page, live_server, story, screenshot_dir, width):
    page = editor_page(width=width)
    page.goto(f"{live_server.url}/admin/articles/article/{story.pk}/takedown/")
    page.get_by_role("button", name="Take the article down").click()
    page.locator(".errorlist").wait_for()
    assert sideways_overflow(page) == [], f"the takedown form scrolls sideways at {width}px"
    assert [error for error in page.console_errors if error != OWN_STATUS_MESSAGE.format(400, "Bad Request")] == []
    assert page.outside_requests == []
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
    page.screenshot(path=screenshot_dir / f"takedown-form-{width}.png", full_page=True)
