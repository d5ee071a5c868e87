"""The editorial rules: what readers can see and when, what HTML survives a save, old addresses,
preview links, and the project's own checks."""

import json
import re
import time
from io import StringIO

import pytest
from django.core import signing
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from articles.html import sanitize_body
from articles.models import Article, Correction, FormerSlug, Section
from articles.preview import article_id_from_token, preview_url
from tests.admin_forms import form_errors, read_form, with_changes

# Rendering the real article page is the public-site tests' business; these tests need the view's
# decision (which article, or 404, or which redirect) and a page that says which article it shows.
ARTICLE_PAGE = "<h1>{{ article.headline }}</h1>{{ article.body|safe }}{% if is_preview %}PREVIEW{% endif %}"


@pytest.fixture
def article_page(settings):
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": settings.TEMPLATES[0]["DIRS"],
            "OPTIONS": {
                "loaders": [
                    ("django.template.loaders.locmem.Loader", {"articles/article.html": ARTICLE_PAGE}),
                    "django.template.loaders.filesystem.Loader",
                    "django.template.loaders.app_directories.Loader",
                ],
                "context_processors": ["django.template.context_processors.request"],
            },
        }
    ]


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def wrong_section_url(article):
    """An address that answers 301 for a visible article and 404 for any other, without rendering a page."""
    return reverse("articles:article", kwargs={"section": "no-such-section", "slug": article.slug})


def is_visible(article):
    return Article.objects.published().filter(pk=article.pk).exists()


class TestScheduling:
    def test_drafts_and_articles_in_review_are_invisible(self, client, make_article):
        for status in (Article.Status.DRAFT, Article.Status.REVIEW):
            article = make_article(status=status, publish_at=timezone.now() - timezone.timedelta(days=1))
            assert not is_visible(article)
            assert client.get(article.get_absolute_url()).status_code == 404

    def test_scheduled_article_appears_at_its_time(self, client, make_article, article_page, monkeypatch):
        now = timezone.now()
        article = make_article(publish_at=now + timezone.timedelta(hours=2))
        assert article.is_scheduled
        assert not is_visible(article)
        assert client.get(article.get_absolute_url()).status_code == 404
        assert client.get(wrong_section_url(article)).status_code == 404
        assert list(Article.objects.upcoming_publications()) == [article.publish_at]

        monkeypatch.setattr(timezone, "now", lambda: now + timezone.timedelta(hours=2, seconds=1))
        assert is_visible(article)
        response = client.get(article.get_absolute_url())
        assert response.status_code == 200
        assert article.headline in response.content.decode()

    def test_scheduled_article_appears_in_real_time_without_any_job(self, client, make_article, article_page):
        """Through the whole stack, page cache included: only the clock moves."""
        article = make_article(publish_at=timezone.now() + timezone.timedelta(seconds=1))
        assert client.get(article.get_absolute_url()).status_code == 404
        time.sleep(max(0.0, (article.publish_at - timezone.now()).total_seconds()) + 0.05)
        assert client.get(article.get_absolute_url()).status_code == 200

    def test_publishing_keeps_the_first_publication_time(self, make_article):
        article = make_article(status=Article.Status.DRAFT, publish_at=None)
        article.status = Article.Status.PUBLISHED
        article.save()
        first = article.first_published_at
        assert first is not None and article.publish_at == first
        article.status = Article.Status.DRAFT
        article.save()
        article.status = Article.Status.PUBLISHED
        article.save()
        assert article.first_published_at == first

    def test_editor_can_move_a_scheduled_time(self, client, editor, make_article):
        article = make_article(publish_at=timezone.now() + timezone.timedelta(days=1))
        earlier = (timezone.now() - timezone.timedelta(minutes=1)).replace(microsecond=0)
        client.force_login(editor)
        form = read_form(client.get(change_url(article)))
        response = client.post(change_url(article), with_changes(form, publish_at=earlier))
        assert response.status_code == 302, form_errors(response)
        assert is_visible(article)


