"""The moderation queue as a moderator meets it: it opens on the comments awaiting moderation, shows who
sent each one (name, email, IP address) and when, and says in words what a moderation did."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from comments.models import Comment
from tests.comments.conftest import admin_changelist_url

Status = Comment.Status


@pytest.fixture
def moderator_client(client, moderator):
    client.force_login(moderator)
    return client


@pytest.fixture
def mixed_queue(article, make_comment):
    return {
        "pending": make_comment(article, text="Waiting for a moderator.", status=Status.PENDING),
        "approved": make_comment(article, text="Already on the page.", status=Status.APPROVED),
        "rejected": make_comment(article, text="Turned down earlier.", status=Status.REJECTED),
        "spam": make_comment(article, text="Cheap tickets here.", status=Status.SPAM),
    }


def shown_texts(response):
    page = response.content.decode()
    texts = ["Waiting for a moderator.", "Already on the page.", "Turned down earlier.", "Cheap tickets here."]
    return [text for text in texts if text in page]


def test_the_queue_opens_on_pending_comments(moderator_client, mixed_queue):
    response = moderator_client.get(admin_changelist_url())
    assert shown_texts(response) == ["Waiting for a moderator."]
    selected = re.findall(r'<li class="selected">\s*<a href="([^"]*)"', response.content.decode())
    assert "?status__exact=pending" in selected


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("all", ["Waiting for a moderator.", "Already on the page.", "Turned down earlier.", "Cheap tickets here."]),
        ("approved", ["Already on the page."]),
        ("rejected", ["Turned down earlier."]),
        ("spam", ["Cheap tickets here."]),
        ("pending", ["Waiting for a moderator."]),
    ],
)
def test_every_status_and_all_of_them_are_a_click_away(moderator_client, mixed_queue, value, shown):
    page = moderator_client.get(admin_changelist_url()).content.decode()
    assert f'href="?status__exact={value}"' in page
    assert shown_texts(moderator_client.get(admin_changelist_url(), {"status__exact": value})) == shown


def test_all_comments_lists_pending_ones_first(moderator_client, mixed_queue, article, make_comment):
    make_comment(article, text="A newer approved one.", status=Status.APPROVED)
    page = moderator_client.get(admin_changelist_url(), {"status__exact": "all"}).content.decode()
    assert page.index("Waiting for a moderator.") < page.index("A newer approved one.")


@pytest.mark.parametrize("value", ["bogus", "PENDING", "1", "x" * 300])
def test_an_unknown_status_is_reported_not_a_server_error(moderator_client, mixed_queue, value):
    response = moderator_client.get(admin_changelist_url(), {"status__exact": value})
    assert response.status_code == 302
    assert response["Location"].endswith("?e=1")


def test_the_status_column_appears_only_when_statuses_are_mixed(moderator_client, mixed_queue):
    assert "column-status" not in moderator_client.get(admin_changelist_url()).content.decode()
    page = moderator_client.get(admin_changelist_url(), {"status__exact": "all"}).content.decode()
    assert re.search(r'<th scope="col" class="[^"]*column-status', page)


def test_a_row_shows_the_name_email_ip_address_and_time(moderator_client, article, make_comment):
    make_comment(
        article,
        author_name="Jo Reader",
        author_email="jo.reader@example.net",
        ip_address="192.0.2.77",
        status=Status.PENDING,
    )
    page = moderator_client.get(admin_changelist_url()).content.decode()
    sender = page.split('<td class="field-commenter">', 1)[1].split("</td>", 1)[0]
    for shown in ["Jo Reader", "jo.reader@example.net", "192.0.2.77"]:
        assert f'title="{shown}">{shown}</span>' in sender
    posted = page.split('<td class="field-posted">', 1)[1].split("</td>", 1)[0]
    assert posted.startswith("<time datetime=")


def test_the_queue_reads_the_same_number_of_queries_for_1_and_30_comments(moderator_client, article, make_comment):
    make_comment(article, status=Status.PENDING)
    moderator_client.get(admin_changelist_url())
    with CaptureQueriesContext(connection) as few:
        moderator_client.get(admin_changelist_url())
    for _ in range(29):
        make_comment(article, status=Status.PENDING, hold_reasons=["Every comment is held for moderation"])
    with CaptureQueriesContext(connection) as many:
        moderator_client.get(admin_changelist_url())
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("action", "count", "message"),
    [
        ("approve", 2, "2 comments approved."),
        ("approve", 1, "1 comment approved."),
        ("reject", 1, "1 comment rejected."),
        ("reject", 3, "3 comments rejected."),
        ("mark_as_spam", 2, "2 comments marked as spam."),
    ],
)
def test_bulk_messages_say_what_happened(moderator_client, article, make_comment, action, count, message):
    comments = [make_comment(article, status=Status.PENDING) for _ in range(count)]
    response = moderator_client.post(
        admin_changelist_url(),
        {"action": action, "_selected_action": [comment.pk for comment in comments], "index": 0},
        follow=True,
    )
    page = response.content.decode()
    assert message in page
    assert "(s)" not in page


@pytest.mark.parametrize(
    ("button", "message"),
    [("_approve", "1 comment approved."), ("_reject", "1 comment rejected."), ("_spam", "1 comment marked as spam.")],
)
def test_moderating_one_comment_says_what_happened(moderator_client, article, make_comment, button, message):
    comment = make_comment(article, status=Status.PENDING)
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    data = {"author_name": comment.author_name, "author_url": "", "text": comment.text, button: "1"}
    response = moderator_client.post(url, data, follow=True)
    page = response.content.decode()
    assert message in page
    assert "was changed successfully" not in page
    assert response.redirect_chain[-1][0] == admin_changelist_url()


def test_blocking_from_a_comment_stays_on_it_and_says_so(moderator_client, article, make_comment):
    comment = make_comment(article, author_email="loud@example.net", status=Status.PENDING)
    url = reverse("admin:comments_comment_change", args=[comment.pk])
    data = {"author_name": comment.author_name, "author_url": "", "text": comment.text, "_block_email": "1"}
    response = moderator_client.post(url, data, follow=True)
    page = response.content.decode()
    assert "1 email address blocked. Their next comments go straight to spam." in page
    assert "was changed successfully" not in page
    assert response.redirect_chain[-1][0] == url


def test_the_header_count_leads_to_the_pending_queue(moderator_client, mixed_queue):
    page = moderator_client.get(reverse("admin:index")).content.decode()
    link = page.split('class="pending-comments-notice" href="', 1)[1].split('"', 1)[0]
    assert shown_texts(moderator_client.get(link)) == ["Waiting for a moderator."]
