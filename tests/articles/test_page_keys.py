"""Precise invalidation: for each kind of change, the pages rendered again and the pages still served from cache.

Every page below is viewed once, then the change is made, then every page is viewed again: its
X-Page-Cache header says whether it was rendered ("miss") or served from the cache ("hit").
"""

import pytest
from django.utils import timezone

from articles.models import AdSlot, Article, Author, Byline, Correction, Section
from comments.models import Comment
from newsroom.models import SiteSettings

PAGES = ["front", "story", "story feed", "world", "world page 2", "sport", "neighbour", "tag", "author", "other author"]


@pytest.fixture
def site(make_article, section):
    """Two sections; a story in World with a tag and an author, its neighbour in Sport sharing neither,
    and enough World stories that the story is on the first page of its section, not the second."""
    sport = Section.objects.create(name="Sport", slug="sport")
    other_author = Author.objects.create(name="Omar Columnist", slug="omar-columnist")
    for n in range(25):
        make_article(headline=f"Older world story {n}", publish_at=timezone.now() - timezone.timedelta(days=30 + n))
    story = make_article(headline="Harbour council approves the new ferry timetable", tags=["Transport"])
    neighbour = make_article(
        headline="Rowing club wins the river cup", section=sport, tags=["Rowing"], authors=[other_author]
    )
    urls = {
        "front": "/",
        "story": story.get_absolute_url(),
        "story feed": "/feed/",
        "world": section.get_absolute_url(),
        "world page 2": section.get_absolute_url() + "?page=2",
        "sport": sport.get_absolute_url(),
        "neighbour": neighbour.get_absolute_url(),
        "tag": "/tag/transport/",
        "author": story.authors.first().get_absolute_url(),
        "other author": other_author.get_absolute_url(),
    }
    return {"story": story, "neighbour": neighbour, "sport": sport, "urls": urls}


def rendered_again(client, site, change):
    for url in site["urls"].values():
        assert client.get(url).status_code == 200, url
    assert all(client.get(url)["X-Page-Cache"] == "hit" for url in site["urls"].values())
    change()
    # A page that now redirects elsewhere (an article moved to another section) is not from the cache either.
    how = {name: client.get(url).get("X-Page-Cache", "not cached") for name, url in site["urls"].items()}
    return {name for name, answer in how.items() if answer != "hit"}


@pytest.mark.django_db
def test_an_approved_comment_renders_its_article_page_only(client, site):
    story = site["story"]

    def approve():
        comment = Comment.objects.create(
            article=story, author_name="Reader", author_email="reader@example.net", text="When does it start?"
        )
        comment.moderate(Comment.Status.APPROVED, None)

    assert rendered_again(client, site, approve) == {"story"}
    assert "When does it start?" in client.get(site["urls"]["story"]).content.decode()


@pytest.mark.django_db
def test_a_held_comment_renders_nothing(client, site):
    def hold():
        Comment.objects.create(
            article=site["story"], author_name="Reader", author_email="reader@example.net", text="First!"
        )

    assert rendered_again(client, site, hold) == set()


@pytest.mark.django_db
def test_an_edited_headline_renders_its_page_and_the_lists_showing_it(client, site):
    story = site["story"]

    def edit():
        story.headline = "Harbour council delays the new ferry timetable"
        story.save()

    assert rendered_again(client, site, edit) == {"front", "story", "story feed", "world", "tag", "author"}
    for name in ("front", "story", "world", "tag", "author"):
        assert "delays the new ferry" in client.get(site["urls"][name]).content.decode(), name


@pytest.mark.django_db
def test_an_article_moved_to_another_section_renders_both_sections(client, site):
    story = site["story"]

    def move():
        story.section = site["sport"]
        story.save()

    assert {"world", "world page 2", "sport"} <= rendered_again(client, site, move)


@pytest.mark.django_db
def test_a_new_story_renders_the_lists_it_joins(client, site, make_article, section):
    again = rendered_again(client, site, lambda: make_article(headline="Night trains return", section=section))
    # The story's related box may now show the new one: it is in the same section.
    assert again == {"front", "story feed", "world", "world page 2", "author", "story"}


