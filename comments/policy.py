"""The moderation policy: what happens to a comment a reader sends.

`review()` is the one entry point; views call it and do what the verdict says.
A comment is either refused (nothing is stored and the reader is told why),
or stored as spam, as pending with the reasons a moderator will read, or as
approved. Each rule is a small function below, applied in this order:

1. the article must accept comments (enabled, not past its closing day);
2. bots are turned away: the honeypot field must be empty, and the signed
   form token must be genuine, for this article, old enough to have been
   typed by a person, not expired and not already used by this email;
3. floods are refused: comments per hour per IP address and per email,
   counted in the shared cache so every server process sees the same count;
4. a duplicate (same email, same text, same article) is refused;
5. a blocked email address, IP address or word sends the comment to spam;
6. links, moderation words, the "hold every comment" setting and a first
   comment from an unknown email hold it for a moderator; otherwise it is
   approved.

Two questions the pages ask before anyone writes are answered here too, so
that the page and the posting view never disagree: whether an article still
takes comments (`closing_reason`) and whether a comment can still be answered
(`takes_replies`).

While the shared cache is unreachable, floods and replays cannot be counted:
those two checks are skipped and every comment is held for a moderator.

The settings are the site's `SiteSettings`, editable by editors in the admin;
the ones these rules use are read here and nowhere else.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from comments.models import BlockedSender, Comment
from comments.text import count_links
from comments.tokens import FORM_TOKEN_MAX_AGE, read_form_token
from newsroom.cache_backends import shared_cache_available

REFUSED = "refused"
RATE_WINDOW_SECONDS = 3600


@dataclass(frozen=True)
class Verdict:
    """A `Comment.Status` to store the comment with, or REFUSED; and why.

    For a refusal the reasons are for the reader and `http_status` is the
    answer's status code; otherwise they are for the moderators.
    """

    status: str
    reasons: tuple = ()
    http_status: int = 200

    @property
    def refused(self):
        return self.status == REFUSED


def refuse(reason, http_status):
    return Verdict(REFUSED, (reason,), http_status)


def review(comment, *, settings, form_token, honeypot="", now=None):
    """Judge an unsaved comment (article, parent, author fields, text, IP all set)."""
    now = now or timezone.now()
    counted = shared_cache_available()
    refusal = (
        refuse_closed_article(comment.article, settings, now)
        or refuse_filled_honeypot(honeypot)
        or refuse_bad_form_token(form_token, comment, settings, now, check_replay=counted)
        or (refuse_flood(comment, settings, now) if counted else None)
        or refuse_duplicate(comment)
    )
    if refusal:
        return refusal
    spam = [*spam_for_blocked_sender(comment), *spam_for_blocked_words(comment, settings)]
    if spam:
        return Verdict(Comment.Status.SPAM, tuple(spam))
    held = [
        reason
        for reason in (
            hold_for_links(comment, settings),
            hold_for_moderation_words(comment, settings),
            hold_every_comment(settings),
            hold_first_comment(comment, settings),
            hold_while_uncounted(counted),
        )
        if reason
    ]
    if held:
        return Verdict(Comment.Status.PENDING, tuple(held))
    return Verdict(Comment.Status.APPROVED)


# Refusals ---------------------------------------------------------------


def closing_reason(article, settings, now=None):
    """Why `article` takes no new comments, in words for readers; None while it does."""
    if not article.comments_enabled:
        return "Comments are turned off for this article."
    days = settings.close_comments_after_days
    if days and article.publish_at and article.publish_at + timedelta(days=days) <= (now or timezone.now()):
        return f"Comments are closed: this article stopped taking comments {days} days after publication."
    return None


def takes_replies(comment, settings):
    """Whether a reply to `comment` still fits in its thread: replies nest at most `thread_depth` levels.

    Only the depth is judged here: whether the comment is approved and its
    article still takes comments is asked of the comment and `closing_reason`.
    """
    return comment.depth < settings.thread_depth


def refuse_closed_article(article, settings, now):
    reason = closing_reason(article, settings, now)
    return refuse(reason, 403) if reason else None


def refuse_filled_honeypot(honeypot):
    """People never see the trap field; software that fills in every field does."""
    if honeypot:
        return refuse("Your comment could not be accepted. Please leave the hidden field empty.", 400)
    return None


def refuse_bad_form_token(form_token, comment, settings, now, *, check_replay=True):
    """The token is signed with the article and the time the form was issued.

    A reader who is refused gets the form back, text kept, with a new token.
    """
    payload = read_form_token(form_token)
    if payload is None or payload["article"] != comment.article_id:
        return refuse("This form could not be verified. Please check your comment and send it again.", 400)
    age = now.timestamp() - payload["issued"]
    if age > FORM_TOKEN_MAX_AGE.total_seconds():
        return refuse("This form had expired. Please check your comment and send it again.", 400)
    if age < settings.minimum_seconds_to_comment:
        return refuse("That was very fast. Please check your comment and send it again.", 400)
    # Every reader of a cached page holds the same token, so a use is the
    # pair (token, email): the same pair twice is a replayed request.
    lifetime = int(FORM_TOKEN_MAX_AGE.total_seconds())
    if check_replay and not cache.add(_form_use_key(form_token, comment), True, timeout=lifetime):
        return refuse("This form has already been used to send a comment. Please check it and send it again.", 400)
    return None


def forget_form_use(form_token, comment):
    """The comment could not be stored: let the reader send the same form again."""
    cache.delete(_form_use_key(form_token, comment))


def _form_use_key(form_token, comment):
    return "comments:used-token:" + _digest(f"{form_token}\n{comment.author_email}")


def refuse_flood(comment, settings, now):
    """At most N comments an hour per IP address and per email, across all server processes."""
    window = int(now.timestamp() // RATE_WINDOW_SECONDS)
    limits = [("email", comment.author_email, settings.comments_per_hour_per_email)]
    if comment.ip_address:
        limits.insert(0, ("ip", comment.ip_address, settings.comments_per_hour_per_ip))
    for kind, value, limit in limits:
        if _count_this_window(f"comments:rate:{kind}:{_digest(value)}:{window}") > limit:
            return refuse("You have sent too many comments in the last hour. Please wait a while and try again.", 429)
    return None


def refuse_duplicate(comment):
    exists = Comment.objects.filter(
        article_id=comment.article_id, author_email=comment.author_email, text=comment.text
    ).exists()
    return refuse("You have already posted this comment on this article.", 409) if exists else None


def _count_this_window(key):
    # add() then incr() are atomic in Redis and in the local-memory cache,
    # so concurrent posts never lose a count.
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # the window's key expired between add() and incr()
        cache.add(key, 1, timeout=RATE_WINDOW_SECONDS)
        return 1


def _digest(value):
    return hashlib.sha256(value.encode()).hexdigest()[:32]


# Spam ---------------------------------------------------------------------


def spam_for_blocked_sender(comment):
    senders = Q(kind=BlockedSender.Kind.EMAIL, value=comment.author_email.lower())
    if comment.ip_address:
        senders |= Q(kind=BlockedSender.Kind.IP, value=comment.ip_address)
    blocked = set(BlockedSender.objects.filter(senders).values_list("kind", flat=True))
    reasons = []
    if BlockedSender.Kind.EMAIL in blocked:
        reasons.append("The email address is blocked")
    if BlockedSender.Kind.IP in blocked:
        reasons.append(f"The IP address {comment.ip_address} is blocked")
    return reasons


def spam_for_blocked_words(comment, settings):
    return [f"Contains the blocked word “{word}”" for word in _words_in(comment, settings.blocked_words)]


# Holds --------------------------------------------------------------------


def hold_for_links(comment, settings):
    links = count_links(comment.text)
    if links >= settings.hold_links_threshold:
        noun = "link" if links == 1 else "links"
        return f"Contains {links} {noun} (comments with {settings.hold_links_threshold} or more are held)"
    return None


def hold_for_moderation_words(comment, settings):
    words = _words_in(comment, settings.moderation_words)
    if words:
        return "Contains the moderation word " + ", ".join(f"“{word}”" for word in words)
    return None


def hold_every_comment(settings):
    return "Every comment is held for moderation (site setting)" if settings.hold_all_comments else None


def hold_first_comment(comment, settings):
    """With "auto-approve known commenters", only an email with an approved comment skips the queue."""
    if settings.hold_all_comments or not settings.auto_approve_known_commenters:
        return None
    known = Comment.objects.approved().filter(author_email=comment.author_email).exists()
    return None if known else "First comment from this email address"


def hold_while_uncounted(counted):
    """While the shared cache is down, floods and replays cannot be counted: a moderator sees every comment."""
    if counted:
        return None
    return "The rate limits could not be checked (the shared cache was unavailable)"


def _words_in(comment, word_lines):
    """The listed words (one word or phrase a line) found in what the commenter wrote, as whole words, ignoring case."""
    words = [line.strip().lower() for line in word_lines.splitlines() if line.strip()]
    if not words:
        return []
    written = "\n".join([comment.text, comment.author_name, comment.author_email, comment.author_url])
    return [word for word in words if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", written, re.IGNORECASE)]
