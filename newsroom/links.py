"""Absolute addresses on the public site, built from SITE_URL.

Feeds, sitemaps, canonical links and share links must name the site's public
address, not whatever host a request happened to arrive on.
"""

from django.conf import settings
from django.templatetags.static import static


def absolute_url(path_or_url):
    if not path_or_url or "://" in path_or_url or path_or_url.startswith("mailto:"):
        return path_or_url
    return f"{settings.SITE_URL}/{path_or_url.lstrip('/')}"


def absolute_static_url(path):
    return absolute_url(static(path))
