"""Text pasted from a word processor: characters XML 1.0 forbids (Word's manual
line break U+000B, its page break U+000C, other C0 controls, U+FFFE/U+FFFF, lone
surrogates) are cleaned from editorial text on the way in, and never break a
feed or a sitemap on the way out, even when a stored row still holds them."""

import re
from xml.etree import ElementTree

import feedparser
import pytest
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from taggit.models import Tag

from articles.models import Article, Author, Correction, Section
from newsroom.models import FooterLink, SiteSettings
from newsroom.text import clean_line, clean_text
from tests.admin_forms import form_errors, read_form, with_changes
from tests.articles.public_site import make_image

pytestmark = pytest.mark.django_db

ADD_URL = "/admin/articles/article/add/"
FEEDS = ["/feed/", "/feed/atom/", "/section/world-news/feed/"]
NEWS_SITEMAP = "/sitemap-news.xml"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
FORBIDDEN_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

# As pasted from a word processor: a manual line break, stray controls and a non-character.
PASTED_HEADLINE = "Harbour board\x0bdelays the ferry\x01 contract\ufffe"
CLEAN_HEADLINE = "Harbour board delays the ferry contract"
PASTED_STANDFIRST = "Both bids were over budget.\x0bA new tender\x1f opens\x0cin the autumn."
CLEAN_STANDFIRST = "Both bids were over budget.\nA new tender opens\nin the autumn."


def assert_fit_for_xml(*texts):
    for text in texts:
        assert not FORBIDDEN_IN_XML.search(text), repr(text)


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


class TestCleaning:
    def test_word_breaks_become_newlines_in_multi_line_text(self):
        assert clean_text("One\x0bTwo\x0cThree\u2028Four\u2029Five") == "One\nTwo\nThree\nFour\nFive"

    def test_every_break_becomes_a_space_in_a_single_line(self):
        assert clean_line("One\x0bTwo\r\nThree\nFour\u2028Five") == "One Two Three Four Five"

    def test_forbidden_characters_are_removed_and_the_rest_kept(self):
        kept = "Tab\there, café, 東京, emoji 🚢, \u00a0no-break, \u0085 and \x7f"
        assert clean_text("\x00\x01\x08" + kept + "\x0e\x1f\ud800\udfff\ufffe\uffff") == kept

    def test_anything_but_text_is_left_alone(self):
        assert clean_text(None) is None and clean_line(3) == 3


