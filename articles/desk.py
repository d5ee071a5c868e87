"""The editorial desk: hand-offs between reporters and editors.

What is waiting for whom (the desk page's lists, the admin header's review count) and the email that
tells the editors a story was submitted for review. The admin's views only ask these.
"""

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from newsroom.models import SiteSettings

logger = logging.getLogger(__name__)
EDITORS_GROUP = "Editors"
# Each list of the desk shows this many; its "all" link opens the article list for the rest.
DESK_LIST_LENGTH = 15


def in_review():
    return Article.objects.filter(status=Article.Status.REVIEW)


def review_count():
    """The admin header's count: one COUNT over the status index."""
    return in_review().count()


@dataclass(frozen=True)
class DeskList:
    title: str
    articles: list
    empty: str
    all_url: str = ""


def _desk_rows(queryset):
    return list(
        queryset.select_related("section", "assignment__assignee").defer("body", "body_text")[:DESK_LIST_LENGTH]
    )


def desk_lists(user, now=None):
    """The desk page: what is assigned to `user`, in review, scheduled today and just published.
    Four queries, whatever the number of articles."""
    now = now or timezone.now()
    today_ends = timezone.make_aware(
        datetime.datetime.combine(timezone.localdate(now) + datetime.timedelta(days=1), datetime.time.min)
    )
    changelist = reverse("admin:articles_article_changelist")
    assigned = Article.objects.filter(assignment__assignee=user).exclude(
        status=Article.Status.PUBLISHED, publish_at__lte=now
    )
    return [
        DeskList(
            "Assigned to me",
            _desk_rows(assigned.order_by("assignment__due_at", "-modified_at")),
            "Nothing is assigned to you.",
        ),
        DeskList(
            "In review",
            _desk_rows(in_review().order_by("-modified_at")),
            "No article is waiting for review.",
            f"{changelist}?state=review",
        ),
        DeskList(
            "Scheduled today",
            _desk_rows(Article.objects.scheduled().filter(publish_at__lt=today_ends).order_by("publish_at")),
            "Nothing else is scheduled today.",
            f"{changelist}?state=scheduled",
        ),
        DeskList(
            "Published in the last 24 hours",
            _desk_rows(
                Article.objects.published()
                .filter(publish_at__gte=now - datetime.timedelta(hours=24))
                # Newest first, as the article list, whose index this order reads.
                .order_by("-publish_at", "-id")
            ),
            "Nothing was published in the last 24 hours.",
            f"{changelist}?state=live",
        ),
    ]


def notify_editors_of_review(article, submitted_by):
    """Once the save is committed, email the editors that `article` waits for their review.

    After the commit, so that no one is told of a submission that was rolled back, and so that a slow
    or failing mail server never holds up or undoes the reporter's save.
    """
    transaction.on_commit(partial(send_review_email, article.pk, submitted_by.pk), robust=True)


def editor_addresses():
    users = get_user_model().objects.filter(groups__name=EDITORS_GROUP, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def send_review_email(article_id, submitted_by_id):
    try:
        article = Article.objects.select_related("section").filter(pk=article_id).first()
        submitted_by = get_user_model().objects.filter(pk=submitted_by_id).first()
        recipients = [address for address in editor_addresses() if not submitted_by or address != submitted_by.email]
        if article is None or not recipients:
            return
        site = SiteSettings.current()
        context = {
            "article": article,
            "site": site,
            "submitted_by": submitted_by.get_full_name() or submitted_by.get_username() if submitted_by else "Someone",
            "article_url": settings.SITE_URL + reverse("admin:articles_article_change", args=[article.pk]),
            "desk_url": settings.SITE_URL + reverse("admin:articles_desk"),
        }
        subject = f"[{site.name}] For review: “{article.headline}”"
        body = render_to_string("articles/review_email.txt", context)
        get_connection().send_messages([EmailMessage(subject, body, to=[address]) for address in recipients])
    except Exception:
        # The article is saved and waits on the desk; a mail outage must not turn the save into an error.
        logger.exception("Could not email the editors about article %s", article_id)
