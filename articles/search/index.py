"""What keeps the search index current besides saving an article (which
refreshes its own entry): its tags change after it is saved (the admin sets
them with the form's related fields), and a tag can be renamed or deleted on
its own. Connected in `ArticlesConfig.ready()`."""

from articles.models import Article


def reindex_retagged_article(instance, action, **_signal_kwargs):
    if isinstance(instance, Article) and action in ("post_add", "post_remove", "post_clear"):
        Article.objects.filter(pk=instance.pk).refresh_search_index()


def reindex_articles_of_renamed_tag(instance, created, **_signal_kwargs):
    if not created:
        Article.objects.filter(tags=instance).refresh_search_index()


def remember_articles_of_deleted_tag(instance, **_signal_kwargs):
    instance.tagged_article_ids = list(Article.objects.filter(tags=instance).values_list("pk", flat=True))


def reindex_articles_of_deleted_tag(instance, **_signal_kwargs):
    Article.objects.filter(pk__in=getattr(instance, "tagged_article_ids", [])).refresh_search_index()
