"""Who reaches what: every admin page of every registered model, the project's own admin views and
the preview links, for anonymous visitors, Reporters, Moderators and Editors.

The matrix is written out by hand (not derived from the permissions) so that a permission granted
by mistake fails here.
"""

import io

import pytest
import reversion
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image as PILImage
from reversion.models import Version
from taggit.models import Tag

from articles.models import Article, Author, Image, Section
from articles.preview import preview_url
from comments.models import BlockedSender, Comment
from newsroom.models import AdSlot, SiteSettings

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "reporter", "moderator", "editor"]
OK, DENIED = 200, 403

# model label: {role: (changelist, add, change of an existing object, delete of it)}
MATRIX = {
    "auth.group": {"reporter": (DENIED,) * 4, "moderator": (DENIED,) * 4, "editor": (DENIED,) * 4},
    "auth.user": {"reporter": (DENIED,) * 4, "moderator": (DENIED,) * 4, "editor": (DENIED,) * 4},
    "taggit.tag": {
        "reporter": (OK, DENIED, OK, DENIED),
        "moderator": (DENIED,) * 4,
        "editor": (OK, OK, OK, OK),
    },
    # One row, never added or deleted: its list page leads straight to its form.
    "newsroom.sitesettings": {
        "reporter": (DENIED,) * 4,
        "moderator": (DENIED,) * 4,
        "editor": (OK, DENIED, OK, DENIED),
    },
    "newsroom.adslot": {"reporter": (DENIED,) * 4, "moderator": (DENIED,) * 4, "editor": (OK,) * 4},
    "articles.section": {
        "reporter": (OK, DENIED, OK, DENIED),
        "moderator": (DENIED,) * 4,
        "editor": (OK,) * 4,
    },
    "articles.author": {
        "reporter": (OK, DENIED, OK, DENIED),
        "moderator": (DENIED,) * 4,
        "editor": (OK,) * 4,
    },
    "articles.image": {
        "reporter": (OK, OK, OK, DENIED),
        "moderator": (DENIED,) * 4,
        "editor": (OK,) * 4,
    },
    # A colleague's published article: reporters may read it in the admin but not change or delete it.
    "articles.article": {
        "reporter": (OK, OK, OK, DENIED),
        "moderator": (DENIED,) * 4,
        "editor": (OK,) * 4,
    },
    # Comments come from readers, never from the admin's add form.
    "comments.comment": {
        "reporter": (DENIED,) * 4,
        "moderator": (OK, DENIED, OK, OK),
        "editor": (DENIED,) * 4,
    },
    "comments.blockedsender": {"reporter": (DENIED,) * 4, "moderator": (OK,) * 4, "editor": (DENIED,) * 4},
}


def tiny_png():
    buffer = io.BytesIO()
    PILImage.new("RGB", (8, 8), "navy").save(buffer, "PNG")
    return buffer.getvalue()


@pytest.fixture
def objects(make_article, author, editor, settings, tmp_path):
    """One existing object of every registered model."""
    settings.MEDIA_ROOT = tmp_path / "media"
    article = make_article(tags=["ferries"])
    Article.objects.filter(pk=article.pk).update(created_by=editor)
    article.refresh_from_db()
    with reversion.create_revision():
        article.save()
    image = Image(alt_text="A ferry", file=SimpleUploadedFile("ferry.png", tiny_png()))
    image.save()
    return {
        "auth.group": Group.objects.get(name="Editors"),
        "auth.user": editor,
        "taggit.tag": Tag.objects.get(name="ferries"),
        "newsroom.sitesettings": SiteSettings.current(),
        "newsroom.adslot": AdSlot.objects.create(name="Sponsor", html="<p>Sponsor</p>"),
        "articles.section": Section.objects.get(),
        "articles.author": Author.objects.get(slug=author.slug),
        "articles.image": image,
        "articles.article": article,
        "comments.comment": Comment.objects.create(
            article=article, author_name="Jo", author_email="jo@example.net", text="Well reported."
        ),
        "comments.blockedsender": BlockedSender.objects.create(kind=BlockedSender.Kind.EMAIL, value="spam@example.net"),
    }


@pytest.fixture
def as_role(client, request):
    def log_in(role):
        client.logout()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return log_in


def admin_urls(label, obj):
    app_label, model_name = label.split(".")
    name = f"admin:{app_label}_{model_name}"
    return [
        reverse(f"{name}_changelist"),
        reverse(f"{name}_add"),
        reverse(f"{name}_change", args=[obj.pk]),
        reverse(f"{name}_delete", args=[obj.pk]),
    ]


