"""Moving a WordPress site in: `manage.py import_wordpress` on an export written
the way WordPress writes one (tests/fixtures/wordpress/newsroom.xml: 36 posts,
a page, a menu item, attachments, comments in every state, a control
character, bytes that are not UTF-8 and text split across CDATA sections)."""

import io
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone
from PIL import Image as PILImage
from taggit.models import Tag

from articles.models import Article, Author, Image, OldAddress, SearchTerm, Section
from articles.wordpress.body import autop
from articles.wordpress.importer import WordPressImport
from comments.models import Comment
from comments.wordpress import import_comments
from tests.articles.public_site import jpeg, strict_parse, text_of, with_class
from tests.articles.test_public_pages import COLD_PAGE_QUERY_BUDGET, count_queries, sitemap_locations

EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "wordpress" / "newsroom.xml"
UPLOADS = {
    "2023/05/harbour-cranes.jpg": "jpeg",
    "2023/05/council-chamber.jpg": "jpeg",
    "2023/06/flood-1.jpg": "jpeg",
    "2023/06/flood-2.jpg": "jpeg",
    "2023/06/flood-3.jpg": "jpeg",
    "2023/07/beach.jpg": "jpeg",
    "2023/07/budget-report.pdf": "pdf",
    "2024/01/night-ferry.png": "png",
}
PUBLISHED_POSTS = 30


def copy_of_uploads(folder):
    """A copy of wp-content/uploads, without the photo the export's post 26 lost."""
    for relative, kind in UPLOADS.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind == "jpeg":
            path.write_bytes(jpeg(480, 320))
        elif kind == "png":
            PILImage.new("RGBA", (360, 240), (20, 60, 120, 255)).save(path, "PNG")
        else:
            path.write_bytes(b"%PDF-1.4 a report, not an image")
    return folder


def run_import(*options, export=EXPORT):
    out = io.StringIO()
    call_command("import_wordpress", str(export), *options, stdout=out)
    return out.getvalue()


IMPORTED_MODELS = (Comment, Article, OldAddress, Image, Section, Author, Tag, SearchTerm)


def remove_imported():
    for model in IMPORTED_MODELS:
        if model is Section:
            # A section with subsections is protected: the innermost go first.
            while Section.objects.exists():
                Section.objects.filter(subsections=None).delete()
        model.objects.all().delete()


@dataclass
class SharedImport:
    output: str
    uploads: Path
    media: Path


@pytest.fixture(scope="module")
def shared_import(django_db_setup, django_db_blocker, tmp_path_factory):
    """One import for the tests that only look at its result (each test's own changes are rolled
    back with its transaction): importing costs seconds, mostly in making image renditions."""
    uploads = copy_of_uploads(tmp_path_factory.mktemp("uploads"))
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media):
        output = run_import("--media-dir", str(uploads))
    yield SharedImport(output, uploads, media)
    with django_db_blocker.unblock():
        remove_imported()


@pytest.fixture
def imported(db, shared_import, settings):
    """The summary of the shared import, whose files are in MEDIA_ROOT."""
    settings.MEDIA_ROOT = shared_import.media
    return shared_import.output


@pytest.fixture
def media_dir(shared_import):
    return shared_import.uploads


@pytest.fixture
def empty_site(db, media_root):
    """A site with nothing imported yet, for a test that runs an import of its own."""
    remove_imported()
    return media_root


def article(wordpress_id):
    return Article.objects.get(wordpress_id=wordpress_id)


# Posts, statuses and dates


def test_every_readable_post_becomes_one_article(imported):
    assert Article.objects.count() == 33
    assert Article.objects.published().count() == PUBLISHED_POSTS
    assert "articles: 33 created, 0 updated, 0 unchanged" in imported


def test_statuses_are_mapped(imported):
    assert article(1).is_published
    scheduled = article(4)
    assert scheduled.is_scheduled and scheduled.publish_at == datetime(2099, 3, 1, 10, 0, tzinfo=UTC)
    draft, pending = article(6), article(7)
    assert (draft.status, draft.publish_at) == (Article.Status.DRAFT, None)
    assert (pending.status, pending.publish_at) == (Article.Status.REVIEW, None)
    assert not Article.objects.filter(wordpress_id__in=[8, 9]).exists()
    assert "private post not imported" in imported and "post 8 “Private: staff rota”" in imported
    assert "post in the trash not imported" in imported
    assert "page not imported" in imported and "page 23 “About us”" in imported
    assert "nav_menu_item" not in imported


