"""Live coverage from the desk to the reader, in two Chromium windows: what an editor posts on the live
desk reaches a reader's open page within the polling interval, without a reload; what a reporter posts
reaches it only once an editor has published it."""

import os

import pytest
from django.utils import timezone

from articles.live import LiveUpdate
from articles.models import Author
from tests.browser.test_live_desk import logged_in, open_desk, settle
from tests.browser.test_live_pages import NOTICE_TIMEOUT_MS, TEST_POLL_SECONDS
from tests.browser.test_public_pages import open_and_settle

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

EDITOR_TEXT = "The returning officer has declared the result of the harbour ward."
REPORTER_TEXT = "Turnout in the island wards reached 71 per cent, the highest since 1998."


@pytest.fixture(autouse=True)
def _short_poll(settings):
    settings.LIVE_POLL_SECONDS = TEST_POLL_SECONDS


@pytest.fixture
def live_story(make_article, reporter, editor):
    Author.objects.create(name="Eddie Editor", slug="eddie-editor", user=editor)
    article = make_article(
        headline="Harbour City counts its votes",
        live_from=timezone.now() - timezone.timedelta(hours=1),
        authors=[reporter.author_profile],
    )
    LiveUpdate.objects.create(
        article=article,
        status=LiveUpdate.Status.PUBLISHED,
        body="<p>Polls have closed; the first ballot boxes are on their way to the count.</p>",
    )
    return article


def reader_on(new_page, live_server, article):
    reader, _ = open_and_settle(new_page, live_server, article.get_absolute_url(), 390)
    reader.evaluate("window.notReloaded = true")
    return reader


def notice(reader):
    return reader.locator("[data-live-notice] button")


def test_an_update_posted_on_the_desk_reaches_a_readers_open_page(new_page, live_server, editor, live_story):
    reader = reader_on(new_page, live_server, live_story)
    desk = open_desk(logged_in(new_page, live_server, editor), live_server, live_story)
    desk.keyboard.type(EDITOR_TEXT)
    desk.keyboard.press("Control+Enter")
    desk.get_by_text("Update posted.").wait_for()

    notice(reader).wait_for(state="visible", timeout=NOTICE_TIMEOUT_MS)
    assert notice(reader).inner_text() == "1 new update — show"
    notice(reader).click()
    assert reader.locator(".live-update").first.get_by_text(EDITOR_TEXT).is_visible()
    assert reader.evaluate("window.notReloaded") is True
    settle(desk)


def test_a_reporters_update_reaches_readers_only_once_an_editor_publishes_it(
    new_page, live_server, editor, reporter, live_story
):
    reader = reader_on(new_page, live_server, live_story)
    reporters_desk = open_desk(logged_in(new_page, live_server, reporter), live_server, live_story)
    reporters_desk.keyboard.type(REPORTER_TEXT)
    reporters_desk.keyboard.press("Control+Enter")
    reporters_desk.get_by_text("Update sent for review").wait_for()
    # Several rounds of the reader's script: nothing to announce while the update waits for an editor.
    reader.wait_for_timeout(NOTICE_TIMEOUT_MS)
    assert notice(reader).count() == 0 or not notice(reader).is_visible()

    editors_desk = open_desk(logged_in(new_page, live_server, editor), live_server, live_story)
    editors_desk.locator(".live-desk-update").first.get_by_role("button", name="Publish").click()
    editors_desk.get_by_text("Update published.").wait_for()
    notice(reader).wait_for(state="visible", timeout=NOTICE_TIMEOUT_MS)
    notice(reader).click()
    assert reader.locator(".live-update").first.get_by_text(REPORTER_TEXT).is_visible()
    assert reader.evaluate("window.notReloaded") is True
    settle(editors_desk)
