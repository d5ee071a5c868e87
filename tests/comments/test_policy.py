"""Every rule of the moderation policy, called the way the posting view calls it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from comments import policy
from comments.models import BlockedSender, Comment
from comments.tokens import issue_form_token
from tests.comments.conftest import comment_data, form_token

pytestmark = pytest.mark.django_db

Status = Comment.Status


def unsaved(article, **fields):
    defaults = {
        "author_name": "Sam Reader",
        "author_email": "sam@example.net",
        "author_url": "",
        "text": "A thoughtful remark about the harbour.",
        "ip_address": "203.0.113.9",
    }
    defaults.update(fields)
    return Comment(article=article, **defaults)


def judge(comment, settings, *, token=None, honeypot="", now=None):
    token = comment_data(comment.article)["token"] if token is None else token
    return policy.review(comment, settings=settings, form_token=token, honeypot=honeypot, now=now)


@pytest.fixture
def relaxed(site_settings):
    """Settings under which an ordinary comment is approved at once."""
    site_settings.hold_all_comments = False
    site_settings.auto_approve_known_commenters = False
    return site_settings


# The article takes comments -------------------------------------------------


def test_comments_turned_off_on_the_article_are_refused(make_article, site_settings):
    article = make_article(comments_enabled=False)
    verdict = judge(unsaved(article), site_settings)
    assert verdict.refused and verdict.http_status == 403
    assert verdict.reasons == ("Comments are turned off for this article.",)


def test_comments_close_the_set_number_of_days_after_publication(make_article, site_settings):
    site_settings.close_comments_after_days = 30
    old = make_article(publish_at=timezone.now() - timedelta(days=31))
    recent = make_article(publish_at=timezone.now() - timedelta(days=29))

    verdict = judge(unsaved(old), site_settings)
    assert verdict.refused and verdict.http_status == 403
    assert "closed" in verdict.reasons[0] and "30 days" in verdict.reasons[0]
    assert not judge(unsaved(recent), site_settings).refused


def test_zero_days_keeps_comments_open_forever(make_article, site_settings):
    site_settings.close_comments_after_days = 0
    ancient = make_article(publish_at=timezone.now() - timedelta(days=3000))
    assert not judge(unsaved(ancient), site_settings).refused


# Bots ----------------------------------------------------------------------------


def test_a_filled_honeypot_is_refused(article, site_settings):
    verdict = judge(unsaved(article), site_settings, honeypot="+1 555 0100")
    assert verdict.refused and verdict.http_status == 400


@pytest.mark.parametrize("token", ["", "garbage", "eyJhcnRpY2xlIjoxfQ:forged-signature"])
def test_a_missing_or_forged_form_token_is_refused(article, site_settings, token):
    verdict = judge(unsaved(article), site_settings, token=token)
    assert verdict.refused and verdict.http_status == 400
    assert "could not be verified" in verdict.reasons[0]


def test_a_token_issued_for_another_article_is_refused(article, make_article, site_settings):
    other = make_article()
    verdict = judge(unsaved(article), site_settings, token=form_token(other))
    assert verdict.refused and "could not be verified" in verdict.reasons[0]


def test_an_expired_form_token_is_refused(article, site_settings):
    token = issue_form_token(article.pk, timezone.now() - timedelta(days=3))
    verdict = judge(unsaved(article), site_settings, token=token)
    assert verdict.refused and "expired" in verdict.reasons[0]


def test_a_form_sent_back_faster_than_the_minimum_time_is_refused(article, site_settings):
    site_settings.minimum_seconds_to_comment = 5
    issued = timezone.now()
    too_soon = judge(
        unsaved(article), site_settings, token=issue_form_token(article.pk, issued), now=issued + timedelta(seconds=2)
    )
    in_time = judge(
        unsaved(article), site_settings, token=issue_form_token(article.pk, issued), now=issued + timedelta(seconds=6)
    )
    assert too_soon.refused and "very fast" in too_soon.reasons[0]
    assert not in_time.refused


def test_a_replayed_token_and_email_pair_is_refused_but_other_readers_share_the_token(article, site_settings):
    token = form_token(article)
    first = judge(unsaved(article, text="First thought."), site_settings, token=token)
    replay = judge(unsaved(article, text="Second thought."), site_settings, token=token)
    other_reader = judge(unsaved(article, author_email="kim@example.net"), site_settings, token=token)
    assert not first.refused
    assert replay.refused and "already been used" in replay.reasons[0]
    assert not other_reader.refused


# Floods and duplicates -------------------------------------------------------------


def test_comments_per_hour_per_ip_are_limited(article, site_settings):
    site_settings.comments_per_hour_per_ip = 2
    verdicts = [
        judge(unsaved(article, author_email=f"r{n}@example.net", text=f"Text {n}"), site_settings) for n in range(3)
    ]
    assert [v.refused for v in verdicts] == [False, False, True]
    assert verdicts[2].http_status == 429 and "too many comments" in verdicts[2].reasons[0]
    elsewhere = judge(unsaved(article, author_email="r9@example.net", ip_address="198.51.100.1"), site_settings)
    assert not elsewhere.refused


def test_comments_per_hour_per_email_are_limited(article, site_settings):
    site_settings.comments_per_hour_per_email = 2
    verdicts = [
        judge(unsaved(article, ip_address=f"198.51.100.{n}", text=f"Text {n}"), site_settings) for n in range(3)
    ]
    assert [v.refused for v in verdicts] == [False, False, True]
    assert verdicts[2].http_status == 429


def test_the_rate_window_starts_again_the_next_hour(article, site_settings):
    site_settings.comments_per_hour_per_ip = 1
    now = timezone.now()
    assert not judge(unsaved(article, text="One"), site_settings, now=now).refused
    assert judge(unsaved(article, text="Two", author_email="b@example.net"), site_settings, now=now).refused
    later = now + timedelta(hours=1)
    token = issue_form_token(article.pk, later - timedelta(minutes=1))
    assert not judge(
        unsaved(article, text="Three", author_email="c@example.net"), site_settings, token=token, now=later
    ).refused


def test_a_duplicate_is_refused(article, make_article, make_comment, site_settings):
    make_comment(article, author_email="sam@example.net", text="Same words.", status=Status.PENDING)
    verdict = judge(unsaved(article, text="Same words."), site_settings)
    assert verdict.refused and verdict.http_status == 409
    assert not judge(unsaved(make_article(), text="Same words."), site_settings).refused
    assert not judge(unsaved(article, text="Same words.", author_email="other@example.net"), site_settings).refused


# Spam ---------------------------------------------------------------------------------


def test_a_blocked_email_goes_to_spam(article, relaxed):
    BlockedSender.objects.create(kind=BlockedSender.Kind.EMAIL, value="Sam@Example.net")
    verdict = judge(unsaved(article), relaxed)
    assert verdict.status == Status.SPAM
    assert verdict.reasons == ("The email address is blocked",)


def test_a_blocked_ip_goes_to_spam(article, relaxed):
    BlockedSender.objects.create(kind=BlockedSender.Kind.IP, value="203.0.113.9")
    verdict = judge(unsaved(article), relaxed)
    assert verdict.status == Status.SPAM
    assert verdict.reasons == ("The IP address 203.0.113.9 is blocked",)


def test_a_blocked_word_goes_to_spam_matching_whole_words_only(article, relaxed):
    relaxed.blocked_words = "casino\ncheap pills\n"
    assert judge(unsaved(article, text="Visit our CASINO tonight"), relaxed).status == Status.SPAM
    assert judge(unsaved(article, text="Buy cheap pills here", author_email="x@example.net"), relaxed).reasons == (
        "Contains the blocked word “cheap pills”",
    )
    assert (
        judge(unsaved(article, text="The casinos reopened", author_email="y@example.net"), relaxed).status
        == Status.APPROVED
    )


# Holds ------------------------------------------------------------------------------------


def test_comments_with_too_many_links_are_held_saying_how_many(article, relaxed):
    relaxed.hold_links_threshold = 2
    text = "See https://example.org/a and www.example.com/b for the filings."
    verdict = judge(unsaved(article, text=text), relaxed)
    assert verdict.status == Status.PENDING
    assert verdict.reasons == ("Contains 2 links (comments with 2 or more are held)",)
    one_link = judge(unsaved(article, text="See https://example.org/a", author_email="z@example.net"), relaxed)
    assert one_link.status == Status.APPROVED


def test_a_moderation_word_holds_the_comment(article, relaxed):
    relaxed.moderation_words = "lawsuit\n"
    verdict = judge(unsaved(article, text="There will be a Lawsuit."), relaxed)
    assert verdict.status == Status.PENDING
    assert verdict.reasons == ("Contains the moderation word “lawsuit”",)


def test_moderation_words_are_looked_for_in_the_name_and_website_too(article, relaxed):
    relaxed.moderation_words = "promo"
    verdict = judge(unsaved(article, author_url="https://promo.example.com/"), relaxed)
    assert verdict.status == Status.PENDING


def test_by_default_every_comment_is_held(article, site_settings):
    verdict = judge(unsaved(article), site_settings)
    assert verdict.status == Status.PENDING
    assert verdict.reasons == ("Every comment is held for moderation (site setting)",)


def test_without_holding_all_an_ordinary_comment_is_approved(article, relaxed):
    assert judge(unsaved(article), relaxed) == policy.Verdict(Status.APPROVED)


def test_auto_approve_known_commenters_holds_a_first_comment_and_approves_a_known_email(article, make_comment, relaxed):
    relaxed.auto_approve_known_commenters = True
    first = judge(unsaved(article), relaxed)
    assert first.status == Status.PENDING and first.reasons == ("First comment from this email address",)

    make_comment(article, author_email="sam@example.net", text="An earlier approved comment.")
    assert judge(unsaved(article, text="Back again."), relaxed).status == Status.APPROVED


def test_a_pending_or_rejected_earlier_comment_does_not_make_a_commenter_known(article, make_comment, relaxed):
    relaxed.auto_approve_known_commenters = True
    make_comment(article, author_email="sam@example.net", text="Held.", status=Status.PENDING)
    make_comment(article, author_email="sam@example.net", text="Rejected.", status=Status.REJECTED)
    assert judge(unsaved(article), relaxed).status == Status.PENDING


def test_every_reason_for_holding_is_recorded(article, site_settings):
    site_settings.moderation_words = "lawsuit"
    site_settings.hold_links_threshold = 1
    verdict = judge(unsaved(article, text="A lawsuit: https://example.org/filing"), site_settings)
    assert verdict.status == Status.PENDING
    assert verdict.reasons == (
        "Contains 1 link (comments with 1 or more are held)",
        "Contains the moderation word “lawsuit”",
        "Every comment is held for moderation (site setting)",
    )


def test_refusals_come_before_spam_and_holds(article, site_settings):
    BlockedSender.objects.create(kind=BlockedSender.Kind.EMAIL, value="sam@example.net")
    verdict = judge(unsaved(article), site_settings, honeypot="filled")
    assert verdict.refused