def test_dates_come_from_the_utc_date_then_pubdate_then_the_local_date(imported, settings):
    assert article(1).publish_at == datetime(2023, 5, 4, 13, 15, tzinfo=UTC)
    assert article(1).first_published_at == article(1).publish_at
    assert article(2).publish_at == datetime(2023, 5, 11, 22, 0, tzinfo=UTC)
    local = timezone.make_aware(datetime(2023, 5, 15, 7, 45), timezone.get_default_timezone())
    assert article(3).publish_at == local


def test_excerpt_seo_title_and_sticky(imported):
    first = article(1)
    assert first.standfirst == "The board could not agree whether the night ferry runs in winter."
    assert first.alternative_headline == "Night ferry vote stalls"
    assert first.priority == Article.Priority.FEATURED
    assert article(2).priority == Article.Priority.NORMAL and article(2).alternative_headline == ""


def test_a_standfirst_without_an_excerpt(imported):
    assert article(32).standfirst == "Ferry fares go up for the second time this year."
    assert article(32).headline == "Fares rise by 5% – again"
    assert article(33).standfirst.startswith("The lido offers free lessons to every child")
    # A caption is not the story's summary.
    assert article(2).standfirst.startswith("The roof leak that closed the chamber")


def test_a_post_without_a_title_is_headlined_untitled_and_reported(imported):
    assert article(31).headline == "Untitled"
    assert "post without a title" in imported


def test_slugs_are_kept_and_never_clash(empty_site, media_dir):
    own = Section.objects.create(name="Desk", slug="desk")
    Article.objects.create(
        headline="Our welcome", slug="welcome", section=own, standfirst="Hello.", status=Article.Status.PUBLISHED
    )
    run_import("--media-dir", str(media_dir))
    assert article(1).slug == "harbour-board-splits-over-night-ferry"
    assert article(28).slug == "zurich-tram-study-visit"
    assert article(29).slug == "welcome-2"
    assert article(6).slug == "draft-ferry-fares-explained"


# Sections, tags, authors


def test_categories_become_sections_with_their_hierarchy(imported):
    politics = Section.objects.get(wordpress_id=10)
    assert (politics.name, politics.slug, politics.parent) == ("Politics", "politics", None)
    elections = Section.objects.get(slug="elections")
    assert elections.parent == politics and elections.description == "Polls, counts and the people who run them."
    assert Section.objects.get(slug="city-hall").parent == politics
    assert Section.objects.get(slug="climate").name == "Climate & Environment"
    assert article(17).section == elections
    assert article(20).section.slug == "uncategorized"


def test_a_post_in_several_categories_goes_in_its_primary_one(imported):
    assert article(18).section.slug == "climate"
    assert article(1).section.slug == "politics"


def test_tags_become_tags(imported):
    assert sorted(article(18).tags.names()) == ["Budget", "Flood defences"]
    assert sorted(article(28).tags.names()) == ["Transit", "Zürich"]
    assert Tag.objects.get(name="Transit").slug == "transit-2"
    assert Tag.objects.get(name="Zürich").slug == "zürich"


def test_authors_and_ordered_bylines(imported):
    assert Author.objects.get(wordpress_login="mara").name == "Mara Okafor"
    assert Author.objects.get(wordpress_login="quinn.w").name == "Quinn Waller"
    assert article(1).byline_authors == [Author.objects.get(wordpress_login="mara")]
    co_written = [author.name for author in article(10).byline_authors]
    assert co_written == ["Tomasz Lind", "The Harbour Desk"]
    assert [author.name for author in article(35).byline_authors] == ["The Harbour Desk"]
    assert [author.name for author in article(29).byline_authors] == ["Quinn Waller"]
    assert Author.objects.get(wordpress_login="mara").slug == "mara"


# Bodies


def test_classic_posts_get_paragraphs_and_line_breaks(imported):
    assert article(1).body == (
        "<p>The harbour board met for four hours on Monday and still could not agree on the night ferry.</p>\n"
        "<p>Two members wanted the crossing kept all year; three wanted it stopped in winter.<br>\n"
        "The chair broke no tie.</p>\n"
        "<p>A second vote is due in June.</p>"
    )


def test_autop_leaves_blocks_unwrapped():
    assert autop("One.\n\n<blockquote>Quoted.</blockquote>\n\n<ul>\n<li>a</li>\n</ul>") == (
        "<p>One.</p>\n<blockquote><p>Quoted.</p></blockquote>\n<ul>\n<li>a</li>\n</ul>\n"
    )


