from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save


class ArticlesConfig(AppConfig):
    name = "articles"
    verbose_name = "Editorial"

    def ready(self):
        from taggit.models import Tag

        from articles import menus, models, page_keys
        from articles.search import index as search_index
        from newsroom import cache
        from newsroom.context_processors import add_menus
        from newsroom.models import SiteSettings

        add_menus(menus.section_menus)
        # Every page's sections and every article's ads come with the site settings, in one query.
        SiteSettings.add_furniture(menus.FURNITURE_NAME, menus.menu_rows, models.Section)
        SiteSettings.add_furniture(models.AdSlot.FURNITURE_NAME, models.AdSlot.furniture_rows, models.AdSlot)

        # What each editorial change renders again (and what it leaves cached).
        page_keys.connect(models)
        cache.add_scheduled_changes(
            lambda: [
                models.Article.objects.upcoming_publications(),
                models.Article.objects.upcoming_embargo_ends(),
                *models.Article.objects.upcoming_coverage_changes(),
            ]
        )
        cache.add_scheduled_changes(models.AdSlot.objects.upcoming_window_changes)

        # taggit's Tag is not ours to give a cleaning field; a signal cleans its name instead.
        pre_save.connect(models.clean_tag_name, sender=Tag, dispatch_uid="tag-name-cleaned")
        # Tags are saved after the article (the admin sets them with the form's
        # related fields), so the search index follows them separately.
        m2m_changed.connect(
            search_index.reindex_retagged_article, sender=models.Article.tags.through, dispatch_uid="search-retagged"
        )
        post_save.connect(search_index.reindex_articles_of_renamed_tag, sender=Tag, dispatch_uid="search-tag-renamed")
        pre_delete.connect(
            search_index.remember_articles_of_deleted_tag, sender=Tag, dispatch_uid="search-tag-deleting"
        )
        post_delete.connect(search_index.reindex_articles_of_deleted_tag, sender=Tag, dispatch_uid="search-tag-deleted")
        # A signal rather than Image.delete(): the admin's bulk delete removes a queryset.
        post_delete.connect(
            models.remove_files_of_deleted_image, sender=models.Image, dispatch_uid="image-files-deleted"
        )
