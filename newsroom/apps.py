from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Site"

    def ready(self):
        from newsroom import cache
        from newsroom.models import FooterLink, SiteSettings, SocialLink

        for link_model in (SocialLink, FooterLink):
            label = link_model._meta.label
            post_save.connect(SiteSettings.record_links, sender=link_model, dispatch_uid=f"links-save-{label}")
            post_delete.connect(SiteSettings.record_links, sender=link_model, dispatch_uid=f"links-delete-{label}")

        # The site's furniture shows on every page.
        cache.invalidate_pages_on_change(SiteSettings, SocialLink, FooterLink)
