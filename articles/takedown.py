"""Taking a published article off the site for legal reasons, and undoing it.

A taken-down article leaves every public output at once (ArticleQuerySet.published() excludes it, and the
save invalidates every page showing it, at once); its address answers 410 Gone. Who took it down, when and why is
stored on the article and filed in its history as a revision of its own, whose comment gives the reason:
undoing a takedown clears the stored reason, never the revision.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from articles import permissions, revisions
from articles.models import Article
from newsroom.text import clean_text


class TakedownRefused(Exception):
    """The takedown (or its undoing) cannot be done: the message says why."""


NO_REASON = "Give the reason for the takedown."


def cleaned_reason(text):
    """The reason as it is stored, or TakedownRefused when it says nothing (blank, or invisible characters)."""
    reason = clean_text(text).strip()
    if not any(character.isalnum() for character in reason):
        raise TakedownRefused(NO_REASON)
    return reason


def take_down(article_id, user, reason):
    """Take the article down for `reason`, as `user`; the article as now saved."""
    reason = cleaned_reason(reason)
    with transaction.atomic():
        article = _locked(article_id, user)
        if article.is_taken_down:
            raise TakedownRefused("This article has already been taken down.")
        if article.status != Article.Status.PUBLISHED:
            raise TakedownRefused("Only a published article can be taken down; this one is not published.")
        article.taken_down_at = timezone.now()
        article.taken_down_by = user
        article.takedown_reason = reason
        article.modified_by = user
        revisions.save_with_revision(article, user, f"Taken down: {reason}")
    return article


def undo_takedown(article_id, user):
    """Put a taken-down article back where readers can see it (if it is still published); the article."""
    with transaction.atomic():
        article = _locked(article_id, user)
        if not article.is_taken_down:
            raise TakedownRefused("This article is not taken down.")
        when = timezone.localtime(article.taken_down_at).strftime("%Y-%m-%d %H:%M %Z")
        comment = f"Takedown undone (taken down on {when}: {article.takedown_reason})"
        article.taken_down_at = None
        article.taken_down_by = None
        article.takedown_reason = ""
        article.modified_by = user
        revisions.save_with_revision(article, user, comment)
    return article


def _locked(article_id, user):
    if not permissions.can_take_down(user):
        raise PermissionDenied("Only editors can take an article down or undo a takedown.")
    # Locked until the takedown commits: two editors acting at once cannot both pass the checks.
    return Article.objects.select_for_update().get(pk=article_id)
