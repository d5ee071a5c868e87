"""Where in-article ads go.

A pure function over the article's sanitised body: no database, no request,
so the placement rules can be read and tested on their own.

Rules: an ad may follow only a top-level paragraph of text, after every
`paragraphs_between_ads` such paragraphs; never an image, a quotation, a list
or a heading, and never the last block (a reader told to "scroll to continue
reading" must find something below). Active slots take turns, each at most
its `max_per_article` times.
"""

import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from django.utils.safestring import SafeString, mark_safe

# Elements that never have an end tag, so they do not open a level of nesting.
VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})
_LINE_END = re.compile("\n")


@dataclass(frozen=True)
class Block:
    """One top-level piece of the body, with its exact source markup."""

    tag: str
    html: str
    has_text: bool

    @property
    def is_paragraph(self):
        # A paragraph holding only an image or a line break reads as an image, not as text.
        return self.tag == "p" and self.has_text


@dataclass(frozen=True)
class Segment:
    """Either a run of body markup or one ad slot, in reading order."""

    html: SafeString = mark_safe("")
    ad: Any = None


class _TopLevelSplitter(HTMLParser):
    """Records where each top-level element starts and ends in the source."""

    def __init__(self, source):
        super().__init__(convert_charrefs=True)
        self.source = source
        # HTMLParser gives positions as (line, column); the offset where each line starts turns them into indexes.
        self.line_starts = [0, *(match.end() for match in _LINE_END.finditer(source))]
        self.depth = 0
        self.blocks = []
        self.current = None

    def _offset(self):
        line, column = self.getpos()
        return self.line_starts[line - 1] + column

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.current = {"tag": tag, "start": self._offset(), "has_text": False}
            if tag in VOID_ELEMENTS:
                self._close(self._offset() + len(self.get_starttag_text()))
                return
        if tag not in VOID_ELEMENTS:
            self.depth += 1

    def handle_startendtag(self, tag, attrs):
        if self.depth == 0:
            self.current = {"tag": tag, "start": self._offset(), "has_text": False}
            self._close(self._offset() + len(self.get_starttag_text()))

    def handle_endtag(self, tag):
        if tag in VOID_ELEMENTS or self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 0:
            self._close(self.source.index(">", self._offset()) + 1)

    def handle_data(self, data):
        if self.current is not None and self.depth > 0 and data.strip():
            self.current["has_text"] = True

    def _close(self, end):
        self.blocks.append((self.current["tag"], self.current["start"], end, self.current["has_text"]))
        self.current = None


def top_level_blocks(body_html):
    """The body cut into its top-level elements. Loose text or whitespace
    between elements stays attached to the element before it, so joining the
    blocks gives back the body unchanged."""
    splitter = _TopLevelSplitter(body_html)
    splitter.feed(body_html)
    splitter.close()
    blocks = []
    for index, (tag, start, _end, has_text) in enumerate(splitter.blocks):
        if index == 0:
            start = 0
        is_last = index == len(splitter.blocks) - 1
        end = len(body_html) if is_last else splitter.blocks[index + 1][1]
        blocks.append(Block(tag=tag, html=body_html[start:end], has_text=has_text))
    if not blocks and body_html:
        blocks.append(Block(tag="", html=body_html, has_text=bool(body_html.strip())))
    return blocks


def ad_rotation(ad_slots):
    """Slots taking turns: A, B, A, B, … each at most `max_per_article` times."""
    rounds = max((slot.max_per_article for slot in ad_slots), default=0)
    return [slot for turn in range(rounds) for slot in ad_slots if slot.max_per_article > turn]


def place_ads(body_html, ad_slots, paragraphs_between_ads):
    """The body as segments with ads between them (see the module's rules).

    `body_html` must already be sanitised: the segments are marked safe.
    """
    rotation = ad_rotation(list(ad_slots))
    blocks = top_level_blocks(body_html or "")
    segments = []
    pending = []
    paragraphs_since_ad = 0
    for index, block in enumerate(blocks):
        pending.append(block.html)
        if not block.is_paragraph:
            continue
        paragraphs_since_ad += 1
        is_last_block = index == len(blocks) - 1
        if rotation and paragraphs_since_ad >= paragraphs_between_ads and not is_last_block:
            segments.append(Segment(html=mark_safe("".join(pending))))
            segments.append(Segment(ad=rotation.pop(0)))
            pending = []
            paragraphs_since_ad = 0
    if pending:
        segments.append(Segment(html=mark_safe("".join(pending))))
    return segments
