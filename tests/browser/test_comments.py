"""A reader comments, a moderator approves, in a real Chromium."""

import os

import pytest
from django.apps import apps as django_apps

from comments.models import Comment
from newsroom.models import SiteSettings
from newsroom.roles import sync_roles
from tests.browser.test_public_pages import serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Playwright's sync API keeps an asyncio loop running in this thread, which
# Django takes for async code; the test's own database calls are synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

READER_EMAIL = "reader.private@example.net"
COMMENT = "The ferry timetable change will hit early shift workers hardest."


@pytest.fixture(autouse=True)
def staff_roles(transactional_db):
    """The live server needs committed data, so earlier tests' data is flushed
    away between tests, and with it the groups that migrations created."""
    sync_roles(django_apps)


@pytest.fixture
def article(make_article):
    settings = SiteSettings.objects.get_or_create(pk=1)[0]
    settings.minimum_seconds_to_comment = 1
    settings.save()
    return make_article(headline="Harbour board approves the winter ferry timetable")


@pytest.fixture
def approved_comment(article):
    return Comment.objects.create(
        article=article,
        author_name="Lee Commuter",
        author_email="lee@example.net",
        text="Does anyone know whether the first boat still leaves at six?",
        status=Comment.Status.APPROVED,
    )


def open_comments(page):
    """Open "Click to comment" if it is closed."""
    disclosure = page.locator("details#comments")
    if not disclosure.evaluate("element => element.open"):
        page.get_by_text("Click to comment").click()


def assert_email_nowhere(page, response_html):
    assert READER_EMAIL not in response_html
    assert READER_EMAIL not in page.locator("body").inner_text()


def test_a_comment_goes_through_moderation_and_then_everyone_sees_it(new_page, live_server, article, moderator):
    article_url = live_server.url + article.get_absolute_url()

    other = new_page(javascript=False)
    assert "public" in other.goto(article_url).headers["cache-control"]

    reader = new_page()
    cached = reader.goto(article_url)
    assert "public" in cached.headers["cache-control"]
    open_comments(reader)
    reader.get_by_role("textbox", name="Comment", exact=True).fill(COMMENT)
    reader.get_by_role("textbox", name="Name", exact=True).fill("Robin Reader")
    reader.get_by_role("textbox", name="Email", exact=True).fill(READER_EMAIL)
    reader.get_by_label("Save my name, email, and website in this browser").check()
    reader.wait_for_timeout(1100)  # a person takes longer than the minimum time to write
    with reader.expect_navigation() as navigation:
        reader.get_by_role("button", name="Post Comment").click()
    landing = navigation.value
    assert "pending=" in reader.url and reader.url.endswith(f"#comment-{Comment.objects.get().pk}")
    assert landing.headers["cache-control"] == "private, no-store"
    pending_note = reader.get_by_text("Your comment is awaiting moderation.")
    assert pending_note.is_visible()
    assert reader.get_by_text(COMMENT).is_visible()
    assert_email_nowhere(reader, landing.text())
    # Saved in this browser because the reader asked: the new form is filled in.
    assert reader.get_by_role("textbox", name="Name", exact=True).input_value() == "Robin Reader"
    assert serious_violations(reader) == []

    other_view = other.goto(article_url)
    assert COMMENT not in other_view.text()
    assert "awaiting moderation" not in other_view.text()
    assert other.locator("#comment-form-name").input_value() == ""

    admin = new_page()
    admin.goto(live_server.url + "/admin/")
    admin.get_by_label("Username").fill(moderator.username)
    admin.get_by_label("Password").fill("correct horse battery")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Log in").click()
    admin.get_by_role("link", name="1 comment awaiting moderation").click()
    row = admin.locator("#result_list tbody tr").filter(has_text="Robin Reader")
    assert "Every comment is held for moderation" in row.inner_text()
    row.locator("input[name=_selected_action]").check()
    admin.locator("select[name=action]").select_option("approve")
    with admin.expect_navigation():
        admin.get_by_role("button", name="Go").click()
    assert admin.get_by_text("1 comment approved.").is_visible()
    assert admin.get_by_text("0 comments awaiting moderation").is_visible()

    for page in (reader, other):
        response = page.goto(article_url)
        open_comments(page)
        assert page.get_by_text(COMMENT).is_visible()
        assert "awaiting moderation" not in response.text()
        assert "1 comment" in page.locator(".comments-disclosure__count").inner_text()
        assert_email_nowhere(page, response.text())
    assert not reader.console_errors and not reader.outside_requests


def test_replying_works_without_javascript(new_page, live_server, article, approved_comment):
    parent = approved_comment
    page = new_page(javascript=False)
    page.goto(live_server.url + article.get_absolute_url())
    assert not page.locator(".js-comment-save").is_visible()  # nothing can be saved without the script

    open_comments(page)
    with page.expect_navigation():
        page.get_by_role("link", name=f"Reply to {parent.author_name}").click()
    assert page.get_by_role("heading", name=f"Reply to {parent.author_name}").is_visible()
    page.get_by_role("textbox", name="Comment", exact=True).fill("Early shifts start at five, so yes.")
    page.get_by_role("textbox", name="Name", exact=True).fill("Sam Shiftworker")
    page.get_by_role("textbox", name="Email", exact=True).fill("sam.shift@example.net")
    page.wait_for_timeout(1100)
    with page.expect_navigation():
        page.get_by_role("button", name="Post Comment").click()

    reply = Comment.objects.get(parent=parent)
    assert page.url.split("#")[1] == f"comment-{reply.pk}"
    nested = page.locator(f"#comment-{parent.pk} .comment-list--replies #comment-{reply.pk}")
    assert nested.is_visible()
    assert "Your comment is awaiting moderation." in nested.inner_text()


def test_the_reply_page_and_a_sent_back_form_are_accessible(new_page, live_server, article, approved_comment):
    page = new_page()
    page.goto(f"{live_server.url}/comments/reply/{approved_comment.pk}/")
    assert serious_violations(page) == []

    page.get_by_role("textbox", name="Email", exact=True).fill("not an address")
    page.evaluate("document.querySelector('form.comment-form').noValidate = true")  # as a browser without checks
    with page.expect_navigation():
        page.get_by_role("button", name="Post Comment").click()
    assert page.get_by_role("alert").filter(has_text="Your comment was not sent").is_visible()
    assert page.get_by_text("Please write your comment.").is_visible()
    assert serious_violations(page) == []