def body_tree(wordpress_id):
    return strict_parse(f"<!doctype html><title>t</title><body>{article(wordpress_id).body}</body>")


def test_caption_becomes_a_figure_showing_the_new_rendition(imported):
    chamber = Image.objects.get(wordpress_id=101)
    figure = body_tree(2).find(".//figure")
    img = figure.find("img")
    assert img.get("src") == chamber.rendition(1280)["url"]
    assert img.get("alt") == "The repaired council chamber"
    assert text_of(figure.find("figcaption")) == "Councillors returned to the chamber on Thursday."
    assert "ledger.example" not in article(2).body


def test_gallery_shows_the_images_it_names_or_the_posts_own(imported):
    attached = [img.get("src") for img in body_tree(5).iter("img")]
    assert attached == [Image.objects.get(wordpress_id=n).rendition(1280)["url"] for n in (102, 103, 104)]
    captions = [text_of(caption) for caption in body_tree(5).iter("figcaption")]
    assert captions == ["Quay Street at midnight."]
    named = [img.get("src") for img in body_tree(30).iter("img")]
    assert named == [Image.objects.get(wordpress_id=n).rendition(1280)["url"] for n in (101, 108)]


def test_body_images_and_links_to_uploads_point_to_the_new_files(imported):
    cranes = Image.objects.get(wordpress_id=100)
    link = body_tree(15).find(".//a")
    assert link.get("href") == cranes.file.url
    assert link.find("img").get("src") == cranes.rendition(1280)["url"]
    assert link.find("img").get("alt") == "Cranes above the container quay"


def test_an_image_the_export_lacks_is_kept_and_reported(imported):
    assert "lighthouse-archive.jpg" in article(16).body
    assert "image in a body not found in the export" in imported


def test_other_shortcodes_stay_visible_and_are_listed(imported):
    assert '[contact-form-7 id="9" title="Potholes"]' in article(11).body
    assert "shortcode [contact-form-7] kept as text" in imported
    assert "shortcode [youtube] kept as text" in imported


def test_block_editor_posts_keep_their_markup(imported):
    body = article(19).body
    assert body.startswith("<p>The barrier has six gates.</p>\n<h2>Closing the gates</h2>")
    assert "<p><p>" not in body and "wp:paragraph" not in body
    assert Image.objects.get(wordpress_id=100).rendition(1280)["url"] in body


def test_markup_the_body_cannot_hold_is_reduced_and_reported(imported):
    regatta = article(21).body
    assert "<h2>Regatta results</h2>" in regatta and "<h4>Notes</h4>" in regatta
    assert "<strong>junior</strong>" in regatta and "<em>well</em>" in regatta
    assert "<p>Eights · 1st</p>" in regatta
    assert "table made one paragraph per row" in imported
    launch = body_tree(22).findall(".//a")
    assert [a.get("href") for a in launch] == ["https://video.example/embed/launch"]
    assert "embedded frame made a link" in imported


def test_text_split_across_cdata_sections_is_whole(imported):
    assert "reads ]]&gt; and nothing else" in article(13).body


def test_control_characters_and_bad_bytes_are_cleaned_and_reported(imported):
    bridge = article(12)
    assert bridge.headline == "Bridge inspection finds loose bolts"
    assert "\x03" not in bridge.body and "east span." in bridge.body
    assert "characters XML forbids removed (2)" in imported
    assert "bytes that are not UTF-8 replaced" in imported


# Images


def test_attachments_become_images_with_alt_text_and_caption(imported):
    cranes = Image.objects.get(wordpress_id=100)
    assert (cranes.alt_text, cranes.caption) == ("Cranes above the container quay", "Cranes at the east quay.")
    assert cranes.renditions and Path(cranes.file.path).is_file()
    assert Image.objects.count() == 7
    assert "image file missing from the media folder" in imported and "2023/07/lost-photo.jpg" in imported
    assert "attachment that is not an image not imported" in imported
    assert "image without alt text" in imported and "attachment 108" in imported


def test_featured_images_become_hero_images_even_when_uploaded_later(imported):
    ferry = Image.objects.get(wordpress_id=107)
    assert article(1).hero_image == ferry
    assert ferry.caption == "The last crossing of the evening."
    assert article(26).hero_image is None
    assert "featured image not imported; the article has none" in imported


