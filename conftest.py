import atexit
import shutil
import tempfile

from django.conf import settings

# Plain static storage in tests: no collectstatic manifest is needed. Set here rather than through the
# environment because pytest-django has already imported the settings when this file is loaded.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every test that logs someone in creates users; the production hasher is slow on purpose.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The machine cache (no REDIS_URL) of this test run alone: not the installation's, which a running
# `make serve` may be using, nor another test run's.
if settings.CACHES["default"]["BACKEND"] == "newsroom.cache_backends.MachineCache":
    test_cache_dir = tempfile.mkdtemp(prefix="newsroom-test-cache-")
    atexit.register(shutil.rmtree, test_cache_dir, ignore_errors=True)
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": test_cache_dir}}
