"""The public pages in a real Chromium: layout, accessibility, no outside requests."""

import json
import os
from pathlib import Path

import pytest

from tests.browser.layout import sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API keeps an asyncio loop running in this thread, which
# Django takes for async code; the test's own database calls are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WIDTHS = {"phone": 390, "desktop": 1366}
# The document's own status when the 404 page is asked for on purpose.
OWN_404_MESSAGE = "Failed to load resource: the server responded with a status of 404 (Not Found)"


def axe_source():
    import axe_core_python

    return (Path(axe_core_python.__file__).parent / "axe.min.js").read_text()


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture
def page_urls(story, section, author):
    return {
        "front": "/",
        "section": section.get_absolute_url(),
        "article": story.get_absolute_url(),
        "tag": "/tag/ferries/",
        "author": author.get_absolute_url(),
        "search": "/search/?q=ferry",
        "not-found": "/no-such-page/",
    }


def open_and_settle(new_page, live_server, path, width, javascript=True):
    page = new_page(width=width, height=900, javascript=javascript)
    page.failed_responses = []
    page.on(
        "response",
        lambda response: (
            response.status >= 400
            and response.request.resource_type != "document"
            and page.failed_responses.append(response.url)
        ),
    )
    response = page.goto(live_server.url + path)
    if javascript:
        # Bring every lazy image in so screenshots and the audit see the whole page.
        page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
        page.wait_for_function("() => Array.from(document.images).every(image => image.complete)")
        page.evaluate("window.scrollTo(0, 0)")
    return page, response


def serious_violations(page):
    """axe-core's serious and critical findings. Evaluated through the
    DevTools protocol, which the site's Content Security Policy (rightly)
    does not let an inline script do."""
    page.evaluate(axe_source())
    results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        {
            "rule": violation["id"],
            "impact": violation["impact"],
            "where": [node["target"] for node in violation["nodes"]],
        }
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", ["front", "section", "article", "tag", "author", "search", "not-found"])
def test_page_renders_cleanly_and_accessibly(new_page, live_server, page_urls, name, width):
    page, response = open_and_settle(new_page, live_server, page_urls[name], width)
    expected_status = 404 if name == "not-found" else 200
    assert response.status == expected_status

    assert sideways_overflow(page) == [], f"{name} scrolls sideways at {width}px"

    errors = page.console_errors
    if name == "not-found":
        errors = [message for message in errors if message != OWN_404_MESSAGE]
    assert errors == []
    assert page.failed_responses == []
    assert page.outside_requests == []

    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_article_page_in_dark_mode_is_accessible(new_page, live_server, page_urls, width):
    page, _ = open_and_settle(new_page, live_server, page_urls["article"], width)
    page.emulate_media(color_scheme="dark")
    background = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background != "rgb(255, 255, 255)"
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=2)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_article_page_shows_every_part_and_is_photographed(new_page, live_server, page_urls, screenshot_dir, width):
    page, _ = open_and_settle(new_page, live_server, page_urls["article"], width)
    for selector in [
        ".top-bar .social-links a",
        "input[placeholder='Hi, what are you looking for?']",
        ".story__section a",
        "h1.story__headline",
        ".story__deck",
        ".story__standfirst",
        ".story__byline a[rel=author]",
        ".story__dates time[datetime]",
        ".story__reading-time",
        ".story__hero figcaption",
        ".story__body .ad",
        ".story__tags a[rel=tag]",
        ".share__link",
        "details#comments > summary",
        ".corrections time[datetime]",
        "#related-heading",
        ".site-footer .copyright",
    ]:
        assert page.locator(selector).first.is_visible(), selector
    hero = page.locator(".story__hero img")
    assert hero.evaluate("image => image.naturalWidth") > 0, "the hero image did not load"
    assert hero.evaluate("image => image.currentSrc").endswith(".webp"), "Chromium should pick the WebP rendition"
    assert page.locator(".ad__label").first.inner_text().lower() == "advertisement"
    assert page.locator(".related .card").count() == 4
    page.locator("details#comments > summary").click()
    page.screenshot(path=screenshot_dir / f"article-{width}.png", full_page=True)


def test_comments_open_from_the_comment_count_link(new_page, live_server, page_urls):
    page, _ = open_and_settle(new_page, live_server, page_urls["article"], 1366)
    comments = page.locator("details#comments")
    assert comments.evaluate("details => details.open") is False
    page.locator(".story__comment-count").click()
    assert comments.evaluate("details => details.open") is True
    assert page.locator("#comments-heading").is_visible()


def test_site_works_without_javascript(new_page, live_server, page_urls, story):
    page, _ = open_and_settle(new_page, live_server, "/", 390, javascript=False)
    page.fill("header input[name=q]", "ferry contract")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search/?q=ferry+contract")
    page.get_by_role("link", name=story.headline).first.click()
    page.wait_for_url(f"**{story.get_absolute_url()}")
    assert page.locator("h1").inner_text() == story.headline
    summary = page.locator("details#comments > summary")
    summary.click()
    assert page.locator("#comments-heading").is_visible()
    assert page.console_errors == [] and page.outside_requests == []


def test_keyboard_reaches_the_skip_link_first_and_it_moves_focus_to_the_content(new_page, live_server, page_urls):
    page, _ = open_and_settle(new_page, live_server, page_urls["article"], 390)
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.className, getComputedStyle(document.activeElement).outlineStyle]")
    assert focused == ["skip-link", "solid"]
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_printed_article_keeps_the_story_and_drops_the_furniture(new_page, live_server, page_urls):
    page, _ = open_and_settle(new_page, live_server, page_urls["article"], 1366)
    page.emulate_media(media="print", color_scheme="dark")
    for hidden in (".top-bar", ".section-nav", ".search-form", ".story__body .ad", ".share", "#comments", ".related"):
        assert not page.locator(hidden).first.is_visible(), hidden
    assert page.locator(".story__body").is_visible() and page.locator("h1").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