def test_without_a_media_folder_no_image_is_fetched(empty_site):
    output = run_import()
    assert Image.objects.count() == 0
    assert "image not imported: no --media-dir given" in output
    assert article(1).hero_image is None


# Comments


def comment(wordpress_id):
    return Comment.objects.get(wordpress_id=wordpress_id)


def test_comments_keep_their_thread_dates_and_authors(imported):
    question, answer, follow_up = comment(501), comment(502), comment(503)
    assert question.article == article(1) and question.parent is None
    assert (answer.parent, answer.depth) == (question, 2)
    assert (follow_up.parent, follow_up.depth) == (answer, 3)
    assert question.created_at == datetime(2023, 5, 4, 15, 0, tzinfo=UTC)
    assert (question.author_name, question.author_email, question.author_url, question.ip_address) == (
        "Ines Port",
        "ines@example.net",
        "https://ines.example",
        "203.0.113.7",
    )
    assert answer.is_staff_reply and not question.is_staff_reply
    assert follow_up.text == "Good. See the timetable (https://ferry.example/timetable) too."


def test_moderation_states_are_kept(imported):
    assert comment(601).status == Comment.Status.APPROVED
    assert comment(602).status == Comment.Status.PENDING
    assert comment(602).hold_reasons == ["Awaiting moderation on the WordPress site"]
    assert comment(603).status == Comment.Status.SPAM
    assert comment(604).status == Comment.Status.REJECTED
    assert not Comment.objects.filter(wordpress_id__in=[605, 606]).exists()
    assert "2 × pingback or trackback not imported" in imported


def test_a_reply_to_a_skipped_comment_stands_alone_and_bad_addresses_are_dropped(imported):
    orphan = comment(607)
    assert orphan.parent is None and orphan.depth == 1
    assert (orphan.author_email, orphan.author_url, orphan.ip_address) == ("", "", None)
    assert "comment IP address that is not one left out" in imported


def test_only_approved_comments_are_shown_and_addresses_stay_private(client, imported):
    page = client.get(article(14).get_absolute_url()).content.decode()
    assert "Finally, somewhere dry." in page
    for hidden in ("Will the stalls cost more inside?", "Buy watches here", "A comment a moderator binned."):
        assert hidden not in page
    thread = client.get(article(1).get_absolute_url()).content.decode()
    assert "Thanks, Ines" in thread
    for private in ("ines@example.net", "203.0.113.7"):
        assert private not in thread


def test_closed_comments_stay_closed(imported):
    assert not article(27).comments_enabled and article(1).comments_enabled


# Running again, dry runs and broken items


def snapshot():
    return {
        "articles": sorted(Article.objects.values_list("wordpress_id", "version", "modified_at", "slug")),
        "comments": sorted(Comment.objects.values_list("wordpress_id", "status", "parent_id", "created_at")),
        "images": sorted(Image.objects.values_list("wordpress_id", "file", "renditions")),
        "counts": [
            model.objects.count() for model in (Section, Author, Tag, OldAddress, Article.bylines.rel.related_model)
        ],
    }


def test_a_second_run_changes_nothing(imported, media_dir):
    before = snapshot()
    again = run_import("--media-dir", str(media_dir))
    assert snapshot() == before
    for kind in ("articles", "comments", "sections", "authors", "images", "old addresses"):
        assert f"{kind}: 0 created, 0 updated" in again, kind


HELD_COMMENT = b"Will the stalls cost more inside?]]></wp:comment_content>\n\t\t\t<wp:comment_approved><![CDATA[0]]>"


def test_a_second_run_brings_over_what_changed(imported, media_dir, tmp_path):
    changed = tmp_path / "changed.xml"
    changed.write_bytes(
        EXPORT.read_bytes()
        .replace(b"Harbour board splits over the night ferry", b"Harbour board splits again over the night ferry")
        .replace(HELD_COMMENT, HELD_COMMENT.replace(b"[0]", b"[1]"))
    )
    output = run_import("--media-dir", str(media_dir), export=changed)
    assert article(1).headline == "Harbour board splits again over the night ferry"
    assert comment(602).status == Comment.Status.APPROVED
    assert "articles: 0 created, 1 updated, 32 unchanged" in output
    assert "comments: 0 created, 1 updated, 7 unchanged" in output
    assert Article.objects.count() == 33 and Comment.objects.count() == 8


