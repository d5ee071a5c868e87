from django.apps import AppConfig, apps
from django.db.models.signals import m2m_changed, post_delete, post_save


class NewsroomConfig(AppConfig):
    name = "newsroom"
    verbose_name = "Site"

    def ready(self):
        from articles.models import Article
        from newsroom.admin_hardening import harden_admin
        from newsroom.cache import invalidate_pages
        from newsroom.models import FooterLink, SiteSettings, SocialLink

        harden_admin()

        for link_model in (SocialLink, FooterLink):
            label = link_model._meta.label
            post_save.connect(SiteSettings.record_links, sender=link_model, dispatch_uid=f"links-save-{label}")
            post_delete.connect(SiteSettings.record_links, sender=link_model, dispatch_uid=f"links-delete-{label}")

        # Everything editorial or site-wide shows on public pages; comments
        # invalidate pages themselves, and only when a visible one changes.
        for app_label in ("articles", "newsroom", "taggit"):
            for model in apps.get_app_config(app_label).get_models():
                post_save.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-save-{model._meta.label}")
                post_delete.connect(invalidate_pages, sender=model, dispatch_uid=f"pages-delete-{model._meta.label}")
        m2m_changed.connect(invalidate_pages, sender=Article.tags.through, dispatch_uid="pages-tags")
        m2m_changed.connect(invalidate_pages, sender=Article.related_articles.through, dispatch_uid="pages-related")
