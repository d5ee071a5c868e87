"""Who may do what in the admin: the roles created by the migration, and reporters never publishing,
whatever they post."""

import pytest
from django.contrib.auth.models import Group, User
from django.urls import reverse
from django.utils import timezone

from articles.models import Article
from tests.admin_forms import form_errors, read_form, with_changes

ADD_URL = "/admin/articles/article/add/"


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def codenames(group_name):
    return set(Group.objects.get(name=group_name).permissions.values_list("content_type__app_label", "codename"))


@pytest.fixture
def own_draft(make_article, reporter):
    article = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
    Article.objects.filter(pk=article.pk).update(created_by=reporter)
    article.refresh_from_db()
    return article


def new_article_fields(section, author, **changes):
    return {
        "headline": "Harbour talks resume",
        "slug": "harbour-talks-resume",
        "section": str(section.pk),
        "standfirst": "Negotiators return to the table.",
        "body": "<p>Talks resumed on Monday.</p>",
        "bylines-0-author": str(author.pk),
        **changes,
    }


def post_new_article(client, section, author, **changes):
    form = read_form(client.get(ADD_URL))
    return client.post(ADD_URL, with_changes(form, **new_article_fields(section, author, **changes)))


def post_change(client, article, **changes):
    form = read_form(client.get(change_url(article)))
    return client.post(change_url(article), with_changes(form, **changes))


class TestRolesAfterMigrate:
    def test_the_three_groups_exist(self, db):
        assert set(Group.objects.values_list("name", flat=True)) >= {"Editors", "Reporters", "Moderators"}

    def test_only_editors_may_publish(self, db):
        assert ("articles", "publish_article") in codenames("Editors")
        assert ("articles", "publish_article") not in codenames("Reporters")
        assert ("articles", "publish_article") not in codenames("Moderators")

    def test_moderators_hold_comment_permissions_only(self, db):
        apps = {app_label for app_label, _ in codenames("Moderators")}
        assert apps == {"comments"}

    def test_reporters_hold_no_site_settings_or_ad_permissions(self, db):
        assert not {app_label for app_label, _ in codenames("Reporters")} & {"newsroom"}


