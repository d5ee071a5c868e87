"""Comparing and restoring revisions in Chromium: the compare page says what a restore will do to the hero
image, the restore does it, and the page reads at a desktop's and a phone's width."""

import pytest
from django.contrib.contenttypes.models import ContentType

from articles.models import Article
from tests.articles.public_site import make_image
from tests.browser.layout import sideways_overflow
from tests.browser.test_public_pages import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"
LONG_PARAGRAPH = (
    "The harbour board met on Tuesday evening and, after a long debate about the budget, the timetable and "
    "the tender, voted to delay the contract for the new northern ferry by a year; "
    "https://example.org/a-very-long-address-that-has-no-spaces-in-it-at-all-and-would-widen-the-page "
)


@pytest.fixture(autouse=True)
def _uploads(media_root):
    # The flush after an earlier live-server test recreates content types under new ids.
    ContentType.objects.clear_cache()
    return media_root


def log_in(page, live_server, user):
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")


def save_form(page, live_server, article, hero_image_pk=None, body=None):
    """Save the article's form in the browser, with another hero image and body."""
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    if hero_image_pk is not None:
        # The autocomplete widget fills this select; an editor's choice ends as its value.
        page.evaluate(
            """([pk]) => {
                const select = document.querySelector('#id_hero_image');
                select.add(new Option('chosen', pk, true, true));
            }""",
            [str(hero_image_pk)],
        )
    if body is not None:
        editor_box = page.locator(".prose-editor [contenteditable=true]")
        editor_box.wait_for(timeout=10000)
        editor_box.fill(body)
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")


@pytest.fixture
def article_with_two_heroes(new_page, live_server, editor, make_article):
    first_image = make_image("quay", alt_text="A ferry moored at the quay")
    second_image = make_image("storm", alt_text="Waves over the harbour wall")
    article = make_article(hero_image=first_image, body=f"<p>{LONG_PARAGRAPH}</p>")
    page = new_page()
    log_in(page, live_server, editor)
    save_form(page, live_server, article)
    save_form(
        page,
        live_server,
        article,
        hero_image_pk=second_image.pk,
        body=LONG_PARAGRAPH.replace("delay", "postpone") + " The chair said a new tender opens in autumn.",
    )
    return page, article, first_image, second_image


def test_compare_two_revisions_then_restore_the_hero_image_it_showed(live_server, article_with_two_heroes):
    page, article, first_image, second_image = article_with_two_heroes
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/history/")
    older, newer = page.locator("input[name=older]"), page.locator("input[name=newer]")
    older.nth(1).check()  # the first save
    newer.nth(1).check()  # the second save (the row after "the current article")
    page.click(".revision-history button[type=submit]")
    hero = page.locator("[data-field=hero_image] .revision-diff")
    assert f"Image {first_image.pk}: A ferry moored at the quay" in hero.locator("del").inner_text()
    assert f"Image {second_image.pk}: Waves over the harbour wall" in hero.locator("ins").inner_text()
    assert "postpone" in page.locator("[data-field=body] ins").first.inner_text()

    page.click("text=What restoring it would change >> nth=0")
    hero = page.locator("[data-field=hero_image] .revision-diff")
    promised = hero.locator("ins").inner_text()
    assert promised.startswith(f"Image {first_image.pk}: A ferry moored at the quay")
    assert f"Image {second_image.pk}" in hero.locator("del").inner_text()

    page.click("text=Restore this revision…")
    page.click("input[name=_save]")
    page.wait_for_selector(".messagelist .success")
    assert Article.objects.get(pk=article.pk).hero_image_id == first_image.pk
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/history/")
    page.click(".revision-history button[type=submit]")
    assert page.locator("[data-field=hero_image]").count() == 0
    assert page.console_errors == []
    assert page.outside_requests == []


@pytest.mark.parametrize("width", [1366, 390])
def test_the_compare_and_history_pages_read_at_every_width(
    live_server, article_with_two_heroes, new_page, editor, width, screenshot_dir
):
    _page, article, _first_image, _second_image = article_with_two_heroes
    page = new_page(width=width)
    log_in(page, live_server, editor)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/history/")
    page.screenshot(path=screenshot_dir / f"revision-history-{width}.png", full_page=True)
    assert sideways_overflow(page) == []
    assert serious_violations(page) == []

    page.locator("input[name=older]").nth(1).check()
    page.click(".revision-history button[type=submit]")
    page.wait_for_selector("[data-field=hero_image]")
    page.screenshot(path=screenshot_dir / f"revision-compare-{width}.png", full_page=True)
    assert sideways_overflow(page) == []
    assert serious_violations(page) == []
    assert page.console_errors == []
    assert page.outside_requests == []
