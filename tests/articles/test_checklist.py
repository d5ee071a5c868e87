"""The checklist before publishing: each rule on its own, and the panel beside the article's form."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from articles import checklist
from articles.models import Article, Image
from tests.articles.public_site import jpeg


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


def picture(width=1600, alt_text="A ferry leaving the northern terminal"):
    image = Image.objects.create(file=ContentFile(jpeg(width=width, height=width // 2), name="ferry.jpg"), alt_text="x")
    # Stored as an import or an old row may have it: the admin's form would refuse an empty alt text.
    Image.objects.filter(pk=image.pk).update(alt_text=alt_text)
    image.refresh_from_db()
    return image


def check_named(article, rule):
    return rule(article, checklist.body_references(article.body))


@pytest.fixture
def ready(make_article):
    """An article that passes every check."""
    return make_article(
        status=Article.Status.REVIEW,
        publish_at=None,
        hero_image=picture(),
        tags=["Ferries"],
        body='<p>Text.</p><figure><img src="/media/a.jpg" alt="The quay"></figure><p><a href="/news/x/y/">More</a></p>',
    )


def test_an_article_ready_to_publish_passes_every_check(ready):
    results = checklist.run_checklist(ready)
    assert [check.label for check in results if not check.passed] == []
    assert len(results) == len(checklist.RULES) == 6


class TestAltText:
    def test_a_body_image_without_alt_text_warns_and_points_to_the_body(self, ready):
        ready.body = '<p>Text.</p><img src="/media/a.jpg" alt="The quay"><img src="/media/b.jpg" alt=" ">'
        result = check_named(ready, checklist.image_alt_text)
        assert not result.passed
        assert result.advice == "1 image in the body without alt text."
        assert result.anchor == "#id_body"

    def test_a_body_image_with_no_alt_attribute_counts_too(self, ready):
        ready.body = '<img src="/media/a.jpg"><img src="/media/b.jpg">'
        assert check_named(ready, checklist.image_alt_text).advice == "2 images in the body without alt text."

    def test_a_hero_image_without_alt_text_warns_and_points_to_the_hero_image(self, ready):
        ready.hero_image = picture(alt_text="")
        result = check_named(ready, checklist.image_alt_text)
        assert not result.passed
        assert result.anchor == "#id_hero_image"

    def test_no_image_at_all_passes(self, make_article):
        assert check_named(make_article(body="<p>Words only.</p>"), checklist.image_alt_text).passed


class TestStandfirst:
    def test_present(self, ready):
        assert check_named(ready, checklist.standfirst_present).passed

    @pytest.mark.parametrize("standfirst", ["", "   "])
    def test_missing_warns(self, ready, standfirst):
        ready.standfirst = standfirst
        result = check_named(ready, checklist.standfirst_present)
        assert not result.passed
        assert result.anchor == "#id_standfirst"


class TestHeadlineLength:
    def test_110_characters_fit(self, ready):
        ready.headline = "h" * 110
        assert check_named(ready, checklist.headline_fits_search_results).passed

    def test_111_characters_warn(self, ready):
        ready.headline = "h" * 111
        result = check_named(ready, checklist.headline_fits_search_results)
        assert not result.passed
        assert result.advice.startswith("111 characters: search results cut it after 110.")
        assert result.anchor == "#id_headline"


class TestHeroImageWidth:
    def test_1200_pixels_are_enough(self, ready):
        ready.hero_image = picture(width=1200)
        assert check_named(ready, checklist.hero_image_wide_enough).passed

    def test_a_narrower_image_warns(self, ready):
        ready.hero_image = picture(width=1199)
        result = check_named(ready, checklist.hero_image_wide_enough)
        assert not result.passed
        assert "1199 px wide" in result.advice
        assert result.anchor == "#id_hero_image"

    def test_no_hero_image_warns(self, ready):
        ready.hero_image = None
        result = check_named(ready, checklist.hero_image_wide_enough)
        assert (result.passed, result.advice) == (False, "Choose a hero image.")


class TestTags:
    def test_one_tag_is_enough(self, ready):
        assert check_named(ready, checklist.has_a_tag).passed

    def test_no_tag_warns(self, make_article):
        result = check_named(make_article(), checklist.has_a_tag)
        assert not result.passed
        assert result.anchor == "#id_tags"


class TestInternalLinks:
    @pytest.mark.parametrize(
        "body",
        [
            '<p><a href="/admin/articles/article/3/change/">see</a></p>',
            '<p><a href="http://testserver.example/preview/abc:def/">draft</a></p>',
            '<p><a href="/preview/abc:def/">draft</a></p>',
            '<p><img src="/admin/whatever.png" alt="Odd"></p>',
        ],
    )
    def test_a_link_to_the_admin_or_a_preview_warns(self, ready, settings, body):
        settings.SITE_URL = "http://testserver.example"
        ready.body = body
        result = check_named(ready, checklist.no_internal_links)
        assert not result.passed
        assert result.anchor == "#id_body"

    @pytest.mark.parametrize(
        "body",
        [
            '<p><a href="/news/world/a-story/">our story</a></p>',
            '<p><a href="https://elsewhere.example/admin/">their admin</a></p>',
            '<p><a href="mailto:desk@example.org">write</a></p>',
        ],
    )
    def test_other_links_pass(self, ready, body):
        ready.body = body
        assert check_named(ready, checklist.no_internal_links).passed


class TestPanelOnTheForm:
    def test_the_form_lists_each_check_with_a_link_to_fix_the_failing_ones(self, editor_client, make_article):
        article = make_article(status=Article.Status.REVIEW, publish_at=None, headline="A" * 120)
        page = editor_client.get(reverse("admin:articles_article_change", args=[article.pk])).content.decode()
        assert 'id="checklist"' in page
        assert "Headline length for search results" in page
        assert '<a href="#id_headline">Fix' in page
        assert '<a href="#id_standfirst">Fix' not in page

    def test_an_editor_may_publish_despite_warnings(self, editor_client, make_article):
        from tests.admin_forms import read_form, with_changes

        article = make_article(status=Article.Status.REVIEW, publish_at=None)
        url = reverse("admin:articles_article_change", args=[article.pk])
        assert not all(check.passed for check in checklist.run_checklist(article))
        response = editor_client.post(url, with_changes(read_form(editor_client.get(url)), status="published"))
        assert response.status_code == 302
        article.refresh_from_db()
        assert article.is_published
