"""Demo content of the editorial room: sections, authors, the newsroom's staff, stories with their
pictures, a running live story (articles/demo/live.py), a draft, a scheduled story and a house ad. All
of it is original writing, and every picture is drawn here with Pillow: nothing is downloaded."""

import colorsys
import json
import random
from io import BytesIO
from pathlib import Path

from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.utils import timezone
from django.utils.html import escape
from PIL import Image as PILImage
from PIL import ImageDraw

from articles.demo.live import seed_live_story
from articles.models import AdSlot, Article, Author, Byline, Correction, Image, Section

DEMO_ARTICLES = Path(__file__).resolve().parent / "articles.json"
DEMO_PASSWORD = "newsroom-demo"

SECTIONS = [
    ("Diplomacy & Security", "diplomacy-security", "Treaties, talks and the security of states.", None),
    ("World News", "world-news", "Reporting from every region.", None),
    ("US News", "us-news", "The country, its states and its cities.", None),
    ("Political News", "political-news", "Campaigns, parliaments and the people in power.", None),
    ("Breaking News", "breaking-news", "Developing stories, updated as they happen.", None),
    ("Elections", "elections", "Candidates, polls and results.", "political-news"),
]

AUTHORS = [
    ("Maria Okafor", "maria-okafor", "Diplomatic correspondent, covering summits and negotiations.", False, "#2f6f9f"),
    ("Daniel Reyes", "daniel-reyes", "Political reporter following parliaments and campaigns.", False, "#9f4a2f"),
    ("Lena Hartmann", "lena-hartmann", "World affairs editor with a decade of foreign postings.", False, "#3f7f4f"),
    ("Tomas Novak", "tomas-novak", "Security and defence reporter.", False, "#6f4f9f"),
    ("Wire Desk", "wire-desk", "Dispatches from our news agency partners.", True, "#555555"),
]

STAFF = [
    ("editor", "Editors", "maria-okafor"),
    ("reporter", "Reporters", "daniel-reyes"),
    ("moderator", "Moderators", None),
]


