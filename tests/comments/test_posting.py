"""A reader's comment from the form to the page, and everything a client may send that must change nothing."""

import html as html_module
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from comments import threads
from comments.models import Comment
from comments.tokens import issue_form_token, read_form_token
from tests.comments.conftest import POST_URL, comment_data, form_token, fresh_form_token

pytestmark = pytest.mark.django_db

Status = Comment.Status


@pytest.fixture
def relaxed(site_settings):
    """Ordinary comments are approved at once."""
    site_settings.hold_all_comments = False
    site_settings.save()
    return site_settings


def page_text(response):
    return response.content.decode()


# The form ------------------------------------------------------------------------------


def test_the_article_page_offers_the_form_like_the_reference_pages(client, article):
    response = client.get(article.get_absolute_url())
    html = page_text(response)
    assert response.status_code == 200
    for words in [
        "Leave a Reply",
        "Your email address will not be published. Required fields are marked",
        'name="comment"',
        'name="name"',
        'name="email"',
        'name="website"',
        "Save my name, email, and website in this browser for the next time I comment.",
        "Post Comment",
    ]:
        assert words in html
    assert 'action="/comments/post/"' in html


def test_every_article_shares_one_blank_form_with_its_own_hidden_fields(client, article, make_article, monkeypatch):
    other = make_article(headline="A second story with its own form")
    rendered = []
    render = threads.render_to_string
    monkeypatch.setattr(threads, "render_to_string", lambda name, *args: rendered.append(name) or render(name, *args))
    for story in (article, other):
        html = page_text(client.get(story.get_absolute_url()))
        assert f'<input type="hidden" name="article" value="{story.pk}" id="comment-form-article">' in html
        assert html.count('name="token"') == 1 and html.count("Post Comment") == 1
        assert threads.ARTICLE_ID_SLOT not in html and threads.FORM_TOKEN_SLOT not in html
        token = re.search(r'name="token" value="([^"]+)"', html)[1]
        assert read_form_token(html_module.unescape(token))["article"] == story.pk
    assert rendered.count("comments/form.html") == 1


def test_the_article_page_sets_no_cookie_so_it_can_be_shared_from_a_cache(client, article):
    response = client.get(article.get_absolute_url())
    assert not response.cookies
    assert "Cookie" not in response.headers.get("Vary", "")


# Posting ---------------------------------------------------------------------------------


def test_a_held_comment_is_stored_and_shown_to_its_author_only(client, post, article):
    response = post(article, headers={"User-Agent": "TestBrowser/1.0"})

    comment = Comment.objects.get()
    assert response.status_code == 303
    location = urlsplit(response.headers["Location"])
    assert location.path == article.get_absolute_url()
    assert location.fragment == f"comment-{comment.pk}"
    assert comment.status == Status.PENDING
    assert comment.hold_reasons == ["Every comment is held for moderation (site setting)"]
    assert comment.ip_address == "203.0.113.7"
    assert comment.author_email == "jo@example.net"
    assert comment.user_agent == "TestBrowser/1.0"

    own_view = client.get(f"{location.path}?{location.query}")
    assert "Your comment is awaiting moderation." in page_text(own_view)
    assert "The tender documents were published in March" in page_text(own_view)
    assert own_view.headers["Cache-Control"] == "private, no-store"

    others_view = client.get(article.get_absolute_url())
    assert "The tender documents were published in March" not in page_text(others_view)
    assert "awaiting moderation" not in page_text(others_view)
    assert "0 comments" in page_text(others_view)


def test_a_forged_or_foreign_pending_receipt_shows_nothing(client, post, article, make_article):
    post(article)
    comment = Comment.objects.get()
    forged = client.get(article.get_absolute_url() + "?pending=eyJjb21tZW50IjoxfQ:forged")
    assert comment.text not in page_text(forged)
    assert forged.headers["Cache-Control"] == "private, no-store"

    receipt = parse_qs(urlsplit(post(article, comment="Another thought.").headers["Location"]).query)["pending"][0]
    other_article = make_article()
    foreign = client.get(other_article.get_absolute_url() + "?pending=" + receipt)
    assert "Another thought." not in page_text(foreign)


def test_an_approved_comment_lands_on_the_page_for_everyone(client, post, article, relaxed):
    response = post(article, website="https://jo.example.net/")
    comment = Comment.objects.get()
    assert comment.status == Status.APPROVED
    assert response.headers["Location"] == f"{article.get_absolute_url()}#comment-{comment.pk}"

    html = page_text(client.get(article.get_absolute_url()))
    assert f'id="comment-{comment.pk}"' in html
    assert '<a href="https://jo.example.net/" rel="external nofollow ugc">Jo Reader</a>' in html
    assert "1 comment" in html
    assert "awaiting moderation" not in html


