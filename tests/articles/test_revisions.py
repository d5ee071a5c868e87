"""Revisions: two people editing one article never silently overwrite each other, and any earlier
revision can be compared and restored."""

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, EditConflict, FormerSlug
from tests.admin_forms import form_errors, read_form, with_changes


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def revision_url(article, version):
    return reverse("admin:articles_article_revision", args=[article.pk, version.pk])


def compare_url(article, version):
    return reverse("admin:articles_article_compare", args=[article.pk, version.pk])


def versions_of(article):
    return list(Version.objects.get_for_object(article).select_related("revision").order_by("pk"))


@pytest.fixture
def second_editor(db):
    user = User.objects.create_user(
        "grace", "grace@example.org", "x", is_staff=True, first_name="Grace", last_name="Hopper"
    )
    user.groups.add(Group.objects.get(name="Editors"))
    return user


@pytest.fixture
def edited_article(client, editor, make_article):
    """An article saved twice through the admin: first with the original text, then with a rewrite."""
    article = make_article(body="<p>The original account of the harbour talks.</p>")
    client.force_login(editor)
    for body in ["<p>The original account of the harbour talks.</p>", "<p>A rewritten account of the talks.</p>"]:
        response = client.post(change_url(article), with_changes(read_form(client.get(change_url(article))), body=body))
        assert response.status_code == 302, form_errors(response)
    article.refresh_from_db()
    return article


class TestConcurrentEdits:
    def open_twice_then_save_both(self, editor, second_editor, article):
        first, second = Client(), Client()
        first.force_login(second_editor)
        second.force_login(editor)
        first_form = read_form(first.get(change_url(article)))
        second_form = read_form(second.get(change_url(article)))
        saved = first.post(change_url(article), with_changes(first_form, body="<p>Grace's version of events.</p>"))
        assert saved.status_code == 302, form_errors(saved)
        return second.post(change_url(article), with_changes(second_form, body="<p>Eddie's version of events.</p>"))

    def test_second_save_is_refused_and_the_first_kept(self, editor, second_editor, make_article):
        article = make_article()
        refused = self.open_twice_then_save_both(editor, second_editor, article)
        assert refused.status_code == 200
        article.refresh_from_db()
        assert article.body == "<p>Grace's version of events.</p>"
        assert article.modified_by == second_editor

    def test_refusal_names_who_changed_it_and_when(self, editor, second_editor, make_article):
        article = make_article()
        refused = self.open_twice_then_save_both(editor, second_editor, article)
        article.refresh_from_db()
        [message] = [error for error in form_errors(refused) if "after you opened it" in error]
        assert "Grace Hopper" in message
        assert timezone.localtime(article.modified_at).strftime("%Y-%m-%d %H:%M:%S") in message

    def test_refused_text_stays_in_the_form(self, editor, second_editor, make_article):
        article = make_article()
        refused = self.open_twice_then_save_both(editor, second_editor, article)
        assert read_form(refused)["body"] == "<p>Eddie's version of events.</p>"

    def test_refused_text_is_kept_in_the_history(self, editor, second_editor, make_article):
        article = make_article()
        self.open_twice_then_save_both(editor, second_editor, article)
        kept = [v for v in versions_of(article) if "Refused edit" in v.revision.get_comment()]
        assert len(kept) == 1
        assert kept[0].field_dict["body"] == "<p>Eddie's version of events.</p>"
        assert kept[0].revision.user == editor
        article.refresh_from_db()
        assert article.body == "<p>Grace's version of events.</p>"

    def test_saving_again_after_reloading_succeeds(self, client, editor, second_editor, make_article):
        article = make_article()
        self.open_twice_then_save_both(editor, second_editor, article)
        client.force_login(editor)
        response = client.post(
            change_url(article), with_changes(read_form(client.get(change_url(article))), body="<p>Merged.</p>")
        )
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()
        assert article.body == "<p>Merged.</p>"

    def test_a_conflict_with_an_unknown_author_still_explains_itself(self, make_article):
        """Articles changed by a script or a deleted user have no modified_by."""
        article = make_article()
        with pytest.raises(EditConflict, match="Someone saved this article at"):
            article.lock_for_edit(expected_version=article.version - 1)

    def test_version_rises_with_every_save(self, make_article):
        article = make_article()
        first = article.version
        article.headline = "A new headline"
        article.save()
        assert article.version == first + 1
        article.lock_for_edit(expected_version=article.version)


