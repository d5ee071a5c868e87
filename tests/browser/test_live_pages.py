"""Live coverage in a real Chromium: a reader's open page learns of a new update without a reload, the
pinned and key-event updates, a shared update's page, the page without JavaScript; accessible, valid HTML,
no sideways scrolling at a phone's and a laptop's width."""

import json
import os
import time
from datetime import timedelta
from itertools import pairwise

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from articles.live import UPDATES_PER_PAGE, LiveUpdate
from tests.articles.public_site import build_story, furnish_site, make_image
from tests.browser.layout import sideways_overflow
from tests.browser.test_public_pages import WIDTHS, open_and_settle, serious_violations
from tests.comments.test_valid_html import nu_checker_errors

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# How often the reader's script asks, in these tests: short, so that a test waits a second, not fifteen.
TEST_POLL_SECONDS = 1
# What the answer may take beyond the interval on a busy machine: the page cache renders it, the browser
# parses it.
ANSWER_SLACK_SECONDS = 3
NOTICE_TIMEOUT_MS = (TEST_POLL_SECONDS + ANSWER_SLACK_SECONDS) * 1000


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture(autouse=True)
def _short_poll(settings):
    settings.LIVE_POLL_SECONDS = TEST_POLL_SECONDS


@pytest.fixture
def coverage(make_article, section, author):
    """A running live story with a pinned update, a key event, a corrected update with an image, and
    enough updates for a page of earlier ones."""
    ContentType.objects.clear_cache()
    furnish_site()
    build_story(make_article, section, author)
    article = make_article(
        headline="Storm Aster: the coast braces for the strongest winds in a decade",
        slug="storm-aster-live",
        standfirst="Gusts of up to 140 km/h are forecast along the harbour front tonight.",
        body="<p>The weather service raised its warning to red at noon.</p>",
        live_from=timezone.now() - timedelta(hours=5),
        key_points=(
            "<ul><li>Red warning for wind until 6 am.</li><li>Island ferries are cancelled.</li>"
            "<li>The town hall is open as a shelter.</li></ul>"
        ),
        tags=["Weather"],
    )
    now = timezone.now()

    def post(minutes_ago, **fields):
        return LiveUpdate.objects.create(
            article=article,
            author=author,
            status=LiveUpdate.Status.PUBLISHED,
            published_at=now - timedelta(minutes=minutes_ago),
            **fields,
        )

    for n in range(UPDATES_PER_PAGE + 3):
        post(
            200 - n,
            body=f"<p>Reading {n + 1} from the harbour mast: gusts of {60 + n} km/h, rain easing now and then.</p>",
        )
    post(
        90,
        headline="Sea wall closed to walkers",
        key_event=True,
        body="<p>Police have closed the promenade between the pier and the lifeboat station.</p>",
    )
    post(
        60,
        headline="Where to find shelter tonight",
        pinned=True,
        body="<p>The town hall on Quay Street has camp beds, hot drinks and charging points until morning.</p>",
    )
    corrected = post(
        30,
        headline="Lifeboat launched off the north breakwater",
        body="<p>The crew brought two sailors ashore from a yacht that lost its mast; both are unhurt.</p>",
        image=make_image("lifeboat", alt_text="The lifeboat leaving the harbour in heavy seas"),
    )
    corrected.corrected_at = timezone.now()
    corrected.save()
    return article