def test_reader_text_is_escaped_with_paragraphs_kept_and_links_marked(client, post, article, relaxed):
    text = (
        "<script>alert('x')</script> <b>bold</b>\r\n\r\n"
        "Second paragraph, see https://example.org/report.\nSame paragraph."
    )
    post(article, comment=text, name="<i>Jo</i>")
    html = page_text(client.get(article.get_absolute_url()))
    assert "<script>alert" not in html and "<b>bold</b>" not in html and "<i>Jo</i>" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &lt;b&gt;bold&lt;/b&gt;</p>" in html
    assert (
        '<p>Second paragraph, see <a href="https://example.org/report" rel="nofollow ugc">https://example.org/report</a>.'
        "<br>Same paragraph.</p>"
    ) in html
    assert "&lt;i&gt;Jo&lt;/i&gt;" in html


def test_email_and_ip_address_appear_nowhere_public(client, post, article, relaxed):
    post(article, email="Private.Person@Example.net")
    html = page_text(client.get(article.get_absolute_url())).lower()
    assert "private.person@example.net" not in html
    assert "203.0.113.7" not in html


def test_the_client_address_comes_from_the_trusted_proxy_header_only_when_configured(post, article, settings):
    post(article, headers={"X-Forwarded-For": "192.0.2.50"})
    assert Comment.objects.get().ip_address == "203.0.113.7"

    settings.TRUSTED_PROXY_HEADER = "X-Forwarded-For"
    post(article, comment="Second comment.", headers={"X-Forwarded-For": "10.9.9.9, 192.0.2.50"})
    assert Comment.objects.get(text="Second comment.").ip_address == "192.0.2.50"


# Replies -----------------------------------------------------------------------------------


def test_a_reply_nests_under_its_parent(client, post, article, make_comment, relaxed):
    parent = make_comment(article, text="The original remark.")
    response = post(article, parent=str(parent.pk), comment="A reply to it.")
    reply = Comment.objects.get(text="A reply to it.")
    assert response.status_code == 303
    assert reply.parent == parent and reply.depth == 2

    html = page_text(client.get(article.get_absolute_url()))
    parent_start = html.index(f'id="comment-{parent.pk}"')
    reply_start = html.index(f'id="comment-{reply.pk}"')
    nested_list = html.index("comment-list--replies", parent_start)
    assert parent_start < nested_list < reply_start


def test_a_reply_link_leads_to_a_page_that_works_without_javascript(client, article, make_comment):
    parent = make_comment(article, text="Worth answering.")
    html = page_text(client.get(article.get_absolute_url()))
    assert f'href="/comments/reply/{parent.pk}/"' in html

    reply_page = client.get(f"/comments/reply/{parent.pk}/")
    assert reply_page.status_code == 200
    assert "Worth answering." in page_text(reply_page)
    assert f'name="parent" value="{parent.pk}"' in page_text(reply_page)
    assert parent.author_email not in page_text(reply_page)


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.SPAM])
def test_the_reply_page_exists_only_for_approved_comments(client, article, make_comment, status):
    comment = make_comment(article, status=status)
    assert client.get(f"/comments/reply/{comment.pk}/").status_code == 404


def test_no_reply_link_beyond_the_thread_depth(client, article, make_comment, site_settings):
    site_settings.thread_depth = 2
    site_settings.save()
    top = make_comment(article)
    second = make_comment(article, parent=top)
    html = page_text(client.get(article.get_absolute_url()))
    assert f'href="/comments/reply/{top.pk}/"' in html
    assert f'href="/comments/reply/{second.pk}/"' not in html
    assert client.get(f"/comments/reply/{second.pk}/").status_code == 404


def test_no_reply_link_under_a_closed_article_nor_on_the_readers_own_held_comment(
    client, post, article, make_article, make_comment, site_settings
):
    site_settings.close_comments_after_days = 7
    site_settings.save()
    closed = make_article(publish_at=timezone.now() - timedelta(days=8))
    old_remark = make_comment(closed)
    assert f'href="/comments/reply/{old_remark.pk}/"' not in page_text(client.get(closed.get_absolute_url()))

    approved = make_comment(article)
    response = post(article, parent=str(approved.pk), comment="Held for a moderator.")
    held = Comment.objects.get(text="Held for a moderator.")
    own_view = page_text(client.get(response.headers["Location"]))
    assert "Held for a moderator." in own_view
    assert f'href="/comments/reply/{approved.pk}/"' in own_view
    assert f'href="/comments/reply/{held.pk}/"' not in own_view


# Refusals: a clear 4xx and nothing stored ----------------------------------------------------


def assert_refused(response, status, message=None):
    assert response.status_code == status
    if message:
        assert message in page_text(response)
    assert Comment.objects.count() == 0