@pytest.mark.django_db
def test_an_unpublished_story_leaves_every_list_and_no_old_copy_is_served(client, site):
    story = site["story"]

    def unpublish():
        story.status = Article.Status.DRAFT
        story.save()

    for url in site["urls"].values():
        client.get(url)
    unpublish()
    assert client.get(site["urls"]["story"]).status_code == 404
    for name in ("front", "world", "tag", "author"):
        page = client.get(site["urls"][name])
        assert page["X-Page-Cache"] == "miss", name
        assert story.headline not in page.content.decode(), name


@pytest.mark.django_db
def test_a_correction_renders_the_article_and_the_lists_showing_it(client, site):
    again = rendered_again(
        client, site, lambda: Correction.objects.create(article=site["story"], text="An earlier version misdated it.")
    )
    assert "story" in again
    assert not again & {"sport", "neighbour", "other author", "world page 2"}


@pytest.mark.django_db
def test_a_new_byline_renders_the_author_page_it_joins(client, site):
    author = Author.objects.get(slug="omar-columnist")
    again = rendered_again(client, site, lambda: Byline.objects.create(article=site["story"], author=author))
    assert {"story", "other author"} <= again
    assert not again & {"sport", "world page 2"}


@pytest.mark.django_db
def test_a_new_tag_renders_the_article_and_the_tag_page(client, site):
    again = rendered_again(client, site, lambda: site["story"].tags.add("Rowing"))
    assert "story" in again
    assert not again & {"sport", "world page 2", "other author"}
    assert "Rowing club" in client.get("/tag/rowing/").content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("change", ["site settings", "section", "ad"])
def test_the_furniture_renders_every_page(client, site, change):
    def change_furniture():
        if change == "site settings":
            settings = SiteSettings.current()
            settings.tagline = "Reporting from the river delta since 1911"
            settings.save()
        elif change == "section":
            site["sport"].name = "Sports"
            site["sport"].save()
        else:
            AdSlot.objects.create(name="Ferry ad", placement=AdSlot.Placement.IN_ARTICLE, html="<p>Ferry</p>")

    assert rendered_again(client, site, change_furniture) == set(PAGES)


# Within a page that is rendered again: which of its parts are


def rendered_templates(response):
    return {template.name for template in response.templates}


@pytest.mark.django_db
def test_an_edit_to_a_story_in_another_story_box_renders_that_page_but_not_its_story(client, make_article):
    shown = make_article(headline="Ferry timetable agreed", tags=["Transport"])
    story = make_article(headline="Bus lanes widened on the bridge", tags=["Transport"])
    first = client.get(story.get_absolute_url())
    assert "articles/article.html" in rendered_templates(first)
    assert "Ferry timetable agreed" in first.content.decode()

    shown.headline = "Ferry timetable delayed"
    shown.save()
    again = client.get(story.get_absolute_url())
    assert again["X-Page-Cache"] == "miss"
    # The story is taken from its fragment: the box alone is put together anew, from the new teaser.
    assert "articles/article.html" not in rendered_templates(again)
    assert "includes/article_card.html" in rendered_templates(again)
    page = again.content.decode()
    assert "Ferry timetable delayed" in page
    assert "Ferry timetable agreed" not in page
    # The edited story's own page is its story rendered anew.
    assert "articles/article.html" in rendered_templates(client.get(shown.get_absolute_url()))


@pytest.mark.django_db
def test_a_story_taken_down_leaves_the_boxes_showing_it(client, make_article):
    shown = make_article(headline="Ferry timetable agreed", tags=["Transport"])
    story = make_article(headline="Bus lanes widened on the bridge", tags=["Transport"])
    assert "Ferry timetable agreed" in client.get(story.get_absolute_url()).content.decode()
    shown.taken_down_at = timezone.now()
    shown.save()
    page = client.get(story.get_absolute_url()).content.decode()
    assert "Ferry timetable agreed" not in page
    assert "Bus lanes widened on the bridge" in page