def test_a_readers_open_page_shows_a_new_update_without_a_reload(new_page, live_server, coverage, screenshot_dir):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), 1366)
    page.evaluate("window.__notReloaded = true")
    before_scroll = page.evaluate("window.scrollY")
    assert page.locator(".live-stream__show").count() == 0
    new = LiveUpdate.objects.create(
        article=coverage,
        status=LiveUpdate.Status.PUBLISHED,
        headline="Power restored to the old town",
        body="<p>Engineers reconnected the last streets at twenty past nine.</p>",
    )
    notice = page.locator("[data-live-notice] button")
    # Within the polling interval, and the time the answer takes.
    notice.wait_for(state="visible", timeout=NOTICE_TIMEOUT_MS)
    assert notice.inner_text() == "1 new update — show"
    assert page.locator("[data-live-notice]").get_attribute("aria-live") == "polite"
    # Nothing moved, nothing inserted before the reader asks.
    assert page.evaluate("window.scrollY") == before_scroll
    assert page.locator(f"#update-{new.pk}").count() == 0
    page.screenshot(path=screenshot_dir / "live-new-update-notice-1366.png")
    notice.click()
    inserted = page.locator(f"#update-{new.pk}")
    assert inserted.is_visible()
    # Below the pinned ones, above the rest.
    order = page.evaluate("[...document.querySelectorAll('[data-live-stream] article')].map(a => a.id).slice(0, 3)")
    pinned = LiveUpdate.objects.get(article=coverage, pinned=True)
    assert order[:2] == [f"update-{pinned.pk}", f"update-{new.pk}"]
    assert page.locator("[data-live-notice] button").count() == 0
    assert page.evaluate("window.__notReloaded") is True
    assert page.console_errors == [] and page.outside_requests == []

    # Two more: counted together, in the plural.
    for headline in ("Schools will open late", "Bus services resume at noon"):
        LiveUpdate.objects.create(
            article=coverage, status=LiveUpdate.Status.PUBLISHED, headline=headline, body="<p>As announced.</p>"
        )
    notice.wait_for(state="visible", timeout=NOTICE_TIMEOUT_MS)
    page.wait_for_function(
        "() => document.querySelector('[data-live-notice] button').textContent === '2 new updates — show'",
        timeout=NOTICE_TIMEOUT_MS,
    )


def test_the_script_carries_on_when_the_newest_update_it_knows_is_withdrawn(new_page, live_server, coverage):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), 390)
    newest = LiveUpdate.objects.filter(article=coverage, pinned=False).order_by("-published_at").first()
    newest.delete()
    new = LiveUpdate.objects.create(
        article=coverage, status=LiveUpdate.Status.PUBLISHED, body="<p>The harbour master lifts the closure.</p>"
    )
    notice = page.locator("[data-live-notice] button")
    notice.wait_for(state="visible", timeout=NOTICE_TIMEOUT_MS * 2)
    # Only the one the page lacks, not those it already shows.
    assert notice.inner_text() == "1 new update — show"
    notice.click()
    assert page.locator(f"#update-{new.pk}").is_visible()
    assert (
        page.evaluate("new Set([...document.querySelectorAll('.live-update')].map(a => a.id)).size")
        == page.locator(".live-update").count()
    )


def test_the_script_pauses_while_the_tab_is_hidden_and_asks_with_its_etag(new_page, live_server, coverage):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), 1366)
    asked = []
    page.on(
        "request",
        lambda request: (
            "/live/updates/" in request.url and asked.append((request.url, request.headers.get("if-none-match")))
        ),
    )
    page.wait_for_timeout((TEST_POLL_SECONDS * 2 + 1) * 1000)
    assert len(asked) >= 2
    # After the first answer the script asks with its ETag, and is answered 304.
    assert asked[-1][1] and asked[-1][1].startswith('"')
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: true, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    asked.clear()
    page.wait_for_timeout((TEST_POLL_SECONDS * 2 + 1) * 1000)
    assert asked == []
    page.evaluate(
        "Object.defineProperty(document, 'hidden', {value: false, configurable: true});"
        "document.dispatchEvent(new Event('visibilitychange'))"
    )
    page.wait_for_timeout(1000)
    assert len(asked) >= 1