def test_a_dry_run_writes_nothing_and_says_what_it_would_do(empty_site, media_dir, media_root):
    output = run_import("--media-dir", str(media_dir), "--dry-run")
    assert output.startswith("Dry run: nothing was written.")
    assert "articles: 33 created" in output and "comments: 8 created" in output and "images: 7 created" in output
    for model in (Article, Comment, Image, Section, Author, Tag, OldAddress):
        assert not model.objects.exists(), model
    assert not Path(media_root).exists() or not any(Path(media_root).rglob("*.*"))


def test_a_dry_run_after_an_import_would_change_nothing(imported, media_dir):
    before = snapshot()
    output = run_import("--media-dir", str(media_dir), "--dry-run")
    assert "articles: 0 created, 0 updated, 33 unchanged" in output
    assert snapshot() == before


def test_an_unreadable_item_is_skipped_and_reported(imported):
    assert "unreadable item" in imported and "post id is not a number: 'twenty-five'" in imported
    assert not Article.objects.filter(headline="Broken export row").exists()


def test_a_post_that_fails_leaves_nothing_half_written(empty_site, media_dir):
    def fail_on_post_14(article, item, wordpress_import):
        if item.wordpress_id == 14:
            raise ValueError("the comments could not be written")
        import_comments(article, item, wordpress_import)

    report = WordPressImport(EXPORT, media_dir=media_dir, post_importers=[fail_on_post_14]).run()
    assert not Article.objects.filter(wordpress_id=14).exists()
    assert not OldAddress.objects.filter(path="/2023/06/20/fish-market-moves-indoors/").exists()
    assert not Comment.objects.filter(wordpress_id__in=[601, 602]).exists()
    assert Article.objects.filter(wordpress_id=1).exists() and Comment.objects.filter(wordpress_id=501).exists()
    assert "post 14 “Fish market moves indoors”: ValueError: the comments could not be written" in "\n".join(
        report.lines()
    )


def test_a_wxr_1_1_export_is_read_too(empty_site, tmp_path):
    older = tmp_path / "wxr-1.1.xml"
    older.write_bytes(EXPORT.read_bytes().replace(b"export/1.2/", b"export/1.1/").replace(b">1.2<", b">1.1<"))
    run_import(export=older)
    assert Article.objects.published().count() == PUBLISHED_POSTS
    assert Comment.objects.filter(wordpress_id=503, parent__wordpress_id=502).exists()


def test_what_is_not_an_export_is_refused_clearly(empty_site, tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        run_import(export=tmp_path / "missing.xml")
    not_xml = tmp_path / "notes.xml"
    not_xml.write_text("these are notes, not an export")
    with pytest.raises(CommandError, match="not a WordPress export that can be read"):
        run_import(export=not_xml)
    with pytest.raises(CommandError, match="No such folder"):
        run_import("--media-dir", str(tmp_path / "nowhere"))


# Old addresses


NIGHT_FERRY = "/news/politics/harbour-board-splits-over-night-ferry/"


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("/2023/05/04/harbour-board-splits-over-night-ferry/", NIGHT_FERRY),
        ("/2023/05/harbour-board-splits-over-night-ferry/", NIGHT_FERRY),
        ("/harbour-board-splits-over-night-ferry/", NIGHT_FERRY),
        (
            "/2023/05/04/harbour-board-splits-over-night-ferry/feed/",
            NIGHT_FERRY,
        ),
        ("/?p=1", NIGHT_FERRY),
        ("/2023/07/03/z%c3%bcrich-tram-study-visit/", "/news/city-hall/zurich-tram-study-visit/"),
        ("/category/politics/", "/section/politics/"),
        ("/category/politics/elections/", "/section/elections/"),
        ("/category/elections/", "/section/elections/"),
        ("/category/climate/feed/", "/section/climate/feed/"),
        ("/tag/transit-2/", "/tag/transit-2/"),
        ("/tag/z%c3%bcrich/", "/tag/z%c3%bcrich/"),
        ("/author/quinn-w/", "/author/quinn-w/"),
        ("/feed/", "/feed/"),
    ],
)
def test_old_addresses_answer_301_to_the_new_ones(client, imported, old, new):
    response = client.get(old)
    if old == new:
        # The new site answers the old address itself.
        assert response.status_code == 200
    else:
        assert (response.status_code, response["Location"]) == (301, new)


def test_an_old_tag_address_whose_tag_has_another_slug_now(client, imported):
    Tag.objects.filter(name="Transit").update(slug="transit")
    response = client.get("/tag/transit-2/")
    assert (response.status_code, response["Location"]) == (301, "/tag/transit/")


