"""Comparing revisions tells the truth: the compare page lists every field a restore changes and marks
what it keeps, a restore does exactly that, any two revisions compare word by word, and only those who may
see or change the article see its history or restore it."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles.models import Article, Author, Correction
from articles.revisions import word_diff
from tests.admin_forms import form_errors, read_form, with_changes
from tests.articles.public_site import make_image


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def compare_url(article, version):
    return reverse("admin:articles_article_compare", args=[article.pk, version.pk])


def revisions_url(article, older, newer):
    return reverse("admin:articles_article_compare_revisions", args=[article.pk, older.pk, newer.pk])


def history_url(article):
    return reverse("admin:articles_article_history", args=[article.pk])


def pick_url(article):
    return reverse("admin:articles_article_compare_pick", args=[article.pk])


def restore_url(article, version):
    return reverse("admin:articles_article_revision", args=[article.pk, version.pk])


def versions_of(article):
    return list(Version.objects.get_for_object(article).select_related("revision").order_by("pk"))


def save(client, article, **changes):
    response = client.post(change_url(article), with_changes(read_form(client.get(change_url(article))), **changes))
    assert response.status_code == 302, form_errors(response)


WAITING = (
    '<p>The board met on Tuesday and voted to wait.</p><p>See <a href="https://example.org/{}">the minutes</a>.</p>'
)


def with_new_byline(form, author, position):
    row = int(form["bylines-TOTAL_FORMS"])
    return {
        "bylines-TOTAL_FORMS": str(row + 1),
        f"bylines-{row}-author": str(author.pk),
        f"bylines-{row}-position": str(position),
    }


def with_new_correction(form, text, when):
    row = int(form["corrections-TOTAL_FORMS"])
    local = timezone.localtime(when)
    return {
        "corrections-TOTAL_FORMS": str(row + 1),
        f"corrections-{row}-kind": Correction.Kind.CORRECTION,
        f"corrections-{row}-text": text,
        f"corrections-{row}-published_at_0": local.strftime("%Y-%m-%d"),
        f"corrections-{row}-published_at_1": local.strftime("%H:%M:%S"),
    }


def to_the_second(value):
    return value.replace(microsecond=0) if value else value


def stored(article):
    """Everything an editor can change on the article, read from the database."""
    article = Article.objects.get(pk=article.pk)
    return {
        "headline": article.headline,
        "alternative_headline": article.alternative_headline,
        "slug": article.slug,
        "section": article.section_id,
        "standfirst": article.standfirst,
        "body": article.body,
        "hero_image": article.hero_image_id,
        "hero_caption": article.hero_caption,
        "tags": sorted(article.tags.names()),
        "related_articles": sorted(article.related_articles.values_list("pk", flat=True)),
        "bylines": list(article.bylines.order_by("position", "pk").values_list("author_id", flat=True)),
        "corrections": [
            (correction.kind, correction.text, to_the_second(correction.published_at))
            for correction in article.corrections.order_by("published_at", "pk")
        ],
        "status": article.status,
        "publish_at": to_the_second(article.publish_at),
        "priority": article.priority,
        "comments_enabled": article.comments_enabled,
    }


def listed_fields(changes):
    """The stored fields a list of compare-page changes stands for (the body's markup is the body)."""
    return {"body" if change.name == "body_markup" else change.name for change in changes}


@pytest.fixture(autouse=True)
def _uploads(media_root):
    return media_root


@pytest.fixture
def second_author(db):
    return Author.objects.create(name="Bea Columnist", slug="bea-columnist")


@pytest.fixture
def rich_history(client, editor, make_article, author, second_author):
    """An article saved three times through the admin, each time with another hero image, byline, tags,
    corrections, body and front-page placement."""
    first_image, second_image = make_image("first", alt_text="A ferry at the quay"), make_image("second")
    neighbour = make_article(headline="The ferry timetable for the winter")
    article = make_article(
        hero_image=first_image,
        tags=["Ferries"],
        body='<p>The board met on Tuesday.</p><p>See <a href="https://example.org/a">the minutes</a>.</p>',
    )
    client.force_login(editor)
    save(client, article)

    form = read_form(client.get(change_url(article)))
    correction_time = timezone.now() - timezone.timedelta(hours=1)
    second = with_changes(
        form,
        headline="The board delays the ferry contract",
        hero_image=str(second_image.pk),
        tags="Ferries, Budget",
        related_articles=str(neighbour.pk),
        priority="2",
        body=WAITING.format("a"),
        **with_new_byline(form, second_author, 1),
        **with_new_correction(form, "An earlier version gave the wrong day.", correction_time),
    )
    response = client.post(change_url(article), second)
    assert response.status_code == 302, form_errors(response)

    form = read_form(client.get(change_url(article)))
    third = with_changes(
        form,
        hero_image="",
        tags="Budget",
        comments_enabled="",
        slug="board-delays-contract",
        body=WAITING.format("b"),
        **{"bylines-0-DELETE": "on", "corrections-0-text": "An earlier version gave the wrong day of the vote."},
    )
    response = client.post(change_url(article), third)
    assert response.status_code == 302, form_errors(response)
    return article, first_image, second_image


class TestRestoreDoesWhatCompareShows:
    def test_revisions_keep_hero_image_bylines_tags_and_corrections(self, rich_history, author, second_author):
        article, first_image, second_image = rich_history
        first, second, third = versions_of(article)
        assert first.field_dict["hero_image_id"] == first_image.pk
        assert second.field_dict["hero_image_id"] == second_image.pk
        assert third.field_dict["hero_image_id"] is None
        links = [version for version in second.revision.version_set.all() if version.content_type.model == "taggeditem"]
        assert len(links) == 2

    def test_compare_lists_every_field_a_restore_changes(self, client, editor, rich_history):
        article, _first_image, _second_image = rich_history
        first = versions_of(article)[0]
        client.force_login(editor)
        response = client.get(compare_url(article, first))
        assert response.status_code == 200
        restored = [change.name for change in response.context["changes"]]
        kept = [change.name for change in response.context["kept_changes"]]
        assert restored == [
            "headline",
            "body",
            "body_markup",
            "hero_image",
            "tags",
            "related_articles",
            "bylines",
            "corrections",
        ]
        assert kept == ["slug", "priority", "comments_enabled"]
        page = response.content.decode()
        assert "kept on restore" in page
        assert "Hero image" in page

    def test_compare_shows_which_hero_image_a_restore_brings_back(self, client, editor, rich_history):
        article, first_image, _second_image = rich_history
        client.force_login(editor)
        response = client.get(compare_url(article, versions_of(article)[0]))
        [hero] = [change for change in response.context["changes"] if change.name == "hero_image"]
        assert (hero.before, hero.after.startswith(f"Image {first_image.pk}: A ferry at the quay")) == ("", True)
        assert f"<ins>Image {first_image.pk}: A ferry at the quay" in str(hero.diff)

    @pytest.mark.parametrize("order", [[0, 1, 2], [1, 0, 2], [2, 0, 1]])
    def test_restore_changes_exactly_what_compare_listed(self, client, editor, rich_history, order):
        """For several revisions in turn: the fields that changed in the database are the fields the
        compare page listed as restored, the kept ones did not change, and afterwards the compare page has
        nothing left that a restore would change."""
        article, _first_image, _second_image = rich_history
        versions = versions_of(article)
        client.force_login(editor)
        for version in (versions[number] for number in order):
            compared = client.get(compare_url(article, version)).context
            restored, kept = compared["changes"], compared["kept_changes"]
            before = stored(article)

            form = read_form(client.get(restore_url(article, version)))
            response = client.post(restore_url(article, version), with_changes(form))
            assert response.status_code == 302, form_errors(response)

            after = stored(article)
            changed = {name for name in before if before[name] != after[name]}
            assert changed == listed_fields(restored), version.revision.get_comment()
            assert not changed & listed_fields(kept)
            again = client.get(compare_url(article, version)).context
            assert again["changes"] == []
            assert [change.name for change in again["kept_changes"]] == [change.name for change in kept]

    def test_a_revision_whose_hero_image_was_deleted_restores_none_as_compare_says(self, client, editor, rich_history):
        article, first_image, _second_image = rich_history
        first = versions_of(article)[0]
        first_image.delete()
        client.force_login(editor)
        save(client, article, hero_image=str(_second_image.pk))
        response = client.get(compare_url(article, first))
        [hero] = [change for change in response.context["changes"] if change.name == "hero_image"]
        assert hero.after == ""
        form = read_form(client.get(restore_url(article, first)))
        assert client.post(restore_url(article, first), with_changes(form)).status_code == 302
        assert stored(article)["hero_image"] is None

    def test_a_version_of_another_object_restores_nothing(self, client, editor, rich_history, make_article):
        """Reversion looks a version up by its object's id alone: a byline's version with the number of
        another article must not restore that article's revision."""
        article, _first_image, _second_image = rich_history
        byline_version = next(
            version
            for version in Version.objects.filter(content_type__model="byline")
            if version.object_id != str(article.pk)
        )
        target_pk = int(byline_version.object_id)
        target = Article.objects.filter(pk=target_pk).first() or make_article(pk=target_pk)
        before = stored(target), stored(article)
        client.force_login(editor)
        assert client.get(restore_url(target, byline_version)).status_code == 404
        assert client.post(restore_url(target, byline_version), {}).status_code == 404
        assert (stored(target), stored(article)) == before


class TestCompareTwoRevisions:
    def test_word_level_changes_between_two_revisions(self, client, editor, rich_history):
        article, _first_image, _second_image = rich_history
        first, second, _third = versions_of(article)
        client.force_login(editor)
        response = client.get(revisions_url(article, first, second))
        assert response.status_code == 200
        changes = {change.name: change for change in response.context["changes"]}
        assert "met on <del>Tuesday.</del> <ins>Tuesday and voted to wait.</ins>" in str(changes["body"].diff)
        assert response.context["kept_changes"] == []
        assert "slug" not in changes

    def test_two_revisions_read_earlier_first_in_either_order(self, client, editor, rich_history):
        article, _first_image, _second_image = rich_history
        first, second, _third = versions_of(article)
        client.force_login(editor)
        forward = client.get(revisions_url(article, first, second)).context["changes"]
        backward = client.get(revisions_url(article, second, first)).context["changes"]
        assert forward == backward

    def test_the_history_offers_two_choices_and_sends_them_to_the_compare_page(self, client, editor, rich_history):
        article, _first_image, _second_image = rich_history
        first, second, _third = versions_of(article)
        client.force_login(editor)
        page = client.get(history_url(article)).content.decode()
        assert f'name="older" value="{first.pk}"' in page
        assert f'name="newer" value="{second.pk}"' in page
        assert 'name="newer" value="current"' in page
        picked = client.get(pick_url(article), {"older": first.pk, "newer": second.pk})
        assert picked.status_code == 302
        assert picked["Location"] == revisions_url(article, first, second)
        with_current = client.get(pick_url(article), {"older": first.pk, "newer": "current"})
        assert with_current["Location"] == compare_url(article, first)

    @pytest.mark.parametrize(
        "query",
        [{}, {"older": "x", "newer": "current"}, {"older": "²", "newer": "current"}, {"older": "9" * 40}],
    )
    def test_a_choice_that_is_no_pair_of_revisions_is_refused_clearly(self, client, editor, rich_history, query):
        article, _first_image, _second_image = rich_history
        client.force_login(editor)
        assert client.get(pick_url(article), query).status_code == 400

    def test_the_same_revision_twice_or_one_of_another_article_is_refused(
        self, client, editor, rich_history, make_article
    ):
        article, _first_image, _second_image = rich_history
        first = versions_of(article)[0]
        other = make_article()
        client.force_login(editor)
        save(client, other)
        foreign = versions_of(other)[0]
        assert client.get(pick_url(article), {"older": first.pk, "newer": first.pk}).status_code == 400
        assert client.get(pick_url(article), {"older": foreign.pk, "newer": "current"}).status_code == 400
        assert client.get(revisions_url(article, first, foreign)).status_code == 404
        assert client.get(compare_url(article, foreign)).status_code == 404


class TestWordDiff:
    def test_changed_words_are_marked_and_the_rest_left_alone(self):
        html = str(word_diff("The harbour talks began.", "The harbour talks collapsed."))
        assert html == (
            '<p class="revision-diff__line revision-diff__line--changed">'
            "The harbour talks <del>began.</del> <ins>collapsed.</ins></p>"
        )

    def test_text_is_escaped(self):
        html = str(word_diff("Tom & <b>Jerry</b>", "Tom & <script>alert(1)</script>"))
        assert "<script>" not in html and "<b>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_long_unchanged_stretches_are_summed_up(self):
        before = "\n".join(f"Paragraph {number} is unchanged." for number in range(20))
        after = before.replace("Paragraph 10 is", "Paragraph 10 was")
        html = str(word_diff(before, after, elide=True))
        assert html.count("<p") == 5
        assert "… 9 unchanged lines …" in html

    def test_a_body_of_many_thousand_words_rewritten_throughout_is_compared_quickly(self):
        before = " ".join(f"w{number}" for number in range(20_000))
        after = " ".join(f"w{number}" if number % 40 else "changed" for number in range(20_000))
        html = str(word_diff(before, after))
        assert "<del>w0</del> <ins>changed</ins> w1" in html
        assert html.count("<del>") == 500


class TestWhoSeesTheHistory:
    @pytest.fixture
    def published(self, client, editor, make_article, reporter):
        article = make_article(authors=[reporter.author_profile])
        Article.objects.filter(pk=article.pk).update(created_by=reporter)
        client.force_login(editor)
        save(client, article, headline="An edited headline")
        save(client, article, headline="Edited again")
        client.logout()
        return article

    def test_a_moderator_sees_no_history_and_no_comparison(self, client, moderator, published):
        client.force_login(moderator)
        first, second = versions_of(published)
        for url in [history_url(published), compare_url(published, first), revisions_url(published, first, second)]:
            assert client.get(url).status_code == 403, url
        assert client.get(pick_url(published), {"older": first.pk, "newer": "current"}).status_code == 403

    def test_a_reporter_sees_a_published_articles_history_but_may_not_restore_it(self, client, reporter, published):
        client.force_login(reporter)
        first = versions_of(published)[0]
        history = client.get(history_url(published))
        assert history.status_code == 200
        assert restore_url(published, first) not in history.content.decode()
        compared = client.get(compare_url(published, first))
        assert compared.status_code == 200
        assert restore_url(published, first) not in compared.content.decode()
        assert client.get(restore_url(published, first)).status_code == 403

    def test_a_reporter_restores_their_own_draft(self, client, reporter, make_article):
        article = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
        Article.objects.filter(pk=article.pk).update(created_by=reporter)
        client.force_login(reporter)
        save(client, article, headline="The reporter's first headline")
        save(client, article, headline="The reporter's second headline")
        first = versions_of(article)[0]
        compared = client.get(compare_url(article, first))
        assert restore_url(article, first) in compared.content.decode()
        form = read_form(client.get(restore_url(article, first)))
        assert client.post(restore_url(article, first), with_changes(form)).status_code == 302
        assert Article.objects.get(pk=article.pk).headline == "The reporter's first headline"

    def test_an_editor_sees_restore_links(self, client, editor, published):
        client.force_login(editor)
        first = versions_of(published)[0]
        assert restore_url(published, first) in client.get(history_url(published)).content.decode()


class TestBoundedQueries:
    def queries(self, client, url):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def test_history_and_compare_cost_the_same_for_few_and_many(self, client, editor, make_article, author):
        authors = [Author.objects.create(name=f"Writer {number}", slug=f"writer-{number}") for number in range(12)]
        small = make_article(tags=["One"])
        large = make_article(tags=[f"Tag {number}" for number in range(12)], authors=authors)
        client.force_login(editor)
        for article, saves in [(small, 2), (large, 12)]:
            for number in range(saves):
                save(client, article, headline=f"Headline number {number}")
        counts = {}
        for name, article in [("small", small), ("large", large)]:
            first, second = versions_of(article)[:2]
            counts[name] = (
                self.queries(client, history_url(article)),
                self.queries(client, compare_url(article, first)),
                self.queries(client, revisions_url(article, first, second)),
            )
        assert counts["small"] == counts["large"]