def test_the_script_waits_longer_after_each_error(new_page, live_server, coverage):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), 1366)
    asked = []

    def fail(route):
        asked.append(time.monotonic())
        route.fulfill(status=503, body="Back in a moment")

    page.route("**/live/updates/**", fail)
    page.wait_for_timeout(8000)
    # Every second without errors; after them 2 s, 4 s, 8 s…
    gaps = [round(later - earlier) for earlier, later in pairwise(asked)]
    assert len(asked) <= 3, gaps
    assert gaps == sorted(gaps) and all(gap >= 2 * TEST_POLL_SECONDS for gap in gaps), gaps
    page.unroute("**/live/updates/**")


def test_pinned_and_key_events_and_earlier_updates_in_place(new_page, live_server, coverage):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), 390)
    pinned = page.locator(".live-stream__pinned .live-update")
    assert pinned.count() == 1 and "Where to find shelter tonight" in pinned.inner_text()
    assert pinned.locator(".live-update__flag").text_content() == "Pinned"
    assert page.locator(".live-key-points li").count() == 3
    key_event = page.get_by_role("navigation", name="Key events").get_by_role("link")
    assert "Sea wall closed to walkers" in key_event.inner_text()
    key_event.click()
    target = LiveUpdate.objects.get(article=coverage, key_event=True)
    page.wait_for_url(f"**#update-{target.pk}")
    assert page.locator(f"#update-{target.pk}").is_visible()
    corrected = page.locator(".live-update", has_text="Lifeboat launched")
    assert corrected.locator(".live-update__corrected").inner_text().startswith("Updated ")
    assert corrected.locator("img").evaluate("image => image.naturalWidth") > 0
    shown = page.locator(".live-stream__updates .live-update").count()
    page.get_by_role("link", name="Show earlier updates").click()
    page.wait_for_function(f"() => document.querySelectorAll('.live-stream__updates .live-update').length > {shown}")
    assert page.locator(".live-stream__more").count() == 0
    assert "Reading 1 from the harbour mast" in page.locator(".live-stream__updates .live-update").last.inner_text()
    assert not page.url.endswith("before")
    assert page.console_errors == [] and page.outside_requests == []


def test_a_shared_updates_own_page(new_page, live_server, coverage, screenshot_dir):
    update = LiveUpdate.objects.get(article=coverage, headline__startswith="Lifeboat")
    page, _ = open_and_settle(new_page, live_server, update.get_absolute_url(), 390)
    assert page.locator("h1").inner_text() == "Lifeboat launched off the north breakwater"
    assert page.locator("meta[property='og:title']").get_attribute("content") == update.headline
    assert "/media/renditions/" in page.locator("meta[property='og:image']").get_attribute("content")
    page.screenshot(path=screenshot_dir / "live-update-page-390.png", full_page=True)
    page.get_by_role("link", name="See this update in the live coverage").click()
    page.wait_for_url(f"**{coverage.get_absolute_url()}#update-{update.pk}")
    assert page.locator(f"#update-{update.pk}").is_visible()
    # The reader's address of an update, `…/live/#update-ID`, lands on it too.
    page.goto(f"{live_server.url}{coverage.get_absolute_url()}live/#update-{update.pk}")
    assert page.url == f"{live_server.url}{coverage.get_absolute_url()}#update-{update.pk}"
    assert page.locator(f"#update-{update.pk}").is_visible()


