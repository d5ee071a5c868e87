"""Who may publish, edit and delete articles and change images, asked of articles/permissions.py directly:
no request, no admin page. The admin pages that obey these answers are tested in test_admin_roles.py and
tests/security/test_access.py."""

import io

import pytest
from django.contrib.auth.models import Group, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image as PILImage

from articles import permissions
from articles.models import Article, Author, Image

Status = Article.Status
ARTICLE_RULES = [permissions.can_edit, permissions.can_delete]
IMAGE_RULES = [permissions.can_change_image, permissions.can_delete_image]


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", "root@example.org", "correct horse battery")


@pytest.fixture
def colleague(reporter):
    user = User.objects.create_user("ravi", "ravi@example.org", "correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name="Reporters"))
    Author.objects.create(name="Ravi Reporter", slug="ravi-reporter", user=user)
    return user


@pytest.fixture
def article_by(make_article):
    """An article written by `user` (created by them and under their byline) in the given status."""

    def make(user, status):
        publish_at = timezone.now() - timezone.timedelta(hours=1) if status == Status.PUBLISHED else None
        article = make_article(status=status, publish_at=publish_at, authors=[user.author_profile])
        Article.objects.filter(pk=article.pk).update(created_by=user)
        article.refresh_from_db()
        return article

    return make


@pytest.fixture
def image_by(media_root):
    def make(user):
        buffer = io.BytesIO()
        PILImage.new("RGB", (40, 30), "navy").save(buffer, "JPEG")
        image = Image(alt_text="A ferry", file=SimpleUploadedFile("ferry.jpg", buffer.getvalue()), uploaded_by=user)
        image.save()
        return image

    return make


class TestPublishing:
    def test_editors_and_superusers_publish(self, editor, superuser):
        assert permissions.can_publish(editor)
        assert permissions.can_publish(superuser)

    def test_reporters_and_moderators_do_not(self, reporter, moderator):
        assert not permissions.can_publish(reporter)
        assert not permissions.can_publish(moderator)


class TestArticles:
    @pytest.mark.parametrize("rule", ARTICLE_RULES)
    @pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW, Status.PUBLISHED])
    def test_editors_and_superusers_edit_and_delete_any_article(
        self, rule, status, editor, superuser, colleague, article_by
    ):
        article = article_by(colleague, status)
        assert rule(editor, article)
        assert rule(superuser, article)

    @pytest.mark.parametrize("rule", ARTICLE_RULES)
    @pytest.mark.parametrize("status", [Status.DRAFT, Status.REVIEW])
    def test_a_reporter_edits_and_deletes_their_own_draft_or_submitted_article(
        self, rule, status, reporter, article_by
    ):
        assert rule(reporter, article_by(reporter, status))

    @pytest.mark.parametrize("rule", ARTICLE_RULES)
    def test_not_once_it_is_published(self, rule, reporter, article_by):
        assert not rule(reporter, article_by(reporter, Status.PUBLISHED))

    @pytest.mark.parametrize("rule", ARTICLE_RULES)
    def test_not_a_colleagues_draft(self, rule, reporter, colleague, article_by):
        assert not rule(reporter, article_by(colleague, Status.DRAFT))

    @pytest.mark.parametrize("rule", ARTICLE_RULES)
    def test_a_byline_or_having_created_it_is_enough_to_make_it_their_own(
        self, rule, reporter, colleague, make_article
    ):
        bylined = make_article(status=Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
        created = make_article(status=Status.DRAFT, publish_at=None, authors=[colleague.author_profile])
        Article.objects.filter(pk=created.pk).update(created_by=reporter)
        created.refresh_from_db()
        assert rule(reporter, bylined)
        assert rule(reporter, created)

    @pytest.mark.parametrize("rule", ARTICLE_RULES)
    def test_moderators_edit_and_delete_no_article(self, rule, moderator, colleague, article_by):
        assert not rule(moderator, article_by(colleague, Status.DRAFT))


class TestImages:
    @pytest.mark.parametrize("rule", IMAGE_RULES)
    def test_a_reporter_changes_their_own_image_while_no_published_article_shows_it(
        self, rule, reporter, image_by, make_article
    ):
        image = image_by(reporter)
        make_article(status=Status.DRAFT, publish_at=None, hero_image=image)
        assert rule(reporter, image)

    @pytest.mark.parametrize("rule", IMAGE_RULES)
    def test_not_once_a_published_article_shows_it(self, rule, reporter, image_by, make_article):
        image = image_by(reporter)
        make_article(hero_image=image)
        assert not rule(reporter, image)

    @pytest.mark.parametrize("rule", IMAGE_RULES)
    def test_not_a_colleagues_image(self, rule, reporter, colleague, image_by):
        assert not rule(reporter, image_by(colleague))

    @pytest.mark.parametrize("rule", IMAGE_RULES)
    def test_editors_and_superusers_change_any_image(self, rule, editor, superuser, reporter, image_by, make_article):
        image = image_by(reporter)
        make_article(hero_image=image)
        assert rule(editor, image)
        assert rule(superuser, image)

    @pytest.mark.parametrize("rule", IMAGE_RULES)
    def test_moderators_change_no_image(self, rule, moderator, image_by):
        assert not rule(moderator, image_by(moderator))


def refusal(user, article, **wanted):
    """The refusal for keeping the article as stored except for `wanted`."""
    stored = {
        "status": article.status,
        "publish_at": article.publish_at,
        "priority": article.priority,
        "embargo_until": article.embargo_until,
    }
    return permissions.publication_change_refusal(user, article, **{**stored, **wanted})


class TestPublicationChanges:
    def test_an_editor_publishes_schedules_places_and_unpublishes(self, editor, make_article):
        draft = make_article(status=Status.DRAFT, publish_at=None)
        live = make_article()
        tomorrow = timezone.now() + timezone.timedelta(days=1)
        assert refusal(editor, draft, status=Status.PUBLISHED, publish_at=tomorrow) is None
        assert refusal(editor, live, status=Status.DRAFT) is None
        assert refusal(editor, live, priority=Article.Priority.LEAD) is None

    def test_a_reporter_submits_their_draft(self, reporter, article_by):
        assert refusal(reporter, article_by(reporter, Status.DRAFT), status=Status.REVIEW) is None

    def test_a_reporter_never_publishes(self, reporter, article_by):
        assert "Only editors can publish" in refusal(
            reporter, article_by(reporter, Status.REVIEW), status=Status.PUBLISHED
        )
        new = Article(status=Status.PUBLISHED)
        assert "Only editors can publish" in refusal(reporter, new)

    def test_a_reporter_sets_no_time_or_placement_on_a_new_article(self, reporter):
        assert refusal(reporter, Article(status=Status.DRAFT)) is None
        tomorrow = timezone.now() + timezone.timedelta(days=1)
        assert "publication time" in refusal(reporter, Article(status=Status.DRAFT), publish_at=tomorrow)
        assert "front-page placement" in refusal(reporter, Article(status=Status.DRAFT), priority=Article.Priority.LEAD)

    def test_a_reporter_never_unpublishes_moves_or_places(self, reporter, make_article):
        live = make_article()
        assert refusal(reporter, live, status=Status.DRAFT) == "Only editors can unpublish an article."
        later = live.publish_at + timezone.timedelta(hours=1)
        assert "change the publication time" in refusal(reporter, live, publish_at=later)
        assert "change the publication time" in refusal(reporter, live, priority=Article.Priority.LEAD)

    def test_what_is_refused_is_judged_on_the_article_as_stored(self, reporter, make_article):
        live = make_article()
        live.status = Status.DRAFT  # as an unsaved form would have left it
        assert refusal(reporter, live, status=Status.PUBLISHED) is None

    def test_a_time_posted_to_the_second_is_the_stored_time(self, reporter, make_article):
        live = make_article(publish_at=timezone.now().replace(microsecond=654321) - timezone.timedelta(hours=1))
        assert refusal(reporter, live, publish_at=live.publish_at.replace(microsecond=0)) is None
