"""The live desk in Chromium: the form opens with the cursor in the text and posts with Ctrl+Enter, a
reporter's update waits for an editor, a correction shows "Updated", a deletion asks first, a half-typed
update survives a closed tab, and the desk reads well at a desktop's and a phone's width."""

import json
import os
import re

import pytest
from django.utils import timezone

from articles.autosave import EditSession
from articles.live import LiveUpdate
from articles.models import Author
from tests.articles.public_site import make_image
from tests.browser.layout import sideways_overflow
from tests.browser.test_autosave import logged_in
from tests.browser.test_public_pages import WIDTHS, axe_source

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API keeps an asyncio loop running in this thread, which Django takes for async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

EDITOR_TEXT = "The coastguard has closed the promenade between the pier and the lifeboat station."
REPORTER_TEXT = "Ballot boxes from the last rural ward have reached the count centre."


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture
def live_article(make_article, reporter):
    """A running live story with the reporter in its byline."""
    return make_article(
        headline="Storm Nerys: the coast braces for the strongest winds in a decade",
        live_from=timezone.now() - timezone.timedelta(hours=2),
        authors=[reporter.author_profile],
    )


def open_desk(page, live_server, article):
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/live/")
    page.locator("#live-update-form [contenteditable=true]").wait_for()
    return page


def editor_has_focus(page):
    page.wait_for_function("() => document.activeElement && document.activeElement.closest('.ProseMirror')")
    return True


def settle(page):
    """The test runs' SQLite fails a read that meets the server's write: let the page's requests end first."""
    page.wait_for_load_state("networkidle")


def serious_violations_in(page, selector):
    page.evaluate(axe_source())
    results = page.evaluate("selector => axe.run({include: [selector]}, {resultTypes: ['violations']})", selector)
    return [
        {"rule": violation["id"], "where": [node["target"] for node in violation["nodes"]]}
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_the_form_opens_in_the_text_and_ctrl_enter_posts(new_page, live_server, editor, live_article):
    Author.objects.create(name="Eddie Editor", slug="eddie-editor", user=editor)
    page = open_desk(logged_in(new_page, live_server, editor), live_server, live_article)
    assert editor_has_focus(page)
    page.keyboard.type(EDITOR_TEXT)
    page.keyboard.press("Control+Enter")
    page.get_by_text("Update posted.").wait_for()
    update = page.locator(".live-desk-update").first
    assert EDITOR_TEXT in update.inner_text()
    assert "Published" in update.inner_text() and "Eddie Editor" in update.inner_text()
    # The next update starts where the last one did: in an empty text, with the cursor in it.
    assert editor_has_focus(page)
    assert page.locator("#live-update-form [contenteditable=true]").inner_text().strip() == ""
    settle(page)
    assert LiveUpdate.objects.get().is_published


def test_a_reporters_update_is_held_until_an_editor_publishes_it(new_page, live_server, editor, reporter, live_article):
    page = open_desk(logged_in(new_page, live_server, reporter), live_server, live_article)
    page.keyboard.type(REPORTER_TEXT)
    page.check("#id_key_event")
    page.get_by_role("button", name="Post update").click()
    page.get_by_text("Update sent for review").wait_for()
    held = page.locator(".live-desk-update").first
    assert "In review" in held.inner_text() and "Key event" in held.inner_text()
    assert held.get_by_role("button", name="Publish").count() == 0
    settle(page)
    assert LiveUpdate.objects.get().status == LiveUpdate.Status.REVIEW

    desk = open_desk(logged_in(new_page, live_server, editor), live_server, live_article)
    desk.locator(".live-desk-update").first.get_by_role("button", name="Publish").click()
    desk.get_by_text("Update published.").wait_for()
    assert "Published" in desk.locator(".live-desk-update").first.inner_text()
    settle(desk)
    assert LiveUpdate.objects.get().is_published


def test_a_correction_shows_updated_and_a_deletion_asks_first(new_page, live_server, editor, live_article):
    update = LiveUpdate.objects.create(
        article=live_article,
        created_by=editor,
        status=LiveUpdate.Status.PUBLISHED,
        headline="Gusts of 140 km/h",
        body="<p>The weather service measured gusts of 140 km/h at the headland.</p>",
    )
    page = open_desk(logged_in(new_page, live_server, editor), live_server, live_article)
    page.locator(f"#{update.anchor}").get_by_role("link", name="Correct").click()
    page.locator("#live-update-form [contenteditable=true]").wait_for()
    page.fill("#id_headline", "Gusts of 104 km/h")
    page.keyboard.press("Control+Enter")
    page.get_by_text("Update corrected.").wait_for()
    corrected = page.locator(f"#{update.anchor}")
    assert "Gusts of 104 km/h" in corrected.inner_text()
    assert re.search(r"Updated \d\d:\d\d", corrected.inner_text())

    corrected.get_by_role("link", name="Delete").click()
    page.get_by_text("Delete this update?").wait_for()
    settle(page)
    assert LiveUpdate.objects.filter(pk=update.pk).exists()
    page.get_by_role("button", name="Yes, delete the update").click()
    page.get_by_text("Update deleted.").wait_for()
    assert page.locator(".live-desk-update").count() == 0
    settle(page)
    assert not LiveUpdate.objects.exists()


def test_a_half_typed_update_comes_back_after_the_tab_closes(
    new_page, live_server, editor, live_article, screenshot_dir
):
    page = open_desk(logged_in(new_page, live_server, editor), live_server, live_article)
    page.keyboard.type("Police have asked drivers to avoid the coast road until")
    page.fill("#id_headline", "Coast road")
    page.get_by_text("Unsaved changes kept on the server").wait_for()
    page.context.close()
    assert not LiveUpdate.objects.exists()
    assert EditSession.objects.filter(user=editor, unsaved_form__isnull=False).count() == 1

    page = open_desk(logged_in(new_page, live_server, editor), live_server, live_article)
    offer = page.locator(".autosave-offer")
    offer.get_by_text("Restore your unsaved changes from").wait_for()
    assert "An update typed here and not posted yet." in offer.inner_text()
    page.screenshot(path=str(screenshot_dir / "live-desk-autosave-offer-1366.png"))
    violations = serious_violations_in(page, ".autosave-panel")
    assert violations == [], json.dumps(violations, indent=2)
    offer.get_by_role("button", name="Restore").click()
    assert page.input_value("#id_headline") == "Coast road"
    assert "avoid the coast road until" in page.locator("#live-update-form [contenteditable=true]").inner_text()
    page.locator("#live-update-form [contenteditable=true]").click()
    page.keyboard.press("End")
    page.keyboard.type(" the wind drops.")
    page.keyboard.press("Control+Enter")
    page.get_by_text("Update posted.").wait_for()
    settle(page)
    assert "until the wind drops." in LiveUpdate.objects.get().body
    assert not EditSession.objects.filter(user=editor, unsaved_form__isnull=False).exists()


def test_an_image_is_picked_from_the_library(new_page, live_server, editor, live_article, screenshot_dir):
    image = make_image(alt_text="Spray over the harbour wall at high tide")
    page = open_desk(logged_in(new_page, live_server, editor), live_server, live_article)
    page.keyboard.type("High tide at the harbour wall.")
    page.get_by_role("button", name="Choose from library").click()
    page.locator(".image-picker__choice").first.click()
    assert page.locator(".image-choice__alt").inner_text() == image.alt_text
    page.set_viewport_size({"width": 390, "height": 844})
    page.locator(".image-choice").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / "live-desk-image-chosen-390.png"))
    assert sideways_overflow(page) == []
    page.get_by_role("button", name="Post update").click()
    page.get_by_text("Update posted.").wait_for()
    settle(page)
    assert LiveUpdate.objects.get().image == image