def test_an_old_address_typed_without_its_slash_is_found_too(client, imported):
    response = client.get("/2023/05/04/harbour-board-splits-over-night-ferry")
    assert (response.status_code, response["Location"]) == (
        301,
        "/news/politics/harbour-board-splits-over-night-ferry/",
    )


def test_the_front_page_answers_post_ids_without_caching_the_redirect(client, imported):
    assert client.get("/").status_code == 200
    redirect = client.get("/?p=2")
    assert (redirect.status_code, redirect["Location"]) == (301, "/news/city-hall/council-chamber-reopens/")
    front = client.get("/")
    assert front.status_code == 200 and "Harbour board splits" in front.content.decode()
    assert client.get("/?p=2").status_code == 301
    for unknown in ("/?p=6", "/?p=8", "/?p=999", "/?p=abc", "/?p=%EF%BC%91"):
        assert client.get(unknown).status_code == 404, unknown


def test_unknown_addresses_still_answer_404_and_slashes_are_still_added(client, imported):
    assert client.get("/no-such-story/").status_code == 404
    assert client.get("/2001/01/01/never-written/").status_code == 404
    assert client.get("/favicon.ico").status_code == 404
    assert client.get("/?p=4").status_code == 404  # scheduled, not out yet
    search = client.get("/search?q=ferry")
    assert (search.status_code, search["Location"]) == (301, "/search/?q=ferry")


def test_an_article_moved_since_keeps_its_old_address(client, imported):
    moved = article(1)
    moved.slug = "night-ferry-vote"
    moved.save()
    response = client.get("/2023/05/04/harbour-board-splits-over-night-ferry/")
    assert response["Location"] == "/news/politics/night-ferry-vote/"


# The public site with imported content


def published_urls():
    return [story.get_absolute_url() for story in Article.objects.published().select_related("section")]


def test_every_imported_article_page_is_valid_html(client, imported):
    urls = published_urls()
    assert len(urls) == PUBLISHED_POSTS
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        strict_parse(response.content)
    for url in ("/", "/section/politics/", "/section/elections/", "/tag/budget/", "/author/mara/"):
        response = client.get(url)
        assert response.status_code == 200, url
        strict_parse(response.content)


def test_an_imported_story_passes_the_nu_html_checker(client, imported, tmp_path):
    from tests.comments.test_valid_html import nu_checker_errors

    pages = {f"post-{n}": client.get(article(n).get_absolute_url()).content for n in (1, 2, 5, 15, 19, 21, 22, 30)}
    assert nu_checker_errors(pages, tmp_path) == []


def test_an_imported_story_page_shows_its_parts(client, imported):
    tree = strict_parse(client.get(article(1).get_absolute_url()).content)
    assert text_of(tree.find(".//h1")) == "Harbour board splits over the night ferry"
    assert text_of(with_class(tree, "story__deck")[0]) == "Night ferry vote stalls"
    assert [link.text for link in with_class(tree, "story__byline")[0].findall("a")] == ["Mara Okafor"]


def test_feeds_list_imported_articles(client, imported):
    for url in ("/feed/", "/feed/atom/", "/section/climate/feed/"):
        feed = feedparser.parse(client.get(url).content)
        assert not feed.bozo, (url, feed.bozo_exception)
        assert feed.entries, url
    titles = [entry.title for entry in feedparser.parse(client.get("/feed/").content).entries]
    assert "Bridge inspection finds loose bolts" in titles


def test_sitemaps_list_every_imported_article(client, imported):
    _, sitemaps = sitemap_locations(client, "/sitemap.xml")
    listed = []
    for sitemap in sitemaps:
        _, locations = sitemap_locations(client, sitemap.removeprefix("http://testserver"))
        listed += locations
    for url in published_urls():
        assert any(location.endswith(url) for location in listed), url


def test_imported_article_pages_stay_within_the_query_budget(client, imported):
    assert count_queries(client, article(1).get_absolute_url()) <= COLD_PAGE_QUERY_BUDGET
    assert count_queries(client, article(14).get_absolute_url()) <= COLD_PAGE_QUERY_BUDGET
    cache.clear()


def test_progress_is_reported_for_each_pass_through_the_file(empty_site):
    read = {}

    def progress(description, total):
        read[description] = (total, [])
        return read[description][1].append

    WordPressImport(EXPORT, progress=progress).run()
    assert len(read) == 2
    for total, chunks in read.values():
        assert total == EXPORT.stat().st_size == sum(chunks)
