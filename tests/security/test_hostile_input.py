"""Hostile input to every public parameter, path and form: never a 5xx, never a changed row on a
refused request, never markup reflected unescaped."""

from urllib.parse import quote

import pytest
from django.core.signing import TimestampSigner
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from reversion.models import Version
from taggit.models import Tag

from articles.live import LiveUpdate
from articles.models import Article
from articles.preview import preview_url
from comments.models import Comment
from newsroom.admin_hardening import MAX_INLINE_FORMS
from newsroom.models import SiteSettings
from tests.admin_forms import read_form, with_changes
from tests.comments.conftest import POST_URL, comment_data
from tests.security.hostile import CORPUS, MARKUP, SAMPLE, any_text, identifier

pytestmark = pytest.mark.django_db

hostile_values = pytest.mark.parametrize("payload", CORPUS, ids=identifier)
sampled_values = pytest.mark.parametrize("payload", SAMPLE, ids=identifier)
property_based = hypothesis_settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def site(make_article, author):
    """A small site with every kind of public page, and a draft that has a preview link."""
    article = make_article(headline="Harbour authority delays the ferry contract", tags=["ferries"])
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    approved = Comment.objects.create(
        article=article, author_name="Jo", author_email="jo@example.net", text="First!", status="approved"
    )
    live_article = make_article(headline="Storm coverage", slug="storm-coverage", live_from=timezone.now())
    update = LiveUpdate.objects.create(article=live_article, body="<p>Winds rising.</p>", status="published")
    return {
        "article": article,
        "live": live_article,
        "live_update": update,
        "preview": preview_url(draft),
        "tag": Tag.objects.get(name="ferries"),
        "author": author,
        "comment": approved,
    }


@pytest.fixture
def open_comments(db):
    """Ordinary comments are approved at once and nobody hits a rate limit, so every field is exercised."""
    site_settings = SiteSettings.objects.get_or_create(pk=1)[0]
    site_settings.hold_all_comments = False
    site_settings.comments_per_hour_per_ip = 30000
    site_settings.comments_per_hour_per_email = 30000
    site_settings.comments_per_page = 500
    site_settings.save()
    return site_settings


def query_parameter_slots(site):
    """(url, parameter name, other parameters) for every public query parameter."""
    article_url = site["article"].get_absolute_url()
    return [
        ("/search/", "q", {}),
        ("/search/", "section", {"q": "harbour"}),
        ("/search/", "from", {"q": "harbour"}),
        ("/search/", "to", {"q": "harbour", "from": "2020-01-01"}),
        ("/search/", "page", {"q": "harbour"}),
        ("/", "page", {}),
        (site["article"].section.get_absolute_url(), "page", {}),
        (f"/tag/{site['tag'].slug}/", "page", {}),
        (f"/author/{site['author'].slug}/", "page", {}),
        (article_url, "comments-page", {}),
        (article_url, "pending", {}),
        (article_url, "utm_source", {}),
        (site["preview"], "page", {}),
        ("/feed/", "page", {}),
        ("/feed/atom/", "q", {}),
        (f"/section/{site['article'].section.slug}/feed/", "page", {}),
        ("/sitemap.xml", "p", {}),
        ("/sitemap-articles.xml", "p", {}),
        ("/sitemap-news.xml", "p", {}),
        ("/sitemap-sections.xml", "p", {}),
        (f"/comments/reply/{site['comment'].pk}/", "parent", {}),
        ("/robots.txt", "q", {}),
        (site["live"].get_absolute_url(), "before", {}),
        (site["live"].get_absolute_url() + "live/updates/", "after", {}),
        (site["live"].get_absolute_url() + "live/updates/", "before", {}),
        (site["live_update"].get_absolute_url(), "q", {}),
        (site["live"].get_absolute_url() + "live/feed/", "q", {}),
    ]


def path_slots(site):
    section = site["article"].section.slug
    return [
        "/section/{}/",
        "/section/{}/feed/",
        "/tag/{}/",
        "/author/{}/",
        f"/news/{section}/{{}}/",
        "/news/{}/" + site["article"].slug + "/",
        "/preview/{}/",
        "/sitemap-{}.xml",
        "/comments/reply/{}/",
        f"/news/{section}/storm-coverage/live/updates/{{}}/",
        f"/news/{section}/{{}}/live/",
        f"/news/{section}/{{}}/live/updates/",
        f"/news/{section}/{{}}/live/feed/",
        "/media/{}",
        "/static/{}",
        "/{}/",
    ]