class TestUpdates:
    def edit(self, client, editor, article, **changes):
        client.force_login(editor)
        form = read_form(client.get(change_url(article)))
        response = client.post(change_url(article), with_changes(form, **changes))
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()

    def test_a_silent_fix_does_not_change_the_public_updated_time(self, client, editor, make_article):
        article = make_article()
        self.edit(client, editor, article, body="<p>Fixed a typo.</p>")
        assert article.body == "<p>Fixed a typo.</p>"
        assert article.updated_at is None and not article.was_updated

    def test_an_update_changes_the_public_updated_time(self, client, editor, make_article):
        article = make_article()
        before = timezone.now()
        self.edit(client, editor, article, body="<p>New figures came in.</p>", is_update="on")
        assert article.updated_at >= before
        assert article.was_updated

    def test_saving_unchanged_keeps_every_field(self, client, editor, make_article):
        article = make_article(tags=["harbour", "trade talks"], alternative_headline="Talks resume")
        saved = Article.objects.values().get(pk=article.pk)
        self.edit(client, editor, article)
        assert sorted(article.tags.names()) == ["harbour", "trade talks"]
        after = Article.objects.values().get(pk=article.pk)
        changed = {name for name in saved if saved[name] != after[name]}
        assert changed <= {
            "version",
            "modified_at",
            "modified_by_id",
            "publish_at",
            "first_published_at",
            "search_vector",
        }
        assert abs(after["publish_at"] - saved["publish_at"]) < timezone.timedelta(seconds=1)


UNSAFE_FRAGMENTS = {
    "script": "<p>Hello</p><script>alert(1)</script>",
    "onerror": '<p><img src="/media/a.jpg" alt="a" onerror="alert(1)"></p>',
    "onclick": '<p onclick="alert(1)">Click</p>',
    "javascript-link": '<p><a href="javascript:alert(1)">link</a></p>',
    "obfuscated-javascript-link": '<p><a href="JaVa&#x09;ScRiPt:alert(1)">link</a></p>',
    "data-link": '<p><a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a></p>',
    "style-attribute": '<p style="background:url(javascript:alert(1))">styled</p>',
    "style-element": "<style>body{display:none}</style><p>text</p>",
    "iframe": '<iframe src="https://example.org/"></iframe><p>text</p>',
    "svg": '<svg onload="alert(1)"><script>alert(1)</script></svg><p>text</p>',
    "form": '<form action="https://example.org/"><input name="password"></form>',
    "object": '<object data="https://example.org/x.swf"></object>',
}
FORBIDDEN_OUTPUT = [
    "<script",
    "onerror",
    "onclick",
    "onload",
    "javascript:",
    "data:",
    "style=",
    "<style",
    "<iframe",
    "<svg",
    "<form",
    "<input",
    "<object",
]


def assert_safe(html):
    lowered = html.lower()
    assert not [fragment for fragment in FORBIDDEN_OUTPUT if fragment in lowered], html


class TestUnsafeHtml:
    @pytest.mark.parametrize("unsafe", UNSAFE_FRAGMENTS.values(), ids=UNSAFE_FRAGMENTS.keys())
    def test_model_save_strips_it(self, make_article, unsafe):
        article = make_article(body=unsafe)
        article.refresh_from_db()
        assert_safe(article.body)

    @pytest.mark.parametrize("unsafe", UNSAFE_FRAGMENTS.values(), ids=UNSAFE_FRAGMENTS.keys())
    def test_admin_save_strips_it(self, client, editor, make_article, unsafe):
        article = make_article()
        client.force_login(editor)
        form = read_form(client.get(change_url(article)))
        response = client.post(change_url(article), with_changes(form, body=unsafe))
        assert response.status_code == 302, form_errors(response)
        article.refresh_from_db()
        assert_safe(article.body)

    def test_the_markup_editors_use_survives(self, make_article):
        body = (
            "<h2>Leaked conversation sparks outrage</h2><p>The <strong>minister</strong> said <em>nothing</em>."
            '</p><blockquote><p>"We will not be moved."</p></blockquote><ul><li>One</li></ul><ol start="3">'
            '<li>Three</li></ol><p><a href="https://example.org/report">the report</a></p><figure>'
            '<img src="/media/images/a.jpg" alt="A harbour" width="640" height="360"><figcaption>Caption'
            "</figcaption></figure><h3>Reaction</h3><h4>Abroad</h4>"
        )
        article = make_article(body=body)
        article.refresh_from_db()
        for kept in [
            "<h2>",
            "<strong>",
            "<em>",
            "<blockquote>",
            "<ul>",
            '<ol start="3">',
            "<h3>",
            "<h4>",
            'href="https://example.org/report"',
            '<img src="/media/images/a.jpg" alt="A harbour"',
            "<figcaption>",
        ]:
            assert kept in article.body

    def test_sanitising_twice_changes_nothing(self):
        for unsafe in UNSAFE_FRAGMENTS.values():
            once = sanitize_body(unsafe)
            assert sanitize_body(once) == once

    def test_a_bulk_update_cannot_bypass_it_through_a_later_save(self, make_article):
        """Text written around the model (a data import with .update()) is cleaned on its next save."""
        article = make_article()
        Article.objects.filter(pk=article.pk).update(body=UNSAFE_FRAGMENTS["script"])
        article.refresh_from_db()
        article.save()
        article.refresh_from_db()
        assert_safe(article.body)