class TestCompareAndRestore:
    def test_every_admin_save_keeps_a_revision_with_who_and_when(self, edited_article, editor):
        versions = versions_of(edited_article)
        assert len(versions) == 2
        assert all(version.revision.user == editor for version in versions)
        assert "original account" in versions[0].field_dict["body"]

    def test_compare_shows_the_difference(self, client, editor, edited_article):
        client.force_login(editor)
        response = client.get(compare_url(edited_article, versions_of(edited_article)[0]))
        assert response.status_code == 200
        page = response.content.decode()
        assert "<del>A rewritten</del> <ins>The original</ins> account of the <ins>harbour</ins> talks." in page
        assert revision_url(edited_article, versions_of(edited_article)[0]) in page

    def test_compare_lists_only_the_fields_that_changed(self, client, editor, edited_article):
        client.force_login(editor)
        response = client.get(compare_url(edited_article, versions_of(edited_article)[0]))
        assert [change.name for change in response.context["changes"]] == ["body"]

    def test_compare_shows_a_sentence_of_any_length(self, client, editor, edited_article):
        """A pasted table or a body of one enormous sentence is compared like any other."""
        client.force_login(editor)
        form = read_form(client.get(change_url(edited_article)))
        endless = "word " * 20_000
        response = client.post(change_url(edited_article), with_changes(form, body=f"<p>{endless}</p>"))
        assert response.status_code == 302, form_errors(response)
        response = client.get(compare_url(edited_article, versions_of(edited_article)[0]))
        assert response.status_code == 200
        assert [change.name for change in response.context["changes"]] == ["body"]

    def test_the_history_links_to_compare(self, client, editor, edited_article):
        client.force_login(editor)
        page = client.get(change_url(edited_article)).content.decode()
        assert compare_url(edited_article, versions_of(edited_article)[0]) in page

    def test_restore_an_earlier_revision(self, client, editor, edited_article):
        client.force_login(editor)
        original = versions_of(edited_article)[0]
        shown = client.get(revision_url(edited_article, original))
        form = read_form(shown)
        assert form["body"] == "<p>The original account of the harbour talks.</p>"
        edited_article.refresh_from_db()
        assert "rewritten" in edited_article.body, "looking at a revision changes nothing"

        response = client.post(revision_url(edited_article, original), with_changes(form))
        assert response.status_code == 302, form_errors(response)
        edited_article.refresh_from_db()
        assert edited_article.body == "<p>The original account of the harbour talks.</p>"
        assert "Reverted" in versions_of(edited_article)[-1].revision.get_comment()

    def test_restoring_is_a_new_version(self, client, editor, second_editor, edited_article):
        """The version count only rises, so whoever opened the article before the restore is refused."""
        other = Client()
        other.force_login(second_editor)
        opened_before_restore = read_form(other.get(change_url(edited_article)))
        version_before_restore = edited_article.version
        client.force_login(editor)
        original = versions_of(edited_article)[0]
        form = read_form(client.get(revision_url(edited_article, original)))
        assert client.post(revision_url(edited_article, original), with_changes(form)).status_code == 302
        edited_article.refresh_from_db()
        assert edited_article.version == version_before_restore + 1

        late = other.post(change_url(edited_article), with_changes(opened_before_restore, body="<p>Stale.</p>"))
        assert late.status_code == 200
        edited_article.refresh_from_db()
        assert edited_article.body == "<p>The original account of the harbour talks.</p>"

    def test_restoring_brings_back_words_not_an_old_address_or_publication_state(self, client, editor, make_article):
        article = make_article(slug="talks-begin", status=Article.Status.DRAFT, publish_at=None)
        client.force_login(editor)
        form = read_form(client.get(change_url(article)))
        assert client.post(change_url(article), with_changes(form, body="<p>Draft words.</p>")).status_code == 302
        form = read_form(client.get(change_url(article)))
        published = with_changes(form, slug="talks-collapse", status="published", body="<p>Published words.</p>")
        assert client.post(change_url(article), published).status_code == 302
        article.refresh_from_db()
        published_at = article.publish_at

        draft_revision = versions_of(article)[0]
        form = read_form(client.get(revision_url(article, draft_revision)))
        assert (form["body"], form["slug"], form["status"]) == ("<p>Draft words.</p>", "talks-collapse", "published")
        assert client.post(revision_url(article, draft_revision), with_changes(form)).status_code == 302

        article.refresh_from_db()
        assert article.body == "<p>Draft words.</p>"
        assert article.slug == "talks-collapse"
        assert article.is_published
        assert abs(article.publish_at - published_at) < timezone.timedelta(seconds=1)
        assert FormerSlug.objects.get(slug="talks-begin").article == article

    def test_reporter_cannot_unpublish_by_restoring_a_draft_revision(self, client, editor, reporter, make_article):
        article = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
        Article.objects.filter(pk=article.pk).update(created_by=reporter)
        client.force_login(editor)
        form = read_form(client.get(change_url(article)))
        assert client.post(change_url(article), with_changes(form, status="review")).status_code == 302
        form = read_form(client.get(change_url(article)))
        assert client.post(change_url(article), with_changes(form, status="published")).status_code == 302
        draft_revision = versions_of(article)[0]

        client.force_login(reporter)
        assert client.get(revision_url(article, draft_revision)).status_code == 403
        crafted = with_changes(form, status="review", expected_version=str(Article.objects.get(pk=article.pk).version))
        assert client.post(revision_url(article, draft_revision), crafted).status_code == 403
        assert Article.objects.published().filter(pk=article.pk).exists()
