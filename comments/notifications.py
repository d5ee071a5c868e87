"""Email to moderators about comments awaiting moderation."""

import logging
from functools import partial

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string

from comments.models import Comment
from newsroom.models import SiteSettings

logger = logging.getLogger(__name__)
MODERATORS_GROUP = "Moderators"


def notify_moderators(comment):
    """Once the comment is committed, email each moderator about it.

    Sent after the commit so that no one is told about a comment that was
    rolled back, and so that a slow or failing mail server never holds up or
    undoes the reader's post.
    """
    if SiteSettings.current().notify_moderators:
        transaction.on_commit(partial(send_moderation_email, comment.pk), robust=True)


def moderator_addresses():
    users = get_user_model().objects.filter(groups__name=MODERATORS_GROUP, is_active=True).exclude(email="")
    return sorted(set(users.values_list("email", flat=True)))


def send_moderation_email(comment_id):
    try:
        comment = Comment.objects.select_related("article__section", "parent").filter(pk=comment_id).first()
        recipients = moderator_addresses()
        if comment is None or not recipients:
            return
        site = SiteSettings.current()
        context = {
            "comment": comment,
            "site": site,
            "article_url": settings.SITE_URL + comment.article.get_absolute_url(),
            "moderation_url": settings.SITE_URL + comment.get_admin_url(),
        }
        subject = f"[{site.name}] Comment awaiting moderation on “{comment.article.headline}”"
        body = render_to_string("comments/moderation_email.txt", context)
        connection = get_connection()
        connection.send_messages([EmailMessage(subject, body, to=[address]) for address in recipients])
    except Exception:
        # The comment is already safe in the database and waits in the queue;
        # a mail (or any other) outage must not turn the reader's post into an error.
        logger.exception("Could not email moderators about comment %s", comment_id)
