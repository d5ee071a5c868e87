"""An embargo keeps an article out of every public output until it ends, even one published by mistake,
and the article appears by itself when it lifts; the admin shows it, and only editors set it."""

import pytest
from django.utils import timezone
from reversion.models import Version

from articles import revisions, takedown
from articles.models import Article
from tests.admin_forms import form_errors, read_form, with_changes
from tests.articles.public_outputs import EVERY_OUTPUT, HEADLINE, make_watched_article, outputs_showing, visible

pytestmark = pytest.mark.django_db


def at(monkeypatch, moment):
    """Move the clock of the site and of its page cache to `moment`."""
    monkeypatch.setattr("newsroom.cache.time.time", lambda: moment.timestamp())
    monkeypatch.setattr("django.utils.timezone.now", lambda: moment)


@pytest.fixture
def embargo_end():
    # Well before a cached page would expire by itself.
    return timezone.now() + timezone.timedelta(minutes=3)


class TestPublicOutputs:
    def test_an_article_without_an_embargo_is_in_every_output(self, client, make_article):
        article, neighbour = make_watched_article(make_article)
        assert outputs_showing(client, article, neighbour) == EVERY_OUTPUT

    def test_an_article_published_by_mistake_under_embargo_is_in_none(self, client, make_article, embargo_end):
        article, neighbour = make_watched_article(make_article, embargo_until=embargo_end)
        assert article.status == Article.Status.PUBLISHED and article.publish_at < timezone.now()
        assert outputs_showing(client, article, neighbour) == set()
        assert client.get(article.get_absolute_url()).status_code == 404
        assert not visible(article) and not article.is_published

    def test_it_appears_everywhere_by_itself_when_the_embargo_lifts(
        self, client, make_article, embargo_end, monkeypatch
    ):
        article, neighbour = make_watched_article(make_article, embargo_until=embargo_end)
        # The pages are in the page cache, rendered while the embargo held.
        assert outputs_showing(client, article, neighbour) == set()
        assert outputs_showing(client, article, neighbour) == set()
        at(monkeypatch, embargo_end + timezone.timedelta(seconds=1))
        assert outputs_showing(client, article, neighbour) == EVERY_OUTPUT

    def test_an_embargo_past_holds_nothing_back(self, client, make_article):
        article, neighbour = make_watched_article(
            make_article, embargo_until=timezone.now() - timezone.timedelta(minutes=1)
        )
        assert outputs_showing(client, article, neighbour) == EVERY_OUTPUT

    def test_a_scheduled_article_waits_for_the_later_of_its_time_and_its_embargo(
        self, client, make_article, embargo_end, monkeypatch
    ):
        publish_at = embargo_end - timezone.timedelta(minutes=1)
        make_article(headline=HEADLINE, publish_at=publish_at, embargo_until=embargo_end)
        assert HEADLINE not in client.get("/").content.decode()
        at(monkeypatch, publish_at + timezone.timedelta(seconds=1))
        assert HEADLINE not in client.get("/").content.decode()
        at(monkeypatch, embargo_end + timezone.timedelta(seconds=1))
        assert HEADLINE in client.get("/").content.decode()

    def test_embargoing_a_live_article_removes_it_from_cached_pages_at_once(self, client, make_article, embargo_end):
        article, neighbour = make_watched_article(make_article)
        assert HEADLINE in client.get("/").content.decode()
        article.embargo_until = embargo_end
        article.save()
        assert outputs_showing(client, article, neighbour) == set()

    def test_readers_cannot_comment_on_an_embargoed_article(self, client, make_article, embargo_end):
        article = make_article(embargo_until=embargo_end)
        response = client.post(
            "/comments/post/",
            {"article": article.pk, "name": "Reader", "email": "reader@example.org", "body": "First!"},
        )
        assert response.status_code in (400, 404)
        assert not article.comments.exists()


class TestScheduledChanges:
    def test_the_page_cache_is_told_when_embargoes_end(self, make_article, embargo_end):
        make_article(embargo_until=embargo_end)
        make_article(embargo_until=embargo_end - timezone.timedelta(days=2))
        make_article(status=Article.Status.DRAFT, embargo_until=embargo_end + timezone.timedelta(minutes=5))
        assert list(Article.objects.upcoming_embargo_ends()) == [embargo_end]


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


class TestAdmin:
    def test_an_editor_sets_an_embargo_on_the_form(self, client, editor, make_article, embargo_end):
        article = make_article()
        client.force_login(editor)
        local = timezone.localtime(embargo_end.replace(microsecond=0))
        data = with_changes(
            read_form(client.get(change_url(article))),
            embargo_until_0=local.strftime("%Y-%m-%d"),
            embargo_until_1=local.strftime("%H:%M:%S"),
        )
        response = client.post(change_url(article), data)
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()
        assert article.embargo_until == embargo_end.replace(microsecond=0)
        assert not visible(article)

    def test_the_list_and_the_form_show_the_embargo(self, client, editor, make_article, embargo_end):
        article = make_article(embargo_until=embargo_end)
        client.force_login(editor)
        until = timezone.localtime(embargo_end).strftime("%Y-%m-%d %H:%M")
        listed = client.get("/admin/articles/article/").content.decode()
        assert f"Published · Embargoed until {until}" in listed
        form = client.get(change_url(article)).content.decode()
        assert f"Embargoed until {until}" in form
        assert 'name="embargo_until_0"' in form

    def test_a_lifted_embargo_is_no_longer_shown(self, client, editor, make_article):
        make_article(embargo_until=timezone.now() - timezone.timedelta(minutes=1))
        client.force_login(editor)
        assert "Embargoed until" not in client.get("/admin/articles/article/").content.decode()

    def test_a_reporter_sees_the_embargo_but_cannot_set_it(self, client, reporter, make_article, embargo_end):
        client.force_login(reporter)
        draft = make_article(status=Article.Status.DRAFT, publish_at=None, embargo_until=embargo_end)
        draft.created_by = reporter
        draft.save()
        page = client.get(change_url(draft))
        assert 'name="embargo_until_0"' not in page.content.decode()
        assert "Embargoed until" in page.content.decode()
        data = with_changes(read_form(page), embargo_until_0="2020-01-01", embargo_until_1="00:00:00")
        response = client.post(change_url(draft), data)
        assert response.status_code == 302, form_errors(response)
        draft.refresh_from_db()
        assert draft.embargo_until == embargo_end

    def test_a_restore_keeps_the_embargo(self, client, editor, make_article, embargo_end):
        article = make_article()
        revisions.save_with_revision(article, editor, "Before the embargo")
        article.embargo_until = embargo_end
        revisions.save_with_revision(article, editor, "Embargoed")
        before = Version.objects.get_for_object(article).last()
        client.force_login(editor)
        page = client.get(f"/admin/articles/article/{article.pk}/history/{before.pk}/")
        response = client.post(page.request["PATH_INFO"], with_changes(read_form(page)))
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()
        # To the second, as the form shows it.
        assert article.embargo_until == embargo_end.replace(microsecond=0)
        assert not visible(article)

    def test_the_list_filters_embargoed_and_taken_down_articles(self, client, editor, make_article, embargo_end):
        embargoed = make_article(headline="Embargoed budget figures", embargo_until=embargo_end)
        gone = make_article(headline="Story removed by court order")
        make_article(headline="An ordinary story")
        takedown.take_down(gone.pk, editor, "Court order")
        client.force_login(editor)
        for state, article in (("embargoed", embargoed), ("taken_down", gone)):
            listed = client.get(f"/admin/articles/article/?state={state}").context["cl"].result_list
            assert [found.pk for found in listed] == [article.pk]