def test_the_matrix_covers_every_registered_model():
    assert set(MATRIX) == {model._meta.label_lower for model in admin.site._registry}


@pytest.mark.parametrize("label", MATRIX)
@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_what_it_may(as_role, objects, label, role, reporter, moderator, editor):
    client = as_role(role)
    for url, expected in zip(admin_urls(label, objects[label]), MATRIX[label].get(role, (None,) * 4), strict=True):
        response = client.get(url, follow=True)
        if role == "anonymous":
            assert response.redirect_chain, f"{url} answered an anonymous visitor without a login"
            assert response.redirect_chain[0][0].startswith("/admin/login/?next="), url
            continue
        assert response.status_code == expected, f"{role} on {url}: {response.status_code}, expected {expected}"


@pytest.mark.parametrize(
    "role,label,changes",
    [
        ("reporter", "articles.section", {"name": "Renamed", "slug": "renamed", "position": "0"}),
        ("reporter", "articles.author", {"name": "Renamed", "slug": "renamed"}),
        ("reporter", "newsroom.adslot", {"name": "Renamed"}),
        ("moderator", "articles.article", {"headline": "Renamed"}),
        ("moderator", "articles.section", {"name": "Renamed", "slug": "renamed", "position": "0"}),
        ("editor", "comments.comment", {"text": "Renamed"}),
        ("editor", "comments.blockedsender", {"kind": "email", "value": "renamed@example.net"}),
    ],
)
def test_a_forbidden_change_posted_directly_changes_nothing(
    as_role, objects, role, label, changes, reporter, moderator, editor
):
    obj = objects[label]
    before = {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}
    response = as_role(role).post(admin_urls(label, obj)[2], changes)
    assert response.status_code == DENIED
    obj.refresh_from_db()
    assert {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields} == before


@pytest.mark.parametrize(
    "role,visible,hidden",
    [
        ("moderator", ["/admin/comments/comment/"], ["/admin/articles/", "/admin/newsroom/", "/admin/auth/"]),
        (
            "reporter",
            ["/admin/articles/article/", "/admin/articles/image/"],
            ["/admin/newsroom/", "/admin/comments/", "/admin/auth/"],
        ),
        ("editor", ["/admin/articles/article/", "/admin/newsroom/adslot/"], ["/admin/comments/", "/admin/auth/"]),
    ],
)
def test_the_admin_index_lists_only_what_the_role_may_open(as_role, role, visible, hidden, reporter, moderator, editor):
    page = as_role(role).get("/admin/").content.decode()
    for url in visible:
        assert url in page, f"{role} should see {url}"
    for url in hidden:
        assert url not in page, f"{role} should not see {url}"


def project_admin_views(objects):
    """The project's own admin pages: (url, roles that may open them)."""
    article = objects["articles.article"]
    version = Version.objects.get_for_object(article).get()
    return [
        (reverse("admin:articles_tag_suggestions") + "?q=fer", {"reporter", "editor"}),
        (reverse("admin:articles_article_history", args=[article.pk]), {"reporter", "editor"}),
        (reverse("admin:articles_article_compare", args=[article.pk, version.pk]), {"reporter", "editor"}),
        (reverse("admin:comments_comment_staff_reply", args=[objects["comments.comment"].pk]), {"moderator"}),
        (
            "/admin/autocomplete/?term=w&app_label=articles&model_name=article&field_name=section",
            {"reporter", "editor"},
        ),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_the_projects_own_admin_views(as_role, objects, role, reporter, moderator, editor):
    client = as_role(role)
    for url, allowed in project_admin_views(objects):
        response = client.get(url)
        if role == "anonymous":
            assert response.status_code == 302 and response["Location"].startswith("/admin/login/"), url
        else:
            expected = OK if role in allowed else DENIED
            assert response.status_code == expected, f"{role} on {url}: {response.status_code}"


@pytest.mark.parametrize("role", ROLES)
def test_a_preview_link_shows_the_draft_to_whoever_holds_it_and_nothing_else(
    as_role, make_article, role, reporter, moderator, editor
):
    draft = make_article(headline="Embargoed budget leak", status=Article.Status.DRAFT, publish_at=None)
    client = as_role(role)
    response = client.get(preview_url(draft))
    assert response.status_code == OK
    assert "Embargoed budget leak" in response.content.decode()
    assert response["Cache-Control"] == "private, no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert client.get(draft.get_absolute_url()).status_code == 404
    forged = preview_url(draft)[:-3] + "xx/"
    assert client.get(forged).status_code == 404
