"""The editors' screens as the server sends them: the article list on one line a row with no query per
article, reporters without editor-only controls, read-only bodies shown as readers see them, drafts viewed
on site through their preview, the body's length, and the image picker's library endpoint."""

import html
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from articles.image_library import MAX_RESULTS
from articles.models import Article, Author, Byline, Image, Section
from articles.preview import preview_url
from tests.articles.public_site import jpeg, make_image

LIST_URL = "/admin/articles/article/"
LIBRARY_URL = "/admin/articles/image/library/"


@pytest.fixture(autouse=True)
def _uploads_in_a_fresh_folder(media_root):
    return media_root


def change_url(article):
    return reverse("admin:articles_article_change", args=[article.pk])


def add_bylined_articles(make_article, count, first=0):
    subsection = Section.objects.get_or_create(
        name="Diplomacy & Security", slug="diplomacy", parent=Section.objects.get(slug="world-news")
    )[0]
    for number in range(first, first + count):
        article = make_article(section=subsection)
        extra = Author.objects.create(name=f"Second Writer {number}", slug=f"second-writer-{number}")
        Byline.objects.create(article=article, author=extra, position=1)


# The article list -------------------------------------------------------------------------------------


def test_the_list_clips_long_text_and_keeps_it_whole_in_a_tooltip(editor_client, make_article):
    headline = "Harbour board delays the northern ferry contract by a year after both bids come in over budget"
    make_article(headline=headline)
    page = editor_client.get(LIST_URL).content.decode()
    assert f'<span class="cell-clip" title="{html.escape(headline)}">' in page
    assert 'title="Ada Reporter">Ada Reporter</span>' in page
    for heading in ["Headline", "Status", "Section", "Authors", "Publish at", "Saved", "Comments"]:
        assert f">{heading}</" in page, heading


def test_a_subsection_shows_its_own_name_with_its_parent_in_the_tooltip(editor_client, make_article):
    add_bylined_articles(make_article, 1)
    page = editor_client.get(LIST_URL).content.decode()
    assert 'title="World News › Diplomacy &amp; Security">Diplomacy &amp; Security</span>' in page


def test_the_list_reads_the_same_number_of_queries_for_1_and_30_articles(editor_client, make_article):
    add_bylined_articles(make_article, 1)
    editor_client.get(LIST_URL)  # the site's settings are read once, then kept
    with CaptureQueriesContext(connection) as few:
        assert editor_client.get(LIST_URL).status_code == 200
    add_bylined_articles(make_article, 29, first=1)
    with CaptureQueriesContext(connection) as many:
        page = editor_client.get(LIST_URL).content.decode()
    assert page.count("Second Writer") >= 30
    assert len(many) == len(few), [query["sql"] for query in many]


def test_times_are_short_with_the_full_time_in_a_tooltip(editor_client, make_article):
    make_article()
    page = editor_client.get(LIST_URL).content.decode()
    cell = page.split('<td class="field-publish_time">', 1)[1].split("</td>", 1)[0]
    assert cell.startswith("<time datetime=")
    shown = cell.split(">", 1)[1].split("<", 1)[0]
    assert len(shown) <= len("30 Nov 22:47")


def test_the_admin_has_its_own_stylesheet_and_no_model_sidebar(editor_client):
    page = editor_client.get(LIST_URL).content.decode()
    assert "/static/css/admin.css" in page
    assert 'id="nav-sidebar"' not in page


# Reporters and editors ---------------------------------------------------------------------------------


def visible_inputs(page, name):
    """The controls for a field a browser would show: hidden inputs do not count."""
    return [
        tag
        for tag in page.split("<")
        if f'name="{name}' in tag and tag.startswith(("input", "select", "textarea")) and 'type="hidden"' not in tag
    ]