def test_an_empty_comment_is_sent_back_with_what_was_typed(post, article):
    response = post(article, comment="   ", name="Kept Name")
    assert_refused(response, 400, "Please write your comment.")
    assert 'value="Kept Name"' in page_text(response)


def test_a_form_with_errors_keeps_the_comment_and_gets_a_fresh_token(post, article):
    old_token = form_token(article)
    response = post(article, email="not-an-email", comment="Keep these words.", token=old_token)
    assert_refused(response, 400, "Please give a valid email address")
    html = page_text(response)
    assert "Keep these words.</textarea>" in html
    assert 'name="token" value="' in html and old_token not in html
    assert response.headers["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize("website", ["javascript:alert(1)", "ftp://example.com/", "not a web address"])
def test_a_website_that_is_not_a_web_address_is_refused(post, article, website):
    assert_refused(post(article, website=website), 400, "Please give a full web address")


@pytest.mark.parametrize("size", [100 * 1024, 1024 * 1024])
def test_oversized_comments_are_refused(post, article, size):
    assert_refused(post(article, comment="x" * size), 400, "at most 5000 characters")


@pytest.mark.parametrize("field", ["comment", "name", "email", "website", "token", "phone"])
def test_nul_bytes_are_refused(post, article, field):
    data = comment_data(article)
    assert_refused(post(article, **{field: data[field] + "\x00oops"}), 400)


@pytest.mark.parametrize("article_id", [None, "", "abc", "-1", "0", "99999999", "9" * 40, "1\x00"])
def test_a_missing_or_unknown_article_id_is_refused(client, article, article_id):
    data = comment_data(article)
    if article_id is None:
        del data["article"]
    else:
        data["article"] = article_id
    assert_refused(client.post(POST_URL, data), 400, "does not belong to an article that takes comments")


def test_a_draft_article_takes_no_comments(post, make_article):
    draft = make_article(status="draft", publish_at=None)
    assert_refused(post(draft), 400)


def test_an_article_id_that_does_not_match_the_signed_token_is_refused(post, article, make_article):
    other = make_article()
    assert_refused(post(other, token=form_token(article)), 400, "could not be verified")


def test_a_reply_to_an_unapproved_comment_is_refused(post, article, make_comment):
    held = make_comment(article, status=Status.PENDING)
    response = post(article, parent=str(held.pk), comment="Replying to a held one.")
    assert response.status_code == 400
    assert "You can only reply to a published comment on this article." in page_text(response)
    assert not Comment.objects.filter(text="Replying to a held one.").exists()


def test_a_reply_to_a_comment_on_another_article_is_refused(post, article, make_article, make_comment):
    foreign = make_comment(make_article())
    response = post(article, parent=str(foreign.pk), comment="Crossing threads.")
    assert response.status_code == 400
    assert not Comment.objects.filter(text="Crossing threads.").exists()


@pytest.mark.parametrize("parent", ["abc", "0", "9" * 40])
def test_a_nonsense_parent_is_refused(post, article, parent):
    assert_refused(post(article, parent=parent), 400)


def test_a_reply_deeper_than_the_thread_depth_is_refused(post, article, make_comment, site_settings):
    site_settings.thread_depth = 1
    site_settings.save()
    top = make_comment(article)
    response = post(article, parent=str(top.pk), comment="Too deep.")
    assert response.status_code == 400
    assert "cannot nest any deeper" in page_text(response)
    assert not Comment.objects.filter(text="Too deep.").exists()


def test_a_replayed_form_is_refused(post, article):
    token = form_token(article)
    assert post(article, token=token).status_code == 303
    response = post(article, token=token, comment="A second go with the same form.")
    assert response.status_code == 400
    assert "already been used" in page_text(response)
    assert Comment.objects.count() == 1


def test_an_expired_form_is_refused_and_sent_back(post, article):
    token = issue_form_token(article.pk, timezone.now() - timedelta(days=3))
    response = post(article, token=token, comment="Written long ago.")
    assert_refused(response, 400, "This form had expired")
    assert "Written long ago.</textarea>" in page_text(response)


def test_a_filled_honeypot_is_refused(post, article):
    assert_refused(post(article, phone="555-0100"), 400)


def test_floods_are_refused_with_429(post, article, site_settings):
    site_settings.comments_per_hour_per_ip = 1
    site_settings.save()
    assert post(article).status_code == 303
    response = post(article, email="second@example.net", comment="Again.")
    assert response.status_code == 429
    assert "too many comments" in page_text(response)
    assert Comment.objects.count() == 1


def test_a_duplicate_is_refused_with_409(post, article):
    post(article)
    response = post(article, token=fresh_form_token(article))
    assert response.status_code == 409
    assert Comment.objects.count() == 1


def test_a_disabled_article_refuses_with_a_clear_message(client, post, make_article):
    article = make_article(comments_enabled=False)
    assert "Comments are turned off for this article." in page_text(client.get(article.get_absolute_url()))
    assert 'action="/comments/post/"' not in page_text(client.get(article.get_absolute_url()))
    response = post(article, comment="Let me in.")
    assert_refused(response, 403, "Comments are turned off for this article.")
    assert "Let me in." in page_text(response)


def test_a_closed_article_refuses_with_a_clear_message(client, post, make_article, site_settings):
    site_settings.close_comments_after_days = 7
    site_settings.save()
    article = make_article(publish_at=timezone.now() - timedelta(days=8))
    assert "Comments are closed" in page_text(client.get(article.get_absolute_url()))
    assert_refused(post(article), 403, "Comments are closed")


def test_other_methods_are_not_allowed(client):
    assert client.get(POST_URL).status_code == 405
    assert client.put(POST_URL).status_code == 405


def test_reply_page_with_a_huge_id_is_not_found(client):
    assert client.get("/comments/reply/" + "9" * 40 + "/").status_code == 404


# Long threads ------------------------------------------------------------------------------------


def test_top_level_comments_are_paginated(client, article, make_comment, site_settings):
    site_settings.comments_per_page = 5
    site_settings.save()
    comments = [make_comment(article, text=f"Remark {n:02d}.") for n in range(7)]
    first = page_text(client.get(article.get_absolute_url()))
    second = page_text(client.get(article.get_absolute_url() + "?comments-page=2"))
    assert "Remark 00." in first and "Remark 04." in first and "Remark 05." not in first
    assert "Remark 05." in second and "Remark 06." in second and "Remark 00." not in second
    assert "7 comments" in first
    assert "Newer comments" in first and "Older comments" in second
    for nonsense in ["abc", "0", "999", "9" * 40, "\x00"]:
        assert client.get(article.get_absolute_url(), {"comments-page": nonsense}).status_code == 200
    assert comments


def test_a_comment_on_a_later_page_lands_there(post, article, make_comment, site_settings):
    site_settings.comments_per_page = 5
    site_settings.hold_all_comments = False
    site_settings.save()
    for n in range(5):
        make_comment(article, text=f"Earlier {n}.")
    response = post(article)
    assert "comments-page=2" in response.headers["Location"]


@pytest.mark.parametrize("hold_all_comments", [False, True])
@pytest.mark.parametrize("removed_as", [Status.REJECTED, Status.PENDING])
def test_a_reply_in_a_conversation_whose_first_comment_was_removed_lands_on_the_page_showing_it(
    client, post, article, make_comment, site_settings, moderator, hold_all_comments, removed_as
):
    site_settings.comments_per_page = 5
    site_settings.hold_all_comments = hold_all_comments
    site_settings.save()
    first = make_comment(article, text="The first remark.")
    for n in range(5):
        make_comment(article, text=f"Later remark {n}.")
    answer = make_comment(article, parent=first, text="An answer to the first remark.")
    first.moderate(removed_as, moderator)

    response = post(article, parent=str(answer.pk), comment="Agreed with that answer.")
    reply = Comment.objects.get(text="Agreed with that answer.")
    landing = page_text(client.get(response.headers["Location"]))
    assert f'id="comment-{answer.pk}"' in landing
    assert f'id="comment-{reply.pk}"' in landing


def test_a_comment_after_answers_shown_at_the_top_level_lands_on_the_page_showing_it(
    client, post, article, make_comment, relaxed, moderator
):
    relaxed.comments_per_page = 5
    relaxed.save()
    removed = make_comment(article, text="A remark a moderator later rejected.")
    for n in range(5):
        make_comment(article, parent=removed, text=f"Answer {n} to the rejected remark.")
    removed.moderate(Status.REJECTED, moderator)

    response = post(article, comment="A new remark after the answers.")
    comment = Comment.objects.get(text="A new remark after the answers.")
    assert "comments-page=2" in response.headers["Location"]
    assert f'id="comment-{comment.pk}"' in page_text(client.get(response.headers["Location"]))


@pytest.mark.parametrize("count", [1, 50])
def test_the_article_page_makes_a_constant_number_of_queries(client, article, make_comment, count):
    client.get(article.get_absolute_url())  # warm the site settings and section caches
    for n in range(count):
        top = make_comment(article)
        make_comment(article, parent=top, text=f"Reply {n}.")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(article.get_absolute_url() + "?comments-page=1")
    assert response.status_code == 200
    assert page_text(response).count('class="comment') >= 2 * min(count, 50)
    assert len(queries) <= 10, [query["sql"] for query in queries]
    # On PostgreSQL the read is a prepared statement, named for its table.
    comment_queries = [query for query in queries if "comments_comment" in query["sql"]]
    assert len(comment_queries) == 1, "the count and the thread share one read of the comments"
