"""The moderators' queue in the admin, and the emails that send moderators there."""

import logging

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import BlockedSender, Comment
from tests.comments.conftest import admin_changelist_url

pytestmark = pytest.mark.django_db

Status = Comment.Status


class ExplodingEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError("the mail server is down")


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


def run_action(client, action, comments):
    return client.post(
        admin_changelist_url(),
        {"action": action, "_selected_action": [comment.pk for comment in comments], "index": 0},
        follow=True,
    )


def change_url(comment):
    return reverse("admin:comments_comment_change", args=[comment.pk])


# The queue ---------------------------------------------------------------------------------------


def test_the_queue_lists_pending_comments_first_with_why_they_were_held(moderator_client, article, make_comment):
    approved = make_comment(article, text="Already approved.")
    held = make_comment(
        article,
        text="Held for its links.",
        status=Status.PENDING,
        hold_reasons=["Contains 3 links (comments with 2 or more are held)"],
        author_email="held@example.net",
        ip_address="192.0.2.77",
    )
    rejected = make_comment(article, text="Rejected earlier.", status=Status.REJECTED)

    html = moderator_client.get(admin_changelist_url() + "?status__exact=all").content.decode()
    assert html.index("Held for its links.") < html.index("Already approved.")
    assert html.index("Held for its links.") < html.index("Rejected earlier.")
    for shown in [
        "Contains 3 links (comments with 2 or more are held)",
        article.headline,
        held.author_name,
        "held@example.net",
        "192.0.2.77",
    ]:
        assert shown in html
    assert approved and rejected


def test_the_pending_count_is_shown_on_every_admin_page(moderator_client, article, make_comment):
    make_comment(article, status=Status.PENDING)
    comment = make_comment(article, status=Status.PENDING)
    make_comment(article)
    for url in [reverse("admin:index"), admin_changelist_url(), change_url(comment), reverse("admin:password_change")]:
        assert "2 comments awaiting moderation" in moderator_client.get(url).content.decode(), url


def test_staff_without_comment_permissions_see_no_pending_count(client, reporter, article, make_comment):
    make_comment(article, status=Status.PENDING)
    client.force_login(reporter)
    assert "awaiting moderation" not in client.get(reverse("admin:index")).content.decode()


def test_moderators_reach_comments_and_nothing_else(moderator_client):
    assert moderator_client.get(admin_changelist_url()).status_code == 200
    assert moderator_client.get(reverse("admin:comments_blockedsender_changelist")).status_code == 200
    assert moderator_client.get(reverse("admin:articles_article_changelist")).status_code == 403
    assert moderator_client.get(reverse("admin:articles_article_add")).status_code == 403
    assert moderator_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    index = moderator_client.get(reverse("admin:index")).content.decode()
    assert "Reader comments" in index
    assert "Articles" not in index and "Site settings" not in index


# Actions on many ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "message"),
    [
        ("approve", Status.APPROVED, "3 comments approved."),
        ("reject", Status.REJECTED, "3 comments rejected."),
        ("mark_as_spam", Status.SPAM, "3 comments marked as spam."),
    ],
)
def test_bulk_moderation_actions(moderator_client, moderator, article, make_comment, action, status, message):
    comments = [make_comment(article, status=Status.PENDING) for _ in range(3)]
    untouched = make_comment(article, status=Status.PENDING)
    response = run_action(moderator_client, action, comments)
    assert response.status_code == 200
    assert message in response.content.decode()
    for comment in comments:
        comment.refresh_from_db()
        assert comment.status == status
        assert comment.moderated_by == moderator and comment.moderated_at is not None
    untouched.refresh_from_db()
    assert untouched.status == Status.PENDING


def test_bulk_delete(moderator_client, article, make_comment):
    doomed = [make_comment(article, status=Status.SPAM) for _ in range(2)]
    kept = make_comment(article)
    moderator_client.post(
        admin_changelist_url() + "?status__exact=spam",
        {"action": "delete_selected", "_selected_action": [c.pk for c in doomed], "post": "yes"},
    )
    assert list(Comment.objects.all()) == [kept]