@pytest.mark.parametrize("width", WIDTHS.values())
def test_the_desk_reads_well(new_page, live_server, editor, reporter, live_article, width, screenshot_dir):
    now = timezone.now()
    for minutes, status, pinned, key_event, headline in [
        (40, LiveUpdate.Status.PUBLISHED, True, False, "What we know so far"),
        (25, LiveUpdate.Status.PUBLISHED, False, True, "Ferries cancelled for the night"),
        (5, LiveUpdate.Status.REVIEW, False, False, ""),
    ]:
        LiveUpdate.objects.create(
            article=live_article,
            created_by=reporter if status == LiveUpdate.Status.REVIEW else editor,
            author=reporter.author_profile,
            status=status,
            pinned=pinned,
            key_event=key_event,
            headline=headline,
            published_at=now - timezone.timedelta(minutes=minutes),
            body="<p>Crews are clearing fallen branches from the ring road; the northbound lanes reopen within "
            "the hour, the city's transport office says.</p>",
        )
    page = open_desk(logged_in(new_page, live_server, editor, width=width), live_server, live_article)
    assert editor_has_focus(page)
    assert_reads_well(page, screenshot_dir / f"live-desk-{width}.png")

    held = LiveUpdate.objects.get(status=LiveUpdate.Status.REVIEW)
    page.locator(f"#{held.anchor}").get_by_role("link", name="Correct").click()
    page.locator("#live-update-form [contenteditable=true]").wait_for()
    assert_reads_well(page, screenshot_dir / f"live-desk-correct-{width}.png")
    page.go_back()
    page.locator(f"#{held.anchor}").get_by_role("link", name="Delete").click()
    page.get_by_text("Delete this update?").wait_for()
    assert_reads_well(page, screenshot_dir / f"live-desk-delete-{width}.png")

    page.goto(f"{live_server.url}/admin/articles/article/{live_article.pk}/change/")
    coverage = page.locator("fieldset", has_text="Live coverage")
    coverage.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_dir / f"live-coverage-fields-{width}.png"))
    assert sideways_overflow(page) == [], f"the article form scrolls sideways at {width}px"
    violations = serious_violations_in(page, "fieldset:has(#id_live_from_0)")
    assert violations == [], json.dumps(violations, indent=2)


def assert_reads_well(page, screenshot):
    page.screenshot(path=str(screenshot), full_page=True)
    assert sideways_overflow(page) == [], f"{page.url} scrolls sideways"
    violations = serious_violations_in(page, "#content-main")
    assert violations == [], json.dumps(violations, indent=2)
    assert page.console_errors == []
    assert page.outside_requests == []
