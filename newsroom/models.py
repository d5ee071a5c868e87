"""Site-wide furniture: the site's settings and its links."""

import json
import threading

from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.core.signals import request_finished, request_started
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

from newsroom import uploads
from newsroom.text import CleanCharField, CleanTextField

SITE_SETTINGS_CACHE_KEY = "newsroom:site-settings"

# The settings as the request being answered first read them: a page asks for them several times
# (menus, ads, structured data), and each read from the shared cache costs a lookup and an unpickling.
_this_request = threading.local()


def _begin_request(**_signal_kwargs):
    _this_request.answering, _this_request.settings = True, None


def _end_request(**_signal_kwargs):
    _this_request.answering, _this_request.settings = False, None


request_started.connect(_begin_request, dispatch_uid="site-settings-begin-request")
request_finished.connect(_end_request, dispatch_uid="site-settings-end-request")

# The apps' share of every page's furniture (menus, ads): name -> a callable giving it as JSON.
_furniture_sources = {}


class SiteSettings(models.Model):
    """One row: what the masthead, footer and comment moderation look like."""

    name = CleanCharField(max_length=100, default="Newsroom")
    tagline = CleanCharField(max_length=200, blank=True, default="Independent reporting, every hour")
    logo = models.ImageField(upload_to="site/", blank=True, validators=[uploads.validate_upload])
    default_share_image = models.ImageField(
        upload_to="site/",
        blank=True,
        validators=[uploads.validate_upload],
        help_text="Shown by social networks for pages without an image of their own.",
    )
    footer_text = CleanCharField(
        max_length=300, blank=True, help_text="A line under the copyright, e.g. the publisher's address."
    )
    paragraphs_between_ads = models.PositiveSmallIntegerField(
        default=4,
        validators=[MinValueValidator(2), MaxValueValidator(50)],
        help_text="An in-article ad slot is offered after every this many paragraphs.",
    )

    # Comment moderation, in the spirit of WordPress's Discussion settings.
    hold_all_comments = models.BooleanField(
        default=True, help_text="Every comment waits for a moderator. Untick to let trusted commenters through."
    )
    auto_approve_known_commenters = models.BooleanField(
        default=False,
        help_text="When comments are not all held: approve at once an email that already has an approved comment.",
    )
    close_comments_after_days = models.PositiveSmallIntegerField(
        default=30, help_text="Comments close this many days after publication; 0 keeps them open."
    )
    hold_links_threshold = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1)], help_text="Hold a comment with this many links or more."
    )
    moderation_words = CleanTextField(
        blank=True, help_text="One word or phrase per line; a comment containing one is held for a moderator."
    )
    blocked_words = CleanTextField(
        blank=True, help_text="One word or phrase per line; a comment containing one goes straight to spam."
    )
    comments_per_hour_per_ip = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    comments_per_hour_per_email = models.PositiveSmallIntegerField(default=10, validators=[MinValueValidator(1)])
    minimum_seconds_to_comment = models.PositiveSmallIntegerField(
        default=3, help_text="A form sent back faster than this is treated as a bot."
    )
    thread_depth = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(10)],
        help_text="How deep replies may nest; 1 means no replies.",
    )
    comments_per_page = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(5), MaxValueValidator(500)],
        help_text="Top-level comments per page on long threads.",
    )
    notify_moderators = models.BooleanField(
        default=True, help_text="Email the Moderators group about each comment awaiting moderation."
    )

    # The social and footer links as pages show them, copied here whenever a link
    # changes: the site's furniture is then read in one query, even from a cold cache.
    links = models.JSONField(default=dict, editable=False)
    # The same for what the apps add to every page (see `add_furniture`).
    furniture = models.JSONField(default=dict, editable=False, encoder=DjangoJSONEncoder)
    modified_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "site settings"
        verbose_name_plural = "site settings"

    def __str__(self):
        return "Site settings"

    def save(self, *args, **kwargs):
        self.pk = 1
        self.links = self._links_from_rows()
        self.furniture = self._furniture_from_rows()
        super().save(*args, **kwargs)
        self.forget_cached()

    def delete(self, *args, **kwargs):
        raise models.ProtectedError("The site settings cannot be deleted.", {self})

    @classmethod
    def current(cls):
        """The settings row with its links and furniture: from the shared cache, once per request."""
        settings = getattr(_this_request, "settings", None)
        if settings is None:
            settings = cls._read()
            if getattr(_this_request, "answering", False):
                _this_request.settings = settings
        return settings

    @classmethod
    def _read(cls):
        settings = cache.get(SITE_SETTINGS_CACHE_KEY)
        if settings is None:
            settings, _ = cls.objects.get_or_create(pk=1)
            if set(_furniture_sources) - set(settings.furniture):
                # A database made before an app added its part: copied once, then kept up to date.
                settings.furniture = cls.record_furniture()
            settings.social_links_list = [SocialLink(**link) for link in settings.links.get("social", [])]
            settings.footer_links_list = [FooterLink(**link) for link in settings.links.get("footer", [])]
            cache.set(SITE_SETTINGS_CACHE_KEY, settings, 600)
        return settings

    @staticmethod
    def add_furniture(name, build, *models_shown):
        """Every page shows what `build()` gives (JSON: lists and dicts of plain values, dates and
        times), read from `models_shown`: copied into the settings row whenever one of their rows
        changes, it comes with the settings, in their one query. Read it as `furniture[name]`."""
        _furniture_sources[name] = build
        for model in models_shown:
            label = model._meta.label
            post_save.connect(SiteSettings.record_furniture, sender=model, dispatch_uid=f"furniture-save-{label}")
            post_delete.connect(SiteSettings.record_furniture, sender=model, dispatch_uid=f"furniture-delete-{label}")

    @classmethod
    def record_furniture(cls, **_signal_kwargs):
        """Copy the rows every page shows into the settings row, after any of them changed."""
        furniture = cls._furniture_from_rows()
        encoded = json.loads(json.dumps(furniture, cls=DjangoJSONEncoder))
        cls.objects.filter(pk=1).update(links=cls._links_from_rows(), furniture=encoded)
        cls.forget_cached()
        return encoded

    @staticmethod
    def forget_cached():
        SiteSettings._forget()
        # Again once the change commits: a request in between may have cached the row as it was.
        transaction.on_commit(SiteSettings._forget)

    @staticmethod
    def _forget():
        _this_request.settings = None
        cache.delete(SITE_SETTINGS_CACHE_KEY)

    @staticmethod
    def _links_from_rows():
        return {
            "social": list(SocialLink.objects.filter(site=1).values("network", "url")),
            "footer": list(FooterLink.objects.filter(site=1).values("label", "url")),
        }

    @staticmethod
    def _furniture_from_rows():
        return {name: build() for name, build in _furniture_sources.items()}


