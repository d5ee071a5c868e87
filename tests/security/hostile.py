"""A corpus of hostile values, and a client that sends them and checks every answer.

The answer to anything a client sends is never a 5xx, and never carries markup it was sent
back unescaped.
"""

from django.test import Client
from hypothesis import strategies as st

MARKUP = "<script>alert(1)</script>"

CORPUS = [
    # Markup and script injection, in text, attributes and URLs
    MARKUP,
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "{{ 7|add:7 }}{% debug %}",
    "${7*7}#{7*7}%{7*7}",
    # SQL and search-syntax injection
    "' OR '1'='1' --",
    '" OR ""="',
    "1; DROP TABLE articles_article; --",
    "1' UNION SELECT username, password FROM auth_user --",
    "') OR 1=1 --",
    "%' AND 1=0 UNION SELECT 1 --",
    "!!&&||<->:*()",
    '"unbalanced',
    "-",
    # Numbers that are not page numbers
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "0x10",
    "1.5",
    "last",
    "[]",
    "{}",
    "null",
    # Paths and headers
    "../../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "http://evil.example/",
    "//evil.example",
    "\r\nSet-Cookie: injected=1",
    # Control characters
    "\x00",
    "a\x00b",
    "\x01\x02\x03\x1b[31m\x7f",
    "\t\n\x0b\x0c\r",
    # Unicode edge cases
    "\u202eevil\u202c.exe",
    "e\u0301\u0301\u0301\u0301\u0301\u0301",
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "\ufeffbom",
    "\uffff\U0010ffff",
    "ＳＥＬＥＣＴ＜script＞",
    "İıßﬃ",
    "\\ud800\\udfff",
    "&#xD800;&#0;",
    "%ED%A0%80%00",
    "\u0000\u2028\u2029",
    # Very long values
    "A" * 100_000,
    "<b>" * 20_000,
]

# Fields that take an id, a number, a date or a choice refuse all text alike: a sample of each
# kind of value is enough for them, and keeps the slow admin forms quick to test.
SAMPLE = [
    MARKUP,
    "' OR '1'='1' --",
    "-1",
    "0",
    "9" * 40,
    "1e309",
    "NaN",
    "1.5",
    "[]",
    "\x00",
    "a\x00b",
    "\u202eevil\u202c.exe",
    "👩‍👩‍👧‍👦🏳️‍🌈",
    "A" * 100_000,
]


def identifier(value):
    """A short, readable test id for a value."""
    return repr(value[:30]) + (f"…({len(value)})" if len(value) > 30 else "")


# Arbitrary text a browser could send (lone surrogates cannot be encoded, so no browser sends them).
any_text = st.one_of(
    st.sampled_from(CORPUS),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
)


def has_markup(payload):
    return "<" in payload


class HostileClient:
    """A test client that counts the requests it sends and checks each answer."""

    def __init__(self, client=None):
        self.client = client or Client()
        self.sent = 0

    def request(self, method, url, payload=None, **kwargs):
        response = getattr(self.client, method)(url, **kwargs)
        self.sent += 1
        described = f"{method.upper()} {url[:200]} with {payload!r:.200}"
        assert response.status_code < 500, f"{described} answered {response.status_code}"
        if payload is not None and has_markup(payload) and not response.streaming:
            body = response.content.decode(errors="replace")
            # The start of the payload too: a long value may be shown cut short.
            assert payload[:60] not in body, f"{described} reflected the payload unescaped"
        return response

    def get(self, url, payload=None, **kwargs):
        return self.request("get", url, payload, **kwargs)

    def post(self, url, payload=None, **kwargs):
        return self.request("post", url, payload, **kwargs)