@hostile_values
def test_every_public_query_parameter(hostile, site, payload):
    for url, name, others in query_parameter_slots(site):
        hostile.get(url, payload, data={**others, name: payload})


@hostile_values
def test_every_public_path(hostile, site, payload):
    for pattern in path_slots(site):
        response = hostile.get(pattern.format(quote(payload, safe="")), payload)
        assert response.status_code in (301, 302, 400, 404), (pattern, response.status_code)


@pytest.mark.parametrize(
    "query",
    [
        "q=%ED%A0%80",
        "q=%ff%fe%00",
        "q=%",
        "q=%zz",
        "q[]=1&q[]=2",
        "page=1&page=2&page=x",
        "=&=&&&",
        "q=" + "%00" * 1000,
        "a=1&" * 3000,
        "x" * 5000 + "=1",
    ],
)
def test_malformed_query_strings(hostile, site, query):
    for url in ["/search/", "/", site["article"].get_absolute_url(), "/sitemap-articles.xml", "/feed/"]:
        hostile.get(f"{url}?{query}")


@pytest.mark.parametrize("method", ["put", "patch", "delete", "options", "trace", "post"])
def test_odd_methods_on_public_pages(hostile, site, method):
    for url in [
        "/",
        "/search/?q=harbour",
        site["article"].get_absolute_url(),
        site["preview"],
        "/robots.txt",
        f"/tag/{site['tag'].slug}/",
        f"/comments/reply/{site['comment'].pk}/",
        "/feed/",
        "/sitemap.xml",
    ]:
        hostile.request(method, url)
    assert hostile.request(method, "/comments/post/").status_code in (400, 405)


@hostile_values
def test_hostile_request_headers(hostile, site, settings, payload):
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    article_url = site["article"].get_absolute_url()
    header_value = payload.replace("\r", "").replace("\n", "")[:8000]
    for headers in [
        {"if-none-match": header_value},
        {"if-modified-since": header_value},
        {"accept-language": header_value},
        {"user-agent": header_value},
        {"x-forwarded-for": header_value},
        {"x-forwarded-proto": header_value},
        {"cookie": f"sessionid={quote(header_value)}; csrftoken={quote(header_value)}"},
    ]:
        hostile.get(article_url, payload, headers=headers)
    assert hostile.get("/", payload, headers={"host": quote(header_value)}).status_code == 400


@pytest.mark.parametrize("token", ["", "x", "a:b:c", "e30:1abc:sig", MARKUP, "A" * 5000])
def test_forged_preview_tokens_are_not_found(hostile, site, token):
    assert hostile.get(f"/preview/{quote(token, safe='') or 'x'}/", token).status_code == 404


def test_a_preview_token_signed_for_something_else_or_expired_is_not_found(hostile, site, settings):
    other_payloads = [{"article": "1"}, {"article": [1]}, {"comment": site["comment"].pk}, [1], "1", None]
    for payload in other_payloads:
        token = TimestampSigner(salt="articles.preview").sign_object(payload)
        assert hostile.get(f"/preview/{token}/").status_code == 404
    settings.PREVIEW_LINK_MAX_AGE = -1
    assert hostile.get(site["preview"]).status_code == 404


# The comment form ----------------------------------------------------------------------------

COMMENT_FIELDS = ["comment", "name", "email", "website", "phone", "article", "parent", "token"]
sequence = iter(range(10**9))


def post_comment_with(hostile, article, field, payload, **extra):
    """Post the form with one hostile field; check that only an accepted post stores a comment."""
    n = next(sequence)
    data = comment_data(article, email=f"reader{n}@example.net", comment=f"Comment {n} on the story.")
    data[field] = payload
    stored_before = Comment.objects.count()
    response = hostile.post(POST_URL, payload, data=data, REMOTE_ADDR=f"198.51.{n // 250 % 250}.{n % 250 + 1}", **extra)
    stored = Comment.objects.count() - stored_before
    if response.status_code == 303:
        assert stored == 1, f"{field}={payload!r:.80} accepted but {stored} stored"
        hostile.get(response["Location"], payload)
    else:
        assert 400 <= response.status_code < 500, response.status_code
        assert stored == 0, f"{field}={payload!r:.80} refused with {response.status_code} but stored"
    return response


