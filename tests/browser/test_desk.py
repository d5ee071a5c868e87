"""The desk in Chromium: a review hand-off and its notification, the checklist before publishing, and
the desk page and the article form with its notes at a desktop's and a phone's width."""

import os

import pytest
from django.core import mail
from django.utils import timezone

from articles.models import Article, Assignment, EditorialNote
from tests.articles.public_site import make_image
from tests.browser.layout import sideways_overflow
from tests.browser.test_public_pages import WIDTHS, axe_source, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API keeps an asyncio loop running in this thread, which Django takes for async code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


@pytest.fixture
def own_draft(make_article, reporter):
    article = make_article(
        headline="Night ferry timetable changes from Monday",
        status=Article.Status.DRAFT,
        publish_at=None,
        authors=[reporter.author_profile],
    )
    Article.objects.filter(pk=article.pk).update(created_by=reporter)
    return article


def logged_in(new_page, live_server, user, width=1366):
    user.set_password(PASSWORD)
    user.save()
    page = new_page(width=width)
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server.url}/admin/")
    return page


def change_path(article):
    return f"/admin/articles/article/{article.pk}/change/"


def serious_violations_within(page, selectors):
    """axe-core's serious and critical findings inside these parts of the page only."""
    page.evaluate(axe_source())
    include = [[selector] for selector in selectors]
    results = page.evaluate("include => axe.run({include}, {resultTypes: ['violations']})", include)
    return [
        {"rule": violation["id"], "where": [node["target"] for node in violation["nodes"]]}
        for violation in results["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def assert_reads_cleanly(page, name, width, screenshot_dir, audited=None):
    page.screenshot(path=str(screenshot_dir / f"desk-{name}-{width}.png"), full_page=True)
    assert sideways_overflow(page) == [], f"{name} scrolls sideways at {width}px"
    violations = serious_violations_within(page, audited) if audited else serious_violations(page)
    assert violations == []
    assert page.console_errors == []
    assert page.outside_requests == []


def test_a_reporter_submits_for_review_and_the_editor_is_told(new_page, live_server, reporter, editor, own_draft):
    reporter_page = logged_in(new_page, live_server, reporter)
    reporter_page.goto(live_server.url + change_path(own_draft))
    reporter_page.select_option("#id_status", "review")
    reporter_page.click("input[name=_continue]")
    reporter_page.wait_for_selector(".messagelist .success")

    assert [message.to for message in mail.outbox] == [[editor.email]]
    assert "Night ferry timetable changes from Monday" in mail.outbox[0].subject

    editor_page = logged_in(new_page, live_server, editor)
    notice = editor_page.locator("#header .desk-notice")
    assert notice.inner_text() == "1 article in review"
    notice.click()
    in_review = editor_page.locator("section.desk-list", has=editor_page.locator("h2", has_text="In review"))
    link = in_review.get_by_role("link", name="Night ferry timetable changes from Monday")
    link.click()
    editor_page.wait_for_url(live_server.url + change_path(own_draft))


def test_the_checklist_warns_and_the_warning_goes_once_fixed(new_page, live_server, editor, make_article):
    article = make_article(
        headline="Harbour dredging starts next week",
        hero_image=make_image(),
        status=Article.Status.REVIEW,
        body='<p>The dredger arrives on Monday.</p><figure><img src="/media/dredger.jpg"></figure>',
    )
    page = logged_in(new_page, live_server, editor)
    page.goto(live_server.url + change_path(article))
    page.locator(".prose-editor [contenteditable=true]").wait_for()
    # The body editor hides the field the link names: the link puts the cursor in the editor itself.
    alt_check = page.locator("#checklist li", has_text="Alt text on every image")
    assert alt_check.locator(".check-status").inner_text() == "Warning"
    alt_check.get_by_role("link", name="Fix").click()
    assert page.evaluate("document.activeElement.getAttribute('contenteditable')") == "true"
    tags_check = page.locator("#checklist li", has_text="At least one tag")
    assert tags_check.locator(".check-status").inner_text() == "Warning"
    tags_check.get_by_role("link", name="Fix").click()
    assert page.evaluate("document.activeElement.id") == "id_tags"
    assert page.url.endswith("#id_tags")
    page.fill("#id_tags", "Dredging")
    page.click("input[name=_continue]")
    page.wait_for_selector(".messagelist .success")
    assert page.locator("#checklist li", has_text="At least one tag").locator(".check-status").inner_text() == "OK"


@pytest.fixture
def busy_desk(make_article, editor, reporter):
    now = timezone.now()
    assigned = make_article(
        headline="Council budget: what the new rates mean for each neighbourhood of the city",
        status=Article.Status.DRAFT,
        publish_at=None,
    )
    Assignment.objects.create(
        article=assigned, assignee=editor, due_at=now + timezone.timedelta(hours=2), assigned_by=editor
    )
    make_article(headline="Lifeboat crew rescues two kayakers off the point", status=Article.Status.REVIEW)
    make_article(headline="Market hall reopens after repairs", publish_at=now + timezone.timedelta(minutes=20))
    make_article(headline="Tide tables for the week", publish_at=now - timezone.timedelta(hours=3))
    EditorialNote.objects.create(
        article=assigned,
        text="Ask the finance office for the 2025 comparison; the table in paragraph four needs a source.",
        written_by=reporter,
    )
    resolved = EditorialNote.objects.create(
        article=assigned, text="Headline agreed with the night desk.", written_by=editor
    )
    resolved.resolve(editor)
    return assigned


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_desk_page_reads_at_a_glance(new_page, live_server, editor, busy_desk, width, screenshot_dir):
    page = logged_in(new_page, live_server, editor, width=width)
    page.goto(f"{live_server.url}/admin/articles/article/desk/")
    for title in ("Assigned to me", "In review", "Scheduled today", "Published in the last 24 hours"):
        assert page.get_by_role("heading", name=title).is_visible()
    assert page.get_by_role("link", name=busy_desk.headline).is_visible()
    assert_reads_cleanly(page, "page", width, screenshot_dir)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_the_article_form_shows_its_notes_beside_it(new_page, live_server, editor, busy_desk, width, screenshot_dir):
    page = logged_in(new_page, live_server, editor, width=width)
    page.goto(live_server.url + change_path(busy_desk))
    notes = page.locator("#editorial-notes")
    assert "Ask the finance office" in notes.inner_text()
    # The resolved note is folded away until asked for.
    assert not notes.get_by_text("Headline agreed with the night desk.").is_visible()
    notes.locator("summary").click()
    assert notes.get_by_text("Headline agreed with the night desk.").is_visible()
    if width >= 1200:
        form_box = page.locator("#article_form").bounding_box()
        notes_box = notes.bounding_box()
        assert notes_box["x"] >= form_box["x"] + form_box["width"], "the notes sit beside the form"
    assert page.locator("#assignment-group").get_by_role("textbox", name="Due date").is_visible()
    page.fill("#editorial-notes textarea", "Photo desk has a wider picture of the quay.")
    notes.get_by_role("button", name="Add note").click()
    page.wait_for_selector(".messagelist .success")
    assert "Photo desk has a wider picture" in page.locator("#editorial-notes").inner_text()
    # The desk's own parts of the form: the rest of it (the body editor, the autocomplete boxes, the
    # publication time) is audited with the article form's own screens.
    assert_reads_cleanly(page, "article-form", width, screenshot_dir, audited=[".desk-panel", "#assignment-group"])
