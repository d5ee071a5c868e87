"""Purging the HTTP caches in front of the site: Varnish with its xkey module (deploy/varnish.vcl).

Cacheable pages name what they show in their `xkey` header. After a change, `purge(keys)` asks every
server of the VARNISH_URL setting to drop the pages carrying any of those keys, with one
`PURGE /` request whose `xkey-purge` header lists them. Without VARNISH_URL nothing is sent.

A Varnish server that is down or slow must not hold up or break an editor's save: each request
waits at most PURGE_TIMEOUT_SECONDS and a failure is logged, never raised. The pages it keeps
then expire by themselves after their max-age (60 s).
"""

import http.client
import logging
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

PURGE_TIMEOUT_SECONDS = 0.5


def purge(keys, at_once=False):
    """Drop from every Varnish server the pages that carry any of `keys`, once the current
    transaction commits (at once outside one): before, a page fetched again would still show
    the rows as they were. Softly, so a copy is kept to serve while the app is down, unless
    `at_once` (what the pages showed was withdrawn)."""
    keys = sorted(set(keys))
    if not settings.VARNISH_URL or not keys:
        return
    if any(not key or any(character.isspace() for character in key) for key in keys):
        logger.error("Not purging Varnish: a cache key is empty or contains a space: %r", keys)
        return
    headers = {"xkey-purge": " ".join(keys)}
    if at_once:
        headers["xkey-purge-at-once"] = "1"
    transaction.on_commit(lambda: _purge_everywhere(headers), robust=True)


def _purge_everywhere(headers):
    for server in settings.VARNISH_URL:
        _purge_one(server, headers)


def _purge_one(server, headers):
    address = urlsplit(server)
    connection = http.client.HTTPConnection(address.hostname, address.port or 80, timeout=PURGE_TIMEOUT_SECONDS)
    try:
        connection.request("PURGE", "/", headers=headers)
        response = connection.getresponse()
        response.read()
    except (OSError, http.client.HTTPException, ValueError) as error:
        logger.warning("Could not purge %s from Varnish at %s: %s", headers["xkey-purge"], server, error)
        return
    finally:
        connection.close()
    if response.status != 200:
        logger.warning(
            "Varnish at %s refused to purge %s: %s %s", server, headers["xkey-purge"], response.status, response.reason
        )
