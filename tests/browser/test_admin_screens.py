"""The screens the desk lives in, in a real Chromium at a laptop's 1366 px and a phone's 390 px: the article
list, the moderation queue, a reporter's form, an article a reporter may only read, a draft's preview and
the body editor's image picker. None scrolls the page sideways or has a serious accessibility finding, and
each is photographed to be looked at."""

import json
import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from articles.models import Article, Author, Byline, Image, Section
from comments.models import Comment
from tests.articles.public_site import jpeg, make_image
from tests.browser.layout import sideways_overflow
from tests.browser.test_public_pages import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

WIDTHS = {"phone": 390, "desktop": 1366}

HEADLINES = [
    "Harbour board delays the northern ferry contract by a year after both bids come in over budget",
    "City council approves a cycle lane on the river road despite objections from shop owners",
    "Regional hospital opens its new maternity wing three months ahead of schedule",
    "Water company warns of hosepipe restrictions if the dry spell lasts into August",
    "Library volunteers digitise a century of the town's parish newsletters",
    "Bus drivers vote to accept a pay offer, ending the threat of summer strikes",
]


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    # The flush after an earlier live-server test recreates content types under new ids.
    ContentType.objects.clear_cache()
    return media_root


@pytest.fixture
def desk(section, author, editor, reporter):
    """A desk's worth of work: long headlines, subsections, several bylines each, every status."""
    diplomacy = Section.objects.create(name="Diplomacy & Security", slug="diplomacy-security", parent=section)
    colleagues = [
        author,
        Author.objects.create(name="Bartholomew Okonkwo-Lindqvist", slug="bartholomew"),
        Author.objects.create(name="Catalina Montes de Oca", slug="catalina"),
    ]
    now = timezone.now()
    statuses = [Article.Status.PUBLISHED, Article.Status.DRAFT, Article.Status.REVIEW]
    for number in range(24):
        status = statuses[number % 3]
        article = Article.objects.create(
            headline=f"{HEADLINES[number % len(HEADLINES)]} (part {number + 1})",
            slug=f"desk-story-{number}",
            section=diplomacy if number % 2 else section,
            standfirst="A short summary of the story for lists and feeds.",
            body="<p>The first paragraph of the story.</p><h2>What happens next</h2><p>More to follow.</p>",
            status=status,
            publish_at=now - timedelta(hours=number) if status == Article.Status.PUBLISHED else None,
        )
        for position, colleague in enumerate(colleagues[: 1 + number % 3]):
            Byline.objects.create(article=article, author=colleague, position=position)
    return diplomacy


@pytest.fixture
def queue(make_article):
    article = make_article(headline=HEADLINES[0])
    texts = [
        "The tender documents were published in March, so a delay now seems odd to those of us who read them.",
        "Buy cheap ferry tickets at my site, best prices anywhere, click the links below for more.",
        "I commute on the northern route every day and the old boat breaks down at least once a week.",
    ]
    for number, text in enumerate(texts * 3):
        Comment.objects.create(
            article=article,
            author_name=f"Reader number {number + 1}",
            author_email=f"a.rather.long.address.{number}@example-mail-provider.net",
            text=text,
            status=Comment.Status.PENDING if number < 6 else Comment.Status.APPROVED,
            hold_reasons=[
                "Every comment is held for moderation",
                "Contains 3 links (comments with 2 or more are held)",
            ],
            ip_address=f"203.0.113.{number + 10}",
        )
    return article


@pytest.fixture
def library(db):
    return [
        make_image(
            "harbour",
            alt_text="Ferries moored at the northern terminal at dusk",
            caption="The terminal at dusk.",
            credit="Ines Harbour Photos",
        ),
        make_image(
            "council",
            alt_text="Councillors voting by a show of hands",
            caption="The vote on Tuesday.",
            credit="City Press Agency",
        ),
        make_image(
            "hospital", alt_text="The new maternity wing's entrance", caption="", credit="Regional Health Board"
        ),
    ]


def expect(locator):
    # Imported when used: without Playwright the browser fixture skips (or fails under CI) with its reason.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def logged_in_page(new_page, live_server, user, width):
    page = new_page(width=width, height=900)
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    return page


def assert_reads_cleanly(page, name, width, screenshot_dir):
    """No sideways scrolling of the page, no serious accessibility finding, nothing failing; photographed."""
    assert sideways_overflow(page) == [], f"{name} scrolls sideways at {width}px"
    page.screenshot(path=screenshot_dir / f"admin-{name}-{width}.png", full_page=True)
    violations = serious_violations(page)
    assert violations == [], json.dumps(violations, indent=2)
    assert page.console_errors == []
    assert page.outside_requests == []


