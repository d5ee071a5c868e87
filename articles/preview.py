"""Signed, expiring preview links: a draft seen exactly as readers will see it,
by anyone the link is shared with, without logging in."""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "articles.preview"


def preview_url(article):
    token = signing.TimestampSigner(salt=_SALT).sign_object({"article": article.pk})
    return reverse("articles:preview", kwargs={"token": token})


def article_id_from_token(token):
    """The article id a token grants, or None when it is forged, damaged or expired."""
    try:
        payload = signing.TimestampSigner(salt=_SALT).unsign_object(token, max_age=settings.PREVIEW_LINK_MAX_AGE)
    except (signing.BadSignature, ValueError, UnicodeError):
        return None
    article_id = payload.get("article") if isinstance(payload, dict) else None
    return article_id if isinstance(article_id, int) else None
