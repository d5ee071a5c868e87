import os

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group, User
from django.core.cache import cache

from articles.models import Article, Author, Byline, Section
from newsroom.roles import sync_roles

IN_CI = os.environ.get("CI", "").lower() == "true"


def require(condition, reason):
    """Skip on a developer's machine that lacks a dependency; fail under CI."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media_root(settings, tmp_path):
    """Uploads and renditions land in a fresh folder for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def section(db):
    return Section.objects.create(name="World News", slug="world-news")


@pytest.fixture
def author(db):
    return Author.objects.create(name="Ada Reporter", slug="ada-reporter")


@pytest.fixture
def make_article(db, section, author):
    """Build articles with sensible defaults; published now unless told otherwise."""
    from django.utils import timezone

    counter = {"n": 0}

    def make(**fields):
        counter["n"] += 1
        authors = fields.pop("authors", [author])
        tags = fields.pop("tags", [])
        defaults = {
            "headline": f"Test headline {counter['n']}",
            "slug": f"test-article-{counter['n']}",
            "section": section,
            "standfirst": "A short summary of the story.",
            "body": "<p>First paragraph.</p><h2>Subheading</h2><p>Second paragraph.</p>",
            "status": Article.Status.PUBLISHED,
            "publish_at": timezone.now() - timezone.timedelta(hours=counter["n"]),
        }
        defaults.update(fields)
        article = Article.objects.create(**defaults)
        for position, byline_author in enumerate(authors):
            Byline.objects.create(article=article, author=byline_author, position=position)
        if tags:
            article.tags.add(*tags)
        return article

    return make


def _staff(username, group_name):
    if not Group.objects.filter(name=group_name).exists():
        # A transactional test before this one flushed the rows the roles migration made.
        sync_roles(django_apps)
    user = User.objects.create_user(username, f"{username}@example.org", "correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def editor(db):
    return _staff("eddie", "Editors")


@pytest.fixture
def reporter(db):
    user = _staff("rita", "Reporters")
    Author.objects.create(name="Rita Reporter", slug="rita-reporter", user=user)
    return user


@pytest.fixture
def moderator(db):
    return _staff("moe", "Moderators")