class TestAdminPagesByRole:
    @pytest.mark.parametrize(
        "url",
        [
            "/admin/articles/section/",
            "/admin/articles/author/",
            "/admin/taggit/tag/",
            "/admin/articles/adslot/",
            "/admin/articles/article/",
            "/admin/articles/image/",
        ],
    )
    def test_editor_reaches_editorial_and_site_pages(self, client, editor, url):
        client.force_login(editor)
        assert client.get(url).status_code == 200

    def test_editor_reaches_site_settings(self, client, editor):
        client.force_login(editor)
        response = client.get("/admin/newsroom/sitesettings/", follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == reverse("admin:newsroom_sitesettings_change", args=[1])

    @pytest.mark.parametrize("url", ["/admin/newsroom/sitesettings/", "/admin/articles/adslot/", "/admin/auth/user/"])
    def test_reporter_cannot_reach_site_settings_ads_or_users(self, client, reporter, url):
        client.force_login(reporter)
        assert client.get(url, follow=True).status_code == 403

    def test_reporter_reaches_the_article_list(self, client, reporter):
        client.force_login(reporter)
        assert client.get("/admin/articles/article/").status_code == 200

    @pytest.mark.parametrize("url", ["/admin/articles/article/", ADD_URL, "/admin/articles/section/"])
    def test_moderator_is_refused_the_editorial_admin(self, client, moderator, url):
        client.force_login(moderator)
        assert client.get(url).status_code == 403

    def test_moderator_cannot_open_an_article(self, client, moderator, make_article):
        client.force_login(moderator)
        assert client.get(change_url(make_article())).status_code == 403

    def test_moderator_cannot_read_tags_or_revisions(self, client, editor, moderator, make_article):
        """Tags of a draft can give a story away."""
        make_article(status=Article.Status.DRAFT, publish_at=None, tags=["minister resigns"])
        client.force_login(moderator)
        assert client.get(reverse("admin:articles_tag_suggestions"), {"q": "minister"}).status_code == 403
        client.force_login(editor)
        response = client.get(reverse("admin:articles_tag_suggestions"), {"q": "minister"})
        assert response.json() == {"tags": ["minister resigns"]}

    def test_editor_links_an_author_to_a_staff_account(self, client, editor, reporter):
        client.force_login(editor)
        page = client.get("/admin/articles/author/add/")
        assert set(page.context["adminform"].form.fields["user"].queryset) == {editor, reporter}
        form = read_form(page, form_id="author_form")
        response = client.post(
            "/admin/articles/author/add/",
            with_changes(form, name="Eddie Editor", slug="eddie-editor", user=str(editor.pk)),
        )
        assert response.status_code == 302, form_errors(response)
        assert editor.author_profile.name == "Eddie Editor"


class TestReporterCannotPublish:
    def test_reporter_can_create_a_draft(self, client, reporter, section):
        """The control for the refusals below: the same form, with nothing forbidden in it, is accepted."""
        client.force_login(reporter)
        response = post_new_article(client, section, reporter.author_profile, status="review")
        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get(slug="harbour-talks-resume")
        assert article.status == Article.Status.REVIEW
        assert article.created_by == reporter
        assert article.byline_authors == [reporter.author_profile]

    @pytest.mark.parametrize(
        "forbidden",
        [
            {"status": "published"},
            {"status": "published", "publish_at": timezone.now() + timezone.timedelta(days=1)},
            {"status": "review", "publish_at": timezone.now() + timezone.timedelta(days=1)},
            {"status": "draft", "priority": str(Article.Priority.LEAD)},
        ],
        ids=["publish", "schedule", "set-publication-time", "front-page-placement"],
    )
    def test_crafted_add_is_refused(self, client, reporter, section, forbidden):
        client.force_login(reporter)
        response = post_new_article(client, section, reporter.author_profile, **forbidden)
        assert response.status_code == 200
        assert form_errors(response)
        assert not Article.objects.filter(slug="harbour-talks-resume").exists()

    def test_refusal_says_why(self, client, reporter, section):
        client.force_login(reporter)
        response = post_new_article(
            client, section, reporter.author_profile, publish_at=timezone.now() + timezone.timedelta(days=1)
        )
        assert any("Only editors" in error for error in form_errors(response))

    def test_reporter_can_submit_own_draft_for_review(self, client, reporter, own_draft):
        client.force_login(reporter)
        response = post_change(client, own_draft, status="review", headline="Harbour talks: a deal in sight")
        assert response.status_code == 302, form_errors(response)
        own_draft.refresh_from_db()
        assert (own_draft.status, own_draft.headline) == ("review", "Harbour talks: a deal in sight")

    @pytest.mark.parametrize(
        "forbidden",
        [
            {"status": "published"},
            {"publish_at": timezone.now() - timezone.timedelta(minutes=5)},
            {"publish_at": timezone.now() + timezone.timedelta(days=1), "status": "published"},
            {"priority": str(Article.Priority.TOP_STORY)},
        ],
        ids=["publish", "set-publication-time", "schedule", "front-page-placement"],
    )
    def test_crafted_change_is_refused(self, client, reporter, own_draft, forbidden):
        client.force_login(reporter)
        response = post_change(client, own_draft, headline="Changed", **forbidden)
        assert response.status_code == 200
        assert form_errors(response)
        own_draft.refresh_from_db()
        assert own_draft.status == Article.Status.DRAFT
        assert own_draft.publish_at is None
        assert own_draft.priority == Article.Priority.NORMAL
        assert own_draft.headline != "Changed"
        assert not Article.objects.published().exists()

    def test_reporter_can_edit_a_draft_an_editor_once_scheduled(self, client, reporter, own_draft):
        """An unpublished article keeps its publication time, stored to the microsecond; the admin's inputs
        show whole seconds. Saving the form unchanged is not an attempt to move the publication time."""
        scheduled_for = timezone.now().replace(microsecond=123456) + timezone.timedelta(days=2)
        Article.objects.filter(pk=own_draft.pk).update(publish_at=scheduled_for)
        client.force_login(reporter)
        response = post_change(client, own_draft, headline="Harbour talks, revised")
        assert response.status_code == 302, form_errors(response)
        own_draft.refresh_from_db()
        assert own_draft.headline == "Harbour talks, revised"
        assert abs(own_draft.publish_at - scheduled_for) < timezone.timedelta(seconds=1)

    def test_reporter_cannot_unpublish_own_published_article(self, client, reporter, make_article):
        article = make_article(authors=[reporter.author_profile])
        Article.objects.filter(pk=article.pk).update(created_by=reporter)
        client.force_login(reporter)
        crafted = new_article_fields(article.section, reporter.author_profile, slug=article.slug, status="draft")
        response = client.post(change_url(article), with_changes(crafted, expected_version=str(article.version)))
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
        assert Article.objects.published().filter(pk=article.pk).exists()

    def test_reporter_cannot_edit_someone_elses_draft(self, client, reporter, make_article):
        article = make_article(status=Article.Status.DRAFT, publish_at=None)
        client.force_login(reporter)
        response = client.post(change_url(article), {"headline": "Mine now", "status": "published"})
        assert response.status_code == 403
        article.refresh_from_db()
        assert article.status == Article.Status.DRAFT

    def test_reporter_cannot_delete_a_published_article(self, client, reporter, make_article, own_draft):
        published = make_article(authors=[reporter.author_profile])
        Article.objects.filter(pk=published.pk).update(created_by=reporter)
        client.force_login(reporter)
        delete_url = reverse("admin:articles_article_delete", args=[published.pk])
        assert client.post(delete_url, {"post": "yes"}).status_code == 403
        client.post(
            "/admin/articles/article/",
            {"action": "delete_selected", "_selected_action": [str(published.pk), str(own_draft.pk)], "post": "yes"},
        )
        assert Article.objects.published().filter(pk=published.pk).exists()

    def test_reporter_can_delete_own_draft(self, client, reporter, own_draft):
        client.force_login(reporter)
        delete_url = reverse("admin:articles_article_delete", args=[own_draft.pk])
        assert client.post(delete_url, {"post": "yes"}).status_code == 302
        assert not Article.objects.filter(pk=own_draft.pk).exists()

    @pytest.mark.parametrize("action", ["publish_now", "unpublish"])
    def test_bulk_actions_do_nothing_for_a_reporter(self, client, reporter, own_draft, make_article, action):
        published = make_article(authors=[reporter.author_profile])
        client.force_login(reporter)
        client.post(
            "/admin/articles/article/",
            {"action": action, "_selected_action": [str(own_draft.pk), str(published.pk)], "index": "0"},
        )
        own_draft.refresh_from_db()
        published.refresh_from_db()
        assert own_draft.status == Article.Status.DRAFT
        assert published.status == Article.Status.PUBLISHED

    def test_the_publish_actions_are_not_offered_to_a_reporter(self, client, reporter):
        client.force_login(reporter)
        actions = dict(client.get("/admin/articles/article/").context["action_form"].fields["action"].choices)
        assert "publish_now" not in actions and "unpublish" not in actions


class TestEditorPublishes:
    def test_editor_publishes_through_the_add_form(self, client, editor, section, author):
        client.force_login(editor)
        response = post_new_article(client, section, author, status="published")
        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get(slug="harbour-talks-resume")
        assert Article.objects.published().filter(pk=article.pk).exists()
        assert article.first_published_at == article.publish_at

    def test_editor_schedules_through_the_add_form(self, client, editor, section, author):
        client.force_login(editor)
        when = (timezone.now() + timezone.timedelta(days=1)).replace(microsecond=0)
        response = post_new_article(client, section, author, status="published", publish_at=when)
        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get(slug="harbour-talks-resume")
        assert article.publish_at == when
        assert article.is_scheduled
        assert not Article.objects.published().filter(pk=article.pk).exists()

    def test_editor_publishes_a_reporters_draft(self, client, editor, own_draft):
        client.force_login(editor)
        response = post_change(client, own_draft, status="published")
        assert response.status_code == 302, form_errors(response)
        assert Article.objects.published().filter(pk=own_draft.pk).exists()

    def test_bulk_publish_and_unpublish(self, client, editor, make_article):
        draft = make_article(status=Article.Status.DRAFT, publish_at=None)
        client.force_login(editor)
        client.post("/admin/articles/article/", {"action": "publish_now", "_selected_action": [str(draft.pk)]})
        assert Article.objects.published().filter(pk=draft.pk).exists()
        client.post("/admin/articles/article/", {"action": "unpublish", "_selected_action": [str(draft.pk)]})
        draft.refresh_from_db()
        assert draft.status == Article.Status.DRAFT
        assert not Article.objects.published().filter(pk=draft.pk).exists()

    def test_editor_unpublishes_through_the_form(self, client, editor, make_article):
        article = make_article()
        client.force_login(editor)
        response = post_change(client, article, status="draft")
        assert response.status_code == 302, form_errors(response)
        assert not Article.objects.published().filter(pk=article.pk).exists()


def test_a_staff_user_without_a_group_sees_no_articles(client, db):
    nobody = User.objects.create_user("nobody", password="x", is_staff=True)
    client.force_login(nobody)
    assert client.get("/admin/articles/article/").status_code == 403