class TestOldAddresses:
    def test_old_slug_redirects_permanently(self, client, make_article):
        article = make_article(slug="talks-begin")
        old_url = article.get_absolute_url()
        article.slug = "talks-collapse"
        article.save()
        response = client.get(old_url)
        assert response.status_code == 301
        assert response["Location"] == article.get_absolute_url()

    def test_every_earlier_slug_redirects_to_the_newest(self, client, make_article):
        article = make_article(slug="first")
        urls = []
        for slug in ["second", "third"]:
            urls.append(article.get_absolute_url())
            article.slug = slug
            article.save()
        for url in urls:
            assert client.get(url)["Location"] == "/news/world-news/third/"

    def test_taking_a_slug_back_drops_its_redirect(self, client, make_article, article_page):
        article = make_article(slug="first")
        article.slug = "second"
        article.save()
        article.slug = "first"
        article.save()
        assert list(FormerSlug.objects.values_list("slug", flat=True)) == ["second"]
        assert client.get("/news/world-news/first/").status_code == 200
        assert client.get("/news/world-news/second/")["Location"] == "/news/world-news/first/"

    def test_slug_changed_in_the_admin_redirects(self, client, editor, make_article):
        article = make_article(slug="talks-begin")
        old_url = article.get_absolute_url()
        client.force_login(editor)
        form = read_form(client.get(change_url(article)))
        assert client.post(change_url(article), with_changes(form, slug="talks-collapse")).status_code == 302
        client.logout()
        response = client.get(old_url)
        assert (response.status_code, response["Location"]) == (301, "/news/world-news/talks-collapse/")

    def test_section_change_redirects_permanently(self, client, make_article):
        article = make_article(slug="talks")
        old_url = article.get_absolute_url()
        article.section = Section.objects.create(name="Diplomacy & Security", slug="diplomacy-security")
        article.save()
        response = client.get(old_url)
        assert (response.status_code, response["Location"]) == (301, "/news/diplomacy-security/talks/")

    def test_old_slug_in_an_old_section_redirects_in_one_step(self, client, make_article):
        article = make_article(slug="talks")
        old_url = article.get_absolute_url()
        article.section = Section.objects.create(name="US News", slug="us-news")
        article.slug = "talks-resume"
        article.save()
        response = client.get(old_url)
        assert (response.status_code, response["Location"]) == (301, "/news/us-news/talks-resume/")

    def test_old_slug_of_an_unpublished_article_is_not_found(self, client, make_article):
        article = make_article(slug="talks")
        article.slug = "talks-resume"
        article.status = Article.Status.DRAFT
        article.save()
        assert client.get("/news/world-news/talks/").status_code == 404

    def test_old_slug_of_a_scheduled_article_is_not_found(self, client, make_article):
        article = make_article(slug="talks", publish_at=timezone.now() + timezone.timedelta(days=1))
        article.slug = "talks-resume"
        article.save()
        assert client.get("/news/world-news/talks/").status_code == 404

    def test_unknown_slug_is_not_found(self, client, db):
        assert client.get("/news/world-news/nothing-here/").status_code == 404