@hostile_values
def test_every_comment_field(hostile, site, open_comments, payload):
    for field in COMMENT_FIELDS:
        post_comment_with(hostile, site["article"], field, payload)


@hostile_values
def test_hostile_client_address_behind_the_trusted_proxy(hostile, site, open_comments, settings, payload):
    settings.TRUSTED_PROXY_HEADER = "HTTP_X_FORWARDED_FOR"
    forwarded = payload.replace("\r", "").replace("\n", "")[:8000]
    response = post_comment_with(hostile, site["article"], "name", "Jo", headers={"x-forwarded-for": forwarded})
    assert response.status_code == 303


def test_accepted_hostile_comments_are_shown_escaped_to_everyone(hostile, site, open_comments, client):
    article = site["article"]
    markup = [payload for payload in CORPUS if "<" in payload and len(payload) < 200]
    accepted = 0
    for payload in markup:
        for field in ["comment", "name"]:
            accepted += post_comment_with(hostile, article, field, payload).status_code == 303
    assert accepted >= len(markup), "the hostile comments were refused, so nothing was shown"
    client.cookies.clear()
    for payload in markup:
        page = hostile.get(article.get_absolute_url(), payload)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.content.decode(), "the approved comments are not shown"


@property_based
@given(field=st.sampled_from(COMMENT_FIELDS), payload=any_text)
def test_comment_fields_property(hostile, site, open_comments, field, payload):
    post_comment_with(hostile, site["article"], field, payload)


@property_based
@given(q=any_text, section=any_text, date_from=any_text, page=any_text)
def test_search_property(hostile, site, q, section, date_from, page):
    response = hostile.get("/search/", q, data={"q": q, "section": section, "from": date_from, "page": page})
    assert response.status_code in (200, 404)


@property_based
@given(page=any_text, parameter=st.sampled_from(["page", "comments-page", "pending", "p"]))
def test_pagination_property(hostile, site, page, parameter):
    for url in [
        "/",
        site["article"].section.get_absolute_url(),
        site["article"].get_absolute_url(),
        "/sitemap-articles.xml",
    ]:
        assert hostile.get(url, page, data={parameter: page}).status_code in (200, 404)


@property_based
@given(token=any_text)
def test_preview_token_property(hostile, site, token):
    assert hostile.get(f"/preview/{quote(token, safe='') or 'x'}/", token).status_code == 404


# The admin, as an editor ------------------------------------------------------------------

# Every payload goes into the fields whose handling differs (plain text, sanitised HTML, a tag list);
# the sample into the other text fields, which Django treats like the headline.
ARTICLE_TEXT_FIELDS = ["headline", "body", "tags"]
ARTICLE_STRUCTURED_FIELDS = [
    "alternative_headline",
    "slug",
    "standfirst",
    "hero_caption",
    "section",
    "status",
    "publish_at_0",
    "publish_at_1",
    "priority",
    "expected_version",
    "related_articles",
    "bylines-0-author",
    "bylines-0-position",
]
# Fields whose value is shown on the public page once saved.
SHOWN_FIELDS = {"headline", "alternative_headline", "standfirst", "body", "hero_caption", "tags"}


def saved_state(article):
    fresh = Article.objects.get(pk=article.pk)
    return (
        {field.attname: getattr(fresh, field.attname) for field in Article._meta.concrete_fields},
        sorted(fresh.tags.names()),
        list(fresh.bylines.values_list("author_id", "position")),
    )


def change_form(editor_client, article):
    """What the Save button of the article's change form sends, read from the form as it is now."""
    return with_changes(read_form(editor_client.get(f"/admin/articles/article/{article.pk}/change/")))


def test_the_unchanged_change_form_saves(editor_client, site):
    """The baseline the hostile edits start from is itself accepted, so each refusal is the payload's doing."""
    url = f"/admin/articles/article/{site['article'].pk}/change/"
    response = editor_client.post(url, change_form(editor_client, site["article"]))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""


def test_an_inline_claiming_a_huge_number_of_forms_is_refused_quickly(editor_client, site):
    """Quickly because no more forms are built than an inline may take: the work is bounded, whatever
    the machine's speed (a wall-clock limit would fail on a loaded machine, not on slow code)."""
    article = site["article"]
    before = saved_state(article)
    claim = {"bylines-TOTAL_FORMS": "1000000", "corrections-TOTAL_FORMS": "1000000"}
    response = editor_client.post(
        f"/admin/articles/article/{article.pk}/change/", {**change_form(editor_client, article), **claim}
    )
    built = [len(inline.formset.forms) for inline in response.context["inline_admin_formsets"]]
    assert max(built) <= MAX_INLINE_FORMS, built
    assert response.status_code == 200
    assert "Please submit at most 100 forms" in response.content.decode()
    assert saved_state(article) == before


