from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comments.models import Comment
from comments.tokens import issue_form_token
from newsroom.models import SiteSettings

POST_URL = "/comments/post/"
# Each filled-in form comes from a page served at a different second, at
# least a minute ago, as for separate page views: the same token and email
# twice would be a replay.
_earliest_issue = {"at": None}


@pytest.fixture
def site_settings(db):
    """The site's settings, to change for one test; saving clears their cache."""
    return SiteSettings.objects.get_or_create(pk=1)[0]


@pytest.fixture
def article(make_article):
    return make_article(headline="Harbour authority delays the ferry contract")


def form_token(article, seconds_ago=60):
    return issue_form_token(article.pk, timezone.now() - timedelta(seconds=seconds_ago))


def fresh_form_token(article):
    issued = timezone.now().replace(microsecond=0) - timedelta(seconds=60)
    if _earliest_issue["at"] is not None and issued >= _earliest_issue["at"]:
        issued = _earliest_issue["at"] - timedelta(seconds=1)
    _earliest_issue["at"] = issued
    return issue_form_token(article.pk, issued)


def comment_data(article, **overrides):
    """What a reader's browser sends: a filled-in form from a page served a minute ago."""
    data = {
        "comment": "The tender documents were published in March, so the delay is odd.",
        "name": "Jo Reader",
        "email": "jo@example.net",
        "website": "",
        "phone": "",
        "article": str(article.pk),
        "parent": "",
        "token": fresh_form_token(article),
    }
    data.update(overrides)
    return data


@pytest.fixture
def post(client):
    """Post the comment form as a reader would; returns the response."""

    def send(article, remote_addr="203.0.113.7", headers=None, **overrides):
        return client.post(POST_URL, comment_data(article, **overrides), REMOTE_ADDR=remote_addr, headers=headers)

    return send


@pytest.fixture
def make_comment(db):
    counter = {"n": 0}

    def make(article, **fields):
        counter["n"] += 1
        defaults = {
            "author_name": f"Commenter {counter['n']}",
            "author_email": f"commenter{counter['n']}@example.net",
            "text": f"Comment number {counter['n']} about the story.",
            "status": Comment.Status.APPROVED,
            "ip_address": "198.51.100.20",
        }
        defaults.update(fields)
        return Comment.objects.create(article=article, **defaults)

    return make


def admin_changelist_url():
    return reverse("admin:comments_comment_changelist")