def rows_from_furniture(model, rows):
    """Model instances (unsaved, for showing only) from rows `add_furniture` kept as `values()` dicts."""
    fields = {field.attname: field for field in model._meta.concrete_fields}
    return [model(**{name: fields[name].to_python(value) for name, value in row.items()}) for row in rows]


class SocialLink(models.Model):
    class Network(models.TextChoices):
        FACEBOOK = "facebook", "Facebook"
        X = "x", "X"
        INSTAGRAM = "instagram", "Instagram"
        LINKEDIN = "linkedin", "LinkedIn"
        YOUTUBE = "youtube", "YouTube"
        MASTODON = "mastodon", "Mastodon"
        BLUESKY = "bluesky", "Bluesky"
        RSS = "rss", "RSS"

    site = models.ForeignKey(SiteSettings, on_delete=models.CASCADE, related_name="social_links", default=1)
    network = models.CharField(max_length=20, choices=Network.choices)
    url = models.URLField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.get_network_display()


class FooterLink(models.Model):
    site = models.ForeignKey(SiteSettings, on_delete=models.CASCADE, related_name="footer_links", default=1)
    label = CleanCharField(max_length=60)
    url = models.CharField(max_length=300, help_text="A full address or a path on this site, e.g. /section/world-news/")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self):
        return self.label