def test_approving_shows_the_comment_on_a_cached_article_page(client, moderator, article, make_comment):
    held = make_comment(article, text="Now you see me.", status=Status.PENDING)
    assert "Now you see me." not in client.get(article.get_absolute_url()).content.decode()
    assert "Now you see me." not in client.get(article.get_absolute_url()).content.decode()  # from the cache

    reader = client
    moderator_client = type(client)()
    moderator_client.force_login(moderator)
    run_action(moderator_client, "approve", [held])

    html = reader.get(article.get_absolute_url()).content.decode()
    assert "Now you see me." in html
    assert "1 comment" in html


def test_blocking_from_comments_creates_blocklist_entries(moderator_client, moderator, article, make_comment):
    first = make_comment(article, author_email="troll@example.net", ip_address="192.0.2.9", status=Status.PENDING)
    second = make_comment(article, author_email="troll@example.net", ip_address="192.0.2.10", status=Status.PENDING)
    run_action(moderator_client, "block_emails", [first, second])
    run_action(moderator_client, "block_ip_addresses", [first])
    blocked = set(BlockedSender.objects.values_list("kind", "value"))
    assert blocked == {("email", "troll@example.net"), ("ip", "192.0.2.9")}
    assert BlockedSender.objects.get(kind="ip").created_by == moderator

    response = run_action(moderator_client, "block_emails", [second])
    assert "0 email addresses blocked; 1 already was." in response.content.decode()


def test_a_blocked_email_sends_the_next_comment_to_spam(moderator_client, post, article, make_comment, client):
    offender = make_comment(article, author_email="jo@example.net", status=Status.PENDING)
    run_action(moderator_client, "block_emails", [offender])
    client.logout()
    post(article, comment="Here I am again.")
    assert Comment.objects.get(text="Here I am again.").status == Status.SPAM


# One at a time --------------------------------------------------------------------------------------


def change_form_data(comment, **overrides):
    data = {"author_name": comment.author_name, "author_url": comment.author_url, "text": comment.text}
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("button", "status"), [("_approve", Status.APPROVED), ("_reject", Status.REJECTED), ("_spam", Status.SPAM)]
)
def test_moderating_one_comment_from_its_page(moderator_client, moderator, article, make_comment, button, status):
    comment = make_comment(article, status=Status.PENDING)
    page = moderator_client.get(change_url(comment)).content.decode()
    assert 'name="_approve"' in page and 'name="_block_email"' in page and "Reply as staff" in page

    response = moderator_client.post(change_url(comment), change_form_data(comment, **{button: "1"}))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == status and comment.moderated_by == moderator


def test_editing_or_redacting_the_text(moderator_client, article, make_comment):
    comment = make_comment(article, text="My phone number is 555-0199, call me.", status=Status.PENDING)
    moderator_client.post(
        change_url(comment), change_form_data(comment, text="[Phone number removed] call me.", _save="1")
    )
    comment.refresh_from_db()
    assert comment.text == "[Phone number removed] call me."
    assert comment.status == Status.PENDING


def test_blocking_from_a_comment_page(moderator_client, article, make_comment):
    comment = make_comment(article, author_email="Loud@Example.net", ip_address="192.0.2.44", status=Status.PENDING)
    moderator_client.post(change_url(comment), change_form_data(comment, _block_email="1"))
    moderator_client.post(change_url(comment), change_form_data(comment, _block_ip="1"))
    assert set(BlockedSender.objects.values_list("kind", "value")) == {
        ("email", "loud@example.net"),
        ("ip", "192.0.2.44"),
    }


def test_the_email_and_ip_cannot_be_changed_by_a_moderator(moderator_client, article, make_comment):
    comment = make_comment(article, author_email="real@example.net")
    moderator_client.post(change_url(comment), change_form_data(comment, author_email="fake@example.net", _save="1"))
    comment.refresh_from_db()
    assert comment.author_email == "real@example.net"


def test_replying_as_staff_publishes_at_once(client, moderator_client, moderator, article, make_comment):
    moderator.first_name, moderator.last_name = "Mo", "Derator"
    moderator.save()
    question = make_comment(article, text="Will the ferry run on Sundays?", status=Status.PENDING)
    url = reverse("admin:comments_comment_staff_reply", args=[question.pk])
    assert "Will the ferry run on Sundays?" in moderator_client.get(url).content.decode()

    response = moderator_client.post(url, {"text": "Yes, from June onwards."}, follow=True)
    assert "Your reply is published. The comment you answered is now approved too." in response.content.decode()
    reply = Comment.objects.get(is_staff_reply=True)
    question.refresh_from_db()
    assert reply.parent == question and reply.status == Status.APPROVED
    assert reply.author_name == "Mo Derator" and reply.user == moderator
    assert question.status == Status.APPROVED

    client.logout()
    html = client.get(article.get_absolute_url()).content.decode()
    assert "Yes, from June onwards." in html
    assert 'class="comment comment--staff"' in html and "Staff" in html


