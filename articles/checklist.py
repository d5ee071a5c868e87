"""What an editor checks before publishing: the one home of these rules.

Each rule is a small function of the saved article returning a `Check`. A failing check is a warning
shown beside the article's form with a link to the field that fixes it; none of them stops an editor
from publishing.
"""

from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse

# Search engines cut a longer title in their results.
LONGEST_HEADLINE_FOR_SEARCH = 110
# Social networks and search engines show large previews only for images at least this wide.
NARROWEST_LARGE_PREVIEW = 1200


@dataclass(frozen=True)
class Check:
    label: str
    passed: bool
    advice: str
    field_id: str

    @property
    def anchor(self):
        return f"#{self.field_id}"


def counted(number, noun):
    return f"{number} {noun}{'' if number == 1 else 's'}"


class _BodyReferences(HTMLParser):
    """The images (with their alt text) and link addresses of body HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.image_alts = []
        self.addresses = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "img":
            self.image_alts.append((attributes.get("alt") or "").strip())
            self.addresses.append(attributes.get("src") or "")
        elif tag == "a":
            self.addresses.append(attributes.get("href") or "")


def body_references(html):
    parser = _BodyReferences()
    parser.feed(html or "")
    parser.close()
    return parser


def image_alt_text(article, references):
    missing = sum(1 for alt in references.image_alts if not alt)
    hero_missing = bool(article.hero_image and not article.hero_image.alt_text.strip())
    if hero_missing:
        advice = "The hero image has no alt text: describe it in the image library."
        field_id = "id_hero_image"
    elif missing:
        advice = f"{counted(missing, 'image')} in the body without alt text."
        field_id = "id_body"
    else:
        advice = "Every image is described for readers who cannot see it."
        field_id = "id_body"
    return Check("Alt text on every image", not (hero_missing or missing), advice, field_id)


def standfirst_present(article, references):
    present = bool(article.standfirst.strip())
    advice = "Lists, feeds and search results show it." if present else "Write a standfirst of a sentence or two."
    return Check("Standfirst", present, advice, "id_standfirst")


def headline_fits_search_results(article, references):
    length = len(article.headline)
    fits = length <= LONGEST_HEADLINE_FOR_SEARCH
    advice = (
        f"{length} characters, within the {LONGEST_HEADLINE_FOR_SEARCH} search results show."
        if fits
        else f"{length} characters: search results cut it after {LONGEST_HEADLINE_FOR_SEARCH}. "
        "Shorten it, or write a shorter alternative headline."
    )
    return Check("Headline length for search results", fits, advice, "id_headline")


def hero_image_wide_enough(article, references):
    if not article.hero_image:
        return Check("Hero image for large previews", False, "Choose a hero image.", "id_hero_image")
    width = article.hero_image.width
    wide = width >= NARROWEST_LARGE_PREVIEW
    advice = (
        f"{width} px wide."
        if wide
        else f"{width} px wide: large previews need at least {NARROWEST_LARGE_PREVIEW} px. Choose a larger image."
    )
    return Check("Hero image for large previews", wide, advice, "id_hero_image")


def has_a_tag(article, references):
    count = len(article.tags.all())
    advice = f"{counted(count, 'tag')}." if count else "Add at least one tag so readers find related stories."
    return Check("At least one tag", bool(count), advice, "id_tags")


def internal_addresses():
    """The path prefixes of pages readers must never be sent to from a story: the admin and previews."""
    preview_prefix = reverse("articles:preview", kwargs={"token": "token"}).removesuffix("token/")
    return (reverse("admin:index"), preview_prefix)


def is_internal_address(address):
    parts = urlsplit(address.strip())
    site = urlsplit(settings.SITE_URL)
    if parts.netloc and parts.netloc.lower() != site.netloc.lower():
        return False
    return parts.path.startswith(internal_addresses())


def no_internal_links(article, references):
    internal = [address for address in references.addresses if is_internal_address(address)]
    advice = (
        f"{counted(len(internal), 'link')} in the body to the admin or a preview, which readers cannot open."
        if internal
        else "No link leads to the admin or a preview."
    )
    return Check("No links to the preview or the admin", not internal, advice, "id_body")


RULES = [
    headline_fits_search_results,
    standfirst_present,
    image_alt_text,
    hero_image_wide_enough,
    has_a_tag,
    no_internal_links,
]


def run_checklist(article):
    """Every check of the saved article, in the order of its form."""
    references = body_references(article.body)
    return [rule(article, references) for rule in RULES]
