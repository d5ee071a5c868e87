"""A takedown removes a published article from every public output and from the page cache at once; its
address answers 410 Gone; the reason, time and editor are kept, in its history too; only editors take down
and undo."""

import pytest
from django.core.exceptions import PermissionDenied
from reversion.models import Version

from articles import takedown
from articles.models import Article
from tests.admin_forms import form_errors, read_form, with_changes
from tests.articles.public_outputs import (
    EVERY_OUTPUT,
    FORMER_SLUG,
    HEADLINE,
    make_watched_article,
    outputs_showing,
    visible,
)

pytestmark = pytest.mark.django_db

REASON = "Court order of 28 November: the story names a protected witness."


def takedown_url(article):
    return f"/admin/articles/article/{article.pk}/takedown/"


def undo_url(article):
    return f"/admin/articles/article/{article.pk}/takedown/undo/"


@pytest.fixture
def watched(make_article):
    return make_watched_article(make_article)


class TestPublicOutputs:
    def test_a_taken_down_article_leaves_every_output_and_the_page_cache_at_once(self, client, editor, watched):
        article, neighbour = watched
        # Every page showing it is in the page cache.
        assert outputs_showing(client, article, neighbour) == EVERY_OUTPUT
        assert outputs_showing(client, article, neighbour) == EVERY_OUTPUT
        takedown.take_down(article.pk, editor, REASON)
        assert outputs_showing(client, article, neighbour) == set()
        assert not visible(article)

    def test_its_address_answers_410_with_a_short_notice(self, client, editor, watched):
        article, _neighbour = watched
        takedown.take_down(article.pk, editor, REASON)
        for url in (article.get_absolute_url(), f"/news/{article.section.slug}/{FORMER_SLUG}/"):
            response = client.get(url)
            assert response.status_code == 410, url
            page = response.content.decode()
            assert "This story has been removed" in page
            assert "legal reasons" in page
            # The notice says nothing of the story or of why it was removed.
            assert HEADLINE not in page and "witness" not in page
            # The site's own furniture, as on the 404 page.
            assert 'class="site-header' in page or "<header" in page
            assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]

    def test_undoing_the_takedown_brings_it_back_everywhere(self, client, editor, watched):
        article, neighbour = watched
        takedown.take_down(article.pk, editor, REASON)
        assert outputs_showing(client, article, neighbour) == set()
        takedown.undo_takedown(article.pk, editor)
        assert outputs_showing(client, article, neighbour) == EVERY_OUTPUT

    def test_publishing_it_again_does_not_undo_the_takedown(self, client, editor, watched):
        article, neighbour = watched
        article = takedown.take_down(article.pk, editor, REASON)
        article.status = Article.Status.DRAFT
        article.save()
        article.status = Article.Status.PUBLISHED
        article.save()
        assert outputs_showing(client, article, neighbour) == set()
        assert client.get(article.get_absolute_url()).status_code == 410


class TestRecord:
    def test_the_reason_time_and_editor_are_stored_and_in_the_history(self, editor, watched):
        article, _neighbour = watched
        takedown.take_down(article.pk, editor, f"  {REASON}  ")
        article.refresh_from_db()
        assert article.takedown_reason == REASON
        assert article.taken_down_by == editor
        assert article.taken_down_at is not None
        latest = Version.objects.get_for_object(article).select_related("revision__user").first()
        assert latest.revision.get_comment() == f"Taken down: {REASON}"
        assert latest.revision.user == editor
        assert latest.field_dict["takedown_reason"] == REASON

    def test_undoing_it_keeps_the_reason_in_the_history(self, editor, watched):
        article, _neighbour = watched
        takedown.take_down(article.pk, editor, REASON)
        takedown.undo_takedown(article.pk, editor)
        article.refresh_from_db()
        assert article.taken_down_at is None and article.takedown_reason == ""
        comments = [version.revision.get_comment() for version in Version.objects.get_for_object(article)]
        assert comments[0].startswith("Takedown undone") and REASON in comments[0]
        assert f"Taken down: {REASON}" in comments

    def test_a_restore_of_an_earlier_revision_keeps_the_takedown(self, client, editor, watched):
        article, _neighbour = watched
        from articles import revisions

        revisions.save_with_revision(article, editor, "Before the takedown")
        takedown.take_down(article.pk, editor, REASON)
        before = Version.objects.get_for_object(article).get(revision__comment="Before the takedown")
        client.force_login(editor)
        page = client.get(f"/admin/articles/article/{article.pk}/history/{before.pk}/")
        response = client.post(page.request["PATH_INFO"], with_changes(read_form(page)))
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()
        assert article.is_taken_down and article.takedown_reason == REASON
        assert client.get(article.get_absolute_url()).status_code == 410

    def test_there_is_no_takedown_without_a_reason(self, editor, watched):
        article, _neighbour = watched
        with pytest.raises(takedown.TakedownRefused):
            takedown.take_down(article.pk, editor, "   ")
        assert visible(article)

    def test_only_a_published_article_is_taken_down(self, editor, make_article):
        draft = make_article(status=Article.Status.DRAFT, publish_at=None)
        with pytest.raises(takedown.TakedownRefused):
            takedown.take_down(draft.pk, editor, REASON)

    def test_reporters_never_take_down_or_undo(self, editor, reporter, watched):
        article, _neighbour = watched
        with pytest.raises(PermissionDenied):
            takedown.take_down(article.pk, reporter, REASON)
        takedown.take_down(article.pk, editor, REASON)
        with pytest.raises(PermissionDenied):
            takedown.undo_takedown(article.pk, reporter)


