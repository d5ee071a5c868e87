"""Where in-article ads go: articles.ads.place_ads, a pure function."""

from dataclasses import dataclass

import pytest
from django.utils.html import strip_tags

from articles.ads import place_ads, top_level_blocks


@dataclass(frozen=True)
class Slot:
    name: str
    max_per_article: int = 2


def paragraphs(count):
    return "".join(f"<p>P{number}</p>" for number in range(1, count + 1))


def layout(segments):
    """A readable picture of the result: each block's text, and "ad:A" where slot A goes."""
    parts = []
    for segment in segments:
        if segment.ad is not None:
            parts.append(f"ad:{segment.ad.name}")
        else:
            parts.extend(strip_tags(block.html) for block in top_level_blocks(segment.html))
    return parts


def ad_positions(segments):
    """Index of the block after which each ad comes."""
    positions, blocks_seen = [], 0
    for segment in segments:
        if segment.ad is not None:
            positions.append(blocks_seen)
        else:
            blocks_seen += len(top_level_blocks(segment.html))
    return positions


def test_an_ad_after_every_n_paragraphs():
    segments = place_ads(paragraphs(9), [Slot("A", max_per_article=5)], 3)
    assert layout(segments) == ["P1", "P2", "P3", "ad:A", "P4", "P5", "P6", "ad:A", "P7", "P8", "P9"]


def test_never_after_the_last_block():
    segments = place_ads(paragraphs(4), [Slot("A", max_per_article=5)], 2)
    assert ad_positions(segments) == [2]
    assert segments[-1].ad is None


def test_short_article_gets_no_ad():
    assert ad_positions(place_ads(paragraphs(2), [Slot("A")], 2)) == []
    assert ad_positions(place_ads("", [Slot("A")], 2)) == []


@pytest.mark.parametrize(
    "block",
    [
        '<figure><img src="/m/a.jpg" alt="A harbour"><figcaption>Harbour</figcaption></figure>',
        '<p><img src="/m/a.jpg" alt="A harbour"></p>',
        "<blockquote><p>A quotation.</p></blockquote>",
        "<ul><li>One</li><li>Two</li></ul>",
        "<ol><li>One</li></ol>",
        "<h2>A subheading</h2>",
    ],
)
def test_never_right_after_an_image_quotation_list_or_heading(block):
    body = "<p>One.</p>" + block + "<p>Two.</p><p>Three.</p>"
    segments = place_ads(body, [Slot("A")], 1)
    html_before_each_ad = [segments[index - 1].html for index, segment in enumerate(segments) if segment.ad is not None]
    assert html_before_each_ad, "an ad should still be placed after a paragraph"
    for html in html_before_each_ad:
        assert top_level_blocks(html)[-1].is_paragraph
    assert block in "".join(segment.html for segment in segments)


def test_paragraphs_inside_quotations_do_not_count():
    body = "<p>P1</p><blockquote><p>Q1</p><p>Q2</p><p>Q3</p></blockquote><p>P2</p><p>P3</p>"
    segments = place_ads(body, [Slot("A")], 2)
    assert layout(segments) == ["P1", "Q1Q2Q3", "P2", "ad:A", "P3"]


def test_no_active_slot_means_no_ad_and_the_body_is_unchanged():
    body = paragraphs(12)
    segments = place_ads(body, [], 2)
    assert [segment.ad for segment in segments] == [None]
    assert segments[0].html == body


def test_slots_take_turns_and_respect_their_limit():
    segments = place_ads(paragraphs(20), [Slot("A", max_per_article=2), Slot("B", max_per_article=1)], 2)
    assert [segment.ad.name for segment in segments if segment.ad] == ["A", "B", "A"]


def test_joining_the_segments_gives_back_the_body():
    body = (
        "<h2>Start</h2>\n<p>One &amp; <a href='https://example.org/'>two</a>.</p>\n"
        "<p>Three<br>four.</p> loose text <hr><p>Five.</p>\n"
    )
    segments = place_ads(body, [Slot("A", max_per_article=3)], 1)
    assert "".join(segment.html for segment in segments) == body
    assert ad_positions(segments) == [2, 3]


def test_ad_segments_and_text_segments_alternate_in_reading_order():
    segments = place_ads(paragraphs(6), [Slot("A", max_per_article=9)], 2)
    kinds = ["ad" if segment.ad else "text" for segment in segments]
    assert kinds == ["text", "ad", "text", "ad", "text"]
