"""Search: what readers find, in what order, and that no query breaks the page.

Ranking, stemming, snippets of matched stems and "did you mean" are
PostgreSQL's (run by `make test-postgres`); the rest holds on both databases.
"""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from taggit.models import Tag

from articles import search
from articles.models import Article, Section
from articles.search import search_articles

postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL search (make test-postgres)")
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite fallback search")

pytestmark = pytest.mark.django_db


def headlines(query, **filters):
    return [article.headline for article in search_articles(query, **filters)]


def search_page(client, **parameters):
    response = client.get("/search/", parameters)
    assert response.status_code == 200
    return response


class TestOnEveryDatabase:
    def test_finds_words_in_headline_standfirst_body_and_tags(self, make_article):
        make_article(headline="Harbour ferry timetable approved")
        make_article(standfirst="The council approved a new ferry timetable.")
        make_article(body="<p>Passengers welcomed the <strong>ferry</strong> timetable.</p>")
        make_article(headline="Council meets", tags=["Ferry services"])
        make_article(headline="Unrelated story about the budget")

        assert len(headlines("ferry")) == 4
        assert headlines("harbour ferry") == ["Harbour ferry timetable approved"]
        assert headlines("budget") == ["Unrelated story about the budget"]

    def test_drafts_scheduled_and_in_review_articles_are_never_found(self, make_article, client):
        make_article(headline="Embargoed treaty text", status=Article.Status.DRAFT, publish_at=None)
        make_article(headline="Treaty signing in review", status=Article.Status.REVIEW, publish_at=None)
        make_article(headline="Scheduled treaty story", publish_at=timezone.now() + timezone.timedelta(hours=1))
        make_article(headline="Published treaty story")

        assert headlines("treaty") == ["Published treaty story"]
        page = search_page(client, q="treaty")
        assert b"Published treaty story" in page.content
        assert b"Embargoed" not in page.content
        assert b"Scheduled treaty" not in page.content
        assert b"in review" not in page.content

    def test_unpublished_article_disappears_from_search(self, make_article):
        article = make_article(headline="Harbour bridge reopens")
        assert headlines("bridge") == ["Harbour bridge reopens"]
        article.status = Article.Status.DRAFT
        article.save()
        assert headlines("bridge") == []

    def test_edits_and_tags_are_searchable_after_saving(self, make_article):
        article = make_article(headline="Harbour bridge reopens")
        article.headline = "Railway station reopens"
        article.save()
        assert headlines("railway") == ["Railway station reopens"]
        assert headlines("bridge") == []

        article.tags.set(["Infrastructure"])
        assert headlines("infrastructure") == ["Railway station reopens"]
        article.tags.clear()
        assert headlines("infrastructure") == []

    def test_renamed_and_deleted_tags_follow(self, make_article):
        make_article(headline="Harbour bridge reopens", tags=["Transport"])
        tag = Tag.objects.get(name="Transport")
        tag.name = "Mobility"
        tag.save()
        assert headlines("mobility") == ["Harbour bridge reopens"]
        assert headlines("transport") == []
        tag.delete()
        assert headlines("mobility") == []

    def test_headline_matches_come_before_newer_mentions_in_the_text(self, make_article):
        make_article(headline="Markets steady", body="<p>The ferry strike goes on.</p>", publish_at=timezone.now())
        make_article(
            headline="Traders count the cost",
            alternative_headline="Ferry strike hits the harbour",
            publish_at=timezone.now() - timezone.timedelta(days=20),
        )
        make_article(headline="Ferry strike ends", publish_at=timezone.now() - timezone.timedelta(days=400))
        assert headlines("ferry strike")[-1] == "Markets steady"
        assert sorted(headlines("ferry strike")[:2]) == ["Ferry strike ends", "Traders count the cost"]

    def test_minus_excludes_a_word(self, make_article):
        make_article(headline="Budget talks in the senate")
        make_article(headline="Budget talks in the council")
        assert headlines("budget -senate") == ["Budget talks in the council"]

    def test_filters_by_section_including_its_subsections(self, make_article, section):
        politics = Section.objects.create(name="Political News", slug="political-news")
        elections = Section.objects.create(name="Elections", slug="elections", parent=politics)
        make_article(headline="Vote count in the world", section=section)
        make_article(headline="Vote count in politics", section=politics)
        make_article(headline="Vote count in elections", section=elections)

        assert sorted(headlines("vote", section=politics)) == ["Vote count in elections", "Vote count in politics"]
        assert headlines("vote", section=elections) == ["Vote count in elections"]

    def test_filters_by_publication_dates_both_included(self, make_article):
        now = timezone.localtime()
        make_article(headline="Vote today", publish_at=now - timezone.timedelta(minutes=1))
        make_article(headline="Vote ten days ago", publish_at=now - timezone.timedelta(days=10))
        make_article(headline="Vote a month ago", publish_at=now - timezone.timedelta(days=30))
        today = now.date()

        assert headlines("vote", published_from=today - timezone.timedelta(days=10)) == [
            "Vote today",
            "Vote ten days ago",
        ]
        assert headlines(
            "vote", published_from=today - timezone.timedelta(days=31), published_to=today - timezone.timedelta(days=10)
        ) == ["Vote ten days ago", "Vote a month ago"]
        assert headlines("vote", published_to=today - timezone.timedelta(days=40)) == []

    def test_search_page_applies_filters_and_reports_invalid_ones(self, make_article, section, client):
        other = Section.objects.create(name="US News", slug="us-news")
        make_article(headline="Vote in the world", section=section)
        make_article(headline="Vote in the US", section=other)

        page = search_page(client, q="vote", section="us-news")
        assert [article.headline for article in page.context["page"]] == ["Vote in the US"]

        page = search_page(client, q="vote", section="no-such-section", **{"from": "2024-13-45", "to": "yesterday"})
        assert len(page.context["page"]) == 2
        assert set(page.context["form"].errors) == {"section", "from", "to"}
        assert page.content.count(b"This filter was left out.") == 3

    def test_paginates_results(self, make_article, client):
        for number in range(25):
            make_article(headline=f"Ferry story {number}")
        first = search_page(client, q="ferry")
        assert first.context["page"].paginator.count == 25
        assert len(first.context["page"]) == 20
        second = search_page(client, q="ferry", page=2)
        assert len(second.context["page"]) == 5
        shown = [article.headline for page in (first, second) for article in page.context["page"]]
        assert shown == headlines("ferry")

    @pytest.mark.parametrize(
        "hostile",
        [
            "ferry " * 200,
            "x" * 1000,
            '"unclosed quote ferry',
            '"ferry timetable" -budget or council',
            "ferry\x00timetable",
            "\x00",
            "<script>alert('ferry')</script>",
            "ferry & | ! :* ( ) <-> \\ ' ;",
            "' OR 1=1; DROP TABLE articles_article; --",
            "or",
            "-",
            "ñandú 東京 🚢",
        ],
    )
    def test_hostile_queries_get_a_normal_answer(self, make_article, client, hostile):
        make_article(headline="Ferry timetable approved")
        page = search_page(client, q=hostile)
        assert b"<script>alert" not in page.content

    @pytest.mark.parametrize(
        "parameters",
        [
            {"section": "\x00"},
            {"section": "x" * 1000},
            {"from": "0001-01-01", "to": "9999-12-31"},
            {"from": "9999-12-31"},
            {"to": "0001-01-01"},
            {"from": "2024-02-30", "to": "\x00"},
            {"from": "2025-01-10", "to": "2025-01-01"},
        ],
    )
    def test_hostile_filters_get_a_normal_answer(self, make_article, client, parameters):
        make_article(headline="Ferry timetable approved")
        search_page(client, q="ferry", **parameters)

    def test_invalid_page_is_not_found_rather_than_an_error(self, make_article, client):
        make_article(headline="Ferry timetable approved")
        assert client.get("/search/", {"q": "ferry", "page": "\x00"}).status_code == 404

    def test_snippet_highlights_the_match_and_escapes_the_text(self, make_article, client):
        make_article(
            body="<p>The ferry sails when 5 &lt; 6 &amp; &quot;calm&quot; &lt;script&gt;alert(1)&lt;/script&gt;.</p>"
        )
        page = search_page(client, q="ferry")
        snippet = page.context["page"][0].snippet
        assert "<mark>ferry</mark>" in snippet
        assert snippet in page.content.decode()
        assert "5 &lt; 6 &amp; &quot;calm" in snippet
        assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")

    def test_query_count_does_not_grow_with_results(self, make_article, client):
        def queries_for(query):
            with CaptureQueriesContext(connection) as queries:
                search_page(client, q=query)
            return len(queries)

        for number in range(3):
            make_article(headline=f"Quiet ferry {number}", tags=["Transport"])
        for number in range(30):
            make_article(headline=f"Crowded harbour {number}", tags=["Transport", f"Tag {number}"])
        queries_for("warm up the site-wide caches")
        assert queries_for("harbour") == queries_for("quiet")