def test_an_empty_staff_reply_is_refused(moderator_client, article, make_comment):
    question = make_comment(article)
    url = reverse("admin:comments_comment_staff_reply", args=[question.pk])
    assert moderator_client.post(url, {"text": "  "}).status_code == 200
    assert not Comment.objects.filter(is_staff_reply=True).exists()


def test_only_those_who_moderate_may_reply_as_staff(client, reporter, article, make_comment):
    question = make_comment(article)
    client.force_login(reporter)
    url = reverse("admin:comments_comment_staff_reply", args=[question.pk])
    assert client.post(url, {"text": "Sneaky."}).status_code == 403
    assert not Comment.objects.filter(is_staff_reply=True).exists()


def test_replying_to_a_comment_that_does_not_exist_is_not_found(moderator_client):
    for comment_id in ["424242", "9" * 40]:
        url = reverse("admin:comments_comment_staff_reply", args=[comment_id])
        assert moderator_client.get(url).status_code == 404


def test_comments_are_not_added_by_hand_in_the_admin(moderator_client):
    assert moderator_client.get(reverse("admin:comments_comment_add")).status_code == 403


# The editors' article list ----------------------------------------------------------------------------


def test_the_article_list_counts_approved_comments_in_the_list_query(client, editor, make_article, make_comment):
    client.force_login(editor)
    first = make_article(headline="First story")
    make_comment(first)
    make_comment(first)
    make_comment(first, status=Status.PENDING)
    for _ in range(5):
        make_comment(make_article())
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("admin:articles_article_changelist")).content.decode()
    assert '<td class="field-approved_comments">2</td>' in html
    assert html.count('<td class="field-approved_comments">1</td>') == 5
    touching_comments = [query["sql"] for query in queries if '"comments_comment"' in query["sql"]]
    # The list's own query, and the header's count of the queue editors work too.
    assert len(touching_comments) == 2
    assert touching_comments[0].startswith('SELECT "articles_article"."id"')
    assert touching_comments[1].startswith('SELECT COUNT(*) AS "__count" FROM "comments_comment"')


# Notifications ----------------------------------------------------------------------------------------


def test_moderators_are_emailed_about_a_held_comment(
    post, article, moderator, make_comment, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://news.example.com"
    parent = make_comment(article, author_name="Pat Parent", text="The parent remark.")
    with django_capture_on_commit_callbacks(execute=True):
        post(article, parent=str(parent.pk), comment="A held reply.")
    reply = Comment.objects.get(text="A held reply.")

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [moderator.email]
    assert article.headline in message.subject
    for expected in [
        f"https://news.example.com{article.get_absolute_url()}",
        "In reply to Pat Parent, who wrote:",
        "The parent remark.",
        "- Every comment is held for moderation (site setting)",
        "A held reply.",
        f"https://news.example.com/admin/comments/comment/{reply.pk}/change/",
    ]:
        assert expected in message.body


def test_no_email_for_approved_comments_or_when_turned_off(
    post, article, moderator, site_settings, django_capture_on_commit_callbacks
):
    site_settings.hold_all_comments = False
    site_settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        post(article)
    assert Comment.objects.get().status == Status.APPROVED

    site_settings.hold_all_comments = True
    site_settings.notify_moderators = False
    site_settings.save()
    with django_capture_on_commit_callbacks(execute=True):
        post(article, comment="Held, but nobody is told.")
    assert Comment.objects.get(text="Held, but nobody is told.").status == Status.PENDING
    assert mail.outbox == []


def test_a_mail_failure_is_logged_and_never_loses_the_comment(
    post, article, moderator, settings, caplog, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.comments.test_moderation.ExplodingEmailBackend"
    with (
        caplog.at_level(logging.ERROR, logger="comments.notifications"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        response = post(article)
    assert response.status_code == 303
    assert Comment.objects.get().status == Status.PENDING
    assert "Could not email moderators" in caplog.text