def _png(width, height, hue, seed, initials=None):
    """An abstract illustration drawn with Pillow: nothing is downloaded."""
    rng = random.Random(seed)
    image = PILImage.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        shade = int(40 + 80 * y / height)
        draw.line([(0, y), (width, y)], fill=_hsl(hue, 45, shade / 2.2))
    for _ in range(9):
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(height // 8, height // 2)
        draw.ellipse([x - r, y - r, x + r, y + r], outline=_hsl((hue + 30) % 360, 60, 70), width=6)
    for index in range(6):
        x = width * (index + 1) // 7
        draw.rectangle(
            [x - 12, height - rng.randrange(height // 5, height // 2), x + 12, height], fill=_hsl(hue, 30, 85)
        )
    if initials:
        draw.text((width // 2, height // 2), initials, fill="white", anchor="mm", font_size=height // 3)
    buffer = BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def _hsl(hue, saturation, lightness):
    red, green, blue = colorsys.hls_to_rgb(hue / 360, lightness / 100, saturation / 100)
    return int(red * 255), int(green * 255), int(blue * 255)


def _body_html(blocks):
    parts = []
    for block in blocks:
        if "p" in block:
            parts.append(f"<p>{escape(block['p'])}</p>")
        elif "h2" in block:
            parts.append(f"<h2>{escape(block['h2'])}</h2>")
        elif "h3" in block:
            parts.append(f"<h3>{escape(block['h3'])}</h3>")
        elif "quote" in block:
            cite = f"<p>— {escape(block['cite'])}</p>" if block.get("cite") else ""
            parts.append(f"<blockquote><p>{escape(block['quote'])}</p>{cite}</blockquote>")
        elif "ul" in block:
            items = "".join(f"<li>{escape(item)}</li>" for item in block["ul"])
            parts.append(f"<ul>{items}</ul>")
    return "".join(parts)


def seed():
    """The demo's editorial content; running it again changes nothing. Returns the stories it created."""
    sections = seed_sections()
    authors = seed_authors()
    seed_staff(authors)
    articles = seed_articles(sections, authors)
    live_story = seed_live_story(sections, authors, picture=_png)
    if live_story:
        articles.append(live_story)
    seed_unpublished(sections, authors)
    seed_ads()
    return articles


def seed_sections():
    sections = {}
    for position, (name, slug, description, parent_slug) in enumerate(SECTIONS):
        sections[slug], _ = Section.objects.get_or_create(
            slug=slug,
            defaults={
                "name": name,
                "description": description,
                "position": position,
                "parent": sections.get(parent_slug),
                "show_in_navigation": parent_slug is None,
            },
        )
    return sections


def seed_authors():
    authors = {}
    for name, slug, bio, is_organization, _colour in AUTHORS:
        author, created = Author.objects.get_or_create(
            slug=slug, defaults={"name": name, "bio": bio, "is_organization": is_organization}
        )
        if created:
            initials = "".join(word[0] for word in name.split())[:2]
            author.photo = ContentFile(_png(240, 240, sum(map(ord, slug)) % 360, slug, initials), name=f"{slug}.jpg")
            author.save()
        authors[slug] = author
    return authors


def seed_staff(authors):
    for username, group_name, author_slug in STAFF:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.org", "is_staff": True}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.first_name = username.title()
            user.save()
            user.groups.add(Group.objects.get(name=group_name))
        if author_slug and not authors[author_slug].user_id:
            authors[author_slug].user = user
            authors[author_slug].save()


def seed_articles(sections, authors):
    now = timezone.now()
    created = []
    for entry in json.loads(DEMO_ARTICLES.read_text()):
        if Article.objects.filter(slug=entry["slug"]).exists():
            continue
        hero = Image.objects.create(
            file=ContentFile(_png(1600, 900, entry["hue"], entry["slug"]), name=f"{entry['slug']}.jpg"),
            alt_text=entry["hero_alt"],
            caption=entry["hero_caption"],
            credit=entry["hero_credit"],
        )
        publish_at = now - timezone.timedelta(hours=entry["hours_ago"])
        article = Article.objects.create(
            headline=entry["headline"],
            alternative_headline=entry.get("alternative_headline", ""),
            slug=entry["slug"],
            section=sections[entry["section"]],
            standfirst=entry["standfirst"],
            body=_body_html(entry["body"]),
            hero_image=hero,
            status=Article.Status.PUBLISHED,
            publish_at=publish_at,
            priority=entry.get("featured", 0),
        )
        for position, author_slug in enumerate(entry["authors"]):
            Byline.objects.create(article=article, author=authors[author_slug], position=position)
        article.tags.add(*entry["tags"])
        if entry.get("correction"):
            Correction.objects.create(
                article=article,
                kind=entry["correction"]["kind"],
                text=entry["correction"]["text"],
                published_at=publish_at + timezone.timedelta(hours=3),
            )
            Article.objects.filter(pk=article.pk).update(updated_at=publish_at + timezone.timedelta(hours=3))
        created.append(article)
    return created


def seed_unpublished(sections, authors):
    """A draft and a scheduled story, so the admin shows every state."""
    now = timezone.now()
    for slug, status, publish_at, headline in [
        ("budget-committee-draft", Article.Status.DRAFT, None, "Budget committee prepares its spring report"),
        (
            "harbour-bridge-vote-scheduled",
            Article.Status.PUBLISHED,
            now + timezone.timedelta(days=2),
            "Harbour bridge vote set for the end of the week",
        ),
    ]:
        if Article.objects.filter(slug=slug).exists():
            continue
        article = Article.objects.create(
            headline=headline,
            slug=slug,
            section=sections["us-news"],
            standfirst="Not yet visible to readers: this story is waiting in the newsroom.",
            body="<p>Reporting continues on this story.</p>",
            status=status,
            publish_at=publish_at,
        )
        Byline.objects.create(article=article, author=authors["daniel-reyes"])


def seed_ads():
    if AdSlot.objects.exists():
        return
    AdSlot.objects.create(
        name="House ad: morning briefing",
        html=(
            "<p><strong>The Morning Ledger</strong> — the five stories you need before breakfast, "
            'every weekday. <a href="/feed/">Follow our feed</a></p>'
        ),
        max_per_article=2,
    )
