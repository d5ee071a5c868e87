"""Signed values the comment form and its redirect carry.

The form token travels in every copy of a (possibly shared, cached) article
page: it proves the form came from this site for this article, and when. The
pending token is the reader's private receipt for a comment awaiting
moderation: whoever holds the link sees that one comment.
"""

from datetime import timedelta

from django.core import signing

FORM_TOKEN_SALT = "comments.form-token"
FORM_TOKEN_MAX_AGE = timedelta(days=2)
PENDING_TOKEN_SALT = "comments.pending"
PENDING_TOKEN_MAX_AGE = timedelta(days=14)
_BAD_TOKEN_ERRORS = (signing.BadSignature, ValueError, TypeError, UnicodeError)


def issue_form_token(article_id, issued_at):
    return signing.Signer(salt=FORM_TOKEN_SALT).sign_object(
        {"article": article_id, "issued": int(issued_at.timestamp())}
    )


def read_form_token(token):
    """{"article": id, "issued": epoch seconds}, or None when the token is forged or damaged.

    Expiry is left to the caller, which tells the reader apart from a forger.
    """
    try:
        payload = signing.Signer(salt=FORM_TOKEN_SALT).unsign_object(token or "")
    except _BAD_TOKEN_ERRORS:
        return None
    if not isinstance(payload, dict):
        return None
    article_id, issued = payload.get("article"), payload.get("issued")
    if not isinstance(article_id, int) or not isinstance(issued, int):
        return None
    return {"article": article_id, "issued": issued}


def issue_pending_token(comment):
    return signing.dumps({"comment": comment.pk}, salt=PENDING_TOKEN_SALT)


def read_pending_token(token):
    """The comment id the token names, or None when it is forged, damaged or expired."""
    try:
        payload = signing.loads(token or "", salt=PENDING_TOKEN_SALT, max_age=PENDING_TOKEN_MAX_AGE)
    except _BAD_TOKEN_ERRORS:
        return None
    comment_id = payload.get("comment") if isinstance(payload, dict) else None
    return comment_id if isinstance(comment_id, int) else None
