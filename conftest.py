from django.conf import settings

# Plain static storage in tests: no collectstatic manifest is needed. Set here rather than through the
# environment because pytest-django has already imported the settings when this file is loaded.
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Every test that logs someone in creates users; the production hasher is slow on purpose.
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
