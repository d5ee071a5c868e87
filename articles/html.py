"""Article HTML: the editor's capabilities and the allow-list that matches them."""

import re
from html import unescape

import nh3
from django.utils.html import strip_tags

from newsroom.text import clean_text

BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Heading": {"levels": [2, 3, 4]},
    "BulletList": True,
    "OrderedList": True,
    "ListItem": True,
    "Blockquote": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "Figure": True,
    "Caption": True,
    "Image": True,
    "History": True,
}

_body_cleaner = nh3.Cleaner(
    tags={
        "p",
        "br",
        "h2",
        "h3",
        "h4",
        "blockquote",
        "ul",
        "ol",
        "li",
        "a",
        "strong",
        "em",
        "figure",
        "figcaption",
        "img",
        "cite",
    },
    attributes={
        "a": {"href", "title"},
        "img": {"src", "alt", "width", "height"},
        "ol": {"start"},
    },
    url_schemes={"http", "https", "mailto"},
    link_rel="noopener",
    strip_comments=True,
)

_EMPTY_DOCUMENT = re.compile(r"^\s*(<p>\s*(<br\s*/?>)?\s*</p>\s*)*$")


def sanitize_body(html):
    """Keep only the markup the editor can produce; scripts, styles, event
    handlers and javascript: links never survive, nor characters XML forbids."""
    # Cleaned after nh3, which decodes character references such as &#11; into
    # the very characters to remove.
    cleaned = clean_text(_body_cleaner.clean(html or ""))
    return "" if _EMPTY_DOCUMENT.match(cleaned) else cleaned


def plain_text(html):
    return " ".join(strip_tags(html or "").split())


_BLOCK_BOUNDARY = re.compile(r"</?(?:p|br|h[2-4]|blockquote|ul|ol|li|figure|figcaption)\b[^>]*>")


def readable_text(html):
    """The words a reader sees in sanitised body HTML, entities decoded. Block
    boundaries become spaces so that the last word of one paragraph and the
    first of the next stay two words."""
    return " ".join(unescape(strip_tags(_BLOCK_BOUNDARY.sub(" ", html or ""))).split())


def paragraphs_text(html):
    """The words a reader sees, a paragraph (heading, list item, caption) a line: what a comparison of two
    bodies lines up."""
    text = unescape(strip_tags(_BLOCK_BOUNDARY.sub("\n", html or "")))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