class TestOnTheWayIn:
    def test_the_article_form_stores_clean_headline_standfirst_body_and_tags(self, client, editor, section, author):
        Tag.objects.create(name="Harbour board")
        client.force_login(editor)
        form = read_form(client.get(ADD_URL))
        response = client.post(
            ADD_URL,
            with_changes(
                form,
                headline=PASTED_HEADLINE,
                alternative_headline="Ferry\x0bcontract delayed",
                slug="harbour-board-delays",
                section=str(section.pk),
                standfirst=PASTED_STANDFIRST,
                body="<p>The vote\x0bwas close &#11; and &#x1; late.</p>",
                hero_caption="The terminal\x0bat dusk",
                tags="Harbour\x0bboard, Ferries\x01",
                **{"bylines-0-author": str(author.pk)},
            ),
        )
        assert response.status_code == 302, form_errors(response)
        article = Article.objects.get(slug="harbour-board-delays")
        assert article.headline == CLEAN_HEADLINE
        assert article.alternative_headline == "Ferry contract delayed"
        assert article.standfirst == CLEAN_STANDFIRST
        assert article.hero_caption == "The terminal at dusk"
        assert_fit_for_xml(article.body, article.body_text)
        # The pasted tag is the existing one, not a twin.
        assert sorted(article.tags.names()) == ["Ferries", "Harbour board"]
        assert Tag.objects.count() == 2

    def test_saving_through_the_orm_stores_clean_text_everywhere(self, make_article):
        section = Section.objects.create(name="Port\x0bNews", slug="port-news", description="Ships\x0cand\x00 boats")
        author = Author.objects.create(name="Ada\x0bReporter\ud800", slug="ada", bio="Covers\x0bthe port.\x02")
        image = make_image(alt_text="A ferry\x0bat dusk", caption="The terminal\x0c", credit="Staff\x1f photographer")
        article = make_article(
            headline=PASTED_HEADLINE,
            standfirst=PASTED_STANDFIRST,
            section=section,
            authors=[author],
            hero_image=image,
            tags=["Ferries\x0bnews"],
        )
        correction = Correction.objects.create(article=article, text="An earlier version\x0bgave the wrong date.")
        site = SiteSettings.current()
        site.name, site.tagline, site.footer_text = "The\x0bGazette", "News\x01 daily", "Harbour\x0bRoad 1"
        site.save()
        FooterLink.objects.create(label="About\x0bus", url="/about/")

        for row in (section, author, image, article, correction, site):
            row.refresh_from_db()
        assert article.headline == CLEAN_HEADLINE and article.standfirst == CLEAN_STANDFIRST
        assert (section.name, author.name, site.name) == ("Port News", "Ada Reporter", "The Gazette")
        assert list(article.tags.names()) == ["Ferries news"]
        assert_fit_for_xml(
            section.description,
            author.bio,
            image.alt_text,
            image.caption,
            image.credit,
            correction.text,
            site.tagline,
            site.footer_text,
            FooterLink.objects.get().label,
        )

    def test_renaming_a_tag_stores_a_clean_name(self, make_article):
        tag = Tag.objects.create(name="Ferries")
        tag.name = "Ferries\x0band\x01 boats"
        tag.save()
        tag.refresh_from_db()
        assert tag.name == "Ferries and boats"


def get_xml(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content


def assert_feeds_and_news_sitemap_well_formed(client):
    for path in FEEDS:
        parsed = feedparser.parse(get_xml(client, path))
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.entries, path
    return ElementTree.fromstring(get_xml(client, NEWS_SITEMAP))


@pytest.fixture
def listed_article(make_article):
    """A story in the site's feed, its section's feed and the news sitemap."""
    return make_article(publish_at=timezone.now() - timezone.timedelta(minutes=5), tags=["Ferries"])


class TestOnTheWayOut:
    def test_text_stored_before_cleaning_still_gives_well_formed_feeds_and_sitemap(
        self, client, listed_article, section, author
    ):
        # QuerySet.update() writes around save(), as rows stored before the cleaning were.
        # NUL and lone surrogates are not among them: the database refuses to store those.
        Article.objects.filter(pk=listed_article.pk).update(
            headline=PASTED_HEADLINE, standfirst=PASTED_STANDFIRST, alternative_headline="Ferry\x0b"
        )
        Section.objects.filter(pk=section.pk).update(name="World\x0bNews", description="All\x0cthe world\x01")
        Author.objects.filter(pk=author.pk).update(name="Ada\x0bReporter")
        Tag.objects.filter(name="Ferries").update(name="Ferries\x0b")
        SiteSettings.current()
        SiteSettings.objects.filter(pk=1).update(name="The\x0bGazette", tagline="News\x01")
        cache.clear()

        sitemap = assert_feeds_and_news_sitemap_well_formed(client)
        entry = feedparser.parse(get_xml(client, "/feed/")).entries[0]
        assert " ".join(entry.title.split()) == CLEAN_HEADLINE
        assert sitemap.find(f".//{NEWS}title").text == CLEAN_HEADLINE
        assert sitemap.find(f".//{NEWS}name").text == "The Gazette"

    @given(
        headline=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60),
        standfirst=st.text(st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=120),
    )
    @hypothesis_settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    def test_any_stored_text_gives_well_formed_feeds_and_sitemap(self, client, listed_article, headline, standfirst):
        Article.objects.filter(pk=listed_article.pk).update(headline=headline, standfirst=standfirst)
        cache.clear()
        assert_feeds_and_news_sitemap_well_formed(client)