def test_the_live_page_without_javascript(new_page, live_server, coverage):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), 390, javascript=False)
    assert page.locator(".live-badge").first.inner_text().lower() == "live"
    assert page.locator(".live-stream__updates .live-update").count() == UPDATES_PER_PAGE
    page.get_by_role("link", name="Show earlier updates").click()
    page.wait_for_url("**?before=*")
    assert page.locator("#updates-heading").inner_text() == "Earlier updates"
    assert "Reading 1 from the harbour mast" in page.locator(".live-stream__updates .live-update").last.inner_text()
    page.get_by_role("link", name="Back to the latest updates").click()
    page.wait_for_url(f"**{coverage.get_absolute_url()}")
    new = LiveUpdate.objects.create(
        article=coverage, status=LiveUpdate.Status.PUBLISHED, body="<p>Winds are dropping at last.</p>"
    )
    page.reload()
    assert page.locator(f"#update-{new.pk}").is_visible()
    assert page.console_errors == [] and page.outside_requests == []


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("name", ["live page", "earlier updates", "update page"])
def test_live_pages_render_cleanly_and_accessibly(new_page, live_server, coverage, screenshot_dir, name, width):
    oldest_shown = LiveUpdate.objects.filter(article=coverage, pinned=False).order_by("-published_at")[10]
    shared = LiveUpdate.objects.get(article=coverage, headline__startswith="Lifeboat")
    path = {
        "live page": coverage.get_absolute_url(),
        "earlier updates": f"{coverage.get_absolute_url()}?before={oldest_shown.pk}",
        "update page": shared.get_absolute_url(),
    }[name]
    page, response = open_and_settle(new_page, live_server, path, width)
    assert response.status == 200
    assert sideways_overflow(page) == [], f"{name} scrolls sideways at {width}px"
    assert page.console_errors == [] and page.failed_responses == [] and page.outside_requests == []
    unloaded = page.evaluate("[...document.images].filter(image => !image.naturalWidth).map(image => image.alt)")
    assert unloaded == []
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
    page.screenshot(path=screenshot_dir / f"live-{name.replace(' ', '-')}-{width}.png", full_page=True)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_notice_and_inserted_updates_are_accessible_and_valid(new_page, live_server, coverage, tmp_path, width):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), width)
    for headline in ("Trees down on the coast road", "The coast road is open again"):
        LiveUpdate.objects.create(
            article=coverage, status=LiveUpdate.Status.PUBLISHED, headline=headline, body="<p>Drive with care.</p>"
        )
    notice = page.locator("[data-live-notice] button")
    notice.wait_for(state="visible", timeout=NOTICE_TIMEOUT_MS)
    assert sideways_overflow(page) == []
    assert serious_violations(page) == []
    notice.click()
    page.get_by_role("link", name="Show earlier updates").click()
    page.wait_for_selector(".live-stream__more", state="detached")
    assert sideways_overflow(page) == []
    assert serious_violations(page) == []
    # The document as the script left it, and the pages as the server sends them.
    shared = LiveUpdate.objects.get(article=coverage, headline__startswith="Lifeboat")
    oldest_shown = LiveUpdate.objects.filter(article=coverage, pinned=False).order_by("-published_at")[10]
    pages = {"after-the-script": page.content().encode()}
    for name, path in {
        "live": coverage.get_absolute_url(),
        "earlier": f"{coverage.get_absolute_url()}?before={oldest_shown.pk}",
        "update": shared.get_absolute_url(),
    }.items():
        pages[name] = page.request.get(live_server.url + path).body()
    assert nu_checker_errors(pages, tmp_path) == []


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_teasers_of_the_live_story_carry_its_badge(new_page, live_server, coverage, screenshot_dir, width):
    page, _ = open_and_settle(new_page, live_server, "/", width)
    teaser = page.locator(".card", has_text=coverage.headline).first
    assert teaser.locator(".live-badge").inner_text().lower() == "live"
    assert sideways_overflow(page) == []
    assert serious_violations(page) == []
    teaser.scroll_into_view_if_needed()
    teaser.screenshot(path=screenshot_dir / f"live-teaser-{width}.png")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_live_page_in_dark_mode_is_accessible(new_page, live_server, coverage, screenshot_dir, width):
    page, _ = open_and_settle(new_page, live_server, coverage.get_absolute_url(), width)
    page.emulate_media(color_scheme="dark")
    LiveUpdate.objects.create(article=coverage, status=LiveUpdate.Status.PUBLISHED, body="<p>Calmer now.</p>")
    page.locator("[data-live-notice] button").wait_for(state="visible", timeout=NOTICE_TIMEOUT_MS)
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
    page.screenshot(path=screenshot_dir / f"live-dark-{width}.png")