@hostile_values
def fields_to_try(payload, text_fields, structured_fields):
    return text_fields + (structured_fields if payload in SAMPLE else [])


@hostile_values
def test_article_change_form(hostile, editor_client, editor, site, payload):
    url = f"/admin/articles/article/{site['article'].pk}/change/"
    form = change_form(editor_client, site["article"])
    for field in fields_to_try(payload, ARTICLE_TEXT_FIELDS, ARTICLE_STRUCTURED_FIELDS):
        article = Article.objects.get(pk=site["article"].pk)
        before = saved_state(article)
        response = hostile.post(url, payload, data={**form, field: payload})
        if response.status_code == 302:
            # Saved: the form the editor sees next carries the article's new version, and only that changed.
            form["expected_version"] = str(Article.objects.get(pk=article.pk).version)
        if response.status_code == 200:
            assert saved_state(article) == before, f"{field}={payload!r:.80} was refused but changed the article"
        else:
            assert response.status_code == 302, response.status_code
            if field in SHOWN_FIELDS and Article.objects.get(pk=article.pk).is_published:
                hostile.client.logout()
                hostile.get(Article.objects.get(pk=article.pk).get_absolute_url(), payload)
                hostile.client.force_login(editor)
    article_id = site["article"].pk
    hostile.get(f"/admin/articles/article/{article_id}/history/", payload)
    for version in Version.objects.get_for_object_reference(Article, article_id)[:3]:
        hostile.get(f"/admin/articles/article/{article_id}/compare/{version.pk}/", payload)


@sampled_values
def test_article_add_form(hostile, editor_client, site, payload):
    """The change form above tries every value in the text fields; adding refuses the same way."""
    template = change_form(editor_client, site["article"])
    for name in [name for name in template if name.startswith("bylines-0-") and name != "bylines-0-author"]:
        template.pop(name)
    template.update({"bylines-INITIAL_FORMS": "0", "slug": "a-new-story", "headline": "A new story"})
    for field in ["headline", "slug", "tags", "section", "bylines-0-author", "publish_at_0"]:
        count = Article.objects.count()
        response = hostile.post("/admin/articles/article/add/", payload, data={**template, field: payload})
        if response.status_code == 302:
            Article.objects.filter(slug=template["slug"] if field != "slug" else payload).delete()
        else:
            assert Article.objects.count() == count


@hostile_values
def test_admin_lists_filters_and_lookups(hostile, editor_client, moderator, client, site, payload):
    searches = [
        ("/admin/articles/article/", "q"),
        ("/admin/articles/article/tag-suggestions/", "q"),
        ("/admin/autocomplete/", "term"),
    ]
    filters = [
        ("/admin/articles/article/", "state"),
        ("/admin/articles/article/", "section__id__exact"),
        ("/admin/articles/article/", "authors__id__exact"),
        ("/admin/articles/article/", "o"),
        ("/admin/articles/article/", "p"),
        ("/admin/articles/article/", "publish_at__year"),
        ("/admin/articles/article/", "publish_at__gte"),
        ("/admin/articles/image/", "q"),
        ("/admin/taggit/tag/", "q"),
        ("/admin/articles/article/add/", "_changelist_filters"),
        ("/admin/autocomplete/", "app_label"),
        ("/admin/autocomplete/", "model_name"),
        ("/admin/autocomplete/", "field_name"),
    ]
    autocomplete = {"term": "harbour", "app_label": "articles", "model_name": "article", "field_name": "section"}
    for url, name in fields_to_try(payload, searches, filters):
        defaults = autocomplete if url == "/admin/autocomplete/" else {}
        hostile.get(url, payload, data={**defaults, name: payload})
    hostile.get(f"/admin/articles/article/{quote(payload, safe='')}/change/", payload)
    hostile.client.force_login(moderator)
    for name in fields_to_try(payload, ["q"], ["status__exact", "created_at__gte", "o"]):
        hostile.get("/admin/comments/comment/", payload, data={name: payload})
