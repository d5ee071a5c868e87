"""The article form's autosave and presence: kept per person and per form, refused when it should be,
and never a change to the article, its history, its address or any public page."""

import json
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from reversion.models import Version

from articles import autosave
from articles.autosave import EditSession
from articles.models import Article, FormerSlug
from tests.admin_forms import read_form, with_changes
from tests.conftest import _staff

ENDPOINT = "/admin/articles/article/autosave/"
DISCARD = ENDPOINT + "discard/"
NEW_FORM = "a1b2c3d4e5f6a7b8c9d0"
LIST_URL = "/admin/articles/article/"


def change_url(article):
    return f"/admin/articles/article/{article.pk}/change/"


def post_report(client, **report):
    return client.post(ENDPOINT, json.dumps(report), content_type="application/json")


def typed_form(article):
    return [
        ["headline", "A headline typed but not saved"],
        ["slug", "a-slug-typed-but-not-saved"],
        ["section", str(article.section_id), "World News"],
        ["body", "<p>Paragraph typed before the tab closed.</p>"],
    ]


@pytest.fixture
def article(make_article):
    return make_article(headline="Harbour reopens", slug="harbour-reopens")


@pytest.fixture
def maria(db):
    """A second editor, with the name the presence notice shows."""
    user = _staff("maria", "Editors")
    user.first_name, user.last_name = "Maria", "Okafor"
    user.save()
    return user


def login(user):
    client = Client()
    client.force_login(user)
    return client