ROW_HEIGHTS = """() => Array.from(document.querySelectorAll('#result_list tbody tr')).map(row => {
    const cell = row.querySelector('th, td');
    const style = getComputedStyle(cell);
    const oneLine = parseFloat(style.lineHeight) + parseFloat(style.paddingTop) + parseFloat(style.paddingBottom);
    return {height: row.getBoundingClientRect().height, oneLine, text: row.innerText};
})"""


def assert_one_line_rows(page):
    rows = page.evaluate(ROW_HEIGHTS)
    assert rows
    # A little over one line allows for the checkbox and borders; a second line of text would double it.
    tall = [row for row in rows if row["height"] > row["oneLine"] * 1.4 + 2]
    assert tall == [], tall


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_article_list(new_page, live_server, editor, desk, screenshot_dir, width):
    page = logged_in_page(new_page, live_server, editor, width)
    page.goto(f"{live_server.url}/admin/articles/article/")
    assert page.locator("#result_list tbody tr").count() == 24
    # Found by its full text, not its row: drafts have no publication time, and databases sort that apart.
    headline = page.locator(
        '#result_list .field-headline_cell .cell-clip[title^="Harbour board delays the northern ferry contract"]'
    ).first
    assert headline.count() == 1
    for column in ["Headline", "Status", "Section", "Authors", "Publish at", "Saved", "Comments"]:
        assert page.locator("#result_list thead th").filter(has_text=column).count() == 1, column
    assert_reads_cleanly(page, "article-list", width, screenshot_dir)
    if width == WIDTHS["desktop"]:
        assert_one_line_rows(page)
        # Every column is on the screen: none is cut off at the right edge.
        table_right = page.evaluate("document.querySelector('#result_list').getBoundingClientRect().right")
        assert table_right <= width
        assert headline.evaluate("element => element.getBoundingClientRect().width") >= 300


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_moderation_queue(new_page, live_server, moderator, queue, screenshot_dir, width):
    page = logged_in_page(new_page, live_server, moderator, width)
    page.goto(f"{live_server.url}/admin/comments/comment/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 6  # the pending ones; the approved wait behind "All comments"
    sender = rows.first.locator(".field-commenter .cell-clip")
    assert sender.nth(1).get_attribute("title") == "a.rather.long.address.5@example-mail-provider.net"
    assert sender.nth(2).inner_text() == "203.0.113.15"
    assert rows.first.locator(".field-posted time[datetime]").count() == 1
    assert_reads_cleanly(page, "moderation-queue", width, screenshot_dir)
    if width == WIDTHS["desktop"]:
        for cell in [sender.nth(1), sender.nth(2), rows.first.locator(".field-posted")]:
            assert cell.evaluate("element => element.getBoundingClientRect().right") <= width
        table_right = page.evaluate("document.querySelector('#result_list').getBoundingClientRect().right")
        assert table_right <= width

    rows.nth(0).locator("input[name=_selected_action]").check()
    rows.nth(1).locator("input[name=_selected_action]").check()
    page.locator("select[name=action]").select_option("approve")
    with page.expect_navigation():
        page.get_by_role("button", name="Go").click()
    assert page.get_by_text("2 comments approved.").is_visible()
    assert page.locator("#result_list tbody tr").count() == 4
    with page.expect_navigation():
        page.get_by_role("link", name="All comments").click()
    assert page.locator("#result_list tbody tr").count() == 9


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_a_reporters_form_has_no_editor_controls(new_page, live_server, reporter, make_article, screenshot_dir, width):
    draft = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
    Article.objects.filter(pk=draft.pk).update(created_by=reporter)
    page = logged_in_page(new_page, live_server, reporter, width)
    page.goto(f"{live_server.url}/admin/articles/article/{draft.pk}/change/")
    page.locator(".prose-editor [contenteditable=true]").wait_for(timeout=10000)
    for hidden in ["#id_publish_at_0", "#id_priority", "#id_is_update"]:
        assert not page.locator(hidden).is_visible(), hidden
    assert page.get_by_text("Publish at", exact=True).count() == 0
    assert page.get_by_label("Status").locator("option[value=published]").count() == 0
    assert_reads_cleanly(page, "reporter-form", width, screenshot_dir)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_an_article_a_reporter_may_only_read_shows_its_body_rendered(
    new_page, live_server, reporter, make_article, screenshot_dir, width
):
    published = make_article(
        body="<p>The board voted on <strong>Tuesday</strong>.</p><h2>What happens next</h2><p>A new tender.</p>"
    )
    page = logged_in_page(new_page, live_server, reporter, width)
    page.goto(f"{live_server.url}/admin/articles/article/{published.pk}/change/")
    body = page.locator(".rendered-body")
    assert body.locator("h2").inner_text() == "What happens next"
    assert body.locator("strong").inner_text() == "Tuesday"
    assert "<p>" not in page.locator("#content").inner_text()
    assert_reads_cleanly(page, "read-only-article", width, screenshot_dir)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_view_on_site_opens_a_drafts_preview_without_a_comment_form(
    new_page, live_server, editor, make_article, screenshot_dir, width
):
    draft = make_article(headline="A draft nobody may read yet", status=Article.Status.DRAFT, publish_at=None)
    page = logged_in_page(new_page, live_server, editor, width)
    page.goto(f"{live_server.url}/admin/articles/article/{draft.pk}/change/")
    with page.expect_navigation():
        page.get_by_role("link", name="View on site").click()
    preview = page
    assert "/preview/" in preview.url
    assert preview.locator("h1").inner_text() == "A draft nobody may read yet"
    assert preview.locator("form").filter(has=preview.locator("textarea")).count() == 0
    assert preview.locator("#comments").count() == 0
    assert preview.get_by_text("Readers can comment here once the article is published.").is_visible()
    assert_reads_cleanly(preview, "draft-preview", width, screenshot_dir)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_image_picker_finds_uploads_and_inserts_renditions(
    new_page, live_server, editor, make_article, library, screenshot_dir, width, tmp_path
):
    article = make_article(status=Article.Status.DRAFT, publish_at=None, body="<p>Opening paragraph.</p>")
    page = logged_in_page(new_page, live_server, editor, width)
    page.goto(f"{live_server.url}/admin/articles/article/{article.pk}/change/")
    page.locator(".prose-editor [contenteditable=true]").wait_for(timeout=10000)
    assert page.locator(".body-length").inner_text() == "2 words · 1 min read"
    page.locator(".prose-editor [contenteditable=true] p").first.click()
    page.keyboard.press("End")
    page.keyboard.type(" Three more words")
    assert page.locator(".body-length").inner_text() == "5 words · 1 min read"

    page.get_by_role("button", name="Insert image from library").click()
    dialog = page.get_by_role("dialog", name="Insert an image from the library")
    assert dialog.is_visible()
    expect(dialog.locator(".image-picker__choice")).to_have_count(3)
    dialog.get_by_label("Search by caption, credit or alt text").fill("city press")
    expect(dialog.locator(".image-picker__choice")).to_have_count(1)
    assert "Councillors voting" in dialog.locator(".image-picker__choice").inner_text()
    assert_reads_cleanly(page, "image-picker", width, screenshot_dir)

    dialog.locator(".image-picker__choice").click()
    assert not dialog.is_visible()
    council = library[1]
    inserted = page.locator(".prose-editor [contenteditable=true] img")
    assert f"/media/renditions/{council.pk}/width-" in inserted.get_attribute("src")
    assert inserted.get_attribute("alt") == "Councillors voting by a show of hands"

    photo = tmp_path / "quay.jpg"
    photo.write_bytes(jpeg(800, 500))
    page.get_by_role("button", name="Insert image from library").click()
    dialog.get_by_label("Image file").set_input_files(str(photo))
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(dialog.locator("[data-error-for=alt_text]")).to_have_text("This field is required.")
    assert Image.objects.count() == len(library)
    dialog.get_by_label("Alt text (required)").fill("The new quay seen from the water")
    dialog.get_by_label("Image file").set_input_files(str(photo))
    dialog.get_by_role("button", name="Upload and insert").click()
    expect(inserted).to_have_count(2)
    uploaded = Image.objects.get(alt_text="The new quay seen from the water")
    assert uploaded.uploaded_by == editor
    assert f"/media/renditions/{uploaded.pk}/" in inserted.nth(1).get_attribute("src")

    with page.expect_navigation():
        page.locator("input[name=_continue]").click()
    # The page saved to keeps asking the server for its scripts: the database outlives those requests.
    page.wait_for_load_state("networkidle")
    article.refresh_from_db()
    assert f"/media/renditions/{council.pk}/" in article.body and f"/media/renditions/{uploaded.pk}/" in article.body
