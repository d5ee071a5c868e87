"""Builders for a public site with every part a reader can see, shared by the
page tests and the browser tests."""

import io

import html5lib
from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.models import AdSlot, Article, Author, Correction, Image, Section
from comments.models import Comment
from newsroom.models import SiteSettings, SocialLink

STORY_BODY = """
<p>The harbour board voted on Tuesday to delay the ferry contract by a year.</p>
<p>Board members said the tender had drawn only two bids, both over budget.</p>
<h2>Why the vote matters</h2>
<p>Commuters on the northern route have waited since spring for a newer boat.</p>
<blockquote><p>We would rather wait than sign a contract we cannot pay for.</p><p>— the board's chair</p></blockquote>
<p>The chair said a second tender would open in the autumn.</p>
<ul><li>Two bids were received.</li><li>Both were above the budget.</li></ul>
<p>The operator's union welcomed the delay, citing safety checks still under way.</p>
<p>Passenger groups were less pleased and asked for a timetable.</p>
<p>A public meeting is planned for next month at the ferry terminal.</p>
<p>The board will publish the tender documents before that meeting.</p>
"""


def jpeg(width=1600, height=900, colour=(40, 90, 140)):
    image = PILImage.new("RGB", (width, height), colour)
    ImageDraw.Draw(image).ellipse([width // 4, height // 4, width // 2, height // 2], fill=(230, 230, 230))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def make_image(name="hero", alt_text="Ferries moored at the northern terminal at dusk", **fields):
    fields.setdefault("caption", "The northern terminal, where the new ferry would dock.")
    fields.setdefault("credit", "Staff photographer")
    return Image.objects.create(file=ContentFile(jpeg(), name=f"{name}.jpg"), alt_text=alt_text, **fields)


def furnish_site():
    """Site name, social links and an active house ad, as an editor would set them."""
    site = SiteSettings.current()
    site.name = "The Harbour Gazette"
    site.tagline = "News from the waterfront"
    site.paragraphs_between_ads = 3
    site.save()
    SocialLink.objects.create(network=SocialLink.Network.FACEBOOK, url="https://www.facebook.com/example", position=0)
    SocialLink.objects.create(network=SocialLink.Network.RSS, url="https://gazette.example/feed/", position=1)
    AdSlot.objects.create(
        name="House ad",
        html='<p><strong>The Morning Tide</strong>: our newsletter. <a href="/feed/">Follow the feed</a></p>',
        max_per_article=2,
    )
    return SiteSettings.current()


def build_story(make_article, section, author):
    """An article showing every part of the page: alternative headline, two
    authors, hero image, tags, a correction, an update, related stories and
    approved comments."""
    agency = Author.objects.create(name="Coast Wire", slug="coast-wire", is_organization=True)
    published = timezone.now() - timezone.timedelta(hours=5)
    story = make_article(
        headline="Harbour board delays the ferry contract by a year",
        alternative_headline="Ferry contract delayed",
        slug="harbour-board-delays-ferry-contract",
        standfirst="The board said both bids were over budget and a new tender will open in the autumn.",
        body=STORY_BODY,
        hero_image=make_image(),
        publish_at=published,
        authors=[author, agency],
        tags=["Ferries", "Harbour board"],
    )
    Correction.objects.create(
        article=story,
        text="An earlier version gave the wrong month for the public meeting.",
        published_at=published + timezone.timedelta(hours=2),
    )
    Article.objects.filter(pk=story.pk).update(updated_at=published + timezone.timedelta(hours=2))
    pinned = make_article(headline="Ferry timetable changes for the winter", slug="ferry-timetable-winter")
    story.related_articles.add(pinned)
    make_article(headline="New pier lights switched on", slug="new-pier-lights", tags=["Ferries"])
    make_article(headline="Harbour cafe reopens", slug="harbour-cafe-reopens")
    make_article(headline="Lifeboat crew trains at night", slug="lifeboat-crew-trains")
    other_section = Section.objects.create(name="Business", slug="business")
    make_article(headline="Shipyard wins a tug order", slug="shipyard-tug-order", section=other_section)
    for name in ("Sam Commuter", "Alex Skipper"):
        Comment.objects.create(
            article=story,
            author_name=name,
            author_email=f"{name.split()[0].lower()}@example.net",
            text="Thanks for explaining the tender.",
            status=Comment.Status.APPROVED,
        )
    story.refresh_from_db()
    return story


def strict_parse(content):
    """Parse as a validating HTML parser would; raises on any parse error."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(content)


def with_class(tree, class_name):
    return [element for element in tree.iter() if class_name in (element.get("class") or "").split()]


def text_of(element):
    return " ".join("".join(element.itertext()).split())
