"""The test suite's settings: the project's own, with the few differences a test run needs."""

import atexit
import shutil
import tempfile

from newsroom.settings import *  # noqa: F403
from newsroom.settings import CACHES, STORAGES

# Plain static storage: no collectstatic manifest is needed.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

# Every test that logs someone in creates users; the production hasher is slow on purpose.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The machine cache (no REDIS_URL) of this test run alone: not the installation's, which a running
# `make serve` may be using, nor another test run's.
if CACHES["default"]["BACKEND"] == "newsroom.cache_backends.MachineCache":
    _test_cache_dir = tempfile.mkdtemp(prefix="newsroom-test-cache-")
    atexit.register(shutil.rmtree, _test_cache_dir, ignore_errors=True)
    CACHES = {"default": {**CACHES["default"], "LOCATION": _test_cache_dir}}