@postgres_only
class TestOnPostgres:
    def test_headline_match_ranks_above_body_only_match(self, make_article):
        make_article(
            headline="Markets steady",
            body="<p>The ceasefire held.</p>" * 5,
            publish_at=timezone.now() - timezone.timedelta(minutes=1),
        )
        make_article(headline="Ceasefire agreed", publish_at=timezone.now() - timezone.timedelta(days=3))
        assert headlines("ceasefire") == ["Ceasefire agreed", "Markets steady"]

    def test_alternative_headline_tags_and_standfirst_rank_above_body(self, make_article):
        make_article(headline="In the body", body="<p>Tariff.</p>", publish_at=timezone.now())
        make_article(headline="In the tags", tags=["Tariff"], publish_at=timezone.now() - timezone.timedelta(days=1))
        assert headlines("tariff") == ["In the tags", "In the body"]

    def test_only_the_newest_matches_are_ranked_and_counted(self, make_article, client, monkeypatch):
        monkeypatch.setattr(search, "RANKED_MATCHES", 3)
        for number in range(3):
            make_article(headline=f"Recent story {number}", body="<p>The ferry sails.</p>")
        make_article(
            headline="Old story",
            body="<p>The ferry sails.</p>",
            publish_at=timezone.now() - timezone.timedelta(days=365),
        )

        page = search_page(client, q="ferry")
        assert [article.headline for article in page.context["page"]] == [f"Recent story {n}" for n in range(3)]
        assert "3+ results" in page.content.decode()
        narrowed = search_page(client, q="ferry", to=(timezone.localdate() - timezone.timedelta(days=300)).isoformat())
        assert [article.headline for article in narrowed.context["page"]] == ["Old story"]
        assert not narrowed.context["results_capped"]

    def test_an_old_story_is_found_by_its_headline_above_every_newer_text_match(
        self, make_article, client, monkeypatch
    ):
        monkeypatch.setattr(search, "RANKED_MATCHES", 3)
        now = timezone.now()
        make_article(
            headline="Harbour ferry strike ends",
            alternative_headline="Ferries sail again after six weeks",
            publish_at=now - timezone.timedelta(days=700),
        )
        for number in range(4):
            make_article(
                headline=f"Harbour ferry strike ends? Unions vote again, day {number}",
                body="<p>Nobody knows when the harbour ferry strike ends.</p>",
                publish_at=now - timezone.timedelta(days=10 + number),
            )
        for number in range(4):
            make_article(
                headline=f"Markets steady {number}",
                body="<p>Traders hope the harbour ferry strike ends and the ferries sail again.</p>",
                publish_at=now - timezone.timedelta(hours=number + 1),
            )
        newer_headline_matches = {f"Harbour ferry strike ends? Unions vote again, day {n}" for n in range(4)}
        newest_text_matches = [f"Markets steady {n}" for n in range(3)]

        for query in ("harbour ferry strike ends", '"harbour ferry strike ends"', "Harbour ferry strike ends!"):
            page = search_page(client, q=query)
            found = [article.headline for article in page.context["page"]]
            assert found[0] == "Harbour ferry strike ends"
            assert set(found[1:5]) == newer_headline_matches
            assert found[5:] == newest_text_matches
            assert page.context["page"].paginator.count == 8
            assert "8+ results" in page.content.decode()
            assert "<mark>harbour</mark>" in page.context["page"][1].snippet.lower()

        assert headlines("ferries sail again") == ["Harbour ferry strike ends", *newest_text_matches]
        before_the_newer_stories = (timezone.localdate() - timezone.timedelta(days=300)).isoformat()
        narrowed = search_page(client, q="harbour ferry strike ends", to=before_the_newer_stories)
        assert [article.headline for article in narrowed.context["page"]] == ["Harbour ferry strike ends"]
        last_month = (timezone.localdate() - timezone.timedelta(days=30)).isoformat()
        recent = search_page(client, q="harbour ferry strike ends", **{"from": last_month})
        assert "Harbour ferry strike ends" not in [article.headline for article in recent.context["page"]]

    def test_an_old_story_is_found_by_its_headline_among_hundreds_of_newer_ones(self, section, client):
        """At the real size of the ranked window: more newer stories share the
        headline's words, in their headlines and their text, than are ranked."""
        now = timezone.now()
        headline_sharers = search.RANKED_MATCHES + 50
        text_mentions = 30

        def article(number, headline, body, age):
            return Article(
                headline=headline,
                slug=f"bulk-{number}",
                section=section,
                standfirst="A short summary of the story.",
                body=body,
                body_text=body,
                status=Article.Status.PUBLISHED,
                publish_at=now - age,
            )

        Article.objects.bulk_create(
            [article(0, "Harbour ferry strike ends", "The ferries sail.", timezone.timedelta(days=900))]
            + [
                article(
                    number,
                    f"Harbour ferry strike ends? Unions vote again, day {number}",
                    "Nobody knows when the harbour ferry strike ends.",
                    timezone.timedelta(hours=text_mentions + number),
                )
                for number in range(1, headline_sharers + 1)
            ]
            + [
                article(
                    headline_sharers + number,
                    f"Markets steady {number}",
                    "Traders hope the harbour ferry strike ends.",
                    timezone.timedelta(minutes=number + 1),
                )
                for number in range(1, text_mentions + 1)
            ]
        )
        Article.objects.all().refresh_search_index()

        for query in ("harbour ferry strike ends", '"harbour ferry strike ends"'):
            first_page = search_page(client, q=query).context["page"]
            assert first_page[0].headline == "Harbour ferry strike ends"
            assert not any(article.headline.startswith("Markets") for article in first_page)

            everything = [article.headline for article in search_articles(query)]
            assert len(everything) == len(set(everything)) == first_page.paginator.count
            assert len(everything) == 1 + headline_sharers + text_mentions
            assert all(headline.startswith("Harbour") for headline in everything[: 1 + headline_sharers])

    def test_a_story_is_found_by_its_exact_headline_however_many_newer_headlines_share_its_words(
        self, make_article, client, monkeypatch
    ):
        monkeypatch.setattr(search, "RANKED_MATCHES", 3)
        monkeypatch.setattr(search, "HEADLINE_MATCHES", 2)
        now = timezone.now()
        make_article(headline="Harbour strike", publish_at=now - timezone.timedelta(days=3000))
        for number in range(6):
            make_article(
                headline=f"Harbour strike talks resume, day {number}",
                publish_at=now - timezone.timedelta(days=number + 1),
            )

        for query in ("harbour strike", '"Harbour strike"', "HARBOUR STRIKE!"):
            found = [article.headline for article in search_page(client, q=query).context["page"]]
            assert found[0] == "Harbour strike"
            assert len(found) == 1 + 3 + 2

    def test_the_migration_fills_the_same_headline_vectors_as_saving(self, make_article):
        make_article(headline="Harbour ferry strike ends", alternative_headline="Ferries sail again")
        make_article(headline="Markets steady")
        saved = dict(Article.objects.values_list("pk", "headline_vector"))
        Article.objects.update(headline_vector=None)
        migration = importlib.import_module("articles.migrations.0006_headline_search")
        with connection.cursor() as cursor:
            cursor.execute(migration.FILL_HEADLINE_VECTORS)
        assert dict(Article.objects.values_list("pk", "headline_vector")) == saved

    def test_stemming_finds_negotiations_for_negotiate(self, make_article):
        make_article(headline="Ceasefire negotiations resume")
        make_article(headline="Markets steady")
        assert headlines("negotiate") == ["Ceasefire negotiations resume"]
        assert headlines("negotiating") == ["Ceasefire negotiations resume"]

    def test_websearch_phrase_and_or(self, make_article):
        make_article(headline="Trade talks collapse")
        make_article(headline="Talks on trade collapse")
        make_article(headline="Energy summit")
        assert headlines('"trade talks"') == ["Trade talks collapse"]
        assert sorted(headlines("energy or collapse")) == [
            "Energy summit",
            "Talks on trade collapse",
            "Trade talks collapse",
        ]

    def test_snippet_highlights_stemmed_matches_in_the_body(self, make_article, client):
        make_article(body="<p>After long negotiations, the envoys agreed.</p>")
        article = search_page(client, q="negotiate").context["page"][0]
        assert "<mark>negotiations</mark>" in article.snippet

    def test_misspelling_gets_a_suggestion_that_keeps_the_filters(self, make_article, client, section):
        make_article(headline="Ceasefire negotiations resume")

        page = search_page(client, q="negociations", section=section.slug)
        assert "0 results" in page.content.decode()
        suggestion = page.context["suggestion"]
        assert suggestion.query == "negotiations"
        assert suggestion.url == f"/search/?q=negotiations&section={section.slug}"
        assert f'Did you mean <a href="/search/?q=negotiations&amp;section={section.slug}">'.encode() in page.content
        assert len(search_page(client, q=suggestion.query).context["page"]) == 1

    def test_no_suggestion_when_the_query_finds_something(self, make_article, client):
        make_article(headline="Ceasefire agreed")
        make_article(headline="Markets steady", body="<p>The ceasfire held.</p>")
        assert search_page(client, q="ceasfire").context["suggestion"] is None
        assert search_page(client, q="ceasfire agreed").context["suggestion"].query == "ceasefire agreed"

    def test_no_suggestion_from_words_only_unpublished_articles_contain(self, make_article, client):
        make_article(headline="Zanzibar embargo lifted", status=Article.Status.DRAFT, publish_at=None)
        assert search_page(client, q="zanzibarr").context["suggestion"] is None


@sqlite_only
class TestOnSqlite:
    def test_snippet_shows_the_text_around_the_first_match(self, make_article, client):
        words = " ".join(f"word{number}" for number in range(100))
        make_article(body=f"<p>{words} ferry {words}</p>")
        snippet = search_page(client, q="FERRY").context["page"][0].snippet
        assert "<mark>ferry</mark>" in snippet
        assert snippet.startswith("word90 ")

    def test_offers_no_suggestion(self, make_article, client):
        make_article(headline="Ceasefire negotiations resume")
        assert search_page(client, q="negociations").context["suggestion"] is None
