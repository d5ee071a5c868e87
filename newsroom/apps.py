from django.apps import AppConfig
from django.db.models.signals import post_delete, post_migrate, post_save


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Site"

    def ready(self):
        from newsroom import cache
        from newsroom.models import FooterLink, SiteSettings, SocialLink

        for link_model in (SocialLink, FooterLink):
            label = link_model._meta.label
            post_save.connect(SiteSettings.record_furniture, sender=link_model, dispatch_uid=f"links-save-{label}")
            post_delete.connect(SiteSettings.record_furniture, sender=link_model, dispatch_uid=f"links-delete-{label}")

        # The site's furniture shows on every page.
        cache.invalidate_pages_on_change(SiteSettings, SocialLink, FooterLink)
        post_migrate.connect(forget_cached_pages, sender=self, dispatch_uid="pages-after-migrate")


def forget_cached_pages(**_signal_kwargs):
    """After migrations the database may be another one (a demo database made again, a restore):
    nothing the cache kept from before may be served."""
    from newsroom.cache import SITE, invalidate
    from newsroom.models import SiteSettings

    invalidate(SITE, at_once=True)
    SiteSettings.forget_cached()