@pytest.mark.parametrize("name", ["publish_at", "priority", "is_update"])
def test_reporters_see_no_editor_only_control(client, editor, reporter, make_article, name):
    client.force_login(reporter)
    assert visible_inputs(client.get("/admin/articles/article/add/").content.decode(), name) == []
    draft = make_article(status=Article.Status.DRAFT, publish_at=None, authors=[reporter.author_profile])
    assert visible_inputs(client.get(change_url(draft)).content.decode(), name) == []
    client.force_login(editor)
    assert visible_inputs(client.get(change_url(draft)).content.decode(), name) != []


def test_an_article_a_reporter_may_only_read_shows_its_body_rendered(client, reporter, make_article):
    published = make_article(body="<p>The board voted on <strong>Tuesday</strong>.</p><h2>Next</h2>")
    client.force_login(reporter)
    page = client.get(change_url(published)).content.decode()
    assert '<div class="rendered-body"><p>The board voted on <strong>Tuesday</strong>.</p><h2>Next</h2></div>' in page
    assert "&lt;strong&gt;" not in page


def test_a_rendered_body_is_sanitised_on_the_way_out(client, reporter, make_article):
    published = make_article()
    Article.objects.filter(pk=published.pk).update(body='<p onclick="steal()">Hi</p><script>steal()</script>')
    client.force_login(reporter)
    page = client.get(change_url(published)).content.decode()
    body = page.split('<div class="rendered-body">', 1)[1].split("</div>", 1)[0]
    assert body == "<p>Hi</p>"


def test_editors_still_edit_the_body_in_the_editor(editor_client, make_article):
    page = editor_client.get(change_url(make_article())).content.decode()
    assert 'class="rendered-body"' not in page
    assert "data-django-prose-editor-configurable" in page


# View on site and the preview ------------------------------------------------------------------------


def test_view_on_site_of_a_draft_is_its_preview(editor_client, make_article):
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    page = editor_client.get(change_url(draft)).content.decode()
    link = page.split('class="viewsitelink"', 1)[0].rsplit("<a href=", 1)[1]
    target = html.unescape(link.split('"')[1])
    assert target.startswith("/preview/")
    assert editor_client.get(target).status_code == 200


def test_view_on_site_of_a_published_article_is_its_address(editor_client, make_article):
    published = make_article()
    page = editor_client.get(change_url(published)).content.decode()
    assert f'href="{published.get_absolute_url()}" class="viewsitelink"' in page


def test_the_preview_offers_no_comment_form(client, make_article):
    draft = make_article(status=Article.Status.DRAFT, publish_at=None)
    page = client.get(preview_url(draft)).content.decode()
    assert "Readers can comment here once the article is published." in page
    assert "/comments/post/" not in page and 'id="comments"' not in page
    published = make_article()
    assert 'id="comments"' in client.get(published.get_absolute_url()).content.decode()


# The body's length ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "summary"),
    [
        ("", "0 words"),
        ("<p>One</p>", "1 word · 1 min read"),
        ("<p>First paragraph.</p><p>Second&nbsp;one</p>", "4 words · 1 min read"),
        ("<p>" + "word " * 231 + "</p>", "231 words · 2 min read"),
    ],
)
def test_the_length_beside_the_body(editor_client, make_article, body, summary):
    article = make_article(body=body)
    assert article.length_summary == summary
    page = editor_client.get(change_url(article)).content.decode()
    assert f'data-words-per-minute="230" aria-live="off">{summary}</output>' in page


# The image picker's library ---------------------------------------------------------------------------


def test_the_body_editor_knows_where_the_library_is(editor_client, client, reporter, make_article):
    page = editor_client.get(change_url(make_article())).content.decode()
    assert f'data-image-library="{LIBRARY_URL}"' in page and 'data-image-upload="allowed"' in page
    client.force_login(reporter)
    assert f'data-image-library="{LIBRARY_URL}"' in client.get("/admin/articles/article/add/").content.decode()


HARBOUR, COUNCIL = "Ferries moored at dusk", "Councillors voting by a show of hands"