class TestKeepingTheForm:
    def test_the_form_is_kept_and_offered_back_to_its_author_only(self, editor_client, article, maria):
        response = post_report(
            editor_client, article=article.pk, form=NEW_FORM, base_version=1, fields=typed_form(article)
        )
        assert response.status_code == 200
        kept_at = EditSession.objects.get().unsaved_at
        assert response.json()["kept_at"] == timezone.localtime(kept_at).strftime("%H:%M")

        draft = editor_client.get(ENDPOINT, {"article": article.pk}).json()["draft"]
        assert ["headline", "A headline typed but not saved"] in draft["fields"]
        assert draft["base_version"] == 1
        assert draft["saved_at_label"] == timezone.localtime(kept_at).strftime("%H:%M")
        assert login(maria).get(ENDPOINT, {"article": article.pk}).json()["draft"] is None

    def test_a_heartbeat_keeps_the_form_already_kept(self, editor_client, article):
        post_report(editor_client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        response = post_report(editor_client, article=article.pk, form=NEW_FORM)
        assert response.json()["kept_at"] is None
        assert editor_client.get(ENDPOINT, {"article": article.pk}).json()["draft"]["fields"] == typed_form(article)

    def test_nothing_public_or_historical_changes(self, editor_client, client, article):
        before = Article.objects.values().get(pk=article.pk)
        revisions = Version.objects.count()
        with mock.patch("newsroom.cache._record_change") as new_generation:
            for _ in range(3):
                post_report(editor_client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
            post_report(editor_client, form=NEW_FORM, fields=typed_form(article))
            editor_client.post(DISCARD, json.dumps({"article": article.pk}), content_type="application/json")
        new_generation.assert_not_called()
        assert Article.objects.values().get(pk=article.pk) == before
        assert Article.objects.get(pk=article.pk).slug == "harbour-reopens"
        assert not FormerSlug.objects.exists()
        assert Version.objects.count() == revisions
        public_page = client.get(article.get_absolute_url()).content.decode()
        assert "Harbour reopens" in public_page
        assert "typed" not in public_page

    def test_saving_an_article_does_invalidate_its_pages(self, article):
        """The check above can fail: the page cache does listen to the article."""
        with mock.patch("newsroom.cache._record_change") as new_generation:
            article.headline = "Harbour reopens at last"
            article.save()
        new_generation.assert_called()

    def test_a_new_article_is_kept_under_its_form_token(self, editor_client, section):
        fields = [["headline", "A story not saved yet"], ["section", str(section.pk), "World News"]]
        assert post_report(editor_client, form=NEW_FORM, fields=fields).status_code == 200
        draft = editor_client.get(ENDPOINT).json()["draft"]
        assert draft["form"] == NEW_FORM
        assert draft["fields"] == fields
        assert not Article.objects.filter(headline="A story not saved yet").exists()

    def test_the_newest_new_article_is_offered(self, editor_client):
        post_report(editor_client, form="older-form-token-0001", fields=[["headline", "Older"]])
        post_report(editor_client, form=NEW_FORM, fields=[["headline", "Newer"]])
        assert editor_client.get(ENDPOINT).json()["draft"]["form"] == NEW_FORM

    def test_discard_forgets_the_form(self, editor_client, article):
        post_report(editor_client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        response = editor_client.post(DISCARD, json.dumps({"article": article.pk}), content_type="application/json")
        assert response.status_code == 200
        assert editor_client.get(ENDPOINT, {"article": article.pk}).json()["draft"] is None

    def test_saving_the_article_forgets_its_kept_form(self, editor_client, article):
        post_report(editor_client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        form = read_form(editor_client.get(change_url(article)))
        response = editor_client.post(
            change_url(article), with_changes(form, headline="Harbour reopens", autosave_form=NEW_FORM)
        )
        assert response.status_code == 302
        assert editor_client.get(ENDPOINT, {"article": article.pk}).json()["draft"] is None

    def test_a_refused_save_keeps_the_form(self, editor_client, article):
        post_report(editor_client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        form = read_form(editor_client.get(change_url(article)))
        response = editor_client.post(change_url(article), with_changes(form, headline="", autosave_form=NEW_FORM))
        assert response.status_code == 200
        assert editor_client.get(ENDPOINT, {"article": article.pk}).json()["draft"] is not None

    def test_saving_a_new_article_forgets_its_form(self, editor_client, section, author):
        post_report(editor_client, form=NEW_FORM, fields=[["headline", "Ferry strike ends"]])
        form = read_form(editor_client.get("/admin/articles/article/add/"))
        fields = {
            "headline": "Ferry strike ends",
            "slug": "ferry-strike-ends",
            "section": str(section.pk),
            "standfirst": "Crews return on Friday.",
            "body": "<p>The strike is over.</p>",
            "bylines-0-author": str(author.pk),
            "autosave_form": NEW_FORM,
        }
        assert editor_client.post("/admin/articles/article/add/", with_changes(form, **fields)).status_code == 302
        assert editor_client.get(ENDPOINT).json()["draft"] is None

    def test_a_report_is_cheap(self, editor_client, article):
        post_report(editor_client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        with CaptureQueriesContext(connection) as queries:
            post_report(editor_client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        assert len(queries) <= 8, [query["sql"] for query in queries]


class TestWhoMayKeepAForm:
    def test_a_reporter_may_not_keep_a_form_of_an_article_they_may_not_change(self, reporter, article):
        client = login(reporter)
        response = post_report(client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        assert response.status_code == 403
        assert client.get(ENDPOINT, {"article": article.pk}).status_code == 403
        assert not EditSession.objects.exists()

    def test_a_reporter_keeps_the_form_of_their_own_draft(self, reporter, make_article):
        own = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
        response = post_report(login(reporter), article=own.pk, form=NEW_FORM, fields=typed_form(own))
        assert response.status_code == 200

    def test_a_moderator_may_not_keep_new_articles(self, moderator):
        response = post_report(login(moderator), form=NEW_FORM, fields=[["headline", "Not theirs to write"]])
        assert response.status_code == 403
        assert not EditSession.objects.exists()

    def test_readers_are_sent_to_the_login(self, client, article):
        response = post_report(client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]
        assert not EditSession.objects.exists()

    def test_the_csrf_token_is_required(self, editor, article):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        response = post_report(client, article=article.pk, form=NEW_FORM, fields=typed_form(article))
        assert response.status_code == 403
        assert not EditSession.objects.exists()

    def test_an_unknown_article_is_not_found(self, editor_client):
        assert post_report(editor_client, article=999999, form=NEW_FORM, fields=[]).status_code == 404


class TestMalformedReports:
    @pytest.mark.parametrize(
        "body",
        [
            "not json",
            "[1, 2]",
            json.dumps({"fields": []}),
            json.dumps({"article": "12", "fields": []}),
            json.dumps({"article": True, "fields": []}),
            json.dumps({"article": 2**40, "fields": []}),
            json.dumps({"form": "short", "fields": []}),
            json.dumps({"form": NEW_FORM, "fields": "headline=x"}),
            json.dumps({"form": NEW_FORM, "fields": [["headline"]]}),
            json.dumps({"form": NEW_FORM, "fields": [["headline", 12]]}),
            json.dumps({"form": NEW_FORM, "fields": [["head line", "x"]]}),
            json.dumps({"form": NEW_FORM, "fields": [["headline", "a\x00b"]]}),
            '{"form": "' + NEW_FORM + '", "fields": [["headline", "\\ud800"]]}',
            json.dumps({"form": NEW_FORM, "fields": [["x", "y"]] * (autosave.MAX_FORM_ENTRIES + 1)}),
            "[" * 100_000,
        ],
        ids=lambda body: body[:40],
    )
    def test_is_refused_with_a_clear_message(self, editor_client, body):
        response = editor_client.post(ENDPOINT, body, content_type="application/json")
        assert response.status_code == 400
        assert response.json()["error"]
        assert not EditSession.objects.exists()

    def test_a_form_too_large_is_refused(self, editor_client):
        fields = [["body", "x" * (autosave.MAX_REPORT_BYTES + 1)]]
        response = post_report(editor_client, form=NEW_FORM, fields=fields)
        assert response.status_code == 413
        assert not EditSession.objects.exists()

    @pytest.mark.parametrize("article_id", ["abc", "-1", "0", "١٢", "99999999999999"])
    def test_a_malformed_article_in_the_query_is_refused(self, editor_client, article_id):
        assert editor_client.get(ENDPOINT, {"article": article_id}).status_code == 400

    def test_other_methods_are_refused(self, editor_client):
        assert editor_client.put(ENDPOINT, "{}", content_type="application/json").status_code == 405
        assert editor_client.get(DISCARD).status_code == 405


class TestPresence:
    def test_another_editor_is_shown_with_the_time_they_started(self, editor_client, article, maria):
        post_report(login(maria), article=article.pk, form=NEW_FORM)
        others = post_report(editor_client, article=article.pk, form="b" * 20).json()["others"]
        maria_since = EditSession.objects.get(user=maria).started_at
        assert others == [{"name": "Maria Okafor", "since": f"{timezone.localtime(maria_since):%H:%M}"}]
        eddie_since = EditSession.objects.exclude(user=maria).get().started_at
        assert post_report(login(maria), article=article.pk, form=NEW_FORM).json()["others"] == [
            {"name": "eddie", "since": f"{timezone.localtime(eddie_since):%H:%M}"}
        ]

    def test_someone_who_stopped_reporting_in_is_no_longer_shown(self, editor_client, article, maria):
        long_ago = timezone.now() - autosave.PRESENCE_TIMEOUT - timezone.timedelta(seconds=1)
        autosave.report_in(maria, article, autosave.Report(article.pk, NEW_FORM, None, None), now=long_ago)
        assert post_report(editor_client, article=article.pk, form=NEW_FORM).json()["others"] == []

    def test_coming_back_after_a_lapse_starts_a_new_since(self, article, maria):
        report = autosave.Report(article.pk, NEW_FORM, None, None)
        started = timezone.now() - timezone.timedelta(hours=2)
        autosave.report_in(maria, article, report, now=started)
        autosave.report_in(maria, article, report, now=started + timezone.timedelta(seconds=10))
        assert EditSession.objects.get().started_at == started
        autosave.report_in(maria, article, report)
        assert EditSession.objects.get().started_at > started + timezone.timedelta(hours=1)

    def test_the_article_list_shows_who_is_editing_in_one_query(self, editor_client, make_article, maria):
        articles = [make_article() for _ in range(6)]
        autosave.report_in(maria, articles[0], autosave.Report(articles[0].pk, NEW_FORM, None, None))
        editor_client.get(LIST_URL)  # the first page of a session reads what later ones find cached
        with CaptureQueriesContext(connection) as one:
            page = editor_client.get(LIST_URL)
        since = EditSession.objects.get().since_label
        assert f"Maria Okafor is editing (since {since})" in page.content.decode()

        for number, target in enumerate(articles[1:5]):
            autosave.report_in(_named_editor(number), target, autosave.Report(target.pk, NEW_FORM, None, None))
        with CaptureQueriesContext(connection) as many:
            page = editor_client.get(LIST_URL)
        assert page.content.decode().count('class="editing-now"') == 5
        assert len(many) == len(one)

    def test_the_list_does_not_show_yourself(self, editor_client, editor, article):
        autosave.report_in(editor, article, autosave.Report(article.pk, NEW_FORM, None, None))
        assert 'class="editing-now"' not in editor_client.get(LIST_URL).content.decode()


def _named_editor(number):
    user = _staff(f"editor{number}", "Editors")
    user.first_name = f"Editor {number}"
    user.save()
    return user
