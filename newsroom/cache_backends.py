"""The shared cache: Redis made fail-safe, and the disk cache one machine's workers share without it.

Redis going away slows the site down but never breaks it.

Django's RedisCache raises on every call while Redis is unreachable, which would turn each
cached page, rate limit and login into an error. Here a failed call is logged and answered as
an empty cache that stores nothing would answer it: reads find nothing, writes report that
nothing was stored, and `incr` raises ValueError as it does for a missing key. After a failure
Redis is left alone for a few seconds, so an outage costs each request nothing more than a
cache miss instead of a connection attempt per call.

Code whose safety depends on the cache really holding a value (rate limits, replay checks)
asks `shared_cache_available()` first and chooses its own safe course when it is not.
"""

import logging
import time

import redis
from diskcache import DjangoCache
from django.core.cache import cache
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

# How long to leave Redis alone after a failed call before trying it again.
RETRY_AFTER_SECONDS = 2.0
# Short enough that a Redis that hangs costs a request well under a second; a healthy
# Redis on the local network answers in about a millisecond.
CONNECTION_OPTIONS = {"socket_connect_timeout": 0.3, "socket_timeout": 0.5}


class FailSafeRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**CONNECTION_OPTIONS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._unavailable_until = 0.0

    def _call(self, operation, fallback, *args, **kwargs):
        if time.monotonic() < self._unavailable_until:
            return fallback()
        try:
            return operation(*args, **kwargs)
        except redis.RedisError as error:
            self._unavailable_until = time.monotonic() + RETRY_AFTER_SECONDS
            logger.warning("Shared cache unavailable (%s); serving without it", error)
            return fallback()

    def is_available(self):
        """Whether Redis answers now; checked for real, even while calls are being skipped."""
        try:
            self._cache.get_client(write=True).ping()
        except redis.RedisError:
            self._unavailable_until = time.monotonic() + RETRY_AFTER_SECONDS
            return False
        self._unavailable_until = 0.0
        return True

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().add, lambda: False, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call(super().get, lambda: default, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set, lambda: None, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().touch, lambda: False, key, timeout, version)

    def delete(self, key, version=None):
        return self._call(super().delete, lambda: False, key, version)

    def get_many(self, keys, version=None):
        return self._call(super().get_many, dict, keys, version)

    def has_key(self, key, version=None):
        return self._call(super().has_key, lambda: False, key, version)

    def incr(self, key, delta=1, version=None):
        result = self._call(super().incr, lambda: None, key, delta, version)
        if result is None:
            raise ValueError(f"Key '{key}' not found: the shared cache is unavailable.")
        return result

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(super().set_many, lambda: list(data), data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call(super().delete_many, lambda: None, keys, version)

    def clear(self):
        return self._call(super().clear, lambda: False)


class MachineCache(DjangoCache):
    """diskcache's Django backend: the cache every worker of one machine shares without Redis.

    diskcache retries writes that meet a shard locked by another process but, by default, reports a
    read that meets one as a miss. Here reads wait their turn too: a missed page generation would
    otherwise look like a new site and serve pages from an old generation.
    """

    def get(self, key, default=None, version=None):
        return super().get(key, default, version, retry=True)

    def close(self, **kwargs):
        """Keep the SQLite connections open between requests.

        Django closes every cache when a request finishes; reopening this one's shards costs about
        1.5 ms a request, more than answering a cached page. The connections are the process's own
        (diskcache opens them per thread), so nothing is shared that should not be."""


def shared_cache_available():
    """True when the cache can be relied on to keep what is written to it now.

    A local-memory cache always can; a fail-safe Redis cache only while Redis answers.
    """
    is_available = getattr(cache, "is_available", None)
    return is_available() if is_available else True