@pytest.mark.parametrize(
    ("term", "found"),
    [("dusk", [HARBOUR]), ("city press", [COUNCIL]), ("SHOW OF HANDS", [COUNCIL]), ("", [COUNCIL, HARBOUR])],
)
def test_the_library_is_searched_by_caption_credit_or_alt_text(editor_client, term, found):
    make_image("harbour", alt_text=HARBOUR, caption="The terminal.", credit="Staff")
    make_image("council", alt_text=COUNCIL, caption="", credit="City Press")
    answer = editor_client.get(LIBRARY_URL, {"q": term}).json()
    assert [entry["alt"] for entry in answer["images"]] == found


def test_a_library_entry_offers_the_images_rendition(editor_client):
    image = make_image("harbour")
    entry = editor_client.get(LIBRARY_URL).json()["images"][0]
    assert entry["id"] == image.pk
    assert entry["src"] == image.rendition(960)["url"]
    assert entry["src"].startswith(f"/media/renditions/{image.pk}/width-960-")
    assert (entry["width"], entry["height"]) == (960, 540)
    assert entry["alt"] == image.alt_text and entry["caption"] == image.caption and entry["credit"] == image.credit


def test_a_search_is_bounded(editor_client):
    for number in range(MAX_RESULTS + 3):
        Image.objects.create(file=SimpleUploadedFile(f"tiny{number}.jpg", jpeg(40, 30)), alt_text=f"Tiny {number}")
    with CaptureQueriesContext(connection) as queries:
        answer = editor_client.get(LIBRARY_URL, {"q": "tiny" + "x" * 5000}).json()
    assert answer["images"] == []
    assert len(editor_client.get(LIBRARY_URL, {"q": "tiny"}).json()["images"]) == MAX_RESULTS
    assert len(queries) <= 6


@pytest.mark.parametrize("term", ["\x00", "a\x00b", "%", "_", "'; DROP TABLE x; --"])
def test_odd_search_terms_answer_cleanly(editor_client, term):
    response = editor_client.get(LIBRARY_URL, {"q": term})
    assert response.status_code == 200
    assert response.json() == {"images": []}


def test_only_staff_who_may_see_images_reach_the_library(client, moderator):
    assert client.get(LIBRARY_URL).status_code == 302  # to the login page
    client.force_login(moderator)
    assert client.get(LIBRARY_URL).status_code == 403
    assert client.post(LIBRARY_URL, {"alt_text": "x"}).status_code == 403


def test_an_upload_from_the_picker_goes_into_the_library(client, reporter):
    client.force_login(reporter)
    response = client.post(
        LIBRARY_URL,
        {
            "file": SimpleUploadedFile("quay.jpg", jpeg(1200, 800), content_type="image/jpeg"),
            "alt_text": "The new quay from the water",
            "caption": "The quay in May.",
            "credit": "Rita Reporter",
        },
    )
    assert response.status_code == 201
    image = Image.objects.get()
    assert image.uploaded_by == reporter and image.alt_text == "The new quay from the water"
    assert response.json()["image"]["src"] == image.rendition(960)["url"]


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"alt_text": ""}, "alt_text", "This field is required."),
        ({"file": SimpleUploadedFile("notes.jpg", b"not a picture at all")}, "file", "not an image"),
        ({"file": None}, "file", "This field is required."),
    ],
)
def test_a_refused_upload_says_why_and_stores_nothing(editor_client, media_root, fields, field, message):
    data = {"file": SimpleUploadedFile("quay.jpg", jpeg(400, 300)), "alt_text": "The quay", **fields}
    response = editor_client.post(LIBRARY_URL, {name: value for name, value in data.items() if value is not None})
    assert response.status_code == 400
    errors = json.loads(response.content)["errors"]
    assert message in " ".join(errors[field])
    assert not Image.objects.exists()
    assert not (media_root / "images").exists() or not any((media_root / "images").rglob("*.*"))
