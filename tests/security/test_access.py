"""Who reaches what: every admin page of every registered model, the project's own admin views and
the preview links, for anonymous visitors, Reporters, Moderators and Editors.

The matrix is written out by hand (not derived from the permissions) so that a permission granted
by mistake fails here.
"""

import io

import pytest
import reversion
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image as PILImage
from reversion.models import Version
from taggit.models import Tag

from articles.images import rendition
from articles.models import AdSlot, Article, Author, Image, Section
from articles.preview import preview_url
from comments.models import BlockedSender, Comment
from newsroom.models import SiteSettings

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
    "articles.adslot": {"reporter": (DENIED,) * 4, "moderator": (DENIED,) * 4, "editor": (OK,) * 4},
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
    # Comments come from readers, never from the admin's add form. Editors work the queue too.
    "comments.comment": {
        "reporter": (DENIED,) * 4,
        "moderator": (OK, DENIED, OK, OK),
        "editor": (OK, DENIED, OK, OK),
    },
    "comments.blockedsender": {"reporter": (DENIED,) * 4, "moderator": (OK,) * 4, "editor": (OK,) * 4},
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
        "articles.adslot": AdSlot.objects.create(name="Sponsor", html="<p>Sponsor</p>"),
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
        ("reporter", "articles.adslot", {"name": "Renamed"}),
        ("moderator", "articles.article", {"headline": "Renamed"}),
        ("moderator", "articles.section", {"name": "Renamed", "slug": "renamed", "position": "0"}),
        ("reporter", "comments.comment", {"text": "Renamed"}),
        ("reporter", "comments.blockedsender", {"kind": "email", "value": "renamed@example.net"}),
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
        ("editor", ["/admin/articles/article/", "/admin/articles/adslot/", "/admin/comments/"], ["/admin/auth/"]),
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
        (reverse("admin:comments_comment_staff_reply", args=[objects["comments.comment"].pk]), {"moderator", "editor"}),
        (reverse("admin:articles_desk"), {"reporter", "editor"}),
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


# Reporters and images: they see every image and upload their own; they change or delete an image only
# while it is theirs and no published article (live or scheduled) shows it. Editors change any.


@pytest.fixture
def image_of(media_root):
    def upload(user, colour="navy"):
        buffer = io.BytesIO()
        PILImage.new("RGB", (400, 300), colour).save(buffer, "JPEG")
        image = Image(alt_text="A ferry", file=SimpleUploadedFile("ferry.jpg", buffer.getvalue()), uploaded_by=user)
        image.save()
        return image

    return upload


@pytest.fixture
def other_reporter(reporter):
    user = get_user_model().objects.create_user("ravi", "ravi@example.org", "correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Reporters"))
    return user


def image_change_url(image):
    return reverse("admin:articles_image_change", args=[image.pk])


def posted_image_change(client, image):
    buffer = io.BytesIO()
    PILImage.new("RGB", (400, 300), "red").save(buffer, "JPEG")
    return client.post(
        image_change_url(image),
        {
            "file": SimpleUploadedFile("ferry.jpg", buffer.getvalue()),
            "alt_text": "Something else",
            "caption": "A caption readers should never see",
            "credit": "",
            "_save": "Save",
        },
    )


def image_state(image):
    image.refresh_from_db()
    with image.file.open("rb") as stored:
        content = stored.read()
    return {field.attname: getattr(image, field.attname) for field in image._meta.concrete_fields} | {"bytes": content}


def figure(src):
    return f'<p>From the deck.</p><figure><img src="{src}" alt="A ferry"></figure>'


def article_showing(image, how):
    """The fields of a published article that shows `image` the way `how` says."""
    return {
        "as its hero": {"hero_image": image},
        "as its hero, scheduled": {"hero_image": image, "publish_at": timezone.now() + timezone.timedelta(days=2)},
        "in its body": {"body": figure(image.file.url)},
        "in its body, a rendition": {"body": figure(rendition(image, "width-320")["url"])},
    }[how]