class TestPreviewLinks:
    def test_token_names_the_article(self, make_article):
        article = make_article(status=Article.Status.DRAFT, publish_at=None)
        token = preview_url(article).rstrip("/").rsplit("/", 1)[-1]
        assert article_id_from_token(token) == article.pk

    def test_draft_preview_works_without_logging_in(self, client, make_article, article_page):
        article = make_article(status=Article.Status.DRAFT, publish_at=None, headline="Embargoed budget story")
        assert client.get(article.get_absolute_url()).status_code == 404
        response = client.get(preview_url(article))
        assert response.status_code == 200
        assert "Embargoed budget story" in response.content.decode()
        assert "PREVIEW" in response.content.decode()
        assert response["X-Robots-Tag"] == "noindex, nofollow"
        assert "no-store" in response["Cache-Control"]

    def test_preview_link_from_the_admin_opens_the_draft(self, client, editor, make_article, article_page):
        article = make_article(status=Article.Status.DRAFT, publish_at=None, headline="Draft seen from the admin")
        client.force_login(editor)
        page = client.get(change_url(article)).content.decode()
        link = re.search(r'href="(/preview/[^"]+/)"', page).group(1)
        assert article_id_from_token(link.split("/")[2]) == article.pk
        client.logout()
        assert "Draft seen from the admin" in client.get(link).content.decode()

    @pytest.mark.parametrize(
        "token",
        [
            "not-a-token",
            "",
            "eyJhcnRpY2xlIjoxfQ:1vNr2E:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
            signing.dumps({"article": 1}),
            signing.TimestampSigner(salt="another.purpose").sign_object({"article": 1}),
            "\x00\x00",
            "a" * 2000,
        ],
        ids=["garbage", "empty", "bad-signature", "other-salt", "other-salt-timestamped", "nul", "long"],
    )
    def test_forged_tokens_grant_nothing(self, token):
        assert article_id_from_token(token) is None

    def test_tampered_token_is_not_found(self, client, make_article):
        article = make_article(status=Article.Status.DRAFT, publish_at=None)
        other = make_article(status=Article.Status.DRAFT, publish_at=None)
        url = preview_url(article)
        _payload, issued, signature = url.rstrip("/").rsplit("/", 1)[-1].split(":")
        other_payload = signing.b64_encode(json.dumps({"article": other.pk}, separators=(",", ":")).encode())
        forged = f"{other_payload.decode()}:{issued}:{signature}"
        assert client.get(reverse("articles:preview", kwargs={"token": forged})).status_code == 404
        assert client.get(url[:-3] + "x/").status_code == 404
        assert client.get("/preview/forged/").status_code == 404

    def test_expired_token_is_not_found(self, client, make_article, settings, monkeypatch):
        article = make_article(status=Article.Status.DRAFT, publish_at=None)
        issued_long_ago = int(time.time()) - settings.PREVIEW_LINK_MAX_AGE - 60
        monkeypatch.setattr(signing.TimestampSigner, "timestamp", lambda self: signing.b62_encode(issued_long_ago))
        url = preview_url(article)
        monkeypatch.undo()
        token = url.rstrip("/").rsplit("/", 1)[-1]
        assert article_id_from_token(token) is None
        assert client.get(url).status_code == 404

    def test_preview_of_a_deleted_article_is_not_found(self, client, make_article):
        article = make_article(status=Article.Status.DRAFT, publish_at=None)
        url = preview_url(article)
        article.delete()
        assert client.get(url).status_code == 404


class TestProjectChecks:
    def test_system_check_is_clean(self):
        output = StringIO()
        call_command("check", stdout=output)
        assert "no issues" in output.getvalue()

    def test_models_and_migrations_agree(self, db):
        output = StringIO()
        try:
            call_command("makemigrations", "--check", "--dry-run", stdout=output)
        except SystemExit:
            pytest.fail(f"a model change has no migration:\n{output.getvalue()}")


# What an article's row keeps of its corrections and pinned related articles, so its page knows
# whether to look for them.


def flags(article):
    return Article.objects.values_list("has_corrections", "pins_related").get(pk=article.pk)


def test_the_article_knows_whether_it_has_corrections(make_article):
    article = make_article()
    assert flags(article) == (False, False)
    first = Correction.objects.create(article=article, text="The vote was on Tuesday.")
    second = Correction.objects.create(article=article, text="The mayor's name is spelt Aalto.")
    assert flags(article) == (True, False)
    first.delete()
    assert flags(article) == (True, False)
    second.delete()
    assert flags(article) == (False, False)


def test_the_article_knows_whether_it_pins_related_articles(make_article):
    story, other, third = make_article(), make_article(), make_article()
    story.related_articles.add(other, third)
    assert flags(story) == (False, True)
    assert flags(other) == (False, False)
    story.related_articles.remove(other)
    assert flags(story) == (False, True)
    story.related_articles.clear()
    assert flags(story) == (False, False)
    # From the pinned article's side.
    other.article_set.add(story)
    assert flags(story) == (False, True)


def test_saving_an_article_read_before_its_correction_keeps_the_flag(make_article):
    article = make_article()
    read_before = Article.objects.get(pk=article.pk)
    Correction.objects.create(article=article, text="The bridge opens in May.")
    read_before.headline = "A new headline"
    read_before.save()
    assert flags(article) == (True, False)
    assert read_before.has_corrections
