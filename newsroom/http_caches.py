"""Purging the HTTP caches in front of the app (Varnish with its xkey module, deploy/varnish.vcl).

Pages carry what they show in their `xkey` header (newsroom/cache.py); a change purges the
same keys from every server VARNISH_URL names. A purge that fails is logged, never raised: the
cache in front then serves the page until its max-age (a minute) runs out.
"""

import http.client
import logging
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

PURGE_TIMEOUT_SECONDS = 0.5


def purge(keys, at_once=False):
    """Purge the pages showing any of `keys`. Softly by default: the cache in front may serve the
    old copy while it fetches the new one; `at_once` removes the old copy outright."""
    header = "xkey-purge" if at_once else "xkey-softpurge"
    for address in settings.VARNISH_URLS:
        _send(address, header, " ".join(sorted(keys)))


def _send(address, header, keys):
    url = urlsplit(address)
    connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=PURGE_TIMEOUT_SECONDS)
    try:
        connection.request("PURGE", "/", headers={header: keys})
        response = connection.getresponse()
        response.read()
        if response.status != 200:
            logger.warning("%s refused a purge: %s %s", address, response.status, response.reason)
    except OSError as error:
        logger.warning("Could not purge %s (%s)", address, error)
    finally:
        connection.close()