# case: (who uploaded the image, how a published article shows it)
OUT_OF_A_REPORTERS_REACH = {
    "a colleague's image": ("other_reporter", None),
    "an image from before uploaders were recorded": (None, None),
    "the hero image of a published article": ("reporter", "as its hero"),
    "the hero image of a scheduled article": ("reporter", "as its hero, scheduled"),
    "shown in a published article's body": ("reporter", "in its body"),
    "a rendition shown in a published article's body": ("reporter", "in its body, a rendition"),
}


@pytest.fixture
def out_of_reach(request, image_of, make_article, reporter, other_reporter):
    """An image the reporter may look at and not change."""
    uploader, shown = OUT_OF_A_REPORTERS_REACH[request.param]
    image = image_of(request.getfixturevalue(uploader) if uploader else None)
    if shown:
        make_article(**article_showing(image, shown))
    return image


def stored_files(media_root):
    return sorted(path for path in media_root.rglob("*") if path.is_file())


@pytest.mark.parametrize("out_of_reach", OUT_OF_A_REPORTERS_REACH, indirect=True)
def test_a_reporter_cannot_change_an_image_out_of_reach(client, reporter, out_of_reach, media_root):
    client.force_login(reporter)
    before = image_state(out_of_reach)
    files_before = stored_files(media_root)
    assert posted_image_change(client, out_of_reach).status_code == DENIED
    assert image_state(out_of_reach) == before
    assert stored_files(media_root) == files_before


@pytest.mark.parametrize("out_of_reach", OUT_OF_A_REPORTERS_REACH, indirect=True)
def test_a_reporter_sees_an_image_out_of_reach_read_only(client, reporter, out_of_reach):
    client.force_login(reporter)
    response = client.get(image_change_url(out_of_reach))
    assert response.status_code == OK
    page = response.content.decode()
    assert 'type="file"' not in page and 'name="_save"' not in page
    assert reverse("admin:articles_image_delete", args=[out_of_reach.pk]) not in page


@pytest.mark.parametrize("out_of_reach", OUT_OF_A_REPORTERS_REACH, indirect=True)
def test_a_reporter_cannot_delete_an_image_out_of_reach(client, reporter, out_of_reach):
    client.force_login(reporter)
    delete_url = reverse("admin:articles_image_delete", args=[out_of_reach.pk])
    assert client.get(delete_url).status_code == DENIED
    assert client.post(delete_url, {"post": "yes"}).status_code == DENIED
    assert Image.objects.filter(pk=out_of_reach.pk).exists()


def test_a_reporter_cannot_delete_an_image_out_of_reach_among_their_own(client, reporter, other_reporter, image_of):
    mine, theirs = image_of(reporter), image_of(other_reporter)
    client.force_login(reporter)
    response = client.post(
        reverse("admin:articles_image_changelist"),
        {"action": "delete_selected", "_selected_action": [mine.pk, theirs.pk], "post": "yes"},
    )
    assert response.status_code == DENIED
    assert Image.objects.filter(pk__in=[mine.pk, theirs.pk]).count() == 2


def test_a_reporter_changes_and_deletes_their_own_unused_image(
    client, reporter, image_of, make_article, django_capture_on_commit_callbacks
):
    mine = image_of(reporter)
    make_article(status=Article.Status.DRAFT, publish_at=None, hero_image=mine)
    client.force_login(reporter)
    assert posted_image_change(client, mine).status_code == 302
    mine.refresh_from_db()
    assert mine.caption == "A caption readers should never see"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("admin:articles_image_delete", args=[mine.pk]), {"post": "yes"})
    assert response.status_code == 302
    assert not Image.objects.filter(pk=mine.pk).exists()
    assert not mine.file.storage.exists(mine.file.name)


def test_an_upload_is_recorded_as_the_reporters_own(client, reporter, media_root):
    client.force_login(reporter)
    response = client.post(
        reverse("admin:articles_image_add"),
        {"file": SimpleUploadedFile("pier.png", tiny_png()), "alt_text": "The pier", "_save": "Save"},
    )
    assert response.status_code == 302
    assert Image.objects.get().uploaded_by == reporter


def test_an_editor_changes_an_image_a_published_article_shows(client, editor, reporter, image_of, make_article):
    image = image_of(reporter)
    make_article(hero_image=image)
    client.force_login(editor)
    assert posted_image_change(client, image).status_code == 302
    image.refresh_from_db()
    assert image.caption == "A caption readers should never see"