class TestAdmin:
    def test_an_editor_takes_down_with_a_reason_from_the_change_form(self, client, editor, watched):
        article, _neighbour = watched
        client.force_login(editor)
        form = client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
        assert takedown_url(article) in form
        assert "Reason for the takedown" in client.get(takedown_url(article)).content.decode()
        response = client.post(takedown_url(article), {"reason": REASON})
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.is_taken_down and article.takedown_reason == REASON
        changed = client.get(response["Location"]).content.decode()
        assert "was taken down" in changed
        assert "Taken down on" in changed and REASON in changed and undo_url(article) in changed
        assert "Taken down" in client.get("/admin/articles/article/").content.decode()

    def test_the_reason_is_required(self, client, editor, watched):
        article, _neighbour = watched
        client.force_login(editor)
        for posted in ({}, {"reason": ""}, {"reason": " \u200b\n "}):
            response = client.post(takedown_url(article), posted)
            assert response.status_code == 400
            assert "Give the reason for the takedown." in response.content.decode()
        assert visible(article)

    def test_a_reason_too_long_is_refused(self, client, editor, watched):
        article, _neighbour = watched
        client.force_login(editor)
        assert client.post(takedown_url(article), {"reason": "x" * 2001}).status_code == 400
        assert visible(article)

    def test_an_editor_undoes_a_takedown(self, client, editor, watched):
        article, _neighbour = watched
        takedown.take_down(article.pk, editor, REASON)
        client.force_login(editor)
        confirm = client.get(undo_url(article)).content.decode()
        assert REASON in confirm
        response = client.post(undo_url(article))
        assert response.status_code == 302
        assert visible(article)

    def test_taking_down_twice_or_a_draft_is_refused_clearly(self, client, editor, watched, make_article):
        article, _neighbour = watched
        draft = make_article(status=Article.Status.DRAFT, publish_at=None)
        client.force_login(editor)
        assert client.post(takedown_url(draft), {"reason": REASON}).status_code == 409
        assert not Article.objects.get(pk=draft.pk).is_taken_down
        assert client.post(undo_url(article)).status_code == 409
        client.post(takedown_url(article), {"reason": REASON})
        again = client.post(takedown_url(article), {"reason": "Another reason"})
        assert again.status_code == 409
        article.refresh_from_db()
        assert article.takedown_reason == REASON

    def test_an_unknown_article_is_404_and_other_methods_are_refused(self, client, editor):
        client.force_login(editor)
        assert client.get("/admin/articles/article/999999/takedown/").status_code == 404
        assert client.put("/admin/articles/article/999999/takedown/").status_code == 405

    def test_reporters_get_no_button_and_no_access(self, client, reporter, editor, watched):
        article, _neighbour = watched
        client.force_login(reporter)
        assert takedown_url(article) not in client.get(f"/admin/articles/article/{article.pk}/change/").content.decode()
        assert client.get(takedown_url(article)).status_code == 403
        assert client.post(takedown_url(article), {"reason": REASON}).status_code == 403
        assert visible(article)
        takedown.take_down(article.pk, editor, REASON)
        assert client.post(undo_url(article)).status_code == 403
        assert not visible(article)

    def test_anonymous_visitors_are_sent_to_the_login(self, client, watched):
        article, _neighbour = watched
        response = client.post(takedown_url(article), {"reason": REASON})
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert visible(article)
